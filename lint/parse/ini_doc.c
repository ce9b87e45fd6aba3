#include "parse/ini_doc.h"

#include <ini.h>
#include <stdlib.h>

#include "core/util.h"

typedef struct FgIniKeyRef {
  char *section;
  char *key;
} FgIniKeyRef;

typedef FG_VEC(FgIniKeyRef) FgIniKeyRefVec;

/* libinih callback: records section/key pairs. A multi-line value arrives as
 * several calls with the same name; those collapse into one. */
static int fg_ini_inih_handler(void *user, const char *section, const char *name,
                               const char *value) {
  FgIniKeyRefVec *refs = user;
  if (refs->len) {
    FgIniKeyRef *last = &refs->items[refs->len - 1];
    if (strcmp(last->section, section) == 0 && strcmp(last->key, name) == 0)
      return 1;
  }
  FgIniKeyRef r = {fg_xstrdup(section), fg_xstrdup(name)};
  fg_vec_push(refs, r);
  return 1;
}

static bool fg_ini_blank(char c) {
  return c == ' ' || c == '\t';
}

static void fg_ini_fail(FgIniDoc *self, size_t offset, const char *message) {
  if (self->has_error)
    return;
  self->has_error = true;
  self->error_offset = offset;
  self->message = message;
}

typedef FG_VEC(FgIniSection) FgIniSectionVec;
typedef FG_VEC(FgIniEntry) FgIniEntryVec;
typedef FG_VEC(FgIniLine) FgIniLineVec;

/* The text of [s, e) without surrounding blanks. */
static void fg_ini_strip(const char *d, size_t *s, size_t *e) {
  while (*s < *e && fg_ini_blank(d[*s]))
    (*s)++;
  while (*e > *s && (fg_ini_blank(d[*e - 1]) || d[*e - 1] == '\r'))
    (*e)--;
}

static void fg_ini_finish_entry(FgIniEntry *e, FgIniLineVec *lines) {
  FgBuf b = {0};
  for (size_t i = 0; i < lines->len; i++) {
    if (b.len)
      fg_buf_putc(&b, '\n');
    fg_buf_puts(&b, lines->items[i].text);
  }
  e->value = fg_buf_take(&b);
  e->lines = lines->items;
  e->nlines = lines->len;
  if (lines->len && e->value_start == e->value_end)
    e->value_start = lines->items[0].start; /* the value began on a later line */
  if (lines->len)
    e->value_end = lines->items[lines->len - 1].end;
  lines->items = NULL;
  lines->len = lines->cap = 0;
}

/* The line scanner: every section and key with values and spans. */
static void fg_ini_scan(FgIniDoc *self, const FgSource *src, FgIniSectionVec *sections,
                        FgIniEntryVec *entries) {
  const char *d = src->data;
  size_t n = src->len;
  size_t pos = src->bom ? 3 : 0;
  size_t lineno = 0;
  const char *section = NULL;
  FgIniEntry cur = {0};
  bool in_entry = false;
  FgIniLineVec lines = {0};
  while (pos < n) {
    lineno++;
    size_t ls = pos, le = pos;
    while (le < n && d[le] != '\n')
      le++;
    pos = le < n ? le + 1 : le;
    size_t s = ls, e = le;
    fg_ini_strip(d, &s, &e);
    if (s == e || d[s] == '#' || d[s] == ';')
      continue;   /* blank or comment: a value may continue after it */
    if (s > ls) { /* indented: continues the previous value */
      if (!in_entry) {
        fg_ini_fail(self, s, "continuation line without a key");
        continue;
      }
      FgIniLine l = {fg_xstrndup(d + s, e - s), s, e};
      fg_vec_push(&lines, l);
      continue;
    }
    if (in_entry) {
      fg_ini_finish_entry(&cur, &lines);
      fg_vec_push(entries, cur);
      in_entry = false;
    }
    if (d[s] == '[') {
      size_t close = s;
      while (close < e && d[close] != ']' && d[close] != '#' && d[close] != ';')
        close++;
      if (close >= e || d[close] != ']') {
        fg_ini_fail(self, s, "section header without ']'");
        section = NULL;
        continue;
      }
      FgIniSection sec = {fg_xstrndup(d + s + 1, close - s - 1), s, close + 1};
      fg_vec_push(sections, sec);
      section = sec.name;
      continue;
    }
    /* key = value, or key: value; a ':' before the '=' wins (iniconfig) */
    size_t eq = s, colon = s;
    while (eq < e && d[eq] != '=')
      eq++;
    while (colon < e && d[colon] != ':')
      colon++;
    size_t sep = colon < eq ? colon : eq;
    if (sep >= e) {
      fg_ini_fail(self, s, "line is neither a section, a key nor a continuation");
      continue;
    }
    if (!section) {
      fg_ini_fail(self, s, "key outside any section");
      continue;
    }
    size_t ks = s, ke = sep, vs = sep + 1, ve = e;
    fg_ini_strip(d, &ks, &ke);
    fg_ini_strip(d, &vs, &ve);
    memset(&cur, 0, sizeof cur);
    cur.section = section;
    cur.key = fg_xstrndup(d + ks, ke - ks);
    cur.key_start = ks;
    cur.key_end = ke;
    cur.value_start = vs;
    cur.value_end = ve;
    cur.line = lineno;
    if (vs < ve) {
      FgIniLine l = {fg_xstrndup(d + vs, ve - vs), vs, ve};
      fg_vec_push(&lines, l);
    }
    in_entry = true;
  }
  if (in_entry) {
    fg_ini_finish_entry(&cur, &lines);
    fg_vec_push(entries, cur);
  }
  fg_vec_free(&lines);
}

