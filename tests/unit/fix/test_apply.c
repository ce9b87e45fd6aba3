/* Unit tests for lint/fix/apply.c: planning (overlaps, dedupe, all-or-nothing),
 * validation, and writing into a temporary project directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/diag.h"
#include "core/source.h"
#include "core/util.h"
#include "fix/apply.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------- */

static FgSource *src_new(const char *path, const char *data) {
  return fg_source_new(path, data, strlen(data));
}

static FgSource *src_created(const char *path) {
  FgSource *s = fg_source_new(path, "", 0);
  s->is_new = true;
  return s;
}

static FgFix *fix1(const FgSource *src, size_t start, size_t end, const char *text) {
  FgFix *f = fg_fix_new(FG_FIX_SAFE, "fix");
  fg_fix_add_edit(f, src, start, end, text);
  return f;
}

static const FgPlannedFile *planned(const FgPlan *plan, const FgSource *src) {
  for (size_t i = 0; i < fg_plan_nfiles(plan); i++)
    if (fg_plan_file(plan, i)->src == src)
      return fg_plan_file(plan, i);
  return NULL;
}

static void assert_planned(const FgPlan *plan, const FgSource *src, const char *want) {
  const FgPlannedFile *f = planned(plan, src);
  assert_non_null(f);
  assert_int_equal(f->len, strlen(want));
  assert_string_equal(f->data, want);
}

static FgFixStatus status_of(const FgPlan *plan, size_t i) {
  FgFixStatus st;
  fg_plan_fix(plan, i, &st);
  return st;
}

static char *make_root(void) {
  char *dir = fg_xstrdup("/tmp/fg-test-apply.XXXXXX");
  assert_non_null(mkdtemp(dir));
  return dir;
}

static void write_file(const char *dir, const char *name, const char *data) {
  char *path = fg_xasprintf("%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(data, f);
  assert_int_equal(fclose(f), 0);
  free(path);
}

static char *read_back(const char *dir, const char *name) {
  char *path = fg_xasprintf("%s/%s", dir, name);
  size_t len;
  char *err = NULL;
  char *data = fg_read_file(path, 1 << 20, &len, &err);
  free(err);
  free(path);
  return data;
}

static mode_t mode_of(const char *dir, const char *name) {
  char *path = fg_xasprintf("%s/%s", dir, name);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  free(path);
  return st.st_mode & 07777;
}

/* No ".forkguard-*" temporary file may be left in dir. */
static void assert_no_temp(const char *dir) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    assert_false(fg_str_startswith(e->d_name, ".forkguard-"));
  closedir(d);
}

static void remove_root(char *dir) {
  char *cmd = fg_xasprintf("rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(cmd);
  free(dir);
}

/* ---- planning ------------------------------------------------------------ */

static void test_single_edit(void **state) {
  FgSource *s = src_new("t.py", "def test_a():\n    pass\n");
  FgFix *f = fix1(s, 0, 0, "import pytest\n\n\n");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  assert_int_equal(fg_plan_nfiles(plan), 1);
  assert_planned(plan, s, "import pytest\n\n\ndef test_a():\n    pass\n");
  assert_true(fg_plan_file_changed(planned(plan, s)));
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);
}

static void test_edits_given_in_reverse_order(void **state) {
  FgSource *s = src_new("t.py", "aaa bbb ccc");
  FgFix *f = fg_fix_new(FG_FIX_SAFE, "three");
  fg_fix_add_edit(f, s, 8, 11, "CCC");
  fg_fix_add_edit(f, s, 4, 7, "B");
  fg_fix_add_edit(f, s, 0, 3, "");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  assert_planned(plan, s, " B CCC");
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);
}

