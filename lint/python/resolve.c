/* python/resolve: what a call, an import or a base class names in the
 * repository: relative and absolute imports, `from X import *`, `self.m()`
 * along same-module bases, and in-repo base classes in method resolution
 * order. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "python/internal.h"

/* Re-exports are followed this many modules deep. */
#define FG_REEXPORT_DEPTH 6

static int fg_resolve_absolute_depth(const FgPyModel *p, const char *dotted, int depth,
                                     FgClassRef *made);

/* A name a module imports at module level and so re-exports
 * (`from ._impl import compute` in pkg/__init__.py): the absolute name it
 * stands for (owned), or NULL. */
char *fg_py_reexport(const FgModule *m, const char *name, size_t n) {
  if (!m->py)
    return NULL;
  for (size_t i = m->py->nimports; i-- > 0;) {
    const FgPyImport *im = &m->py->imports[i];
    if (im->in_function || strlen(im->local) != n || strncmp(im->local, name, n) != 0)
      continue;
    if (strcmp(im->local, "*") == 0)
      continue;
    char *mod = fg_py_import_target(m, im);
    if (!im->name) {
      /* `import a.b` binds "a"; `import a.b as c` binds "a.b" */
      size_t k = strlen(im->local);
      bool plain = strncmp(im->module, im->local, k) == 0 &&
                   (im->module[k] == '\0' || im->module[k] == '.');
      if (plain) {
        free(mod);
        return fg_xstrdup(im->local);
      }
      return mod;
    }
    char *out =
        *mod ? fg_xjoin(mod, ".", im->name, strlen(im->name)) : fg_xstrdup(im->name);
    free(mod);
    return out;
  }
  return NULL;
}

/* "f", "C.m", "C" (constructor: C.__init__) inside module m; made, when
 * given, is set to the class a constructor call names. */
static int fg_resolve_in_module_depth(const FgPyModel *p, const FgModule *m,
                                      const char *tail, int depth, FgClassRef *made) {
  if (!m->py)
    return -1;
  const char *dot = strchr(tail, '.');
  size_t head = dot ? (size_t)(dot - tail) : strlen(tail);
  if (!dot) {
    int f = fg_py_find_func(m, tail, -1);
    if (f >= 0)
      return fg_py_def_of(p, m, f);
    int c = fg_py_find_class(m, tail);
    if (c >= 0) {
      if (made)
        *made = (FgClassRef){(FgModule *)m, c};
      return fg_py_def_of(p, m, fg_py_find_func(m, "__init__", c));
    }
  } else {
    char *cls = fg_xstrndup(tail, head);
    int c = fg_py_find_class(m, cls);
    free(cls);
    if (c >= 0)
      return strchr(dot + 1, '.') ? -1
                                  : fg_py_def_of(p, m, fg_py_find_func(m, dot + 1, c));
  }
  if (depth >= FG_REEXPORT_DEPTH)
    return -1;
  char *target = fg_py_reexport(m, tail, head);
  if (!target)
    return -1;
  char *full = fg_xjoin(target, "", tail + head, strlen(tail + head));
  int d = fg_resolve_absolute_depth(p, full, depth + 1, made);
  free(full);
  free(target);
  return d;
}

static int fg_resolve_in_module(const FgPyModel *p, const FgModule *m, const char *tail,
                                FgClassRef *made) {
  return fg_resolve_in_module_depth(p, m, tail, 0, made);
}

/* An absolute dotted name: the longest module prefix, then the rest. */
static int fg_resolve_absolute_depth(const FgPyModel *p, const char *dotted, int depth,
                                     FgClassRef *made) {
  char *s = fg_xstrdup(dotted);
  int result = -1;
  for (;;) {
    char *dot = strrchr(s, '.');
    if (!dot)
      break;
    *dot = '\0';
    FgModule *m = fg_pymodel_module(p, s);
    if (m) {
      result = fg_resolve_in_module_depth(p, m, dotted + (dot - s) + 1, depth, made);
      break;
    }
  }
  free(s);
  return result;
}

static int fg_resolve_absolute(const FgPyModel *p, const char *dotted, FgClassRef *made) {
  return fg_resolve_absolute_depth(p, dotted, 0, made);
}

char *fg_py_absolutize(const FgModule *m, const char *rel) {
  int level = 0;
  while (rel[level] == '.')
    level++;
  char *base = fg_xstrdup(m->package ? m->package : "");
  for (int i = 1; i < level; i++) {
    char *dot = strrchr(base, '.');
    if (dot)
      *dot = '\0';
    else
      base[0] = '\0';
  }
  const char *rest = rel + level;
  char *abs = *base ? (*rest ? fg_xjoin(base, ".", rest, strlen(rest)) : fg_xstrdup(base))
                    : fg_xstrdup(rest);
  free(base);
  return abs;
}

