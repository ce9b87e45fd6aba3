#include "probe/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define FG_RUN_POLL_NS 20000000L /* 20 ms between looks at the child */

static volatile sig_atomic_t fg_run_pending; /* a signal to pass on, or 0 */

static void fg_run_on_signal(int sig) {
  fg_run_pending = sig;
}

static double fg_run_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fg_run_sleep(void) {
  struct timespec ts = {0, FG_RUN_POLL_NS};
  nanosleep(&ts, NULL);
}

/* In the child, before exec: a group of its own, default signals, the
 * directory; any failure is written to the pipe as an errno. */
static void fg_run_child(const FgRunSpec *spec, int report) {
  setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  const int sigs[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                      SIGPIPE, SIGTTOU, SIGTTIN, SIGCHLD};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    signal(sigs[i], SIG_DFL);
  int e = 0;
  if (spec->cwd && chdir(spec->cwd) != 0) {
    e = errno;
  } else {
    environ = (char **)spec->envp;
    execvp(spec->argv[0], spec->argv);
    e = errno;
  }
  ssize_t w = write(report, &e, sizeof e);
  (void)w;
  _exit(127);
}

/* Stops every process of the group: SIGTERM, up to `grace` seconds for the
 * leader to go, then SIGKILL to whatever is left. Reaps the leader. */
static void fg_run_stop_group(pid_t pid, double grace, int *status) {
  kill(-pid, SIGTERM);
  double until = fg_run_now() + grace;
  bool reaped = false;
  while (fg_run_now() < until) {
    if (waitpid(pid, status, WNOHANG) == pid) {
      reaped = true;
      break;
    }
    fg_run_sleep();
  }
  kill(-pid, SIGKILL);
  if (!reaped)
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
      ;
}

/* After the leader has exited: stops what is left of its group (SIGTERM,
 * up to `grace` seconds for it to go, then SIGKILL). The group's id cannot
 * be reused while a member lives. True when there was something left. */
static bool fg_run_stop_leftovers(pid_t pgid, double grace) {
  if (kill(-pgid, 0) != 0)
    return false;
  kill(-pgid, SIGTERM);
  double until = fg_run_now() + grace;
  while (fg_run_now() < until && kill(-pgid, 0) == 0)
    fg_run_sleep();
  kill(-pgid, SIGKILL);
  return true;
}

int fg_probe_run(const FgRunSpec *spec, FgRunResult *out) {
  memset(out, 0, sizeof *out);
  int pipefd[2];
  if (pipe(pipefd) != 0) {
    out->start_errno = errno;
    return -1;
  }
  fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
  fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
  /* the terminal goes to the child's group when forkguard has it */
  bool tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
  struct sigaction on = {0}, old_int, old_term, old_hup, old_ttou, ign = {0};
  on.sa_handler = fg_run_on_signal;
  sigemptyset(&on.sa_mask);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  fg_run_pending = 0;
  sigaction(SIGINT, &on, &old_int);
  sigaction(SIGTERM, &on, &old_term);
  sigaction(SIGHUP, &on, &old_hup);
  sigaction(SIGTTOU, &ign, &old_ttou);
  double t0 = fg_run_now();
  pid_t pid = fork();
  if (pid < 0) {
    out->start_errno = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGTTOU, &old_ttou, NULL);
    return -1;
  }
  if (pid == 0) {
    close(pipefd[0]);
    fg_run_child(spec, pipefd[1]);
  }
  close(pipefd[1]);
  setpgid(pid, pid); /* also here: whichever runs first */
  out->pid = (long)pid;
  if (tty)
    tcsetpgrp(STDIN_FILENO, pid);
  int child_errno = 0;
  ssize_t got;
  do {
    got = read(pipefd[0], &child_errno, sizeof child_errno);
  } while (got < 0 && errno == EINTR);
  close(pipefd[0]);
  int status = 0;
  if (got == (ssize_t)sizeof child_errno) {
    /* exec failed: the child has exited with 127 */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
    out->start_errno = child_errno;
  } else {
    out->started = true;
    double deadline = spec->timeout > 0 ? t0 + spec->timeout : 0;
    for (;;) {
      pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid || (r < 0 && errno != EINTR))
        break;
      int sig = fg_run_pending;
      if (sig) {
        fg_run_pending = 0;
        kill(-pid, sig);
      }
      if (deadline && fg_run_now() >= deadline) {
        out->timed_out = true;
        if (spec->on_timeout)
          spec->on_timeout(spec->ctx);
        fg_run_stop_group(pid, spec->grace > 0 ? spec->grace : 2.0, &status);
        break;
      }
      fg_run_sleep();
    }
    out->duration = fg_run_now() - t0;
    if (!out->timed_out)
      out->left_behind = fg_run_stop_leftovers(pid, spec->grace > 0 ? spec->grace : 2.0);
    if (WIFEXITED(status)) {
      out->exited = true;
      out->exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      out->signal = WTERMSIG(status);
    }
  }
  if (tty)
    tcsetpgrp(STDIN_FILENO, getpgrp());
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGHUP, &old_hup, NULL);
  sigaction(SIGTTOU, &old_ttou, NULL);
  return 0;
}
