#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgs.h"

static const char fg_check_options[] =
    "Options for check:\n"
    "  --fix                   apply safe fixes (and list the files written)\n"
    "  --unsafe-fixes          also apply unsafe fixes\n"
    "  --diff                  print the diff of the fixes, write nothing\n"
    "  --exit-non-zero-on-fix  exit 1 when fixes were applied\n"
    "  --format FMT            text (default), json, sarif, github, gitlab\n"
    "  -o, --output FILE       write the report to FILE\n"
    "  --select CODES          only these rules: codes, prefixes (FG1), names or ALL,\n"
    "                          comma-separated; replaces the configuration's select\n"
    "  --extend-select CODES   add these rules to the selection (opt-in rules too)\n"
    "  --ignore CODES          skip these rules\n"
    "  --config FILE           read settings from FILE\n"
    "  --no-config             ignore configuration files\n"
    "  --exit-zero             exit 0 even when findings remain\n"
    "  -q, --quiet             print the findings only: no summary\n"
    "  --statistics            print how many findings each rule has, not the findings\n"
    "  --show-files            print the files forkguard reads and skips, and why\n"
    "  --observed FILE         a probe run's observations (default:\n"
    "                          .forkguard/observed.json when newer than the sources)\n"
    "  --trust-observed        drop FG101 findings on tests the probe ran and saw start\n"
    "                          no process\n"
    "  --color WHEN            auto (default), always, never; NO_COLOR turns colour\n"
    "                          off always, FORCE_COLOR on when WHEN is auto\n"
    "  -j, --jobs N            threads that read and parse Python files (default: one\n"
    "                          per processor, at most 8)\n"
    "  --no-cache              neither read nor write the summary cache\n"
    "  --cache-dir DIR         keep the summary cache in DIR (default:\n"
    "                          $FORKGUARD_CACHE_DIR, else .forkguard_cache at the\n"
    "                          project root)\n"
    "  -h, --help              print these options\n";

void fg_args_check_usage(FILE *out) {
  fputs(
      "Usage: forkguard check [OPTIONS] [PATH...]\n"
      "\n"
      "Lints the project holding each PATH (default: .). With file paths, as pre-commit\n"
      "passes them, the whole project is read and the findings that concern those\n"
      "files are reported.\n"
      "\n",
      out);
  fputs(fg_check_options, out);
  fputs(
      "\nExit codes: 0 clean, 1 findings remain, 2 usage, configuration or I/O error.\n",
      out);
}

void fg_args_usage(FILE *out) {
  fputs(
      "forkguard - find process pools that hang pytest-xdist runs, and fix the CI split\n"
      "\n"
      "Usage:\n"
      "  forkguard check [PATH...]       lint the project holding PATH (default: .)\n"
      "  forkguard runs [PATH]           every pytest run CI executes, as forkguard sees "
      "it\n"
      "  forkguard explain CODE|NAME     print a rule's documentation\n"
      "  forkguard rules [--format json] list the rules\n"
      "  forkguard probe [PATH] [-- ARGS] run the project's pytest with the recorder\n"
      "  forkguard --version | --help\n"
      "\n",
      out);
  fputs(fg_check_options, out);
  fputc('\n', out);
  fg_args_probe_summary(out);
  fputs(
      "\nOptions for runs: --format text|json, --config FILE, --no-config, -j/--jobs N,\n"
      "--no-cache, --cache-dir DIR\n"
      "\nExit codes: 0 clean, 1 findings remain, 2 usage, configuration or I/O error.\n",
      out);
  fputs("probe passes pytest's exit status through (see `forkguard probe --help`).\n",
        out);
}

/* "--opt=value" or "--opt value" */
static const char *fg_opt_value(int argc, char **argv, int *i, const char *name) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) == 0 && a[n] == '=')
    return a + n + 1;
  if (strcmp(a, name) == 0) {
    if (*i + 1 >= argc)
      return NULL;
    return argv[++*i];
  }
  return NULL;
}

