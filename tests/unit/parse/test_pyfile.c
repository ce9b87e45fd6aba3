#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/pyfile.h"

/* One parsed module; the source stays alive so spans can be checked as text. */
typedef struct Parsed {
  FgSource *src;
  FgPyModule *m;
} Parsed;

static Parsed parse_opts(const char *text, size_t len, const FgPyOptions *opts) {
  Parsed p;
  p.src = fg_source_new("t.py", text, len);
  p.m = fg_pyfile_parse(p.src, opts);
  assert_non_null(p.m);
  return p;
}

static Parsed parse(const char *text) {
  return parse_opts(text, strlen(text), NULL);
}

static void done(Parsed *p) {
  fg_pyfile_delete(p->m);
  fg_source_delete(p->src);
}

/* The offset of the first occurrence of needle (which must occur). */
static size_t off(const Parsed *p, const char *needle) {
  const char *at = strstr(p->src->data, needle);
  assert_non_null(at);
  return (size_t)(at - p->src->data);
}

/* A span must cover exactly `text`, at the first place `text` occurs. */
static void check_span(const Parsed *p, FgSpan s, const char *text) {
  char *got = fg_xstrndup(p->src->data + s.start, s.end - s.start);
  assert_string_equal(got, text);
  free(got);
  assert_int_equal(s.start, off(p, text));
}

static const FgPyFunc *func(const Parsed *p, const char *name) {
  for (size_t i = 0; i < p->m->nfuncs; i++)
    if (strcmp(p->m->funcs[i].name, name) == 0)
      return &p->m->funcs[i];
  fail_msg("no function %s", name);
  return NULL;
}

static const FgPyClass *klass(const Parsed *p, const char *name) {
  for (size_t i = 0; i < p->m->nclasses; i++)
    if (strcmp(p->m->classes[i].name, name) == 0)
      return &p->m->classes[i];
  fail_msg("no class %s", name);
  return NULL;
}

static const FgPyCall *call_in(const FgPyCall *calls, size_t n, const char *callee) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(calls[i].callee, callee) == 0)
      return &calls[i];
  fail_msg("no call %s", callee);
  return NULL;
}

static const FgPyCall *fcall(const Parsed *p, const char *fn, const char *callee) {
  const FgPyFunc *f = func(p, fn);
  return call_in(f->calls, f->ncalls, callee);
}

static const FgPyCall *mcall(const Parsed *p, const char *callee) {
  return call_in(p->m->module_calls, p->m->nmodule_calls, callee);
}

static void check_import(const FgPyImport *im, const char *module, const char *name,
                         const char *local, int level, bool in_function) {
  assert_string_equal(im->module, module);
  if (name)
    assert_string_equal(im->name, name);
  else
    assert_null(im->name);
  assert_string_equal(im->local, local);
  assert_int_equal(im->level, level);
  assert_int_equal(im->in_function, in_function);
}

/* ---- imports ----------------------------------------------------------- */

static void test_imports(void **state) {
  Parsed p = parse("import a.b as c\n"
                   "import a.b\n"
                   "from .x import y as z\n"
                   "from . import y\n"
                   "from ..pkg.mod import thing\n"
                   "from a import *\n"
                   "import os, sys as system\n"
                   "def f():\n"
                   "    import json\n"
                   "    from .h import k\n");
  assert_int_equal(p.m->nimports, 10);
  check_import(&p.m->imports[0], "a.b", NULL, "c", 0, false);
  check_import(&p.m->imports[1], "a.b", NULL, "a", 0, false);
  check_import(&p.m->imports[2], "x", "y", "z", 1, false);
  check_import(&p.m->imports[3], "", "y", "y", 1, false);
  check_import(&p.m->imports[4], "pkg.mod", "thing", "thing", 2, false);
  check_import(&p.m->imports[5], "a", "*", "*", 0, false);
  check_import(&p.m->imports[6], "os", NULL, "os", 0, false);
  check_import(&p.m->imports[7], "sys", NULL, "system", 0, false);
  check_import(&p.m->imports[8], "json", NULL, "json", 0, true);
  check_import(&p.m->imports[9], "h", "k", "k", 1, true);
  check_span(&p, p.m->imports[2].span, "from .x import y as z");
  assert_false(p.m->imports_pytest);
  assert_null(p.m->mark_alias);
  done(&p);
}

static void test_pytest_import_facts(void **state) {
  Parsed p = parse("import pytest\nfrom pytest import mark as m\n");
  assert_true(p.m->imports_pytest);
  assert_string_equal(p.m->mark_alias, "m");
  done(&p);

  p = parse("import pytest as pt\nfrom pytest import mark\n");
  assert_false(p.m->imports_pytest); /* `pytest` itself is not bound */
  assert_string_equal(p.m->mark_alias, "mark");
  done(&p);

  p = parse("def f():\n    import pytest\n    from pytest import mark\n");
  assert_false(p.m->imports_pytest);
  assert_null(p.m->mark_alias);
  done(&p);
}

/* ---- resolution -------------------------------------------------------- */

