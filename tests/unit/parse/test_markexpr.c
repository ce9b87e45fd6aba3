/* Unit tests for lint/parse/markexpr.c: pytest's -m / -k expression language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/util.h"
#include "parse/markexpr.h"

#include <stdlib.h>
#include <string.h>

static FgMarkExpr *must_parse(const char *text) {
  char *err = NULL;
  FgMarkExpr *e = fg_markexpr_parse(text, &err);
  if (!e)
    fail_msg("parse of '%s' failed: %s", text, err);
  assert_null(err);
  return e;
}

/* -m on a test carrying `marks` (NULL-terminated) */
static bool m(const char *expr, const char *const *marks) {
  size_t n = 0;
  while (marks[n])
    n++;
  FgMarkExpr *e = must_parse(expr);
  bool r = fg_markexpr_match_marks(e, marks, n);
  fg_markexpr_delete(e);
  return r;
}

static bool k(const char *expr, const char *const *names) {
  size_t n = 0;
  while (names[n])
    n++;
  FgMarkExpr *e = must_parse(expr);
  bool r = fg_markexpr_match_keywords(e, names, n);
  fg_markexpr_delete(e);
  return r;
}

#define MARKS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_MARKS ((const char *const[]){NULL})

static void check_error(const char *expr, const char *expected) {
  char *err = NULL;
  FgMarkExpr *e = fg_markexpr_parse(expr, &err);
  assert_null(e);
  assert_non_null(err);
  assert_string_equal(err, expected);
  free(err);
}

static void check_canonical(const char *expr, const char *expected) {
  FgMarkExpr *e = must_parse(expr);
  char *s = fg_markexpr_to_string(e);
  assert_string_equal(s, expected);
  /* the canonical form reads back as itself */
  FgMarkExpr *again = must_parse(s);
  char *s2 = fg_markexpr_to_string(again);
  assert_string_equal(s2, s);
  free(s);
  free(s2);
  fg_markexpr_delete(e);
  fg_markexpr_delete(again);
}

static void test_documented_marks(void **state) {
  assert_false(m("not slow", MARKS("slow")));
  assert_true(m("not slow", NO_MARKS));
  assert_true(m("not slow", MARKS("network")));
  assert_true(m("slow and not network", MARKS("slow")));
  assert_false(m("slow and not network", MARKS("slow", "network")));
  assert_false(m("slow and not network", MARKS("network")));
  assert_true(m("(a or b) and not c", MARKS("b")));
  assert_false(m("(a or b) and not c", MARKS("a", "c")));
  assert_false(m("(a or b) and not c", NO_MARKS));
  /* -m is exact: no substring matching */
  assert_false(m("slow", MARKS("slowest")));
  assert_false(m("slow", MARKS("SLOW")));
}

static void test_documented_keywords(void **state) {
  const char *const in_method[] = {"test_method_simple", "MyClass", "test_x.py", "tests",
                                   NULL};
  const char *const in_class[] = {"test_other", "MyClass", "test_x.py", NULL};
  assert_false(k("MyClass and not method", in_method));
  assert_true(k("MyClass and not method", in_class));
  const char *const http[] = {"test_http_get", "test_x.py", NULL};
  const char *const quick[] = {"test_quick", "test_x.py", NULL};
  const char *const other[] = {"test_slow_io", "test_x.py", NULL};
  assert_true(k("http or quick", http));
  assert_true(k("http or quick", quick));
  assert_false(k("http or quick", other));
  /* case-insensitive substring */
  assert_true(k("HTTP", http));
  assert_true(k("myclass", in_class));
  assert_true(k("x.py", http));
  assert_true(k("test_x.py::a or Get", http));
}

static void test_precedence(void **state) {
  /* not > and > or: `a or b and c` is `a or (b and c)` */
  assert_true(m("a or b and c", MARKS("a")));
  assert_false(m("a or b and c", MARKS("b")));
  assert_true(m("a or b and c", MARKS("b", "c")));
  /* `not a and b` is `(not a) and b` */
  assert_true(m("not a and b", MARKS("b")));
  assert_false(m("not a and b", MARKS("a", "b")));
  assert_false(m("not a and b", NO_MARKS));
  /* `not a or b` is `(not a) or b` */
  assert_true(m("not a or b", MARKS("a", "b")));
  assert_true(m("not not a", MARKS("a")));
  assert_true(m("(((a)))", MARKS("a")));
}

static void test_identifiers(void **state) {
  assert_true(m("serial", MARKS("serial")));
  assert_true(k("test_a[1-2]", (const char *const[]){"test_a[1-2]", NULL}));
  assert_true(k("tests/test_x.py::TestA",
                (const char *const[]){"tests/test_x.py::TestA::test_b", NULL}));
  assert_true(m("a.b+c:d\\e", MARKS("a.b+c:d\\e")));
  /* non-ASCII word characters */
  assert_true(k("caf\xc3\xa9", (const char *const[]){"test_caf\xc3\xa9", NULL}));
  /* keywords are only keywords when they are the whole identifier */
  assert_true(m("notslow and order", MARKS("notslow", "order")));
  assert_true(m("True or False or None", MARKS("None")));
}

