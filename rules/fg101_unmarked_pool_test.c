/* FG101 unmarked-pool-test */
#include <stdlib.h>

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

/* The decorator, in the file's own spelling of pytest.mark; `import pytest`
 * is added after the docstring and __future__ imports when the module has
 * no way to reach pytest.mark. */
static FgFix *fg101_fix(const FgProject *p, const FgTest *t) {
  const FgPyModule *py = t->mod->py;
  const FgPyFunc *f = &py->funcs[t->func];
  const FgSource *src = t->mod->src;
  const char *eol = fg_source_eol(src);
  FgFix *fix = fg_fix_new(FG_FIX_SAFE, "mark `%s` with `@pytest.mark.%s`", t->name, p->marker);
  const char *mark = "pytest.mark";
  if (!py->imports_pytest && py->mark_alias) {
    mark = py->mark_alias;
  } else if (!py->imports_pytest) {
    char *imp = fg_xasprintf("import pytest%s", eol);
    size_t at = fg_pyfile_import_offset(py);
    /* after a docstring at the very end of a file with no final newline */
    if (at == src->len && src->len > (src->bom ? 3u : 0u) && !src->final_newline) {
      free(imp);
      imp = fg_xasprintf("%simport pytest%s", eol, eol);
    }
    for (size_t gap = fg_pyfile_import_gap(py, at); gap > 0; gap--) {
      char *more = fg_xasprintf("%s%s", imp, eol);
      free(imp);
      imp = more;
    }
    fg_fix_add_edit(fix, src, at, at, imp);
    free(imp);
  }
  char *deco = fg_xasprintf("@%s.%s%s%s", mark, p->marker, eol, f->indent);
  fg_fix_add_edit(fix, src, f->span.start, f->span.start, deco);
  free(deco);
  return fix;
}

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
  d->fix = fg101_fix(p, t);
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
