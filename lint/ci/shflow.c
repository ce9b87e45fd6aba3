/* shflow: see shflow.h. */
#include "ci/shflow.h"

#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* `eval` inside `eval` is followed this deep. */
#define FG_SHFLOW_MAX_EVAL 4
/* loop bodies run per script, all loops together; past it a loop's
 * variable is unknown */
#define FG_SHFLOW_MAX_BODIES 256

/* ---- variables ------------------------------------------------------------ */

static FgShellVar *fg_var_find(const FgShellVars *self, const char *name) {
  for (size_t i = 0; i < self->items.len; i++)
    if (strcmp(self->items.items[i].name, name) == 0)
      return &self->items.items[i];
  return NULL;
}

void fg_shell_vars_set(FgShellVars *self, const char *name, const char *value,
                       bool export) {
  FgShellVar *v = fg_var_find(self, name);
  if (v) {
    char *old = v->value;
    v->value = value ? fg_xstrdup(value) : NULL;
    free(old);
    v->exported |= export;
    return;
  }
  FgShellVar n = {fg_xstrdup(name), value ? fg_xstrdup(value) : NULL, export};
  fg_vec_push(&self->items, n);
}

const char *fg_shell_vars_get(const FgShellVars *self, const char *name) {
  const FgShellVar *v = self ? fg_var_find(self, name) : NULL;
  return v ? v->value : NULL;
}

bool fg_shell_vars_has(const FgShellVars *self, const char *name) {
  return self && fg_var_find(self, name) != NULL;
}

bool fg_shell_vars_exported(const FgShellVars *self, const char *name) {
  const FgShellVar *v = self ? fg_var_find(self, name) : NULL;
  return v && v->exported;
}

void fg_shell_vars_copy(FgShellVars *dst, const FgShellVars *src) {
  for (size_t i = 0; i < src->items.len; i++) {
    const FgShellVar *v = &src->items.items[i];
    fg_shell_vars_set(dst, v->name, v->value, v->exported);
  }
}

void fg_shell_vars_free(FgShellVars *self) {
  for (size_t i = 0; i < self->items.len; i++) {
    free(self->items.items[i].name);
    free(self->items.items[i].value);
  }
  fg_vec_free(&self->items);
}

/* ---- expansion ------------------------------------------------------------- */

static char *fg_cmdsub_value(const FgShellVars *vars, const char *script, int depth);

/* ${X#p} ${X##p} ${X%p} ${X%%p}: v with the shortest / longest prefix or
 * suffix matching the glob p removed. */
static char *fg_strip(const char *v, const char *pat, bool prefix, bool longest) {
  size_t n = strlen(v);
  char *buf = fg_xmalloc(n + 1);
  for (size_t k = 0; k <= n; k++) {
    size_t len = longest ? n - k : k; /* candidate length of the part removed */
    if (prefix) {
      memcpy(buf, v, len);
      buf[len] = '\0';
    } else {
      memcpy(buf, v + n - len, len);
      buf[len] = '\0';
    }
    if (fnmatch(pat, buf, 0) == 0) {
      free(buf);
      return prefix ? fg_xstrdup(v + len) : fg_xstrndup(v, n - len);
    }
  }
  free(buf);
  return fg_xstrdup(v);
}

/* A parameter's value, applying its operator; NULL when unknown. A
 * variable nothing set takes an operator's default (`${N:-4}`); without an
 * operator it is unknown (the runner or an earlier step may set it). */
static char *fg_param_value(const FgShellVars *vars, const FgShellPart *p) {
  const char *v = fg_shell_vars_get(vars, p->text);
  bool set = fg_shell_vars_has(vars, p->text);
  const char *op = p->op;
  if (!op[0])
    return v ? fg_xstrdup(v) : NULL;
  if (op[0] == '#' || op[0] == '%')
    return v ? fg_strip(v, p->arg, op[0] == '#', op[1] != '\0') : NULL;
  if (set && !v)
    return NULL; /* set to a value not known: which branch applies is not known */
  bool colon = op[0] == ':';
  char kind = colon ? op[1] : op[0];
  bool empty = !v || (colon && !*v);
  if (kind == '+')
    return fg_xstrdup(empty ? "" : p->arg);
  return fg_xstrdup(empty ? p->arg : v);
}

