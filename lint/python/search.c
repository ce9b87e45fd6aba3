/* python/search: does a test really start processes? From the test, a
 * depth-first search over what it runs -- calls (through imports, `self.`
 * along the class that runs the test, instances made with in-repo classes,
 * values: contexts, pool classes, fixtures and helpers returning them),
 * fixtures, setUp methods, autouse fixtures, callables handed to a runner --
 * to a process start. Each step carries the guard it sits under, evaluated
 * where the def runs (FgEnv: the call's arguments, one level deep, and
 * self's construction): a path is certain (FG101), possible (an unknown
 * guard: FG105) or not a path. Results are memoised per (def, context); a
 * result that leaned on a def still being searched (recursion) is kept for
 * this test only. Depth is bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "python/internal.h"

/* The bit of a def's parameter reads that says it reads its `**` parameter. */
#define FG_READS_KWARGS ((uint64_t)1 << 63)

/* A chain longer than this is not followed. */
#define FG_SEARCH_DEPTH 48

enum { FG_REACH_NONE = 0, FG_REACH_POSSIBLE = 1, FG_REACH_CERTAIN = 2 };
enum { FG_ROLE_CALL = 0, FG_ROLE_TEST = 1 };
enum { FG_NODE_NEW, FG_NODE_OPEN, FG_NODE_FINAL, FG_NODE_PROVISIONAL };

typedef struct FgKey {
  int def;
  int role;
  const FgModule *self_mod;
  int self_cls;
  const FgBinding *params;      /* the parameters' values (when the def reads them) */
  const FgBinding *inst;        /* self's construction (when the def reads self) */
  const FgModule *file;         /* a test: the collected file (its scope) */
  const FgBinding *test_params; /* a parametrized test's values */
} FgKey;

typedef struct FgReach {
  FgPlatforms plat;
  const FgSource *src;
  size_t start, end;
  const char *label;
  const FgModule *gmod; /* the first unknown guard on the path */
  const char *miss;
  int dist;
  unsigned methods;
  int child; /* the next node, -1: the step is the process start */
  int gcond;
  uint8_t status;
  bool raises; /* the def certainly raises before it ends (calls a None / a string) */
} FgReach;

/* A node's result is kept apart (FgSearch.reaches) unless it is fg_none():
 * most nodes reach nothing, and a node is then a third of the size. */
typedef struct FgNode {
  FgKey key;
  uint8_t state;
  uint8_t redone; /* times a provisional result was computed again */
  unsigned query;
  int reach; /* in reaches; -1: fg_none() */
} FgNode;

struct FgSearch {
  const FgPyModel *p;
  FG_VEC(FgNode) nodes;
  FgITable node_ix;
  FG_VEC(FgReach) reaches;
  FgStrIntern arena; /* the strings values and links hold, one copy each */
  unsigned query;
  bool hit_open;
  const FgPatchSet *patches;
  /* per def, the same in every search (fg_py_search_share) */
  bool shared_sens;
  uint8_t *sens; /* per def: 0 unknown, else 1 | 4 self-sensitive */
  uint64_t
      *relevant; /* per def: the parameters its code reads (bit i), once sens is set */
  FG_VEC(FgBinding *) bindings;
  FgITable binding_ix;
  FG_VEC(FgMemoSlot) memo;
  FgITable memo_ix;
  size_t budget; /* node evaluations left for this test */
  size_t evals;
};

static FgReach fg_none(void) {
  FgReach r;
  memset(&r, 0, sizeof r);
  r.child = -1;
  r.gcond = -1;
  return r;
}

static int fg_popcount(FgPlatforms x) {
  int n = 0;
  for (; x; x &= x - 1)
    n++;
  return n;
}

/* Is a better than b? Certain over possible, more platforms, shorter. */
static bool fg_better(const FgReach *a, const FgReach *b) {
  if (a->status != b->status)
    return a->status > b->status;
  if (a->status == FG_REACH_NONE)
    return false;
  int pa = fg_popcount(a->plat), pb = fg_popcount(b->plat);
  if (pa != pb)
    return pa > pb;
  return a->dist < b->dist;
}

/* ---- the memo ------------------------------------------------------------------ */

static uint64_t fg_key_hash(const FgKey *k) {
  uint64_t h = 1469598103934665603ull;
  uintptr_t parts[] = {(uintptr_t)k->def,      (uintptr_t)k->role,
                       (uintptr_t)k->self_mod, (uintptr_t)k->self_cls,
                       (uintptr_t)k->params,   (uintptr_t)k->inst,
                       (uintptr_t)k->file,     (uintptr_t)k->test_params};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    h ^= (uint64_t)parts[i];
    h *= 1099511628211ull;
    h ^= h >> 31;
  }
  return h;
}

static bool fg_key_eq(const FgKey *a, const FgKey *b) {
  return a->def == b->def && a->role == b->role && a->self_mod == b->self_mod &&
         a->self_cls == b->self_cls && a->params == b->params && a->inst == b->inst &&
         a->file == b->file && a->test_params == b->test_params;
}

static bool fg_node_is(const void *ctx, int index, const void *key) {
  const FgSearch *s = ctx;
  return fg_key_eq(&s->nodes.items[index].key, key);
}

static int fg_node_get(FgSearch *s, const FgKey *k) {
  uint64_t h = fg_key_hash(k);
  int found = fg_itable_find(&s->node_ix, h, fg_node_is, s, k);
  if (found >= 0)
    return found;
  FgNode n;
  memset(&n, 0, sizeof n);
  n.key = *k;
  n.state = FG_NODE_NEW;
  n.reach = -1;
  fg_vec_push(&s->nodes, n);
  fg_itable_add(&s->node_ix, h, (int)s->nodes.len - 1);
  return (int)s->nodes.len - 1;
}

static const FgReach kNoReach = {.child = -1, .gcond = -1};

/* Node i's result. */
static const FgReach *fg_node_reach(const FgSearch *s, int i) {
  int r = s->nodes.items[i].reach;
  return r >= 0 ? &s->reaches.items[r] : &kNoReach;
}

static bool fg_reach_is_none(const FgReach *r) {
  return !r->plat && !r->src && !r->start && !r->end && !r->label && !r->gmod &&
         !r->miss && !r->dist && !r->methods && r->child == -1 && r->gcond == -1 &&
         !r->status && !r->raises;
}

static void fg_node_set_reach(FgSearch *s, int i, const FgReach *r) {
  FgNode *n = &s->nodes.items[i];
  if (n->reach >= 0) {
    s->reaches.items[n->reach] = *r;
  } else if (!fg_reach_is_none(r)) {
    fg_vec_push(&s->reaches, *r);
    n->reach = (int)s->reaches.len - 1;
  }
}

static void fg_binding_free(FgBinding *b);

FgSearch *fg_py_search_new(const FgPyModel *p, const FgPatchSet *patches) {
  FgSearch *s = fg_xcalloc(1, sizeof *s);
  s->p = p;
  s->patches = patches;
  s->sens = fg_xcalloc(p->defs.len ? p->defs.len : 1, 1);
  s->relevant = fg_xcalloc(p->defs.len ? p->defs.len : 1, sizeof *s->relevant);
  return s;
}

void fg_py_search_share(FgSearch *s, FgSearch *from) {
  if (!s->shared_sens) {
    free(s->sens);
    free(s->relevant);
  }
  s->sens = from->sens;
  s->relevant = from->relevant;
  s->shared_sens = true;
}

void fg_py_search_delete(FgSearch *s) {
  if (!s)
    return;
  if (getenv("FG_DEBUG_SEARCH"))
    fprintf(stderr, "search: %zu nodes, %u queries, %zu evals\n", s->nodes.len, s->query,
            s->evals);
  fg_vec_free(&s->nodes);
  fg_itable_free(&s->node_ix);
  fg_vec_free(&s->reaches);
  fg_str_intern_free(&s->arena);
  if (!s->shared_sens) {
    free(s->sens);
    free(s->relevant);
  }
  for (size_t i = 0; i < s->bindings.len; i++)
    fg_binding_free(s->bindings.items[i]);
  fg_vec_free(&s->bindings);
  fg_itable_free(&s->binding_ix);
  for (size_t i = 0; i < s->memo.len; i++)
    free((char *)s->memo.items[i].key.text);
  fg_vec_free(&s->memo);
  fg_itable_free(&s->memo_ix);
  free(s);
}

/* ---- which contexts a def's results depend on ----------------------------------- */

static bool fg_args_read_context(const FgModule *m, const FgPyCall *c);

/* Does expr e of m (or its children) read a name bound as `how`? */
static bool fg_expr_reads(const FgModule *m, int e, uint8_t how, int depth) {
  if (e < 0 || depth > 16 || (size_t)e >= m->py->nexprs)
    return false;
  const FgPyExpr *x = &m->py->exprs[e];
  if ((x->kind == FG_EXPR_NAME || x->kind == FG_EXPR_CALL) && x->how == how)
    return true;
  if (x->kind == FG_EXPR_TUPLE || x->kind == FG_EXPR_CALL) {
    for (int c = x->a; c >= 0; c = m->py->exprs[c].next)
      if (fg_expr_reads(m, c, how, depth + 1))
        return true;
    return false;
  }
  if (x->kind == FG_EXPR_IFEXP && fg_expr_reads(m, (int)x->ival, how, depth + 1))
    return true;
  return fg_expr_reads(m, x->a, how, depth + 1) || fg_expr_reads(m, x->b, how, depth + 1);
}

static bool fg_guard_reads(const FgModule *m, int g, uint8_t how) {
  for (int steps = 0; g >= 0 && steps < 64; steps++) {
    const FgPyCond *c = &m->py->conds[g];
    if (fg_expr_reads(m, c->expr, how, 0))
      return true;
    g = c->parent;
  }
  return false;
}

