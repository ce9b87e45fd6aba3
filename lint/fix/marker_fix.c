/* fix/marker_fix: the serial marker added to a test (FG101, FG106). */
#include "fix/marker_fix.h"

#include <stdlib.h>
#include <string.h>

/* The name a module-level `import pytest [as X]` binds, or NULL. */
static const char *fg_marker_pytest_local(const FgPyModule *py) {
  for (size_t i = 0; i < py->nimports; i++) {
    const FgPyImport *im = &py->imports[i];
    if (!im->in_function && !im->name && !im->level && strcmp(im->module, "pytest") == 0)
      return im->local;
  }
  return NULL;
}

/* The decorator, in the file's own spelling of pytest.mark; `import pytest`
 * is added after the docstring and __future__ imports when the module has
 * no way to reach pytest.mark. */
FgFix *fg_marker_fix(const FgProject *p, const FgTest *t) {
  const FgPyModule *py = t->mod->py;
  const FgPyFunc *f = &py->funcs[t->func];
  const FgSource *src = t->mod->src;
  const char *eol = fg_source_eol(src);
  FgFix *fix =
      fg_fix_new(FG_FIX_SAFE, "mark `%s` with `@pytest.mark.%s`", t->name, p->marker);
  const char *mark = "pytest.mark";
  const char *pt = fg_marker_pytest_local(py);
  char *pt_mark = pt && !py->imports_pytest ? fg_xasprintf("%s.mark", pt) : NULL;
  if (pt_mark) {
    mark = pt_mark; /* `import pytest as pt` */
  } else if (!py->imports_pytest && py->mark_alias) {
    mark = py->mark_alias;
  } else if (!py->imports_pytest) {
    char *imp = fg_xasprintf("import pytest%s", eol);
    size_t at = fg_pyfile_import_offset(py);
    /* after a docstring at the very end of a file with no final newline */
    if (at == src->len && src->len > (src->bom ? 3u : 0u) && !src->final_newline) {
      free(imp);
      imp = fg_xasprintf("%simport pytest%s", eol, eol);
    }
    for (size_t gap = fg_pyfile_import_gap(py, at); gap > 0; gap--) {
      char *more = fg_xasprintf("%s%s", imp, eol);
      free(imp);
      imp = more;
    }
    fg_fix_add_edit(fix, src, at, at, imp);
    free(imp);
  }
  char *deco = fg_xasprintf("@%s.%s%s%s", mark, p->marker, eol, f->indent);
  fg_fix_add_edit(fix, src, f->span.start, f->span.start, deco);
  free(deco);
  free(pt_mark);
  return fix;
}

/* Just past the line break of the line holding offset. */
static size_t fg_marker_line_end(const FgSource *src, size_t off) {
  while (off < src->len && src->data[off] != '\n')
    off++;
  return off < src->len ? off + 1 : off;
}

/* Extends an existing module `pytestmark` by the mark: appended to a list
 * (`[a]` -> `[a, m]`, a multi-line list with a trailing comma gets a new
 * line), a single mark becomes a list. False when the value is neither. */
