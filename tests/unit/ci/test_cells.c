/* Unit tests for lint/ci/cells.c: runs-on, matrix include/exclude, setup-python. */
#include "fg_testdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ci/cells.h"
#include "ci/workflow.h"

static FgWorkflow *load(const char *yaml) {
  return fg_workflow_load(fg_source_new(".github/workflows/ci.yml", yaml, strlen(yaml)));
}

/* The job's cells as "os×py;os×py" with "?" for unknown. */
static char *cells_of(const char *yaml, const char *root) {
  FgWorkflow *wf = load(yaml);
  assert_false(wf->doc->has_error);
  assert_true(wf->jobs.len >= 1);
  FgCells cells = {0};
  FgReader rd = {root, NULL, NULL};
  fg_cells_of_job(&wf->jobs.items[0], root ? &rd : NULL, &cells);
  FgBuf b = {0};
  for (size_t i = 0; i < cells.items.len; i++) {
    const FgCell *c = &cells.items.items[i];
    fg_buf_printf(&b, "%s%s*%s", i ? ";" : "", c->os ? c->os : "?",
                  c->python ? c->python : "?");
  }
  fg_cells_free(&cells);
  fg_workflow_delete(wf);
  return fg_buf_take(&b);
}

static void expect(const char *yaml, const char *want) {
  char *got = cells_of(yaml, NULL);
  assert_string_equal(got, want);
  free(got);
}

static void test_literal(void **state) {
  expect("jobs:\n  t:\n    runs-on: ubuntu-22.04\n    steps:\n"
         "      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: '3.11'\n",
         "ubuntu-22.04*3.11");
  /* no setup-python: the runner's Python, unknown */
  expect("jobs:\n  t:\n    runs-on: macos-14\n    steps:\n      - run: pytest\n",
         "macos-14*?");
  /* a list of labels */
  expect("jobs:\n  t:\n    runs-on: [self-hosted, linux, x64]\n    steps: []\n",
         "self-hosted linux x64*?");
}

static void test_matrix_product(void **state) {
  expect("jobs:\n  t:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n"
         "        os: [ubuntu-latest, windows-latest]\n"
         "        python-version: ['3.9', '3.13']\n"
         "    steps:\n      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: ${{ matrix.python-version }}\n",
         "ubuntu-latest*3.9;ubuntu-latest*3.13;windows-latest*3.9;windows-latest*3.13");
}

static void test_include_exclude(void **state) {
  /* exclude drops a combination; include extends matching combinations
   * with new keys and adds its own when it would overwrite an axis value */
  expect("jobs:\n  t:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n"
         "        os: [ubuntu-latest, macos-latest]\n"
         "        py: ['3.12', '3.14']\n"
         "        exclude:\n          - os: ubuntu-latest\n            py: '3.12'\n"
         "        include:\n          - os: windows-latest\n            py: '3.10'\n"
         "          - py: '3.14'\n            extra: yes\n"
         "    steps:\n      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: ${{ matrix.py }}\n",
         "ubuntu-latest*3.14;macos-latest*3.12;macos-latest*3.14;windows-latest*3.10");
  /* include only */
  expect("jobs:\n  t:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n"
         "        include:\n          - os: macos-13\n            python: '3.12'\n"
         "          - os: windows-2022\n            python: '3.14'\n"
         "    steps:\n      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: ${{ matrix.python }}\n",
         "macos-13*3.12;windows-2022*3.14");
}

static void test_unknown(void **state) {
  /* fromJSON matrix: nothing known */
  expect("jobs:\n  t:\n    runs-on: ${{ matrix.os }}\n    strategy:\n"
         "      matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}\n"
         "    steps:\n      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: ${{ matrix.py }}\n",
         "?*?");
  /* other expressions and aliases */
  expect("jobs:\n  t:\n    runs-on: ${{ inputs.runner }}\n    steps:\n"
         "      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: &v '3.10'\n"
         "      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: [*v, pypy3.10]\n",
         "?*3.10;?*pypy3.10");
}

static void test_version_file(void **state) {
  char *dir = testdir_new();
  testdir_write(dir, ".python-version", "3.13\n");
  char *got = cells_of("jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                       "      - uses: actions/setup-python@v5\n        with:\n"
                       "          python-version-file: .python-version\n",
                       dir);
  assert_string_equal(got, "ubuntu-latest*3.13");
  free(got);
  got = cells_of("jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                 "      - uses: actions/setup-python@v5\n        with:\n"
                 "          python-version-file: missing.txt\n",
                 dir);
  assert_string_equal(got, "ubuntu-latest*?");
  free(got);
  testdir_delete(dir);
}

