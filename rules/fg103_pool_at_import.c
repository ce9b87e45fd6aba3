/* FG103 pool-at-import */
#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a process pool (`ProcessPoolExecutor`, `multiprocessing.Pool`, `Process`,\n"
    "`Manager`, joblib `Parallel`...) created at the top level of a test module or a\n"
    "`conftest.py` -- at module level or in a class body -- rather than inside a test\n"
    "or a fixture.\n"
    "\n"
    "## Why is this bad?\n"
    "Module code runs when pytest imports the file: during collection, in every xdist\n"
    "worker, whether or not any test that needs the pool is selected. No marker can\n"
    "keep it out of the parallel run, and nothing shuts the pool down before the\n"
    "worker exits.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "from concurrent.futures import ProcessPoolExecutor\n"
    "\n"
    "EXECUTOR = ProcessPoolExecutor(2)\n"
    "\n"
    "def test_square():\n"
    "    assert EXECUTOR.submit(pow, 3, 2).result() == 9\n"
    "```\n"
    "Use instead:\n"
    "```python\n"
    "import pytest\n"
    "\n"
    "@pytest.fixture(scope=\"module\")\n"
    "def executor():\n"
    "    with ProcessPoolExecutor(2) as ex:\n"
    "        yield ex\n"
    "\n"
    "@pytest.mark.no_parallel\n"
    "def test_square(executor):\n"
    "    assert executor.submit(pow, 3, 2).result() == 9\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "There is no fix: moving the pool into a fixture changes its lifetime and every\n"
    "test that uses it.\n";

static void fg103_on_module(const FgProject *p, const FgModule *m, FgDiagList *out) {
  if (!m->is_test_file && !m->is_conftest)
    return;
  for (size_t i = 0; i < m->py->nmodule_calls; i++) {
    const FgPyCall *c = &m->py->module_calls[i];
    if (c->pool != FG_POOL_SITE || c->site == FG_SITE_LIBRARY)
      continue;
    FgDiag *d = fg_diag_new(&fg103_pool_at_import, m->src, c->callee_span.start,
                            c->callee_span.end,
                            "`%s` starts worker processes when %s is imported", c->callee,
                            m->is_conftest ? "the conftest" : "the test module");
    fg_diag_list_push(out, d);
  }
}

const FgRule fg103_pool_at_import = {
    .code = "FG103",
    .name = "pool-at-import",
    .summary = "a test module or conftest creates a process pool at import time",
    .doc = doc,
    .fix = "none",
    .on_module = fg103_on_module,
};
