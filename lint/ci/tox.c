#include "ci/tox.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "parse/ini_doc.h"

/* A brace expansion stops growing here; tox.ini files need a few dozen. */
#define FG_TOX_MAX_EXPANSION 4096
#define FG_TOX_MAX_REF_DEPTH 8

typedef FG_VEC(char *) FgToxStrVec;

struct FgTox {
  FgIniDoc *ini;
  FgToxStrVec envlist;
};

typedef struct FgToxRaw {
  const char *text; /* borrowed from the FgIniDoc */
  size_t start, end;
} FgToxRaw;

typedef FG_VEC(FgToxRaw) FgToxRawVec;

static void fg_tox_strvec_free(FgToxStrVec *v) {
  for (size_t i = 0; i < v->len; i++)
    free(v->items[i]);
  fg_vec_free(v);
}

static bool fg_tox_all_digits(const char *s, size_t n) {
  if (n == 0 || n > 6)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return false;
  return true;
}

/* The alternatives of one brace body: "a,b" or a numeric range "10-12". */
static void fg_tox_brace_alternatives(const char *s, size_t n, FgToxStrVec *out) {
  const char *dash = memchr(s, '-', n);
  if (dash && !memchr(s, ',', n) && fg_tox_all_digits(s, (size_t)(dash - s)) &&
      fg_tox_all_digits(dash + 1, n - (size_t)(dash - s) - 1)) {
    long a = strtol(s, NULL, 10), b = strtol(dash + 1, NULL, 10);
    for (long k = a; k <= b && out->len < FG_TOX_MAX_EXPANSION; k++)
      fg_vec_push(out, fg_xasprintf("%ld", k));
    return;
  }
  size_t ps = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != ',')
      continue;
    size_t a = ps, b = i;
    while (a < b && isspace((unsigned char)s[a]))
      a++;
    while (b > a && isspace((unsigned char)s[b - 1]))
      b--;
    fg_vec_push(out, fg_xstrndup(s + a, b - a));
    ps = i + 1;
  }
}

/* Expands `py{39,310}-{a,b}` into the cartesian product, left to right. An
 * unmatched '{' is literal. */
static void fg_tox_expand(const char *s, size_t n, FgToxStrVec *out) {
  FgToxStrVec acc = {0};
  fg_vec_push(&acc, fg_xstrdup(""));
  size_t i = 0;
  while (i < n) {
    const char *close = s[i] == '{' ? memchr(s + i, '}', n - i) : NULL;
    FgToxStrVec alts = {0};
    size_t next;
    if (close) {
      fg_tox_brace_alternatives(s + i + 1, (size_t)(close - s) - i - 1, &alts);
      next = (size_t)(close - s) + 1;
    } else {
      size_t j = i + 1;
      while (j < n && s[j] != '{')
        j++;
      fg_vec_push(&alts, fg_xstrndup(s + i, j - i));
      next = j;
    }
    FgToxStrVec grown = {0};
    for (size_t a = 0; a < acc.len; a++)
      for (size_t b = 0; b < alts.len && grown.len < FG_TOX_MAX_EXPANSION; b++)
        fg_vec_push(&grown, fg_xasprintf("%s%s", acc.items[a], alts.items[b]));
    fg_tox_strvec_free(&acc);
    fg_tox_strvec_free(&alts);
    acc = grown;
    i = next;
  }
  for (size_t k = 0; k < acc.len; k++)
    fg_vec_push(out, acc.items[k]);
  fg_vec_free(&acc);
}

/* Splits on `sep` characters that are outside braces; each part expanded. */
static void fg_tox_split_expand(const char *s, const char *seps, FgToxStrVec *out) {
  size_t n = strlen(s), ps = 0;
  int depth = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n) {
      if (s[i] == '{')
        depth++;
      else if (s[i] == '}' && depth > 0)
        depth--;
      if (depth > 0 || !strchr(seps, s[i]))
        continue;
    }
    if (i > ps)
      fg_tox_expand(s + ps, i - ps, out);
    ps = i + 1;
  }
}

