/* lint/probe/records: the recorder's raw files merged into the observed
 * model (docs/probe-records.md, "Merging"). */
#include "fg_testdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "probe/observed.h"

#define SS(worker, pid, role, rootdir)                                                   \
  "{\"v\":1,\"kind\":\"session_start\",\"t\":1.0,\"worker\":\"" worker "\",\"pid\":" pid \
  ",\"role\":\"" role "\",\"rootdir\":\"" rootdir "\",\"python\":\"3.11.2\","            \
  "\"pytest\":\"7.2.1\",\"default_method\":\"fork\"}\n"
#define PH(kind, worker, test, phase, extra)                                             \
  "{\"v\":1,\"kind\":\"" kind "\",\"t\":2.0,\"worker\":\"" worker "\",\"pid\":7,"        \
  "\"test\":\"" test "\",\"phase\":\"" phase "\"" extra "}\n"
#define EXECNET                                                                          \
  "{\"name\":\"<no threading.Thread>\",\"ident\":5,\"daemon\":null,\"xdist\":true,"      \
  "\"current\":false}"
#define POOL_START(worker, test)                                                         \
  "{\"v\":1,\"kind\":\"start\",\"t\":3.0,\"worker\":\"" worker "\",\"pid\":7,"           \
  "\"test\":\"" test "\",\"phase\":\"call\",\"api\":\"multiprocessing.Process.start\","  \
  "\"method\":\"fork\",\"via\":\"ProcessPoolExecutor\",\"forks\":true,"                  \
  "\"site\":{\"path\":\"pkg/render.py\",\"line\":9,\"function\":\"render_all\"},"        \
  "\"stack\":[{\"path\":\"tests/test_a.py\",\"line\":4,\"function\":\"test_pool\"},"     \
  "{\"path\":\"pkg/render.py\",\"line\":9,\"function\":\"render_all\"}],"                \
  "\"thread\":\"MainThread\",\"threads\":[" EXECNET "]}\n"

static const char *gw0 = SS("gw0", "7", "worker", "/proj")
    PH("phase_start", "gw0", "tests/test_a.py::test_pool", "setup", "")
        PH("phase_end", "gw0", "tests/test_a.py::test_pool", "setup",
           ",\"outcome\":\"passed\"") PH("phase_start", "gw0",
                                         "tests/test_a.py::test_pool", "call", "")
            POOL_START("gw0", "tests/test_a.py::test_pool") POOL_START(
                "gw0",
                "tests/test_a.py::test_pool") "{\"v\":1,\"kind\":\"exec\",\"worker\":"
                                              "\"gw0\",\"pid\":7,\"test\":"
                                              "\"tests/"
                                              "test_a.py::test_pool\",\"phase\":\"call\","
                                              "\"api\":\"subprocess.Popen\"}\n" PH(
                                                  "phase_end", "gw0",
                                                  "tests/test_a.py::test_pool", "call",
                                                  ",\"outcome\":\"passed\"")
                                                  PH("phase_start", "gw0",
                                                     "tests/test_a.py::test_pool",
                                                     "teardown", "")
                                                      PH("phase_end", "gw0",
                                                         "tests/test_a.py::test_pool",
                                                         "teardown",
                                                         ",\"outcome\":\"passed\"")
    /* a parametrized test: one id fails, one is skipped */
    PH("phase_start", "gw0", "tests/test_a.py::test_p[1]", "setup", "")
        PH("phase_end", "gw0", "tests/test_a.py::test_p[1]", "setup",
           ",\"outcome\":\"passed\"")
            PH("phase_start", "gw0", "tests/test_a.py::test_p[1]", "call",
               "") "{\"v\":1,\"kind\":\"start\",\"worker\":\"gw0\",\"pid\":7,\"test\":"
                   "\"tests/test_a.py::test_p[1]\",\"phase\":\"call\",\"api\":"
                   "\"multiprocessing.Process.start\",\"method\":\"spawn\",\"via\":null,"
                   "\"forks\":false,"
                   "\"stack\":[{\"path\":\"tests/"
                   "test_a.py\",\"line\":12,\"function\":\"test_p\"}],"
                   "\"thread\":\"MainThread\"}\n" PH("phase_end", "gw0",
                                                     "tests/test_a.py::test_p[1]", "call",
                                                     ",\"outcome\":\"failed\"")
                       PH("phase_start", "gw0", "tests/test_a.py::test_p[2]", "setup", "")
                           PH("phase_end", "gw0", "tests/test_a.py::test_p[2]", "setup",
                              ",\"outcome\":\"skipped\"")
    /* records of another version and kinds nobody knows are skipped */
    "{\"v\":2,\"kind\":\"phase_start\",\"worker\":\"gw0\",\"test\":\"x.py::v2\","
    "\"phase\":\"call\"}\n"
    "{\"v\":1,\"kind\":\"novel\",\"worker\":\"gw0\",\"test\":\"x.py::novel\"}\n"
    "not json at all\n"
    "[1, 2]\n"
    "\n"
    "{\"v\":1,\"kind\":\"session_end\",\"worker\":\"gw0\",\"pid\":7,\"exitstatus\":1}\n";

