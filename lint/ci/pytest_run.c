#include "ci/pytest_run.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/inputs.h"
#include "parse/shlex.h"

/* ---- launchers ------------------------------------------------------------ */

static const char *fg_base(const char *word) {
  /* `${PREFIX}coverage`, `${VENV}/bin/pytest`: a directory not known, then
   * the program's name */
  if (word[0] == '$' && word[1] == '{') {
    const char *close = strchr(word, '}');
    if (close && close[1] && !strchr(close + 1, '$'))
      word = close + 1;
  }
  const char *s = strrchr(word, '/');
  return s ? s + 1 : word;
}

static bool fg_is_pytest_exe(const char *w) {
  const char *b = fg_base(w);
  return strcmp(b, "pytest") == 0 || strcmp(b, "py.test") == 0 ||
         strcmp(b, "pytest-3") == 0;
}

/* python, python3, python3.12, pypy3.10, python3.13t, python3-dbg,
 * python3.12d, pythonw, py (the Windows launcher), `.exe` optional. */
static bool fg_is_python_exe(const char *w) {
  const char *b = fg_base(w);
  if (strcmp(b, "py") == 0 || strcmp(b, "py.exe") == 0)
    return true;
  if (!fg_str_startswith(b, "python") && !fg_str_startswith(b, "pypy"))
    return false;
  b += fg_str_startswith(b, "python") ? 6 : 4;
  while ((*b >= '0' && *b <= '9') || *b == '.')
    b++;
  if (*b == 't' || *b == 'd' || *b == 'm' || *b == 'w' || *b == 'u')
    b++; /* free-threaded, debug, pymalloc, windowed builds */
  if (strcmp(b, "-dbg") == 0 || strcmp(b, "-debug") == 0 || strcmp(b, ".exe") == 0)
    return true;
  return *b == '\0';
}

/* `python [flags] -m pytest`: index after "pytest", or -1. */
size_t fg_python_module_arg(const FgShellWord *w, size_t n, size_t i, const char **mod,
                            size_t *script) {
  *mod = NULL;
  *script = 0;
  for (i++; i < n; i++) {
    const char *t = w[i].text;
    if (t[0] != '-' || !t[1]) {
      *script = i; /* a script (or `-`: stdin) */
      return 0;
    }
    if (t[1] == '-')
      continue; /* --version, --help... */
    /* short options, several in a word (`-Im`, `-bbm`); -m, -W, -X, -c take
     * the rest of the word or the next one */
    for (const char *c = t + 1; *c; c++) {
      if (*c == 'm') {
        if (c[1]) {
          *mod = c + 1;
          return i;
        }
        if (i + 1 >= n)
          return 0;
        *mod = w[i + 1].text;
        return i + 1;
      }
      if (*c == 'c')
        return 0; /* python -c '...' */
      if (*c == 'W' || *c == 'X') {
        i += c[1] ? 0 : 1;
        break;
      }
    }
  }
  return 0;
}

bool fg_python_unknown(const FgShellWord *word, const FgShellWord *w, size_t n,
                       size_t i) {
  const char *t = word->text;
  const char *e = word->dynamic ? fg_shell_expansion_end(t) : NULL;
  return e && !*e && i + 1 < n && w[i + 1].text[0] == '-' && strchr(w[i + 1].text, 'm') &&
         w[i + 1].text[1] != '-';
}

static int fg_python_m_pytest(const FgShellWord *w, size_t n, size_t i) {
  const char *mod = NULL;
  size_t script = 0;
  size_t m = fg_python_module_arg(w, n, i, &mod, &script);
  return m && strcmp(mod, "pytest") == 0 ? (int)(m + 1) : -1;
}

/* Words that run the rest of the line as a command after their options. */
static bool fg_is_wrapper(const char *w) {
  static const char *const wrappers[] = {"timeout", "xvfb-run", "nice",   "time",
                                         "env",     "sudo",     "stdbuf", "catchsegv",
                                         "ionice",  NULL};
  for (const char *const *p = wrappers; *p; p++)
    if (strcmp(fg_base(w), *p) == 0)
      return true;
  return false;
}

/* `coverage run [OPTIONS] -m pytest` or `coverage run pytest` with w[i]
 * the coverage word (`python -m coverage` too: name says which): the index
 * of pytest's first argument, else -1. */
static int fg_coverage_run(const FgShellWord *w, size_t n, size_t i, FgBuf *desc,
                           const char *name) {
  if (i + 1 >= n || strcmp(w[i + 1].text, "run") != 0)
    return -1;
  for (size_t j = i + 2; j < n; j++) {
    if (strcmp(w[j].text, "-m") == 0)
      return j + 1 < n && strcmp(w[j + 1].text, "pytest") == 0
                 ? (fg_buf_printf(desc, "%s run -m pytest", name), (int)(j + 2))
                 : -1;
    if (w[j].dynamic)
      continue; /* an option not known (`$branch_option`): -m pytest may follow */
    if (w[j].text[0] != '-')
      return fg_is_pytest_exe(w[j].text)
                 ? (fg_buf_printf(desc, "%s run pytest", name), (int)(j + 1))
                 : -1;
    /* --rcfile=x, --source=x, -p, --parallel-mode, --branch: no separate value
     * except the few short options that take one */
    if (strcmp(w[j].text, "--rcfile") == 0 || strcmp(w[j].text, "--source") == 0 ||
        strcmp(w[j].text, "--include") == 0 || strcmp(w[j].text, "--omit") == 0)
      j++;
  }
  return -1;
}

