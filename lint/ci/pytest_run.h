/* pytest_run: one pytest invocation found in CI: the launcher, its own
 * arguments with file spans, the effective options in pytest's order (ini
 * addopts, then PYTEST_ADDOPTS, then the command line), whether xdist is
 * active and why, the -m / -k expressions (the last of each wins), the
 * selected paths and what is ignored or deselected. */
#ifndef FG_PYTEST_RUN_H
#define FG_PYTEST_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "ci/cells.h"
#include "ci/workflow.h"
#include "core/source.h"
#include "core/util.h"
#include "parse/markexpr.h"
#include "parse/pylaunch.h"
#include "parse/shell.h"

typedef struct FgArg {
  char *text;
  size_t start, end; /* span in the workflow file */
  bool dynamic;      /* its value is not known (text: the source spelling) */
  bool derived;      /* not written as-is at its span (a `${{ }}`, a shell
                        variable, eval): fixes never edit it */
} FgArg;

/* Where an effective option comes from: the ini addopts, PYTEST_ADDOPTS,
 * the command line, or words a launcher adds that are written in neither
 * (the list a runner script passes to pytest.main). */
typedef enum FgArgOrigin {
  FG_ORIGIN_INI,
  FG_ORIGIN_ENV,
  FG_ORIGIN_CMDLINE,
  FG_ORIGIN_LAUNCHER
} FgArgOrigin;

/* The kind of file a launched run's command line is written in (FgRun.via_src),
 * which tells a fix how to edit it. */
typedef enum FgViaKind {
  FG_VIA_NONE,
  FG_VIA_TOX_INI,  /* a tox.ini `commands` line (or legacy_tox_ini in pyproject) */
  FG_VIA_TOX_TOML, /* a tox.toml / [tool.tox] command array */
  FG_VIA_MAKE,     /* a Makefile recipe line */
  FG_VIA_SCRIPT,   /* a line of an in-repo shell script */
  FG_VIA_PIXI,     /* a pixi task's cmd string */
  FG_VIA_NOX,      /* a noxfile session.run(...) call */
  FG_VIA_HATCH,    /* a hatch script */
  FG_VIA_PYRUNNER, /* a pytest.main(...) call in a runner script */
  FG_VIA_SPIN,     /* the pytest command `spin test` runs */
  FG_VIA_CIBW,     /* cibuildwheel's test-command */
  FG_VIA_STEP      /* the step's own words behind a launcher (`tox exec -- pytest`) */
} FgViaKind;

typedef struct FgOpt {
  char *text;
  FgArgOrigin origin;
  int arg; /* index into args for command-line words, else -1 */
} FgOpt;

typedef FG_VEC(const struct FgTest *) FgTestPtrVec;

