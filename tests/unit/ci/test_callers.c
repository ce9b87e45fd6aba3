/* Unit tests for lint/ci/callers.c: the ways a workflow is started and the
 * inputs each gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ci/callers.h"

static FgWorkflow *load(const char *path, const char *yaml) {
  return fg_workflow_load(fg_source_new(path, yaml, strlen(yaml)));
}

/* "caller:workers" per binding, ";"-joined ("-" when not called). */
static char *bindings_of(FgWorkflow **wfs, size_t n, size_t w) {
  FgXArena a = {0};
  FgBindingVec b = {0};
  fg_workflow_bindings(wfs, n, w, &a, &b);
  FgBuf out = {0};
  for (size_t i = 0; i < b.len; i++) {
    const FgXValue *v = fg_x_get(b.items[i].inputs, "workers");
    char *s = v ? fg_x_to_string(v) : fg_xstrdup("(none)");
    fg_buf_printf(&out, "%s%s:%s", i ? ";" : "",
                  b.items[i].caller ? b.items[i].caller : "-", s ? s : "?");
    free(s);
  }
  fg_bindings_free(&b);
  fg_x_arena_free(&a);
  return fg_buf_take(&out);
}

static const char called[] = "on:\n  workflow_call:\n    inputs:\n      workers:\n"
                             "        default: auto\n  push:\njobs:\n  t:\n"
                             "    runs-on: ubuntu-latest\n    steps: []\n";

static void test_callers_and_defaults(void **state) {
  FgWorkflow *wfs[2];
  wfs[0] = load(".github/workflows/ci.yml",
                "on: push\njobs:\n  a:\n    uses: ./.github/workflows/t.yml\n"
                "    with:\n      workers: '4'\n"
                "  b:\n    strategy:\n      matrix:\n        n: ['1', '2']\n"
                "    uses: ./.github/workflows/t.yml\n    with:\n"
                "      workers: ${{ matrix.n }}\n"
                "  c:\n    uses: ./.github/workflows/t.yml\n"
                "  d:\n    uses: other/repo/.github/workflows/t.yml@v1\n");
  wfs[1] = load(".github/workflows/t.yml", called);
  char *got = bindings_of(wfs, 2, 1);
  /* each caller (and each combination of b's matrix) with its with: over
   * the defaults; the push trigger gives no inputs */
  assert_string_equal(got, "ci.yml \xE2\x80\xBA job a:4;ci.yml \xE2\x80\xBA job b:1;"
                           "ci.yml \xE2\x80\xBA job b:2;ci.yml \xE2\x80\xBA job c:auto;"
                           "-:(none)");
  free(got);
  /* the caller itself is started by push only */
  got = bindings_of(wfs, 2, 0);
  assert_string_equal(got, "-:(none)");
  free(got);
  fg_workflow_delete(wfs[0]);
  fg_workflow_delete(wfs[1]);
}

static void test_uncalled_and_dispatch(void **state) {
  FgWorkflow *wfs[1];
  /* a reusable workflow no job here calls: its defaults */
  wfs[0] =
      load(".github/workflows/t.yml",
           "on:\n  workflow_call:\n    inputs:\n      workers:\n        default: '2'\n"
           "jobs: {}\n");
  char *got = bindings_of(wfs, 1, 0);
  assert_string_equal(got, "-:2");
  free(got);
  fg_workflow_delete(wfs[0]);
  wfs[0] = load(
      ".github/workflows/t.yml",
      "on:\n  workflow_dispatch:\n    inputs:\n      workers:\n        default: '3'\n"
      "  schedule:\n    - cron: '0 0 * * *'\njobs: {}\n");
  got = bindings_of(wfs, 1, 0);
  assert_string_equal(got, "-:3;-:(none)");
  free(got);
  fg_workflow_delete(wfs[0]);
}

static void test_call_cycles_end(void **state) {
  FgWorkflow *wfs[2];
  wfs[0] = load(".github/workflows/a.yml",
                "on: workflow_call\njobs:\n  x:\n    uses: ./.github/workflows/b.yml\n");
  wfs[1] = load(".github/workflows/b.yml",
                "on: workflow_call\njobs:\n  y:\n    uses: ./.github/workflows/a.yml\n");
  char *got = bindings_of(wfs, 2, 0);
  assert_non_null(got);
  assert_true(strlen(got) > 0);
  free(got);
  fg_workflow_delete(wfs[0]);
  fg_workflow_delete(wfs[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_callers_and_defaults),
      cmocka_unit_test(test_uncalled_and_dispatch),
      cmocka_unit_test(test_call_cycles_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