static void test_overlapping_fix_skipped(void **state) {
  FgSource *s = src_new("t.py", "0123456789");
  FgFix *a = fix1(s, 2, 5, "X");
  FgFix *b = fix1(s, 4, 6, "Y");  /* overlaps a */
  FgFix *c = fix1(s, 5, 5, "|");  /* at a's end: fine */
  FgFix *d = fix1(s, 3, 3, "no"); /* inside a */
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, a));
  assert_false(fg_plan_add_fix(plan, b));
  assert_true(fg_plan_add_fix(plan, c));
  assert_false(fg_plan_add_fix(plan, d));
  assert_int_equal(status_of(plan, 1), FG_FIX_OVERLAPS);
  assert_int_equal(status_of(plan, 3), FG_FIX_OVERLAPS);
  assert_planned(plan, s, "01X|56789");
  fg_plan_delete(plan);
  fg_fix_delete(a);
  fg_fix_delete(b);
  fg_fix_delete(c);
  fg_fix_delete(d);
  fg_source_delete(s);
}

/* A fix whose second file overlaps is dropped as a whole: its first file
 * is not touched either. */
static void test_all_or_nothing_across_files(void **state) {
  FgSource *wf = src_new("ci.yml", "run: pytest -n auto\n");
  FgSource *t = src_new("t.py", "def test_a(): pass\n");
  FgFix *a = fix1(t, 0, 0, "import os\n");
  FgFix *b = fg_fix_new(FG_FIX_UNSAFE, "two files");
  fg_fix_add_edit(b, wf, 19, 19, " -m 'not serial'");
  fg_fix_add_edit(b, t, 0, 0, "import pytest\n"); /* same point, different text */
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, a));
  assert_false(fg_plan_add_fix(plan, b));
  assert_int_equal(fg_plan_nfiles(plan), 1);
  assert_null(planned(plan, wf));
  assert_planned(plan, t, "import os\ndef test_a(): pass\n");
  fg_plan_delete(plan);
  fg_fix_delete(a);
  fg_fix_delete(b);
  fg_source_delete(wf);
  fg_source_delete(t);
}

static void test_identical_insertions_deduped(void **state) {
  FgSource *s = src_new("t.py", "def test_a(): pass\ndef test_b(): pass\n");
  FgFix *a = fg_fix_new(FG_FIX_SAFE, "mark a");
  fg_fix_add_edit(a, s, 0, 0, "import pytest\n");
  fg_fix_add_edit(a, s, 0, 0, "@pytest.mark.serial\n");
  FgFix *b = fg_fix_new(FG_FIX_SAFE, "mark b");
  fg_fix_add_edit(b, s, 0, 0, "import pytest\n");
  fg_fix_add_edit(b, s, 19, 19, "@pytest.mark.serial\n");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, a));
  /* b's import is a's import; but a also inserted something else at 0. */
  assert_false(fg_plan_add_fix(plan, b));
  fg_plan_delete(plan);

  /* The usual shape: the import and the marker at different points. */
  FgFix *c = fg_fix_new(FG_FIX_SAFE, "mark a");
  fg_fix_add_edit(c, s, 0, 0, "import pytest\n");
  fg_fix_add_edit(c, s, 0, 0, ""); /* an empty insertion is harmless */
  plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, c));
  assert_true(fg_plan_add_fix(plan, b));
  assert_planned(plan, s,
                 "import pytest\ndef test_a(): pass\n@pytest.mark.serial\n"
                 "def test_b(): pass\n");
  fg_plan_delete(plan);
  fg_fix_delete(a);
  fg_fix_delete(b);
  fg_fix_delete(c);
  fg_source_delete(s);
}

static void test_identical_replacements_deduped(void **state) {
  FgSource *s = src_new("ci.yml", "run: pytest -n auto\n");
  FgFix *a = fix1(s, 5, 11, "python -m pytest");
  FgFix *b = fix1(s, 5, 11, "python -m pytest");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, a));
  assert_true(fg_plan_add_fix(plan, b));
  assert_planned(plan, s, "run: python -m pytest -n auto\n");
  fg_plan_delete(plan);
  fg_fix_delete(a);
  fg_fix_delete(b);
  fg_source_delete(s);
}

static void test_insertion_at_replacement_boundary(void **state) {
  FgSource *s = src_new("t.py", "abcdef");
  FgFix *r = fix1(s, 2, 4, "XY");
  FgFix *before = fix1(s, 2, 2, "<");
  FgFix *after = fix1(s, 4, 4, ">");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, after));
  assert_true(fg_plan_add_fix(plan, r));
  assert_true(fg_plan_add_fix(plan, before));
  assert_planned(plan, s, "ab<XY>ef");
  fg_plan_delete(plan);
  fg_fix_delete(r);
  fg_fix_delete(before);
  fg_fix_delete(after);
  fg_source_delete(s);
}