static char *fg_part_value(const FgShellVars *vars, const FgShellPart *p, int depth) {
  switch (p->kind) {
  case FG_SHELL_LIT:
    return fg_xstrdup(p->text);
  case FG_SHELL_PARAM:
    return fg_param_value(vars, p);
  case FG_SHELL_CMDSUB:
    return fg_cmdsub_value(vars, p->text, depth + 1);
  default:
    return NULL;
  }
}

static char *fg_string_at(const FgShellVars *vars, const FgShellWord *w, int depth) {
  if (!w->parts && !w->nparts)
    return w->dynamic ? NULL : fg_xstrdup(w->text ? w->text : "");
  FgBuf b = {0};
  for (size_t i = 0; i < w->nparts; i++) {
    char *v = fg_part_value(vars, &w->parts[i], depth);
    if (!v) {
      fg_buf_free(&b);
      return NULL;
    }
    fg_buf_puts(&b, v);
    free(v);
  }
  return fg_buf_take(&b);
}

char *fg_shflow_string(const FgShellVars *vars, const FgShellWord *w) {
  return fg_string_at(vars, w, 0);
}

typedef FG_VEC(FgShellWord) FgWordVec;

/* The field being built while a word is expanded. */
typedef struct FgFieldOut {
  FgWordVec *out;
  FgBuf cur;
  FgBuf spell; /* the field in its source spelling (for unknown fields) */
  bool started, unknown, derived;
  size_t start, end;
} FgFieldOut;

static void fg_field_end(FgFieldOut *f) {
  if (!f->started)
    return;
  FgShellWord w = {0};
  w.start = f->start;
  w.end = f->end;
  w.dynamic = f->unknown;
  w.derived = f->derived;
  w.text = f->unknown ? fg_buf_take(&f->spell) : fg_buf_take(&f->cur);
  fg_buf_free(&f->cur);
  fg_buf_free(&f->spell);
  fg_vec_push(f->out, w);
  f->started = f->unknown = false;
  f->derived = false;
}

static void fg_field_put(FgFieldOut *f, const char *s, size_t n, const char *spell,
                         size_t sn) {
  fg_buf_append(&f->cur, s, n);
  fg_buf_append(&f->spell, spell, sn);
  f->started = true;
}

static bool fg_is_ifs(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}

/* An unquoted expansion's value, split into fields on blanks. */
static void fg_field_split(FgFieldOut *f, const char *v) {
  const char *p = v;
  while (*p) {
    if (fg_is_ifs(*p)) {
      fg_field_end(f);
      f->derived = true;
      while (fg_is_ifs(*p))
        p++;
      continue;
    }
    const char *e = p;
    while (*e && !fg_is_ifs(*e))
      e++;
    fg_field_put(f, p, (size_t)(e - p), p, (size_t)(e - p));
    f->derived = true;
    p = e;
  }
}

