/* Unit tests for lint/parse/shell.c: commands, words, spans and separators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/util.h"
#include "parse/shell.h"

#include <stdlib.h>
#include <string.h>

static FgShellScript *parse(const char *s) {
  return fg_shell_parse(s, strlen(s));
}

/* Checks one word: value, span, and dynamic flag. */
static void check_word(const FgShellWord *w, const char *text, size_t start, size_t end,
                       bool dynamic) {
  assert_string_equal(w->text, text);
  assert_int_equal(w->start, start);
  assert_int_equal(w->end, end);
  assert_int_equal(w->dynamic, dynamic);
}

/* Checks the argv of a command against a NULL-terminated list of values. */
static void check_argv(const FgShellCommand *c, const char *const *argv) {
  size_t n = 0;
  while (argv[n])
    n++;
  assert_int_equal(c->nwords, n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(c->words[i].text, argv[i]);
}

static void test_continuations(void **state) {
  const char *s = "python -m pytest tests/ \\\n"
                  "  -n auto \\\n"
                  "  --dist loadfile\n";
  FgShellScript *sc = parse(s);
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 1);
  const FgShellCommand *c = &sc->cmds[0];
  assert_int_equal(c->nwords, 8);
  check_word(&c->words[0], "python", 0, 6, false);
  check_word(&c->words[1], "-m", 7, 9, false);
  check_word(&c->words[2], "pytest", 10, 16, false);
  check_word(&c->words[3], "tests/", 17, 23, false);
  check_word(&c->words[4], "-n", 28, 30, false);
  check_word(&c->words[5], "auto", 31, 35, false);
  check_word(&c->words[6], "--dist", 40, 46, false);
  check_word(&c->words[7], "loadfile", 47, 55, false);
  assert_int_equal(c->start, 0);
  assert_int_equal(c->end, 55);
  assert_string_equal(c->sep, "");
  fg_shell_delete(sc);
}

static void test_and_or(void **state) {
  FgShellScript *sc = parse("cd x && pytest -n 4 || exit 1");
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 3);
  check_argv(&sc->cmds[0], (const char *[]){"cd", "x", NULL});
  check_argv(&sc->cmds[1], (const char *[]){"pytest", "-n", "4", NULL});
  check_argv(&sc->cmds[2], (const char *[]){"exit", "1", NULL});
  assert_string_equal(sc->cmds[0].sep, "&&");
  assert_string_equal(sc->cmds[1].sep, "||");
  assert_string_equal(sc->cmds[2].sep, "");
  assert_int_equal(sc->cmds[1].start, 8);
  assert_int_equal(sc->cmds[1].end, 19);
  check_word(&sc->cmds[1].words[2], "4", 18, 19, false);
  fg_shell_delete(sc);
}

static void test_assignments(void **state) {
  const char *s = "FOO=1 BAR=\"a b\" BAZ=$X Q= pytest -q";
  FgShellScript *sc = parse(s);
  assert_int_equal(sc->ncmds, 1);
  const FgShellCommand *c = &sc->cmds[0];
  assert_int_equal(c->nassigns, 4);
  check_word(&c->assigns[0], "FOO=1", 0, 5, false);
  check_word(&c->assigns[1], "BAR=a b", 6, 15, false);
  check_word(&c->assigns[2], "BAZ=$X", 16, 22, true);
  check_word(&c->assigns[3], "Q=", 23, 25, false);
  assert_int_equal(c->nwords, 2);
  check_word(&c->words[0], "pytest", 26, 32, false);
  assert_int_equal(c->start, 0);
  fg_shell_delete(sc);
}

