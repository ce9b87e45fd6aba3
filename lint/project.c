#include "project.h"

#include "core/parallel.h"

#include "ci/launch.h"
#include "core/words.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files larger than this are not read: a generated 50 MB module is not a
 * test suite, and reading it would blow the pre-commit budget. */
#define FG_MAX_PY_BYTES (8u << 20)
#define FG_MAX_YAML_BYTES (4u << 20)

/* ---- module names ------------------------------------------------------ */

typedef struct FgName {
  const char *name;
  FgModule *mod;
} FgName;

static int fg_name_cmp(const void *a, const void *b) {
  const FgName *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c)
    return c;
  /* the same name twice: the shorter path wins (root before nested) */
  size_t lx = strlen(x->mod->src->path), ly = strlen(y->mod->src->path);
  if (lx != ly)
    return lx < ly ? -1 : 1;
  return strcmp(x->mod->src->path, y->mod->src->path);
}

typedef struct FgNameTable {
  FG_VEC(FgName) names;
  FG_VEC(char *) owned;
} FgNameTable;

static char *fg_path_to_modname(const char *relpath) {
  char *s = fg_xstrdup(relpath);
  size_t n = strlen(s);
  if (fg_str_endswith(s, ".py"))
    s[n -= 3] = '\0';
  if (fg_str_endswith(s, "/__init__"))
    s[n -= 9] = '\0';
  else if (strcmp(s, "__init__") == 0)
    s[n = 0] = '\0';
  for (char *c = s; *c; c++)
    if (*c == '/')
      *c = '.';
  return s;
}

static bool fg_file_exists_in(const FgProject *p, const char *reldir, const char *name);

/* The directory pytest's default "prepend" import mode puts on sys.path for
 * a file: the first directory upward that is not a package. */
static char *fg_pytest_basedir(const FgProject *p, const char *dir) {
  char *d = fg_xstrdup(dir);
  while (*d && fg_file_exists_in(p, d, "__init__.py")) {
    char *slash = strrchr(d, '/');
    if (slash)
      *slash = '\0';
    else
      d[0] = '\0';
  }
  return d;
}

static void fg_names_add(FgNameTable *t, char *name, FgModule *m) {
  if (!*name) {
    free(name);
    return;
  }
  FgName n = {name, m};
  fg_vec_push(&t->names, n);
  fg_vec_push(&t->owned, name);
}

static const FgName *fg_names_find(const FgNameTable *t, const char *name) {
  size_t lo = 0, hi = t->names.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(t->names.items[mid].name, name);
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < t->names.len && strcmp(t->names.items[lo].name, name) == 0)
    return &t->names.items[lo];
  return NULL;
}

/* ---- the project --------------------------------------------------------- */

typedef struct FgProjectPriv {
  FgProject pub;
  const FgOverlay *overlay; /* borrowed, may be NULL */
  FgNameTable names;
  /* sorted relative paths of every discovered .py, for fg_file_exists_in */
  char **paths;
  size_t npaths;
} FgProjectPriv;

static bool fg_file_exists_in(const FgProject *p, const char *reldir, const char *name) {
  const FgProjectPriv *pp = (const FgProjectPriv *)p;
  if (!pp->npaths)
    return false;
  char *path = *reldir ? fg_xasprintf("%s/%s", reldir, name) : fg_xstrdup(name);
  bool found =
      bsearch(&path, pp->paths, pp->npaths, sizeof(char *), fg_str_cmp_ptr) != NULL;
  free(path);
  return found;
}

FgModule *fg_project_module(const FgProject *self, const char *modname) {
  const FgName *n = fg_names_find(&((const FgProjectPriv *)self)->names, modname);
  return n ? n->mod : NULL;
}

static bool fg_glob_any(char *const *globs, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (fnmatch(globs[i], name, 0) == 0)
      return true;
  return false;
}

