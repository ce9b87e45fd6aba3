#include "fix/conftest_fix.h"

#include <stdlib.h>
#include <string.h>

#include "fix/py_edit.h"

/* ---- where ------------------------------------------------------------------ */

static char *fg_dirname(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? fg_xstrndup(path, (size_t)(slash - path)) : fg_xstrdup("");
}

/* The longest common folder of the test files. */
static char *fg_common_dir(const char *const *paths, size_t n) {
  char *common = n ? fg_dirname(paths[0]) : fg_xstrdup("");
  for (size_t i = 1; i < n; i++) {
    char *d = fg_dirname(paths[i]);
    size_t k = 0, last = 0;
    while (common[k] && common[k] == d[k]) {
      k++;
      if (common[k] == '/' || (common[k] == '\0' && (d[k] == '/' || d[k] == '\0')))
        last = k;
    }
    common[last] = '\0';
    free(d);
  }
  return common;
}

static bool fg_is_under(const char *path, const char *dir) {
  size_t n = strlen(dir);
  return !*dir || (strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/'));
}

static char *fg_conftest_path(const char *dir) {
  return *dir ? fg_xasprintf("%s/conftest.py", dir) : fg_xstrdup("conftest.py");
}

/* The top-most existing conftest.py whose folder holds `common`, or NULL;
 * *create_dir gets where a new one goes when there is none. */
static FgModule *fg_target_conftest(const FgProject *p, const char *common,
                                    char **create_dir) {
  FgModuleVec conftests = {0};
  fg_pymodel_conftests(&p->py, common, &conftests);
  FgModule *best = conftests.len ? conftests.items[conftests.len - 1] : NULL;
  fg_vec_free(&conftests);
  /* a new one goes at the configured test root when that holds the tests */
  *create_dir = NULL;
  for (size_t i = 0; i < p->testpaths.len; i++)
    if (fg_is_under(common, p->testpaths.items[i])) {
      *create_dir = fg_xstrdup(p->testpaths.items[i]);
      break;
    }
  if (!*create_dir)
    *create_dir = fg_xstrdup(common);
  return best;
}

/* ---- what is there already ---------------------------------------------------- */

static bool fg_registers(const FgProject *p, const char *marker) {
  if (p->pytest_cfg && fg_pytest_cfg_has_marker(p->pytest_cfg, marker))
    return true;
  for (size_t i = 0; i < p->py.modules.len; i++) {
    const FgPyModule *py = p->py.modules.items[i]->py;
    if (!py)
      continue;
    for (size_t k = 0; k < py->nregistered_markers; k++)
      if (strcmp(py->registered_markers[k], marker) == 0)
        return true;
  }
  return false;
}

/* The local name a module-level `import NAME [as X]` binds (NAME has no
 * dots), or NULL. */
static const char *fg_import_local(const FgPyModule *py, const char *module) {
  for (size_t i = 0; i < py->nimports; i++) {
    const FgPyImport *im = &py->imports[i];
    if (!im->in_function && !im->name && !im->level && strcmp(im->module, module) == 0)
      return im->local;
  }
  return NULL;
}

/* The module's pytest_configure: the last definition, the one that wins. */
static const FgPyFunc *fg_find_configure(const FgPyModule *py) {
  const FgPyFunc *found = NULL;
  for (size_t i = 0; i < py->nfuncs; i++)
    if (py->funcs[i].cls < 0 && !py->funcs[i].nested &&
        strcmp(py->funcs[i].name, "pytest_configure") == 0)
      found = &py->funcs[i];
  return found;
}

/* Where the def's header ends: its '(' and the ':' after the parameters
 * (and any `-> annotation`). False when they cannot be found. */
static bool fg_def_header(const FgSource *src, const FgPyFunc *f, size_t *open,
                          size_t *colon) {
  const char *d = src->data;
  size_t i = f->name_span.end;
  while (i < src->len && (d[i] == ' ' || d[i] == '\t'))
    i++;
  if (i >= src->len || d[i] != '(')
    return false;
  *open = i;
  int depth = 0;
  for (; i < src->len && i < f->def_span.end; i++) {
    char c = d[i];
    if (c == '"' || c == '\'') { /* a default value's string */
      for (i++; i < src->len && d[i] != c && d[i] != '\n'; i++)
        if (d[i] == '\\')
          i++;
      continue;
    }
    if (c == '(' || c == '[' || c == '{')
      depth++;
    else if (c == ')' || c == ']' || c == '}')
      depth--;
    else if (c == ':' && depth == 0) {
      *colon = i;
      return true;
    }
  }
  return false;
}

/* The first byte of a one-line suite's body (`def f(config): pass`), or 0
 * when the body starts on a line of its own. */
static size_t fg_inline_body(const FgSource *src, size_t colon) {
  size_t i = colon + 1;
  while (i < src->len && (src->data[i] == ' ' || src->data[i] == '\t'))
    i++;
  if (i >= src->len || src->data[i] == '\n' || src->data[i] == '\r' ||
      src->data[i] == '#')
    return 0;
  return i;
}

/* ---- text ------------------------------------------------------------------- */

/* The file's indentation unit: the first indented line's leading blanks. */
static char *fg_indent_unit(const FgSource *src) {
  for (size_t l = 1; l <= src->nlines; l++) {
    size_t len = 0;
    const char *t = fg_source_line_text(src, l, &len);
    size_t k = 0;
    while (k < len && (t[k] == ' ' || t[k] == '\t'))
      k++;
    if (k && k < len && t[k] != '#')
      return fg_xstrndup(t, k);
  }
  return fg_xstrdup("    ");
}

/* Leading blanks of the first non-blank line after `from`'s line. */
static char *fg_body_indent(const FgSource *src, size_t from) {
  FgPos pos = fg_source_pos(src, from);
  for (size_t l = pos.line + 1; l <= src->nlines; l++) {
    size_t len = 0;
    const char *t = fg_source_line_text(src, l, &len);
    size_t k = 0;
    while (k < len && (t[k] == ' ' || t[k] == '\t'))
      k++;
    if (k < len && t[k] != '#')
      return fg_xstrndup(t, k);
  }
  return fg_xstrdup("    ");
}

static void fg_body_lines(FgBuf *b, const FgProject *p, const char *indent,
                          const char *unit, const char *param, bool reg,
                          const char *method, const char *mp, const char *sys_name,
                          const char *eol) {
  if (reg) {
    char *callee = fg_xasprintf("%s.addinivalue_line", param);
    char *desc = fg_xasprintf("\"%s: starts processes; run without xdist\"", p->marker);
    const char *args[] = {"\"markers\"", desc};
    fg_py_edit_call(b, indent, unit, callee, args, 2, p->style.line_length, eol);
    free(desc);
    free(callee);
  }
  if (method)
    fg_buf_printf(b,
                  "%sif %s.platform == \"linux\":%s%s%s%s.set_start_method(\"%s\", "
                  "force=True)%s",
                  indent, sys_name, eol, indent, unit, mp, method, eol);
}

/* The hook's first line, annotated when the project's mypy or the file
 * wants annotations (pt: the local name of pytest). */
static void fg_hook_line(FgBuf *b, bool annotate, const char *pt, const char *eol) {
  if (annotate)
    fg_buf_printf(b, "def pytest_configure(config: %s.Config) -> None:%s", pt, eol);
  else
    fg_buf_printf(b, "def pytest_configure(config):%s", eol);
}

/* A new conftest.py: the imports in isort's sections, then the hook. */
static void fg_new_conftest(const FgProject *p, bool reg, bool method, FgBuf *b) {
  const char *start_method = p->config->start_method;
  bool annotate = p->style.annotate;
  if (method)
    fg_buf_puts(b, "import multiprocessing\nimport sys\n");
  if (annotate)
    fg_buf_printf(b, "%simport pytest\n", method ? "\n" : "");
  if (method || annotate)
    fg_buf_puts(b, "\n\n");
  fg_hook_line(b, annotate, "pytest", "\n");
  fg_body_lines(b, p, "    ", "    ", "config", reg, method ? start_method : NULL,
                "multiprocessing", "sys", "\n");
}

static bool fg_fix_inserts_at(const FgFix *fix, const FgSource *src, size_t at) {
  for (size_t i = 0; i < fix->edits.len; i++)
    if (fix->edits.items[i].src == src && fix->edits.items[i].start == at)
      return true;
  return false;
}

FgFix *fg_conftest_fix(const FgProject *p, const char *const *test_paths, size_t n,
                       bool register_marker, bool set_method, FgApplicability app,
                       const char *message) {
  const char *marker = p->marker;
  /* a project that lists its markers in its config file gets the marker
   * there (FG302's fix), not in conftest.py as well */
  bool reg = register_marker && !fg_registers(p, marker) && !fg_registers_in_config(p);
  bool method = set_method && !fg_pymodel_safe_start_method(&p->py);
  if (!reg && !method)
    return NULL;
  char *common = fg_common_dir(test_paths, n);
  char *create_dir = NULL;
  FgModule *m = fg_target_conftest(p, common, &create_dir);
  FgFix *fix = fg_fix_new(app, "%s", message);
  const char *start_method = p->config->start_method;

  if (!m) {
    char *path = fg_conftest_path(create_dir);
    const FgSource *src = fg_project_placeholder(p, path);
    FgBuf b = {0};
    fg_new_conftest(p, reg, method, &b);
    fg_fix_add_edit(fix, src, 0, 0, b.data);
    fg_buf_free(&b);
    free(path);
  } else {
    const FgSource *src = m->src;
    const FgPyModule *py = m->py;
    const char *eol = fg_source_eol(src);
    const char *mp = fg_import_local(py, "multiprocessing");
    const char *sys_name = fg_import_local(py, "sys");
    const char *pt = fg_import_local(py, "pytest");
    const FgPyFunc *cfg = fg_find_configure(py);
    bool annotate = !cfg && (p->style.annotate || fg_py_edit_file_annotates(src));
    size_t bom = src->bom ? 3 : 0;
    /* a file with no final newline keeps it that way: what goes at its
     * end starts with a line break and ends without one */
    bool open_end = src->len > bom && !src->final_newline;
    FG_VEC(const char *) need = {0};
    if (method && !mp)
      fg_vec_push(&need, "multiprocessing");
    if (method && !sys_name)
      fg_vec_push(&need, "sys");
    if (annotate && !pt)
      fg_vec_push(&need, "pytest");
    fg_py_edit_add_imports(fix, &p->style, py, need.items, need.len);
    fg_vec_free(&need);
    bool imports_at_end = fg_fix_inserts_at(fix, src, src->len);
    char *unit = fg_indent_unit(src);
    FgBuf b = {0};
    size_t at;
    size_t open = 0, colon = 0;
    if (cfg && !fg_def_header(src, cfg, &open, &colon)) {
      /* a hook it cannot read is not edited, nor shadowed by a second one */
      free(unit);
      free(common);
      free(create_dir);
      fg_fix_delete(fix);
      return NULL;
    }
    if (cfg) {
      /* extend it in place, after its last line, with its own parameter;
       * a hook without one gets `config`, which pytest then passes */
      const char *param = cfg->nparams ? cfg->params[0] : "config";
      if (!cfg->nparams && reg)
        fg_fix_add_edit(fix, src, open + 1, open + 1, "config");
      char *indent = fg_body_indent(src, cfg->def_span.start);
      size_t inline_body = fg_inline_body(src, colon);
      if (inline_body) {
        /* `def pytest_configure(config): pass`: the body moves to a line of
         * its own, so that lines can follow it */
        free(indent);
        indent = fg_xasprintf("%s%s", cfg->indent ? cfg->indent : "", unit);
        char *brk = fg_xasprintf("%s%s", eol, indent);
        fg_fix_add_edit(fix, src, colon + 1, inline_body, brk);
        free(brk);
      }
      at = cfg->def_span.end;
      while (at < src->len && src->data[at] != '\n')
        at++;
      if (at < src->len)
        at++;
      else
        fg_buf_puts(&b, eol);
      fg_body_lines(&b, p, indent, unit, param, reg, method ? start_method : NULL,
                    mp ? mp : "multiprocessing", sys_name ? sys_name : "sys", eol);
      free(indent);
    } else {
      /* a new hook at the end, two blank lines after the code above */
      at = src->len;
      size_t blank = 0;
      size_t k = src->len;
      while (k > bom && (src->data[k - 1] == '\n' || src->data[k - 1] == '\r')) {
        if (src->data[k - 1] == '\n')
          blank++;
        k--;
      }
      if (k == bom && !imports_at_end) {
        blank = 3; /* an empty file (or a BOM alone) needs no separation */
      } else if (k == bom) {
        blank = 1; /* two blank lines after the imports just added */
      } else if (!src->final_newline) {
        if (!imports_at_end) /* else the imports end with a line break */
          fg_buf_puts(&b, eol);
        blank = 1;
      }
      for (size_t i = blank; i < 3; i++)
        fg_buf_puts(&b, eol);
      fg_hook_line(&b, annotate, pt ? pt : "pytest", eol);
      fg_body_lines(&b, p, unit, unit, "config", reg, method ? start_method : NULL,
                    mp ? mp : "multiprocessing", sys_name ? sys_name : "sys", eol);
    }
    if (at == src->len && open_end && b.len >= strlen(eol))
      b.data[b.len -= strlen(eol)] = '\0';
    fg_fix_add_edit(fix, src, at, at, b.data);
    fg_buf_free(&b);
    free(unit);
  }
  free(common);
  free(create_dir);
  return fix;
}

/* ---- registering the marker where the project registers its markers ---- */

static bool fg_is_ini_kind(FgPytestCfgKind k) {
  return k == FG_PYTEST_CFG_PYTEST_INI || k == FG_PYTEST_CFG_TOX_INI ||
         k == FG_PYTEST_CFG_SETUP_CFG;
}

static bool fg_is_toml_kind(FgPytestCfgKind k) {
  return k == FG_PYTEST_CFG_PYPROJECT_INI || k == FG_PYTEST_CFG_PYPROJECT_TOML ||
         k == FG_PYTEST_CFG_PYTEST_TOML;
}

/* The config file's bytes, through the project (overlay included). */
static const FgSource *fg_cfg_source(const FgProject *p) {
  return p->pytest_cfg_src;
}

/* Leading blanks of the line holding offset. */
static char *fg_line_indent(const FgSource *src, size_t off) {
  size_t s = off;
  while (s > 0 && src->data[s - 1] != '\n')
    s--;
  size_t e = s;
  while (e < src->len && (src->data[e] == ' ' || src->data[e] == '\t'))
    e++;
  return fg_xstrndup(src->data + s, e - s);
}

static bool fg_same_line(const FgSource *src, size_t a, size_t b) {
  for (size_t i = a < b ? a : b; i < (a < b ? b : a); i++)
    if (src->data[i] == '\n')
      return false;
  return true;
}

/* One more entry in the `markers` list of pytest.ini / tox.ini / setup.cfg
 * or of a TOML array, in that list's own layout. */
static FgFix *fg_ini_marker_fix(const FgProject *p, const char *message) {
  const FgPytestCfg *c = p->pytest_cfg;
  const FgPytestCfgList *m = &c->markers;
  const FgSource *src = fg_cfg_source(p);
  if (!src || !m->present || c->has_error)
    return NULL;
  const char *eol = fg_source_eol(src);
  char *entry = fg_xasprintf("%s: starts processes; run without xdist", p->marker);
  FgBuf b = {0};
  size_t at = 0;
  bool ok = false;
  if (fg_is_ini_kind(c->kind) && m->len) {
    const FgPytestCfgItem *last = &m->items[m->len - 1];
    char *indent = fg_line_indent(src, last->start);
    bool own_line = !fg_same_line(src, m->start, last->start) || !*indent;
    fg_buf_printf(&b, "%s%s%s", eol, own_line && *indent ? indent : "    ", entry);
    free(indent);
    at = last->end;
    ok = true;
  } else if (fg_is_toml_kind(c->kind) && m->end > m->start &&
             src->data[m->start] == '[') {
    size_t close = m->end - 1; /* the ']' */
    if (!m->len) {
      fg_buf_printf(&b, "\"%s\"", entry);
      at = close;
      ok = true;
    } else {
      const FgPytestCfgItem *last = &m->items[m->len - 1];
      char q = src->data[last->start] == '\'' ? '\'' : '"';
      size_t after = last->end;
      while (after < close && (src->data[after] == ' ' || src->data[after] == '\t'))
        after++;
      bool trailing_comma = after < close && src->data[after] == ',';
      if (fg_same_line(src, m->start, last->start)) {
        fg_buf_printf(&b, ", %c%s%c", q, entry, q);
        at = last->end;
      } else {
        char *indent = fg_line_indent(src, last->start);
        if (trailing_comma) {
          fg_buf_printf(&b, "%s%s%c%s%c,", eol, indent, q, entry, q);
          at = after + 1;
        } else {
          fg_buf_printf(&b, ",%s%s%c%s%c", eol, indent, q, entry, q);
          at = last->end;
        }
        free(indent);
      }
      ok = true;
    }
  }
  free(entry);
  if (!ok) {
    fg_buf_free(&b);
    return NULL;
  }
  FgFix *fix = fg_fix_new(FG_FIX_SAFE, "%s", message);
  fg_fix_add_edit(fix, src, at, at, b.data);
  fg_buf_free(&b);
  return fix;
}

bool fg_registers_in_config(const FgProject *p) {
  return p->pytest_cfg && p->pytest_cfg->markers.present && !p->pytest_cfg->has_error &&
         (fg_is_ini_kind(p->pytest_cfg->kind) || fg_is_toml_kind(p->pytest_cfg->kind));
}

FgFix *fg_register_marker_fix(const FgProject *p, const char *const *test_paths,
                              size_t n) {
  if (fg_registers(p, p->marker))
    return NULL;
  if (fg_registers_in_config(p)) {
    char *msg = fg_xasprintf("register `%s` in the `markers` of %s", p->marker,
                             p->pytest_cfg->path);
    FgFix *fix = fg_ini_marker_fix(p, msg);
    free(msg);
    if (fix)
      return fix;
  }
  char *msg = fg_xasprintf("register `%s` in conftest.py `pytest_configure`", p->marker);
  FgFix *fix = fg_conftest_fix(p, test_paths, n, true, false, FG_FIX_SAFE, msg);
  free(msg);
  return fix;
}
