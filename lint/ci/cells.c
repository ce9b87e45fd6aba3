#include "ci/cells.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* GitHub allows 256 jobs per matrix; more is not a real workflow. */
#define FG_MAX_COMBOS 256

typedef struct FgKv {
  const char *key;
  const char *value; /* NULL: unknown */
  bool orig;         /* from the axes, not added by include */
} FgKv;

typedef struct FgCombo {
  FG_VEC(FgKv) kv;
} FgCombo;

typedef FG_VEC(FgCombo) FgComboVec;

char *fg_matrix_ref(const char *s) {
  if (!s)
    return NULL;
  while (isspace((unsigned char)*s))
    s++;
  if (strncmp(s, "${{", 3) != 0)
    return NULL;
  s += 3;
  while (*s == ' ')
    s++;
  if (strncmp(s, "matrix.", 7) != 0)
    return NULL;
  s += 7;
  const char *b = s;
  while (isalnum((unsigned char)*s) || *s == '_' || *s == '-')
    s++;
  if (s == b)
    return NULL;
  const char *e = s;
  while (*s == ' ')
    s++;
  if (strncmp(s, "}}", 2) != 0)
    return NULL;
  s += 2;
  while (isspace((unsigned char)*s))
    s++;
  return *s ? NULL : fg_xstrndup(b, (size_t)(e - b));
}

/* A scalar's value when it is a literal; NULL for expressions, collections. */
static const char *fg_literal(const FgYamlNode *n) {
  const char *v = fg_yaml_str(fg_yaml_deref(n));
  if (!v || strstr(v, "${{"))
    return NULL;
  return v;
}

static const FgKv *fg_combo_get(const FgCombo *c, const char *key) {
  for (size_t i = 0; i < c->kv.len; i++)
    if (strcmp(c->kv.items[i].key, key) == 0)
      return &c->kv.items[i];
  return NULL;
}

static void fg_combo_set(FgCombo *c, const char *key, const char *value, bool orig) {
  for (size_t i = 0; i < c->kv.len; i++)
    if (strcmp(c->kv.items[i].key, key) == 0) {
      c->kv.items[i].value = value;
      return;
    }
  FgKv kv = {key, value, orig};
  fg_vec_push(&c->kv, kv);
}

static FgCombo fg_combo_copy(const FgCombo *c) {
  FgCombo n = {0};
  for (size_t i = 0; i < c->kv.len; i++)
    fg_vec_push(&n.kv, c->kv.items[i]);
  return n;
}

static void fg_combos_free(FgComboVec *v) {
  for (size_t i = 0; i < v->len; i++)
    fg_vec_free(&v->items[i].kv);
  fg_vec_free(v);
}

static bool fg_is_special_key(const char *k) {
  return strcmp(k, "include") == 0 || strcmp(k, "exclude") == 0;
}

/* Does the include/exclude entry agree with the combination on key? An
 * unknown value on either side could match. */
static bool fg_value_matches(const char *a, const char *b) {
  return !a || !b || strcmp(a, b) == 0;
}

/* The cartesian product of the axes, then exclude, then include. Returns
 * false when the matrix is not a literal mapping. */
