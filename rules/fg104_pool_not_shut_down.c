/* FG104 pool-not-shut-down */
#include <string.h>

#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a process pool created in a test, fixture or helper of test code (test\n"
    "modules and `conftest.py` files) outside a `with` statement, when the function\n"
    "never calls `.shutdown()`, `.close()`, `.join()` or `.terminate()` on it and\n"
    "does not hand it on (`return`, `yield`, `enter_context`, `addfinalizer`,\n"
    "`contextlib.closing`). A pool that is never bound to a name\n"
    "(`ProcessPoolExecutor().submit(f)`) is flagged too. joblib's `Parallel` (which\n"
    "ends its workers when the call returns) and loky's reusable executor (meant to\n"
    "be reused) are not. A pool stored on `self` counts as shut down when any method\n"
    "of the class does it (`tearDown`).\n"
    "\n"
    "## Why is this bad?\n"
    "The pool's worker processes and its management threads outlive the test. Under\n"
    "pytest-xdist they stay in the worker that ran it; the next fork in that worker\n"
    "copies their locks, and at exit the interpreter can block joining them: the CI\n"
    "job hangs.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "from concurrent.futures import ProcessPoolExecutor\n"
    "\n"
    "def test_square():\n"
    "    ex = ProcessPoolExecutor(2)\n"
    "    assert ex.submit(pow, 3, 2).result() == 9\n"
    "```\n"
    "Use instead:\n"
    "```python\n"
    "def test_square():\n"
    "    with ProcessPoolExecutor(2) as ex:\n"
    "        assert ex.submit(pow, 3, 2).result() == 9\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "There is no fix: where the pool's lifetime should end is a decision about the\n"
    "test.\n";

static const char *const kShutdown[] = {"shutdown", "close", "join", "terminate"};

/* Sites that manage their own workers: `Parallel(...)(jobs)` ends its pool
 * when the call returns, and loky's reusable executor is meant to outlive
 * the caller. */
static const char *const kSelfManaged[] = {"joblib.Parallel", "joblib.parallel.Parallel",
                                           "loky.get_reusable_executor"};

static bool fg104_self_managed(const char *resolved) {
  for (size_t k = 0; k < sizeof kSelfManaged / sizeof kSelfManaged[0]; k++)
    if (strcmp(resolved, kSelfManaged[k]) == 0)
      return true;
  return false;
}

/* Does any of the calls shut down `name` (`name.shutdown(...)`, ...)? */
static bool fg104_shut_in(const FgPyFunc *f, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < f->ncalls; i++) {
    const char *callee = f->calls[i].callee;
    if (strncmp(callee, name, n) != 0 || callee[n] != '.')
      continue;
    for (size_t k = 0; k < sizeof kShutdown / sizeof kShutdown[0]; k++)
      if (strcmp(callee + n + 1, kShutdown[k]) == 0)
        return true;
  }
  return false;
}

static bool fg104_shut_down(const FgModule *m, const FgPyFunc *f, const char *name) {
  if (fg104_shut_in(f, name))
    return true;
  /* `self.pool = Pool()` in setUp, `self.pool.close()` in tearDown */
  if (f->cls < 0 || strncmp(name, "self.", 5) != 0)
    return false;
  for (size_t i = 0; i < m->py->nfuncs; i++) {
    const FgPyFunc *g = &m->py->funcs[i];
    if (g->cls == f->cls && !g->nested && fg104_shut_in(g, name))
      return true;
  }
  return false;
}

static void fg104_on_module(const FgProject *p, const FgModule *m, FgDiagList *out) {
  if (!m->is_test_file && !m->is_conftest)
    return;
  /* a nested def's calls are listed in its enclosing defs too: the
   * outermost def sees each call once, and its shutdown calls */
  for (size_t fi = 0; fi < m->py->nfuncs; fi++) {
    const FgPyFunc *f = &m->py->funcs[fi];
    if (f->nested)
      continue;
    for (size_t i = 0; i < f->ncalls; i++) {
      const FgPyCall *c = &f->calls[i];
      /* a library switch (dask's scheduler=, joblib) runs and ends its own
       * workers within the call */
      if (c->pool != FG_POOL_SITE || c->in_with || c->escapes ||
          c->site == FG_SITE_LIBRARY || fg104_self_managed(c->resolved))
        continue;
      if (c->assigned_to && fg104_shut_down(m, f, c->assigned_to))
        continue;
      /* a Process is not a context manager: only join() ends it */
      bool process = fg_str_endswith(c->resolved, "Process");
      FgDiag *d = fg_diag_new(&fg104_pool_not_shut_down, m->src, c->callee_span.start,
                              c->callee_span.end, "`%s` is %s in `%s`", c->callee,
                              process ? "never joined"
                                      : "created outside `with` and never shut down",
                              f->name);
      fg_diag_list_push(out, d);
    }
  }
}

const FgRule fg104_pool_not_shut_down = {
    .code = "FG104",
    .name = "pool-not-shut-down",
    .summary = "a process pool in test code is neither context-managed nor shut down",
    .doc = doc,
    .fix = "none",
    .severity = FG_SEVERITY_WARNING,
    .on_module = fg104_on_module,
};
