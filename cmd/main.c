/* forkguard: parse the arguments, call the engine, map to an exit code. */
#include <stdio.h>

#include "args.h"
#include "forkguard.h"

int main(int argc, char **argv) {
  FgArgs args;
  int rc = fg_args_parse(&args, argc, argv);
  if (rc) {
    fg_args_free(&args);
    return rc;
  }
  switch (args.command) {
  case FG_CMD_VERSION:
    printf("forkguard %s\n", fg_version());
    break;
  case FG_CMD_HELP:
    if (args.check_help)
      fg_args_check_usage(stdout);
    else if (args.probe_help)
      fg_args_probe_usage(stdout);
    else
      fg_args_usage(stdout);
    break;
  case FG_CMD_EXPLAIN:
    rc = fg_explain(args.explain, stdout, stderr);
    break;
  case FG_CMD_RULES:
    rc = fg_list_rules(args.rules_json, stdout);
    break;
  case FG_CMD_RUNS:
    rc = fg_runs(&args.runs, stderr);
    break;
  case FG_CMD_CHECK:
    args.check.process_ends = true;
    rc = fg_check(&args.check, stderr);
    break;
  case FG_CMD_PROBE:
    rc = fg_probe(&args.probe, stdout, stderr);
    break;
  }
  fg_args_free(&args);
  return rc;
}