static void test_resolution(void **state) {
  Parsed p = parse("import multiprocessing as mp\n"
                   "import pkg.sub\n"
                   "from concurrent.futures import ProcessPoolExecutor as PPE\n"
                   "from .util import make_pool\n"
                   "from .. import sibling\n"
                   "def t(self):\n"
                   "    mp.Pool()\n"
                   "    PPE()\n"
                   "    make_pool()\n"
                   "    sibling.go()\n"
                   "    pkg.sub.f()\n"
                   "    helper()\n"
                   "    self.helper()\n"
                   "    undefined.thing()\n");
  assert_string_equal(fcall(&p, "t", "mp.Pool")->resolved, "multiprocessing.Pool");
  assert_string_equal(fcall(&p, "t", "PPE")->resolved,
                      "concurrent.futures.ProcessPoolExecutor");
  assert_string_equal(fcall(&p, "t", "make_pool")->resolved, ".util.make_pool");
  assert_string_equal(fcall(&p, "t", "sibling.go")->resolved, "..sibling.go");
  assert_string_equal(fcall(&p, "t", "pkg.sub.f")->resolved, "pkg.sub.f");
  assert_string_equal(fcall(&p, "t", "helper")->resolved, "helper");
  assert_string_equal(fcall(&p, "t", "self.helper")->resolved, "self.helper");
  assert_string_equal(fcall(&p, "t", "undefined.thing")->resolved, "undefined.thing");
  const FgPyCall *c = fcall(&p, "t", "mp.Pool");
  check_span(&p, c->span, "mp.Pool()");
  check_span(&p, c->callee_span, "mp.Pool");
  done(&p);
}

static void test_function_local_imports(void **state) {
  Parsed p = parse("def a():\n"
                   "    import multiprocessing as mp\n"
                   "    mp.Pool()\n"
                   "def b():\n"
                   "    mp.Pool()\n"
                   "def c():\n"
                   "    from concurrent.futures import ProcessPoolExecutor\n"
                   "    def inner():\n"
                   "        ProcessPoolExecutor()\n");
  assert_string_equal(fcall(&p, "a", "mp.Pool")->resolved, "multiprocessing.Pool");
  assert_int_equal(fcall(&p, "a", "mp.Pool")->pool, FG_POOL_SITE);
  assert_string_equal(fcall(&p, "b", "mp.Pool")->resolved, "mp.Pool");
  assert_int_equal(fcall(&p, "b", "mp.Pool")->pool, FG_POOL_NONE);
  /* an enclosing def's import is visible in the nested def */
  assert_string_equal(fcall(&p, "inner", "ProcessPoolExecutor")->resolved,
                      "concurrent.futures.ProcessPoolExecutor");
  /* and the nested def's calls count for the enclosing def too */
  assert_int_equal(fcall(&p, "c", "ProcessPoolExecutor")->pool, FG_POOL_SITE);
  done(&p);
}

static void test_local_aliases(void **state) {
  Parsed p = parse("import multiprocessing as mp\n"
                   "from concurrent.futures import ProcessPoolExecutor\n"
                   "Exec = ProcessPoolExecutor\n"
                   "def t():\n"
                   "    ctx = mp.get_context('spawn')\n"
                   "    ctx.Pool(2)\n"
                   "    mp.get_context('forkserver').Process(target=f)\n"
                   "    Exec()\n"
                   "def u(mp):\n"
                   "    mp.Pool()\n"
                   "def v():\n"
                   "    thing = make()\n"
                   "    thing.close()\n");
  const FgPyCall *c = fcall(&p, "t", "ctx.Pool");
  /* a literal start method stays in the resolved text, through the alias */
  assert_string_equal(c->resolved, "multiprocessing.get_context(spawn).Pool");
  assert_int_equal(c->pool, FG_POOL_SITE);
  assert_int_equal(c->method, FG_METHOD_SPAWN);
  c = fcall(&p, "t", "mp.get_context().Process");
  assert_string_equal(c->resolved, "multiprocessing.get_context(forkserver).Process");
  /* a Process that is never started starts nothing */
  assert_int_equal(c->pool, FG_POOL_NONE);
  assert_int_equal(c->site, FG_SITE_PROCESS);
  assert_int_equal(c->method, FG_METHOD_FORKSERVER);
  c = fcall(&p, "t", "Exec");
  assert_string_equal(c->resolved, "concurrent.futures.ProcessPoolExecutor");
  assert_int_equal(c->pool, FG_POOL_SITE);
  /* a parameter shadows the module's import */
  assert_string_equal(fcall(&p, "u", "mp.Pool")->resolved, "mp.Pool");
  /* an alias of something not imported stays as written */
  assert_string_equal(fcall(&p, "v", "thing.close")->resolved, "thing.close");
  done(&p);
}

/* ---- classes ----------------------------------------------------------- */

static void test_classes(void **state) {
  Parsed p = parse("import unittest\n"
                   "from unittest import TestCase\n"
                   "import pytest\n"
                   "class TestA:\n"
                   "    def test_x(self):\n"
                   "        pass\n"
                   "class TestB(unittest.TestCase):\n"
                   "    def __init__(self):\n"
                   "        pass\n"
                   "@pytest.mark.slow\n"
                   "class TestC(TestCase, Base):\n"
                   "    class TestInner:\n"
                   "        pass\n"
                   "def f():\n"
                   "    class TestLocal:\n"
                   "        pass\n");
  assert_int_equal(p.m->nclasses, 5);
  const FgPyClass *a = klass(&p, "TestA");
  assert_int_equal(a->nbases, 0);
  assert_false(a->has_init);
  assert_int_equal(a->parent, -1);
  check_span(&p, a->name_span, "TestA");
  const FgPyClass *b = klass(&p, "TestB");
  assert_int_equal(b->nbases, 1);
  assert_string_equal(b->bases[0], "unittest.TestCase");
  assert_true(b->has_init);
  const FgPyClass *c = klass(&p, "TestC");
  assert_int_equal(c->nbases, 2);
  assert_string_equal(c->bases[0], "unittest.TestCase");
  assert_string_equal(c->bases[1], "Base");
  assert_false(c->has_init);
  check_span(&p, c->span,
             "@pytest.mark.slow\nclass TestC(TestCase, Base):\n"
             "    class TestInner:\n        pass");
  const FgPyClass *in = klass(&p, "TestInner");
  assert_int_equal(in->parent, 2);
  assert_false(in->in_function);
  const FgPyClass *loc = klass(&p, "TestLocal");
  assert_true(loc->in_function);
  assert_int_equal(loc->parent, -1);
  /* methods know their class */
  assert_int_equal(func(&p, "test_x")->cls, 0);
  assert_int_equal(func(&p, "__init__")->cls, 1);
  assert_int_equal(func(&p, "f")->cls, -1);
  done(&p);
}