static const char *fg_basename(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* ---- the prefilter (SPEC §12) -------------------------------------------------
 *
 * Parsing is ~200x the cost of reading, so a file is parsed only when one of
 * its words shows it can matter:
 * - a pool site, `fork` start method or `spawn` set is a call that resolves
 *   (through the file's own imports and aliases) to a name under
 *   multiprocessing, concurrent.futures, joblib or loky, or to a configured
 *   constructor: the file names that module (or the constructor's first
 *   component) somewhere;
 * - `os.fork()` needs the word `fork` (it is reported in test code only);
 * - the marker in force, for marked tests and its registration;
 * - conftest.py files always (fixtures, autouse, pytest_configure).
 * Then, to a fixpoint, the files naming something that reaches a pool. */
enum { FG_SEED_SITE = 1, FG_SEED_FORK = 2, FG_SEED_MARKER = 4 };

static void fg_seed_words(const FgProject *p, FgWordSet *set, FgStrVec *owned) {
  static const char *const modules[] = {"multiprocessing", "concurrent", "joblib", "loky",
                                        NULL};
  for (const char *const *s = modules; *s; s++)
    fg_word_set_add(set, *s, FG_SEED_SITE);
  for (size_t i = 0; i < p->config->extra_pool_constructors.len; i++) {
    const char *name = p->config->extra_pool_constructors.items[i];
    char *first = fg_xstrndup(name, strcspn(name, "."));
    fg_vec_push(owned, first);
    fg_word_set_add(set, first, FG_SEED_SITE);
  }
  fg_word_set_add(set, "fork", FG_SEED_FORK);
  fg_word_set_add(set, p->marker, FG_SEED_MARKER);
}

static bool fg_seed_wanted(const FgModule *m, uint32_t seeds) {
  if (m->is_conftest || (seeds & (FG_SEED_SITE | FG_SEED_MARKER)))
    return true;
  return m->is_test_file && (seeds & FG_SEED_FORK);
}

/* A module's functions by (name, class) and its top-level classes by name:
 * open addressing, each slot an index + 1 (0: empty). The first of several
 * definitions with the same key is kept, as the linear search found it. */
struct FgModIndex {
  uint32_t *funcs, *classes;
  size_t cap; /* a power of two, both tables */
};

static size_t fg_index_slot(uint64_t h, int cls, size_t cap) {
  h ^= (uint64_t)(uint32_t)(cls + 1) * 0x9e3779b97f4a7c15u;
  h ^= h >> 29;
  return (size_t)h & (cap - 1);
}

static bool fg_func_keyed(const FgPyFunc *f, const char *name, int cls) {
  return f->cls == cls && strcmp(f->name, name) == 0;
}

static bool fg_class_keyed(const FgPyClass *k, const char *name) {
  return strcmp(k->name, name) == 0;
}

static struct FgModIndex *fg_index_new(const FgPyModule *py) {
  struct FgModIndex *x = fg_xcalloc(1, sizeof *x);
  size_t n = py->nfuncs > py->nclasses ? py->nfuncs : py->nclasses;
  x->cap = 8;
  while (x->cap < 2 * n)
    x->cap *= 2;
  x->funcs = fg_xcalloc(x->cap, sizeof *x->funcs);
  x->classes = fg_xcalloc(x->cap, sizeof *x->classes);
  for (size_t i = 0; i < py->nfuncs; i++) {
    const FgPyFunc *f = &py->funcs[i];
    if (f->nested)
      continue;
    size_t s = fg_index_slot(fg_word_hash(f->name, strlen(f->name)), f->cls, x->cap);
    while (x->funcs[s] && !fg_func_keyed(&py->funcs[x->funcs[s] - 1], f->name, f->cls))
      s = (s + 1) & (x->cap - 1);
    if (!x->funcs[s])
      x->funcs[s] = (uint32_t)i + 1;
  }
  for (size_t i = 0; i < py->nclasses; i++) {
    const FgPyClass *k = &py->classes[i];
    if (k->parent >= 0 || k->in_function)
      continue;
    size_t s = fg_index_slot(fg_word_hash(k->name, strlen(k->name)), -1, x->cap);
    while (x->classes[s] && !fg_class_keyed(&py->classes[x->classes[s] - 1], k->name))
      s = (s + 1) & (x->cap - 1);
    if (!x->classes[s])
      x->classes[s] = (uint32_t)i + 1;
  }
  return x;
}

static void fg_index_delete(struct FgModIndex *self) {
  if (!self)
    return;
  free(self->funcs);
  free(self->classes);
  free(self);
}

typedef struct FgParseJob {
  FgModule **mods;
  FgPyOptions opts;
} FgParseJob;

static void fg_parse_module(FgModule *m, const FgPyOptions *opts) {
  m->py = fg_pyfile_parse(m->src, opts);
  if (m->py)
    m->index = fg_index_new(m->py);
}

static void fg_parse_one(void *ctx, size_t i) {
  FgParseJob *job = ctx;
  fg_parse_module(job->mods[i], &job->opts);
}

/* Parses the modules, on the project's jobs: each writes only its own
 * summary, so the result is the same whatever the scheduling. */
static void fg_parse_modules(FgProject *p, FgModuleVec *mods) {
  FgParseJob job = {mods->items,
                    {(const char *const *)p->config->extra_pool_constructors.items,
                     p->config->extra_pool_constructors.len}};
  fg_parallel_for(mods->len, p->jobs, fg_parse_one, &job);
  p->files_parsed += mods->len;
  mods->len = 0;
}

/* ---- resolution ---------------------------------------------------------- */

static int fg_def_of(const FgProject *p, const FgModule *m, int func) {
  if (!m->py || func < 0)
    return -1;
  return (int)(m->first_def + (size_t)func);
}

/* A module-level function (cls == -1) or a method of class `cls`. */
static int fg_find_func(const FgModule *m, const char *name, int cls) {
  if (!m->py)
    return -1;
  const struct FgModIndex *x = m->index;
  size_t s = fg_index_slot(fg_word_hash(name, strlen(name)), cls, x->cap);
  for (; x->funcs[s]; s = (s + 1) & (x->cap - 1))
    if (fg_func_keyed(&m->py->funcs[x->funcs[s] - 1], name, cls))
      return (int)x->funcs[s] - 1;
  return -1;
}

static int fg_find_class(const FgModule *m, const char *name) {
  if (!m->py)
    return -1;
  const struct FgModIndex *x = m->index;
  size_t s = fg_index_slot(fg_word_hash(name, strlen(name)), -1, x->cap);
  for (; x->classes[s]; s = (s + 1) & (x->cap - 1))
    if (fg_class_keyed(&m->py->classes[x->classes[s] - 1], name))
      return (int)x->classes[s] - 1;
  return -1;
}

/* "f", "C.m", "C" (constructor: C.__init__) inside module m. */
static int fg_resolve_in_module(const FgProject *p, const FgModule *m, const char *tail) {
  if (!m->py)
    return -1;
  const char *dot = strchr(tail, '.');
  if (!dot) {
    int f = fg_find_func(m, tail, -1);
    if (f >= 0)
      return fg_def_of(p, m, f);
    int c = fg_find_class(m, tail);
    if (c >= 0)
      return fg_def_of(p, m, fg_find_func(m, "__init__", c));
    return -1;
  }
  char *cls = fg_xstrndup(tail, (size_t)(dot - tail));
  int c = fg_find_class(m, cls);
  free(cls);
  if (c < 0 || strchr(dot + 1, '.'))
    return -1;
  return fg_def_of(p, m, fg_find_func(m, dot + 1, c));
}

/* An absolute dotted name: the longest module prefix, then the rest. */
static int fg_resolve_absolute(const FgProject *p, const char *dotted) {
  char *s = fg_xstrdup(dotted);
  int result = -1;
  for (;;) {
    char *dot = strrchr(s, '.');
    if (!dot)
      break;
    *dot = '\0';
    FgModule *m = fg_project_module(p, s);
    if (m) {
      result = fg_resolve_in_module(p, m, dotted + (dot - s) + 1);
      break;
    }
  }
  free(s);
  return result;
}

static char *fg_absolutize(const FgModule *m, const char *rel) {
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
  char *abs = *base ? (*rest ? fg_xasprintf("%s.%s", base, rest) : fg_xstrdup(base))
                    : fg_xstrdup(rest);
  free(base);
  return abs;
}

/* The absolute module an import statement names. */
static char *fg_import_target(const FgModule *m, const FgPyImport *im) {
  if (!im->level)
    return fg_xstrdup(im->module);
  FgBuf b = {0};
  for (int i = 0; i < im->level; i++)
    fg_buf_putc(&b, '.');
  fg_buf_puts(&b, im->module);
  char *abs = fg_absolutize(m, b.data);
  fg_buf_free(&b);
  return abs;
}

static int fg_resolve_call(const FgProject *p, const FgModule *m, const FgPyFunc *f,
                           const FgPyCall *call) {
  const char *r = call->resolved;
  if (r[0] == '.') {
    char *abs = fg_absolutize(m, r);
    int d = fg_resolve_absolute(p, abs);
    free(abs);
    return d;
  }
  if ((fg_str_startswith(r, "self.") || fg_str_startswith(r, "cls.")) && f->cls >= 0) {
    const char *meth = strchr(r, '.') + 1;
    if (strchr(meth, '.'))
      return -1;
    for (int c = f->cls; c >= 0;) {
      int fi = fg_find_func(m, meth, c);
      if (fi >= 0)
        return fg_def_of(p, m, fi);
      /* one base class in the same module, as written */
      const FgPyClass *k = &m->py->classes[c];
      c = k->nbases ? fg_find_class(m, k->bases[0]) : -1;
      if (c == f->cls)
        break;
    }
    return -1;
  }
  if (!strchr(r, '.')) {
    int d = fg_resolve_in_module(p, m, r);
    if (d >= 0)
      return d;
    for (size_t i = 0; i < m->py->nimports; i++) {
      const FgPyImport *im = &m->py->imports[i];
      if (!im->name || strcmp(im->name, "*") != 0)
        continue;
      char *mod = fg_import_target(m, im);
      FgModule *target = fg_project_module(p, mod);
      free(mod);
      if (target && target != m) {
        d = fg_resolve_in_module(p, target, r);
        if (d >= 0)
          return d;
      }
    }
    return -1;
  }
  int d = fg_resolve_absolute(p, r);
  if (d >= 0)
    return d;
  /* "C.m" for a class of this module */
  return fg_resolve_in_module(p, m, r);
}

/* ---- classes and their bases ---------------------------------------------- */

/* A class of the repository: the module and the index of the class in it. */
typedef struct FgClassRef {
  FgModule *mod;
  int cls;
} FgClassRef;

typedef FG_VEC(FgClassRef) FgClassRefVec;

/* Base class `name` (as resolved by pyfile) of a class in module m, when
 * the repository defines it: a class of m, or one named through an import
 * ("tests.base.Base", ".base.Base"). */
static FgClassRef fg_base_class(const FgProject *p, FgModule *m, const char *name) {
  FgClassRef none = {NULL, -1};
  if (!strchr(name, '.')) {
    int c = fg_find_class(m, name);
    return c >= 0 ? (FgClassRef){m, c} : none;
  }
  char *abs = name[0] == '.' ? fg_absolutize(m, name) : fg_xstrdup(name);
  char *dot = strrchr(abs, '.');
  FgClassRef r = none;
  if (dot) {
    *dot = '\0';
    FgModule *bm = fg_project_module(p, abs);
    if (bm && bm->py) {
      int c = fg_find_class(bm, dot + 1);
      if (c >= 0)
        r = (FgClassRef){bm, c};
    }
  }
  free(abs);
  return r;
}

/* The class and its in-repo bases, most derived first: a depth-first,
 * left-to-right walk without repeats (Python's C3 order for the single and
 * simple multiple inheritance tests use). Bounded: 32 classes. */
static void fg_class_mro(const FgProject *p, FgModule *m, int cls, FgClassRefVec *out) {
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

/* ---- fixtures ------------------------------------------------------------ */

static FgModule *fg_module_by_path(const FgProject *p, const char *path) {
  size_t lo = 0, hi = p->modules.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(p->modules.items[mid]->src->path, path);
    if (c == 0)
      return p->modules.items[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

void fg_project_conftests(const FgProject *p, const char *dir, FgModuleVec *out) {
  char *d = fg_xstrdup(dir);
  for (;;) {
    char *path = *d ? fg_xasprintf("%s/conftest.py", d) : fg_xstrdup("conftest.py");
    FgModule *c = fg_module_by_path(p, path);
    free(path);
    if (c && c->py)
      fg_vec_push(out, c);
    if (!*d)
      break;
    char *slash = strrchr(d, '/');
    if (slash)
      *slash = '\0';
    else
      d[0] = '\0';
  }
  free(d);
}

/* Where pytest looks for a fixture requested from (m, cls), closest first:
 * the class, the module, then conftest.py files from the module's folder up
 * to the root. */
typedef struct FgScope {
  FG_VEC(FgModule *) mods;
  FG_VEC(int) classes; /* -1: module level of mods[i] */
} FgScope;

static void fg_scope_build(const FgProject *p, FgModule *m, int cls, FgScope *out) {
  for (int c = cls; c >= 0; c = m->py->classes[c].parent) {
    fg_vec_push(&out->mods, m);
    fg_vec_push(&out->classes, c);
  }
  fg_vec_push(&out->mods, m);
  fg_vec_push(&out->classes, -1);
  FgModuleVec conftests = {0};
  fg_project_conftests(p, m->dir, &conftests);
  for (size_t i = 0; i < conftests.len; i++) {
    if (conftests.items[i] == m)
      continue;
    fg_vec_push(&out->mods, conftests.items[i]);
    fg_vec_push(&out->classes, -1);
  }
  fg_vec_free(&conftests);
}

static void fg_scope_free(FgScope *s) {
  fg_vec_free(&s->mods);
  fg_vec_free(&s->classes);
}

/* The fixture `name` as seen from scope; `self_def` is the requesting
 * fixture when it requests its own name (an override reaching the next
 * definition further out). */
static int fg_scope_fixture(const FgProject *p, const FgScope *s, const char *name,
                            int self_def) {
  bool skipping = self_def >= 0;
  for (size_t i = 0; i < s->mods.len; i++) {
    FgModule *m = s->mods.items[i];
    for (size_t f = 0; f < m->py->nfuncs; f++) {
      const FgPyFunc *fn = &m->py->funcs[f];
      if (!fn->is_fixture || fn->nested || fn->cls != s->classes.items[i] ||
          !fg_str_eq(fn->fixture_name, name))
        continue;
      int d = fg_def_of(p, m, (int)f);
      if (skipping) {
        if (d == self_def)
          skipping = false;
        continue;
      }
      return d;
    }
  }
  return -1;
}

/* ---- propagation ---------------------------------------------------------- */

typedef struct FgEdge {
  int from, to;
  FgSpan span;
  bool fixture;
} FgEdge;

typedef FG_VEC(FgEdge) FgEdgeVec;

static const FgPyFunc *fg_def_func(const FgProject *p, int d) {
  const FgDef *def = &p->defs.items[d];
  return &def->mod->py->funcs[def->func];
}

static void fg_edges_fixture(const FgProject *p, const FgScope *scope, int from,
                             const char *name, FgSpan span, FgEdgeVec *edges) {
  const FgPyFunc *f = fg_def_func(p, from);
  int self_def = f->is_fixture && fg_str_eq(f->fixture_name, name) ? from : -1;
  int to = fg_scope_fixture(p, scope, name, self_def);
  if (to >= 0 && to != from) {
    FgEdge e = {from, to, span, true};
    fg_vec_push(edges, e);
  }
}

static bool fg_is_test_def(const FgProject *p, int d);

/* The xunit-style setup and teardown methods pytest runs around a test of
 * class cls (or of the module when cls is -1): the most derived definition
 * of each name along the class's in-repo bases. */
static void fg_edges_xunit(const FgProject *p, FgModule *m, int cls, int from,
                           FgSpan span, FgEdgeVec *edges) {
  static const char *const module_level[] = {"setup_module", "setUpModule",
                                             "teardown_module", "tearDownModule", NULL};
  static const char *const function_level[] = {"setup_function", "teardown_function",
                                               NULL};
  static const char *const class_level[] = {"setup_class",
                                            "setup_method",
                                            "setup",
                                            "setUpClass",
                                            "setUp",
                                            "teardown_class",
                                            "teardown_method",
                                            "teardown",
                                            "tearDownClass",
                                            "tearDown",
                                            NULL};
  FgClassRefVec mro = {0};
  if (cls >= 0)
    fg_class_mro(p, m, cls, &mro);
  for (int level = 0; level < 2; level++) {
    const char *const *names = level == 0 ? module_level
                               : cls < 0  ? function_level
                                          : class_level;
    for (const char *const *n = names; *n; n++) {
      int to = -1;
      if (level == 0 || cls < 0) {
        to = fg_def_of(p, m, fg_find_func(m, *n, -1));
      } else {
        for (size_t i = 0; i < mro.len && to < 0; i++)
          to = fg_def_of(p, mro.items[i].mod,
                         fg_find_func(mro.items[i].mod, *n, mro.items[i].cls));
      }
      if (to >= 0 && to != from && !fg_def_func(p, to)->is_fixture) {
        FgEdge e = {from, to, span, false};
        fg_vec_push(edges, e);
      }
    }
  }
  fg_vec_free(&mro);
}

/* What pytest runs around a test of (m, cls) besides the test itself:
 * usefixtures on enclosing classes and the module, autouse fixtures in
 * scope, and xunit-style setup/teardown methods. The edges start at
 * `from` (the test's def) and point at span. */
static void fg_edges_test_context(const FgProject *p, FgModule *m, int cls, int from,
                                  FgSpan span, FgEdgeVec *edges) {
  FgScope scope = {0};
  fg_scope_build(p, m, cls, &scope);
  for (int c = cls; c >= 0; c = m->py->classes[c].parent) {
    const FgPyClass *k = &m->py->classes[c];
    for (size_t i = 0; i < k->nmarkers; i++)
      if (strcmp(k->markers[i].name, "usefixtures") == 0)
        for (size_t a = 0; a < k->markers[i].nargs; a++)
          fg_edges_fixture(p, &scope, from, k->markers[i].args[a], k->markers[i].span,
                           edges);
  }
  /* a base class's marks reach its subclasses' tests (pytest walks the MRO) */
  FgClassRefVec mro = {0};
  if (cls >= 0)
    fg_class_mro(p, m, cls, &mro);
  for (size_t b = 1; b < mro.len; b++) {
    const FgPyClass *k = &mro.items[b].mod->py->classes[mro.items[b].cls];
    for (size_t i = 0; i < k->nmarkers; i++)
      if (strcmp(k->markers[i].name, "usefixtures") == 0)
        for (size_t a = 0; a < k->markers[i].nargs; a++)
          fg_edges_fixture(p, &scope, from, k->markers[i].args[a], span, edges);
  }
  fg_vec_free(&mro);
  for (size_t i = 0; i < m->py->nmodule_markers; i++) {
    const FgPyMarker *mk = &m->py->module_markers[i];
    if (strcmp(mk->name, "usefixtures") == 0)
      for (size_t a = 0; a < mk->nargs; a++)
        fg_edges_fixture(p, &scope, from, mk->args[a], mk->span, edges);
  }
  for (size_t s = 0; s < scope.mods.len; s++) {
    FgModule *sm = scope.mods.items[s];
    for (size_t fi = 0; fi < sm->py->nfuncs; fi++) {
      const FgPyFunc *fx = &sm->py->funcs[fi];
      if (fx->is_fixture && fx->autouse && !fx->nested &&
          fx->cls == scope.classes.items[s])
        fg_edges_fixture(p, &scope, from, fx->fixture_name, span, edges);
    }
  }
  fg_scope_free(&scope);
  fg_edges_xunit(p, m, cls, from, span, edges);
}

static void fg_edges_for_def(const FgProject *p, int d, FgEdgeVec *edges) {
  FgDef *def = &p->defs.items[d];
  FgModule *m = def->mod;
  const FgPyFunc *f = &m->py->funcs[def->func];
  for (size_t i = 0; i < f->ncalls; i++) {
    const FgPyCall *c = &f->calls[i];
    if (c->pool != FG_POOL_NONE)
      continue;
    int to = fg_resolve_call(p, m, f, c);
    if (to >= 0 && to != d) {
      FgEdge e = {d, to, c->callee_span, false};
      fg_vec_push(edges, e);
    }
  }
  FgScope scope = {0};
  fg_scope_build(p, m, f->cls, &scope);
  for (size_t i = 0; i < f->nparams; i++)
    fg_edges_fixture(p, &scope, d, f->params[i], f->name_span, edges);
  for (size_t i = 0; i < f->nmarkers; i++) {
    const FgPyMarker *mk = &f->markers[i];
    if (strcmp(mk->name, "usefixtures") != 0)
      continue;
    for (size_t a = 0; a < mk->nargs; a++)
      fg_edges_fixture(p, &scope, d, mk->args[a], mk->span, edges);
  }
  for (size_t i = 0; i < f->ngetfixturevalue; i++)
    fg_edges_fixture(p, &scope, d, f->getfixturevalue[i], f->name_span, edges);
  if (fg_is_test_def(p, d))
    fg_edges_test_context(p, m, f->cls, d, f->name_span, edges);
  fg_scope_free(&scope);
}

static char *fg_def_label(const FgProject *p, int d) {
  const FgDef *def = &p->defs.items[d];
  const FgPyFunc *f = &def->mod->py->funcs[def->func];
  if (f->is_fixture)
    return fg_xasprintf("fixture %s", f->fixture_name);
  if (f->cls >= 0)
    return fg_xasprintf("%s.%s()", def->mod->py->classes[f->cls].name, f->name);
  return fg_xasprintf("%s()", f->name);
}

static int fg_edge_cmp(const void *a, const void *b) {
  const FgEdge *x = a, *y = b;
  if (x->to != y->to)
    return x->to < y->to ? -1 : 1;
  return x->from < y->from ? -1 : (x->from > y->from);
}

/* Multi-source BFS backwards from the defs that hold a pool site: every
 * def gets its distance to the nearest site and the first edge (in source
 * order) that reaches it, so chains are shortest and deterministic. */
static void fg_propagate(FgProject *p) {
  size_t n = p->defs.len;
  for (size_t d = 0; d < n; d++) {
    FgDef *def = &p->defs.items[d];
    def->dist = -1;
    def->next = -1;
    free(def->via_label);
    def->via_label = NULL;
    const FgPyFunc *f = fg_def_func(p, (int)d);
    for (size_t i = 0; i < f->ncalls; i++) {
      if (f->calls[i].pool == FG_POOL_SITE) {
        def->dist = 0;
        def->via = f->calls[i].span;
        def->via_label = fg_xstrdup(f->calls[i].callee);
        break;
      }
    }
  }
  FgEdgeVec edges = {0};
  FG_VEC(size_t) first = {0}; /* per def: index into edges (from-sorted) */
  for (size_t d = 0; d < n; d++) {
    fg_vec_push(&first, edges.len);
    fg_edges_for_def(p, (int)d, &edges);
  }
  fg_vec_push(&first, edges.len);
  /* reverse adjacency: edges sorted by target */
  FgEdge *rev = fg_xmalloc((edges.len ? edges.len : 1) * sizeof(FgEdge));
  if (edges.len)
    memcpy(rev, edges.items, edges.len * sizeof(FgEdge));
  if (edges.len > 1)
    qsort(rev, edges.len, sizeof(FgEdge), fg_edge_cmp);
  size_t *rstart = fg_xcalloc(n + 1, sizeof(size_t));
  for (size_t i = 0; i < edges.len; i++)
    rstart[rev[i].to + 1]++;
  for (size_t d = 0; d < n; d++)
    rstart[d + 1] += rstart[d];

  int *queue = fg_xmalloc((n ? n : 1) * sizeof(int));
  size_t qh = 0, qt = 0;
  for (size_t d = 0; d < n; d++)
    if (p->defs.items[d].dist == 0)
      queue[qt++] = (int)d;
  while (qh < qt) {
    int d = queue[qh++];
    for (size_t i = rstart[d]; i < rstart[d + 1]; i++) {
      int from = rev[i].from;
      if (p->defs.items[from].dist < 0) {
        p->defs.items[from].dist = p->defs.items[d].dist + 1;
        queue[qt++] = from;
      }
    }
  }
  for (size_t d = 0; d < n; d++) {
    FgDef *def = &p->defs.items[d];
    if (def->dist <= 0)
      continue;
    for (size_t i = first.items[d]; i < first.items[d + 1]; i++) {
      const FgEdge *e = &edges.items[i];
      if (p->defs.items[e->to].dist == def->dist - 1) {
        def->next = e->to;
        def->via = e->span;
        def->via_label = fg_def_label(p, e->to);
        break;
      }
    }
  }
  free(queue);
  free(rstart);
  free(rev);
  fg_vec_free(&first);
  fg_vec_free(&edges);
}

void fg_project_chain(const FgProject *self, int d, FgChain *out) {
  /* dist strictly decreases along next, so this ends */
  while (d >= 0 && self->defs.items[d].dist >= 0) {
    const FgDef *def = &self->defs.items[d];
    int to = def->next;
    FgLink link = {def->mod->src, def->via.start, def->via.end,
                   fg_xstrdup(def->via_label)};
    if (to >= 0) {
      /* point at the definition being entered: that is what a reader opens */
      const FgDef *t = &self->defs.items[to];
      const FgPyFunc *tf = &t->mod->py->funcs[t->func];
      link.src = t->mod->src;
      link.start = tf->name_span.start;
      link.end = tf->name_span.end;
    }
    fg_vec_push(&out->links, link);
    d = to;
  }
}

void fg_chain_free(FgChain *chain) {
  for (size_t i = 0; i < chain->links.len; i++)
    free(chain->links.items[i].label);
  fg_vec_free(&chain->links);
}

char *fg_chain_format(const FgChain *chain, const char *head) {
  FgBuf b = {0};
  fg_buf_puts(&b, head);
  for (size_t i = 0; i < chain->links.len; i++) {
    const FgLink *l = &chain->links.items[i];
    FgPos pos = fg_source_pos(l->src, l->start);
    fg_buf_printf(&b, " \xE2\x86\x92 %s (%s:%zu)", l->label, l->src->path, pos.line);
  }
  return fg_buf_take(&b);
}

/* ---- tests ------------------------------------------------------------------ */

/* python_functions / python_classes: a pattern with glob characters is a
 * glob, otherwise a prefix (pytest's rule). */
static bool fg_name_matches(char *const *pats, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++) {
    const char *p = pats[i];
    if (strpbrk(p, "*?[")) {
      if (fnmatch(p, name, 0) == 0)
        return true;
    } else if (fg_str_startswith(name, p)) {
      return true;
    }
  }
  return false;
}

static bool fg_class_is_unittest(const FgModule *m, int c, int depth) {
  if (c < 0 || depth > 16)
    return false;
  const FgPyClass *k = &m->py->classes[c];
  for (size_t i = 0; i < k->nbases; i++) {
    const char *b = k->bases[i];
    if (strcmp(b, "unittest.TestCase") == 0 ||
        strcmp(b, "unittest.IsolatedAsyncioTestCase") == 0 ||
        fg_str_endswith(b, "TestCase"))
      return true;
    if (fg_class_is_unittest(m, fg_find_class(m, b), depth + 1))
      return true;
  }
  return false;
}

static bool fg_class_collected(const FgProject *p, const FgModule *m, int c) {
  for (; c >= 0; c = m->py->classes[c].parent) {
    const FgPyClass *k = &m->py->classes[c];
    if (k->in_function)
      return false;
    if (fg_class_is_unittest(m, c, 0))
      continue;
    if (k->has_init ||
        !fg_name_matches(p->python_classes.items, p->python_classes.len, k->name))
      return false;
  }
  return true;
}

static bool fg_func_is_test(const FgProject *p, const FgModule *m, const FgPyFunc *f) {
  if (!m->is_test_file || f->nested || f->is_fixture)
    return false;
  if (f->cls >= 0) {
    if (!fg_class_collected(p, m, f->cls))
      return false;
    if (fg_class_is_unittest(m, f->cls, 0))
      return fg_str_startswith(f->name, "test");
  }
  return fg_name_matches(p->python_functions.items, p->python_functions.len, f->name);
}

static bool fg_is_test_def(const FgProject *p, int d) {
  const FgDef *def = &p->defs.items[d];
  return fg_func_is_test(p, def->mod, &def->mod->py->funcs[def->func]);
}

static void fg_add_markers(FgTest *t, const FgPyMarker *mk, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *name = mk[i].name;
    if (fg_str_startswith(name, "param:"))
      name += 6;
    fg_vec_push(&t->markers, fg_xstrdup(name));
  }
}

/* ---- marker conventions -------------------------------------------------- */

/* Does the run's -m drop a test for carrying `name` alone? */
static bool fg_run_deselects(const FgRun *r, const char *name) {
  if (!r->m)
    return false;
  const char *one[] = {name};
  return fg_markexpr_match_marks(r->m, NULL, 0) && !fg_markexpr_match_marks(r->m, one, 1);
}

static void fg_convention_add(FgProject *p, const char *name, char *why, bool groups) {
  FgConvention c = {fg_xstrdup(name), why, groups};
  fg_vec_push(&p->conventions, c);
}

/* `serial`: registered by the project, or deselected by a CI run. */
static char *fg_serial_why(const FgProject *p) {
  if (fg_pytest_cfg_has_marker(p->pytest_cfg, "serial"))
    return fg_xasprintf("registered in `%s` markers",
                        p->pytest_cfg_path ? p->pytest_cfg_path : "the pytest config");
  for (size_t i = 0; i < p->modules.len; i++) {
    const FgPyModule *py = p->modules.items[i]->py;
    for (size_t k = 0; py && k < py->nregistered_markers; k++)
      if (strcmp(py->registered_markers[k], "serial") == 0)
        return fg_xasprintf("registered by `addinivalue_line` in %s",
                            p->modules.items[i]->src->path);
  }
  for (size_t i = 0; i < p->runs.len; i++) {
    const FgRun *r = p->runs.items[i];
    if (!fg_run_deselects(r, "serial"))
      continue;
    char *where = fg_run_where(r);
    char *why = fg_xasprintf("deselected by CI (`-m \"%s\"` in %s)", r->mexpr, where);
    free(where);
    return why;
  }
  return NULL;
}

/* `xdist_group`: every parallel CI run distributes with `--dist loadgroup`,
 * so a group's tests share one worker. They still run under xdist, so FG201
 * keeps flagging those runs; only FG101 accepts the marker. */
static char *fg_xdist_group_why(const FgProject *p) {
  const FgRun *first = NULL;
  for (size_t i = 0; i < p->runs.len; i++) {
    const FgRun *r = p->runs.items[i];
    if (!r->xdist)
      continue;
    if (!r->dist || strcmp(r->dist, "loadgroup") != 0)
      return NULL;
    if (!first)
      first = r;
  }
  if (!first)
    return NULL;
  char *where = fg_run_where(first);
  char *why = fg_xasprintf("every parallel CI run uses `--dist loadgroup` (%s)", where);
  free(where);
  return why;
}

/* SPEC §3: markers the project already uses for the same purpose count as
 * the marker, each for a reason shown in notes. */
static void fg_detect_conventions(FgProject *p) {
  if (strcmp(p->marker, "serial") != 0) {
    char *why = fg_serial_why(p);
    if (why)
      fg_convention_add(p, "serial", why, false);
  }
  if (strcmp(p->marker, "xdist_group") != 0) {
    char *why = fg_xdist_group_why(p);
    if (why)
      fg_convention_add(p, "xdist_group", why, true);
  }
}

static const char *fg_test_marked_by(const FgProject *p, const FgTest *t) {
  for (size_t k = 0; k < t->markers.len; k++)
    if (strcmp(t->markers.items[k], p->marker) == 0)
      return p->marker;
  for (size_t c = 0; c < p->conventions.len; c++)
    for (size_t k = 0; k < t->markers.len; k++)
      if (strcmp(t->markers.items[k], p->conventions.items[c].name) == 0)
        return p->conventions.items[c].name;
  return NULL;
}

/* ---- collection ------------------------------------------------------------- */

/* The test's markers: its own, every enclosing class's and their in-repo
 * bases' (pytest reads class marks along the MRO), the module's. */
static void fg_test_markers(const FgProject *p, FgTest *t, const FgPyFunc *f) {
  FgModule *m = t->mod;
  fg_add_markers(t, f->markers, f->nmarkers);
  for (int c = t->cls; c >= 0; c = m->py->classes[c].parent) {
    FgClassRefVec mro = {0};
    fg_class_mro(p, m, c, &mro);
    for (size_t b = 0; b < mro.len; b++) {
      const FgPyClass *k = &mro.items[b].mod->py->classes[mro.items[b].cls];
      fg_add_markers(t, k->markers, k->nmarkers);
    }
    fg_vec_free(&mro);
  }
  fg_add_markers(t, m->py->module_markers, m->py->nmodule_markers);
}

static char *fg_test_nodeid(const FgModule *m, int cls, const char *name) {
  FgBuf id = {0};
  fg_buf_puts(&id, m->src->path);
  /* classes outermost first */
  int chain[64];
  int depth = 0;
  for (int c = cls; c >= 0 && depth < 64; c = m->py->classes[c].parent)
    chain[depth++] = c;
  for (int i = depth - 1; i >= 0; i--)
    fg_buf_printf(&id, "::%s", m->py->classes[chain[i]].name);
  fg_buf_printf(&id, "::%s", name);
  return fg_buf_take(&id);
}

/* Pools of a test inherited into class cls: the base method's own chain, or
 * what the subclass runs around it (its setup methods, usefixtures,
 * autouse fixtures), whichever is shorter. */
static void fg_inherited_pools(const FgProject *p, FgTest *t, int d) {
  const FgPyFunc *f = fg_def_func(p, d);
  int best = p->defs.items[d].dist;
  int via = -1;
  FgEdgeVec ctx = {0};
  fg_edges_test_context(p, t->mod, t->cls, d, f->name_span, &ctx);
  for (size_t i = 0; i < ctx.len; i++) {
    int td = p->defs.items[ctx.items[i].to].dist;
    if (td >= 0 && (best < 0 || td + 1 < best)) {
      best = td + 1;
      via = ctx.items[i].to;
    }
  }
  fg_vec_free(&ctx);
  t->uses_pools = best >= 0;
  if (via < 0) {
    if (t->uses_pools)
      fg_project_chain(p, d, &t->chain);
    return;
  }
  const FgDef *vd = &p->defs.items[via];
  const FgPyFunc *vf = fg_def_func(p, via);
  FgLink link = {vd->mod->src, vf->name_span.start, vf->name_span.end,
                 fg_def_label(p, via)};
  fg_vec_push(&t->chain.links, link);
  fg_project_chain(p, via, &t->chain);
}

static void fg_push_test(FgProject *p, FgModule *m, int fi, int cls, bool inherited) {
  const FgPyFunc *f = &m->py->funcs[fi];
  FgTest t = {0};
  t.mod = m;
  t.func = fi;
  t.cls = cls;
  t.inherited = inherited;
  t.name = fg_xstrdup(f->name);
  t.nodeid = fg_test_nodeid(m, cls, f->name);
  fg_test_markers(p, &t, f);
  t.marked_by = fg_test_marked_by(p, &t);
  t.marked = t.marked_by != NULL;
  int d = fg_def_of(p, m, fi);
  if (inherited) {
    fg_inherited_pools(p, &t, d);
  } else {
    t.uses_pools = p->defs.items[d].dist >= 0;
    if (t.uses_pools)
      fg_project_chain(p, d, &t.chain);
  }
  fg_vec_push(&p->tests, t);
}

/* pytest collects a test class's inherited test methods under the
 * subclass (tests/test_x.py::TestChild::test_inherited). Modelled for bases
 * in the same module: the test is the base's function, so findings and
 * fixes land on the one definition every subclass shares. */
static void fg_collect_inherited(FgProject *p, FgModule *m, int cls) {
  FgClassRefVec mro = {0};
  fg_class_mro(p, m, cls, &mro);
  FG_VEC(const char *) seen = {0};
  bool unittest = fg_class_is_unittest(m, cls, 0);
  for (size_t b = 0; b < mro.len; b++) {
    FgModule *bm = mro.items[b].mod;
    for (size_t fi = 0; fi < bm->py->nfuncs; fi++) {
      const FgPyFunc *f = &bm->py->funcs[fi];
      if (f->cls != mro.items[b].cls || f->nested)
        continue;
      bool dup = false;
      for (size_t k = 0; k < seen.len && !dup; k++)
        dup = strcmp(seen.items[k], f->name) == 0;
      if (dup)
        continue;
      fg_vec_push(&seen, f->name); /* an override hides the bases' method */
      if (b == 0 || bm != m || f->is_fixture)
        continue;
      bool is_test = unittest ? fg_str_startswith(f->name, "test")
                              : fg_name_matches(p->python_functions.items,
                                                p->python_functions.len, f->name);
      if (is_test)
        fg_push_test(p, m, (int)fi, cls, true);
    }
  }
  fg_vec_free(&seen);
  fg_vec_free(&mro);
}

static void fg_collect_tests(FgProject *p) {
  fg_detect_conventions(p);
  for (size_t mi = 0; mi < p->modules.len; mi++) {
    FgModule *m = p->modules.items[mi];
    /* a module with a syntax error reports FG001 only: what error recovery
     * made of its tests is not trustworthy enough to report on */
    if (!m->py || !m->is_test_file || m->py->has_error)
      continue;
    for (size_t fi = 0; fi < m->py->nfuncs; fi++) {
      const FgPyFunc *f = &m->py->funcs[fi];
      if (fg_func_is_test(p, m, f))
        fg_push_test(p, m, (int)fi, f->cls, false);
    }
    for (size_t c = 0; c < m->py->nclasses; c++)
      if (fg_class_collected(p, m, (int)c))
        fg_collect_inherited(p, m, (int)c);
  }
}

/* ---- start method ------------------------------------------------------------ */

static bool fg_module_sets_safe(const FgModule *m) {
  if (!m || !m->py)
    return false;
  for (size_t i = 0; i < m->py->nmodule_calls; i++)
    if (m->py->module_calls[i].pool == FG_POOL_SAFE_METHOD)
      return true;
  for (size_t f = 0; f < m->py->nfuncs; f++)
    for (size_t i = 0; i < m->py->funcs[f].ncalls; i++)
      if (m->py->funcs[f].calls[i].pool == FG_POOL_SAFE_METHOD)
        return true;
  return false;
}

const FgModule *fg_project_safe_start_method(const FgProject *p) {
  for (size_t i = 0; i < p->modules.len; i++) {
    const FgModule *m = p->modules.items[i];
    if (!m->is_conftest || !m->py)
      continue;
    if (fg_module_sets_safe(m))
      return m;
    /* one level of imports: `from tests._mp import use_spawn` */
    for (size_t k = 0; k < m->py->nimports; k++) {
      char *target = fg_import_target(m, &m->py->imports[k]);
      const FgModule *t = fg_project_module(p, target);
      free(target);
      if (fg_module_sets_safe(t))
        return m;
    }
  }
  return NULL;
}

/* ---- CI runs ----------------------------------------------------------------- */

static bool fg_path_under(const char *path, const char *dir) {
  if (!*dir)
    return true;
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool fg_run_collects(const FgProject *p, const FgRun *run, const FgTest *t) {
  const char *path = t->mod->src->path;
  bool under = false;
  for (size_t i = 0; i < run->paths.len && !under; i++) {
    const char *rp = run->paths.items[i];
    if (strcmp(rp, path) == 0)
      under = true; /* a file named explicitly is collected whatever its name */
    else if (fg_path_under(path, rp))
      under = fg_glob_any(p->python_files.items, p->python_files.len, fg_basename(path));
  }
  if (!under)
    return false;
  for (size_t i = 0; i < run->ignores.len; i++)
    if (fg_path_under(path, run->ignores.items[i]))
      return false;
  for (size_t i = 0; i < run->ignore_globs.len; i++)
    if (fnmatch(run->ignore_globs.items[i], path, 0) == 0)
      return false;
  for (size_t i = 0; i < run->deselects.len; i++)
    if (fg_str_startswith(t->nodeid, run->deselects.items[i]))
      return false;
  return true;
}

bool fg_run_selects(const FgProject *p, const FgRun *run, const FgTest *t) {
  if (!fg_run_collects(p, run, t))
    return false;
  if (run->m && !fg_markexpr_match_marks(run->m, (const char *const *)t->markers.items,
                                         t->markers.len))
    return false;
  if (run->k) {
    FG_VEC(const char *) names = {0};
    fg_vec_push(&names, t->name);
    for (int c = t->cls; c >= 0; c = t->mod->py->classes[c].parent)
      fg_vec_push(&names, t->mod->py->classes[c].name);
    fg_vec_push(&names, fg_basename(t->mod->src->path));
    for (size_t i = 0; i < t->markers.len; i++)
      fg_vec_push(&names, t->markers.items[i]);
    bool ok = fg_markexpr_match_keywords(run->k, names.items, names.len);
    fg_vec_free(&names);
    if (!ok)
      return false;
  }
  return true;
}

static void fg_collect_runs(FgProject *p) {
  const FgPytestCfg *pc = p->pytest_cfg;
  const char *enabler = NULL;
  if (pc->has_enabler_dep && pc->has_xdist_dep)
    enabler = pc->enabler_dep_file ? pc->enabler_dep_file : "the project metadata";
  FgRunContext ctx = {(const char *const *)p->addopts.items,
                      p->addopts.len,
                      p->pytest_cfg_path,
                      (const char *const *)p->testpaths.items,
                      p->testpaths.len,
                      enabler,
                      NULL,
                      NULL};
  for (size_t w = 0; w < p->workflows.len; w++) {
    FgWorkflow *wf = p->workflows.items[w];
    for (size_t j = 0; j < wf->jobs.len; j++) {
      FgJob *job = &wf->jobs.items[j];
      for (size_t s = 0; s < job->steps.len; s++) {
        FgStep *st = &job->steps.items[s];
        if (!st->script)
          continue;
        const char *shell = st->shell ? st->shell : job->default_shell;
        if (shell &&
            !(fg_str_startswith(shell, "bash") || fg_str_startswith(shell, "sh")))
          continue; /* pwsh, python, cmd: not a POSIX shell script */
        const char *wd = st->working_directory            ? st->working_directory
                         : job->default_working_directory ? job->default_working_directory
                         : wf->default_working_directory  ? wf->default_working_directory
                                                          : "";
        char *cwd = fg_path_join("", wd);
        FgShellScript *sh = fg_shell_parse(st->script->text, st->script->len);
        FgLaunchEnv env = {
            p->root, ((FgProjectPriv *)p)->overlay, &p->launch_files, wf, job, st, &ctx};
        for (size_t c = 0; c < sh->ncmds; c++) {
          const FgShellCommand *cmd = &sh->cmds[c];
          FgRun *run = fg_run_new(wf, job, st, cmd, cwd, &ctx);
          if (run)
            fg_vec_push(&p->runs, run);
          else if (!fg_launch_expand(&env, cmd, cwd, &p->runs))
            fg_launch_cd(&cwd, cmd);
        }
        fg_shell_delete(sh);
        free(cwd);
      }
    }
  }
}

/* A `-m` expression that names one marker: "X" or "not X" (outer spaces and
 * one pair of parentheses allowed); *negated tells which. */
static char *fg_single_marker(const char *expr, bool *negated) {
  const char *s = expr;
  while (*s == ' ' || *s == '(')
    s++;
  *negated = false;
  if (strncmp(s, "not ", 4) == 0) {
    *negated = true;
    s += 4;
    while (*s == ' ')
      s++;
  }
  const char *b = s;
  while (*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
         (*s >= '0' && *s <= '9'))
    s++;
  const char *e = s;
  while (*s == ' ' || *s == ')')
    s++;
  if (*s || e == b || strncmp(b, "not", 3) == 0 || strncmp(b, "and", 3) == 0 ||
      strncmp(b, "or", 2) == 0)
    return NULL;
  return fg_xstrndup(b, (size_t)(e - b));
}

/* SPEC §3: without an explicit `marker` in config, a convention CI already
 * follows is adopted: a marker X that CI splits on (`-m "not X"` in one run
 * and `-m X` in another). A parallel run's lone `-m "not slow"` is not a
 * split: adopting it would mark pool tests `slow`, which no run selects,
 * and the fix would write `(not slow) and not slow`. */
static void fg_detect_marker(FgProject *p) {
  if (p->config->marker_explicit)
    return;
  const FgRun *pick = NULL;
  char *name = NULL;
  int best = 0;
  for (size_t i = 0; i < p->runs.len && best < 2; i++) {
    const FgRun *r = p->runs.items[i];
    bool neg = false;
    char *x = r->mexpr ? fg_single_marker(r->mexpr, &neg) : NULL;
    if (!x || !neg || strcmp(x, p->marker) == 0) {
      free(x);
      continue;
    }
    int score = 0;
    for (size_t k = 0; k < p->runs.len; k++) {
      const FgRun *o = p->runs.items[k];
      bool oneg = false;
      char *y = o->mexpr ? fg_single_marker(o->mexpr, &oneg) : NULL;
      if (y && !oneg && strcmp(x, y) == 0)
        score = 2;
      free(y);
    }
    if (score > best) {
      best = score;
      pick = r;
      free(name);
      name = x;
    } else {
      free(x);
    }
  }
  if (!pick) {
    free(name);
    return;
  }
  char *where = fg_run_where(pick);
  p->marker_why =
      fg_xasprintf("`%s`, the convention CI already uses (`-m \"%s\"`%s in %s)", name,
                   pick->mexpr, best == 2 ? " and a serial `-m` run" : "", where);
  free(where);
  p->marker_detected = name;
  p->marker = name;
}

/* ---- loading ---------------------------------------------------------------- */

static void fg_module_names(FgProject *p, FgModule *m) {
  FgProjectPriv *pp = (FgProjectPriv *)p;
  const char *path = m->src->path;
  m->modname = fg_path_to_modname(path);
  bool is_pkg = fg_str_endswith(path, "__init__.py");
  m->package = fg_xstrdup(m->modname);
  if (!is_pkg) {
    char *dot = strrchr(m->package, '.');
    if (dot)
      *dot = '\0';
    else
      m->package[0] = '\0';
  }
  fg_names_add(&pp->names, fg_xstrdup(m->modname), m);
  if (fg_str_startswith(path, "src/"))
    fg_names_add(&pp->names, fg_path_to_modname(path + 4), m);
  /* the name pytest's prepend import mode gives it */
  char *base = fg_pytest_basedir(p, m->dir);
  if (*base) {
    char *rel = fg_path_to_modname(path + strlen(base) + 1);
    fg_names_add(&pp->names, rel, m);
  }
  free(base);
}

/* What a file must say to reach a pool-using def of another module, so that
 * the prefilter parses it (it ends up parsed when reach_wants says so).
 * - A call resolves into module M through the file's own import or dotted
 *   text, which names M's last component ("util" for pkg.util; the package
 *   for pkg/__init__.py), except a package __init__ reached by a relative
 *   `from . import f`. So the file needs the def's name paired with M's last
 *   component (any last component for an __init__). The name is: a
 *   module-level function's own name, a method's top-level class (`C(...)`
 *   enters `C.__init__`, `C.m(...)` names C; `self.m()` stays in its
 *   module). Nested defs and methods of nested classes are never called
 *   from elsewhere.
 * - A conftest fixture is requested by its fixture name from files below
 *   the conftest's folder; an autouse one reaches every test file there. */
#define FG_REACH_INIT 2u

typedef FG_VEC(const char *) FgNameVec;

typedef struct FgReach {
  FgWordSet names;       /* 1, | FG_REACH_INIT when an __init__ defines it */
  FgWordSet lasts;       /* last components of the modules defining names */
  FgHashSet pair_hashes; /* fg_pair_hash(name, last) */
  FgWordSet pairs;       /* "name last", to confirm a pair exactly */
  FgStrVec owned;        /* the pairs' strings */
  FgWordSet fixtures;
  FgNameVec fixture_dirs;
  FgNameVec autouse_dirs;
} FgReach;

static void fg_reach_free(FgReach *r) {
  fg_word_set_free(&r->names);
  fg_word_set_free(&r->lasts);
  fg_hash_set_free(&r->pair_hashes);
  fg_word_set_free(&r->pairs);
  fg_strvec_free(&r->owned);
  fg_word_set_free(&r->fixtures);
  fg_vec_free(&r->fixture_dirs);
  fg_vec_free(&r->autouse_dirs);
}

static void fg_reach_name(FgReach *r, const FgModule *m, const char *name) {
  bool init = fg_str_endswith(m->src->path, "__init__.py");
  fg_word_set_add(&r->names, name, init ? 1u | FG_REACH_INIT : 1u);
  const char *dot = strrchr(m->modname, '.');
  const char *last = dot ? dot + 1 : m->modname;
  if (!*last)
    return;
  char *pair = fg_xasprintf("%s %s", name, last);
  if (fg_word_set_get(&r->pairs, pair)) {
    free(pair);
    return;
  }
  fg_vec_push(&r->owned, pair);
  fg_word_set_add(&r->pairs, pair, 1);
  fg_word_set_add(&r->lasts, last, 1);
  fg_hash_set_add(&r->pair_hashes, fg_pair_hash(fg_word_hash(name, strlen(name)),
                                                fg_word_hash(last, strlen(last))));
}

static void fg_reach_build(const FgProject *p, FgReach *r) {
  for (size_t d = 0; d < p->defs.len; d++) {
    const FgDef *def = &p->defs.items[d];
    if (def->dist < 0)
      continue;
    const FgModule *m = def->mod;
    const FgPyFunc *f = fg_def_func(p, (int)d);
    if (f->nested)
      continue;
    if (f->cls >= 0) {
      const FgPyClass *k = &m->py->classes[f->cls];
      if (k->parent < 0 && !k->in_function)
        fg_reach_name(r, m, k->name);
      continue;
    }
    fg_reach_name(r, m, f->name);
    if (f->is_fixture && m->is_conftest) {
      fg_word_set_add(&r->fixtures, f->fixture_name, 1);
      fg_vec_push(&r->fixture_dirs, m->dir);
      if (f->autouse)
        fg_vec_push(&r->autouse_dirs, m->dir);
    }
  }
}

static void fg_rebuild_defs(FgProject *p) {
  for (size_t d = 0; d < p->defs.len; d++)
    free(p->defs.items[d].via_label);
  p->defs.len = 0;
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    m->first_def = p->defs.len;
    if (!m->py)
      continue;
    for (size_t f = 0; f < m->py->nfuncs; f++) {
      FgDef d = {m, (int)f, -1, -1, {0, 0}, NULL};
      fg_vec_push(&p->defs, d);
    }
  }
  fg_propagate(p);
}

static bool fg_under_any(const char *path, const FgNameVec *dirs) {
  for (size_t i = 0; i < dirs->len; i++)
    if (fg_path_under(path, dirs->items[i]))
      return true;
  return false;
}

/* A file over the size limit is skipped with a warning; one that cannot be
 * read is an I/O error (exit 2) after everything else is reported. */
static void fg_project_read_error(FgProject *p, const char *rel, char *err) {
  bool too_large = fg_str_startswith(err, "file too large");
  if (!too_large)
    p->io_errors++;
  fg_vec_push(&p->warnings,
              fg_xasprintf("%s: %s: %s", too_large ? "warning" : "error", rel, err));
  free(err);
}

/* A file's bytes: the overlay's when it has them, else the disk's. */
static char *fg_project_read(const FgProject *p, const char *rel, size_t max, size_t *len,
                             char **err) {
  const FgOverlayFile *o = fg_overlay_find(((const FgProjectPriv *)p)->overlay, rel);
  if (o) {
    *len = o->len;
    *err = NULL;
    return fg_xstrndup(o->data, o->len);
  }
  char *abs = fg_xasprintf("%s/%s", p->root, rel);
  char *data = fg_read_file(abs, max, len, err);
  free(abs);
  return data;
}

/* Files an overlay creates join the discovered ones, in order. */
static void fg_add_overlay_paths(FgStrVec *list, const FgOverlay *ov, bool python) {
  if (!ov)
    return;
  bool added = false;
  for (size_t i = 0; i < ov->files.len; i++) {
    const char *path = ov->files.items[i].path;
    bool wanted = python ? fg_str_endswith(path, ".py")
                         : fg_str_startswith(path, ".github/workflows/");
    if (!wanted)
      continue;
    bool present = false;
    for (size_t k = 0; k < list->len && !present; k++)
      present = strcmp(list->items[k], path) == 0;
    if (!present) {
      fg_vec_push(list, fg_xstrdup(path));
      added = true;
    }
  }
  if (added && list->len > 1)
    qsort(list->items, list->len, sizeof(char *), fg_str_cmp_ptr);
}

/* Do the name and last-component hits hold a pair of the reach? */
static bool fg_reach_pairs(const FgReach *r, const FgSlotVec *names,
                           const FgSlotVec *lasts, bool exact) {
  bool found = false;
  FgBuf b = {0};
  for (size_t i = 0; i < names->len && !found; i++) {
    if (names->items[i]->mask & FG_REACH_INIT)
      found = true;
    for (size_t k = 0; k < lasts->len && !found; k++) {
      const FgWordSlot *n = names->items[i], *l = lasts->items[k];
      if (!fg_hash_set_has(&r->pair_hashes, fg_pair_hash(n->hash, l->hash)))
        continue;
      if (!exact) {
        found = true;
        continue;
      }
      b.len = 0;
      fg_buf_printf(&b, "%s %s", n->word, l->word);
      found = fg_word_set_get(&r->pairs, b.data) != 0;
    }
  }
  fg_buf_free(&b);
  return found;
}

/* Does the module say what reaches a pool-using def? With text NULL, from
 * the hashes of its words (a candidate); else from its text (exact). */
static bool fg_reach_wants(const FgReach *r, const FgModule *m, const FgWords *w,
                           const char *text, size_t len) {
  if (m->is_test_file && fg_under_any(m->src->path, &r->autouse_dirs))
    return true;
  FgSlotVec names = {0}, lasts = {0};
  if (text)
    fg_word_set_hits_text(&r->names, text, len, &names);
  else
    fg_word_set_hits_hashes(&r->names, w, &names);
  if (names.len) {
    if (text)
      fg_word_set_hits_text(&r->lasts, text, len, &lasts);
    else
      fg_word_set_hits_hashes(&r->lasts, w, &lasts);
  }
  bool found = fg_reach_pairs(r, &names, &lasts, text != NULL);
  fg_vec_free(&names);
  fg_vec_free(&lasts);
  if (found)
    return true;
  if (!fg_under_any(m->src->path, &r->fixture_dirs))
    return false;
  return text ? fg_word_set_match_text(&r->fixtures, text, len) != 0
              : fg_word_set_match_hashes(&r->fixtures, w) != 0;
}

/* Reads a module the prefilter passed over and keeps its bytes when it
 * really says what reaches a pool (it is parsed with the round's batch).
 * *failed is set when the file can no longer be read (reported once). */
static bool fg_read_later(FgProject *p, FgModule *m, const FgReach *reach, bool *failed) {
  size_t len = 0;
  char *err = NULL;
  char *data = fg_project_read(p, m->src->path, FG_MAX_PY_BYTES, &len, &err);
  if (!data) {
    fg_project_read_error(p, m->src->path, err);
    *failed = true;
    return false;
  }
  bool need = fg_reach_wants(reach, m, NULL, data, len);
  if (need) {
    FgSource *src = fg_source_new(m->src->path, data, len);
    fg_source_delete(m->src);
    m->src = src;
  }
  free(data);
  return need;
}

/* Reads every module; keeps the bytes of those the seeds pass and only the
 * words of the others (SPEC §12: memory stays flat on large trees). */
typedef FG_VEC(FgWords) FgWordsVec;

/* One discovered file after the first pass: its module (NULL when it could
 * not be read, with err set) and, when it was not parsed, its words. */
typedef struct FgReadSlot {
  FgModule *m;
  char *err;
  FgWords words;
  bool parsed;
} FgReadSlot;

typedef struct FgReadJob {
  const FgProject *p;
  const FgDiscovery *disc;
  const FgWordSet *seeds;
  FgPyOptions opts;
  FgReadSlot *slots;
} FgReadJob;

/* Reads file i, scans its words and parses it when the seeds pass; touches
 * only its own slot and module, so it runs on any thread. */
static void fg_read_one(void *ctx, size_t i) {
  FgReadJob *job = ctx;
  const FgProject *p = job->p;
  FgReadSlot *slot = &job->slots[i];
  const char *rel = job->disc->python.items[i];
  size_t len = 0;
  char *data = fg_project_read(p, rel, FG_MAX_PY_BYTES, &len, &slot->err);
  if (!data)
    return;
  FgModule *m = fg_xcalloc(1, sizeof *m);
  const char *slash = strrchr(rel, '/');
  m->dir = slash ? fg_xstrndup(rel, (size_t)(slash - rel)) : fg_xstrdup("");
  const char *base = fg_basename(rel);
  m->is_conftest = strcmp(base, "conftest.py") == 0;
  m->is_test_file =
      !m->is_conftest && fg_glob_any(p->python_files.items, p->python_files.len, base);
  FgWordScanner *scan = fg_word_scanner_new();
  FgWords w = {0};
  fg_words_scan(scan, data, len, &w);
  fg_word_scanner_delete(scan);
  uint32_t hit = fg_word_set_match_hashes(job->seeds, &w);
  if (hit && fg_seed_wanted(m, hit))
    hit = fg_word_set_match_text(job->seeds, data, len);
  if (m->is_conftest || (hit && fg_seed_wanted(m, hit))) {
    fg_words_free(&w);
    m->src = fg_source_new(rel, data, len);
    fg_parse_module(m, &job->opts);
    slot->parsed = true;
  } else {
    m->src = fg_source_new(rel, "", 0); /* the bytes are read again if needed */
  }
  free(data);
  slot->m = m;
  slot->words = w;
}

static void fg_read_python(FgProject *p, const FgDiscovery *disc, FgWordsVec *words) {
  FgWordSet seeds = {0};
  FgStrVec seed_owned = {0};
  fg_seed_words(p, &seeds, &seed_owned);
  size_t n = disc->python.len;
  FgReadJob job = {p,
                   disc,
                   &seeds,
                   {(const char *const *)p->config->extra_pool_constructors.items,
                    p->config->extra_pool_constructors.len},
                   fg_xcalloc(n ? n : 1, sizeof(FgReadSlot))};
  fg_parallel_for(n, p->jobs, fg_read_one, &job);
  /* in discovery order, whatever the scheduling was */
  for (size_t i = 0; i < n; i++) {
    FgReadSlot *slot = &job.slots[i];
    if (!slot->m) {
      fg_project_read_error(p, disc->python.items[i], slot->err);
      continue;
    }
    p->files_read++;
    p->files_parsed += slot->parsed;
    fg_vec_push(&p->modules, slot->m);
    fg_vec_push(words, slot->words);
  }
  free(job.slots);
  fg_word_set_free(&seeds);
  fg_strvec_free(&seed_owned);
}

static void fg_load_python(FgProject *p, const FgDiscovery *disc) {
  FgProjectPriv *pp = (FgProjectPriv *)p;
  pp->paths = disc->python.items;
  pp->npaths = disc->python.len;
  FgWordsVec words = {0}; /* per module: its words while unparsed */
  fg_read_python(p, disc, &words);
  FG_VEC(bool) skip = {0}; /* per module: could not be read a second time */
  for (size_t i = 0; i < p->modules.len; i++)
    fg_vec_push(&skip, false);
  for (size_t i = 0; i < p->modules.len; i++)
    fg_module_names(p, p->modules.items[i]);
  if (pp->names.names.len > 1)
    qsort(pp->names.names.items, pp->names.names.len, sizeof(FgName), fg_name_cmp);

  /* then whatever can reach a pool-using def, to a fixpoint (each round
   * parses at least one more file, so it ends) */
  for (;;) {
    fg_rebuild_defs(p);
    FgReach reach = {0};
    fg_reach_build(p, &reach);
    FgModuleVec batch = {0};
    for (size_t i = 0; i < p->modules.len; i++) {
      FgModule *m = p->modules.items[i];
      if (m->py || skip.items[i])
        continue;
      bool wanted = false;
      if (fg_reach_wants(&reach, m, &words.items[i], NULL, 0))
        wanted = fg_read_later(p, m, &reach, &skip.items[i]);
      if (wanted || skip.items[i])
        fg_words_free(&words.items[i]);
      if (wanted)
        fg_vec_push(&batch, m);
    }
    fg_reach_free(&reach);
    bool added = batch.len > 0;
    fg_parse_modules(p, &batch);
    fg_vec_free(&batch);
    if (!added)
      break;
  }
  for (size_t i = 0; i < words.len; i++)
    fg_words_free(&words.items[i]);
  fg_vec_free(&words);
  fg_vec_free(&skip);
  /* the propagation is final: prefixes of the def table are stable */
  fg_collect_tests(p);
}

/* Which pool-using tests each run selects: several rules ask, once each. */
static void fg_select_pool_tests(FgProject *p) {
  for (size_t r = 0; r < p->runs.len; r++) {
    FgRun *run = p->runs.items[r];
    for (size_t i = 0; i < p->tests.len; i++) {
      const FgTest *t = &p->tests.items[i];
      if (t->uses_pools && fg_run_selects(p, run, t))
        fg_vec_push(&run->pool_tests, t);
    }
  }
}

static void fg_collect_cells(FgProject *p) {
  for (size_t w = 0; w < p->workflows.len; w++) {
    const FgWorkflow *wf = p->workflows.items[w];
    for (size_t j = 0; j < wf->jobs.len; j++) {
      struct FgJobCells jc;
      memset(&jc, 0, sizeof jc);
      jc.job = &wf->jobs.items[j];
      fg_cells_of_job(jc.job, p->root, &jc.cells);
      fg_vec_push(&p->job_cells, jc);
    }
  }
}

const FgCells *fg_project_cells(const FgProject *self, const FgJob *job) {
  for (size_t i = 0; i < self->job_cells.len; i++)
    if (self->job_cells.items[i].job == job)
      return &self->job_cells.items[i].cells;
  return NULL;
}

static void fg_load_workflows(FgProject *p, const FgDiscovery *disc) {
  for (size_t i = 0; i < disc->workflows.len; i++) {
    const char *rel = disc->workflows.items[i];
    size_t len = 0;
    char *err = NULL;
    char *data = fg_project_read(p, rel, FG_MAX_YAML_BYTES, &len, &err);
    if (!data) {
      fg_project_read_error(p, rel, err);
      continue;
    }
    p->files_read++;
    FgWorkflow *wf = fg_workflow_load(fg_source_new(rel, data, len));
    free(data);
    fg_vec_push(&p->workflows, wf);
  }
}

static void fg_load_pytest_settings(FgProject *p);

FgProject *fg_project_load(const char *const *paths, size_t npaths,
                           const FgConfigOverrides *ov, char **err) {
  return fg_project_load_overlay(paths, npaths, ov, NULL, err);
}

FgProject *fg_project_load_overlay(const char *const *paths, size_t npaths,
                                   const FgConfigOverrides *ov, const FgOverlay *overlay,
                                   char **err) {
  *err = NULL;
  const char *first = npaths ? paths[0] : ".";
  char *root = fg_discover_root(first);
  if (!root) {
    *err = fg_xasprintf("%s: no such file or directory", first);
    return NULL;
  }
  FgConfig *cfg = fg_config_load(root, ov, err);
  if (!cfg) {
    free(root);
    return NULL;
  }
  FgDiscovery *disc =
      fg_discover(first, (const char *const *)cfg->exclude.items, cfg->exclude.len, err);
  if (!disc) {
    fg_config_delete(cfg);
    free(root);
    return NULL;
  }
  fg_add_overlay_paths(&disc->python, overlay, true);
  fg_add_overlay_paths(&disc->workflows, overlay, false);
  FgProjectPriv *pp = fg_xcalloc(1, sizeof *pp);
  pp->overlay = overlay;
  FgProject *p = &pp->pub;
  p->root = root;
  p->config = cfg;
  p->marker = cfg->marker;
  p->jobs = ov && ov->jobs > 0 ? ov->jobs : fg_parallel_default_jobs();
  for (size_t i = 0; i < npaths; i++) {
    char real[4096];
    if (!realpath(paths[i], real)) {
      *err = fg_xasprintf("%s: no such file or directory", paths[i]);
      fg_discovery_delete(disc);
      fg_project_delete(p);
      return NULL;
    }
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) == 0 && (real[rl] == '/' || real[rl] == '\0'))
      fg_vec_push(&p->only, fg_xstrdup(real[rl] ? real + rl + 1 : ""));
  }
  for (size_t i = 0; i < disc->warnings.len; i++)
    fg_vec_push(&p->warnings, fg_xasprintf("warning: %s", disc->warnings.items[i]));
  fg_load_pytest_settings(p);
  /* CI first: a marker convention found there decides what is marked */
  fg_load_workflows(p, disc);
  fg_collect_runs(p);
  fg_collect_cells(p);
  fg_detect_marker(p);
  fg_load_python(p, disc);
  fg_select_pool_tests(p);
  /* the discovery's python paths are borrowed by the name table until here */
  pp->paths = NULL;
  pp->npaths = 0;
  fg_discovery_delete(disc);
  return p;
}

static void fg_strvec_clear(char **items, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(items[i]);
  free(items);
}

const FgSource *fg_project_placeholder(const FgProject *self, const char *path) {
  /* the one lazily filled cache of an otherwise read-only model */
  FgProject *p = (FgProject *)self;
  for (size_t i = 0; i < p->placeholders.len; i++)
    if (strcmp(p->placeholders.items[i]->path, path) == 0)
      return p->placeholders.items[i];
  FgSource *src = fg_source_new(path, "", 0);
  src->is_new = true;
  fg_vec_push(&p->placeholders, src);
  return src;
}

void fg_project_delete(FgProject *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->job_cells.len; i++)
    fg_cells_free(&p->job_cells.items[i].cells);
  fg_vec_free(&p->job_cells);
  for (size_t i = 0; i < p->placeholders.len; i++)
    fg_source_delete(p->placeholders.items[i]);
  fg_vec_free(&p->placeholders);
  FgProjectPriv *pp = (FgProjectPriv *)p;
  for (size_t i = 0; i < p->tests.len; i++) {
    FgTest *t = &p->tests.items[i];
    free(t->nodeid);
    free(t->name);
    fg_strvec_clear(t->markers.items, t->markers.len);
    fg_chain_free(&t->chain);
  }
  fg_vec_free(&p->tests);
  for (size_t d = 0; d < p->defs.len; d++)
    free(p->defs.items[d].via_label);
  fg_vec_free(&p->defs);
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    fg_pyfile_delete(m->py);
    fg_index_delete(m->index);
    fg_source_delete(m->src);
    free(m->modname);
    free(m->package);
    free(m->dir);
    free(m);
  }
  fg_vec_free(&p->modules);
  for (size_t i = 0; i < p->runs.len; i++)
    fg_run_delete(p->runs.items[i]);
  fg_vec_free(&p->runs);
  for (size_t i = 0; i < p->workflows.len; i++)
    fg_workflow_delete(p->workflows.items[i]);
  fg_vec_free(&p->workflows);
  fg_strvec_clear(pp->names.owned.items, pp->names.owned.len);
  fg_vec_free(&pp->names.names);
  fg_strvec_clear(p->warnings.items, p->warnings.len);
  fg_strvec_clear(p->only.items, p->only.len);
  fg_strvec_clear(p->python_files.items, p->python_files.len);
  fg_strvec_clear(p->python_classes.items, p->python_classes.len);
  fg_strvec_clear(p->python_functions.items, p->python_functions.len);
  fg_strvec_clear(p->testpaths.items, p->testpaths.len);
  fg_strvec_clear(p->addopts.items, p->addopts.len);
  fg_strvec_clear(p->registered_markers.items, p->registered_markers.len);
  free(p->pytest_cfg_path);
  free(p->marker_detected);
  free(p->marker_why);
  for (size_t i = 0; i < p->conventions.len; i++) {
    free(p->conventions.items[i].name);
    free(p->conventions.items[i].why);
  }
  fg_vec_free(&p->conventions);
  fg_pytest_cfg_delete(p->pytest_cfg);
  fg_source_delete(p->pytest_cfg_src);
  for (size_t i = 0; i < p->launch_files.len; i++)
    fg_source_delete(p->launch_files.items[i]);
  fg_vec_free(&p->launch_files);
  fg_config_delete(p->config);
  free(p->root);
  free(pp);
}

