/* python/eval: what an expression of the summary is worth where a def runs
 * (FgEnv): literals, parameters from the call that entered the def (one call
 * level deep) and their defaults, locals, `self` attributes set in
 * __init__ / setUp / class bodies, module globals across modules, fixtures'
 * return values, and the platform (sys.platform, os.name, platform.system(),
 * sys.version_info), evaluated per (OS, Python) cell. Guards are
 * conjunctions of such conditions: true, false, or unknown (a config value,
 * an environment variable, anything computed at run time). Every walk is
 * bounded by a depth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "python/internal.h"

/* Evaluation nests this deep at most (values of values of values...). */
#define FG_EVAL_DEPTH 32
/* startswith(("a", "b", ...)) compares this many prefixes at most. */
#define MAX_STARTS_OPTS 16

/* ---- platforms ------------------------------------------------------------ */

bool fg_platforms_has(FgPlatforms self, int os, int minor) {
  if (os < 0 || os > 3 || minor < 0)
    return false;
  return (self >> FG_PLATFORM_CELL(os, minor)) & 1u;
}

static const char *const kOsNames[] = {"Linux", "macOS", "Windows", "other OSes"};

char *fg_platforms_describe(FgPlatforms self) {
  if (self == FG_PLATFORMS_ALL)
    return NULL;
  if (self == 0)
    return fg_xstrdup("nowhere");
  /* the OSes where some cell holds, and, when every such OS has the same
   * Python cells, those as a range */
  FgBuf b = {0};
  uint16_t rows[4];
  int oses = 0;
  for (int os = 0; os < 4; os++) {
    rows[os] = (uint16_t)(self >> (os * 16));
    oses += rows[os] != 0;
  }
  uint16_t common = 0;
  bool same = true;
  for (int os = 0; os < 4; os++) {
    if (!rows[os])
      continue;
    if (!common)
      common = rows[os];
    else if (rows[os] != common)
      same = false;
  }
  fg_buf_puts(&b, "only");
  if (oses < 4) {
    fg_buf_puts(&b, " on ");
    int k = 0;
    for (int os = 0; os < 4; os++)
      if (rows[os])
        fg_buf_printf(&b, "%s%s", k++ ? (k == oses ? " or " : ", ") : "", kOsNames[os]);
  }
  if (same && common != 0xffff) {
    int lo = 0, hi = 15;
    while (lo < 16 && !((common >> lo) & 1))
      lo++;
    while (hi > 0 && !((common >> hi) & 1))
      hi--;
    bool contiguous = true;
    for (int m = lo; m <= hi; m++)
      contiguous = contiguous && ((common >> m) & 1);
    fg_buf_puts(&b, oses < 4 ? ", " : " on ");
    if (!contiguous)
      fg_buf_puts(&b, "some Python versions");
    else if (hi == 15)
      fg_buf_printf(&b, "Python >= 3.%d", lo);
    else if (lo == 0)
      fg_buf_printf(&b, "Python < 3.%d", hi + 1);
    else
      fg_buf_printf(&b, "Python 3.%d to 3.%d", lo, hi);
  } else if (!same) {
    fg_buf_puts(&b, " (on some Python versions)");
  }
  return fg_buf_take(&b);
}

/* The concrete platform values of a cell. */
static const char *const kSysPlatform[] = {"linux", "darwin", "win32", "freebsd"};
static const char *const kOsName[] = {"posix", "posix", "nt", "posix"};
static const char *const kSystem[] = {"Linux", "Darwin", "Windows", "FreeBSD"};
static const char *const kMachine[] = {"x86_64", "arm64", "AMD64", "x86_64"};
/* os.cpu_count() on the CI machine the model assumes (GitHub's hosted
 * runners). */
#define FG_CI_CPUS 4

/* ---- values ------------------------------------------------------------------ */

/* v, under the condition `from` was chosen under (when v has none). */
static FgVal fg_val_under(FgVal v, FgVal from) {
  if (from.cond_mod && !v.cond_mod && v.kind != FG_VAL_UNKNOWN) {
    v.cond_mod = from.cond_mod;
    v.cond = from.cond;
  }
  return v;
}

static FgVal fg_val(uint8_t kind) {
  FgVal v;
  memset(&v, 0, sizeof v);
  v.kind = kind;
  v.def = -1;
  v.texpr = -1;
  v.cls.cls = -1;
  return v;
}

FgVal fg_py_val(uint8_t kind) {
  return fg_val(kind);
}

FgVal fg_py_val_int(long long i) {
  FgVal v = fg_val(FG_VAL_INT);
  v.ival = i;
  return v;
}

static FgVal fg_val_bool(bool b) {
  FgVal v = fg_val(FG_VAL_BOOL);
  v.ival = b;
  return v;
}

static const char *fg_arena(FgEnv *env, char *s) {
  return fg_str_intern_take(env->arena, s);
}

static FgVal fg_val_str(FgEnv *env, const char *s) {
  FgVal v = fg_val(FG_VAL_STR);
  v.str = fg_arena(env, fg_xstrdup(s));
  return v;
}

static FgVal fg_val_external(FgEnv *env, char *owned) {
  FgVal v = fg_val(FG_VAL_EXTERNAL);
  v.str = fg_arena(env, owned);
  return v;
}

/* A platform name read outside a cell: the caller evaluates per cell. */
static FgVal fg_platform(FgEnv *env, const char *text) {
  int os = env->cell >= 0 ? env->cell / 16 : -1;
  int minor = env->cell >= 0 ? env->cell % 16 : -1;
  if (strcmp(text, "sys.platform") == 0)
    return os < 0 ? fg_val(FG_VAL_PLAT) : fg_val_str(env, kSysPlatform[os]);
  if (strcmp(text, "os.name") == 0)
    return os < 0 ? fg_val(FG_VAL_PLAT) : fg_val_str(env, kOsName[os]);
  if (strcmp(text, "sys.version_info") == 0) {
    if (minor < 0)
      return fg_val(FG_VAL_PLAT);
    FgVal v = fg_val(FG_VAL_VERSION);
    v.ival = minor;
    v.texpr = 5;
    return v;
  }
  if (strcmp(text, "sys.version_info.major") == 0)
    return fg_py_val_int(3);
  if (strcmp(text, "sys.version_info.minor") == 0)
    return minor < 0 ? fg_val(FG_VAL_PLAT) : fg_py_val_int(minor);
  return fg_val(FG_VAL_UNKNOWN);
}

static bool fg_is_platform_name(const char *text) {
  if (text[0] != 's' && text[0] != 'o')
    return false;
  return strcmp(text, "sys.platform") == 0 || strcmp(text, "os.name") == 0 ||
         fg_str_startswith(text, "sys.version_info");
}

int fg_py_truth(FgVal v) {
  switch (v.kind) {
  case FG_VAL_NONE:
    return 0;
  case FG_VAL_BOOL:
  case FG_VAL_INT:
    return v.ival != 0;
  case FG_VAL_STR:
    return v.str && *v.str;
  case FG_VAL_TUPLE:
    return v.tmod && fg_py_tuple_first(&v) >= 0;
  case FG_VAL_KWDICT:
    return v.inst ? v.inst->nextra_kw > 0 : -1;
  case FG_VAL_EXTERNAL:
    /* a name is true; what calling it returned is not known, nor any
     * attribute of that (`parse_args().jobs`) */
    return v.str && (fg_str_endswith(v.str, ")") || strstr(v.str, "().")) ? -1 : 1;
  case FG_VAL_VERSION:
  case FG_VAL_CLASS:
  case FG_VAL_DEF:
  case FG_VAL_NAMESPACE:
  case FG_VAL_TRUTHY:
    return 1;
  case FG_VAL_FALSY:
    return 0;
  default:
    return -1;
  }
}

/* An environment for evaluating at module level of m (globals, defaults). */
static FgEnv fg_env_module(const FgEnv *from, FgModule *m) {
  FgEnv e;
  memset(&e, 0, sizeof e);
  e.p = from->p;
  e.mod = m;
  e.def = -1;
  e.cell = from->cell;
  e.depth = from->depth + 1;
  e.arena = from->arena;
  e.search = from->search;
  e.test_params = from->test_params;
  return e;
}

FgEnv fg_py_env_module(const FgEnv *from, FgModule *m) {
  return fg_env_module(from, m);
}

/* An environment for def d run with self of class cls (no call). */
static FgEnv fg_env_def(const FgEnv *from, int d, FgClassRef cls) {
  const FgDef *def = &from->p->defs.items[d];
  FgEnv e = fg_env_module(from, def->mod);
  e.func = &def->mod->py->funcs[def->func];
  e.def = d;
  e.self = cls;
  return e;
}

/* ---- classes ----------------------------------------------------------------- */

int fg_py_method(const FgPyModel *p, FgClassRef cls, const char *name,
                 FgClassRef *owner) {
  if (!cls.mod || cls.cls < 0)
    return -1;
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, cls.mod, cls.cls, &mro);
  int d = -1;
  for (size_t i = 0; i < mro.len && d < 0; i++) {
    int f = fg_py_find_func(mro.items[i].mod, name, mro.items[i].cls);
    if (f >= 0) {
      d = fg_py_def_of(p, mro.items[i].mod, f);
      if (owner)
        *owner = mro.items[i];
    }
  }
  fg_vec_free(&mro);
  return d;
}

bool fg_py_class_site(const FgPyModel *p, FgClassRef cls, FgSiteInfo *out) {
  if (!cls.mod || cls.cls < 0)
    return false;
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, cls.mod, cls.cls, &mro);
  bool found = false;
  for (size_t i = 0; i < mro.len && !found; i++) {
    const FgPyClass *k = &mro.items[i].mod->py->classes[mro.items[i].cls];
    for (size_t b = 0; b < k->nbases && !found; b++) {
      char *canon = fg_pysites_canonical(k->bases[b]);
      found = fg_pysites_classify(canon, out) &&
              (out->site == FG_SITE_PROCESS || out->site == FG_SITE_MANAGER);
      free(canon);
    }
  }
  fg_vec_free(&mro);
  return found;
}

/* ---- names ------------------------------------------------------------------- */

static FgVal fg_eval_in(FgEnv *env, FgModule *m, int e);
static FgVal fg_dict_get(FgEnv *env, FgVal d, FgVal key, const FgVal *dflt);