/* ---- functions --------------------------------------------------------- */

static void test_functions(void **state) {
  Parsed p = parse("import pytest\n"
                   "class TestA:\n"
                   "    @pytest.mark.slow\n"
                   "    @other\n"
                   "    async def test_x(self, a, b: int = 1, /, *args, c, d=2, **kw):\n"
                   "        def helper(x):\n"
                   "            pass\n"
                   "\n"
                   "def test_y(cls, e):\n"
                   "\tpass\n");
  const FgPyFunc *x = func(&p, "test_x");
  assert_true(x->is_async);
  assert_false(x->nested);
  assert_int_equal(x->cls, 0);
  assert_string_equal(x->indent, "    ");
  assert_int_equal(x->nparams, 4);
  assert_string_equal(x->params[0], "a");
  assert_string_equal(x->params[1], "b");
  assert_string_equal(x->params[2], "c");
  assert_string_equal(x->params[3], "d");
  check_span(&p, x->name_span, "test_x");
  assert_int_equal(x->span.start, off(&p, "@pytest.mark.slow"));
  assert_int_equal(x->def_span.start, off(&p, "async def"));
  assert_int_equal(x->span.end, off(&p, "\n\ndef test_y"));
  assert_int_equal(x->def_span.end, x->span.end);
  /* the `**` parameter is named apart, not a parameter slot */
  assert_string_equal(x->kwargs, "kw");
  const FgPyFunc *h = func(&p, "helper");
  assert_true(h->nested);
  assert_null(h->kwargs);
  assert_int_equal(h->cls, -1);
  assert_string_equal(h->indent, "        ");
  const FgPyFunc *y = func(&p, "test_y");
  assert_false(y->is_async);
  assert_string_equal(y->indent, "");
  /* self/cls are dropped only as the first parameter of a method */
  assert_int_equal(y->nparams, 2);
  assert_string_equal(y->params[0], "cls");
  assert_int_equal(y->span.start, y->def_span.start);
  check_span(&p, y->def_span, "def test_y(cls, e):\n\tpass");
  done(&p);
}

/* ---- markers ----------------------------------------------------------- */

static void check_marker(const FgPyMarker *mk, size_t n, size_t i, const char *name) {
  assert_true(i < n);
  assert_string_equal(mk[i].name, name);
}

static void test_markers_every_spelling(void **state) {
  Parsed p = parse("import pytest\n"
                   "import pytest as pt\n"
                   "from pytest import mark\n"
                   "from pytest import mark as m\n"
                   "@pytest.mark.a\n"
                   "@pytest.mark.b(reason='x')\n"
                   "@mark.c\n"
                   "@m.d()\n"
                   "@pt.mark.e\n"
                   "@other.mark.f\n"
                   "@pytest.fixture\n"
                   "@decorator\n"
                   "def test_x():\n"
                   "    pass\n");
  const FgPyFunc *f = func(&p, "test_x");
  assert_int_equal(f->nmarkers, 5);
  check_marker(f->markers, f->nmarkers, 0, "a");
  check_marker(f->markers, f->nmarkers, 1, "b");
  check_marker(f->markers, f->nmarkers, 2, "c");
  check_marker(f->markers, f->nmarkers, 3, "d");
  check_marker(f->markers, f->nmarkers, 4, "e");
  check_span(&p, f->markers[1].span, "pytest.mark.b(reason='x')");
  assert_true(fg_pyfile_marker_in(f->markers, f->nmarkers, "e"));
  assert_false(fg_pyfile_marker_in(f->markers, f->nmarkers, "f"));
  done(&p);
}

static void test_class_and_module_markers(void **state) {
  Parsed p =
      parse("import pytest\n"
            "pytestmark = pytest.mark.no_parallel\n"
            "@pytest.mark.usefixtures('db', \"cache\")\n"
            "class TestA:\n"
            "    pytestmark = [pytest.mark.slow, pytest.mark.skipif(x, reason='r')]\n"
            "    def test_x(self):\n"
            "        pytestmark = pytest.mark.ignored\n");
  assert_int_equal(p.m->nmodule_markers, 1);
  assert_string_equal(p.m->module_markers[0].name, "no_parallel");
  check_span(&p, p.m->pytestmark_span, "pytest.mark.no_parallel");
  const FgPyClass *c = klass(&p, "TestA");
  assert_int_equal(c->nmarkers, 3);
  check_marker(c->markers, c->nmarkers, 0, "usefixtures");
  assert_int_equal(c->markers[0].nargs, 2);
  assert_string_equal(c->markers[0].args[0], "db");
  assert_string_equal(c->markers[0].args[1], "cache");
  check_marker(c->markers, c->nmarkers, 1, "slow");
  check_marker(c->markers, c->nmarkers, 2, "skipif");
  assert_int_equal(func(&p, "test_x")->nmarkers, 0);
  done(&p);

  p = parse("from pytest import mark\n"
            "pytestmark = (mark.serial, mark.timeout(5))\n");
  assert_int_equal(p.m->nmodule_markers, 2);
  assert_string_equal(p.m->module_markers[0].name, "serial");
  assert_string_equal(p.m->module_markers[1].name, "timeout");
  check_span(&p, p.m->pytestmark_span, "(mark.serial, mark.timeout(5))");
  done(&p);

  p = parse("x = 1\n");
  assert_int_equal(p.m->nmodule_markers, 0);
  assert_int_equal(p.m->pytestmark_span.start, 0);
  assert_int_equal(p.m->pytestmark_span.end, 0);
  done(&p);
}

