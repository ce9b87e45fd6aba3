/* Unit tests for lint/core/diff.c: each case is checked against GNU `diff -u`
 * (same hunks, headers aside) and applied with `patch -p1` to prove it
 * reproduces the new file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/diff.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static char *run(const char *cmd) {
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  FgBuf b = {0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
    fg_buf_append(&b, chunk, n);
  pclose(p);
  return fg_buf_take(&b);
}

/* Drops the two header lines. */
static const char *skip_headers(const char *s) {
  for (int i = 0; i < 2 && *s; i++) {
    const char *nl = strchr(s, '\n');
    s = nl ? nl + 1 : s + strlen(s);
  }
  return s;
}

/* Our diff of old -> new, compared with GNU diff's (when gnu is set) and
 * applied by patch. */
static void check_patch(const char *old, const char *new_, bool is_new, bool gnu_same) {
  char dir[] = "/tmp/fg-test-diff.XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *cmd = fg_xasprintf("mkdir -p '%s/a' '%s/b' '%s/work'", dir, dir, dir);
  assert_int_equal(system(cmd), 0);
  free(cmd);

  char *a = fg_xasprintf("%s/a/f.txt", dir);
  char *b = fg_xasprintf("%s/b/f.txt", dir);
  char *w = fg_xasprintf("%s/work/f.txt", dir);
  if (!is_new) {
    write_file(a, old, strlen(old));
    write_file(w, old, strlen(old));
  }
  write_file(b, new_, strlen(new_));

  FgBuf ours = {0};
  fg_diff_unified(&ours, "f.txt", old, strlen(old), new_, strlen(new_), is_new);
  if (is_new)
    assert_true(fg_str_startswith(ours.data, "--- /dev/null\n+++ b/f.txt\n"));
  else
    assert_true(fg_str_startswith(ours.data, "--- a/f.txt\n+++ b/f.txt\n"));

  cmd = fg_xasprintf("cd '%s' && diff -u %s b/f.txt", dir,
                     is_new ? "/dev/null" : "a/f.txt");
  char *gnu = run(cmd);
  free(cmd);
  if (gnu_same)
    assert_string_equal(skip_headers(ours.data), skip_headers(gnu));
  free(gnu);

  char *patchfile = fg_xasprintf("%s/p.diff", dir);
  write_file(patchfile, ours.data, ours.len);
  cmd = fg_xasprintf(
      "cd '%s/work' && patch -p1 -s < ../p.diff && cmp -s f.txt ../b/f.txt", dir);
  assert_int_equal(system(cmd), 0);
  free(cmd);

  cmd = fg_xasprintf("rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(cmd);
  free(patchfile);
  free(a);
  free(b);
  free(w);
  fg_buf_free(&ours);
}

static void check_case(const char *old, const char *new_, bool is_new) {
  check_patch(old, new_, is_new, true);
}

static void test_middle_change(void **state) {
  check_case("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", false);
}

static void test_change_at_start(void **state) {
  check_case("1\n2\n3\n4\n5\n6\n", "one\n2\n3\n4\n5\n6\n", false);
}

static void test_change_at_end(void **state) {
  check_case("1\n2\n3\n4\n5\n6\n", "1\n2\n3\n4\n5\nsix\n", false);
}

static void test_no_final_newline_old(void **state) {
  check_case("1\n2\n3\n4\n5", "1\n2\n3\n4\n5\n", false);
}

static void test_no_final_newline_new(void **state) {
  check_case("1\n2\n3\n4\n5\n", "1\n2\n3\n4\n5", false);
}

static void test_no_final_newline_both(void **state) {
  check_case("1\n2\n3\n4\n5", "1\nTWO\n3\n4\n5", false);
  check_case("1\n2\n3\n4\n5", "1\n2\n3\n4\nfive", false);
}

static void test_crlf(void **state) {
  check_case("a\r\nb\r\nc\r\nd\r\n", "a\r\nb\r\nimport pytest\r\nc\r\nd\r\n", false);
  check_case("a\r\nb\r\nc\r\nd", "a\r\nB\r\nc\r\nd", false);
}

static void test_pure_insertion(void **state) {
  check_case("1\n2\n3\n4\n5\n6\n", "1\n2\n3\nnew\n4\n5\n6\n", false);
  check_case("1\n2\n", "0\n1\n2\n", false);
  check_case("", "first\n", false);
}

static void test_pure_deletion(void **state) {
  check_case("1\n2\n3\n4\n5\n6\n", "1\n2\n3\n5\n6\n", false);
  check_case("1\n2\n", "2\n", false);
  check_case("only\n", "", false);
}

static void test_two_hunks_far_apart(void **state) {
  check_case("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
             "ONE\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\nFIFTEEN\n", false);
  /* 7 unchanged lines between the changes: two hunks. */
  check_case("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
             "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n", false);
}

static void test_close_changes_merge(void **state) {
  /* 6 unchanged lines between the changes: one hunk. */
  check_case("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
             "1\nX\n3\n4\n5\n6\n7\n8\n9\nY\n11\n12\n", false);
  check_case("1\n2\n3\n4\n5\n6\n7\n8\n", "1\nX\n3\nY\n5\n6\nZ\n8\n", false);
}

static void test_runs_of_equal_lines(void **state) {
  check_case("a\n\nb\n", "a\n\n\nb\n", false);
  check_case("a\nb\nb\nc\n", "a\nb\nc\n", false);
  check_case("x\ny\nx\ny\n", "y\nx\ny\nx\n", false);
  check_case("def f():\n    pass\n\n\ndef g():\n    pass\n",
             "import pytest\n\n\ndef f():\n    pass\n\n\n@pytest.mark.serial\ndef g():\n"
             "    pass\n",
             false);
}

static void test_new_file(void **state) {
  check_case("", "import pytest\n\n\ndef pytest_configure(config):\n    pass\n", true);
  check_case("", "no newline", true);
}

static void test_equal_is_empty(void **state) {
  FgBuf out = {0};
  fg_diff_unified(&out, "f", "a\n", 2, "a\n", 2, false);
  assert_int_equal(out.len, 0);
  fg_buf_free(&out);
}

static void test_path_with_space(void **state) {
  char dir[] = "/tmp/fg-test-diff.XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *sub = fg_xasprintf("%s/my dir", dir);
  assert_int_equal(mkdir(sub, 0755), 0);
  char *f = fg_xasprintf("%s/my dir/a b.py", dir);
  write_file(f, "x = 1\n", 6);
  FgBuf out = {0};
  fg_diff_unified(&out, "my dir/a b.py", "x = 1\n", 6, "x = 2\n", 6, false);
  char *p = fg_xasprintf("%s/p.diff", dir);
  write_file(p, out.data, out.len);
  char *cmd =
      fg_xasprintf("cd '%s' && patch -p1 -s < p.diff && grep -q 'x = 2' 'my dir/a b.py'"
                   " && rm -rf '%s'",
                   dir, dir);
  assert_int_equal(system(cmd), 0);
  free(cmd);
  free(p);
  free(f);
  free(sub);
  fg_buf_free(&out);
}

/* A big file with a change at each end stays fast and exact. */
static void test_large_file(void **state) {
  FgBuf old = {0}, new_ = {0};
  for (int i = 0; i < 200000; i++) {
    fg_buf_printf(&old, "line %d\n", i);
    fg_buf_printf(&new_, i == 5 || i == 199990 ? "LINE %d\n" : "line %d\n", i);
  }
  FgBuf out = {0};
  fg_diff_unified(&out, "big", old.data, old.len, new_.data, new_.len, false);
  assert_non_null(strstr(out.data, "@@ -3,7 +3,7 @@\n"));
  assert_non_null(strstr(out.data, "@@ -199988,7 +199988,7 @@\n"));
  fg_buf_free(&out);
  fg_buf_free(&old);
  fg_buf_free(&new_);
}

/* Past the search bound the middle becomes one delete + insert: not what
 * GNU diff prints, but still a patch that applies. */
static void test_many_differences(void **state) {
  FgBuf old = {0}, new_ = {0};
  fg_buf_puts(&old, "head\n");
  fg_buf_puts(&new_, "head\n");
  for (int i = 0; i < 1500; i++) {
    fg_buf_printf(&old, "old %d\nsame %d\n", i, i % 7);
    fg_buf_printf(&new_, "new %d\nsame %d\n", i, i % 5);
  }
  fg_buf_puts(&old, "tail\n");
  fg_buf_puts(&new_, "tail\n");
  check_patch(old.data, new_.data, false, false);
  fg_buf_free(&old);
  fg_buf_free(&new_);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_middle_change),
      cmocka_unit_test(test_change_at_start),
      cmocka_unit_test(test_change_at_end),
      cmocka_unit_test(test_no_final_newline_old),
      cmocka_unit_test(test_no_final_newline_new),
      cmocka_unit_test(test_no_final_newline_both),
      cmocka_unit_test(test_crlf),
      cmocka_unit_test(test_pure_insertion),
      cmocka_unit_test(test_pure_deletion),
      cmocka_unit_test(test_two_hunks_far_apart),
      cmocka_unit_test(test_close_changes_merge),
      cmocka_unit_test(test_runs_of_equal_lines),
      cmocka_unit_test(test_new_file),
      cmocka_unit_test(test_equal_is_empty),
      cmocka_unit_test(test_path_with_space),
      cmocka_unit_test(test_large_file),
      cmocka_unit_test(test_many_differences),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
