/* callers: the ways a workflow is started, each with the `inputs` context
 * its jobs see. A workflow with `on: workflow_call` is run by every job of
 * the repository's workflows that `uses: ./.github/workflows/<it>.yml`,
 * once per combination of that job's matrix, with the job's `with:` over
 * the inputs' defaults; reusable workflows calling reusable workflows are
 * followed a few levels deep. Other triggers run it too: `workflow_dispatch`
 * with its inputs' defaults, any other event with no inputs (null). A
 * reusable workflow no job here calls runs with its defaults (it is called
 * from another repository). */
#ifndef FG_CALLERS_H
#define FG_CALLERS_H

#include <stddef.h>

#include "ci/expr.h"
#include "ci/workflow.h"
#include "core/util.h"

typedef struct FgBinding {
  FgXValue *inputs; /* the `inputs` object (in the arena) */
  char *caller;     /* "ci.yml › job tests", NULL when not called */
} FgBinding;

typedef FG_VEC(FgBinding) FgBindingVec;

/* The bindings of workflow wfs[w], values in a. Never empty. */
void fg_workflow_bindings(FgWorkflow *const *wfs, size_t n, size_t w, FgXArena *a,
                          FgBindingVec *out);
void fg_bindings_free(FgBindingVec *self);

#endif
