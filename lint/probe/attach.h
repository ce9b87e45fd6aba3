/* probe/attach: a probe run's observations for `forkguard check` -- which
 * file, whether it is still fresh, what it makes the loader parse, and what
 * --trust-observed drops. The rules read the observations through
 * FgProject.observed (probe/observed.h). */
#ifndef FG_PROBE_ATTACH_H
#define FG_PROBE_ATTACH_H

#include <stdbool.h>
#include <stdio.h>

#include "core/diag.h"
#include "core/util.h"
#include "probe/observed.h"

/* The observations for the project at root: the --observed file when one
 * is named (NULL and *failed on an error, after a message), else
 * root/.forkguard/observed.json when it exists and no Python file or
 * pytest configuration under root changed since the probe run started
 * (otherwise a warning unless quiet, and NULL). */
FgObserved *fg_observed_for_check(const char *root, const char *named, bool quiet,
                                  FILE *err, bool *failed);

/* The relative .py paths the observations name in process starts (the
 * tests' files and every recorded frame), sorted and distinct: the loader
 * parses them so that a test only the run found has a place to be shown
 * and marked. */
void fg_observed_parse_paths(const FgObserved *self, FgStrVec *out);

/* What the run saw of a test function (node id without parameters). */
typedef enum FgObsVerdict {
  FG_OBS_NOT_RUN,  /* the run did not run it */
  FG_OBS_NO_START, /* it ran and started no process */
  FG_OBS_STARTED   /* it started processes */
} FgObsVerdict;

FgObsVerdict fg_observed_verdict(const FgObserved *self, const char *nodeid,
                                 FgObsFunction *f);

/* --trust-observed: drops the FG101 findings whose test ran in the probe
 * run and started no process. Returns how many. */
size_t fg_observed_trust(const FgObserved *self, FgDiagList *diags);

/* The notes that say what the run saw of a test ("observed in the probe run:
 * ...", "not observed in the probe run: ..."), owned. */
char *fg_observed_note(const FgObserved *self, const char *nodeid);

#endif