/* Expands a word into fields appended to out (each with the word's span). */
static void fg_expand_word_at(const FgShellVars *vars, const FgShellWord *w,
                              FgWordVec *out, int depth) {
  FgFieldOut f = {out, {0}, {0}, false, false, false, w->start, w->end};
  if (!w->nparts) {
    /* a word without parts: as written */
    FgShellWord c = {0};
    c.text = fg_xstrdup(w->text ? w->text : "");
    c.start = w->start;
    c.end = w->end;
    c.dynamic = w->dynamic;
    c.derived = w->derived;
    fg_vec_push(out, c);
    return;
  }
  for (size_t i = 0; i < w->nparts; i++) {
    const FgShellPart *p = &w->parts[i];
    if (p->kind == FG_SHELL_LIT) {
      fg_field_put(&f, p->text, strlen(p->text), p->text, strlen(p->text));
      continue;
    }
    char *v = p->kind == FG_SHELL_OPAQUE ? NULL : fg_part_value(vars, p, depth);
    /* `${PREFIX}coverage`: braces when a name character follows, or the
     * spelling would name another variable */
    const FgShellPart *next = i + 1 < w->nparts ? &w->parts[i + 1] : NULL;
    bool brace = next && next->kind == FG_SHELL_LIT && next->text &&
                 (isalnum((unsigned char)next->text[0]) || next->text[0] == '_');
    char *spell = p->kind == FG_SHELL_PARAM
                      ? (p->op[0] || brace ? fg_xasprintf("${%s%s%s}", p->text, p->op,
                                                          p->arg ? p->arg : "")
                                           : fg_xasprintf("$%s", p->text))
                  : p->kind == FG_SHELL_CMDSUB ? fg_xasprintf("$(%s)", p->text)
                                               : fg_xstrdup(p->text);
    if (!v) {
      /* unknown: one field of unknown value, spelled as written */
      fg_field_put(&f, "", 0, spell, strlen(spell));
      f.unknown = true;
    } else if (p->quoted) {
      fg_field_put(&f, v, strlen(v), v, strlen(v));
      f.derived = true;
    } else {
      fg_field_split(&f, v);
    }
    free(v);
    free(spell);
  }
  fg_field_end(&f);
  fg_buf_free(&f.cur);
  fg_buf_free(&f.spell);
}

static void fg_expand_word(const FgShellVars *vars, const FgShellWord *w,
                           FgWordVec *out) {
  fg_expand_word_at(vars, w, out, 0);
}

static void fg_words_free(FgWordVec *v);

/* ---- command substitutions ------------------------------------------------------ */

/* `$(...)` is run only when it is a pipeline of pure text commands whose
 * input is known: `echo`/`printf` into `tr`, `sed s///`, `cut`, `head`,
 * `tail`, `xargs`. Anything else is unknown. */
#define FG_CMDSUB_MAX_DEPTH 3

/* tr's SET with ranges (a-z) and \n-style escapes expanded. */
static char *fg_tr_set(const char *s) {
  FgBuf b = {0};
  for (size_t i = 0; s[i]; i++) {
    char c = s[i];
    if (c == '\\' && s[i + 1]) {
      char e = s[++i];
      c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
    } else if (s[i + 1] == '-' && s[i + 2] &&
               (unsigned char)s[i + 2] >= (unsigned char)c) {
      for (int k = (unsigned char)c; k <= (unsigned char)s[i + 2]; k++)
        fg_buf_putc(&b, (char)k);
      i += 2;
      continue;
    }
    fg_buf_putc(&b, c);
  }
  return fg_buf_take(&b);
}

static char *fg_filter_tr(const char *in, char *const *args, size_t n) {
  bool del = n == 2 && strcmp(args[0], "-d") == 0;
  if (!del && n != 2)
    return NULL;
  if (!del && args[0][0] == '-')
    return NULL;
  char *a = fg_tr_set(del ? args[1] : args[0]);
  char *b = del ? NULL : fg_tr_set(args[1]);
  FgBuf out = {0};
  for (const char *p = in; *p; p++) {
    const char *hit = strchr(a, *p);
    if (!hit || !*p)
      fg_buf_putc(&out, *p);
    else if (!del && b[0])
      fg_buf_putc(&out,
                  b[(size_t)(hit - a) < strlen(b) ? (size_t)(hit - a) : strlen(b) - 1]);
  }
  free(a);
  free(b);
  return fg_buf_take(&out);
}

