#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/inputs.h"
#include "core/util.h"

static char *make_dir(void) {
  char tmpl[] = "/tmp/fg-inputs-test-XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return fg_xstrdup(d);
}

static void write_file(const char *dir, const char *name, const char *text) {
  char *p = fg_xasprintf("%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(p);
}

static void put_buf(void *ud, const char *data, size_t len) {
  fg_buf_append(ud, data, len);
}

/* Records dir, dir/a.py and dir/missing.py; returns the signature lines. */
static char *record(const char *dir, size_t *n, size_t *len) {
  fg_inputs_start();
  fg_inputs_note(dir);
  fg_inputs_note2(dir, "a.py");
  fg_inputs_note2(dir, "missing.py");
  fg_inputs_note2(dir, "a.py"); /* twice: listed once */
  FgBuf b = {0};
  *n = fg_inputs_write(put_buf, &b);
  fg_inputs_stop();
  *len = b.len;
  return fg_buf_take(&b);
}

static void test_signatures_hold_until_something_changes(void **state) {
  (void)state;
  char *dir = make_dir();
  write_file(dir, "a.py", "x = 1\n");
  size_t n = 0, len = 0;
  char *sig = record(dir, &n, &len);
  assert_int_equal(n, 3);
  char *changed = NULL;
  assert_true(fg_inputs_unchanged(sig, len, n, &changed));
  assert_null(changed);
  /* a file where none was: the folder lists another entry */
  write_file(dir, "missing.py", "");
  assert_false(fg_inputs_unchanged(sig, len, n, &changed));
  assert_non_null(changed);
  assert_string_equal(changed, dir);
  free(changed);
  free(sig);
  /* forkguard's own cache folder is not the project's */
  sig = record(dir, &n, &len);
  char *cache = fg_xasprintf("%s/.forkguard_cache", dir);
  assert_int_equal(mkdir(cache, 0755), 0);
  assert_true(fg_inputs_unchanged(sig, len, n, NULL));
  /* the same size, other bytes: the change time moves */
  usleep(20000);
  write_file(dir, "a.py", "x = 2\n");
  assert_false(fg_inputs_unchanged(sig, len, n, &changed));
  assert_non_null(strstr(changed, "a.py"));
  free(changed);
  free(sig);
  rmdir(cache);
  free(cache);
  char *p = fg_xasprintf("%s/a.py", dir);
  unlink(p);
  free(p);
  p = fg_xasprintf("%s/missing.py", dir);
  unlink(p);
  free(p);
  rmdir(dir);
  free(dir);
}

static void test_a_file_written_just_before_its_signature_is_racy(void **state) {
  (void)state;
  char *dir = make_dir();
  write_file(dir, "a.py", "x = 1\n");
  fg_inputs_start();
  fg_inputs_note2(dir, "a.py");
  assert_true(fg_inputs_racy());
  fg_inputs_stop();
  /* the same file a while later is not; nor is its folder, whose
   * signature holds no time */
  usleep(300000);
  fg_inputs_start();
  fg_inputs_note2(dir, "a.py");
  fg_inputs_note(dir);
  assert_false(fg_inputs_racy());
  fg_inputs_stop();
  char *p = fg_xasprintf("%s/a.py", dir);
  unlink(p);
  free(p);
  rmdir(dir);
  free(dir);
}

static void test_damaged_lines_do_not_match(void **state) {
  (void)state;
  const char *bad[] = {"", "no-space-here", "F1,2 99:/short\n", "F1,2 x:/a\n",
                       "F1,2 2:/a"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(fg_inputs_unchanged(bad[i], strlen(bad[i]), 1, NULL));
  /* no lines: nothing to contradict */
  assert_true(fg_inputs_unchanged("", 0, 0, NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_signatures_hold_until_something_changes),
      cmocka_unit_test(test_a_file_written_just_before_its_signature_is_racy),
      cmocka_unit_test(test_damaged_lines_do_not_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
