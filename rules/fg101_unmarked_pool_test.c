/* FG101 unmarked-pool-test */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fix/marker_fix.h"
#include "parse/pysites.h"
#include "probe/attach.h"
#include "project.h"
#include "report/suppress.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a test that starts worker processes -- in its own body, through a helper in "
    "any\n"
    "module of the repository, or through a fixture it requests (directly, by\n"
    "`usefixtures`, or as an autouse fixture) -- and is not marked with the project's\n"
    "serial marker (`no_parallel` unless configured otherwise).\n"
    "\n"
    "A test counts as marked when the marker is on the function, on an enclosing class "
    "or an\n"
    "in-repo base class of it, in module `pytestmark`, or on every `pytest.param`. Two\n"
    "conventions are accepted as equivalent, and every finding names them in a note:\n"
    "- `serial`, when the project registers it (ini `markers`, `addinivalue_line`) or a "
    "CI\n"
    "  run deselects it (`-m \"not serial\"`);\n"
    "- `xdist_group`, when every CI run with xdist active uses `--dist loadgroup`. A "
    "group\n"
    "  runs in one worker, one test at a time, so the project has decided how these "
    "tests\n"
    "  share workers; but they still run inside an xdist worker, so FG201 keeps "
    "flagging\n"
    "  the run (without a fix) and FG301 still asks for a non-fork start method.\n"
    "\n"
    "Besides the test's body, its helpers and its fixtures, the model credits a test "
    "with\n"
    "what pytest runs around it: "
    "`setup_method`/`setup_class`/`setup`/`setUp`/`setUpClass`\n"
    "(and their teardowns) of its class, the most derived definition along in-repo base\n"
    "classes, and `setup_module`/`setUpModule` (all tests) or `setup_function` "
    "(module-level\n"
    "tests) of its module. Test methods inherited from a base class, in this module or\n"
    "another, are collected under each `Test*` subclass\n"
    "(`test_x.py::TestChild::test_inherited`).\n"
    "\n"
    "Guards on the path are evaluated where they can be (FG105 takes the paths behind "
    "the\n"
    "others); `monkeypatch.setattr` / `mock.patch` of the binding the code calls removes "
    "a\n"
    "site for that test, and a note says when a patch misses it. Pools of libraries "
    "outside\n"
    "the repository are known from the table `forkguard explain FG101` ends with.\n"
    "\n"
    "Not resolved (a finding needs a chain that can be shown):\n"
    "- code chosen by a runtime string: `importlib.import_module`, `__import__`, "
    "`getattr`,\n"
    "  `load_obj(\"ParallelRunner\")`-style loaders;\n"
    "- values that command-line parsing puts into a configuration object "
    "(`Run([\"-j2\"])`\n"
    "  then `if self.config.jobs > 1`; click-parsed file lists, `len(sources) == 1`), "
    "a\n"
    "  `**kwargs` changed by anything but `setdefault`, `pop` or `kw[\"k\"] = v`, the "
    "arguments\n"
    "  of a call whose result is used at once (`make(jobs=2).run()`), attributes "
    "assigned on\n"
    "  a local object after it is made (`linter.config.jobs = 2`), and what an outside\n"
    "  library's functions return (`np.isinf(a)`, the class of `pd.concat(...)`): such "
    "guards\n"
    "  make the path possible (FG105);\n"
    "- loops over values not written in the code (`for x in options:`; loops over "
    "`range(N)`\n"
    "  with a literal N or over a tuple or list display run once per value);\n"
    "- dask collections iterated by a comprehension or a `for` statement, unpacked "
    "from a\n"
    "  tuple (`a, b = bag.unzip(2)`), gathered in a list first, or of an in-repo "
    "subclass of\n"
    "  `dask.bag.Bag`; a `dask.config.set(scheduler=...)` around the call of a helper "
    "that\n"
    "  computes (only the def that computes is read); and a distributed `Client` in "
    "force,\n"
    "  which computes instead of the collection's default scheduler;\n"
    "- process-wide lazy initialisations (`if _manager is None: _manager = Manager()`): "
    "which\n"
    "  test pays for them depends on the order, so they are possible paths;\n"
    "- callables handed to a runner forkguard does not know (it knows click's\n"
    "  `CliRunner().invoke`, `run_in_executor`, `pytest.raises`, `addCleanup`,\n"
    "  pytest-benchmark's `benchmark`, `threading.Thread(target=...)`), and pytest marks "
    "read\n"
    "  by a fixture (`request.node.get_closest_marker`);\n"
    "- library pools not in the table: add their constructors to "
    "`extra-pool-constructors`;\n"
    "- fixtures overridden in a subclass body for an inherited test (the fixtures "
    "visible\n"
    "  from the base method are used), and C3 order in diamond hierarchies (the bases "
    "are\n"
    "  walked depth first, left to right);\n"
    "- code whose calls fan out without end (each call binding new values): a test's\n"
    "  search stops after 20,000 steps over all its parametrizations, and after 2,000\n"
    "  once the project's tests have spent a million (`FORKGUARD_STATS=1` prints\n"
    "  `evals=`); the real projects measured need at most about 5,000 for a test.\n"
    "\n"
    "## Why is this bad?\n"
    "Under pytest-xdist every test runs inside a worker process that already runs "
    "threads.\n"
    "With the `fork` start method (the default on Linux before Python 3.14) a process "
    "pool\n"
    "created there copies locks held by other threads into its children, which can then\n"
    "deadlock or crash: CI hangs until its timeout. Marking such tests lets CI run them "
    "in a\n"
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
    "The fix is safe: it adds the marker decorator (and `import pytest` when missing, "
    "in\n"
    "the section and order isort wants, never above a licence header); "
    "a\n"
    "class whose every test needs it gets one class decorator, a module whose every "
    "test\n"
    "needs it one `pytestmark` (after the imports, past a trailing `try: import` block; "
    "an\n"
    "existing list is extended in its own layout) instead. It changes which CI "
    "run\n"
    "executes the test, not what the test does. For an inherited test the decorator goes "
    "on\n"
    "the base class's method, which marks it in every subclass.\n";

