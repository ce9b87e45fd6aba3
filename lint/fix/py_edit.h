/* py_edit: Python lines written the way the project's own gates want them
 * (lint/style.h): new imports in the isort section and order they belong
 * to, never above a shebang, coding cookie, licence comment or docstring;
 * calls wrapped as black wraps them at the project's line length; module
 * code placed after the import block (past a trailing `try: import ...`). */
#ifndef FG_PY_EDIT_H
#define FG_PY_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "parse/pyfile.h"
#include "style.h"

/* Adds one edit per insertion point to fix: `import NAME` for each of the
 * n names (plain modules; the caller leaves out those imported already). */
void fg_py_edit_add_imports(FgFix *fix, const FgStyle *style, const FgPyModule *py,
                            const char *const *names, size_t n);

/* Where module-level code that must follow the imports goes (`pytestmark`):
 * just past the last module-level statement before the first def or class
 * that holds an import (a compound `try:` / `if` included). *found is false
 * when the module has no such import: then the header's end is returned
 * (after shebang, coding cookie, leading comments, docstring, __future__). */
size_t fg_py_edit_after_imports(const FgPyModule *py, bool *found);

/* `<indent>callee(args...)<eol>` as black writes it within line_length:
 * on one line, else the arguments on one indented line, else one a line
 * with a trailing comma. */
void fg_py_edit_call(FgBuf *out, const char *indent, const char *unit, const char *callee,
                     const char *const *args, size_t nargs, int line_length,
                     const char *eol);

/* Does the file annotate its defs (a `) ->` return annotation)? */
bool fg_py_edit_file_annotates(const FgSource *src);

#endif
