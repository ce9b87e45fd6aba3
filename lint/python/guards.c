/* python/guards: the conditions code runs under, evaluated where a def runs
 * (python/eval.c gives the values): guards true, false or unknown per
 * platform cell, loops over literal values, dask's scheduler at a compute,
 * and values as hash keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "python/internal.h"

static FgGuardResult fg_py_guard_(FgEnv *env, int g);

static const FgPyExpr *fg_guard_ex(const FgModule *m, int e) {
  return &m->py->exprs[e];
}

/* ---- guards ------------------------------------------------------------------- */

/* The truth of a condition in every cell: *mask the cells where it holds;
 * false when some cell cannot be evaluated. */
static bool fg_cond_mask(FgEnv *env, int expr, FgPlatforms *mask) {
  FgEnv e = *env;
  e.cell = -1;
  FgVal v = fg_py_eval(&e, e.mod, expr);
  if (v.kind != FG_VAL_PLAT) {
    int t = fg_py_truth(v);
    if (t < 0)
      return false;
    *mask = t ? FG_PLATFORMS_ALL : 0;
    return true;
  }
  FgPlatforms m = 0;
  for (int cell = 0; cell < 64; cell++) {
    e.cell = cell;
    FgVal c = fg_py_eval(&e, e.mod, expr);
    int t = c.kind == FG_VAL_PLAT ? -1 : fg_py_truth(c);
    if (t < 0)
      return false;
    if (t)
      m |= (FgPlatforms)1 << cell;
  }
  *mask = m;
  return true;
}

/* A once-per-process initialisation whose subject is not a parameter (nor a
 * local that is not also a module global): whether this run is the first
 * is not known. */
static bool fg_lazy(const FgEnv *env, const FgPyCond *c) {
  if (!c->lazy || c->expr < 0)
    return false;
  const FgPyExpr *x = &env->mod->py->exprs[c->expr];
  if (x->kind == FG_EXPR_NOT || x->kind == FG_EXPR_CMP)
    x = x->a >= 0 ? &env->mod->py->exprs[x->a] : x;
  if (x->kind != FG_EXPR_NAME || !x->text)
    return false;
  if (x->how == FG_NAME_PARAM || x->how == FG_NAME_SELF)
    return false;
  if (x->how == FG_NAME_LOCAL)
    return fg_py_find_global(env->mod, x->text, strcspn(x->text, ".(")) != NULL;
  return true;
}

static FgGuardResult fg_py_guard_(FgEnv *env, int g) {
  FgGuardResult r = {FG_GUARD_TRUE, FG_PLATFORMS_ALL, -1};
  const FgPyModule *py = env->mod->py;
  for (int steps = 0; g >= 0 && (size_t)g < py->nconds && steps < 64; steps++) {
    const FgPyCond *c = &py->conds[g];
    if (c->kind == FG_COND_RAISES || c->kind == FG_COND_CONFIG ||
        c->kind == FG_COND_FOR) {
      /* judged by the search: it depends on what the callee checks first,
       * or on what is computed in the body */
      g = c->parent;
      continue;
    }
    FgPlatforms mask = FG_PLATFORMS_ALL;
    bool known = c->expr >= 0 && !fg_lazy(env, c);
    if (known) {
      FgEnv e = *env;
      e.at = c->span.start;
      e.use_known = true;
      e.use_guard = c->parent;
      known = fg_cond_mask(&e, c->expr, &mask);
    }
    if (!known) {
      /* a skip we cannot evaluate is assumed not taken: the test is about
       * running where it is not skipped */
      if (c->kind != FG_COND_SKIP && r.status == FG_GUARD_TRUE) {
        r.status = FG_GUARD_UNKNOWN;
        r.unknown = g;
      } else if (c->kind != FG_COND_SKIP && r.unknown < 0) {
        r.unknown = g;
      }
    } else {
      if (c->negated)
        mask = ~mask;
      r.plat &= mask;
      if (!r.plat) {
        r.status = FG_GUARD_FALSE;
        return r;
      }
    }
    g = c->parent;
  }
  return r;
}

/* Memoised per (module, guard, def, self, parameters, instance): a guard's
 * value depends on nothing else. */