/* The value a fixture gives: what it returns or yields first. */
static FgVal fg_fixture_value(FgEnv *env, const char *name) {
  FgScope scope = {0};
  int cls = env->func ? env->func->cls : -1;
  fg_py_scope_build(env->p, env->mod, cls, &scope);
  int self_def =
      env->func && env->func->is_fixture && fg_str_eq(env->func->fixture_name, name)
          ? env->def
          : -1;
  int d = fg_py_scope_fixture(env->p, &scope, name, self_def);
  fg_py_scope_free(&scope);
  if (d < 0)
    return fg_val(FG_VAL_UNKNOWN);
  FgEnv fe = fg_env_def(env, d, env->self);
  fe.entry = true;
  const FgPyFunc *f = fe.func;
  for (size_t i = 0; i < f->nreturns; i++) {
    FgVal v = fg_eval_in(&fe, fe.mod, f->returns[i]);
    if (v.kind != FG_VAL_NONE)
      return v;
  }
  return fg_val(FG_VAL_UNKNOWN);
}

/* ---- a def's `**kwargs` ------------------------------------------------------ */

static const FgPyExpr *fg_ex(const FgModule *m, int e);

/* What changes the mapping in place before the use: `kw.setdefault("k", v)`,
 * `kw.pop("k")`, `kw["k"] = v` (a local named `kw[k]`); anything else that
 * changes it (`update`, a key not known) makes it unknown. */
#define FG_KW_MAX 24

typedef struct FgKwMap {
  const char *names[FG_KW_MAX];
  FgVal vals[FG_KW_MAX];
  size_t n;
} FgKwMap;

static int fg_kw_find(const FgKwMap *k, const char *name) {
  for (size_t i = 0; i < k->n; i++)
    if (strcmp(k->names[i], name) == 0)
      return (int)i;
  return -1;
}

static bool fg_kw_set(FgKwMap *k, const char *name, FgVal v, bool only_new) {
  int i = fg_kw_find(k, name);
  if (i >= 0) {
    if (!only_new)
      k->vals[i] = v;
    return true;
  }
  if (k->n == FG_KW_MAX)
    return false;
  k->names[k->n] = name;
  k->vals[k->n++] = v;
  return true;
}

/* Does the code at `at` (guard g) run under a guard that holds? 1 yes, 0 it
 * does not run, -1 not known. */
static int fg_kw_runs(FgEnv *env, size_t at, int g) {
  if (g < 0)
    return 1;
  FgEnv ge = *env;
  ge.depth++;
  ge.at = at;
  FgGuardResult r = fg_py_guard(&ge, g);
  if (r.status == FG_GUARD_FALSE)
    return 0;
  return r.status == FG_GUARD_TRUE && r.plat == FG_PLATFORMS_ALL ? 1 : -1;
}

/* Applies call c, `kw.meth(...)`; false when what it does is not known. */
static bool fg_kw_call(FgEnv *env, FgKwMap *k, const FgPyCall *c, const char *meth) {
  bool setdefault = strcmp(meth, "setdefault") == 0;
  if (!setdefault && strcmp(meth, "pop") != 0)
    return strcmp(meth, "update") != 0 && strcmp(meth, "clear") != 0 &&
           strcmp(meth, "popitem") != 0 && strcmp(meth, "__setitem__") != 0 &&
           strcmp(meth, "__delitem__") != 0; /* the others read it */
  const FgPyExpr *ex = env->mod->py->exprs;
  int key = c->args;
  if (c->star_args || key < 0 || ex[key].kind != FG_EXPR_STR)
    return false;
  if (setdefault) {
    int v = ex[key].next;
    if (v >= 0 && ex[v].kind == FG_EXPR_KW)
      return false;
    FgEnv ve = *env;
    ve.depth++;
    ve.at = c->span.start;
    ve.use_known = true;
    ve.use_guard = c->guard;
    FgVal val = v >= 0 ? fg_eval_in(&ve, env->mod, v) : fg_val(FG_VAL_NONE);
    return fg_kw_set(k, ex[key].text, val, true);
  }
  int i = fg_kw_find(k, ex[key].text);
  if (i >= 0) {
    k->names[i] = k->names[k->n - 1];
    k->vals[i] = k->vals[k->n - 1];
    k->n--;
  }
  return true;
}

/* Applies to k the changes of mapping `name` (bound as `how`) that the def
 * makes after offset `start` and before the use (env->at); false when one
 * is not known. */
static bool fg_map_changes(FgEnv *env, const char *name, uint8_t how, size_t start,
                           FgKwMap *k) {
  const FgPyFunc *f = env->func;
  size_t n = strlen(name);
  size_t end = env->at ? env->at : SIZE_MAX;
  /* the changes, in source order */
  size_t ci = 0, li = 0;
  for (;;) {
    const FgPyCall *c = NULL;
    for (; ci < f->ncalls; ci++) {
      const FgPyCall *x = &f->calls[ci];
      if (x->how == how && strncmp(x->callee, name, n) == 0 && x->callee[n] == '.' &&
          x->span.start > start && x->span.start < end) {
        c = x;
        break;
      }
    }
    const FgPyAssign *a = NULL;
    for (; li < f->nlocals; li++) {
      const FgPyAssign *x = &f->locals[li];
      if (strncmp(x->name, name, n) == 0 && x->name[n] == '[' && x->span.start > start &&
          x->span.start < end) {
        a = x;
        break;
      }
    }
    if (!c && !a)
      return true;
    if (c && (!a || c->span.start < a->span.start)) {
      ci++;
      int runs = fg_kw_runs(env, c->span.start, c->guard);
      if (runs < 0 || (runs && !fg_kw_call(env, k, c, c->callee + n + 1)))
        return false;
    } else {
      li++;
      const char *key = a->name + n + 1;
      size_t kl = strlen(key);
      int runs = fg_kw_runs(env, a->span.start, a->guard);
      if (runs < 0 || (runs && kl < 2))
        return false;
      if (!runs)
        continue;
      /* the key, without the closing bracket, as a string of the arena */
      const char *kname = fg_arena(env, fg_xstrndup(key, kl - 1));
      FgEnv ve = *env;
      ve.depth++;
      ve.at = a->span.start;
      ve.use_known = true;
      ve.use_guard = a->guard;
      if (!fg_kw_set(k, kname, fg_eval_in(&ve, env->mod, a->expr), false))
        return false;
    }
  }
}

static FgVal fg_kw_value(FgEnv *env, const FgKwMap *k) {
  FgVal v = fg_val(FG_VAL_KWDICT);
  v.inst = fg_py_bind_entries(env->search, k->names, k->vals, k->n);
  return v.inst ? v : fg_val(FG_VAL_UNKNOWN);
}

static FgVal fg_kwargs(FgEnv *env) {
  const FgBinding *b = env->params;
  if (!b || b->def != env->def || b->kw_open || b->nextra_kw > FG_KW_MAX)
    return fg_val(FG_VAL_UNKNOWN);
  FgKwMap k = {{0}, {{0}}, 0};
  for (size_t i = 0; i < b->nextra_kw; i++)
    fg_kw_set(&k, b->extra_names[i], b->extra_kw[i], false);
  if (!fg_map_changes(env, env->func->kwargs, FG_NAME_PARAM, 0, &k))
    return fg_val(FG_VAL_UNKNOWN);
  return fg_kw_value(env, &k);
}

/* A local dict display changed in place after assignment a (`d["k"] = v`,
 * `d.setdefault(...)`): its entries, then the changes before the use. */
static FgVal fg_local_map(FgEnv *env, const FgPyAssign *a) {
  const FgPyExpr *d = fg_ex(env->mod, a->expr);
  FgKwMap k = {{0}, {{0}}, 0};
  FgEnv ve = *env;
  ve.depth++;
  ve.at = a->span.start;
  ve.use_known = true;
  ve.use_guard = a->guard;
  for (int e = d->a; e >= 0; e = fg_ex(env->mod, e)->next) {
    const FgPyExpr *kv = fg_ex(env->mod, e);
    if (!fg_kw_set(&k, kv->text, fg_eval_in(&ve, env->mod, kv->a), false))
      return fg_val(FG_VAL_UNKNOWN);
  }
  if (!fg_map_changes(env, a->name, FG_NAME_LOCAL, a->span.end, &k))
    return fg_val(FG_VAL_UNKNOWN);
  return fg_kw_value(env, &k);
}

int fg_py_mapping_get(FgEnv *env, FgVal map, const char *key, FgVal *out) {
  if (map.kind == FG_VAL_KWDICT) {
    if (!map.inst || map.inst->kw_open)
      return -1;
    for (size_t i = 0; i < map.inst->nextra_kw; i++)
      if (strcmp(map.inst->extra_names[i], key) == 0) {
        *out = map.inst->extra_kw[i];
        return 1;
      }
    return 0;
  }
  if (map.kind != FG_VAL_DICT)
    return -1;
  for (int e = fg_ex(map.tmod, map.texpr)->a; e >= 0; e = fg_ex(map.tmod, e)->next) {
    const FgPyExpr *kv = fg_ex(map.tmod, e);
    if (fg_str_eq(kv->text, key)) {
      FgEnv de = fg_env_module(env, (FgModule *)map.tmod);
      *out = fg_eval_in(&de, (FgModule *)map.tmod, kv->a);
      return 1;
    }
  }
  return 0;
}

static FgVal fg_param(FgEnv *env, const char *name) {
  const FgPyFunc *f = env->func;
  if (!f)
    return fg_val(FG_VAL_UNKNOWN);
  for (size_t i = 0; i < f->nparams; i++) {
    if (strcmp(f->params[i], name) != 0)
      continue;
    if (env->params && env->params->def == env->def && i < env->params->n &&
        (env->params->vals[i].kind != FG_VAL_UNKNOWN || !env->entry))
      return env->params->vals[i];
    if (env->entry && env->test_params) {
      const FgBinding *tp = env->test_params;
      const FgPyFunc *tf = fg_py_def_func(env->p, tp->def);
      for (size_t k = 0; k < tf->nparams && k < tp->n; k++)
        if (strcmp(tf->params[k], name) == 0 && tp->vals[k].kind != FG_VAL_UNKNOWN)
          return tp->vals[k];
      /* an argname the test does not take (a fixture uses it) */
      for (size_t k = 0; k < tp->nextra_kw; k++)
        if (strcmp(tp->extra_names[k], name) == 0)
          return tp->extra_kw[k];
    }
    if (env->entry)
      return fg_str_eq(name, "request") ? fg_val(FG_VAL_UNKNOWN)
                                        : fg_fixture_value(env, name);
    if (env->params_unknown || f->param_defaults[i] < 0)
      return fg_val(FG_VAL_UNKNOWN);
    FgEnv de = fg_env_module(env, env->mod);
    return fg_eval_in(&de, env->mod, f->param_defaults[i]);
  }
  if (f->kwargs && strcmp(f->kwargs, name) == 0)
    return fg_kwargs(env);
  return fg_val(FG_VAL_UNKNOWN);
}

