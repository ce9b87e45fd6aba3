/* pyfile: tree-sitter-python -> FgPyModule.
 *
 * One pass over the tree (parse/pyfile_walk.c) collects raw facts: imports
 * and other name bindings per scope, calls with the bits of their
 * arguments that matter, marker / fixture / base-class candidates. Names
 * are resolved afterwards, here, because Python binds module names at run
 * time: an import below a def still applies inside it. The tree is freed
 * before the summary is returned. */
#include "parse/pyfile.h"

#include "parse/pyindent.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "parse/pyfile_walk.h"
#include "parse/pysites.h"

const TSLanguage *tree_sitter_python(void);

/* ---- after the walk ---------------------------------------------------- */

static bool is_start_method(const char *r) {
  return strcmp(r, "multiprocessing.get_context") == 0 ||
         strcmp(r, "multiprocessing.set_start_method") == 0;
}

/* An argument of a call: keyword `kw`, else positional `pos` (-1: none). */
static int arg_of(const Walk *w, int args, const char *kw, int pos) {
  int k = 0;
  for (int a = args; a >= 0; a = w->exprs.items[a].next) {
    const FgPyExpr *e = &w->exprs.items[a];
    if (e->kind == FG_EXPR_KW) {
      if (kw && fg_str_eq(e->text, kw))
        return e->a;
    } else if (k++ == pos) {
      return a;
    }
  }
  return -1;
}

/* dask: `scheduler="processes"` (or `get=dask.multiprocessing.get`) on any call. */
static bool dask_processes(const Walk *w, const RawCall *c) {
  static const char *const kws[] = {"scheduler", "get"};
  for (size_t i = 0; i < 2; i++) {
    int v = arg_of(w, c->args, kws[i], -1);
    if (v < 0)
      continue;
    const FgPyExpr *e = &w->exprs.items[v];
    if (e->kind == FG_EXPR_STR && fg_pysites_scheduler(e->text))
      return true;
    if (e->kind == FG_EXPR_NAME) {
      char *canon = fg_pysites_canonical(e->text);
      bool hit = fg_pysites_scheduler_name(canon);
      free(canon);
      if (hit)
        return true;
    }
  }
  return false;
}

/* The scheduler a dask call gives: `scheduler=V`, or for `dask.config.set`
 * the "scheduler" key of its dict; -1. */
static int scheduler_arg(const Walk *w, const RawCall *c) {
  int v = arg_of(w, c->args, "scheduler", -1);
  if (v >= 0 || strcmp(c->resolved, "dask.config.set") != 0)
    return v;
  int d = arg_of(w, c->args, NULL, 0);
  if (d < 0 || w->exprs.items[d].kind != FG_EXPR_DICT)
    return -1;
  for (int e = w->exprs.items[d].a; e >= 0; e = w->exprs.items[e].next)
    if (fg_str_eq(w->exprs.items[e].text, "scheduler"))
      return w->exprs.items[e].a;
  return -1;
}

/* What expression e names as a value, resolved ("x()" for a call's value);
 * NULL. Owned. */
static char *value_text(const Walk *w, int e) {
  if (e < 0)
    return NULL;
  const FgPyExpr *x = &w->exprs.items[e];
  if (!x->text)
    return NULL;
  if (x->kind == FG_EXPR_CALL)
    return fg_xasprintf("%s()", x->text);
  if (x->kind != FG_EXPR_NAME)
    return NULL;
  if (x->how == FG_NAME_LOCAL) {
    const ExprPos *pos = &w->expr_pos.items[e];
    return fg_pf_resolve_simple(w, x->text, pos->scope, pos->offset);
  }
  return fg_xstrdup(x->text);
}

static bool is_dask_collection(const Walk *w, int e) {
  char *v = value_text(w, e);
  bool bag = fg_pysites_dask_collection(v);
  free(v);
  return bag;
}

/* Does the call compute a dask.bag collection (its default scheduler starts
 * processes)? */
static bool dask_collection_compute(const Walk *w, const RawCall *c) {
  int kind = fg_pysites_dask_compute(c->resolved);
  bool bag = kind == 1;
  if (kind == 2 && !c->star_args) {
    for (int a = c->args; a >= 0 && !bag; a = w->exprs.items[a].next)
      bag = w->exprs.items[a].kind != FG_EXPR_KW && is_dask_collection(w, a);
  } else if (kind == 3 && c->how == FG_NAME_GLOBAL) {
    bag = is_dask_collection(w, arg_of(w, c->args, NULL, 0));
  }
  if (!bag)
    return false;
  /* `.take(..., compute=False)`, `to_textfiles(..., compute=False)` */
  int v = arg_of(w, c->args, "compute", -1);
  return !(v >= 0 && w->exprs.items[v].kind == FG_EXPR_BOOL && !w->exprs.items[v].ival);
}