/* Does expr e of m read parameter `name` (its first component)? A local of
 * that name reads it too: the parameter reassigned (`if x is None: x = {}`)
 * is still the parameter where the assignment did not run. */
static bool fg_expr_reads_param(const FgModule *m, int e, const char *name, int depth) {
  if (e < 0 || depth > 16 || (size_t)e >= m->py->nexprs)
    return false;
  const FgPyExpr *x = &m->py->exprs[e];
  if ((x->kind == FG_EXPR_NAME || x->kind == FG_EXPR_CALL) &&
      (x->how == FG_NAME_PARAM || x->how == FG_NAME_LOCAL) && x->text) {
    size_t n = strcspn(x->text, ".(");
    if (strlen(name) == n && strncmp(x->text, name, n) == 0)
      return true;
  }
  if (x->kind == FG_EXPR_TUPLE || x->kind == FG_EXPR_CALL || x->kind == FG_EXPR_DICT) {
    for (int c = x->a; c >= 0; c = m->py->exprs[c].next)
      if (fg_expr_reads_param(m, c, name, depth + 1))
        return true;
    return false;
  }
  if (x->kind == FG_EXPR_IFEXP && fg_expr_reads_param(m, (int)x->ival, name, depth + 1))
    return true;
  return fg_expr_reads_param(m, x->a, name, depth + 1) ||
         fg_expr_reads_param(m, x->b, name, depth + 1);
}

static bool fg_guard_reads_param(const FgModule *m, int g, const char *name) {
  for (int steps = 0; g >= 0 && steps < 64; steps++) {
    const FgPyCond *c = &m->py->conds[g];
    if (fg_expr_reads_param(m, c->expr, name, 0))
      return true;
    g = c->parent;
  }
  return false;
}

/* Which parameters the def's code reads: in guards, gates, arguments it
 * passes on, callees, returned and assigned values (bit i: params[i], i <
 * 63; FG_READS_KWARGS: its `**` parameter). */
static uint64_t fg_param_reads(const FgModule *m, const FgPyFunc *f) {
  uint64_t mask = 0;
  size_t n_named = f->nparams < 63 ? f->nparams : 63;
  for (size_t i = 0; i <= n_named; i++) {
    const char *name = i < n_named ? f->params[i] : f->kwargs;
    if (!name)
      continue;
    size_t n = strlen(name);
    bool hit = false;
    for (size_t k = 0; k < f->ncalls && !hit; k++) {
      const FgPyCall *c = &f->calls[k];
      hit = (c->how == FG_NAME_PARAM && strncmp(c->callee, name, n) == 0 &&
             (c->callee[n] == '.' || c->callee[n] == '\0' || c->callee[n] == '(')) ||
            fg_guard_reads_param(m, c->guard, name) ||
            fg_expr_reads_param(m, c->gate_expr, name, 0);
      for (int a = c->args; a >= 0 && !hit; a = m->py->exprs[a].next)
        hit = fg_expr_reads_param(m, a, name, 0);
    }
    for (size_t k = 0; k < f->nreturns && !hit; k++)
      hit = fg_expr_reads_param(m, f->returns[k], name, 0);
    for (size_t k = 0; k < f->nlocals && !hit; k++)
      hit = fg_expr_reads_param(m, f->locals[k].expr, name, 0);
    for (size_t k = 0; k < f->nself_assigns && !hit; k++)
      hit = fg_expr_reads_param(m, f->self_assigns[k].expr, name, 0);
    if (hit)
      mask |= i < n_named ? (uint64_t)1 << i : FG_READS_KWARGS;
  }
  return mask;
}

static uint8_t fg_sensitivity(FgSearch *s, int d) {
  if (s->sens[d])
    return s->sens[d];
  const FgDef *def = &s->p->defs.items[d];
  const FgModule *m = def->mod;
  const FgPyFunc *f = &m->py->funcs[def->func];
  uint8_t v = 1;
  for (size_t i = 0; i < f->ncalls && !(v & 4); i++) {
    const FgPyCall *c = &f->calls[i];
    if (c->how == FG_NAME_SELF || fg_guard_reads(m, c->guard, FG_NAME_SELF) ||
        fg_expr_reads(m, c->gate_expr, FG_NAME_SELF, 0) || fg_args_read_context(m, c))
      v |= 4;
  }
  s->relevant[d] = fg_param_reads(m, f);
  s->sens[d] = v;
  return v;
}

/* ---- the evaluation memo ----------------------------------------------------------- */

/* Entries beyond this are computed each time. */
#define FG_MEMO_MAX (1u << 21)

static uint64_t fg_memo_hash(const FgMemoKey *k) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < 7; i++) {
    h ^= (uint64_t)k->k[i];
    h *= 1099511628211ull;
    h ^= h >> 29;
  }
  for (const char *c = k->text; c && *c; c++)
    h = (h ^ (unsigned char)*c) * 1099511628211ull;
  return h;
}

static bool fg_memo_eq(const FgMemoKey *a, const FgMemoKey *b) {
  return memcmp(a->k, b->k, sizeof a->k) == 0 && fg_str_eq(a->text, b->text);
}

static bool fg_memo_is(const void *ctx, int index, const void *key) {
  const FgSearch *s = ctx;
  return fg_memo_eq(&s->memo.items[index].key, key);
}

int fg_py_memo(FgSearch *s, const FgMemoKey *key) {
  if (!s || s->memo.len >= FG_MEMO_MAX)
    return -1;
  uint64_t h = fg_memo_hash(key);
  int found = fg_itable_find(&s->memo_ix, h, fg_memo_is, s, key);
  if (found >= 0)
    return found;
  FgMemoSlot slot;
  memset(&slot, 0, sizeof slot);
  slot.key = *key;
  slot.key.text = key->text ? fg_xstrdup(key->text) : NULL;
  fg_vec_push(&s->memo, slot);
  fg_itable_add(&s->memo_ix, h, (int)s->memo.len - 1);
  return (int)s->memo.len - 1;
}

FgMemoSlot *fg_py_memo_at(FgSearch *s, int slot) {
  return &s->memo.items[slot];
}

/* ---- bindings ------------------------------------------------------------------ */

static FgVal fg_val_unknown(void) {
  return fg_py_val(FG_VAL_UNKNOWN);
}

static uint64_t fg_binding_hash(const FgBinding *b) {
  uint64_t h = (uint64_t)b->def * 0x9e3779b97f4a7c15ull + b->kw_open;
  for (size_t i = 0; i < b->n; i++)
    h = (h ^ fg_py_val_hash(&b->vals[i])) * 1099511628211ull;
  for (size_t i = 0; i < b->nextra_pos; i++)
    h = (h ^ fg_py_val_hash(&b->extra_pos[i])) * 1099511628211ull;
  for (size_t i = 0; i < b->nextra_kw; i++) {
    h = (h ^ fg_py_val_hash(&b->extra_kw[i])) * 1099511628211ull;
    for (const char *c = b->extra_names[i]; *c; c++)
      h = (h ^ (unsigned char)*c) * 1099511628211ull;
  }
  return h;
}

static bool fg_binding_eq(const FgBinding *a, const FgBinding *b) {
  if (a->def != b->def || a->n != b->n || a->nextra_pos != b->nextra_pos ||
      a->nextra_kw != b->nextra_kw || a->kw_open != b->kw_open)
    return false;
  for (size_t i = 0; i < a->n; i++)
    if (!fg_py_val_eq(&a->vals[i], &b->vals[i]))
      return false;
  for (size_t i = 0; i < a->nextra_pos; i++)
    if (!fg_py_val_eq(&a->extra_pos[i], &b->extra_pos[i]))
      return false;
  for (size_t i = 0; i < a->nextra_kw; i++)
    if (strcmp(a->extra_names[i], b->extra_names[i]) != 0 ||
        !fg_py_val_eq(&a->extra_kw[i], &b->extra_kw[i]))
      return false;
  return true;
}

static void fg_binding_free(FgBinding *b) {
  free(b->vals);
  free(b->extra_pos);
  free(b->extra_names);
  free(b->extra_kw);
  free(b);
}

/* A value as a binding keeps it: where it was made does not count. */
static FgVal fg_bound(FgVal v) {
  v.origin_mod = NULL;
  v.origin_label = NULL;
  memset(&v.origin, 0, sizeof v.origin);
  if (v.kind == FG_VAL_PLAT)
    v.kind = FG_VAL_UNKNOWN;
  return v;
}

static bool fg_binding_is(const void *ctx, int index, const void *key) {
  const FgSearch *s = ctx;
  const FgBinding *o = s->bindings.items[index], *b = key;
  return o->hash == b->hash && fg_binding_eq(o, b);
}

static const FgBinding *fg_intern(FgSearch *s, FgBinding *b) {
  b->hash = fg_binding_hash(b);
  int found = fg_itable_find(&s->binding_ix, b->hash, fg_binding_is, s, b);
  if (found >= 0) {
    fg_binding_free(b);
    return s->bindings.items[found];
  }
  fg_vec_push(&s->bindings, b);
  fg_itable_add(&s->binding_ix, b->hash, (int)s->bindings.len - 1);
  return b;
}

/* The `**m` arguments of a call, evaluated (at most FG_SPLATS; more: not
 * known). */
#define FG_SPLATS 4

typedef struct FgSplats {
  FgVal vals[FG_SPLATS];
  size_t n;
  bool unknown; /* one is not a mapping the model knows */
} FgSplats;

