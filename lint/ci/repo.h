/* ci/repo: the repository's workflows for a project below the repository
 * root. GitHub runs only the workflows of the repository root, so a project
 * in a subfolder (services/api) gets its CI from there. Their runs start in
 * the repository root (then working-directory, `cd`, `tox -c`, `make -C`...)
 * and are collected from there, with the project's pytest settings, through
 * a reader rooted at the repository. A run is the project's when it reaches
 * it: one of its paths (its directory, when it names none) is the project
 * root or lies below it, or a path above the project comes with a
 * `--rootdir`, `-c` or `--confcutdir` inside it. Its directory, paths,
 * ignores and deselects are then made the project's; the other runs belong
 * to sibling projects and are left out, with the workflows none of whose
 * runs reach the project (a workflow that does not parse stays, for FG001).
 * Every source is named from the project root, as the project's own files:
 * "../../.github/workflows/ci.yml", "../../Makefile". */
#ifndef FG_CI_REPO_H
#define FG_CI_REPO_H

#include "ci/model.h"

typedef struct FgRepoCi {
  const char *root;          /* the repository root on disk (absolute) */
  const char *project_dir;   /* the project root relative to it: "services/api" */
  const FgStrVec *workflows; /* relative to root: ".github/workflows/ci.yml" */
} FgRepoCi;

/* Adds to self the repository's workflows that reach the project, their
 * runs (project paths), their jobs' cells and the launchers' files they
 * read, and returns how many workflows it added. rd: the project's reader
 * (its overlay is keyed by project paths); ctx: the project's run context.
 * skipped gets "path: why" for each workflow left out. */
size_t fg_ci_add_repo_workflows(FgCiModel *self, const FgReader *rd, const FgRepoCi *repo,
                                const FgRunContext *ctx, FgProblems *problems,
                                FgStrVec *skipped);

/* A path relative to the repository root as the project names it, from its
 * root: "services/api/tox.ini" -> "tox.ini", "services/b" -> "../b",
 * "Makefile" -> "../../Makefile". Caller frees. */
char *fg_repo_path_to_project(const char *project_dir, const char *path);

/* The opposite: "../../.github/workflows/ci.yml" -> ".github/workflows/ci.yml";
 * NULL when the path leaves the repository. Caller frees. */
char *fg_project_path_to_repo(const char *project_dir, const char *path);

/* Makes a run of the repository's workflows the project's: its directory,
 * paths, ignores and deselects relative to the project root. Returns false
 * (and changes nothing) when the run does not reach the project. */
bool fg_run_to_project(FgRun *run, const char *project_dir);

#endif