static int fg_launcher_at(const FgShellWord *w, size_t n, size_t i, FgBuf *desc,
                          int depth) {
  if (i >= n || depth > 8)
    return -1;
  const char *t = w[i].text;
  if (fg_is_pytest_exe(t)) {
    fg_buf_puts(desc, "pytest");
    return (int)(i + 1);
  }
  if (fg_is_python_exe(t) || fg_python_unknown(&w[i], w, n, i)) {
    int r = fg_python_m_pytest(w, n, i);
    if (r >= 0) {
      fg_buf_puts(desc, "python -m pytest");
      return r;
    }
    /* python -m coverage run -m pytest */
    const char *mod = NULL;
    size_t script = 0;
    size_t m = fg_python_module_arg(w, n, i, &mod, &script);
    if (m && strcmp(mod, "coverage") == 0)
      return fg_coverage_run(w, n, m, desc, "python -m coverage");
    return -1;
  }
  if (strcmp(fg_base(t), "coverage") == 0)
    return fg_coverage_run(w, n, i, desc, "coverage");
  const char *b = fg_base(t);
  if ((strcmp(b, "uv") == 0 || strcmp(b, "poetry") == 0 || strcmp(b, "pdm") == 0 ||
       strcmp(b, "pipenv") == 0 || strcmp(b, "hatch") == 0 || strcmp(b, "rye") == 0 ||
       strcmp(b, "pixi") == 0) &&
      i + 1 < n &&
      (strcmp(w[i + 1].text, "run") == 0 ||
       (strcmp(b, "pixi") == 0 && strcmp(w[i + 1].text, "r") == 0))) {
    size_t j = i + 2;
    /* options of the runner itself, with their values */
    while (j < n && w[j].text[0] == '-') {
      const char *o = w[j].text;
      bool takes_value = !strchr(o, '=') &&
                         (strcmp(o, "--with") == 0 || strcmp(o, "--python") == 0 ||
                          strcmp(o, "-p") == 0 || strcmp(o, "--extra") == 0 ||
                          strcmp(o, "--group") == 0 || strcmp(o, "--env-file") == 0 ||
                          strcmp(o, "--directory") == 0 || strcmp(o, "--project") == 0 ||
                          strcmp(o, "--package") == 0 || strcmp(o, "-e") == 0 ||
                          strcmp(o, "--env") == 0 || strcmp(o, "--environment") == 0 ||
                          strcmp(o, "--manifest-path") == 0);
      j += takes_value ? 2 : 1;
      if (strcmp(o, "--") == 0)
        break; /* `pixi run -e x -- python -m pytest` */
    }
    /* hatch run ENV:pytest */
    if (j < n && strcmp(b, "hatch") == 0 && strchr(w[j].text, ':') &&
        fg_is_pytest_exe(strchr(w[j].text, ':') + 1)) {
      fg_buf_printf(desc, "hatch run %s", w[j].text);
      return (int)(j + 1);
    }
    FgBuf inner = {0};
    int r = fg_launcher_at(w, n, j, &inner, depth + 1);
    if (r >= 0)
      fg_buf_printf(desc, "%s run %s", b, inner.data);
    fg_buf_free(&inner);
    return r;
  }
  if (fg_is_wrapper(t)) {
    size_t j = i + 1;
    while (j < n && (w[j].text[0] == '-' || strchr(w[j].text, '='))) {
      /* timeout -s KILL / -k 5: options with values */
      if ((strcmp(b, "timeout") == 0 &&
           (strcmp(w[j].text, "-s") == 0 || strcmp(w[j].text, "-k") == 0)) ||
          (strcmp(b, "xvfb-run") == 0 &&
           (strcmp(w[j].text, "-s") == 0 || strcmp(w[j].text, "-n") == 0)))
        j++;
      j++;
    }
    if (strcmp(b, "timeout") == 0 && j < n)
      j++; /* the duration */
    return fg_launcher_at(w, n, j, desc, depth + 1);
  }
  return -1;
}

int fg_pytest_launcher(const FgShellWord *words, size_t n, char **launcher) {
  FgBuf desc = {0};
  int r = fg_launcher_at(words, n, 0, &desc, 0);
  if (r < 0) {
    fg_buf_free(&desc);
    if (launcher)
      *launcher = NULL;
    return -1;
  }
  if (launcher)
    *launcher = fg_buf_take(&desc);
  else
    fg_buf_free(&desc);
  return r;
}

/* ---- paths ------------------------------------------------------------------ */

char *fg_path_join(const char *dir, const char *rel) {
  FG_VEC(char *) parts = {0};
  char *buf = rel[0] == '/' ? fg_xstrdup(rel + 1)
                            : (*dir ? fg_xasprintf("%s/%s", dir, rel) : fg_xstrdup(rel));
  char *save = NULL;
  for (char *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
    if (strcmp(tok, ".") == 0)
      continue;
    if (strcmp(tok, "..") == 0) {
      if (parts.len)
        parts.len--;
      continue;
    }
    fg_vec_push(&parts, tok);
  }
  FgBuf out = {0};
  for (size_t i = 0; i < parts.len; i++) {
    if (i)
      fg_buf_putc(&out, '/');
    fg_buf_puts(&out, parts.items[i]);
  }
  fg_vec_free(&parts);
  free(buf);
  return fg_buf_take(&out);
}

/* ---- options -------------------------------------------------------------- */

/* The entry of the NULL-ended list equal to o, or NULL. */
static const char *fg_opt_in(const char *const *list, const char *o) {
  for (const char *const *p = list; *p; p++)
    if (strcmp(o, *p) == 0)
      return *p;
  return NULL;
}

