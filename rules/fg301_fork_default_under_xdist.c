/* FG301 fork-default-under-xdist */
#include <string.h>

#include "ci/cells.h"
#include "fix/conftest_fix.h"
#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a parallel pytest run (pytest-xdist active) that selects tests which start\n"
    "worker processes, in a job with at least one Linux cell on Python < 3.14, when no\n"
    "`conftest.py` the run loads sets a start method other than `fork` for that cell\n"
    "(at import or in a start-up hook such as `pytest_configure`; a guard like\n"
    "`if sys.version_info >= (3, 14)` does not cover 3.12). OS and Python come from\n"
    "`runs-on`, the matrix and `actions/setup-python`; what cannot be read "
    "(expressions,\n"
    "`fromJSON`) counts as possibly Linux and possibly Python < 3.14.\n"
    "\n"
    "The serial half of a split (a run that selects only marked tests, `-m <marker>`, in "
    "a\n"
    "job whose other run uses xdist) is flagged too: splitting is two thirds of the "
    "cure,\n"
    "and a project fixed with safe fixes only still needs the start method.\n"
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
    "`spawn`. No fix is offered while a `conftest.py` (or a test module at import time)\n"
    "sets `fork` itself (FG102): that is the project's own choice of start method.\n";

/* A conftest.py, or a test module at import time, that sets the fork start
 * method for the whole session (FG102's finding), or NULL. */
static const FgModule *fg301_sets_fork(const FgProject *p) {
  for (size_t i = 0; i < p->py.modules.len; i++) {
    const FgModule *m = p->py.modules.items[i];
    if (!m->py || (!m->is_conftest && !m->is_test_file))
      continue;
    for (size_t k = 0; k < m->py->nmodule_calls; k++)
      if (m->py->module_calls[k].pool == FG_POOL_FORK_METHOD &&
          strstr(m->py->module_calls[k].callee, "set_start_method"))
        return m;
    for (size_t f = 0; m->is_conftest && f < m->py->nfuncs; f++)
      for (size_t k = 0; k < m->py->funcs[f].ncalls; k++)
        if (m->py->funcs[f].calls[k].pool == FG_POOL_FORK_METHOD &&
            strstr(m->py->funcs[f].calls[k].callee, "set_start_method"))
          return m;
  }
  return NULL;
}

/* Is run the serial half of a split: its -m selects a test marked with the
 * marker alone and not an unmarked one, and another run of its job uses
 * xdist? */
static bool fg301_serial_half(const FgProject *p, const FgRun *run) {
  if (run->xdist || !run->m)
    return false;
  const char *marks[] = {p->marker};
  if (!fg_markexpr_match_marks(run->m, marks, 1) ||
      fg_markexpr_match_marks(run->m, NULL, 0))
    return false;
  for (size_t i = 0; i < p->ci.runs.len; i++)
    if (p->ci.runs.items[i]->job == run->job && p->ci.runs.items[i]->xdist)
      return true;
  return false;
}

/* Does the run load this conftest.py? pytest loads those of the folders
 * from the rootdir to every path it is given and of the folders it collects
 * below them (what --ignore leaves out it does not visit). */
static bool fg301_loads(const FgRun *run, const FgModule *conftest) {
  const char *dir = conftest->dir;
  for (size_t i = 0; i < run->ignores.len; i++)
    if (fg_path_under(dir, run->ignores.items[i]))
      return false;
  for (size_t i = 0; i < run->paths.len; i++) {
    const char *path = run->paths.items[i];
    if (fg_path_under(path, dir) || fg_path_under(dir, path))
      return true;
  }
  return false;
}

/* Is the cell protected by a setting the run loads whose guard may hold
 * there? (a guard that cannot be read protects: the rule stays quiet) */
static bool fg301_protected(const FgProject *p, const FgRun *run, const FgCell *c) {
  for (size_t i = 0; i < p->start_settings.len; i++) {
    const FgStartSetting *s = &p->start_settings.items[i];
    if (fg301_loads(run, s->conftest) &&
        fg_py_guard_holds(s->guard, fg_cell_python_minor(c), 1) != 0)
      return true;
  }
  return false;
}

