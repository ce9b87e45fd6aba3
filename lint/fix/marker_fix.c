/* fix/marker_fix: the serial marker added to a test (FG101, FG106). */
#include "fix/marker_fix.h"

#include <stdlib.h>
#include <string.h>

#include "fix/py_edit.h"

/* The name a module-level `import pytest [as X]` binds, or NULL. */
static const char *fg_marker_pytest_local(const FgPyModule *py) {
  for (size_t i = 0; i < py->nimports; i++) {
    const FgPyImport *im = &py->imports[i];
    if (!im->in_function && !im->name && !im->level && strcmp(im->module, "pytest") == 0)
      return im->local;
  }
  return NULL;
}

/* The mark in the file's own spelling of pytest.mark (`pytest.mark.x`,
 * `pt.mark.x`, `mark.x`); *need_import when `import pytest` must be added
 * (then it goes where isort wants it). Caller frees. */
static char *fg_marker_mark(const FgProject *p, const FgPyModule *py, bool *need_import) {
  const char *pt = fg_marker_pytest_local(py);
  *need_import = false;
  if (py->imports_pytest)
    return fg_xasprintf("pytest.mark.%s", p->marker);
  if (pt)
    return fg_xasprintf("%s.mark.%s", pt, p->marker); /* `import pytest as pt` */
  if (py->mark_alias)
    return fg_xasprintf("%s.%s", py->mark_alias, p->marker);
  *need_import = true;
  return fg_xasprintf("pytest.mark.%s", p->marker);
}

static void fg_marker_import_pytest(const FgProject *p, const FgPyModule *py,
                                    FgFix *fix) {
  const char *names[] = {"pytest"};
  fg_py_edit_add_imports(fix, &p->style, py, names, 1);
}

/* `@mark` on its own line before the def or class starting at `at`. */
static FgFix *fg_marker_decorator_fix(const FgProject *p, const FgModule *m, size_t at,
                                      const char *indent, const char *message) {
  const FgSource *src = m->src;
  bool need_import = false;
  char *mark = fg_marker_mark(p, m->py, &need_import);
  FgFix *fix = fg_fix_new(FG_FIX_SAFE, "%s", message);
  if (need_import)
    fg_marker_import_pytest(p, m->py, fix);
  char *deco = fg_xasprintf("@%s%s%s", mark, fg_source_eol(src), indent);
  fg_fix_add_edit(fix, src, at, at, deco);
  free(deco);
  free(mark);
  return fix;
}

FgFix *fg_marker_fix(const FgProject *p, const FgTest *t) {
  const FgPyFunc *f = &t->mod->py->funcs[t->func];
  char *msg = fg_xasprintf("mark `%s` with `@pytest.mark.%s`", t->name, p->marker);
  FgFix *fix = fg_marker_decorator_fix(p, t->mod, f->span.start, f->indent, msg);
  free(msg);
  return fix;
}

FgFix *fg_marker_class_fix(const FgProject *p, const FgTest *t) {
  const FgPyClass *c = &t->mod->py->classes[t->cls];
  const FgSource *src = t->mod->src;
  size_t ls = c->span.start;
  while (ls > 0 && src->data[ls - 1] != '\n')
    ls--;
  char *indent = fg_xstrndup(src->data + ls, c->span.start - ls);
  char *msg = fg_xasprintf("mark every test of class `%s` with `@pytest.mark.%s`",
                           c->name, p->marker);
  FgFix *fix = fg_marker_decorator_fix(p, t->mod, c->span.start, indent, msg);
  free(msg);
  free(indent);
  return fix;
}

/* Just past the line break of the line holding offset. */
static size_t fg_marker_line_end(const FgSource *src, size_t off) {
  while (off < src->len && src->data[off] != '\n')
    off++;
  return off < src->len ? off + 1 : off;
}

static size_t fg_marker_line_start(const FgSource *src, size_t off) {
  while (off > 0 && src->data[off - 1] != '\n')
    off--;
  return off;
}

/* The column (in bytes) of offset on its line. */
static size_t fg_marker_col(const FgSource *src, size_t off) {
  return off - fg_marker_line_start(src, off);
}

/* Extends an existing module `pytestmark` by the mark, in the list's own
 * layout: one element a line gets a new line like the last one's (with
 * the trailing comma the list has, or not); elements run on in a line get
 * one more after the last, on a new line under it when the line would grow
 * past the project's length; a single mark becomes a list (black's layout
 * when that is too long). False when the value is neither. */
