/* pysyntax: whether Python bytes parse, without summarising them: the
 * verdict and message fg_pyfile_parse would give (has_error,
 * error_message), at the cost of the tree-sitter parse alone. A fix's new
 * bytes are checked so. */
#ifndef FG_PYSYNTAX_H
#define FG_PYSYNTAX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"

/* Why src does not parse ("invalid syntax", "missing ')'", an indentation
 * CPython rejects...), malloc'd; NULL when it parses. */
char *fg_pysyntax_problem(const FgSource *src);

/* Do these bytes, a run of whole top-level statements ending a line, parse
 * as a module on their own (tree-sitter finds no ERROR or MISSING node)?
 * Statements that begin a line start with the scanner in its first state,
 * so such a run that parses, put between statements that did, keeps them
 * parsing: a fix's edited statements are checked so, not the whole file. */
bool fg_pysyntax_run_parses(const char *data, size_t len);

#endif