static void fg_splats(FgEnv *env, FgModule *m, int args, FgSplats *out) {
  const FgPyExpr *ex = m->py->exprs;
  out->n = 0;
  out->unknown = false;
  for (int a = args; a >= 0; a = ex[a].next) {
    if (ex[a].kind != FG_EXPR_KW || !fg_str_eq(ex[a].text, "**"))
      continue;
    FgEnv e = *env;
    e.depth++;
    FgVal v = fg_py_eval(&e, m, ex[a].a);
    if (out->n == FG_SPLATS || (v.kind != FG_VAL_KWDICT && v.kind != FG_VAL_DICT)) {
      out->unknown = true;
      continue;
    }
    out->vals[out->n++] = v;
  }
}

/* The value the expanded mappings give keyword `name`: 1 found, 0 none of
 * them has it, -1 not known. */
static int fg_splat_get(FgEnv *env, const FgSplats *sp, const char *name, FgVal *out) {
  for (size_t i = sp->n; i-- > 0;) {
    int r = fg_py_mapping_get(env, sp->vals[i], name, out);
    if (r != 0)
      return r;
  }
  return sp->unknown ? -1 : 0;
}

/* Every keyword the expanded mappings hold, in order (the later wins). */
typedef void (*FgSplatEach)(void *ctx, const char *name, FgVal v);

static bool fg_splat_each(FgEnv *env, const FgSplats *sp, FgSplatEach fn, void *ctx) {
  for (size_t i = 0; i < sp->n; i++) {
    FgVal v = sp->vals[i];
    if (v.kind == FG_VAL_KWDICT) {
      for (size_t k = 0; v.inst && k < v.inst->nextra_kw; k++)
        fn(ctx, v.inst->extra_names[k], v.inst->extra_kw[k]);
    } else {
      for (int e = v.tmod->py->exprs[v.texpr].a; e >= 0; e = v.tmod->py->exprs[e].next) {
        const FgPyExpr *kv = &v.tmod->py->exprs[e];
        FgVal x = fg_val_unknown();
        fg_py_mapping_get(env, v, kv->text, &x);
        fn(ctx, kv->text, x);
      }
    }
  }
  return !sp->unknown;
}

typedef struct FgExtras {
  FG_VEC(FgVal) kw;
  FG_VEC(const char *) names;
  const FgPyFunc *f;
  bool open;
} FgExtras;

/* A keyword for the extras: one the def has no parameter for; a later one
 * of the same name replaces it. */
static void fg_extra_kw(void *ctx, const char *name, FgVal v) {
  FgExtras *x = ctx;
  for (size_t i = 0; x->f && i < x->f->nparams; i++)
    if (fg_str_eq(name, x->f->params[i]))
      return;
  for (size_t i = 0; i < x->names.len; i++)
    if (strcmp(x->names.items[i], name) == 0) {
      x->kw.items[i] = fg_bound(v);
      return;
    }
  if (x->kw.len == 16) {
    x->open = true;
    return;
  }
  fg_vec_push(&x->kw, fg_bound(v));
  fg_vec_push(&x->names, name);
}

const FgBinding *fg_py_bind(FgSearch *s, FgEnv *env, FgModule *m, int args, bool star,
                            int d) {
  if (!s || d < 0 || env->depth > 24)
    return NULL;
  fg_sensitivity(s, d);
  uint64_t rel = s->relevant[d];
  const FgDef *def = &s->p->defs.items[d];
  const FgPyFunc *f = &def->mod->py->funcs[def->func];
  bool init = strcmp(f->name, "__init__") == 0;
  if (!rel && !init)
    return NULL;
  const FgPyExpr *ex = m->py->exprs;
  FgSplats sp = {0};
  bool splat = false;
  for (int a = args; a >= 0 && !splat; a = ex[a].next)
    splat = ex[a].kind == FG_EXPR_KW && fg_str_eq(ex[a].text, "**");
  if (splat)
    fg_splats(env, m, args, &sp);
  FgBinding *b = fg_xcalloc(1, sizeof *b);
  b->def = d;
  b->n = f->nparams;
  b->vals = fg_xcalloc(b->n ? b->n : 1, sizeof(FgVal));
  for (size_t i = 0; i < f->nparams; i++) {
    FgVal *out = &b->vals[i];
    *out = fg_val_unknown();
    if (i >= 63 || !((rel >> i) & 1))
      continue; /* never read: unknown, and the same for every call */
    int arg = -2;
    size_t pos = 0;
    for (int a = args; a >= 0; a = ex[a].next) {
      if (ex[a].kind == FG_EXPR_KW) {
        if (fg_str_eq(ex[a].text, f->params[i])) {
          arg = ex[a].a;
          break;
        }
      } else {
        if (!star && pos == i && i < f->npositional) {
          arg = a;
          break;
        }
        pos++;
      }
    }
    FgEnv e = *env;
    e.depth++;
    int from_splat = 0;
    if (arg < 0 && splat)
      from_splat = fg_splat_get(env, &sp, f->params[i], out);
    if (from_splat != 0) {
      /* found in a `**m`, or not known */
    } else if (arg >= 0) {
      *out = fg_py_eval(&e, m, arg);
    } else if (!star && f->param_defaults[i] >= 0) {
      FgEnv de;
      memset(&de, 0, sizeof de);
      de.p = s->p;
      de.mod = def->mod;
      de.def = -1;
      de.cell = env->cell;
      de.depth = env->depth + 1;
      de.arena = env->arena;
      de.search = s;
      *out = fg_py_eval(&de, def->mod, f->param_defaults[i]);
    }
    /* what made a value does not make it another value */
    out->origin_mod = NULL;
    out->origin_label = NULL;
    memset(&out->origin, 0, sizeof out->origin);
    if (out->kind == FG_VAL_PLAT) {
      /* a platform-dependent value that is the same on every cell is that
       * value (`2 if not IS_WASM else 1`) */
      FgVal first = fg_val_unknown();
      bool same = true;
      for (int cell = 0; cell < 64 && same; cell++) {
        FgEnv ce = e;
        ce.cell = cell;
        FgVal v = arg >= 0 ? fg_py_eval(&ce, m, arg) : fg_val_unknown();
        if (cell == 0)
          first = v;
        else
          same = fg_py_val_eq(&first, &v);
      }
      *out = same && first.kind != FG_VAL_PLAT ? first : fg_val_unknown();
      out->origin_mod = NULL;
      out->origin_label = NULL;
      memset(&out->origin, 0, sizeof out->origin);
    }
  }
  /* the extras: what an __init__ passes on to a base (`super().__init__(*args,
   * **kwargs)`), and the keywords a def's `**kwargs` holds */
  if (init || (rel & FG_READS_KWARGS)) {
    FG_VEC(FgVal) pos = {0};
    FgExtras x = {.f = f, .open = star};
    size_t k = 0;
    for (int a = args; a >= 0; a = ex[a].next) {
      FgEnv e = *env;
      e.depth++;
      if (ex[a].kind == FG_EXPR_KW) {
        if (!fg_str_eq(ex[a].text, "**"))
          fg_extra_kw(&x, ex[a].text, fg_py_eval(&e, m, ex[a].a));
      } else if (k++ >= f->npositional && !star) {
        if (pos.len < 16)
          fg_vec_push(&pos, fg_bound(fg_py_eval(&e, m, a)));
        else
          x.open = true;
      }
    }
    if (splat && !fg_splat_each(env, &sp, fg_extra_kw, &x))
      x.open = true;
    b->extra_pos = pos.items;
    b->nextra_pos = pos.len;
    b->extra_kw = x.kw.items;
    b->extra_names = x.names.items;
    b->nextra_kw = x.kw.len;
    b->kw_open = x.open;
  }
  return fg_intern(s, b);
}

const FgBinding *fg_py_bind_entries(FgSearch *s, const char *const *names,
                                    const FgVal *vals, size_t n) {
  if (!s)
    return NULL;
  FgBinding *b = fg_xcalloc(1, sizeof *b);
  b->def = -1;
  b->vals = fg_xcalloc(1, sizeof(FgVal));
  if (n) {
    b->extra_kw = fg_xcalloc(n, sizeof(FgVal));
    b->extra_names = fg_xcalloc(n, sizeof(const char *));
    for (size_t i = 0; i < n; i++) {
      b->extra_kw[i] = fg_bound(vals[i]);
      b->extra_names[i] = names[i];
    }
  }
  b->nextra_kw = n;
  return fg_intern(s, b);
}

const FgBinding *fg_py_bind_keywords(FgSearch *s, FgEnv *env, FgModule *m, int args) {
  if (!s || env->depth > 24)
    return NULL;
  FgExtras x = {0};
  const FgPyExpr *ex = m->py->exprs;
  bool splat = false;
  for (int a = args; a >= 0; a = ex[a].next) {
    if (ex[a].kind != FG_EXPR_KW) {
      x.open = true; /* a positional argument: some attribute may come from it */
      continue;
    }
    if (fg_str_eq(ex[a].text, "**")) {
      splat = true;
      continue;
    }
    FgEnv e = *env;
    e.depth++;
    fg_extra_kw(&x, ex[a].text, fg_py_eval(&e, m, ex[a].a));
  }
  if (splat) {
    FgSplats sp = {0};
    fg_splats(env, m, args, &sp);
    if (!fg_splat_each(env, &sp, fg_extra_kw, &x))
      x.open = true;
  }
  FgBinding *b = fg_xcalloc(1, sizeof *b);
  b->def = -1;
  b->vals = fg_xcalloc(1, sizeof(FgVal));
  b->extra_kw = x.kw.items;
  b->extra_names = x.names.items;
  b->nextra_kw = x.kw.len;
  b->kw_open = x.open;
  return fg_intern(s, b);
}

