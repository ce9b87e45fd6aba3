/* tox: see tox.h. The INI side, the names (brace expansion, factors) and
 * the substitutions both sides share; tox_toml.c reads tox.toml. */
#include "ci/tox.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/tox_int.h"
#include "core/util.h"

typedef struct FgToxRaw {
  const char *text; /* borrowed from the FgIniDoc */
  size_t start, end;
} FgToxRaw;

typedef FG_VEC(FgToxRaw) FgToxRawVec;

void fg_tox_raw_lines_free(FgToxRawLines *v) {
  for (size_t i = 0; i < v->len; i++) {
    free(v->items[i].text);
    free(v->items[i].key);
  }
  fg_vec_free(v);
}

/* ---- names ---------------------------------------------------------------- */

static bool fg_tox_all_digits(const char *s, size_t n) {
  if (n == 0 || n > 6)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return false;
  return true;
}

/* The alternatives of one brace body: "a,b" or a numeric range "10-12". */
static void fg_tox_brace_alternatives(const char *s, size_t n, FgStrVec *out) {
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
static void fg_tox_expand(const char *s, size_t n, FgStrVec *out) {
  FgStrVec acc = {0};
  fg_vec_push(&acc, fg_xstrdup(""));
  size_t i = 0;
  while (i < n) {
    const char *close = s[i] == '{' ? memchr(s + i, '}', n - i) : NULL;
    FgStrVec alts = {0};
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
    FgStrVec grown = {0};
    for (size_t a = 0; a < acc.len; a++)
      for (size_t b = 0; b < alts.len && grown.len < FG_TOX_MAX_EXPANSION; b++)
        fg_vec_push(&grown, fg_xasprintf("%s%s", acc.items[a], alts.items[b]));
    fg_strvec_free(&acc);
    fg_strvec_free(&alts);
    acc = grown;
    i = next;
  }
  for (size_t k = 0; k < acc.len; k++)
    fg_vec_push(out, acc.items[k]);
  fg_vec_free(&acc);
}

void fg_tox_expand_names(const char *s, const char *seps, FgStrVec *out) {
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
  FgStrVec alts = {0};
  fg_tox_expand_names(condition, ",", &alts);
  bool any = false;
  for (size_t i = 0; i < alts.len && !any; i++) {
    const char *p = alts.items[i];
    while (*p == ' ')
      p++;
    bool all = *p != '\0';
    while (*p && all) {
      const char *d = strchr(p, '-');
      size_t len = d ? (size_t)(d - p) : strlen(p);
      while (len && p[len - 1] == ' ')
        len--;
      bool neg = len > 0 && p[0] == '!';
      bool has = fg_tox_has_factor(env, p + neg, len - neg);
      if (len - neg == 0 || has == neg)
        all = false;
      p = d ? d + 1 : p + len;
    }
    any = all;
  }
  fg_strvec_free(&alts);
  return any;
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

/* ---- the INI side ------------------------------------------------------------- */

static void fg_tox_set_envlist(FgTox *self, FgStrVec *all) {
  for (size_t i = 0; i < all->len; i++) {
    bool dup = false;
    for (size_t k = 0; k < self->envlist.len && !dup; k++)
      dup = strcmp(self->envlist.items[k], all->items[i]) == 0;
    if (dup || !all->items[i][0])
      free(all->items[i]);
    else
      fg_vec_push(&self->envlist, all->items[i]);
  }
  fg_vec_free(all);
}

static const FgIniEntry *fg_tox_core_key(const FgTox *self, const char *key) {
  const FgIniEntry *e = fg_ini_doc_get(self->ini, "tox", key);
  return e ? e : fg_ini_doc_get(self->ini, "tox:tox", key);
}

static void fg_tox_ini_envlist(FgTox *self) {
  const FgIniEntry *e = fg_tox_core_key(self, "envlist");
  if (!e)
    e = fg_tox_core_key(self, "env_list");
  if (!e)
    return;
  FgStrVec all = {0};
  for (size_t i = 0; i < e->nlines; i++) {
    const char *t = e->lines[i].text;
    char *line = fg_xstrndup(t, fg_tox_uncommented_len(t));
    fg_tox_expand_names(line, ", \t\n", &all);
    free(line);
  }
  fg_tox_set_envlist(self, &all);
}

static void fg_tox_terminate(FgTox *self) {
  fg_vec_push(&self->envlist, NULL); /* NULL-terminated for callers */
  self->envlist.len--;
}

FgTox *fg_tox_parse(const FgSource *src) {
  FgTox *self = fg_xcalloc(1, sizeof *self);
  self->ini = fg_ini_doc_parse(src);
  fg_tox_ini_envlist(self);
  fg_tox_terminate(self);
  return self;
}

/* A legacy_tox_ini string: read as tox.ini; its spans map back into the
 * pyproject when the string's text is its bytes (no escapes). */
static FgTox *fg_tox_parse_legacy(const FgSource *src, const FgTomlValue *v) {
  FgTox *self = fg_xcalloc(1, sizeof *self);
  self->legacy = fg_source_new(src->path, v->str, v->str_len);
  self->ini = fg_ini_doc_parse(self->legacy);
  /* `"""` / `'''` strings drop a newline right after the quotes */
  size_t q = v->start + 3;
  if (q < src->len && src->data[q] == '\r')
    q++;
  if (q < src->len && src->data[q] == '\n')
    q++;
  if (v->end >= 3 && q + v->str_len == v->end - 3 &&
      memcmp(src->data + q, v->str, v->str_len) == 0) {
    self->legacy_base = q;
    self->legacy_exact = true;
  }
  fg_tox_ini_envlist(self);
  fg_tox_terminate(self);
  return self;
}

FgTox *fg_tox_parse_toml(const FgSource *src, const char *prefix) {
  FgToml *toml = fg_toml_parse(src);
  const FgTomlValue *root = *prefix ? fg_toml_get(toml, prefix) : fg_toml_root(toml);
  if (!fg_toml_is_table(root)) {
    fg_toml_delete(toml);
    return NULL;
  }
  const FgTomlValue *legacy = fg_toml_table_get(root, "legacy_tox_ini");
  if (fg_toml_as_string(legacy)) {
    FgTox *self = fg_tox_parse_legacy(src, legacy);
    fg_toml_delete(toml);
    return self;
  }
  if (*prefix && root->nentries == 0) {
    fg_toml_delete(toml);
    return NULL;
  }
  FgTox *self = fg_xcalloc(1, sizeof *self);
  self->toml = toml;
  self->root = root;
  fg_tox_toml_envlist(self);
  fg_tox_terminate(self);
  return self;
}

void fg_tox_delete(FgTox *self) {
  if (!self)
    return;
  fg_ini_doc_delete(self->ini);
  fg_source_delete(self->legacy);
  fg_toml_delete(self->toml);
  fg_strvec_free(&self->envlist);
  free(self);
}

bool fg_tox_has_error(const FgTox *self) {
  return self->ini ? self->ini->has_error : fg_toml_has_error(self->toml);
}
size_t fg_tox_error_offset(const FgTox *self) {
  return self->ini ? self->ini->error_offset : fg_toml_error_offset(self->toml);
}
const char *fg_tox_error_message(const FgTox *self) {
  if (!self->ini)
    return fg_toml_error_message(self->toml);
  return self->ini->has_error ? self->ini->message : NULL;
}
bool fg_tox_is_toml(const FgTox *self) {
  return self->toml != NULL;
}

const char *const *fg_tox_envlist(const FgTox *self, size_t *len) {
  *len = self->envlist.len;
  return (const char *const *)self->envlist.items;
}

/* The [testenv:...] section that covers env (braces expanded). */
static const char *fg_tox_env_section(const FgTox *self, const char *env) {
  for (size_t i = 0; i < self->ini->nsections; i++) {
    const char *name = self->ini->sections[i].name;
    if (!fg_str_startswith(name, "testenv:"))
      continue;
    FgStrVec names = {0};
    fg_tox_expand_names(name + 8, ",", &names);
    bool hit = false;
    for (size_t k = 0; k < names.len && !hit; k++)
      hit = strcmp(names.items[k], env) == 0;
    fg_strvec_free(&names);
    if (hit)
      return name;
  }
  return NULL;
}

bool fg_tox_env_exists(const FgTox *self, const char *env) {
  for (size_t i = 0; i < self->envlist.len; i++)
    if (strcmp(self->envlist.items[i], env) == 0)
      return true;
  return self->ini ? fg_tox_env_section(self, env) != NULL
                   : fg_tox_toml_env_section(self, env);
}

static void fg_tox_push_unique(FgStrVec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i], s) == 0)
      return;
  fg_vec_push(v, fg_xstrdup(s));
}

