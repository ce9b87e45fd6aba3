/* pyindent: what CPython's tokenizer rejects about indentation and
 * tree-sitter-python accepts: an indented line after a one-line suite
 * (`def f(): pass` then an indented body), a block header with nothing
 * indented after it, an unindent to no outer level, and tabs and spaces
 * mixed so that the meaning depends on the tab size (TabError). */
#ifndef FG_PYINDENT_H
#define FG_PYINDENT_H

#include <stdbool.h>
#include <stddef.h>

/* Checks the logical lines of a Python file (a BOM, CRLF and lone-CR text
 * as FgSource gives it). Returns true when CPython would accept the
 * indentation; else false with *offset at the offending line's first
 * character and *message a static string. Unsure (a string it cannot
 * follow) counts as accepted. */
bool fg_pyindent_check(const char *data, size_t len, size_t *offset,
                       const char **message);

#endif
