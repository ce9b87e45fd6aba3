/* probe/internal: what records.c and observed.c share, nobody else. */
#ifndef FG_PROBE_INTERNAL_H
#define FG_PROBE_INTERNAL_H

#include "probe/observed.h"

void fg_obs_start_free(FgObsStart *s);
void fg_obs_threads_free(FgObsThreads *threads);
/* Rebuilds the lookup index of tests by node id without parameters. */
void fg_observed_index(FgObserved *self);

#endif