/* joblib's n_jobs: absent, None or 1 runs in the caller's process. */
static bool njobs_sequential(const Walk *w, int e) {
  if (e < 0)
    return true;
  const FgPyExpr *x = &w->exprs.items[e];
  return x->kind == FG_EXPR_NONE || (x->kind == FG_EXPR_INT && x->ival == 1);
}

static void classify(const Walk *w, RawCall *c) {
  const char *r = c->resolved;
  if (is_start_method(r)) {
    const char *v = c->arg0_str ? c->arg0_str : c->kw_method;
    FgSpan sp = c->arg0_str ? c->arg0_span : c->kw_method_span;
    if (!v)
      return;
    bool set = strcmp(r, "multiprocessing.set_start_method") == 0;
    if (strcmp(v, "fork") == 0)
      c->pool = FG_POOL_FORK_METHOD;
    else if (set && (strcmp(v, "spawn") == 0 || strcmp(v, "forkserver") == 0))
      c->pool = FG_POOL_SAFE_METHOD;
    if (c->pool != FG_POOL_NONE)
      c->method_arg = sp;
    return;
  }
  char *canon = fg_pysites_canonical(r);
  FgSiteInfo info;
  bool site = fg_pysites_classify(canon, &info);
  free(canon);
  if (site && info.site == FG_SITE_FORK) {
    c->pool = FG_POOL_OS_FORK;
    c->site = FG_SITE_FORK;
    c->method = FG_METHOD_FORK;
    return;
  }
  if (site && info.gate == FG_GATE_NJOBS) {
    c->gate = FG_GATE_NJOBS;
    c->gate_expr = arg_of(w, c->args, "n_jobs", 0);
    if (c->threads || c->sharedmem || njobs_sequential(w, c->gate_expr))
      site = false;
    else if (fg_str_eq(c->backend, "multiprocessing"))
      info.method = FG_METHOD_DEFAULT;
  }
  if (site && info.gate == FG_GATE_PROCESSES) {
    int v = arg_of(w, c->args, "processes", -1);
    const FgPyExpr *e = v >= 0 ? &w->exprs.items[v] : NULL;
    if (e && e->kind == FG_EXPR_BOOL && e->ival == 0)
      site = false;
  }
  if (site && c->start_method_kw && info.site == FG_SITE_POOL)
    info.method = fg_pysites_method(c->start_method_kw);
  if (!site && w->opts)
    for (size_t i = 0; i < w->opts->nextra_pool_constructors && !site; i++)
      if (fg_str_eq(r, w->opts->extra_pool_constructors[i])) {
        site = true;
        memset(&info, 0, sizeof info);
        info.site = FG_SITE_POOL;
      }
  if (!site && dask_processes(w, c)) {
    site = true;
    memset(&info, 0, sizeof info);
    info.site = FG_SITE_LIBRARY;
    info.method = FG_METHOD_SPAWN;
  }
  int sched = scheduler_arg(w, c);
  if (!site && dask_collection_compute(w, c)) {
    /* the model decides from the scheduler given, else the config */
    site = true;
    memset(&info, 0, sizeof info);
    info.site = FG_SITE_LIBRARY;
    info.method = FG_METHOD_SPAWN;
    info.gate = FG_GATE_DASK_DEFAULT;
  } else if (!site && sched >= 0) {
    /* a scheduler known only where the code runs (a parameter, a variable):
     * the model evaluates it */
    uint8_t k = w->exprs.items[sched].kind;
    if (k != FG_EXPR_STR && k != FG_EXPR_NONE && k != FG_EXPR_BOOL && k != FG_EXPR_INT) {
      site = true;
      memset(&info, 0, sizeof info);
      info.site = FG_SITE_LIBRARY;
      info.method = FG_METHOD_SPAWN;
      info.gate = FG_GATE_SCHEDULER;
    }
  }
  /* `dask.config.set(scheduler=...)` sets what later computes use */
  if (c->gate != FG_GATE_NJOBS)
    c->gate_expr = sched;
  if (site && (info.gate == FG_GATE_DASK_DEFAULT || info.gate == FG_GATE_SCHEDULER))
    c->gate = info.gate;
  if (!site)
    return;
  c->site = info.site;
  c->method = info.method;
  c->needs_start = info.needs_start;
  if (!info.needs_start)
    c->pool = FG_POOL_SITE;
}