static void test_param_markers(void **state) {
  Parsed p =
      parse("import pytest\n"
            "from pytest import param\n"
            "@pytest.mark.parametrize('x', [\n"
            "    pytest.param(1, marks=pytest.mark.np),\n"
            "    param(2, marks=[pytest.mark.slow, pytest.mark.np]),\n"
            "])\n"
            "def test_all(x): pass\n"
            "@pytest.mark.parametrize('x', [pytest.param(1, marks=pytest.mark.np), 2])\n"
            "def test_partial(x): pass\n"
            "@pytest.mark.parametrize('x', [pytest.param(1, marks=pytest.mark.np),\n"
            "                               pytest.param(2, marks=pytest.mark.slow)])\n"
            "def test_differ(x): pass\n"
            "@pytest.mark.parametrize(argnames='x', argvalues=(pytest.param(1, "
            "marks=(pytest.mark.np,)),))\n"
            "def test_kw(x): pass\n");
  const FgPyFunc *f = func(&p, "test_all");
  assert_int_equal(f->nmarkers, 2);
  check_marker(f->markers, f->nmarkers, 0, "parametrize");
  check_marker(f->markers, f->nmarkers, 1, "param:np");
  assert_int_equal(f->markers[1].span.start, off(&p, "pytest.mark.parametrize"));
  f = func(&p, "test_partial");
  assert_int_equal(f->nmarkers, 1);
  assert_false(fg_pyfile_marker_in(f->markers, f->nmarkers, "param:np"));
  f = func(&p, "test_differ");
  assert_int_equal(f->nmarkers, 1);
  f = func(&p, "test_kw");
  assert_int_equal(f->nmarkers, 2);
  check_marker(f->markers, f->nmarkers, 1, "param:np");
  done(&p);
}

/* ---- fixtures ---------------------------------------------------------- */

static void test_fixtures(void **state) {
  Parsed p = parse("import pytest\n"
                   "from pytest import fixture\n"
                   "@pytest.fixture\n"
                   "def plain(): return 1\n"
                   "@pytest.fixture(scope='session', autouse=True)\n"
                   "def auto():\n"
                   "    yield 1\n"
                   "@fixture(name=\"renamed\")\n"
                   "def _impl(request):\n"
                   "    request.getfixturevalue('other')\n"
                   "    request.getfixturevalue(dynamic)\n"
                   "@other.fixture\n"
                   "def notfix(): pass\n"
                   "def test_x(plain, auto):\n"
                   "    def gen():\n"
                   "        yield 1\n");
  const FgPyFunc *f = func(&p, "plain");
  assert_true(f->is_fixture);
  assert_string_equal(f->fixture_name, "plain");
  assert_false(f->autouse);
  assert_false(f->has_yield);
  f = func(&p, "auto");
  assert_true(f->is_fixture);
  assert_true(f->autouse);
  assert_true(f->has_yield);
  f = func(&p, "_impl");
  assert_true(f->is_fixture);
  assert_string_equal(f->fixture_name, "renamed");
  assert_int_equal(f->ngetfixturevalue, 1);
  assert_string_equal(f->getfixturevalue[0], "other");
  f = func(&p, "notfix");
  assert_false(f->is_fixture);
  assert_null(f->fixture_name);
  f = func(&p, "test_x");
  assert_false(f->is_fixture);
  assert_false(f->has_yield); /* the yield belongs to the nested def */
  assert_true(func(&p, "gen")->has_yield);
  done(&p);
}

/* ---- pool classification ----------------------------------------------- */

static FgPoolKind pool_of(const Parsed *p, const char *callee) {
  return fcall(p, "t", callee)->pool;
}

static void test_pool_sites(void **state) {
  Parsed p =
      parse("import multiprocessing\n"
            "import multiprocessing.pool\n"
            "import concurrent.futures\n"
            "import joblib, loky\n"
            "from multiprocessing import Process, Manager\n"
            "from concurrent.futures.process import ProcessPoolExecutor as P2\n"
            "from multiprocessing.context import SpawnProcess\n"
            "def t(loop):\n"
            "    multiprocessing.Pool(2)\n"
            "    multiprocessing.pool.Pool(2)\n"
            "    concurrent.futures.ProcessPoolExecutor()\n"
            "    Process(target=f)\n"
            "    Manager()\n"
            "    P2()\n"
            "    SpawnProcess()\n"
            "    joblib.Parallel(n_jobs=2)\n"
            "    loky.get_reusable_executor()\n"
            "    loky.ProcessPoolExecutor()\n"
            "    loop.run_in_executor(concurrent.futures.ProcessPoolExecutor(1), f)\n");
  assert_int_equal(pool_of(&p, "multiprocessing.Pool"), FG_POOL_SITE);
  assert_int_equal(pool_of(&p, "multiprocessing.pool.Pool"), FG_POOL_SITE);
  assert_int_equal(pool_of(&p, "concurrent.futures.ProcessPoolExecutor"), FG_POOL_SITE);
  /* built, never started: nothing starts */
  assert_int_equal(pool_of(&p, "Process"), FG_POOL_NONE);
  assert_int_equal(fcall(&p, "t", "Process")->site, FG_SITE_PROCESS);
  assert_int_equal(pool_of(&p, "Manager"), FG_POOL_SITE);
  assert_int_equal(pool_of(&p, "P2"), FG_POOL_SITE);
  assert_int_equal(pool_of(&p, "SpawnProcess"), FG_POOL_NONE);
  assert_int_equal(pool_of(&p, "joblib.Parallel"), FG_POOL_SITE);
  assert_int_equal(pool_of(&p, "loky.get_reusable_executor"), FG_POOL_SITE);
  assert_int_equal(pool_of(&p, "loky.ProcessPoolExecutor"), FG_POOL_SITE);
  assert_int_equal(pool_of(&p, "loop.run_in_executor"), FG_POOL_NONE);
  /* the executor inside run_in_executor(...) is its own site */
  const FgPyFunc *f = func(&p, "t");
  size_t sites = 0;
  for (size_t i = 0; i < f->ncalls; i++)
    sites += f->calls[i].pool == FG_POOL_SITE;
  assert_int_equal(sites, 9);
  done(&p);
}