static bool fg_marker_extend_pytestmark(FgFix *fix, const FgSource *src, FgSpan rhs,
                                        const char *mark, const char *eol) {
  const char *d = src->data;
  if (rhs.end <= rhs.start)
    return false;
  if (d[rhs.start] != '[') {
    if (d[rhs.start] == '(')
      return false; /* a tuple: pytest wants a list or one mark */
    char *tail = fg_xasprintf(", %s]", mark);
    fg_fix_add_edit(fix, src, rhs.start, rhs.start, "[");
    fg_fix_add_edit(fix, src, rhs.end, rhs.end, tail);
    free(tail);
    return true;
  }
  if (d[rhs.end - 1] != ']')
    return false;
  size_t close = rhs.end - 1;
  size_t last = close;
  while (last > rhs.start && strchr(" \t\r\n", d[last - 1]))
    last--;
  char prev = d[last - 1];
  bool own_line = false;
  for (size_t k = last; k < close; k++)
    if (d[k] == '\n')
      own_line = true;
  if (prev == '[') {
    fg_fix_add_edit(fix, src, last, last, mark);
  } else if (own_line && prev == ',') {
    /* one element a line: a new line like the last element's */
    size_t ls = last;
    while (ls > rhs.start && d[ls - 1] != '\n')
      ls--;
    size_t ind = ls;
    while (d[ind] == ' ' || d[ind] == '\t')
      ind++;
    size_t at = fg_marker_line_end(src, last);
    char *text = fg_xasprintf("%.*s%s,%s", (int)(ind - ls), d + ls, mark, eol);
    fg_fix_add_edit(fix, src, at, at, text);
    free(text);
  } else {
    char *text = fg_xasprintf("%s%s", prev == ',' ? " " : ", ", mark);
    fg_fix_add_edit(fix, src, last, last, text);
    free(text);
  }
  return true;
}

/* The module-wide fix: `pytestmark = <mark>` once, on its own line after
 * the module's imports (or an existing pytestmark extended). */
FgFix *fg_marker_module_fix(const FgProject *p, const FgTest *t) {
  const FgPyModule *py = t->mod->py;
  const FgSource *src = t->mod->src;
  const char *eol = fg_source_eol(src);
  FgFix *fix = fg_fix_new(FG_FIX_SAFE,
                          "mark every test of `%s` with `pytestmark = "
                          "pytest.mark.%s`",
                          t->mod->src->path, p->marker);
  const char *pkg = "pytest";
  char *imp = NULL;
  if (!py->imports_pytest && fg_marker_pytest_local(py))
    pkg = fg_marker_pytest_local(py);
  else if (!py->imports_pytest && py->mark_alias)
    pkg = NULL;
  else if (!py->imports_pytest)
    imp = fg_xasprintf("import pytest%s", eol);
  char *mark = pkg ? fg_xasprintf("%s.mark.%s", pkg, p->marker)
                   : fg_xasprintf("%s.%s", py->mark_alias, p->marker);
  size_t imp_at = fg_pyfile_import_offset(py);
  if (py->pytestmark_span.end > py->pytestmark_span.start &&
      fg_marker_extend_pytestmark(fix, src, py->pytestmark_span, mark, eol)) {
    if (imp)
      fg_fix_add_edit(fix, src, imp_at, imp_at, imp);
    free(imp);
    free(mark);
    return fix;
  }
  if (py->pytestmark_span.end > py->pytestmark_span.start) {
    /* a value we cannot extend: decorators instead */
    free(imp);
    free(mark);
    fg_fix_delete(fix);
    return NULL;
  }
  /* after the last module-level import, else where imports go */
  size_t at = 0;
  bool after_import = false;
  for (size_t i = 0; i < py->nimports; i++)
    if (!py->imports[i].in_function && py->imports[i].span.end > at) {
      at = py->imports[i].span.end;
      after_import = true;
    }
  at = after_import ? fg_marker_line_end(src, at) : imp_at;
  bool open_end = at == src->len && src->len && !src->final_newline;
  FgBuf b = {0};
  if (open_end)
    fg_buf_puts(&b, eol);
  if (imp && imp_at == at) {
    fg_buf_puts(&b, imp);
    free(imp);
    imp = NULL;
  }
  if (after_import || b.len)
    fg_buf_puts(&b, eol);
  fg_buf_printf(&b, "pytestmark = %s%s", mark, eol);
  for (size_t gap = fg_pyfile_import_gap(py, at); gap > 0; gap--)
    fg_buf_puts(&b, eol);
  if (imp)
    fg_fix_add_edit(fix, src, imp_at, imp_at, imp);
  fg_fix_add_edit(fix, src, at, at, b.data);
  fg_buf_free(&b);
  free(imp);
  free(mark);
  return fix;
}