FgGuardResult fg_py_guard(FgEnv *env, int g) {
  if (g < 0) {
    FgGuardResult t = {FG_GUARD_TRUE, FG_PLATFORMS_ALL, -1};
    return t;
  }
  uintptr_t loop = env->loop_cond1
                       ? (uintptr_t)(fg_py_val_hash(&env->loop_val) ^
                                     ((uint64_t)env->loop_cond1 * 0x9e3779b97f4a7c15ull))
                       : 0;
  FgMemoKey key = {
      {FG_MEMO_GUARD ^ (loop << 3), (uintptr_t)env->mod, (uintptr_t)g,
       (uintptr_t)(env->def + 2), (uintptr_t)env->params, (uintptr_t)env->inst,
       (uintptr_t)env->self.mod ^ ((uintptr_t)(env->self.cls + 1) << 48) ^
           ((uintptr_t)env->entry << 47) ^ ((uintptr_t)env->params_unknown << 46)},
      NULL};
  int slot = fg_py_memo(env->search, &key);
  if (slot >= 0) {
    FgMemoSlot *m = fg_py_memo_at(env->search, slot);
    if (m->state == 2)
      return m->guard;
    if (m->state == 1) {
      FgGuardResult u = {FG_GUARD_UNKNOWN, FG_PLATFORMS_ALL, g};
      return u;
    }
    m->state = 1;
  }
  FgGuardResult r = fg_py_guard_(env, g);
  if (slot >= 0) {
    FgMemoSlot *m = fg_py_memo_at(env->search, slot);
    m->state = 2;
    m->guard = r;
  }
  return r;
}

char *fg_py_guard_note(const FgModule *m, int c) {
  const FgPyCond *cond = &m->py->conds[c];
  FgPos pos = fg_source_pos(m->src, cond->span.start);
  if (cond->kind == FG_COND_EXCEPT)
    return fg_xasprintf("only when the `try` body raises (%s:%zu)", m->src->path,
                        pos.line);
  if (cond->kind == FG_COND_CASE)
    return fg_xasprintf("only in one `case` of a `match` (%s:%zu)", m->src->path,
                        pos.line);
  char *text = fg_pyfile_text(m->py, cond->span, 80);
  if (cond->kind == FG_COND_CONFIG) {
    char *out =
        fg_xasprintf("only when the scheduler `%s` sets starts processes (%s:%zu)", text,
                     m->src->path, pos.line);
    free(text);
    return out;
  }
  if (cond->kind == FG_COND_RAISES) {
    char *out = fg_xasprintf("only if the code under `%s` gets past its checks before it "
                             "raises (%s:%zu)",
                             text, m->src->path, pos.line);
    free(text);
    return out;
  }
  if (cond->lazy) {
    char *out = fg_xasprintf("only the first time it runs in a process: `%s` (%s:%zu)",
                             text, m->src->path, pos.line);
    free(text);
    return out;
  }
  char *out = fg_xasprintf("only when `%s` is %s (%s:%zu)", text,
                           cond->negated ? "false" : "true", m->src->path, pos.line);
  free(text);
  return out;
}
/* ---- loops over literal values ------------------------------------------------ */

int fg_py_loop_values(FgEnv *env, int cond, FgVal *out, int max) {
  const FgPyCond *c = &env->mod->py->conds[cond];
  if (c->kind != FG_COND_FOR || c->expr < 0)
    return -1;
  const FgPyExpr *x = fg_guard_ex(env->mod, c->expr);
  FgEnv e = *env;
  e.loop_cond1 = 0;
  e.at = c->span.start;
  e.use_known = true;
  e.use_guard = c->parent;
  e.depth++;
  int n = 0;
  if (x->kind == FG_EXPR_TUPLE) {
    for (int el = x->a; el >= 0; el = fg_guard_ex(env->mod, el)->next) {
      if (n == max)
        return -1;
      FgVal v = fg_py_eval(&e, env->mod, el);
      if (v.kind == FG_VAL_UNKNOWN || v.kind == FG_VAL_PLAT)
        return -1;
      out[n++] = v;
    }
    return n;
  }
  if (x->kind != FG_EXPR_CALL || !fg_str_eq(x->text, "range") || x->how != FG_NAME_GLOBAL)
    return -1;
  long long arg[3];
  int k = 0;
  for (int a = x->a; a >= 0; a = fg_guard_ex(env->mod, a)->next) {
    FgVal v = fg_py_eval(&e, env->mod, a);
    if (k == 3 || v.kind != FG_VAL_INT || fg_guard_ex(env->mod, a)->kind == FG_EXPR_KW)
      return -1;
    /* bounded, as arithmetic is: stepping never overflows */
    if (v.ival > (1LL << 31) || v.ival < -(1LL << 31))
      return -1;
    arg[k++] = v.ival;
  }
  long long lo = k > 1 ? arg[0] : 0, hi = k > 1 ? arg[1] : k ? arg[0] : 0;
  long long step = k > 2 ? arg[2] : 1;
  if (!k || !step)
    return -1;
  for (long long i = lo; step > 0 ? i < hi : i > hi; i += step) {
    if (n == max)
      return -1;
    out[n++] = fg_py_val_int(i);
  }
  return n;
}

