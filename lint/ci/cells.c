#include "ci/cells.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* GitHub allows 256 jobs per matrix; more is not a real workflow. */
#define FG_MAX_COMBOS 256

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

static bool fg_is_special_key(const char *k) {
  return strcmp(k, "include") == 0 || strcmp(k, "exclude") == 0;
}

/* Do two matrix values agree? 1, 0, or -1 when one is not known. */
static int fg_same_value(const FgXValue *a, const FgXValue *b) {
  if (!a || !b)
    return 0;
  char *x = fg_x_to_string(a), *y = fg_x_to_string(b);
  int r = x && y ? strcmp(x, y) == 0 : -1;
  if (r == 1 && (a->kind == FG_X_OBJECT || a->kind == FG_X_ARRAY))
    r = a == b;
  free(x);
  free(y);
  return r;
}

/* `exclude`: a combination goes when every key of an entry matches it (an
 * unknown value is not known to match: the combination stays). */
static void fg_matrix_exclude(const FgXValue *ex, FgXValueVec *out) {
  if (!ex || ex->kind != FG_X_ARRAY)
    return;
  size_t kept = 0;
  for (size_t c = 0; c < out->len; c++) {
    bool drop = false;
    for (size_t e = 0; e < ex->nitems && !drop; e++) {
      const FgXValue *entry = ex->items[e];
      if (entry->kind != FG_X_OBJECT || !entry->nitems)
        continue;
      bool all = true;
      for (size_t k = 0; k + 1 < entry->nitems && all; k += 2) {
        const FgXValue *have = fg_x_get(out->items[c], entry->items[k]->str);
        all = fg_same_value(have, entry->items[k + 1]) == 1;
      }
      drop = all;
    }
    if (!drop)
      out->items[kept++] = out->items[c];
  }
  out->len = kept;
}

static bool fg_is_axis(const FgStrVec *axes, const char *key) {
  for (size_t i = 0; i < axes->len; i++)
    if (strcmp(axes->items[i], key) == 0)
      return true;
  return false;
}

/* `include`: an entry is added to every original combination whose axis
 * values it matches; one that matches none is a combination of its own. */
static void fg_matrix_include(FgXArena *a, const FgXValue *in, const FgStrVec *axes,
                              FgXValueVec *out, bool *truncated) {
  if (!in || in->kind != FG_X_ARRAY)
    return;
  size_t norig = out->len;
  for (size_t e = 0; e < in->nitems; e++) {
    const FgXValue *entry = in->items[e];
    if (entry->kind != FG_X_OBJECT)
      continue;
    bool added = false;
    for (size_t c = 0; c < norig; c++) {
      FgXValue *combo = out->items[c];
      bool fits = true;
      for (size_t k = 0; k + 1 < entry->nitems && fits; k += 2) {
        const char *key = entry->items[k]->str;
        if (fg_is_axis(axes, key))
          fits = fg_same_value(fg_x_get(combo, key), entry->items[k + 1]) == 1;
      }
      if (!fits)
        continue;
      for (size_t k = 0; k + 1 < entry->nitems; k += 2)
        if (!fg_is_axis(axes, entry->items[k]->str))
          fg_x_set(a, combo, entry->items[k]->str, entry->items[k + 1]);
      added = true;
    }
    if (added)
      continue;
    if (out->len >= FG_MAX_COMBOS) {
      *truncated = true;
      continue;
    }
    fg_vec_push(out, fg_x_object_copy(a, entry));
  }
}

