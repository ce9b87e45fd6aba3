/* Unit tests for lint/core/itable.c: the index finds every entry added
 * (through growth and colliding hashes), nothing else, and the interner
 * keeps one copy of each string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/itable.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool int_eq(const void *ctx, int index, const void *key) {
  const int *keys = ctx;
  return keys[index] == *(const int *)key;
}

/* A poor hash on purpose: many keys share a value and a probe run. */
static uint64_t weak_hash(int k) {
  return (uint64_t)(k % 97);
}

static void test_find_and_grow(void **state) {
  (void)state;
  enum { N = 5000 };
  static int keys[N];
  FgITable t = {0};
  for (int i = 0; i < N; i++) {
    keys[i] = i * 7 + 3;
    assert_int_equal(fg_itable_find(&t, weak_hash(keys[i]), int_eq, keys, &keys[i]), -1);
    fg_itable_add(&t, weak_hash(keys[i]), i);
  }
  assert_int_equal(t.len, N);
  assert_true(t.cap >= 2 * N);
  for (int i = 0; i < N; i++)
    assert_int_equal(fg_itable_find(&t, weak_hash(keys[i]), int_eq, keys, &keys[i]), i);
  for (int k = 0; k < 3 * N; k++) {
    if (k % 7 == 3)
      continue;
    assert_int_equal(fg_itable_find(&t, weak_hash(k), int_eq, keys, &k), -1);
  }
  assert_true(fg_itable_bytes(&t) >= 2 * N * sizeof(FgITableSlot));
  fg_itable_free(&t);
  assert_null(t.slots);
  int k = 3;
  assert_int_equal(fg_itable_find(&t, weak_hash(k), int_eq, keys, &k), -1);
}

static void test_intern(void **state) {
  (void)state;
  FgStrIntern in = {0};
  const char *a = fg_str_intern(&in, "os.path.join");
  char buf[32];
  strcpy(buf, "os.path.join");
  assert_ptr_equal(fg_str_intern(&in, buf), a);
  assert_ptr_not_equal(a, buf);
  const char *b = fg_str_intern_take(&in, fg_xstrdup("os.path"));
  assert_string_equal(b, "os.path");
  assert_ptr_not_equal(a, b);
  /* an equal string handed over is freed (ASan would see a leak or a
   * double free) and the kept copy returned */
  assert_ptr_equal(fg_str_intern_take(&in, fg_xstrdup("os.path.join")), a);
  assert_ptr_equal(fg_str_intern(&in, ""), fg_str_intern(&in, ""));
  for (int i = 0; i < 1000; i++) {
    char name[16];
    snprintf(name, sizeof name, "n%d", i % 100);
    fg_str_intern(&in, name);
  }
  assert_int_equal(in.strs.len, 3 + 100);
  fg_str_intern_free(&in);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_find_and_grow),
      cmocka_unit_test(test_intern),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