static bool fg_matrix_combos(const FgJob *job, FgComboVec *out, bool *truncated) {
  const FgYamlNode *m = fg_yaml_deref(job->matrix);
  if (!m)
    return true;
  if (m->kind != FG_YAML_MAP)
    return false;
  FgCombo empty = {0};
  fg_vec_push(out, empty);
  size_t naxes = 0;
  for (size_t i = 0; i + 1 < m->nitems; i += 2) {
    const char *key = fg_yaml_str(fg_yaml_deref(m->items[i]));
    if (!key || fg_is_special_key(key))
      continue;
    const FgYamlNode *vals = fg_yaml_deref(m->items[i + 1]);
    FgComboVec next = {0};
    size_t nvals = vals && vals->kind == FG_YAML_SEQ ? vals->nitems : 1;
    for (size_t c = 0; c < out->len; c++) {
      for (size_t v = 0; v < nvals; v++) {
        if (next.len >= FG_MAX_COMBOS) {
          *truncated = true;
          break;
        }
        const char *value =
            vals && vals->kind == FG_YAML_SEQ ? fg_literal(vals->items[v]) : NULL;
        FgCombo n = fg_combo_copy(&out->items[c]);
        fg_combo_set(&n, key, value, true);
        fg_vec_push(&next, n);
      }
    }
    fg_combos_free(out);
    *out = next;
    naxes++;
  }
  if (!naxes)
    fg_combos_free(out); /* include-only: the entries are the matrix */
  /* exclude: a combination goes when every key of an entry matches it */
  const FgYamlNode *ex = fg_yaml_get(m, "exclude");
  if (ex && ex->kind == FG_YAML_SEQ) {
    size_t kept = 0;
    for (size_t c = 0; c < out->len; c++) {
      bool drop = false;
      for (size_t e = 0; e < ex->nitems && !drop; e++) {
        const FgYamlNode *entry = fg_yaml_deref(ex->items[e]);
        if (!entry || entry->kind != FG_YAML_MAP || !entry->nitems)
          continue;
        bool all = true;
        for (size_t k = 0; k + 1 < entry->nitems && all; k += 2) {
          const char *key = fg_yaml_str(fg_yaml_deref(entry->items[k]));
          const FgKv *kv = key ? fg_combo_get(&out->items[c], key) : NULL;
          /* an unknown value is not known to match: keep the combination */
          const char *want = fg_literal(entry->items[k + 1]);
          all = kv && kv->value && want && strcmp(kv->value, want) == 0;
        }
        drop = all;
      }
      if (drop)
        fg_vec_free(&out->items[c].kv);
      else
        out->items[kept++] = out->items[c];
    }
    out->len = kept;
  }
  /* include: added to every original combination it does not overwrite,
   * else a new combination of its own */
  const FgYamlNode *in = fg_yaml_get(m, "include");
  size_t norig = out->len;
  if (in && in->kind == FG_YAML_SEQ) {
    for (size_t e = 0; e < in->nitems; e++) {
      const FgYamlNode *entry = fg_yaml_deref(in->items[e]);
      if (!entry || entry->kind != FG_YAML_MAP)
        continue;
      bool added = false;
      for (size_t c = 0; c < norig; c++) {
        FgCombo *combo = &out->items[c];
        bool fits = true;
        for (size_t k = 0; k + 1 < entry->nitems && fits; k += 2) {
          const char *key = fg_yaml_str(fg_yaml_deref(entry->items[k]));
          const FgKv *kv = key ? fg_combo_get(combo, key) : NULL;
          if (kv && kv->orig)
            fits = fg_value_matches(kv->value, fg_literal(entry->items[k + 1])) &&
                   kv->value && fg_literal(entry->items[k + 1]);
        }
        if (!fits)
          continue;
        for (size_t k = 0; k + 1 < entry->nitems; k += 2) {
          const char *key = fg_yaml_str(fg_yaml_deref(entry->items[k]));
          const FgKv *kv = key ? fg_combo_get(combo, key) : NULL;
          if (key && !(kv && kv->orig))
            fg_combo_set(combo, key, fg_literal(entry->items[k + 1]), false);
        }
        added = true;
      }
      if (!added && out->len < FG_MAX_COMBOS) {
        FgCombo n = {0};
        for (size_t k = 0; k + 1 < entry->nitems; k += 2) {
          const char *key = fg_yaml_str(fg_yaml_deref(entry->items[k]));
          if (key)
            fg_combo_set(&n, key, fg_literal(entry->items[k + 1]), false);
        }
        fg_vec_push(out, n);
      }
    }
  }
  return true;
}

bool fg_matrix_axis_values(const FgJob *job, const char *axis, FgStrVec *out) {
  FgComboVec combos = {0};
  bool truncated = false;
  bool ok = fg_matrix_combos(job, &combos, &truncated);
  for (size_t c = 0; ok && c < combos.len; c++) {
    const FgKv *kv = fg_combo_get(&combos.items[c], axis);
    if (!kv || !kv->value)
      continue;
    bool dup = false;
    for (size_t i = 0; i < out->len && !dup; i++)
      dup = strcmp(out->items[i], kv->value) == 0;
    if (!dup)
      fg_vec_push(out, fg_xstrdup(kv->value));
  }
  fg_combos_free(&combos);
  return ok;
}

/* A value written in the workflow, resolved through the combination:
 * a literal, `${{ matrix.X }}`, or unknown (NULL). */
static const char *fg_resolve(const char *v, const FgCombo *combo, bool matrix_known) {
  if (!v)
    return NULL;
  char *ref = fg_matrix_ref(v);
  if (ref) {
    const FgKv *kv = matrix_known && combo ? fg_combo_get(combo, ref) : NULL;
    free(ref);
    return kv ? kv->value : NULL;
  }
  return strstr(v, "${{") ? NULL : v;
}

