/* forkguard's public engine API: the only header cmd/ includes. */
#ifndef FORKGUARD_H
#define FORKGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum FgFormat {
  FG_FORMAT_TEXT,
  FG_FORMAT_JSON,
  FG_FORMAT_SARIF,
  FG_FORMAT_GITHUB,
  FG_FORMAT_GITLAB
} FgFormat;

typedef enum FgColor { FG_COLOR_AUTO, FG_COLOR_ALWAYS, FG_COLOR_NEVER } FgColor;

typedef struct FgCheckOptions {
  const char *const *paths; /* default "." */
  size_t npaths;
  FgFormat format;
  const char *output; /* NULL: stdout */
  bool fix;
  bool unsafe_fixes;
  bool diff;
  bool exit_zero;
  bool exit_non_zero_on_fix;
  bool quiet;
  FgColor color;
  const char *select;
  const char *extend_select;
  const char *ignore;
  const char *config;
  bool no_config;
  int jobs;
  bool statistics;       /* counts per rule instead of the findings */
  bool show_files;       /* what discovery found and skipped, and why; no lint */
  const char *observed;  /* --observed FILE: a probe run's observations */
  bool trust_observed;   /* drop FG101 findings the probe run did not observe */
  bool no_cache;         /* --no-cache: neither read nor write .forkguard_cache */
  bool process_ends;     /* the process exits after the call: what the projects hold
                            is left to the system (kept reachable), not freed */
  const char *cache_dir; /* --cache-dir DIR */
} FgCheckOptions;

/* `forkguard probe`: the project's own pytest run with the recorder. */
typedef struct FgProbeOptions {
  const char *path;        /* the project directory (default .) */
  const char *python;      /* --python: run `PYTHON -m pytest` */
  const char *pytest;      /* --pytest: the command that runs pytest, split as a shell
                              would (default `python3 -m pytest`) */
  double timeout;          /* --timeout, seconds; 0: the default (30 minutes) */
  const char *const *args; /* after `--`: pytest's own arguments */
  size_t nargs;
  bool quiet; /* no summary, only errors */
} FgProbeOptions;
typedef struct FgRunsOptions {
  const char *const *paths; /* default "." */
  size_t npaths;
  bool json;
  const char *config;
  bool no_config;
  int jobs;
  bool no_cache;
  const char *cache_dir;
} FgRunsOptions;

/* Exit codes (SPEC §6). */
enum { FG_EXIT_CLEAN = 0, FG_EXIT_FINDINGS = 1, FG_EXIT_ERROR = 2 };
/* `forkguard probe` passes pytest's exit status through, and has its own
 * (those of timeout(1) and the shell): */
enum {
  FG_EXIT_PROBE_TIMEOUT = 124,  /* killed at --timeout */
  FG_EXIT_PROBE_FAILED = 125,   /* forkguard could not set the run up */
  FG_EXIT_PROBE_NOEXEC = 126,   /* the command is not executable */
  FG_EXIT_PROBE_NOTFOUND = 127, /* the command was not found */
  FG_EXIT_PROBE_SIGNAL = 128    /* + the signal that ended pytest */
};

/* Runs `forkguard check`; errors go to err as one line naming the file. */
int fg_check(const FgCheckOptions *opts, FILE *err);
/* `forkguard probe`: the summary goes to out, errors and a hang to err. */
int fg_probe(const FgProbeOptions *opts, FILE *out, FILE *err);
/* `forkguard runs`: every pytest run CI executes, as forkguard sees it. */
int fg_runs(const FgRunsOptions *opts, FILE *err);
/* `forkguard explain CODE|NAME`; 2 when unknown. */
int fg_explain(const char *code_or_name, FILE *out, FILE *err);
/* `forkguard rules [--format json]` */
int fg_list_rules(bool json, FILE *out);
const char *fg_version(void);

#endif