const FgBinding *fg_py_rebind(FgSearch *s, const FgBinding *src, int d) {
  if (!s || !src || d < 0 || (!src->nextra_pos && !src->nextra_kw))
    return NULL;
  const FgDef *def = &s->p->defs.items[d];
  const FgPyFunc *f = &def->mod->py->funcs[def->func];
  FgBinding *b = fg_xcalloc(1, sizeof *b);
  b->def = d;
  b->n = f->nparams;
  b->vals = fg_xcalloc(b->n ? b->n : 1, sizeof(FgVal));
  for (size_t i = 0; i < f->nparams; i++) {
    b->vals[i] = fg_val_unknown();
    if (i < src->nextra_pos && i < f->npositional) {
      b->vals[i] = src->extra_pos[i];
      continue;
    }
    bool found = false;
    for (size_t k = 0; k < src->nextra_kw && !found; k++)
      if (strcmp(src->extra_names[k], f->params[i]) == 0) {
        b->vals[i] = src->extra_kw[k];
        found = true;
      }
    if (!found && !src->kw_open && f->param_defaults[i] >= 0) {
      FgEnv de;
      memset(&de, 0, sizeof de);
      de.p = s->p;
      de.mod = def->mod;
      de.def = -1;
      de.cell = -1;
      de.arena = &s->arena;
      de.search = s;
      b->vals[i] = fg_bound(fg_py_eval(&de, def->mod, f->param_defaults[i]));
    }
  }
  return fg_intern(s, b);
}

/* ---- items ---------------------------------------------------------------------- */

static FgReach fg_node(FgSearch *s, const FgKey *k, int depth);

/* The env a node's def runs in. */
static void fg_env_of(FgSearch *s, const FgKey *k, FgEnv *env) {
  const FgDef *def = &s->p->defs.items[k->def];
  memset(env, 0, sizeof *env);
  env->p = s->p;
  env->mod = def->mod;
  env->func = &def->mod->py->funcs[def->func];
  env->def = k->def;
  env->self.mod = (FgModule *)k->self_mod;
  env->self.cls = k->self_cls;
  env->params = k->params;
  env->inst = k->inst;
  env->test_params = k->role == FG_ROLE_TEST ? k->params : k->test_params;
  env->entry = k->role == FG_ROLE_TEST || env->func->is_fixture;
  env->cell = -1;
  env->arena = &s->arena;
  env->search = s;
}

/* Do a call's arguments read the caller's parameters, locals or self? */
static bool fg_args_read_context(const FgModule *m, const FgPyCall *c) {
  for (int a = c->args; a >= 0; a = m->py->exprs[a].next)
    if (fg_expr_reads(m, a, FG_NAME_PARAM, 0) || fg_expr_reads(m, a, FG_NAME_LOCAL, 0) ||
        fg_expr_reads(m, a, FG_NAME_SELF, 0))
      return true;
  return false;
}

/* The key for entering def d with self (cls may be unknown) from call c of
 * env's def (NULL: no call), on an instance made with inst; `unbound`: c
 * runs d without giving it c's own arguments (a callable handed to a
 * runner), so d's parameters are not known. */
static FgKey fg_key(FgSearch *s, int d, FgClassRef self, FgEnv *from,
                    const FgPyCall *call, const FgBinding *inst, bool unbound) {
  FgKey k;
  memset(&k, 0, sizeof k);
  k.def = d;
  k.role = FG_ROLE_CALL;
  k.self_cls = -1;
  const FgDef *def = &s->p->defs.items[d];
  const FgPyFunc *f = &def->mod->py->funcs[def->func];
  if (f->cls >= 0) {
    if (self.mod) {
      k.self_mod = self.mod;
      k.self_cls = self.cls;
    } else {
      k.self_mod = def->mod;
      k.self_cls = f->cls;
    }
  }
  uint8_t sens = fg_sensitivity(s, d);
  if (from)
    k.test_params = from->test_params;
  if (call && from) {
    FgEnv e = *from;
    e.at = call->span.start;
    e.use_known = true;
    e.use_guard = call->guard;
    k.params = unbound ? fg_py_bind(s, &e, from->mod, -1, true, d)
                       : fg_py_bind(s, &e, from->mod, call->args, call->star_args, d);
  }
  if ((sens & 4) && f->cls >= 0)
    k.inst = inst;
  return k;
}

typedef struct FgAcc {
  FgReach best;
  unsigned methods; /* union over certain items */
  const char *miss;
  size_t dead_after; /* a call that certainly raises ends here: later calls never run */
  bool raises;
} FgAcc;

/* Offers one item: a step under guard g (of env's module) to child r. */
static bool fg_debug;

static void fg_offer(FgSearch *s, FgEnv *env, FgAcc *acc, int g, FgReach r, int child,
                     const FgSource *src, size_t start, size_t end, const char *label) {
  (void)s;
  if (r.status == FG_REACH_NONE)
    return;
  FgGuardResult gr = fg_py_guard(env, g);
  if (fg_debug)
    fprintf(stderr, "  offer %s in %s: child %d status %d guard %d\n", label,
            env->func->name, child, r.status, gr.status);
  if (gr.status == FG_GUARD_FALSE)
    return;
  FgReach c = r;
  c.plat &= gr.plat;
  if (!c.plat)
    return;
  if (gr.status == FG_GUARD_UNKNOWN) {
    c.status = FG_REACH_POSSIBLE;
    c.gmod = env->mod;
    c.gcond = gr.unknown;
  }
  c.dist = child >= 0 ? r.dist + 1 : 0;
  c.child = child;
  c.src = src;
  c.start = start;
  c.end = end;
  c.label = label;
  if (c.status == FG_REACH_CERTAIN)
    acc->methods |= r.methods;
  if (!acc->miss && r.miss)
    acc->miss = r.miss;
  if (fg_better(&c, &acc->best))
    acc->best = c;
}

static const char *fg_keep(FgSearch *s, char *owned) {
  return fg_str_intern_take(&s->arena, owned);
}

/* A process start at call c of env's def. */
static void fg_offer_site(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                          uint8_t method, FgSpan span, const char *label) {
  FgReach r = fg_none();
  r.status = FG_REACH_CERTAIN;
  r.plat = FG_PLATFORMS_ALL;
  r.methods = 1u << method;
  fg_offer(s, env, acc, c->guard, r, -1, env->mod->src, span.start, span.end, label);
}

/* The innermost `with pytest.raises` around guard g, or -1. */
static int fg_raises_cond(const FgModule *m, int g) {
  for (int steps = 0; g >= 0 && steps < 64; steps++) {
    if (m->py->conds[g].kind == FG_COND_RAISES)
      return g;
    g = m->py->conds[g].parent;
  }
  return -1;
}

/* Enters def d (from call c, or from no call when c is NULL). */
static void fg_offer_def_under(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                               int d, FgClassRef self, const FgBinding *inst, int depth,
                               bool unbound, FgVal chosen);

static void fg_offer_def_(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c, int d,
                          FgClassRef self, const FgBinding *inst, int depth,
                          bool unbound) {
  FgVal none = {0};
  fg_offer_def_under(s, env, acc, c, d, self, inst, depth, unbound, none);
}

/* The same, for a def reached through a value chosen under a condition not
 * known (chosen.cond_mod): the path is possible, with that condition. */
static void fg_offer_key(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c, int d,
                         FgKey *key, int depth, FgVal chosen);

static void fg_offer_def_under(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                               int d, FgClassRef self, const FgBinding *inst, int depth,
                               bool unbound, FgVal chosen) {
  if (d < 0 || d == env->def)
    return;
  FgKey k = fg_key(s, d, self, env, c, inst, unbound);
  fg_offer_key(s, env, acc, c, d, &k, depth, chosen);
}

/* Enters def d with the parameter values params (from no call's arguments:
 * a click command run with a list of words). */
static void fg_offer_def_params(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                                int d, const FgBinding *params, int depth) {
  if (d < 0 || d == env->def)
    return;
  FgKey k = fg_key(s, d, (FgClassRef){NULL, -1}, env, NULL, NULL, true);
  k.params = params;
  FgVal none = {0};
  fg_offer_key(s, env, acc, c, d, &k, depth, none);
}

static void fg_offer_key(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c, int d,
                         FgKey *key, int depth, FgVal chosen) {
  FgKey k = *key;
  FgReach r = fg_node(s, &k, depth + 1);
  if (fg_debug)
    fprintf(stderr, "    enter %s from %s: status %d (node %d state %d)\n",
            fg_py_def_func(s->p, d)->name, env->func->name, r.status, fg_node_get(s, &k),
            s->nodes.items[fg_node_get(s, &k)].state);
  if (r.status == FG_REACH_NONE) {
    if (r.miss && !acc->miss)
      acc->miss = r.miss;
    return;
  }
  const FgDef *t = &s->p->defs.items[d];
  const FgPyFunc *tf = &t->mod->py->funcs[t->func];
  int child = fg_node_get(s, &k);
  const char *label = fg_keep(s, fg_py_def_label(s->p, d));
  /* under `pytest.raises`: a callee that checks (assert / raise) before the
   * step that starts the process may raise first */
  int raises = c ? fg_raises_cond(env->mod, c->guard) : -1;
  if (raises >= 0 && tf->first_check != SIZE_MAX &&
      (r.src != t->mod->src || tf->first_check < r.start) &&
      r.status == FG_REACH_CERTAIN) {
    r.status = FG_REACH_POSSIBLE;
    r.gmod = env->mod;
    r.gcond = raises;
  }
  if (chosen.cond_mod && r.status == FG_REACH_CERTAIN) {
    r.status = FG_REACH_POSSIBLE;
    r.gmod = chosen.cond_mod;
    r.gcond = chosen.cond;
  }
  fg_offer(s, env, acc, c ? c->guard : -1, r, child, t->mod->src, tf->name_span.start,
           tf->name_span.end, label);
}

static void fg_offer_def(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c, int d,
                         FgClassRef self, const FgBinding *inst, int depth) {
  fg_offer_def_(s, env, acc, c, d, self, inst, depth, false);
}

