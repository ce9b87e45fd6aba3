// cmocka needs these first, in this order
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
// clang-format on
#include <string.h>

#include "parse/shlex.h"

static FgShlex *split(const char *s) {
  return fg_shlex_split(s, strlen(s));
}

static void test_plain_words(void **state) {
  FgShlex *sh = split("  -ra\t-n auto\n--tb=short ");
  assert_false(sh->has_error);
  assert_int_equal(sh->nwords, 4);
  assert_string_equal(sh->argv[0], "-ra");
  assert_string_equal(sh->argv[1], "-n");
  assert_string_equal(sh->argv[2], "auto");
  assert_string_equal(sh->argv[3], "--tb=short");
  assert_null(sh->argv[4]);
  assert_int_equal(sh->words[0].start, 2);
  assert_int_equal(sh->words[0].end, 5);
  assert_int_equal(sh->words[3].start, 14);
  assert_int_equal(sh->words[3].end, 24);
  fg_shlex_delete(sh);
}

static void test_quotes(void **state) {
  FgShlex *sh = split("-m \"not slow and not serial\" -k 'a b' x\"y z\"'w'");
  assert_false(sh->has_error);
  assert_int_equal(sh->nwords, 5);
  assert_string_equal(sh->argv[1], "not slow and not serial");
  assert_string_equal(sh->argv[3], "a b");
  assert_string_equal(sh->argv[4], "xy zw");
  assert_int_equal(sh->words[1].start, 3);
  assert_int_equal(sh->words[1].end, 28);
  fg_shlex_delete(sh);
}

static void test_backslashes(void **state) {
  /* outside quotes: escapes anything; in "": only \" and \\; in '': literal */
  FgShlex *sh = split("a\\ b \"c\\\"d\\n\" 'e\\f' \\'");
  assert_false(sh->has_error);
  assert_int_equal(sh->nwords, 4);
  assert_string_equal(sh->argv[0], "a b");
  assert_string_equal(sh->argv[1], "c\"d\\n");
  assert_string_equal(sh->argv[2], "e\\f");
  assert_string_equal(sh->argv[3], "'");
  fg_shlex_delete(sh);
}

static void test_empty_quoted_word(void **state) {
  FgShlex *sh = split("a '' \"\" b");
  assert_int_equal(sh->nwords, 4);
  assert_string_equal(sh->argv[1], "");
  assert_string_equal(sh->argv[2], "");
  fg_shlex_delete(sh);
  sh = split("   ");
  assert_int_equal(sh->nwords, 0);
  assert_null(sh->argv[0]);
  fg_shlex_delete(sh);
}

static void test_unterminated_quote(void **state) {
  FgShlex *sh = split("-ra -m \"not slow");
  assert_true(sh->has_error);
  assert_int_equal(sh->error_offset, 7);
  assert_string_equal(sh->message, "no closing quotation");
  assert_int_equal(sh->nwords, 2); /* the words before it */
  assert_string_equal(sh->argv[1], "-m");
  fg_shlex_delete(sh);
  sh = split("a 'b");
  assert_true(sh->has_error);
  assert_int_equal(sh->error_offset, 2);
  fg_shlex_delete(sh);
  sh = split("a \\");
  assert_true(sh->has_error);
  assert_string_equal(sh->message, "no escaped character");
  fg_shlex_delete(sh);
}

static void test_delete_null(void **state) {
  fg_shlex_delete(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_words),        cmocka_unit_test(test_quotes),
      cmocka_unit_test(test_backslashes),        cmocka_unit_test(test_empty_quoted_word),
      cmocka_unit_test(test_unterminated_quote), cmocka_unit_test(test_delete_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