static void test_predicates(void **state) {
  FgCell c = {NULL, NULL};
  assert_true(fg_cell_is_linux(&c));
  assert_true(fg_cell_python_before_314(&c));
  const char *linux_os[] = {"ubuntu-latest", "self-hosted linux", "self-hosted",
                            "my-runner"};
  for (size_t i = 0; i < 4; i++) {
    c.os = (char *)linux_os[i];
    assert_true(fg_cell_is_linux(&c));
  }
  const char *other[] = {"macos-14", "windows-latest", "self-hosted macOS ARM64"};
  for (size_t i = 0; i < 3; i++) {
    c.os = (char *)other[i];
    assert_false(fg_cell_is_linux(&c));
  }
  const char *old[] = {"3.9", "3.13", "pypy3.10", "3.x", ">=3.8", "2.7"};
  for (size_t i = 0; i < 6; i++) {
    c.python = (char *)old[i];
    assert_true(fg_cell_python_before_314(&c));
  }
  const char *newer[] = {"3.14", "3.14t", "3.15-dev"};
  for (size_t i = 0; i < 3; i++) {
    c.python = (char *)newer[i];
    assert_false(fg_cell_python_before_314(&c));
  }
  char *m = fg_matrix_ref("${{ matrix.python-version }}");
  assert_string_equal(m, "python-version");
  free(m);
  assert_null(fg_matrix_ref("${{ matrix.a }}-x"));
  assert_null(fg_matrix_ref("${{ inputs.a }}"));
}

static void test_matrix_values(void **state) {
  /* include adds keys only to the combinations it matches; a matrix value
   * read in a combination that lacks the key is null */
  FgWorkflow *wf =
      load("jobs:\n  t:\n    runs-on: ubuntu-latest\n    strategy:\n"
           "      matrix:\n        py: ['3.12', '3.13']\n"
           "        include:\n          - py: '3.12'\n            args: -n 4\n"
           "          - py: '3.14'\n            extra: x\n"
           "    steps: []\n");
  FgXArena a = {0};
  FgXValueVec combos = {0};
  bool truncated = false;
  fg_matrix_combos(&wf->jobs.items[0], &a, NULL, &combos, &truncated);
  assert_int_equal(combos.len, 3);
  assert_false(truncated);
  assert_string_equal(fg_x_get(combos.items[0], "args")->str, "-n 4");
  assert_null(fg_x_get(combos.items[1], "args"));
  assert_string_equal(fg_x_get(combos.items[2], "py")->str, "3.14");
  assert_null(fg_x_get(combos.items[2], "args"));
  fg_vec_free(&combos);
  fg_x_arena_free(&a);
  fg_workflow_delete(wf);
}

static void test_runs_on_and_setup_actions(void **state) {
  /* runs-on from inputs; setup-uv's python; the last setup step wins */
  FgWorkflow *wf = load("jobs:\n  t:\n    runs-on: ${{ inputs.os }}\n    steps:\n"
                        "      - uses: actions/setup-python@v5\n        with:\n"
                        "          python-version: '3.9'\n"
                        "      - uses: astral-sh/setup-uv@v6\n        with:\n"
                        "          python-version: '3.13'\n"
                        "      - run: pytest\n"
                        "      - uses: conda-incubator/setup-miniconda@v3\n"
                        "        if: runner.os == 'Windows'\n        with:\n"
                        "          python-version: '3.10'\n"
                        "      - run: pytest\n");
  FgXArena a = {0};
  FgXValue *inputs = fg_x_object(&a);
  fg_x_set(&a, inputs, "os", fg_x_str(&a, "ubuntu-24.04"));
  FgXValue *runner = fg_x_object(&a);
  fg_x_set(&a, runner, "os", fg_x_str(&a, "Linux"));
  FgXScope scope = {NULL, NULL, inputs, runner, NULL};
  const FgJob *job = &wf->jobs.items[0];
  char *os = fg_job_runs_on(job, &scope);
  assert_string_equal(os, "ubuntu-24.04");
  assert_string_equal(fg_runner_os(os), "Linux");
  free(os);
  FgStrVec pys = {0};
  fg_job_pythons(job, 2, NULL, &scope, &pys);
  assert_int_equal(pys.len, 1);
  assert_string_equal(pys.items[0], "3.13");
  fg_strvec_free(&pys);
  /* the miniconda step does not run on Linux: 3.13 still */
  fg_job_pythons(job, 4, NULL, &scope, &pys);
  assert_string_equal(pys.items[0], "3.13");
  fg_strvec_free(&pys);
  /* before any setup step: the runner's Python (unknown), which is the
   * pinned image's python3; unknown for a -latest label */
  fg_job_pythons(job, 0, NULL, &scope, &pys);
  assert_int_equal(pys.len, 1);
  assert_null(pys.items[0]);
  fg_strvec_free(&pys);
  assert_string_equal(fg_job_image_python(job, 0, "ubuntu-24.04"), "3.12");
  assert_string_equal(fg_job_image_python(job, 0, "ubuntu-22.04"), "3.10");
  assert_null(fg_job_image_python(job, 0, "ubuntu-latest"));
  assert_null(fg_job_image_python(job, 0, "windows-2022"));
  /* after setup-python: not the image's */
  assert_null(fg_job_image_python(job, 1, "ubuntu-24.04"));
  fg_x_arena_free(&a);
  fg_workflow_delete(wf);
  assert_null(fg_runner_os("self-hosted"));
  assert_string_equal(fg_runner_os("macos-14"), "macOS");
  assert_string_equal(fg_runner_os("windows-2022"), "Windows");
}