static void test_pool_negatives(void **state) {
  Parsed p = parse("\"\"\"Uses ProcessPoolExecutor.\"\"\"\n"
                   "import joblib\n"
                   "import multiprocessing.dummy\n"
                   "from multiprocessing.pool import ThreadPool\n"
                   "from concurrent.futures import ThreadPoolExecutor\n"
                   "class Pool:\n"
                   "    pass\n"
                   "def Process(): pass\n"
                   "def t():\n"
                   "    # ProcessPoolExecutor() in a comment\n"
                   "    s = \"ProcessPoolExecutor()\"\n"
                   "    Pool()\n"
                   "    Process()\n"
                   "    ThreadPool(4)\n"
                   "    ThreadPoolExecutor()\n"
                   "    multiprocessing.dummy.Pool()\n"
                   "    joblib.Parallel(n_jobs=2, prefer=\"threads\")\n"
                   "    joblib.Parallel(backend='threading')\n"
                   "    ProcessPoolExecutor()\n"
                   "    MyProcessPoolExecutor()\n");
  const FgPyFunc *f = func(&p, "t");
  assert_int_equal(f->ncalls, 9);
  for (size_t i = 0; i < f->ncalls; i++)
    assert_int_equal(f->calls[i].pool, FG_POOL_NONE);
  /* not imported: stays as written */
  assert_string_equal(fcall(&p, "t", "ProcessPoolExecutor")->resolved,
                      "ProcessPoolExecutor");
  assert_string_equal(fcall(&p, "t", "Pool")->resolved, "Pool");
  done(&p);
}

static void test_extra_pool_constructors(void **state) {
  const char *extra[] = {"mylib.workers.start"};
  FgPyOptions opts = {extra, 1};
  const char *code = "from mylib import workers\n"
                     "def t():\n"
                     "    workers.start()\n"
                     "    workers.start_later()\n";
  Parsed p = parse_opts(code, strlen(code), &opts);
  assert_int_equal(pool_of(&p, "workers.start"), FG_POOL_SITE);
  assert_int_equal(pool_of(&p, "workers.start_later"), FG_POOL_NONE);
  done(&p);
  p = parse(code);
  assert_int_equal(pool_of(&p, "workers.start"), FG_POOL_NONE);
  done(&p);
}

static void test_start_methods(void **state) {
  Parsed p = parse("import multiprocessing as mp\n"
                   "import os\n"
                   "from os import fork\n"
                   "def t():\n"
                   "    mp.get_context(\"fork\")\n"
                   "    mp.set_start_method('fork', force=True)\n"
                   "    os.fork()\n"
                   "    fork()\n"
                   "def u():\n"
                   "    mp.set_start_method(method=\"fork\")\n"
                   "    mp.get_context('spawn')\n"
                   "def v():\n"
                   "    mp.set_start_method(\"spawn\", force=True)\n"
                   "    mp.set_start_method('forkserver')\n"
                   "    mp.set_start_method(m)\n");
  const FgPyCall *c = fcall(&p, "t", "mp.get_context");
  assert_int_equal(c->pool, FG_POOL_FORK_METHOD);
  check_span(&p, c->method_arg, "\"fork\"");
  c = fcall(&p, "t", "mp.set_start_method");
  assert_int_equal(c->pool, FG_POOL_FORK_METHOD);
  check_span(&p, c->method_arg, "'fork'");
  assert_int_equal(fcall(&p, "t", "os.fork")->pool, FG_POOL_OS_FORK);
  assert_int_equal(fcall(&p, "t", "fork")->pool, FG_POOL_OS_FORK);
  assert_int_equal(fcall(&p, "t", "os.fork")->method_arg.end, 0);
  c = fcall(&p, "u", "mp.set_start_method");
  assert_int_equal(c->pool, FG_POOL_FORK_METHOD);
  assert_int_equal(c->method_arg.start, off(&p, "method=\"fork\"") + 7);
  assert_int_equal(c->method_arg.end, c->method_arg.start + 6);
  c = fcall(&p, "u", "mp.get_context");
  assert_int_equal(c->pool, FG_POOL_NONE);
  assert_int_equal(c->method_arg.end, 0);
  const FgPyFunc *v = func(&p, "v");
  assert_int_equal(v->ncalls, 3);
  assert_int_equal(v->calls[0].pool, FG_POOL_SAFE_METHOD);
  check_span(&p, v->calls[0].method_arg, "\"spawn\"");
  assert_int_equal(v->calls[1].pool, FG_POOL_SAFE_METHOD);
  check_span(&p, v->calls[1].method_arg, "'forkserver'");
  assert_int_equal(v->calls[2].pool, FG_POOL_NONE);
  done(&p);
}

/* ---- lifetimes: with, assignment, escape -------------------------------- */

