/* FG101 unmarked-pool-test */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fix/py_edit.h"
#include "parse/pysites.h"
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
    "tests) of its module. Test methods inherited from a base class in the same module "
    "are\n"
    "collected under each `Test*` subclass (`test_x.py::TestChild::test_inherited`).\n"
    "\n"
    "Not resolved, on purpose (a finding needs a chain that can be shown):\n"
    "- dynamic imports (`importlib.import_module`, `__import__`) and `getattr` / "
    "`setattr`\n"
    "  calls: the target is a runtime string;\n"
    "- pools passed as arguments or stored in attributes and used elsewhere: the test "
    "that\n"
    "  *creates* the pool is flagged, a function that only receives an executor is not\n"
    "  (`loop.run_in_executor(executor, f)` is flagged through the fixture or call that\n"
    "  made `executor`);\n"
    "- monkeypatching (`monkeypatch.setattr(mod, \"Pool\", ...)`, `mock.patch`): "
    "forkguard\n"
    "  does not know which code runs instead;\n"
    "- methods reached through `super()`, through a variable holding an instance, or "
    "through\n"
    "  a base class's `self.method()` overridden in a subclass (the base's own method "
    "is\n"
    "  followed);\n"
    "- test methods inherited from a base class in another module (its setup methods "
    "and\n"
    "  marks are followed, its tests are not collected under the subclass);\n"
    "- fixtures overridden in a subclass body for an inherited test (the fixtures "
    "visible\n"
    "  from the base method are used), and C3 order in diamond hierarchies (the bases "
    "are\n"
    "  walked depth first, left to right);\n"
    "- third-party code: a library's own pools are found only when its constructor is "
    "listed\n"
    "  in `extra-pool-constructors`.\n"
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

/* The name a module-level `import pytest [as X]` binds, or NULL. */
static const char *fg101_pytest_local(const FgPyModule *py) {
  for (size_t i = 0; i < py->nimports; i++) {
    const FgPyImport *im = &py->imports[i];
    if (!im->in_function && !im->name && !im->level && strcmp(im->module, "pytest") == 0)
      return im->local;
  }
  return NULL;
}

/* The mark in the file's own spelling of pytest.mark (`pytest.mark.x`,
 * `pt.mark.x`, `mark.x`); *need_import when `import pytest` must be added
 * (then it goes where isort wants it). Caller frees. */
static char *fg101_mark(const FgProject *p, const FgPyModule *py, bool *need_import) {
  const char *pt = fg101_pytest_local(py);
  *need_import = false;
  if (py->imports_pytest)
    return fg_xasprintf("pytest.mark.%s", p->marker);
  if (pt)
    return fg_xasprintf("%s.mark.%s", pt, p->marker); /* `import pytest as pt` */
  if (py->mark_alias)
    return fg_xasprintf("%s.%s", py->mark_alias, p->marker);
  *need_import = true;
  return fg_xasprintf("pytest.mark.%s", p->marker);
}

static void fg101_import_pytest(const FgProject *p, const FgPyModule *py, FgFix *fix) {
  const char *names[] = {"pytest"};
  fg_py_edit_add_imports(fix, &p->style, py, names, 1);
}

/* `@mark` on its own line before the def or class starting at `at`. */
static FgFix *fg101_decorator_fix(const FgProject *p, const FgModule *m, size_t at,
                                  const char *indent, const char *message) {
  const FgSource *src = m->src;
  bool need_import = false;
  char *mark = fg101_mark(p, m->py, &need_import);
  FgFix *fix = fg_fix_new(FG_FIX_SAFE, "%s", message);
  if (need_import)
    fg101_import_pytest(p, m->py, fix);
  char *deco = fg_xasprintf("@%s%s%s", mark, fg_source_eol(src), indent);
  fg_fix_add_edit(fix, src, at, at, deco);
  free(deco);
  free(mark);
  return fix;
}

static FgFix *fg101_fix(const FgProject *p, const FgTest *t) {
  const FgPyFunc *f = &t->mod->py->funcs[t->func];
  char *msg = fg_xasprintf("mark `%s` with `@pytest.mark.%s`", t->name, p->marker);
  FgFix *fix = fg101_decorator_fix(p, t->mod, f->span.start, f->indent, msg);
  free(msg);
  return fix;
}

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