/* The start method a ProcessPoolExecutor's `mp_context=` gives, or keep. */
static uint8_t fg_mp_context(FgEnv *env, const FgPyCall *c, uint8_t method) {
  const FgPyExpr *ex = env->mod->py->exprs;
  for (int a = c->args; a >= 0; a = ex[a].next) {
    if (ex[a].kind != FG_EXPR_KW || !fg_str_eq(ex[a].text, "mp_context"))
      continue;
    FgEnv e = *env;
    e.at = c->span.start;
    e.use_known = true;
    e.use_guard = c->guard;
    FgVal v = fg_py_eval(&e, env->mod, ex[a].a);
    uint8_t m = method;
    if (v.kind == FG_VAL_EXTERNAL) {
      char *canon = fg_pysites_canonical(v.str);
      fg_pysites_is_context(canon, &m);
      free(canon);
    }
    return m;
  }
  return method;
}

/* The classification of calling an outside name (canonical), memoised per
 * name: every outside callee a search evaluates asks. */
static bool fg_external_site(FgSearch *s, const char *name, FgSiteInfo *info) {
  FgMemoKey key = {{FG_MEMO_SITE, 0, 0, 0, 0, 0, 0}, name};
  int slot = fg_py_memo(s, &key);
  if (slot >= 0 && fg_py_memo_at(s, slot)->state == 2) {
    *info = fg_py_memo_at(s, slot)->site.info;
    return fg_py_memo_at(s, slot)->site.is;
  }
  char *canon = fg_pysites_canonical(name);
  bool site = fg_pysites_classify(canon, info);
  free(canon);
  if (slot >= 0) {
    FgMemoSlot *m = fg_py_memo_at(s, slot);
    m->state = 2;
    m->site.info = *info;
    m->site.is = site;
  }
  return site;
}

/* Does the module `from X import *`? (Only then may a bare name be X's.) */
static bool fg_star_imports(const FgModule *m) {
  for (size_t i = 0; i < m->py->nimports; i++)
    if (m->py->imports[i].name && strcmp(m->py->imports[i].name, "*") == 0)
      return true;
  return false;
}

/* Does a patch of the search replace what call c of m looks up? Memoised. */
static bool fg_patched(FgSearch *s, FgModule *m, const FgPyCall *c, char **miss) {
  if (!s->patches->len)
    return false;
  FgMemoKey key = {{FG_MEMO_PATCHED, (uintptr_t)m, (uintptr_t)c, 0, 0, 0, 0}, NULL};
  int slot = fg_py_memo(s, &key);
  if (slot >= 0 && fg_py_memo_at(s, slot)->state == 2) {
    FgMemoSlot *ms = fg_py_memo_at(s, slot);
    if (miss && ms->val.str)
      *miss = fg_xstrdup(ms->val.str);
    return ms->val.ival != 0;
  }
  char *note = NULL;
  bool hit = fg_py_patch_hits_call(s->p, s->patches, m, c, &note);
  if (slot >= 0) {
    FgMemoSlot *ms = fg_py_memo_at(s, slot);
    ms->state = 2;
    ms->val.ival = hit;
    ms->val.str = note ? fg_keep(s, fg_xstrdup(note)) : NULL;
  }
  if (miss)
    *miss = note;
  else
    free(note);
  return hit;
}

/* The text a callee is evaluated from, and in *how what bound its head: as
 * written, a local, when its head is a local assigned in the def
 * (`w = Worker(2); w.run()`: the summary followed the alias to
 * `pkg.Worker().run` and lost the arguments), else as resolved. */
static const char *fg_callee_text(const FgEnv *env, const FgPyCall *c, uint8_t *how) {
  *how = c->how;
  if (c->how != FG_NAME_IMPORT || !env->func)
    return c->resolved;
  size_t n = strcspn(c->callee, ".(");
  for (size_t i = 0; i < env->func->nlocals; i++)
    if (strlen(env->func->locals[i].name) == n &&
        strncmp(env->func->locals[i].name, c->callee, n) == 0) {
      *how = FG_NAME_LOCAL;
      return c->callee;
    }
  return c->resolved;
}

/* `x.start()`: a Process or manager made elsewhere (a name, self.x, a
 * fixture, a helper's return value) starts here. */
static bool fg_start_call(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                          int depth) {
  size_t n = strlen(c->resolved);
  if (n < 7 || strcmp(c->resolved + n - 6, ".start") != 0)
    return false;
  uint8_t how;
  const char *text = fg_callee_text(env, c, &how);
  char *recv = fg_xstrndup(text, strlen(text) - 6);
  FgEnv e = *env;
  e.at = c->span.start;
  e.use_known = true;
  e.use_guard = c->guard;
  FgVal v = fg_py_eval_name(&e, recv, how);
  free(recv);
  FgSiteInfo info;
  if (v.kind == FG_VAL_EXTERNAL && fg_str_endswith(v.str, "()")) {
    char *ctor = fg_xstrndup(v.str, strlen(v.str) - 2);
    bool site = fg_external_site(s, ctor, &info) && info.needs_start;
    free(ctor);
    if (site) {
      /* made in this def: show where (`p = mp.Process(...)`) */
      const FgPyFunc *f = env->func;
      if (!v.origin_mod) {
        /* `p = mp.Process(...)`: the summary followed the alias; find it */
        size_t rn = strlen(c->callee) - 6;
        for (size_t i = 0; i < f->nlocals; i++)
          if (strlen(f->locals[i].name) == rn &&
              strncmp(f->locals[i].name, c->callee, rn) == 0) {
            v.origin_mod = env->mod;
            v.origin = env->mod->py->exprs[f->locals[i].expr].span;
          }
      }
      if (v.origin_mod == env->mod && v.origin.start >= f->span.start &&
          v.origin.end <= f->span.end) {
        const char *src = env->mod->src->data;
        size_t end = v.origin.start;
        while (end < v.origin.end && src[end] != '(')
          end++;
        const char *label =
            fg_keep(s, fg_xstrndup(src + v.origin.start, end - v.origin.start));
        fg_offer_site(s, env, acc, c, info.method, v.origin, label);
      } else {
        fg_offer_site(s, env, acc, c, info.method, c->span, c->callee);
      }
      return true;
    }
  }
  if (v.kind == FG_VAL_INSTANCE && fg_py_class_site(s->p, v.cls, &info)) {
    FgClassRef owner = {NULL, -1};
    int d = fg_py_method(s->p, v.cls, "start", &owner);
    if (d >= 0)
      fg_offer_def(s, env, acc, c, d, v.cls, v.inst, depth);
    else
      fg_offer_site(s, env, acc, c, info.method, c->span, c->callee);
    return true;
  }
  return false;
}

/* Runners that call what they are given: CliRunner().invoke(main, args),
 * loop.run_in_executor(None, f), pytest.raises(E, f), addCleanup(f), ... */
static int fg_runner_arg(const char *last) {
  static const struct {
    const char *name;
    int pos;
  } runners[] = {{"invoke", 0},    {"run_in_executor", 1}, {"assertRaises", 1},
                 {"raises", 1},    {"addCleanup", 0},      {"addfinalizer", 0},
                 {"call_soon", 0}, {"run_sync", 0},        {"run", 0},
                 {"benchmark", 0}, {"pedantic", 0}};
  for (size_t i = 0; i < sizeof runners / sizeof runners[0]; i++)
    if (runners[i].name[0] == last[0] && strcmp(last, runners[i].name) == 0)
      return runners[i].pos;
  return -1;
}

/* Is the receiver of call c (`runner.invoke`) click's test runner: a
 * `click.testing.CliRunner()` or an instance of an in-repo subclass? */
static bool fg_cli_runner(FgSearch *s, FgEnv *env, const FgPyCall *c) {
  const char *dot = strrchr(c->resolved, '.');
  if (!dot || dot == c->resolved)
    return false;
  char *recv = fg_xstrndup(c->resolved, (size_t)(dot - c->resolved));
  FgVal v = fg_py_eval_name(env, recv, c->how);
  free(recv);
  if (fg_debug)
    fprintf(stderr, "    invoke receiver of %s: value kind %d %s\n", c->resolved, v.kind,
            v.kind == FG_VAL_EXTERNAL ? v.str : "");
  if (v.kind == FG_VAL_EXTERNAL)
    return strcmp(v.str, "click.testing.CliRunner()") == 0;
  if (v.kind != FG_VAL_INSTANCE || !v.cls.mod)
    return false;
  FgClassRefVec mro = {0};
  fg_py_class_mro(s->p, v.cls.mod, v.cls.cls, &mro);
  bool runner = false;
  for (size_t i = 0; i < mro.len && !runner; i++) {
    const FgPyClass *k = &mro.items[i].mod->py->classes[mro.items[i].cls];
    for (size_t b = 0; b < k->nbases && !runner; b++)
      runner = strcmp(k->bases[b], "click.testing.CliRunner") == 0;
  }
  fg_vec_free(&mro);
  return runner;
}

/* The values click gives command def d run by `runner.invoke(cmd, words)`
 * (words: the argument after cmd, in env's module); NULL when they are not
 * known (the def is then entered with its parameters unknown). */
