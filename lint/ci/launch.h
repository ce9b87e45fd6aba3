/* launch: pytest runs behind launchers in a `run:` script: `tox`,
 * `tox -e A,B`, `tox run -e ${{ matrix.X }}` (through tox.ini and lint/ci/tox)
 * and `make TARGET` (through a small Makefile recipe reader). Each pytest
 * command found becomes a run whose positions are the launching command in
 * the workflow. Nesting (a recipe calling `$(MAKE) x` or `tox`) is followed
 * to a fixed depth.
 *
 * Makefile model: `VAR = v`, `VAR := v`, `VAR ::= v`, `VAR ?= v` and
 * `VAR += v` assignments (last wins, `+=` appends), `VAR=v` overrides on the
 * make command line; a target's recipe is the tab-indented lines after its
 * `TARGET:` line (backslash continuations joined, leading @ - + stripped);
 * `$(VAR)` / `${VAR}` expanded, `$$` is `$`, undefined variables are empty
 * and `$(MAKE)` is make. Prerequisites, pattern rules, functions and
 * conditionals are not modelled. */
#ifndef FG_LAUNCH_H
#define FG_LAUNCH_H

#include <stddef.h>

#include "ci/pytest_run.h"
#include "ci/shflow.h"
#include "ci/workflow.h"
#include "core/overlay.h"
#include "parse/shell.h"

/* The launchers' files (tox.ini, Makefile) as read, one source a path:
 * runs point into them (FgRun.via_src) and fixes edit them. */
typedef FG_VEC(FgSource *) FgLaunchFiles;

/* A launcher command CI runs whose target is not known (`tox -e $ENV`,
 * `pixi run "$task"`, `nox -s $S`, `hatch run --env "$E" x`, `make $T` with
 * the value not known): no env, task, session or target is guessed, so no
 * pytest run comes from it, and `forkguard runs` lists it with the word
 * not known. No rule reads it. */
typedef struct FgUnfollowed {
  const FgWorkflow *wf;
  const FgJob *job;
  const FgStep *step;
  size_t start, end; /* the launching command in the workflow file */
  char *command;     /* the launcher command as read: "tox -e $TOX_ENV" */
  char *what;        /* "tox env", "nox session", "pixi task", "hatch env"... */
  char *word;        /* the word not known, as written */
  char *via;         /* the hops followed to the command; NULL: the step's own */
  FgCells cells;     /* the cells that run the command */
  FgStrVec notes;
  FgStrVec callers; /* a reusable workflow's: "ci.yml › job tests" */
} FgUnfollowed;

typedef FG_VEC(FgUnfollowed *) FgUnfollowedVec;

void fg_unfollowed_delete(FgUnfollowed *self);
/* "CI › job test › step "x" via tox env py"; caller frees. */
char *fg_unfollowed_where(const FgUnfollowed *self);

typedef struct FgLaunchEnv {
  const char *root;         /* the project directory on disk */
  const FgOverlay *overlay; /* read before the disk; may be NULL */
  const FgReader *reader;   /* reads the launchers' files (root + overlay) */
  FgLaunchFiles *files;     /* where the files read are kept (the caller's) */
  const FgWorkflow *wf;
  const FgJob *job;
  const FgStep *step;
  const FgRunContext *ctx;
  /* the shell variables at the launching command (the step's env after
   * `${{ }}` expansion, the script's assignments); NULL: read the YAML env */
  const FgShellVars *vars;
  /* where launchers list the commands they cannot follow (the caller's);
   * NULL: not listed */
  FgUnfollowedVec *unfollowed;
} FgLaunchEnv;

/* If cmd (a command of env->step's script) is a tox or make launcher,
 * appends the pytest runs behind it to out and returns how many. */
size_t fg_launch_expand(const FgLaunchEnv *env, const FgShellCommand *cmd,
                        const char *cwd, FgRunVec *out);

/* For the runs out[from..] of cmd, a pytest command the step runs itself
 * behind `pixi run [-e ENV]` or `uv run --python X`: that interpreter in
 * the cells whose Python the workflow does not tell. */
void fg_launch_step_runner(const FgLaunchEnv *env, const FgShellCommand *cmd,
                           const char *cwd, FgRunVec *out, size_t from);

/* Follows `cd DIR` so later commands know where they run (cwd is
 * relative to the root; an unknown target resets to the root). */
void fg_launch_cd(char **cwd, const FgShellCommand *cmd);

#endif
