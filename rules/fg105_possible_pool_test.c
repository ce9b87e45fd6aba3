/* FG105 possible-pool-test */
#include <stdlib.h>

#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a test, not marked with the project's serial marker, whose only paths to a\n"
    "process start pass a guard forkguard cannot evaluate: an attribute of a "
    "configuration\n"
    "object, an environment variable the project sets, a value computed at run time, an\n"
    "`except` handler.\n"
    "The note names the guard and where it is:\n"
    "`only when `self._config.cache_task_completion` is true (pkg/worker.py:596)`.\n"
    "\n"
    "Guards forkguard does evaluate are not possible paths: literals, parameters "
    "against\n"
    "the call's arguments and their defaults (one call level deep), `self` attributes "
    "set\n"
    "in `__init__` from the constructor's arguments, keywords passed along through\n"
    "`**kwargs` (with `kw.setdefault(\"k\", v)` and `kw[\"k\"] = v` before the call), "
    "declared\n"
    "fields (a class attribute made with `default=`: a configuration parameter, a\n"
    "`dataclasses.field`, an `attr.ib`) read as the constructor's keyword or the "
    "default,\n"
    "module constants, and the platform\n"
    "(`sys.platform`, `os.name`, `platform.system()`, `sys.version_info`), and\n"
    "`os.getenv(\"X\", d)` / `os.environ.get(\"X\", d)` of a variable the project never "
    "sets\n"
    "(named in no workflow, tox, nox, make or pytest file, no `setenv` / `patch.dict` /\n"
    "`environ[...]` in its Python, and not one CI, pytest or the OS sets): that is `d`.\n"
    "A test with one certain path is FG101's, whatever its possible paths. A skip whose\n"
    "condition cannot be evaluated (`if not HAS_X: pytest.skip()`) is assumed not "
    "taken.\n"
    "\n"
    "It is off by default: the guard usually holds in a configuration the test suite "
    "does\n"
    "not use. Turn it on to review such tests once.\n"
    "\n"
    "## Why is this bad?\n"
    "When the guard holds in CI, the test starts processes inside an xdist worker like "
    "any\n"
    "FG101 test, and can hang the same way.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "def run(config):\n"
    "    if config.use_processes:\n"
    "        with ProcessPoolExecutor() as ex:\n"
    "            ...\n"
    "\n"
    "def test_run(config):\n"
    "    run(config)\n"
    "```\n"
    "Mark the test if the guard holds in CI:\n"
    "```python\n"
    "@pytest.mark.no_parallel\n"
    "def test_run(config):\n"
    "    ...\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "There is no fix: whether the guard holds is for a person to decide.\n";

static void fg105_on_test(const FgProject *p, const FgTest *t, FgDiagList *out) {
  if (!t->possible || t->uses_pools || t->marked)
    return;
  const FgPyFunc *f = &t->mod->py->funcs[t->func];
  FgDiag *d = fg_diag_new(
      &fg105_possible_pool_test, t->mod->src, f->name_span.start, f->name_span.end,
      "test `%s` may start worker processes, behind a guard forkguard "
      "cannot evaluate",
      t->name);
  d->test = fg_xstrdup(t->nodeid);
  d->suppress_at = f->span.start;
  for (size_t i = 0; i < t->chain.links.len; i++) {
    const FgLink *l = &t->chain.links.items[i];
    fg_diag_add_related(d, l->src, l->start, l->end, "%s", l->label);
  }
  d->via = fg_chain_format(&t->chain, t->name);
  if (t->guard)
    fg_diag_add_note(d, "guard: %s", t->guard);
  char *where = fg_platforms_describe(t->platforms);
  if (where)
    fg_diag_add_note(d, "platforms: %s", where);
  free(where);
  (void)p;
  fg_diag_list_push(out, d);
}

const FgRule fg105_possible_pool_test = {
    .code = "FG105",
    .name = "possible-pool-test",
    .summary = "a test may start processes, behind a guard that cannot be evaluated",
    .doc = doc,
    .fix = "none",
    .opt_in = true,
    .on_test = fg105_on_test,
};