static void resolve_calls(Walk *w) {
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    if (c->callee_dotted) {
      c->resolved = fg_pf_resolve_how(w, c->callee, c->scope, c->span.start, &c->how,
                                      &c->bound_parts);
    } else {
      c->resolved = fg_xstrdup(c->callee);
      c->how = FG_NAME_GLOBAL;
    }
    classify(w, c);
  }
  /* hand-offs: enter_context(x), closing(x), addfinalizer(...), and
   * unittest's addCleanup(...) / addClassCleanup(...) */
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    const char *last = fg_pf_last_component(c->callee);
    bool finalizer =
        strcmp(last, "addfinalizer") == 0 || strcmp(last, "addCleanup") == 0 ||
        strcmp(last, "addClassCleanup") == 0 || strcmp(last, "addAsyncCleanup") == 0;
    bool handoff = finalizer || strcmp(last, "enter_context") == 0 ||
                   strcmp(c->resolved, "contextlib.closing") == 0;
    if (!handoff)
      continue;
    if (c->arg0_call >= 0)
      w->calls.items[c->arg0_call].escapes = true;
    if (c->func < 0)
      continue;
    if (finalizer)
      w->func_finalizer.items[c->func] = true;
    if (c->arg0_dotted) {
      int fscope = w->func_scope.items[c->func];
      int idx = fg_pf_names_get(w, fscope, c->arg0_dotted, strlen(c->arg0_dotted));
      w->names.items[idx].escaped = true;
    }
  }
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    if (c->direct_escape)
      c->escapes = true;
    if (c->func < 0 || !c->assigned_to)
      continue;
    if (w->func_finalizer.items[c->func]) {
      c->escapes = true;
      continue;
    }
    int fscope = w->func_scope.items[c->func];
    int idx = fg_pf_names_find(w, fscope, c->assigned_to, strlen(c->assigned_to));
    if (idx >= 0 && w->names.items[idx].escaped)
      c->escapes = true;
  }
  fg_pf_find_starts(w);
}

/* The callee as shown: a context's method, kept in the text for
 * resolution, is not written ("mp.get_context().Pool"). */
static char *callee_shown(const char *callee) {
  FgBuf b = {0};
  for (const char *c = callee; *c; c++) {
    fg_buf_putc(&b, *c);
    if (*c == '(' && strncmp(c - (c - callee >= 11 ? 11 : 0), "get_context(", 12) == 0) {
      const char *close = strchr(c, ')');
      if (close)
        c = close - 1;
    }
  }
  return fg_buf_take(&b);
}

static FgPyCall call_copy(const RawCall *c) {
  FgPyCall o = {0};
  o.callee = callee_shown(c->callee);
  o.resolved = fg_xstrdup(c->resolved);
  o.span = c->span;
  o.callee_span = c->callee_span;
  o.pool = c->pool;
  o.method_arg = c->method_arg;
  o.in_with = c->in_with;
  o.assigned_to = c->assigned_to ? fg_xstrdup(c->assigned_to) : NULL;
  o.escapes = c->escapes;
  o.guard = c->guard;
  o.args = c->args;
  o.star_args = c->star_args;
  o.how = c->how;
  o.bound_parts = c->bound_parts;
  o.site = c->site;
  o.method = c->method;
  o.gate = c->gate;
  o.gate_expr = c->gate_expr;
  o.started = c->started;
  return o;
}

/* "name: description" / "name(arg): ..." -> "name" */
static char *marker_decl_name(const char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strcspn(s, ":(");
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  return n ? fg_xstrndup(s, n) : NULL;
}

typedef FG_VEC(FgPyCall) CallVec;
typedef FG_VEC(char *) StrVec;

static void distribute_calls(Walk *w) {
  CallVec *per = fg_xcalloc(w->funcs.len ? w->funcs.len : 1, sizeof *per);
  StrVec *gfv = fg_xcalloc(w->funcs.len ? w->funcs.len : 1, sizeof *gfv);
  CallVec mod = {0};
  StrVec reg = {0};
  for (size_t i = 0; i < w->calls.len; i++) {
    const RawCall *c = &w->calls.items[i];
    const char *last = fg_pf_last_component(c->callee);
    bool getfix = c->arg0_str && strcmp(last, "getfixturevalue") == 0;
    if (c->arg0_str && c->arg1_str && strcmp(last, "addinivalue_line") == 0 &&
        strcmp(c->arg0_str, "markers") == 0) {
      char *name = marker_decl_name(c->arg1_str);
      if (name)
        fg_vec_push(&reg, name);
    }
    if (c->func < 0) {
      if (!c->main_only)
        fg_vec_push(&mod, call_copy(c));
      continue;
    }
    int f = c->func;
    for (int k = 0; f >= 0 && k < MAX_CALL_OWNERS; k++) {
      fg_vec_push(&per[f], call_copy(c));
      if (getfix)
        fg_vec_push(&gfv[f], fg_xstrdup(c->arg0_str));
      f = w->func_parent.items[f];
    }
  }
  for (size_t i = 0; i < w->funcs.len; i++) {
    fg_vec_shrink(&per[i]);
    fg_vec_shrink(&gfv[i]);
    w->funcs.items[i].calls = per[i].items;
    w->funcs.items[i].ncalls = per[i].len;
    w->funcs.items[i].getfixturevalue = gfv[i].items;
    w->funcs.items[i].ngetfixturevalue = gfv[i].len;
  }
  free(per);
  free(gfv);
  fg_vec_shrink(&mod);
  fg_vec_shrink(&reg);
  w->m->module_calls = mod.items;
  w->m->nmodule_calls = mod.len;
  w->m->registered_markers = reg.items;
  w->m->nregistered_markers = reg.len;
}

