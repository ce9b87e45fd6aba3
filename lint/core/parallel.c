#include "core/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct FgPool {
  FgWorkerFn fn;
  void *ctx;
  size_t n;
  atomic_size_t next;
} FgPool;

typedef struct FgWorker {
  FgPool *pool;
  int index;
} FgWorker;

static void *fg_worker(void *arg) {
  FgWorker *w = arg;
  for (;;) {
    size_t i = atomic_fetch_add(&w->pool->next, 1);
    if (i >= w->pool->n)
      return NULL;
    w->pool->fn(w->pool->ctx, i, w->index);
  }
}

void fg_parallel_for_workers(size_t n, int jobs, FgWorkerFn fn, void *ctx) {
  if (jobs < 1)
    jobs = 1;
  if ((size_t)jobs > n)
    jobs = n ? (int)n : 1;
  if (jobs > 64)
    jobs = 64;
  FgPool pool = {fn, ctx, n, 0};
  FgWorker workers[64];
  for (int t = 0; t < jobs; t++)
    workers[t] = (FgWorker){&pool, t};
  pthread_t threads[64];
  int started = 0;
  for (int t = 1; t < jobs; t++) {
    if (pthread_create(&threads[started], NULL, fg_worker, &workers[t]) != 0)
      break; /* fewer threads: the calling thread does the rest */
    started++;
  }
  fg_worker(&workers[0]);
  for (int t = 0; t < started; t++)
    pthread_join(threads[t], NULL);
}

typedef struct FgPlain {
  FgTaskFn fn;
  void *ctx;
} FgPlain;

static void fg_plain(void *ctx, size_t i, int worker) {
  (void)worker;
  const FgPlain *p = ctx;
  p->fn(p->ctx, i);
}

void fg_parallel_for(size_t n, int jobs, FgTaskFn fn, void *ctx) {
  FgPlain p = {fn, ctx};
  fg_parallel_for_workers(n, jobs, fg_plain, &p);
}

int fg_parallel_default_jobs(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    return 1;
  return n > 8 ? 8 : (int)n;
}