/* sed 's/PAT/REP/[g]' with a literal PAT (regex specials only escaped). */
static char *fg_filter_sed(const char *in, char *const *args, size_t n) {
  const char *e = NULL;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(args[i], "-e") == 0 || strcmp(args[i], "-E") == 0 ||
        strcmp(args[i], "-r") == 0)
      continue;
    if (e)
      return NULL;
    e = args[i];
  }
  if (!e || e[0] != 's' || !e[1])
    return NULL;
  char d = e[1];
  FgBuf pat = {0}, rep = {0};
  const char *p = e + 2;
  for (; *p && *p != d; p++) {
    if (*p == '\\' && p[1]) {
      fg_buf_putc(&pat, *++p);
      continue;
    }
    if (strchr(".*[]^$+?(){}|", *p)) {
      fg_buf_free(&pat);
      return NULL; /* a regex: not modelled */
    }
    fg_buf_putc(&pat, *p);
  }
  if (*p != d) {
    fg_buf_free(&pat);
    return NULL;
  }
  for (p++; *p && *p != d; p++) {
    if (*p == '&' || (*p == '\\' && p[1] >= '0' && p[1] <= '9')) {
      fg_buf_free(&pat);
      fg_buf_free(&rep);
      return NULL;
    }
    if (*p == '\\' && p[1])
      p++;
    fg_buf_putc(&rep, *p);
  }
  bool global = *p == d && strchr(p + 1, 'g');
  FgBuf out = {0};
  const char *at = in;
  size_t pl = pat.len;
  while (*at) {
    const char *hit = pl ? strstr(at, pat.data) : NULL;
    if (!hit) {
      fg_buf_puts(&out, at);
      break;
    }
    fg_buf_append(&out, at, (size_t)(hit - at));
    fg_buf_puts(&out, rep.data ? rep.data : "");
    at = hit + pl;
    if (!global) {
      fg_buf_puts(&out, at);
      break;
    }
  }
  fg_buf_free(&pat);
  fg_buf_free(&rep);
  return fg_buf_take(&out);
}

/* cut -d D -f N (one field). */
/* Is field k (from 1) in the list of cut -f (N, N-M, N-, -M, comma-separated)?
 * -1: the list is not one cut takes. */
static int fg_cut_selects(const char *list, long k) {
  bool any = false;
  for (const char *p = list; *p;) {
    char *e = NULL;
    long lo = 1, hi = LONG_MAX;
    if (*p != '-') {
      lo = strtol(p, &e, 10);
      if (e == p || lo < 1)
        return -1;
      p = e;
      hi = lo;
    }
    if (*p == '-') {
      p++;
      hi = LONG_MAX;
      if (isdigit((unsigned char)*p)) {
        hi = strtol(p, &e, 10);
        p = e;
      } else if (lo == 1 && p[-1] == '-' && (p - 1 == list || p[-2] == ',')) {
        return -1; /* a lone "-" */
      }
    }
    if (hi < lo || (*p && *p != ','))
      return -1;
    any = any || (k >= lo && k <= hi);
    if (*p == ',')
      p++;
  }
  return any;
}

/* cut -d D -f LIST of one line: the fields LIST names, joined by D, in the
 * order of the line; a line without D is printed whole (as cut without -s
 * does). Anything else is not known. */
static char *fg_filter_cut(const char *in, char *const *args, size_t n) {
  char delim = '\t';
  const char *list = NULL;
  for (size_t i = 0; i < n; i++) {
    const char *a = args[i];
    if (fg_str_startswith(a, "-d"))
      delim = a[2] ? a[2] : (i + 1 < n ? args[++i][0] : '\t');
    else if (fg_str_startswith(a, "-f"))
      list = a[2] ? a + 2 : (i + 1 < n ? args[++i] : NULL);
    else
      return NULL;
  }
  if (!list || !*list || strchr(in, '\n') || fg_cut_selects(list, 1) < 0)
    return NULL;
  if (!strchr(in, delim))
    return fg_xstrdup(in);
  FgBuf b = {0};
  bool first = true;
  const char *p = in;
  for (long k = 1; p; k++) {
    const char *e = strchr(p, delim);
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (fg_cut_selects(list, k) == 1) {
      if (!first)
        fg_buf_putc(&b, delim);
      fg_buf_append(&b, p, len);
      first = false;
    }
    p = e ? e + 1 : NULL;
  }
  return b.data ? fg_buf_take(&b) : fg_xstrdup("");
}