/* pytest (and common plugins') options whose value is the next word. */
static bool fg_opt_takes_value(const char *o) {
  static const char *const opts[] = {
      "-n", "--numprocesses", "-m", "-k", "-p", "-c", "-o", "--override-ini", "--dist",
      "--maxprocesses", "--tx", "-W", "--pythonwarnings", "--rootdir", "--confcutdir",
      "--basetemp", "--junitxml", "--junit-xml", "--junit-prefix", "--cov-report",
      "--cov-config", "--cov-context", "--cov-fail-under", "--timeout",
      "--timeout-method", "--durations", "--durations-min", "--maxfail", "--log-level",
      "--log-file", "--log-cli-level", "--log-format", "--ignore", "--ignore-glob",
      "--deselect", "--import-mode", "-r", "--tb", "--color", "--capture", "--reruns",
      "--reruns-delay", "--randomly-seed", "--html", "--json-report-file",
      "--benchmark-json", "--benchmark-columns", "--benchmark-sort",
      "--benchmark-group-by", "--benchmark-min-time", "--benchmark-max-time",
      "--benchmark-min-rounds", "--benchmark-timer", "--benchmark-calibration-precision",
      "--benchmark-warmup-iterations", "--benchmark-storage", "--benchmark-save",
      "--benchmark-name", "--benchmark-cprofile", "--benchmark-time-unit",
      "--benchmark-compare-fail", "--codspeed-mode", "--codspeed-warmup-time",
      "--codspeed-max-time", "--codspeed-max-rounds", "--cache-dir", "--log-cli-format",
      "--show-capture", "--doctest-glob",
      /* the rest of pytest's own */
      "--config-file", "--assert", "--code-highlight", "--doctest-report",
      "--last-failed-no-failures", "--lfnf", "--log-auto-indent", "--log-cli-date-format",
      "--log-date-format", "--log-file-date-format", "--log-file-format",
      "--log-file-level", "--log-file-mode", "--pastebin", "--pdbcls", "--verbosity",
      /* pytest-xdist, pytest-timeout */
      "--max-worker-restart", "--maxschedchunk", "--rsyncdir", "--rsyncignore",
      "--testrunuid", "--timeout_method", "--session-timeout",
      /* plugins CI runs often */
      "--report-log", "--alluredir", "--splits", "--group", "--splitting-algorithm",
      "--durations-path", "--count", "--repeat-scope", "--hypothesis-profile",
      "--hypothesis-seed", "--hypothesis-verbosity", "--only-rerun", "--rerun-except",
      "--random-order-bucket", "--random-order-seed", "--ds", "--dc", "--asyncio-mode",
      "--mpl-baseline-path", "--mpl-results-path", "--mpl-generate-path",
      "--mpl-hash-library", "--mpl-generate-hash-library", "--css", "--parallel-threads",
      "--iterations", NULL};
  return fg_opt_in(opts, o) != NULL;
}

/* pytest's (and common plugins') options that take no value: the word after
 * one is a test path, whatever is on disk; short ones may come together
 * (`-qq`, `-svx`). */
static bool fg_opt_is_flag(const char *o) {
  static const char *const flags[] = {"--collect-only",
                                      "--co",
                                      "--exitfirst",
                                      "--showlocals",
                                      "--last-failed",
                                      "--lf",
                                      "--failed-first",
                                      "--ff",
                                      "--new-first",
                                      "--nf",
                                      "--stepwise",
                                      "--sw",
                                      "--sw-skip",
                                      "--pdb",
                                      "--trace",
                                      "--strict-markers",
                                      "--strict-config",
                                      "--strict",
                                      "--doctest-modules",
                                      "--doctest-continue-on-failure",
                                      "--runxfail",
                                      "--cache-clear",
                                      "--no-header",
                                      "--no-summary",
                                      "--disable-warnings",
                                      "--disable-pytest-warnings",
                                      "--fulltrace",
                                      "--full-trace",
                                      "--setup-only",
                                      "--setup-plan",
                                      "--setup-show",
                                      "--fixtures",
                                      "--fixtures-per-test",
                                      "--markers",
                                      "--version",
                                      "--help",
                                      "--pyargs",
                                      "--keep-duplicates",
                                      "--noconftest",
                                      "--continue-on-collection-errors",
                                      "--verbose",
                                      "--quiet",
                                      "--capture=no",
                                      "--cov-append",
                                      "--cov-branch",
                                      "--no-cov",
                                      "--no-cov-on-fail",
                                      "--cov-reset",
                                      "--looponfail",
                                      "--forked",
                                      "--boxed",
                                      "--benchmark-skip",
                                      "--benchmark-only",
                                      "--benchmark-disable",
                                      "--benchmark-autosave",
                                      "--doctest-plus",
                                      "--doctest-rst",
                                      "--arraydiff",
                                      "--mpl",
                                      "--instafail",
                                      "--nomigrations",
                                      "--no-migrations",
                                      "--create-db",
                                      "--reuse-db",
                                      "--hypothesis-show-statistics",
                                      "--randomly-dont-reorganize",
                                      "--random-order",
                                      "--codspeed",
                                      "--memray",
                                      "--testmon",
                                      "--picked",
                                      NULL};
  if (fg_opt_in(flags, o))
    return true;
  if (o[0] != '-' || o[1] == '-' || !o[1])
    return false;
  for (const char *c = o + 1; *c; c++)
    if (!strchr("qvxslVhf", *c))
      return false;
  return true;
}

/* The options with which pytest collects, lists or prints and runs no
 * test: the option's name (static), else NULL. */
