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

#include "ci/tox.h"
#include "core/source.h"
#include "core/util.h"

static const char *const TOX_INI =
    "[tox]\n"
    "envlist = py{39,310}-{xdist,serial}, lint,\n"
    "    docs\n"
    "\n"
    "[testenv]\n"
    "setenv =\n"
    "    PYTHONHASHSEED = 0\n"
    "    xdist: PYTEST_ADDOPTS=-n auto\n"
    "commands =\n"
    "    xdist: pytest -n auto -m \"not no_parallel\" {posargs:tests}\n"
    "    !xdist: pytest -p no:xdist {posargs}\n"
    "    py310-serial: python -c 'print(1)'  # only there\n"
    "    py39,lint: echo {envname} \\\n"
    "        {toxinidir}/x\n"
    "\n"
    "[testenv:lint]\n"
    "commands = ruff check {posargs:src {toxinidir}/tests}\n"
    "\n"
    "[testenv:docs]\n"
    "deps = sphinx\n";

static FgTox *parse(FgSource **src) {
  *src = fg_source_new("tox.ini", TOX_INI, strlen(TOX_INI));
  return fg_tox_parse(*src);
}

static char *span_text(const FgSource *src, const FgToxLine *l) {
  return fg_xstrndup(src->data + l->start, l->end - l->start);
}

static void test_envlist_braces(void **state) {
  FgSource *src;
  FgTox *tox = parse(&src);
  assert_false(fg_tox_has_error(tox));
  size_t n;
  const char *const *envs = fg_tox_envlist(tox, &n);
  assert_int_equal(n, 6);
  assert_string_equal(envs[0], "py39-xdist");
  assert_string_equal(envs[1], "py39-serial");
  assert_string_equal(envs[2], "py310-xdist");
  assert_string_equal(envs[3], "py310-serial");
  assert_string_equal(envs[4], "lint");
  assert_string_equal(envs[5], "docs");
  assert_null(envs[6]);
  assert_true(fg_tox_env_exists(tox, "py310-serial"));
  assert_false(fg_tox_env_exists(tox, "py311"));
  fg_tox_delete(tox);
  fg_source_delete(src);

  const char *ranged = "[tox]\nenv_list =\n    py3{10-12}\n[testenv:a{b,c}]\n";
  src = fg_source_new("tox.ini", ranged, strlen(ranged));
  tox = fg_tox_parse(src);
  envs = fg_tox_envlist(tox, &n);
  assert_int_equal(n, 3);
  assert_string_equal(envs[0], "py310");
  assert_string_equal(envs[2], "py312");
  assert_true(fg_tox_env_exists(tox, "ac")); /* from the section name */
  fg_tox_delete(tox);
  fg_source_delete(src);
}

static void test_factor_conditionals(void **state) {
  FgSource *src;
  FgTox *tox = parse(&src);
  FgToxLines out = {0};
  fg_tox_commands(tox, "py39-xdist", NULL, &out);
  assert_int_equal(out.len, 2);
  assert_string_equal(out.items[0].text, "pytest -n auto -m \"not no_parallel\" tests");
  char *t = span_text(src, &out.items[0]);
  assert_string_equal(t, "pytest -n auto -m \"not no_parallel\" {posargs:tests}");
  free(t);
  assert_null(out.items[0].key);
  /* continuation joined; {envname} and {toxinidir} substituted */
  assert_string_equal(out.items[1].text, "echo py39-xdist ./x");
  t = span_text(src, &out.items[1]);
  assert_string_equal(t, "echo {envname} \\\n        {toxinidir}/x");
  free(t);
  fg_tox_lines_free(&out);

  fg_tox_commands(tox, "py310-serial", NULL, &out);
  assert_int_equal(out.len, 2);
  assert_string_equal(out.items[0].text, "pytest -p no:xdist");   /* {posargs} empty */
  assert_string_equal(out.items[1].text, "python -c 'print(1)'"); /* comment gone */
  t = span_text(src, &out.items[1]);
  assert_string_equal(t, "python -c 'print(1)'");
  free(t);
  fg_tox_lines_free(&out);

  assert_true(fg_tox_factors_match("py311,py312", "py312-xdist"));
  assert_false(fg_tox_factors_match("py311,py312", "py310-xdist"));
  assert_true(fg_tox_factors_match("py310-xdist", "py310-xdist"));
  assert_false(fg_tox_factors_match("py310-xdist", "py310-serial"));
  assert_true(fg_tox_factors_match("!xdist", "py310-serial"));
  assert_false(fg_tox_factors_match("!xdist", "py310-xdist"));
  assert_true(fg_tox_factors_match("py{39,310}-xdist", "py310-xdist"));
  assert_false(fg_tox_factors_match("py", "py310")); /* whole factors only */
  fg_tox_delete(tox);
  fg_source_delete(src);
}

