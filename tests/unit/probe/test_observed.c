/* lint/probe/observed: observed.json (docs/observed-format.md) written, read
 * back the same, and refused when it is not one. */
#include "fg_testdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/json_read.h"
#include "probe/observed.h"

static char *dupstr(const char *s) {
  return s ? fg_xstrdup(s) : NULL;
}

static FgObsStart a_start(const char *phase, const char *method, bool forks,
                          const char *thread_name) {
  FgObsStart s = {0};
  s.phase = dupstr(phase);
  s.api = dupstr("multiprocessing.Process.start");
  s.method = dupstr(method);
  s.via = forks ? dupstr("multiprocessing.Pool") : NULL;
  s.forks = forks;
  s.count = 2;
  s.worker = dupstr("gw0");
  s.thread = dupstr("MainThread");
  FgObsFrame f1 = {dupstr("tests/test_x.py"), 7, dupstr("test_x")};
  FgObsFrame f2 = {dupstr("pkg/plugins/procs.py"), 10, dupstr("run")};
  fg_vec_push(&s.stack, f1);
  fg_vec_push(&s.stack, f2);
  if (thread_name) {
    FgObsThread t = {dupstr(thread_name), 1, false, {0}};
    fg_vec_push(&s.threads, t);
  }
  return s;
}

/* A model as the probe makes it. */
static FgObserved *sample(void) {
  FgObserved *o = fg_observed_new();
  o->root = dupstr("/home/u/proj");
  o->rootdir = dupstr("/home/u/proj");
  o->started = 1712345678.25;
  o->duration = 3.5;
  fg_vec_push(&o->command, dupstr("python3"));
  fg_vec_push(&o->command, dupstr("-m"));
  fg_vec_push(&o->command, dupstr("pytest"));
  o->exit_status = 1;
  o->python = dupstr("3.11.2");
  o->pytest = dupstr("7.2.1");
  o->default_method = dupstr("fork");
  o->sessions = 3;
  fg_vec_push(&o->workers, dupstr("gw0"));
  FgObsTest t = {0};
  t.nodeid = dupstr("tests/test_x.py::test_x[\"quoted\" \xC3\xA9]");
  t.outcome = dupstr("failed");
  fg_vec_push(&t.workers, dupstr("gw0"));
  fg_vec_push(&t.starts, a_start("call", "fork", true, "ticker"));
  fg_vec_push(&t.starts, a_start("setup", NULL, false, NULL));
  t.execs = 4;
  fg_vec_push(&o->tests, t);
  FgObsTest plain = {0};
  plain.nodeid = dupstr("tests/test_x.py::test_plain");
  plain.outcome = dupstr("passed");
  fg_vec_push(&o->tests, plain);
  fg_vec_push(&o->outside, a_start("collect", "spawn", false, NULL));
  FgObsHang h = {0};
  h.test = dupstr("tests/test_x.py::test_plain");
  h.phase = dupstr("call");
  h.worker = dupstr("gw0");
  h.pid = 42;
  h.elapsed = 7.5;
  FgObsThread th = {dupstr("holder"), 1, false, {0}};
  fg_vec_push(&th.stack, dupstr("/home/u/proj/tests/test_x.py:3:hold"));
  fg_vec_push(&h.threads, th);
  h.dump = dupstr(".forkguard/records/gw0-42.faulthandler.txt");
  fg_vec_push(&o->hung, h);
  fg_observed_finish(o);
  return o;
}

static char *written(const FgObserved *o) {
  FgBuf b = {0};
  fg_observed_write(o, &b);
  return fg_buf_take(&b);
}

static void test_round_trip(void **state) {
  (void)state;
  FgObserved *o = sample();
  char *text = written(o);
  char *err = NULL;
  FgObserved *back = fg_observed_parse(text, strlen(text), &err);
  assert_null(err);
  assert_non_null(back);
  char *again = written(back);
  assert_string_equal(text, again);
  /* and the fields are those written */
  assert_string_equal(back->root, "/home/u/proj");
  assert_true(back->started == 1712345678.25);
  assert_int_equal(back->exit_status, 1);
  assert_int_equal(back->sessions, 3);
  assert_int_equal(back->tests.len, 2);
  const FgObsTest *t =
      fg_observed_test(back, "tests/test_x.py::test_x[\"quoted\" \xC3\xA9]");
  assert_non_null(t);
  assert_int_equal(t->execs, 4);
  assert_int_equal(t->starts.len, 2);
  assert_int_equal(t->starts.items[0].count, 2);
  assert_null(t->starts.items[1].method);
  assert_string_equal(fg_obs_start_method(&t->starts.items[1]), "unknown");
  assert_string_equal(t->starts.items[0].threads.items[0].name, "ticker");
  assert_int_equal(back->hung.items[0].pid, 42);
  assert_string_equal(back->hung.items[0].threads.items[0].stack.items[0],
                      "/home/u/proj/tests/test_x.py:3:hold");
  FgObsFunction f;
  fg_observed_function(back, "tests/test_x.py::test_x", &f);
  assert_int_equal(f.ran, 1);
  assert_int_equal(f.started, 1);
  assert_string_equal(f.fork_with_threads->threads.items[0].name, "ticker");
  free(again);
  free(text);
  fg_observed_delete(back);
  fg_observed_delete(o);
}

