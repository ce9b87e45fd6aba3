/* project: resolution and propagation over small projects written to a
 * temporary directory: deep helper chains, diamonds, cycles. */
#include "fg_testdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/util.h"
#include "project.h"
#include "rules.h"

static const char kPyproject[] = "[tool.pytest.ini_options]\n"
                                 "testpaths = [\"tests\"]\n"
                                 "markers = [\"no_parallel: starts processes\"]\n";

static FgProject *load(const char *dir) {
  FgConfigOverrides ov = {0};
  char *err = NULL;
  const char *paths[] = {dir};
  FgProject *p = fg_project_load(paths, 1, &ov, &err);
  if (!p)
    fail_msg("fg_project_load: %s", err ? err : "?");
  return p;
}

static const FgTest *find_test(const FgProject *p, const char *name) {
  for (size_t i = 0; i < p->py.tests.len; i++)
    if (strcmp(p->py.tests.items[i].name, name) == 0)
      return &p->py.tests.items[i];
  fail_msg("no test %s", name);
  return NULL;
}

static size_t count_code(const FgDiagList *l, const char *code) {
  size_t n = 0;
  for (size_t i = 0; i < l->items.len; i++)
    n += strcmp(l->items.items[i]->rule->code, code) == 0;
  return n;
}

/* t -> h1 -> ... -> h12 -> Pool, every helper in its own module: the
 * prefilter must reach each file one round after the last. */
static void test_deep_chain_across_modules(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  char name[64], text[256];
  for (int i = 1; i <= 12; i++) {
    snprintf(name, sizeof name, "tests/h%d.py", i);
    if (i < 12)
      snprintf(text, sizeof text,
               "from h%d import h%d\n\n\ndef h%d():\n    return h%d()\n", i + 1, i + 1, i,
               i + 1);
    else
      snprintf(text, sizeof text,
               "from multiprocessing import Pool\n\n\ndef h12():\n    return "
               "multiprocessing.Pool(2)\n");
    testdir_write(dir, name, text);
  }
  testdir_write(dir, "tests/test_deep.py",
                "from h1 import h1\n\n\ndef test_deep():\n    h1().close()\n");
  FgProject *p = load(dir);
  const FgTest *t = find_test(p, "test_deep");
  assert_true(t->uses_pools);
  assert_false(t->marked);
  assert_int_equal(t->chain.links.len, 13);
  assert_string_equal(t->chain.links.items[0].label, "h1()");
  assert_string_equal(t->chain.links.items[0].src->path, "tests/h1.py");
  assert_string_equal(t->chain.links.items[11].label, "h12()");
  assert_string_equal(t->chain.links.items[12].label, "multiprocessing.Pool");
  assert_string_equal(t->chain.links.items[12].src->path, "tests/h12.py");
  FgDiagList out = {0};
  fg_rules_lint(p, &out);
  assert_int_equal(count_code(&out, "FG101"), 1);
  fg_diag_list_clear(&out);
  fg_project_delete(p);
  testdir_delete(dir);
}

/* The same depth inside one module. */
static void test_deep_chain_in_one_module(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  FgBuf b = {0};
  fg_buf_puts(&b, "from concurrent.futures import ProcessPoolExecutor\n\n");
  fg_buf_puts(&b, "def test_deep():\n    h1()\n\n");
  for (int i = 1; i < 12; i++)
    fg_buf_printf(&b, "def h%d():\n    h%d()\n\n", i, i + 1);
  fg_buf_puts(&b, "def h12():\n    ProcessPoolExecutor().shutdown()\n");
  char *text = fg_buf_take(&b);
  testdir_write(dir, "tests/test_deep.py", text);
  free(text);
  FgProject *p = load(dir);
  const FgTest *t = find_test(p, "test_deep");
  assert_true(t->uses_pools);
  assert_int_equal(t->chain.links.len, 13);
  assert_string_equal(t->chain.links.items[12].label, "ProcessPoolExecutor");
  fg_project_delete(p);
  testdir_delete(dir);
}

/* t calls the long way first (a -> b -> c -> Pool) and the short way second
 * (d -> Pool): the chain is the shortest, not the first in source order. */
static void test_diamond_shortest_chain(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  testdir_write(dir, "tests/test_diamond.py",
                "from multiprocessing import Pool\n\n"
                "def a():\n    b()\n\n"
                "def b():\n    c()\n\n"
                "def c():\n    multiprocessing.Pool(1).close()\n\n"
                "def d():\n    c()\n\n"
                "def x():\n    multiprocessing.Process(target=print).start()\n\n"
                "def y():\n    multiprocessing.Process(target=print).start()\n\n"
                "def test_diamond():\n    a()\n    d()\n\n"
                "def test_tie():\n    y()\n    x()\n");
  FgProject *p = load(dir);
  const FgTest *t = find_test(p, "test_diamond");
  assert_true(t->uses_pools);
  assert_int_equal(t->chain.links.len, 3);
  assert_string_equal(t->chain.links.items[0].label, "d()");
  assert_string_equal(t->chain.links.items[1].label, "c()");
  assert_string_equal(t->chain.links.items[2].label, "multiprocessing.Pool");
  /* equal lengths: the first call in source order wins */
  const FgTest *tie = find_test(p, "test_tie");
  assert_int_equal(tie->chain.links.len, 2);
  assert_string_equal(tie->chain.links.items[0].label, "y()");
  fg_project_delete(p);
  testdir_delete(dir);
}

