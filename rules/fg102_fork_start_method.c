/* FG102 fork-start-method */
#include <string.h>

#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags test code (test modules and `conftest.py` files) that asks for the `fork`\n"
    "start method -- `multiprocessing.get_context(\"fork\")`,\n"
    "`multiprocessing.set_start_method(\"fork\")` -- or forks by hand with `os.fork()`,\n"
    "in a function or at module level.\n"
    "\n"
    "## Why is this bad?\n"
    "Under pytest-xdist the test runs in a worker process that already runs threads.\n"
    "Forking it copies locks those threads hold into the child, where nobody will\n"
    "ever release them: the child can deadlock or crash, and the CI job hangs until\n"
    "its timeout. `spawn` and `forkserver` start children from a clean interpreter\n"
    "instead.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "import multiprocessing\n"
    "\n"
    "def test_workers():\n"
    "    ctx = multiprocessing.get_context(\"fork\")\n"
    "    with ctx.Pool(2) as pool:\n"
    "        assert pool.map(abs, [-1]) == [1]\n"
    "```\n"
    "Use instead:\n"
    "```python\n"
    "    ctx = multiprocessing.get_context(\"spawn\")\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "The fix replaces the `\"fork\"` literal with the configured start method\n"
    "(`start-method`, `spawn` by default), keeping its quotes. It is unsafe: under\n"
    "`spawn` the children no longer inherit the parent's memory, so work functions\n"
    "must be importable and their arguments picklable, which the test may not yet\n"
    "satisfy. `os.fork()` has no fix.\n";

/* The bytes between the quotes of a string literal: skips a prefix (r, b,
 * u...) and one or three quote characters on each side. */
static bool fg102_literal_inner(const FgSource *src, FgSpan lit, size_t *start,
                                size_t *end) {
  const char *s = src->data;
  size_t a = lit.start, b = lit.end;
  while (a < b && s[a] != '"' && s[a] != '\'')
    a++;
  if (a >= b)
    return false;
  char q = s[a];
  size_t nq = (b - a >= 6 && s[a + 1] == q && s[a + 2] == q) ? 3 : 1;
  if (b - a < 2 * nq)
    return false;
  *start = a + nq;
  *end = b - nq;
  return true;
}

static void fg102_check(const FgProject *p, const FgModule *m, const FgPyCall *c,
                        FgDiagList *out) {
  if (c->pool == FG_POOL_OS_FORK) {
    FgDiag *d = fg_diag_new(&fg102_fork_start_method, m->src, c->callee_span.start,
                            c->callee_span.end,
                            "`%s()` forks the test process in test code", c->callee);
    fg_diag_list_push(out, d);
    return;
  }
  if (c->pool != FG_POOL_FORK_METHOD)
    return;
  FgDiag *d = fg_diag_new(&fg102_fork_start_method, m->src, c->method_arg.start,
                          c->method_arg.end,
                          "`%s` selects the `fork` start method in test code", c->callee);
  size_t start, end;
  const char *method = p->config->start_method;
  if (method && fg102_literal_inner(m->src, c->method_arg, &start, &end)) {
    d->fix = fg_fix_new(FG_FIX_UNSAFE, "Use the `%s` start method", method);
    fg_fix_add_edit(d->fix, m->src, start, end, method);
  }
  fg_diag_list_push(out, d);
}

static void fg102_on_module(const FgProject *p, const FgModule *m, FgDiagList *out) {
  if (!m->is_test_file && !m->is_conftest)
    return;
  for (size_t i = 0; i < m->py->nmodule_calls; i++)
    fg102_check(p, m, &m->py->module_calls[i], out);
  /* a nested def's calls are listed in its enclosing defs too: the
   * outermost def sees each call once */
  for (size_t f = 0; f < m->py->nfuncs; f++) {
    const FgPyFunc *fn = &m->py->funcs[f];
    if (fn->nested)
      continue;
    for (size_t i = 0; i < fn->ncalls; i++)
      fg102_check(p, m, &fn->calls[i], out);
  }
}

const FgRule fg102_fork_start_method = {
    .code = "FG102",
    .name = "fork-start-method",
    .summary = "test code selects the fork start method or calls os.fork()",
    .doc = doc,
    .fix = "unsafe",
    .on_module = fg102_on_module,
};