static bool fg_tox_has_factor(const char *env, const char *factor, size_t n) {
  const char *p = env;
  while (*p) {
    const char *d = strchr(p, '-');
    size_t len = d ? (size_t)(d - p) : strlen(p);
    if (len == n && memcmp(p, factor, n) == 0)
      return true;
    if (!d)
      break;
    p = d + 1;
  }
  return false;
}

bool fg_tox_factors_match(const char *condition, const char *env) {
  FgToxStrVec alts = {0};
  fg_tox_split_expand(condition, ",", &alts);
  bool any = false;
  for (size_t i = 0; i < alts.len && !any; i++) {
    const char *p = alts.items[i];
    bool all = *p != '\0';
    while (*p && all) {
      const char *d = strchr(p, '-');
      size_t len = d ? (size_t)(d - p) : strlen(p);
      bool neg = len > 0 && p[0] == '!';
      bool has = fg_tox_has_factor(env, p + neg, len - neg);
      if (len - neg == 0 || has == neg)
        all = false;
      p = d ? d + 1 : p + len;
    }
    any = all;
  }
  fg_tox_strvec_free(&alts);
  return any;
}

FgTox *fg_tox_parse(const FgSource *src) {
  FgTox *self = fg_xcalloc(1, sizeof *self);
  self->ini = fg_ini_doc_parse(src);
  const FgIniEntry *e = fg_ini_doc_get(self->ini, "tox", "envlist");
  if (!e)
    e = fg_ini_doc_get(self->ini, "tox", "env_list");
  if (e) {
    FgToxStrVec all = {0};
    fg_tox_split_expand(e->value, ", \t\n", &all);
    for (size_t i = 0; i < all.len; i++) {
      bool dup = false;
      for (size_t k = 0; k < self->envlist.len && !dup; k++)
        dup = strcmp(self->envlist.items[k], all.items[i]) == 0;
      if (dup || !all.items[i][0])
        free(all.items[i]);
      else
        fg_vec_push(&self->envlist, all.items[i]);
    }
    fg_vec_free(&all);
  }
  fg_vec_push(&self->envlist, NULL); /* NULL-terminated for callers */
  self->envlist.len--;
  return self;
}

void fg_tox_delete(FgTox *self) {
  if (!self)
    return;
  fg_ini_doc_delete(self->ini);
  fg_tox_strvec_free(&self->envlist);
  free(self);
}

bool fg_tox_has_error(const FgTox *self) {
  return self->ini->has_error;
}
size_t fg_tox_error_offset(const FgTox *self) {
  return self->ini->error_offset;
}
const char *fg_tox_error_message(const FgTox *self) {
  return self->ini->has_error ? self->ini->message : NULL;
}

const char *const *fg_tox_envlist(const FgTox *self, size_t *len) {
  *len = self->envlist.len;
  return (const char *const *)self->envlist.items;
}

/* The [testenv:...] section names that cover env (braces expanded). */
static const char *fg_tox_env_section(const FgTox *self, const char *env) {
  for (size_t i = 0; i < self->ini->nsections; i++) {
    const char *name = self->ini->sections[i].name;
    if (!fg_str_startswith(name, "testenv:"))
      continue;
    FgToxStrVec names = {0};
    fg_tox_split_expand(name + 8, ",", &names);
    bool hit = false;
    for (size_t k = 0; k < names.len && !hit; k++)
      hit = strcmp(names.items[k], env) == 0;
    fg_tox_strvec_free(&names);
    if (hit)
      return name;
  }
  return NULL;
}

bool fg_tox_env_exists(const FgTox *self, const char *env) {
  for (size_t i = 0; i < self->envlist.len; i++)
    if (strcmp(self->envlist.items[i], env) == 0)
      return true;
  return fg_tox_env_section(self, env) != NULL;
}

