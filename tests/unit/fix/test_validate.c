/* Unit tests for lint/fix/validate.c: a fix is withdrawn exactly when it
 * would not apply on its own, although the fixes of a pass are validated
 * together first. */
#include "fg_testdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/diag.h"
#include "core/util.h"
#include "fix/validate.h"
#include "parse/pysyntax.h"
#include "project.h"

static const char kPyproject[] = "[tool.pytest.ini_options]\n"
                                 "testpaths = [\"tests\"]\n";
/* The first line of the test files: it makes the prefilter parse them. */
#define HEAD "from multiprocessing import Pool\n"
static const size_t kHeadLen = sizeof HEAD - 1;

static FgProject *load(const char *dir) {
  FgConfigOverrides ov = {0};
  char *err = NULL;
  const char *paths[] = {dir};
  FgProject *p = fg_project_load(paths, 1, &ov, &err);
  if (!p)
    fail_msg("fg_project_load: %s", err ? err : "?");
  return p;
}

static const FgSource *module_src(const FgProject *p, const char *path) {
  for (size_t i = 0; i < p->py.modules.len; i++)
    if (strcmp(p->py.modules.items[i]->src->path, path) == 0) {
      assert_true(p->py.modules.items[i]->src->len > 0); /* read and kept */
      return p->py.modules.items[i]->src;
    }
  fail_msg("no module %s", path);
  return NULL;
}

/* A finding with a fix of one edit (or two, when start2 != SIZE_MAX). */
static FgDiag *diag(FgDiagList *l, const char *name, const FgSource *src, size_t start,
                    size_t end, const char *text, size_t start2, size_t end2) {
  FgDiag *d = fg_diag_new(NULL, src, 0, 0, "%s", name);
  d->fix = fg_fix_new(FG_FIX_SAFE, "%s", name);
  fg_fix_add_edit(d->fix, src, start, end, text);
  if (start2 != SIZE_MAX)
    fg_fix_add_edit(d->fix, src, start2, end2, "");
  fg_diag_list_push(l, d);
  return d;
}

/* Withdrawn, with a note that starts "no fix: <name> (<why>". */
static void assert_withdrawn(const FgDiag *d, const char *why) {
  assert_null(d->fix);
  assert_int_equal(d->notes.len, 1);
  char *want = fg_xasprintf("no fix: %s (%s", d->message, why);
  if (strncmp(d->notes.items[0], want, strlen(want)) != 0)
    fail_msg("note %s, want %s...", d->notes.items[0], want);
  free(want);
}

static void test_each_fix_judged_alone(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  const char *pool = HEAD "\ndef test_one():\n    pass\n";
  testdir_write(dir, "tests/test_a.py", pool);
  testdir_write(dir, "tests/test_b.py", pool);
  testdir_write(dir, "tests/test_c.py", "(1)\nfrom multiprocessing import Pool\n");
  testdir_write(dir, "tests/test_d.py", HEAD "def test_(:\n");
  FgProject *p = load(dir);
  const FgSource *a = module_src(p, "tests/test_a.py");
  const FgSource *b = module_src(p, "tests/test_b.py");
  const FgSource *c = module_src(p, "tests/test_c.py");
  const FgSource *bad = module_src(p, "tests/test_d.py");
  size_t end = a->len;
  FgDiagList l = {0};
  /* a file that fails with every fix in place: each of its fixes alone */
  FgDiag *a1 = diag(&l, "a1", a, 0, 0, "# one\n", SIZE_MAX, 0);
  FgDiag *a2 = diag(&l, "a2", a, end, end, "def (\n", SIZE_MAX, 0);
  FgDiag *a3 = diag(&l, "a3", a, kHeadLen, kHeadLen, "# three\n", SIZE_MAX, 0);
  /* a fix whose own edits overlap; one that overlaps an earlier fix */
  FgDiag *b1 = diag(&l, "b1", b, 0, 6, "from", 2, 8);
  FgDiag *b2 = diag(&l, "b2", b, 0, 0, "x = 1\n", SIZE_MAX, 0);
  FgDiag *b3 = diag(&l, "b3", b, 0, 0, "y = 2\n", SIZE_MAX, 0);
  /* two fixes that together leave the bytes as they were, and each alone
   * breaks them */
  FgDiag *c1 = diag(&l, "c1", c, 0, 0, "(", SIZE_MAX, 0);
  FgDiag *c2 = diag(&l, "c2", c, 0, 1, "", SIZE_MAX, 0);
  /* a file that does not parse as it stands */
  FgDiag *d1 = diag(&l, "d1", bad, 0, 0, "# x\n", SIZE_MAX, 0);
  fg_fixes_withdraw_broken(p, &l);
  assert_non_null(a1->fix);
  assert_withdrawn(a2, "the fixed file would not parse");
  assert_non_null(a3->fix);
  assert_withdrawn(b1, "its edits overlap");
  assert_non_null(b2->fix);
  assert_non_null(b3->fix);
  assert_withdrawn(c1, "the fixed file would not parse");
  assert_withdrawn(c2, "the fixed file would not parse");
  assert_withdrawn(d1, "cannot be parsed as it stands");
  assert_int_equal(a1->notes.len + b2->notes.len + b3->notes.len, 0);
  fg_diag_list_clear(&l);
  fg_project_delete(p);
  testdir_delete(dir);
}

