/* probe/observed: what a `forkguard probe` run saw, the model behind
 * .forkguard/observed.json (docs/observed-format.md, format version 1).
 *
 * records.c builds it from the recorder's raw files (the merge of
 * docs/probe-records.md); observed.c writes it as observed.json, reads it
 * back, and answers the questions `check` asks: did this test run, did it
 * start processes, how, with which threads alive. Every path and node id in
 * it is relative to the project root forkguard uses (the one `check` uses),
 * '/'-separated. */
#ifndef FG_PROBE_OBSERVED_H
#define FG_PROBE_OBSERVED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

#define FG_OBSERVED_VERSION 1

typedef struct FgObsFrame {
  char *path; /* relative to the root; absolute when outside it */
  long line;
  char *function;
} FgObsFrame;

typedef FG_VEC(FgObsFrame) FgObsFrames;

typedef struct FgObsThread {
  char *name;     /* "<no threading.Thread>" for a thread started with _thread */
  int daemon;     /* 1, 0, or -1 when unknown */
  bool xdist;     /* one of its frames is in execnet or xdist */
  FgStrVec stack; /* "file:line:function", outermost first (hangs only) */
} FgObsThread;

typedef FG_VEC(FgObsThread) FgObsThreads;

/* Process starts of one test that look the same (same phase, api, method,
 * pool, stack and threads), counted once. */
typedef struct FgObsStart {
  char *phase;  /* setup, call, teardown; collect or session outside tests */
  char *api;    /* multiprocessing.Process.start, os.fork, ... */
  char *method; /* fork, spawn, forkserver, loky...; NULL when unknown */
  char *via;    /* ProcessPoolExecutor, multiprocessing.Pool, Manager, loky,
                   joblib; NULL for a Process started directly */
  bool forks;   /* the child is a copy of the forking process */
  size_t count;
  char *worker;         /* main, gw0, ... (the first one seen) */
  char *thread;         /* the thread that started it */
  FgObsFrames stack;    /* project frames, outermost first; the site last */
  FgObsThreads threads; /* the other threads alive at a fork */
} FgObsStart;

typedef FG_VEC(FgObsStart) FgObsStarts;

typedef struct FgObsTest {
  char *nodeid;  /* as pytest names it, made relative to the root */
  char *outcome; /* passed, failed, error, skipped, unfinished */
  FgStrVec workers;
  FgStrVec markers; /* the marks pytest saw on it, sorted */
  FgObsStarts starts;
  size_t execs; /* programs started (subprocess, posix_spawn): not pools */
} FgObsTest;

/* A phase that began and never ended: where the run hung (or was killed). */
typedef struct FgObsHang {
  char *test;
  char *phase;
  char *worker;
  long pid;
  double elapsed;       /* seconds at the last still_running record; -1: none */
  FgObsThreads threads; /* every thread at that record, with stacks */
  char *dump;           /* the faulthandler file of that process, or NULL */
} FgObsHang;

typedef struct FgObserved {
  char *root;     /* the project root at probe time (absolute) */
  char *rootdir;  /* pytest's rootdir (absolute) */
  double started; /* seconds since the epoch when pytest was started */
  double duration;
  FgStrVec command;
  int exit_status; /* pytest's; -1 when it did not exit by itself */
  bool timed_out;
  char *python, *pytest, *default_method; /* from the first session, or NULL */
  FgStrVec workers;                       /* the processes that ran tests */
  FG_VEC(FgObsTest) tests;                /* sorted by node id */
  FgObsStarts outside;                    /* starts outside any test */
  FG_VEC(FgObsHang) hung;
  size_t sessions; /* pytest processes that wrote records */
  /* the tests by node id without parameters, for fg_observed_function */
  FG_VEC(size_t) by_function;
  struct FgObsMerge *merging; /* records.c's state until fg_observed_finish */
} FgObserved;

FgObserved *fg_observed_new(void);
void fg_observed_delete(FgObserved *self);

/* ---- records.c: the merge ---------------------------------------------------- */

/* Merges the recorder's files in dir (every `*.jsonl`, in byte order of
 * their names) into self, the rule of docs/probe-records.md ("Merging").
 * root: the project root; paths and node ids are made relative to it.
 * Returns false and sets *err when dir cannot be read; unreadable lines are
 * skipped (a killed process may leave half a line). */
bool fg_observed_merge_dir(FgObserved *self, const char *dir, const char *root,
                           char **err);
/* Merges one file's bytes (name as in dir: "gw0-123.jsonl"). */
void fg_observed_merge_records(FgObserved *self, const char *name, const char *data,
                               size_t len, const char *root);
/* After the last file: sorts the tests, fills the lookup index. */
void fg_observed_finish(FgObserved *self);

/* ---- observed.c: the file, and questions ------------------------------------- */

/* observed.json, pretty and deterministic. */
void fg_observed_write(const FgObserved *self, FgBuf *out);
/* Parses observed.json. NULL and *err on a document that is not JSON, not
 * an object of version 1, or misses what a reader needs. */
FgObserved *fg_observed_parse(const char *data, size_t len, char **err);
/* Reads and parses a file (NULL and *err naming the problem). */
FgObserved *fg_observed_load(const char *path, char **err);

/* The test with this exact node id, or NULL. */
const FgObsTest *fg_observed_test(const FgObserved *self, const char *nodeid);

/* What the run saw of one test function: every node id whose form without
 * parameters (`t.py::f[1-a]` -> `t.py::f`) is the given one. */
typedef struct FgObsFunction {
  size_t ran;                          /* node ids of it that ran */
  size_t passed;                       /* of those, how many passed */
  size_t started;                      /* of those, how many started processes */
  const FgObsTest *first_start;        /* the first one that did, or NULL */
  const FgObsTest *first;              /* the first one, or NULL */
  const FgObsStart *fork_with_threads; /* a fork with other threads alive */
  const FgObsTest *fork_test;          /* ... and its test */
} FgObsFunction;

void fg_observed_function(const FgObserved *self, const char *nodeid, FgObsFunction *out);

/* `t.py::C::f[1]` -> `t.py::C::f` (owned). */
char *fg_observed_base_nodeid(const char *nodeid);

/* "fork", "spawn": the start method of a start, for people ("unknown"). */
const char *fg_obs_start_method(const FgObsStart *s);
/* What started it, for people: the pool ("ProcessPoolExecutor"), else
 * "Process" for a Process.start, else the api ("os.fork"). */
const char *fg_obs_start_what(const FgObsStart *s);
/* "ticker, the xdist/execnet I/O thread": the threads, for people. At most
 * max names, then "and N more" (owned). */
char *fg_obs_threads_line(const FgObsThreads *threads, size_t max);
/* "shapes/render.py:9" (owned), or "an unknown place" when no frame was
 * project code. */
char *fg_obs_start_where(const FgObsStart *s);

#endif