static FgFix *fg101_class_fix(const FgProject *p, const FgTest *t) {
  const FgPyClass *c = &t->mod->py->classes[t->cls];
  const FgSource *src = t->mod->src;
  size_t ls = c->span.start;
  while (ls > 0 && src->data[ls - 1] != '\n')
    ls--;
  char *indent = fg_xstrndup(src->data + ls, c->span.start - ls);
  char *msg = fg_xasprintf("mark every test of class `%s` with `@pytest.mark.%s`",
                           c->name, p->marker);
  FgFix *fix = fg101_decorator_fix(p, t->mod, c->span.start, indent, msg);
  free(msg);
  free(indent);
  return fix;
}

/* Just past the line break of the line holding offset. */
static size_t fg101_line_end(const FgSource *src, size_t off) {
  while (off < src->len && src->data[off] != '\n')
    off++;
  return off < src->len ? off + 1 : off;
}

static size_t fg101_line_start(const FgSource *src, size_t off) {
  while (off > 0 && src->data[off - 1] != '\n')
    off--;
  return off;
}

/* The column (in bytes) of offset on its line. */
static size_t fg101_col(const FgSource *src, size_t off) {
  return off - fg101_line_start(src, off);
}

/* Extends an existing module `pytestmark` by the mark, in the list's own
 * layout: one element a line gets a new line like the last one's (with
 * the trailing comma the list has, or not); elements run on in a line get
 * one more after the last, on a new line under it when the line would grow
 * past the project's length; a single mark becomes a list (black's layout
 * when that is too long). False when the value is neither. */
static bool fg101_extend_pytestmark(const FgProject *p, FgFix *fix, const FgSource *src,
                                    FgSpan rhs, const char *mark, const char *eol) {
  const char *d = src->data;
  size_t width = (size_t)p->style.line_length;
  if (rhs.end <= rhs.start)
    return false;
  if (d[rhs.start] != '[') {
    if (d[rhs.start] == '(')
      return false; /* a tuple: pytest wants a list or one mark */
    if (memchr(d + rhs.start, '\n', rhs.end - rhs.start)) {
      /* a mark written over several lines stays as it is: a list of it
       * and the marker follows (wrapping it would re-indent its lines) */
      size_t at = fg101_line_end(src, rhs.end);
      char *text =
          fg_xasprintf("%spytestmark = [pytestmark, %s]%s",
                       at == src->len && !src->final_newline ? eol : "", mark, eol);
      fg_fix_add_edit(fix, src, at, at, text);
      free(text);
      return true;
    }
    size_t line_end = fg101_line_end(src, rhs.end);
    while (line_end > rhs.end && strchr("\r\n", d[line_end - 1]))
      line_end--;
    size_t one = fg101_col(src, rhs.end) + (line_end - rhs.end) + 4 + strlen(mark);
    char *tail = NULL;
    if (one <= width) {
      fg_fix_add_edit(fix, src, rhs.start, rhs.start, "[");
      tail = fg_xasprintf(", %s]", mark);
    } else {
      char *lead = fg_xasprintf("[%s    ", eol);
      fg_fix_add_edit(fix, src, rhs.start, rhs.start, lead);
      free(lead);
      tail = fg_xasprintf(",%s    %s,%s]", eol, mark, eol);
    }
    fg_fix_add_edit(fix, src, rhs.end, rhs.end, tail);
    free(tail);
    return true;
  }
  if (d[rhs.end - 1] != ']')
    return false;
  size_t close = rhs.end - 1;
  size_t last = close;
  while (last > rhs.start && strchr(" \t\r\n", d[last - 1]))
    last--;
  char prev = d[last - 1];
  bool own_line = false; /* the closing bracket on a line of its own */
  for (size_t k = last; k < close; k++)
    if (d[k] == '\n')
      own_line = true;
  size_t ls = fg101_line_start(src, last);
  size_t ind = ls;
  while (d[ind] == ' ' || d[ind] == '\t')
    ind++;
  if (prev == '[') {
    fg_fix_add_edit(fix, src, last, last, mark);
  } else if (own_line && prev == ',') {
    /* one element a line: a new line like the last element's */
    size_t at = fg101_line_end(src, last);
    char *text = fg_xasprintf("%.*s%s,%s", (int)(ind - ls), d + ls, mark, eol);
    fg_fix_add_edit(fix, src, at, at, text);
    free(text);
  } else if (own_line) {
    /* the same without a trailing comma: none after the new one either */
    char *text = fg_xasprintf(",%s%.*s%s", eol, (int)(ind - ls), d + ls, mark);
    fg_fix_add_edit(fix, src, last, last, text);
    free(text);
  } else {
    /* run on in a line: after the last element, or under it when too long */
    size_t line_end = fg101_line_end(src, close);
    while (line_end > close && strchr("\r\n", d[line_end - 1]))
      line_end--;
    size_t grown = fg101_col(src, line_end) + strlen(mark) + 2;
    char *text = NULL;
    if (grown <= width || ls == fg101_line_start(src, rhs.start)) {
      text = fg_xasprintf("%s%s", prev == ',' ? " " : ", ", mark);
    } else {
      /* a continuation line aligned like the last element's */
      text = fg_xasprintf("%s%s%.*s%s", prev == ',' ? "" : ",", eol, (int)(ind - ls),
                          d + ls, mark);
    }
    fg_fix_add_edit(fix, src, last, last, text);
    free(text);
  }
  return true;
}

