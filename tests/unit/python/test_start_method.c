/* Unit tests for lint/python/start_method.c: the guards around a start
 * method, evaluated for a Python version on Linux or elsewhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "python/model.h"

static void test_versions(void **state) {
  const char *g = "(sys.version_info >= (3, 14))";
  assert_int_equal(fg_py_guard_holds(g, 12, 1), 0);
  assert_int_equal(fg_py_guard_holds(g, 14, 1), 1);
  assert_int_equal(fg_py_guard_holds(g, -1, 1), -1);
  assert_int_equal(fg_py_guard_holds("sys.version_info[:2] < (3, 12, 0)", 11, 1), 1);
  assert_int_equal(fg_py_guard_holds("not (sys.version_info > (3, 11))", 12, 1), 0);
  assert_int_equal(fg_py_guard_holds(NULL, 12, 1), 1);
  assert_int_equal(fg_py_guard_holds("", 12, 1), 1);
}

static void test_platforms(void **state) {
  assert_int_equal(fg_py_guard_holds("sys.platform == \"linux\"", 12, 1), 1);
  assert_int_equal(fg_py_guard_holds("sys.platform == 'darwin'", 12, 1), 0);
  assert_int_equal(fg_py_guard_holds("sys.platform != 'win32'", 12, 1), 1);
  assert_int_equal(fg_py_guard_holds("sys.platform.startswith('linux')", 12, 1), 1);
  assert_int_equal(fg_py_guard_holds("platform.system() == 'Linux'", 12, 0), 0);
  assert_int_equal(fg_py_guard_holds("os.name == 'nt'", 12, 1), 0);
  assert_int_equal(fg_py_guard_holds("os.name == 'posix'", 12, 1), -1);
  /* elsewhere: not Linux, but which OS is not known */
  assert_int_equal(fg_py_guard_holds("sys.platform == 'darwin'", 12, 0), -1);
}

static void test_combinations(void **state) {
  const char *g = "(sys.version_info >= (3, 13) and sys.platform == \"linux\")";
  assert_int_equal(fg_py_guard_holds(g, 12, 1), 0);
  assert_int_equal(fg_py_guard_holds(g, 13, 1), 1);
  assert_int_equal(fg_py_guard_holds("sys.platform == 'darwin' or True", 12, 1), 1);
  /* what the reader does not know is unknown, whatever surrounds it */
  assert_int_equal(fg_py_guard_holds("os.environ.get('X') and True", 12, 1), -1);
  assert_int_equal(fg_py_guard_holds("? and sys.platform == 'linux'", 12, 1), -1);
  assert_int_equal(fg_py_guard_holds("((((((((((((((((((((((((((((((((((((True", 12, 1),
                   -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_versions),
      cmocka_unit_test(test_platforms),
      cmocka_unit_test(test_combinations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