void fg_matrix_combos(const FgJob *job, FgXArena *a, const FgXScope *scope,
                      FgXValueVec *out, bool *truncated) {
  const FgYamlNode *m = fg_yaml_deref(job->matrix);
  if (!m) {
    fg_vec_push(out, fg_x_object(a));
    return;
  }
  FgXValue *mv = fg_x_from_yaml(a, m, scope);
  if (mv->kind != FG_X_OBJECT) {
    FgXValue *none = NULL;
    fg_vec_push(out, none);
    return;
  }
  size_t first = out->len;
  fg_vec_push(out, fg_x_object(a));
  FgStrVec axes = {0};
  for (size_t i = 0; i + 1 < mv->nitems; i += 2) {
    const char *key = mv->items[i]->str;
    if (fg_is_special_key(key))
      continue;
    fg_vec_push(&axes, fg_xstrdup(key));
    const FgXValue *vals = mv->items[i + 1];
    size_t nvals = vals->kind == FG_X_ARRAY ? vals->nitems : 1;
    FgXValueVec next = {0};
    for (size_t c = first; c < out->len; c++)
      for (size_t v = 0; v < nvals; v++) {
        if (next.len >= FG_MAX_COMBOS) {
          *truncated = true;
          break;
        }
        FgXValue *n = fg_x_object_copy(a, out->items[c]);
        /* an axis that is not a list (an expression not known): unknown */
        fg_x_set(a, n, key, vals->kind == FG_X_ARRAY ? vals->items[v] : fg_x_unknown(a));
        fg_vec_push(&next, n);
      }
    out->len = first;
    for (size_t c = 0; c < next.len; c++)
      fg_vec_push(out, next.items[c]);
    fg_vec_free(&next);
  }
  const FgXValue *inc = fg_x_get(mv, "include");
  if (!axes.len)
    out->len = first; /* include-only: the entries are the matrix */
  if (!axes.len && inc && inc->kind != FG_X_ARRAY) {
    /* `include: ${{ fromJSON(...) }}` and nothing else: the combinations are
     * not known, as for a whole matrix that is an expression */
    FgXValue *none = NULL;
    fg_vec_push(out, none);
    fg_strvec_free(&axes);
    return;
  }
  FgXValueVec mine = {0};
  for (size_t c = first; c < out->len; c++)
    fg_vec_push(&mine, out->items[c]);
  fg_matrix_exclude(fg_x_get(mv, "exclude"), &mine);
  fg_matrix_include(a, inc, &axes, &mine, truncated);
  if (!mine.len && !axes.len && !inc)
    fg_vec_push(&mine, fg_x_object(a)); /* `matrix: {}` */
  out->len = first;
  for (size_t c = 0; c < mine.len; c++)
    fg_vec_push(out, mine.items[c]);
  fg_vec_free(&mine);
  fg_strvec_free(&axes);
}

bool fg_matrix_axis_values(const FgJob *job, const char *axis, FgStrVec *out) {
  FgXArena a = {0};
  FgXValueVec combos = {0};
  bool truncated = false;
  fg_matrix_combos(job, &a, NULL, &combos, &truncated);
  bool ok = !(combos.len == 1 && !combos.items[0]);
  for (size_t c = 0; ok && c < combos.len; c++) {
    const FgXValue *v = fg_x_get(combos.items[c], axis);
    char *s = v && v->kind != FG_X_NULL ? fg_x_to_string(v) : NULL;
    if (!s)
      continue;
    bool dup = false;
    for (size_t i = 0; i < out->len && !dup; i++)
      dup = strcmp(out->items[i], s) == 0;
    if (!dup)
      fg_vec_push(out, s);
    else
      free(s);
  }
  fg_vec_free(&combos);
  fg_x_arena_free(&a);
  return ok;
}

char *fg_job_runs_on(const FgJob *job, const FgXScope *scope) {
  const FgYamlNode *r = fg_yaml_deref(job->runs_on);
  if (!r)
    return NULL;
  FgXArena a = {0};
  FgXValue *v = fg_x_from_yaml(&a, r, scope);
  if (v->kind == FG_X_OBJECT) /* runs-on: {group: ..., labels: [...]} */
    v = (FgXValue *)fg_x_get(v, "labels");
  char *out = NULL;
  if (v && v->kind == FG_X_ARRAY) {
    FgBuf b = {0};
    bool ok = v->nitems > 0;
    for (size_t i = 0; i < v->nitems && ok; i++) {
      char *s = fg_x_to_string(v->items[i]);
      ok = s != NULL;
      if (s)
        fg_buf_printf(&b, "%s%s", i ? " " : "", s);
      free(s);
    }
    out = ok ? fg_buf_take(&b) : NULL;
    fg_buf_free(&b);
  } else if (v && v->kind != FG_X_NULL) {
    out = fg_x_to_string(v);
    if (out && !*out) {
      free(out);
      out = NULL;
    }
  }
  fg_x_arena_free(&a);
  return out;
}

static bool fg_has_label(const char *labels, const char *prefix);

const char *fg_runner_os(const char *labels) {
  if (!labels)
    return NULL;
  if (fg_has_label(labels, "ubuntu") || fg_has_label(labels, "linux"))
    return "Linux";
  if (fg_has_label(labels, "windows") || fg_has_label(labels, "win"))
    return "Windows";
  if (fg_has_label(labels, "macos") || fg_has_label(labels, "mac"))
    return "macOS";
  return NULL;
}

