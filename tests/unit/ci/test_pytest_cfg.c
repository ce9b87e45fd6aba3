#include "fg_testdir.h"

// cmocka needs these first, in this order
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
// clang-format on

#include "ci/pytest_cfg.h"
#include "core/util.h"

/* The bytes of [start, end) in dir/name. */
static char *file_span(const char *dir, const char *name, size_t start, size_t end) {
  char *path = fg_xasprintf("%s/%s", dir, name);
  size_t len;
  char *err = NULL;
  char *data = fg_read_file(path, 1 << 20, &len, &err);
  free(path);
  assert_non_null(data);
  assert_true(start <= end && end <= len);
  char *r = fg_xstrndup(data + start, end - start);
  free(data);
  return r;
}

static void assert_span(const char *dir, const char *name, size_t start, size_t end,
                        const char *want) {
  char *got = file_span(dir, name, start, end);
  assert_string_equal(got, want);
  free(got);
}

static void test_pyproject_ini_options(void **state) {
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml",
                "[project]\nname = \"x\"\n\n"
                "[tool.pytest.ini_options]\n"
                "addopts = \"-ra -nauto\"\n"
                "testpaths = [\"tests\", \"integration\"]\n"
                "markers = [\"slow: takes long\", \"no_parallel(reason): forks\"]\n");
  FgPytestCfg *c = fg_pytest_cfg_load(dir);
  assert_false(c->has_error);
  assert_int_equal(c->kind, FG_PYTEST_CFG_PYPROJECT_INI);
  assert_string_equal(c->path, "pyproject.toml");
  assert_true(c->addopts.present);
  assert_int_equal(c->addopts.len, 2);
  assert_string_equal(c->addopts.items[0].text, "-ra");
  assert_string_equal(c->addopts.items[1].text, "-nauto");
  assert_span(dir, "pyproject.toml", c->addopts.start, c->addopts.end, "\"-ra -nauto\"");
  assert_span(dir, "pyproject.toml", c->addopts.items[1].start, c->addopts.items[1].end,
              "-nauto");
  assert_int_equal(c->testpaths.len, 2);
  assert_string_equal(c->testpaths.items[1].text, "integration");
  assert_int_equal(c->markers.len, 2);
  assert_string_equal(c->markers.items[0].text, "slow");
  assert_string_equal(c->markers.items[1].text, "no_parallel");
  assert_span(dir, "pyproject.toml", c->markers.items[1].start, c->markers.items[1].end,
              "\"no_parallel(reason): forks\"");
  assert_true(fg_pytest_cfg_has_marker(c, "no_parallel"));
  assert_false(fg_pytest_cfg_has_marker(c, "forks"));
  assert_span(dir, "pyproject.toml", c->section_start, c->section_start + 25,
              "[tool.pytest.ini_options]");
  /* defaults */
  assert_int_equal(c->python_files.len, 2);
  assert_false(c->python_files.present);
  assert_string_equal(c->python_files.items[0].text, "test_*.py");
  assert_string_equal(c->python_files.items[1].text, "*_test.py");
  assert_string_equal(c->python_classes.items[0].text, "Test");
  assert_string_equal(c->python_functions.items[0].text, "test");
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);
}

static void test_pyproject_native_list(void **state) {
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml",
                "[tool.pytest]\n"
                "addopts = [\"-n\", \"auto\", \"-m\", \"not serial\"]\n"
                "python_files = [\"check_*.py\"]\n");
  FgPytestCfg *c = fg_pytest_cfg_load(dir);
  assert_false(c->has_error);
  assert_int_equal(c->kind, FG_PYTEST_CFG_PYPROJECT_TOML);
  assert_int_equal(c->addopts.len, 4);
  assert_string_equal(c->addopts.items[3].text, "not serial");
  assert_span(dir, "pyproject.toml", c->addopts.items[3].start, c->addopts.items[3].end,
              "\"not serial\"");
  assert_span(dir, "pyproject.toml", c->addopts.start, c->addopts.end,
              "[\"-n\", \"auto\", \"-m\", \"not serial\"]");
  assert_true(c->python_files.present);
  assert_int_equal(c->python_files.len, 1);
  assert_string_equal(c->python_files.items[0].text, "check_*.py");
  assert_false(c->markers.present);
  assert_int_equal(c->markers.len, 0);
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);
}