static void test_python_minor(void **state) {
  FgCell c = {NULL, NULL};
  assert_int_equal(fg_cell_python_minor(&c), -1);
  const char *v[] = {"3.12", "pypy3.10", "3.14t", "3.13.1", "pypy-3.9", "3.x", "2.7"};
  int want[] = {12, 10, 14, 13, 9, -1, -1};
  for (size_t i = 0; i < 7; i++) {
    c.python = (char *)v[i];
    assert_int_equal(fg_cell_python_minor(&c), want[i]);
  }
}

static void test_python_version_default_file(void **state) {
  char *dir = testdir_new();
  testdir_write(dir, ".python-version", "3.11\n");
  /* setup-python with no version reads .python-version */
  char *got = cells_of("jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                       "      - uses: actions/setup-python@v5\n",
                       dir);
  assert_string_equal(got, "ubuntu-latest*3.11");
  free(got);
  testdir_delete(dir);
}

static void test_conda_env_file(void **state) {
  char *dir = testdir_new();
  testdir_write(dir, "ci/env.yml",
                "name: t\nchannels: [conda-forge]\ndependencies:\n"
                "  - python-dateutil\n  - conda-forge::python=3.11.*\n  - pip\n");
  testdir_write(dir, "ci/any.yml", "dependencies:\n  - python >=3.10\n  - numpy\n");
  testdir_write(dir, "ci/none.yml", "dependencies:\n  - numpy\n");
  const char *head = "jobs:\n  t:\n    runs-on: windows-2022\n    steps:\n";
  static const struct {
    const char *step, *want;
  } cases[] = {
      /* the file's pinned Python */
      {"      - uses: conda-incubator/setup-miniconda@v3\n        with:\n"
       "          environment-file: ci/env.yml\n",
       "windows-2022*3.11"},
      /* python-version wins over the file */
      {"      - uses: conda-incubator/setup-miniconda@v3\n        with:\n"
       "          environment-file: ci/env.yml\n          python-version: '3.12'\n",
       "windows-2022*3.12"},
      /* a range, or no python at all: the solver's choice, not known */
      {"      - uses: conda-incubator/setup-miniconda@v3\n        with:\n"
       "          environment-file: ci/any.yml\n",
       "windows-2022*?"},
      {"      - uses: conda-incubator/setup-miniconda@v3\n        with:\n"
       "          environment-file: ci/none.yml\n",
       "windows-2022*?"},
      /* micromamba's create-args */
      {"      - uses: mamba-org/setup-micromamba@v2\n        with:\n"
       "          environment-name: t\n          create-args: >-\n"
       "            python=3.13 numpy\n",
       "windows-2022*3.13"},
      /* a file that is not there, or no file: PATH as before */
      {"      - uses: actions/setup-python@v5\n        with:\n"
       "          python-version: '3.10'\n"
       "      - uses: conda-incubator/setup-miniconda@v3\n        with:\n"
       "          environment-file: ci/missing.yml\n",
       "windows-2022*3.10"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *yaml = fg_xasprintf("%s%s", head, cases[i].step);
    char *got = cells_of(yaml, dir);
    assert_string_equal(got, cases[i].want);
    free(got);
    free(yaml);
  }
  testdir_delete(dir);
}

static void test_free_threaded(void **state) {
  expect("jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
         "      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: '3.13'\n          freethreaded: true\n",
         "ubuntu-latest*3.13t");
  expect("jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
         "      - uses: deadsnakes/action@v3\n        with:\n"
         "          python-version: 3.15-dev\n          nogil: true\n",
         "ubuntu-latest*3.15t-dev");
  /* false, or already spelled free-threaded: as written */
  expect("jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
         "      - uses: deadsnakes/action@v3\n        with:\n"
         "          python-version: 3.13t\n          nogil: false\n",
         "ubuntu-latest*3.13t");
  expect("jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
         "      - uses: actions/setup-python@v5\n        with:\n"
         "          python-version: '3.14t'\n          freethreaded: true\n",
         "ubuntu-latest*3.14t");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_literal),
      cmocka_unit_test(test_matrix_product),
      cmocka_unit_test(test_include_exclude),
      cmocka_unit_test(test_unknown),
      cmocka_unit_test(test_version_file),
      cmocka_unit_test(test_predicates),
      cmocka_unit_test(test_matrix_values),
      cmocka_unit_test(test_runs_on_and_setup_actions),
      cmocka_unit_test(test_python_minor),
      cmocka_unit_test(test_python_version_default_file),
      cmocka_unit_test(test_conda_env_file),
      cmocka_unit_test(test_free_threaded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