static bool fg_uses(const FgStep *st, const char *action) {
  if (!st->uses)
    return false;
  size_t n = strlen(action);
  return strncasecmp(st->uses, action, n) == 0 && (st->uses[n] == '@' || !st->uses[n]);
}

/* Is the step `uses: OWNER/NAME@REF` with this NAME? */
static bool fg_uses_named(const FgStep *st, const char *name) {
  const char *slash = st->uses ? strchr(st->uses, '/') : NULL;
  if (!slash)
    return false;
  size_t n = strlen(name);
  return strncasecmp(slash + 1, name, n) == 0 && (slash[1 + n] == '@' || !slash[1 + n]);
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

/* The Python a conda environment file pins: a `python=3.11`, `python==3.11.*`,
 * `python 3.11` or `conda-forge::python=3.11` dependency. Nothing added when
 * the file cannot be read; NULL (unknown) when it names no version. */
static void fg_conda_env_file(const FgReader *rd, const char *rel, FgStrVec *out) {
  size_t len = 0;
  char *data = rd && rel && !strstr(rel, "${{")
                   ? fg_reader_read_optional(rd, rel, 256 * 1024, &len)
                   : NULL;
  char *found = NULL;
  char *save = NULL;
  for (char *line = data ? strtok_r(data, "\r\n", &save) : NULL; line && !found;
       line = strtok_r(NULL, "\r\n", &save)) {
    while (isspace((unsigned char)*line))
      line++;
    if (*line != '-')
      continue;
    line++;
    while (isspace((unsigned char)*line) || *line == '"' || *line == '\'')
      line++;
    const char *colons = strstr(line, "::");
    if (colons && colons < line + strcspn(line, " =<>"))
      line = (char *)colons + 2;
    if (!fg_str_startswith(line, "python"))
      continue;
    const char *v = line + 6;
    if (*v != '=' && *v != ' ')
      continue; /* python-dateutil, pythonnet */
    while (*v == '=' || *v == ' ')
      v++;
    if (v[0] != '3' || v[1] != '.' || !isdigit((unsigned char)v[2]))
      break; /* `python`, `python >=3.10`: no one version */
    size_t n = 3;
    while (isdigit((unsigned char)v[n]))
      n++;
    found = fg_xstrndup(v, n);
  }
  if (data)
    fg_vec_push(out, found); /* NULL: the solver's choice */
  free(data);
}

/* A conda setup action (setup-miniconda, setup-micromamba) given no
 * `python-version`: the Python of its `environment-file`, or of
 * micromamba's `create-args` (`python=3.12`). */
static void fg_conda_python(const FgStep *st, const FgXScope *scope, const FgReader *rd,
                            FgStrVec *out) {
  const FgYamlNode *with = fg_yaml_get(st->node, "with");
  FgXArena a = {0};
  const FgYamlNode *ca = fg_yaml_get(with, "create-args");
  char *args = ca ? fg_x_to_string(fg_x_from_yaml(&a, ca, scope)) : NULL;
  const char *py = args ? strstr(args, "python=") : NULL;
  const char *v = py && (py == args || isspace((unsigned char)py[-1])) ? py + 7 : NULL;
  if (v && v[0] == '3' && v[1] == '.' && isdigit((unsigned char)v[2])) {
    size_t k = 2;
    while (isdigit((unsigned char)v[k]))
      k++;
    fg_vec_push(out, fg_xstrndup(v, k));
  } else {
    const FgYamlNode *ef = fg_yaml_get(with, "environment-file");
    char *rel = ef ? fg_x_to_string(fg_x_from_yaml(&a, ef, scope)) : NULL;
    fg_conda_env_file(rd, rel, out);
    free(rel);
  }
  free(args);
  fg_x_arena_free(&a);
}

/* cygwin-install-action's `packages` (words between commas and blanks):
 * `python312` is Cygwin's Python 3.12, `python3` one not named; a
 * package of another name (`python312-pip`, `gcc-core`) says nothing. */
static void fg_cygwin_python(const FgStep *st, const FgXScope *scope, FgStrVec *out) {
  FgXArena a = {0};
  const FgYamlNode *pk = fg_yaml_get(fg_yaml_get(st->node, "with"), "packages");
  char *s = pk ? fg_x_to_string(fg_x_from_yaml(&a, pk, scope)) : NULL;
  fg_x_arena_free(&a);
  bool named = false;
  char *save = NULL;
  for (char *w = s ? strtok_r(s, ", \t\r\n", &save) : NULL; w;
       w = strtok_r(NULL, ", \t\r\n", &save)) {
    if (strncmp(w, "python3", 7) != 0)
      continue;
    const char *d = w + 7;
    size_t n = strspn(d, "0123456789");
    if (d[n])
      continue;
    fg_vec_push(out, n ? fg_xasprintf("3.%s", d) : NULL);
    named = true;
  }
  if (!named && pk && !s)
    fg_vec_push(out, NULL); /* packages not known: maybe a Python */
  free(s);
}

/* `freethreaded: true` (setup-python) or `nogil: true` (deadsnakes):
 * the free-threaded build of each version, "3.13" -> "3.13t",
 * "3.15-dev" -> "3.15t-dev". */
static void fg_free_threaded(const FgYamlNode *with, const FgXScope *scope,
                             FgStrVec *vers) {
  const FgYamlNode *ft = fg_yaml_get(with, "freethreaded");
  if (!ft)
    ft = fg_yaml_get(with, "nogil");
  if (!ft)
    return;
  FgXArena a = {0};
  int on = fg_x_truthy(fg_x_from_yaml(&a, ft, scope));
  fg_x_arena_free(&a);
  for (size_t i = 0; on == 1 && i < vers->len; i++) {
    char *v = vers->items[i];
    if (!v || v[0] != '3' || v[1] != '.' || !isdigit((unsigned char)v[2]))
      continue;
    size_t n = 2;
    while (isdigit((unsigned char)v[n]))
      n++;
    if (v[n] == 't')
      continue;
    vers->items[i] = fg_xasprintf("%.*st%s", (int)n, v, v + n);
    free(v);
  }
}

/* A `python-version` input: a literal, a list, lines of a block scalar. */
static void fg_version_input(const FgYamlNode *pv, const FgXScope *scope, FgStrVec *out) {
  FgXArena a = {0};
  FgXValue *v = fg_x_from_yaml(&a, pv, scope);
  if (v->kind == FG_X_ARRAY) {
    for (size_t i = 0; i < v->nitems; i++)
      fg_vec_push(out, fg_x_to_string(v->items[i]));
  } else {
    char *s = fg_x_to_string(v);
    if (s && strchr(s, '\n')) {
      char *save = NULL;
      for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        while (isspace((unsigned char)*l))
          l++;
        if (*l)
          fg_vec_push(out, fg_xstrdup(l));
      }
      free(s);
    } else if (s && !*s) {
      free(s); /* empty: the action's default */
    } else {
      fg_vec_push(out, s); /* NULL: unknown */
    }
  }
  fg_x_arena_free(&a);
}