static char *fg_runs_on(const FgJob *job, const FgCombo *combo, bool matrix_known) {
  const FgYamlNode *r = fg_yaml_deref(job->runs_on);
  if (!r)
    return NULL;
  if (r->kind == FG_YAML_SCALAR) {
    const char *v = fg_resolve(r->value, combo, matrix_known);
    return v ? fg_xstrdup(v) : NULL;
  }
  const FgYamlNode *labels = r;
  if (r->kind == FG_YAML_MAP) /* runs-on: {group: ..., labels: [...]} */
    labels = fg_yaml_get(r, "labels");
  if (labels && labels->kind == FG_YAML_SCALAR) {
    const char *v = fg_resolve(labels->value, combo, matrix_known);
    return v ? fg_xstrdup(v) : NULL;
  }
  if (!labels || labels->kind != FG_YAML_SEQ)
    return NULL;
  FgBuf b = {0};
  for (size_t i = 0; i < labels->nitems; i++) {
    const char *v =
        fg_resolve(fg_yaml_str(fg_yaml_deref(labels->items[i])), combo, matrix_known);
    if (!v) {
      fg_buf_free(&b);
      return NULL;
    }
    if (b.len)
      fg_buf_putc(&b, ' ');
    fg_buf_puts(&b, v);
  }
  return fg_buf_take(&b);
}

static bool fg_is_setup_python(const FgStep *st) {
  return st->uses && (fg_str_startswith(st->uses, "actions/setup-python@") ||
                      strcmp(st->uses, "actions/setup-python") == 0);
}

/* Versions from a version file: one per line (.python-version), or the
 * `python` line of .tool-versions. Unknown (nothing added) otherwise. */
static void fg_version_file(const FgReader *rd, const char *rel, FgStrVec *out) {
  if (!rd || !rel || strstr(rel, "${{"))
    return;
  size_t len = 0;
  char *data = fg_reader_read_optional(rd, rel, 64 * 1024, &len);
  if (!data)
    return;
  bool tool_versions = fg_str_endswith(rel, ".tool-versions");
  bool plain = tool_versions || fg_str_endswith(rel, ".python-version") ||
               fg_str_endswith(rel, "runtime.txt");
  char *save = NULL;
  for (char *line = plain ? strtok_r(data, "\r\n", &save) : NULL; line;
       line = strtok_r(NULL, "\r\n", &save)) {
    while (isspace((unsigned char)*line))
      line++;
    if (!*line || *line == '#')
      continue;
    if (tool_versions) {
      if (!fg_str_startswith(line, "python "))
        continue;
      line += 7;
    }
    if (fg_str_startswith(line, "python-"))
      line += 7; /* runtime.txt */
    char *end = line;
    while (*end && !isspace((unsigned char)*end))
      end++;
    fg_vec_push(out, fg_xstrndup(line, (size_t)(end - line)));
    if (tool_versions)
      break;
  }
  free(data);
}

/* The Python versions of one combination; a NULL entry means unknown. */
static void fg_pythons(const FgJob *job, const FgReader *rd, const FgCombo *combo,
                       bool matrix_known, FgStrVec *out) {
  bool any_setup = false;
  for (size_t s = 0; s < job->steps.len; s++) {
    const FgStep *st = &job->steps.items[s];
    if (!fg_is_setup_python(st))
      continue;
    any_setup = true;
    const FgYamlNode *with = fg_yaml_get(st->node, "with");
    const FgYamlNode *pv = fg_yaml_get(with, "python-version");
    const FgYamlNode *pf = fg_yaml_get(with, "python-version-file");
    size_t before = out->len;
    if (pv && pv->kind == FG_YAML_SEQ) {
      for (size_t i = 0; i < pv->nitems; i++) {
        const char *v =
            fg_resolve(fg_yaml_str(fg_yaml_deref(pv->items[i])), combo, matrix_known);
        fg_vec_push(out, v ? fg_xstrdup(v) : NULL);
      }
    } else if (pv && pv->kind == FG_YAML_SCALAR) {
      /* a block scalar can list one version a line */
      const char *v = fg_resolve(pv->value, combo, matrix_known);
      if (v && strchr(v, '\n')) {
        char *copy = fg_xstrdup(v);
        char *save = NULL;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
          if (*l)
            fg_vec_push(out, fg_xstrdup(l));
        free(copy);
      } else {
        fg_vec_push(out, v ? fg_xstrdup(v) : NULL);
      }
    } else if (pf) {
      fg_version_file(rd, fg_resolve(fg_yaml_str(pf), combo, matrix_known), out);
    }
    if (out->len == before)
      fg_vec_push(out, NULL); /* setup-python with nothing we can read */
  }
  if (!any_setup)
    fg_vec_push(out, NULL); /* the runner's own Python */
}

