/* project: the whole-project model the rules read. It is built once per run:
 * discovery, a substring prefilter, Python summaries for the files that can
 * matter, module resolution, pool propagation to a fixpoint, test items with
 * their markers, workflows and the pytest runs in them, and selection. */
#ifndef FG_PROJECT_H
#define FG_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "ci/cells.h"
#include "ci/launch.h"
#include "ci/pytest_cfg.h"
#include "ci/pytest_run.h"
#include "ci/workflow.h"
#include "config.h"
#include "core/diag.h"
#include "core/discover.h"
#include "core/overlay.h"
#include "core/rule.h"
#include "core/source.h"
#include "parse/pyfile.h"
#include "report/suppress.h"

/* A marker convention accepted as equivalent to the project's marker
 * (SPEC §3), when the project's config or CI shows it is in use. */
typedef struct FgConvention {
  char *name;  /* "serial", "xdist_group" */
  char *why;   /* how it was recognised, for notes */
  bool groups; /* keeps tests together in one xdist worker instead of taking
                  them out of the parallel run (xdist_group) */
} FgConvention;

/* One step of the chain that proves a finding. */
typedef struct FgLink {
  const FgSource *src;
  size_t start, end;
  char *label; /* "fixture pool", "make_pool()", "ProcessPoolExecutor" */
} FgLink;

typedef struct FgChain {
  FG_VEC(FgLink) links;
} FgChain;

struct FgModule {
  FgSource *src;  /* owned */
  FgPyModule *py; /* owned; NULL when the prefilter left it unparsed */
  char *modname;  /* dotted import name ("tests.util", "pkg.core") */
  char *package;  /* package for relative imports */
  char *dir;      /* relative directory, "" at the root */
  bool is_test_file;
  bool is_conftest;
  /* per function of py: index into the project's def table */
  size_t first_def;
  /* owned: py's module-level classes and non-nested functions by name,
   * built once after the parse (NULL when py is) */
  struct FgModIndex *index;
};

typedef struct FgDef {
  FgModule *mod;
  int func;   /* index into mod->py->funcs */
  int dist;   /* links to a pool site; -1: uses no pools */
  int next;   /* def to follow (-1: the site is here) */
  FgSpan via; /* the call / parameter that leads to next, or the site */
  char *via_label;
} FgDef;

struct FgTest {
  FgModule *mod;
  int func;              /* the function run; for an inherited test, the base class's
                            method (same module) while cls is the collecting subclass */
  int cls;               /* -1 for a module-level test */
  bool inherited;        /* collected from a base class under cls */
  char *nodeid;          /* tests/test_x.py::TestA::test_b */
  char *name;            /* test_b */
  FgStrVec markers;      /* effective markers: function, classes, module */
  bool marked;           /* carries the project's marker (or an equivalent) */
  const char *marked_by; /* the marker that counted: p->marker or a
                            convention's name (borrowed); NULL if unmarked */
  bool uses_pools;
  FgChain chain;
};

struct FgProject {
  char *root;
  FgConfig *config; /* owned */
  /* pytest's settings, defaults applied (from lint/ci/pytest_cfg) */
  FgPytestCfg *pytest_cfg;  /* owned */
  FgSource *pytest_cfg_src; /* owned: the config file's bytes, NULL when none */
  char *pytest_cfg_path;    /* "pyproject.toml" ..., NULL when none */
  FgStrVec python_files;
  FgStrVec python_classes;
  FgStrVec python_functions;
  FgStrVec testpaths;
  FgStrVec addopts;
  FgStrVec registered_markers; /* ini markers + addinivalue_line */
  const char *marker;          /* the marker in force */
  char *marker_detected;       /* owned: the marker when adopted from CI, else NULL */
  char *marker_why;            /* owned: how it was recognised, for notes */
  FG_VEC(FgConvention) conventions; /* equivalents of the marker in force */
  FG_VEC(FgModule *) modules;
  FG_VEC(FgDef) defs;
  FG_VEC(FgTest) tests;
  FG_VEC(FgWorkflow *) workflows;
  FgRunVec runs;
  FgLaunchFiles launch_files; /* owned: tox.ini / Makefiles the runs come from */
  FgStrVec warnings;          /* tool-level problems that are not findings */
  size_t io_errors;           /* files that could not be read: the run exits 2 */
  /* which paths the user asked about; findings elsewhere are dropped */
  FgStrVec only;
  /* each job's OS x Python cells, worked out once */
  FG_VEC(struct FgJobCells {
    const FgJob *job;
    FgCells cells;
  })
  job_cells;
  /* sources of files that fixes create (placeholders, no bytes yet) */
  FG_VEC(FgSource *) placeholders;
  size_t files_read, files_parsed;
  int jobs; /* threads that parse Python files */
};

/* Builds the model for the project holding paths[0]. Returns NULL and sets
 * *err on a tool error (missing path, bad configuration). */
FgProject *fg_project_load(const char *const *paths, size_t npaths,
                           const FgConfigOverrides *ov, char **err);
/* The same, reading overlaid files from the overlay (borrowed until the
 * project is deleted) instead of the disk. */
FgProject *fg_project_load_overlay(const char *const *paths, size_t npaths,
                                   const FgConfigOverrides *ov, const FgOverlay *overlay,
                                   char **err);
void fg_project_delete(FgProject *self);

/* A source standing for a file a fix creates at path (relative to the
 * root). The project owns it; the same path gives the same source, so two
 * fixes creating the same file make identical edits. */
const FgSource *fg_project_placeholder(const FgProject *self, const char *path);

/* Runs every enabled rule's hooks and returns the findings, sorted. */
void fg_project_lint(const FgProject *self, FgDiagList *out);

typedef FG_VEC(FgModule *) FgModuleVec;
/* The parsed conftest.py files from folder dir (relative to the root) up to
 * the root, closest first: the order pytest gives their fixtures. */
void fg_project_conftests(const FgProject *self, const char *dir, FgModuleVec *out);

/* The job's OS x Python cells (see lint/ci/cells.h); never NULL for a job of
 * the project's workflows. */
const FgCells *fg_project_cells(const FgProject *self, const FgJob *job);

/* Module lookup by dotted name, NULL if not in the repository. */
FgModule *fg_project_module(const FgProject *self, const char *modname);
/* The chain of a def, as links (for rules other than FG101). */
void fg_project_chain(const FgProject *self, int def, FgChain *out);
void fg_chain_free(FgChain *chain);
/* "test_b → fixture pool (tests/conftest.py:12) → ..." */
char *fg_chain_format(const FgChain *chain, const char *head);

/* The conftest.py that sets a non-fork start method (a
 * set_start_method("spawn"|"forkserver") call in it, or in an in-repo
 * module it imports), or NULL when none does. */
const FgModule *fg_project_safe_start_method(const FgProject *self);

/* Is the test collected and selected by this run? */
bool fg_run_selects(const FgProject *p, const FgRun *run, const FgTest *t);
/* Is the test's file collected by this run (ignoring -m / -k)? */
bool fg_run_collects(const FgProject *p, const FgRun *run, const FgTest *t);

#endif
