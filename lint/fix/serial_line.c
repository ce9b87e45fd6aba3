#include "fix/serial_line.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fix/serial_step.h"
#include "fix/split_opts.h"

/* One word of the line as written: its span in the file and its text with
 * quotes removed. `{...}` (tox substitutions) and `$(...)` / `${...}` (make
 * variables) stay one word even with blanks inside. */
typedef struct FgSlWord {
  size_t start, end;
  char *text;
} FgSlWord;

typedef FG_VEC(FgSlWord) FgSlWords;

static bool fg_sl_blank(const char *s, size_t i, size_t to) {
  if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
    return true;
  /* a line continuation */
  return s[i] == '\\' && i + 1 < to && (s[i + 1] == '\n' || s[i + 1] == '\r');
}

static void fg_sl_words(const char *s, size_t from, size_t to, FgSlWords *out) {
  size_t i = from;
  for (;;) {
    while (i < to && fg_sl_blank(s, i, to))
      i++;
    if (i >= to)
      return;
    FgSlWord w = {i, i, NULL};
    FgBuf b = {0};
    int depth = 0;
    char quote = 0;
    for (; i < to; i++) {
      char c = s[i];
      if (quote) {
        if (c == quote)
          quote = 0;
        else
          fg_buf_putc(&b, c);
        continue;
      }
      if (!depth && fg_sl_blank(s, i, to))
        break;
      if (!depth && (c == '\'' || c == '"')) {
        quote = c;
        continue;
      }
      if (c == '{' || (c == '(' && i > from && s[i - 1] == '$'))
        depth++;
      else if ((c == '}' || c == ')') && depth)
        depth--;
      fg_buf_putc(&b, c);
    }
    w.end = i;
    w.text = b.data ? fg_buf_take(&b) : fg_xstrdup("");
    fg_vec_push(out, w);
  }
}

static void fg_sl_words_free(FgSlWords *v) {
  for (size_t i = 0; i < v->len; i++)
    free(v->items[i].text);
  fg_vec_free(v);
}

/* How many words from i are one of xdist's options (0: not xdist's). */
static size_t fg_sl_xdist_words(const FgSlWords *v, size_t i) {
  const char *w = v->items[i].text;
  static const char *const with_value[] = {
      "-n", "--numprocesses", "--dist", "--maxprocesses", "--tx", NULL};
  for (const char *const *o = with_value; *o; o++) {
    size_t n = strlen(*o);
    if (strcmp(w, *o) == 0)
      return i + 1 < v->len ? 2 : 1;
    if (strncmp(w, *o, n) == 0 && w[n] == '=')
      return 1;
  }
  if (w[0] == '-' && w[1] == 'n' && w[2])
    return 1; /* -nauto, -n4 */
  return 0;
}

static bool fg_sl_has_xdist(const FgSlWords *v, size_t from) {
  for (size_t i = from; i < v->len; i++)
    if (fg_sl_xdist_words(v, i))
      return true;
  return false;
}

/* The line of a launched run, as written. */
typedef struct FgSlLine {
  const FgSource *src;
  bool tox;
  size_t body, end; /* the command: after the factor / recipe prefix */
  FgSlWords words;
  size_t first;  /* the first pytest argument */
  int m;         /* the -m word, or -1 */
  size_t m_n;    /* how many words it spans */
  int posargs;   /* the {posargs...} word, or -1 */
  FgSlWords def; /* the words of {posargs:DEFAULT} */
  size_t def_from, def_to;
  bool literal_n; /* an xdist option is written on the line */
} FgSlLine;

static const char *fg_sl_base(const char *w) {
  const char *s = strrchr(w, '/');
  return s ? s + 1 : w;
}

static char *fg_sl_expr(const FgRun *run, const FgSlLine *l, const char *marker,
                        bool serial, const char **why);

/* Is w the word that starts pytest on the line (pytest, py.test, or the
 * runner script that stands for it)? */
static bool fg_sl_is_pytest(const FgRun *run, const char *w) {
  const char *b = fg_sl_base(w);
  if (strcmp(b, "pytest") == 0 || strcmp(b, "py.test") == 0)
    return true;
  return run->via_runner && strcmp(b, fg_sl_base(run->via_runner)) == 0;
}

/* Why a launched run's line cannot be split, by the kind of file it is
 * written in; NULL for the kinds this file edits when the run points at
 * its line. */