typedef FG_VEC(FgPyAssign) AssignVec;
typedef FG_VEC(FgPyPatch) PatchVec;
typedef FG_VEC(int) IntVec;

/* A dotted name that may be a pool constructor, a context or a process
 * class: the cheap test before the canonical one. */
static bool might_pool(const char *t) {
  static const char *const heads[] = {
      "multiprocessing", "concurrent", "loky",       "joblib", "billiard",
      "multiprocess",    "torch",      "dask",       "pebble", "mpire",
      "os.fork",         "pty",        "distributed"};
  for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
    if (strncmp(t, heads[i], strlen(heads[i])) == 0)
      return true;
  return false;
}

static bool poolish(const char *t) {
  if (!t || !might_pool(t))
    return false;
  char *canon = fg_pysites_canonical(t);
  bool hit = fg_pysites_is_poolish(canon);
  free(canon);
  return hit;
}

static FgPyAssign assign_take(RawAssign *r) {
  FgPyAssign a = {r->name, r->expr, r->span, r->guard};
  r->name = NULL;
  return a;
}

static void distribute_values(Walk *w) {
  size_t nf = w->funcs.len ? w->funcs.len : 1, nc = w->classes.len ? w->classes.len : 1;
  IntVec *rets = fg_xcalloc(nf, sizeof *rets);
  IntVec *ret_guards = fg_xcalloc(nf, sizeof *ret_guards);
  AssignVec *selfs = fg_xcalloc(nf, sizeof *selfs);
  AssignVec *locals = fg_xcalloc(nf, sizeof *locals);
  PatchVec *fpatch = fg_xcalloc(nf, sizeof *fpatch);
  AssignVec *attrs = fg_xcalloc(nc, sizeof *attrs);
  PatchVec *cpatch = fg_xcalloc(nc, sizeof *cpatch);
  AssignVec globals = {0};
  for (size_t i = 0; i < w->returns.len; i++) {
    fg_vec_push(&rets[w->returns.items[i].owner], w->returns.items[i].expr);
    fg_vec_push(&ret_guards[w->returns.items[i].owner], w->returns.items[i].guard);
  }
  for (size_t i = 0; i < w->self_assigns.len; i++)
    fg_vec_push(&selfs[w->self_assigns.items[i].owner],
                assign_take(&w->self_assigns.items[i]));
  for (size_t i = 0; i < w->locals.len; i++)
    fg_vec_push(&locals[w->locals.items[i].owner], assign_take(&w->locals.items[i]));
  for (size_t i = 0; i < w->class_attrs.len; i++)
    fg_vec_push(&attrs[w->class_attrs.items[i].owner],
                assign_take(&w->class_attrs.items[i]));
  for (size_t i = 0; i < w->globals.len; i++)
    fg_vec_push(&globals, assign_take(&w->globals.items[i]));
  for (size_t i = 0; i < w->patches.len; i++) {
    RawPatch *rp = &w->patches.items[i];
    FgPyPatch pt = {NULL, rp->span};
    if (rp->dotted) {
      pt.target = rp->dotted;
      rp->dotted = NULL;
    } else {
      char *obj = fg_pf_resolve_simple(w, rp->obj, rp->scope, rp->offset);
      pt.target = fg_xasprintf("%s.%s", obj, rp->attr);
      free(obj);
    }
    fg_vec_push(rp->owner_kind == OWNER_CLASS ? &cpatch[rp->owner] : &fpatch[rp->owner],
                pt);
  }
  for (size_t i = 0; i < w->funcs.len; i++) {
    FgPyFunc *f = &w->funcs.items[i];
    fg_vec_shrink(&rets[i]);
    fg_vec_shrink(&ret_guards[i]);
    fg_vec_shrink(&selfs[i]);
    fg_vec_shrink(&locals[i]);
    fg_vec_shrink(&fpatch[i]);
    f->returns = rets[i].items;
    f->return_guards = ret_guards[i].items;
    f->nreturns = rets[i].len;
    f->self_assigns = selfs[i].items;
    f->nself_assigns = selfs[i].len;
    f->locals = locals[i].items;
    f->nlocals = locals[i].len;
    f->patches = fpatch[i].items;
    f->npatches = fpatch[i].len;
  }
  for (size_t i = 0; i < w->classes.len; i++) {
    FgPyClass *c = &w->classes.items[i];
    fg_vec_shrink(&attrs[i]);
    fg_vec_shrink(&cpatch[i]);
    c->attrs = attrs[i].items;
    c->nattrs = attrs[i].len;
    c->patches = cpatch[i].items;
    c->npatches = cpatch[i].len;
    c->dunder_test = w->class_test.items[i];
  }
  fg_vec_shrink(&globals);
  w->m->globals = globals.items;
  w->m->nglobals = globals.len;
  /* mentions: calls (a `.start()` may start a Process made elsewhere), and
   * the names values hold */
  for (size_t i = 0; i < w->calls.len; i++) {
    const RawCall *c = &w->calls.items[i];
    if (c->func >= 0 &&
        (c->site || poolish(c->resolved) || fg_str_endswith(c->callee, ".start")))
      for (int f = c->func, k = 0; f >= 0 && k < MAX_CALL_OWNERS; k++) {
        w->funcs.items[f].mentions_pool = true;
        f = w->func_parent.items[f];
      }
  }
  for (size_t i = 0; i < w->exprs.len; i++) {
    const FgPyExpr *e = &w->exprs.items[i];
    int f = w->expr_pos.items[i].func;
    if (f >= 0 && (e->kind == FG_EXPR_NAME || e->kind == FG_EXPR_CALL) &&
        !w->funcs.items[f].mentions_pool && poolish(e->text))
      w->funcs.items[f].mentions_pool = true;
  }
  for (size_t i = 0; i < w->classes.len; i++) {
    const FgPyClass *c = &w->classes.items[i];
    bool hit = false;
    /* a Process / manager subclass: its methods make and start it */
    for (size_t k = 0; k < c->nbases && !hit; k++)
      hit = poolish(c->bases[k]);
    for (size_t k = 0; k < c->nattrs && !hit; k++) {
      const FgPyExpr *e = &w->exprs.items[c->attrs[k].expr];
      hit = (e->kind == FG_EXPR_NAME || e->kind == FG_EXPR_CALL) && poolish(e->text);
    }
    for (size_t f = 0; hit && f < w->funcs.len; f++)
      if (w->funcs.items[f].cls == (int)i)
        w->funcs.items[f].mentions_pool = true;
  }
  free(rets);
  free(ret_guards);
  free(selfs);
  free(locals);
  free(fpatch);
  free(attrs);
  free(cpatch);
  fg_vec_shrink(&w->exprs);
  fg_vec_shrink(&w->conds);
  w->m->exprs = w->exprs.items;
  w->m->nexprs = w->exprs.len;
  w->m->conds = w->conds.items;
  w->m->nconds = w->conds.len;
  w->exprs.items = NULL;
  w->exprs.len = w->exprs.cap = 0;
  w->conds.items = NULL;
  w->conds.len = w->conds.cap = 0;
}

