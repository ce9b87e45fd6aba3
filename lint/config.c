#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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
  free(self->marker);
  free(self->start_method);
  fg_strs_free(self->extra_pool_constructors.items, self->extra_pool_constructors.len);
  free(self->split);
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
  c->split = fg_xstrdup("marker");
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
  char *err;
} FgLoader;

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
    return fg_get_string_array(L, v, key, &c->select);
  if (strcmp(key, "ignore") == 0)
    return fg_get_string_array(L, v, key, &c->ignore);
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
  if (strcmp(key, "split") == 0) {
    if (!fg_get_string(L, v, key, &c->split))
      return false;
    if (strcmp(c->split, "marker") != 0 && strcmp(c->split, "path") != 0)
      return fg_fail(L, v, key, "expected \"marker\" or \"path\"");
    return true;
  }
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
      FgPerFileIgnore pfi = {fg_xstrdup(e->key),
                             fg_xcalloc(e->value->nitems, sizeof(char *)),
                             e->value->nitems};
      for (size_t k = 0; k < e->value->nitems; k++)
        pfi.codes[k] = fg_xstrdup(e->value->items[k]->str);
      fg_vec_push(&c->per_file_ignores, pfi);
    }
    return true;
  }
  return fg_fail(L, v, key, "unknown key");
}

/* Reads [tool.forkguard] (pyproject) or the whole file (forkguard.toml).
 * Returns 1 when found, 0 when the file has no such table, -1 on error. */
static int fg_config_read(FgConfig *c, const char *abspath, const char *shown,
                          bool pyproject, char **err) {
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
  if (fg_toml_has_error(doc) && (table || !pyproject)) {
    FgPos pos = fg_source_pos(src, fg_toml_error_offset(doc));
    *err = fg_xasprintf("%s:%zu:%zu: invalid TOML: %s", shown, pos.line, pos.column,
                        fg_toml_error_message(doc));
    result = -1;
  } else if (table) {
    if (!fg_toml_is_table(table)) {
      *err = fg_xasprintf("%s: [tool.forkguard] must be a table", shown);
      result = -1;
    } else {
      FgLoader L = {c, shown, src, NULL};
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
    if (fg_config_read(c, ov->config_file, ov->config_file, py, err) < 0) {
      fg_config_delete(c);
      return NULL;
    }
  } else if (!ov || !ov->no_config) {
    static const char *const names[] = {".forkguard.toml", "forkguard.toml",
                                        "pyproject.toml"};
    for (size_t i = 0; i < 3; i++) {
      char *abs = fg_xasprintf("%s/%s", root, names[i]);
      int r = fg_is_file(abs) ? fg_config_read(c, abs, names[i], i == 2, err) : 0;
      free(abs);
      if (r < 0) {
        fg_config_delete(c);
        return NULL;
      }
      if (r > 0)
        break;
    }
  }
  if (ov && ov->select) {
    for (size_t i = 0; i < c->select.len; i++)
      free(c->select.items[i]);
    c->select.len = 0;
    fg_strvec_split(&c->select, ov->select, ", ");
  }
  if (ov && ov->ignore)
    fg_strvec_split(&c->ignore, ov->ignore, ", ");
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

static bool fg_code_named(char *const *list, size_t n, const char *code) {
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(list[i], code) == 0)
      return true;
  return false;
}

bool fg_config_enabled(const FgConfig *self, const char *code, bool default_off,
                       const char *relpath) {
  if (default_off && !fg_code_named(self->select.items, self->select.len, code))
    return false;
  if (self->select.len && !fg_code_in(self->select.items, self->select.len, code))
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
