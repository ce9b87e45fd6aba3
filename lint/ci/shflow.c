/* shflow: see shflow.h. */
#include "ci/shflow.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* `eval` inside `eval` is followed this deep. */
#define FG_SHFLOW_MAX_EVAL 4

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

/* A parameter's value, applying its operator; NULL when unknown. *set_to
 * gets the value `${X:=w}` assigns (not applied here: words are expanded
 * read-only). */
static const char *fg_param_value(const FgShellVars *vars, const FgShellPart *p) {
  const char *v = fg_shell_vars_get(vars, p->text);
  bool known = v != NULL;
  bool empty = known && !*v;
  const char *op = p->op;
  if (!op[0])
    return v;
  bool colon = op[0] == ':';
  char kind = colon ? op[1] : op[0];
  if (!known)
    return NULL; /* unset or unknown: which branch applies is not known */
  bool use_arg = kind == '+' ? !(colon && empty) : (colon && empty);
  if (kind == '+')
    return use_arg ? p->arg : "";
  return use_arg ? p->arg : v;
}

char *fg_shflow_string(const FgShellVars *vars, const FgShellWord *w) {
  if (!w->parts && !w->nparts)
    return w->dynamic ? NULL : fg_xstrdup(w->text ? w->text : "");
  FgBuf b = {0};
  for (size_t i = 0; i < w->nparts; i++) {
    const FgShellPart *p = &w->parts[i];
    const char *v = p->kind == FG_SHELL_LIT     ? p->text
                    : p->kind == FG_SHELL_PARAM ? fg_param_value(vars, p)
                                                : NULL;
    if (!v) {
      fg_buf_free(&b);
      return NULL;
    }
    fg_buf_puts(&b, v);
  }
  return fg_buf_take(&b);
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
static void fg_expand_word(const FgShellVars *vars, const FgShellWord *w,
                           FgWordVec *out) {
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
    const char *v = p->kind == FG_SHELL_PARAM ? fg_param_value(vars, p) : NULL;
    char *spell =
        p->kind == FG_SHELL_PARAM
            ? (p->op[0] ? fg_xasprintf("${%s%s%s}", p->text, p->op, p->arg ? p->arg : "")
                        : fg_xasprintf("$%s", p->text))
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
    free(spell);
  }
  fg_field_end(&f);
  fg_buf_free(&f.cur);
  fg_buf_free(&f.spell);
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
    FgFlowCommand fc = {&x, fl->vars, maybe, fl->in_eval};
    fl->visit(&fc, fl->user);
  }
  fg_words_free(&words);
  fg_words_free(&assigns);
}

static void fg_flow_script(FgFlow *fl, const FgShellScript *sh) {
  for (size_t i = 0; i < sh->ncmds; i++) {
    const FgShellCommand *c = &sh->cmds[i];
    int reach = fg_shflow_cond(sh, c->cond, fl->vars);
    if (reach == 0)
      continue;
    bool maybe = reach < 0;
    switch (c->kind) {
    case FG_SHELL_ASSIGN:
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

void fg_shflow_run(const FgShellScript *sh, const FgXSubstVec *map, FgShellVars *vars,
                   FgFlowVisit visit, void *user) {
  FgFlow fl = {map, vars, visit, user, 0, false, 0, 0};
  fg_flow_script(&fl, sh);
}
