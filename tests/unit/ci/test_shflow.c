/* Unit tests for lint/ci/shflow.c: variables, expansion into fields,
 * branches, eval, command substitutions of text pipelines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ci/shflow.h"

/* Each command as it runs: "argv words|maybe|for X=v" per line, unknown words in
 * <angle brackets>, derived ones with a leading '~'. */
static void visit(const FgFlowCommand *fc, void *user) {
  FgBuf *b = user;
  for (size_t i = 0; i < fc->cmd->nwords; i++) {
    const FgShellWord *w = &fc->cmd->words[i];
    fg_buf_printf(b, "%s%s%s%s%s", i ? " " : "", w->dynamic ? "<" : "",
                  w->derived && !w->dynamic ? "~" : "", w->text, w->dynamic ? ">" : "");
  }
  fg_buf_printf(b, "%s%s%s\n", fc->maybe ? "|maybe" : "", fc->loop ? "|" : "",
                fc->loop ? fc->loop : "");
}

static char *flow(const char *script, FgShellVars *vars) {
  FgShellScript *sh = fg_shell_parse(script, strlen(script));
  FgBuf b = {0};
  fg_shflow_run(sh, NULL, vars, visit, &b);
  fg_shell_delete(sh);
  char *s = fg_buf_take(&b);
  return s;
}

static void expect(const char *script, const char *want) {
  FgShellVars vars = {0};
  fg_shell_vars_set(&vars, "RUNNER_OS", "Linux", true);
  fg_shell_vars_set(&vars, "SECRET", NULL, true);
  char *got = flow(script, &vars);
  assert_string_equal(got, want);
  free(got);
  fg_shell_vars_free(&vars);
}

static void test_assignments(void **state) {
  expect("P=pytest\nP=\"$P -n 4\"\n$P tests\n", "~pytest ~-n ~4 tests\n");
  expect("A='x y'\necho \"$A\" $A\n", "echo ~x y ~x ~y\n");
  expect("A=1; A+=2; echo $A\n", "echo ~12\n");
  expect("echo $NEVER_SET \"$@\" $1 $(date)\n",
         "echo <$NEVER_SET> <$@> <$1> <$(date)>\n");
  expect("echo $SECRET\n", "echo <$SECRET>\n");
  expect("unset RUNNER_OS; echo \"x${RUNNER_OS}y\"\n", "echo ~xy\n");
}

static void test_for_loops(void **state) {
  /* known words: the body once per field, the variable bound */
  expect("for v in a b; do echo $v; done\n", "echo ~a|for v=a\necho ~b|for v=b\n");
  /* a variable's value split on blanks; quoted it is one field */
  expect("L='x  y'\nfor v in $L; do echo \"$v\"; done\ndone_cmd\n",
         "echo ~x|for v=x\necho ~y|for v=y\ndone_cmd\n");
  expect("L='x y'\nfor v in \"$L\"; do echo $v; done\n", "echo ~x ~y|for v=x y\n");
  /* nested loops, a branch on the loop variable */
  expect("for a in 1 2; do for b in x; do echo $a$b; done; done\n",
         "echo ~1x|for a=1, for b=x\necho ~2x|for a=2, for b=x\n");
  expect("for t in lint test; do if [ \"$t\" = test ]; then run $t; fi; done\n",
         "run ~test|for t=test\n");
  /* unknown words, or no `in`: the variable unknown, the body once */
  expect("for v in a $(ls); do echo $v; done\n", "echo <$v>\n");
  expect("for v in $SECRET; do echo $v; done\n", "echo <$v>\n");
  expect("for v; do echo $v; done\n", "echo <$v>\n");
  /* the variable keeps the last value after the loop */
  expect("for v in a b; do :; done\necho $v\n", ":|for v=a\n:|for v=b\necho ~b\n");
  /* an empty list: the body never runs */
  expect("E=''\nfor v in $E; do echo $v; done\nafter\n", "after\n");
}

static void test_parameter_operators(void **state) {
  expect("echo ${N:-4} ${RUNNER_OS:+on} ${RUNNER_OS:-x}\n", "echo ~4 ~on ~Linux\n");
  expect("T=tox-cover; echo ${T#tox-} ${T%-*} ${T##*o} ${T%%o*}\n",
         "echo ~cover ~tox ~ver ~t\n");
  expect("echo ${SECRET:-d}\n", "echo <${SECRET:-d}>\n");
}

