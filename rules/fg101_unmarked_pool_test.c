/* FG101 unmarked-pool-test */
#include "project.h"

static const char doc[] =
    "## What it does\n"
    "Flags a test that starts worker processes -- in its own body, through a helper in any\n"
    "module of the repository, or through a fixture it requests (directly, by\n"
    "`usefixtures`, or as an autouse fixture) -- and is not marked with the project's\n"
    "serial marker (`no_parallel` unless configured otherwise).\n"
    "\n"
    "## Why is this bad?\n"
    "Under pytest-xdist every test runs inside a worker process that already runs threads.\n"
    "With the `fork` start method (the default on Linux before Python 3.14) a process pool\n"
    "created there copies locks held by other threads into its children, which can then\n"
    "deadlock or crash: CI hangs until its timeout. Marking such tests lets CI run them in a\n"
    "separate serial step.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "from concurrent.futures import ProcessPoolExecutor\n"
    "\n"
    "def test_parallel_sum():\n"
    "    with ProcessPoolExecutor() as ex:\n"
    "        assert sum(ex.map(abs, [-1, 2])) == 3\n"
    "```\n"
    "Use instead:\n"
    "```python\n"
    "import pytest\n"
    "\n"
    "@pytest.mark.no_parallel\n"
    "def test_parallel_sum():\n"
    "    ...\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "The fix is safe: it adds the marker decorator (and `import pytest` when missing); a\n"
    "module whose every test needs it gets one `pytestmark` instead. It changes which CI run\n"
    "executes the test, not what the test does.\n";

static void fg101_on_test(const FgProject *p, const FgTest *t, FgDiagList *out) {
  if (!t->uses_pools || t->marked)
    return;
  const FgPyFunc *f = &t->mod->py->funcs[t->func];
  FgDiag *d = fg_diag_new(&fg101_unmarked_pool_test, t->mod->src, f->name_span.start,
                          f->name_span.end,
                          "test `%s` starts worker processes but is not marked "
                          "`@pytest.mark.%s`",
                          t->name, p->marker);
  d->test = fg_xstrdup(t->nodeid);
  d->suppress_at = f->span.start;
  for (size_t i = 0; i < t->chain.links.len; i++) {
    const FgLink *l = &t->chain.links.items[i];
    fg_diag_add_related(d, l->src, l->start, l->end, "%s", l->label);
  }
  d->via = fg_chain_format(&t->chain, t->name);
  if (p->marker_why)
    fg_diag_add_note(d, "marker: %s", p->marker_why);
  fg_diag_list_push(out, d);
}

const FgRule fg101_unmarked_pool_test = {
    .code = "FG101",
    .name = "unmarked-pool-test",
    .summary = "a test that uses process pools is not marked",
    .doc = doc,
    .fix = "safe",
    .on_test = fg101_on_test,
};