/* A local name: the last assignment before the use whose guard holds (an
 * assignment whose guard is false did not happen; one that may not have
 * happened leaves the value unknown); with none, the parameter of that name
 * (`if workers is None: workers = 2` reassigns a parameter). */
/* Is the container `name` changed in place by one of these calls
 * (`name.append(...)` and the like)? Then its display is not its value. */
static bool fg_mutated_in(const FgPyCall *calls, size_t n, const char *name) {
  static const char *const kMut[] = {"append",  "extend",    "insert", "remove",
                                     "pop",     "clear",     "update", "add",
                                     "discard", "setdefault"};
  size_t len = strlen(name);
  for (size_t i = 0; i < n; i++) {
    const char *c = calls[i].callee;
    if (!c || strncmp(c, name, len) != 0 || c[len] != '.')
      continue;
    for (size_t k = 0; k < sizeof kMut / sizeof kMut[0]; k++)
      if (strcmp(c + len + 1, kMut[k]) == 0)
        return true;
  }
  return false;
}

/* Is an item of `name` assigned (`name["k"] = v`: an assignment named
 * `name[...]`) among these? */
static bool fg_items_set_in(const FgPyAssign *v, size_t n, const char *name) {
  size_t len = strlen(name);
  for (size_t i = 0; i < n; i++)
    if (strncmp(v[i].name, name, len) == 0 && v[i].name[len] == '[')
      return true;
  return false;
}

static bool fg_container_expr(const FgModule *m, int e) {
  if (e < 0)
    return false;
  uint8_t k = m->py->exprs[e].kind;
  return k == FG_EXPR_TUPLE || k == FG_EXPR_DICT;
}

static bool fg_global_mutated(const FgModule *m, const char *name) {
  const FgPyModule *py = m->py;
  if (fg_mutated_in(py->module_calls, py->nmodule_calls, name) ||
      fg_items_set_in(py->globals, py->nglobals, name))
    return true;
  for (size_t i = 0; i < py->nfuncs; i++)
    if (fg_mutated_in(py->funcs[i].calls, py->funcs[i].ncalls, name) ||
        fg_items_set_in(py->funcs[i].locals, py->funcs[i].nlocals, name))
      return true;
  return false;
}

/* Is name the variable of the loop iteration env evaluates (and not assigned
 * again in the body before the use)? */
static bool fg_is_loop_var(const FgEnv *env, const char *name, const FgPyAssign *a) {
  if (!env->loop_cond1)
    return false;
  const FgPyCond *c = &env->mod->py->conds[env->loop_cond1 - 1];
  size_t n = c->span.end - c->span.start;
  if (strlen(name) != n || strncmp(env->mod->src->data + c->span.start, name, n) != 0)
    return false;
  return !a || a->span.start < c->span.start;
}

static FgVal fg_local(FgEnv *env, const char *name) {
  const FgPyFunc *f = env->func;
  if (!f)
    return fg_val(FG_VAL_UNKNOWN);
  /* the assignments of name, the last first */
  int from = env->at ? fg_py_locals_from(env->mod, f, env->at) : (int)f->nlocals;
  int first = fg_py_local_before(env->mod, f, name, from);
  while (first >= 0 && env->at && f->locals[first].span.start >= env->at)
    first = fg_py_local_before(env->mod, f, name, first);
  if (fg_is_loop_var(env, name, first >= 0 ? &f->locals[first] : NULL))
    return env->loop_val;
  for (int i = first; i >= 0; i = fg_py_local_before(env->mod, f, name, i)) {
    const FgPyAssign *a = &f->locals[i];
    if (env->at && a->span.start >= env->at)
      continue;
    /* an assignment under every condition the use is under ran before it */
    bool dominates = false;
    for (int g = env->use_known ? env->use_guard : -2, steps = 0; g >= -1 && steps < 64;
         steps++) {
      if (g == a->guard) {
        dominates = true;
        break;
      }
      g = g >= 0 ? env->mod->py->conds[g].parent : -2;
    }
    if (!dominates) {
      FgEnv ge = *env;
      ge.depth++;
      FgGuardResult g = fg_py_guard(&ge, a->guard);
      if (g.status == FG_GUARD_FALSE)
        continue;
      if (g.status == FG_GUARD_UNKNOWN || g.plat != FG_PLATFORMS_ALL)
        return fg_val(FG_VAL_UNKNOWN);
    }
    if (fg_container_expr(env->mod, a->expr) &&
        (fg_mutated_in(f->calls, f->ncalls, name) ||
         fg_items_set_in(f->locals, f->nlocals, name))) {
      /* a dict display changed in place: followed; anything else not */
      if (fg_ex(env->mod, a->expr)->kind == FG_EXPR_DICT)
        return fg_local_map(env, a);
      return fg_val(FG_VAL_UNKNOWN);
    }
    FgEnv ve = *env;
    ve.at = a->span.start;
    ve.use_known = true;
    ve.use_guard = a->guard;
    return fg_eval_in(&ve, env->mod, a->expr);
  }
  return fg_param(env, name);
}

/* The methods whose `self.x = ...` make an instance's state. */
static bool fg_init_like(const FgPyFunc *f) {
  static const char *const names[] = {"__init__",   "setUp",      "setup_method",
                                      "setup",      "setUpClass", "setup_class",
                                      "asyncSetUp", NULL};
  char c = f->name[0]; /* each name begins with one of these */
  for (const char *const *n = names; (c == '_' || c == 's' || c == 'a') && *n; n++)
    if (strcmp(f->name, *n) == 0)
      return true;
  return f->is_fixture && f->autouse;
}

/* (the first bytes are compared before the rest: this runs for every
 * attribute of self along the MRO) */
static const FgPyAssign *fg_self_assign(const FgPyFunc *f, const char *name) {
  for (size_t i = f->nself_assigns; i-- > 0;) {
    const char *n = f->self_assigns[i].name;
    if (n[0] == name[0] && strcmp(n, name) == 0)
      return &f->self_assigns[i];
  }
  return NULL;
}

/* A declarative field: a class attribute made by a call with `default=`
 * (`x = Parameter(default=1)`, `field(default=1)`, `attr.ib(default=1)`):
 * the default's expr, -1 when the attribute is not one. */
static int fg_field_default(const FgModule *m, int e) {
  if (e < 0 || m->py->exprs[e].kind != FG_EXPR_CALL)
    return -1;
  for (int a = m->py->exprs[e].a; a >= 0; a = m->py->exprs[a].next) {
    const FgPyExpr *x = &m->py->exprs[a];
    if (x->kind == FG_EXPR_KW && fg_str_eq(x->text, "default"))
      return x->a;
  }
  return -1;
}

/* Does the class (along its in-repo MRO) declare a field? Then a
 * construction without an in-repo __init__ (a dataclass, a base outside the
 * repository) keeps its keywords. */
static bool fg_has_fields_(const FgPyModel *p, FgClassRef cls);

/* Memoised per class (its MRO is resolved once). */
static bool fg_has_fields(FgEnv *env, FgClassRef cls) {
  FgMemoKey key = {
      {FG_MEMO_HAS_FIELDS, (uintptr_t)cls.mod, (uintptr_t)(cls.cls + 1), 0, 0, 0, 0},
      NULL};
  int slot = fg_py_memo(env->search, &key);
  if (slot >= 0 && fg_py_memo_at(env->search, slot)->state == 2)
    return fg_py_memo_at(env->search, slot)->val.ival != 0;
  bool any = fg_has_fields_(env->p, cls);
  if (slot >= 0) {
    FgMemoSlot *m = fg_py_memo_at(env->search, slot);
    m->state = 2;
    m->val = fg_py_val_int(any);
  }
  return any;
}

static bool fg_has_fields_(const FgPyModel *p, FgClassRef cls) {
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, cls.mod, cls.cls, &mro);
  bool any = false;
  for (size_t i = 0; i < mro.len && !any; i++) {
    const FgPyClass *k = &mro.items[i].mod->py->classes[mro.items[i].cls];
    for (size_t a = 0; a < k->nattrs && !any; a++)
      any = fg_field_default(mro.items[i].mod, k->attrs[a].expr) >= 0;
  }
  fg_vec_free(&mro);
  return any;
}

/* Field `name` of an instance whose construction bound inst: the keyword
 * of that name it was given, else the default (expr dflt of m); not known
 * when the construction is not, or may have set it another way (a
 * positional argument, a mapping not known, an __init__ parameter of that
 * name). */
static FgVal fg_field_value(FgEnv *env, const FgBinding *inst, const char *name,
                            FgModule *m, int dflt) {
  if (!inst)
    return fg_val(FG_VAL_UNKNOWN);
  for (size_t i = 0; i < inst->nextra_kw; i++)
    if (strcmp(inst->extra_names[i], name) == 0)
      return inst->extra_kw[i];
  if (inst->kw_open || inst->nextra_pos)
    return fg_val(FG_VAL_UNKNOWN);
  if (inst->def >= 0) {
    const FgPyFunc *init = fg_py_def_func(env->p, inst->def);
    for (size_t i = 0; i < init->nparams; i++)
      if (strcmp(init->params[i], name) == 0)
        return fg_val(FG_VAL_UNKNOWN);
  }
  FgEnv de = fg_env_module(env, m);
  return fg_eval_in(&de, m, dflt);
}

/* Where name gets its value for an instance of cls: the first init-like
 * method along the MRO that sets `self.name`, else the first class
 * attribute, else the first method that sets it (`self._proc = P()` in a
 * start_server() helper). It depends on the class and the name only:
 * memoised. */
static FgAttrHome fg_attr_home_(const FgPyModel *p, FgClassRef cls, const char *name) {
  FgAttrHome home = {NULL, -1, NULL, 0};
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, cls.mod, cls.cls, &mro);
  for (uint8_t how = 1; how <= 3 && !home.how; how++) {
    for (size_t i = 0; i < mro.len && !home.how; i++) {
      FgModule *m = mro.items[i].mod;
      if (how == 2) {
        const FgPyClass *k = &m->py->classes[mro.items[i].cls];
        for (size_t a = k->nattrs; a-- > 0;)
          if (k->attrs[a].name[0] == name[0] && strcmp(k->attrs[a].name, name) == 0) {
            home = (FgAttrHome){m, -1, &k->attrs[a], how};
            break;
          }
        continue;
      }
      size_t nf = 0;
      const uint32_t *fs = fg_py_class_funcs(m, mro.items[i].cls, &nf);
      for (size_t j = 0; j < nf; j++) {
        const FgPyFunc *f = &m->py->funcs[fs[j]];
        const FgPyAssign *a =
            how == 1 && !fg_init_like(f) ? NULL : fg_self_assign(f, name);
        if (!a)
          continue;
        home = (FgAttrHome){m, (int)fs[j], a, how};
        break;
      }
    }
  }
  fg_vec_free(&mro);
  return home;
}

