/* lint/core/json_read: the bounded reader, on good, malformed, huge and deep
 * input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/json_read.h"
#include "core/util.h"

static FgJsonDoc *parse(const char *text, char **err) {
  return fg_json_doc_parse(text, strlen(text), NULL, err);
}

/* The error for text, which must not parse (owned by the caller). */
static char *error_of(const char *text, size_t len, const FgJsonLimits *lim) {
  char *err = NULL;
  FgJsonDoc *doc = fg_json_doc_parse(text, len, lim, &err);
  assert_null(doc);
  assert_non_null(err);
  return err;
}

static void expect_error(const char *text, const char *want) {
  char *err = error_of(text, strlen(text), NULL);
  if (!strstr(err, want))
    fail_msg("%s: got \"%s\", want \"%s\"", text, err, want);
  free(err);
}

static void test_scalars_and_nesting(void **state) {
  (void)state;
  char *err = NULL;
  FgJsonDoc *doc = parse(" {\"a\": [1, -2.5e1, true, false, null], \"b\": {\"c\": \"d\"},"
                         " \"e\": [], \"f\": {}}\n",
                         &err);
  assert_null(err);
  const FgJsonValue *root = fg_json_doc_root(doc);
  assert_true(fg_json_value_is(root, FG_JSON_OBJECT));
  assert_int_equal(root->n, 4);
  const FgJsonValue *a = fg_json_value_get(root, "a");
  assert_int_equal(fg_json_value_len(a), 5);
  long long i = 0;
  assert_true(fg_json_value_int(fg_json_value_at(a, 0), &i));
  assert_int_equal(i, 1);
  double d = 0;
  assert_true(fg_json_value_num(fg_json_value_at(a, 1), &d));
  assert_true(d == -25.0);
  assert_false(fg_json_value_int(fg_json_value_at(a, 1), &i) && i != -25);
  bool b = false;
  assert_true(fg_json_value_bool(fg_json_value_at(a, 2), &b));
  assert_true(b);
  assert_true(fg_json_value_bool(fg_json_value_at(a, 3), &b));
  assert_false(b);
  assert_true(fg_json_value_is(fg_json_value_at(a, 4), FG_JSON_NULL));
  assert_null(fg_json_value_at(a, 5));
  assert_string_equal(fg_json_get_str(fg_json_value_get(root, "b"), "c"), "d");
  assert_int_equal(fg_json_value_len(fg_json_value_get(root, "e")), 0);
  assert_true(fg_json_value_is(fg_json_value_get(root, "f"), FG_JSON_OBJECT));
  /* wrong types and missing keys are NULL / false, never a crash */
  assert_null(fg_json_get_str(root, "a"));
  assert_null(fg_json_value_get(a, "x"));
  assert_null(fg_json_value_get(NULL, "x"));
  assert_false(fg_json_get_num(root, "missing", &d));
  assert_false(fg_json_get_bool(NULL, "x", &b));
  assert_int_equal(fg_json_value_len(root), 0);
  fg_json_doc_delete(doc);
  fg_json_doc_delete(NULL);
}