static void test_insertions_in_one_fix_keep_order(void **state) {
  FgSource *s = src_new("t.py", "x\n");
  FgFix *f = fg_fix_new(FG_FIX_SAFE, "two lines");
  fg_fix_add_edit(f, s, 0, 0, "first\n");
  fg_fix_add_edit(f, s, 0, 0, "second\n");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  assert_planned(plan, s, "first\nsecond\nx\n");
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);
}

static void test_bad_edit(void **state) {
  FgSource *s = src_new("t.py", "abc");
  FgFix *out = fix1(s, 2, 9, "X");
  FgFix *self_overlap = fg_fix_new(FG_FIX_SAFE, "bad");
  fg_fix_add_edit(self_overlap, s, 0, 2, "A");
  fg_fix_add_edit(self_overlap, s, 1, 3, "B");
  FgPlan *plan = fg_plan_new();
  assert_false(fg_plan_add_fix(plan, out));
  assert_false(fg_plan_add_fix(plan, self_overlap));
  assert_int_equal(status_of(plan, 0), FG_FIX_BAD_EDIT);
  assert_int_equal(status_of(plan, 1), FG_FIX_BAD_EDIT);
  assert_int_equal(fg_plan_nfiles(plan), 0);
  fg_plan_delete(plan);
  fg_fix_delete(out);
  fg_fix_delete(self_overlap);
  fg_source_delete(s);
}

static void test_new_file_planned(void **state) {
  FgSource *c = src_created("conftest.py");
  FgFix *a = fix1(c, 0, 0, "import pytest\n");
  FgFix *b = fix1(c, 0, 0, "import pytest\n");
  FgFix *other = fix1(c, 0, 0, "something else\n");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, a));
  assert_true(fg_plan_add_fix(plan, b));
  assert_false(fg_plan_add_fix(plan, other));
  assert_planned(plan, c, "import pytest\n");
  FgBuf diff = {0};
  fg_plan_diff(plan, &diff);
  assert_string_equal(
      diff.data, "--- /dev/null\n+++ b/conftest.py\n@@ -0,0 +1 @@\n+import pytest\n");
  fg_buf_free(&diff);
  fg_plan_delete(plan);
  fg_fix_delete(a);
  fg_fix_delete(b);
  fg_fix_delete(other);
  fg_source_delete(c);
}

/* ---- validation ---------------------------------------------------------- */

/* Rejects any content holding "BROKEN". */
static bool validate_no_broken(const char *path, const char *data, size_t len, char **why,
                               void *ctx) {
  int *calls = ctx;
  (*calls)++;
  if (fg_memmem(data, len, "BROKEN", 6)) {
    *why = fg_xasprintf("syntax error in %s", path);
    return false;
  }
  return true;
}

