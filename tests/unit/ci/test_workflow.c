/* Unit tests for lint/ci/workflow.c: a run: scalar's text mapped back to
 * the file, byte for byte where the file holds it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ci/workflow.h"

static FgWorkflow *load(const char *yaml) {
  return fg_workflow_load(fg_source_new(".github/workflows/ci.yml", yaml, strlen(yaml)));
}

static const FgScript *first_script(const FgWorkflow *wf) {
  assert_true(wf->jobs.len > 0);
  assert_true(wf->jobs.items[0].steps.len > 0);
  const FgScript *s = wf->jobs.items[0].steps.items[0].script;
  assert_non_null(s);
  return s;
}

/* The file offset of the first `word` of the script's text. */
static size_t file_of(const FgScript *s, const char *word) {
  const char *at = strstr(s->text, word);
  assert_non_null(at);
  return fg_script_file_offset(s, (size_t)(at - s->text));
}

/* Every listed word of the text maps to the same word in the file. */
static void assert_words_map(const FgWorkflow *wf, const char *const *words) {
  const FgScript *s = first_script(wf);
  for (size_t i = 0; words[i]; i++) {
    size_t f = file_of(s, words[i]);
    assert_true(f + strlen(words[i]) <= wf->src->len);
    assert_memory_equal(wf->src->data + f, words[i], strlen(words[i]));
  }
}

static const char head[] =
    "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n";

static char *doc(const char *steps) {
  return fg_xasprintf("%s%s", head, steps);
}

static void test_folded_lines_map_to_their_lines(void **state) {
  (void)state;
  char *y = doc("      - run: >-\n"
                "          python -m nox -s test --\n"
                "          tests/unit\n"
                "          --verbose --numprocesses auto\n");
  FgWorkflow *wf = load(y);
  const FgScript *s = first_script(wf);
  assert_string_equal(
      s->text, "python -m nox -s test -- tests/unit --verbose --numprocesses auto");
  assert_true(s->mapped);
  assert_false(s->exact);
  const char *words[] = {"python", "--", "tests/unit", "--verbose", "auto", NULL};
  assert_words_map(wf, words);
  /* the start of the text is the command's line, not the `run: >-` line */
  assert_int_equal(fg_source_pos(wf->src, file_of(s, "python")).line, 7);
  assert_int_equal(fg_source_pos(wf->src, file_of(s, "--verbose")).line, 9);
  /* a word's end that falls on a fold maps to the end of its line */
  size_t end = (size_t)(strstr(s->text, " tests/unit") - s->text);
  assert_int_equal(fg_script_file_offset(s, end), (size_t)(strstr(y, " --\n") - y) + 3);
  fg_workflow_delete(wf);
  free(y);
}

static void test_folded_kept_lines_and_blanks(void **state) {
  (void)state;
  char *y = doc("      - run: >+\n"
                "\n"
                "          echo one\n"
                "\n"
                "            echo kept  \n"
                "          pytest -q\n"
                "          -n 2\n"
                "\n"
                "      - run: echo next\n");
  FgWorkflow *wf = load(y);
  const FgScript *s = first_script(wf);
  assert_true(s->mapped);
  assert_non_null(strstr(s->text, "  echo kept  \n"));
  const char *words[] = {"echo one", "echo kept", "pytest -q", "-n 2", NULL};
  assert_words_map(wf, words);
  /* the text before the first line (a leading blank line) maps to it */
  assert_int_equal(fg_script_file_offset(s, 0), (size_t)(strstr(y, "echo one") - y));
  fg_workflow_delete(wf);
  free(y);
}

static void test_folded_crlf(void **state) {
  (void)state;
  const char *y =
      "on: push\r\njobs:\r\n  t:\r\n    runs-on: ubuntu-latest\r\n"
      "    steps:\r\n      - run: >\r\n          pytest\r\n          -n auto\r\n";
  FgWorkflow *wf = load(y);
  const FgScript *s = first_script(wf);
  assert_true(s->mapped);
  const char *words[] = {"pytest", "-n auto", NULL};
  assert_words_map(wf, words);
  fg_workflow_delete(wf);
}

static void test_literal_and_plain_exact(void **state) {
  (void)state;
  char *y = doc("      - run: |\n          echo a\n          pytest -n 4\n");
  FgWorkflow *wf = load(y);
  assert_true(first_script(wf)->exact);
  assert_true(first_script(wf)->mapped);
  const char *words[] = {"echo a", "pytest -n 4", NULL};
  assert_words_map(wf, words);
  fg_workflow_delete(wf);
  free(y);
  y = doc("      - run: pytest -n 4 tests\n");
  wf = load(y);
  assert_true(first_script(wf)->exact);
  const char *plain[] = {"-n 4", "tests", NULL};
  assert_words_map(wf, plain);
  fg_workflow_delete(wf);
  free(y);
}

/* Text the file does not hold as it is: every offset is the scalar's start. */
static void test_escaped_and_flow_are_approximate(void **state) {
  (void)state;
  char *y = doc("      - run: \"pytest \\x2dn 4\"\n");
  FgWorkflow *wf = load(y);
  const FgScript *s = first_script(wf);
  assert_false(s->mapped);
  assert_false(s->exact);
  /* the text's start, inside the quote */
  size_t at = (size_t)(strstr(y, "\"pytest") - y) + 1;
  assert_int_equal(file_of(s, "-n"), at);
  fg_workflow_delete(wf);
  free(y);
  y = doc("      - run: pytest\n          -n 4\n");
  wf = load(y);
  s = first_script(wf);
  assert_false(s->mapped);
  assert_int_equal(file_of(s, "-n"), (size_t)(strstr(y, "pytest") - y));
  fg_workflow_delete(wf);
  free(y);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_folded_lines_map_to_their_lines),
      cmocka_unit_test(test_folded_kept_lines_and_blanks),
      cmocka_unit_test(test_folded_crlf),
      cmocka_unit_test(test_literal_and_plain_exact),
      cmocka_unit_test(test_escaped_and_flow_are_approximate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