/* gw1 was killed while a test hung: a still_running record, then a cut
 * line. */
static const char *gw1 = SS(
    "gw1", "8", "worker",
    "/proj") "{\"v\":1,\"kind\":\"start\",\"worker\":\"gw1\",\"pid\":8,\"test\":null,"
             "\"phase\":\"collect\",\"api\":\"os.fork\",\"method\":\"fork\",\"forks\":"
             "true,"
             "\"stack\":[{\"path\":\"tests/"
             "conftest.py\",\"line\":3,\"function\":\"<module>\"}],"
             "\"thread\":\"MainThread\",\"threads\":[]}\n" PH(
                 "phase_start", "gw1", "tests/test_h.py::test_hang", "setup",
                 "") PH("phase_end", "gw1", "tests/test_h.py::test_hang", "setup",
                        ",\"outcome\":\"passed\"")
                 PH("phase_start", "gw1", "tests/test_h.py::test_hang", "call",
                    "") "{\"v\":1,\"kind\":\"start\",\"worker\":\"gw1\",\"pid\":8,"
                        "\"test\":"
                        "\"tests/"
                        "test_h.py::test_hang\",\"phase\":\"call\",\"api\":\"os.fork\","
                        "\"method\":"
                        "\"fork\",\"via\":null,\"forks\":true,\"stack\":[{\"path\":"
                        "\"tests/test_h.py\","
                        "\"line\":20,\"function\":\"test_hang\"}],\"thread\":"
                        "\"MainThread\",\"threads\":["
                        "{\"name\":\"holder\",\"ident\":3,\"daemon\":true,\"xdist\":"
                        "false,\"current\":false}," EXECNET
                        "]}\n" PH("still_running", "gw1", "tests/test_h.py::test_hang",
                                  "call",
                                  ",\"elapsed\":1.5,\"threads\":[{\"name\":"
                                  "\"MainThread\",\"ident\":1,\"daemon\":"
                                  "false,\"xdist\":false,\"current\":false,\"stack\":[\"/"
                                  "proj/tests/test_h.py:20:"
                                  "test_hang\",\"/usr/lib/python3.11/"
                                  "os.py:1:waitpid\"]},{\"name\":\"holder\","
                                  "\"ident\":3,\"daemon\":true,\"xdist\":false,"
                                  "\"current\":false,\"stack\":["
                                  "\"/proj/tests/test_h.py:14:hold\"]}]")
                            PH("still_running", "gw1", "tests/test_h.py::test_hang",
                               "call",
                               ",\"elapsed\":3.0,\"threads\":[{\"name\":\"MainThread\","
                               "\"ident\":1,\"daemon\":"
                               "false,\"xdist\":false,\"current\":false,\"stack\":[\"/"
                               "proj/tests/test_h.py:20:"
                               "test_hang\"]},{\"name\":\"holder\",\"ident\":3,"
                               "\"daemon\":true,\"xdist\":false,"
                               "\"current\":false,\"stack\":[\"/proj/tests/"
                               "test_h.py:14:hold\"]}]") "{\"v\":1,\"kind\":\"still_runn";

static FgObserved *merged(void) {
  FgObserved *o = fg_observed_new();
  fg_observed_merge_records(
      o, "controller-6.jsonl", SS("controller", "6", "controller", "/proj"),
      strlen(SS("controller", "6", "controller", "/proj")), "/proj");
  fg_observed_merge_records(o, "gw0-7.jsonl", gw0, strlen(gw0), "/proj");
  fg_observed_merge_records(o, "gw1-8.jsonl", gw1, strlen(gw1), "/proj");
  fg_observed_finish(o);
  return o;
}