static const char *fg_sl_kind_why(const FgRun *run) {
  switch (run->via_kind) {
  case FG_VIA_TOX_INI:
  case FG_VIA_MAKE:
  case FG_VIA_SCRIPT:
    return run->via_src ? NULL : "the line in its file runs more than one command";
  case FG_VIA_TOX_TOML:
    return "the command is an argument array in tox.toml / [tool.tox]; split it by hand";
  case FG_VIA_PIXI:
    return "the command is a pixi task; split the task by hand";
  case FG_VIA_NOX:
    return "the command is a session.run(...) call in noxfile.py; split the session by "
           "hand";
  case FG_VIA_HATCH:
    return "the command is a hatch script; split the script by hand";
  case FG_VIA_SPIN:
    return "pytest runs inside `spin test`; split the step by hand";
  case FG_VIA_CIBW:
    return "pytest runs as cibuildwheel's test-command; deselect `no_parallel` there by "
           "hand";
  case FG_VIA_PYRUNNER:
    return "pytest runs inside a runner script (pytest.main); split the step by hand";
  case FG_VIA_STEP:
    return "the pytest command is in the step but runs through a launcher (`tox exec`, "
           "`pixi run`); split the step by hand";
  default:
    return run->via_src
               ? "the command's bytes are not written as-is in its file"
               : "the line in tox.ini or the Makefile runs more than one command";
  }
}

/* Reads the line; returns why it cannot be split, or NULL. */
static const char *fg_sl_read(const FgRun *run, FgSlLine *l) {
  memset(l, 0, sizeof *l);
  l->m = l->posargs = -1;
  const char *why = fg_sl_kind_why(run);
  if (why)
    return why;
  const FgSource *src = run->via_src;
  l->src = src;
  l->tox = run->via_kind == FG_VIA_TOX_INI;
  l->body = run->via_start;
  l->end = run->via_end;
  const char *d = src->data;
  if (run->via_kind == FG_VIA_MAKE) {
    if (l->body < l->end && d[l->body] == '\t')
      l->body++;
    while (l->body < l->end && strchr("@-+ \t", d[l->body]))
      l->body++;
  } else {
    while (l->body < l->end && (d[l->body] == ' ' || d[l->body] == '\t'))
      l->body++;
  }
  fg_sl_words(src->data, l->body, l->end, &l->words);
  size_t i = 0;
  while (i < l->words.len && !fg_sl_is_pytest(run, l->words.items[i].text))
    i++;
  if (i == l->words.len)
    return l->tox ? "pytest is not named on the tox.ini line"
           : run->via_kind == FG_VIA_SCRIPT
               ? "pytest is not named on the script's line"
               : "the recipe line runs pytest through a make "
                 "variable; split the recipe by hand";
  l->first = i + 1;
  for (size_t k = l->first; k < l->words.len; k++) {
    const char *t = l->words.items[k].text;
    if (strcmp(t, "-m") == 0 && k + 1 < l->words.len) {
      l->m = (int)k;
      l->m_n = 2;
    } else if (t[0] == '-' && t[1] == 'm' && t[2]) {
      l->m = (int)k;
      l->m_n = 1;
    } else if (l->tox && fg_str_startswith(t, "{posargs") && l->posargs < 0) {
      l->posargs = (int)k;
      const FgSlWord *w = &l->words.items[k];
      if (t[8] == ':') {
        l->def_from = w->start + 9;
        l->def_to = w->end - 1;
        fg_sl_words(src->data, l->def_from, l->def_to, &l->def);
      }
    }
  }
  l->literal_n = fg_sl_has_xdist(&l->words, l->first) || fg_sl_has_xdist(&l->def, 0);
  if (run->xdist_arg >= 0 && !l->literal_n)
    return l->tox ? "-n comes from a tox substitution ({posargs}, {env:...}), not from "
                    "the tox.ini line"
           : run->via_kind == FG_VIA_SCRIPT
               ? "-n comes from a variable or the script's arguments, not from its line"
               : "-n comes from a make variable, not from the recipe line; split "
                 "the recipe by hand";
  if (run->m_arg >= 0 && l->m < 0)
    return l->tox ? "-m comes from a tox substitution ({posargs}, {env:...}), not from "
                    "the tox.ini line"
           : run->via_kind == FG_VIA_SCRIPT
               ? "-m comes from a variable or the script's arguments, not from its line"
               : "-m comes from a make variable, not from the recipe line";
  if (run->m_arg < 0 && run->mexpr)
    return "-m comes from addopts or PYTEST_ADDOPTS";
  why = NULL;
  free(fg_sl_expr(run, l, "m", false, &why));
  return why;
}