/* A whole-line `{[section]key}` reference: fills sec/key, returns true. */
static bool fg_tox_reference(const char *t, char **sec, char **key) {
  size_t n = strlen(t);
  if (n < 5 || t[0] != '{' || t[1] != '[' || t[n - 1] != '}')
    return false;
  const char *close = strchr(t + 2, ']');
  if (!close || close > t + n - 2 || memchr(t + 2, '{', (size_t)(close - t - 2)))
    return false;
  *sec = fg_xstrndup(t + 2, (size_t)(close - t - 2));
  *key = fg_xstrndup(close + 1, (size_t)(t + n - 1 - close - 1));
  return true;
}

static void fg_tox_gather(const FgTox *self, const FgIniEntry *e, FgToxRawVec *out,
                          int depth) {
  for (size_t i = 0; i < e->nlines; i++) {
    const FgIniLine *l = &e->lines[i];
    char *sec = NULL, *key = NULL;
    if (depth < FG_TOX_MAX_REF_DEPTH && fg_tox_reference(l->text, &sec, &key)) {
      const FgIniEntry *ref = fg_ini_doc_get(self->ini, sec, key);
      free(sec);
      free(key);
      if (ref)
        fg_tox_gather(self, ref, out, depth + 1);
      continue;
    }
    FgToxRaw r = {l->text, l->start, l->end};
    fg_vec_push(out, r);
  }
}

/* The raw lines of key for env: its own section, else [testenv]. */
static void fg_tox_raw_lines(const FgTox *self, const char *env, const char *key,
                             FgToxRawVec *out) {
  const char *sec = fg_tox_env_section(self, env);
  const FgIniEntry *e = sec ? fg_ini_doc_get(self->ini, sec, key) : NULL;
  if (!e)
    e = fg_ini_doc_get(self->ini, "testenv", key);
  if (e)
    fg_tox_gather(self, e, out, 0);
}

/* Length of the text before a tox 4 comment (` #`, or `#` at the start). */
static size_t fg_tox_uncommented_len(const char *t) {
  size_t n = strlen(t);
  for (size_t i = 0; i < n; i++) {
    if (t[i] != '#' || (i > 0 && t[i - 1] == '\\'))
      continue;
    if (i == 0 || t[i - 1] == ' ' || t[i - 1] == '\t') {
      while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t'))
        i--;
      return i;
    }
  }
  return n;
}

/* The factor prefix `COND: ` of a line: returns the offset of the text after
 * it (0 when there is none) and the condition in *cond (caller frees). */
static size_t fg_tox_factor_prefix(const char *t, size_t n, char **cond) {
  *cond = NULL;
  size_t i = 0;
  while (i < n && (isalnum((unsigned char)t[i]) || strchr("_.,!{}-", t[i])))
    i++;
  if (i == 0 || i >= n || t[i] != ':')
    return 0;
  if (i + 1 < n && t[i + 1] != ' ' && t[i + 1] != '\t')
    return 0;
  *cond = fg_xstrndup(t, i);
  size_t k = i + 1;
  while (k < n && (t[k] == ' ' || t[k] == '\t'))
    k++;
  return k;
}

static void fg_tox_substitute(const char *s, size_t n, const char *env, FgBuf *out,
                              int depth) {
  size_t i = 0;
  while (i < n) {
    if (s[i] != '{' || (i > 0 && s[i - 1] == '\\')) {
      fg_buf_putc(out, s[i++]);
      continue;
    }
    size_t j = i + 1;
    int d = 1;
    while (j < n && d > 0) {
      if (s[j] == '{')
        d++;
      else if (s[j] == '}')
        d--;
      j++;
    }
    if (d > 0) { /* unmatched: literal */
      fg_buf_append(out, s + i, n - i);
      return;
    }
    const char *in = s + i + 1;
    size_t ilen = j - i - 2;
    if (ilen == 7 && memcmp(in, "posargs", 7) == 0) {
      /* no arguments after `tox -e` */
    } else if (ilen >= 8 && memcmp(in, "posargs:", 8) == 0 &&
               depth < FG_TOX_MAX_REF_DEPTH) {
      fg_tox_substitute(in + 8, ilen - 8, env, out, depth + 1);
    } else if (ilen == 7 && memcmp(in, "envname", 7) == 0) {
      fg_buf_puts(out, env);
    } else if (ilen == 9 && memcmp(in, "toxinidir", 9) == 0) {
      fg_buf_putc(out, '.');
    } else if (ilen == 9 && memcmp(in, "envpython", 9) == 0) {
      fg_buf_puts(out, "python");
    } else {
      fg_buf_append(out, s + i, j - i);
    }
    i = j;
  }
}

