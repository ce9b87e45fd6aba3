/* Unit tests for lint/python/names.c's index of a function's local
 * assignments: every answer the same as a scan of the locals gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "parse/pyfile.h"
#include "python/internal.h"

/* The last local named name below before, by a scan. */
static int scan_before(const FgPyFunc *f, const char *name, int before) {
  for (int i = before; i-- > 0;)
    if (strcmp(f->locals[i].name, name) == 0)
      return i;
  return -1;
}

/* Checks every name of every function, and one no function assigns, at
 * every position, against the scan. Returns how many functions had locals. */
static size_t check_module(const char *text) {
  FgSource *src = fg_source_new("t.py", text, strlen(text));
  FgModule m;
  memset(&m, 0, sizeof m);
  m.src = src;
  m.py = fg_pyfile_parse(src, NULL);
  assert_non_null(m.py);
  m.index = fg_py_index_new(m.py);
  size_t with = 0;
  for (size_t fi = 0; fi < m.py->nfuncs; fi++) {
    const FgPyFunc *f = &m.py->funcs[fi];
    with += f->nlocals > 0;
    for (size_t k = 0; k <= f->nlocals; k++) {
      const char *name = k < f->nlocals ? f->locals[k].name : "never_assigned";
      for (int before = 0; before <= (int)f->nlocals; before++)
        assert_int_equal(fg_py_local_before(&m, f, name, before),
                         scan_before(f, name, before));
      /* walking a name back from the end visits each of its assignments */
      int n = 0, want = 0;
      for (int i = fg_py_local_before(&m, f, name, (int)f->nlocals); i >= 0;
           i = fg_py_local_before(&m, f, name, i))
        n++;
      for (size_t i = 0; i < f->nlocals; i++)
        want += strcmp(f->locals[i].name, name) == 0;
      assert_int_equal(n, want);
    }
    /* the first local at or after each assignment's start, where known:
     * those before it start earlier, the rest not; a function with many
     * locals, in source order, always knows */
    for (size_t k = 0; k < f->nlocals; k++) {
      uint32_t at = f->locals[k].span.start;
      int from = fg_py_locals_from(&m, f, at);
      if (f->nlocals >= 8)
        assert_int_equal(from, (int)k);
      if (from == (int)f->nlocals)
        continue;
      for (int i = 0; i < (int)f->nlocals; i++)
        assert_true((i < from) == (f->locals[i].span.start < at));
    }
  }
  fg_py_index_delete(m.index);
  fg_pyfile_delete(m.py);
  fg_source_delete(src);
  return with;
}

static void test_many_locals(void **state) {
  (void)state;
  /* above the index's threshold: names assigned again, in branches and
   * loops, beside a function with few locals (scanned) */
  const char *text = "def big(x):\n"
                     "    a = 1\n"
                     "    b = a + 1\n"
                     "    a = b\n"
                     "    if x:\n"
                     "        c = 3\n"
                     "        a = c\n"
                     "    else:\n"
                     "        c = 4\n"
                     "    for i in range(3):\n"
                     "        d = i\n"
                     "        a = d\n"
                     "    e = a\n"
                     "    f = e\n"
                     "    g = f\n"
                     "    h = g\n"
                     "    a = h\n"
                     "    return a\n"
                     "\n"
                     "def small():\n"
                     "    y = 1\n"
                     "    y = 2\n"
                     "    return y\n"
                     "\n"
                     "class K:\n"
                     "    def m(self):\n"
                     "        p = 1; q = 2; r = 3; s = 4; t = 5; u = 6; v = 7; w = 8\n"
                     "        p = q\n"
                     "        return p\n";
  assert_int_equal(check_module(text), 3);
}

static void test_same_name_in_many_functions(void **state) {
  (void)state;
  /* one name in several indexed functions: each function's own */
  char text[4096] = "";
  for (int fn = 0; fn < 6; fn++) {
    char line[128];
    snprintf(line, sizeof line, "def f%d():\n", fn);
    strcat(text, line);
    for (int k = 0; k < 10; k++) {
      snprintf(line, sizeof line, "    v%d = %d\n    name = v%d\n", k % (fn + 1), k, k);
      strcat(text, line);
    }
  }
  assert_int_equal(check_module(text), 6);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_locals),
      cmocka_unit_test(test_same_name_in_many_functions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