/* The old -m as written on the line (a make variable stays one), or the
 * run's. */
static const char *fg_sl_old_m(const FgRun *run, const FgSlLine *l) {
  if (l->m < 0)
    return run->mexpr;
  const char *t = l->words.items[l->m].text;
  if (l->m_n == 2)
    return l->words.items[l->m + 1].text;
  return t[2] == '=' ? t + 3 : t + 2;
}

static char *fg_sl_expr(const FgRun *run, const FgSlLine *l, const char *marker,
                        bool serial, const char **why) {
  return fg_split_expr_of(fg_sl_old_m(run, l), marker, serial,
                          l->tox                           ? FG_SPLIT_TOX
                          : run->via_kind == FG_VIA_SCRIPT ? FG_SPLIT_SHELL
                                                           : FG_SPLIT_MAKE,
                          why);
}

static void fg_sl_free(FgSlLine *l) {
  fg_sl_words_free(&l->words);
  fg_sl_words_free(&l->def);
}

const char *fg_serial_line_no_fix(const FgRun *run) {
  FgSlLine l;
  const char *why = fg_sl_read(run, &l);
  fg_sl_free(&l);
  return why;
}

typedef struct FgSlEdit {
  size_t start, end;
  char *text;
  size_t seq; /* insertions at one offset apply in the order pushed */
} FgSlEdit;

typedef FG_VEC(FgSlEdit) FgSlEdits;

static void fg_sl_push(FgSlEdits *v, size_t start, size_t end, char *text) {
  FgSlEdit e = {start, end, text, v->len};
  fg_vec_push(v, e);
}

/* The edit of -m for one side: replace the -m there, else insert before
 * {posargs}, else after the last word. */
static void fg_sl_edit_m(const FgSlLine *l, const char *opt, FgSlEdits *ed) {
  const FgSlWord *w = l->words.items;
  if (l->m >= 0) {
    fg_sl_push(ed, w[l->m].start, w[l->m + (int)l->m_n - 1].end, fg_xstrdup(opt));
  } else if (l->posargs >= 0) {
    fg_sl_push(ed, w[l->posargs].start, w[l->posargs].start, fg_xasprintf("%s ", opt));
  } else {
    size_t at = w[l->words.len - 1].end;
    fg_sl_push(ed, at, at, fg_xasprintf(" %s", opt));
  }
}

/* The end of the serial copy's last word: the last one that is not
 * xdist's (those are removed), so what is appended stays on its line. */
static size_t fg_sl_last_kept_end(const FgSlLine *l) {
  size_t end = l->words.items[l->first - 1].end;
  for (size_t i = l->first; i < l->words.len;) {
    size_t n = fg_sl_xdist_words(&l->words, i);
    if (n) {
      i += n;
      continue;
    }
    end = l->words.items[i].end;
    i++;
  }
  return end;
}

/* Start of the line holding offset. */
static size_t fg_sl_line_start(const FgSource *src, size_t off) {
  while (off > 0 && src->data[off - 1] != '\n' && src->data[off - 1] != '\r')
    off--;
  return off;
}

/* Where the blanks before offset s begin (not before floor): a word
 * removed takes them along. */
static size_t fg_sl_blanks_before(const FgSource *src, size_t s, size_t floor) {
  while (s > floor && (src->data[s - 1] == ' ' || src->data[s - 1] == '\t'))
    s--;
  return s;
}

/* Removes the xdist words of v (and the blanks before them); a
 * continuation line that held nothing else goes whole. */
static void fg_sl_drop_xdist(const FgSource *src, const FgSlWords *v, size_t from,
                             size_t floor, FgSlEdits *ed) {
  const char *d = src->data;
  for (size_t i = from; i < v->len;) {
    size_t n = fg_sl_xdist_words(v, i);
    if (!n) {
      i++;
      continue;
    }
    size_t s = fg_sl_blanks_before(src, v->items[i].start, floor);
    size_t e = v->items[i + n - 1].end;
    size_t after = e;
    while (after < src->len && (d[after] == ' ' || d[after] == '\t'))
      after++;
    if (s == fg_sl_line_start(src, s) && after + 1 < src->len && d[after] == '\\' &&
        (d[after + 1] == '\n' || d[after + 1] == '\r')) {
      e = after + 1;
      e += e < src->len && d[e] == '\r';
      e += e < src->len && d[e] == '\n';
    } else if (s == fg_sl_line_start(src, s) && s > floor &&
               (after >= src->len || d[after] == '\n' || d[after] == '\r')) {
      /* the command's last continuation line, held nothing else: the
       * line break and backslash before it go too */
      size_t b = s - 1;
      if (b > floor && d[b] == '\n')
        b -= b > floor && d[b - 1] == '\r' ? 2 : 1;
      else
        b = s;
      if (b < s && d[b] == '\\') {
        while (b > floor && (d[b - 1] == ' ' || d[b - 1] == '\t'))
          b--;
        s = b;
      }
    }
    fg_sl_push(ed, s, e, fg_xstrdup(""));
    i += n;
  }
}