static void fg_cells_add(FgCells *self, const char *os, const char *py) {
  for (size_t i = 0; i < self->items.len; i++)
    if (fg_str_eq(self->items.items[i].os, os) &&
        fg_str_eq(self->items.items[i].python, py))
      return;
  FgCell c = {os ? fg_xstrdup(os) : NULL, py ? fg_xstrdup(py) : NULL};
  fg_vec_push(&self->items, c);
}

void fg_cells_of_job(const FgJob *job, const FgReader *rd, FgCells *out) {
  FgComboVec combos = {0};
  bool truncated = false;
  bool known = fg_matrix_combos(job, &combos, &truncated);
  out->truncated |= truncated;
  if (!combos.len) {
    FgCombo empty = {0};
    fg_vec_push(&combos, empty);
  }
  for (size_t c = 0; c < combos.len; c++) {
    char *os = fg_runs_on(job, &combos.items[c], known);
    FgStrVec pys = {0};
    fg_pythons(job, rd, &combos.items[c], known, &pys);
    for (size_t i = 0; i < pys.len; i++)
      fg_cells_add(out, os, pys.items[i]);
    fg_strvec_free(&pys);
    free(os);
  }
  fg_combos_free(&combos);
}

void fg_cells_free(FgCells *self) {
  for (size_t i = 0; i < self->items.len; i++) {
    free(self->items.items[i].os);
    free(self->items.items[i].python);
  }
  fg_vec_free(&self->items);
}

static bool fg_has_label(const char *labels, const char *prefix) {
  for (const char *p = labels; *p;) {
    while (*p == ' ')
      p++;
    const char *e = p;
    while (*e && *e != ' ')
      e++;
    size_t n = strlen(prefix);
    if ((size_t)(e - p) >= n && strncasecmp(p, prefix, n) == 0)
      return true;
    p = e;
  }
  return false;
}

bool fg_cell_is_linux(const FgCell *cell) {
  const char *os = cell->os;
  if (!os)
    return true;
  if (fg_has_label(os, "ubuntu") || fg_has_label(os, "linux"))
    return true;
  if (fg_has_label(os, "macos") || fg_has_label(os, "windows") || fg_has_label(os, "win"))
    return false;
  /* self-hosted without an OS label, or a custom runner name: could be */
  return true;
}

bool fg_cell_python_before_314(const FgCell *cell) {
  const char *v = cell->python;
  if (!v)
    return true;
  if (fg_str_startswith(v, "pypy"))
    v += 4;
  else if (fg_str_startswith(v, "cpython-"))
    v += 8;
  if (v[0] == '2' && v[1] == '.')
    return true;
  if (!(v[0] == '3' && v[1] == '.'))
    return true; /* ">=3.9", "3.x", "latest": could be */
  char *end = NULL;
  long minor = strtol(v + 2, &end, 10);
  if (end == v + 2)
    return true;
  return minor < 14;
}

char *fg_cell_format(const FgCell *cell) {
  return fg_xasprintf("%s \xC3\x97 %s", cell->os ? cell->os : "unknown OS",
                      cell->python ? cell->python : "unknown Python");
}

char *fg_cells_format(const FgCell *const *cells, size_t n, size_t max) {
  FgBuf b = {0};
  for (size_t i = 0; i < n && i < max; i++) {
    char *c = fg_cell_format(cells[i]);
    fg_buf_printf(&b, "%s%s", i ? ", " : "", c);
    free(c);
  }
  if (n > max)
    fg_buf_printf(&b, " (+%zu more)", n - max);
  return fg_buf_take(&b);
}

char *fg_cells_line(const FgCells *cells, bool only_hazard, size_t max, size_t *nkept) {
  FG_VEC(const FgCell *) kept = {0};
  for (size_t i = 0; i < cells->items.len; i++) {
    const FgCell *c = &cells->items.items[i];
    if (!only_hazard || (fg_cell_is_linux(c) && fg_cell_python_before_314(c)))
      fg_vec_push(&kept, c);
  }
  char *line = fg_cells_format(kept.items, kept.len, max);
  if (nkept)
    *nkept = kept.len;
  fg_vec_free(&kept);
  return line;
}
