/* FG203 pool-job-without-timeout */
#include "project.h"

static const char doc[] =
    "## What it does\n"
    "Flags a CI job that runs tests which start worker processes when neither the job nor\n"
    "the step running them sets `timeout-minutes`, and pytest is not given `--timeout`.\n"
    "\n"
    "## Why is this bad?\n"
    "A process pool that inherits a held lock under `fork` does not fail: it hangs. GitHub\n"
    "Actions then waits for its default job timeout of 6 hours, holding a runner and\n"
    "hiding the failure behind a cancellation.\n"
    "\n"
    "## Example\n"
    "```yaml\n"
    "  test:\n"
    "    runs-on: ubuntu-latest\n"
    "    steps:\n"
    "      - run: pytest\n"
    "```\n"
    "Use instead:\n"
    "```yaml\n"
    "  test:\n"
    "    runs-on: ubuntu-latest\n"
    "    timeout-minutes: 30\n"
    "    steps:\n"
    "      - run: pytest\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "No fix yet. The planned fix adds `timeout-minutes` to the job and will be unsafe: a\n"
    "suite that legitimately runs longer than the limit would start failing.\n";

static bool fg203_selects_pool_test(const FgProject *p, const FgRun *r, size_t *n) {
  *n = 0;
  for (size_t i = 0; i < p->tests.len; i++)
    if (p->tests.items[i].uses_pools && fg_run_selects(p, r, &p->tests.items[i]))
      (*n)++;
  return *n > 0;
}

static void fg203_on_workflow(const FgProject *p, const FgWorkflow *wf, FgDiagList *out) {
  for (size_t j = 0; j < wf->jobs.len; j++) {
    const FgJob *job = &wf->jobs.items[j];
    if (job->timeout_minutes)
      continue;
    const FgRun *first = NULL;
    size_t nruns = 0, ntests = 0;
    for (size_t i = 0; i < p->runs.len; i++) {
      const FgRun *r = p->runs.items[i];
      size_t n = 0;
      if (r->job != job || r->step->timeout_minutes || r->uses_timeout ||
          !fg203_selects_pool_test(p, r, &n))
        continue;
      if (!first)
        first = r;
      nruns++;
      ntests = n > ntests ? n : ntests;
    }
    if (!first)
      continue;
    FgDiag *d = fg_diag_new(&fg203_pool_job_without_timeout, wf->src, job->key->start,
                            job->key->end,
                            "job `%s` runs tests that start worker processes with no timeout "
                            "(no `timeout-minutes` on the job or step, no pytest `--timeout`): "
                            "a hang lasts GitHub's 6-hour default",
                            job->id);
    d->suppress_at = job->key->start;
    char *where = fg_run_where(first);
    fg_diag_add_note(d, "runs in: %s (%zu pool test%s)%s", where, ntests,
                     ntests == 1 ? "" : "s",
                     nruns > 1 ? " and other steps" : "");
    free(where);
    fg_diag_list_push(out, d);
  }
}

const FgRule fg203_pool_job_without_timeout = {
    .code = "FG203",
    .name = "pool-job-without-timeout",
    .summary = "a job that runs pool tests has no timeout-minutes and no pytest --timeout",
    .doc = doc,
    .fix = "none",
    .on_workflow = fg203_on_workflow,
};
