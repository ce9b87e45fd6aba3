/* FG301 fork-default-under-xdist */
#include "ci/cells.h"
#include "fix/conftest_fix.h"
#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a parallel pytest run (pytest-xdist active) that selects tests which start\n"
    "worker processes, in a job with at least one Linux cell on Python < 3.14, when no\n"
    "`conftest.py` sets a start method other than `fork`. OS and Python come from\n"
    "`runs-on`, the matrix and `actions/setup-python`; what cannot be read "
    "(expressions,\n"
    "`fromJSON`) counts as possibly Linux and possibly Python < 3.14.\n"
    "\n"
    "## Why is this bad?\n"
    "Before Python 3.14 the default start method on Linux is `fork`. Forking an xdist\n"
    "worker, which runs execnet's threads, copies their held locks into the children, "
    "which\n"
    "then deadlock or crash. `spawn` and `forkserver` start clean interpreters.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "# conftest.py with no start method set\n"
    "```\n"
    "Use instead:\n"
    "```python\n"
    "import multiprocessing\n"
    "import sys\n"
    "\n"
    "def pytest_configure(config):\n"
    "    if sys.platform == \"linux\":\n"
    "        multiprocessing.set_start_method(\"spawn\", force=True)\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "The fix adds or extends `pytest_configure` in the top-most `conftest.py` that "
    "covers\n"
    "the pool tests (creating one at the test root when there is none): it registers "
    "the\n"
    "marker and, on Linux, calls `multiprocessing.set_start_method(\"spawn\", "
    "force=True)`\n"
    "(or the configured `start-method`). It is unsafe: code that relies on `fork`\n"
    "(unpicklable callables, globals inherited by the children) behaves differently "
    "under\n"
    "`spawn`.\n";

static void fg301_on_run(const FgProject *p, const FgRun *run, FgDiagList *out) {
  if (!run->xdist)
    return;
  /* only tests whose chains fork by default: spawn / forkserver / a
   * library's own start method never fork the worker */
  size_t hits = 0;
  FG_VEC(const char *) paths = {0};
  for (size_t i = 0; i < run->pool_tests.len; i++) {
    const FgTest *t = run->pool_tests.items[i];
    if (!(t->methods & FG_METHODS_FORK_DEFAULT))
      continue;
    hits++;
    fg_vec_push(&paths, t->file->src->path);
  }
  if (!hits || fg_pymodel_safe_start_method(&p->py)) {
    fg_vec_free(&paths);
    return;
  }
  const FgCells *cells = fg_ci_cells(&p->ci, run->job);
  size_t nhazard = 0;
  char *line = fg_cells_line(cells, true, 6, &nhazard);
  bool unknown = false;
  for (size_t i = 0; i < cells->items.len; i++) {
    const FgCell *c = &cells->items.items[i];
    if (fg_cell_is_linux(c) && fg_cell_python_before_314(c) && (!c->os || !c->python))
      unknown = true;
  }
  if (!nhazard) {
    free(line);
    fg_vec_free(&paths);
    return;
  }
  size_t start = 0, end = 0;
  fg_run_xdist_span(run, &start, &end);
  FgDiag *d =
      fg_diag_new(&fg301_fork_default_under_xdist, run->wf->src, start, end,
                  "%zu test%s start%s worker processes under xdist with the `fork` "
                  "default (Linux, Python < 3.14) and no conftest.py sets another "
                  "start method",
                  hits, hits == 1 ? "" : "s", hits == 1 ? "s" : "");
  d->suppress_at = run->step->node->start;
  char *where = fg_run_where(run);
  fg_diag_add_note(d, "runs in: %s", where);
  free(where);
  fg_diag_add_note(d, "cells: %s%s", line,
                   unknown ? " (unknown OS or Python counts as Linux, Python < 3.14)"
                           : "");
  free(line);
  char *msg = fg_xasprintf("set the `%s` start method on Linux in conftest.py "
                           "`pytest_configure` (and register `%s`)",
                           p->config->start_method, p->marker);
  d->fix = fg_conftest_fix(p, paths.items, paths.len, true, true, FG_FIX_UNSAFE, msg);
  free(msg);
  fg_vec_free(&paths);
  fg_diag_list_push(out, d);
}

const FgRule fg301_fork_default_under_xdist = {
    .code = "FG301",
    .name = "fork-default-under-xdist",
    .summary =
        "pool tests run under xdist on Linux, Python < 3.14, with the fork default",
    .doc = doc,
    .fix = "unsafe",
    .on_run = fg301_on_run,
};
