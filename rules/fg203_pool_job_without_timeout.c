/* FG203 pool-job-without-timeout */
#include "fix/serial_step.h"
#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a CI job that runs tests which start worker processes when neither the job "
    "nor\n"
    "the step running them sets `timeout-minutes`, and pytest is not given `--timeout`.\n"
    "\n"
    "## Why is this bad?\n"
    "A process pool that inherits a held lock under `fork` does not fail: it hangs. "
    "GitHub\n"
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
    "When a serial pytest run selects the pool tests, the fix adds `timeout-minutes: "
    "30`\n"
    "(the `timeout-minutes` setting) to the job, on the line after `runs-on` and at its\n"
    "indentation. It is unsafe: a suite that legitimately runs longer than the limit "
    "would\n"
    "start failing. When only parallel runs select them, FG201's fix moves them to a "
    "serial\n"
    "step that carries its own `timeout-minutes`, and this finding has no fix of its "
    "own.\n"
    "A job whose pool tests run as cibuildwheel's test command builds wheels too: no\n"
    "limit is known to fit it, and the finding has no fix.\n";

/* timeout-minutes on the line after the job's runs-on entry. */
static FgFix *fg203_fix(const FgProject *p, const FgWorkflow *wf, const FgJob *job) {
  const FgSource *src = wf->src;
  const FgYamlNode *key = fg_yaml_get_key(job->node, "runs-on");
  const FgYamlNode *val = fg_yaml_get(job->node, "runs-on");
  if (!key || !val || job->node->style == FG_YAML_FLOW)
    return NULL;
  size_t line = key->start;
  while (line > 0 && src->data[line - 1] != '\n')
    line--;
  for (size_t i = line; i < key->start; i++)
    if (src->data[i] != ' ')
      return NULL; /* `- runs-on:` or other inline forms: leave to a human */
  /* the end of the value as written (an alias: its own position) */
  const FgYamlNode *written = fg_yaml_get_written(job->node, "runs-on");
  size_t end = written ? written->end : val->end;
  if (end < key->end)
    end = key->end;
  size_t at = end;
  while (at < src->len && src->data[at] != '\n')
    at++;
  FgBuf b = {0};
  if (at < src->len) {
    at++;
  } else {
    fg_buf_puts(&b, fg_source_eol(src));
  }
  fg_buf_printf(&b, "%*stimeout-minutes: %d%s", (int)(key->start - line), "",
                p->config->timeout_minutes, fg_source_eol(src));
  FgFix *fix = fg_fix_new(FG_FIX_UNSAFE, "add `timeout-minutes: %d` to job `%s`",
                          p->config->timeout_minutes, job->id);
  fg_fix_add_edit(fix, src, at, at, b.data);
  fg_buf_free(&b);
  return fix;
}

static void fg203_on_workflow(const FgProject *p, const FgWorkflow *wf, FgDiagList *out) {
  for (size_t j = 0; j < wf->jobs.len; j++) {
    const FgJob *job = &wf->jobs.items[j];
    if (job->timeout_minutes)
      continue;
    const FgRun *first = NULL;
    size_t nruns = 0, ntests = 0;
    bool serial_offender = false;
    bool builds = false; /* a run is cibuildwheel's test command */
    for (size_t i = 0; i < p->ci.runs.len; i++) {
      const FgRun *r = p->ci.runs.items[i];
      size_t n = r->pool_tests.len;
      if (r->job != job || r->step->timeout_minutes || r->uses_timeout || !n)
        continue;
      if (!first)
        first = r;
      builds |= r->via_kind == FG_VIA_CIBW;
      /* a parallel run's pool tests move to a timed serial step with FG201's
       * fix; only a serial run of them needs the job-level timeout */
      if (!r->xdist || fg_serial_step_no_fix(r))
        serial_offender = true;
      nruns++;
      ntests = n > ntests ? n : ntests;
    }
    if (!first)
      continue;
    FgDiag *d = fg_diag_new(
        &fg203_pool_job_without_timeout, wf->src, job->key->start, job->key->end,
        "job `%s` runs tests that start worker processes with no timeout "
        "(no `timeout-minutes` on the job or step, no pytest `--timeout`): "
        "a hang lasts GitHub's 6-hour default",
        job->id);
    d->suppress_at = job->key->start;
    char *where = fg_run_where(first);
    fg_diag_add_note(d, "runs in: %s (%zu pool test%s)%s", where, ntests,
                     ntests == 1 ? "" : "s", nruns > 1 ? " and other steps" : "");
    free(where);
    if (serial_offender && builds)
      fg_diag_add_note(d, "no fix: the job builds wheels too (cibuildwheel), so no "
                          "timeout is known to fit it; set one by hand");
    else if (serial_offender)
      d->fix = fg203_fix(p, wf, job);
    else
      fg_diag_add_note(d, "resolved by FG201's fix: its serial step carries "
                          "`timeout-minutes`");
    fg_diag_list_push(out, d);
  }
}

const FgRule fg203_pool_job_without_timeout = {
    .code = "FG203",
    .name = "pool-job-without-timeout",
    .summary =
        "a job that runs pool tests has no timeout-minutes and no pytest --timeout",
    .doc = doc,
    .fix = "unsafe",
    .severity = FG_SEVERITY_WARNING,
    .on_workflow = fg203_on_workflow,
};
