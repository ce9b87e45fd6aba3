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
#include "project.h"

static const char kPyproject[] = "[tool.pytest.ini_options]\n"
                                 "testpaths = [\"tests\"]\n";

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
  const char *pool = "import multiprocessing\n\ndef test_one():\n    pass\n";
  testdir_write(dir, "tests/test_a.py", pool);
  testdir_write(dir, "tests/test_b.py", pool);
  testdir_write(dir, "tests/test_c.py", "(1)\nimport multiprocessing\n");
  testdir_write(dir, "tests/test_d.py", "import multiprocessing\ndef test_(:\n");
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
  FgDiag *a3 = diag(&l, "a3", a, 23, 23, "# three\n", SIZE_MAX, 0);
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
  fg_buf_printf(&text, "import multiprocessing\n");
  for (int i = 0; i < 40; i++)
    fg_buf_printf(&text, "x%02d = %02d\n", i, i);
  testdir_write(dir, "tests/test_a.py", text.data);
  fg_buf_free(&text);
  FgProject *p = load(dir);
  const FgSource *a = module_src(p, "tests/test_a.py");
  FgDiagList l = {0};
  FgDiag *ds[40];
  for (size_t i = 0; i < 40; i++) {
    size_t at = 23 + i * 9; /* the start of line x<i> */
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_fix_judged_alone),
      cmocka_unit_test(test_all_good),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
