/* Unit tests for lint/ci/expr.c: GitHub expressions, templates, conditions,
 * substitution into scripts and the map back to the original offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ci/expr.h"

/* A scope with matrix {os: ubuntu-latest, py: '3.12', n: 4, flag: true,
 * cfg: {mode: fast}}, env {X: one}, inputs {workers: auto}, runner {os: Linux}. */
typedef struct Fixture {
  FgXArena a;
  FgXScope scope;
} Fixture;

static void fixture_init(Fixture *f) {
  memset(f, 0, sizeof *f);
  FgXArena *a = &f->a;
  FgXValue *m = fg_x_object(a);
  fg_x_set(a, m, "os", fg_x_str(a, "ubuntu-latest"));
  fg_x_set(a, m, "py", fg_x_str(a, "3.12"));
  FgXValue *cfg = fg_x_object(a);
  fg_x_set(a, cfg, "mode", fg_x_str(a, "fast"));
  fg_x_set(a, m, "cfg", cfg);
  fg_x_set(a, m, "flag", fg_x_bool(a, true));
  FgXValue *env = fg_x_object(a);
  fg_x_set(a, env, "X", fg_x_str(a, "one"));
  FgXValue *in = fg_x_object(a);
  fg_x_set(a, in, "workers", fg_x_str(a, "auto"));
  FgXValue *r = fg_x_object(a);
  fg_x_set(a, r, "os", fg_x_str(a, "Linux"));
  FgXValue *steps = fg_x_object(a), *build = fg_x_object(a), *outs = fg_x_object(a);
  fg_x_set(a, outs, "tox-env", fg_x_str(a, "py312"));
  fg_x_set(a, build, "outputs", outs);
  fg_x_set(a, steps, "build", build);
  f->scope = (FgXScope){m, env, in, r, steps};
}

/* The value of expr as a string, "<unknown>" when not known. */
static char *eval_str(Fixture *f, const char *expr) {
  FgXValue *v = fg_x_eval(&f->a, expr, strlen(expr), &f->scope);
  char *s = fg_x_to_string(v);
  return s ? s : fg_xstrdup("<unknown>");
}

static void expect(Fixture *f, const char *expr, const char *want) {
  char *got = eval_str(f, expr);
  assert_string_equal(got, want);
  free(got);
}

static void test_contexts(void **state) {
  Fixture f;
  fixture_init(&f);
  expect(&f, "matrix.os", "ubuntu-latest");
  expect(&f, "matrix['py']", "3.12");
  expect(&f, "matrix.cfg.mode", "fast");
  expect(&f, "env.X", "one");
  expect(&f, "inputs.workers", "auto");
  expect(&f, "runner.os", "Linux");
  expect(&f, "matrix.missing", ""); /* a key no include set: null */
  expect(&f, "github.event_name", "<unknown>");
  expect(&f, "github.workspace", "/"); /* the repository root */
  expect(&f, "github.WORKSPACE", "/");
  expect(&f, "github.workspaces", "<unknown>");
  expect(&f, "format('{0}/services/api', github.workspace)", "//services/api");
  expect(&f, "secrets.TOKEN", "<unknown>");
  expect(&f, "steps.x.outputs.y", "<unknown>");
  /* an output an earlier step was seen to write; any other is not known */
  expect(&f, "steps.build.outputs.tox-env", "py312");
  expect(&f, "steps.build.outputs.other", "<unknown>");
  expect(&f, "steps.build.outcome", "<unknown>");
  expect(&f, "format('-e {0}', steps.build.outputs.tox-env)", "-e py312");
  fg_x_arena_free(&f.a);
}

