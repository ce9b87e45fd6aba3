/* Command-line parsing for forkguard. */
#ifndef FG_ARGS_H
#define FG_ARGS_H

#include <stdbool.h>

#include "forkguard.h"

typedef enum FgCommand {
  FG_CMD_CHECK,
  FG_CMD_RUNS,
  FG_CMD_EXPLAIN,
  FG_CMD_RULES,
  FG_CMD_VERSION,
  FG_CMD_HELP,
  FG_CMD_PROBE
} FgCommand;

typedef struct FgArgs {
  FgCommand command;
  FgCheckOptions check;
  FgRunsOptions runs;
  const char *explain;
  bool rules_json;
  bool check_help;    /* FG_CMD_HELP for `check --help` */
  const char **paths; /* owned array, borrowed strings */
  FgProbeOptions probe;
  bool probe_help; /* FG_CMD_HELP for `probe --help` */
} FgArgs;

/* Returns 0 on success; on a usage error prints one line to stderr and
 * returns 2. */
int fg_args_parse(FgArgs *self, int argc, char **argv);
void fg_args_free(FgArgs *self);
void fg_args_usage(FILE *out);
/* `forkguard check --help`: the check options. */
void fg_args_check_usage(FILE *out);
/* args_probe.c: `forkguard probe` (its options go in self->probe, pytest's
 * arguments in self->paths), `probe --help`, and its options for --help. */
int fg_args_parse_probe(FgArgs *self, int argc, char **argv);
void fg_args_probe_usage(FILE *out);
void fg_args_probe_summary(FILE *out);

#endif
