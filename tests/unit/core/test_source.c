/* lint/core/source: line index, byte offset -> line:column in code points,
 * line endings, BOM, final newline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "core/util.h"

static void test_ascii_positions(void **state) {
  (void)state;
  FgSource *s = fg_source_new("a.py", "ab\ncd\n", 6);
  assert_int_equal(s->nlines, 2);
  FgPos p = fg_source_pos(s, 0);
  assert_int_equal(p.line, 1);
  assert_int_equal(p.column, 1);
  p = fg_source_pos(s, 4);
  assert_int_equal(p.line, 2);
  assert_int_equal(p.column, 2);
  p = fg_source_pos(s, 6); /* end of file, after the final newline */
  assert_int_equal(p.line, 3);
  assert_int_equal(p.column, 1);
  assert_true(s->final_newline);
  assert_false(s->crlf);
  fg_source_delete(s);
}

static void test_multibyte_columns(void **state) {
  (void)state;
  /* "é" is 2 bytes, "😀" is 4: columns count code points */
  const char *text = "x = \"\xC3\xA9\xF0\x9F\x98\x80\" + y\n";
  FgSource *s = fg_source_new("a.py", text, strlen(text));
  size_t y = (size_t)(strchr(text, 'y') - text);
  FgPos p = fg_source_pos(s, y);
  assert_int_equal(p.line, 1);
  assert_int_equal(p.column, 12);
  /* an offset inside the emoji belongs to the emoji's column */
  assert_int_equal(fg_source_pos(s, 8).column, 7);
  assert_int_equal(fg_source_pos(s, 7).column, 7);
  fg_source_delete(s);
}

static void test_crlf_and_bom(void **state) {
  (void)state;
  const char *text = "\xEF\xBB\xBFone\r\ntwo\r\nthree";
  FgSource *s = fg_source_new("w.yml", text, strlen(text));
  assert_true(s->bom);
  assert_true(s->crlf);
  assert_false(s->final_newline);
  assert_int_equal(s->nlines, 3);
  assert_string_equal(fg_source_eol(s), "\r\n");
  FgPos p = fg_source_pos(s, 3); /* 'o' right after the BOM */
  assert_int_equal(p.line, 1);
  assert_int_equal(p.column, 1);
  size_t len = 0;
  const char *line = fg_source_line_text(s, 1, &len);
  assert_int_equal(len, 3);
  assert_memory_equal(line, "one", 3);
  line = fg_source_line_text(s, 2, &len);
  assert_int_equal(len, 3);
  assert_memory_equal(line, "two", 3);
  line = fg_source_line_text(s, 3, &len);
  assert_int_equal(len, 5);
  assert_int_equal(fg_source_pos(s, strlen(text)).line, 3);
  fg_source_delete(s);
}

static void test_empty_and_lone_cr(void **state) {
  (void)state;
  FgSource *s = fg_source_new("e.py", "", 0);
  assert_int_equal(s->nlines, 1);
  assert_true(s->final_newline);
  assert_int_equal(fg_source_pos(s, 10).line, 1); /* clamped */
  fg_source_delete(s);
  s = fg_source_new("m.py", "a\rb\r", 4);
  assert_int_equal(s->nlines, 2);
  assert_int_equal(fg_source_pos(s, 2).line, 2);
  fg_source_delete(s);
  fg_source_delete(NULL);
}

/* Parsers see a lone CR as LF, in place: offsets stay the file's; the
 * bytes as read stay in raw, and edits use the file's own line break. */
static void test_lone_cr_reads_as_lf(void **state) {
  (void)state;
  FgSource *s = fg_source_new("m.py", "a\rb\r\nc\r", 7);
  assert_memory_equal(s->data, "a\nb\r\nc\n", 7);
  assert_memory_equal(s->raw, "a\rb\r\nc\r", 7);
  assert_int_equal(s->nlines, 3);
  assert_true(s->cr);
  assert_false(s->crlf);
  assert_string_equal(fg_source_eol(s), "\r");
  fg_source_delete(s);
  s = fg_source_new("u.py", "a\nb\n", 4);
  assert_ptr_equal(s->raw, s->data); /* nothing to keep apart */
  assert_string_equal(fg_source_eol(s), "\n");
  assert_false(s->has_nul);
  fg_source_delete(s);
  s = fg_source_new("z.py", "a\0b\n", 4);
  assert_true(s->has_nul);
  assert_int_equal(s->len, 4);
  fg_source_delete(s);
}

static void test_normalize(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"a/b/c", "a/b/c"},
      {"a/./b//c/", "a/b/c"},
      {"a/../b", "b"},
      {"a/..", ""},
      {"../x", "../x"},
      {"../../x/../y", "../../y"},
      {"a/b/../../../c", "../c"},
      {"services/api/../../.github/w.yml", ".github/w.yml"},
      {"", ""},
      {"..", ".."},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = fg_path_normalize(cases[i][0]);
    assert_string_equal(got, cases[i][1]);
    free(got);
  }
}

static void test_shown_from_the_repository(void **state) {
  (void)state;
  FgSource *wf = fg_source_new("../../.github/workflows/ci.yml", "", 0);
  assert_string_equal(fg_source_shown(wf), "../../.github/workflows/ci.yml");
  fg_source_set_prefix(wf, "services/api");
  assert_string_equal(fg_source_shown(wf), ".github/workflows/ci.yml");
  fg_source_set_prefix(wf, "");
  assert_string_equal(fg_source_shown(wf), "../../.github/workflows/ci.yml");
  fg_source_set_prefix(wf, "services/api");
  fg_source_rename(wf, "tox.ini");
  assert_string_equal(wf->path, "tox.ini");
  assert_string_equal(fg_source_shown(wf), "tox.ini"); /* renaming resets it */
  fg_source_delete(wf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ascii_positions),
      cmocka_unit_test(test_multibyte_columns),
      cmocka_unit_test(test_crlf_and_bom),
      cmocka_unit_test(test_empty_and_lone_cr),
      cmocka_unit_test(test_lone_cr_reads_as_lf),
      cmocka_unit_test(test_normalize),
      cmocka_unit_test(test_shown_from_the_repository),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
