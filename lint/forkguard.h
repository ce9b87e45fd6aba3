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
  bool statistics; /* counts per rule instead of the findings */
  bool show_files; /* what discovery found and skipped, and why; no lint */
} FgCheckOptions;

typedef struct FgRunsOptions {
  const char *const *paths; /* default "." */
  size_t npaths;
  bool json;
  const char *config;
  bool no_config;
  int jobs;
} FgRunsOptions;

/* Exit codes (SPEC §6). */
enum { FG_EXIT_CLEAN = 0, FG_EXIT_FINDINGS = 1, FG_EXIT_ERROR = 2 };

/* Runs `forkguard check`; errors go to err as one line naming the file. */
int fg_check(const FgCheckOptions *opts, FILE *err);
/* `forkguard runs`: every pytest run CI executes, as forkguard sees it. */
int fg_runs(const FgRunsOptions *opts, FILE *err);
/* `forkguard explain CODE|NAME`; 2 when unknown. */
int fg_explain(const char *code_or_name, FILE *out, FILE *err);
/* `forkguard rules [--format json]` */
int fg_list_rules(bool json, FILE *out);
const char *fg_version(void);

#endif
