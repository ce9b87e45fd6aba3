/* lint/report/suppress: the comment grammar, the index and its used marks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "report/suppress.h"

static const FgRule r101 = {.code = "FG101", .name = "unmarked-pool-test"};
static const FgRule r201 = {.code = "FG201", .name = "parallel-run-selects-pool-tests"};

static bool line(const char *s, const FgRule *r) {
  return fg_suppress_line(s, strlen(s), r);
}

static void test_forms(void **state) {
  (void)state;
  assert_true(line("x = 1  # forkguard: ignore[FG101]", &r101));
  assert_false(line("x = 1  # forkguard: ignore[FG101]", &r201));
  assert_true(line("x  # forkguard: ignore[fg201, FG101]", &r201));
  assert_true(line("x  # forkguard: ignore[unmarked-pool-test]", &r101));
  /* without brackets: only the codes named */
  assert_true(line("x  # forkguard: ignore FG101", &r101));
  assert_false(line("x  # forkguard: ignore FG101", &r201));
  assert_true(line("x  # forkguard: ignore FG101, FG201", &r201));
  assert_false(line("x  # forkguard: ignore unmarked-pool-test", &r201));
  /* bare, or followed by words that are no codes: every rule */
  assert_true(line("x  # forkguard: ignore", &r201));
  assert_true(line("x  # forkguard: ignore -- flaky on CI", &r201));
  assert_true(line("x  # forkguard: ignore because reasons", &r101));
  /* noqa */
  assert_true(line("x  # noqa: E501, FG101", &r101));
  assert_false(line("x  # noqa: E501", &r101));
  assert_false(line("x  # noqa", &r101));
  /* not a directive */
  assert_false(line("x  # forkguard: ignored by design", &r101));
  assert_false(line("x = 1", &r101));
  /* naming, not a bare comment: what a finding about a comment needs */
  assert_false(fg_suppress_names("# forkguard: ignore", 19, &r101));
  const char *named = "# forkguard: ignore[FG101]";
  assert_true(fg_suppress_names(named, strlen(named), &r101));
}

static void test_index_marks_use(void **state) {
  (void)state;
  const char *text = "def test_a():  # forkguard: ignore[FG101, FG201]\n"
                     "    pass\n"
                     "\n"
                     "# noqa: FG101\n"
                     "def test_b():  # forkguard: ignore\n"
                     "    x = \"# forkguard: ignore[FG101]\"  # noqa: FG101\n";
  FgSource *src = fg_source_new("t.py", text, strlen(text));
  const FgSource *srcs[] = {src};
  FgSuppressIndex *idx = fg_suppress_index_new(srcs, 1);
  assert_int_equal(fg_suppress_index_len(idx), 5);
  FgDiag *d = fg_diag_new(&r101, src, 4, 8, "m");
  assert_true(fg_suppress_index_hit(idx, d));
  const FgSuppression *s0 = fg_suppress_index_at(idx, 0);
  assert_int_equal(s0->line, 1);
  assert_int_equal(s0->codes.len, 2);
  assert_true(s0->used.items[0]);
  assert_false(s0->used.items[1]);
  assert_true(s0->removable);
  /* a comment on its own line */
  const FgSuppression *s1 = fg_suppress_index_at(idx, 1);
  assert_int_equal(s1->line, 4);
  assert_true(s1->noqa);
  assert_int_equal(s1->remove_start, fg_source_line_start(src, 4));
  /* line 6: the quoted one is found but a string is open at its '#' */
  const FgSuppression *s3 = fg_suppress_index_at(idx, 3);
  assert_int_equal(s3->line, 6);
  assert_false(s3->removable);
  const FgSuppression *s4 = fg_suppress_index_at(idx, 4);
  assert_true(s4->noqa);
  assert_true(s4->removable);
  /* a finding on a line with no comment */
  FgDiag *e = fg_diag_new(&r201, src, fg_source_line_start(src, 2), 0, "m");
  e->end = e->start;
  assert_false(fg_suppress_index_hit(idx, e));
  fg_diag_delete(d);
  fg_diag_delete(e);
  fg_suppress_index_delete(idx);
  fg_source_delete(src);
}

static void test_known(void **state) {
  (void)state;
  const FgRule *rules[] = {&r101, &r201};
  const char *near = NULL;
  assert_true(fg_suppress_known("fg101", rules, 2, &near));
  assert_true(fg_suppress_known("unmarked-pool-test", rules, 2, &near));
  assert_false(fg_suppress_known("FG1O1", rules, 2, &near));
  assert_string_equal(near, "FG101");
  assert_false(fg_suppress_known("XYZ", rules, 2, &near));
  assert_null(near);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forms),
      cmocka_unit_test(test_index_marks_use),
      cmocka_unit_test(test_known),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
