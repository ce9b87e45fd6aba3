#include "core/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct FgPool {
  FgTaskFn fn;
  void *ctx;
  size_t n;
  atomic_size_t next;
} FgPool;

static void *fg_worker(void *arg) {
  FgPool *pool = arg;
  for (;;) {
    size_t i = atomic_fetch_add(&pool->next, 1);
    if (i >= pool->n)
      return NULL;
    pool->fn(pool->ctx, i);
  }
}

void fg_parallel_for(size_t n, int jobs, FgTaskFn fn, void *ctx) {
  if (jobs < 1)
    jobs = 1;
  if ((size_t)jobs > n)
    jobs = (int)n;
  FgPool pool = {fn, ctx, n, 0};
  if (jobs <= 1) {
    fg_worker(&pool);
    return;
  }
  pthread_t threads[64];
  int started = 0;
  for (int t = 1; t < jobs && t < 64; t++) {
    if (pthread_create(&threads[started], NULL, fg_worker, &pool) != 0)
      break; /* fewer threads: the calling thread does the rest */
    started++;
  }
  fg_worker(&pool);
  for (int t = 0; t < started; t++)
    pthread_join(threads[t], NULL);
}

int fg_parallel_default_jobs(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    return 1;
  return n > 8 ? 8 : (int)n;
}