static void test_operators(void **state) {
  Fixture f;
  fixture_init(&f);
  expect(&f, "matrix.os == 'UBUNTU-latest'", "true"); /* case-insensitive */
  expect(&f, "matrix.os != 'ubuntu-latest'", "false");
  expect(&f, "!startsWith(matrix.py, 'pypy')", "true");
  expect(&f, "contains(matrix.os, 'ubuntu') && '-n auto' || '-n 0'", "-n auto");
  expect(&f, "matrix.flag && 'yes' || 'no'", "yes");
  expect(&f, "matrix.missing || 'default'", "default");
  expect(&f, "endsWith(matrix.os, 'latest')", "true");
  expect(&f, "format('{0}-{1}', matrix.os, matrix.py)", "ubuntu-latest-3.12");
  expect(&f, "join(fromJSON('[\"a\", \"b\"]'), ' ')", "a b");
  expect(&f, "fromJSON('{\"k\": [1, 2]}').k[1]", "2");
  expect(&f, "contains(fromJSON('[\"3.12\", \"3.13\"]'), matrix.py)", "true");
  expect(&f, "1 < 2 && 3 >= 3", "true");
  expect(&f, "'3.10' == 3.1", "true"); /* loose equality converts to numbers */
  expect(&f, "success() && !failure()", "true");
  /* unknown stays unknown, except where the other side decides */
  expect(&f, "github.ref == 'main'", "<unknown>");
  expect(&f, "github.ref || 'x'", "<unknown>");
  expect(&f, "false && github.ref", "false");
  expect(&f, "hashFiles('x')", "<unknown>");
  /* syntax errors are unknown, never a crash */
  expect(&f, "matrix.os ==", "<unknown>");
  expect(&f, "((((", "<unknown>");
  expect(&f, "'unterminated", "<unknown>");
  fg_x_arena_free(&f.a);
}

static void test_conditions(void **state) {
  Fixture f;
  fixture_init(&f);
  assert_int_equal(fg_x_condition("runner.os == 'Linux'", &f.scope), 1);
  assert_int_equal(fg_x_condition("${{ matrix.os == 'windows-latest' }}", &f.scope), 0);
  assert_int_equal(fg_x_condition("github.event_name == 'push'", &f.scope), -1);
  assert_int_equal(fg_x_condition("failure()", &f.scope), 0);
  assert_int_equal(fg_x_condition("always() && matrix.flag", &f.scope), 1);
  assert_int_equal(fg_x_condition(NULL, &f.scope), 1);
  /* a depth bound, not a stack overflow */
  char deep[4000];
  size_t n = 0;
  for (; n < 1500; n++)
    deep[n] = '!';
  strcpy(deep + n, "true");
  assert_int_equal(fg_x_condition(deep, &f.scope), -1);
  fg_x_arena_free(&f.a);
}

static void test_template(void **state) {
  Fixture f;
  fixture_init(&f);
  FgXValue *v = fg_x_template(&f.a, "py${{ matrix.py }}-${{ env.X }}", &f.scope);
  char *s = fg_x_to_string(v);
  assert_string_equal(s, "py3.12-one");
  free(s);
  v = fg_x_template(&f.a, "${{ fromJSON('[1, 2]') }}", &f.scope);
  assert_int_equal(v->kind, FG_X_ARRAY); /* a whole expression keeps its type */
  v = fg_x_template(&f.a, "x-${{ github.sha }}", &f.scope);
  assert_int_equal(v->kind, FG_X_UNKNOWN);
  fg_x_arena_free(&f.a);
}

static void test_substitute(void **state) {
  Fixture f;
  fixture_init(&f);
  const char *text = "pytest -n ${{ inputs.workers }} ${{ github.sha }} x";
  FgXSubstVec map = {0};
  size_t len = 0;
  char *out = fg_x_substitute(text, strlen(text), &f.scope, &map, &len);
  assert_string_equal(out, "pytest -n auto ${{ github.sha }} x");
  assert_int_equal(len, strlen(out));
  assert_int_equal(map.len, 1);
  /* "auto" maps back to the whole expression; what follows shifts back */
  bool inside = false;
  assert_int_equal(fg_x_subst_back(&map, 10, false, &inside), 10);
  assert_true(inside);
  assert_int_equal(fg_x_subst_back(&map, 14, true, &inside), 31);
  assert_true(inside);
  assert_int_equal(fg_x_subst_back(&map, 15, false, &inside), 32);
  assert_false(inside);
  assert_int_equal(fg_x_subst_back(&map, 3, false, &inside), 3);
  fg_x_subst_free(&map);
  free(out);
  /* a `}}` inside a string does not end the expression */
  const char *t2 = "a ${{ format('{0}}}', 'b') }} c";
  out = fg_x_substitute(t2, strlen(t2), &f.scope, NULL, NULL);
  assert_string_equal(out, "a b} c");
  free(out);
  fg_x_arena_free(&f.a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_contexts),   cmocka_unit_test(test_operators),
      cmocka_unit_test(test_conditions), cmocka_unit_test(test_template),
      cmocka_unit_test(test_substitute),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