static const char *fg_opt_runs_no_test(const char *o) {
  static const char *const opts[] = {"--collect-only",
                                     "--co",
                                     "--fixtures",
                                     "--funcargs",
                                     "--fixtures-per-test",
                                     "--markers",
                                     "--setup-plan",
                                     "--version",
                                     "-V",
                                     "--help",
                                     "-h",
                                     "--cache-show",
                                     NULL};
  return fg_opt_in(opts, o);
}

typedef struct FgOptView {
  const char *name;  /* "-n", "--numprocesses", ... */
  const char *value; /* NULL if none */
  int consumed;      /* words used: 1, 2, or more for a project option */
} FgOptView;

/* The option a conftest.py of the project registers as w, or NULL. */
static const FgPyOptDecl *fg_project_opt(const FgRunContext *ctx, const char *w) {
  for (size_t i = 0; ctx && i < ctx->nproject_opts; i++)
    if (strcmp(ctx->project_opts[i].name, w) == 0)
      return &ctx->project_opts[i];
  return NULL;
}

/* Splits "-nauto", "-n=4", "--numprocesses=4", "-n 4", "-m expr"; a
 * project option takes the words its nargs says, as argparse does. */
static FgOptView fg_opt_view(const FgRunContext *ctx, char *const *words, size_t n,
                             size_t i, char *scratch, size_t scratch_len) {
  FgOptView v = {words[i], NULL, 1};
  const char *w = words[i];
  if (w[0] == '-' && w[1] == '-') {
    const char *eq = strchr(w, '=');
    if (eq) {
      size_t k = (size_t)(eq - w) < scratch_len - 1 ? (size_t)(eq - w) : scratch_len - 1;
      memcpy(scratch, w, k);
      scratch[k] = '\0';
      v.name = scratch;
      v.value = eq + 1;
      return v;
    }
  } else if (w[0] == '-' && w[1] && w[2]) {
    /* a short option with its value attached: -nauto, -n=4, -mslow, -kfoo */
    char c = w[1];
    if (c == 'n' || c == 'm' || c == 'k' || c == 'p' || c == 'c' || c == 'o' ||
        c == 'W' || c == 'r') {
      scratch[0] = '-';
      scratch[1] = c;
      scratch[2] = '\0';
      v.name = scratch;
      /* argparse reads `-X=value` as `value` for every short option */
      v.value = w[2] == '=' ? w + 3 : w + 2;
      return v;
    }
  }
  const FgPyOptDecl *d = fg_project_opt(ctx, w);
  if (d) {
    size_t k = 0; /* the words after w it takes */
    if (d->nargs == FG_PO_OPTIONAL || d->nargs == FG_PO_MANY) {
      /* argparse takes words up to the next option: one at most for "?" */
      while (i + 1 + k < n && words[i + 1 + k][0] != '-' &&
             (d->nargs == FG_PO_MANY || k < 1))
        k++;
    } else {
      k = (size_t)d->nargs < n - i - 1 ? (size_t)d->nargs : n - i - 1;
    }
    v.value = k ? words[i + 1] : NULL;
    v.consumed = 1 + (int)k;
    return v;
  }
  if (fg_opt_takes_value(w) && i + 1 < n) {
    v.value = words[i + 1];
    v.consumed = 2;
  } else if ((strcmp(w, "--cov") == 0 || strcmp(w, "--remote-data") == 0 ||
              strcmp(w, "--debug") == 0 || strcmp(w, "--cache-show") == 0) &&
             i + 1 < n && words[i + 1][0] != '-') {
    /* pytest-cov's --cov (pytest-remotedata's --remote-data, pytest's
     * --debug and --cache-show) takes an optional value (argparse
     * nargs='?'), which then is the next word unless it is an option: in
     * `--cov src tests` src is covered, not collected */
    v.value = words[i + 1];
    v.consumed = 2;
  }
  return v;
}

static bool fg_xdist_count_on(const char *value) {
  if (!value)
    return false;
  if (strcmp(value, "auto") == 0 || strcmp(value, "logical") == 0)
    return true;
  char *end = NULL;
  long k = strtol(value, &end, 10);
  if (end == value)
    return true; /* ${{ }} or $VAR: could be anything, assume workers */
  return k > 0;
}

static const char *fg_origin_name(const FgOpt *o, const FgRunContext *ctx) {
  switch (o->origin) {
  case FG_ORIGIN_INI:
    return ctx->ini_name ? ctx->ini_name : "the pytest config";
  case FG_ORIGIN_ENV:
    return "PYTEST_ADDOPTS";
  case FG_ORIGIN_LAUNCHER:
    return ctx->runner_name ? ctx->runner_name : "the runner script";
  default:
    return ctx->cmdline_name ? ctx->cmdline_name : "the command line";
  }
}

/* An -m value that holds expansions selects at most what its static tail
 * selects when it reads `<prefix> and TAIL` or `${X:+(...) and }TAIL` (the
 * split forkguard writes for a -m built from a shell value): the tail,
 * parsed, as an upper bound; NULL otherwise. */
static FgMarkExpr *fg_run_m_bound(const char *text) {
  const char *tail = NULL;
  int depth = 0;
  for (const char *c = text; *c;) {
    const char *e = fg_shell_expansion_end(c);
    if (e) {
      /* an expansion whose value ends in `and ` conjoins what follows */
      const char *a = c;
      const char *last_and = NULL;
      for (const char *k = strstr(a, " and "); k && k < e; k = strstr(k + 1, " and "))
        last_and = k;
      if (last_and && depth == 0)
        tail = e;
      c = e;
      continue;
    }
    if (*c == '(')
      depth++;
    else if (*c == ')' && depth)
      depth--;
    else if (depth == 0 && strncmp(c, " and ", 5) == 0)
      tail = c + 5;
    c++;
  }
  if (!tail || strchr(tail, '$'))
    return NULL;
  char *err = NULL;
  FgMarkExpr *m = fg_markexpr_parse(tail, &err);
  free(err);
  return m;
}

