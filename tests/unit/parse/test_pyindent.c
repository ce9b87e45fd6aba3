/* lint/parse/pyindent: the indentation CPython rejects and tree-sitter
 * accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "parse/pyindent.h"

static const char *check(const char *text, size_t *at) {
  const char *msg = NULL;
  size_t off = 0;
  if (fg_pyindent_check(text, strlen(text), &off, &msg))
    return NULL;
  if (at)
    *at = off;
  return msg;
}

static void test_accepts_what_cpython_accepts(void **state) {
  (void)state;
  assert_null(check("", NULL));
  assert_null(check("def f(config): pass\nx = 1\n", NULL));
  assert_null(check("def f():\n    x = (1,\n  2)\n    return '''\n  x\n'''\n", NULL));
  assert_null(check("if x:\n    a = [\n1]\n    # c\n  # odd comment\n    b\n", NULL));
  assert_null(check("if x:\n\ta\n\tif y:\n\t\tb\nc\n", NULL));
  assert_null(check("s = 'a:'\nt = f\"{d['k']}:\"\n", NULL));
  assert_null(check("x = 1 \\\n    + 2\n", NULL));
  assert_null(check("\xEF\xBB\xBFif x:\r\n    y\r\n", NULL));
}

static void test_rejects_what_cpython_rejects(void **state) {
  (void)state;
  size_t at = 0;
  const char *m = check("def pytest_configure(config): pass\n    config.x()\n", &at);
  assert_non_null(m);
  assert_non_null(strstr(m, "unexpected indent"));
  assert_int_equal(at, 39);
  m = check("class A:\n\n# c\nx = 1\n", NULL);
  assert_non_null(strstr(m, "expected an indented block"));
  m = check("if x:\n    a\n  b\n", NULL);
  assert_non_null(strstr(m, "unindent does not match"));
  m = check("if x:\n\tif y:\n        pass\n", NULL);
  assert_non_null(strstr(m, "TabError"));
  m = check("if x:\n        a = 1\n\tb = 2\n", NULL);
  assert_non_null(strstr(m, "TabError"));
  m = check("  x = 1\n", NULL);
  assert_non_null(strstr(m, "unexpected indent"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accepts_what_cpython_accepts),
      cmocka_unit_test(test_rejects_what_cpython_rejects),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
