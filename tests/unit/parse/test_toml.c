// cmocka needs these first, in this order
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
// clang-format on
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/toml.h"

static FgToml *parse(const char *text, FgSource **src) {
  *src = fg_source_new("pyproject.toml", text, strlen(text));
  return fg_toml_parse(*src);
}

/* The source text of a value's span. */
static char *span_text(const FgSource *src, const FgTomlValue *v) {
  return fg_xstrndup(src->data + v->start, v->end - v->start);
}

static void test_tables_and_dotted_keys(void **state) {
  FgSource *src;
  FgToml *doc = parse("name = \"x\"\n"
                      "[tool.pytest.ini_options]\n"
                      "addopts = \"-ra -nauto\"\n"
                      "a.b.c = 3\n"
                      "[tool.other]\n"
                      "flag = true\n",
                      &src);
  assert_false(fg_toml_has_error(doc));
  assert_null(fg_toml_error_message(doc));
  assert_string_equal(fg_toml_as_string(fg_toml_get(doc, "name")), "x");
  const FgTomlValue *add = fg_toml_get(doc, "tool.pytest.ini_options.addopts");
  assert_non_null(add);
  assert_string_equal(fg_toml_as_string(add), "-ra -nauto");
  char *t = span_text(src, add);
  assert_string_equal(t, "\"-ra -nauto\"");
  free(t);
  long long n = 0;
  assert_true(fg_toml_as_int(fg_toml_get(doc, "tool.pytest.ini_options.a.b.c"), &n));
  assert_int_equal(n, 3);
  bool b = false;
  assert_true(fg_toml_as_bool(fg_toml_get(doc, "tool.other.flag"), &b));
  assert_true(b);
  const FgTomlValue *tool = fg_toml_get(doc, "tool");
  assert_true(fg_toml_is_table(tool));
  assert_int_equal(tool->nentries, 2);
  assert_string_equal(tool->entries[0].key, "pytest");
  assert_string_equal(tool->entries[1].key, "other");
  assert_null(fg_toml_get(doc, "tool.missing"));
  assert_null(fg_toml_get(doc, "name.x"));
  fg_toml_delete(doc);
  fg_source_delete(src);
}

static void test_string_kinds(void **state) {
  FgSource *src;
  FgToml *doc = parse("basic = \"a\\tb\\u00e9\\\"q\\\\\"\n"
                      "literal = 'C:\\path\\n'\n"
                      "multi = \"\"\"\nline1\nline2 \\\n    joined\"\"\"\n"
                      "mlit = '''\nraw \\n text'''\n"
                      "\"quoted.key\" = 1\n",
                      &src);
  assert_false(fg_toml_has_error(doc));
  assert_string_equal(fg_toml_as_string(fg_toml_get(doc, "basic")), "a\tb\xc3\xa9\"q\\");
  assert_string_equal(fg_toml_as_string(fg_toml_get(doc, "literal")), "C:\\path\\n");
  assert_string_equal(fg_toml_as_string(fg_toml_get(doc, "multi")),
                      "line1\nline2 joined");
  assert_string_equal(fg_toml_as_string(fg_toml_get(doc, "mlit")), "raw \\n text");
  const FgTomlValue *q = fg_toml_table_get(fg_toml_root(doc), "quoted.key");
  assert_non_null(q);
  assert_int_equal(q->integer, 1);
  assert_null(fg_toml_get(doc, "quoted.key")); /* dotted lookup splits */
  const FgTomlValue *lit = fg_toml_get(doc, "literal");
  char *t = span_text(src, lit);
  assert_string_equal(t, "'C:\\path\\n'");
  free(t);
  fg_toml_delete(doc);
  fg_source_delete(src);
}

static void test_numbers_and_arrays(void **state) {
  FgSource *src;
  FgToml *doc = parse("i = 1_000\nh = 0xff\nneg = -7\nf = 2.5e3\n"
                      "arr = [\"a\", 'b', # comment\n  \"c\",]\n"
                      "mixed = [1, [2, 3], {x = 1}]\n"
                      "d = 1979-05-27\n",
                      &src);
  assert_false(fg_toml_has_error(doc));
  long long n;
  assert_true(fg_toml_as_int(fg_toml_get(doc, "i"), &n));
  assert_int_equal(n, 1000);
  assert_true(fg_toml_as_int(fg_toml_get(doc, "h"), &n));
  assert_int_equal(n, 255);
  assert_true(fg_toml_as_int(fg_toml_get(doc, "neg"), &n));
  assert_int_equal(n, -7);
  const FgTomlValue *f = fg_toml_get(doc, "f");
  assert_int_equal(f->kind, FG_TOML_FLOAT);
  assert_true(f->number == 2500.0);
  const FgTomlValue *arr = fg_toml_get(doc, "arr");
  assert_true(fg_toml_is_string_array(arr));
  assert_int_equal(arr->nitems, 3);
  assert_string_equal(arr->items[2]->str, "c");
  char *t = span_text(src, arr->items[1]);
  assert_string_equal(t, "'b'");
  free(t);
  const FgTomlValue *mixed = fg_toml_get(doc, "mixed");
  assert_false(fg_toml_is_string_array(mixed));
  assert_int_equal(mixed->nitems, 3);
  assert_int_equal(mixed->items[1]->nitems, 2);
  assert_int_equal(mixed->items[1]->items[1]->integer, 3);
  assert_true(mixed->items[2]->is_inline);
  assert_int_equal(fg_toml_table_get(mixed->items[2], "x")->integer, 1);
  const FgTomlValue *d = fg_toml_get(doc, "d");
  assert_int_equal(d->kind, FG_TOML_DATETIME);
  assert_string_equal(d->str, "1979-05-27");
  assert_false(fg_toml_as_int(d, &n));
  fg_toml_delete(doc);
  fg_source_delete(src);
}

