/* shflow: the data flow of one shell script, as far as it can be followed
 * without running it. Shell variables start from the step's environment;
 * assignments (`X=1`, `X="$X -n 4"`, `X+=...`), `export`, `declare`,
 * `local`, `readonly`, `unset` and `for` loop variables change them in
 * script order (a loop over words whose values are known runs its body once
 * per field, up to FG_SHFLOW_MAX_ITER of them; over unknown words its
 * variable is unknown and the body runs once); words are expanded as the shell does
 * (quote-aware field splitting of `$X`, `${X:-default}`, `${X:+alt}`); `eval WORDS` runs
 * its expanded words as a script of their own; `if`/`elif`/`else`, `case` and `TEST &&
 * cmd` branches are decided where their tests' values are known.
 *
 * What cannot be known ($(..), `..`, positional parameters, variables no
 * one set, tests on unknown values) stays unknown: a word holding it is
 * `dynamic` and a branch testing it may run.
 *
 * Ownership: FgShellVars owns its strings. Commands handed to the visitor
 * live only for the call. */
#ifndef FG_SHFLOW_H
#define FG_SHFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "ci/expr.h"
#include "core/util.h"
#include "parse/shell.h"

#define FG_SHFLOW_MAX_ITER 32

typedef struct FgShellVar {
  char *name;
  char *value; /* NULL: unknown */
  bool exported;
} FgShellVar;

typedef struct FgShellVars {
  FG_VEC(FgShellVar) items;
} FgShellVars;

/* Sets (or adds) a variable; value NULL makes it unknown. An existing
 * variable keeps its exported flag unless export is true. */
void fg_shell_vars_set(FgShellVars *self, const char *name, const char *value,
                       bool export);
/* The value of a known variable, or NULL (unknown or never set). */
const char *fg_shell_vars_get(const FgShellVars *self, const char *name);
/* Is the variable set at all (known or not)? */
bool fg_shell_vars_has(const FgShellVars *self, const char *name);
bool fg_shell_vars_exported(const FgShellVars *self, const char *name);
void fg_shell_vars_copy(FgShellVars *dst, const FgShellVars *src);
void fg_shell_vars_free(FgShellVars *self);

/* The word's value without field splitting (assignments, case subjects,
 * test operands); NULL when a part is unknown. Caller frees. */
char *fg_shflow_string(const FgShellVars *vars, const FgShellWord *w);

/* One command as it runs: its words are the fields after expansion, its
 * assignment prefixes "NAME=value" expanded; spans are in the ORIGINAL
 * script (before `${{ }}` substitution). */
typedef struct FgFlowCommand {
  const FgShellCommand *cmd; /* expanded */
  const FgShellVars *vars;   /* the shell variables when it runs */
  bool maybe;                /* sits in a branch whose test is not known */
  bool from_eval;            /* built by `eval`: spans are the eval's */
  /* inside `for` loops over known words: "for X=v" per loop, outermost
     first, joined by ", " (NULL outside them) */
  const char *loop;
} FgFlowCommand;

typedef void (*FgFlowVisit)(const FgFlowCommand *fc, void *user);

/* Runs the script's commands in order through visit, updating vars.
 * map: the `${{ }}` substitutions that turned the original script into the
 * parsed text (NULL: none); words touching one are `derived` and their
 * spans cover the whole expression. */
void fg_shflow_run(const FgShellScript *sh, const FgXSubstVec *map, FgShellVars *vars,
                   FgFlowVisit visit, void *user);

/* Is the condition (an index into sh->conds, -1 for none) satisfied with
 * these variables? 1 yes, 0 no, -1 unknown. */
int fg_shflow_cond(const FgShellScript *sh, int cond, const FgShellVars *vars);

#endif