static void test_with_assign_escape(void **state) {
  Parsed p = parse("import contextlib\n"
                   "from concurrent.futures import ProcessPoolExecutor as PPE\n"
                   "def w():\n"
                   "    with PPE() as ex:\n"
                   "        pass\n"
                   "    with PPE(), open(f) as g:\n"
                   "        pass\n"
                   "def a(self):\n"
                   "    x = PPE()\n"
                   "    self.y = PPE(1)\n"
                   "    z = PPE(2)\n"
                   "    return z\n"
                   "def g():\n"
                   "    p = PPE()\n"
                   "    yield p\n"
                   "def r():\n"
                   "    return PPE()\n"
                   "def s(stack):\n"
                   "    q = PPE()\n"
                   "    stack.enter_context(q)\n"
                   "    stack.enter_context(PPE(3))\n"
                   "def c():\n"
                   "    k = PPE()\n"
                   "    with contextlib.closing(k):\n"
                   "        pass\n"
                   "def f(request):\n"
                   "    v = PPE()\n"
                   "    request.addfinalizer(lambda: v.shutdown())\n");
  const FgPyFunc *w = func(&p, "w");
  assert_int_equal(w->ncalls, 3);
  assert_true(w->calls[0].in_with);
  assert_true(w->calls[1].in_with);
  assert_string_equal(w->calls[2].callee, "open");
  assert_true(w->calls[2].in_with);
  /* `with X() as name` binds the name to the value */
  assert_non_null(w->calls[0].assigned_to);
  assert_false(w->calls[0].escapes);

  const FgPyFunc *a = func(&p, "a");
  assert_int_equal(a->ncalls, 3);
  assert_string_equal(a->calls[0].assigned_to, "x");
  assert_false(a->calls[0].escapes);
  assert_false(a->calls[0].in_with);
  assert_string_equal(a->calls[1].assigned_to, "self.y");
  assert_false(a->calls[1].escapes);
  assert_string_equal(a->calls[2].assigned_to, "z");
  assert_true(a->calls[2].escapes);

  assert_true(fcall(&p, "g", "PPE")->escapes);
  assert_true(fcall(&p, "r", "PPE")->escapes);
  assert_null(fcall(&p, "r", "PPE")->assigned_to);
  const FgPyFunc *s = func(&p, "s");
  assert_string_equal(s->calls[0].assigned_to, "q");
  assert_true(s->calls[0].escapes);
  assert_string_equal(s->calls[2].callee, "stack.enter_context");
  assert_string_equal(s->calls[3].callee, "PPE");
  assert_true(s->calls[3].escapes);
  assert_true(fcall(&p, "c", "PPE")->escapes);
  assert_true(fcall(&p, "c", "contextlib.closing")->in_with);
  assert_true(fcall(&p, "f", "PPE")->escapes);
  /* the lambda's call is in the def's calls */
  assert_string_equal(fcall(&p, "f", "v.shutdown")->callee, "v.shutdown");
  done(&p);
}

/* ---- module level ------------------------------------------------------ */

static void test_module_calls(void **state) {
  Parsed p = parse("import multiprocessing as mp\n"
                   "POOL = mp.Pool(2)\n"
                   "setup()\n"
                   "class A:\n"
                   "    m = mp.Manager()\n"
                   "    def f(self):\n"
                   "        inside()\n"
                   "if cond():\n"
                   "    mp.set_start_method('spawn')\n");
  assert_int_equal(p.m->nmodule_calls, 5);
  const FgPyCall *c = mcall(&p, "mp.Pool");
  assert_int_equal(c->pool, FG_POOL_SITE);
  assert_string_equal(c->assigned_to, "POOL");
  assert_int_equal(mcall(&p, "mp.Manager")->pool, FG_POOL_SITE);
  assert_int_equal(mcall(&p, "mp.set_start_method")->pool, FG_POOL_SAFE_METHOD);
  mcall(&p, "setup");
  mcall(&p, "cond");
  assert_int_equal(func(&p, "f")->ncalls, 1);
  done(&p);
}

static void test_registered_markers(void **state) {
  Parsed p = parse(
      "def pytest_configure(config):\n"
      "    config.addinivalue_line(\"markers\", \"no_parallel: starts processes\")\n"
      "    config.addinivalue_line('markers', '  serial (x): y')\n"
      "    config.addinivalue_line('filterwarnings', 'error')\n"
      "    config.addinivalue_line('markers', name)\n"
      "cfg.addinivalue_line('markers', 'isolated')\n");
  assert_int_equal(p.m->nregistered_markers, 3);
  assert_string_equal(p.m->registered_markers[0], "no_parallel");
  assert_string_equal(p.m->registered_markers[1], "serial");
  assert_string_equal(p.m->registered_markers[2], "isolated");
  done(&p);
}

static void test_import_insert_offset(void **state) {
  Parsed p = parse("\"\"\"Module doc.\n\nMore.\"\"\"\n"
                   "from __future__ import annotations\n"
                   "from __future__ import division  # why\n"
                   "import os\n");
  assert_int_equal(p.m->import_insert_offset, off(&p, "import os"));
  done(&p);

  p = parse("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport os\n");
  assert_int_equal(p.m->import_insert_offset, off(&p, "import os"));
  done(&p);

  p = parse("# a comment\n'''doc'''\nx = 1\n");
  assert_int_equal(p.m->import_insert_offset, off(&p, "x = 1"));
  done(&p);

  p = parse("# just a comment\nimport os\n");
  assert_int_equal(p.m->import_insert_offset, 0);
  done(&p);

  p = parse("import os\n\"\"\"not a docstring\"\"\"\n");
  assert_int_equal(p.m->import_insert_offset, 0);
  done(&p);

  p = parse("\"\"\"doc\"\"\"");
  assert_int_equal(p.m->import_insert_offset, 9);
  done(&p);

  p = parse("\"\"\"doc\"\"\"\r\nimport os\r\n");
  assert_int_equal(p.m->import_insert_offset, 11);
  done(&p);
}

/* ---- robustness -------------------------------------------------------- */