/* The absolute module an import statement names. */
char *fg_py_import_target(const FgModule *m, const FgPyImport *im) {
  if (!im->level)
    return fg_xstrdup(im->module);
  FgBuf b = {0};
  for (int i = 0; i < im->level; i++)
    fg_buf_putc(&b, '.');
  fg_buf_puts(&b, im->module);
  char *abs = fg_py_absolutize(m, b.data);
  fg_buf_free(&b);
  return abs;
}

int fg_py_resolve_call_made(const FgPyModel *p, const FgModule *m, const FgPyFunc *f,
                            const FgPyCall *call, FgClassRef *made) {
  const char *r = call->resolved;
  if (made)
    *made = (FgClassRef){NULL, -1};
  if (r[0] == '.') {
    char *abs = fg_py_absolutize(m, r);
    int d = fg_resolve_absolute(p, abs, made);
    free(abs);
    return d;
  }
  if ((fg_str_startswith(r, "self.") || fg_str_startswith(r, "cls.")) && f->cls >= 0) {
    const char *meth = strchr(r, '.') + 1;
    if (strchr(meth, '.'))
      return -1;
    for (int c = f->cls; c >= 0;) {
      int fi = fg_py_find_func(m, meth, c);
      if (fi >= 0)
        return fg_py_def_of(p, m, fi);
      /* one base class in the same module, as written */
      const FgPyClass *k = &m->py->classes[c];
      c = k->nbases ? fg_py_find_class(m, k->bases[0]) : -1;
      if (c == f->cls)
        break;
    }
    return -1;
  }
  if (!strchr(r, '.')) {
    int d = fg_resolve_in_module(p, m, r, made);
    if (d >= 0 || (made && made->mod))
      return d;
    for (size_t i = 0; i < m->py->nimports; i++) {
      const FgPyImport *im = &m->py->imports[i];
      if (!im->name || strcmp(im->name, "*") != 0)
        continue;
      char *mod = fg_py_import_target(m, im);
      FgModule *target = fg_pymodel_module(p, mod);
      free(mod);
      if (target && target != m) {
        d = fg_resolve_in_module(p, target, r, made);
        if (d >= 0 || (made && made->mod))
          return d;
      }
    }
    return -1;
  }
  int d = fg_resolve_absolute(p, r, made);
  if (d >= 0 || (made && made->mod))
    return d;
  /* "C.m" for a class of this module */
  return fg_resolve_in_module(p, m, r, made);
}

int fg_py_resolve_call(const FgPyModel *p, const FgModule *m, const FgPyFunc *f,
                       const FgPyCall *call) {
  return fg_py_resolve_call_made(p, m, f, call, NULL);
}

/* Base class `name` (as resolved by pyfile) of a class in module m, when
 * the repository defines it: a class of m, or one named through an import
 * ("tests.base.Base", ".base.Base"). */
static FgClassRef fg_base_class(const FgPyModel *p, FgModule *m, const char *name) {
  FgClassRef none = {NULL, -1};
  if (!strchr(name, '.')) {
    int c = fg_py_find_class(m, name);
    return c >= 0 ? (FgClassRef){m, c} : none;
  }
  char *abs = name[0] == '.' ? fg_py_absolutize(m, name) : fg_xstrdup(name);
  char *dot = strrchr(abs, '.');
  FgClassRef r = none;
  if (dot) {
    *dot = '\0';
    FgModule *bm = fg_pymodel_module(p, abs);
    if (bm && bm->py) {
      int c = fg_py_find_class(bm, dot + 1);
      if (c >= 0)
        r = (FgClassRef){bm, c};
    }
  }
  free(abs);
  return r;
}

/* What fg_py_class_mro worked out, by (module, class): the model asks the
 * same classes hundreds of thousands of times, and the answer changes only
 * when a module is parsed (a base found). Single-threaded: the model is
 * queried only between the parallel parses. */
typedef struct FgMroSlot {
  const FgModule *mod; /* NULL: empty */
  int cls;
  size_t first, len; /* in refs */
} FgMroSlot;

struct FgMroMemo {
  size_t gen; /* files_parsed when these were worked out */
  FgMroSlot *slots;
  size_t nslots, used;
  FG_VEC(FgClassRef) refs;
};

void fg_py_mro_memo_free(FgPyModel *p) {
  if (!p->mro_memo)
    return;
  free(p->mro_memo->slots);
  fg_vec_free(&p->mro_memo->refs);
  free(p->mro_memo);
  p->mro_memo = NULL;
}