typedef FG_VEC(FgPyMarker) MarkerVec;

static MarkerVec *marker_owner(Walk *w, int kind, int owner, MarkerVec *mod,
                               MarkerVec *cls, MarkerVec *fn) {
  if (kind == OWNER_CLASS)
    return &cls[owner];
  if (kind == OWNER_FUNC)
    return &fn[owner];
  return mod;
}

static bool is_pytest_mark(const Walk *w, const char *prefix, int scope, size_t offset) {
  char *r = fg_pf_resolve_simple(w, prefix, scope, offset);
  bool ok = strcmp(r, "pytest.mark") == 0;
  free(r);
  return ok;
}

static bool elem_has(const Walk *w, const ParamElem *e, const char *name, int scope,
                     size_t offset) {
  for (size_t i = 0; i < e->count; i++) {
    const MarkRef *r = &w->param_marks.items[e->first + i];
    if (strcmp(r->name, name) == 0 && is_pytest_mark(w, r->prefix, scope, offset))
      return true;
  }
  return false;
}

/* "param:X" only when every element of the argvalues list is a
 * `pytest.param(...)` whose marks include X: then every generated test
 * carries X, and the function may be treated as marked. */
static void param_markers(Walk *w, const ParamCand *pc, MarkerVec *out) {
  if (pc->count == 0)
    return;
  for (size_t i = 0; i < pc->count; i++) {
    const ParamElem *e = &w->param_elems.items[pc->first + i];
    if (!e->callee)
      return;
    char *r = fg_pf_resolve_simple(w, e->callee, pc->scope, pc->offset);
    bool ok = strcmp(r, "pytest.param") == 0;
    free(r);
    if (!ok)
      return;
  }
  const ParamElem *e0 = &w->param_elems.items[pc->first];
  for (size_t j = 0; j < e0->count; j++) {
    const MarkRef *r = &w->param_marks.items[e0->first + j];
    bool all = is_pytest_mark(w, r->prefix, pc->scope, pc->offset);
    for (size_t i = 1; all && i < pc->count; i++)
      all = elem_has(w, &w->param_elems.items[pc->first + i], r->name, pc->scope,
                     pc->offset);
    char *name = fg_xasprintf("param:%s", r->name);
    bool dup = false;
    for (size_t k = 0; k < out->len; k++)
      dup = dup || strcmp(out->items[k].name, name) == 0;
    if (!all || dup) {
      free(name);
      continue;
    }
    FgPyMarker mk = {name, pc->span, NULL, 0, -1};
    fg_vec_push(out, mk);
  }
}