static void test_kwargs(void **state) {
  FgMarkExpr *e = must_parse("timeout(seconds=5, method='x', strict=True) and not a");
  assert_true(fg_markexpr_has_call(e));
  /* approximation: the marker's name decides, its arguments are not known */
  assert_true(fg_markexpr_match_marks(e, MARKS("timeout"), 1));
  assert_false(fg_markexpr_match_marks(e, NO_MARKS, 0));
  fg_markexpr_delete(e);
  e = must_parse("a");
  assert_false(fg_markexpr_has_call(e));
  fg_markexpr_delete(e);
  check_canonical("m( x = -1 ,y=\"s t\")", "m(x=-1, y=\"s t\")");
  check_error("m(x=abc)", "at column 5: unexpected character/s \"abc\"");
  check_error("m(class=1)", "at column 3: unexpected character/s \"class\"");
  check_error("m(a-b=1)", "at column 3: unexpected character/s \"a-b\"");
  check_error("m(x)", "at column 4: expected =; got right parenthesis");
  check_error("m(x=1", "at column 6: expected right parenthesis; got end of input");
  check_error("m(x='a\\b')", "at column 5: escaping not supported in marker expression");
  check_error("m(x='abc)", "at column 5: closing quote \"'\" is missing");
  check_error("m(x=1,)", "at column 7: expected identifier; got right parenthesis");
  /* strings are only values of keyword arguments */
  check_error("'slow'",
              "at column 1: expected not OR left parenthesis OR identifier; got str");
}

static void test_errors(void **state) {
  check_error("and",
              "at column 1: expected not OR left parenthesis OR identifier; got and");
  check_error("or",
              "at column 1: expected not OR left parenthesis OR identifier; got or");
  check_error("not", "at column 4: expected not OR left parenthesis OR identifier; got "
                     "end of input");
  check_error(
      "slow and",
      "at column 9: expected not OR left parenthesis OR identifier; got end of input");
  check_error("slow and ",
              "at column 10: expected not OR left parenthesis OR identifier; "
              "got end of input");
  check_error("(a or b", "at column 8: expected right parenthesis; got end of input");
  check_error("a b", "at column 3: expected end of input; got identifier");
  check_error("a)", "at column 2: expected end of input; got right parenthesis");
  check_error("a and $b", "at column 7: unexpected character \"$\"");
  check_error("a = b", "at column 3: expected end of input; got =");
  /* a bad character after an earlier error is never reached */
  check_error("a b $", "at column 3: expected end of input; got identifier");
  /* columns count code points */
  check_error("caf\xc3\xa9 and", "at column 9: expected not OR left parenthesis OR "
                                 "identifier; got end of input");
  char *err = NULL;
  assert_null(fg_markexpr_parse("(", NULL)); /* err may be NULL */
  assert_null(fg_markexpr_parse(")", &err));
  free(err);
}

static void test_empty(void **state) {
  const char *inputs[] = {"", "   ", "\t "};
  for (size_t i = 0; i < 3; i++) {
    FgMarkExpr *e = must_parse(inputs[i]);
    assert_true(fg_markexpr_match_marks(e, NO_MARKS, 0));
    assert_true(fg_markexpr_match_keywords(e, MARKS("x"), 1));
    char *s = fg_markexpr_to_string(e);
    assert_string_equal(s, "");
    free(s);
    fg_markexpr_delete(e);
  }
  fg_markexpr_delete(NULL);
}

static void test_deep_nesting(void **state) {
  FgBuf b = {0};
  for (int i = 0; i < 999; i++)
    fg_buf_putc(&b, '(');
  fg_buf_puts(&b, "a");
  for (int i = 0; i < 999; i++)
    fg_buf_putc(&b, ')');
  FgMarkExpr *e = must_parse(b.data);
  assert_true(fg_markexpr_match_marks(e, MARKS("a"), 1));
  char *s = fg_markexpr_to_string(e);
  assert_string_equal(s, "a");
  free(s);
  fg_markexpr_delete(e);
  fg_buf_free(&b);

  for (int i = 0; i < 100000; i++)
    fg_buf_putc(&b, '(');
  char *err = NULL;
  assert_null(fg_markexpr_parse(b.data, &err));
  assert_string_equal(err,
                      "at column 1001: expression nested more than 1000 levels deep");
  free(err);
  fg_buf_free(&b);

  for (int i = 0; i < 100000; i++)
    fg_buf_puts(&b, "not ");
  fg_buf_puts(&b, "a");
  assert_null(fg_markexpr_parse(b.data, &err));
  assert_string_equal(err,
                      "at column 4001: expression nested more than 1000 levels deep");
  free(err);
  fg_buf_free(&b);

  /* long flat chains are not nesting */
  fg_buf_puts(&b, "m0");
  for (int i = 1; i < 50000; i++)
    fg_buf_printf(&b, " %s m%d", i % 2 ? "and" : "or", i);
  e = must_parse(b.data);
  assert_false(fg_markexpr_match_marks(e, MARKS("zzz"), 1));
  assert_true(fg_markexpr_match_marks(e, MARKS("m49998", "m49999"), 2));
  fg_markexpr_delete(e);
  fg_buf_free(&b);
}

static void test_to_string(void **state) {
  check_canonical("(a or b) and not c", "(a or b) and not c");
  check_canonical("((a or b)) and (not (c))", "(a or b) and not c");
  check_canonical("a or (b and c)", "a or b and c");
  check_canonical("(a or b) or c", "a or b or c");
  check_canonical("a and (b and c)", "a and b and c");
  check_canonical("not (a or b)", "not (a or b)");
  check_canonical("not (not a)", "not not a");
  check_canonical("not (a and b) or c", "not (a and b) or c");
  check_canonical("  slow\tand   not network ", "slow and not network");
  check_canonical("(a or b) and (c or d)", "(a or b) and (c or d)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_documented_marks),
      cmocka_unit_test(test_documented_keywords),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_identifiers),
      cmocka_unit_test(test_kwargs),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_deep_nesting),
      cmocka_unit_test(test_to_string),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