static FgAttrHome fg_attr_home(FgEnv *env, FgClassRef cls, const char *name) {
  FgMemoKey key = {
      {FG_MEMO_ATTR_HOME, (uintptr_t)cls.mod, (uintptr_t)(cls.cls + 1), 0, 0, 0, 0},
      name};
  int slot = fg_py_memo(env->search, &key);
  if (slot >= 0 && fg_py_memo_at(env->search, slot)->state == 2)
    return fg_py_memo_at(env->search, slot)->home;
  FgAttrHome home = fg_attr_home_(env->p, cls, name);
  if (slot >= 0) {
    FgMemoSlot *m = fg_py_memo_at(env->search, slot);
    m->state = 2;
    m->home = home;
  }
  return home;
}

/* `self.name` on an instance of cls: an assignment in the __init__ its
 * construction ran (with that call's arguments), else in an init-like
 * method along the MRO, else a class attribute (a declarative field, read
 * on an instance: its construction's keyword or its default). */
static FgVal fg_self_attr(FgEnv *env, FgClassRef cls, const FgBinding *inst,
                          const char *name, bool instance) {
  if (!cls.mod || cls.cls < 0)
    return fg_val(FG_VAL_UNKNOWN);
  const FgPyModel *p = env->p;
  FgAttrHome home = fg_attr_home(env, cls, name);
  FgModule *m = home.mod;
  const FgPyAssign *a = home.assign;
  if (home.how == 2) {
    int dflt = instance ? fg_field_default(m, a->expr) : -1;
    if (dflt >= 0)
      return fg_field_value(env, inst, name, m, dflt);
    FgEnv ce = fg_env_module(env, m);
    ce.self = cls;
    return fg_eval_in(&ce, m, a->expr);
  }
  if (home.how != 1 && home.how != 3)
    return fg_val(FG_VAL_UNKNOWN);
  const FgPyFunc *f = &m->py->funcs[home.func];
  FgEnv ie = fg_env_def(env, fg_py_def_of(p, m, home.func), cls);
  ie.at = a->span.start;
  ie.inst = inst;
  if (home.how == 3) {
    ie.params_unknown = true;
    return fg_eval_in(&ie, m, a->expr);
  }
  ie.entry = f->is_fixture;
  if (strcmp(f->name, "__init__") == 0) {
    /* the construction's values, when they are this __init__'s; a base's
     * __init__ gets what a subclass's `super().__init__(*args, **kwargs)`
     * forwards */
    if (inst && inst->def == ie.def)
      ie.params = inst;
    else if (inst)
      ie.params = fg_py_rebind(env->search, inst, ie.def);
    if (inst && !ie.params)
      ie.params_unknown = true;
  }
  return fg_eval_in(&ie, m, a->expr);
}

static FgVal fg_class_val(FgModule *m, int cls) {
  FgVal v = fg_val(FG_VAL_CLASS);
  v.cls.mod = m;
  v.cls.cls = cls;
  return v;
}

static FgVal fg_def_val(int d) {
  FgVal v = fg_val(FG_VAL_DEF);
  v.def = d;
  return v;
}

/* The value an in-repo def returns when called with no known arguments. */
static FgVal fg_return_value_(FgEnv *env, int d, FgClassRef self, const FgBinding *params,
                              const FgBinding *inst);

/* Memoised per (def, self, parameters, instance, cell): a helper's value is
 * the same wherever it is asked for; while it is being computed (a
 * recursive helper) it is not known. */
static FgVal fg_return_value(FgEnv *env, int d, FgClassRef self, const FgBinding *params,
                             const FgBinding *inst) {
  FgMemoKey key = {{FG_MEMO_RETURN, (uintptr_t)d, (uintptr_t)self.mod,
                    (uintptr_t)(self.cls + 1), (uintptr_t)params, (uintptr_t)inst,
                    (uintptr_t)(env->cell + 1)},
                   NULL};
  int slot = fg_py_memo(env->search, &key);
  if (slot >= 0) {
    FgMemoSlot *m = fg_py_memo_at(env->search, slot);
    if (m->state == 2)
      return m->val;
    if (m->state == 1)
      return fg_val(FG_VAL_UNKNOWN);
    m->state = 1;
  }
  FgVal v = fg_return_value_(env, d, self, params, inst);
  if (slot >= 0) {
    FgMemoSlot *m = fg_py_memo_at(env->search, slot);
    m->state = 2;
    m->val = v;
  }
  return v;
}

/* Does an instance of cls make processes itself: a method along its MRO
 * holds a pool site, or an attribute holds a pool constructor and no more
 * derived class gives that name another value (`POOL_TYPE =
 * mp.get_context("spawn").Pool` in one runner, a thread pool in its
 * sibling)? */
static bool fg_class_makes_pools(const FgPyModel *p, FgClassRef cls) {
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, cls.mod, cls.cls, &mro);
  bool hit = false;
  for (size_t b = 0; b < mro.len && !hit; b++) {
    FgModule *m = mro.items[b].mod;
    size_t nf = 0;
    const uint32_t *fs = fg_py_class_funcs(m, mro.items[b].cls, &nf);
    for (size_t j = 0; j < nf && !hit; j++) {
      const FgPyFunc *f = &m->py->funcs[fs[j]];
      for (size_t c = 0; c < f->ncalls && !hit; c++)
        hit = f->calls[c].pool == FG_POOL_SITE;
    }
    int a = m->py->classes[mro.items[b].cls].nattrs
                ? fg_py_class_pool_attr(m, mro.items[b].cls)
                : -1;
    if (a < 0 || hit)
      continue;
    const char *name = m->py->classes[mro.items[b].cls].attrs[a].name;
    bool shadowed = false;
    for (size_t o = 0; o < b && !shadowed; o++) {
      const FgPyClass *k = &mro.items[o].mod->py->classes[mro.items[o].cls];
      for (size_t i = 0; i < k->nattrs && !shadowed; i++)
        shadowed = strcmp(k->attrs[i].name, name) == 0;
    }
    hit = !shadowed;
  }
  fg_vec_free(&mro);
  return hit;
}

/* Whether a value is an instance (a class, a tuple whose first element is
 * one: the runner a factory returns beside a count) that makes processes:
 * 1 yes, 0 no, -1 not such a value. */
static int fg_val_makes_pools(FgEnv *env, FgVal v, int depth) {
  if (v.kind == FG_VAL_INSTANCE || v.kind == FG_VAL_CLASS)
    return v.cls.mod && fg_class_makes_pools(env->p, v.cls);
  if (v.kind != FG_VAL_TUPLE || depth > 0)
    return -1;
  int e = fg_py_tuple_first(&v);
  if (e < 0)
    return -1;
  FgEnv te = fg_env_module(env, (FgModule *)v.tmod);
  return fg_val_makes_pools(env, fg_eval_in(&te, (FgModule *)v.tmod, e), depth + 1);
}

/* Under a condition not known, a return whose value makes processes while
 * a later one (not under a false condition) does not, or the reverse
 * (`get_runner()`: a process runner when `processes > 1`, else a
 * sequential one): the value is that return's, under its condition (what
 * runs through it is possible, not certain). Values that start nothing
 * either way are taken from the first return, as they are. */
static bool fg_later_return_differs(FgEnv *de, const FgPyFunc *f, size_t i, FgVal v) {
  int makes = fg_val_makes_pools(de, v, 0);
  if (makes < 0)
    return false;
  for (size_t j = i + 1; j < f->nreturns; j++) {
    if (f->return_guards[j] >= 0 &&
        fg_py_guard(de, f->return_guards[j]).status == FG_GUARD_FALSE)
      continue;
    FgVal w = fg_eval_in(de, de->mod, f->returns[j]);
    int other = fg_val_makes_pools(de, w, 0);
    if (other >= 0 && other != makes)
      return true;
  }
  return false;
}

static FgVal fg_return_value_(FgEnv *env, int d, FgClassRef self, const FgBinding *params,
                              const FgBinding *inst) {
  FgEnv de = fg_env_def(env, d, self);
  de.params = params;
  de.inst = inst;
  const FgPyFunc *f = de.func;
  for (size_t i = 0; i < f->nreturns; i++) {
    /* a return whose condition is false for these arguments does not run */
    uint8_t status = FG_GUARD_TRUE;
    if (f->return_guards[i] >= 0)
      status = fg_py_guard(&de, f->return_guards[i]).status;
    if (status == FG_GUARD_FALSE)
      continue;
    FgVal v = fg_eval_in(&de, de.mod, f->returns[i]);
    if (v.kind == FG_VAL_NONE || v.kind == FG_VAL_UNKNOWN)
      continue;
    if (status == FG_GUARD_UNKNOWN && !v.cond_mod &&
        fg_later_return_differs(&de, f, i, v)) {
      v.cond_mod = de.mod;
      v.cond = fg_py_guard(&de, f->return_guards[i]).unknown;
    }
    return v;
  }
  return fg_val(FG_VAL_UNKNOWN);
}

/* Classes whose instances have the keyword arguments of their construction
 * as attributes (`SimpleNamespace(use_processes=False).use_processes` is
 * False), and the keywords of each that configure the object instead. */
static const char *const kMockKeywords[] = {
    "spec",      "spec_set",    "side_effect", "return_value",
    "wraps",     "name",        "unsafe",      "parent",
    "_new_name", "_new_parent", "_spec_class", "_spec_as_instance",
    NULL};

static bool fg_namespace_class(const char *name, bool *mock) {
  static const char *const plain[] = {"types.SimpleNamespace", "argparse.Namespace",
                                      NULL};
  static const char *const mocks[] = {"unittest.mock.Mock",
                                      "unittest.mock.MagicMock",
                                      "unittest.mock.NonCallableMock",
                                      "unittest.mock.NonCallableMagicMock",
                                      "mock.Mock",
                                      "mock.MagicMock",
                                      NULL};
  for (const char *const *c = plain; *c; c++)
    if (strcmp(name, *c) == 0) {
      *mock = false;
      return true;
    }
  for (const char *const *c = mocks; *c; c++)
    if (strcmp(name, *c) == 0) {
      *mock = true;
      return true;
    }
  return false;
}

/* `ns.name` on a namespace: the keyword's value; anything else (an attribute
 * set later, a mock's own attribute) is not known. */