static void resolve_markers(Walk *w) {
  MarkerVec mod = {0};
  MarkerVec *cls = fg_xcalloc(w->classes.len ? w->classes.len : 1, sizeof *cls);
  MarkerVec *fn = fg_xcalloc(w->funcs.len ? w->funcs.len : 1, sizeof *fn);
  for (size_t i = 0; i < w->marks.len; i++) {
    MarkCand *mc = &w->marks.items[i];
    if (is_pytest_mark(w, mc->prefix, mc->scope, mc->offset)) {
      FgPyMarker mk = {mc->name, mc->span, mc->args, mc->nargs, mc->cond};
      fg_vec_push(marker_owner(w, mc->owner_kind, mc->owner, &mod, cls, fn), mk);
      mc->name = NULL;
      mc->args = NULL;
      mc->nargs = 0;
    }
  }
  /* a function's "param:" markers follow its decorator markers */
  for (size_t i = 0; i < w->params.len; i++)
    param_markers(w, &w->params.items[i], &fn[w->params.items[i].func]);
  w->m->module_markers = mod.items;
  w->m->nmodule_markers = mod.len;
  for (size_t i = 0; i < w->classes.len; i++) {
    w->classes.items[i].markers = cls[i].items;
    w->classes.items[i].nmarkers = cls[i].len;
  }
  for (size_t i = 0; i < w->funcs.len; i++) {
    w->funcs.items[i].markers = fn[i].items;
    w->funcs.items[i].nmarkers = fn[i].len;
  }
  free(cls);
  free(fn);
}

static void resolve_fixtures(Walk *w) {
  for (size_t i = 0; i < w->fixtures.len; i++) {
    FixCand *fc = &w->fixtures.items[i];
    char *r = fg_pf_resolve_simple(w, fc->dotted, fc->scope, fc->offset);
    bool ok = strcmp(r, "pytest.fixture") == 0 || strcmp(r, "pytest.yield_fixture") == 0;
    free(r);
    FgPyFunc *f = &w->funcs.items[fc->func];
    if (!ok || f->is_fixture)
      continue;
    f->is_fixture = true;
    f->autouse = fc->autouse;
    f->fixture_name = fc->name ? fc->name : fg_xstrdup(f->name);
    fc->name = NULL;
  }
}

static void resolve_bases(Walk *w) {
  for (size_t i = 0; i < w->classes.len; i++) {
    FgPyClass *c = &w->classes.items[i];
    for (size_t j = 0; j < c->nbases; j++) {
      char *r =
          fg_pf_resolve_simple(w, c->bases[j], w->class_scope.items[i], c->span.start);
      free(c->bases[j]);
      c->bases[j] = r;
    }
  }
}

/* After the docstring and `from __future__` imports; with neither, after a
 * shebang / encoding comment on the first two lines. */
static size_t insert_offset(const Walk *w, TSNode root) {
  size_t after = 0, header = 0;
  bool first = true;
  Kids k;
  for (fg_pf_kids_begin(&k, root); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    const char *t = ts_node_type(c);
    if (fg_pf_is_type(t, "comment")) {
      size_t s = ts_node_start_byte(c), e = ts_node_end_byte(c);
      bool line12 = ts_node_start_point(c).row <= 1;
      bool shebang = (s == 0 || (s == 3 && w->m->src->bom)) && e - s >= 2 &&
                     w->src[s] == '#' && w->src[s + 1] == '!';
      char *txt = fg_pf_node_text(w, c);
      bool coding = strstr(txt, "coding:") || strstr(txt, "coding=");
      free(txt);
      if (first && line12 && (shebang || coding))
        header = e;
      continue;
    }
    if (first && fg_pf_is_type(t, "expression_statement") &&
        (fg_pf_node_is(ts_node_named_child(c, 0), "string") ||
         fg_pf_node_is(ts_node_named_child(c, 0), "concatenated_string"))) {
      after = ts_node_end_byte(c);
      first = false;
      continue;
    }
    if (fg_pf_is_type(t, "future_import_statement")) {
      after = ts_node_end_byte(c);
      first = false;
      continue;
    }
    break;
  }
  fg_pf_kids_end(&k);
  if (!after)
    after = header;
  if (!after)
    return 0;
  while (after < w->len && w->src[after] != '\n' && w->src[after] != '\r')
    after++;
  if (after < w->len && w->src[after] == '\r')
    after++;
  if (after < w->len && w->src[after] == '\n')
    after++;
  return after;
}