typedef struct FgRun {
  const FgWorkflow *wf;
  const FgJob *job;
  const FgStep *step;
  size_t start, end;   /* the whole command in the workflow file */
  bool exact;          /* the script is the file's bytes: a fix may edit it */
  bool mapped;         /* the args' spans are their own bytes in the workflow */
  char *launcher;      /* "pytest", "python -m pytest", "uv run pytest" ... */
  size_t launcher_end; /* file offset where pytest's own arguments start */
  FG_VEC(FgArg) args;  /* pytest's arguments written on the command line */
  FG_VEC(FgOpt) opts;  /* effective options, in the order pytest reads them */
  char *workdir;       /* relative to the root, "" for the root itself */

  bool xdist;
  char *xdist_why; /* "-n auto on the command line", "addopts in pytest.ini" */
  int xdist_arg;   /* index into args of the deciding -n, or -1 */
  bool xdist_disabled_by_plugin; /* -p no:xdist */
  /* the option that makes pytest run no test (`--collect-only`,
   * `--fixtures`, `--version`...), static; NULL when tests run */
  const char *no_tests;
  char *dist;   /* the last --dist value ("loadgroup"...), NULL if none */
  bool enabler; /* pytest-enabler would add `-n auto` to a run without -n */

  char *mexpr; /* last -m, or NULL */
  int m_arg;   /* index into args of the -m option word, or -1 */
  FgMarkExpr *m;
  char *kexpr;
  FgMarkExpr *k;

  FgStrVec paths;   /* positional paths, relative to the root */
  FgStrVec ignores; /* --ignore, relative to the root */
  FgStrVec ignore_globs;
  FgStrVec deselects;
  bool uses_cov;
  bool uses_timeout; /* --timeout on the effective line */
  /* set when the command comes from a launcher (tox env, make target) and
   * not from the script itself: "tox -e py312 (tox.ini [testenv:py312])";
   * start/end then cover the launching command and exact is false */
  char *via;
  /* for such a run: the file the command is written in and the span of its
   * line there (tox: after the factor prefix, through the last continuation
   * line; make: the recipe line from its tab); NULL when the line runs more
   * than one command */
  const FgSource *via_src;
  size_t via_start, via_end;
  FgViaKind via_kind;
  /* the word of that line standing for pytest when it is a runner script
   * (`{envpython} tests/runtests.py -n auto`); NULL: pytest itself */
  char *via_runner;
  /* the words after `--` of the launching command in the step (`tox -e py
   * -- -n auto`), with their spans in the workflow, when the launcher hands
   * them to this pytest command as they are (tox {posargs}); empty otherwise.
   * A fix can split the step on them. */
  FG_VEC(FgArg) posargs;
  size_t posargs_at; /* the end of the `--` word in the workflow */
  /* the hops after the workflow step, outermost first, one a hop: "tox env
   * py312 (tox.ini [testenv:py312])", "make test (Makefile)": the anchor's
   * chain, else its via split at ", " */
  FgStrVec via_chain;
  /* the cells that execute this run (the step's matrix cells its `if:`,
   * the script's branches and the launchers keep): FgRunContext.cells,
   * which a launcher may narrow (fg_cells_retain) */
  FgCells cells;
  /* the interpreter is a launcher environment's (a pixi environment): the
   * runner's own Python is not the one that runs */
  bool env_python;
  /* words whose value is not known, as written (`${{ matrix.args }}`,
   * `$ARGS`, `"$@"`, tox `{env:X:}`): never paths or options */
  FgStrVec unknown;
  bool m_unknown;   /* -m's value is not known: -m is not modelled */
  bool maybe;       /* the command sits in a shell branch whose test is not known */
  FgStrVec notes;   /* what the analysis could not follow, for `runs` and rules */
  FgStrVec callers; /* a reusable workflow's run: "ci.yml › job tests" */
  /* filled by the project once tests are known: the tests that use pools
   * and that this run selects, in test order */
  FgTestPtrVec pool_tests;
} FgRun;

typedef FG_VEC(FgRun *) FgRunVec;

/* Everything a run needs from outside the command itself. */
typedef struct FgRunContext {
  const char *const *ini_addopts; /* from pytest's config file */
  size_t nini_addopts;
  const char *ini_name;         /* "pyproject.toml" ... for messages */
  const char *const *testpaths; /* ini testpaths, relative to the root */
  size_t ntestpaths;
  /* the file that declares pytest-enabler when pytest-xdist is declared too:
   * a run with no -n of its own then runs with `-n auto`; NULL otherwise */
  const char *enabler_file;
  /* what to call the command line in messages ("tox.ini [testenv:py]");
   * NULL: "the command line" */
  const char *cmdline_name;
  /* PYTEST_ADDOPTS set by the launcher (tox setenv), over the workflow's */
  const char *env_addopts;
  /* set for `python SCRIPT ...` where SCRIPT is a runner calling
   * pytest.main: pytest's command-line words start at cmd->words[runner_end]
   * (0: not a runner), after the script's own words (runner_words, origin
   * FG_ORIGIN_LAUNCHER, named runner_name in messages) */
  size_t runner_end;
  const char *const *runner_words;
  size_t nrunner_words;
  const char *runner_name;
  /* PYTEST_ADDOPTS is exported but its value is not known: its spelling
   * (env_addopts is then ""); NULL otherwise */
  const char *env_addopts_unknown;
  /* the project directory on disk: a command-line path that does not
   * exist there is an option's value, not a path; NULL: not checked */
  const char *root;
  /* the cells of the step expansion the command runs in: copied into every
   * run built with this context (a launcher may narrow them after); NULL:
   * none yet */
  const FgCells *cells;
  /* where the project root is, relative to the folder the runs' directories
   * and paths are relative to: "services/api" for the repository's workflows
   * when the project lies below the repository root (ci/repo); NULL or "":
   * that folder is the project root */
  const char *project_dir;
  /* the options the project's conftest.py files register, with the words
   * each takes (not owned) */
  const FgPyOptDecl *project_opts;
  size_t nproject_opts;
} FgRunContext;