static void test_tests_outcomes_and_workers(void **state) {
  (void)state;
  FgObserved *o = merged();
  assert_int_equal(o->sessions, 3);
  assert_string_equal(o->python, "3.11.2");
  assert_string_equal(o->default_method, "fork");
  assert_string_equal(o->rootdir, "/proj");
  assert_int_equal(o->tests.len, 4);
  /* sorted by node id */
  assert_string_equal(o->tests.items[0].nodeid, "tests/test_a.py::test_p[1]");
  assert_string_equal(o->tests.items[1].nodeid, "tests/test_a.py::test_p[2]");
  assert_string_equal(o->tests.items[2].nodeid, "tests/test_a.py::test_pool");
  assert_string_equal(o->tests.items[3].nodeid, "tests/test_h.py::test_hang");
  assert_string_equal(o->tests.items[0].outcome, "failed");
  assert_string_equal(o->tests.items[1].outcome, "skipped");
  assert_string_equal(o->tests.items[2].outcome, "passed");
  assert_string_equal(o->tests.items[3].outcome, "unfinished");
  assert_int_equal(o->workers.len, 2);
  assert_string_equal(o->workers.items[0], "gw0");
  assert_string_equal(o->workers.items[1], "gw1");
  assert_null(fg_observed_test(o, "x.py::v2"));
  assert_null(fg_observed_test(o, "x.py::novel"));
  fg_observed_delete(o);
}

static void test_starts_counted_once(void **state) {
  (void)state;
  FgObserved *o = merged();
  const FgObsTest *t = fg_observed_test(o, "tests/test_a.py::test_pool");
  assert_non_null(t);
  assert_int_equal(t->starts.len, 1);
  const FgObsStart *s = &t->starts.items[0];
  assert_int_equal(s->count, 2);
  assert_string_equal(s->via, "ProcessPoolExecutor");
  assert_string_equal(s->method, "fork");
  assert_true(s->forks);
  assert_int_equal(s->stack.len, 2);
  assert_string_equal(s->stack.items[1].path, "pkg/render.py");
  assert_int_equal(s->stack.items[1].line, 9);
  assert_int_equal(s->threads.len, 1);
  assert_true(s->threads.items[0].xdist);
  assert_int_equal(s->threads.items[0].daemon, -1);
  assert_int_equal(t->execs, 1);
  char *line = fg_obs_threads_line(&s->threads, 3);
  assert_string_equal(line, "the execnet I/O thread (xdist)");
  free(line);
  char *where = fg_obs_start_where(s);
  assert_string_equal(where, "pkg/render.py:9");
  free(where);
  /* a start outside tests */
  assert_int_equal(o->outside.len, 1);
  assert_string_equal(o->outside.items[0].phase, "collect");
  fg_observed_delete(o);
}

static void test_hang(void **state) {
  (void)state;
  FgObserved *o = merged();
  assert_int_equal(o->hung.len, 1);
  const FgObsHang *h = &o->hung.items[0];
  assert_string_equal(h->test, "tests/test_h.py::test_hang");
  assert_string_equal(h->phase, "call");
  assert_string_equal(h->worker, "gw1");
  assert_int_equal(h->pid, 8);
  /* the last still_running record wins */
  assert_true(h->elapsed == 3.0);
  assert_int_equal(h->threads.len, 2);
  assert_string_equal(h->threads.items[1].name, "holder");
  assert_string_equal(h->threads.items[1].stack.items[0],
                      "/proj/tests/test_h.py:14:hold");
  assert_string_equal(h->dump, "gw1-8.faulthandler.txt");
  const FgObsTest *t = fg_observed_test(o, h->test);
  char *line = fg_obs_threads_line(&t->starts.items[0].threads, 5);
  assert_string_equal(line, "holder, the execnet I/O thread (xdist)");
  free(line);
  line = fg_obs_threads_line(&t->starts.items[0].threads, 1);
  assert_string_equal(line, "holder and 1 more");
  free(line);
  fg_observed_delete(o);
}