/* tox keeps or drops each physical line by its prefix before it joins the
 * continuations: a prefixed line inside a command is there for its envs
 * only, and the last line of a dropped command goes with it. */
static void test_factor_lines_in_continuations(void **state) {
  (void)state;
  static const char ini[] = "[tox]\n"
                            "envlist = py312-{cov,xdist}\n"
                            "[testenv]\n"
                            "commands =\n"
                            "    pytest tests \\\n"
                            "    cov: --cov pkg \\\n"
                            "    xdist: -n auto \\\n"
                            "    {posargs}\n"
                            "    xdist: python -m one \\\n"
                            "        --flag\n"
                            "    python -m last\n";
  FgSource *src = fg_source_new("tox.ini", ini, strlen(ini));
  FgTox *tox = fg_tox_parse(src);
  FgToxLines out = {0};
  fg_tox_commands(tox, "py312-cov", NULL, &out);
  assert_int_equal(out.len, 2);
  assert_string_equal(out.items[0].text, "pytest tests --cov pkg");
  assert_false(out.items[0].editable); /* joined across the dropped xdist: line */
  assert_string_equal(out.items[1].text, "python -m last");
  assert_true(out.items[1].editable);
  fg_tox_lines_free(&out);
  fg_tox_commands(tox, "py312-xdist", NULL, &out);
  assert_int_equal(out.len, 3);
  assert_string_equal(out.items[0].text, "pytest tests -n auto");
  assert_string_equal(out.items[1].text, "python -m one --flag");
  assert_true(out.items[1].editable); /* the file's lines, side by side */
  assert_string_equal(out.items[2].text, "python -m last");
  fg_tox_lines_free(&out);
  fg_tox_delete(tox);
  fg_source_delete(src);
}

static void test_own_section_and_inheritance(void **state) {
  FgSource *src;
  FgTox *tox = parse(&src);
  FgToxLines out = {0};
  fg_tox_commands(tox, "lint", NULL, &out);
  assert_int_equal(out.len, 1);
  assert_string_equal(out.items[0].text, "ruff check src ./tests");
  fg_tox_lines_free(&out);

  /* [testenv:docs] has no commands: [testenv]'s apply */
  fg_tox_commands(tox, "docs", NULL, &out);
  assert_int_equal(out.len, 1);
  assert_string_equal(out.items[0].text, "pytest -p no:xdist");
  fg_tox_lines_free(&out);
  fg_tox_delete(tox);
  fg_source_delete(src);
}

static void test_setenv(void **state) {
  FgSource *src;
  FgTox *tox = parse(&src);
  FgToxLines out = {0};
  fg_tox_setenv(tox, "py39-xdist", NULL, &out);
  assert_int_equal(out.len, 2);
  assert_string_equal(out.items[0].key, "PYTHONHASHSEED");
  assert_string_equal(out.items[0].text, "0");
  assert_string_equal(out.items[1].key, "PYTEST_ADDOPTS");
  assert_string_equal(out.items[1].text, "-n auto");
  char *t = span_text(src, &out.items[1]);
  assert_string_equal(t, "PYTEST_ADDOPTS=-n auto");
  free(t);
  fg_tox_lines_free(&out);
  fg_tox_setenv(tox, "lint", NULL, &out);
  assert_int_equal(out.len, 1);
  fg_tox_lines_free(&out);
  fg_tox_delete(tox);
  fg_source_delete(src);
}

static void test_references_and_errors(void **state) {
  const char *text = "[base]\ncmds =\n    pytest -n 2\n"
                     "[testenv:x]\ncommands =\n    {[base]cmds}\n    echo done\n"
                     "bad line\n";
  FgSource *src = fg_source_new("tox.ini", text, strlen(text));
  FgTox *tox = fg_tox_parse(src);
  assert_true(fg_tox_has_error(tox));
  assert_int_equal(fg_tox_error_offset(tox), (size_t)(strstr(text, "bad line") - text));
  FgToxLines out = {0};
  fg_tox_commands(tox, "x", NULL, &out);
  assert_int_equal(out.len, 2);
  assert_string_equal(out.items[0].text, "pytest -n 2");
  assert_int_equal(out.items[0].start, (size_t)(strstr(text, "pytest") - text));
  assert_string_equal(out.items[1].text, "echo done");
  fg_tox_lines_free(&out);
  size_t n;
  assert_non_null(fg_tox_envlist(tox, &n));
  assert_int_equal(n, 0);
  fg_tox_delete(tox);
  fg_source_delete(src);
  fg_tox_delete(NULL);
}

