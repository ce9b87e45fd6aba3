/* `forkguard probe` on the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "msgs.h"

static const char fg_probe_options[] =
    "Options for probe:\n"
    "  --python PYTHON         run `PYTHON -m pytest` (default: python3)\n"
    "  --pytest \"CMD\"          the command that runs pytest, split as a shell would\n"
    "                          (`.venv/bin/pytest`, `uv run pytest`); instead of "
    "--python\n"
    "  --timeout TIME          stop the run after TIME: seconds, or with s, m or h\n"
    "                          (default 30m); then report the test that hung\n"
    "  -q, --quiet             no summary, only errors\n"
    "  -- ARGS                 pytest's own arguments (-n 2, -k expr, paths...)\n";

void fg_args_probe_usage(FILE *out) {
  fputs("Usage: forkguard probe [OPTIONS] [PATH] [-- PYTEST ARGS]\n"
        "\n"
        "Runs the project's own pytest with forkguard's recorder loaded (`-p`, through\n"
        "PYTHONPATH: nothing is installed) and writes .forkguard/observed.json, which\n"
        "`forkguard check` then reads. Nothing outside .forkguard/ is changed.\n"
        "\n",
        out);
  fputs(fg_probe_options, out);
  fputs(
      "\nExit codes: pytest's own; 124 the run was stopped at --timeout; 125 the probe\n"
      "could not set the run up (or pytest ran without the recorder); 126 the command\n"
      "is not executable; 127 not found; 128+N pytest was killed by signal N; 2 usage.\n",
      out);
}

void fg_args_probe_summary(FILE *out) {
  fputs(fg_probe_options, out);
}

/* "90", "90s", "15m", "1.5h" -> seconds; -1 when not a time. */
static double fg_parse_time(const char *v) {
  char *end = NULL;
  double t = strtod(v, &end);
  if (end == v)
    return -1;
  if (strcmp(end, "h") == 0)
    t *= 3600;
  else if (strcmp(end, "m") == 0)
    t *= 60;
  else if (*end && strcmp(end, "s") != 0)
    return -1;
  if (!(t > 0) || t > 7 * 24 * 3600.0)
    return -1;
  return t;
}

static const char *fg_probe_value(int argc, char **argv, int *i, const char *name) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) == 0 && a[n] == '=')
    return a + n + 1;
  if (strcmp(a, name) == 0 && *i + 1 < argc)
    return argv[++*i];
  return NULL;
}

static bool fg_probe_is(const char *a, const char *name) {
  size_t n = strlen(name);
  return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

int fg_args_parse_probe(FgArgs *self, int argc, char **argv) {
  self->command = FG_CMD_PROBE;
  FgProbeOptions *o = &self->probe;
  int i = 2;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      self->command = FG_CMD_HELP;
      self->probe_help = true;
      return 0;
    }
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      o->quiet = true;
    } else if (fg_probe_is(a, "--python")) {
      if (!(v = fg_probe_value(argc, argv, &i, "--python")) || !*v)
        return fg_usage_error("--python takes the interpreter to run pytest with");
      o->python = v;
    } else if (fg_probe_is(a, "--pytest")) {
      if (!(v = fg_probe_value(argc, argv, &i, "--pytest")) || !*v)
        return fg_usage_error("--pytest takes the command that runs pytest");
      o->pytest = v;
    } else if (fg_probe_is(a, "--timeout")) {
      v = fg_probe_value(argc, argv, &i, "--timeout");
      double t = v ? fg_parse_time(v) : -1;
      if (t <= 0)
        return fg_usage_error("--timeout takes a time: seconds, or 90s, 15m, 2h (more "
                              "than 0, at most 7 days)");
      o->timeout = t;
    } else if (a[0] == '-' && a[1]) {
      return fg_usage_error("unknown option for probe: %s (pytest's own options go after "
                            "`--`; see `forkguard probe --help`)",
                            a);
    } else if (o->path) {
      return fg_usage_error("probe takes one PATH (pytest's paths go after `--`)");
    } else {
      o->path = a;
    }
  }
  if (o->python && o->pytest)
    return fg_usage_error("--python and --pytest cannot be combined: --pytest names the "
                          "whole command");
  size_t n = 0;
  for (; i < argc; i++)
    self->paths[n++] = argv[i];
  o->args = (const char *const *)self->paths;
  o->nargs = n;
  return 0;
}