void fg_tox_all_envs(const FgTox *self, FgStrVec *out) {
  for (size_t i = 0; i < self->envlist.len; i++)
    fg_tox_push_unique(out, self->envlist.items[i]);
  if (!self->ini) {
    fg_tox_toml_section_envs(self, out);
    return;
  }
  for (size_t i = 0; i < self->ini->nsections; i++) {
    const char *name = self->ini->sections[i].name;
    if (!fg_str_startswith(name, "testenv:"))
      continue;
    FgStrVec names = {0};
    fg_tox_expand_names(name + 8, ",", &names);
    for (size_t k = 0; k < names.len; k++)
      if (names.items[k][0] && names.items[k][0] != '.')
        fg_tox_push_unique(out, names.items[k]);
    fg_strvec_free(&names);
  }
}

void fg_tox_label_envs(const FgTox *self, const char *label, FgStrVec *out) {
  if (!self->ini) {
    fg_tox_toml_label_envs(self, label, out);
    return;
  }
  /* [tox] labels = NAME = a, b (one a line) */
  const FgIniEntry *e = fg_tox_core_key(self, "labels");
  for (size_t i = 0; e && i < e->nlines; i++) {
    const char *t = e->lines[i].text;
    const char *eq = strchr(t, '=');
    if (!eq)
      continue;
    size_t kl = (size_t)(eq - t);
    while (kl && isspace((unsigned char)t[kl - 1]))
      kl--;
    if (kl != strlen(label) || strncmp(t, label, kl) != 0)
      continue;
    FgStrVec names = {0};
    fg_tox_expand_names(eq + 1, ", \t", &names);
    for (size_t k = 0; k < names.len; k++)
      fg_tox_push_unique(out, names.items[k]);
    fg_strvec_free(&names);
  }
  /* [testenv:x] labels = a, b */
  for (size_t i = 0; i < self->ini->nsections; i++) {
    const char *name = self->ini->sections[i].name;
    if (!fg_str_startswith(name, "testenv:"))
      continue;
    const FgIniEntry *le = fg_ini_doc_get(self->ini, name, "labels");
    if (!le)
      continue;
    FgStrVec labels = {0};
    fg_strvec_split(&labels, le->value, ", \t\n");
    bool hit = false;
    for (size_t k = 0; k < labels.len && !hit; k++)
      hit = strcmp(labels.items[k], label) == 0;
    fg_strvec_free(&labels);
    if (hit) {
      FgStrVec names = {0};
      fg_tox_expand_names(name + 8, ",", &names);
      for (size_t k = 0; k < names.len; k++)
        fg_tox_push_unique(out, names.items[k]);
      fg_strvec_free(&names);
    }
  }
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
  for (size_t i = 0; i < e->nlines && out->len < FG_TOX_MAX_EXPANSION; i++) {
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

/* A physical line tox kept: raw index, its text's bytes [from, to), and
 * whether a factor prefix was taken off. */
typedef struct FgToxKept {
  size_t raw, from, to;
  bool prefixed;
} FgToxKept;
typedef FG_VEC(FgToxKept) FgToxKeptVec;

/* The logical lines of key for env from the INI side: its own section,
 * else [testenv]; continuations joined, factor-filtered, comments off. */
static void fg_tox_ini_lines(const FgTox *self, const char *env, const char *key,
                             bool setenv, FgToxRawLines *out) {
  FgToxRawVec raw = {0};
  const char *sec = fg_tox_env_section(self, env);
  const FgIniEntry *e = sec ? fg_ini_doc_get(self->ini, sec, key) : NULL;
  if (!e)
    e = fg_ini_doc_get(self->ini, "testenv", key);
  if (e)
    fg_tox_gather(self, e, &raw, 0);
  size_t shift = self->legacy_base;
  /* tox's filter_for_env, line by line: a line with a factor prefix is kept
   * (its text after the prefix) when the env matches; a line without one is
   * kept, except the last line of a continuation whose factor line was
   * dropped (`xdist: pytest \\` / `    tests`: both go for other envs) --
   * unless a kept line before it still continues. Then the kept lines that
   * end in a backslash are joined with the next kept one (`pytest tests \\`
   * / `cov: --cov pkg \\` / `{posargs}` is one command, --cov in cov envs). */
  FgToxKeptVec kept = {0};
  bool active = false, pending = false;
  for (size_t k = 0; k < raw.len; k++) {
    const FgToxRaw *r = &raw.items[k];
    size_t n = fg_tox_uncommented_len(r->text);
    char *cond = NULL;
    size_t skip = fg_tox_factor_prefix(r->text, n, &cond);
    size_t to = n;
    if (cond)
      while (to > skip && isspace((unsigned char)r->text[to - 1]))
        to--; /* tox strips a factor line's text */
    bool bs = to > skip && r->text[to - 1] == '\\';
    FgToxKept kl = {k, skip, to, cond != NULL};
    if (!cond) {
      bool tail = pending && !active && !bs;
      pending = false;
      if (tail)
        continue;
      if (to > skip) {
        fg_vec_push(&kept, kl);
        active = bs;
      }
    } else {
      bool match = fg_tox_factors_match(cond, env);
      free(cond);
      if (match) {
        fg_vec_push(&kept, kl);
        active = bs;
        pending = false;
      } else {
        pending = bs;
      }
    }
  }
  size_t i = 0;
  while (i < kept.len) {
    FgBuf joined = {0};
    const FgToxRaw *first = &raw.items[kept.items[i].raw];
    size_t start = first->start + kept.items[i].from, end = start;
    bool more = true, edited = false;
    size_t prev = 0;
    for (bool head = true; more && i < kept.len; head = false) {
      const FgToxKept *kl = &kept.items[i++];
      const FgToxRaw *r = &raw.items[kl->raw];
      /* a line apart from the one before, or a prefix inside */
      edited |= !head && (kl->raw != prev + 1 || kl->prefixed);
      prev = kl->raw;
      size_t n = kl->to;
      end = r->start + fg_tox_uncommented_len(r->text);
      more = n > kl->from && r->text[n - 1] == '\\';
      if (more) {
        n--;
        while (n > kl->from && (r->text[n - 1] == ' ' || r->text[n - 1] == '\t'))
          n--;
      }
      if (joined.len && n > kl->from)
        fg_buf_putc(&joined, ' ');
      if (n > kl->from)
        fg_buf_append(&joined, r->text + kl->from, n - kl->from);
    }
    const char *t = joined.data ? joined.data : "";
    if (joined.len) {
      /* a command tox put together from lines apart is not the file's text:
       * no fix edits it */
      FgToxRawLine line = {fg_xstrdup(t), NULL, start + shift, end + shift,
                           (!self->legacy || self->legacy_exact) && !edited};
      char *eq = setenv ? strchr(line.text, '=') : NULL;
      if (setenv && fg_str_startswith(line.text, "file|")) {
        free(line.text);
      } else if (setenv && !eq) {
        free(line.text);
      } else {
        if (eq) {
          size_t kl = (size_t)(eq - line.text);
          while (kl > 0 && isspace((unsigned char)line.text[kl - 1]))
            kl--;
          const char *v = eq + 1;
          while (*v == ' ' || *v == '\t')
            v++;
          line.key = fg_xstrndup(line.text, kl);
          char *value = fg_xstrdup(v);
          free(line.text);
          line.text = value;
        }
        fg_vec_push(out, line);
      }
    }
    fg_buf_free(&joined);
  }
  fg_vec_free(&kept);
  fg_vec_free(&raw);
}

static void fg_tox_lines_of(const FgTox *self, const char *env, const char *key,
                            bool setenv, FgToxRawLines *out) {
  if (self->ini)
    fg_tox_ini_lines(self, env, key, setenv, out);
  else
    fg_tox_toml_lines(self, env, key, out);
}

/* ---- substitutions ---------------------------------------------------------- */

typedef struct FgToxSub {
  const FgTox *tox;
  const char *env;
  const FgToxInput *in;
  FgToxRawLines setenv; /* the env's own, unsubstituted */
  const char *resolving[FG_TOX_MAX_REF_DEPTH];
  int nresolving;
} FgToxSub;

static void fg_tox_substitute(FgToxSub *s, const char *t, size_t n, FgBuf *out,
                              int depth);

static const char *fg_tox_outside(const FgToxSub *s, const char *name) {
  return s->in && s->in->getenv ? s->in->getenv(s->in->ud, name) : NULL;
}

/* {env:NAME[:DEFAULT]}: the env's setenv (substituted in turn), the outside,
 * else DEFAULT. */
static void fg_tox_env_value(FgToxSub *s, const char *name, size_t nlen, const char *def,
                             size_t dlen, FgBuf *out, int depth) {
  char *key = fg_xstrndup(name, nlen);
  bool busy = false;
  for (int i = 0; i < s->nresolving && !busy; i++)
    busy = strcmp(s->resolving[i], key) == 0;
  const FgToxRawLine *own = NULL;
  for (size_t i = s->setenv.len; i-- > 0 && !own && !busy;)
    if (strcmp(s->setenv.items[i].key, key) == 0)
      own = &s->setenv.items[i];
  if (own && depth < FG_TOX_MAX_REF_DEPTH && s->nresolving < FG_TOX_MAX_REF_DEPTH) {
    s->resolving[s->nresolving++] = key;
    fg_tox_substitute(s, own->text, strlen(own->text), out, depth + 1);
    s->nresolving--;
  } else {
    const char *v = fg_tox_outside(s, key);
    if (v)
      fg_buf_puts(out, v);
    else if (def && depth < FG_TOX_MAX_REF_DEPTH)
      fg_tox_substitute(s, def, dlen, out, depth + 1);
    else if (!def)
      fg_buf_printf(out, "{env:%s}", key); /* unset, no default: not known */
  }
  free(key);
}

/* `{[sec]key}` inside a line: the key's value, its lines joined. */
static bool fg_tox_inline_ref(FgToxSub *s, const char *in, size_t ilen, FgBuf *out,
                              int depth) {
  if (ilen < 3 || in[0] != '[' || !s->tox->ini)
    return false;
  const char *close = memchr(in, ']', ilen);
  if (!close)
    return false;
  char *sec = fg_xstrndup(in + 1, (size_t)(close - in - 1));
  char *key = fg_xstrndup(close + 1, ilen - (size_t)(close - in) - 1);
  const FgIniEntry *e = fg_ini_doc_get(s->tox->ini, sec, key);
  free(sec);
  free(key);
  if (!e || depth >= FG_TOX_MAX_REF_DEPTH)
    return e != NULL;
  for (size_t i = 0; i < e->nlines; i++) {
    if (i)
      fg_buf_putc(out, ' ');
    fg_tox_substitute(s, e->lines[i].text, strlen(e->lines[i].text), out, depth + 1);
  }
  return true;
}

static bool fg_tox_is(const char *in, size_t ilen, const char *a, const char *b) {
  return (strlen(a) == ilen && memcmp(in, a, ilen) == 0) ||
         (b && strlen(b) == ilen && memcmp(in, b, ilen) == 0);
}

/* A substituted line stops growing here: nested {env:} references can
 * multiply it otherwise. */
#define FG_TOX_MAX_LINE (64u << 10)

static void fg_tox_substitute(FgToxSub *s, const char *t, size_t n, FgBuf *out,
                              int depth) {
  size_t i = 0;
  if (out->len > FG_TOX_MAX_LINE)
    return;
  const char *env = s->env;
  while (i < n) {
    if (t[i] == '\\' && i + 1 < n && (t[i + 1] == '{' || t[i + 1] == '}')) {
      fg_buf_putc(out, t[i + 1]); /* `\{` is a literal brace */
      i += 2;
      continue;
    }
    if (t[i] != '{') {
      fg_buf_putc(out, t[i++]);
      continue;
    }
    size_t j = i + 1;
    int d = 1;
    while (j < n && d > 0) {
      if (t[j] == '{')
        d++;
      else if (t[j] == '}')
        d--;
      j++;
    }
    if (d > 0) { /* unmatched: literal */
      fg_buf_append(out, t + i, n - i);
      return;
    }
    const char *in = t + i + 1;
    size_t ilen = j - i - 2;
    const char *colon = memchr(in, ':', ilen);
    size_t head = colon ? (size_t)(colon - in) : ilen;
    bool given = s->in && s->in->posargs;
    if (fg_tox_is(in, head, "posargs", NULL)) {
      if (given)
        fg_buf_puts(out, s->in->posargs);
      else if (colon && depth < FG_TOX_MAX_REF_DEPTH)
        fg_tox_substitute(s, colon + 1, ilen - head - 1, out, depth + 1);
    } else if (fg_tox_is(in, head, FG_TOX_POSARGS_REST, NULL) && colon) {
      /* a further command of a tox.toml posargs default: gone when posargs
       * are given (they replace the whole list) */
      if (!given && depth < FG_TOX_MAX_REF_DEPTH)
        fg_tox_substitute(s, colon + 1, ilen - head - 1, out, depth + 1);
    } else if (fg_tox_is(in, head, "env", NULL) && colon) {
      const char *name = colon + 1;
      const char *c2 = memchr(name, ':', ilen - head - 1);
      size_t nlen = c2 ? (size_t)(c2 - name) : ilen - head - 1;
      fg_tox_env_value(s, name, nlen, c2 ? c2 + 1 : NULL,
                       c2 ? ilen - head - 1 - nlen - 1 : 0, out, depth);
    } else if (fg_tox_is(in, head, "tty", NULL) && colon) {
      const char *c2 = memchr(colon + 1, ':', ilen - head - 1);
      if (c2 && depth < FG_TOX_MAX_REF_DEPTH)
        fg_tox_substitute(s, c2 + 1, (size_t)(in + ilen - c2 - 1), out, depth + 1);
    } else if (fg_tox_is(in, ilen, "envname", "env_name")) {
      fg_buf_puts(out, env);
    } else if (fg_tox_is(in, ilen, "toxinidir", "tox_root")) {
      fg_buf_putc(out, '.');
    } else if (fg_tox_is(in, ilen, "envpython", "env_python") ||
               fg_tox_is(in, ilen, "basepython", "base_python")) {
      fg_buf_puts(out, "python");
    } else if (fg_tox_is(in, ilen, "toxworkdir", "work_dir")) {
      fg_buf_puts(out, ".tox");
    } else if (fg_tox_is(in, ilen, "envdir", "env_dir")) {
      fg_buf_printf(out, ".tox/%s", env);
    } else if (fg_tox_is(in, ilen, "envbindir", "env_bin_dir")) {
      fg_buf_printf(out, ".tox/%s/bin", env);
    } else if (fg_tox_is(in, ilen, "envtmpdir", "env_tmp_dir")) {
      fg_buf_printf(out, ".tox/%s/tmp", env);
    } else if (fg_tox_is(in, ilen, "envlogdir", "env_log_dir")) {
      fg_buf_printf(out, ".tox/%s/log", env);
    } else if (fg_tox_is(in, ilen, "envsitepackagesdir", "env_site_packages_dir")) {
      fg_buf_printf(out, ".tox/%s/site-packages", env);
    } else if (ilen == 1 && (in[0] == '/' || in[0] == ':')) {
      fg_buf_putc(out, in[0]);
    } else if (!fg_tox_inline_ref(s, in, ilen, out, depth)) {
      fg_buf_append(out, t + i, j - i);
    }
    i = j;
  }
}

static void fg_tox_sub_begin(FgToxSub *s, const FgTox *self, const char *env,
                             const FgToxInput *in) {
  memset(s, 0, sizeof *s);
  s->tox = self;
  s->env = env;
  s->in = in;
  fg_tox_lines_of(self, env, "setenv", true, &s->setenv);
  if (!s->setenv.len)
    fg_tox_lines_of(self, env, "set_env", true, &s->setenv);
}

static char *fg_tox_sub_text(FgToxSub *s, const char *text) {
  FgBuf sub = {0};
  fg_tox_substitute(s, text, strlen(text), &sub, 0);
  while (sub.len && (sub.data[sub.len - 1] == ' ' || sub.data[sub.len - 1] == '\t'))
    sub.data[--sub.len] = '\0';
  /* `{env:RUN:} pytest` with RUN unset: no leading blank */
  size_t lead = 0;
  while (lead < sub.len && (sub.data[lead] == ' ' || sub.data[lead] == '\t'))
    lead++;
  char *res = fg_xstrdup(sub.data ? sub.data + lead : "");
  fg_buf_free(&sub);
  return res;
}

static void fg_tox_push_line(FgToxLines *out, FgToxLine line) {
  FG_VEC(FgToxLine) res = {out->items, out->len, out->len};
  fg_vec_push(&res, line);
  out->items = res.items;
  out->len = res.len;
}

void fg_tox_commands(const FgTox *self, const char *env, const FgToxInput *in,
                     FgToxLines *out) {
  FgToxSub s;
  fg_tox_sub_begin(&s, self, env, in);
  static const char *const keys[] = {"commands_pre", "commands", "commands_post", NULL};
  for (const char *const *k = keys; *k; k++) {
    FgToxRawLines raw = {0};
    fg_tox_lines_of(self, env, *k, false, &raw);
    for (size_t i = 0; i < raw.len; i++) {
      char *text = fg_tox_sub_text(&s, raw.items[i].text);
      if (!text[0]) {
        free(text);
        continue;
      }
      FgToxLine line = {text, NULL, raw.items[i].start, raw.items[i].end,
                        raw.items[i].editable};
      fg_tox_push_line(out, line);
    }
    fg_tox_raw_lines_free(&raw);
  }
  fg_tox_raw_lines_free(&s.setenv);
}

void fg_tox_setenv(const FgTox *self, const char *env, const FgToxInput *in,
                   FgToxLines *out) {
  FgToxSub s;
  fg_tox_sub_begin(&s, self, env, in);
  for (size_t i = 0; i < s.setenv.len; i++) {
    const FgToxRawLine *r = &s.setenv.items[i];
    s.resolving[0] = r->key; /* `X={env:X}` reads the outside X */
    s.nresolving = 1;
    FgToxLine line = {fg_tox_sub_text(&s, r->text), fg_xstrdup(r->key), r->start, r->end,
                      r->editable};
    s.nresolving = 0;
    fg_tox_push_line(out, line);
  }
  fg_tox_raw_lines_free(&s.setenv);
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

/* ---- tox-gh-actions / tox-gh ---------------------------------------------------- */

bool fg_tox_gh_map(const FgTox *self, const char *kind, FgStrVec *out, bool *names_envs) {
  *names_envs = false;
  if (!self->ini) {
    *names_envs = true;
    return fg_tox_toml_gh_map(self, kind, out);
  }
  bool python = strcmp(kind, "python") == 0;
  const FgIniEntry *e = NULL;
  char sep = ':';
  if (python) {
    e = fg_ini_doc_get(self->ini, "gh-actions", "python");
    if (!e) {
      e = fg_ini_doc_get(self->ini, "gh", "python");
      sep = '=';
      *names_envs = e != NULL;
    }
  } else {
    e = fg_ini_doc_get(self->ini, "gh-actions:env", kind);
  }
  if (!e)
    return false;
  for (size_t i = 0; i < e->nlines; i++) {
    const char *t = e->lines[i].text;
    char *line = fg_xstrndup(t, fg_tox_uncommented_len(t));
    char *at = strchr(line, sep);
    if (at) {
      size_t kl = (size_t)(at - line);
      while (kl && isspace((unsigned char)line[kl - 1]))
        kl--;
      const char *v = at + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      fg_vec_push(out, fg_xasprintf("%.*s\t%s", (int)kl, line, v));
    }
    free(line);
  }
  return true;
}

void fg_tox_gh_env_vars(const FgTox *self, FgStrVec *out) {
  if (!self->ini)
    return;
  for (size_t i = 0; i < self->ini->nentries; i++) {
    const FgIniEntry *e = &self->ini->entries[i];
    if (strcmp(e->section, "gh-actions:env") == 0)
      fg_vec_push(out, fg_xstrdup(e->key));
  }
}