static void test_export_and_addopts(void **state) {
  FgShellVars vars = {0};
  char *got = flow("A=1\nexport B=2 A\nC=3\n", &vars);
  free(got);
  assert_true(fg_shell_vars_exported(&vars, "A"));
  assert_true(fg_shell_vars_exported(&vars, "B"));
  assert_false(fg_shell_vars_exported(&vars, "C"));
  assert_string_equal(fg_shell_vars_get(&vars, "B"), "2");
  fg_shell_vars_free(&vars);
}

static void test_branches(void **state) {
  expect("if [ \"$RUNNER_OS\" = Linux ]; then a; elif [ x = x ]; then b; else c; fi\n",
         "a\n");
  expect("if [ \"$RUNNER_OS\" != Linux ]; then a; elif [ x = x ]; then b; else c; fi\n",
         "b\n");
  /* the condition's own commands run too */
  expect("if test \"$RUNNER_OS\" = macOS; then a; else c; fi\n",
         "test ~Linux = macOS\nc\n");
  expect("if [[ $RUNNER_OS == Lin* ]]; then a; fi\n", "a\n");
  expect("if [ -z \"$RUNNER_OS\" ]; then a; fi\n[ -n \"$RUNNER_OS\" ] && b\n", "b\n");
  expect("[ \"$RUNNER_OS\" = Linux ] || c\n", "");
  expect("case \"$RUNNER_OS\" in\n  Windows) w ;;\n  Lin*|mac*) l ;;\n  *) o ;;\nesac\n",
         "l\n");
  /* a test on a value not known: both branches may run */
  expect("if [ \"$SECRET\" = 1 ]; then a; else b; fi\n", "a|maybe\nb|maybe\n");
  expect("if grep -q x f; then a; fi\n", "grep -q x f\na|maybe\n");
  /* an assignment in a branch that may run makes the value unknown */
  expect("X=1\nif [ \"$SECRET\" ]; then X=2; fi\necho $X\n", "echo <$X>\n");
  expect("X=1\nif [ \"$SECRET\" ]; then X=1; fi\necho $X\n", "echo ~1\n");
}

static void test_eval(void **state) {
  expect("C=\"pytest -m 'not slow'\"\neval \"$C -n 2\"\n",
         "~pytest ~-m ~not slow ~-n ~2\n");
  expect("eval eval eval eval eval eval echo hi\n", "");
}

static void test_command_substitution(void **state) {
  expect("echo py$(echo 3.12 | tr -d '.')\n", "echo ~py312\n");
  expect("echo $(echo 3.12.1 | sed 's/\\.//g') $(echo a-b | cut -d- -f2)\n",
         "echo ~3121 ~b\n");
  expect("echo $(printf '%s' x) $(echo A | tr A-Z a-z)\n", "echo ~x ~a\n");
  expect("echo $(echo $RUNNER_OS | tr L l)\n", "echo ~linux\n");
  expect("echo $(echo x | sed 's/x.*/y/') $(nproc)\n",
         "echo <$(echo x | sed 's/x.*/y/')> <$(nproc)>\n");
  /* cut's field lists, and a line without the delimiter printed whole */
  expect("echo $(echo 3.12.1 | cut -d. -f1,2) $(echo a.b.c.d | cut -d . -f 2-3)\n",
         "echo ~3.12 ~b.c\n");
  expect("echo $(echo a.b.c | cut -d. -f2-) $(echo a.b.c | cut -d. -f-2) $(echo 3 | cut "
         "-d. -f2)\n",
         "echo ~b.c ~a.b ~3\n");
  expect("echo $(echo a.b | cut -d. -f0) $(echo a.b | cut -d. -fx)\n",
         "echo <$(echo a.b | cut -d. -f0)> <$(echo a.b | cut -d. -fx)>\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_assignments),
      cmocka_unit_test(test_parameter_operators),
      cmocka_unit_test(test_export_and_addopts),
      cmocka_unit_test(test_branches),
      cmocka_unit_test(test_for_loops),
      cmocka_unit_test(test_eval),
      cmocka_unit_test(test_command_substitution),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