static void walk_free(Walk *w) {
  for (size_t i = 0; i < w->names.len; i++) {
    NameEntry *e = &w->names.items[i];
    for (size_t j = 0; j < e->binds.len; j++)
      free(e->binds.items[j].value);
    fg_vec_free(&e->binds);
    free(e->name);
  }
  fg_vec_free(&w->names);
  free(w->table);
  for (size_t i = 0; i < w->star_modules.len; i++)
    free(w->star_modules.items[i]);
  fg_vec_free(&w->star_modules);
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    free(c->callee);
    free(c->assigned_to);
    free(c->arg0_str);
    free(c->arg1_str);
    free(c->arg0_dotted);
    free(c->kw_method);
    free(c->resolved);
    free(c->backend);
    free(c->start_method_kw);
  }
  fg_vec_free(&w->calls);
  for (size_t i = 0; i < w->marks.len; i++) {
    MarkCand *mc = &w->marks.items[i];
    free(mc->prefix);
    free(mc->name);
    for (size_t j = 0; j < mc->nargs; j++)
      free(mc->args[j]);
    free(mc->args);
  }
  fg_vec_free(&w->marks);
  for (size_t i = 0; i < w->param_elems.len; i++)
    free(w->param_elems.items[i].callee);
  for (size_t i = 0; i < w->param_marks.len; i++) {
    free(w->param_marks.items[i].prefix);
    free(w->param_marks.items[i].name);
  }
  fg_vec_free(&w->param_elems);
  fg_vec_free(&w->param_marks);
  fg_vec_free(&w->params);
  for (size_t i = 0; i < w->fixtures.len; i++) {
    free(w->fixtures.items[i].dotted);
    free(w->fixtures.items[i].name);
  }
  fg_vec_free(&w->fixtures);
  RawAssign *lists[] = {w->returns.items, w->self_assigns.items, w->locals.items,
                        w->class_attrs.items, w->globals.items};
  size_t lens[] = {w->returns.len, w->self_assigns.len, w->locals.len, w->class_attrs.len,
                   w->globals.len};
  for (size_t l = 0; l < 5; l++)
    for (size_t i = 0; i < lens[l]; i++)
      free(lists[l][i].name);
  fg_vec_free(&w->returns);
  fg_vec_free(&w->self_assigns);
  fg_vec_free(&w->locals);
  fg_vec_free(&w->class_attrs);
  fg_vec_free(&w->globals);
  for (size_t i = 0; i < w->patches.len; i++) {
    free(w->patches.items[i].dotted);
    free(w->patches.items[i].obj);
    free(w->patches.items[i].attr);
  }
  fg_vec_free(&w->patches);
  for (size_t i = 0; i < w->stores.len; i++) {
    free(w->stores.items[i].container);
    free(w->stores.items[i].name);
  }
  fg_vec_free(&w->stores);
  fg_vec_free(&w->class_test);
  fg_pyfile_exprs_free(w->exprs.items, w->exprs.len);
  fg_vec_free(&w->conds);
  fg_vec_free(&w->expr_pos);
  fg_vec_free(&w->stack);
  fg_vec_free(&w->scopes);
  fg_vec_free(&w->func_parent);
  fg_vec_free(&w->func_scope);
  fg_vec_free(&w->func_finalizer);
  fg_vec_free(&w->class_scope);
}

static TSFieldId field(const TSLanguage *lang, const char *name) {
  return ts_language_field_id_for_name(lang, name, (uint32_t)strlen(name));
}

/* The top-level statements of a module that parses, where each begins a
 * line (a second statement after `;` does not). */
static void top_starts(FgPyModule *m, TSNode root) {
  FG_VEC(uint32_t) v = {0};
  uint32_t n = ts_node_child_count(root);
  for (uint32_t i = 0; i < n; i++) {
    TSNode c = ts_node_child(root, i);
    uint32_t s = ts_node_start_byte(c);
    if (ts_node_is_extra(c) || !ts_node_is_named(c) || s >= m->src->len)
      continue;
    if ((s == 0 || m->src->data[s - 1] == '\n') && (!v.len || v.items[v.len - 1] < s))
      fg_vec_push(&v, s);
  }
  fg_vec_shrink(&v);
  m->top_starts = v.items;
  m->ntop = v.len;
}