/* ---- linting ---------------------------------------------------------------- */

static bool fg_wanted(const FgProject *p, const FgDiag *d) {
  const char *path = d->src ? d->src->path : "";
  if (!fg_config_enabled(p->config, d->rule->code, path))
    return false;
  if (!p->only.len)
    return true;
  for (size_t i = 0; i < p->only.len; i++)
    if (fg_path_under(path, p->only.items[i]))
      return true;
  return false;
}

void fg_project_lint(const FgProject *p, FgDiagList *out) {
  FgDiagList all = {0};
  for (size_t r = 0; r < fg_nrules; r++) {
    const FgRule *rule = fg_rules[r];
    if (!fg_config_enabled(p->config, rule->code, NULL))
      continue;
    if (rule->on_module)
      for (size_t i = 0; i < p->modules.len; i++)
        if (p->modules.items[i]->py)
          rule->on_module(p, p->modules.items[i], &all);
    if (rule->on_test)
      for (size_t i = 0; i < p->tests.len; i++)
        rule->on_test(p, &p->tests.items[i], &all);
    if (rule->on_workflow)
      for (size_t i = 0; i < p->workflows.len; i++)
        rule->on_workflow(p, p->workflows.items[i], &all);
    if (rule->on_run)
      for (size_t i = 0; i < p->runs.len; i++)
        rule->on_run(p, p->runs.items[i], &all);
    if (rule->on_project)
      rule->on_project(p, &all);
  }
  for (size_t i = 0; i < all.items.len; i++) {
    FgDiag *d = all.items.items[i];
    if (fg_wanted(p, d) && !fg_suppressed(d))
      fg_diag_list_push(out, d);
    else
      fg_diag_delete(d);
  }
  fg_vec_free(&all.items);
  fg_diag_list_sort(out);
}