static void test_quoting(void **state) {
  const char *s = "pytest -m \"not slow\" -m 'not slow' -m\"not slow\" a\\ b "
                  "\"q\\\"\\\\\\$\\x\" 'it''s' $'a\\tb' \"$HOME/x\"";
  FgShellScript *sc = parse(s);
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 1);
  const FgShellCommand *c = &sc->cmds[0];
  assert_int_equal(c->nwords, 11);
  check_word(&c->words[1], "-m", 7, 9, false);
  check_word(&c->words[2], "not slow", 10, 20, false);
  check_word(&c->words[4], "not slow", 24, 34, false);
  check_word(&c->words[5], "-mnot slow", 35, 47, false);
  check_word(&c->words[6], "a b", 48, 52, false);
  /* inside "...": \" \\ \$ are escapes, \x keeps its backslash */
  check_word(&c->words[7], "q\"\\$\\x", 53, 64, false);
  check_word(&c->words[8], "its", 65, 72, false);
  check_word(&c->words[9], "a\tb", 73, 80, false);
  check_word(&c->words[10], "$HOME/x", 81, 90, true);
  fg_shell_delete(sc);
}

static void test_github_expressions(void **state) {
  const char *s = "pip install python${{ matrix.python }} \"${{ inputs.x }}\" -k "
                  "'${{ format('{0}', a) }}'\n"
                  "pytest -n ${{ matrix.workers }}";
  FgShellScript *sc = parse(s);
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 2);
  const FgShellCommand *c = &sc->cmds[0];
  assert_int_equal(c->nwords, 6);
  check_word(&c->words[0], "pip", 0, 3, false);
  check_word(&c->words[2], "python${{ matrix.python }}", 12, 38, true);
  check_word(&c->words[3], "${{ inputs.x }}", 39, 56, true);
  check_word(&c->words[4], "-k", 57, 59, false);
  /* quotes inside the expression do not end the '...' around it */
  check_word(&c->words[5], "${{ format('{0}', a) }}", 60, 85, true);
  assert_string_equal(c->sep, "\n");
  check_argv(&sc->cmds[1],
             (const char *[]){"pytest", "-n", "${{ matrix.workers }}", NULL});
  assert_true(sc->cmds[1].words[2].dynamic);
  assert_false(sc->cmds[1].words[1].dynamic);
  fg_shell_delete(sc);
}

static void test_expansions_and_substitutions(void **state) {
  /* the commands inside $(...) and `...` are not the script's commands */
  FgShellScript *sc = parse("echo $(pytest -n 2) `pytest` ${X:-a} $Y\n");
  assert_int_equal(sc->ncmds, 1);
  const FgShellCommand *c = &sc->cmds[0];
  assert_int_equal(c->nwords, 5);
  check_word(&c->words[1], "$(pytest -n 2)", 5, 19, true);
  check_word(&c->words[2], "`pytest`", 20, 28, true);
  check_word(&c->words[3], "${X:-a}", 29, 36, true);
  check_word(&c->words[4], "$Y", 37, 39, true);
  assert_string_equal(c->sep, "");
  fg_shell_delete(sc);
}

static void test_pipes_and_background(void **state) {
  FgShellScript *sc = parse("pytest -n auto 2>&1 | tee log; ! pytest & wait\n");
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 4);
  check_argv(&sc->cmds[0], (const char *[]){"pytest", "-n", "auto", NULL});
  assert_int_equal(sc->cmds[0].end, 14); /* the redirect is not part of it */
  assert_string_equal(sc->cmds[0].sep, "|");
  check_argv(&sc->cmds[1], (const char *[]){"tee", "log", NULL});
  assert_string_equal(sc->cmds[1].sep, ";");
  check_argv(&sc->cmds[2], (const char *[]){"pytest", NULL});
  assert_string_equal(sc->cmds[2].sep, "&");
  check_argv(&sc->cmds[3], (const char *[]){"wait", NULL});
  assert_string_equal(sc->cmds[3].sep, "");
  fg_shell_delete(sc);
}