static char *fg_cmdsub_value(const FgShellVars *vars, const char *script, int depth) {
  if (depth > FG_CMDSUB_MAX_DEPTH)
    return NULL;
  FgShellScript *sh = fg_shell_parse(script, strlen(script));
  char *value = NULL;
  bool ok = !sh->has_error && sh->ncmds > 0;
  for (size_t i = 0; ok && i < sh->ncmds; i++) {
    const FgShellCommand *c = &sh->cmds[i];
    ok = c->kind == FG_SHELL_CMD && c->cond < 0 && !c->nassigns && c->nwords &&
         (i + 1 == sh->ncmds ? true : strcmp(c->sep, "|") == 0);
  }
  for (size_t i = 0; ok && i < sh->ncmds; i++) {
    FgWordVec f = {0};
    for (size_t k = 0; k < sh->cmds[i].nwords; k++)
      fg_expand_word_at(vars, &sh->cmds[i].words[k], &f, depth);
    FG_VEC(char *) args = {0};
    for (size_t k = 0; k < f.len && ok; k++) {
      ok = !f.items[k].dynamic;
      fg_vec_push(&args, f.items[k].text);
    }
    const char *cmd = ok && args.len ? args.items[0] : "";
    char *const *rest = args.len ? args.items + 1 : NULL;
    size_t nrest = args.len ? args.len - 1 : 0;
    char *next = NULL;
    if (!ok) {
    } else if (i == 0 && strcmp(cmd, "echo") == 0) {
      FgBuf b = {0};
      size_t k = 0;
      while (k < nrest && (strcmp(rest[k], "-n") == 0 || strcmp(rest[k], "-e") == 0))
        k++;
      for (size_t j = k; j < nrest; j++)
        fg_buf_printf(&b, "%s%s", j > k ? " " : "", rest[j]);
      next = fg_buf_take(&b);
    } else if (i == 0 && strcmp(cmd, "printf") == 0 && nrest >= 1 &&
               (strcmp(rest[0], "%s") == 0 || !strchr(rest[0], '%'))) {
      FgBuf b = {0};
      if (strcmp(rest[0], "%s") == 0)
        for (size_t j = 1; j < nrest; j++)
          fg_buf_puts(&b, rest[j]);
      else
        fg_buf_puts(&b, rest[0]);
      next = fg_buf_take(&b);
    } else if (i > 0 && strcmp(cmd, "tr") == 0) {
      next = fg_filter_tr(value, rest, nrest);
    } else if (i > 0 && strcmp(cmd, "sed") == 0) {
      next = fg_filter_sed(value, rest, nrest);
    } else if (i > 0 && strcmp(cmd, "cut") == 0) {
      next = fg_filter_cut(value, rest, nrest);
    } else if (i > 0 && (strcmp(cmd, "xargs") == 0 || strcmp(cmd, "cat") == 0) &&
               nrest == 0) {
      next = fg_xstrdup(value);
    }
    free(value);
    value = next;
    ok = value != NULL;
    fg_vec_free(&args);
    fg_words_free(&f);
  }
  fg_shell_delete(sh);
  if (!ok) {
    free(value);
    return NULL;
  }
  /* $(...) drops trailing newlines; xargs and echo's word joining trim */
  size_t n = strlen(value);
  while (n && (value[n - 1] == '\n' || value[n - 1] == ' '))
    value[--n] = '\0';
  return value;
}

/* ---- conditions ------------------------------------------------------------- */

static int fg_test_outcome(const FgShellTest *t, const FgShellVars *vars) {
  if (!t->op[0])
    return -1;
  char *l = fg_shflow_string(vars, &t->lhs);
  if (!l)
    return -1;
  int r;
  if (strcmp(t->op, "-z") == 0 || strcmp(t->op, "-n") == 0) {
    r = (*l == '\0') == (t->op[1] == 'z');
  } else {
    char *rhs = fg_shflow_string(vars, &t->rhs);
    if (!rhs) {
      free(l);
      return -1;
    }
    bool eq = t->pattern ? fnmatch(rhs, l, 0) == 0 : strcmp(l, rhs) == 0;
    r = eq == (t->op[0] == '=');
    free(rhs);
  }
  free(l);
  return r;
}