/* Where a launched command sits in the workflow: the `tox` / `make` command
 * of the step's script. */
typedef struct FgRunAnchor {
  size_t start, end;
  const char *via;
  const FgSource *src; /* the launcher's file and line (FgRun.via_src) */
  size_t line_start, line_end;
  FgViaKind kind;
  const FgStrVec *chain; /* FgRun.via_chain; NULL: `via` split on ", " */
  const char *runner;    /* FgRun.via_runner */
} FgRunAnchor;

/* For an interpreter at words[i] (`python`, `python3.12`): when it runs a
 * module (`-m MOD`, also `-Im MOD`, `-mMOD`), the index of the word holding
 * MOD's name (its arguments follow) and *mod the name; else 0, with *script
 * the index of the script it runs (0: none). */
size_t fg_python_module_arg(const FgShellWord *words, size_t n, size_t i,
                            const char **mod, size_t *script);

/* Is word (words[i]) an interpreter whose path is not known, a whole
 * expansion followed by `-m` (`"$PYTHON" -m pytest`, `${PY} -Im tox`)? Only
 * Python takes `-m MODULE` there. */
bool fg_python_unknown(const FgShellWord *word, const FgShellWord *words, size_t n,
                       size_t i);

/* Index of the first pytest argument if words[0..] launch pytest, else -1;
 * *launcher gets a malloc'd description. */
int fg_pytest_launcher(const FgShellWord *words, size_t n, char **launcher);

/* Builds the run for command `cmd` of step's script, or NULL when the
 * command does not launch pytest. cwd: the directory the script is in at
 * that command (relative to the root). */
FgRun *fg_run_new(const FgWorkflow *wf, const FgJob *job, const FgStep *step,
                  const FgShellCommand *cmd, const char *cwd, const FgRunContext *ctx);
/* The same for a command read from a launcher's file (tox.ini, Makefile):
 * cmd's spans are in that file, so every position is the anchor's. */
FgRun *fg_run_new_launched(const FgWorkflow *wf, const FgJob *job, const FgStep *step,
                           const FgShellCommand *cmd, const char *cwd,
                           const FgRunContext *ctx, const FgRunAnchor *anchor);
void fg_run_delete(FgRun *self);

/* The span to point at for "this run is parallel": the deciding -n word and
 * its value when written exactly in the script, else the launcher. */
void fg_run_xdist_span(const FgRun *self, size_t *start, size_t *end);
/* "workflow › job J › step \"S\"" (+ " via tox ...") for notes. Caller frees. */
char *fg_run_where(const FgRun *self);
/* The same for any command of a step: "CI (called from ...) › job test ›
 * step "x" via tox env py" (via may be NULL). Caller frees. */
char *fg_ci_where(const FgWorkflow *wf, const FgJob *job, const FgStep *step,
                  const FgStrVec *callers, const char *via);
/* Do two runs run the same pytest command (same step, position, launcher
 * hops, directory and effective options)? Then they are one run whose
 * cells are both's. */
bool fg_run_same(const FgRun *a, const FgRun *b);
/* "arguments from `X`, `Y` not known" when words are unknown, else NULL.
 * Caller frees. */
char *fg_run_unknown_note(const FgRun *self);

/* Joins a relative path onto a directory, resolving "." and "..". */
char *fg_path_join(const char *dir, const char *rel);

#endif