static void test_functions(void **state) {
  (void)state;
  FgObserved *o = merged();
  FgObsFunction f;
  fg_observed_function(o, "tests/test_a.py::test_p", &f);
  assert_int_equal(f.ran, 2);
  assert_int_equal(f.started, 1);
  assert_string_equal(f.first_start->nodeid, "tests/test_a.py::test_p[1]");
  assert_null(f.fork_with_threads);
  /* test_p is not a prefix of test_pool */
  fg_observed_function(o, "tests/test_a.py::test_pool", &f);
  assert_int_equal(f.ran, 1);
  assert_non_null(f.fork_with_threads);
  fg_observed_function(o, "tests/test_a.py::test_", &f);
  assert_int_equal(f.ran, 0);
  fg_observed_function(o, "tests/test_h.py::test_hang", &f);
  assert_string_equal(f.fork_test->nodeid, "tests/test_h.py::test_hang");
  fg_observed_function(NULL, "x", &f);
  assert_int_equal(f.ran, 0);
  char *base = fg_observed_base_nodeid("t[1].py::C::f[a::b]");
  assert_string_equal(base, "t[1].py::C::f");
  free(base);
  fg_observed_delete(o);
}

/* pytest's rootdir below forkguard's root: ids and paths get its prefix;
 * outside the root they stay absolute. */
static void test_rootdir_is_not_the_root(void **state) {
  (void)state;
  const char *recs = SS("main", "9", "main", "/proj/sub")
      PH("phase_start", "main", "tests/test_a.py::test_pool", "call", "")
          POOL_START("main", "tests/test_a.py::test_pool")
              PH("phase_end", "main", "tests/test_a.py::test_pool", "call",
                 ",\"outcome\":\"passed\"");
  FgObserved *o = fg_observed_new();
  fg_observed_merge_records(o, "main-9.jsonl", recs, strlen(recs), "/proj");
  fg_observed_finish(o);
  const FgObsTest *t = fg_observed_test(o, "sub/tests/test_a.py::test_pool");
  assert_non_null(t);
  assert_string_equal(t->starts.items[0].stack.items[1].path, "sub/pkg/render.py");
  assert_int_equal(o->hung.len, 0);
  fg_observed_delete(o);
  o = fg_observed_new();
  fg_observed_merge_records(o, "main-9.jsonl", recs, strlen(recs), "/elsewhere");
  fg_observed_finish(o);
  assert_non_null(fg_observed_test(o, "/proj/sub/tests/test_a.py::test_pool"));
  fg_observed_delete(o);
}

static void test_merge_dir(void **state) {
  (void)state;
  char *dir = testdir_new();
  testdir_write(dir, "gw1-8.jsonl", gw1);
  testdir_write(dir, "gw0-7.jsonl", gw0);
  testdir_write(dir, "gw1-8.faulthandler.txt", "Thread 0x1 (most recent call first):\n");
  testdir_write(dir, "merged.json", "{\"not\": \"records\"}");
  FgObserved *o = fg_observed_new();
  char *err = NULL;
  assert_true(fg_observed_merge_dir(o, dir, "/proj", &err));
  fg_observed_finish(o);
  assert_int_equal(o->tests.len, 4);
  assert_int_equal(o->sessions, 2);
  assert_string_equal(o->hung.items[0].dump, "gw1-8.faulthandler.txt");
  fg_observed_delete(o);
  /* no dump file: none named */
  char path[4096];
  snprintf(path, sizeof path, "%s/gw1-8.faulthandler.txt", dir);
  unlink(path);
  o = fg_observed_new();
  assert_true(fg_observed_merge_dir(o, dir, "/proj", &err));
  fg_observed_finish(o);
  assert_null(o->hung.items[0].dump);
  fg_observed_delete(o);
  testdir_delete(dir);
  o = fg_observed_new();
  assert_false(fg_observed_merge_dir(o, "/nonexistent/records", "/proj", &err));
  assert_non_null(strstr(err, "cannot read the records"));
  free(err);
  fg_observed_delete(o);
}

/* Every prefix of a file merges without a crash, and the tests seen so far
 * are there. */
static void test_cut_anywhere(void **state) {
  (void)state;
  size_t len = strlen(gw0);
  for (size_t k = 0; k <= len; k += 7) {
    FgObserved *o = fg_observed_new();
    fg_observed_merge_records(o, "gw0-7.jsonl", gw0, k, "/proj");
    fg_observed_finish(o);
    assert_true(o->tests.len <= 4);
    assert_true(o->hung.len <= 1);
    fg_observed_delete(o);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tests_outcomes_and_workers),
      cmocka_unit_test(test_starts_counted_once),
      cmocka_unit_test(test_hang),
      cmocka_unit_test(test_functions),
      cmocka_unit_test(test_rootdir_is_not_the_root),
      cmocka_unit_test(test_merge_dir),
      cmocka_unit_test(test_cut_anywhere),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