static FgVal fg_namespace_attr(FgVal v, const char *part, size_t n) {
  bool mock = false;
  if (!v.inst || !v.str || !fg_namespace_class(v.str, &mock))
    return fg_val(FG_VAL_UNKNOWN);
  for (const char *const *k = kMockKeywords; mock && *k; k++)
    if (strlen(*k) == n && strncmp(*k, part, n) == 0)
      return fg_val(FG_VAL_UNKNOWN);
  for (size_t i = 0; i < v.inst->nextra_kw; i++)
    if (strlen(v.inst->extra_names[i]) == n &&
        strncmp(v.inst->extra_names[i], part, n) == 0)
      return v.inst->extra_kw[i];
  return fg_val(FG_VAL_UNKNOWN);
}

/* One component of a member path: "()" calls, ".name" an attribute. */
static FgVal fg_member1(FgEnv *env, FgVal v, const char *part, size_t n, bool call) {
  if (env->depth > FG_EVAL_DEPTH)
    return fg_val(FG_VAL_UNKNOWN);
  switch (v.kind) {
  case FG_VAL_EXTERNAL:
    /* not printf: the search makes these by the hundred thousand */
    return fg_val_external(env, call ? fg_xjoin(v.str, "()", "", 0)
                                     : fg_xjoin(v.str, ".", part, n));
  case FG_VAL_CLASS: {
    if (call) {
      FgVal inst = fg_val(FG_VAL_INSTANCE);
      inst.cls = v.cls;
      return inst;
    }
    char *name = fg_xstrndup(part, n);
    int d = fg_py_method(env->p, v.cls, name, NULL);
    FgVal out = d >= 0 ? fg_def_val(d) : fg_val(FG_VAL_UNKNOWN);
    if (d < 0) {
      FgEnv ce = *env;
      ce.depth++;
      out = fg_self_attr(&ce, v.cls, NULL, name, false);
    }
    free(name);
    return out;
  }
  case FG_VAL_INSTANCE: {
    if (call)
      return fg_val(FG_VAL_OBJECT);
    char *name = fg_xstrndup(part, n);
    int d = fg_py_method(env->p, v.cls, name, NULL);
    FgVal out;
    if (d >= 0) {
      out = fg_def_val(d);
      out.cls = v.cls;
      out.inst = v.inst;
    } else {
      FgEnv ce = *env;
      ce.depth++;
      out = fg_self_attr(&ce, v.cls, v.inst, name, true);
    }
    free(name);
    return out;
  }
  case FG_VAL_DEF:
    if (call) {
      FgEnv ce = *env;
      ce.depth++;
      return fg_return_value(&ce, v.def, v.cls, NULL, v.inst);
    }
    /* a click command's function: `cmd.callback(...)` runs it */
    if (n == 8 && strncmp(part, "callback", 8) == 0)
      return v;
    return fg_val(FG_VAL_UNKNOWN);
  case FG_VAL_NAMESPACE:
    return call ? fg_val(FG_VAL_UNKNOWN) : fg_namespace_attr(v, part, n);
  case FG_VAL_NONE:
  case FG_VAL_PLAT:
    return v.kind == FG_VAL_PLAT ? v : fg_val(FG_VAL_UNKNOWN);
  default:
    return fg_val(FG_VAL_UNKNOWN);
  }
}

FgVal fg_py_member(FgEnv *env, FgVal v, const char *rest) {
  const char *s = rest;
  const FgVal from = v;
  for (int steps = 0; *s && steps < 32; steps++) {
    if (s[0] == '(' && s[1] == ')') {
      v = fg_member1(env, v, NULL, 0, true);
      s += 2;
    } else if (s[0] == '(') {
      /* a context's method kept in the text: only externals read it */
      const char *close = strchr(s, ')');
      if (!close || v.kind != FG_VAL_EXTERNAL)
        return fg_val(FG_VAL_UNKNOWN);
      v = fg_val_external(env, fg_xjoin(v.str, "", s, (size_t)(close + 1 - s)));
      s = close + 1;
    } else if (s[0] == '.') {
      size_t n = strcspn(s + 1, ".(");
      v = fg_member1(env, v, s + 1, n, false);
      s += 1 + n;
    } else {
      return fg_val(FG_VAL_UNKNOWN);
    }
    if (v.kind == FG_VAL_UNKNOWN)
      return v;
    v = fg_val_under(v, from);
  }
  return v;
}

/* A name Python's builtins define (an unbound name that is not one is not
 * known: a loop variable, a name bound at run time). */
static bool fg_is_builtin(const char *name) {
  static const char *const names[] = {"abs",
                                      "all",
                                      "any",
                                      "bool",
                                      "bytes",
                                      "callable",
                                      "classmethod",
                                      "dict",
                                      "enumerate",
                                      "filter",
                                      "float",
                                      "frozenset",
                                      "getattr",
                                      "hasattr",
                                      "hash",
                                      "id",
                                      "int",
                                      "isinstance",
                                      "issubclass",
                                      "iter",
                                      "len",
                                      "list",
                                      "map",
                                      "max",
                                      "min",
                                      "next",
                                      "object",
                                      "open",
                                      "print",
                                      "property",
                                      "range",
                                      "repr",
                                      "reversed",
                                      "round",
                                      "set",
                                      "setattr",
                                      "sorted",
                                      "staticmethod",
                                      "str",
                                      "sum",
                                      "super",
                                      "tuple",
                                      "type",
                                      "vars",
                                      "zip",
                                      "Exception",
                                      "ValueError",
                                      "TypeError",
                                      "RuntimeError",
                                      "KeyError",
                                      "OSError",
                                      "AssertionError",
                                      "NotImplementedError",
                                      "SystemExit",
                                      "KeyboardInterrupt",
                                      "StopIteration",
                                      "__import__",
                                      NULL};
  for (const char *const *n = names; *n; n++)
    if (**n == *name && strcmp(*n, name) == 0)
      return true;
  return false;
}

static FgVal fg_entity_val(FgEnv *env, const FgEntity *en, const char *text) {
  switch (en->kind) {
  case FG_ENTITY_EXTERNAL:
    return fg_val_external(env, fg_xstrdup(text));
  case FG_ENTITY_CLASS:
    return fg_py_member(env, fg_class_val(en->mod, en->cls), en->rest);
  case FG_ENTITY_DEF:
    return fg_py_member(env, fg_def_val(en->def), en->rest);
  case FG_ENTITY_GLOBAL: {
    if (fg_container_expr(en->mod, en->global->expr) &&
        fg_global_mutated(en->mod, en->global->name))
      return fg_val(FG_VAL_UNKNOWN);
    FgEnv ge = fg_env_module(env, en->mod);
    ge.at = en->global->span.start;
    FgVal v = fg_eval_in(&ge, en->mod, en->global->expr);
    return fg_py_member(env, v, en->rest);
  }
  default:
    return fg_val(FG_VAL_UNKNOWN);
  }
}

static FgVal fg_py_eval_name_(FgEnv *env, const char *text, uint8_t how);
FgVal fg_py_eval_name(FgEnv *env, const char *text, uint8_t how) {
  static int debug = -1; /* read once: this runs for every name */
  if (debug < 0)
    debug = getenv("FG_DEBUG_EVAL") != NULL;
  FgVal v = fg_py_eval_name_(env, text, how);
  if (debug)
    fprintf(stderr, "%*sname %s how %d in %s -> kind %d ival %lld str %s\n", env->depth,
            "", text, how, env->func ? env->func->name : "-", v.kind, v.ival,
            v.str ? v.str : "");
  return v;
}
static FgVal fg_py_eval_name_(FgEnv *env, const char *text, uint8_t how) {
  if (env->depth > FG_EVAL_DEPTH || !text)
    return fg_val(FG_VAL_UNKNOWN);
  if (fg_is_platform_name(text))
    return fg_platform(env, text);
  size_t head = strcspn(text, ".(");
  const char *rest = text + head;
  /* the head name; on the stack when short (this runs for every name) */
  char small[64];
  char *name = head < sizeof small ? small : fg_xmalloc(head + 1);
  memcpy(name, text, head);
  name[head] = '\0';
  FgVal v = fg_val(FG_VAL_UNKNOWN);
  switch (how) {
  case FG_NAME_SELF:
    if (strncmp(rest, ".__class__", 10) == 0 && env->self.mod) {
      v = fg_py_member(env, fg_class_val(env->self.mod, env->self.cls), rest + 10);
    } else if (env->self.mod) {
      FgVal self = fg_val(FG_VAL_INSTANCE);
      self.cls = env->self;
      self.inst = env->inst;
      v = fg_py_member(env, self, rest);
    }
    break;
  case FG_NAME_PARAM:
    v = fg_py_member(env, fg_param(env, name), rest);
    break;
  case FG_NAME_LOCAL:
    v = fg_py_member(env, fg_local(env, name), rest);
    break;
  default: {
    FgEntity en;
    FgMemoKey key = {{FG_MEMO_LOOKUP, (uintptr_t)env->mod, 0, 0, 0, 0, 0}, text};
    int slot = fg_py_memo(env->search, &key);
    if (slot >= 0 && fg_py_memo_at(env->search, slot)->state == 2) {
      en = fg_py_memo_at(env->search, slot)->ent;
      /* rest points into the text asked about: the same bytes */
      en.rest = text + (en.rest - fg_py_memo_at(env->search, slot)->key.text);
    } else {
      fg_py_lookup(env->p, env->mod, text, &en);
      if (slot >= 0) {
        FgMemoSlot *m = fg_py_memo_at(env->search, slot);
        m->ent = en;
        m->ent.rest = m->key.text + (en.rest - text);
        m->state = 2;
      }
    }
    if (how == FG_NAME_GLOBAL && en.kind == FG_ENTITY_EXTERNAL)
      v = fg_is_builtin(name)
              ? fg_val_external(env, fg_xjoin("builtins.", "", text, strlen(text)))
              : fg_val(FG_VAL_UNKNOWN);
    else
      v = fg_entity_val(env, &en, text);
  }
  }
  if (name != small)
    free(name);
  return v;
}

/* ---- expressions ------------------------------------------------------------- */

static const FgPyExpr *fg_ex(const FgModule *m, int e) {
  return &m->py->exprs[e];
}

int fg_py_tuple_first(const FgVal *v) {
  int e = fg_ex(v->tmod, v->texpr)->a;
  for (long long k = 0; k < v->ival && e >= 0; k++)
    e = fg_ex(v->tmod, e)->next;
  return e;
}

static int fg_cmp_scalar(FgEnv *env, FgModule *m, FgVal a, FgVal b, int *out);

/* Compares the version (3, minor) of length vlen with a tuple of ints:
 * -1, 0, 1 in *out; false when the tuple is not one of ints. */