/* A tox substitution tox left as written (`{env:X:}`, `{posargs}`,
 * `{[testenv]deps}`, `{tty:a:b}`): its value is not known. */
static bool fg_is_tox_substitution(const char *w) {
  for (const char *b = strchr(w, '{'); b; b = strchr(b + 1, '{')) {
    const char *e = strchr(b, '}');
    if (!e)
      return false;
    const char *in = b + 1;
    if (fg_str_startswith(in, "env:") || fg_str_startswith(in, "posargs") ||
        fg_str_startswith(in, "tty:") || in[0] == '[' || fg_str_startswith(in, "env_") ||
        fg_str_startswith(in, "envdir") || fg_str_startswith(in, "envsitepackagesdir") ||
        fg_str_startswith(in, "envtmpdir") || fg_str_startswith(in, "temp_dir") ||
        fg_str_startswith(in, "work_dir") || fg_str_startswith(in, "envbindir"))
      return true;
  }
  return false;
}

/* Is the effective option i a word whose value is not known? */
static bool fg_opt_unknown(const FgRun *self, size_t i) {
  const FgOpt *o = &self->opts.items[i];
  if (o->origin != FG_ORIGIN_CMDLINE || o->arg < 0)
    return false;
  const FgArg *a = &self->args.items[o->arg];
  return a->dynamic || (self->via && fg_is_tox_substitution(a->text));
}

static void fg_run_unknown(FgRun *self, const char *text) {
  for (size_t i = 0; i < self->unknown.len; i++)
    if (strcmp(self->unknown.items[i], text) == 0)
      return;
  fg_vec_push(&self->unknown, fg_xstrdup(text));
}

/* Does the path (relative to the root) exist? Unknown roots say yes. */
static bool fg_run_path_exists(const FgRunContext *ctx, const char *rel) {
  if (!ctx->root)
    return true;
  char *full = fg_xasprintf("%s/%s", ctx->root, *rel ? rel : ".");
  fg_inputs_note(full);
  bool ok = access(full, F_OK) == 0;
  free(full);
  return ok;
}