static void test_syntax_errors(void **state) {
  Parsed p = parse("import os\n\ndef f(:\n    pass\n");
  assert_true(p.m->has_error);
  assert_int_equal(p.m->error_offset, off(&p, ":\n    pass"));
  assert_string_equal(p.m->error_message, "missing ')'");
  /* what could be read is still there */
  assert_int_equal(p.m->nimports, 1);
  assert_string_equal(func(&p, "f")->name, "f");
  done(&p);

  p = parse("x = 1\nprint(1 2)\nimport multiprocessing as mp\nmp.Pool()\n");
  assert_true(p.m->has_error);
  assert_string_equal(p.m->error_message, "invalid syntax");
  assert_int_equal(p.m->error_offset, off(&p, "2)"));
  assert_int_equal(mcall(&p, "mp.Pool")->pool, FG_POOL_SITE);
  done(&p);

  p = parse("x = 1\n");
  assert_false(p.m->has_error);
  assert_null(p.m->error_message);
  done(&p);
}

static void test_non_utf8_and_bom(void **state) {
  const char bytes[] = "x = '\xff\xfe\x80'\n\xc3\x28 = 1\nimport os\nos.fork()\n";
  Parsed p = parse_opts(bytes, sizeof bytes - 1, NULL);
  assert_int_equal(mcall(&p, "os.fork")->pool, FG_POOL_OS_FORK);
  done(&p);

  const char nul[] = "import os\0\nos.fork()\n";
  p = parse_opts(nul, sizeof nul - 1, NULL);
  assert_int_equal(p.m->nimports, 1);
  done(&p);

  p = parse("\xEF\xBB\xBF\"\"\"doc\"\"\"\nimport os\nos.fork()\n");
  assert_false(p.m->has_error);
  assert_int_equal(p.m->import_insert_offset, 13);
  check_span(&p, mcall(&p, "os.fork")->span, "os.fork()");
  done(&p);

  p = parse("");
  assert_false(p.m->has_error);
  assert_int_equal(p.m->nfuncs, 0);
  assert_int_equal(p.m->import_insert_offset, 0);
  done(&p);
}

static void test_deep_nesting(void **state) {
  FgBuf b = {0};
  fg_buf_puts(&b, "import multiprocessing as mp\nx = ");
  for (int i = 0; i < 5000; i++)
    fg_buf_putc(&b, '(');
  fg_buf_puts(&b, "mp.Pool()");
  for (int i = 0; i < 5000; i++)
    fg_buf_putc(&b, ')');
  fg_buf_puts(&b, "\n");
  Parsed p = parse_opts(b.data, b.len, NULL);
  assert_false(p.m->has_error);
  assert_int_equal(p.m->nmodule_calls, 1);
  assert_int_equal(p.m->module_calls[0].pool, FG_POOL_SITE);
  done(&p);
  fg_buf_free(&b);

  /* 200 nested defs parse cleanly; the innermost call counts for the
   * 32 innermost enclosing defs */
  for (int i = 0; i < 200; i++) {
    for (int j = 0; j < i; j++)
      fg_buf_putc(&b, ' ');
    fg_buf_printf(&b, "def f%d():\n", i);
  }
  for (int j = 0; j < 200; j++)
    fg_buf_putc(&b, ' ');
  fg_buf_puts(&b, "go()\n");
  p = parse_opts(b.data, b.len, NULL);
  assert_false(p.m->has_error);
  assert_int_equal(p.m->nfuncs, 200);
  assert_int_equal(func(&p, "f199")->ncalls, 1);
  assert_int_equal(func(&p, "f168")->ncalls, 1);
  assert_int_equal(func(&p, "f167")->ncalls, 0);
  assert_true(func(&p, "f199")->nested);
  assert_false(func(&p, "f0")->nested);
  done(&p);
  fg_buf_free(&b);

  /* 1000 nested defs (beyond what the grammar's indent scanner keeps) and
   * long call / attribute chains: no crash, bounded work */
  for (int i = 0; i < 1000; i++) {
    for (int j = 0; j < i; j++)
      fg_buf_putc(&b, ' ');
    fg_buf_printf(&b, "def f%d():\n", i);
  }
  fg_buf_puts(&b, "x = f");
  for (int i = 0; i < 20000; i++)
    fg_buf_puts(&b, "()");
  fg_buf_puts(&b, "\ny = a");
  for (int i = 0; i < 20000; i++)
    fg_buf_puts(&b, ".b");
  fg_buf_puts(&b, "()\nz = ");
  for (int i = 0; i < 3000; i++)
    fg_buf_putc(&b, '[');
  for (int i = 0; i < 3000; i++)
    fg_buf_putc(&b, ']');
  fg_buf_puts(&b, "\n");
  p = parse_opts(b.data, b.len, NULL);
  assert_true(p.m->nfuncs > 0);
  done(&p);
  fg_buf_free(&b);
}

/* `f(a, **m)`: the mapping is a KW argument named "**" (positions stay
 * known); `*args` makes them unknown; `d["k"] = v` is a local `d[k]`. */
static void test_keyword_forwarding(void **state) {
  Parsed p = parse("def make(jobs, **options):\n"
                   "    options[\"trace\"] = True\n"
                   "    options[jobs] = 1\n"
                   "    run(jobs, **options)\n"
                   "    run(*extra)\n"
                   "    return Box(size=2, **options)\n");
  const FgPyFunc *f = func(&p, "make");
  assert_string_equal(f->kwargs, "options");
  assert_int_equal(f->nparams, 1);
  const FgPyCall *c = &f->calls[0];
  assert_string_equal(c->callee, "run");
  assert_false(c->star_args);
  const FgPyExpr *ex = p.m->exprs;
  int a = c->args;
  assert_int_equal(ex[a].kind, FG_EXPR_NAME);
  a = ex[a].next;
  assert_int_equal(ex[a].kind, FG_EXPR_KW);
  assert_string_equal(ex[a].text, "**");
  assert_int_equal(ex[ex[a].a].kind, FG_EXPR_NAME);
  assert_string_equal(ex[ex[a].a].text, "options");
  assert_int_equal(ex[ex[a].a].how, FG_NAME_PARAM);
  assert_true(f->calls[1].star_args);
  /* a call value keeps its `**` argument */
  assert_int_equal(f->nreturns, 1);
  const FgPyExpr *r = &ex[f->returns[0]];
  assert_int_equal(r->kind, FG_EXPR_CALL);
  assert_string_equal(ex[ex[r->a].next].text, "**");
  assert_int_equal(f->nlocals, 2);
  assert_string_equal(f->locals[0].name, "options[trace]");
  assert_int_equal(ex[f->locals[0].expr].kind, FG_EXPR_BOOL);
  assert_string_equal(f->locals[1].name, "options[]");
  done(&p);
}