static const FgBinding *fg_click_binding(FgSearch *s, FgEnv *env, const FgPyCall *c,
                                         int d, int words) {
  const FgPyExpr *ex = env->mod->py->exprs;
  if (words < 0 || ex[words].kind == FG_EXPR_KW || !fg_cli_runner(s, env, c))
    return NULL;
  FgVal argv = fg_py_eval(env, env->mod, words);
  fg_sensitivity(s, d);
  uint64_t rel = s->relevant[d];
  const FgPyFunc *f = fg_py_def_func(s->p, d);
  FgBinding *b = fg_xcalloc(1, sizeof *b);
  b->def = d;
  b->n = f->nparams;
  b->vals = fg_xcalloc(b->n ? b->n : 1, sizeof(FgVal));
  if (!fg_py_click_values(env, d, argv, b->vals)) {
    fg_binding_free(b);
    if (fg_debug)
      fprintf(stderr, "    click: the words for %s are not known\n", f->name);
    return NULL;
  }
  for (size_t i = 0; i < b->n; i++) {
    b->vals[i] = fg_bound(b->vals[i]);
    if (i >= 63 || !((rel >> i) & 1))
      b->vals[i] = fg_val_unknown(); /* never read: the same for every call */
  }
  b->kw_open = true; /* what click gives **kwargs is not kept */
  if (fg_debug) {
    fprintf(stderr, "    click: %s bound from its words:", f->name);
    for (size_t i = 0; i < b->n; i++)
      fprintf(stderr, " %s=kind %d/%lld", f->params[i], b->vals[i].kind, b->vals[i].ival);
    fprintf(stderr, "\n");
  }
  return fg_intern(s, b);
}

static void fg_passed_callables(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                                int depth) {
  const char *last = strrchr(c->resolved, '.');
  last = last ? last + 1 : c->resolved;
  int want = fg_runner_arg(last);
  const FgPyExpr *ex = env->mod->py->exprs;
  int pos = 0;
  for (int a = c->args; a >= 0; a = ex[a].next) {
    const FgPyExpr *x = &ex[a];
    bool take = false;
    int value = a;
    if (x->kind == FG_EXPR_KW) {
      take = fg_str_eq(x->text, "target");
      value = x->a;
    } else {
      take = pos++ == want;
    }
    if (!take || value < 0 || ex[value].kind != FG_EXPR_NAME)
      continue;
    FgEnv e = *env;
    e.at = c->span.start;
    e.use_known = true;
    e.use_guard = c->guard;
    FgVal v = fg_py_eval(&e, env->mod, value);
    if (v.kind == FG_VAL_DEF) {
      FgClassRef none = {NULL, -1};
      int args = ex[a].next;
      const FgBinding *words = strcmp(last, "invoke") == 0 && x->kind != FG_EXPR_KW
                                   ? fg_click_binding(s, &e, c, v.def, args)
                                   : NULL;
      if (words)
        fg_offer_def_params(s, env, acc, c, v.def, words, depth);
      else
        fg_offer_def_(s, env, acc, c, v.def, v.cls.mod ? v.cls : none, NULL, depth, true);
      /* a click group run with a subcommand: the subcommand's def */
      if (strcmp(last, "invoke") == 0 && args >= 0 && ex[args].kind == FG_EXPR_TUPLE &&
          ex[args].a >= 0 && ex[ex[args].a].kind == FG_EXPR_STR) {
        const FgDef *gd = &s->p->defs.items[v.def];
        char *name = fg_xstrdup(ex[ex[args].a].text);
        for (char *ch = name; *ch; ch++)
          if (*ch == '-')
            *ch = '_';
        int sub = fg_py_def_of(s->p, gd->mod, fg_py_find_func(gd->mod, name, -1));
        free(name);
        if (sub >= 0)
          fg_offer_def_(s, env, acc, c, sub, none, NULL, depth, true);
      }
    }
  }
}

/* `super().m(...)`: m along the MRO of self after the class that defines
 * this def; a Process subclass's `super().start()` starts it. */
static void fg_super_call(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                          int depth) {
  const char *m = c->resolved + 8;
  if (strchr(m, '.') || strchr(m, '('))
    return;
  FgClassRef self = env->self.mod ? env->self : (FgClassRef){env->mod, env->func->cls};
  FgClassRefVec mro = {0};
  fg_py_class_mro(s->p, self.mod, self.cls, &mro);
  size_t at = 0;
  while (at < mro.len &&
         !(mro.items[at].mod == env->mod && mro.items[at].cls == env->func->cls))
    at++;
  int d = -1;
  for (size_t i = at + 1; i < mro.len && d < 0; i++)
    d = fg_py_def_of(s->p, mro.items[i].mod,
                     fg_py_find_func(mro.items[i].mod, m, mro.items[i].cls));
  fg_vec_free(&mro);
  FgSiteInfo info;
  if (d >= 0) {
    fg_offer_def(s, env, acc, c, d, self, env->inst, depth);
  } else if (strcmp(m, "start") == 0 && fg_py_class_site(s->p, self, &info)) {
    fg_offer_site(s, env, acc, c, info.method, c->span, c->callee);
  }
}

/* A dask compute under a scheduler gate: true when the processes scheduler
 * runs (the caller offers the site); a scheduler function of the repository
 * is entered, one not known is a possible start when a config names it. */
static bool fg_scheduler_site(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                              int depth) {
  int d = -1, cond = -1;
  FgSchedVerdict v = fg_py_dask_scheduler(env, c, &d, &cond);
  if (v == FG_SCHED_DEF) {
    /* called with the graph, not with this call's arguments */
    FgPyCall as_called = *c;
    as_called.args = -1;
    as_called.star_args = false;
    fg_offer_def(s, env, acc, &as_called, d, (FgClassRef){NULL, -1}, NULL, depth);
    return false;
  }
  if (v == FG_SCHED_UNKNOWN && cond >= 0) {
    FgReach r = fg_none();
    r.status = FG_REACH_POSSIBLE;
    r.plat = FG_PLATFORMS_ALL;
    r.methods = 1u << c->method;
    r.gmod = env->mod;
    r.gcond = cond;
    fg_offer(s, env, acc, c->guard, r, -1, env->mod->src, c->span.start, c->span.end,
             c->callee);
  }
  return v == FG_SCHED_PROCESSES;
}

static void fg_call_items_one(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                              int depth) {
  const FgPyModel *p = s->p;
  /* a site the summary classified */
  bool site_here = c->pool == FG_POOL_OS_FORK ||
                   (c->pool == FG_POOL_SITE && (!c->site || c->started == FG_STARTED_NO ||
                                                c->started == FG_STARTED_HERE));
  if (c->site && c->started != FG_STARTED_NO && c->started != FG_STARTED_HERE &&
      c->pool == FG_POOL_SITE)
    return; /* started through its name: the `.start()` call is the site */
  /* a dask scheduler that is not the processes one: the call is followed as
   * any other */
  if (site_here && (c->gate == FG_GATE_SCHEDULER || c->gate == FG_GATE_DASK_DEFAULT))
    site_here = fg_scheduler_site(s, env, acc, c, depth);
  if (site_here) {
    char *miss = NULL;
    bool patched = fg_patched(s, env->mod, c, &miss);
    if (miss)
      acc->miss = acc->miss ? acc->miss : fg_keep(s, miss);
    if (patched)
      return;
    if (c->gate == FG_GATE_NJOBS && c->gate_expr >= 0) {
      FgEnv e = *env;
      e.at = c->span.start;
      e.use_known = true;
      e.use_guard = c->guard;
      FgVal v = fg_py_eval(&e, env->mod, c->gate_expr);
      if (v.kind == FG_VAL_NONE || (v.kind == FG_VAL_INT && v.ival == 1))
        return;
    }
    uint8_t method = c->method;
    if (c->site == FG_SITE_POOL)
      method = fg_mp_context(env, c, method);
    fg_offer_site(s, env, acc, c, method, c->span, c->callee);
    return;
  }
  if (c->site && c->pool == FG_POOL_NONE)
    return; /* a Process / manager made here and not started here */
  if (fg_start_call(s, env, acc, c, depth))
    return;
  /* what the callee is, where this def runs */
  FgEnv e = *env;
  e.at = c->span.start;
  e.use_known = true;
  e.use_guard = c->guard;
  uint8_t how;
  const char *text = fg_callee_text(env, c, &how);
  FgVal v = fg_py_eval_name(&e, text, how);
  if (((v.kind == FG_VAL_EXTERNAL && fg_str_startswith(v.str, "builtins.")) ||
       (v.kind == FG_VAL_UNKNOWN && c->how == FG_NAME_GLOBAL)) &&
      fg_star_imports(env->mod)) {
    /* `from x import *` names: the summary's own resolution */
    int d = fg_py_resolve_call(p, env->mod, env->func, c);
    if (d >= 0) {
      v.kind = FG_VAL_DEF;
      v.def = d;
      v.cls.mod = NULL;
    }
  }
  FgClassRef none = {NULL, -1};
  if (fg_debug)
    fprintf(stderr, "    call %s in %s: value kind %d\n", c->resolved, env->func->name,
            v.kind);
  if (fg_str_startswith(c->resolved, "super().") && env->func->cls >= 0) {
    fg_super_call(s, env, acc, c, depth);
    return;
  }
  if (c->guard < 0 && (v.kind == FG_VAL_NONE || v.kind == FG_VAL_STR ||
                       v.kind == FG_VAL_INT || v.kind == FG_VAL_BOOL)) {
    /* calling None or a string raises: nothing after it runs (an abstract
     * base's `self.server_class()` left to subclasses) */
    acc->dead_after = c->span.end;
    acc->raises = true;
    return;
  }
  switch (v.kind) {
  case FG_VAL_DEF: {
    const FgDef *t = &p->defs.items[v.def];
    const FgPyFunc *tf = &t->mod->py->funcs[t->func];
    if (fg_patched(s, env->mod, c, NULL))
      return;
    FgClassRef self = v.cls.mod ? v.cls : none;
    if (c->how == FG_NAME_SELF && env->self.mod && !v.cls.mod)
      self = env->self;
    if (tf->cls >= 0 && self.mod &&
        fg_py_patch_hits_method(p, s->patches, self, tf->name))
      return;
    const FgBinding *inst = v.inst;
    if (c->how == FG_NAME_SELF && !inst)
      inst = env->inst;
    fg_offer_def_under(s, env, acc, c, v.def, self, inst, depth, false, v);
    break;
  }
  case FG_VAL_CLASS: {
    if (fg_patched(s, env->mod, c, NULL))
      return;
    FgSiteInfo info;
    if (c->in_with && fg_py_class_site(p, v.cls, &info) && info.site == FG_SITE_MANAGER) {
      fg_offer_site(s, env, acc, c, info.method, c->span, c->callee);
      return;
    }
    /* the constructor: __init__ runs on the instance its arguments make */
    int init = fg_py_method(p, v.cls, "__init__", NULL);
    const FgBinding *inst =
        init >= 0 ? fg_py_bind(s, &e, env->mod, c->args, c->star_args, init) : NULL;
    fg_offer_def(s, env, acc, c, init, v.cls, inst, depth);
    break;
  }
  case FG_VAL_EXTERNAL: {
    /* the name as the summary resolved it: classified there already */
    if (strcmp(v.str, c->resolved) == 0)
      break;
    FgSiteInfo info;
    if (!fg_external_site(s, v.str, &info) || info.needs_start) {
      if (!(info.needs_start && c->in_with && info.site == FG_SITE_MANAGER))
        break;
    }
    char *miss = NULL;
    bool patched = fg_patched(s, env->mod, c, &miss);
    if (miss)
      acc->miss = acc->miss ? acc->miss : fg_keep(s, miss);
    if (patched)
      return;
    uint8_t method = info.method;
    if (info.site == FG_SITE_POOL)
      method = fg_mp_context(env, c, method);
    fg_offer_site(s, env, acc, c, method, c->span, c->callee);
    return;
  }
  default:
    break;
  }
  fg_passed_callables(s, env, acc, c, depth);
}

