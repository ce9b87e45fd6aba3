#include "fix/split_opts.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/shell.h"

/* ---- expansions in an -m value ---------------------------------------------- */

/* Past the expansion starting at s in dialect d, or NULL when none starts
 * there: $X, ${...}, $(...), ${{ ... }}, `...`; in tox, {...}. */
static const char *so_expansion_end(const char *s, FgSplitDialect d) {
  if (d == FG_SPLIT_TOX && s[0] == '{') {
    const char *e = strchr(s, '}');
    return e ? e + 1 : NULL;
  }
  if (s[0] == '`') {
    const char *e = strchr(s + 1, '`');
    return e ? e + 1 : NULL;
  }
  return fg_shell_expansion_end(s);
}

typedef enum SoShape {
  SO_STATIC,  /* no expansion */
  SO_SINGLE,  /* exactly one expansion, nothing else */
  SO_MIXED,   /* expansions and literal words: never empty */
  SO_UNKNOWN, /* only expansions, or one that cannot be read */
} SoShape;

static SoShape so_shape(const char *v, size_t n, FgSplitDialect d) {
  size_t nexp = 0;
  bool literal = false;
  for (size_t i = 0; i < n;) {
    const char *e = so_expansion_end(v + i, d);
    if (e && (size_t)(e - v) <= n) {
      nexp++;
      i = (size_t)(e - v);
      continue;
    }
    if (v[i] == '$' || (d == FG_SPLIT_TOX && v[i] == '{'))
      return SO_UNKNOWN; /* an expansion that does not close */
    if (v[i] != ' ' && v[i] != '\t')
      literal = true;
    i++;
  }
  if (!nexp)
    return SO_STATIC;
  if (literal)
    return SO_MIXED;
  return nexp == 1 ? SO_SINGLE : SO_UNKNOWN;
}

/* Is `$X` / `${X}` a plain variable (no `:-`, `#`, `[`...)? *name gets it. */
static bool so_plain_var(const char *v, size_t n, char **name) {
  size_t a = 1, b = n;
  if (n > 3 && v[1] == '{' && v[n - 1] == '}') {
    a = 2;
    b = n - 1;
  }
  if (a >= b)
    return false;
  for (size_t i = a; i < b; i++)
    if (!(isalnum((unsigned char)v[i]) || v[i] == '_'))
      return false;
  *name = fg_xstrndup(v + a, b - a);
  return true;
}

/* The conditional prefix that reads `(<value>) and ` when the single
 * expansion v is not empty and `` when it is; NULL when the dialect has
 * none. */
static char *so_conditional(const char *v, size_t n, FgSplitDialect d) {
  if (n > 5 && strncmp(v, "${{", 3) == 0) {
    /* an Actions expression, substituted before the shell runs */
    const char *in = v + 3;
    size_t len = n - 5;
    while (len && (*in == ' ' || *in == '\t')) {
      in++;
      len--;
    }
    while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
      len--;
    return fg_xasprintf("${{ %.*s && format('({0}) and ', %.*s) || '' }}", (int)len, in,
                        (int)len, in);
  }
  char *name = NULL;
  if (d == FG_SPLIT_SHELL && so_plain_var(v, n, &name)) {
    char *s = fg_xasprintf("${%s:+(%.*s) and }", name, (int)n, v);
    free(name);
    return s;
  }
  if (d == FG_SPLIT_MAKE && n > 3 && v[0] == '$' && (v[1] == '(' || v[1] == '{')) {
    return fg_xasprintf("$(if %.*s,(%.*s) and )", (int)n, v, (int)n, v);
  }
  return NULL;
}

/* Does s[0..n) read as one parenthesised group, `( ... )`? */
static bool so_one_group(const char *s, size_t n) {
  if (n < 2 || s[0] != '(' || s[n - 1] != ')')
    return false;
  int depth = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '(')
      depth++;
    else if (s[i] == ')' && --depth == 0 && i + 1 < n)
      return false;
  }
  return true;
}

static bool so_ends_with(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && strncmp(s + n - k, suffix, k) == 0;
}

/* The run's -m value as written in the workflow (one level of quotes
 * removed), so that an expansion keeps its spelling instead of one value
 * CI gives it; NULL when it cannot be read back. */
static char *so_written_m(const FgRun *run) {
  if (run->via || !run->exact || run->m_arg < 0)
    return NULL;
  const FgArg *a = &run->args.items[run->m_arg];
  const char *d = run->wf->src->data;
  size_t start = a->start, end = a->end;
  if (strcmp(a->text, "-m") == 0) {
    if ((size_t)run->m_arg + 1 >= run->args.len)
      return NULL;
    start = run->args.items[run->m_arg + 1].start;
    end = run->args.items[run->m_arg + 1].end;
  } else {
    start += 2 + (d[start + 2] == '=');
  }
  if (end <= start || end > run->wf->src->len)
    return NULL;
  if (end - start >= 2 && (d[start] == '"' || d[start] == '\'') &&
      d[end - 1] == d[start]) {
    start++;
    end--;
  }
  for (size_t i = start; i < end; i++)
    if (d[i] == '"' || d[i] == '\'' || d[i] == '\\' || d[i] == '\n')
      return NULL; /* mixed quoting: not one word's value */
  return fg_xstrndup(d + start, end - start);
}

char *fg_split_expr(const FgRun *run, const char *marker, bool serial, FgSplitDialect d,
                    const char **why) {
  char *written = so_written_m(run);
  if (!written && run->m_unknown) {
    *why = "the value of -m is not known";
    return NULL;
  }
  char *e = fg_split_expr_of(written ? written : run->mexpr, marker, serial, d, why);
  free(written);
  return e;
}

