/* launch_int: what the launchers of lint/ci share (launch.c dispatches to
 * tox_launch.c, make.c, nox.c, pixi.c, hatch.c, spin.c and script.c). Nothing
 * outside lint/ci/ includes it.
 *
 * A launcher reads its file (tox.ini, a Makefile, a noxfile...), works out
 * the command lines the launched command really runs and hands each to
 * fg_launch_run_line, which parses it with the shell grammar and makes a
 * run of each pytest command in it, or follows the next launcher. */
#ifndef FG_LAUNCH_INT_H
#define FG_LAUNCH_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ci/launch.h"
#include "core/util.h"
#include "parse/toml.h"

/* Launchers calling launchers (a recipe calling make calling tox, a
 * script calling a pixi task) are followed this deep. */
#define FG_LAUNCH_MAX_DEPTH 4
#define FG_LAUNCH_MAX_FILE (1u << 20)
/* A step's command follows at most this many launchers in all, whatever
 * the files do (scripts sourcing scripts a hundred times each...). */
#define FG_LAUNCH_MAX_FOLLOW 512

/* Where a launched command stands: the launching command in the workflow,
 * the hops followed so far and the environment the launchers set. */
typedef struct FgLaunchCtx {
  const FgLaunchEnv *env;
  size_t start, end;     /* the launching command in the workflow file */
  const FgStrVec *chain; /* hops so far, outermost first (may be NULL) */
  /* "K=V" entries set by the enclosing launchers (tox setenv, a pixi
   * task's env, `export` in a script): later entries win; may be NULL */
  const FgStrVec *vars;
  int depth;
  FgRunVec *out;
  /* the launcher line whose commands are being followed (NULL for the
   * step's own script) */
  const struct FgLaunchLine *line;
  bool single;    /* the command being followed is alone on that line */
  size_t *budget; /* launchers still to follow for this step command */
} FgLaunchCtx;

/* One command line a launcher runs. */
typedef struct FgLaunchLine {
  /* see fg_launch_run_line */
  const char *text;  /* after the launcher's own substitutions */
  const char *cwd;   /* where it runs, relative to the root */
  const char *where; /* the line's name in messages: "tox.ini [testenv:py]" */
  const char *hop;   /* the chain entry: "tox env py (tox.ini [testenv:py])" */
  /* the line in its file, for fixes (fix/serial_line.c); src NULL: none */
  const FgSource *src;
  size_t start, end;
  FgViaKind kind;
  const FgStrVec *vars;   /* "K=V" the launcher sets for this line, or NULL */
  const FgStrVec *params; /* a script's positional parameters ($1, "$@"), or NULL */
  bool params_known;      /* params are all the script gets (not unknown words) */
  const char *runner;     /* a Python runner script standing for pytest, or NULL */
} FgLaunchLine;

/* Runs the commands of one line: pytest commands become runs, other
 * launchers are followed. Returns how many runs were appended. */
size_t fg_launch_run_line(const FgLaunchCtx *lc, const FgLaunchLine *line);

/* The context inside a line: lc with the line's hop added to the chain
 * and its vars after the enclosing ones; ctx.line is the line. */
typedef struct FgLaunchInner {
  FgLaunchCtx ctx;
  FgStrVec chain, vars; /* owned copies */
} FgLaunchInner;

void fg_launch_inner_begin(FgLaunchInner *in, const FgLaunchCtx *lc,
                           const FgLaunchLine *line);
void fg_launch_inner_end(FgLaunchInner *in);

/* One command of lc->line (inside the context fg_launch_run_line or a
 * script launcher made for it): a run when it is pytest, else followed.
 * single: the line holds only this command (a fix may rewrite it); shift:
 * how many of the line's params `shift` dropped. */
size_t fg_launch_command(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                         const char *cwd, bool single, size_t shift);
/* "make ci, tox env py": the chain's hops up to their first " (". Caller
 * frees; NULL for an empty chain. */
char *fg_launch_via(const FgStrVec *chain);

/* Follows cmd when it is a launcher; returns the runs appended. */
size_t fg_launch_dispatch(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                          const char *cwd);

/* A launcher's file through the overlay, else from disk; read once and
 * kept in env->files. NULL when it cannot be read. */
const FgSource *fg_launch_file(const FgLaunchEnv *env, const char *rel);

/* A launcher's TOML file (pixi.toml, hatch.toml, pyproject.toml...): the
 * file, its parse, the table the launcher reads, the file's path and
 * directory (relative to the root). */
typedef struct FgLaunchToml {
  const FgSource *src;
  FgToml *toml; /* owned */
  const FgTomlValue *table;
  char *path, *dir; /* owned */
} FgLaunchToml;

/* The first of files[0..n) (relative to cwd, read through fg_launch_file)
 * that parses with a table at keys[k] (a dotted path; "" for the whole
 * file). False, out cleared, when none does; else free with
 * fg_launch_toml_free. */