/* Values of a loop unrolled at most. */
#define FG_LOOP_VALUES 16

/* Does the loop's variable reach call c (the conditions between the call
 * and the loop, its arguments)? */
static bool fg_loop_reaches(const FgModule *m, int loop, const FgPyCall *c) {
  for (int g = c->guard, steps = 0; g >= 0 && g != loop && steps < 64;
       g = m->py->conds[g].parent, steps++)
    if (fg_py_reads_loop_var(m, loop, m->py->conds[g].expr))
      return true;
  for (int a = c->args; a >= 0; a = m->py->exprs[a].next)
    if (fg_py_reads_loop_var(m, loop, a))
      return true;
  return false;
}

/* A call in the body of a loop over literal values runs once per value:
 * when the loop's variable reaches it, each iteration is its own step. */
static void fg_call_items(FgSearch *s, FgEnv *env, FgAcc *acc, const FgPyCall *c,
                          int depth) {
  const FgModule *m = env->mod;
  int loop = -1;
  for (int g = c->guard, steps = 0; g >= 0 && loop < 0 && steps < 64;
       g = m->py->conds[g].parent, steps++)
    if (m->py->conds[g].kind == FG_COND_FOR)
      loop = g;
  FgVal vals[FG_LOOP_VALUES];
  int n = loop >= 0 ? fg_py_loop_values(env, loop, vals, FG_LOOP_VALUES) : -1;
  if (n == 0)
    return; /* the body never runs */
  if (n < 0 || !fg_loop_reaches(m, loop, c)) {
    fg_call_items_one(s, env, acc, c, depth);
    return;
  }
  for (int i = 0; i < n; i++) {
    FgEnv e = *env;
    e.loop_cond1 = loop + 1;
    e.loop_val = vals[i];
    fg_call_items_one(s, &e, acc, c, depth);
  }
}

/* The fixtures a test or fixture requests, and for a test what pytest runs
 * around it. True when a setUp-like method of the test certainly raises. */
static bool fg_fixture_items(FgSearch *s, FgEnv *env, FgAcc *acc, const FgKey *k,
                             int depth) {
  const FgPyModel *p = s->p;
  const FgPyFunc *f = env->func;
  bool test = k->role == FG_ROLE_TEST;
  if (!test && !f->is_fixture)
    return false;
  FgModule *scope_mod = test && k->file ? (FgModule *)k->file : env->mod;
  int scope_cls = test && k->self_mod ? k->self_cls : f->cls;
  if (test && k->file && k->self_mod != k->file)
    scope_cls = -1;
  FgScope scope = {0};
  fg_py_scope_build(p, scope_mod, scope_cls, &scope);
  FgEdgeVec edges = {0};
  for (size_t i = 0; i < f->nparams; i++) {
    int self_def =
        f->is_fixture && fg_str_eq(f->fixture_name, f->params[i]) ? env->def : -1;
    int to = fg_py_scope_fixture(p, &scope, f->params[i], self_def);
    if (to < 0 && test && scope_mod != env->mod) {
      /* an inherited test: fixtures of the class that defines it */
      FgScope own = {0};
      fg_py_scope_build(p, env->mod, f->cls, &own);
      to = fg_py_scope_fixture(p, &own, f->params[i], -1);
      fg_py_scope_free(&own);
    }
    if (to >= 0) {
      FgEdge e = {env->def, to, f->name_span, true};
      fg_vec_push(&edges, e);
    }
  }
  for (size_t i = 0; i < f->nmarkers; i++) {
    const FgPyMarker *mk = &f->markers[i];
    if (strcmp(mk->name, "usefixtures") != 0)
      continue;
    for (size_t a = 0; a < mk->nargs; a++) {
      int to = fg_py_scope_fixture(p, &scope, mk->args[a], -1);
      if (to >= 0) {
        FgEdge e = {env->def, to, mk->span, true};
        fg_vec_push(&edges, e);
      }
    }
  }
  for (size_t i = 0; i < f->ngetfixturevalue; i++) {
    int to = fg_py_scope_fixture(p, &scope, f->getfixturevalue[i], -1);
    if (to >= 0) {
      FgEdge e = {env->def, to, f->name_span, true};
      fg_vec_push(&edges, e);
    }
  }
  fg_py_scope_free(&scope);
  if (test)
    fg_py_edges_test_context(p, scope_mod, k->self_mod ? k->self_cls : -1, env->def,
                             f->name_span, &edges);
  FgClassRef self = {(FgModule *)k->self_mod, k->self_cls};
  bool raised = false;
  /* a unittest class's own run() wraps every test (`with Worker(...) as w:
   * self.w = w; super().run(result)`) */
  if (test && self.mod && fg_py_class_is_unittest(p, self.mod, self.cls)) {
    int run = fg_py_method(p, self, "run", NULL);
    if (run >= 0 && run != env->def) {
      FgEdge e = {env->def, run, f->name_span, false};
      fg_vec_push(&edges, e);
    }
  }
  for (size_t i = 0; i < edges.len; i++) {
    int to = edges.items[i].to;
    const FgPyFunc *tf = fg_py_def_func(p, to);
    FgClassRef ts = tf->cls >= 0 && self.mod ? self : (FgClassRef){NULL, -1};
    fg_offer_def(s, env, acc, NULL, to, ts, NULL, depth);
    if (test && !edges.items[i].fixture && tf->cls >= 0 &&
        (fg_str_startswith(tf->name, "setUp") || fg_str_startswith(tf->name, "setup"))) {
      FgKey sk = fg_key(s, to, ts, NULL, NULL, NULL, false);
      raised = raised || fg_node_reach(s, fg_node_get(s, &sk))->raises;
    }
  }
  fg_vec_free(&edges);
  return raised;
}

static FgReach fg_eval_node(FgSearch *s, const FgKey *k, int depth) {
  FgEnv env;
  fg_env_of(s, k, &env);
  if (fg_debug) {
    fprintf(stderr, "%*seval %s (%s) params %p inst %p", depth, "", env.func->name,
            env.mod->src->path, (void *)k->params, (void *)k->inst);
    for (size_t i = 0; k->inst && i < k->inst->n; i++)
      fprintf(stderr, " [%d:%lld]", k->inst->vals[i].kind, k->inst->vals[i].ival);
    fprintf(stderr, "\n");
  }
  FgAcc acc;
  memset(&acc, 0, sizeof acc);
  acc.best = fg_none();
  const FgPyFunc *f = env.func;
  /* a test whose setUp certainly raises never runs its body */
  bool body = !(k->role == FG_ROLE_TEST && fg_fixture_items(s, &env, &acc, k, depth));
  if (k->role != FG_ROLE_TEST)
    fg_fixture_items(s, &env, &acc, k, depth);
  for (size_t i = 0; body && i < f->ncalls; i++) {
    if (acc.dead_after && f->calls[i].span.start >= acc.dead_after)
      break;
    fg_call_items(s, &env, &acc, &f->calls[i], depth);
  }
  FgReach r = acc.best;
  r.raises = acc.raises;
  if (r.status == FG_REACH_CERTAIN)
    r.methods = acc.methods;
  if (!r.miss)
    r.miss = acc.miss;
  return r;
}

static FgReach fg_node(FgSearch *s, const FgKey *k, int depth) {
  int i = fg_node_get(s, k);
  FgNode *n = &s->nodes.items[i];
  /* a result that leaned on a def being searched is computed again for a
   * later test, twice at most: then it stands (bounded work in code full of
   * recursion) */
  if (n->state == FG_NODE_FINAL ||
      (n->state == FG_NODE_PROVISIONAL && n->query != s->query && n->redone >= 2))
    return *fg_node_reach(s, i);
  if (n->state == FG_NODE_PROVISIONAL && n->query == s->query) {
    s->hit_open = true; /* what leans on it is provisional too */
    return *fg_node_reach(s, i);
  }
  if (n->state == FG_NODE_OPEN || depth > FG_SEARCH_DEPTH || !s->budget) {
    s->hit_open = true;
    return fg_none();
  }
  s->budget--;
  s->evals++;
  if (n->state == FG_NODE_PROVISIONAL)
    n->redone++;
  n->state = FG_NODE_OPEN;
  bool saved = s->hit_open;
  s->hit_open = false;
  FgKey key = *k;
  FgReach r = fg_eval_node(s, &key, depth);
  fg_node_set_reach(s, i, &r);
  n = &s->nodes.items[i]; /* the vector may have moved */
  n->state = s->hit_open ? FG_NODE_PROVISIONAL : FG_NODE_FINAL;
  n->query = s->query;
  s->hit_open = saved || s->hit_open;
  return r;
}