static void test_validation_drops_fixes_of_file(void **state) {
  FgSource *wf = src_new("ci.yml", "run: pytest\n");
  FgSource *t = src_new("t.py", "def test_a(): pass\n");
  FgSource *u = src_new("u.py", "def test_b(): pass\n");
  /* a touches ci.yml and t.py; b breaks t.py; c touches u.py only. */
  FgFix *a = fg_fix_new(FG_FIX_SAFE, "a");
  fg_fix_add_edit(a, wf, 11, 11, " -p no:randomly");
  fg_fix_add_edit(a, t, 0, 0, "import pytest\n");
  FgFix *b = fix1(t, 19, 19, "BROKEN\n");
  FgFix *c = fix1(u, 0, 0, "import pytest\n");
  /* d overlaps a in ci.yml: it only gets in once a is dropped. */
  FgFix *d = fix1(wf, 11, 11, " -x");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, a));
  assert_true(fg_plan_add_fix(plan, b));
  assert_true(fg_plan_add_fix(plan, c));
  assert_false(fg_plan_add_fix(plan, d));
  int calls = 0;
  assert_int_equal(fg_plan_validate(plan, validate_no_broken, &calls), 1);
  assert_int_equal(fg_plan_nrejected(plan), 1);
  assert_ptr_equal(fg_plan_rejected(plan, 0)->src, t);
  assert_string_equal(fg_plan_rejected(plan, 0)->why, "syntax error in t.py");
  assert_int_equal(status_of(plan, 0), FG_FIX_FILE_REJECTED);
  assert_int_equal(status_of(plan, 1), FG_FIX_FILE_REJECTED);
  assert_int_equal(status_of(plan, 2), FG_FIX_APPLIED);
  assert_int_equal(status_of(plan, 3), FG_FIX_APPLIED);
  assert_null(planned(plan, t));
  assert_planned(plan, wf, "run: pytest -x\n");
  assert_planned(plan, u, "import pytest\ndef test_b(): pass\n");
  /* u.py was validated once, not again after the rebuild. */
  int before = calls;
  assert_int_equal(fg_plan_validate(plan, validate_no_broken, &calls), 0);
  assert_int_equal(calls, before);
  fg_plan_delete(plan);
  fg_fix_delete(a);
  fg_fix_delete(b);
  fg_fix_delete(c);
  fg_fix_delete(d);
  fg_source_delete(wf);
  fg_source_delete(t);
  fg_source_delete(u);
}

/* ---- writing ------------------------------------------------------------- */

static void test_write_keeps_mode_and_creates(void **state) {
  char *root = make_root();
  write_file(root, "run.sh", "#!/bin/sh\npytest\n");
  char *p = fg_xasprintf("%s/run.sh", root);
  assert_int_equal(chmod(p, 0755), 0);
  free(p);
  FgSource *sh = src_new("run.sh", "#!/bin/sh\npytest\n");
  FgSource *c = src_created("conftest.py");
  FgFix *f = fg_fix_new(FG_FIX_SAFE, "two files");
  fg_fix_add_edit(f, sh, 16, 16, " -p no:xdist");
  fg_fix_add_edit(f, c, 0, 0, "import pytest\n");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  FgStrVec errors = {0};
  assert_int_equal(fg_plan_write(plan, root, &errors), 0);
  assert_int_equal(errors.len, 0);
  char *got = read_back(root, "run.sh");
  assert_string_equal(got, "#!/bin/sh\npytest -p no:xdist\n");
  free(got);
  got = read_back(root, "conftest.py");
  assert_string_equal(got, "import pytest\n");
  free(got);
  assert_int_equal(mode_of(root, "run.sh"), 0755);
  mode_t mask = umask(0);
  umask(mask);
  assert_int_equal(mode_of(root, "conftest.py"), 0666 & ~mask);
  assert_no_temp(root);

  /* A second write of the same plan: run.sh changed, conftest.py exists. */
  assert_int_equal(fg_plan_write(plan, root, &errors), 2);
  assert_int_equal(errors.len, 2);
  assert_string_equal(errors.items[0],
                      "conftest.py: already exists on disk; the fix would create it");
  assert_string_equal(errors.items[1], "run.sh: changed on disk since it was read");
  assert_no_temp(root);
  fg_strvec_free(&errors);
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(sh);
  fg_source_delete(c);
  remove_root(root);
}

/* One file changed on disk: nothing at all is written, and check_disk
 * lets the other file's fixes through. */
