#include "report/suppress.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- one line ---------------------------------------------------------------- */

/* A token of a code list: letters, digits, '-' and '_'. */
static size_t fg_token_len(const char *p, const char *end) {
  const char *s = p;
  while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
    p++;
  return (size_t)(p - s);
}

/* Without brackets a list holds codes (letters then digits: FG101) or rule
 * names (kebab-case); anything else ends it: `ignore -- flaky` is bare. */
static bool fg_code_like(const char *s, size_t n) {
  if (!n)
    return false;
  if (memchr(s, '-', n))
    return isalpha((unsigned char)s[0]) && s[n - 1] != '-';
  size_t i = 0;
  while (i < n && isalpha((unsigned char)s[i]))
    i++;
  if (i == 0 || i == n)
    return false;
  while (i < n && isdigit((unsigned char)s[i]))
    i++;
  return i == n;
}

typedef struct FgDirective {
  const char *hash; /* the '#' */
  bool bare, noqa;
  const char *tok[32];
  size_t toklen[32];
  size_t ntok;
  const char *end; /* just past the directive */
} FgDirective;

/* Reads the list of a directive from p: bracketed (until ']'), or bare words
 * separated by commas and blanks while they look like codes. */
static const char *fg_read_list(FgDirective *d, const char *p, const char *end,
                                bool bracketed, bool codes_only) {
  for (;;) {
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == ','))
      q++;
    size_t n = fg_token_len(q, end);
    if (!n || (!bracketed && codes_only && !fg_code_like(q, n)))
      return p;
    if (d->ntok < 32) {
      d->tok[d->ntok] = q;
      d->toklen[d->ntok++] = n;
    }
    p = q + n;
  }
}

/* The next directive in [p, end), or false. */
static bool fg_next_directive(const char *p, const char *end, FgDirective *d) {
  static const char fg[] = "forkguard: ignore";
  static const char noqa[] = "noqa:";
  const char *hash = memchr(p, '#', (size_t)(end - p));
  for (; hash; hash = memchr(hash + 1, '#', (size_t)(end - hash - 1))) {
    memset(d, 0, sizeof *d);
    d->hash = hash;
    const char *q = hash + 1;
    while (q < end && *q == ' ')
      q++;
    if ((size_t)(end - q) >= sizeof fg - 1 && strncmp(q, fg, sizeof fg - 1) == 0) {
      q += sizeof fg - 1;
      if (q < end && isalnum((unsigned char)*q))
        continue; /* `ignored`, `ignores`: not ours */
      if (q < end && *q == '[') {
        const char *close = memchr(q, ']', (size_t)(end - q));
        const char *stop = close ? close : end;
        fg_read_list(d, q + 1, stop, true, false);
        d->end = close ? close + 1 : end;
      } else {
        d->end = fg_read_list(d, q, end, false, true);
      }
      d->bare = d->ntok == 0;
      return true;
    }
    if ((size_t)(end - q) >= sizeof noqa - 1 &&
        strncasecmp(q, noqa, sizeof noqa - 1) == 0) {
      d->noqa = true;
      d->end = fg_read_list(d, q + sizeof noqa - 1, end, false, false);
      if (d->ntok)
        return true;
    }
  }
  return false;
}

static bool fg_token_names(const char *tok, size_t n, const FgRule *rule) {
  return (strlen(rule->code) == n && strncasecmp(tok, rule->code, n) == 0) ||
         (strlen(rule->name) == n && strncmp(tok, rule->name, n) == 0);
}

static bool fg_line_has(const char *line, size_t len, const FgRule *rule,
                        bool bare_counts) {
  const char *end = line + len, *p = line;
  FgDirective d;
  while (p < end && fg_next_directive(p, end, &d)) {
    if (d.bare && bare_counts)
      return true;
    for (size_t i = 0; i < d.ntok; i++)
      if (fg_token_names(d.tok[i], d.toklen[i], rule))
        return true;
    p = d.hash + 1;
  }
  return false;
}

bool fg_suppress_line(const char *line, size_t len, const FgRule *rule) {
  return fg_line_has(line, len, rule, true);
}

bool fg_suppress_names(const char *line, size_t len, const FgRule *rule) {
  return fg_line_has(line, len, rule, false);
}

/* ---- the index ------------------------------------------------------------------ */

typedef struct FgSrcRange {
  const FgSource *src;
  size_t first, count; /* into items, sorted by line */
} FgSrcRange;

struct FgSuppressIndex {
  FG_VEC(FgSuppression) items;
  FG_VEC(FgSrcRange) srcs; /* sorted by pointer */
};

/* Is a string literal open at `at` on its line? (an even number of each
 * quote before it says no; good enough to keep a fix off a quoted '#') */
static bool fg_open_string(const char *line, const char *at) {
  size_t dq = 0, sq = 0;
  for (const char *c = line; c < at; c++) {
    dq += *c == '"';
    sq += *c == '\'';
  }
  return (dq % 2) || (sq % 2);
}