/* ---- tests ------------------------------------------------------------------------ */

/* Parametrized tests: one binding of the test's parameters per combination
 * of the values of its `parametrize` marks with literal values (stacked
 * marks multiply; a mark after the first counts when the test reads one of
 * its names, or a fixture does), at most FG_PARAM_VALUES, else none. */
#define FG_PARAM_VALUES 16
#define FG_PARAM_MARKS 4

typedef struct FgParamMark {
  const FgPyMarker *mk;
  const FgModule *m;
  size_t nvalues;
} FgParamMark;

static bool fg_param_mark(const FgPyMarker *mk) {
  return strcmp(mk->name, "parametrize") == 0 && mk->cond >= 0 && mk->nargs;
}

/* Does the test read one of the mark's names (or leave it to a fixture)? */
static bool fg_param_mark_read(FgSearch *s, const FgPyFunc *f, int d,
                               const FgPyMarker *mk) {
  fg_sensitivity(s, d);
  for (size_t k = 0; k < mk->nargs; k++) {
    bool param = false;
    for (size_t i = 0; i < f->nparams && !param; i++)
      if (strcmp(f->params[i], mk->args[k]) == 0) {
        param = true;
        if (i >= 64 || ((s->relevant[d] >> i) & 1))
          return true;
      }
    if (!param)
      return true;
  }
  return false;
}

/* Sets b's values from element e (of the mark's argvalues list) of mk. */
static void fg_param_assign(FgSearch *s, const FgPyFunc *f, FgBinding *b,
                            const FgModule *m, const FgPyMarker *mk, int e) {
  const FgPyExpr *ex = m->py->exprs;
  /* pytest.param(v, ...) holds v */
  int el = e;
  if (ex[el].kind == FG_EXPR_CALL && fg_str_eq(ex[el].text, "pytest.param"))
    el = mk->nargs == 1 ? ex[el].a : el;
  FgEnv env;
  memset(&env, 0, sizeof env);
  env.p = s->p;
  env.mod = (FgModule *)m;
  env.def = -1;
  env.cell = -1;
  env.arena = &s->arena;
  env.search = s;
  for (size_t k = 0; k < mk->nargs && el >= 0; k++) {
    int ve = -1;
    if (mk->nargs == 1) {
      ve = el;
    } else {
      int tup = ex[e].kind == FG_EXPR_CALL ? e : el;
      int idx = 0;
      for (int c = ex[tup].a; c >= 0; c = ex[c].next, idx++)
        if ((size_t)idx == k)
          ve = c;
    }
    if (ve < 0)
      continue;
    FgVal v = fg_bound(fg_py_eval(&env, (FgModule *)m, ve));
    bool param = false;
    for (size_t i = 0; i < b->n; i++)
      if (strcmp(f->params[i], mk->args[k]) == 0) {
        b->vals[i] = v;
        param = true;
      }
    if (!param && b->nextra_kw < 16) {
      /* consumed by a fixture, not by the test itself */
      b->extra_kw = fg_xrealloc(b->extra_kw, (b->nextra_kw + 1) * sizeof(FgVal));
      b->extra_names =
          fg_xrealloc((void *)b->extra_names, (b->nextra_kw + 1) * sizeof(char *));
      b->extra_kw[b->nextra_kw] = v;
      b->extra_names[b->nextra_kw++] = mk->args[k];
    }
  }
}

static size_t fg_param_bindings(FgSearch *s, const FgTest *t, int d,
                                const FgBinding **out) {
  const FgPyFunc *f = &t->mod->py->funcs[t->func];
  FgParamMark marks[FG_PARAM_MARKS];
  size_t nmarks = 0;
  for (size_t i = 0; i < f->nmarkers && nmarks < FG_PARAM_MARKS; i++)
    if (fg_param_mark(&f->markers[i]) &&
        (!nmarks || fg_param_mark_read(s, f, d, &f->markers[i])))
      marks[nmarks++] = (FgParamMark){&f->markers[i], t->mod, 0};
  /* else a class's parametrize (it applies to each of its tests) */
  if (!nmarks && t->cls >= 0) {
    FgClassRefVec mro = {0};
    fg_py_class_mro(s->p, t->file, t->cls, &mro);
    for (size_t b = 0; b < mro.len && !nmarks; b++) {
      const FgPyClass *k = &mro.items[b].mod->py->classes[mro.items[b].cls];
      for (size_t i = 0; i < k->nmarkers && !nmarks; i++)
        if (fg_param_mark(&k->markers[i]))
          marks[nmarks++] = (FgParamMark){&k->markers[i], mro.items[b].mod, 0};
    }
    fg_vec_free(&mro);
  }
  size_t combos = 1;
  size_t kept = 0;
  for (size_t j = 0; j < nmarks; j++) {
    const FgPyExpr *ex = marks[j].m->py->exprs;
    const FgPyExpr *list = &ex[marks[j].mk->cond];
    if (list->kind != FG_EXPR_TUPLE)
      continue;
    size_t nv = 0;
    for (int e = list->a; e >= 0 && nv < FG_PARAM_VALUES; e = ex[e].next)
      nv++;
    if (!nv || combos * nv > FG_PARAM_VALUES)
      continue;
    marks[j].nvalues = nv;
    marks[kept++] = marks[j];
    combos *= nv;
  }
  if (!kept)
    return 0;
  for (size_t c = 0; c < combos; c++) {
    FgBinding *b = fg_xcalloc(1, sizeof *b);
    b->def = d;
    b->n = f->nparams;
    b->vals = fg_xcalloc(b->n ? b->n : 1, sizeof(FgVal));
    for (size_t i = 0; i < b->n; i++)
      b->vals[i] = fg_val_unknown();
    size_t rest = c;
    for (size_t j = 0; j < kept; j++) {
      size_t idx = rest % marks[j].nvalues;
      rest /= marks[j].nvalues;
      const FgPyExpr *ex = marks[j].m->py->exprs;
      int e = ex[marks[j].mk->cond].a;
      for (size_t n = 0; n < idx && e >= 0; n++)
        e = ex[e].next;
      if (e >= 0)
        fg_param_assign(s, f, b, marks[j].m, marks[j].mk, e);
    }
    out[c] = fg_intern(s, b);
  }
  return combos;
}

size_t fg_py_search_test(FgSearch *s, FgTest *t, size_t budget) {
  const FgPyModel *p = s->p;
  int d = fg_py_def_of(p, t->mod, t->func);
  FgKey k;
  memset(&k, 0, sizeof k);
  k.def = d;
  k.role = FG_ROLE_TEST;
  k.self_cls = -1;
  k.file = t->file;
  if (t->cls >= 0) {
    k.self_mod = t->file;
    k.self_cls = t->cls;
  }
  fg_debug = getenv("FG_DEBUG_TEST") && (strcmp(getenv("FG_DEBUG_TEST"), t->name) == 0 ||
                                         strcmp(getenv("FG_DEBUG_TEST"), "*") == 0);
  const FgBinding *values[FG_PARAM_VALUES];
  size_t nvalues = fg_param_bindings(s, t, d, values);
  size_t evals0 = s->evals;
  s->budget = budget; /* shared by every parametrization */
  FgReach r = fg_none();
  unsigned methods = 0;
  size_t best = 0;
  for (size_t v = 0; v < (nvalues ? nvalues : 1); v++) {
    k.params = nvalues ? values[v] : NULL;
    s->query++;
    s->hit_open = false;
    FgReach rv = fg_node(s, &k, 0);
    if (rv.status == FG_REACH_CERTAIN)
      methods |= rv.methods;
    if (fg_better(&rv, &r)) {
      r = rv;
      best = v;
    }
  }
  if (nvalues > 1 && best + 1 != nvalues) {
    /* the chain from the best value's search, walked while it is current */
    k.params = values[best];
    s->query++;
    s->hit_open = false;
    s->budget = budget / 2; /* walked again: mostly what the first walk left final */
    r = fg_node(s, &k, 0);
  }
  r.methods = methods;
  t->uses_pools = r.status == FG_REACH_CERTAIN;
  t->possible = r.status == FG_REACH_POSSIBLE;
  t->platforms = r.status ? r.plat : 0;
  t->methods = t->uses_pools ? r.methods : 0;
  if (r.miss)
    fg_vec_push(&t->notes, fg_xstrdup(r.miss));
  size_t spent = s->evals - evals0;
  if (r.status == FG_REACH_NONE)
    return spent;
  /* the chain: each node's best step, to the process start */
  const FgReach *at = &r;
  for (int steps = 0; at && at->status && at->src && steps < FG_SEARCH_DEPTH + 2;
       steps++) {
    FgLink link = {at->src, at->start, at->end, fg_xstrdup(at->label)};
    fg_vec_push(&t->chain.links, link);
    if (t->possible && !t->guard && at->gmod && at->gcond >= 0 &&
        at->status == FG_REACH_POSSIBLE)
      t->guard = fg_py_guard_note(at->gmod, at->gcond);
    at = at->child >= 0 ? fg_node_reach(s, at->child) : NULL;
  }
  return spent;
}