static void test_strings(void **state) {
  (void)state;
  char *err = NULL;
  FgJsonDoc *doc = parse(
      "[\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\", \"caf\\u00e9 \\u2192\", \"\\ud83d\\ude00\","
      " \"\\ud83d|\\ude00\", \"x\\u0000y\", \"caf\xC3\xA9\", \"\xff\xC0\xAF\"]",
      &err);
  assert_null(err);
  const FgJsonValue *r = fg_json_doc_root(doc);
  assert_string_equal(fg_json_value_str(fg_json_value_at(r, 0)), "a\"b\\c/\b\f\n\r\t");
  assert_string_equal(fg_json_value_str(fg_json_value_at(r, 1)),
                      "caf\xC3\xA9 \xE2\x86\x92");
  assert_string_equal(fg_json_value_str(fg_json_value_at(r, 2)), "\xF0\x9F\x98\x80");
  /* lone surrogates become U+FFFD */
  assert_string_equal(fg_json_value_str(fg_json_value_at(r, 3)),
                      "\xEF\xBF\xBD|\xEF\xBF\xBD");
  const FgJsonValue *nul = fg_json_value_at(r, 4);
  assert_int_equal(nul->len, 3);
  assert_memory_equal(nul->str, "x\0y", 3);
  assert_string_equal(fg_json_value_str(fg_json_value_at(r, 5)), "caf\xC3\xA9");
  /* invalid UTF-8 bytes (a stray byte, an overlong) become U+FFFD each */
  assert_string_equal(fg_json_value_str(fg_json_value_at(r, 6)),
                      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  fg_json_doc_delete(doc);
}

static void test_numbers(void **state) {
  (void)state;
  char *err = NULL;
  FgJsonDoc *doc =
      parse("[0, -0, 12, 1.5E-3, 1e+2, 1712345678.123456, 9007199254740993]", &err);
  assert_null(err);
  const FgJsonValue *r = fg_json_doc_root(doc);
  double d;
  assert_true(fg_json_value_num(fg_json_value_at(r, 3), &d) && d == 1.5e-3);
  assert_true(fg_json_value_num(fg_json_value_at(r, 4), &d) && d == 100.0);
  assert_true(fg_json_value_num(fg_json_value_at(r, 5), &d) && d > 1712345678.12 &&
              d < 1712345678.13);
  long long i;
  assert_false(fg_json_value_int(fg_json_value_at(r, 5), &i));
  fg_json_doc_delete(doc);
  const char *bad[] = {"01",  "1.",       ".5",        "+1",   "-",     "1e", "1e+",
                       "NaN", "Infinity", "-Infinity", "0x10", "1.2.3", "--1"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    char *e = error_of(bad[k], strlen(bad[k]), NULL);
    free(e);
  }
  expect_error("1e999", "out of range");
  /* an integer past long long is a number, not an int */
  doc = parse("[1e19, -9223372036854775808]", &err);
  r = fg_json_doc_root(doc);
  assert_false(fg_json_value_int(fg_json_value_at(r, 0), &i));
  assert_true(fg_json_value_int(fg_json_value_at(r, 1), &i));
  fg_json_doc_delete(doc);
  char *longnum = fg_xmalloc(2001);
  memset(longnum, '1', 2000);
  longnum[2000] = '\0';
  expect_error(longnum, "too long");
  free(longnum);
}

static void test_malformed(void **state) {
  (void)state;
  expect_error("", "expected a value");
  expect_error("   \n ", "expected a value");
  expect_error("{\n  \"a\": tru}", "line 2, column 8: expected a value");
  expect_error("[1, 2", "array never closed");
  expect_error("[1 2]", "expected ',' or ']'");
  expect_error("[1,]", "expected a value");
  expect_error("{\"a\":1,}", "expected a string key");
  expect_error("{\"a\" 1}", "expected ':'");
  expect_error("{a: 1}", "expected a string key");
  expect_error("{\"a\": 1", "object never closed");
  expect_error("\"abc", "string never closed");
  expect_error("\"a\tb\"", "control character");
  expect_error("\"\\x\"", "unknown escape");
  expect_error("\"\\u12\"", "four hex digits");
  expect_error("\"\\", "unfinished escape");
  expect_error("[] []", "unexpected text after the value");
  expect_error("{} x", "line 1, column 4");
  expect_error("nul", "expected a value");
  expect_error("truex", "unexpected text");
  /* a NUL byte in the input is not JSON */
  char *e = error_of("[1,\0 2]", 7, NULL);
  free(e);
  /* a BOM is skipped */
  char *err = NULL;
  FgJsonDoc *doc = parse("\xEF\xBB\xBF[1]", &err);
  assert_non_null(doc);
  fg_json_doc_delete(doc);
}

static void test_depth(void **state) {
  (void)state;
  /* 64 levels parse, 65 do not */
  char deep[200];
  memset(deep, '[', 64);
  memset(deep + 64, ']', 64);
  deep[128] = '\0';
  char *err = NULL;
  FgJsonDoc *doc = parse(deep, &err);
  assert_non_null(doc);
  fg_json_doc_delete(doc);
  memset(deep, '[', 65);
  memset(deep + 65, ']', 65);
  deep[130] = '\0';
  expect_error(deep, "nested too deeply");
  FgJsonLimits lim = {0, 3, 0};
  free(error_of("[[[[1]]]]", 9, &lim));
  /* a million open brackets: an error, not a stack overflow; and the limit
   * a caller asks for is capped */
  size_t n = 1000000;
  char *huge = fg_xmalloc(n);
  memset(huge, '[', n);
  FgJsonLimits wild = {0, 1 << 30, 0};
  char *e = error_of(huge, n, &wild);
  assert_non_null(strstr(e, "nested too deeply"));
  free(e);
  memset(huge, '{', n);
  e = error_of(huge, n, NULL);
  free(e);
  free(huge);
}

static void test_limits(void **state) {
  (void)state;
  FgJsonLimits small = {8, 0, 0};
  char *e = error_of("[1, 2, 3, 4]", 12, &small);
  assert_non_null(strstr(e, "too large"));
  free(e);
  FgJsonLimits few = {0, 0, 4};
  e = error_of("[1, 2, 3, 4]", 12, &few);
  assert_non_null(strstr(e, "too many values"));
  free(e);
  char *err = NULL;
  FgJsonDoc *doc = fg_json_doc_parse("[1, 2, 3]", 9, &few, &err);
  assert_non_null(doc);
  fg_json_doc_delete(doc);
  /* a long string and a wide array go through the arena's big blocks */
  size_t n = 300000;
  char *big = fg_xmalloc(n + 3);
  big[0] = '"';
  memset(big + 1, 'x', n);
  big[n + 1] = '"';
  big[n + 2] = '\0';
  doc = fg_json_doc_parse(big, n + 2, NULL, &err);
  assert_non_null(doc);
  assert_int_equal(fg_json_doc_root(doc)->len, n);
  fg_json_doc_delete(doc);
  free(big);
  FgBuf b = {0};
  fg_buf_putc(&b, '[');
  for (int i = 0; i < 50000; i++)
    fg_buf_printf(&b, "%s{\"k%d\": %d}", i ? "," : "", i, i);
  fg_buf_putc(&b, ']');
  doc = fg_json_doc_parse(b.data, b.len, NULL, &err);
  assert_non_null(doc);
  long long v = 0;
  assert_true(
      fg_json_get_int(fg_json_value_at(fg_json_doc_root(doc), 49999), "k49999", &v));
  assert_int_equal(v, 49999);
  fg_json_doc_delete(doc);
  fg_buf_free(&b);
}

static void test_duplicate_keys(void **state) {
  (void)state;
  char *err = NULL;
  FgJsonDoc *doc = parse("{\"a\": 1, \"a\": 2}", &err);
  long long v = 0;
  assert_true(fg_json_get_int(fg_json_doc_root(doc), "a", &v));
  assert_int_equal(v, 2);
  assert_int_equal(fg_json_doc_root(doc)->n, 2);
  fg_json_doc_delete(doc);
}

/* Every prefix of a valid document is an error (but the whole), and random
 * byte changes never crash. */
static void test_prefixes_and_mutations(void **state) {
  (void)state;
  const char *good =
      "{\"version\": 1, \"tests\": {\"t.py::a[1]\": {\"starts\": [{\"line\": "
      "9, \"ok\": true, \"s\": \"\\u00e9\\ud83d\\ude00\"}], \"n\": null}}}";
  size_t len = strlen(good);
  char *err = NULL;
  for (size_t k = 0; k < len; k++) {
    FgJsonDoc *doc = fg_json_doc_parse(good, k, NULL, &err);
    assert_null(doc);
    assert_non_null(err);
    free(err);
    err = NULL;
  }
  FgJsonDoc *doc = fg_json_doc_parse(good, len, NULL, &err);
  assert_non_null(doc);
  fg_json_doc_delete(doc);
  char *buf = fg_xmalloc(len);
  uint32_t seed = 12345;
  for (int round = 0; round < 20000; round++) {
    memcpy(buf, good, len);
    for (int m = 0; m < 3; m++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % len;
      seed = seed * 1103515245u + 12345u;
      buf[at] = (char)(seed >> 16);
    }
    doc = fg_json_doc_parse(buf, len, NULL, &err);
    assert_true((doc == NULL) == (err != NULL));
    fg_json_doc_delete(doc);
    free(err);
    err = NULL;
  }
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scalars_and_nesting),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_depth),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_prefixes_and_mutations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
