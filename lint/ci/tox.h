/* tox: the environments of a tox configuration and, for one environment,
 * the command lines and setenv entries tox would use -- enough to find the
 * pytest runs behind `tox -e NAME` in CI.
 *
 * Three spellings of one model:
 *  - tox.ini (and setup.cfg's [tox:tox], and the `legacy_tox_ini` string of
 *    pyproject's [tool.tox]): [tox] envlist / env_list (commas or lines,
 *    brace expansion `py{39,310}-{a,b}` and ranges `py3{10-12}`, `#`
 *    comments), labels, [testenv] and [testenv:NAME] `commands_pre`,
 *    `commands`, `commands_post` and `setenv` / `set_env`;
 *  - tox.toml and pyproject's native [tool.tox] (tox 4): `env_list`,
 *    `labels`, [env_run_base] and [env.NAME] with commands as arrays of
 *    arguments, `set_env` tables and the `replace` tables (`posargs`, `env`,
 *    `ref`) as values (lint/ci/tox_toml.c);
 *  - the tox-gh-actions and tox-gh sections ([gh-actions], [gh-actions:env],
 *    [gh], [gh.python]) mapping CI's Python to environments.
 *
 * For an environment (tox.ini):
 *  - its section is [testenv:NAME]; a key it lacks is taken from [testenv];
 *  - a line `FACTORS: text` is kept only when the condition holds for the
 *    env's factors (its name split on '-'): `,` is or, `-` is and, `!`
 *    negates, braces expand (`py{311,312}-xdist: ...`);
 *  - a line ending in a backslash continues on the next (joined by one space);
 *  - ` #` starts a comment (tox 4), `\#` is a literal '#';
 *  - substitutions: {posargs} / {posargs:DEFAULT} (the arguments after
 *    `--` when `--` is given, even none, else DEFAULT), {env:X} /
 *    {env:X:DEFAULT} (the env's own setenv first, then the environment tox
 *    runs in, then DEFAULT; nested to a fixed depth), {envname} {toxinidir}
 *    {envpython} {envdir} {envbindir} {envtmpdir} {toxworkdir} {/} {:} and
 *    their tox 4 spellings, {tty:ON:OFF} as OFF, `{[sec]key}` (a whole line:
 *    that key's lines; inside a line: its value). Other {...} are kept as
 *    written.
 *
 * Ownership: FgTox copies what it needs from the source (its spans point
 * into the source it was parsed from). Results written into an FgToxLines
 * belong to the caller: free them with fg_tox_lines_free. */
#ifndef FG_TOX_H
#define FG_TOX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"
#include "core/util.h"

typedef struct FgToxLine {
  char *text; /* the command after filtering and substitution; setenv: the value */
  char *key;  /* setenv only: the variable name; NULL for commands */
  /* span in the file: from the first character after the factor prefix to
   * the end of the last continuation line (for `{[sec]key}` references, the
   * referenced line; tox.toml: the command's array) */
  size_t start, end;
  bool editable; /* the span holds the line as written (ini text, not TOML) */
} FgToxLine;

typedef struct FgToxLines {
  FgToxLine *items;
  size_t len;
} FgToxLines;

/* What tox gets from outside: the arguments after `--` and the
 * environment it runs in. */
typedef struct FgToxInput {
  /* the words after `--`, quoted for a command line and joined; NULL when
   * the command has no `--` ({posargs:DEFAULT} is then DEFAULT) */
  const char *posargs;
  /* the value of an outside environment variable, or NULL when unset */
  const char *(*getenv)(void *ud, const char *name);
  void *ud;
} FgToxInput;

typedef struct FgTox FgTox;

/* tox.ini (or setup.cfg: [tox:tox] and [testenv...]). Never returns NULL;
 * malformed INI sets the error and keeps what was read. */
FgTox *fg_tox_parse(const FgSource *src);
/* tox.toml (prefix "") or pyproject.toml (prefix "tool.tox"); a
 * `legacy_tox_ini` string there is read as tox.ini, its spans mapped back
 * into src. Returns NULL when src has no tox configuration there. */
FgTox *fg_tox_parse_toml(const FgSource *src, const char *prefix);
void fg_tox_delete(FgTox *self);

bool fg_tox_has_error(const FgTox *self);
size_t fg_tox_error_offset(const FgTox *self);
const char *fg_tox_error_message(const FgTox *self); /* NULL without error */
/* True when its commands are TOML arrays (tox.toml / [tool.tox]). */
bool fg_tox_is_toml(const FgTox *self);

/* The expanded envlist, in order, duplicates removed. Owned by self. */
const char *const *fg_tox_envlist(const FgTox *self, size_t *len);
/* True when env is in the envlist or has its own section. */
bool fg_tox_env_exists(const FgTox *self, const char *env);
/* Every env named anywhere: the envlist, then sections not in it. */
void fg_tox_all_envs(const FgTox *self, FgStrVec *out);
/* The envs of a label ([tox] labels / tox.toml labels), appended. */
void fg_tox_label_envs(const FgTox *self, const char *label, FgStrVec *out);

/* The commands (commands_pre, commands, commands_post) / setenv entries of
 * env, appended to *out (which may start empty: FgToxLines out = {0};).
 * in may be NULL (no `--`, nothing in the environment). */
void fg_tox_commands(const FgTox *self, const char *env, const FgToxInput *in,
                     FgToxLines *out);
void fg_tox_setenv(const FgTox *self, const char *env, const FgToxInput *in,
                   FgToxLines *out);
void fg_tox_lines_free(FgToxLines *lines);

/* The tox-gh-actions / tox-gh mapping. kind "python" for the Python
 * version, else an environment variable of [gh-actions:env]. Appends
 * "KEY\tVALUE" entries in file order; returns false when there is no such
 * mapping. *names_envs is set true when the values are env names (tox-gh)
 * rather than factors (tox-gh-actions). */
bool fg_tox_gh_map(const FgTox *self, const char *kind, FgStrVec *out, bool *names_envs);
/* The variables [gh-actions:env] maps, appended. */
void fg_tox_gh_env_vars(const FgTox *self, FgStrVec *out);

/* Does a factor condition ("py311,py312", "!xdist", "a-b", "py{39,310}")
 * hold for env? Exposed for callers and tests. */
bool fg_tox_factors_match(const char *condition, const char *env);
/* Expands braces and splits on the separators outside them (an envlist
 * value, a -e value), appending each name. */
void fg_tox_expand_names(const char *s, const char *seps, FgStrVec *out);

#endif