char *fg_split_expr_of(const char *old, const char *marker, bool serial, FgSplitDialect d,
                       const char **why) {
  *why = NULL;
  char *term = serial ? fg_xstrdup(marker) : fg_xasprintf("not %s", marker);
  while (old && (*old == ' ' || *old == '\t'))
    old++;
  size_t n = old ? strlen(old) : 0;
  while (n && (old[n - 1] == ' ' || old[n - 1] == '\t'))
    n--;
  if (!n)
    return term;
  char *notm = fg_xasprintf("not %s", marker);
  char *andnot = fg_xasprintf(" and %s", notm);
  char *expr = NULL;
  SoShape shape = so_shape(old, n, d);
  if (serial && n == strlen(notm) && strncmp(old, notm, n) == 0) {
    expr = fg_xstrdup(marker); /* the parallel half of a split made before */
  } else if (serial && shape != SO_STATIC && so_ends_with(old, n, notm) &&
             n > strlen(notm) && old[n - strlen(notm) - 1] == '}') {
    /* `${X:+($X) and }not M`: the same prefix, the marker itself */
    expr = fg_xasprintf("%.*s%s", (int)(n - strlen(notm)), old, marker);
  } else if (serial && so_ends_with(old, n, andnot) && n > strlen(andnot)) {
    size_t k = n - strlen(andnot);
    expr = so_one_group(old, k) ? fg_xasprintf("%.*s and %s", (int)k, old, marker)
                                : fg_xasprintf("(%.*s) and %s", (int)k, old, marker);
  } else if (shape == SO_STATIC || shape == SO_MIXED) {
    expr = fg_xasprintf("(%.*s) and %s", (int)n, old, term);
  } else if (shape == SO_SINGLE) {
    char *cond = so_conditional(old, n, d);
    if (cond)
      expr = fg_xasprintf("%s%s", cond, term);
    else
      *why = d == FG_SPLIT_TOX
                 ? "-m comes from a tox substitution, which may be empty and "
                   "tox cannot test for it; split it by hand"
                 : "-m comes from an expansion that may be empty; split it "
                   "by hand";
    free(cond);
  } else {
    *why = "-m is built from several values that may all be empty; split it by hand";
  }
  free(notm);
  free(andnot);
  free(term);
  return expr;
}

/* ---- coverage ---------------------------------------------------------------- */

bool fg_split_uses_cov(const FgProject *p, const FgRun *run) {
  if (run->uses_cov)
    return true;
  /* pytest-enabler turns on --cov when pytest-cov is installed */
  return run->enabler && p->pytest_cfg && p->pytest_cfg->has_cov_dep;
}

/* ---- reports ----------------------------------------------------------------- */

static const char *const so_report_opts[] = {"--junitxml", "--junit-xml",
                                             "--json-report-file", NULL};

int fg_split_report_value(const FgRun *run, size_t i) {
  const char *w = run->args.items[i].text;
  for (const char *const *o = so_report_opts; *o; o++) {
    size_t k = strlen(*o);
    if (strncmp(w, *o, k) == 0 && w[k] == '=')
      return (int)i;
    if (strcmp(w, *o) == 0 && i + 1 < run->args.len)
      return (int)i + 1;
  }
  return -1;
}

size_t fg_split_report_insert(const char *data, size_t start, size_t end) {
  size_t e = end;
  if (e > start && (data[e - 1] == '"' || data[e - 1] == '\''))
    e--;
  for (size_t i = e; i > start; i--) {
    char c = data[i - 1];
    if (c == '/' || c == '=' || c == '}' || c == ' ')
      break;
    if (c == '.' && i - 1 > start && data[i - 2] != '/' && data[i - 2] != '=')
      return i - 1;
  }
  return e;
}

/* `<value>-serial` before the extension, for a value given as text. */
static char *so_serial_name(const char *v) {
  size_t at = fg_split_report_insert(v, 0, strlen(v));
  return fg_xasprintf("%.*s-serial%s", (int)at, v, v + at);
}

void fg_split_report_extras(const FgRun *run, FgBuf *out) {
  bool json_report = false, json_file = false;
  const char *junit = NULL;
  for (size_t i = 0; i < run->opts.len; i++) {
    const FgOpt *o = &run->opts.items[i];
    const char *w = o->text;
    if (strcmp(w, "--json-report") == 0)
      json_report = true;
    if (fg_str_startswith(w, "--json-report-file"))
      json_file = true;
    if (o->origin == FG_ORIGIN_CMDLINE)
      continue;
    if (fg_str_startswith(w, "--junitxml=") || fg_str_startswith(w, "--junit-xml="))
      junit = strchr(w, '=') + 1;
    else if ((strcmp(w, "--junitxml") == 0 || strcmp(w, "--junit-xml") == 0) &&
             i + 1 < run->opts.len)
      junit = run->opts.items[i + 1].text;
  }
  bool junit_on_line = false;
  for (size_t i = 0; i < run->args.len; i++)
    if (fg_str_startswith(run->args.items[i].text, "--junit"))
      junit_on_line = true;
  if (junit && !junit_on_line && !strchr(junit, ' ')) {
    char *name = so_serial_name(junit);
    fg_buf_printf(out, " --junitxml=%s", name);
    free(name);
  }
  if (json_report && !json_file)
    fg_buf_puts(out, " --json-report-file=.report-serial.json");
}