static void test_refuse_changed_on_disk(void **state) {
  char *root = make_root();
  write_file(root, "a.py", "a = 1\n");
  write_file(root, "b.py", "b = 1\n");
  FgSource *a = src_new("a.py", "a = 1\n");
  FgSource *b = src_new("b.py", "b = 1\n");
  FgFix *fa = fix1(a, 4, 5, "2");
  FgFix *fb = fix1(b, 4, 5, "2");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, fa));
  assert_true(fg_plan_add_fix(plan, fb));
  write_file(root, "b.py", "b = 3\n"); /* same size, other bytes */
  FgStrVec errors = {0};
  assert_int_equal(fg_plan_write(plan, root, &errors), 1);
  assert_int_equal(errors.len, 1);
  assert_string_equal(errors.items[0], "b.py: changed on disk since it was read");
  char *got = read_back(root, "a.py");
  assert_string_equal(got, "a = 1\n");
  free(got);
  assert_no_temp(root);

  assert_int_equal(fg_plan_check_disk(plan, root), 1);
  assert_int_equal(status_of(plan, 1), FG_FIX_FILE_REJECTED);
  fg_strvec_free(&errors);
  assert_int_equal(fg_plan_write(plan, root, &errors), 0);
  got = read_back(root, "a.py");
  assert_string_equal(got, "a = 2\n");
  free(got);
  got = read_back(root, "b.py");
  assert_string_equal(got, "b = 3\n");
  free(got);
  assert_no_temp(root);
  fg_plan_delete(plan);
  fg_fix_delete(fa);
  fg_fix_delete(fb);
  fg_source_delete(a);
  fg_source_delete(b);
  remove_root(root);
}

static void test_refuse_symlink_outside_root(void **state) {
  char *root = make_root();
  char *outside = make_root();
  write_file(outside, "t.py", "x = 1\n");
  char *target = fg_xasprintf("%s/t.py", outside);
  char *link = fg_xasprintf("%s/t.py", root);
  assert_int_equal(symlink(target, link), 0);
  char *dirlink = fg_xasprintf("%s/sub", root);
  assert_int_equal(symlink(outside, dirlink), 0);
  /* A symlink that stays inside the root is fine, and is kept a symlink. */
  write_file(root, "real.py", "y = 1\n");
  char *inlink = fg_xasprintf("%s/alias.py", root);
  assert_int_equal(symlink("real.py", inlink), 0);

  FgSource *t = src_new("t.py", "x = 1\n");
  FgSource *viadir = src_new("sub/t.py", "x = 1\n");
  FgSource *created = src_created("sub/conftest.py");
  FgSource *alias = src_new("alias.py", "y = 1\n");
  FgFix *f1 = fix1(t, 4, 5, "2");
  FgFix *f2 = fix1(viadir, 4, 5, "3");
  FgFix *f3 = fix1(created, 0, 0, "import pytest\n");
  FgFix *f4 = fix1(alias, 4, 5, "2");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f1));
  assert_true(fg_plan_add_fix(plan, f2));
  assert_true(fg_plan_add_fix(plan, f3));
  assert_true(fg_plan_add_fix(plan, f4));
  FgStrVec errors = {0};
  assert_int_equal(fg_plan_write(plan, root, &errors), 3);
  for (size_t i = 0; i < errors.len; i++)
    assert_non_null(strstr(errors.items[i], "outside the project root"));
  assert_int_equal(fg_plan_check_disk(plan, root), 3);
  fg_strvec_free(&errors);
  assert_int_equal(fg_plan_write(plan, root, &errors), 0);
  char *got = read_back(outside, "t.py");
  assert_string_equal(got, "x = 1\n");
  free(got);
  got = read_back(root, "real.py");
  assert_string_equal(got, "y = 2\n");
  free(got);
  struct stat st;
  assert_int_equal(lstat(inlink, &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  assert_no_temp(root);
  assert_no_temp(outside);
  fg_plan_delete(plan);
  fg_fix_delete(f1);
  fg_fix_delete(f2);
  fg_fix_delete(f3);
  fg_fix_delete(f4);
  fg_source_delete(t);
  fg_source_delete(viadir);
  fg_source_delete(created);
  fg_source_delete(alias);
  free(target);
  free(link);
  free(dirlink);
  free(inlink);
  remove_root(outside);
  remove_root(root);
}

/* A project below the repository root: with the repository as the bound,
 * a file of the repository outside the project (its workflow) is written;
 * anything resolving outside the repository still is not. */
static void test_bound_is_the_repository(void **state) {
  (void)state;
  char *repo = make_root();
  char *outside = make_root();
  char *project = fg_xasprintf("%s/api", repo);
  assert_int_equal(mkdir(project, 0755), 0);
  write_file(repo, "ci.yml", "run: a\n");
  write_file(outside, "x.yml", "run: a\n");
  char *escape = fg_xasprintf("../../%s/x.yml", fg_path_base(outside));
  FgSource *wf = src_new("../ci.yml", "run: a\n");
  FgSource *far = src_new(escape, "run: a\n");
  FgFix *f1 = fix1(wf, 5, 6, "b");
  FgFix *f2 = fix1(far, 5, 6, "b");

  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f1));
  FgStrVec errors = {0};
  assert_int_equal(fg_plan_write(plan, project, &errors), 1); /* no bound: refused */
  assert_non_null(strstr(errors.items[0], "outside the project root"));
  fg_strvec_free(&errors);
  fg_plan_set_bound(plan, repo);
  assert_int_equal(fg_plan_check_disk(plan, project), 0);
  assert_int_equal(fg_plan_write(plan, project, &errors), 0);
  char *got = read_back(repo, "ci.yml");
  assert_string_equal(got, "run: b\n");
  free(got);
  assert_no_temp(repo);
  fg_plan_delete(plan);

  plan = fg_plan_new();
  fg_plan_set_bound(plan, repo);
  assert_true(fg_plan_add_fix(plan, f2));
  assert_int_equal(fg_plan_write(plan, project, &errors), 1);
  assert_non_null(strstr(errors.items[0], "outside the repository"));
  fg_strvec_free(&errors);
  got = read_back(outside, "x.yml");
  assert_string_equal(got, "run: a\n");
  free(got);
  fg_plan_delete(plan);

  fg_fix_delete(f1);
  fg_fix_delete(f2);
  fg_source_delete(wf);
  fg_source_delete(far);
  free(escape);
  free(project);
  remove_root(outside);
  remove_root(repo);
}

