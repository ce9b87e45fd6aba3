/* parallel: a parallel for over independent items on a few threads. Each
 * index is handed to exactly one call of fn; results go into per-index
 * slots the caller owns, so the output does not depend on scheduling. */
#ifndef FG_PARALLEL_H
#define FG_PARALLEL_H

#include <stddef.h>

typedef void (*FgTaskFn)(void *ctx, size_t index);

/* Runs fn(ctx, i) for i in [0, n) on up to jobs threads (1: in the calling
 * thread, no thread is started). */
void fg_parallel_for(size_t n, int jobs, FgTaskFn fn, void *ctx);

/* The same, and fn also gets the index of the thread it runs on, in
 * [0, jobs): per-thread scratch (a scanner, a parser) lives in the caller's
 * array at that index. */
typedef void (*FgWorkerFn)(void *ctx, size_t index, int worker);
void fg_parallel_for_workers(size_t n, int jobs, FgWorkerFn fn, void *ctx);

/* The default number of jobs: the online processors, 1 to 8. */
int fg_parallel_default_jobs(void);

#endif
