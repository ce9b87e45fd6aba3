/* python/collect: the test items pytest collects (python_files,
 * python_classes and python_functions; unittest classes; test methods
 * inherited from a base class, collected under the subclass), their node
 * ids and effective markers (function, classes along the MRO, module), and
 * whether each uses pools, with its chain. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "python/internal.h"

/* python_functions / python_classes: a pattern with glob characters is a
 * glob, otherwise a prefix (pytest's rule). */
bool fg_pymodel_name_matches(char *const *pats, size_t n, const char *name) {
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

/* A unittest class: a TestCase base (imported under any name, resolved by
 * the summary) anywhere along its in-repo MRO, in any module. */
bool fg_py_class_is_unittest(const FgPyModel *p, FgModule *m, int c) {
  if (c < 0)
    return false;
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, m, c, &mro);
  bool found = false;
  for (size_t i = 0; i < mro.len && !found; i++) {
    const FgPyClass *k = &mro.items[i].mod->py->classes[mro.items[i].cls];
    for (size_t b = 0; b < k->nbases && !found; b++) {
      const char *base = k->bases[b];
      found = strcmp(base, "unittest.TestCase") == 0 ||
              strcmp(base, "unittest.IsolatedAsyncioTestCase") == 0 ||
              fg_str_endswith(base, "TestCase");
    }
  }
  fg_vec_free(&mro);
  return found;
}

/* `__test__` along the MRO: the most derived class that sets it decides;
 * `__init__` anywhere along the in-repo MRO keeps a plain class out. */
static bool fg_class_wanted(const FgPyModel *p, FgModule *m, int c, bool unittest) {
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, m, c, &mro);
  int dunder = -1;
  bool init = false;
  for (size_t i = 0; i < mro.len; i++) {
    const FgPyClass *k = &mro.items[i].mod->py->classes[mro.items[i].cls];
    if (dunder < 0)
      dunder = k->dunder_test;
    init = init || k->has_init;
  }
  fg_vec_free(&mro);
  if (dunder == 0)
    return false;
  return unittest || !init;
}

static bool fg_class_collected(const FgPyModel *p, FgModule *m, int c) {
  if (m->py->dunder_test == 0)
    return false;
  for (; c >= 0; c = m->py->classes[c].parent) {
    const FgPyClass *k = &m->py->classes[c];
    if (k->in_function)
      return false;
    bool unittest = fg_py_class_is_unittest(p, m, c);
    if (!fg_class_wanted(p, m, c, unittest))
      return false;
    if (!unittest &&
        !fg_pymodel_name_matches(p->python_classes.items, p->python_classes.len, k->name))
      return false;
  }
  return true;
}

static bool fg_func_is_test(const FgPyModel *p, FgModule *m, const FgPyFunc *f) {
  if (!m->is_test_file || f->nested || f->is_fixture || m->py->dunder_test == 0)
    return false;
  if (f->cls >= 0) {
    if (!fg_class_collected(p, m, f->cls))
      return false;
    if (fg_py_class_is_unittest(p, m, f->cls))
      return fg_str_startswith(f->name, "test");
  }
  return fg_pymodel_name_matches(p->python_functions.items, p->python_functions.len,
                                 f->name);
}