static bool fg_marker_extend_pytestmark(const FgProject *p, FgFix *fix,
                                        const FgSource *src, FgSpan rhs, const char *mark,
                                        const char *eol) {
  const char *d = src->data;
  size_t width = (size_t)p->style.line_length;
  if (rhs.end <= rhs.start)
    return false;
  if (d[rhs.start] != '[') {
    if (d[rhs.start] == '(')
      return false; /* a tuple: pytest wants a list or one mark */
    if (memchr(d + rhs.start, '\n', rhs.end - rhs.start)) {
      /* a mark written over several lines stays as it is: a list of it
       * and the marker follows (wrapping it would re-indent its lines) */
      size_t at = fg_marker_line_end(src, rhs.end);
      char *text =
          fg_xasprintf("%spytestmark = [pytestmark, %s]%s",
                       at == src->len && !src->final_newline ? eol : "", mark, eol);
      fg_fix_add_edit(fix, src, at, at, text);
      free(text);
      return true;
    }
    size_t line_end = fg_marker_line_end(src, rhs.end);
    while (line_end > rhs.end && strchr("\r\n", d[line_end - 1]))
      line_end--;
    size_t one = fg_marker_col(src, rhs.end) + (line_end - rhs.end) + 4 + strlen(mark);
    char *tail = NULL;
    if (one <= width) {
      fg_fix_add_edit(fix, src, rhs.start, rhs.start, "[");
      tail = fg_xasprintf(", %s]", mark);
    } else {
      char *lead = fg_xasprintf("[%s    ", eol);
      fg_fix_add_edit(fix, src, rhs.start, rhs.start, lead);
      free(lead);
      tail = fg_xasprintf(",%s    %s,%s]", eol, mark, eol);
    }
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
  bool own_line = false; /* the closing bracket on a line of its own */
  for (size_t k = last; k < close; k++)
    if (d[k] == '\n')
      own_line = true;
  size_t ls = fg_marker_line_start(src, last);
  size_t ind = ls;
  while (d[ind] == ' ' || d[ind] == '\t')
    ind++;
  if (prev == '[') {
    fg_fix_add_edit(fix, src, last, last, mark);
  } else if (own_line && prev == ',') {
    /* one element a line: a new line like the last element's */
    size_t at = fg_marker_line_end(src, last);
    char *text = fg_xasprintf("%.*s%s,%s", (int)(ind - ls), d + ls, mark, eol);
    fg_fix_add_edit(fix, src, at, at, text);
    free(text);
  } else if (own_line) {
    /* the same without a trailing comma: none after the new one either */
    char *text = fg_xasprintf(",%s%.*s%s", eol, (int)(ind - ls), d + ls, mark);
    fg_fix_add_edit(fix, src, last, last, text);
    free(text);
  } else {
    /* run on in a line: after the last element, or under it when too long */
    size_t line_end = fg_marker_line_end(src, close);
    while (line_end > close && strchr("\r\n", d[line_end - 1]))
      line_end--;
    size_t grown = fg_marker_col(src, line_end) + strlen(mark) + 2;
    char *text = NULL;
    if (grown <= width || ls == fg_marker_line_start(src, rhs.start)) {
      text = fg_xasprintf("%s%s", prev == ',' ? " " : ", ", mark);
    } else {
      /* a continuation line aligned like the last element's */
      text = fg_xasprintf("%s%s%.*s%s", prev == ',' ? "" : ",", eol, (int)(ind - ls),
                          d + ls, mark);
    }
    fg_fix_add_edit(fix, src, last, last, text);
    free(text);
  }
  return true;
}

/* The module-wide fix: `pytestmark = <mark>` once, on its own line after
 * the module's imports (past a trailing `try: import ... except` block),
 * or an existing pytestmark extended. */
FgFix *fg_marker_module_fix(const FgProject *p, const FgTest *t) {
  const FgPyModule *py = t->mod->py;
  const FgSource *src = t->mod->src;
  const char *eol = fg_source_eol(src);
  FgFix *fix = fg_fix_new(FG_FIX_SAFE,
                          "mark every test of `%s` with `pytestmark = "
                          "pytest.mark.%s`",
                          t->mod->src->path, p->marker);
  bool need_import = false;
  char *mark = fg_marker_mark(p, py, &need_import);
  if (py->pytestmark_span.end > py->pytestmark_span.start) {
    bool ok = fg_marker_extend_pytestmark(p, fix, src, py->pytestmark_span, mark, eol);
    if (ok && need_import)
      fg_marker_import_pytest(p, py, fix);
    free(mark);
    if (ok)
      return fix;
    fg_fix_delete(fix); /* a value we cannot extend: decorators instead */
    return NULL;
  }
  bool after_import = false;
  size_t at = fg_py_edit_after_imports(py, &after_import);
  if (need_import && after_import)
    fg_marker_import_pytest(p, py, fix);
  bool open_end = at == src->len && src->len && !src->final_newline;
  FgBuf b = {0};
  if (open_end)
    fg_buf_puts(&b, eol);
  if (need_import && !after_import)
    fg_buf_printf(&b, "import pytest%s", eol); /* the module's first import */
  if (after_import || need_import)
    fg_buf_puts(&b, eol);
  fg_buf_printf(&b, "pytestmark = %s%s", mark, eol);
  for (size_t gap = fg_pyfile_import_gap(py, at); gap > 0; gap--)
    fg_buf_puts(&b, eol);
  fg_fix_add_edit(fix, src, at, at, b.data);
  fg_buf_free(&b);
  free(mark);
  return fix;
}