static void test_compound_bodies(void **state) {
  const char *s = "if [ -f x ]; then\n"
                  "  pytest -n 2\n"
                  "elif true; then a; else b; fi\n"
                  "for v in 1 2; do pytest -k \"$v\"; done\n"
                  "while false; do c; done\n"
                  "case \"$OS\" in linux) d ;; *) e ;; esac\n"
                  "run() { pytest \"$@\"; }\n";
  FgShellScript *sc = parse(s);
  assert_false(sc->has_error);
  /* NULL: the loop variable's assignment, before the loop body */
  const char *names[] = {"pytest", "true", "a", "b", NULL,    "pytest",
                         "false",  "c",    "d", "e", "pytest"};
  size_t n = sizeof names / sizeof names[0];
  assert_int_equal(sc->ncmds, n);
  for (size_t i = 0; i < n; i++) {
    if (names[i])
      assert_string_equal(sc->cmds[i].words[0].text, names[i]);
    else
      assert_int_equal(sc->cmds[i].kind, FG_SHELL_ASSIGN);
  }
  assert_string_equal(sc->cmds[4].assigns[0].text, "v=");
  assert_true(sc->cmds[4].assigns[0].dynamic);
  assert_string_equal(sc->cmds[0].sep, "\n");
  assert_string_equal(sc->cmds[2].sep, ";");
  assert_string_equal(sc->cmds[8].sep, ";"); /* ;; */
  check_argv(&sc->cmds[5], (const char *[]){"pytest", "-k", "$v", NULL});
  assert_true(sc->cmds[5].words[2].dynamic);
  check_argv(&sc->cmds[10], (const char *[]){"pytest", "$@", NULL});
  fg_shell_delete(sc);
}

static void test_subshell(void **state) {
  FgShellScript *sc = parse("( cd a; pytest ) && echo ok");
  assert_int_equal(sc->ncmds, 3);
  check_argv(&sc->cmds[0], (const char *[]){"cd", "a", NULL});
  assert_string_equal(sc->cmds[0].sep, ";");
  check_argv(&sc->cmds[1], (const char *[]){"pytest", NULL});
  assert_string_equal(sc->cmds[1].sep, "");
  assert_int_equal(sc->cmds[1].start, 8);
  check_argv(&sc->cmds[2], (const char *[]){"echo", "ok", NULL});
  fg_shell_delete(sc);
}

static void test_heredoc(void **state) {
  const char *s = "cat <<EOF && pytest -x\n"
                  "pytest -n 4 $(rm -rf x)\n"
                  "EOF\n"
                  "python - <<'PY'\n"
                  "print('hi')\n"
                  "PY\n"
                  "echo done\n";
  FgShellScript *sc = parse(s);
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 4);
  check_argv(&sc->cmds[0], (const char *[]){"cat", NULL});
  assert_string_equal(sc->cmds[0].sep, "&&");
  check_argv(&sc->cmds[1], (const char *[]){"pytest", "-x", NULL});
  /* the grammar drops the `-` before a heredoc; shell.c recovers it */
  check_argv(&sc->cmds[2], (const char *[]){"python", "-", NULL});
  check_word(&sc->cmds[2].words[1], "-", 58, 59, false);
  assert_int_equal(sc->cmds[2].end, 59);
  check_argv(&sc->cmds[3], (const char *[]){"echo", "done", NULL});
  assert_int_equal(sc->cmds[3].start, strstr(s, "echo") - s);
  fg_shell_delete(sc);
}

static void test_syntax_error(void **state) {
  FgShellScript *sc = parse("pytest -n 2\npytest \"unterminated\n");
  assert_true(sc->has_error);
  /* the MISSING closing quote at the end */
  assert_int_equal(sc->error_offset, 32);
  assert_int_equal(sc->ncmds, 2);
  check_argv(&sc->cmds[0], (const char *[]){"pytest", "-n", "2", NULL});

  FgShellScript *sc2 = parse("a && && b");
  assert_true(sc2->has_error);
  assert_int_equal(sc2->error_offset, 2);
  fg_shell_delete(sc);
  fg_shell_delete(sc2);
}

static void test_empty_and_comments(void **state) {
  FgShellScript *sc = fg_shell_parse("", 0);
  assert_non_null(sc);
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 0);
  fg_shell_delete(sc);

  sc = parse("# only a comment\n   \n");
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 0);
  fg_shell_delete(sc);

  sc = parse("# setup\npytest -q  # quiet\n# done\necho x # trailing\n");
  assert_int_equal(sc->ncmds, 2);
  check_argv(&sc->cmds[0], (const char *[]){"pytest", "-q", NULL});
  assert_string_equal(sc->cmds[0].sep, "\n");
  check_argv(&sc->cmds[1], (const char *[]){"echo", "x", NULL});
  assert_string_equal(sc->cmds[1].sep, "");
  fg_shell_delete(sc);
  fg_shell_delete(NULL);
}

