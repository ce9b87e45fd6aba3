/* lint/config: selectors checked against the catalogue, opt-in rules,
 * extend-select, unknown keys. */
#include "fg_testdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "rules.h"

static FgConfigOverrides ov_with(const char *select, const char *extend,
                                 const char *ignore) {
  FgConfigOverrides ov = {0};
  ov.no_config = true;
  ov.select = select;
  ov.extend_select = extend;
  ov.ignore = ignore;
  ov.rules = fg_rules;
  ov.nrules = fg_nrules;
  return ov;
}

static void test_defaults_leave_opt_in_rules_off(void **state) {
  (void)state;
  FgConfigOverrides ov = ov_with(NULL, NULL, NULL);
  char *err = NULL;
  FgConfig *c = fg_config_load("/nonexistent", &ov, &err);
  assert_non_null(c);
  assert_true(fg_config_enabled(c, fg_rule_find("FG101"), NULL));
  assert_false(fg_config_enabled(c, fg_rule_find("FG002"), NULL));
  fg_config_delete(c);
}

static void test_selectors_are_canonical(void **state) {
  (void)state;
  FgConfigOverrides ov =
      ov_with("fg1,parallel-run-selects-pool-tests", "unused-suppression", "fg104");
  char *err = NULL;
  FgConfig *c = fg_config_load("/nonexistent", &ov, &err);
  assert_non_null(c);
  assert_string_equal(c->select.items[0], "FG1");
  assert_string_equal(c->select.items[1], "FG201");
  assert_string_equal(c->extend_select.items[0], "FG002");
  assert_true(fg_config_enabled(c, fg_rule_find("FG101"), NULL));
  assert_true(fg_config_enabled(c, fg_rule_find("FG201"), NULL));
  assert_true(fg_config_enabled(c, fg_rule_find("FG002"), NULL));
  assert_false(fg_config_enabled(c, fg_rule_find("FG104"), NULL));
  assert_false(fg_config_enabled(c, fg_rule_find("FG301"), NULL));
  assert_true(fg_config_selects(c, "FG002"));
  fg_config_delete(c);
}

static void test_unknown_selector(void **state) {
  (void)state;
  FgConfigOverrides ov = ov_with("FG101,FG2O1", NULL, NULL);
  char *err = NULL;
  assert_null(fg_config_load("/nonexistent", &ov, &err));
  assert_string_equal(err, "--select: unknown rule FG2O1; did you mean FG201?");
  free(err);
}

static void test_file_errors(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "forkguard.toml", "select = [\"FG1\"]\nmarkr = \"serial\"\n");
  FgConfigOverrides ov = {0};
  ov.rules = fg_rules;
  ov.nrules = fg_nrules;
  char *err = NULL;
  assert_null(fg_config_load(dir, &ov, &err));
  assert_string_equal(
      err, "forkguard.toml:2:9: [tool.forkguard] markr: unknown key; did you mean "
           "`marker`?");
  free(err);
  testdir_write(dir, "forkguard.toml", "ignore = [\"FG101\", \"fg999\"]\n");
  err = NULL;
  assert_null(fg_config_load(dir, &ov, &err));
  assert_non_null(
      strstr(err, "forkguard.toml:1:20: [tool.forkguard] ignore: unknown rule fg999"));
  free(err);
  testdir_delete(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_leave_opt_in_rules_off),
      cmocka_unit_test(test_selectors_are_canonical),
      cmocka_unit_test(test_unknown_selector),
      cmocka_unit_test(test_file_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