static void fg_scan_source(FgSuppressIndex *self, const FgSource *src) {
  FgSrcRange r = {src, self->items.len, 0};
  for (size_t ln = 1; ln <= src->nlines; ln++) {
    size_t len = 0;
    const char *line = fg_source_line_text(src, ln, &len);
    const char *end = line + len, *p = line;
    FgDirective d;
    while (p < end && fg_next_directive(p, end, &d)) {
      FgSuppression s;
      memset(&s, 0, sizeof s);
      s.src = src;
      s.line = ln;
      s.start = (size_t)(d.hash - src->data);
      s.end = (size_t)(end - src->data);
      s.bare = d.bare;
      s.noqa = d.noqa;
      for (size_t i = 0; i < d.ntok; i++)
        fg_vec_push(&s.codes, fg_xstrndup(d.tok[i], d.toklen[i]));
      size_t nused = s.bare ? 1 : s.codes.len;
      for (size_t i = 0; i < nused; i++)
        fg_vec_push(&s.used, false);
      const char *after = d.end;
      while (after < end && (*after == ' ' || *after == '\t'))
        after++;
      const char *before = d.hash;
      while (before > line && (before[-1] == ' ' || before[-1] == '\t'))
        before--;
      s.removable = after == end && !fg_open_string(line, d.hash);
      s.remove_start = (size_t)(before - src->data);
      fg_vec_push(&self->items, s);
      r.count++;
      p = d.hash + 1;
    }
  }
  fg_vec_push(&self->srcs, r);
}

static int fg_range_cmp(const void *a, const void *b) {
  uintptr_t x = (uintptr_t)((const FgSrcRange *)a)->src;
  uintptr_t y = (uintptr_t)((const FgSrcRange *)b)->src;
  return x < y ? -1 : x > y;
}

FgSuppressIndex *fg_suppress_index_new(const FgSource *const *srcs, size_t n) {
  FgSuppressIndex *self = fg_xcalloc(1, sizeof *self);
  for (size_t i = 0; i < n; i++)
    if (srcs[i] && srcs[i]->len)
      fg_scan_source(self, srcs[i]);
  if (self->srcs.len > 1)
    qsort(self->srcs.items, self->srcs.len, sizeof(FgSrcRange), fg_range_cmp);
  return self;
}

void fg_suppress_index_delete(FgSuppressIndex *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->items.len; i++) {
    fg_strvec_free(&self->items.items[i].codes);
    fg_vec_free(&self->items.items[i].used);
  }
  fg_vec_free(&self->items);
  fg_vec_free(&self->srcs);
  free(self);
}

static const FgSrcRange *fg_range_of(const FgSuppressIndex *self, const FgSource *src) {
  FgSrcRange key = {src, 0, 0};
  return bsearch(&key, self->srcs.items, self->srcs.len, sizeof(FgSrcRange),
                 fg_range_cmp);
}

/* Marks and reports a hit among the comments of one line. */
static bool fg_hit_line(FgSuppressIndex *self, const FgSrcRange *r, size_t line,
                        const FgRule *rule) {
  /* the comments of a source are in line order: binary search the first */
  size_t lo = r->first, hi = r->first + r->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (self->items.items[mid].line < line)
      lo = mid + 1;
    else
      hi = mid;
  }
  bool hit = false;
  for (size_t i = lo; i < r->first + r->count && self->items.items[i].line == line; i++) {
    FgSuppression *s = &self->items.items[i];
    if (s->bare) {
      s->used.items[0] = true;
      hit = true;
      continue;
    }
    for (size_t k = 0; k < s->codes.len; k++)
      if (fg_token_names(s->codes.items[k], strlen(s->codes.items[k]), rule)) {
        s->used.items[k] = true;
        hit = true;
      }
  }
  return hit;
}

static bool fg_line_suppresses(const FgSource *src, size_t offset, const FgRule *rule) {
  FgPos pos = fg_source_pos(src, offset);
  size_t len = 0;
  const char *text = fg_source_line_text(src, pos.line, &len);
  return fg_suppress_line(text, len, rule);
}

bool fg_suppress_index_hit(FgSuppressIndex *self, const FgDiag *d) {
  if (!d->src)
    return false;
  const FgSrcRange *r = self ? fg_range_of(self, d->src) : NULL;
  if (!r)
    return fg_line_suppresses(d->src, d->start, d->rule) ||
           (d->suppress_at != SIZE_MAX &&
            fg_line_suppresses(d->src, d->suppress_at, d->rule));
  size_t l1 = fg_source_pos(d->src, d->start).line;
  bool hit = fg_hit_line(self, r, l1, d->rule);
  if (d->suppress_at != SIZE_MAX) {
    size_t l2 = fg_source_pos(d->src, d->suppress_at).line;
    if (l2 != l1)
      hit = fg_hit_line(self, r, l2, d->rule) || hit;
  }
  return hit;
}

size_t fg_suppress_index_len(const FgSuppressIndex *self) {
  return self->items.len;
}

const FgSuppression *fg_suppress_index_at(const FgSuppressIndex *self, size_t i) {
  return &self->items.items[i];
}

bool fg_suppress_known(const char *token, const FgRule *const *rules, size_t nrules,
                       const char **suggest) {
  *suggest = NULL;
  FG_VEC(const char *) names = {0};
  for (size_t i = 0; i < nrules; i++) {
    if (fg_token_names(token, strlen(token), rules[i])) {
      fg_vec_free(&names);
      return true;
    }
    fg_vec_push(&names, rules[i]->code);
    fg_vec_push(&names, rules[i]->name);
  }
  *suggest = fg_closest(token, names.items, names.len, 3);
  fg_vec_free(&names);
  return false;
}

bool fg_suppress_is_ours(const FgSuppression *s, const char *code) {
  return !s->noqa || strncasecmp(code, "FG", 2) == 0;
}