static const FgModule *find_module(const FgProject *p, const char *path) {
  for (size_t i = 0; i < p->py.modules.len; i++)
    if (strcmp(p->py.modules.items[i]->src->path, path) == 0)
      return p->py.modules.items[i];
  fail_msg("no module %s", path);
  return NULL;
}

/* The later rounds pull a file in when it imports the module of a def that
 * uses pools (or names it as `module.def`), whatever the import's shape,
 * and leave files that only share the def's name alone. */
static void test_reach_through_imports(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  testdir_write(dir, "pkg/__init__.py",
                "from concurrent.futures import ProcessPoolExecutor\n\n\n"
                "def run():\n    ProcessPoolExecutor().shutdown()\n");
  testdir_write(dir, "pkg/helper.py", "from . import run\n\n\ndef go():\n    run()\n");
  testdir_write(dir, "tests/test_rel.py",
                "from pkg.helper import (\n    # the relative way\n    go,\n)\n\n\n"
                "def test_go():\n    go()\n");
  testdir_write(dir, "tests/test_pkg.py",
                "import pkg\n\n\ndef test_attr():\n    pkg.run()\n");
  testdir_write(dir, "tests/test_alias.py",
                "from pkg import helper as h\n\n\ndef test_alias():\n    h . go()\n");
  testdir_write(dir, "tests/test_text.py", "def test_text():\n    pkg.run()\n");
  testdir_write(dir, "tests/test_other.py",
                "from other.pkg import run\nimport pkg_tools\n\n\n"
                "def test_other():\n    run()\n    pkg_tools.run()\n");
  FgProject *p = load(dir);
  assert_true(find_test(p, "test_go")->uses_pools);
  assert_true(find_test(p, "test_attr")->uses_pools);
  assert_true(find_test(p, "test_alias")->uses_pools);
  assert_true(find_test(p, "test_text")->uses_pools);
  /* `run` and a word `pkg`, but no import of pkg: never parsed */
  assert_null(find_module(p, "tests/test_other.py")->py);
  fg_project_delete(p);
  testdir_delete(dir);
}

/* Mutual recursion, self recursion and a cycle through fixtures terminate;
 * a cycle that reaches a pool is found, one that does not is not. */
static void test_cycles_terminate(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  testdir_write(dir, "tests/test_cycles.py",
                "from multiprocessing import Pool\n\n"
                "def ping(n):\n    if n:\n        pong(n - 1)\n    return "
                "multiprocessing.Pool(1)\n\n"
                "def pong(n):\n    return ping(n)\n\n"
                "def even(n):\n    return n == 0 or odd(n - 1)\n\n"
                "def odd(n):\n    return n != 0 and even(n - 1)\n\n"
                "def loop(n):\n    return loop(n - 1) if n else 0\n\n"
                "def test_cycle_with_pool():\n    pong(3).close()\n\n"
                "def test_cycle_without_pool():\n    assert even(4)\n\n"
                "def test_self_recursion():\n    assert loop(2) == 0\n");
  /* a cycle across modules; the imports of Pool only make the
   * prefilter parse all three files */
  testdir_write(dir, "tests/a.py",
                "from multiprocessing import Pool\nfrom b import fb\n\ndef fa():\n    "
                "return fb()\n");
  testdir_write(dir, "tests/b.py",
                "from multiprocessing import Pool\nfrom a import fa\n\ndef fb():\n    "
                "return fa()\n");
  testdir_write(dir, "tests/test_modules.py",
                "from multiprocessing import Pool\nfrom a import fa\n\n"
                "def test_module_cycle():\n    fa()\n");
  FgProject *p = load(dir);
  const FgTest *t = find_test(p, "test_cycle_with_pool");
  assert_true(t->uses_pools);
  assert_int_equal(t->chain.links.len, 3);
  assert_string_equal(t->chain.links.items[0].label, "pong()");
  assert_string_equal(t->chain.links.items[1].label, "ping()");
  assert_false(find_test(p, "test_cycle_without_pool")->uses_pools);
  assert_false(find_test(p, "test_self_recursion")->uses_pools);
  assert_false(find_test(p, "test_module_cycle")->uses_pools);
  FgDiagList out = {0};
  fg_rules_lint(p, &out);
  assert_int_equal(count_code(&out, "FG101"), 1);
  fg_diag_list_clear(&out);
  fg_project_delete(p);
  testdir_delete(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deep_chain_across_modules),
      cmocka_unit_test(test_deep_chain_in_one_module),
      cmocka_unit_test(test_diamond_shortest_chain),
      cmocka_unit_test(test_cycles_terminate),
      cmocka_unit_test(test_reach_through_imports),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