bool fg_launch_toml_find(const FgLaunchCtx *lc, const char *cwd, const char *const *files,
                         const char *const *keys, size_t n, FgLaunchToml *out);
void fg_launch_toml_free(FgLaunchToml *self);

/* The value of an environment variable as cmd sees it: its own `X=v`
 * prefix, the launchers' vars, then the step's, job's and workflow's
 * `env:`. NULL when it is not set anywhere we can see. */
const char *fg_launch_getenv(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                             const char *name);
/* The same for a name in the launchers' vars only. */
const char *fg_launch_var(const FgStrVec *vars, const char *name);

/* The file name part of a path. */
const char *fg_launch_base(const char *word);
/* A word for a command line: as it is when it needs no quoting, else in
 * single quotes. Appended to b with a space before it when b is not empty. */
void fg_launch_put_word(FgBuf *b, const char *word);
/* The shell word's text as a pattern: the parts whose value is not known
 * (`$X`, `$(...)`, backticks, `${{ }}`) become '*'. Caller frees. */
char *fg_launch_word_glob(const char *text);

/* The names a word with a `${{ matrix.X }}` part can take: the axis's
 * values put in, appended; false when there is no such part or the matrix
 * gives no values. */
bool fg_launch_matrix_names(const FgLaunchCtx *lc, const char *word, FgStrVec *out);
/* The names among cands (fnmatch patterns allowed in word) a possibly
 * unknown word can be: exact, matrix values put in, else the word as a
 * pattern with its unknown parts as `*` (a word with no known part names
 * none: no guess). Appends matches to out. */
void fg_launch_match_names(const FgLaunchCtx *lc, const char *word, const FgStrVec *cands,
                           FgStrVec *out);

/* Lists cmd (a launcher command: the step's own or a launcher line's) as
 * not followed: its `what` (`tox env`, `pixi task`...) is the word `word`,
 * whose value is not known (FgUnfollowed), with the cells of the
 * context. */
void fg_launch_unfollowed(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                          const char *what, const char *word);

/* A launcher that knows the interpreter it runs (a nox session's python,
 * a pixi environment's, a tox pyXY env's) gives it to the cells of the runs
 * out[from..] whose Python the workflow does not tell. */
void fg_launch_fill_python(FgRunVec *out, size_t from, const char *python);
/* The same for a launcher whose interpreter wins over the workflow's (a
 * tox env named for a Python): every cell of out[from..] gets python (NULL:
 * no change). */
void fg_launch_set_python(FgRunVec *out, size_t from, const char *python);
/* The runs out[from..] run in an environment the launcher made (pixi):
 * FgRun.env_python. */
void fg_launch_env_python(FgRunVec *out, size_t from);
/* "3.12" from "=3.12", "3.12.*", ">=3.12,<3.13", "py3.12" (the first 3.N);
 * NULL when there is none. Caller frees. */
char *fg_launch_python_of(const char *text);

/* The step's own words after its `--` (cmd->words[dashdash] is the `--`)
 * that reach the runs out[from..] as they are (tox {posargs}, nox
 * session.posargs) are kept on each run (FgRun.posargs) with their spans,
 * so a fix can split the step on them; a deciding -n among them is named
 * as the step's. Only for a launcher the step runs itself. */
void fg_launch_keep_posargs(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                            size_t dashdash, size_t from);

/* The launchers. Each gets the command and the index of its name word
 * (`tox` in `uvx tox -e py`); returns the runs appended. */
size_t fg_launch_tox(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                     const char *cwd);
size_t fg_launch_make(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                      const char *cwd);
size_t fg_launch_nox(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                     const char *cwd);
size_t fg_launch_pixi(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                      const char *cwd);
/* The Python of the environment `pixi run [-e ENV]` (cmd->words[i] is
 * `pixi`) runs in; NULL when not known. Caller frees. */
char *fg_launch_pixi_python(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                            const char *cwd);
size_t fg_launch_hatch(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                       const char *cwd);
/* `spin test` in a project with [tool.spin]: i is the `spin` word (or the
 * module of `python -m spin`). */
size_t fg_launch_spin(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                      const char *cwd);
/* `cibuildwheel [--platform P] [PACKAGE_DIR]`: its test command, from the
 * environment or pyproject.toml (ci/cibuildwheel.c); i is the
 * `cibuildwheel` word (or the module of `python -m cibuildwheel`). */
size_t fg_launch_cibuildwheel(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                              const char *cwd);
/* A shell script run by path (`bash x.sh`, `./x.sh`, `source x.sh`): i is
 * the script word; args start at i + 1. */
size_t fg_launch_shell_script(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                              const char *cwd);
/* `python x.py ...` where x.py is an in-repo script calling pytest.main. */
size_t fg_launch_py_runner(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                           const char *cwd);

#endif