static void test_deep_and_large(void **state) {
  /* deep nesting: the walk must not recurse */
  FgBuf b = {0};
  for (int i = 0; i < 5000; i++)
    fg_buf_puts(&b, "if x; then ");
  fg_buf_puts(&b, "pytest");
  for (int i = 0; i < 5000; i++)
    fg_buf_puts(&b, "; fi");
  FgShellScript *sc = fg_shell_parse(b.data, b.len);
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 5001);
  assert_string_equal(sc->cmds[5000].words[0].text, "pytest");
  fg_shell_delete(sc);
  fg_buf_free(&b);

  /* ~100 KB of commands */
  for (int i = 0; i < 1500; i++)
    fg_buf_printf(
        &b, "FOO=%d python -m pytest -n ${{ matrix.n }} -m \"not slow\" | tee l\n", i);
  sc = fg_shell_parse(b.data, b.len);
  assert_false(sc->has_error);
  assert_int_equal(sc->ncmds, 3000);
  assert_string_equal(sc->cmds[2998].assigns[0].text, "FOO=1499");
  assert_string_equal(sc->cmds[2998].words[4].text, "${{ matrix.n }}");
  assert_string_equal(sc->cmds[2998].words[6].text, "not slow");
  fg_shell_delete(sc);
  fg_buf_free(&b);
}

static void test_parts(void **state) {
  FgShellScript *sc = parse("pytest \"a$X\"b ${Y:-d} ${Z#p} $(echo x) 'q'\n");
  assert_int_equal(sc->ncmds, 1);
  const FgShellCommand *c = &sc->cmds[0];
  assert_int_equal(c->nwords, 6);
  const FgShellWord *w = &c->words[1];
  assert_int_equal(w->nparts, 3);
  assert_int_equal(w->parts[0].kind, FG_SHELL_LIT);
  assert_string_equal(w->parts[0].text, "a");
  assert_true(w->parts[0].quoted);
  assert_int_equal(w->parts[1].kind, FG_SHELL_PARAM);
  assert_string_equal(w->parts[1].text, "X");
  assert_true(w->parts[1].quoted);
  assert_false(w->parts[2].quoted);
  w = &c->words[2];
  assert_int_equal(w->parts[0].kind, FG_SHELL_PARAM);
  assert_string_equal(w->parts[0].op, ":-");
  assert_string_equal(w->parts[0].arg, "d");
  assert_string_equal(c->words[3].parts[0].op, "#");
  assert_string_equal(c->words[3].parts[0].arg, "p");
  assert_int_equal(c->words[4].parts[0].kind, FG_SHELL_CMDSUB);
  assert_string_equal(c->words[4].parts[0].text, "echo x");
  assert_false(c->words[5].dynamic);
  fg_shell_delete(sc);
}