/* The module-wide fix: `pytestmark = <mark>` once, on its own line after
 * the module's imports (past a trailing `try: import ... except` block),
 * or an existing pytestmark extended. */
static FgFix *fg101_module_fix(const FgProject *p, const FgTest *t) {
  const FgPyModule *py = t->mod->py;
  const FgSource *src = t->mod->src;
  const char *eol = fg_source_eol(src);
  FgFix *fix = fg_fix_new(FG_FIX_SAFE,
                          "mark every test of `%s` with `pytestmark = "
                          "pytest.mark.%s`",
                          t->mod->src->path, p->marker);
  bool need_import = false;
  char *mark = fg101_mark(p, py, &need_import);
  if (py->pytestmark_span.end > py->pytestmark_span.start) {
    bool ok = fg101_extend_pytestmark(p, fix, src, py->pytestmark_span, mark, eol);
    if (ok && need_import)
      fg101_import_pytest(p, py, fix);
    free(mark);
    if (ok)
      return fix;
    fg_fix_delete(fix); /* a value we cannot extend: decorators instead */
    return NULL;
  }
  bool after_import = false;
  size_t at = fg_py_edit_after_imports(py, &after_import);
  if (need_import && after_import)
    fg101_import_pytest(p, py, fix);
  bool open_end = at == src->len && src->len && !src->final_newline;
  FgBuf b = {0};
  if (open_end)
    fg_buf_puts(&b, eol);
  if (need_import && !after_import)
    fg_buf_printf(&b, "import pytest%s", eol); /* the module's first import */
  if (after_import || need_import)
    fg_buf_puts(&b, eol);
  fg_buf_printf(&b, "pytestmark = %s%s", mark, eol);
  for (size_t gap = fg_pyfile_import_gap(py, at); gap > 0; gap--)
    fg_buf_puts(&b, eol);
  fg_fix_add_edit(fix, src, at, at, b.data);
  fg_buf_free(&b);
  free(mark);
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
  char *where = fg_platforms_describe(t->platforms);
  if (where)
    fg_diag_add_note(d, "platforms: %s", where);
  free(where);
  for (size_t i = 0; i < t->notes.len; i++)
    fg_diag_add_note(d, "%s", t->notes.items[i]);
  d->fix = fg101_whole_module(p, t) ? fg101_module_fix(p, t) : NULL;
  if (!d->fix && fg101_whole_class(p, t))
    d->fix = fg101_class_fix(p, t);
  if (!d->fix)
    d->fix = fg101_fix(p, t);
  if (p->marker_why)
    fg_diag_add_note(d, "marker: %s", p->marker_why);
  for (size_t i = 0; i < p->conventions.len; i++)
    fg_diag_add_note(d, "also accepted: `%s`, %s", p->conventions.items[i].name,
                     p->conventions.items[i].why);
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
