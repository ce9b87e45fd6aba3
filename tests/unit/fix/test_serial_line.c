/* serial_line: FG201's fix for a run written in tox.ini, applied to a small
 * project; the fixed tox.ini is read back with lint/ci/tox: the env now runs
 * the parallel line and the serial copy. */
#include "fg_testdir.h"

// cmocka needs these first, in this order
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
// clang-format on

#include "ci/tox.h"
#include "core/util.h"
#include "fix/apply.h"
#include "project.h"
#include "rules.h"

static const char kTox[] = "[tox]\n"
                           "envlist = py312, py312-xdist\n"
                           "\n"
                           "[testenv]\n"
                           "commands =\n"
                           "    !xdist: pytest {posargs:tests}\n"
                           "    xdist: pytest -m \"not slow\" \\\n"
                           "        {posargs:-n auto tests}\n"
                           "    python -c \"print('done')\"\n";

static const char kWorkflow[] = "on: [push]\n"
                                "jobs:\n"
                                "  test:\n"
                                "    runs-on: ubuntu-latest\n"
                                "    steps:\n"
                                "      - run: tox -e py312-xdist\n";

static const char kPool[] = "from concurrent.futures import ProcessPoolExecutor\n"
                            "\n"
                            "\n"
                            "def test_pool():\n"
                            "    with ProcessPoolExecutor(2) as ex:\n"
                            "        assert sum(ex.map(abs, [-1])) == 1\n";

/* The new bytes of tox.ini after FG201's fix. */
static char *fixed_tox(const char *dir) {
  FgConfigOverrides ov = {0};
  char *err = NULL;
  const char *paths[] = {dir};
  FgProject *p = fg_project_load(paths, 1, &ov, &err);
  if (!p)
    fail_msg("fg_project_load: %s", err ? err : "?");
  FgDiagList diags = {0};
  fg_rules_lint(p, &diags);
  FgPlan *plan = fg_plan_new();
  for (size_t i = 0; i < diags.items.len; i++) {
    const FgDiag *d = diags.items.items[i];
    if (strcmp(d->rule->code, "FG201") == 0 && d->fix)
      assert_true(fg_plan_add_fix(plan, d->fix));
  }
  char *out = NULL;
  for (size_t i = 0; i < fg_plan_nfiles(plan); i++)
    if (strcmp(fg_plan_file(plan, i)->src->path, "tox.ini") == 0)
      out = fg_xstrdup(fg_plan_file(plan, i)->data);
  fg_plan_delete(plan);
  fg_diag_list_clear(&diags);
  fg_project_delete(p);
  return out;
}

static void test_tox_env_runs_both_lines(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "tox.ini", kTox);
  testdir_write(dir, "tests/test_pool.py", kPool);
  char path[4096];
  snprintf(path, sizeof path, "%s/.github", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/.github/workflows", dir);
  mkdir(path, 0755);
  testdir_write(dir, ".github/workflows/ci.yml", kWorkflow);

  char *data = fixed_tox(dir);
  assert_non_null(data);
  FgSource *src = fg_source_new("tox.ini", data, strlen(data));
  FgTox *tox = fg_tox_parse(src);
  assert_false(fg_tox_has_error(tox));
  FgToxLines cmds = {0};
  fg_tox_commands(tox, "py312-xdist", NULL, &cmds);
  assert_int_equal(cmds.len, 3);
  assert_string_equal(cmds.items[0].text,
                      "pytest -m \"(not slow) and not no_parallel\" -n auto tests");
  /* the serial line accepts an empty selection (exit code 5) and only that;
   * -m and -n 0 follow {posargs}, which CI may fill with `-n 4` */
  assert_string_equal(
      cmds.items[1].text,
      "python -c 'import subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
      "sys.exit(0 if rc == 5 else rc)' pytest tests -m \"(not slow) and no_parallel\" "
      "-n 0");
  assert_string_equal(cmds.items[2].text, "python -c \"print('done')\"");
  fg_tox_lines_free(&cmds);
  /* the env without the factor is as it was */
  fg_tox_commands(tox, "py312", NULL, &cmds);
  assert_int_equal(cmds.len, 2);
  assert_string_equal(cmds.items[0].text, "pytest tests");
  fg_tox_lines_free(&cmds);
  fg_tox_delete(tox);
  fg_source_delete(src);
  free(data);
  testdir_delete(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tox_env_runs_both_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