/* The branch's own test: 1 holds, 0 does not, -1 unknown. */
static int fg_cond_own(const FgShellCond *c, const FgShellVars *vars) {
  if (c->kind == FG_SHELL_COND_CASE) {
    char *subject = fg_shflow_string(vars, &c->subject);
    if (!subject)
      return -1;
    int r = 0;
    for (size_t i = 0; i < c->npatterns && r != 1; i++) {
      char *pat = fg_shflow_string(vars, &c->patterns[i]);
      if (!pat)
        r = -1;
      else if (fnmatch(pat, subject, 0) == 0)
        r = 1;
      free(pat);
    }
    free(subject);
    return r;
  }
  if (!c->has_test)
    return 1;
  int t = fg_test_outcome(&c->test, vars);
  if (t < 0)
    return -1;
  return t == (int)c->want;
}

static int fg_and3(int a, int b) {
  if (a == 0 || b == 0)
    return 0;
  return a < 0 || b < 0 ? -1 : 1;
}

int fg_shflow_cond(const FgShellScript *sh, int cond, const FgShellVars *vars) {
  int r = 1;
  /* the conditions nest through `parent`; a branch also needs every branch
   * before it in its if/case not taken */
  for (int c = cond; c >= 0 && (size_t)c < sh->nconds && r != 0;
       c = sh->conds[c].parent) {
    const FgShellCond *k = &sh->conds[c];
    r = fg_and3(r, fg_cond_own(k, vars));
    for (int p = k->prev; p >= 0 && (size_t)p < sh->nconds && r != 0;
         p = sh->conds[p].prev) {
      int taken = fg_cond_own(&sh->conds[p], vars);
      r = fg_and3(r, taken < 0 ? -1 : !taken);
    }
  }
  return r;
}

/* ---- the flow --------------------------------------------------------------- */

typedef struct FgFlow {
  const FgXSubstVec *map;
  FgShellVars *vars;
  FgFlowVisit visit;
  void *user;
  int eval_depth;
  /* an eval: every word's span is the eval command's */
  bool in_eval;
  size_t eval_start, eval_end;
  char *loop;   /* the loops' bindings, see FgFlowCommand.loop */
  size_t iters; /* loop bodies run so far (nested loops multiply) */
} FgFlow;

/* Does [start, end) of the parsed text touch a substitution? */
static bool fg_touches_subst(const FgXSubstVec *map, size_t start, size_t end) {
  if (!map)
    return false;
  for (size_t i = 0; i < map->len; i++) {
    const FgXSubst *m = &map->items[i];
    if (m->out_start < end && start < m->out_end)
      return true;
    if (m->out_start == m->out_end && start < m->out_start && m->out_start < end)
      return true;
  }
  return false;
}

static void fg_map_span(const FgFlow *fl, size_t *start, size_t *end, bool *derived) {
  if (fl->in_eval) {
    *start = fl->eval_start;
    *end = fl->eval_end;
    *derived = true;
    return;
  }
  if (!fl->map)
    return;
  if (fg_touches_subst(fl->map, *start, *end))
    *derived = true;
  size_t s = fg_x_subst_back(fl->map, *start, false, NULL);
  size_t e = fg_x_subst_back(fl->map, *end, true, NULL);
  *start = s;
  *end = e < s ? s : e;
}

static void fg_words_free(FgWordVec *v) {
  for (size_t i = 0; i < v->len; i++)
    fg_shell_word_free(&v->items[i]);
  fg_vec_free(v);
}

/* NAME of "NAME=value" / "NAME+=value"; *append for `+=`. */
static char *fg_assign_name(const char *text, bool *append) {
  const char *eq = strchr(text, '=');
  size_t n = eq ? (size_t)(eq - text) : strlen(text);
  *append = n && text[n - 1] == '+';
  return fg_xstrndup(text, *append ? n - 1 : n);
}