/* A write that fails midway (read-only directory) leaves no temp file. */
/* A late failure (the second file cannot be written) leaves no temporary
 * file of the first behind. As a user, the second file sits in a read-only
 * folder; root writes anywhere, so for root it sits under a path whose
 * folder became a plain file after it was read (ENOTDIR). */
static void test_no_temp_left_on_error(void **state) {
  bool as_root = geteuid() == 0;
  char *root = make_root();
  char *sub = fg_xasprintf("%s/ro", root);
  assert_int_equal(mkdir(sub, 0755), 0);
  write_file(root, "ok.py", "a = 1\n");
  write_file(sub, "t.py", "x = 1\n");
  if (as_root) {
    char *t = fg_xasprintf("%s/t.py", sub);
    assert_int_equal(unlink(t), 0);
    assert_int_equal(rmdir(sub), 0);
    write_file(root, "ro", "not a folder\n");
    free(t);
  } else {
    assert_int_equal(chmod(sub, 0555), 0);
  }
  FgSource *ok = src_new("ok.py", "a = 1\n");
  FgSource *t = src_new("ro/t.py", "x = 1\n");
  FgFix *f = fg_fix_new(FG_FIX_SAFE, "both");
  fg_fix_add_edit(f, ok, 4, 5, "2");
  fg_fix_add_edit(f, t, 4, 5, "2");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  FgStrVec errors = {0};
  assert_int_equal(fg_plan_write(plan, root, &errors), 1);
  assert_true(fg_str_startswith(errors.items[0], "ro/t.py: "));
  if (!as_root)
    assert_true(
        fg_str_startswith(errors.items[0], "ro/t.py: cannot create a temporary file"));
  char *got = read_back(root, "ok.py");
  assert_string_equal(got, "a = 1\n"); /* all or nothing */
  free(got);
  assert_no_temp(root);
  if (!as_root) {
    assert_no_temp(sub);
    assert_int_equal(chmod(sub, 0755), 0);
  }
  fg_strvec_free(&errors);
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(ok);
  fg_source_delete(t);
  free(sub);
  remove_root(root);
}

