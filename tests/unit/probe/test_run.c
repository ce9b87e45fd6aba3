/* lint/probe/run: a command in its own process group, with a hard timeout
 * that stops the whole group. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/run.h"

extern char **environ;

static int fg_called;

static void on_timeout(void *ctx) {
  (void)ctx;
  fg_called++;
}

static FgRunResult run_sh(const char *script, double timeout) {
  char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
  FgRunSpec spec = {argv, environ, "/", timeout, 0.5, on_timeout, NULL};
  FgRunResult res;
  assert_int_equal(fg_probe_run(&spec, &res), 0);
  return res;
}

static void test_exit_status(void **state) {
  (void)state;
  fg_called = 0;
  FgRunResult r = run_sh("exit 3", 30);
  assert_true(r.started);
  assert_true(r.exited);
  assert_int_equal(r.exit_status, 3);
  assert_false(r.timed_out);
  assert_int_equal(fg_called, 0);
  assert_false(r.left_behind);
  r = run_sh("test \"$(pwd)\" = /", 30);
  assert_int_equal(r.exit_status, 0);
}

/* Gone, or a zombie nobody has reaped yet: not running. */
static void assert_not_running(long pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *st = fopen(path, "r");
  if (st) {
    char st_char = '?';
    if (fscanf(st, "%*d %*s %c", &st_char) != 1)
      st_char = '?';
    fclose(st);
    assert_int_equal(st_char, 'Z');
  }
}

/* A child the command leaves running (a server a test spawned) is stopped
 * after the command exits, even one that ignores SIGTERM; the exit status
 * is the command's. */
static void test_leftovers_are_stopped(void **state) {
  (void)state;
  char pidfile[] = "/tmp/fgrun-XXXXXX";
  int fd = mkstemp(pidfile);
  assert_true(fd >= 0);
  close(fd);
  char script[512];
  snprintf(script, sizeof script,
           "(trap '' TERM; echo $(exec sh -c 'echo $PPID') > %s; exec sleep 60) & "
           "while ! test -s %s; do sleep 0.05; done; exit 4",
           pidfile, pidfile);
  FgRunResult r = run_sh(script, 30);
  assert_true(r.exited);
  assert_int_equal(r.exit_status, 4);
  assert_false(r.timed_out);
  assert_true(r.left_behind);
  assert_true(r.duration < 10);
  FILE *f = fopen(pidfile, "r");
  long child = 0;
  if (f) {
    if (fscanf(f, "%ld", &child) != 1)
      child = 0;
    fclose(f);
  }
  unlink(pidfile);
  assert_true(child > 0);
  usleep(300000);
  assert_not_running(child);
}

static void test_signal(void **state) {
  (void)state;
  FgRunResult r = run_sh("kill -9 $$", 30);
  assert_false(r.exited);
  assert_int_equal(r.signal, SIGKILL);
}

static void test_not_found(void **state) {
  (void)state;
  char *argv[] = {"/nonexistent/python3", NULL};
  FgRunSpec spec = {argv, environ, NULL, 5, 0.5, NULL, NULL};
  FgRunResult res;
  assert_int_equal(fg_probe_run(&spec, &res), 0);
  assert_false(res.started);
  assert_int_equal(res.start_errno, ENOENT);
  char *dir[] = {"/bin/true", NULL};
  FgRunSpec bad_dir = {dir, environ, "/nonexistent/folder", 5, 0.5, NULL, NULL};
  assert_int_equal(fg_probe_run(&bad_dir, &res), 0);
  assert_false(res.started);
  assert_int_equal(res.start_errno, ENOENT);
}

/* A hang, and a child in the group that ignores SIGTERM: both go, within
 * the timeout and the grace period. */
static void test_timeout_stops_the_group(void **state) {
  (void)state;
  fg_called = 0;
  char pidfile[] = "/tmp/fgrun-XXXXXX";
  int fd = mkstemp(pidfile);
  assert_true(fd >= 0);
  close(fd);
  char script[512];
  snprintf(
      script, sizeof script,
      "(trap '' TERM; echo $(exec sh -c 'echo $PPID') > %s; exec sleep 60) & sleep 60",
      pidfile);
  FgRunResult r = run_sh(script, 0.5);
  assert_true(r.timed_out);
  assert_int_equal(fg_called, 1);
  assert_true(r.duration >= 0.5 && r.duration < 10);
  /* the stubborn child is gone too */
  FILE *f = fopen(pidfile, "r");
  long child = 0;
  if (f) {
    if (fscanf(f, "%ld", &child) != 1)
      child = 0;
    fclose(f);
  }
  unlink(pidfile);
  assert_true(child > 0);
  usleep(300000);
  assert_not_running(child);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exit_status),
      cmocka_unit_test(test_signal),
      cmocka_unit_test(test_leftovers_are_stopped),
      cmocka_unit_test(test_not_found),
      cmocka_unit_test(test_timeout_stops_the_group),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