static bool fg_cmp_version(FgEnv *env, FgVal ver, FgVal tup, int *out) {
  long long parts[2] = {3, ver.ival};
  int k = 0;
  for (int e = fg_py_tuple_first(&tup); e >= 0; e = fg_ex(tup.tmod, e)->next, k++) {
    FgEnv te = fg_env_module(env, (FgModule *)tup.tmod);
    FgVal x = fg_eval_in(&te, (FgModule *)tup.tmod, e);
    if (x.kind != FG_VAL_INT)
      return false;
    if (k >= 2 || k >= ver.texpr) {
      *out = k < ver.texpr ? 1 : -1;
      return true;
    }
    if (parts[k] != x.ival) {
      *out = parts[k] < x.ival ? -1 : 1;
      return true;
    }
  }
  *out = k < ver.texpr ? 1 : 0;
  return true;
}

/* -1 / 0 / 1 in *out for a <=> b; returns 0 when not comparable, 1 when
 * ordered, 2 when only (in)equality is known. */
static int fg_cmp_scalar(FgEnv *env, FgModule *m, FgVal a, FgVal b, int *out) {
  (void)m;
  bool an = a.kind == FG_VAL_INT || a.kind == FG_VAL_BOOL;
  bool bn = b.kind == FG_VAL_INT || b.kind == FG_VAL_BOOL;
  if (an && bn) {
    *out = a.ival < b.ival ? -1 : a.ival > b.ival;
    return 1;
  }
  if (a.kind == FG_VAL_STR && b.kind == FG_VAL_STR) {
    int c = strcmp(a.str, b.str);
    *out = c < 0 ? -1 : c > 0;
    return 1;
  }
  if (a.kind == FG_VAL_VERSION && b.kind == FG_VAL_TUPLE)
    return fg_cmp_version(env, a, b, out) ? 1 : 0;
  if (a.kind == FG_VAL_TUPLE && b.kind == FG_VAL_VERSION) {
    if (!fg_cmp_version(env, b, a, out))
      return 0;
    *out = -*out;
    return 1;
  }
  if (a.kind == FG_VAL_NONE && b.kind == FG_VAL_NONE) {
    *out = 0;
    return 2;
  }
  bool a_known = a.kind >= FG_VAL_NONE && a.kind != FG_VAL_OBJECT;
  bool b_known = b.kind >= FG_VAL_NONE && b.kind != FG_VAL_OBJECT;
  if ((a.kind == FG_VAL_NONE && b.kind >= FG_VAL_NONE) ||
      (b.kind == FG_VAL_NONE && a.kind >= FG_VAL_NONE)) {
    *out = 1; /* None equals nothing but None */
    return 2;
  }
  if (a.kind == FG_VAL_CLASS && b.kind == FG_VAL_CLASS) {
    *out = a.cls.mod == b.cls.mod && a.cls.cls == b.cls.cls ? 0 : 1;
    return 2;
  }
  if (a_known && b_known && a.kind != b.kind && a.kind <= FG_VAL_STR &&
      b.kind <= FG_VAL_STR) {
    *out = 1;
    return 2;
  }
  return 0;
}

static FgVal fg_cmp(FgEnv *env, FgModule *m, uint8_t op, FgVal a, FgVal b) {
  if (a.kind == FG_VAL_PLAT || b.kind == FG_VAL_PLAT)
    return fg_val(FG_VAL_PLAT);
  int c = 0;
  switch (op) {
  case FG_CMP_IS:
  case FG_CMP_IS_NOT: {
    int k = 0;
    bool none = a.kind == FG_VAL_NONE || b.kind == FG_VAL_NONE;
    bool bools = a.kind == FG_VAL_BOOL && b.kind == FG_VAL_BOOL;
    bool classes = a.kind == FG_VAL_CLASS && b.kind == FG_VAL_CLASS;
    if (none || bools || classes)
      k = fg_cmp_scalar(env, m, a, b, &c);
    if (!k)
      return fg_val(FG_VAL_UNKNOWN);
    return fg_val_bool((c == 0) == (op == FG_CMP_IS));
  }
  case FG_CMP_EQ:
  case FG_CMP_NE:
    if (!fg_cmp_scalar(env, m, a, b, &c))
      return fg_val(FG_VAL_UNKNOWN);
    return fg_val_bool((c == 0) == (op == FG_CMP_EQ));
  case FG_CMP_LT:
  case FG_CMP_LE:
  case FG_CMP_GT:
  case FG_CMP_GE:
    if (fg_cmp_scalar(env, m, a, b, &c) != 1)
      return fg_val(FG_VAL_UNKNOWN);
    return fg_val_bool(op == FG_CMP_LT   ? c < 0
                       : op == FG_CMP_LE ? c <= 0
                       : op == FG_CMP_GT ? c > 0
                                         : c >= 0);
  case FG_CMP_IN:
  case FG_CMP_NOT_IN: {
    int found = 0;
    if (b.kind == FG_VAL_STR && a.kind == FG_VAL_STR) {
      found = strstr(b.str, a.str) != NULL;
    } else if (b.kind == FG_VAL_DICT) {
      /* an empty dict holds nothing; else only a string key is looked up */
      int e = fg_ex(b.tmod, b.texpr)->a;
      if (e >= 0 && a.kind != FG_VAL_STR)
        return fg_val(FG_VAL_UNKNOWN);
      for (; e >= 0 && !found; e = fg_ex(b.tmod, e)->next)
        found = fg_str_eq(fg_ex(b.tmod, e)->text, a.str);
    } else if (b.kind == FG_VAL_KWDICT) {
      FgVal v;
      if (a.kind != FG_VAL_STR)
        return fg_val(FG_VAL_UNKNOWN);
      found = fg_py_mapping_get(env, b, a.str, &v);
      if (found < 0)
        return fg_val(FG_VAL_UNKNOWN);
    } else if (b.kind == FG_VAL_TUPLE) {
      bool unknown = false;
      for (int e = fg_py_tuple_first(&b); e >= 0 && found != 1;
           e = fg_ex(b.tmod, e)->next) {
        FgEnv te = fg_env_module(env, (FgModule *)b.tmod);
        FgVal x = fg_eval_in(&te, (FgModule *)b.tmod, e);
        if (x.kind == FG_VAL_PLAT)
          return x;
        if (!fg_cmp_scalar(env, m, a, x, &c))
          unknown = true;
        else if (c == 0)
          found = 1;
      }
      if (!found && unknown)
        return fg_val(FG_VAL_UNKNOWN);
    } else {
      return fg_val(FG_VAL_UNKNOWN);
    }
    return fg_val_bool(found == (op == FG_CMP_IN));
  }
  default:
    return fg_val(FG_VAL_UNKNOWN);
  }
}

