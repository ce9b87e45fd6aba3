/* pysyntax: whether Python bytes parse, without summarising them: the
 * verdict and message fg_pyfile_parse would give (has_error,
 * error_message), at the cost of the tree-sitter parse alone. A fix's new
 * bytes are checked so. */
#ifndef FG_PYSYNTAX_H
#define FG_PYSYNTAX_H

#include "core/source.h"

/* Why src does not parse ("invalid syntax", "missing ')'", an indentation
 * CPython rejects...), malloc'd; NULL when it parses. */
char *fg_pysyntax_problem(const FgSource *src);

#endif