static bool fg101_line_suppresses(const FgSource *src, size_t off) {
  size_t len = 0;
  const char *line = fg_source_line_text(src, fg_source_pos(src, off).line, &len);
  return fg_suppress_line(line, len, &fg101_unmarked_pool_test);
}

/* Does the test need the marker, with no inline suppression that a wider
 * mark would override? */
static bool fg101_needs(const FgTest *o) {
  if (!o->uses_pools || o->marked)
    return false;
  const FgPyFunc *f = &o->mod->py->funcs[o->func];
  return !fg101_line_suppresses(o->mod->src, f->name_span.start) &&
         !fg101_line_suppresses(o->mod->src, f->span.start);
}

/* Does every collected test of t's module need the marker, and are there
 * at least two? Then one `pytestmark` serves them all -- unless a test's
 * finding is suppressed inline: pytestmark would mark it all the same. */
/* The verdict of every module, worked out once per lint pass (one walk over
 * the tests: asking it per test made 10,000 tests in a module quadratic).
 * fg101_on_project, which runs after the pass's last test, forgets it. */
typedef struct Fg101Verdict {
  const FgModule *mod;
  size_t need;
  bool no; /* a test that must not get pytestmark */
} Fg101Verdict;

/* A class's verdict (the same walk): its own tests that need the marker,
 * and whether one of them, or a copy of its methods collected under a
 * subclass, must not get the decorator. */
typedef struct Fg101ClassVerdict {
  const FgModule *mod;
  int cls;
  size_t need;
  bool no;
} Fg101ClassVerdict;

static _Thread_local struct {
  const FgProject *p;
  FG_VEC(Fg101Verdict) v;      /* sorted by module pointer */
  FG_VEC(Fg101ClassVerdict) c; /* sorted by module pointer, then class */
} fg101_memo;

static int fg101_verdict_cmp(const void *a, const void *b) {
  uintptr_t x = (uintptr_t)((const Fg101Verdict *)a)->mod;
  uintptr_t y = (uintptr_t)((const Fg101Verdict *)b)->mod;
  return x < y ? -1 : x > y;
}

static Fg101Verdict *fg101_verdict_of(const FgModule *mod) {
  Fg101Verdict key = {mod, 0, false};
  return bsearch(&key, fg101_memo.v.items, fg101_memo.v.len, sizeof key,
                 fg101_verdict_cmp);
}

static int fg101_class_cmp(const void *a, const void *b) {
  const Fg101ClassVerdict *x = a, *y = b;
  uintptr_t m = (uintptr_t)x->mod, n = (uintptr_t)y->mod;
  if (m != n)
    return m < n ? -1 : 1;
  return x->cls < y->cls ? -1 : x->cls > y->cls;
}

static Fg101ClassVerdict *fg101_class_of(const FgModule *mod, int cls) {
  Fg101ClassVerdict key = {mod, cls, 0, false};
  return bsearch(&key, fg101_memo.c.items, fg101_memo.c.len, sizeof key, fg101_class_cmp);
}