static void fg_ini_entry_free(FgIniEntry *e) {
  free(e->key);
  free(e->value);
  for (size_t i = 0; i < e->nlines; i++)
    free(e->lines[i].text);
  free(e->lines);
}

FgIniDoc *fg_ini_doc_parse(const FgSource *src) {
  FgIniDoc *self = fg_xcalloc(1, sizeof *self);
  FgIniKeyRefVec refs = {0};
  /* libinih reads up to a NUL: give it the whole file, a NUL read as a
   * blank (Python's configparser reads it as a character; a NUL in a
   * comment must not hide every section after it) */
  char *text = fg_xstrndup(src->data, src->len);
  for (char *z = memchr(text, '\0', src->len); z;
       z = memchr(z, '\0', src->len - (size_t)(z - text)))
    *z = ' ';
  self->inih_result = ini_parse_string(text, fg_ini_inih_handler, &refs);
  free(text);

  FgIniSectionVec sections = {0};
  FgIniEntryVec scanned = {0};
  fg_ini_scan(self, src, &sections, &scanned);

  /* Keep the scanned entries libinih also reported, in order. A key libinih
   * did not see (or a fragment of an over-long line libinih mistook for a
   * key) is dropped. */
  FgIniEntryVec kept = {0};
  size_t r = 0;
  for (size_t i = 0; i < scanned.len; i++) {
    FgIniEntry *e = &scanned.items[i];
    size_t k = r;
    while (k < refs.len && !(strcmp(refs.items[k].section, e->section) == 0 &&
                             strcmp(refs.items[k].key, e->key) == 0))
      k++;
    if (k < refs.len) {
      fg_vec_push(&kept, *e);
      r = k + 1;
    } else {
      fg_ini_entry_free(e);
    }
  }
  fg_vec_free(&scanned);
  for (size_t i = 0; i < refs.len; i++) {
    free(refs.items[i].section);
    free(refs.items[i].key);
  }
  fg_vec_free(&refs);

  /* iniconfig rejects a key given twice in one section */
  for (size_t i = 0; i < kept.len; i++)
    for (size_t j = 0; j < i; j++)
      if (kept.items[j].section == kept.items[i].section &&
          strcmp(kept.items[j].key, kept.items[i].key) == 0)
        fg_ini_fail(self, kept.items[i].key_start, "duplicate key in section");

  self->sections = sections.items;
  self->nsections = sections.len;
  self->entries = kept.items;
  self->nentries = kept.len;
  return self;
}

void fg_ini_doc_delete(FgIniDoc *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->nentries; i++)
    fg_ini_entry_free(&self->entries[i]);
  free(self->entries);
  for (size_t i = 0; i < self->nsections; i++)
    free(self->sections[i].name);
  free(self->sections);
  free(self);
}

bool fg_ini_doc_has_section(const FgIniDoc *self, const char *section) {
  for (size_t i = 0; i < self->nsections; i++)
    if (strcmp(self->sections[i].name, section) == 0)
      return true;
  return false;
}

const FgIniEntry *fg_ini_doc_get(const FgIniDoc *self, const char *section,
                                 const char *key) {
  for (size_t i = 0; i < self->nentries; i++)
    if (strcmp(self->entries[i].section, section) == 0 &&
        strcmp(self->entries[i].key, key) == 0)
      return &self->entries[i];
  return NULL;
}