/* Why the settings there are do not protect the run, for a note. */
static void fg301_settings_note(const FgProject *p, const FgRun *run, FgDiag *d) {
  for (size_t i = 0; i < p->start_settings.len && i < 3; i++) {
    const FgStartSetting *s = &p->start_settings.items[i];
    const char *path = s->conftest->src->path;
    if (!fg301_loads(run, s->conftest))
      fg_diag_add_note(d, "%s sets a start method, but this run does not load it", path);
    else if (s->guard)
      fg_diag_add_note(d, "%s sets a start method only when `%s`", path, s->guard);
  }
}

static void fg301_on_run(const FgProject *p, const FgRun *run, FgDiagList *out) {
  bool serial = fg301_serial_half(p, run);
  if (!run->xdist && !serial)
    return;
  /* only tests whose chains fork by default: spawn / forkserver / a
   * library's own start method never fork the worker */
  size_t hits = 0;
  for (size_t i = 0; i < run->pool_tests.len; i++)
    hits += (run->pool_tests.items[i]->methods & FG_METHODS_FORK_DEFAULT) != 0;
  if (!hits)
    return;
  /* the cells where pool tests fork: Linux, Python < 3.14, with no
   * start method set by a conftest.py the run loads */
  FgCells hazard = {0};
  bool unknown = false;
  for (size_t i = 0; i < run->cells.items.len; i++) {
    const FgCell *c = &run->cells.items.items[i];
    if (!fg_cell_is_linux(c) || !fg_cell_python_before_314(c) ||
        fg301_protected(p, run, c))
      continue;
    fg_cells_add(&hazard, c->os, c->python);
    unknown |= !c->os || !c->python;
  }
  if (!hazard.items.len) {
    fg_cells_free(&hazard);
    return;
  }
  FG_VEC(const char *) paths = {0};
  for (size_t i = 0; i < run->pool_tests.len; i++)
    if (run->pool_tests.items[i]->methods & FG_METHODS_FORK_DEFAULT)
      fg_vec_push(&paths, run->pool_tests.items[i]->file->src->path);
  char *line = fg_cells_line(&hazard, false, 6, NULL);
  size_t start = 0, end = 0;
  fg_run_xdist_span(run, &start, &end);
  FgDiag *d =
      fg_diag_new(&fg301_fork_default_under_xdist, run->wf->src, start, end,
                  "%zu test%s start%s worker processes %s with the `fork` "
                  "default (Linux, Python < 3.14) and no conftest.py sets another "
                  "start method",
                  hits, hits == 1 ? "" : "s", hits == 1 ? "s" : "",
                  serial ? "in the serial half of an xdist split" : "under xdist");
  d->suppress_at = run->step->node->start;
  char *where = fg_run_where(run);
  fg_diag_add_note(d, "runs in: %s", where);
  free(where);
  fg_diag_add_note(d, "cells: %s%s", line,
                   unknown ? " (unknown OS or Python counts as Linux, Python < 3.14)"
                           : "");
  free(line);
  fg301_settings_note(p, run, d);
  char *msg = fg_xasprintf("set the `%s` start method on Linux in conftest.py "
                           "`pytest_configure` (and register `%s`)",
                           p->config->start_method, p->marker);
  const FgModule *fork = fg301_sets_fork(p);
  if (fork)
    fg_diag_add_note(d, "no fix: %s sets the `fork` start method itself (FG102)",
                     fork->src->path);
  /* a conftest.py that sets a start method already would not get a second
   * one from the fix: its condition or its place is what to change */
  else if (p->start_settings.len || fg_pymodel_safe_start_method(&p->py))
    fg_diag_add_note(d, "no fix: a conftest.py sets a start method already; make it "
                        "hold for these cells and this run");
  else
    d->fix = fg_conftest_fix(p, paths.items, paths.len, true, true, FG_FIX_UNSAFE, msg);
  free(msg);
  fg_vec_free(&paths);
  fg_cells_free(&hazard);
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
