/* lint/core/discover: the root, what is skipped (SPEC §8), .gitignore and
 * excludes, symlinks, sorted output. */
#include "fg_testdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/discover.h"

static void mkdirs(const char *root, const char *rel) {
  char path[8300];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  for (char *p = path + strlen(root) + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(path, 0755);
      *p = '/';
    }
  mkdir(path, 0755);
}

static void put(const char *root, const char *rel, const char *text) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", rel);
  char *slash = strrchr(dir, '/');
  if (slash) {
    *slash = '\0';
    mkdirs(root, dir);
  }
  char path[8300];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static bool has(const FgStrVec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i], s) == 0)
      return true;
  return false;
}

static void test_walk_skips_and_sorts(void **state) {
  (void)state;
  char *root = testdir_new();
  testdir_write(root, "pyproject.toml", "");
  put(root, "tests/test_b.py", "");
  put(root, "tests/test_a.py", "");
  put(root, "src/pkg/core.py", "");
  put(root, ".venv/lib/site.py", "");
  put(root, "myenv/pyvenv.cfg", "home = /usr\n");
  put(root, "myenv/lib/x.py", "");
  put(root, "node_modules/x/y.py", "");
  put(root, "build/lib/z.py", "");
  put(root, "pkg.egg-info/w.py", "");
  put(root, "__pycache__/q.py", "");
  put(root, "generated/out.py", "");
  put(root, "tests/data/big_fixture.py", "");
  put(root, ".gitignore", "# comment\ngenerated/\n*_fixture.py\n");
  put(root, ".github/workflows/ci.yml", "on: push\n");
  put(root, ".github/workflows/release.yaml", "on: push\n");
  put(root, ".github/workflows/sub/nested.yml", "on: push\n");
  put(root, ".github/dependabot.yml", "version: 2\n");
  char *err = NULL;
  FgDiscovery *d = fg_discover(root, NULL, 0, &err);
  assert_non_null(d);
  assert_int_equal(d->python.len, 3);
  assert_string_equal(d->python.items[0], "src/pkg/core.py");
  assert_string_equal(d->python.items[1], "tests/test_a.py");
  assert_string_equal(d->python.items[2], "tests/test_b.py");
  assert_int_equal(d->workflows.len, 2);
  assert_string_equal(d->workflows.items[0], ".github/workflows/ci.yml");
  assert_string_equal(d->workflows.items[1], ".github/workflows/release.yaml");
  fg_discovery_delete(d);

  const char *excludes[] = {"src/"};
  d = fg_discover(root, excludes, 1, &err);
  assert_false(has(&d->python, "src/pkg/core.py"));
  assert_true(has(&d->python, "tests/test_a.py"));
  fg_discovery_delete(d);
  testdir_delete(root);
}

/* git's rules: the last pattern that matches decides, `!` takes a path
 * back, nothing comes back from below an ignored folder, `\!` is literal. */
static void test_gitignore_negation(void **state) {
  (void)state;
  char *root = testdir_new();
  testdir_write(root, "pyproject.toml", "");
  put(root, ".gitignore",
      ".*\n!.github/\n"
      "tests/gen_*.py\n!tests/gen_keep.py\n"
      "vendored/\n!vendored/keep.py\n"
      "\\!bang.py\n");
  put(root, ".github/workflows/ci.yml", "on: push\n");
  put(root, ".hidden/x.py", "");
  put(root, "tests/gen_a.py", "");
  put(root, "tests/gen_keep.py", "");
  put(root, "vendored/keep.py", "");
  put(root, "!bang.py", "");
  put(root, "tests/test_a.py", "");
  char *err = NULL;
  FgDiscovery *d = fg_discover(root, NULL, 0, &err);
  assert_non_null(d);
  assert_int_equal(d->workflows.len, 1); /* `.*` then `!.github/` */
  assert_false(has(&d->python, ".hidden/x.py"));
  assert_false(has(&d->python, "tests/gen_a.py"));
  assert_true(has(&d->python, "tests/gen_keep.py"));
  assert_false(has(&d->python, "vendored/keep.py")); /* its folder is ignored */
  assert_false(has(&d->python, "!bang.py"));
  assert_true(has(&d->python, "tests/test_a.py"));
  fg_discovery_delete(d);
  testdir_delete(root);
}

