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
  FG_CMD_HELP
} FgCommand;

typedef struct FgArgs {
  FgCommand command;
  FgCheckOptions check;
  FgRunsOptions runs;
  const char *explain;
  bool rules_json;
  bool check_help;    /* FG_CMD_HELP for `check --help` */
  const char **paths; /* owned array, borrowed strings */
} FgArgs;

/* Returns 0 on success; on a usage error prints one line to stderr and
 * returns 2. */
int fg_args_parse(FgArgs *self, int argc, char **argv);
void fg_args_free(FgArgs *self);
void fg_args_usage(FILE *out);
/* `forkguard check --help`: the check options. */
void fg_args_check_usage(FILE *out);

#endif