/* The Python a GitHub-hosted Ubuntu image has on PATH (its system
 * python3) for a pinned label; NULL for `-latest` labels (they move), other
 * images and jobs in a container. */
static const char *fg_image_python(const FgJob *job, const char *os) {
  static const char *const images[][2] = {
      {"ubuntu-20.04", "3.8"},      {"ubuntu-22.04", "3.10"},
      {"ubuntu-24.04", "3.12"},     {"ubuntu-22.04-arm", "3.10"},
      {"ubuntu-24.04-arm", "3.12"}, {NULL, NULL}};
  if (!os || fg_yaml_get(job->node, "container"))
    return NULL;
  for (size_t i = 0; images[i][0]; i++)
    if (strcmp(os, images[i][0]) == 0)
      return images[i][1];
  return NULL;
}

/* Is the step an action that puts a Python on PATH? (Cygwin's only when
 * its packages name one.) */
static bool fg_is_python_setup(const FgStep *st) {
  if (fg_uses_named(st, "cygwin-install-action")) {
    const char *pk = fg_yaml_str(fg_yaml_get(fg_yaml_get(st->node, "with"), "packages"));
    return pk && strstr(pk, "python");
  }
  return fg_uses(st, "actions/setup-python") ||
         (st->uses && fg_yaml_get(fg_yaml_get(st->node, "with"), "python-version")) ||
         fg_uses_named(st, "setup-miniconda") || fg_uses_named(st, "setup-micromamba");
}

const char *fg_job_image_python(const FgJob *job, size_t upto, const char *os) {
  for (size_t s = 0; s < job->steps.len && s < upto; s++)
    if (fg_is_python_setup(&job->steps.items[s]))
      return NULL;
  return fg_image_python(job, os);
}