/* A method on a string value: startswith / endswith / lower / upper. */
static FgVal fg_str_method(FgEnv *env, FgVal recv, const char *meth, FgModule *m,
                           int args) {
  if (recv.kind == FG_VAL_PLAT)
    return recv;
  if (recv.kind != FG_VAL_STR)
    return fg_val(FG_VAL_UNKNOWN);
  if (strcmp(meth, "lower") == 0 || strcmp(meth, "upper") == 0) {
    char *s = fg_xstrdup(recv.str);
    for (char *c = s; *c; c++)
      *c = meth[0] == 'l' ? (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c)
                          : (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    FgVal v = fg_val(FG_VAL_STR);
    v.str = fg_arena(env, s);
    return v;
  }
  if (args < 0)
    return fg_val(FG_VAL_UNKNOWN);
  FgVal a = fg_eval_in(env, m, args);
  FgVal opts[MAX_STARTS_OPTS];
  size_t nopts = 0;
  if (a.kind == FG_VAL_STR) {
    opts[nopts++] = a;
  } else if (a.kind == FG_VAL_TUPLE) {
    for (int e = fg_py_tuple_first(&a); e >= 0 && nopts < MAX_STARTS_OPTS;
         e = fg_ex(a.tmod, e)->next) {
      FgVal x = fg_eval_in(env, (FgModule *)a.tmod, e);
      if (x.kind != FG_VAL_STR)
        return fg_val(FG_VAL_UNKNOWN);
      opts[nopts++] = x;
    }
  } else {
    return fg_val(FG_VAL_UNKNOWN);
  }
  bool starts = strcmp(meth, "startswith") == 0;
  if (!starts && strcmp(meth, "endswith") != 0)
    return fg_val(FG_VAL_UNKNOWN);
  for (size_t i = 0; i < nopts; i++) {
    size_t n = strlen(opts[i].str), l = strlen(recv.str);
    bool hit = starts ? strncmp(recv.str, opts[i].str, n) == 0
                      : l >= n && strcmp(recv.str + l - n, opts[i].str) == 0;
    if (hit)
      return fg_val_bool(true);
  }
  return fg_val_bool(false);
}

/* ---- isinstance ------------------------------------------------------------------ */

/* Does every base along the class's MRO resolve, in the repository or
 * outside it (so an in-repo class missing from it is not a base)? */
static bool fg_mro_complete(const FgPyModel *p, const FgClassRefVec *mro) {
  for (size_t i = 0; i < mro->len; i++) {
    const FgPyClass *k = &mro->items[i].mod->py->classes[mro->items[i].cls];
    for (size_t b = 0; b < k->nbases; b++) {
      FgEntity en;
      fg_py_lookup(p, mro->items[i].mod, k->bases[b], &en);
      if (en.kind != FG_ENTITY_EXTERNAL && en.kind != FG_ENTITY_CLASS)
        return false;
    }
  }
  return true;
}

/* Is every base along the MRO an in-repo class (or `object`): no outside
 * class can add a method? */
static bool fg_mro_closed(const FgPyModel *p, const FgClassRefVec *mro) {
  for (size_t i = 0; i < mro->len; i++) {
    const FgPyClass *k = &mro->items[i].mod->py->classes[mro->items[i].cls];
    for (size_t b = 0; b < k->nbases; b++) {
      if (strcmp(k->bases[b], "object") == 0)
        continue;
      FgEntity en;
      fg_py_lookup(p, mro->items[i].mod, k->bases[b], &en);
      if (en.kind != FG_ENTITY_CLASS)
        return false;
    }
  }
  return true;
}

/* The protocols an in-repo class meets by defining their method. */
static const char *fg_protocol_method(const char *name) {
  static const char *const rows[][2] = {
      {"collections.abc.Iterable", "__iter__"}, {"typing.Iterable", "__iter__"},
      {"collections.abc.Sized", "__len__"},     {"typing.Sized", "__len__"},
      {"collections.abc.Callable", "__call__"}, {"typing.Callable", "__call__"},
      {"collections.abc.Iterator", "__next__"}, {"typing.Iterator", "__next__"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (strcmp(name, rows[i][0]) == 0)
      return rows[i][1];
  return NULL;
}

/* isinstance(v, c) for one class value c: 1, 0, -1 not known. */
static int fg_isinstance1(FgEnv *env, FgVal v, FgVal c) {
  const FgPyModel *p = env->p;
  if (v.kind == FG_VAL_INSTANCE && v.cls.mod) {
    FgClassRefVec mro = {0};
    fg_py_class_mro(p, v.cls.mod, v.cls.cls, &mro);
    int out = -1;
    if (c.kind == FG_VAL_CLASS) {
      for (size_t i = 0; i < mro.len && out < 0; i++)
        if (mro.items[i].mod == c.cls.mod && mro.items[i].cls == c.cls.cls)
          out = 1;
      if (out < 0 && fg_mro_complete(p, &mro))
        out = 0;
    } else if (c.kind == FG_VAL_EXTERNAL) {
      const char *meth = fg_protocol_method(c.str);
      for (size_t i = 0; i < mro.len && out < 0; i++) {
        const FgPyClass *k = &mro.items[i].mod->py->classes[mro.items[i].cls];
        for (size_t b = 0; b < k->nbases && out < 0; b++)
          if (strcmp(k->bases[b], c.str) == 0)
            out = 1;
        if (meth && fg_py_find_func(mro.items[i].mod, meth, mro.items[i].cls) >= 0)
          out = 1;
      }
      if (out < 0 && meth && fg_mro_closed(p, &mro))
        out = 0;
    }
    fg_vec_free(&mro);
    return out;
  }
  if (v.kind == FG_VAL_EXTERNAL && fg_str_endswith(v.str, "()")) {
    /* what an outside constructor made: never an in-repo class's instance,
     * always its own class's */
    if (c.kind == FG_VAL_CLASS)
      return 0;
    if (c.kind == FG_VAL_EXTERNAL && strlen(v.str) == strlen(c.str) + 2 &&
        strncmp(v.str, c.str, strlen(c.str)) == 0)
      return 1;
    return -1;
  }
  if (v.kind == FG_VAL_TUPLE || v.kind == FG_VAL_DICT) {
    /* a display: a list or a tuple (not told apart), or a dict */
    bool dict = v.kind == FG_VAL_DICT;
    if (c.kind == FG_VAL_CLASS)
      return 0;
    if (c.kind != FG_VAL_EXTERNAL)
      return -1;
    const char *meth = fg_protocol_method(c.str);
    if (meth) /* iterable and sized; neither callable nor an iterator */
      return strcmp(meth, "__iter__") == 0 || strcmp(meth, "__len__") == 0;
    if (strcmp(c.str, "builtins.dict") == 0)
      return dict;
    if (strcmp(c.str, "builtins.list") == 0 || strcmp(c.str, "builtins.tuple") == 0)
      return dict ? 0 : -1;
    static const char *const scalars[] = {"builtins.bool",  "builtins.int",
                                          "builtins.str",   "builtins.float",
                                          "builtins.bytes", NULL};
    for (const char *const *b = scalars; *b; b++)
      if (strcmp(c.str, *b) == 0)
        return 0;
    return -1;
  }
  if (v.kind == FG_VAL_NONE || v.kind == FG_VAL_BOOL || v.kind == FG_VAL_INT ||
      v.kind == FG_VAL_STR) {
    if (c.kind == FG_VAL_CLASS)
      return 0;
    if (c.kind != FG_VAL_EXTERNAL)
      return -1;
    static const char *const own[] = {
        "", "", "builtins.NoneType", "builtins.bool", "builtins.int", "builtins.str"};
    if (strcmp(c.str, own[v.kind]) == 0 ||
        (v.kind == FG_VAL_BOOL && strcmp(c.str, "builtins.int") == 0))
      return 1;
    static const char *const builtins[] = {"builtins.bool",  "builtins.int",
                                           "builtins.str",   "builtins.float",
                                           "builtins.bytes", "builtins.list",
                                           "builtins.tuple", "builtins.dict",
                                           "builtins.set",   NULL};
    for (const char *const *b = builtins; *b; b++)
      if (strcmp(c.str, *b) == 0)
        return 0;
    return -1;
  }
  return -1;
}

static FgVal fg_isinstance(FgEnv *env, FgModule *m, const FgPyExpr *x) {
  int a = x->a, b = a >= 0 ? fg_ex(m, a)->next : -1;
  if (a < 0 || b < 0 || fg_ex(m, a)->kind == FG_EXPR_KW ||
      fg_ex(m, b)->kind == FG_EXPR_KW)
    return fg_val(FG_VAL_UNKNOWN);
  FgVal v = fg_eval_in(env, m, a);
  FgVal c = fg_eval_in(env, m, b);
  if (v.kind == FG_VAL_PLAT || c.kind == FG_VAL_PLAT)
    return fg_val(FG_VAL_UNKNOWN);
  if (c.kind != FG_VAL_TUPLE) {
    int r = fg_isinstance1(env, v, c);
    return r < 0 ? fg_val(FG_VAL_UNKNOWN) : fg_val_bool(r);
  }
  bool unknown = false;
  for (int e = fg_py_tuple_first(&c); e >= 0; e = fg_ex(c.tmod, e)->next) {
    FgEnv te = fg_env_module(env, (FgModule *)c.tmod);
    int r = fg_isinstance1(env, v, fg_eval_in(&te, (FgModule *)c.tmod, e));
    if (r == 1)
      return fg_val_bool(true);
    unknown = unknown || r < 0;
  }
  return unknown ? fg_val(FG_VAL_UNKNOWN) : fg_val_bool(false);
}

static FgVal fg_eval_call(FgEnv *env, FgModule *m, const FgPyExpr *x) {
  const char *t = x->text;
  if (x->how == FG_NAME_GLOBAL) {
    FgVal a0 = x->a >= 0 && fg_ex(m, x->a)->kind != FG_EXPR_KW ? fg_eval_in(env, m, x->a)
                                                               : fg_val(FG_VAL_UNKNOWN);
    if (strcmp(t, "int") == 0) {
      if (a0.kind == FG_VAL_INT || a0.kind == FG_VAL_BOOL || a0.kind == FG_VAL_PLAT)
        return a0.kind == FG_VAL_BOOL ? fg_py_val_int(a0.ival) : a0;
      if (a0.kind == FG_VAL_STR) {
        char *end = NULL;
        long long v = strtoll(a0.str, &end, 10);
        return end && *end == '\0' && *a0.str ? fg_py_val_int(v) : fg_val(FG_VAL_UNKNOWN);
      }
      return fg_val(FG_VAL_UNKNOWN);
    }
    if (strcmp(t, "bool") == 0) {
      if (a0.kind == FG_VAL_PLAT)
        return a0;
      int tr = fg_py_truth(a0);
      return tr < 0 ? fg_val(FG_VAL_UNKNOWN) : fg_val_bool(tr);
    }
    if (strcmp(t, "callable") == 0) {
      switch (a0.kind) {
      case FG_VAL_NONE:
      case FG_VAL_BOOL:
      case FG_VAL_INT:
      case FG_VAL_STR:
      case FG_VAL_TUPLE:
      case FG_VAL_VERSION:
        return fg_val_bool(false);
      case FG_VAL_DEF:
      case FG_VAL_CLASS:
        return fg_val_bool(true);
      case FG_VAL_EXTERNAL:
        /* a name is callable; what calling it returned is not known */
        return fg_str_endswith(a0.str, "()") ? fg_val(FG_VAL_UNKNOWN) : fg_val_bool(true);
      default:
        return a0.kind == FG_VAL_PLAT ? a0 : fg_val(FG_VAL_UNKNOWN);
      }
    }
    if (strcmp(t, "len") == 0) {
      if (a0.kind == FG_VAL_STR)
        return fg_py_val_int((long long)strlen(a0.str));
      if (a0.kind == FG_VAL_TUPLE) {
        long long n = 0;
        for (int e = fg_py_tuple_first(&a0); e >= 0; e = fg_ex(a0.tmod, e)->next)
          n++;
        return fg_py_val_int(n);
      }
      return a0.kind == FG_VAL_PLAT ? a0 : fg_val(FG_VAL_UNKNOWN);
    }
    if (strcmp(t, "isinstance") == 0)
      return fg_isinstance(env, m, x);
    if (strcmp(t, "staticmethod") == 0 || strcmp(t, "classmethod") == 0 ||
        strcmp(t, "property") == 0)
      return a0;
    if (strcmp(t, "type") == 0 && x->a >= 0 && fg_ex(m, x->a)->kind == FG_EXPR_NAME &&
        fg_ex(m, x->a)->how == FG_NAME_SELF && env->self.mod &&
        strcmp(fg_ex(m, x->a)->text, "self") == 0)
      return fg_class_val(env->self.mod, env->self.cls);
    if (strcmp(t, "max") == 0 || strcmp(t, "min") == 0) {
      long long best = 0;
      int n = 0;
      for (int e = x->a; e >= 0; e = fg_ex(m, e)->next, n++) {
        FgVal v = fg_eval_in(env, m, e);
        if (v.kind == FG_VAL_PLAT)
          return v;
        if (v.kind != FG_VAL_INT)
          return fg_val(FG_VAL_UNKNOWN);
        if (!n || (t[1] == 'a' ? v.ival > best : v.ival < best))
          best = v.ival;
      }
      return n ? fg_py_val_int(best) : fg_val(FG_VAL_UNKNOWN);
    }
  }
  if (x->how == FG_NAME_IMPORT && strcmp(t, "platform.system") == 0)
    return env->cell < 0 ? fg_val(FG_VAL_PLAT) : fg_val_str(env, kSystem[env->cell / 16]);
  if (x->how == FG_NAME_IMPORT && strcmp(t, "platform.machine") == 0)
    return env->cell < 0 ? fg_val(FG_VAL_PLAT)
                         : fg_val_str(env, kMachine[env->cell / 16]);
  if (x->how == FG_NAME_IMPORT &&
      (strcmp(t, "os.getenv") == 0 || strcmp(t, "os.environ.get") == 0) && x->a >= 0) {
    const FgPyExpr *k = fg_ex(m, x->a);
    if (k->kind == FG_EXPR_STR && fg_py_env_unset(env->p, k->text)) {
      int d = k->next;
      if (d >= 0 && fg_ex(m, d)->kind == FG_EXPR_KW)
        d = strcmp(fg_ex(m, d)->text, "default") == 0 ? fg_ex(m, d)->a : -1;
      return d >= 0 ? fg_eval_in(env, m, d) : fg_val(FG_VAL_NONE);
    }
  }
  /* the CI machine: GitHub's hosted runners have 4 CPUs */
  if (x->how == FG_NAME_IMPORT &&
      (strcmp(t, "os.cpu_count") == 0 || strcmp(t, "multiprocessing.cpu_count") == 0 ||
       strcmp(t, "psutil.cpu_count") == 0 || strcmp(t, "joblib.cpu_count") == 0 ||
       strcmp(t, "loky.cpu_count") == 0))
    return fg_py_val_int(FG_CI_CPUS);
  const char *dot = strrchr(t, '.');
  if (dot && strchr(dot, '(') == NULL && strcmp(dot, ".get") == 0) {
    char *recv_text = fg_xstrndup(t, (size_t)(dot - t));
    FgVal recv = fg_py_eval_name(env, recv_text, x->how);
    free(recv_text);
    if ((recv.kind == FG_VAL_DICT || recv.kind == FG_VAL_KWDICT) && x->a >= 0) {
      FgVal key = fg_eval_in(env, m, x->a);
      int d = fg_ex(m, x->a)->next;
      FgVal dflt = d >= 0 ? fg_eval_in(env, m, d) : fg_val(FG_VAL_NONE);
      return fg_dict_get(env, recv, key, &dflt);
    }
  }
  if (dot && strchr(dot, '(') == NULL) {
    const char *meth = dot + 1;
    if (strcmp(meth, "startswith") == 0 || strcmp(meth, "endswith") == 0 ||
        strcmp(meth, "lower") == 0 || strcmp(meth, "upper") == 0) {
      char *recv_text = fg_xstrndup(t, (size_t)(dot - t));
      FgVal recv = fg_py_eval_name(env, recv_text, x->how);
      free(recv_text);
      return fg_str_method(env, recv, meth, m, x->a);
    }
  }
  FgVal callee = fg_py_eval_name(env, t, x->how);
  if (callee.kind == FG_VAL_CLASS) {
    /* the instance remembers its construction: the arguments of __init__ */
    FgVal inst = fg_val(FG_VAL_INSTANCE);
    inst.cls = callee.cls;
    int init = fg_py_method(env->p, callee.cls, "__init__", NULL);
    if (init >= 0)
      inst.inst = fg_py_bind(env->search, env, m, x->a, false, init);
    else if (fg_has_fields(env, callee.cls))
      inst.inst = fg_py_bind_keywords(env->search, env, m, x->a);
    inst.origin_mod = m;
    inst.origin = x->span;
    return inst;
  }
  if (callee.kind == FG_VAL_UNKNOWN || callee.kind == FG_VAL_PLAT)
    return callee;
  bool mock = false;
  if (callee.kind == FG_VAL_EXTERNAL && fg_namespace_class(callee.str, &mock)) {
    FgVal ns = fg_val(FG_VAL_NAMESPACE);
    ns.str = callee.str;
    ns.inst = fg_py_bind_keywords(env->search, env, m, x->a);
    ns.origin_mod = m;
    ns.origin = x->span;
    return ns;
  }
  if (callee.kind == FG_VAL_DEF && env->depth < FG_EVAL_DEPTH) {
    /* a helper's value, with this call's arguments */
    const FgBinding *params = fg_py_bind(env->search, env, m, x->a, false, callee.def);
    FgEnv ce = *env;
    ce.depth++;
    FgVal r = fg_return_value(&ce, callee.def, callee.cls, params, callee.inst);
    if (r.kind == FG_VAL_INSTANCE && !r.origin_mod) {
      r.origin_mod = m;
      r.origin = x->span;
    }
    return r;
  }
  FgVal v = fg_py_member(env, callee, "()");
  if (v.kind == FG_VAL_EXTERNAL) {
    v.origin_mod = m;
    v.origin = x->span;
  }
  return v;
}

/* d[key] (or d.get(key, dflt) with dflt given): the entry's value. */
static FgVal fg_dict_get(FgEnv *env, FgVal d, FgVal key, const FgVal *dflt) {
  if (key.kind != FG_VAL_STR)
    return fg_val(FG_VAL_UNKNOWN);
  FgVal v = fg_val(FG_VAL_UNKNOWN);
  int r = fg_py_mapping_get(env, d, key.str, &v);
  if (r != 0)
    return v;
  return dflt ? *dflt : fg_val(FG_VAL_UNKNOWN);
}

static FgVal fg_eval_in(FgEnv *env, FgModule *m, int e) {
  if (e < 0 || !m->py || (size_t)e >= m->py->nexprs || env->depth > FG_EVAL_DEPTH)
    return fg_val(FG_VAL_UNKNOWN);
  const FgPyExpr *x = fg_ex(m, e);
  FgEnv sub = *env;
  sub.depth++;
  switch (x->kind) {
  case FG_EXPR_NONE:
    return fg_val(FG_VAL_NONE);
  case FG_EXPR_BOOL:
    return fg_val_bool(x->ival != 0);
  case FG_EXPR_INT:
    return fg_py_val_int(x->ival);
  case FG_EXPR_STR: {
    FgVal v = fg_val(FG_VAL_STR);
    v.str = x->text;
    return v;
  }
  case FG_EXPR_TUPLE:
  case FG_EXPR_DICT: {
    FgVal v = fg_val(x->kind == FG_EXPR_TUPLE ? FG_VAL_TUPLE : FG_VAL_DICT);
    v.tmod = m;
    v.texpr = e;
    return v;
  }
  case FG_EXPR_NAME: {
    if (m != sub.mod)
      return fg_val(FG_VAL_UNKNOWN);
    FgVal v = fg_py_eval_name(&sub, x->text, x->how);
    if (v.kind == FG_VAL_INSTANCE && !v.origin_mod) {
      v.origin_mod = m;
      v.origin = x->span;
    }
    return v;
  }
  case FG_EXPR_CALL:
    if (m != sub.mod)
      return fg_val(FG_VAL_UNKNOWN);
    return fg_eval_call(&sub, m, x);
  case FG_EXPR_KW:
    return fg_eval_in(&sub, m, x->a);
  case FG_EXPR_NOT: {
    FgVal a = fg_eval_in(&sub, m, x->a);
    if (a.kind == FG_VAL_PLAT)
      return a;
    int t = fg_py_truth(a);
    return t < 0 ? fg_val(FG_VAL_UNKNOWN) : fg_val_bool(!t);
  }
  case FG_EXPR_AND:
  case FG_EXPR_OR: {
    bool is_and = x->kind == FG_EXPR_AND;
    FgVal a = fg_eval_in(&sub, m, x->a);
    int ta = a.kind == FG_VAL_PLAT ? -2 : fg_py_truth(a);
    if (ta == (is_and ? 0 : 1))
      return a; /* short circuit */
    FgVal b = fg_eval_in(&sub, m, x->b);
    int tb = b.kind == FG_VAL_PLAT ? -2 : fg_py_truth(b);
    if (ta == -2 || tb == -2) {
      if (tb == (is_and ? 0 : 1))
        return b;
      return fg_val(FG_VAL_PLAT);
    }
    if (ta == -1) {
      /* `x and <false>` is false, `x or <true>` is true, with x unknown: the
       * value is x or the other, its truth is known */
      if (tb == (is_and ? 0 : 1))
        return fg_val(is_and ? FG_VAL_FALSY : FG_VAL_TRUTHY);
      return fg_val(FG_VAL_UNKNOWN);
    }
    return b;
  }
  case FG_EXPR_CMP: {
    FgVal a = fg_eval_in(&sub, m, x->a);
    FgVal b = fg_eval_in(&sub, m, x->b);
    return fg_cmp(&sub, m, x->op, a, b);
  }
  case FG_EXPR_BINOP: {
    FgVal a = fg_eval_in(&sub, m, x->a);
    FgVal b = fg_eval_in(&sub, m, x->b);
    if (a.kind == FG_VAL_PLAT || b.kind == FG_VAL_PLAT)
      return fg_val(FG_VAL_PLAT);
    bool an = a.kind == FG_VAL_INT || a.kind == FG_VAL_BOOL;
    bool bn = b.kind == FG_VAL_INT || b.kind == FG_VAL_BOOL;
    if (!an || !bn)
      return fg_val(FG_VAL_UNKNOWN);
    long long u = a.ival, v = b.ival;
    /* bounded: operands from literals stay far from overflow in tests */
    if (u > (1LL << 31) || u < -(1LL << 31) || v > (1LL << 31) || v < -(1LL << 31))
      return fg_val(FG_VAL_UNKNOWN);
    switch (x->op) {
    case '+':
      return fg_py_val_int(u + v);
    case '-':
      return fg_py_val_int(u - v);
    case '*':
      return fg_py_val_int(u * v);
    case '/':
    case '%': {
      if (!v)
        return fg_val(FG_VAL_UNKNOWN);
      /* Python floors */
      long long q = u / v, r = u % v;
      if (r && ((r < 0) != (v < 0))) {
        q--;
        r += v;
      }
      return fg_py_val_int(x->op == '/' ? q : r);
    }
    default:
      return fg_val(FG_VAL_UNKNOWN);
    }
  }
  case FG_EXPR_SUB: {
    FgVal a = fg_eval_in(&sub, m, x->a);
    if (a.kind == FG_VAL_PLAT)
      return a;
    if (a.kind == FG_VAL_VERSION) {
      if (x->ival == -1) {
        a.texpr = 2;
        return a;
      }
      if (x->ival == 0)
        return fg_py_val_int(3);
      if (x->ival == 1)
        return fg_py_val_int(a.ival);
    }
    if ((a.kind == FG_VAL_DICT || a.kind == FG_VAL_KWDICT) && x->ival == -3) {
      FgVal key = fg_eval_in(&sub, m, x->b);
      return key.kind == FG_VAL_PLAT ? key : fg_dict_get(&sub, a, key, NULL);
    }
    if (a.kind == FG_VAL_TUPLE && x->ival >= 0) {
      long long k = 0;
      for (int el = fg_py_tuple_first(&a); el >= 0; el = fg_ex(a.tmod, el)->next, k++)
        if (k == x->ival) {
          FgEnv te = fg_env_module(&sub, (FgModule *)a.tmod);
          return fg_val_under(fg_eval_in(&te, (FgModule *)a.tmod, el), a);
        }
    }
    return fg_val(FG_VAL_UNKNOWN);
  }
  case FG_EXPR_IFEXP: {
    FgVal c = fg_eval_in(&sub, m, x->b);
    if (c.kind == FG_VAL_PLAT)
      return c;
    int t = fg_py_truth(c);
    if (t < 0)
      return fg_val(FG_VAL_UNKNOWN);
    return fg_eval_in(&sub, m, t ? x->a : (int)x->ival);
  }
  default:
    return fg_val(FG_VAL_UNKNOWN);
  }
}

FgVal fg_py_eval(FgEnv *env, FgModule *m, int e) {
  return fg_eval_in(env, m, e);
}