static void test_pytest_ini_wins(void **state) {
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", "[tool.pytest.ini_options]\naddopts = \"-x\"\n");
  testdir_write(dir, "tox.ini", "[pytest]\naddopts = -q\n");
  testdir_write(dir, "pytest.ini", "[pytest]\naddopts = -n 4\n");
  FgPytestCfg *c = fg_pytest_cfg_load(dir);
  assert_int_equal(c->kind, FG_PYTEST_CFG_PYTEST_INI);
  assert_string_equal(c->path, "pytest.ini");
  assert_int_equal(c->addopts.len, 2);
  assert_string_equal(c->addopts.items[1].text, "4");
  assert_span(dir, "pytest.ini", c->section_start, c->section_end, "[pytest]");
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  /* an empty pytest.ini still wins */
  dir = testdir_new();
  testdir_write(dir, "pytest.ini", "");
  testdir_write(dir, "pyproject.toml", "[tool.pytest.ini_options]\naddopts = \"-x\"\n");
  c = fg_pytest_cfg_load(dir);
  assert_int_equal(c->kind, FG_PYTEST_CFG_PYTEST_INI);
  assert_false(c->addopts.present);
  assert_int_equal(c->addopts.len, 0);
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);
}

static void test_sections_must_exist(void **state) {
  /* pyproject without a pytest table, tox.ini without [pytest]: setup.cfg */
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", "[tool.black]\nline-length = 100\n");
  testdir_write(dir, "tox.ini", "[tox]\nenvlist = py311\n[testenv]\ncommands = pytest\n");
  testdir_write(dir, "setup.cfg",
                "[metadata]\nname = x\n[tool:pytest]\naddopts = -p no:xdist\n");
  FgPytestCfg *c = fg_pytest_cfg_load(dir);
  assert_int_equal(c->kind, FG_PYTEST_CFG_SETUP_CFG);
  assert_string_equal(c->path, "setup.cfg");
  assert_int_equal(c->addopts.len, 2);
  assert_string_equal(c->addopts.items[1].text, "no:xdist");
  assert_span(dir, "setup.cfg", c->addopts.items[1].start, c->addopts.items[1].end,
              "no:xdist");
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  /* tox.ini with [pytest] comes before setup.cfg */
  dir = testdir_new();
  testdir_write(dir, "tox.ini", "[tox]\nenvlist = py311\n[pytest]\naddopts = -ra\n");
  testdir_write(dir, "setup.cfg", "[tool:pytest]\naddopts = -x\n");
  c = fg_pytest_cfg_load(dir);
  assert_int_equal(c->kind, FG_PYTEST_CFG_TOX_INI);
  assert_string_equal(c->addopts.items[0].text, "-ra");
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  /* nothing matches: no config (setup.cfg lacks [tool:pytest]) */
  dir = testdir_new();
  testdir_write(dir, "setup.cfg", "[pytest]\naddopts = -x\n");
  c = fg_pytest_cfg_load(dir);
  assert_int_equal(c->kind, FG_PYTEST_CFG_NONE);
  assert_null(c->path);
  assert_int_equal(c->addopts.len, 0);
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  /* only a pyproject without pytest table: pytest takes it as empty config */
  dir = testdir_new();
  testdir_write(dir, "pyproject.toml", "[project]\nname = \"x\"\n");
  c = fg_pytest_cfg_load(dir);
  assert_int_equal(c->kind, FG_PYTEST_CFG_PYPROJECT_EMPTY);
  assert_string_equal(c->path, "pyproject.toml");
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);
}

static void test_multiline_ini_values(void **state) {
  char *dir = testdir_new();
  char longopt[400];
  memset(longopt, 'a', 300);
  longopt[300] = '\0';
  char *ini =
      fg_xasprintf("[pytest]\n"
                   "markers =\n"
                   "    slow: marks tests as slow (deselect with '-m \"not slow\"')\n"
                   "\n"
                   "    # a comment line\n"
                   "    no_parallel(reason): runs serially\n"
                   "    serial\n"
                   "addopts = -ra ; kept: iniconfig has no inline comments\n"
                   "  -m \"not no_parallel\" --x=%s\n"
                   "python_functions = check_*  test_*\n",
                   longopt);
  testdir_write(dir, "pytest.ini", ini);
  FgPytestCfg *c = fg_pytest_cfg_load(dir);
  assert_false(c->has_error);
  assert_int_equal(c->markers.len, 3);
  assert_string_equal(c->markers.items[0].text, "slow");
  assert_string_equal(c->markers.items[1].text, "no_parallel");
  assert_string_equal(c->markers.items[2].text, "serial");
  assert_span(dir, "pytest.ini", c->markers.items[1].start, c->markers.items[1].end,
              "no_parallel(reason): runs serially");
  char *span = file_span(dir, "pytest.ini", c->markers.start, c->markers.end);
  assert_true(fg_str_startswith(span, "slow: marks"));
  assert_true(fg_str_endswith(span, "runs serially\n    serial"));
  free(span);

  /* -ra ; kept: iniconfig has no inline comments -m "not no_parallel" --x=aaa.. */
  assert_int_equal(c->addopts.len, 11);
  assert_string_equal(c->addopts.items[1].text, ";");
  assert_string_equal(c->addopts.items[9].text, "not no_parallel");
  assert_span(dir, "pytest.ini", c->addopts.items[9].start, c->addopts.items[9].end,
              "\"not no_parallel\"");
  char *want = fg_xasprintf("--x=%s", longopt); /* past libinih's 200-byte lines */
  assert_string_equal(c->addopts.items[10].text, want);
  free(want);
  assert_int_equal(c->python_functions.len, 2);
  assert_string_equal(c->python_functions.items[1].text, "test_*");
  free(ini);
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);
}