static void fg_run_analyse(FgRun *self, const FgRunContext *ctx, const char *cwd) {
  size_t n = self->opts.len;
  bool pyargs = false;
  for (size_t i = 0; i < n; i++)
    pyargs |= strcmp(self->opts.items[i].text, "--pyargs") == 0;
  char **words = fg_xmalloc((n ? n : 1) * sizeof(char *));
  for (size_t i = 0; i < n; i++)
    words[i] = self->opts.items[i].text;
  const char *project_dir = ctx->project_dir ? ctx->project_dir : "";
  bool any_positional = false;
  bool after_dashdash = false;
  char *m_raw = NULL; /* the last -m's value as written, when not known */
  self->xdist_arg = -1;
  self->m_arg = -1;
  for (size_t i = 0; i < n;) {
    const FgOpt *o = &self->opts.items[i];
    const char *w = words[i];
    bool cmdline = o->origin == FG_ORIGIN_CMDLINE;
    /* a runner script's own words are read in the same directory */
    bool local = cmdline || o->origin == FG_ORIGIN_LAUNCHER;
    if (fg_opt_unknown(self, i)) {
      /* not known: never a path, and no option we can read */
      fg_run_unknown(self, w);
      i++;
      continue;
    }
    if (after_dashdash || w[0] != '-' || strcmp(w, "-") == 0) {
      /* positional. addopts paths are rare; pytest reads them as words of
       * the command line, from where it runs. A project's own runs take
       * them from its root (they start there); below the repository root
       * from the run's directory, since a sibling's run gets this
       * project's settings too and must not reach it through them. */
      char *path = fg_xstrdup(w);
      char *colons = strstr(path, "::");
      if (colons)
        *colons = '\0';
      bool package = pyargs && !strchr(path, '/') && !fg_str_endswith(path, ".py");
      if (package)
        for (char *d = strchr(path, '.'); d; d = strchr(d, '.'))
          *d = '/'; /* --pyargs pkg.sub: the package's directory */
      bool from_cwd = local || *project_dir;
      char *full = fg_path_join(from_cwd && !package ? cwd : project_dir, path);
      if (package && !fg_run_path_exists(ctx, full)) {
        /* the package as installed is its source tree: at the root or in src/ */
        char *src_dir = fg_path_join(project_dir, "src");
        char *in_src = fg_path_join(src_dir, path);
        free(src_dir);
        if (fg_run_path_exists(ctx, in_src)) {
          free(full);
          full = in_src;
        } else {
          free(in_src);
        }
      }
      /* a bare word right after an option, naming nothing on disk */
      /* a project option before it took the words it takes: this is none */
      bool value_like =
          local && !package && !after_dashdash && i > 0 &&
          !fg_project_opt(ctx, words[i - 1]) && !fg_opt_is_flag(words[i - 1]) &&
          words[i - 1][0] == '-' && words[i - 1][1] && !strchr(words[i - 1], '=') &&
          !strchr(w, '/') && !fg_str_endswith(path, ".py") && !strstr(w, "::");
      if (!value_like || fg_run_path_exists(ctx, full)) {
        fg_vec_push(&self->paths, full);
        any_positional = true;
      } else {
        /* pytest stops on a path that does not exist: in a run that works
         * a bare word after an option is that option's value
         * (`--run-optional no_jupyter`) */
        fg_vec_push(
            &self->notes,
            fg_xasprintf("`%s` is no file or directory: read as an option's value", w));
        free(full);
      }
      free(path);
      i++;
      continue;
    }
    if (strcmp(w, "--") == 0) {
      after_dashdash = true;
      i++;
      continue;
    }
    char scratch[64];
    FgOptView v = fg_opt_view(ctx, words, n, i, scratch, sizeof scratch);
    /* the option's value is a word of its own that is not known */
    bool value_unknown = v.consumed == 2 && fg_opt_unknown(self, i + 1);
    if (value_unknown)
      fg_run_unknown(self, v.value);
    if (!self->no_tests) /* collects, lists or prints only */
      self->no_tests = fg_opt_runs_no_test(v.name);
    if (strcmp(v.name, "-m") == 0 && value_unknown) {
      /* -m with a value not known: which tests it keeps is not known */
      self->m_unknown = true;
      free(self->mexpr);
      self->mexpr = NULL;
      free(m_raw);
      m_raw = fg_xstrdup(v.value); /* as written, for fg_run_m_bound */
      self->m_arg = cmdline ? o->arg : -1;
    } else if (strcmp(v.name, "-k") == 0 && value_unknown) {
      free(self->kexpr);
      self->kexpr = NULL;
    } else if ((strcmp(v.name, "--ignore") == 0 || strcmp(v.name, "--ignore-glob") == 0 ||
                strcmp(v.name, "--deselect") == 0) &&
               value_unknown) {
      /* ignoring something not known: the rest is still collected */
    } else if (strcmp(v.name, "-n") == 0 || strcmp(v.name, "--numprocesses") == 0) {
      self->xdist = fg_xdist_count_on(v.value);
      free(self->xdist_why);
      self->xdist_why = fg_xasprintf("%s %s%s %s %s", v.name, v.value ? v.value : "",
                                     value_unknown ? " (value not known)" : "",
                                     cmdline ? "on" : "in", fg_origin_name(o, ctx));
      self->xdist_arg = cmdline ? o->arg : -1;
    } else if (strcmp(v.name, "--tx") == 0 || strcmp(v.name, "-d") == 0) {
      if (strcmp(v.name, "--tx") == 0) {
        self->xdist = true;
        free(self->xdist_why);
        self->xdist_why =
            fg_xasprintf("--tx %s %s", cmdline ? "on" : "in", fg_origin_name(o, ctx));
        self->xdist_arg = cmdline ? o->arg : -1;
      }
    } else if (strcmp(v.name, "--dist") == 0 && v.value) {
      free(self->dist);
      self->dist = fg_xstrdup(v.value);
    } else if (strcmp(v.name, "-p") == 0 && v.value && strcmp(v.value, "no:xdist") == 0) {
      self->xdist_disabled_by_plugin = true;
    } else if (strcmp(v.name, "-m") == 0 && v.value) {
      free(self->mexpr);
      self->mexpr = fg_xstrdup(v.value);
      self->m_unknown = false;
      free(m_raw);
      m_raw = NULL;
      self->m_arg = cmdline ? o->arg : -1;
    } else if (strcmp(v.name, "-k") == 0 && v.value) {
      free(self->kexpr);
      self->kexpr = fg_xstrdup(v.value);
    } else if (strcmp(v.name, "--ignore") == 0 && v.value) {
      fg_vec_push(&self->ignores, fg_path_join(local ? cwd : "", v.value));
    } else if (strcmp(v.name, "--ignore-glob") == 0 && v.value) {
      fg_vec_push(&self->ignore_globs, fg_path_join(local ? cwd : "", v.value));
    } else if (strcmp(v.name, "--deselect") == 0 && v.value) {
      fg_vec_push(&self->deselects, fg_path_join(local ? cwd : "", v.value));
    } else if (fg_str_startswith(v.name, "--cov")) {
      self->uses_cov = true;
    } else if (strcmp(v.name, "--timeout") == 0) {
      self->uses_timeout = true;
    }
    i += (size_t)v.consumed;
  }
  self->enabler = ctx->enabler_file != NULL;
  if (!self->xdist_why && ctx->enabler_file) {
    /* pytest-enabler adds `-n auto` when xdist is installed and no -n is given */
    self->xdist = true;
    self->xdist_why =
        fg_xasprintf("pytest-enabler with pytest-xdist in %s", ctx->enabler_file);
  }
  if (self->xdist_disabled_by_plugin)
    self->xdist = false;
  if (!any_positional) {
    /* pytest uses testpaths when run from the rootdir with no paths */
    if (strcmp(cwd, project_dir) == 0 && ctx->ntestpaths) {
      for (size_t i = 0; i < ctx->ntestpaths; i++)
        fg_vec_push(&self->paths, fg_path_join(project_dir, ctx->testpaths[i]));
    } else {
      fg_vec_push(&self->paths, fg_xstrdup(cwd));
    }
  }
  char *err = NULL;
  if (self->mexpr) {
    self->m = fg_markexpr_parse(self->mexpr, &err);
    free(err);
    err = NULL;
    if (!self->m)
      self->m = fg_run_m_bound(self->mexpr);
  }
  /* an -m not known whose written form bounds it (`${X:+($X) and }not M`) */
  if (!self->m && m_raw)
    self->m = fg_run_m_bound(m_raw);
  free(m_raw);
  if (self->kexpr) {
    self->k = fg_markexpr_parse(self->kexpr, &err);
    free(err);
  }
  free(words);
}

static void fg_run_push_opt(FgRun *self, const char *text, FgArgOrigin origin, int arg) {
  FgOpt o = {fg_xstrdup(text), origin, arg};
  fg_vec_push(&self->opts, o);
}