/* A name near NAME_MAX still gets a temporary file of a legal length. */
static void test_long_file_name(void **state) {
  char *root = make_root();
  char name[251];
  memset(name, 'n', 247);
  memcpy(name + 247, ".py", 4);
  write_file(root, name, "a = 1\n");
  FgSource *s = src_new(name, "a = 1\n");
  FgFix *f = fix1(s, 4, 5, "2");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  FgStrVec errors = {0};
  assert_int_equal(fg_plan_write(plan, root, &errors), 0);
  char *got = read_back(root, name);
  assert_string_equal(got, "a = 2\n");
  free(got);
  assert_no_temp(root);
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);
  remove_root(root);
}

static void test_unchanged_file_not_written(void **state) {
  char *root = make_root();
  FgSource *s = src_new("gone.py", "same\n"); /* not on disk: would be an error */
  FgFix *f = fix1(s, 0, 4, "same");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  assert_false(fg_plan_file_changed(fg_plan_file(plan, 0)));
  FgStrVec errors = {0};
  assert_int_equal(fg_plan_write(plan, root, &errors), 0);
  FgBuf diff = {0};
  fg_plan_diff(plan, &diff);
  assert_int_equal(diff.len, 0);
  fg_buf_free(&diff);
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);
  remove_root(root);
}

/* Bytes are counted, never cut at a NUL: a whole-file replacement holding
 * NUL keeps every byte; a file that holds NUL is never edited. */
static void test_nul_bytes(void **state) {
  (void)state;
  FgSource *s = src_new("a.txt", "abc\n");
  FgFix *f = fg_fix_new(FG_FIX_SAFE, "whole");
  fg_fix_add_edit_bytes(f, s, 0, s->len, "x\0y\n", 4);
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  const FgPlannedFile *pf = planned(plan, s);
  assert_int_equal(pf->len, 4);
  assert_memory_equal(pf->data, "x\0y\n", 4);
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);

  s = fg_source_new("n.ini", "[a]\n#\0\nk = v\n", 12);
  f = fix1(s, 0, 0, "# added\n");
  plan = fg_plan_new();
  assert_false(fg_plan_add_fix(plan, f));
  assert_int_equal(status_of(plan, 0), FG_FIX_FILE_REJECTED);
  assert_int_equal(fg_plan_nrejected(plan), 1);
  assert_non_null(strstr(fg_plan_rejected(plan, 0)->why, "NUL"));
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);
}

/* In a file whose lines end in a lone CR, a fix builder's LF is that CR, and
 * the bytes kept are the bytes read. */
static void test_lone_cr_kept(void **state) {
  (void)state;
  FgSource *s = src_new("a.yml", "a\rb\r");
  FgFix *f = fix1(s, 2, 2, "x\n");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  assert_planned(plan, s, "a\rx\rb\r");
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);
}

/* ---- the write window ---------------------------------------------------- */

static const char *window_root;

/* Someone edits b.py after the checks, before its rename. */
static void edit_b_meanwhile(size_t index, const char *path) {
  if (strcmp(path, "b.py") == 0)
    write_file(window_root, "b.py", "b = 1  # edited by hand\n");
}

static void test_file_changed_in_the_write_window(void **state) {
  (void)state;
  char *root = make_root();
  window_root = root;
  write_file(root, "a.py", "a = 1\n");
  write_file(root, "b.py", "b = 1\n");
  FgSource *a = src_new("a.py", "a = 1\n");
  FgSource *b = src_new("b.py", "b = 1\n");
  FgFix *f = fg_fix_new(FG_FIX_SAFE, "both");
  fg_fix_add_edit(f, a, 4, 5, "2");
  fg_fix_add_edit(f, b, 4, 5, "2");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  FgStrVec errors = {0};
  fg_plan_write_hook = edit_b_meanwhile;
  assert_int_equal(fg_plan_write(plan, root, &errors), 1);
  fg_plan_write_hook = NULL;
  char *got = read_back(root, "b.py");
  assert_string_equal(got, "b = 1  # edited by hand\n"); /* the edit is kept */
  free(got);
  got = read_back(root, "a.py");
  assert_string_equal(got, "a = 2\n");
  free(got);
  assert_int_equal(errors.len, 2);
  assert_true(fg_str_startswith(errors.items[0], "b.py: changed on disk"));
  assert_string_equal(errors.items[1],
                      "the fixes were written in part; written: a.py; not written: b.py");
  assert_no_temp(root);
  fg_strvec_free(&errors);
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(a);
  fg_source_delete(b);
  remove_root(root);
}