FgPyModule *fg_pyfile_parse(const FgSource *src, const FgPyOptions *opts) {
  FgPyModule *m = fg_xcalloc(1, sizeof *m);
  m->src = src;
  const TSLanguage *lang = tree_sitter_python();
  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, lang);
  size_t skip = src->bom ? 3 : 0;
  if (skip) {
    /* the grammar does not know a BOM; parse after it, offsets stay absolute */
    TSRange r = {{0, 3}, {UINT32_MAX, UINT32_MAX}, 3, UINT32_MAX};
    ts_parser_set_included_ranges(parser, &r, 1);
  }
  TSTree *tree = ts_parser_parse_string(parser, NULL, src->data, (uint32_t)src->len);
  ts_parser_delete(parser);
  if (!tree) {
    m->has_error = true;
    m->error_message = fg_xstrdup("could not parse");
    fg_pyfile_pack(m);
    return m;
  }
  TSNode root = ts_tree_root_node(tree);

  Walk w = {0};
  w.src = src->data;
  w.len = src->len;
  w.opts = opts;
  w.m = m;
  w.f_body = field(lang, "body");
  w.f_name = field(lang, "name");
  w.f_function = field(lang, "function");
  w.f_arguments = field(lang, "arguments");
  w.f_left = field(lang, "left");
  w.f_right = field(lang, "right");
  w.f_value = field(lang, "value");
  w.f_object = field(lang, "object");
  w.f_attribute = field(lang, "attribute");
  w.f_alias = field(lang, "alias");
  w.f_module_name = field(lang, "module_name");
  w.f_superclasses = field(lang, "superclasses");
  w.f_parameters = field(lang, "parameters");
  w.f_condition = field(lang, "condition");
  w.f_consequence = field(lang, "consequence");
  w.f_alternative = field(lang, "alternative");
  w.f_operator = field(lang, "operator");
  w.f_operators = field(lang, "operators");
  w.f_argument = field(lang, "argument");
  w.f_subscript = field(lang, "subscript");
  w.f_key = field(lang, "key");
  m->dunder_test = -1;
  fg_pf_scope_new(&w, SCOPE_MODULE, -1, -1);

  fg_pf_walk_tree(&w, root);
  size_t bad_at = 0;
  const char *bad = NULL;
  if (!m->has_error && !fg_pyindent_check(src->data, src->len, &bad_at, &bad)) {
    /* tree-sitter took it; CPython would not */
    m->has_error = true;
    m->error_offset = bad_at;
    m->error_message = fg_xstrdup(bad);
  }
  m->import_insert_offset = insert_offset(&w, root);
  if (!m->has_error)
    top_starts(m, root);
  ts_tree_delete(tree);

  fg_pf_resolve_exprs(&w);
  resolve_calls(&w);
  distribute_calls(&w);
  resolve_bases(&w);
  distribute_values(&w);
  resolve_markers(&w);
  resolve_fixtures(&w);

  fg_vec_shrink(&w.imports);
  fg_vec_shrink(&w.classes);
  fg_vec_shrink(&w.funcs);
  m->imports = w.imports.items;
  m->nimports = w.imports.len;
  m->classes = w.classes.items;
  m->nclasses = w.classes.len;
  m->funcs = w.funcs.items;
  m->nfuncs = w.funcs.len;
  walk_free(&w);
  fg_pyfile_pack(m);
  return m;
}

void fg_pyfile_exprs_free(FgPyExpr *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i].text);
  free(v);
}

bool fg_pyfile_marker_in(const FgPyMarker *markers, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (fg_str_eq(markers[i].name, name))
      return true;
  return false;
}

size_t fg_pyfile_import_offset(const FgPyModule *self) {
  const FgSource *src = self->src;
  size_t at = self->import_insert_offset;
  if (src->bom && at < 3)
    at = 3; /* the BOM stays the file's first bytes */
  size_t p = at;
  while (p < src->len) {
    size_t q = p;
    while (q < src->len && (src->data[q] == ' ' || src->data[q] == '\t'))
      q++;
    if (q < src->len && (src->data[q] == '\n' || src->data[q] == '\r')) {
      while (q < src->len && src->data[q] != '\n')
        q++;
      p = q + 1;
      continue;
    }
    break;
  }
  if (p == at || p >= src->len || src->data[p] == ' ' || src->data[p] == '\t')
    return at;
  size_t rest = src->len - p;
  if ((rest > 7 && memcmp(src->data + p, "import ", 7) == 0) ||
      (rest > 5 && memcmp(src->data + p, "from ", 5) == 0))
    return p;
  return at;
}

size_t fg_pyfile_import_gap(const FgPyModule *self, size_t at) {
  const FgSource *src = self->src;
  const char *s = src->data + at;
  size_t rest = src->len - at;
  if (!rest || *s == '\n' || *s == '\r' || *s == '#' || *s == ' ' || *s == '\t')
    return 0;
  static const char *const joined[] = {"import ", "from ", NULL};
  for (const char *const *w = joined; *w; w++)
    if (rest >= strlen(*w) && memcmp(s, *w, strlen(*w)) == 0)
      return 0;
  static const char *const defs[] = {"def ", "class ", "async ", "@", NULL};
  for (const char *const *w = defs; *w; w++)
    if (rest >= strlen(*w) && memcmp(s, *w, strlen(*w)) == 0)
      return 2;
  return 1;
}

char *fg_pyfile_text(const FgPyModule *self, FgSpan span, size_t max) {
  const FgSource *src = self->src;
  size_t a = span.start < src->len ? span.start : src->len;
  size_t b = span.end < src->len ? span.end : src->len;
  FgBuf out = {0};
  bool space = false;
  for (size_t i = a; i < b; i++) {
    char ch = src->data[i];
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\\') {
      space = out.len > 0;
      continue;
    }
    if (space)
      fg_buf_putc(&out, ' ');
    space = false;
    if (out.len >= max) {
      fg_buf_puts(&out, "...");
      break;
    }
    fg_buf_putc(&out, ch);
  }
  if (!out.data)
    fg_buf_puts(&out, "");
  return fg_buf_take(&out);
}