static void fg_run_push_shlex(FgRun *self, const char *text, FgArgOrigin origin) {
  FgShlex *sx = fg_shlex_split(text, strlen(text));
  for (size_t i = 0; i < sx->nwords; i++)
    fg_run_push_opt(self, sx->words[i].text, origin, -1);
  fg_shlex_delete(sx);
}

/* PYTEST_ADDOPTS as the step sees it: step env over job env over workflow
 * env, and an assignment prefix on the command over all of them. */
static const char *fg_env_addopts(const FgWorkflow *wf, const FgJob *job,
                                  const FgStep *step) {
  const FgYamlNode *levels[3] = {step->env, job->env, wf->env};
  for (int i = 0; i < 3; i++) {
    const char *v = fg_yaml_str(fg_yaml_deref(fg_yaml_get(levels[i], "PYTEST_ADDOPTS")));
    if (v)
      return v;
  }
  return NULL;
}

/* "tox env a, make b" -> "tox env a", "make b" */
static void fg_split_hops(FgStrVec *out, const char *via) {
  const char *p = via;
  for (;;) {
    const char *e = strstr(p, ", ");
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n)
      fg_vec_push(out, fg_xstrndup(p, n));
    if (!e)
      break;
    p = e + 2;
  }
}

static FgRun *fg_run_build(const FgWorkflow *wf, const FgJob *job, const FgStep *step,
                           const FgShellCommand *cmd, const char *cwd,
                           const FgRunContext *ctx, const FgRunAnchor *anchor) {
  char *launcher = NULL;
  int first = -1;
  if (ctx->runner_end > 0 && ctx->runner_end <= cmd->nwords) {
    first = (int)ctx->runner_end;
    launcher = fg_xasprintf("python %s", ctx->runner_name ? ctx->runner_name : "script");
  } else {
    first = fg_pytest_launcher(cmd->words, cmd->nwords, &launcher);
  }
  if (first < 0)
    return NULL;
  FgRun *self = fg_xcalloc(1, sizeof *self);
  self->wf = wf;
  self->job = job;
  self->step = step;
  self->launcher = launcher;
  self->workdir = fg_xstrdup(cwd);
  const FgScript *sc = step->script;
  if (anchor) {
    self->exact = false;
    self->start = anchor->start;
    self->end = anchor->end;
    self->launcher_end = anchor->end;
    self->via = fg_xstrdup(anchor->via);
    self->via_src = anchor->src;
    self->via_start = anchor->line_start;
    self->via_end = anchor->line_end;
    self->via_kind = anchor->kind;
    if (anchor->runner)
      self->via_runner = fg_xstrdup(anchor->runner);
    if (anchor->chain) {
      for (size_t i = 0; i < anchor->chain->len; i++)
        fg_vec_push(&self->via_chain, fg_xstrdup(anchor->chain->items[i]));
    } else if (anchor->via) {
      fg_split_hops(&self->via_chain, anchor->via);
    }
  } else {
    self->exact = sc->exact;
    self->mapped = sc->mapped;
    self->start = fg_script_file_offset(sc, cmd->start);
    self->end = sc->mapped ? fg_script_file_offset(sc, cmd->end) : step->run->end;
    self->launcher_end = fg_script_file_offset(sc, cmd->words[first - 1].end);
  }

  if (ctx->cells)
    fg_cells_merge(&self->cells, ctx->cells);
  for (size_t i = 0; i < ctx->nini_addopts; i++)
    fg_run_push_opt(self, ctx->ini_addopts[i], FG_ORIGIN_INI, -1);
  const char *env = ctx->env_addopts ? ctx->env_addopts : fg_env_addopts(wf, job, step);
  const char *env_unknown = ctx->env_addopts ? ctx->env_addopts_unknown : NULL;
  for (size_t i = 0; i < cmd->nassigns; i++)
    if (fg_str_startswith(cmd->assigns[i].text, "PYTEST_ADDOPTS=")) {
      env =
          cmd->assigns[i].dynamic ? "" : cmd->assigns[i].text + strlen("PYTEST_ADDOPTS=");
      env_unknown = cmd->assigns[i].dynamic ? cmd->assigns[i].text : NULL;
    }
  if (env_unknown) {
    fg_run_unknown(self, env_unknown);
    fg_vec_push(&self->notes,
                fg_xasprintf("PYTEST_ADDOPTS (`%s`) not known", env_unknown));
  }
  if (env)
    fg_run_push_shlex(self, env, FG_ORIGIN_ENV);
  for (size_t i = 0; i < ctx->nrunner_words; i++)
    fg_run_push_opt(self, ctx->runner_words[i], FG_ORIGIN_LAUNCHER, -1);
  for (size_t i = (size_t)first; i < cmd->nwords; i++) {
    const FgShellWord *w = &cmd->words[i];
    FgArg a = {fg_xstrdup(w->text), self->start, self->start, w->dynamic, w->derived};
    if (!anchor) {
      a.start = fg_script_file_offset(sc, w->start);
      a.end = sc->mapped ? fg_script_file_offset(sc, w->end) : a.start;
    }
    fg_vec_push(&self->args, a);
    fg_run_push_opt(self, w->text, FG_ORIGIN_CMDLINE, (int)self->args.len - 1);
  }
  fg_run_analyse(self, ctx, cwd);
  return self;
}

FgRun *fg_run_new(const FgWorkflow *wf, const FgJob *job, const FgStep *step,
                  const FgShellCommand *cmd, const char *cwd, const FgRunContext *ctx) {
  return fg_run_build(wf, job, step, cmd, cwd, ctx, NULL);
}