static void term_before_b(size_t index, const char *path) {
  if (strcmp(path, "b.py") == 0)
    raise(SIGTERM);
}

/* SIGTERM between two renames: the temporary files go, the run says what
 * was written, and the signal still ends it. */
static void test_signal_in_the_write_window(void **state) {
  (void)state;
  char *root = make_root();
  write_file(root, "a.py", "a = 1\n");
  write_file(root, "b.py", "b = 1\n");
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    FgSource *a = src_new("a.py", "a = 1\n");
    FgSource *b = src_new("b.py", "b = 1\n");
    FgFix *f = fg_fix_new(FG_FIX_SAFE, "both");
    fg_fix_add_edit(f, a, 4, 5, "2");
    fg_fix_add_edit(f, b, 4, 5, "2");
    FgPlan *plan = fg_plan_new();
    fg_plan_add_fix(plan, f);
    fg_plan_write_hook = term_before_b;
    fg_plan_write(plan, root, NULL);
    _exit(0); /* not reached: the signal ends the child */
  }
  close(fds[1]);
  char msg[512] = {0};
  size_t n = 0;
  ssize_t r;
  while (n + 1 < sizeof msg && (r = read(fds[0], msg + n, sizeof msg - 1 - n)) > 0)
    n += (size_t)r;
  close(fds[0]);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGTERM);
  assert_string_equal(msg, "forkguard: interrupted while writing fixes; written: a.py; "
                           "not written: b.py\n");
  char *got = read_back(root, "b.py");
  assert_string_equal(got, "b = 1\n");
  free(got);
  assert_no_temp(root);
  remove_root(root);
}

/* A file with a second name elsewhere is not replaced: the rename would
 * leave the other name on the old bytes. */
static void test_hard_link_refused(void **state) {
  (void)state;
  char *root = make_root();
  write_file(root, "a.py", "a = 1\n");
  char *a = fg_xasprintf("%s/a.py", root), *other = fg_xasprintf("%s/other.py", root);
  assert_int_equal(link(a, other), 0);
  FgSource *s = src_new("a.py", "a = 1\n");
  FgFix *f = fix1(s, 4, 5, "2");
  FgPlan *plan = fg_plan_new();
  assert_true(fg_plan_add_fix(plan, f));
  assert_int_equal(fg_plan_check_disk(plan, root), 1);
  assert_non_null(strstr(fg_plan_rejected(plan, 0)->why, "2 hard links"));
  fg_plan_delete(plan);
  fg_fix_delete(f);
  fg_source_delete(s);
  free(a);
  free(other);
  remove_root(root);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_edit),
      cmocka_unit_test(test_edits_given_in_reverse_order),
      cmocka_unit_test(test_overlapping_fix_skipped),
      cmocka_unit_test(test_all_or_nothing_across_files),
      cmocka_unit_test(test_identical_insertions_deduped),
      cmocka_unit_test(test_identical_replacements_deduped),
      cmocka_unit_test(test_insertion_at_replacement_boundary),
      cmocka_unit_test(test_insertions_in_one_fix_keep_order),
      cmocka_unit_test(test_bad_edit),
      cmocka_unit_test(test_new_file_planned),
      cmocka_unit_test(test_validation_drops_fixes_of_file),
      cmocka_unit_test(test_write_keeps_mode_and_creates),
      cmocka_unit_test(test_refuse_changed_on_disk),
      cmocka_unit_test(test_refuse_symlink_outside_root),
      cmocka_unit_test(test_bound_is_the_repository),
      cmocka_unit_test(test_no_temp_left_on_error),
      cmocka_unit_test(test_long_file_name),
      cmocka_unit_test(test_unchanged_file_not_written),
      cmocka_unit_test(test_nul_bytes),
      cmocka_unit_test(test_lone_cr_kept),
      cmocka_unit_test(test_file_changed_in_the_write_window),
      cmocka_unit_test(test_signal_in_the_write_window),
      cmocka_unit_test(test_hard_link_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