static size_t fg_mro_slot_of(const struct FgMroMemo *memo, const FgModule *m, int cls) {
  uint64_t h = fg_pair_hash((uint64_t)(uintptr_t)m, (uint64_t)(unsigned)cls);
  size_t mask = memo->nslots - 1;
  size_t i = (size_t)h & mask;
  while (memo->slots[i].mod && (memo->slots[i].mod != m || memo->slots[i].cls != cls))
    i = (i + 1) & mask;
  return i;
}

/* The memo, emptied when a parse since made its answers old. */
static struct FgMroMemo *fg_mro_memo(const FgPyModel *p) {
  FgPyModel *mp = (FgPyModel *)p; /* a cache of answers: the model is unchanged */
  struct FgMroMemo *memo = mp->mro_memo;
  if (memo && memo->gen != p->files_parsed)
    fg_py_mro_memo_free(mp), memo = NULL;
  if (!memo) {
    memo = fg_xcalloc(1, sizeof *memo);
    memo->gen = p->files_parsed;
    memo->nslots = 256;
    memo->slots = fg_xcalloc(memo->nslots, sizeof *memo->slots);
    mp->mro_memo = memo;
  }
  return memo;
}

static void fg_mro_memo_grow(struct FgMroMemo *memo) {
  FgMroSlot *old = memo->slots;
  size_t n = memo->nslots;
  memo->nslots *= 2;
  memo->slots = fg_xcalloc(memo->nslots, sizeof *memo->slots);
  for (size_t i = 0; i < n; i++)
    if (old[i].mod)
      memo->slots[fg_mro_slot_of(memo, old[i].mod, old[i].cls)] = old[i];
  free(old);
}

static void fg_py_class_mro_walk(const FgPyModel *p, FgModule *m, int cls,
                                 FgClassRefVec *out);

/* The propagation asks from several threads. */
static pthread_mutex_t fg_mro_lock = PTHREAD_MUTEX_INITIALIZER;

void fg_py_class_mro(const FgPyModel *p, FgModule *m, int cls, FgClassRefVec *out) {
  out->len = 0; /* every caller hands an empty or spent vector */
  pthread_mutex_lock(&fg_mro_lock);
  struct FgMroMemo *memo = fg_mro_memo(p);
  size_t i = fg_mro_slot_of(memo, m, cls);
  if (!memo->slots[i].mod) {
    FgClassRefVec mro = {0};
    fg_py_class_mro_walk(p, m, cls, &mro);
    FgMroSlot s = {m, cls, memo->refs.len, mro.len};
    for (size_t k = 0; k < mro.len; k++)
      fg_vec_push(&memo->refs, mro.items[k]);
    fg_vec_free(&mro);
    memo->slots[i] = s;
    if (++memo->used * 2 > memo->nslots)
      fg_mro_memo_grow(memo);
    i = fg_mro_slot_of(memo, m, cls);
  }
  const FgMroSlot *s = &memo->slots[i];
  for (size_t k = 0; k < s->len; k++)
    fg_vec_push(out, memo->refs.items[s->first + k]);
  pthread_mutex_unlock(&fg_mro_lock);
}

/* The class and its in-repo bases, most derived first: a depth-first,
 * left-to-right walk without repeats (Python's C3 order for the single and
 * simple multiple inheritance tests use). Bounded: 32 classes. */
static void fg_py_class_mro_walk(const FgPyModel *p, FgModule *m, int cls,
                                 FgClassRefVec *out) {
  FgClassRef start = {m, cls};
  fg_vec_push(out, start);
  for (size_t i = 0; i < out->len && out->len < 32; i++) {
    FgClassRef at = out->items[i];
    const FgPyClass *k = &at.mod->py->classes[at.cls];
    size_t insert = i + 1;
    for (size_t b = 0; b < k->nbases && out->len < 32; b++) {
      FgClassRef base = fg_base_class(p, at.mod, k->bases[b]);
      if (!base.mod)
        continue;
      bool seen = false;
      for (size_t j = 0; j < out->len && !seen; j++)
        seen = out->items[j].mod == base.mod && out->items[j].cls == base.cls;
      if (seen)
        continue;
      /* depth first: the base goes right after the class that names it */
      fg_vec_push(out, base);
      memmove(&out->items[insert + 1], &out->items[insert],
              (out->len - 1 - insert) * sizeof(FgClassRef));
      out->items[insert++] = base;
    }
  }
}

