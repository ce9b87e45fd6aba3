/* project: the whole-project model the rules read, built once per run. It
 * ties the wings together (docs/ARCHITECTURE.md): discovery, configuration
 * and pytest's settings, the CI model (ci/: workflows, runs, cells), the
 * marker in force (markers.c), the test model (python/: summaries,
 * resolution, propagation, test items) and which tests each run selects
 * (select.c). */
#ifndef FG_PROJECT_H
#define FG_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "ci/model.h"
#include "ci/pytest_cfg.h"
#include "config.h"
#include "core/diag.h"
#include "core/overlay.h"
#include "core/rule.h"
#include "core/source.h"
#include "python/model.h"
#include "style.h"

/* A marker convention accepted as equivalent to the project's marker
 * (SPEC §3), when the project's config or CI shows it is in use. */
typedef struct FgConvention {
  char *name;  /* "serial", "xdist_group" */
  char *why;   /* how it was recognised, for notes */
  bool groups; /* keeps tests together in one xdist worker instead of taking
                  them out of the parallel run (xdist_group) */
} FgConvention;

struct FgProject {
  char *root;
  /* for a project below the repository root whose CI comes from the
   * repository's workflows (ci/repo): the repository root (absolute) and
   * the project root relative to it ("services/api"); else both NULL */
  char *repo_root;
  char *repo_dir;
  FgConfig *config;    /* owned */
  FgReader reader;     /* root + the fix overlay (borrowed, may be NULL) */
  FgProblems problems; /* warnings and unreadable files, in the order met */
  /* pytest's settings, defaults applied (from ci/pytest_cfg) */
  FgPytestCfg *pytest_cfg;  /* owned */
  FgSource *pytest_cfg_src; /* owned: the config file's bytes, NULL when none */
  char *pytest_cfg_path;    /* "pyproject.toml" ..., NULL when none */
  FgStrVec testpaths;
  FgStrVec addopts;
  /* the command-line options conftest.py files register (pytest_addoption) */
  FgPyOptDecls project_opts;
  FgStrVec registered_markers; /* ini markers + addinivalue_line */
  /* the marker in force and its equivalents (markers.c) */
  const char *marker;
  char *marker_detected; /* owned: the marker when adopted from CI, else NULL */
  char *marker_why;      /* owned: how it was recognised, for notes */
  FG_VEC(FgConvention) conventions;
  FgPyModel py;   /* the test model (python/) */
  FgCache *cache; /* owned: the summaries' cache, NULL with --no-cache */
  FgCiModel ci;   /* the CI model (ci/) */
  /* markers a conftest.py may add at collection (`item.add_marker(
   * pytest.mark.NAME)`): a test may carry them whatever its decorators say */
  FgStrVec hook_markers;
  /* the non-fork start methods conftest.py files set before any test */
  FgStartSettings start_settings;
  /* which paths the user asked about; findings elsewhere are dropped */
  FgStrVec only;
  FgStyle style;    /* the project's Python gates, for the lines fixes write */
  FgStrVec skipped; /* what discovery left out and why (--show-files) */
  /* .py files parsed whatever the prefilter says (borrowed from the
   * overrides, sorted) */
  const char *const *parse_paths;
  size_t nparse_paths;
  /* a probe run's observations (lint/probe/observed.h), attached by the
   * engine; NULL when there are none. Borrowed. */
  const struct FgObserved *observed;
  /* sources of files that fixes create (placeholders, no bytes yet) */
  FG_VEC(FgSource *) placeholders;
  char *shown_prefix; /* owned: what reports put before each path, or NULL */
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

/* The folder of the project's caches (owned): --cache-dir,
 * FORKGUARD_CACHE_DIR, or .forkguard_cache at root; NULL with --no-cache. */
char *fg_project_cache_dir(const char *root, const FgConfigOverrides *ov);
/* This build of forkguard: its version and the binary's size and time (so a
 * rebuilt binary never reads what another build cached). Owned. */
char *fg_project_build_id(void);

/* A source standing for a file a fix creates at path (relative to the
 * root). The project owns it; the same path gives the same source, so two
 * fixes creating the same file make identical edits. */
const FgSource *fg_project_placeholder(const FgProject *self, const char *path);

/* Reports print every path of the project with prefix in front (the
 * project's folder relative to the repository root, for annotations and
 * runs over several projects); NULL or "": the paths as they are. */
void fg_project_show_under(FgProject *self, const char *prefix);

/* ---- select.c: where the two models meet ---------------------------------- */

/* Is the test collected and selected by this run? */
bool fg_run_selects(const FgProject *p, const FgRun *run, const FgTest *t);
/* Is the test's file collected by this run (ignoring -m / -k)? */
bool fg_run_collects(const FgProject *p, const FgRun *run, const FgTest *t);
/* Fills each run's pool_tests: the pool-using tests it selects. */
void fg_project_select_pool_tests(FgProject *p);

/* ---- markers.c ------------------------------------------------------------- */

/* Adopts the marker CI already splits on, unless config names one. */
void fg_project_detect_marker(FgProject *p);
/* Finds the conventions equivalent to the marker in force. */
void fg_project_detect_conventions(FgProject *p);

#endif
