/* lint/core/json: the writer's structure and escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/json.h"

static char *escaped(const char *s, size_t n) {
  FgBuf b = {0};
  fg_json_escape(&b, s, n);
  return fg_buf_take(&b);
}

static void test_escapes(void **state) {
  (void)state;
  char *e = escaped("a\"b\\c\n\t\r", 8);
  assert_string_equal(e, "a\\\"b\\\\c\\n\\t\\r");
  free(e);
  e = escaped("\x01\x1f\x7f", 3);
  assert_string_equal(e, "\\u0001\\u001f\\u007f");
  free(e);
  /* an embedded NUL is data, not the end */
  e = escaped("a\0b", 3);
  assert_string_equal(e, "a\\u0000b");
  free(e);
}

static void test_utf8(void **state) {
  (void)state;
  const char *ok = "caf\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x98\x80";
  char *e = escaped(ok, strlen(ok));
  assert_string_equal(e, "caf\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x98\x80");
  free(e);
  /* invalid bytes, truncated sequences, overlongs and surrogates -> U+FFFD */
  e = escaped("\xff|\xC3|\xC0\xAF|\xED\xA0\x80", 10);
  assert_string_equal(e, "\\ufffd|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd");
  free(e);
}

static void test_structure(void **state) {
  (void)state;
  FgBuf b = {0};
  FgJson j;
  fg_json_init(&j, &b, false);
  fg_json_begin_object(&j);
  fg_json_key(&j, "a");
  fg_json_int(&j, -3);
  fg_json_key(&j, "b");
  fg_json_begin_array(&j);
  fg_json_string(&j, "x");
  fg_json_null(&j);
  fg_json_bool(&j, true);
  fg_json_begin_object(&j);
  fg_json_end_object(&j);
  fg_json_end_array(&j);
  fg_json_key(&j, "c");
  fg_json_string(&j, NULL);
  fg_json_end_object(&j);
  assert_string_equal(b.data, "{\"a\":-3,\"b\":[\"x\",null,true,{}],\"c\":null}");
  fg_buf_free(&b);
}

static void test_pretty(void **state) {
  (void)state;
  FgBuf b = {0};
  FgJson j;
  fg_json_init(&j, &b, true);
  fg_json_begin_object(&j);
  fg_json_key(&j, "k");
  fg_json_begin_array(&j);
  fg_json_int(&j, 1);
  fg_json_int(&j, 2);
  fg_json_end_array(&j);
  fg_json_key(&j, "e");
  fg_json_begin_array(&j);
  fg_json_end_array(&j);
  fg_json_end_object(&j);
  assert_string_equal(b.data, "{\n  \"k\": [\n    1,\n    2\n  ],\n  \"e\": []\n}");
  fg_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_structure),
      cmocka_unit_test(test_pretty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