static bool fg_is_opt(const char *a, const char *name) {
  size_t n = strlen(name);
  return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

static int fg_parse_format(const char *v, FgFormat *out) {
  static const char *const names[] = {"text", "json", "sarif", "github", "gitlab"};
  for (int k = 0; k < 5; k++)
    if (strcmp(v, names[k]) == 0) {
      *out = (FgFormat)k;
      return 0;
    }
  return -1;
}

static int fg_parse_check_opt(FgArgs *self, int argc, char **argv, int *i) {
  FgCheckOptions *o = &self->check;
  const char *a = argv[*i];
  const char *v;
  if (strcmp(a, "--fix") == 0)
    o->fix = true;
  else if (strcmp(a, "--unsafe-fixes") == 0)
    o->unsafe_fixes = true;
  else if (strcmp(a, "--diff") == 0)
    o->diff = true;
  else if (strcmp(a, "--exit-zero") == 0)
    o->exit_zero = true;
  else if (strcmp(a, "--exit-non-zero-on-fix") == 0)
    o->exit_non_zero_on_fix = true;
  else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
    o->quiet = true;
  else if (strcmp(a, "--no-config") == 0)
    o->no_config = true;
  else if (strcmp(a, "--statistics") == 0)
    o->statistics = true;
  else if (strcmp(a, "--show-files") == 0)
    o->show_files = true;
  else if (strcmp(a, "--no-cache") == 0)
    o->no_cache = true;
  else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
    self->command = FG_CMD_HELP;
    self->check_help = true;
  } else if (fg_is_opt(a, "--format")) {
    v = fg_opt_value(argc, argv, i, "--format");
    if (!v || fg_parse_format(v, &o->format) != 0)
      return fg_usage_error("--format takes text, json, sarif, github or gitlab");
  } else if (fg_is_opt(a, "--output") || strcmp(a, "-o") == 0) {
    v = fg_opt_value(argc, argv, i, strcmp(a, "-o") == 0 ? "-o" : "--output");
    if (!v || !*v)
      return fg_usage_error("--output takes a file name");
    o->output = v;
  } else if (fg_is_opt(a, "--select")) {
    if (!(o->select = fg_opt_value(argc, argv, i, "--select")))
      return fg_usage_error("--select takes a list of codes");
  } else if (fg_is_opt(a, "--extend-select")) {
    if (!(o->extend_select = fg_opt_value(argc, argv, i, "--extend-select")))
      return fg_usage_error("--extend-select takes a list of codes");
  } else if (fg_is_opt(a, "--ignore")) {
    if (!(o->ignore = fg_opt_value(argc, argv, i, "--ignore")))
      return fg_usage_error("--ignore takes a list of codes");
  } else if (fg_is_opt(a, "--observed")) {
    if (!(o->observed = fg_opt_value(argc, argv, i, "--observed")) || !*o->observed)
      return fg_usage_error("--observed takes a file written by `forkguard probe`");
  } else if (strcmp(a, "--trust-observed") == 0) {
    o->trust_observed = true;
  } else if (fg_is_opt(a, "--config")) {
    if (!(o->config = fg_opt_value(argc, argv, i, "--config")))
      return fg_usage_error("--config takes a file name");
  } else if (fg_is_opt(a, "--cache-dir")) {
    if (!(o->cache_dir = fg_opt_value(argc, argv, i, "--cache-dir")) || !*o->cache_dir)
      return fg_usage_error("--cache-dir takes a folder name");
  } else if (fg_is_opt(a, "--color")) {
    v = fg_opt_value(argc, argv, i, "--color");
    if (v && strcmp(v, "auto") == 0)
      o->color = FG_COLOR_AUTO;
    else if (v && strcmp(v, "always") == 0)
      o->color = FG_COLOR_ALWAYS;
    else if (v && strcmp(v, "never") == 0)
      o->color = FG_COLOR_NEVER;
    else
      return fg_usage_error("--color takes auto, always or never");
  } else if (fg_is_opt(a, "--jobs") || strcmp(a, "-j") == 0) {
    v = fg_opt_value(argc, argv, i, strcmp(a, "-j") == 0 ? "-j" : "--jobs");
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || n < 1 || n > 256)
      return fg_usage_error("--jobs takes a number from 1 to 256");
    o->jobs = (int)n;
  } else {
    return fg_usage_error("unknown option: %s (see `forkguard check --help`)", a);
  }
  return 0;
}

/* `forkguard runs [PATH] [--format text|json] [--config FILE] [--no-config]
 * [--jobs N] [--no-cache] [--cache-dir DIR]` */
