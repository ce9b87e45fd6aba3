#include "fix/serial_step.h"

#include "fix/split_opts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Is this run argument one xdist owns (removed from the serial copy)?
 * Returns how many words it spans (0: not xdist's). */
static size_t fg_ss_xdist_words(const FgRun *run, size_t i) {
  const char *w = run->args.items[i].text;
  static const char *const with_value[] = {
      "-n", "--numprocesses", "--dist", "--maxprocesses", "--tx", NULL};
  for (const char *const *o = with_value; *o; o++) {
    size_t n = strlen(*o);
    if (strcmp(w, *o) == 0)
      return i + 1 < run->args.len ? 2 : 1;
    if (strncmp(w, *o, n) == 0 && w[n] == '=')
      return 1;
  }
  if (w[0] == '-' && w[1] == 'n' && w[2] && w[1] != '-')
    return 1; /* -nauto, -n4, -n=4 */
  return 0;
}

/* A YAML plain scalar needs quotes when its plain form would not read
 * back as the same string. */
static bool fg_ss_needs_quotes(const char *s) {
  if (!*s || strchr("*&!{}[]|>'\"%@`#,?:-", s[0]) || s[0] == ' ')
    return true;
  if (strstr(s, ": ") || strstr(s, " #") || s[strlen(s) - 1] == ' ' ||
      s[strlen(s) - 1] == ':')
    return true;
  return false;
}

static char *fg_ss_yaml_scalar(const char *s) {
  if (!fg_ss_needs_quotes(s))
    return fg_xstrdup(s);
  FgBuf b = {0};
  fg_buf_putc(&b, '\'');
  for (const char *c = s; *c; c++) {
    if (*c == '\'')
      fg_buf_putc(&b, '\'');
    fg_buf_putc(&b, *c);
  }
  fg_buf_putc(&b, '\'');
  return fg_buf_take(&b);
}

typedef struct FgSpanEdit {
  size_t start, end;
  char *text;
  size_t seq; /* insertions at one offset apply in the order pushed */
} FgSpanEdit;

typedef FG_VEC(FgSpanEdit) FgSpanEdits;

static void fg_ss_push(FgSpanEdits *v, size_t start, size_t end, const char *text) {
  FgSpanEdit e = {start, end, fg_xstrdup(text), v->len};
  fg_vec_push(v, e);
}

/* By start; at the same start an insertion goes before a replacement, so
 * both apply (qsort is not stable: the order must not depend on it). */
/* Edits a scalar node in place to read `value + suffix`, in the node's own
 * style: inside a quoted scalar the suffix goes before the closing quote
 * (escaped for that style); a plain one is quoted only when the longer
 * plain form would not read back. */
static void fg_ss_push_suffix(FgSpanEdits *ed, const FgSource *src,
                              const FgYamlNode *node, const char *suffix) {
  if (node->style == FG_YAML_SINGLE_QUOTED || node->style == FG_YAML_DOUBLE_QUOTED) {
    char q = node->style == FG_YAML_SINGLE_QUOTED ? '\'' : '"';
    size_t close = node->end;
    if (close > node->start && src->data[close - 1] == q) {
      FgBuf b = {0};
      for (const char *c = suffix; *c; c++) {
        if (*c == q || (q == '"' && *c == '\\'))
          fg_buf_putc(&b, q == '"' ? '\\' : '\'');
        fg_buf_putc(&b, *c);
      }
      fg_ss_push(ed, close - 1, close - 1, b.data ? b.data : "");
      fg_buf_free(&b);
      return;
    }
  }
  char *full = fg_xasprintf("%s%s", node->value, suffix);
  if (fg_ss_needs_quotes(full)) {
    char *q = fg_ss_yaml_scalar(full);
    fg_ss_push(ed, node->start, node->end, q);
    free(q);
  } else {
    fg_ss_push(ed, node->end, node->end, suffix);
  }
  free(full);
}

static int fg_ss_edit_cmp(const void *a, const void *b) {
  const FgSpanEdit *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Applies edits (absolute file offsets inside [from, to)) to a copy of
 * that region of the file. */
static char *fg_ss_apply_region(const FgSource *src, size_t from, size_t to,
                                FgSpanEdits *ed) {
  if (ed->len > 1)
    qsort(ed->items, ed->len, sizeof(FgSpanEdit), fg_ss_edit_cmp);
  FgBuf b = {0};
  size_t at = from;
  for (size_t i = 0; i < ed->len; i++) {
    FgSpanEdit *e = &ed->items[i];
    if (e->start < at || e->end > to)
      continue;
    fg_buf_append(&b, src->data + at, e->start - at);
    fg_buf_puts(&b, e->text);
    at = e->end;
  }
  fg_buf_append(&b, src->data + at, to - at);
  for (size_t i = 0; i < ed->len; i++)
    free(ed->items[i].text);
  fg_vec_free(ed);
  return fg_buf_take(&b);
}

char *fg_serial_step_m_option(const char *expr, bool yaml_double_quoted) {
  bool simple = true;
  for (const char *c = expr; *c; c++)
    if (!(isalnum((unsigned char)*c) || *c == '_'))
      simple = false;
  if (simple)
    return fg_xasprintf("-m %s", expr);
  if (yaml_double_quoted)
    return fg_xasprintf("-m \\\"%s\\\"", expr);
  return fg_xasprintf(strchr(expr, '"') ? "-m '%s'" : "-m \"%s\"", expr);
}

/* How many leading arguments to keep before the -m goes in the serial
 * copy: everything up to the last argument that is not xdist's. */
static size_t fg_ss_last_kept(const FgRun *run) {
  size_t keep = 0;
  for (size_t i = 0; i < run->args.len;) {
    size_t n = fg_ss_xdist_words(run, i);
    if (!n) {
      keep = ++i;
      continue;
    }
    i += n;
  }
  return keep;
}

/* Edits the -m of a run (replacing the old one, or appending): into ed. */
static void fg_ss_edit_m(const FgRun *run, const char *marker, bool serial, size_t nargs,
                         FgSpanEdits *ed) {
  const char *why = NULL;
  char *expr = fg_split_expr(run, marker, serial, FG_SPLIT_SHELL, &why);
  if (!expr)
    expr = fg_xstrdup(marker); /* not reached: fg_serial_step_no_fix said so */
  char *opt =
      fg_serial_step_m_option(expr, run->step->run->style == FG_YAML_DOUBLE_QUOTED);
  if (run->step->run->style == FG_YAML_SINGLE_QUOTED && strchr(opt, '\'')) {
    FgBuf q = {0}; /* a single-quoted YAML scalar doubles its quotes */
    for (const char *c = opt; *c; c++) {
      if (*c == '\'')
        fg_buf_putc(&q, '\'');
      fg_buf_putc(&q, *c);
    }
    free(opt);
    opt = fg_buf_take(&q);
  }
  if (run->m_arg >= 0) {
    const FgArg *a = &run->args.items[run->m_arg];
    size_t end = a->end;
    if ((strcmp(a->text, "-m") == 0) && (size_t)run->m_arg + 1 < run->args.len)
      end = run->args.items[run->m_arg + 1].end;
    fg_ss_push(ed, a->start, end, opt);
  } else {
    size_t at = nargs ? run->args.items[nargs - 1].end : run->launcher_end;
    char *text = fg_xasprintf(" %s", opt);
    fg_ss_push(ed, at, at, text);
    free(text);
  }
  free(opt);
  free(expr);
}

/* Start of the line holding offset. */
static size_t fg_ss_line_start(const FgSource *src, size_t off) {
  while (off > 0 && src->data[off - 1] != '\n' && src->data[off - 1] != '\r')
    off--;
  return off;
}

/* Just past the line break of the line holding offset. */
static size_t fg_ss_line_end(const FgSource *src, size_t off) {
  while (off < src->len && src->data[off] != '\n')
    off++;
  return off < src->len ? off + 1 : off;
}

bool fg_serial_step_xdist_elsewhere(const FgRun *run) {
  /* pytest-enabler turns xdist back on in a copy with no -n */
  bool elsewhere = run->enabler;
  for (size_t i = 0; i < run->opts.len; i++) {
    const char *o = run->opts.items[i].text;
    if (run->opts.items[i].origin != FG_ORIGIN_CMDLINE &&
        (fg_str_startswith(o, "-n") || fg_str_startswith(o, "--numprocesses")))
      elsewhere = true;
  }
  return elsewhere;
}

/* Can argument i be edited where it is written? A word that came from an
 * expansion can, when it is the whole of what is written there (`-n
 * ${{ matrix.workers }}`), not when it shares its bytes with other words or
 * with the launcher (`$PYTEST` holding `pytest -n 4`). */
static bool fg_ss_editable(const FgRun *run, size_t i) {
  const FgArg *a = &run->args.items[i];
  if (!a->derived)
    return true;
  if (a->start < run->launcher_end || a->start == a->end)
    return false;
  for (size_t k = 0; k < run->args.len; k++)
    if (k != i && run->args.items[k].start < a->end && a->start < run->args.items[k].end)
      return false;
  return true;
}

/* Why no byte-exact fix exists for this run, or NULL when one does. */
const char *fg_serial_step_no_fix(const FgRun *run) {
  const FgStep *st = run->step;
  if (!st->run)
    return "the step has no `run:`";
  if (st->node->style == FG_YAML_FLOW)
    return "flow-style step";
  if (st->run->style == FG_YAML_FOLDED)
    return "folded scalar (`run: >`)";
  if (run->via)
    return "the pytest command is written in another file (tox.ini, Makefile)";
  if (!run->exact)
    return "the command's bytes are not written as-is in the file (escapes)";
  if (run->m_arg < 0 && run->mexpr)
    return "-m comes from addopts or PYTEST_ADDOPTS";
  const char *why = NULL;
  free(fg_split_expr(run, "m", false, FG_SPLIT_SHELL, &why));
  if (why)
    return why;
  if (run->m_arg >= 0 && !fg_ss_editable(run, (size_t)run->m_arg))
    return "-m comes from an expression or a shell variable";
  for (size_t i = 0; i < run->args.len;) {
    size_t n = fg_ss_xdist_words(run, i);
    for (size_t k = i; k < i + n; k++)
      if (!fg_ss_editable(run, k))
        return "xdist's options come from an expression or a shell variable";
    i += n ? n : 1;
  }
  return NULL;
}

/* Where the step's text ends: past the line break of its last line, and
 * past the blank lines a keep-chomped block scalar (`|+`) holds. */
static size_t fg_ss_step_end(const FgSource *src, const FgStep *st) {
  size_t end = fg_ss_line_end(src, st->node->end);
  const FgYamlNode *last = st->run;
  if (!last || last->end < st->node->end || last->style != FG_YAML_LITERAL)
    return end;
  size_t p = last->start;
  while (p < src->len && src->data[p] == '|')
    p++;
  while (p < src->len && (isdigit((unsigned char)src->data[p]) || src->data[p] == '-'))
    p++;
  if (p >= src->len || src->data[p] != '+')
    return end;
  for (;;) {
    size_t q = end;
    while (q < src->len && (src->data[q] == ' ' || src->data[q] == '\t'))
      q++;
    if (q < src->len && (src->data[q] == '\n' || src->data[q] == '\r'))
      end = fg_ss_line_end(src, q);
    else
      return end;
  }
}

/* Is the command at [start, end) of the script a statement of its own (not
 * in a pipeline, an `&&` / `||` list or a condition)? */
static bool fg_ss_standalone(const FgSource *src, const FgStep *st, size_t start,
                             size_t end) {
  const char *d = src->data;
  size_t b = start;
  while (b > st->run->start && (d[b - 1] == ' ' || d[b - 1] == '\t'))
    b--;
  bool open = b == st->run->start || d[b - 1] == '\n' || d[b - 1] == ';' ||
              (b == st->run->start + 1 && (d[b - 1] == '"' || d[b - 1] == '\''));
  size_t e = end;
  while (e < src->len && (d[e] == ' ' || d[e] == '\t'))
    e++;
  bool close = e >= st->run->end || d[e] == '\n' || d[e] == '\r' || d[e] == '#' ||
               (d[e] == ';' && (e + 1 >= src->len || d[e + 1] != ';')) ||
               (e + 1 == st->run->end && (d[e] == '"' || d[e] == '\''));
  return open && close;
}

/* Does the step run in a POSIX shell on every cell of its job? An explicit
 * bash / sh does; with no shell, GitHub uses pwsh on Windows, so every cell
 * must be known not to be Windows. */
static bool fg_ss_posix_shell(const FgProject *p, const FgRun *run) {
  const char *shell = run->step->shell ? run->step->shell : run->job->default_shell;
  if (shell)
    return fg_str_startswith(shell, "bash") || fg_str_startswith(shell, "sh");
  const FgCells *cells = fg_ci_cells(&p->ci, run->job);
  for (size_t i = 0; i < cells->items.len; i++) {
    const char *os = cells->items.items[i].os;
    if (!os || strstr(os, "windows") || strstr(os, "Windows"))
      return false;
  }
  return cells->items.len > 0;
}

/* What the serial copy's command gains besides its -m: `-n 0` when xdist
 * comes from elsewhere, `--cov-append` when coverage is on from any source,
 * report files of its own, `coverage run -a`, and an empty selection
 * (pytest's exit code 5) that succeeds without hiding a failure. */
static void fg_ss_serial_extras(const FgProject *p, const FgRun *run, FgSpanEdits *ed) {
  const FgSource *src = run->wf->src;
  const FgStep *st = run->step;
  for (size_t i = 0; i < run->args.len; i++) {
    int v = fg_split_report_value(run, i);
    if (v < 0)
      continue;
    const FgArg *a = &run->args.items[v];
    size_t at = fg_split_report_insert(src->data, a->start, a->end);
    fg_ss_push(ed, at, at, "-serial");
    i = (size_t)v;
  }
  const char *cov = fg_memmem(src->data + run->start, run->launcher_end - run->start,
                              "coverage run", 12);
  if (cov && !fg_memmem(cov, (size_t)(src->data + run->launcher_end - cov), " -a", 3) &&
      !fg_memmem(cov, (size_t)(src->data + run->launcher_end - cov), "--append", 8) &&
      !fg_memmem(cov, (size_t)(src->data + run->launcher_end - cov), " -p", 3) &&
      !fg_memmem(cov, (size_t)(src->data + run->launcher_end - cov), "--parallel", 10)) {
    size_t at = (size_t)(cov - src->data) + 12;
    fg_ss_push(ed, at, at, " -a");
  }
  FgSpanEdits med = {0};
  fg_ss_edit_m(run, p->marker, true, fg_ss_last_kept(run), &med);
  FgSpanEdit m = med.items[0];
  bool xdist_elsewhere = fg_serial_step_xdist_elsewhere(run);
  FgBuf more = {0};
  fg_buf_printf(&more, "%s%s%s", m.text, xdist_elsewhere ? " -n 0" : "",
                fg_split_uses_cov(p, run) ? " --cov-append" : "");
  fg_split_report_extras(run, &more);
  free(m.text);
  m.text = fg_buf_take(&more);
  m.seq = ed->len;
  fg_vec_push(ed, m);
  fg_vec_free(&med);
  /* exit code 5 (nothing selected) is success; any other failure still
   * fails (in a POSIX shell: pwsh has no `test`) */
  bool plain_start = st->run->style == FG_YAML_PLAIN && run->start == st->run->start;
  if (!fg_ss_posix_shell(p, run)) {
    /* left as it was: an empty selection fails there as before */
  } else if (run->via_kind != FG_VIA_NONE) {
    /* through a launcher (tox, nox, a runner script: the split is in the
     * step's words after `--`) pytest's 5 need not reach the shell as 5:
     * nox and tox 3 report any failure as 1. The copy keeps the step's own
     * paths, which select the marked tests, so it is not empty */
  } else if (fg_ss_standalone(src, st, run->start, run->end)) {
    fg_ss_push(ed, run->end, run->end, " || test $? -eq 5");
  } else if (!plain_start) {
    fg_ss_push(ed, run->start, run->start, "{ ");
    fg_ss_push(ed, run->end, run->end, " || test $? -eq 5; }");
  }
}

FgFix *fg_serial_step_fix(const FgProject *p, const FgRun *run, bool deselect) {
  const FgStep *st = run->step;
  const FgSource *src = run->wf->src;
  if (fg_serial_step_no_fix(run))
    return NULL;
  const char *marker = p->marker;
  const char *eol = fg_source_eol(src);

  /* the step as written: from its dash to the end of its last line */
  size_t key_start = st->node->start;
  size_t line0 = fg_ss_line_start(src, key_start);
  size_t dash = key_start;
  while (dash > line0 && src->data[dash - 1] == ' ')
    dash--;
  if (dash == line0 || src->data[dash - 1] != '-')
    return NULL; /* not a block sequence item we can copy */
  dash--;
  size_t step_end = fg_ss_step_end(src, st);
  /* the step ends the file with no final newline: the copy starts with a
   * line break and the file still ends without one */
  bool open_end = step_end == src->len && src->len && !src->final_newline;

  /* 1. the copy, edited: name, id, run (xdist out, -m marker in), timeout */
  FgSpanEdits ed = {0};
  for (size_t i = 0; i < run->args.len;) {
    size_t n = fg_ss_xdist_words(run, i);
    if (!n) {
      i++;
      continue;
    }
    /* drop the words and the blank before them; a continuation line that
     * held nothing else goes whole */
    size_t from = run->args.items[i].start;
    size_t to = run->args.items[i + n - 1].end;
    while (from > line0 && (src->data[from - 1] == ' ' || src->data[from - 1] == '\t'))
      from--;
    size_t after = to;
    while (after < src->len && (src->data[after] == ' ' || src->data[after] == '\t'))
      after++;
    bool alone = from == fg_ss_line_start(src, from) && after < src->len &&
                 src->data[after] == '\\' &&
                 (after + 1 == src->len || src->data[after + 1] == '\n' ||
                  src->data[after + 1] == '\r');
    if (alone)
      to = fg_ss_line_end(src, after);
    fg_ss_push(&ed, from, to, "");
    i += n;
  }
  fg_ss_serial_extras(p, run, &ed);

  char *label = st->name ? fg_xstrdup(st->name) : fg_xstrdup("pytest");
  char *name = fg_xasprintf("%s (%s, serial)", label, marker);
  char *qname = fg_ss_yaml_scalar(name);
  const FgYamlNode *name_node = fg_yaml_get(st->node, "name");
  if (name_node && name_node->kind == FG_YAML_SCALAR) {
    char *suffix = fg_xasprintf(" (%s, serial)", marker);
    fg_ss_push_suffix(&ed, src, name_node, suffix);
    free(suffix);
  } else {
    char *text = fg_xasprintf("name: %s%s%*s", qname, eol, (int)(key_start - line0), "");
    fg_ss_push(&ed, key_start, key_start, text);
    free(text);
  }
  const FgYamlNode *id_node = fg_yaml_get(st->node, "id");
  if (id_node && id_node->kind == FG_YAML_SCALAR)
    fg_ss_push_suffix(&ed, src, id_node, "-serial");
  /* a comment after a one-line run describes the parallel run: not copied */
  const FgYamlNode *rn = st->run;
  if (rn->style == FG_YAML_PLAIN || rn->style == FG_YAML_SINGLE_QUOTED ||
      rn->style == FG_YAML_DOUBLE_QUOTED) {
    size_t c = rn->end;
    while (c < src->len && (src->data[c] == ' ' || src->data[c] == '\t'))
      c++;
    if (c < src->len && src->data[c] == '#') {
      size_t e = c;
      while (e < src->len && src->data[e] != '\n' && src->data[e] != '\r')
        e++;
      fg_ss_push(&ed, rn->end, e, "");
    }
  }
  char *copy = fg_ss_apply_region(src, line0, step_end, &ed);
  FgBuf step = {0};
  if (open_end)
    fg_buf_puts(&step, eol);
  fg_buf_puts(&step, copy);
  if (!st->timeout_minutes)
    fg_buf_printf(&step, "%s%*stimeout-minutes: %d", open_end ? eol : "",
                  (int)(key_start - line0), "", p->config->timeout_minutes);
  if (!st->timeout_minutes && !open_end)
    fg_buf_puts(&step, eol);
  free(copy);

  FgFix *fix = deselect
                   ? fg_fix_new(FG_FIX_SAFE,
                                "deselect `%s` tests here and run them in a serial "
                                "step \"%s\"",
                                marker, name)
                   : fg_fix_new(FG_FIX_SAFE, "run `%s` tests in a serial step \"%s\"",
                                marker, name);
  if (deselect) {
    /* 2. the parallel run deselects the marked tests */
    FgSpanEdits ped = {0};
    fg_ss_edit_m(run, marker, false, run->args.len, &ped);
    fg_fix_add_edit(fix, src, ped.items[0].start, ped.items[0].end, ped.items[0].text);
    free(ped.items[0].text);
    fg_vec_free(&ped);
  }
  fg_fix_add_edit(fix, src, step_end, step_end, step.data);
  fg_buf_free(&step);
  (void)dash;
  free(qname);
  free(name);
  free(label);
  return fix;
}

const char *fg_serial_step_posargs_no_fix(const FgRun *run) {
  bool own_m = false;
  for (size_t i = 0; i < run->posargs.len; i++) {
    const char *t = run->posargs.items[i].text;
    own_m = own_m || strcmp(t, "-m") == 0 || (t[0] == '-' && t[1] == 'm' && t[2]);
  }
  if (run->posargs.len && run->mexpr && !own_m)
    return "-n comes from the step's words after `--` and -m from the launcher's line: "
           "another -m after `--` would replace it; split by hand";
  return NULL;
}

FgFix *fg_serial_step_posargs_fix(const FgProject *p, const FgRun *run) {
  if (!run->posargs.len || !run->step->script || !run->step->script->exact)
    return NULL;
  /* the step split on its own words: the words after `--` stand for
   * pytest's command line, the launcher's line for what is elsewhere */
  FgRun shadow = *run;
  shadow.via = NULL;
  shadow.exact = true;
  shadow.launcher_end = run->posargs_at;
  shadow.args.items = run->posargs.items;
  shadow.args.len = shadow.args.cap = run->posargs.len;
  shadow.m_arg = -1;
  shadow.xdist_arg = -1;
  bool own_n = false;
  for (size_t i = 0; i < run->posargs.len; i++) {
    const char *t = run->posargs.items[i].text;
    if (strcmp(t, "-m") == 0 || (t[0] == '-' && t[1] == 'm' && t[2]))
      shadow.m_arg = (int)i;
    if (fg_ss_xdist_words(&shadow, i) && strncmp(t, "--dist", 6) != 0)
      own_n = true;
  }
  /* -m on the launcher's line: the split would change its meaning */
  if (fg_serial_step_posargs_no_fix(run))
    return NULL;
  if (!own_n)
    return NULL; /* xdist is not the step's: the launcher's file decides */
  /* the options: the step's words are the command line, the rest (the
   * launcher's line) counts as set elsewhere, so the copy gets `-n 0`
   * when that line turns xdist on too */
  FG_VEC(FgOpt) opts = {0};
  size_t at = run->opts.len;
  for (size_t i = 0; i + run->posargs.len <= run->opts.len && at == run->opts.len; i++) {
    bool same = true;
    for (size_t k = 0; k < run->posargs.len && same; k++)
      same = run->opts.items[i + k].origin == FG_ORIGIN_CMDLINE &&
             strcmp(run->opts.items[i + k].text, run->posargs.items[k].text) == 0;
    if (same)
      at = i;
  }
  if (at == run->opts.len)
    return NULL;
  for (size_t i = 0; i < run->opts.len; i++) {
    FgOpt o = run->opts.items[i];
    bool mine = i >= at && i < at + run->posargs.len;
    if (!mine && o.origin == FG_ORIGIN_CMDLINE)
      o.origin = FG_ORIGIN_LAUNCHER;
    o.arg = mine ? (int)(i - at) : -1;
    fg_vec_push(&opts, o);
  }
  shadow.opts.items = opts.items;
  shadow.opts.len = shadow.opts.cap = opts.len;
  FgFix *fix =
      fg_serial_step_no_fix(&shadow) ? NULL : fg_serial_step_fix(p, &shadow, true);
  fg_vec_free(&opts);
  return fix;
}