static const char *outside_env(void *ud, const char *name) {
  (void)ud;
  return strcmp(name, "CI_ARGS") == 0 ? "--ci" : NULL;
}

static void test_posargs_and_env(void **state) {
  (void)state;
  const char *text = "[tox]\nenvlist = py-xdist\n"
                     "[testenv]\n"
                     "setenv =\n"
                     "    DEFAULT = {env:WORKERS:} {env:CI_ARGS:--local}\n"
                     "    xdist: WORKERS = -n auto\n"
                     "    cov: RUN = coverage run -m\n"
                     "    SELF = {env:SELF:outer}\n"
                     "commands =\n"
                     "    {env:RUN:} pytest {posargs:{env:DEFAULT:}}\n"
                     "    echo {env:SELF} {tty:on:off} {envtmpdir}{/}x\n";
  FgSource *src = fg_source_new("tox.ini", text, strlen(text));
  FgTox *tox = fg_tox_parse(src);
  FgToxLines out = {0};
  /* no `--`: the default, through setenv (factor-conditional) and the outside */
  FgToxInput in = {NULL, outside_env, NULL};
  fg_tox_commands(tox, "py-xdist", &in, &out);
  assert_int_equal(out.len, 2);
  assert_string_equal(out.items[0].text, "pytest -n auto --ci");
  assert_string_equal(out.items[1].text, "echo outer off .tox/py-xdist/tmp/x");
  fg_tox_lines_free(&out);
  /* another env: its own factors; the default of an unset variable */
  FgToxInput none = {NULL, NULL, NULL};
  fg_tox_commands(tox, "py-cov", &none, &out);
  /* an empty {env:WORKERS:} leaves its blanks: the shell splits the words */
  assert_string_equal(out.items[0].text, "coverage run -m pytest  --local");
  fg_tox_lines_free(&out);
  /* `--` given, even empty, replaces the default */
  FgToxInput empty = {"", NULL, NULL};
  fg_tox_commands(tox, "py-xdist", &empty, &out);
  assert_string_equal(out.items[0].text, "pytest");
  fg_tox_lines_free(&out);
  FgToxInput given = {"-x tests", NULL, NULL};
  fg_tox_commands(tox, "py-xdist", &given, &out);
  assert_string_equal(out.items[0].text, "pytest -x tests");
  fg_tox_lines_free(&out);
  fg_tox_delete(tox);
  fg_source_delete(src);
}

static void test_labels_gh_and_all_envs(void **state) {
  (void)state;
  const char *text =
      "[tox]\nenvlist = py311, py312-x\nlabels =\n    ci = py312-x, lint\n"
      "[gh-actions]\npython =\n    3.11: py311\n    3.12: py312  # comment\n"
      "[gh-actions:env]\nOS =\n    ubuntu-latest: linux\n"
      "[testenv:lint]\ncommands = ruff\nlabels = style\n";
  FgSource *src = fg_source_new("tox.ini", text, strlen(text));
  FgTox *tox = fg_tox_parse(src);
  FgStrVec v = {0};
  fg_tox_label_envs(tox, "ci", &v);
  assert_int_equal(v.len, 2);
  assert_string_equal(v.items[1], "lint");
  fg_strvec_free(&v);
  fg_tox_label_envs(tox, "style", &v);
  assert_int_equal(v.len, 1);
  fg_strvec_free(&v);
  fg_tox_all_envs(tox, &v);
  assert_int_equal(v.len, 3);
  assert_string_equal(v.items[2], "lint");
  fg_strvec_free(&v);
  bool names = true;
  assert_true(fg_tox_gh_map(tox, "python", &v, &names));
  assert_false(names);
  assert_int_equal(v.len, 2);
  assert_string_equal(v.items[1], "3.12\tpy312");
  fg_strvec_free(&v);
  assert_true(fg_tox_gh_map(tox, "OS", &v, &names));
  assert_string_equal(v.items[0], "ubuntu-latest\tlinux");
  fg_strvec_free(&v);
  fg_tox_gh_env_vars(tox, &v);
  assert_int_equal(v.len, 1);
  fg_strvec_free(&v);
  assert_false(fg_tox_gh_map(tox, "OTHER", &v, &names));
  fg_tox_delete(tox);
  fg_source_delete(src);
}