/* Joins continuations, filters by factors, substitutes; one FgToxLine per
 * logical line kept. setenv lines are split at '='. */
static void fg_tox_evaluate(const FgTox *self, const char *env, const char *key,
                            bool setenv, FgToxLines *out) {
  FgToxRawVec raw = {0};
  fg_tox_raw_lines(self, env, key, &raw);
  FG_VEC(FgToxLine) res = {out->items, out->len, out->len};
  size_t i = 0;
  while (i < raw.len) {
    FgBuf joined = {0};
    size_t start = raw.items[i].start, end = start;
    bool more = true;
    while (more && i < raw.len) {
      const FgToxRaw *r = &raw.items[i++];
      size_t n = fg_tox_uncommented_len(r->text);
      end = r->start + n;
      more = n > 0 && r->text[n - 1] == '\\';
      if (more) {
        n--;
        while (n > 0 && (r->text[n - 1] == ' ' || r->text[n - 1] == '\t'))
          n--;
      }
      if (joined.len && n)
        fg_buf_putc(&joined, ' ');
      fg_buf_append(&joined, r->text, n);
    }
    const char *t = joined.data ? joined.data : "";
    char *cond = NULL;
    size_t skip = fg_tox_factor_prefix(t, joined.len, &cond);
    bool keep = !cond || fg_tox_factors_match(cond, env);
    free(cond);
    if (keep) {
      FgBuf sub = {0};
      fg_tox_substitute(t + skip, joined.len - skip, env, &sub, 0);
      while (sub.len && (sub.data[sub.len - 1] == ' ' || sub.data[sub.len - 1] == '\t'))
        sub.data[--sub.len] = '\0';
      char *text = fg_buf_take(&sub);
      FgToxLine line = {NULL, NULL, start + skip, end};
      char *eq = setenv ? strchr(text, '=') : NULL;
      if (setenv && eq) {
        size_t kl = (size_t)(eq - text);
        while (kl > 0 && isspace((unsigned char)text[kl - 1]))
          kl--;
        const char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
          v++;
        line.key = fg_xstrndup(text, kl);
        line.text = fg_xstrdup(v);
        free(text);
      } else {
        line.text = text;
      }
      if (line.text[0] && (!setenv || line.key))
        fg_vec_push(&res, line);
      else {
        free(line.text);
        free(line.key);
      }
    }
    fg_buf_free(&joined);
  }
  fg_vec_free(&raw);
  out->items = res.items;
  out->len = res.len;
}

void fg_tox_commands(const FgTox *self, const char *env, FgToxLines *out) {
  fg_tox_evaluate(self, env, "commands", false, out);
}

void fg_tox_setenv(const FgTox *self, const char *env, FgToxLines *out) {
  fg_tox_evaluate(self, env, "setenv", true, out);
  if (out->len == 0)
    fg_tox_evaluate(self, env, "set_env", true, out);
}

void fg_tox_lines_free(FgToxLines *lines) {
  for (size_t i = 0; i < lines->len; i++) {
    free(lines->items[i].text);
    free(lines->items[i].key);
  }
  free(lines->items);
  lines->items = NULL;
  lines->len = 0;
}