/* Every class of every module with a test, then one walk over the tests. */
static void fg101_class_memo_build(const FgProject *p) {
  for (size_t i = 0; i < p->py.tests.len; i++) {
    const FgTest *o = &p->py.tests.items[i];
    int cls[2] = {o->cls, o->inherited ? o->mod->py->funcs[o->func].cls : -1};
    for (int k = 0; k < 2; k++)
      if (cls[k] >= 0) {
        Fg101ClassVerdict v = {o->mod, cls[k], 0, false};
        fg_vec_push(&fg101_memo.c, v);
      }
  }
  if (fg101_memo.c.len > 1)
    qsort(fg101_memo.c.items, fg101_memo.c.len, sizeof(Fg101ClassVerdict),
          fg101_class_cmp);
  size_t n = 0; /* duplicates out */
  for (size_t i = 0; i < fg101_memo.c.len; i++)
    if (!n || fg101_class_cmp(&fg101_memo.c.items[n - 1], &fg101_memo.c.items[i]) != 0)
      fg101_memo.c.items[n++] = fg101_memo.c.items[i];
  fg101_memo.c.len = n;
  for (size_t i = 0; i < p->py.tests.len; i++) {
    const FgTest *o = &p->py.tests.items[i];
    bool needs = fg101_needs(o);
    Fg101ClassVerdict *v = o->cls >= 0 ? fg101_class_of(o->mod, o->cls) : NULL;
    if (v && (o->inherited || !needs))
      v->no = true;
    else if (v)
      v->need++;
    /* its methods collected under a subclass are marked by the decorator too */
    int own = o->inherited ? o->mod->py->funcs[o->func].cls : -1;
    Fg101ClassVerdict *w = own >= 0 ? fg101_class_of(o->mod, own) : NULL;
    if (w && !needs)
      w->no = true;
  }
}

static void fg101_memo_build(const FgProject *p) {
  fg_vec_free(&fg101_memo.v);
  fg_vec_free(&fg101_memo.c);
  fg101_memo.p = p;
  for (size_t i = 0; i < p->py.modules.len; i++) {
    Fg101Verdict v = {p->py.modules.items[i], 0, false};
    fg_vec_push(&fg101_memo.v, v);
  }
  if (fg101_memo.v.len > 1)
    qsort(fg101_memo.v.items, fg101_memo.v.len, sizeof(Fg101Verdict), fg101_verdict_cmp);
  for (size_t i = 0; i < p->py.tests.len; i++) {
    const FgTest *o = &p->py.tests.items[i];
    /* pytestmark marks the tests collected from its module: a base's test
     * collected there is marked on the base's method instead */
    Fg101Verdict *v = fg101_verdict_of(o->file);
    if (!v || v->no)
      continue;
    if (o->file != o->mod || !fg101_needs(o))
      v->no = true;
    else
      v->need++;
  }
  fg101_class_memo_build(p);
}

static bool fg101_whole_module(const FgProject *p, const FgTest *t) {
  if (t->file != t->mod)
    return false;
  if (fg101_memo.p != p)
    fg101_memo_build(p);
  const Fg101Verdict *v = fg101_verdict_of(t->mod);
  return v && !v->no && v->need >= 2;
}

static void fg101_on_project(const FgProject *p, FgDiagList *out) {
  fg_vec_free(&fg101_memo.v);
  fg_vec_free(&fg101_memo.c);
  fg101_memo.p = NULL;
}

/* Does every test collected under t's class (subclasses' inherited copies
 * included) need the marker, and are there at least two? Then one class
 * decorator serves them all. */
static bool fg101_whole_class(const FgProject *p, const FgTest *t) {
  if (t->cls < 0 || t->inherited)
    return false;
  if (fg101_memo.p != p)
    fg101_memo_build(p);
  const Fg101ClassVerdict *v = fg101_class_of(t->mod, t->cls);
  return v && !v->no && v->need >= 2;
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
  char *where = fg_platforms_describe(t->platforms);
  if (where)
    fg_diag_add_note(d, "platforms: %s", where);
  free(where);
  for (size_t i = 0; i < t->notes.len; i++)
    fg_diag_add_note(d, "%s", t->notes.items[i]);
  d->fix = fg101_whole_module(p, t) ? fg_marker_module_fix(p, t) : NULL;
  if (!d->fix && fg101_whole_class(p, t))
    d->fix = fg_marker_class_fix(p, t);
  if (!d->fix)
    d->fix = fg_marker_fix(p, t);
  if (p->marker_why)
    fg_diag_add_note(d, "marker: %s", p->marker_why);
  for (size_t i = 0; i < p->conventions.len; i++)
    fg_diag_add_note(d, "also accepted: `%s`, %s", p->conventions.items[i].name,
                     p->conventions.items[i].why);
  if (p->observed) {
    char *seen = fg_observed_note(p->observed, t->nodeid);
    fg_diag_add_note(d, "%s", seen);
    free(seen);
  }
  fg_diag_list_push(out, d);
}

static void fg101_doc_more(FgBuf *out) {
  fg_buf_puts(out, "\n## What starts processes\n"
                   "Names are resolved through imports and aliases; the table is the "
                   "one the model uses.\n\n");
  fg_pysites_doc(out);
}

const FgRule fg101_unmarked_pool_test = {
    .code = "FG101",
    .name = "unmarked-pool-test",
    .summary = "a test that uses process pools is not marked",
    .doc = doc,
    .fix = "safe",
    .doc_more = fg101_doc_more,
    .on_test = fg101_on_test,
    .on_project = fg101_on_project,
};