/* ---- pytest's settings -------------------------------------------------------- */

static void fg_cfg_list(FgStrVec *out, const FgPytestCfgList *l, const char *defaults) {
  if (l->present) {
    for (size_t i = 0; i < l->len; i++)
      fg_vec_push(out, fg_xstrdup(l->items[i].text));
  }
  if (!out->len && defaults)
    fg_strvec_split(out, defaults, " ");
}

static void fg_load_pytest_settings(FgProject *p) {
  FgPytestCfg *c = fg_pytest_cfg_load_overlay(p->root, ((FgProjectPriv *)p)->overlay);
  p->pytest_cfg = c;
  if (c->path)
    p->pytest_cfg_path = fg_xstrdup(c->path);
  if (c->path && c->kind != FG_PYTEST_CFG_PYPROJECT_EMPTY) {
    /* kept for FG001's position and for fixes that edit its markers */
    size_t len = 0;
    char *why = NULL;
    char *data = fg_project_read(p, c->path, 1u << 20, &len, &why);
    if (data)
      p->pytest_cfg_src = fg_source_new(c->path, data, len);
    else if (c->has_error)
      fg_vec_push(&p->warnings, fg_xasprintf("warning: %s", c->error));
    free(data);
    free(why);
  } else if (c->has_error) {
    fg_vec_push(&p->warnings, fg_xasprintf("warning: %s", c->error));
  }
  fg_cfg_list(&p->python_files, &c->python_files, "test_*.py *_test.py");
  fg_cfg_list(&p->python_classes, &c->python_classes, "Test");
  fg_cfg_list(&p->python_functions, &c->python_functions, "test");
  fg_cfg_list(&p->testpaths, &c->testpaths, NULL);
  fg_cfg_list(&p->addopts, &c->addopts, NULL);
  fg_cfg_list(&p->registered_markers, &c->markers, NULL);
}