static void test_root_is_nearest_marker(void **state) {
  (void)state;
  char *root = testdir_new();
  put(root, "setup.cfg", "");
  put(root, "a/b/test_x.py", "");
  char sub[8300];
  snprintf(sub, sizeof sub, "%s/a/b", root);
  char *found = fg_discover_root(sub);
  char *real = realpath(root, NULL);
  assert_string_equal(found, real);
  free(found);
  snprintf(sub, sizeof sub, "%s/a/b/test_x.py", root);
  found = fg_discover_root(sub); /* a file: its folder upward */
  assert_string_equal(found, real);
  free(found);
  free(real);
  snprintf(sub, sizeof sub, "%s/missing", root);
  assert_null(fg_discover_root(sub));
  testdir_delete(root);
}

static void test_symlinks(void **state) {
  (void)state;
  char *root = testdir_new();
  put(root, "tox.ini", "");
  put(root, "tests/test_real.py", "");
  char link[8300], target[8300];
  snprintf(link, sizeof link, "%s/tests/loop", root);
  assert_int_equal(symlink("..", link), 0); /* a folder loop: not walked */
  snprintf(link, sizeof link, "%s/tests/test_alias.py", root);
  snprintf(target, sizeof target, "%s/tests/test_real.py", root);
  assert_int_equal(symlink(target, link), 0); /* a file link: read */
  snprintf(link, sizeof link, "%s/tests/test_dangling.py", root);
  assert_int_equal(symlink("/nonexistent/file.py", link), 0);
  char *err = NULL;
  FgDiscovery *d = fg_discover(root, NULL, 0, &err);
  assert_non_null(d);
  assert_int_equal(d->python.len, 2);
  assert_string_equal(d->python.items[0], "tests/test_alias.py");
  assert_string_equal(d->python.items[1], "tests/test_real.py");
  fg_discovery_delete(d);
  testdir_delete(root);
}

static void test_glob_match(void **state) {
  (void)state;
  assert_true(fg_discover_glob_match("*.py", "a/b/c.py", false));
  assert_true(fg_discover_glob_match("build/", "x/build", true));
  assert_false(fg_discover_glob_match("build/", "x/build", false));
  assert_true(fg_discover_glob_match("/docs", "docs", true));
  assert_false(fg_discover_glob_match("/docs", "a/docs", true));
  assert_true(fg_discover_glob_match("tests/data/*", "tests/data/x.py", false));
  assert_false(fg_discover_glob_match("tests/data/*", "a/tests/data/x.py", false));
}

static void test_missing_path(void **state) {
  (void)state;
  char *err = NULL;
  assert_null(fg_discover("/nonexistent/forkguard/path", NULL, 0, &err));
  assert_non_null(err);
  assert_non_null(strstr(err, "/nonexistent/forkguard/path"));
  free(err);
}

static void test_repo_root_and_its_workflows(void **state) {
  (void)state;
  char *root = testdir_new();
  mkdirs(root, ".git");
  mkdirs(root, "services/api");
  put(root, "services/api/pyproject.toml", "");
  put(root, ".github/workflows/ci.yml", "on: push\n");
  put(root, ".github/workflows/a.yaml", "on: push\n");
  put(root, ".github/workflows/notes.txt", "");
  mkdirs(root, ".github/workflows/dir.yml");
  char *api = fg_xasprintf("%s/services/api", root);
  char *found = fg_discover_repo_root(api);
  assert_string_equal(found, root);
  free(found);
  found = fg_discover_repo_root(root); /* the repository root itself */
  assert_string_equal(found, root);
  free(found);
  FgStrVec wfs = {0};
  fg_discover_workflows_at(root, &wfs);
  assert_int_equal(wfs.len, 2);
  assert_string_equal(wfs.items[0], ".github/workflows/a.yaml");
  assert_string_equal(wfs.items[1], ".github/workflows/ci.yml");
  fg_strvec_free(&wfs);
  fg_discover_workflows_at(api, &wfs); /* no .github: nothing */
  assert_int_equal(wfs.len, 0);
  fg_strvec_free(&wfs);
  free(api);
  testdir_delete(root);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_walk_skips_and_sorts),
      cmocka_unit_test(test_gitignore_negation),
      cmocka_unit_test(test_root_is_nearest_marker),
      cmocka_unit_test(test_symlinks),
      cmocka_unit_test(test_glob_match),
      cmocka_unit_test(test_missing_path),
      cmocka_unit_test(test_repo_root_and_its_workflows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
