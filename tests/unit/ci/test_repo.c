/* Unit tests for lint/ci/repo.c: paths between the repository and a project
 * below its root, and which runs of the repository's workflows reach the
 * project. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ci/repo.h"

static void test_repo_path_to_project(void **state) {
  (void)state;
  static const char *const cases[][3] = {
      {"services/api", "services/api/tox.ini", "tox.ini"},
      {"services/api", "services/api", ""},
      {"services/api", "services/web", "../web"},
      {"services/api", "services/apix/t", "../apix/t"},
      {"services/api", "services", ".."},
      {"services/api", "Makefile", "../../Makefile"},
      {"services/api", "", "../.."},
      {"api", ".github/workflows/ci.yml", "../.github/workflows/ci.yml"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = fg_repo_path_to_project(cases[i][0], cases[i][1]);
    assert_string_equal(got, cases[i][2]);
    free(got);
  }
}

static void test_project_path_to_repo(void **state) {
  (void)state;
  char *got = fg_project_path_to_repo("services/api", "../../.github/workflows/ci.yml");
  assert_string_equal(got, ".github/workflows/ci.yml");
  free(got);
  got = fg_project_path_to_repo("services/api", "tests/conftest.py");
  assert_string_equal(got, "services/api/tests/conftest.py");
  free(got);
  assert_null(fg_project_path_to_repo("services/api", "../../../elsewhere"));
  assert_null(fg_project_path_to_repo("services/api", "../../.."));
}

/* A run as the repository's workflow gives it: workdir, paths, and the
 * command-line words ("-c", "x" ...). */
static FgRun *run_of(const char *workdir, const char *const *paths, size_t npaths,
                     const char *const *words, size_t nwords) {
  FgRun *r = fg_xcalloc(1, sizeof *r);
  r->workdir = fg_xstrdup(workdir);
  for (size_t i = 0; i < npaths; i++)
    fg_vec_push(&r->paths, fg_xstrdup(paths[i]));
  for (size_t i = 0; i < nwords; i++) {
    FgOpt o = {fg_xstrdup(words[i]), FG_ORIGIN_CMDLINE, (int)i};
    fg_vec_push(&r->opts, o);
  }
  return r;
}

static void test_runs_that_reach_the_project(void **state) {
  (void)state;
  const char *api_tests[] = {"services/api/tests"};
  FgRun *r = run_of("", api_tests, 1, NULL, 0);
  fg_vec_push(&r->ignores, fg_xstrdup("services/api/tests/slow"));
  fg_vec_push(&r->ignores, fg_xstrdup("services/web/tests"));
  fg_vec_push(&r->ignore_globs, fg_xstrdup("services/api/tests/*_big.py"));
  fg_vec_push(&r->ignore_globs, fg_xstrdup("*/flaky/*"));
  fg_vec_push(&r->ignore_globs, fg_xstrdup("services/web/*"));
  fg_vec_push(&r->deselects, fg_xstrdup("services/api/tests/test_x.py::test_a"));
  fg_vec_push(&r->deselects, fg_xstrdup("services/web/tests/test_y.py::test_b"));
  assert_true(fg_run_to_project(r, "services/api"));
  assert_string_equal(r->workdir, "../..");
  assert_int_equal(r->paths.len, 1);
  assert_string_equal(r->paths.items[0], "tests");
  assert_int_equal(r->ignores.len, 1);
  assert_string_equal(r->ignores.items[0], "tests/slow");
  assert_int_equal(r->ignore_globs.len, 2);
  assert_string_equal(r->ignore_globs.items[0], "tests/*_big.py");
  assert_string_equal(r->ignore_globs.items[1], "*/flaky/*");
  assert_int_equal(r->deselects.len, 1);
  assert_string_equal(r->deselects.items[0], "tests/test_x.py::test_a");
  fg_run_delete(r);

  /* cd services/api && pytest: its directory is the path */
  const char *here[] = {"services/api"};
  r = run_of("services/api", here, 1, NULL, 0);
  assert_true(fg_run_to_project(r, "services/api"));
  assert_string_equal(r->workdir, "");
  assert_string_equal(r->paths.items[0], "");
  fg_run_delete(r);

  /* both projects: only this one's path stays */
  const char *both[] = {"services/api/tests", "services/web/tests"};
  r = run_of("", both, 2, NULL, 0);
  assert_true(fg_run_to_project(r, "services/web"));
  assert_int_equal(r->paths.len, 1);
  assert_string_equal(r->paths.items[0], "tests");
  fg_run_delete(r);
}

static void test_runs_that_do_not(void **state) {
  (void)state;
  /* a sibling's tests, from the root or from its folder */
  const char *web[] = {"services/web/tests"};
  FgRun *r = run_of("", web, 1, NULL, 0);
  assert_false(fg_run_to_project(r, "services/api"));
  assert_string_equal(r->paths.items[0], "services/web/tests"); /* untouched */
  fg_run_delete(r);
  const char *from_api[] = {"services/web/tests"};
  r = run_of("services/api", from_api, 1, NULL, 0);
  assert_false(fg_run_to_project(r, "services/api"));
  fg_run_delete(r);
  /* a folder above the project, its config not the project's */
  const char *above[] = {"services"};
  r = run_of("", above, 1, NULL, 0);
  assert_false(fg_run_to_project(r, "services/api"));
  fg_run_delete(r);
  const char *root[] = {""};
  r = run_of("", root, 1, NULL, 0);
  assert_false(fg_run_to_project(r, "services/api"));
  fg_run_delete(r);
  /* a name that only starts like the project */
  const char *apix[] = {"services/apix/tests"};
  r = run_of("", apix, 1, NULL, 0);
  assert_false(fg_run_to_project(r, "services/api"));
  fg_run_delete(r);
}

static void test_rootdir_or_config_inside(void **state) {
  (void)state;
  const char *root[] = {""};
  static const char *const spellings[][2] = {
      {"--rootdir=services/api", NULL},    {"--rootdir", "services/api"},
      {"-c", "services/api/pytest.ini"},   {"-cservices/api/pytest.ini", NULL},
      {"--confcutdir=services/api", NULL}, {"--config-file", "services/api/pytest.ini"},
  };
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
    size_t n = spellings[i][1] ? 2 : 1;
    FgRun *r = run_of("", root, 1, spellings[i], n);
    assert_true(fg_run_to_project(r, "services/api"));
    assert_string_equal(r->paths.items[0], ""); /* the whole project */
    fg_run_delete(r);
  }
  /* relative to the run's directory */
  const char *here[] = {"services"};
  const char *rel[] = {"--rootdir=api"};
  FgRun *r = run_of("services", here, 1, rel, 1);
  assert_true(fg_run_to_project(r, "services/api"));
  fg_run_delete(r);
  /* into the sibling, or from the project's own config */
  const char *web[] = {"--rootdir=services/web"};
  r = run_of("", root, 1, web, 1);
  assert_false(fg_run_to_project(r, "services/api"));
  fg_run_delete(r);
  r = run_of("", root, 1, NULL, 0);
  FgOpt ini = {fg_xstrdup("--rootdir=services/api"), FG_ORIGIN_INI, -1};
  fg_vec_push(&r->opts, ini);
  assert_false(fg_run_to_project(r, "services/api"));
  fg_run_delete(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_repo_path_to_project),
      cmocka_unit_test(test_project_path_to_repo),
      cmocka_unit_test(test_runs_that_reach_the_project),
      cmocka_unit_test(test_runs_that_do_not),
      cmocka_unit_test(test_rootdir_or_config_inside),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