static void test_addopts_errors(void **state) {
  char *dir = testdir_new();
  testdir_write(dir, "pytest.ini", "[pytest]\naddopts = -m \"not slow\n");
  FgPytestCfg *c = fg_pytest_cfg_load(dir);
  assert_true(c->has_error);
  assert_string_equal(c->error, "addopts: no closing quotation");
  assert_int_equal(c->error_offset, 22); /* the opening quote */
  assert_int_equal(c->addopts.len, 1);
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  dir = testdir_new();
  testdir_write(dir, "pyproject.toml", "[tool.pytest.ini_options]\naddopts = 3\n");
  c = fg_pytest_cfg_load(dir);
  assert_true(c->has_error);
  assert_string_equal(c->error,
                      "addopts: expected a string or a list of strings, got integer");
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  dir = testdir_new();
  testdir_write(dir, "pyproject.toml", "[tool.pytest.ini_options]\naddopts = \"-x\n");
  c = fg_pytest_cfg_load(dir);
  assert_true(c->has_error);
  assert_true(fg_str_startswith(c->error, "pyproject.toml: "));
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);
}

static void test_dependencies(void **state) {
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml",
                "[project.optional-dependencies]\n"
                "docs = [\"sphinx\"]\n"
                "test = [\"pytest\", \"Pytest_XDist[psutil]>=3.5\"]\n");
  testdir_write(dir, "requirements/dev.txt",
                "# tools\n-r base.txt\npytest-enabler==2.0\n");
  FgPytestCfg *c = fg_pytest_cfg_load(dir);
  assert_true(c->has_xdist_dep);
  assert_string_equal(c->xdist_dep_file, "pyproject.toml");
  assert_true(c->has_enabler_dep);
  assert_string_equal(c->enabler_dep_file, "requirements/dev.txt");
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  dir = testdir_new();
  testdir_write(dir, "pyproject.toml",
                "[tool.poetry.group.test.dependencies]\npytest-xdist = \"^3\"\n"
                "[dependency-groups]\ndev = [{include-group = \"test\"}, \"ruff\"]\n");
  testdir_write(dir, "tox.ini", "[testenv]\ndeps =\n    xdist: pytest-enabler\n");
  c = fg_pytest_cfg_load(dir);
  assert_true(c->has_xdist_dep);
  assert_true(c->has_enabler_dep);
  assert_string_equal(c->enabler_dep_file, "tox.ini");
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  dir = testdir_new();
  testdir_write(dir, "setup.cfg", "[options.extras_require]\ntest =\n    pytest-xdist\n");
  testdir_write(dir, "requirements-dev.txt", "pytest-enabler-extra\npytest\n");
  c = fg_pytest_cfg_load(dir);
  assert_true(c->has_xdist_dep);
  assert_string_equal(c->xdist_dep_file, "setup.cfg");
  assert_false(c->has_enabler_dep); /* a different project name */
  assert_null(c->enabler_dep_file);
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);

  dir = testdir_new();
  testdir_write(dir, "requirements.txt", "pytest  # pytest-xdist later\n");
  c = fg_pytest_cfg_load(dir);
  assert_false(c->has_xdist_dep);
  assert_int_equal(c->kind, FG_PYTEST_CFG_NONE);
  fg_pytest_cfg_delete(c);
  testdir_delete(dir);
}

static void test_requirement_name(void **state) {
  char *n =
      fg_pytest_cfg_requirement_name("  Pytest_XDist[psutil]>=3 ; python_version>'3'");
  assert_string_equal(n, "pytest-xdist");
  free(n);
  n = fg_pytest_cfg_requirement_name("pytest.enabler@ https://x");
  assert_string_equal(n, "pytest-enabler");
  free(n);
  fg_pytest_cfg_delete(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pyproject_ini_options),
      cmocka_unit_test(test_pyproject_native_list),
      cmocka_unit_test(test_pytest_ini_wins),
      cmocka_unit_test(test_sections_must_exist),
      cmocka_unit_test(test_multiline_ini_values),
      cmocka_unit_test(test_addopts_errors),
      cmocka_unit_test(test_dependencies),
      cmocka_unit_test(test_requirement_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
