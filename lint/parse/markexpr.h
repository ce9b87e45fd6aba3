/* markexpr: pytest's -m / -k expression grammar.
 *   expr := and_expr ('or' and_expr)*
 *   and_expr := not_expr ('and' not_expr)*
 *   not_expr := 'not' not_expr | '(' expr ')' | ident [ '(' kwargs ')' ]
 * Identifiers as in pytest (letters, digits, '_', '-', '.', ':', '[', ']',
 * '\\', '/' ...). An empty expression matches everything. */
#ifndef FG_MARKEXPR_H
#define FG_MARKEXPR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct FgMarkExpr FgMarkExpr;

/* Returns NULL on a syntax error and sets *err to a malloc'd message
 * ("at column 5: expected not OR left parenthesis OR identifier; got end of
 * input", as pytest words it). */
FgMarkExpr *fg_markexpr_parse(const char *text, char **err);
void fg_markexpr_delete(FgMarkExpr *self);

/* -m: an identifier is true when it is one of the marker names (exact). */
bool fg_markexpr_match_marks(const FgMarkExpr *self, const char *const *marks, size_t n);
/* -k: an identifier is true when it is a case-insensitive substring of any
 * of the names (node names of the item and its parents, marker names,
 * extra keywords), as pytest's KeywordMatcher does. */
bool fg_markexpr_match_keywords(const FgMarkExpr *self, const char *const *names,
                                size_t n);
/* Whether some identifier carries call parameters, `marker(k=v)`. -m then
 * matches on the marker name alone (the arguments are not compared); pytest
 * rejects call parameters in -k. */
bool fg_markexpr_has_call(const FgMarkExpr *self);
/* The expression re-spelled canonically (for messages): "(a or b) and not c" */
char *fg_markexpr_to_string(const FgMarkExpr *self);

#endif