/* The written file is JSON with the documented top-level keys. */
static void test_documented_shape(void **state) {
  (void)state;
  FgObserved *o = sample();
  char *text = written(o);
  char *err = NULL;
  FgJsonDoc *doc = fg_json_doc_parse(text, strlen(text), NULL, &err);
  assert_non_null(doc);
  const FgJsonValue *root = fg_json_doc_root(doc);
  const char *keys[] = {"version",   "generator", "root",    "rootdir",
                        "started",   "duration",  "command", "exit_status",
                        "timed_out", "python",    "pytest",  "default_method",
                        "sessions",  "workers",   "tests",   "outside_tests",
                        "hung"};
  assert_int_equal(root->n, sizeof keys / sizeof keys[0]);
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    assert_string_equal(root->keys[i], keys[i]);
  long long v = 0;
  assert_true(fg_json_get_int(root, "version", &v));
  assert_int_equal(v, 1);
  const FgJsonValue *start = fg_json_value_at(
      fg_json_value_get(fg_json_value_get(fg_json_value_get(root, "tests"),
                                          "tests/test_x.py::test_plain"),
                        "starts"),
      0);
  assert_null(start); /* test_plain started nothing */
  const FgJsonValue *x = &fg_json_value_get(root, "tests")->items[1];
  const FgJsonValue *s0 = fg_json_value_at(fg_json_value_get(x, "starts"), 0);
  assert_string_equal(fg_json_get_str(fg_json_value_get(s0, "site"), "path"),
                      "pkg/plugins/procs.py");
  fg_json_doc_delete(doc);
  free(text);
  fg_observed_delete(o);
}

static void expect_refused(const char *text, const char *want) {
  char *err = NULL;
  FgObserved *o = fg_observed_parse(text, strlen(text), &err);
  assert_null(o);
  assert_non_null(err);
  if (!strstr(err, want))
    fail_msg("%s: got \"%s\", want \"%s\"", text, err, want);
  free(err);
}

static void test_refused(void **state) {
  (void)state;
  expect_refused("", "not JSON");
  expect_refused("{\"version\": 1, \"tests\": {", "not JSON");
  expect_refused("[1]", "no \"version\"");
  expect_refused("{\"tests\": {}}", "no \"version\"");
  expect_refused("{\"version\": 2, \"tests\": {}}", "format version 2");
  expect_refused("{\"version\": 1}", "no \"tests\" object");
  expect_refused("{\"version\": 1, \"tests\": []}", "no \"tests\" object");
}

/* Wrong types inside are skipped or defaulted, never trusted. */
static void test_lenient_inside(void **state) {
  (void)state;
  const char *text =
      "{\"version\": 1, \"exit_status\": \"x\", \"tests\": {\"a.py::t\": 5, \"a.py::u\": "
      "{\"starts\": [7, {\"count\": -3, \"stack\": [1, {\"line\": 2}], \"site\": "
      "{\"path\": \"a.py\", \"line\": 9}}], \"workers\": [1, \"gw0\"]}}, \"hung\": [{}, "
      "{\"test\": \"a.py::u\", \"elapsed\": \"no\"}]}";
  char *err = NULL;
  FgObserved *o = fg_observed_parse(text, strlen(text), &err);
  assert_non_null(o);
  assert_int_equal(o->exit_status, -1);
  assert_int_equal(o->tests.len, 1);
  const FgObsTest *u = fg_observed_test(o, "a.py::u");
  assert_int_equal(u->starts.len, 1);
  assert_int_equal(u->starts.items[0].count, 1);
  /* no usable stack frame: the site stands for it */
  assert_int_equal(u->starts.items[0].stack.len, 1);
  assert_int_equal(u->starts.items[0].stack.items[0].line, 9);
  assert_int_equal(u->workers.len, 1);
  assert_int_equal(o->hung.len, 1);
  assert_true(o->hung.items[0].elapsed < 0);
  fg_observed_delete(o);
}

static void test_load(void **state) {
  (void)state;
  char *dir = testdir_new();
  FgObserved *o = sample();
  char *text = written(o);
  testdir_write(dir, "observed.json", text);
  testdir_write(dir, "bad.json", "{\"version\": 1, \"tests\": {}");
  char path[4096];
  snprintf(path, sizeof path, "%s/observed.json", dir);
  char *err = NULL;
  FgObserved *back = fg_observed_load(path, &err);
  assert_non_null(back);
  fg_observed_delete(back);
  snprintf(path, sizeof path, "%s/bad.json", dir);
  assert_null(fg_observed_load(path, &err));
  assert_non_null(strstr(err, "bad.json: not JSON"));
  free(err);
  snprintf(path, sizeof path, "%s/missing.json", dir);
  assert_null(fg_observed_load(path, &err));
  assert_non_null(strstr(err, "missing.json"));
  free(err);
  free(text);
  fg_observed_delete(o);
  testdir_delete(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip), cmocka_unit_test(test_documented_shape),
      cmocka_unit_test(test_refused),    cmocka_unit_test(test_lenient_inside),
      cmocka_unit_test(test_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