bool fg_py_is_test_def(const FgPyModel *p, int d) {
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

/* The markers a test counts as marked by: the marker in force, then its
 * equivalents (borrowed). */
typedef struct FgMarkerSet {
  const char *marker;
  const char *const *equivalents;
  size_t nequivalents;
} FgMarkerSet;

static const char *fg_test_marked_by(const FgMarkerSet *ms, const FgTest *t) {
  for (size_t k = 0; k < t->markers.len; k++)
    if (strcmp(t->markers.items[k], ms->marker) == 0)
      return ms->marker;
  for (size_t c = 0; c < ms->nequivalents; c++)
    for (size_t k = 0; k < t->markers.len; k++)
      if (strcmp(t->markers.items[k], ms->equivalents[c]) == 0)
        return ms->equivalents[c];
  return NULL;
}

/* The test's markers: its own, every enclosing class's and their in-repo
 * bases' (pytest reads class marks along the MRO), the collected module's. */
static void fg_test_markers(const FgPyModel *p, FgTest *t, const FgPyFunc *f) {
  FgModule *m = t->file;
  fg_add_markers(t, f->markers, f->nmarkers);
  for (int c = t->cls; c >= 0; c = m->py->classes[c].parent) {
    FgClassRefVec mro = {0};
    fg_py_class_mro(p, m, c, &mro);
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

static void fg_push_test(FgPyModel *p, const FgMarkerSet *ms, FgModule *file, int cls,
                         FgModule *m, int fi, bool inherited) {
  const FgPyFunc *f = &m->py->funcs[fi];
  FgTest t = {0};
  t.mod = m;
  t.file = file;
  t.func = fi;
  t.cls = cls;
  t.inherited = inherited;
  t.name = fg_xstrdup(f->name);
  t.nodeid = fg_test_nodeid(file, cls, f->name);
  fg_test_markers(p, &t, f);
  t.marked_by = fg_test_marked_by(ms, &t);
  t.marked = t.marked_by != NULL;
  fg_vec_push(&p->tests, t);
}

/* pytest collects a test class's inherited test methods under the
 * subclass (tests/test_x.py::TestChild::test_inherited), from bases in any
 * module: the test is the base's function, so findings and fixes land on
 * the one definition every subclass shares. */
static void fg_collect_inherited(FgPyModel *p, const FgMarkerSet *ms, FgModule *m,
                                 int cls) {
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, m, cls, &mro);
  FG_VEC(const char *) seen = {0};
  bool unittest = fg_py_class_is_unittest(p, m, cls);
  for (size_t b = 0; b < mro.len; b++) {
    FgModule *bm = mro.items[b].mod;
    size_t nf = 0;
    const uint32_t *fs = fg_py_class_funcs(bm, mro.items[b].cls, &nf);
    for (size_t j = 0; j < nf; j++) {
      size_t fi = fs[j];
      const FgPyFunc *f = &bm->py->funcs[fi];
      bool dup = false;
      for (size_t k = 0; k < seen.len && !dup; k++)
        dup = strcmp(seen.items[k], f->name) == 0;
      if (dup)
        continue;
      fg_vec_push(&seen, f->name); /* an override hides the bases' method */
      if (b == 0 || f->is_fixture)
        continue;
      bool is_test = unittest ? fg_str_startswith(f->name, "test")
                              : fg_pymodel_name_matches(p->python_functions.items,
                                                        p->python_functions.len, f->name);
      if (is_test)
        fg_push_test(p, ms, m, cls, bm, (int)fi, true);
    }
  }
  fg_vec_free(&seen);
  fg_vec_free(&mro);
}

/* Where a test runs, from its skip marks: `skip` nowhere, `skipif(c)` where c
 * is false (a condition that cannot be evaluated leaves it running; nor can
 * a string, which pytest evaluates as code in the module: `skipif("not np")`). */
static FgPlatforms fg_marks_run(const FgPyModel *p, FgModule *m, const FgPyMarker *mk,
                                size_t n) {
  FgPlatforms runs = FG_PLATFORMS_ALL;
  for (size_t i = 0; i < n; i++) {
    FgPlatforms when = 0;
    if (strcmp(mk[i].name, "skip") == 0)
      runs = 0;
    else if (strcmp(mk[i].name, "skipif") == 0 && mk[i].cond >= 0 &&
             m->py->exprs[mk[i].cond].kind != FG_EXPR_STR &&
             fg_py_eval_mask(p, m, mk[i].cond, &when))
      runs &= ~when;
  }
  return runs;
}

static FgPlatforms fg_test_runs(const FgPyModel *p, const FgTest *t) {
  const FgPyFunc *f = &t->mod->py->funcs[t->func];
  FgPlatforms runs = fg_marks_run(p, t->mod, f->markers, f->nmarkers);
  for (int c = t->cls; c >= 0; c = t->file->py->classes[c].parent) {
    FgClassRefVec mro = {0};
    fg_py_class_mro(p, t->file, c, &mro);
    for (size_t b = 0; b < mro.len; b++) {
      const FgPyClass *k = &mro.items[b].mod->py->classes[mro.items[b].cls];
      runs &= fg_marks_run(p, mro.items[b].mod, k->markers, k->nmarkers);
    }
    fg_vec_free(&mro);
  }
  runs &=
      fg_marks_run(p, t->file, t->file->py->module_markers, t->file->py->nmodule_markers);
  return runs;
}

/* Whether each test starts processes: one search shared by the tests that
 * patch nothing, one for each set of patches that matter (keyed by the
 * targets), made for its first test and deleted after its last: what a
 * search remembers is kept only while a test may still ask for it. */
typedef struct FgPatchedSearch {
  char *key;
  FgPatchSet *patches; /* heap: the search points at it (its first test's) */
  FgSearch *search;
  size_t last; /* the last test that runs with it */
} FgPatchedSearch;

typedef FG_VEC(FgPatchedSearch) FgPatchedVec;

static bool fg_patched_key_eq(const void *ctx, int index, const void *key) {
  const FgPatchedVec *groups = ctx;
  return strcmp(groups->items[index].key, key) == 0;
}

static uint64_t fg_patched_key_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h ^ (h >> 32);
}

/* Per test, the index of its patched search in groups, or -1: none. */
static int *fg_patched_groups(FgPyModel *p, FgPatchedVec *groups) {
  int *of = fg_xcalloc(p->tests.len ? p->tests.len : 1, sizeof *of);
  FgITable index = {0};
  for (size_t i = 0; i < p->tests.len; i++) {
    FgTest *t = &p->tests.items[i];
    FgPatchSet patches = {0};
    FgClassRef S = {t->cls >= 0 ? t->file : NULL, t->cls};
    fg_py_patches_for_test(p, fg_py_def_of(p, t->mod, t->func), S, t->file, &patches);
    of[i] = -1;
    if (!patches.len)
      continue;
    FgBuf key = {0};
    for (size_t k = 0; k < patches.len; k++)
      fg_buf_printf(&key, "%s\n", patches.items[k].target);
    uint64_t h = fg_patched_key_hash(key.data);
    int g = fg_itable_find(&index, h, fg_patched_key_eq, groups, key.data);
    if (g >= 0) {
      fg_buf_free(&key);
      fg_py_patches_free(&patches);
    } else {
      FgPatchedSearch ps = {fg_buf_take(&key), fg_xmalloc(sizeof(FgPatchSet)), NULL, i};
      *ps.patches = patches;
      fg_vec_push(groups, ps);
      g = (int)groups->len - 1;
      fg_itable_add(&index, h, g);
    }
    of[i] = g;
    groups->items[g].last = i;
  }
  fg_itable_free(&index);
  return of;
}

static void fg_patched_free(FgPatchedSearch *ps) {
  fg_py_search_delete(ps->search);
  ps->search = NULL;
  if (ps->patches)
    fg_py_patches_free(ps->patches);
  free(ps->patches);
  ps->patches = NULL;
}

/* Node evaluations one test may spend over all its parametrizations (then
 * it is searched no further), and what the project's tests may spend
 * together before each further test gets the small budget: bounded work on
 * code whose calls fan out without end (a code generator's tests reach its
 * whole library). The real projects measured need at most 4,786 for a test
 * and 556,383 for all (xarray); a node costs some 30-80 microseconds. */
#define FG_TEST_EVALS 20000
#define FG_PROJECT_EVALS 1000000
#define FG_TEST_EVALS_LATE 2000

static void fg_search_tests(FgPyModel *p) {
  FgPatchSet none = {0};
  size_t spent = 0;
  FgSearch *shared = fg_py_search_new(p, &none);
  FgPatchedVec groups = {0};
  int *of = fg_patched_groups(p, &groups);
  for (size_t i = 0; i < p->tests.len; i++) {
    FgTest *t = &p->tests.items[i];
    size_t budget = spent < FG_PROJECT_EVALS ? FG_TEST_EVALS : FG_TEST_EVALS_LATE;
    if (of[i] < 0) {
      spent += fg_py_search_test(shared, t, budget);
    } else {
      FgPatchedSearch *ps = &groups.items[of[i]];
      if (!ps->search) {
        ps->search = fg_py_search_new(p, ps->patches);
        fg_py_search_share(ps->search, shared);
      }
      spent += fg_py_search_test(ps->search, t, budget);
      if (ps->last == i)
        fg_patched_free(ps);
    }
    /* skipped where its skip marks hold */
    t->platforms &= fg_test_runs(p, t);
    if (!t->platforms) {
      t->uses_pools = t->possible = false;
      t->methods = 0;
    }
  }
  p->search_evals = spent;
  for (size_t k = 0; k < groups.len; k++) {
    fg_patched_free(&groups.items[k]);
    free(groups.items[k].key);
  }
  fg_vec_free(&groups);
  free(of);
  fg_py_search_delete(shared);
}

void fg_pymodel_collect_tests(FgPyModel *p, const char *marker,
                              const char *const *equivalents, size_t nequivalents) {
  FgMarkerSet ms = {marker, equivalents, nequivalents};
  for (size_t mi = 0; mi < p->modules.len; mi++) {
    FgModule *m = p->modules.items[mi];
    /* a module with a syntax error reports FG001 only: what error recovery
     * made of its tests is not trustworthy enough to report on */
    if (!m->py || !m->is_test_file || m->py->has_error)
      continue;
    for (size_t fi = 0; fi < m->py->nfuncs; fi++) {
      const FgPyFunc *f = &m->py->funcs[fi];
      if (fg_func_is_test(p, m, f))
        fg_push_test(p, &ms, m, f->cls, m, (int)fi, false);
    }
    for (size_t c = 0; c < m->py->nclasses; c++)
      if (fg_class_collected(p, m, (int)c))
        fg_collect_inherited(p, &ms, m, (int)c);
  }
  fg_search_tests(p);
}