/* `a, b = f()` in a def: each target a local holding f()[index]; nested
 * targets keep their place, targets after a `*rest` are not kept. */
static void test_unpacking_locals(void **state) {
  Parsed p = parse("def run(n):\n"
                   "    runner, (x, y), count = pick(n)\n"
                   "    head, *rest, tail = items\n"
                   "    return runner\n"
                   "a, b = pick(1)\n");
  const FgPyFunc *f = func(&p, "run");
  const FgPyExpr *ex = p.m->exprs;
  assert_int_equal(f->nlocals, 3);
  assert_string_equal(f->locals[0].name, "runner");
  const FgPyExpr *r = &ex[f->locals[0].expr];
  assert_int_equal(r->kind, FG_EXPR_SUB);
  assert_int_equal(r->ival, 0);
  assert_int_equal(ex[r->a].kind, FG_EXPR_CALL);
  assert_string_equal(ex[r->a].text, "pick");
  assert_string_equal(f->locals[1].name, "count");
  const FgPyExpr *c = &ex[f->locals[1].expr];
  assert_int_equal(c->kind, FG_EXPR_SUB);
  assert_int_equal(c->ival, 2);
  assert_int_equal(c->a, r->a); /* one value, indexed twice */
  assert_string_equal(f->locals[2].name, "head");
  assert_int_equal(ex[f->locals[2].expr].ival, 0);
  /* module level: not a def's local */
  assert_int_equal(p.m->nglobals, 0);
  done(&p);
}

/* A def's decorators, outermost first: click's calls in full, a name as a
 * NAME, any other call OPAQUE (a parametrize list is not copied again). */
static void test_decorators(void **state) {
  Parsed p = parse("import click\n"
                   "import pytest\n"
                   "@click.command()\n"
                   "@click.option('-w', '--workers', type=int, default=1)\n"
                   "@click.argument('paths', nargs=-1)\n"
                   "@click.pass_context\n"
                   "@pytest.mark.parametrize('n', [1, 2])\n"
                   "def cli(ctx, paths, workers, n):\n"
                   "    pass\n"
                   "def plain():\n"
                   "    pass\n");
  const FgPyFunc *f = func(&p, "cli");
  const FgPyExpr *ex = p.m->exprs;
  assert_int_equal(f->ndecorators, 5);
  const FgPyExpr *cmd = &ex[f->decorators[0]];
  assert_int_equal(cmd->kind, FG_EXPR_CALL);
  assert_string_equal(cmd->text, "click.command");
  assert_int_equal(cmd->how, FG_NAME_IMPORT);
  const FgPyExpr *opt = &ex[f->decorators[1]];
  assert_int_equal(opt->kind, FG_EXPR_CALL);
  assert_string_equal(opt->text, "click.option");
  assert_string_equal(ex[opt->a].text, "-w");
  int kw = ex[ex[opt->a].next].next;
  assert_int_equal(ex[kw].kind, FG_EXPR_KW);
  assert_string_equal(ex[kw].text, "type");
  assert_string_equal(ex[ex[kw].a].text, "int");
  const FgPyExpr *arg = &ex[f->decorators[2]];
  int nargs = ex[arg->a].next;
  assert_string_equal(ex[nargs].text, "nargs");
  assert_int_equal(ex[ex[nargs].a].kind, FG_EXPR_INT);
  assert_int_equal(ex[ex[nargs].a].ival, -1);
  assert_int_equal(ex[f->decorators[3]].kind, FG_EXPR_NAME);
  assert_string_equal(ex[f->decorators[3]].text, "click.pass_context");
  assert_int_equal(ex[f->decorators[4]].kind, FG_EXPR_OPAQUE);
  assert_int_equal(func(&p, "plain")->ndecorators, 0);
  done(&p);
}

static void test_delete_null(void **state) {
  fg_pyfile_delete(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_imports),
      cmocka_unit_test(test_pytest_import_facts),
      cmocka_unit_test(test_resolution),
      cmocka_unit_test(test_function_local_imports),
      cmocka_unit_test(test_local_aliases),
      cmocka_unit_test(test_classes),
      cmocka_unit_test(test_functions),
      cmocka_unit_test(test_markers_every_spelling),
      cmocka_unit_test(test_class_and_module_markers),
      cmocka_unit_test(test_param_markers),
      cmocka_unit_test(test_fixtures),
      cmocka_unit_test(test_pool_sites),
      cmocka_unit_test(test_pool_negatives),
      cmocka_unit_test(test_extra_pool_constructors),
      cmocka_unit_test(test_start_methods),
      cmocka_unit_test(test_with_assign_escape),
      cmocka_unit_test(test_module_calls),
      cmocka_unit_test(test_registered_markers),
      cmocka_unit_test(test_import_insert_offset),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_non_utf8_and_bom),
      cmocka_unit_test(test_deep_nesting),
      cmocka_unit_test(test_keyword_forwarding),
      cmocka_unit_test(test_unpacking_locals),
      cmocka_unit_test(test_decorators),
      cmocka_unit_test(test_delete_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
