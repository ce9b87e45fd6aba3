/* probe/internal: what records.c and observed.c share, nobody else. */
#ifndef FG_PROBE_INTERNAL_H
#define FG_PROBE_INTERNAL_H

#include "core/json_read.h"
#include "probe/observed.h"

void fg_obs_start_free(FgObsStart *s);
void fg_obs_threads_free(FgObsThreads *threads);
/* Rebuilds the lookup index of tests by node id without parameters. */
void fg_observed_index(FgObserved *self);

/* Maps a frame's path as recorded to the path the model keeps (a fresh string). */
typedef char *(*FgObsPathMap)(const char *path, void *ctx);
/* Appends the frames of a JSON array of {path, line, function} objects; frames
 * without a path are skipped. map == NULL keeps the path as written. */
void fg_obs_read_frames(const FgJsonValue *arr, FgObsPathMap map, void *ctx,
                        FgObsFrames *out);
/* Appends a start's "stack" frames, or its "site" alone when it has no stack
 * (an old or partial record). */
void fg_obs_read_stack(const FgJsonValue *start, FgObsPathMap map, void *ctx,
                       FgObsFrames *out);
/* Appends the threads of a JSON array of {name, daemon, xdist, stack} objects;
 * their stacks only when `stacks`. */
void fg_obs_read_threads(const FgJsonValue *arr, bool stacks, FgObsThreads *out);

#endif