static void fg_apply_assign(FgFlow *fl, const FgShellWord *a, bool export, bool maybe) {
  bool append = false;
  char *name = fg_assign_name(a->text, &append);
  char *value = fg_shflow_string(fl->vars, a);
  if (value && append) {
    const char *old = fg_shell_vars_get(fl->vars, name);
    char *joined = old ? fg_xasprintf("%s%s", old, value) : NULL;
    free(value);
    value = joined;
  }
  if (maybe) {
    /* a branch that may not run: the old value or the new one */
    const char *old = fg_shell_vars_get(fl->vars, name);
    if (!(value && old && strcmp(old, value) == 0)) {
      free(value);
      value = NULL;
    }
  }
  fg_shell_vars_set(fl->vars, name, value, export);
  free(value);
  free(name);
}

static void fg_flow_decl(FgFlow *fl, const FgShellCommand *c, bool maybe) {
  const char *kw = c->nwords ? c->words[0].text : "";
  if (strcmp(kw, "unset") == 0) {
    for (size_t i = 1; i < c->nwords; i++)
      if (c->words[i].text[0] != '-' && !c->words[i].dynamic)
        fg_shell_vars_set(fl->vars, c->words[i].text, maybe ? NULL : "", false);
    return;
  }
  bool export = strcmp(kw, "export") == 0;
  for (size_t i = 1; i < c->nwords; i++)
    if (strcmp(c->words[i].text, "-x") == 0)
      export = true;
  for (size_t i = 0; i < c->nassigns; i++)
    fg_apply_assign(fl, &c->assigns[i], export, maybe);
  if (export) /* `export X`: X's value unchanged */
    for (size_t i = 1; i < c->nwords; i++) {
      const char *n = c->words[i].text;
      if (n[0] != '-' && !c->words[i].dynamic) {
        if (fg_shell_vars_has(fl->vars, n))
          fg_shell_vars_set(fl->vars, n, fg_shell_vars_get(fl->vars, n), true);
      }
    }
}

static void fg_flow_script(FgFlow *fl, const FgShellScript *sh);

/* `eval WORDS`: the words joined by blanks, run as a script. */
static void fg_flow_eval(FgFlow *fl, const FgShellCommand *x) {
  if (fl->eval_depth >= FG_SHFLOW_MAX_EVAL)
    return;
  FgBuf text = {0};
  for (size_t i = 1; i < x->nwords; i++)
    fg_buf_printf(&text, "%s%s", i > 1 ? " " : "", x->words[i].text);
  FgShellScript *inner = fg_shell_parse(text.data ? text.data : "", text.len);
  FgFlow sub = *fl;
  sub.eval_depth++;
  sub.in_eval = true;
  sub.eval_start = x->start;
  sub.eval_end = x->end;
  fg_flow_script(&sub, inner);
  fg_shell_delete(inner);
  fg_buf_free(&text);
}

static void fg_flow_command(FgFlow *fl, const FgShellCommand *c, bool maybe) {
  FgWordVec words = {0}, assigns = {0};
  for (size_t i = 0; i < c->nwords; i++)
    fg_expand_word(fl->vars, &c->words[i], &words);
  for (size_t i = 0; i < c->nassigns; i++) {
    const FgShellWord *a = &c->assigns[i];
    bool append = false;
    char *name = fg_assign_name(a->text, &append);
    char *value = fg_shflow_string(fl->vars, a);
    FgShellWord w = {0};
    w.start = a->start;
    w.end = a->end;
    w.dynamic = value == NULL;
    w.derived = a->dynamic;
    w.text = value ? fg_xasprintf("%s=%s", name, value) : fg_xstrdup(a->text);
    free(value);
    free(name);
    fg_vec_push(&assigns, w);
  }
  FgShellCommand x = *c;
  x.words = words.items;
  x.nwords = words.len;
  x.assigns = assigns.items;
  x.nassigns = assigns.len;
  bool d = false;
  fg_map_span(fl, &x.start, &x.end, &d);
  for (size_t i = 0; i < x.nwords; i++)
    fg_map_span(fl, &x.words[i].start, &x.words[i].end, &x.words[i].derived);
  for (size_t i = 0; i < x.nassigns; i++)
    fg_map_span(fl, &x.assigns[i].start, &x.assigns[i].end, &x.assigns[i].derived);
  if (x.nwords && strcmp(x.words[0].text, "eval") == 0 && !x.words[0].dynamic) {
    fg_flow_eval(fl, &x);
  } else {
    FgFlowCommand fc = {&x, fl->vars, maybe, fl->in_eval, fl->loop};
    fl->visit(&fc, fl->user);
  }
  fg_words_free(&words);
  fg_words_free(&assigns);
}