bool fg_py_reads_loop_var(const FgModule *m, int cond, int e) {
  if (e < 0 || (size_t)e >= m->py->nexprs)
    return false;
  const FgPyCond *c = &m->py->conds[cond];
  size_t n = c->span.end - c->span.start;
  const char *name = m->src->data + c->span.start;
  /* an explicit stack: expressions nest, bounded by the summary's size */
  int stack[64];
  int top = 0;
  stack[top++] = e;
  while (top) {
    const FgPyExpr *x = fg_guard_ex(m, stack[--top]);
    if (x->kind == FG_EXPR_NAME && x->how == FG_NAME_LOCAL && x->text &&
        strcspn(x->text, ".(") == n && strncmp(x->text, name, n) == 0)
      return true;
    int kids[3] = {x->a, x->b, x->kind == FG_EXPR_IFEXP ? (int)x->ival : -1};
    if (x->kind == FG_EXPR_TUPLE || x->kind == FG_EXPR_CALL || x->kind == FG_EXPR_DICT) {
      for (int k = x->a; k >= 0 && top < 64; k = fg_guard_ex(m, k)->next)
        stack[top++] = k;
      continue;
    }
    for (int k = 0; k < 3 && top < 64; k++)
      if (kids[k] >= 0)
        stack[top++] = kids[k];
  }
  return false;
}
/* ---- dask schedulers ---------------------------------------------------------- */

/* What a scheduler value starts; -1: None (the default stays). */
static int fg_sched_of(FgVal v, int *def) {
  switch (v.kind) {
  case FG_VAL_NONE:
    return -1;
  case FG_VAL_STR:
    return fg_pysites_scheduler(v.str) ? FG_SCHED_PROCESSES : FG_SCHED_NONE;
  case FG_VAL_EXTERNAL: {
    char *canon = fg_pysites_canonical(v.str);
    bool hit = fg_pysites_scheduler_name(canon);
    free(canon);
    return hit ? FG_SCHED_PROCESSES : FG_SCHED_NONE;
  }
  case FG_VAL_DEF:
    *def = v.def;
    return FG_SCHED_DEF;
  case FG_VAL_UNKNOWN:
  case FG_VAL_PLAT:
    return FG_SCHED_UNKNOWN;
  default:
    return FG_SCHED_NONE; /* a client, an executor, a number: not dask's processes */
  }
}

static int fg_sched_expr(FgEnv *env, int expr, size_t at, int guard, int *def) {
  FgEnv e = *env;
  e.at = at;
  e.use_known = true;
  e.use_guard = guard;
  e.depth++;
  return fg_sched_of(fg_py_eval(&e, env->mod, expr), def);
}

