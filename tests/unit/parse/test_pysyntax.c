/* Unit tests for lint/parse/pysyntax.c: the verdict and message are those
 * of fg_pyfile_parse, on valid and broken modules and on every prefix of
 * them (most prefixes do not parse, in many different ways). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/pyfile.h"
#include "parse/pysyntax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kModules[] = {
    "import os\n\ndef f(x):\n    return (x +\n            1)\n",
    "from concurrent.futures import ProcessPoolExecutor\n\n"
    "class T:\n    @pytest.mark.parametrize('a', [1, 2])\n"
    "    def test_a(self, a):\n        with ProcessPoolExecutor(2) as ex:\n"
    "            assert ex.submit(pow, a, 2).result() == a * a\n",
    "def f(:\n    pass\n",
    "x = [1, 2\ny = 3\n",
    "if True:\n\tx = 1\n        y = 2\n",
    "\xef\xbb\xbfimport sys\nprint(sys.argv)\n",
    "def g():\n    yield from (i for i in range(3) if i)\n    lambda: (yield)\n",
    "try:\n    pass\nexcept (A, B) as e:\n    raise\nfinally:\n    del e\n",
    "match x:\n    case [1, *rest]:\n        pass\n    case {'k': v}:\n        pass\n",
    "class C(Base, metaclass=M):\n    x: int = 3\n    def __init__(self):\n"
    "        super().__init__()\n        self.y = f'{self.x!r:>10}'\n",
    ")))\n",
    "def f():\nreturn 1\n",
};

/* Both verdicts on data; fails when they differ. */
static void check_same(const char *data, size_t len) {
  FgSource *src = fg_source_new("t.py", data, len);
  FgPyModule *py = fg_pyfile_parse(src, NULL);
  char *why = fg_pysyntax_problem(src);
  if (py->has_error != (why != NULL) ||
      (why && strcmp(why, py->error_message ? py->error_message : "") != 0))
    fail_msg("%.*s: pyfile says %s, pysyntax says %s", (int)len, data,
             py->has_error ? py->error_message : "(parses)", why ? why : "(parses)");
  free(why);
  fg_pyfile_delete(py);
  fg_source_delete(src);
}

static void test_whole_modules(void **state) {
  (void)state;
  size_t broken = 0;
  for (size_t i = 0; i < sizeof kModules / sizeof kModules[0]; i++) {
    check_same(kModules[i], strlen(kModules[i]));
    char *why = NULL;
    FgSource *src = fg_source_new("t.py", kModules[i], strlen(kModules[i]));
    why = fg_pysyntax_problem(src);
    broken += why != NULL;
    free(why);
    fg_source_delete(src);
  }
  assert_true(broken >= 4); /* the broken ones are seen as broken */
  assert_true(broken <= 6);
}

static void test_every_prefix(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof kModules / sizeof kModules[0]; i++)
    for (size_t n = 0; n <= strlen(kModules[i]); n++)
      check_same(kModules[i], n);
}

static void test_messages(void **state) {
  (void)state;
  FgSource *src = fg_source_new("t.py", "x = (1,\n", 8);
  char *why = fg_pysyntax_problem(src);
  assert_non_null(why);
  free(why);
  fg_source_delete(src);
  src = fg_source_new("t.py", "x = 1\n", 6);
  assert_null(fg_pysyntax_problem(src));
  fg_source_delete(src);
}

/* A run of statements parses on its own, or not. */
static void test_runs(void **state) {
  (void)state;
  static const char *const good[] = {"", "\n", "x = 1\n", "@d\ndef f():\n    pass\n",
                                     "class A:\n    def m(self):\n        pass\n\n# c\n"};
  static const char *const bad[] = {"@d\n",      "def f(:\n",          "x = = 1\n",
                                    "x = (1,\n", "if x:\n    y = (\n", "\"\"\"\n"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_true(fg_pysyntax_run_parses(good[i], strlen(good[i])));
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (fg_pysyntax_run_parses(bad[i], strlen(bad[i])))
      fail_msg("%s parses", bad[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_whole_modules),
      cmocka_unit_test(test_every_prefix),
      cmocka_unit_test(test_messages),
      cmocka_unit_test(test_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