static void test_inline_and_array_of_tables(void **state) {
  FgSource *src;
  FgToml *doc = parse("dep = { version = \"^3\", extras = [\"psutil\"] }\n"
                      "[[tool.hatch.envs]]\nname = \"one\"\n"
                      "[[tool.hatch.envs]]\nname = \"two\"\n"
                      "[tool.hatch.envs.sub]\nk = 1\n",
                      &src);
  assert_false(fg_toml_has_error(doc));
  assert_string_equal(fg_toml_as_string(fg_toml_get(doc, "dep.version")), "^3");
  const FgTomlValue *envs = fg_toml_get(doc, "tool.hatch.envs");
  assert_true(envs->is_array_of_tables);
  assert_int_equal(envs->nitems, 2);
  assert_string_equal(fg_toml_as_string(fg_toml_table_get(envs->items[0], "name")),
                      "one");
  /* a path through an array of tables continues in its last element */
  assert_string_equal(fg_toml_as_string(fg_toml_get(doc, "tool.hatch.envs.name")), "two");
  assert_int_equal(fg_toml_get(doc, "tool.hatch.envs.sub.k")->integer, 1);
  fg_toml_delete(doc);
  fg_source_delete(src);
}

static void test_malformed_error_offset(void **state) {
  FgSource *src;
  const char *text = "[tool.pytest]\naddopts = [\"-ra\",\nx = = 1\n";
  FgToml *doc = parse(text, &src);
  assert_true(fg_toml_has_error(doc));
  assert_non_null(fg_toml_error_message(doc));
  /* tree-sitter's recovery starts the ERROR node at the '=' of line 2 */
  assert_int_equal(fg_toml_error_offset(doc), 22);
  assert_string_equal(fg_toml_error_message(doc), "syntax error");
  fg_toml_delete(doc);
  fg_source_delete(src);

  doc = parse("a = 1\nb = \"ok\"\nc = ]\n", &src);
  assert_true(fg_toml_has_error(doc));
  assert_int_equal(fg_toml_error_offset(doc), 15);     /* the pair `c = ]` */
  assert_int_equal(fg_toml_get(doc, "a")->integer, 1); /* what came before is kept */
  fg_toml_delete(doc);
  fg_source_delete(src);

  doc = parse("ok = 1\na = \"unterminated\nb = 1\n", &src);
  assert_true(fg_toml_has_error(doc));
  assert_int_equal(fg_toml_error_offset(doc), 9); /* the opening quote */
  fg_toml_delete(doc);
  fg_source_delete(src);
}

static void test_duplicates(void **state) {
  FgSource *src;
  FgToml *doc = parse("a = 1\nb = 2\na = 3\n", &src);
  assert_true(fg_toml_has_error(doc));
  assert_int_equal(fg_toml_error_offset(doc), 12);
  assert_string_equal(fg_toml_error_message(doc), "duplicate key");
  assert_int_equal(fg_toml_get(doc, "a")->integer, 1);
  fg_toml_delete(doc);
  fg_source_delete(src);

  doc = parse("[x]\na = 1\n[x]\nb = 2\n", &src);
  assert_true(fg_toml_has_error(doc));
  assert_string_equal(fg_toml_error_message(doc), "table defined more than once");
  assert_int_equal(fg_toml_error_offset(doc), 11);
  fg_toml_delete(doc);
  fg_source_delete(src);
}

static void test_deep_nesting(void **state) {
  /* 100k nested arrays: built and freed without recursion */
  size_t depth = 100000;
  FgBuf b = {0};
  fg_buf_puts(&b, "x = ");
  for (size_t i = 0; i < depth; i++)
    fg_buf_putc(&b, '[');
  for (size_t i = 0; i < depth; i++)
    fg_buf_putc(&b, ']');
  fg_buf_putc(&b, '\n');
  FgSource *src = fg_source_new("deep.toml", b.data, b.len);
  fg_buf_free(&b);
  FgToml *doc = fg_toml_parse(src);
  const FgTomlValue *v = fg_toml_get(doc, "x");
  size_t levels = 0;
  while (v && v->kind == FG_TOML_ARRAY) {
    levels++;
    v = v->nitems ? v->items[0] : NULL;
  }
  assert_int_equal(levels, depth);
  fg_toml_delete(doc);
  fg_source_delete(src);
  fg_toml_delete(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tables_and_dotted_keys),
      cmocka_unit_test(test_string_kinds),
      cmocka_unit_test(test_numbers_and_arrays),
      cmocka_unit_test(test_inline_and_array_of_tables),
      cmocka_unit_test(test_malformed_error_offset),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_deep_nesting),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
