// cmocka needs these first, in this order
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
// clang-format on
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "parse/pylaunch.h"

static FgSource *src_of(const char *path, const char *text) {
  return fg_source_new(path, text, strlen(text));
}

static void test_runner_argv(void **state) {
  (void)state;
  FgSource *src = src_of("runtests.py", "import sys\nimport pytest\n\n"
                                        "ARGS = ['-p', 'no:cacheprovider']\n"
                                        "if __name__ == '__main__':\n"
                                        "    args = ['tests'] + ARGS\n"
                                        "    args.extend(sys.argv[2:])\n"
                                        "    raise SystemExit(pytest.main(args))\n");
  FgPyRunner r;
  assert_true(fg_pyrunner_read(src, &r));
  assert_true(r.always); /* at module level */
  assert_false(r.no_args);
  assert_int_equal(r.call.args.len, 4);
  assert_int_equal(r.call.args.items[0].kind, FG_PL_LIT);
  assert_string_equal(r.call.args.items[0].text, "tests");
  assert_string_equal(r.call.args.items[2].text, "no:cacheprovider");
  assert_int_equal(r.call.args.items[3].kind, FG_PL_ARGV);
  assert_int_equal(r.call.args.items[3].skip, 2);
  assert_null(r.call.args.items[3].text);
  assert_true(strncmp(src->data + r.call.start, "pytest.main(args)", 17) == 0);
  fg_pyrunner_free(&r);
  fg_source_delete(src);
}

static void test_runner_forms(void **state) {
  (void)state;
  /* `from pytest import main`, no arguments: pytest reads sys.argv */
  FgSource *src = src_of("a.py", "from pytest import main\nmain()\n");
  FgPyRunner r;
  assert_true(fg_pyrunner_read(src, &r));
  assert_true(r.no_args);
  fg_pyrunner_free(&r);
  fg_source_delete(src);
  /* a function's parameters: the caller's, from the command line */
  src = src_of("b.py", "import pytest as pt\n\ndef run(core, *rest):\n"
                       "    return pt.main(list(rest) + [f'--core={core}'])\n");
  assert_true(fg_pyrunner_read(src, &r));
  assert_int_equal(r.call.args.len, 2);
  assert_int_equal(r.call.args.items[0].kind, FG_PL_ARGV);
  assert_string_equal(r.call.args.items[0].text, "rest");
  assert_int_equal(r.call.args.items[1].kind, FG_PL_UNKNOWN);
  /* only inside a function nothing at module level calls: a task script */
  assert_false(r.always);
  assert_int_equal(r.reach.len, 1);
  assert_string_equal(r.reach.items[0], "run");
  fg_pyrunner_free(&r);
  fg_source_delete(src);
  /* reached from the module level through functions calling each other */
  src = src_of("t.py", "import pytest\n\ndef inner(a):\n    pytest.main(a)\n\n"
                       "def do_test(*a):\n    inner(list(a))\n\n"
                       "def do_lint():\n    pass\n\nif __name__ == '__main__':\n"
                       "    do_test()\n");
  assert_true(fg_pyrunner_read(src, &r));
  assert_true(r.always);
  assert_int_equal(r.reach.len, 2);
  assert_string_equal(r.reach.items[1], "do_test");
  fg_pyrunner_free(&r);
  fg_source_delete(src);
  /* no pytest.main: not a runner; a name that only looks like it neither */
  src = src_of("c.py", "import other\nother.main(['-n', '2'])\n# pytest.main([])\n");
  assert_false(fg_pyrunner_read(src, &r));
  fg_pyrunner_free(&r);
  fg_source_delete(src);
}

static const char *const NOXFILE =
    "import os\nimport nox\nfrom nox import session as sess\n\n"
    "PYTHONS = ['3.11', '3.12']\n"
    "nox.options.sessions = ['tests']\n\n"
    "def helper(s, extra):\n"
    "    cmd = ['pytest']\n"
    "    cmd += os.environ.get('W', '-n0').split()\n"
    "    s.run(*cmd, extra, *s.posargs)\n\n"
    "@nox.session(python=PYTHONS, tags=['ci'])\n"
    "def tests(session):\n"
    "    args = session.posargs or ['-n', 'auto']\n"
    "    if os.environ.get('CI'):\n"
    "        session.run('pytest', *args)\n"
    "    helper(session, 'x')\n\n"
    "@sess(name='lint-all', default=False)\n"
    "@nox.parametrize('v', ['1', '2'])\n"
    "def lint(session, v):\n"
    "    session.run('ruff', 'check', f'--v={v}')\n\n"
    "def not_a_session(session):\n"
    "    session.run('pytest')\n";

static void test_noxfile(void **state) {
  (void)state;
  FgSource *src = src_of("noxfile.py", NOXFILE);
  FgNoxfile *nf = fg_noxfile_parse(src);
  assert_true(nf->has_defaults);
  assert_int_equal(nf->defaults.len, 1);
  assert_int_equal(nf->sessions.len, 2);
  const FgNoxSession *t = &nf->sessions.items[0];
  assert_string_equal(t->name, "tests");
  assert_int_equal(t->pythons.len, 2);
  assert_string_equal(t->pythons.items[1], "3.12");
  assert_string_equal(t->tags.items[0], "ci");
  assert_true(t->is_default);
  assert_int_equal(t->runs.len, 2);
  /* session.run('pytest', *args): posargs, else the default */
  const FgPlList *a = &t->runs.items[0].args;
  assert_int_equal(a->len, 2);
  assert_string_equal(a->items[0].text, "pytest");
  assert_int_equal(a->items[1].kind, FG_PL_POSARGS);
  assert_non_null(a->items[1].or_default);
  assert_int_equal(a->items[1].or_default->len, 2);
  assert_string_equal(a->items[1].or_default->items[1].text, "auto");
  /* through the helper: the env value, the literal, the posargs */
  a = &t->runs.items[1].args;
  assert_int_equal(a->len, 4);
  assert_int_equal(a->items[1].kind, FG_PL_ENV);
  assert_string_equal(a->items[1].text, "W");
  assert_string_equal(a->items[1].dflt, "-n0");
  assert_true(a->items[1].split);
  assert_string_equal(a->items[2].text, "x");
  assert_int_equal(a->items[3].kind, FG_PL_POSARGS);
  const FgNoxSession *l = &nf->sessions.items[1];
  assert_string_equal(l->name, "lint-all");
  assert_false(l->is_default);
  assert_true(l->parametrized);
  assert_int_equal(l->runs.items[0].args.items[2].kind, FG_PL_UNKNOWN);
  fg_noxfile_delete(nf);
  fg_source_delete(src);
}

static void test_bad_input(void **state) {
  (void)state;
  /* broken Python and deep nesting: no crash, what can be read is read */
  FgBuf b = {0};
  fg_buf_puts(&b,
              "import nox\n@nox.session\ndef t(session):\n    session.run('pytest', ");
  for (int i = 0; i < 5000; i++)
    fg_buf_puts(&b, "[");
  fg_buf_puts(&b, "\n@nox.session(\ndef\n");
  FgSource *src = fg_source_new("noxfile.py", b.data, b.len);
  FgNoxfile *nf = fg_noxfile_parse(src);
  assert_non_null(nf);
  fg_noxfile_delete(nf);
  FgPyRunner r;
  fg_pyrunner_read(src, &r);
  fg_pyrunner_free(&r);
  fg_source_delete(src);
  fg_buf_free(&b);
  fg_noxfile_delete(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_runner_argv),
      cmocka_unit_test(test_runner_forms),
      cmocka_unit_test(test_noxfile),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
