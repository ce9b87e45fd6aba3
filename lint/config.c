#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/inputs.h"
#include "core/source.h"
#include "parse/toml.h"

#define FG_MAX_CONFIG_BYTES (1u << 20)

static void fg_strs_free(char **items, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(items[i]);
  free(items);
}

void fg_config_delete(FgConfig *self) {
  if (!self)
    return;
  free(self->path);
  fg_strs_free(self->select.items, self->select.len);
  fg_strs_free(self->ignore.items, self->ignore.len);
  fg_strs_free(self->extend_select.items, self->extend_select.len);
  free(self->marker);
  free(self->start_method);
  fg_strs_free(self->extra_pool_constructors.items, self->extra_pool_constructors.len);
  fg_strs_free(self->exclude.items, self->exclude.len);
  for (size_t i = 0; i < self->per_file_ignores.len; i++) {
    free(self->per_file_ignores.items[i].pattern);
    fg_strs_free(self->per_file_ignores.items[i].codes,
                 self->per_file_ignores.items[i].ncodes);
  }
  fg_vec_free(&self->per_file_ignores);
  free(self);
}

static FgConfig *fg_config_defaults(void) {
  FgConfig *c = fg_xcalloc(1, sizeof *c);
  c->marker = fg_xstrdup("no_parallel");
  c->start_method = fg_xstrdup("spawn");
  c->timeout_minutes = 30;
  return c;
}

/* A marker name must be a Python identifier: pytest.mark.<name>. */
static bool fg_is_identifier(const char *s) {
  if (!*s || isdigit((unsigned char)*s))
    return false;
  for (; *s; s++)
    if (!(isalnum((unsigned char)*s) || *s == '_'))
      return false;
  return true;
}

typedef struct FgLoader {
  FgConfig *cfg;
  const char *file;
  const FgSource *src;
  const FgConfigOverrides *ov;
  char *err;
} FgLoader;

/* ---- rule selectors ---------------------------------------------------------- */

