/* run_cache: the whole report of a check, kept beside the summaries so that
 * the same check over an unchanged project prints it again without building
 * the model.
 *
 * An entry is keyed by everything besides the files the report depends on:
 * this build, the working directory, every option, the colour decision, the
 * project roots. It holds the report's bytes, the exit status and the
 * signature of every path the run looked at, taken before it was read
 * (core/inputs); it is used only when every signature still holds. Only
 * clean runs are kept: no warning, no unreadable file, no --fix / --diff,
 * no probe observations. A run that read a file changed within a clock tick
 * of its signature is not kept (a later edit in the same tick would not
 * show). The newest FG_RUN_CACHE_KEEP entries are kept
 * (pre-commit checks a different list of files at each commit).
 * FORKGUARD_RUN_CACHE=0 turns it off (the summaries' cache stays). */
#ifndef FG_RUN_CACHE_H
#define FG_RUN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "forkguard.h"

typedef struct FgRunCache FgRunCache;

/* May a check with these options use the run cache (and record its
 * inputs from now on)? */
bool fg_run_cache_wanted(const FgCheckOptions *o);

/* The run cache for a check of the projects at roots (absolute), in the
 * cache folder of the first. NULL when there is none (--no-cache). */
FgRunCache *fg_run_cache_open(const FgCheckOptions *o, const FgConfigOverrides *ov,
                              const char *const *roots, size_t nroots, bool color);
void fg_run_cache_close(FgRunCache *self);

/* When every input is as it was: the entry (owned), with *report (*len
 * bytes, inside the entry) and its exit status; else NULL. A damaged entry
 * is named on err. */
char *fg_run_cache_lookup(FgRunCache *self, const char **report, size_t *len, int *rc,
                          FILE *err);

/* Storing a report as it is printed: begin makes the entry (false when
 * the cache cannot be written); tee (an FgBuf tee, ud the run cache) takes
 * each piece printed; finish stores it with the exit status and the inputs
 * recorded since fg_inputs_start, or drops it (keep false: a warning, an
 * error; or an input racily clean). */
bool fg_run_cache_begin(FgRunCache *self);
void fg_run_cache_tee(void *ud, const char *data, size_t len);
void fg_run_cache_finish(FgRunCache *self, bool keep, int rc);

/* How many inputs the last lookup compared (for FORKGUARD_STATS). */
size_t fg_run_cache_inputs(const FgRunCache *self);

#endif