FgSchedVerdict fg_py_dask_scheduler(FgEnv *env, const FgPyCall *c, int *def, int *cond) {
  *def = -1;
  *cond = -1;
  if (c->gate_expr >= 0) {
    int k = fg_sched_expr(env, c->gate_expr, c->span.start, c->guard, def);
    if (k >= 0)
      return (FgSchedVerdict)k;
  }
  if (c->gate != FG_GATE_DASK_DEFAULT)
    return FG_SCHED_NONE;
  const FgPyModule *py = env->mod->py;
  for (int g = c->guard, steps = 0; g >= 0 && (size_t)g < py->nconds && steps < 64;
       steps++, g = py->conds[g].parent) {
    const FgPyCond *k = &py->conds[g];
    if (k->kind != FG_COND_CONFIG)
      continue;
    int v = fg_sched_expr(env, k->expr, k->span.start, k->parent, def);
    if (v >= 0) {
      *cond = g;
      return (FgSchedVerdict)v;
    }
  }
  /* `dask.config.set(scheduler=...)` earlier in the def holds from there on */
  const FgPyFunc *f = env->func;
  for (size_t i = f ? f->ncalls : 0; i-- > 0;) {
    const FgPyCall *o = &f->calls[i];
    if (o->span.end > c->span.start || o->in_with || o->gate_expr < 0 ||
        strcmp(o->resolved, "dask.config.set") != 0)
      continue;
    int v = fg_sched_expr(env, o->gate_expr, o->span.start, o->guard, def);
    if (v == FG_SCHED_UNKNOWN)
      return FG_SCHED_NONE; /* no guard to name: not reported */
    if (v >= 0)
      return (FgSchedVerdict)v;
  }
  return FG_SCHED_PROCESSES;
}
/* ---- values as keys ----------------------------------------------------------- */

static uint64_t fg_mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

uint64_t fg_py_val_hash(const FgVal *v) {
  uint64_t h = fg_mix(1469598103934665603ull, v->kind);
  switch (v->kind) {
  case FG_VAL_BOOL:
  case FG_VAL_INT:
  case FG_VAL_VERSION:
    return fg_mix(h, (uint64_t)v->ival);
  case FG_VAL_STR:
  case FG_VAL_EXTERNAL:
    for (const char *c = v->str; c && *c; c++)
      h = fg_mix(h, (unsigned char)*c);
    return h;
  case FG_VAL_NAMESPACE:
  case FG_VAL_KWDICT:
    return fg_mix(h, (uintptr_t)v->inst);
  case FG_VAL_TUPLE:
  case FG_VAL_DICT:
    h = fg_mix(fg_mix(h, (uintptr_t)v->tmod), (uint64_t)v->texpr);
    return fg_mix(h, (uint64_t)v->ival);
  case FG_VAL_CLASS:
  case FG_VAL_INSTANCE:
  case FG_VAL_DEF:
    h = fg_mix(fg_mix(h, (uintptr_t)v->cls.mod), (uint64_t)v->cls.cls);
    h = fg_mix(h, (uint64_t)(v->def + 1));
    return fg_mix(h, (uintptr_t)v->inst);
  default:
    return h;
  }
}

bool fg_py_val_eq(const FgVal *a, const FgVal *b) {
  if (a->kind != b->kind)
    return false;
  switch (a->kind) {
  case FG_VAL_BOOL:
  case FG_VAL_INT:
  case FG_VAL_VERSION:
    return a->ival == b->ival && (a->kind != FG_VAL_VERSION || a->texpr == b->texpr);
  case FG_VAL_STR:
  case FG_VAL_EXTERNAL:
    return fg_str_eq(a->str, b->str);
  case FG_VAL_NAMESPACE:
    return a->inst == b->inst && fg_str_eq(a->str, b->str);
  case FG_VAL_KWDICT:
    return a->inst == b->inst;
  case FG_VAL_TUPLE:
  case FG_VAL_DICT:
    return a->tmod == b->tmod && a->texpr == b->texpr && a->ival == b->ival;
  case FG_VAL_CLASS:
  case FG_VAL_INSTANCE:
  case FG_VAL_DEF:
    return a->cls.mod == b->cls.mod && a->cls.cls == b->cls.cls && a->def == b->def &&
           a->inst == b->inst;
  default:
    return true;
  }
}

bool fg_py_eval_mask(const FgPyModel *p, FgModule *m, int expr, FgPlatforms *mask) {
  FgStrIntern arena = {0};
  FgEnv e;
  memset(&e, 0, sizeof e);
  e.p = p;
  e.mod = m;
  e.def = -1;
  e.cell = -1;
  e.arena = &arena;
  bool ok = fg_cond_mask(&e, expr, mask);
  fg_str_intern_free(&arena);
  return ok;
}