static bool fg_prefix_ci(const char *s, const char *prefix) {
  return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The canonical form of a selector, or NULL when it names no rule (then
 * *why says so, with a suggestion when one is close). With no catalogue,
 * the selector is only upper-cased. */
static char *fg_selector(const FgConfigOverrides *ov, const char *sel, char **why) {
  *why = NULL;
  if (strcasecmp(sel, "ALL") == 0)
    return fg_xstrdup("ALL");
  if (!ov || !ov->rules) {
    char *up = fg_xstrdup(sel);
    for (char *c = up; *c; c++)
      *c = (char)toupper((unsigned char)*c);
    return up;
  }
  FG_VEC(const char *) names = {0};
  for (size_t i = 0; i < ov->nrules; i++) {
    const FgRule *r = ov->rules[i];
    if (strcasecmp(r->name, sel) == 0) {
      fg_vec_free(&names);
      return fg_xstrdup(r->code);
    }
    if (fg_prefix_ci(r->code, sel)) {
      fg_vec_free(&names);
      char *up = fg_xstrdup(sel);
      for (char *c = up; *c; c++)
        *c = (char)toupper((unsigned char)*c);
      return up;
    }
    fg_vec_push(&names, r->code);
    fg_vec_push(&names, r->name);
  }
  const char *near = fg_closest(sel, names.items, names.len, 3);
  *why = near ? fg_xasprintf("unknown rule %s; did you mean %s?", sel, near)
              : fg_xasprintf("unknown rule %s (see `forkguard rules`)", sel);
  fg_vec_free(&names);
  return NULL;
}

/* Appends the canonical selectors of a comma/space-separated list; false
 * with *why on the first unknown one. */
static bool fg_selectors_split(const FgConfigOverrides *ov, FgStrVec *out,
                               const char *list, char **why) {
  FgStrVec raw = {0};
  fg_strvec_split(&raw, list, ", ");
  bool ok = true;
  for (size_t i = 0; i < raw.len && ok; i++) {
    char *c = fg_selector(ov, raw.items[i], why);
    if (c)
      fg_vec_push(out, c);
    else
      ok = false;
  }
  fg_strvec_free(&raw);
  return ok;
}

static bool fg_fail(FgLoader *L, const FgTomlValue *v, const char *key, const char *why) {
  FgPos pos = fg_source_pos(L->src, v ? v->start : 0);
  L->err = fg_xasprintf("%s:%zu:%zu: [tool.forkguard] %s: %s", L->file, pos.line,
                        pos.column, key, why);
  return false;
}

static bool fg_get_string_array(FgLoader *L, const FgTomlValue *v, const char *key,
                                FgStrVec *out) {
  if (!fg_toml_is_string_array(v))
    return fg_fail(L, v, key, "expected an array of strings");
  for (size_t i = 0; i < v->nitems; i++)
    fg_vec_push(out, fg_xstrdup(v->items[i]->str));
  return true;
}

/* An array of rule selectors, each checked where it is written. */
static bool fg_get_selectors(FgLoader *L, const FgTomlValue *v, const char *key,
                             FgStrVec *out) {
  if (!fg_toml_is_string_array(v))
    return fg_fail(L, v, key, "expected an array of rule codes");
  for (size_t i = 0; i < v->nitems; i++) {
    char *why = NULL;
    char *c = fg_selector(L->ov, v->items[i]->str, &why);
    if (!c) {
      bool r = fg_fail(L, v->items[i], key, why);
      free(why);
      return r;
    }
    fg_vec_push(out, c);
  }
  return true;
}

static const char *const fg_config_keys[] = {
    "select",         "extend-select", "ignore",  "per-file-ignores",
    "marker",         "start-method",  "exclude", "extra-pool-constructors",
    "timeout-minutes"};

static bool fg_get_string(FgLoader *L, const FgTomlValue *v, const char *key,
                          char **out) {
  const char *s = fg_toml_as_string(v);
  if (!s)
    return fg_fail(L, v, key, "expected a string");
  free(*out);
  *out = fg_xstrdup(s);
  return true;
}

static bool fg_apply_key(FgLoader *L, const char *key, const FgTomlValue *v) {
  FgConfig *c = L->cfg;
  if (strcmp(key, "select") == 0)
    return fg_get_selectors(L, v, key, &c->select);
  if (strcmp(key, "extend-select") == 0)
    return fg_get_selectors(L, v, key, &c->extend_select);
  if (strcmp(key, "ignore") == 0)
    return fg_get_selectors(L, v, key, &c->ignore);
  if (strcmp(key, "extra-pool-constructors") == 0)
    return fg_get_string_array(L, v, key, &c->extra_pool_constructors);
  if (strcmp(key, "exclude") == 0)
    return fg_get_string_array(L, v, key, &c->exclude);
  if (strcmp(key, "marker") == 0) {
    if (!fg_get_string(L, v, key, &c->marker))
      return false;
    if (!fg_is_identifier(c->marker))
      return fg_fail(L, v, key, "not a valid marker name (a Python identifier)");
    c->marker_explicit = true;
    return true;
  }
  if (strcmp(key, "start-method") == 0) {
    if (!fg_get_string(L, v, key, &c->start_method))
      return false;
    if (strcmp(c->start_method, "spawn") != 0 &&
        strcmp(c->start_method, "forkserver") != 0)
      return fg_fail(L, v, key, "expected \"spawn\" or \"forkserver\"");
    return true;
  }
  if (strcmp(key, "split") == 0)
    return fg_fail(L, v, key,
                   "not a setting (any more): forkguard always splits CI runs by "
                   "marker; remove it");
  if (strcmp(key, "timeout-minutes") == 0) {
    long long n;
    if (!fg_toml_as_int(v, &n))
      return fg_fail(L, v, key, "expected an integer");
    if (n < 1 || n > 360)
      return fg_fail(L, v, key, "expected 1 to 360 (GitHub's limit is 360)");
    c->timeout_minutes = (int)n;
    return true;
  }
  if (strcmp(key, "per-file-ignores") == 0) {
    if (!fg_toml_is_table(v))
      return fg_fail(L, v, key, "expected a table of glob = [codes]");
    for (size_t i = 0; i < v->nentries; i++) {
      const FgTomlEntry *e = &v->entries[i];
      if (!fg_toml_is_string_array(e->value))
        return fg_fail(L, e->value, key, "expected an array of codes for each glob");
      FgStrVec codes = {0};
      if (!fg_get_selectors(L, e->value, key, &codes)) {
        fg_strvec_free(&codes);
        return false;
      }
      FgPerFileIgnore pfi = {fg_xstrdup(e->key), codes.items, codes.len};
      fg_vec_push(&c->per_file_ignores, pfi);
    }
    return true;
  }
  const char *near = fg_closest(key, fg_config_keys,
                                sizeof fg_config_keys / sizeof fg_config_keys[0], 3);
  if (near) {
    char *why = fg_xasprintf("unknown key; did you mean `%s`?", near);
    bool r = fg_fail(L, v, key, why);
    free(why);
    return r;
  }
  return fg_fail(L, v, key, "unknown key (see `forkguard --help`, Configuration)");
}

/* Reads [tool.forkguard] (pyproject) or the whole file (forkguard.toml).
 * Returns 1 when found, 0 when the file has no such table, -1 on error. */
static int fg_config_read(FgConfig *c, const FgConfigOverrides *ov, const char *abspath,
                          const char *shown, bool pyproject, char **err) {
  size_t len = 0;
  char *why = NULL;
  char *data = fg_read_file(abspath, FG_MAX_CONFIG_BYTES, &len, &why);
  if (!data) {
    *err = fg_xasprintf("%s: %s", shown, why);
    free(why);
    return -1;
  }
  FgSource *src = fg_source_new(shown, data, len);
  free(data);
  FgToml *doc = fg_toml_parse(src);
  int result = 0;
  const FgTomlValue *table = NULL;
  if (pyproject) {
    table = fg_toml_get(doc, "tool.forkguard");
  } else {
    table = fg_toml_root(doc);
    /* forkguard.toml may also nest everything under [tool.forkguard] */
    const FgTomlValue *nested = fg_toml_get(doc, "tool.forkguard");
    if (nested)
      table = nested;
  }
  /* a syntax error hides the table from the parser: the text decides
   * whether the file holds forkguard's settings */
  bool ours = !pyproject || table || fg_memmem(src->data, src->len, "tool.forkguard", 14);
  if (fg_toml_has_error(doc) && ours) {
    FgPos pos = fg_source_pos(src, fg_toml_error_offset(doc));
    *err = fg_xasprintf("%s:%zu:%zu: invalid TOML: %s", shown, pos.line, pos.column,
                        fg_toml_error_message(doc));
    result = -1;
  } else if (table) {
    if (!fg_toml_is_table(table)) {
      *err = fg_xasprintf("%s: [tool.forkguard] must be a table", shown);
      result = -1;
    } else {
      FgLoader L = {c, shown, src, ov, NULL};
      result = 1;
      for (size_t i = 0; i < table->nentries && result == 1; i++)
        if (!fg_apply_key(&L, table->entries[i].key, table->entries[i].value)) {
          *err = L.err;
          result = -1;
        }
      if (result == 1) {
        free(c->path);
        c->path = fg_xstrdup(shown);
      }
    }
  }
  fg_toml_delete(doc);
  fg_source_delete(src);
  return result;
}

static bool fg_is_file(const char *path) {
  struct stat st;
  fg_inputs_note(path);
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

FgConfig *fg_config_load(const char *root, const FgConfigOverrides *ov, char **err) {
  *err = NULL;
  FgConfig *c = fg_config_defaults();
  if (ov && ov->config_file) {
    if (!fg_is_file(ov->config_file)) {
      *err = fg_xasprintf("%s: configuration file not found", ov->config_file);
      fg_config_delete(c);
      return NULL;
    }
    bool py = fg_str_endswith(ov->config_file, "pyproject.toml");
    if (fg_config_read(c, ov, ov->config_file, ov->config_file, py, err) < 0) {
      fg_config_delete(c);
      return NULL;
    }
  } else if (!ov || !ov->no_config) {
    static const char *const names[] = {".forkguard.toml", "forkguard.toml",
                                        "pyproject.toml"};
    for (size_t i = 0; i < 3; i++) {
      char *abs = fg_xasprintf("%s/%s", root, names[i]);
      int r = fg_is_file(abs) ? fg_config_read(c, ov, abs, names[i], i == 2, err) : 0;
      free(abs);
      if (r < 0) {
        fg_config_delete(c);
        return NULL;
      }
      if (r > 0)
        break;
    }
  }
  char *why = NULL;
  bool ok = true;
  if (ov && ov->select) {
    for (size_t i = 0; i < c->select.len; i++)
      free(c->select.items[i]);
    c->select.len = 0;
    c->extend_select.len = 0; /* a command-line select replaces the file's whole choice */
    ok = fg_selectors_split(ov, &c->select, ov->select, &why);
    if (!ok)
      *err = fg_xasprintf("--select: %s", why);
  }
  if (ok && ov && ov->extend_select) {
    ok = fg_selectors_split(ov, &c->extend_select, ov->extend_select, &why);
    if (!ok)
      *err = fg_xasprintf("--extend-select: %s", why);
  }
  if (ok && ov && ov->ignore) {
    ok = fg_selectors_split(ov, &c->ignore, ov->ignore, &why);
    if (!ok)
      *err = fg_xasprintf("--ignore: %s", why);
  }
  free(why);
  if (!ok) {
    fg_config_delete(c);
    return NULL;
  }
  return c;
}

/* "FG1" selects FG101..FG104; "ALL" everything. */
static bool fg_code_in(char *const *list, size_t n, const char *code) {
  for (size_t i = 0; i < n; i++) {
    if (strcasecmp(list[i], "ALL") == 0 || fg_str_startswith(code, list[i]))
      return true;
  }
  return false;
}

bool fg_config_enabled(const FgConfig *self, const FgRule *rule, const char *relpath) {
  const char *code = rule->code;
  bool extended = fg_code_in(self->extend_select.items, self->extend_select.len, code);
  bool selected = fg_code_in(self->select.items, self->select.len, code);
  /* no select: every rule that is not opt-in; extend-select adds to that */
  if (!selected && !extended && (rule->opt_in || self->select.len))
    return false;
  if (fg_code_in(self->ignore.items, self->ignore.len, code))
    return false;
  if (relpath) {
    for (size_t i = 0; i < self->per_file_ignores.len; i++) {
      const FgPerFileIgnore *p = &self->per_file_ignores.items[i];
      if (fnmatch(p->pattern, relpath, 0) == 0 && fg_code_in(p->codes, p->ncodes, code))
        return false;
    }
  }
  return true;
}

bool fg_config_selects(const FgConfig *self, const char *code) {
  bool named = fg_code_in(self->select.items, self->select.len, code) ||
               fg_code_in(self->extend_select.items, self->extend_select.len, code);
  return named && !fg_code_in(self->ignore.items, self->ignore.len, code);
}