/* A module-level `name = value` of m, the last one; NULL. */
const FgPyAssign *fg_py_find_global(const FgModule *m, const char *name, size_t n) {
  if (!m->py)
    return NULL;
  for (size_t i = m->py->nglobals; i-- > 0;) {
    const FgPyAssign *a = &m->py->globals[i];
    if (strlen(a->name) == n && strncmp(a->name, name, n) == 0)
      return a;
  }
  return NULL;
}

/* The first component of s in module m: a class, a function, a global. */
static bool fg_lookup_in(const FgPyModel *p, FgModule *m, const char *s, FgEntity *out) {
  size_t n = strcspn(s, ".(");
  if (!m->py || !n)
    return false;
  char *name = fg_xstrndup(s, n);
  int c = fg_py_find_class(m, name);
  int f = c < 0 ? fg_py_find_func(m, name, -1) : -1;
  const FgPyAssign *g = c < 0 && f < 0 ? fg_py_find_global(m, s, n) : NULL;
  free(name);
  out->mod = m;
  out->rest = s + n;
  if (c >= 0) {
    out->kind = FG_ENTITY_CLASS;
    out->cls = c;
    return true;
  }
  if (f >= 0) {
    out->kind = FG_ENTITY_DEF;
    out->def = fg_py_def_of(p, m, f);
    return true;
  }
  if (g) {
    out->kind = FG_ENTITY_GLOBAL;
    out->global = g;
    return true;
  }
  return false;
}

static void fg_py_lookup_depth(const FgPyModel *p, FgModule *m, const char *resolved,
                               FgEntity *out, int depth);

/* A re-exported first component of s in module mod: looked up where it
 * comes from; rest keeps pointing into the caller's string. */
static bool fg_lookup_reexport(const FgPyModel *p, FgModule *mod, const char *s,
                               FgEntity *out, int depth) {
  if (depth >= FG_REEXPORT_DEPTH)
    return false;
  size_t n = strcspn(s, ".(");
  char *target = fg_py_reexport(mod, s, n);
  if (!target)
    return false;
  char *full = fg_xjoin(target, "", s + n, strlen(s + n));
  FgEntity sub;
  fg_py_lookup_depth(p, mod, full, &sub, depth + 1);
  bool ok = sub.kind == FG_ENTITY_CLASS || sub.kind == FG_ENTITY_DEF ||
            sub.kind == FG_ENTITY_GLOBAL || sub.kind == FG_ENTITY_MODULE;
  if (ok) {
    size_t tail = strlen(sub.rest);
    *out = sub;
    out->rest = s + strlen(s) - (tail <= strlen(s + n) ? tail : strlen(s + n));
  }
  free(full);
  free(target);
  return ok;
}

void fg_py_lookup(const FgPyModel *p, FgModule *m, const char *resolved, FgEntity *out) {
  fg_py_lookup_depth(p, m, resolved, out, 0);
}

static void fg_py_lookup_depth(const FgPyModel *p, FgModule *m, const char *resolved,
                               FgEntity *out, int depth) {
  memset(out, 0, sizeof *out);
  out->cls = out->def = -1;
  out->rest = resolved;
  char *abs = resolved[0] == '.' ? fg_py_absolutize(m, resolved) : NULL;
  const char *s = abs ? abs : resolved;
  size_t n = strcspn(s, "(");
  char *head = fg_xstrndup(s, n);
  /* the longest module prefix */
  FgModule *mod = NULL;
  size_t at = 0;
  for (size_t len = n; len > 0; len--) {
    if (len < n && head[len] != '.')
      continue;
    char saved = head[len];
    head[len] = '\0';
    mod = fg_pymodel_module(p, head);
    head[len] = saved;
    if (mod) {
      at = len;
      break;
    }
  }
  free(head);
  if (mod) {
    const char *after = s + at;
    if (*after == '.')
      after++;
    if (!*after || *after == '(') {
      out->kind = FG_ENTITY_MODULE;
      out->mod = mod;
      out->rest = resolved + strlen(resolved) - strlen(after);
    } else if (fg_lookup_in(p, mod, after, out)) {
      out->rest = resolved + strlen(resolved) - strlen(out->rest);
    } else if (fg_lookup_reexport(p, mod, after, out, depth)) {
      out->rest = resolved + strlen(resolved) - strlen(out->rest);
    } else {
      out->kind = FG_ENTITY_NONE;
    }
  } else if (resolved[0] != '.' && fg_lookup_in(p, m, s, out)) {
    /* a name of this module */
  } else {
    out->kind = resolved[0] == '.' ? FG_ENTITY_NONE : FG_ENTITY_EXTERNAL;
    out->rest = resolved;
  }
  free(abs);
}