static void test_statements_and_conditions(void **state) {
  FgShellScript *sc =
      parse("A=1 B=2\nexport C=3 D\n"
            "if [ \"$A\" = 1 ]; then x; elif [[ $B != 2* ]]; then y; else z; fi\n"
            "case \"$C\" in a|b) p ;; *) q ;; esac\n"
            "[ -n \"$D\" ] && r\n"
            "echo \"K=v\" >> \"$GITHUB_ENV\"\n");
  assert_int_equal(sc->cmds[0].kind, FG_SHELL_ASSIGN);
  assert_int_equal(sc->cmds[0].nassigns, 2);
  assert_int_equal(sc->cmds[1].kind, FG_SHELL_DECL);
  assert_string_equal(sc->cmds[1].words[0].text, "export");
  assert_string_equal(sc->cmds[1].assigns[0].text, "C=3");
  assert_string_equal(sc->cmds[1].words[1].text, "D");
  /* x y z p q r echo */
  const FgShellCommand *x = &sc->cmds[2], *y = &sc->cmds[3], *z = &sc->cmds[4];
  assert_string_equal(x->words[0].text, "x");
  const FgShellCond *cx = &sc->conds[x->cond];
  assert_true(cx->has_test);
  assert_string_equal(cx->test.op, "=");
  assert_string_equal(cx->test.rhs.text, "1");
  const FgShellCond *cy = &sc->conds[y->cond];
  assert_string_equal(cy->test.op, "!=");
  assert_true(cy->test.pattern);
  assert_int_equal(cy->prev, x->cond);
  const FgShellCond *cz = &sc->conds[z->cond];
  assert_false(cz->has_test);
  assert_int_equal(cz->prev, y->cond);
  const FgShellCommand *p = &sc->cmds[5], *q = &sc->cmds[6];
  assert_int_equal(sc->conds[p->cond].kind, FG_SHELL_COND_CASE);
  assert_int_equal(sc->conds[p->cond].npatterns, 2);
  assert_int_equal(sc->conds[q->cond].prev, p->cond);
  const FgShellCommand *r = &sc->cmds[7];
  assert_string_equal(sc->conds[r->cond].test.op, "-n");
  assert_true(sc->conds[r->cond].want);
  const FgShellCommand *e = &sc->cmds[8];
  assert_non_null(e->out_file);
  assert_true(e->out_append);
  assert_string_equal(e->out_file->text, "$GITHUB_ENV");
  assert_int_equal(e->cond, -1);
  fg_shell_delete(sc);
}

/* A redirect the grammar recovers at the very end of the text: nothing is
 * read past the bytes given (the buffer has no NUL after them; the ASan
 * build checks). Found by fuzz_shell. */
static void test_redirect_at_the_end(void **state) {
  (void)state;
  static const char *const texts[] = {"pixi r -e Jtest all>", "x >", "x >>", NULL};
  for (const char *const *t = texts; *t; t++) {
    size_t len = strlen(*t);
    char *exact = malloc(len);
    assert_non_null(exact);
    memcpy(exact, *t, len);
    FgShellScript *sc = fg_shell_parse(exact, len);
    assert_true(sc->ncmds >= 1);
    assert_string_equal(sc->cmds[0].words[0].text, **t == 'p' ? "pixi" : "x");
    fg_shell_delete(sc);
    free(exact);
  }
}

static void test_expansion_end(void **state) {
  static const struct {
    const char *text;
    int len; /* bytes of the expansion; -1: none starts there */
  } cases[] = {
      {"$X rest", 2},
      {"${X:-a} b", 7},
      {"$(a $(b) c) d", 11},
      {"${{ matrix.x }}y", 15},
      {"$_a1-b", 4},
      {"$", -1},
      {"$-", -1},
      {"x$Y", -1},
      {"$(unclosed", -1},
      {"${{ open", -1},
      {"`cmd`", -1},
      {"${a{b}c} d", 8},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *e = fg_shell_expansion_end(cases[i].text);
    if (cases[i].len < 0)
      assert_null(e);
    else
      assert_int_equal(e - cases[i].text, cases[i].len);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parts),
      cmocka_unit_test(test_redirect_at_the_end),
      cmocka_unit_test(test_statements_and_conditions),
      cmocka_unit_test(test_continuations),
      cmocka_unit_test(test_and_or),
      cmocka_unit_test(test_assignments),
      cmocka_unit_test(test_quoting),
      cmocka_unit_test(test_github_expressions),
      cmocka_unit_test(test_expansions_and_substitutions),
      cmocka_unit_test(test_pipes_and_background),
      cmocka_unit_test(test_compound_bodies),
      cmocka_unit_test(test_subshell),
      cmocka_unit_test(test_heredoc),
      cmocka_unit_test(test_syntax_error),
      cmocka_unit_test(test_empty_and_comments),
      cmocka_unit_test(test_deep_and_large),
      cmocka_unit_test(test_expansion_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
