/* probe/probe: `forkguard probe` (probe.c runs it, report.c tells what it
 * saw). The entry point is fg_probe in forkguard.h. */
#ifndef FG_PROBE_PROBE_H
#define FG_PROBE_PROBE_H

#include <stdio.h>

#include "probe/observed.h"
#include "probe/run.h"

/* Where a probe run keeps its files (absolute paths, owned). */
typedef struct FgProbeDirs {
  char *root;     /* the project root */
  char *dot;      /* root/.forkguard */
  char *recorder; /* .forkguard/recorder: on PYTHONPATH */
  char *records;  /* .forkguard/records: the raw files */
  char *cache;    /* .forkguard/pytest-cache */
  char *observed; /* .forkguard/observed.json */
  char *shown;    /* .forkguard as shown to the user */
} FgProbeDirs;

/* The summary: tests that started processes, by start method; forks with
 * other threads alive, naming them. */
void fg_probe_report(const FgObserved *obs, const FgProbeDirs *dirs,
                     const FgRunResult *res, FILE *out);
/* After a kill at the timeout: which test was running, what it forked with
 * which threads alive, and where each thread was. */
void fg_probe_report_hang(const FgObserved *obs, const FgProbeDirs *dirs, double timeout,
                          FILE *err);

#endif