/* Fixes that all apply, in one file: none is withdrawn. */
static void test_all_good(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  FgBuf text = {0};
  fg_buf_printf(&text, HEAD);
  for (int i = 0; i < 40; i++)
    fg_buf_printf(&text, "x%02d = %02d\n", i, i);
  testdir_write(dir, "tests/test_a.py", text.data);
  fg_buf_free(&text);
  FgProject *p = load(dir);
  const FgSource *a = module_src(p, "tests/test_a.py");
  FgDiagList l = {0};
  FgDiag *ds[40];
  for (size_t i = 0; i < 40; i++) {
    size_t at = kHeadLen + i * 9; /* the start of line x<i> */
    ds[i] = diag(&l, "ok", a, at, at, i % 2 ? "# odd\n" : "# even\n", SIZE_MAX, 0);
  }
  fg_fixes_withdraw_broken(p, &l);
  for (size_t i = 0; i < 40; i++) {
    assert_non_null(ds[i]->fix);
    assert_int_equal(ds[i]->notes.len, 0);
  }
  fg_diag_list_clear(&l);
  fg_project_delete(p);
  testdir_delete(dir);
}

/* A module with the statements fixes meet: a class with methods, a
 * decorated def, if/else and try/except at the top, a string holding lines
 * at column 0, two statements on a line, a continued line, comments. */
static const char kStatements[] = HEAD "# a comment\n"
                                       "\n"
                                       "class TestA:\n"
                                       "    def test_one(self):\n"
                                       "        pass\n"
                                       "\n"
                                       "    def test_two(self):\n"
                                       "        s = \"\"\"\n"
                                       "def not_code():\n"
                                       "\"\"\"\n"
                                       "\n"
                                       "@decorated\n"
                                       "def test_three():\n"
                                       "    x = 1 + \\\n"
                                       "        2\n"
                                       "a = 1; b = 2\n"
                                       "if a:\n"
                                       "    pass\n"
                                       "else:\n"
                                       "    pass\n"
                                       "try:\n"
                                       "    pass\n"
                                       "except OSError:\n"
                                       "    pass\n";

/* Every edit a fix might make, good and bad, at the start of every line
 * and inside some: the verdict (and its message) is the whole file's,
 * although only the statements an edit touches are reparsed when the
 * module's statements are known. */
