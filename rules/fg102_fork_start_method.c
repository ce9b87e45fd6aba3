/* FG102 fork-start-method */
#include <string.h>

#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags test code that forks for every test: "
    "`multiprocessing.set_start_method(\"fork\")`\n"
    "at import time of a test module or `conftest.py`, or anywhere in a `conftest.py`\n"
    "(`pytest_configure`, a fixture), and `os.fork()` in test code (test modules and\n"
    "`conftest.py` files).\n"
    "\n"
    "A test that asks for `fork` itself -- `multiprocessing.get_context(\"fork\")`, a\n"
    "fixture named `fork_context`, `set_start_method(\"fork\")` inside one test -- is "
    "not\n"
    "flagged: it means it (fork-safety tests, version-gated workarounds). Its hazard is\n"
    "running inside an xdist worker, which FG101 (mark it) and FG201 (run it serially)\n"
    "already cure.\n"
    "\n"
    "## Why is this bad?\n"
    "Under pytest-xdist every test runs in a worker process that already runs threads.\n"
    "A `fork` start method set for the whole session makes every pool of every test\n"
    "copy locks those threads hold into its children, where nobody will ever release\n"
    "them: children deadlock or crash and CI hangs until its timeout. It also defeats\n"
    "FG301's cure (`spawn` in `pytest_configure`). `os.fork()` in a worker does the "
    "same\n"
    "by hand, and no serial marker on a pool call finds it.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "# conftest.py\n"
    "import multiprocessing\n"
    "\n"
    "multiprocessing.set_start_method(\"fork\", force=True)\n"
    "```\n"
    "Use instead: set `spawn` (or `forkserver`) on Linux in `pytest_configure`, and\n"
    "ask for `fork` with `multiprocessing.get_context(\"fork\")` in the tests that need "
    "it.\n"
    "\n"
    "## Fix safety\n"
    "No fix. Which start method a project's tests use is the project's choice: a\n"
    "session-wide `fork` may be what its code relies on, so forkguard never rewrites it\n"
    "(and FG301 offers no conftest change while it is there).\n";

/* Is the call `set_start_method("fork")` (not get_context)? */
static bool fg102_sets_method(const FgPyCall *c) {
  const char *r = c->resolved ? c->resolved : c->callee;
  size_t n = strlen(r), k = strlen("set_start_method");
  return c->pool == FG_POOL_FORK_METHOD && n >= k &&
         strcmp(r + n - k, "set_start_method") == 0;
}

/* at_import: the call runs at import time (module level, class body). */
static void fg102_check(const FgModule *m, const FgPyCall *c, bool at_import,
                        FgDiagList *out) {
  if (c->pool == FG_POOL_OS_FORK) {
    FgDiag *d = fg_diag_new(&fg102_fork_start_method, m->src, c->callee_span.start,
                            c->callee_span.end,
                            "`%s()` forks the test process in test code", c->callee);
    fg_diag_list_push(out, d);
    return;
  }
  if (!fg102_sets_method(c) || (!at_import && !m->is_conftest))
    return;
  FgDiag *d = fg_diag_new(&fg102_fork_start_method, m->src, c->method_arg.start,
                          c->method_arg.end,
                          "`%s` sets the `fork` start method for every test %s",
                          c->callee, at_import ? "at import time" : "from conftest.py");
  fg_diag_add_note(d, "no fix: the start method is the project's choice; a test that "
                      "needs fork can ask for get_context(\"fork\")");
  fg_diag_list_push(out, d);
}

static void fg102_on_module(const FgProject *p, const FgModule *m, FgDiagList *out) {
  (void)p;
  if (!m->is_test_file && !m->is_conftest)
    return;
  for (size_t i = 0; i < m->py->nmodule_calls; i++)
    fg102_check(m, &m->py->module_calls[i], true, out);
  /* a nested def's calls are listed in its enclosing defs too: the
   * outermost def sees each call once */
  for (size_t f = 0; f < m->py->nfuncs; f++) {
    const FgPyFunc *fn = &m->py->funcs[f];
    if (fn->nested)
      continue;
    for (size_t i = 0; i < fn->ncalls; i++)
      fg102_check(m, &fn->calls[i], false, out);
  }
}

const FgRule fg102_fork_start_method = {
    .code = "FG102",
    .name = "fork-start-method",
    .summary =
        "fork set for every test (conftest, import time) or os.fork() in test code",
    .doc = doc,
    .fix = "none",
    .on_module = fg102_on_module,
};