FgRun *fg_run_new_launched(const FgWorkflow *wf, const FgJob *job, const FgStep *step,
                           const FgShellCommand *cmd, const char *cwd,
                           const FgRunContext *ctx, const FgRunAnchor *anchor) {
  return fg_run_build(wf, job, step, cmd, cwd, ctx, anchor);
}

void fg_run_xdist_span(const FgRun *self, size_t *start, size_t *end) {
  *start = self->start;
  *end = self->launcher_end;
  /* a launched run whose deciding -n is the step's own word after `--` */
  for (size_t k = 0; !self->exact && self->xdist_arg >= 0 && k < self->posargs.len; k++) {
    const FgArg *p = &self->posargs.items[k];
    if (p->derived || strcmp(p->text, self->args.items[self->xdist_arg].text) != 0)
      continue;
    *start = p->start;
    *end = p->end;
    if ((strcmp(p->text, "-n") == 0 || strcmp(p->text, "--numprocesses") == 0) &&
        k + 1 < self->posargs.len)
      *end = self->posargs.items[k + 1].end;
    return;
  }
  if (self->xdist_arg < 0 || !self->mapped)
    return;
  const FgArg *a = &self->args.items[self->xdist_arg];
  *start = a->start;
  *end = a->end;
  /* `-n auto`: cover the value too */
  if ((strcmp(a->text, "-n") == 0 || strcmp(a->text, "--numprocesses") == 0) &&
      (size_t)self->xdist_arg + 1 < self->args.len)
    *end = self->args.items[self->xdist_arg + 1].end;
}

char *fg_run_where(const FgRun *self) {
  return fg_ci_where(self->wf, self->job, self->step, &self->callers, self->via);
}

char *fg_ci_where(const FgWorkflow *wf, const FgJob *job, const FgStep *st,
                  const FgStrVec *callers, const char *via) {
  char *step = fg_step_label(st);
  const char *wname = wf->name ? wf->name : wf->src->path;
  /* a multi-line flow or escaped scalar has no map back to the file (an
   * action's script is not in it: it points at its `uses:`) */
  bool approximate = st->script && !st->script->mapped && !st->action_script;
  const char *approx = approximate ? " (position approximate: the run: scalar is "
                                     "multi-line or escaped)"
                                   : "";
  FgBuf called = {0};
  for (size_t i = 0; i < callers->len && i < 3; i++)
    fg_buf_printf(&called, "%s%s", i ? ", " : " (called from ", callers->items[i]);
  if (callers->len > 3)
    fg_buf_printf(&called, " +%zu more", callers->len - 3);
  if (callers->len)
    fg_buf_putc(&called, ')');
  char *s = fg_xasprintf("%s%s \xE2\x80\xBA job %s \xE2\x80\xBA step \"%s\"%s%s%s", wname,
                         called.data ? called.data : "", job->id, step,
                         via ? " via " : "", via ? via : "", approx);
  fg_buf_free(&called);
  free(step);
  return s;
}

char *fg_run_unknown_note(const FgRun *self) {
  if (!self->unknown.len)
    return NULL;
  FgBuf b = {0};
  fg_buf_puts(&b, "arguments from ");
  for (size_t i = 0; i < self->unknown.len && i < 4; i++)
    fg_buf_printf(&b, "%s`%s`", i ? ", " : "", self->unknown.items[i]);
  if (self->unknown.len > 4)
    fg_buf_printf(&b, " (+%zu more)", self->unknown.len - 4);
  fg_buf_puts(&b, " not known");
  return fg_buf_take(&b);
}

bool fg_run_same(const FgRun *a, const FgRun *b) {
  if (a->wf != b->wf || a->job != b->job || a->step != b->step || a->start != b->start ||
      a->end != b->end || !fg_str_eq(a->via, b->via) ||
      !fg_str_eq(a->workdir, b->workdir) || a->via_src != b->via_src ||
      a->via_start != b->via_start || a->opts.len != b->opts.len ||
      a->args.len != b->args.len || a->launcher_end != b->launcher_end ||
      a->maybe != b->maybe)
    return false;
  for (size_t i = 0; i < a->opts.len; i++)
    if (strcmp(a->opts.items[i].text, b->opts.items[i].text) != 0 ||
        a->opts.items[i].origin != b->opts.items[i].origin)
      return false;
  for (size_t i = 0; i < a->args.len; i++)
    if (a->args.items[i].start != b->args.items[i].start ||
        a->args.items[i].dynamic != b->args.items[i].dynamic)
      return false;
  return true;
}

void fg_run_delete(FgRun *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->posargs.len; i++)
    free(self->posargs.items[i].text);
  fg_vec_free(&self->posargs);
  fg_strvec_free(&self->via_chain);
  fg_cells_free(&self->cells);
  fg_strvec_free(&self->unknown);
  fg_strvec_free(&self->notes);
  fg_strvec_free(&self->callers);
  free(self->via);
  free(self->via_runner);
  fg_strvec_free(&self->via_chain);
  free(self->launcher);
  for (size_t i = 0; i < self->args.len; i++)
    free(self->args.items[i].text);
  fg_vec_free(&self->args);
  fg_vec_free(&self->pool_tests);
  for (size_t i = 0; i < self->opts.len; i++)
    free(self->opts.items[i].text);
  fg_vec_free(&self->opts);
  free(self->workdir);
  free(self->xdist_why);
  free(self->dist);
  free(self->mexpr);
  free(self->kexpr);
  fg_markexpr_delete(self->m);
  fg_markexpr_delete(self->k);
  fg_strvec_free(&self->paths);
  fg_strvec_free(&self->ignores);
  fg_strvec_free(&self->ignore_globs);
  fg_strvec_free(&self->deselects);
  free(self);
}
