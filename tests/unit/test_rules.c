/* The rule catalogue: every rule has a unique code, a kebab-case name, a doc
 * with the four headings, a fix kind, at least one hook, and a fixture
 * folder (fixtures/<code in lower case>/). */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "rules.h"

static void test_codes_unique_and_sorted(void **state) {
  (void)state;
  assert_true(fg_nrules >= 3);
  for (size_t i = 0; i < fg_nrules; i++) {
    const char *c = fg_rules[i]->code;
    assert_int_equal(strlen(c), 5);
    assert_memory_equal(c, "FG", 2);
    assert_true(isdigit((unsigned char)c[2]) && isdigit((unsigned char)c[3]) &&
                isdigit((unsigned char)c[4]));
    if (i)
      assert_true(strcmp(fg_rules[i - 1]->code, c) < 0);
  }
}

static void test_names_kebab_case(void **state) {
  (void)state;
  for (size_t i = 0; i < fg_nrules; i++) {
    const char *n = fg_rules[i]->name;
    assert_true(islower((unsigned char)n[0]));
    for (const char *p = n; *p; p++)
      assert_true(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
                  (*p == '-' && p[1] && p[1] != '-'));
    for (size_t k = 0; k < i; k++)
      assert_string_not_equal(fg_rules[k]->name, n);
    assert_ptr_equal(fg_rule_find(n), fg_rules[i]);
    assert_ptr_equal(fg_rule_find(fg_rules[i]->code), fg_rules[i]);
  }
  assert_null(fg_rule_find("FG999"));
}

static void test_docs_have_headings(void **state) {
  (void)state;
  static const char *const headings[] = {"## What it does\n", "## Why is this bad?\n",
                                         "## Example\n", "## Fix safety\n"};
  for (size_t i = 0; i < fg_nrules; i++) {
    const FgRule *r = fg_rules[i];
    const char *prev = r->doc;
    for (size_t h = 0; h < 4; h++) {
      const char *at = strstr(r->doc, headings[h]);
      if (!at)
        fail_msg("%s: doc lacks %s", r->code, headings[h]);
      assert_true(at >= prev); /* in order */
      prev = at;
    }
    assert_true(strcmp(r->fix, "safe") == 0 || strcmp(r->fix, "unsafe") == 0 ||
                strcmp(r->fix, "none") == 0);
    assert_true(r->summary && *r->summary);
    assert_true(r->on_module || r->on_test || r->on_workflow || r->on_run ||
                r->on_project || r->on_suppressions);
  }
}

static void test_fixture_folders(void **state) {
  (void)state;
  for (size_t i = 0; i < fg_nrules; i++) {
    char path[512];
    char lower[8];
    const char *c = fg_rules[i]->code;
    for (size_t k = 0; k <= strlen(c); k++)
      lower[k] = (char)tolower((unsigned char)c[k]);
    snprintf(path, sizeof path, "%s/fixtures/%s", FG_SOURCE_DIR, lower);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
      fail_msg("%s has no fixture folder %s", c, path);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_codes_unique_and_sorted),
      cmocka_unit_test(test_names_kebab_case),
      cmocka_unit_test(test_docs_have_headings),
      cmocka_unit_test(test_fixture_folders),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
