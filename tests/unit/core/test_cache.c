#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/util.h"

static char *make_dir(void) {
  char tmpl[] = "/tmp/fg-cache-test-XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return fg_xasprintf("%s/cache", d);
}

static void test_put_then_get(void **state) {
  (void)state;
  char *dir = make_dir();
  FgCache *c = fg_cache_open(dir, "py", 42);
  const char src[] = "def test_x():\n    pass\n";
  uint64_t h = fg_cache_hash(src, sizeof src - 1);
  size_t n = 0;
  char *warning = NULL;
  assert_null(fg_cache_get(c, h, sizeof src - 1, &n, &warning));
  assert_null(warning);
  assert_true(fg_cache_writable(c));
  assert_true(fg_cache_put(c, h, sizeof src - 1, "summary", 7));
  char *got = fg_cache_get(c, h, sizeof src - 1, &n, &warning);
  assert_non_null(got);
  assert_null(warning);
  assert_int_equal(n, 7);
  assert_memory_equal(got, "summary", 7);
  free(got);
  /* another length, another hash: not this entry */
  assert_null(fg_cache_get(c, h, sizeof src, &n, &warning));
  assert_null(fg_cache_get(c, h ^ 1, sizeof src - 1, &n, &warning));
  assert_null(warning);
  assert_int_equal(fg_cache_hits(c), 1);
  assert_int_equal(fg_cache_writes(c), 1);
  fg_cache_close(c);
  /* another key reads none of it */
  FgCache *other = fg_cache_open(dir, "py", 43);
  assert_null(fg_cache_get(other, h, sizeof src - 1, &n, &warning));
  assert_null(warning);
  fg_cache_close(other);
  char *ignore = fg_xasprintf("%s/.gitignore", dir);
  size_t len = 0;
  char *err = NULL;
  char *text = fg_read_file(ignore, 1024, &len, &err);
  assert_non_null(text);
  assert_non_null(strstr(text, "\n*\n"));
  free(text);
  free(ignore);
  free(dir);
}

static void test_a_damaged_entry_warns_with_its_path(void **state) {
  (void)state;
  char *dir = make_dir();
  FgCache *c = fg_cache_open(dir, "py", 7);
  uint64_t h = fg_cache_hash("abc", 3);
  assert_true(fg_cache_put(c, h, 3, "0123456789", 10));
  char *path = fg_xasprintf("%s/py-%016llx/%016llx-3", dir, 7ull, (unsigned long long)h);
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  fseek(f, -1, SEEK_END);
  fputc('X', f);
  fclose(f);
  size_t n = 0;
  char *warning = NULL;
  assert_null(fg_cache_get(c, h, 3, &n, &warning));
  assert_non_null(warning);
  assert_non_null(strstr(warning, path));
  assert_non_null(strstr(warning, "checksum"));
  free(warning);
  assert_int_equal(truncate(path, 20), 0);
  assert_null(fg_cache_get(c, h, 3, &n, &warning));
  assert_non_null(strstr(warning, "not a forkguard cache entry"));
  free(warning);
  /* stored again, whole again */
  assert_true(fg_cache_put(c, h, 3, "0123456789", 10));
  char *got = fg_cache_get(c, h, 3, &n, &warning);
  assert_non_null(got);
  assert_null(warning);
  free(got);
  fg_cache_close(c);
  free(path);
  free(dir);
}

static void test_a_folder_that_cannot_be_made_only_reads(void **state) {
  (void)state;
  FgCache *c = fg_cache_open("/proc/self/no-such/cache", "py", 1);
  assert_false(fg_cache_writable(c));
  assert_false(fg_cache_put(c, 1, 1, "x", 1));
  size_t n = 0;
  char *warning = NULL;
  assert_null(fg_cache_get(c, 1, 1, &n, &warning));
  assert_null(warning);
  fg_cache_close(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_put_then_get),
      cmocka_unit_test(test_a_damaged_entry_warns_with_its_path),
      cmocka_unit_test(test_a_folder_that_cannot_be_made_only_reads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