static int fg_sl_edit_cmp(const void *a, const void *b) {
  const FgSlEdit *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The bytes [from, to) of the file with the edits applied (and freed). */
static void fg_sl_apply(const FgSource *src, size_t from, size_t to, FgSlEdits *ed,
                        FgBuf *out) {
  if (ed->len > 1)
    qsort(ed->items, ed->len, sizeof(FgSlEdit), fg_sl_edit_cmp);
  size_t at = from;
  for (size_t i = 0; i < ed->len; i++) {
    FgSlEdit *e = &ed->items[i];
    if (e->start >= at && e->end <= to) {
      fg_buf_append(out, src->data + at, e->start - at);
      fg_buf_puts(out, e->text);
      at = e->end;
    }
    free(e->text);
  }
  fg_buf_append(out, src->data + at, to - at);
  fg_vec_free(ed);
}

/* tox runs commands without a shell and has no way to accept one exit
 * code: this runs the command and turns pytest's "no tests selected" (5)
 * into success, every other code passing through. */
#define FG_SL_TOX_EXIT5                                                                  \
  "python -c 'import subprocess, sys; rc = subprocess.call(sys.argv[1:]); "              \
  "sys.exit(0 if rc == 5 else rc)' "

/* The serial copy of the command: xdist out (from {posargs:DEFAULT} too),
 * -m <marker> in -- after {posargs}, with `-n 0`, so that what CI passes
 * (`tox -- -n 4 tests/x`) cannot turn xdist back on -- coverage appended,
 * report files of its own, and an empty selection (exit code 5) accepted:
 * `|| test $$? -eq 5` in make, a wrapper in tox. */
static void fg_sl_serial_command(const FgProject *p, const FgRun *run, const FgSlLine *l,
                                 FgBuf *out) {
  const FgSource *src = l->src;
  FgSlEdits ed = {0};
  fg_sl_drop_xdist(src, &l->words, l->first, l->body, &ed);
  if (l->posargs >= 0 && fg_sl_has_xdist(&l->def, 0)) {
    FgSlEdits ded = {0};
    fg_sl_drop_xdist(src, &l->def, 0, l->def_from, &ded);
    FgBuf def = {0};
    fg_sl_apply(src, l->def_from, l->def_to, &ded, &def);
    const char *t = def.data ? def.data : "";
    while (*t == ' ' || *t == '\t')
      t++;
    const FgSlWord *w = &l->words.items[l->posargs];
    fg_sl_push(&ed, w->start, w->end,
               *t ? fg_xasprintf("{posargs:%s}", t) : fg_xstrdup("{posargs}"));
    fg_buf_free(&def);
  }
  for (size_t i = l->first; i < l->words.len; i++) {
    const char *t = l->words.items[i].text;
    bool joined = strchr(t, '=') != NULL;
    if (!(fg_str_startswith(t, "--junitxml") || fg_str_startswith(t, "--junit-xml") ||
          fg_str_startswith(t, "--json-report-file")))
      continue;
    size_t v = joined ? i : i + 1;
    if (v >= l->words.len)
      break;
    const FgSlWord *w = &l->words.items[v];
    size_t at = fg_split_report_insert(src->data, w->start, w->end);
    fg_sl_push(&ed, at, at, fg_xstrdup("-serial"));
    i = v;
  }
  const char *cov =
      fg_memmem(src->data + l->body, l->words.items[l->first - 1].start - l->body,
                "coverage run", 12);
  if (cov && !strstr(run->launcher, " -a") && !strstr(run->launcher, "--append") &&
      !strstr(run->launcher, " -p") && !strstr(run->launcher, "--parallel")) {
    size_t at = (size_t)(cov - src->data) + 12;
    fg_sl_push(&ed, at, at, fg_xstrdup(" -a"));
  }
  const char *why = NULL;
  char *expr = fg_sl_expr(run, l, p->marker, true, &why);
  char *m = fg_serial_step_m_option(expr ? expr : p->marker, false);
  bool after_posargs = l->tox && l->posargs >= 0;
  FgBuf opt = {0};
  fg_buf_printf(&opt, "%s%s%s", m,
                fg_serial_step_xdist_elsewhere(run) || after_posargs ? " -n 0" : "",
                fg_split_uses_cov(p, run) ? " --cov-append" : "");
  fg_split_report_extras(run, &opt);
  if (after_posargs) {
    const FgSlWord *w = l->words.items;
    if (l->m >= 0) /* the old -m moves after {posargs} with the rest */
      fg_sl_push(&ed, fg_sl_blanks_before(src, w[l->m].start, l->body),
                 w[l->m + (int)l->m_n - 1].end, fg_xstrdup(""));
    size_t at = w[l->posargs].end;
    fg_sl_push(&ed, at, at, fg_xasprintf(" %s", opt.data));
  } else if (l->m >= 0 || l->posargs >= 0) {
    fg_sl_edit_m(l, opt.data, &ed);
  } else {
    size_t at = fg_sl_last_kept_end(l);
    fg_sl_push(&ed, at, at, fg_xasprintf(" %s", opt.data));
  }
  if (!l->tox) {
    size_t at = fg_sl_last_kept_end(l);
    /* make doubles the `$` of the shell's $?; a shell script does not */
    fg_sl_push(&ed, at, at,
               fg_xstrdup(run->via_kind == FG_VIA_SCRIPT ? " || test $? -eq 5"
                                                         : " || test $$? -eq 5"));
  }
  fg_buf_free(&opt);
  free(m);
  free(expr);
  if (l->tox)
    fg_buf_puts(out, FG_SL_TOX_EXIT5);
  fg_sl_apply(src, l->body, l->end, &ed, out);
}

FgFix *fg_serial_line_fix(const FgProject *p, const FgRun *run) {
  FgSlLine l;
  if (fg_sl_read(run, &l)) {
    fg_sl_free(&l);
    return NULL;
  }
  const FgSource *src = l.src;
  const char *d = src->data;
  const char *eol = fg_source_eol(src);

  /* what goes before the copied command: the line's own prefix (indent,
   * factor condition, recipe tab and @/-), or for `commands = pytest ...`
   * an indented continuation line with the same factor condition */
  size_t line0 = fg_sl_line_start(src, l.body);
  FgBuf copy = {0};
  const char *eq = memchr(d + line0, '=', l.body - line0);
  if (l.tox && eq) {
    const char *f = eq + 1;
    while (f < d + l.body && (*f == ' ' || *f == '\t'))
      f++;
    fg_buf_puts(&copy, "    ");
    fg_buf_append(&copy, f, (size_t)(d + l.body - f));
  } else {
    fg_buf_append(&copy, d + line0, l.body - line0);
  }
  fg_sl_serial_command(p, run, &l, &copy);

  /* the parallel side */
  const char *why = NULL;
  char *expr = fg_sl_expr(run, &l, p->marker, false, &why);
  char *m = fg_serial_step_m_option(expr ? expr : p->marker, false);
  FgSlEdits ped = {0};
  fg_sl_edit_m(&l, m, &ped);
  FgSlEdit par = ped.items[0];
  fg_vec_free(&ped);
  free(m);
  free(expr);

  /* the copy goes on its own line after the command's last line */
  size_t at = l.end;
  while (at < src->len && d[at] != '\n')
    at++;
  FgBuf ins = {0};
  if (at < src->len) {
    at++;
    fg_buf_printf(&ins, "%s%s", copy.data, eol);
  } else {
    fg_buf_printf(&ins, "%s%s", eol, copy.data);
  }
  fg_buf_free(&copy);

  FgFix *fix = fg_fix_new(FG_FIX_SAFE,
                          "deselect `%s` tests in the pytest command of %s and run them "
                          "serially on a new line after it",
                          p->marker, src->path);
  if (par.start == par.end && par.start == at) {
    char *both = fg_xasprintf("%s%s", par.text, ins.data);
    fg_fix_add_edit(fix, src, at, at, both);
    free(both);
  } else {
    fg_fix_add_edit(fix, src, par.start, par.end, par.text);
    fg_fix_add_edit(fix, src, at, at, ins.data);
  }
  free(par.text);
  fg_buf_free(&ins);
  fg_sl_free(&l);
  return fix;
}