static void test_toml(void **state) {
  (void)state;
  const char *text =
      "env_list = [\"3.12\", \"type\"]\n"
      "labels = { ci = [\"3.12\"] }\n"
      "[env_run_base]\n"
      "set_env = { W = \"-n 2\", D = { replace = \"env\", name = \"X\", default = \"d\" "
      "} }\n"
      "commands = [[\"pytest\", { replace = \"env\", name = \"W\" }, "
      "{ replace = \"posargs\", default = [\"--a b\"], extend = true }, \"t\"]]\n"
      "[env.type]\n"
      "commands = [[\"mypy\"], { replace = \"ref\", of = [\"env_run_base\", "
      "\"commands\"], "
      "extend = true }]\n"
      "[gh.python]\n\"3.12\" = [\"3.12\", \"type\"]\n";
  FgSource *src = fg_source_new("tox.toml", text, strlen(text));
  FgTox *tox = fg_tox_parse_toml(src, "");
  assert_non_null(tox);
  assert_true(fg_tox_is_toml(tox));
  size_t n = 0;
  const char *const *envs = fg_tox_envlist(tox, &n);
  assert_int_equal(n, 2);
  assert_string_equal(envs[0], "3.12");
  FgToxLines out = {0};
  fg_tox_commands(tox, "3.12", NULL, &out);
  assert_int_equal(out.len, 1);
  assert_string_equal(out.items[0].text, "pytest -n 2 '--a b' t");
  assert_false(out.items[0].editable);
  assert_int_equal(out.items[0].start, (size_t)(strstr(text, "[\"pytest\"") - text));
  fg_tox_lines_free(&out);
  fg_tox_commands(tox, "type", NULL, &out);
  assert_int_equal(out.len, 2);
  assert_string_equal(out.items[0].text, "mypy");
  assert_string_equal(out.items[1].text, "pytest -n 2 '--a b' t");
  fg_tox_lines_free(&out);
  fg_tox_setenv(tox, "3.12", NULL, &out);
  assert_int_equal(out.len, 2);
  assert_string_equal(out.items[1].key, "D");
  assert_string_equal(out.items[1].text, "d");
  fg_tox_lines_free(&out);
  FgStrVec v = {0};
  bool names = false;
  assert_true(fg_tox_gh_map(tox, "python", &v, &names));
  assert_true(names);
  assert_string_equal(v.items[0], "3.12\t3.12, type");
  fg_strvec_free(&v);
  fg_tox_label_envs(tox, "ci", &v);
  assert_int_equal(v.len, 1);
  fg_strvec_free(&v);
  fg_tox_delete(tox);
  /* no [tool.tox] in a pyproject: nothing */
  assert_null(fg_tox_parse_toml(src, "tool.tox"));
  fg_source_delete(src);
}

static void test_legacy_ini_in_pyproject(void **state) {
  (void)state;
  const char *text = "[tool.tox]\nlegacy_tox_ini = \"\"\"\n[tox]\nenvlist = py\n"
                     "[testenv]\ncommands = pytest -n 3\n\"\"\"\n";
  FgSource *src = fg_source_new("pyproject.toml", text, strlen(text));
  FgTox *tox = fg_tox_parse_toml(src, "tool.tox");
  assert_non_null(tox);
  assert_false(fg_tox_is_toml(tox));
  FgToxLines out = {0};
  fg_tox_commands(tox, "py", NULL, &out);
  assert_int_equal(out.len, 1);
  assert_true(out.items[0].editable);
  /* the span is the line in the pyproject */
  char *t = span_text(src, &out.items[0]);
  assert_string_equal(t, "pytest -n 3");
  free(t);
  fg_tox_lines_free(&out);
  fg_tox_delete(tox);
  fg_source_delete(src);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_envlist_braces),
      cmocka_unit_test(test_factor_conditionals),
      cmocka_unit_test(test_factor_lines_in_continuations),
      cmocka_unit_test(test_own_section_and_inheritance),
      cmocka_unit_test(test_setenv),
      cmocka_unit_test(test_references_and_errors),
      cmocka_unit_test(test_posargs_and_env),
      cmocka_unit_test(test_labels_gh_and_all_envs),
      cmocka_unit_test(test_toml),
      cmocka_unit_test(test_legacy_ini_in_pyproject),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