static int fg_parse_runs(FgArgs *self, int argc, char **argv) {
  self->command = FG_CMD_RUNS;
  FgRunsOptions *o = &self->runs;
  bool only_paths = false;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    if (!only_paths && strcmp(a, "--") == 0) {
      only_paths = true;
    } else if (!only_paths && fg_is_opt(a, "--format")) {
      v = fg_opt_value(argc, argv, &i, "--format");
      if (v && strcmp(v, "json") == 0)
        o->json = true;
      else if (!v || strcmp(v, "text") != 0)
        return fg_usage_error("runs takes --format text or json");
    } else if (!only_paths && fg_is_opt(a, "--config")) {
      if (!(o->config = fg_opt_value(argc, argv, &i, "--config")))
        return fg_usage_error("--config takes a file name");
    } else if (!only_paths && strcmp(a, "--no-config") == 0) {
      o->no_config = true;
    } else if (!only_paths && strcmp(a, "--no-cache") == 0) {
      o->no_cache = true;
    } else if (!only_paths && fg_is_opt(a, "--cache-dir")) {
      if (!(o->cache_dir = fg_opt_value(argc, argv, &i, "--cache-dir")) || !*o->cache_dir)
        return fg_usage_error("--cache-dir takes a folder name");
    } else if (!only_paths && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
      self->command = FG_CMD_HELP;
      return 0;
    } else if (!only_paths && (fg_is_opt(a, "--jobs") || strcmp(a, "-j") == 0)) {
      v = fg_opt_value(argc, argv, &i, strcmp(a, "-j") == 0 ? "-j" : "--jobs");
      char *end = NULL;
      long n = v ? strtol(v, &end, 10) : 0;
      if (!v || *end || n < 1 || n > 256)
        return fg_usage_error("--jobs takes a number from 1 to 256");
      o->jobs = (int)n;
    } else if (!only_paths && a[0] == '-' && a[1]) {
      return fg_usage_error("unknown option for runs: %s (see `forkguard --help`)", a);
    } else if (o->npaths) {
      return fg_usage_error("runs takes one PATH");
    } else {
      self->paths[o->npaths++] = a;
    }
  }
  o->paths = self->paths;
  return 0;
}

int fg_args_parse(FgArgs *self, int argc, char **argv) {
  memset(self, 0, sizeof *self);
  self->check.jobs = 0; /* one per processor */
  self->paths = calloc((size_t)argc + 1, sizeof(char *));
  if (!self->paths)
    return fg_usage_error("out of memory");
  if (argc < 2) {
    self->command = FG_CMD_HELP;
    return 0;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 ||
      strcmp(cmd, "version") == 0) {
    self->command = FG_CMD_VERSION;
    return 0;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    self->command = FG_CMD_HELP;
    return 0;
  }
  if (strcmp(cmd, "probe") == 0)
    return fg_args_parse_probe(self, argc, argv);
  if (strcmp(cmd, "explain") == 0) {
    if (argc != 3)
      return fg_usage_error(
          "explain takes one rule code or name, e.g. `forkguard explain FG101`");
    self->command = FG_CMD_EXPLAIN;
    self->explain = argv[2];
    return 0;
  }
  if (strcmp(cmd, "rules") == 0) {
    self->command = FG_CMD_RULES;
    for (int i = 2; i < argc; i++) {
      const char *v = fg_is_opt(argv[i], "--format")
                          ? fg_opt_value(argc, argv, &i, "--format")
                          : NULL;
      if (v && strcmp(v, "json") == 0)
        self->rules_json = true;
      else if (!v || strcmp(v, "text") != 0)
        return fg_usage_error("rules takes only --format text|json");
    }
    return 0;
  }
  if (strcmp(cmd, "runs") == 0)
    return fg_parse_runs(self, argc, argv);
  if (strcmp(cmd, "check") != 0)
    return fg_usage_error("unknown command: %s (try `forkguard check`)", cmd);
  self->command = FG_CMD_CHECK;
  bool only_paths = false;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!only_paths && strcmp(a, "--") == 0) {
      only_paths = true;
    } else if (!only_paths && a[0] == '-' && a[1]) {
      int rc = fg_parse_check_opt(self, argc, argv, &i);
      if (rc)
        return rc;
    } else {
      self->paths[self->check.npaths++] = a;
    }
  }
  self->check.paths = self->paths;
  if (self->check_help)
    return 0;
  if (self->check.diff && self->check.fix)
    return fg_usage_error("--diff and --fix cannot be combined: --diff writes nothing");
  return 0;
}

void fg_args_free(FgArgs *self) {
  free(self->paths);
}