static void fg_flow_range(FgFlow *fl, const FgShellScript *sh, size_t from, size_t to);

/* `for X in WORDS; do BODY; done`: BODY once per field of WORDS with X
 * bound, when every field is known; else X unknown and BODY once. */
static void fg_flow_loop(FgFlow *fl, const FgShellScript *sh, size_t i, bool maybe) {
  const FgShellCommand *c = &sh->cmds[i];
  size_t end = c->body_end > i && c->body_end <= sh->ncmds ? c->body_end : i + 1;
  bool append = false;
  char *name = fg_assign_name(c->assigns[0].text, &append);
  FgWordVec fields = {0};
  bool known = c->loop_in;
  for (size_t k = 0; known && k < c->nitems; k++)
    fg_expand_word(fl->vars, &c->items[k], &fields);
  for (size_t k = 0; known && k < fields.len; k++)
    known = !fields.items[k].dynamic;
  if (fields.len > FG_SHFLOW_MAX_ITER || fl->iters + fields.len > FG_SHFLOW_MAX_BODIES)
    known = false;
  if (known)
    fl->iters += fields.len;
  if (!known || maybe) {
    fg_shell_vars_set(fl->vars, name, NULL, false);
    fg_flow_range(fl, sh, i + 1, end);
  } else {
    char *outer = fl->loop;
    for (size_t k = 0; k < fields.len; k++) {
      fg_shell_vars_set(fl->vars, name, fields.items[k].text, false);
      fl->loop = outer ? fg_xasprintf("%s, for %s=%s", outer, name, fields.items[k].text)
                       : fg_xasprintf("for %s=%s", name, fields.items[k].text);
      fg_flow_range(fl, sh, i + 1, end);
      free(fl->loop);
    }
    fl->loop = outer;
  }
  fg_words_free(&fields);
  free(name);
}

static void fg_flow_range(FgFlow *fl, const FgShellScript *sh, size_t from, size_t to) {
  for (size_t i = from; i < to; i++) {
    const FgShellCommand *c = &sh->cmds[i];
    int reach = fg_shflow_cond(sh, c->cond, fl->vars);
    if (reach == 0) {
      if (c->loop && c->body_end > i)
        i = c->body_end - 1;
      continue;
    }
    bool maybe = reach < 0;
    switch (c->kind) {
    case FG_SHELL_ASSIGN:
      if (c->loop && c->nassigns) {
        fg_flow_loop(fl, sh, i, maybe);
        if (c->body_end > i)
          i = c->body_end - 1;
        break;
      }
      for (size_t k = 0; k < c->nassigns; k++)
        fg_apply_assign(fl, &c->assigns[k], false, maybe);
      break;
    case FG_SHELL_DECL:
      fg_flow_decl(fl, c, maybe);
      break;
    default:
      fg_flow_command(fl, c, maybe);
    }
  }
}

static void fg_flow_script(FgFlow *fl, const FgShellScript *sh) {
  fg_flow_range(fl, sh, 0, sh->ncmds);
}

void fg_shflow_run(const FgShellScript *sh, const FgXSubstVec *map, FgShellVars *vars,
                   FgFlowVisit visit, void *user) {
  FgFlow fl = {map, vars, visit, user, 0, false, 0, 0, NULL, 0};
  fg_flow_script(&fl, sh);
}
