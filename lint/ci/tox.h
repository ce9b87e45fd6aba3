/* tox: the environments of a tox.ini and, for one environment, the command
 * lines and setenv entries tox would use -- enough to find the pytest runs
 * behind `tox -e NAME` in CI.
 *
 * Read: [tox] envlist / env_list (commas or lines, brace expansion
 * `py{39,310}-{a,b}` and ranges `py3{10-12}`), [testenv] and [testenv:NAME]
 * `commands` and `setenv`. For an environment:
 *  - its section is [testenv:NAME]; a key it lacks is taken from [testenv];
 *  - a line `FACTORS: text` is kept only when the condition holds for the
 *    env's factors (its name split on '-'): `,` is or, `-` is and, `!`
 *    negates, braces expand (`py{311,312}-xdist: ...`);
 *  - a line ending in a backslash continues on the next (joined by one space);
 *  - ` #` starts a comment (tox 4), `\#` is a literal '#';
 *  - {posargs} becomes nothing and {posargs:DEFAULT} becomes DEFAULT (no
 *    arguments are assumed after `tox -e`); {envname} becomes the env name,
 *    {toxinidir} ".", {envpython} "python"; a whole line `{[sec]key}` is
 *    replaced by that key's lines. Other {...} are kept as written.
 *
 * Ownership: FgTox copies what it needs from the source. Results written
 * into an FgToxLines belong to the caller: free them with
 * fg_tox_lines_free. */
#ifndef FG_TOX_H
#define FG_TOX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"

typedef struct FgToxLine {
  char *text; /* the command after filtering and substitution; setenv: the value */
  char *key;  /* setenv only: the variable name; NULL for commands */
  /* span in tox.ini: from the first character after the factor prefix to
   * the end of the last continuation line (for `{[sec]key}` references, the
   * referenced line) */
  size_t start, end;
} FgToxLine;

typedef struct FgToxLines {
  FgToxLine *items;
  size_t len;
} FgToxLines;

typedef struct FgTox FgTox;

/* Never returns NULL; malformed INI sets the error and keeps what was read. */
FgTox *fg_tox_parse(const FgSource *src);
void fg_tox_delete(FgTox *self);

bool fg_tox_has_error(const FgTox *self);
size_t fg_tox_error_offset(const FgTox *self);
const char *fg_tox_error_message(const FgTox *self); /* NULL without error */

/* The expanded [tox] envlist, in order, duplicates removed. Owned by self. */
const char *const *fg_tox_envlist(const FgTox *self, size_t *len);
/* True when env is in the envlist or has its own [testenv:...] section. */
bool fg_tox_env_exists(const FgTox *self, const char *env);

/* The commands / setenv entries of env, appended to *out (which may start
 * empty: FgToxLines out = {0};). */
void fg_tox_commands(const FgTox *self, const char *env, FgToxLines *out);
void fg_tox_setenv(const FgTox *self, const char *env, FgToxLines *out);
void fg_tox_lines_free(FgToxLines *lines);

/* Does a factor condition ("py311,py312", "!xdist", "a-b", "py{39,310}")
 * hold for env? Exposed for callers and tests. */
bool fg_tox_factors_match(const char *condition, const char *env);

#endif