void fg_job_pythons(const FgJob *job, size_t upto, const FgReader *rd,
                    const FgXScope *scope, FgStrVec *out) {
  FgStrVec last = {0};
  bool any = false;
  for (size_t s = 0; s < job->steps.len && s < upto; s++) {
    const FgStep *st = &job->steps.items[s];
    /* setup-python; setup-uv, deadsnakes/action, a repository's own
     * composite action: any action given a `python-version`; conda */
    if (!fg_is_python_setup(st))
      continue;
    bool setup_python = fg_uses(st, "actions/setup-python");
    bool conda =
        fg_uses_named(st, "setup-miniconda") || fg_uses_named(st, "setup-micromamba");
    const char *cond = fg_yaml_str(fg_yaml_get(st->node, "if"));
    if (cond && fg_x_condition(cond, scope) == 0)
      continue;
    const FgYamlNode *with = fg_yaml_get(st->node, "with");
    const FgYamlNode *pv = fg_yaml_get(with, "python-version");
    const FgYamlNode *pf = fg_yaml_get(with, "python-version-file");
    FgStrVec vers = {0};
    if (fg_uses_named(st, "cygwin-install-action"))
      fg_cygwin_python(st, scope, &vers);
    else if (pv)
      fg_version_input(pv, scope, &vers);
    else if (conda)
      fg_conda_python(st, scope, rd, &vers);
    if (!vers.len && setup_python) {
      if (pf) {
        FgXArena a = {0};
        char *rel = fg_x_to_string(fg_x_from_yaml(&a, pf, scope));
        fg_version_file(rd, rel, &vers);
        free(rel);
        fg_x_arena_free(&a);
      } else {
        fg_version_file(rd, ".python-version", &vers);
      }
      if (!vers.len)
        fg_vec_push(&vers, NULL); /* setup-python with nothing we can read */
    }
    if (!vers.len)
      continue; /* setup-uv / miniconda without a version: PATH unchanged */
    fg_free_threaded(with, scope, &vers);
    fg_strvec_free(&last);
    last = vers;
    any = true;
  }
  if (!any) {
    char *none = NULL;
    fg_vec_push(out, none); /* the runner's own Python (fg_job_image_python) */
  }
  for (size_t i = 0; i < last.len; i++)
    fg_vec_push(out, last.items[i]);
  fg_vec_free(&last);
}

void fg_cells_add(FgCells *self, const char *os, const char *py) {
  for (size_t i = 0; i < self->items.len; i++)
    if (fg_str_eq(self->items.items[i].os, os) &&
        fg_str_eq(self->items.items[i].python, py))
      return;
  FgCell c = {os ? fg_xstrdup(os) : NULL, py ? fg_xstrdup(py) : NULL};
  fg_vec_push(&self->items, c);
}

void fg_cells_retain(FgCells *self, bool (*keep)(const FgCell *cell, void *user),
                     void *user) {
  size_t kept = 0;
  for (size_t i = 0; i < self->items.len; i++) {
    FgCell *c = &self->items.items[i];
    if (keep(c, user)) {
      self->items.items[kept++] = *c;
    } else {
      free(c->os);
      free(c->python);
    }
  }
  self->items.len = kept;
}

void fg_cells_merge(FgCells *dst, const FgCells *src) {
  for (size_t i = 0; i < src->items.len; i++)
    fg_cells_add(dst, src->items.items[i].os, src->items.items[i].python);
  dst->truncated |= src->truncated;
}

void fg_cells_of_job(const FgJob *job, const FgReader *rd, FgCells *out) {
  FgXArena a = {0};
  FgXValueVec combos = {0};
  bool truncated = false;
  fg_matrix_combos(job, &a, NULL, &combos, &truncated);
  out->truncated |= truncated;
  for (size_t c = 0; c < combos.len; c++) {
    FgXScope scope = {combos.items[c], NULL, NULL, NULL, NULL};
    char *os = fg_job_runs_on(job, &scope);
    FgStrVec pys = {0};
    fg_job_pythons(job, job->steps.len, rd, &scope, &pys);
    for (size_t i = 0; i < pys.len; i++)
      fg_cells_add(out, os, pys.items[i]);
    fg_strvec_free(&pys);
    free(os);
  }
  fg_vec_free(&combos);
  fg_x_arena_free(&a);
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

int fg_cell_python_minor(const FgCell *cell) {
  const char *v = cell->python;
  if (!v)
    return -1;
  if (fg_str_startswith(v, "pypy"))
    v += 4;
  else if (fg_str_startswith(v, "cpython-"))
    v += 8;
  if (v[0] == '-')
    v++; /* pypy-3.10 */
  if (!(v[0] == '3' && v[1] == '.'))
    return -1;
  char *end = NULL;
  long minor = strtol(v + 2, &end, 10);
  return end == v + 2 ? -1 : (int)minor;
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
