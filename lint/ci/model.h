/* ci/model: the CI model. The workflows as read (ci/workflow), every pytest
 * run their `run:` steps execute, directly or through a launcher
 * (ci/pytest_run, ci/launch, ci/tox), the launchers' files, and each job's
 * OS x Python cells (ci/cells). It knows nothing of the tests: the project
 * (lint/project.c, lint/select.c) asks which tests each run selects. */
#ifndef FG_CI_MODEL_H
#define FG_CI_MODEL_H

#include <stddef.h>

#include "ci/cells.h"
#include "ci/launch.h"
#include "ci/pytest_run.h"
#include "ci/workflow.h"
#include "core/overlay.h"
#include "core/util.h"

/* A job and its cells, worked out once. */
typedef struct FgJobCells {
  const FgJob *job;
  FgCells cells;
} FgJobCells;

typedef struct FgCiModel {
  FG_VEC(FgWorkflow *) workflows;
  FgRunVec runs;
  FgUnfollowedVec unfollowed; /* launcher commands whose target is not known */
  FgLaunchFiles launch_files; /* tox.ini / Makefiles the runs come from */
  FG_VEC(FgJobCells) job_cells;
  size_t files_read;
} FgCiModel;

/* Reads and loads the workflow files at paths (relative to the root);
 * unreadable ones go to problems. */
void fg_ci_load_workflows(FgCiModel *self, const FgReader *rd, const FgStrVec *paths,
                          FgProblems *problems);
/* Finds the pytest runs of every POSIX-shell `run:` step, following tox
 * and make launchers, with pytest's settings from ctx. */
void fg_ci_collect_runs(FgCiModel *self, const FgReader *rd, const FgRunContext *ctx);
/* Works out every job's cells (rd: for `python-version-file`). */
void fg_ci_collect_cells(FgCiModel *self, const FgReader *rd);
/* The job's OS x Python cells; never NULL for a job of the model. */
const FgCells *fg_ci_cells(const FgCiModel *self, const FgJob *job);
void fg_ci_free(FgCiModel *self);

#endif
