/* probe/run: one command run in its own process group, with a hard
 * timeout. The group is what a hang leaves behind (xdist workers, pool
 * children blocked on a copied lock): on timeout every process in it is
 * stopped (SIGTERM, then SIGKILL after a grace period). When the command
 * exits by itself, what it left running in the group (a server a test
 * spawned and never stopped, holding the output open) is stopped the same
 * way. On a terminal the
 * group gets the terminal while it runs (Ctrl-C reaches pytest as if it ran
 * alone); otherwise SIGINT, SIGTERM and SIGHUP sent to forkguard are passed
 * on to the group. */
#ifndef FG_PROBE_RUN_H
#define FG_PROBE_RUN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct FgRunSpec {
  char *const *argv; /* argv[0] is looked up on PATH (of envp) */
  char *const *envp;
  const char *cwd;
  double timeout; /* seconds; <= 0: none */
  double grace;   /* seconds between SIGTERM and SIGKILL on timeout */
  /* called at the timeout, before the group is stopped (NULL: none) */
  void (*on_timeout)(void *ctx);
  void *ctx;
} FgRunSpec;

typedef struct FgRunResult {
  bool started;    /* false: the command could not be started */
  int start_errno; /* why (ENOENT: not found, EACCES: not executable...) */
  bool timed_out;
  bool exited; /* exited by itself with exit_status */
  int exit_status;
  int signal;       /* the signal that ended it when !exited */
  bool left_behind; /* processes of the group outlived it and were stopped */
  double duration;  /* seconds */
  long pid;         /* also the process group */
} FgRunResult;

/* Runs the command and waits for it (or the timeout). Returns 0, or -1 when
 * forkguard could not even fork (out->start_errno set). */
int fg_probe_run(const FgRunSpec *spec, FgRunResult *out);

#endif