static void test_edited_statements_judged_as_the_whole_file(void **state) {
  (void)state;
  static const char *const edits[] = {
      "@pytest.mark.no_parallel\n",
      "    @pytest.mark.no_parallel\n",
      "import pytest\n",
      "else:\n    pass\n",
      "elif b:\n    pass\n",
      "x = 1 \\\n",
      "(\n",
      "\"\"\"\n",
      "def g():\n",
      "    y = 2\n",
      "pass\n",
      "# c\n",
      "x = (1,\n",
      "",
      "\n\n",
      "except ValueError:\n    pass\n",
      "finally:\n    pass\n",
      "\tpass\n",
      "x = 1",
      "@d",
      "        z = 3\n",
      "    # c\n    w = 4\n",
  };
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  testdir_write(dir, "tests/test_a.py", kStatements);
  FgProject *p = load(dir);
  const FgSource *a = module_src(p, "tests/test_a.py");
  const FgModule *m = fg_pymodel_module_by_path(&p->py, "tests/test_a.py");
  assert_non_null(m->py);
  assert_true(m->py->ntop >= 6);
  FgFixCheck check;
  fg_fix_check_init(&check, p);
  size_t tried = 0, refused = 0;
  for (size_t at = 0; at <= a->len; at++) {
    bool line_start = at == 0 || a->data[at - 1] == '\n';
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
      if (!line_start && at % 7)
        continue;
      /* an insertion, and a replacement of the next byte */
      for (size_t cut = 0; cut <= 1 && at + cut <= a->len; cut++) {
        FgBuf nb = {0};
        fg_buf_append(&nb, a->data, at);
        fg_buf_append(&nb, edits[e], strlen(edits[e]));
        fg_buf_append(&nb, a->data + at + cut, a->len - at - cut);
        FgSource *whole =
            fg_source_new("tests/test_a.py", nb.data ? nb.data : "", nb.len);
        char *want = fg_pysyntax_problem(whole);
        char *why = NULL;
        bool ok = fg_fix_check_validate("tests/test_a.py", whole->data, whole->len, &why,
                                        &check);
        if (ok != !want)
          fail_msg("edit %zu at %zu (cut %zu): validate says %s, the whole file %s", e,
                   at, cut, ok ? "parses" : why, want ? want : "parses");
        if (want) {
          char *msg = fg_xasprintf("the fixed file would not parse: %s", want);
          assert_string_equal(why, msg);
          free(msg);
          refused++;
        }
        tried++;
        free(why);
        free(want);
        fg_source_delete(whole);
        fg_buf_free(&nb);
      }
    }
  }
  /* two edits at once: a decorator or an import at one line, any edit at a
   * later one */
  for (size_t at = 0; at < a->len; at++) {
    if (at && a->data[at - 1] != '\n')
      continue;
    for (size_t at2 = at + 1; at2 <= a->len; at2++) {
      if (a->data[at2 - 1] != '\n')
        continue;
      for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        FgBuf nb = {0};
        fg_buf_append(&nb, a->data, at);
        fg_buf_puts(&nb, at % 2 ? "@pytest.mark.no_parallel\n" : "import pytest\n");
        fg_buf_append(&nb, a->data + at, at2 - at);
        fg_buf_append(&nb, edits[e], strlen(edits[e]));
        fg_buf_append(&nb, a->data + at2, a->len - at2);
        FgSource *whole = fg_source_new("tests/test_a.py", nb.data, nb.len);
        char *want = fg_pysyntax_problem(whole);
        char *why = NULL;
        bool ok = fg_fix_check_validate("tests/test_a.py", whole->data, whole->len, &why,
                                        &check);
        if (ok != !want)
          fail_msg("edits at %zu and %zu (%zu): validate says %s, the whole file %s", at,
                   at2, e, ok ? "parses" : why, want ? want : "parses");
        refused += want != NULL;
        tried++;
        free(why);
        free(want);
        fg_source_delete(whole);
        fg_buf_free(&nb);
      }
    }
  }
  assert_true(tried > 2000);
  assert_true(refused > 500 && refused < tried - 500);
  fg_fix_check_free(&check);
  fg_project_delete(p);
  testdir_delete(dir);
}

/* The last statement of a file that does not end a line: new bytes after
 * it join its line. */
static void test_an_edit_after_an_unended_line(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "pyproject.toml", kPyproject);
  testdir_write(dir, "tests/test_b.py", HEAD "x = 1");
  FgProject *p = load(dir);
  module_src(p, "tests/test_b.py");
  FgFixCheck check;
  fg_fix_check_init(&check, p);
  static const char *const news[] = {HEAD "x = 1y = 2\n", HEAD "x = 1\ny = 2\n"};
  for (size_t i = 0; i < 2; i++) {
    char *why = NULL;
    bool ok =
        fg_fix_check_validate("tests/test_b.py", news[i], strlen(news[i]), &why, &check);
    assert_int_equal(ok, i == 1);
    free(why);
  }
  fg_fix_check_free(&check);
  fg_project_delete(p);
  testdir_delete(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_fix_judged_alone),
      cmocka_unit_test(test_all_good),
      cmocka_unit_test(test_edited_statements_judged_as_the_whole_file),
      cmocka_unit_test(test_an_edit_after_an_unended_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
