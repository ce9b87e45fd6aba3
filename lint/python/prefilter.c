/* python/prefilter: which files the test model parses (SPEC §12), from
 * their words (core/words): the seeds that make a file matter on its own,
 * what the model keeps of a file it did not parse, and the reach that
 * pulls such a file in once it names something that uses pools. */
#include <stdlib.h>
#include <string.h>

#include "python/internal.h"

/* ---- seeds ----------------------------------------------------------------------
 *
 * A file is parsed in the first pass when its words show it can matter:
 * - a pool site, `fork` start method or `spawn` set is a call that resolves
 *   (through the file's own imports and aliases) to a name of
 *   parse/pysites.c's table or to a configured constructor: the file imports
 *   one of the table's module heads (the word in an import statement: in a
 *   comment or a sentence, "concurrent" and "distributed" are English), or
 *   names the constructor's first component; a file importing
 *   multiprocessing or concurrent also names one of the table's names under
 *   them (`Pool`, `Process`, ...) or a start-method call (most of those
 *   files want cpu_count, a thread pool or a queue);
 * - `os.fork()` / `pty.fork()` need the word `fork`;
 * - the marker in force, for marked tests and its registration, and
 *   `addinivalue_line` (a registration of a marker convention);
 * - with FG002, the words of suppression comments;
 * - conftest.py files always (fixtures, autouse, pytest_configure). */
enum {
  FG_SEED_SITE = 1,
  FG_SEED_FORK = 2,
  FG_SEED_MARKER = 4,
  FG_SEED_EXTRA = 8,
  FG_SEED_NARROW = 16, /* a head most importers use for something else
                          (cpu_count, ThreadPoolExecutor, queues): with a PART */
  FG_SEED_PART = 32,   /* a name under a NARROW head that starts processes,
                          picks or reads a start method */
};

void fg_py_seeds_build(const FgPyModel *p, const char *marker, FgSeeds *s) {
  /* the heads of every name in parse/pysites.c's table */
  static const char *const modules[] = {
      "multiprocessing", "concurrent", "joblib", "loky",   "multiprocess",
      "billiard",        "torch",      "dask",   "pebble", "mpire",
      "distributed",     "forkpty",    "pty",    NULL};
  for (const char *const *m = modules; *m; m++)
    fg_word_set_add(&s->set, *m, FG_SEED_SITE);
  fg_word_set_add(&s->set, "multiprocessing", FG_SEED_NARROW);
  fg_word_set_add(&s->set, "concurrent", FG_SEED_NARROW);
  /* the last components of the table's multiprocessing and concurrent names
   * (a module spelling such as `pool.Pool` or `context.Process` names them
   * too), and the start-method calls */
  static const char *const parts[] = {"Pool",
                                      "Process",
                                      "ForkProcess",
                                      "SpawnProcess",
                                      "ForkServerProcess",
                                      "Manager",
                                      "SyncManager",
                                      "BaseManager",
                                      "SharedMemoryManager",
                                      "ProcessPoolExecutor",
                                      "get_context",
                                      "set_start_method",
                                      "get_start_method",
                                      "get_all_start_methods",
                                      NULL};
  for (const char *const *w = parts; *w; w++)
    fg_word_set_add(&s->set, *w, FG_SEED_PART);
  for (size_t i = 0; i < p->nextra_pool_constructors; i++) {
    const char *name = p->extra_pool_constructors[i];
    char *first = fg_xstrndup(name, strcspn(name, "."));
    fg_vec_push(&s->owned, first);
    fg_word_set_add(&s->set, first, FG_SEED_EXTRA);
  }
  fg_word_set_add(&s->set, "fork", FG_SEED_FORK);
  fg_word_set_add(&s->set, marker, FG_SEED_MARKER);
  fg_word_set_add(&s->set, "addinivalue_line", FG_SEED_MARKER);
  if (p->parse_suppressions) {
    /* a comment that silences nothing is only found where it is read */
    fg_word_set_add(&s->set, "forkguard", FG_SEED_MARKER);
    fg_word_set_add(&s->set, "noqa", FG_SEED_MARKER);
  }
}

void fg_py_seeds_free(FgSeeds *s) {
  fg_word_set_free(&s->set);
  fg_strvec_free(&s->owned);
}

bool fg_py_seeds_want(const FgSeeds *s, const FgModule *m, const FgWords *w,
                      const char *text, size_t len) {
  if (m->is_conftest)
    return true;
  FgHitVec hits = {0};
  if (text)
    fg_word_set_hits_text(&s->set, text, len, &hits);
  else
    fg_word_set_hits_hashes(&s->set, w, &hits);
  bool want = false, narrow = false, part = false;
  for (size_t i = 0; i < hits.len && !want; i++) {
    uint32_t mask = hits.items[i].slot->mask;
    bool imported = (hits.items[i].tags & (1u << FG_WORD_IMPORT)) != 0;
    want = (mask & (FG_SEED_FORK | FG_SEED_MARKER | FG_SEED_EXTRA)) != 0 ||
           ((mask & FG_SEED_SITE) && imported && !(mask & FG_SEED_NARROW));
    narrow = narrow || ((mask & FG_SEED_NARROW) && imported);
    part = part || (mask & FG_SEED_PART);
  }
  fg_vec_free(&hits);
  return want || (narrow && part);
}

/* ---- what is kept of a file that was not parsed ------------------------------------ */

/* A link: the high 31 bits of a word's hash, and in the low bit whether it
 * was seen in an import statement (else it is dotted). */
static uint32_t fg_link_key(uint64_t h) {
  return (uint32_t)(h >> 32) & ~1u;
}

/* The last component of a module path: "pkg/util.py" -> "util", the
 * folder for "pkg/__init__.py" ("" for a root __init__.py). */
static void fg_path_stem(const char *path, const char **s, size_t *n) {
  const char *base = fg_path_base(path);
  size_t len = strlen(base);
  if (strcmp(base, "__init__.py") == 0) {
    size_t dir = (size_t)(base - path);
    if (dir == 0) {
      *s = base;
      *n = 0;
      return;
    }
    const char *end = path + dir - 1; /* the '/' */
    const char *b = end;
    while (b > path && b[-1] != '/')
      b--;
    *s = b;
    *n = (size_t)(end - b);
    return;
  }
  *s = base;
  *n = len > 3 && fg_str_endswith(base, ".py") ? len - 3 : len;
}

void fg_py_stems_build(const FgStrVec *paths, FgHashSet *out) {
  for (size_t i = 0; i < paths->len; i++) {
    const char *s;
    size_t n;
    fg_path_stem(paths->items[i], &s, &n);
    if (n)
      fg_hash_set_add(out, fg_word_hash(s, n));
  }
}

static bool fg_keep_plain(void *ctx, uint64_t entry) {
  (void)ctx;
  return (entry & FG_WORD_TAG_MASK) == FG_WORD_PLAIN;
}

static int fg_u32_cmp(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

void fg_py_file_words_build(FgFileWords *fw, const FgWords *w, const FgHashSet *stems) {
  fg_word_bloom_build(&fw->plain, w, fg_keep_plain, NULL);
  FG_VEC(uint32_t) links = {0};
  for (size_t i = 0; i < w->len; i++) {
    uint64_t e = w->hashes[i];
    uint64_t h = e & ~(uint64_t)FG_WORD_TAG_MASK;
    unsigned tag = (unsigned)(e & FG_WORD_TAG_MASK);
    if (tag == FG_WORD_IMPORT)
      fg_vec_push(&links, fg_link_key(h) | 1u);
    else if (tag == FG_WORD_DOTTED && fg_hash_set_has(stems, h))
      fg_vec_push(&links, fg_link_key(h));
  }
  if (links.len > 1)
    qsort(links.items, links.len, sizeof(uint32_t), fg_u32_cmp);
  fg_vec_shrink(&links);
  fw->links = links.items;
  fw->nlinks = links.len;
}

void fg_py_file_words_free(FgFileWords *fw) {
  fg_word_bloom_free(&fw->plain);
  free(fw->links);
  fw->links = NULL;
  fw->nlinks = 0;
}

size_t fg_py_file_words_bytes(const FgFileWords *fw) {
  return fg_word_bloom_bytes(&fw->plain) + fw->nlinks * sizeof(uint32_t);
}

/* ---- the reach -------------------------------------------------------------------
 *
 * What a file must say to reach a pool-using def of another module M (a
 * module-level function by its own name N, a method by its top-level class:
 * `C(...)` enters `C.__init__`, `C.m(...)` names C; `self.m()` stays in its
 * module; nested defs and methods of nested classes are never called from
 * elsewhere). A call resolves into M (python/resolve.c) when the dotted
 * text of the call, its first part resolved through the file's imports,
 * names M and then N. So the file holds the word N and
 * - an import statement whose target (relative ones from the file's
 *   package) is M, inside M (`from pkg.util import N`), or a package above
 *   one of M's names (`import pkg` for `pkg.util.N()`); a relative
 *   `from . import N` or `from . import *` names the package's __init__;
 * - or, for a call that no import binds, the text `L.N` (L: M's last
 *   component).
 * The hashes kept of an unparsed file (fg_py_reach_candidate) only see
 * words: N with L in an import statement or next to a `.`, or N (or `*`) in
 * an import statement for a def of a package __init__; the text then
 * decides (fg_py_reach_wants_text).
 * - A conftest fixture is requested by its fixture name from files below
 *   the conftest's folder; an autouse one reaches every test file there. */
enum { FG_R_NAME = 1, FG_R_LAST = 4, FG_R_FIXTURE = 8, FG_R_STAR = 16 };

static int fg_reach_pair_cmp(const void *a, const void *b) {
  const FgPfReachPair *x = a, *y = b;
  if (x->last != y->last)
    return x->last < y->last ? -1 : 1;
  return x->name < y->name ? -1 : x->name > y->name;
}

static int fg_reach_target_cmp(const void *a, const void *b) {
  const FgPfReachTarget *x = a, *y = b;
  if (x->hash != y->hash)
    return x->hash < y->hash ? -1 : 1;
  int c = strcmp(x->mod->src->path, y->mod->src->path);
  return c ? c : strcmp(x->name, y->name);
}

void fg_py_reach_free(FgPfReach *r) {
  fg_word_set_free(&r->words);
  fg_strvec_free(&r->owned);
  fg_vec_free(&r->targets);
  fg_strvec_free(&r->mod_names);
  fg_vec_free(&r->by_last);
  fg_vec_free(&r->inits);
  fg_vec_free(&r->fixtures);
  fg_vec_free(&r->autouse_dirs);
}

/* The module's names in r->mod_names, once per module (the defs of a
 * module come one after another). */
static void fg_reach_mod_names(FgPfReach *r, const FgModule *m, FgPfReachTarget *t) {
  for (size_t i = r->targets.len; i-- > 0;) {
    if (r->targets.items[i].mod != m)
      break;
    t->names = r->targets.items[i].names;
    t->nnames = r->targets.items[i].nnames;
    return;
  }
  t->names = r->mod_names.len;
  fg_py_module_names(r->model, m, &r->mod_names);
  t->nnames = r->mod_names.len - t->names;
}

static void fg_reach_name(FgPfReach *r, const FgModule *m, const char *name) {
  bool init = fg_str_endswith(m->src->path, "__init__.py");
  uint64_t nh = fg_word_hash(name, strlen(name));
  fg_word_set_add(&r->words, name, FG_R_NAME);
  if (init)
    fg_vec_push(&r->inits, nh);
  const char *dot = strrchr(m->modname, '.');
  const char *last = dot ? dot + 1 : m->modname;
  FgPfReachTarget t = {nh, name, "", m, 0, 0};
  if (*last) {
    char *l = fg_xstrdup(last);
    fg_vec_push(&r->owned, l);
    t.last = l;
    fg_word_set_add(&r->words, l, FG_R_LAST);
    uint64_t lh = fg_word_hash(last, strlen(last));
    FgPfReachPair rp = {fg_link_key(lh), nh};
    fg_vec_push(&r->by_last, rp);
  }
  fg_reach_mod_names(r, m, &t);
  fg_vec_push(&r->targets, t);
}

/* Does expr e of m name a pool constructor, a context or a process class? */
static bool fg_expr_poolish(const FgModule *m, int e) {
  if (e < 0 || (size_t)e >= m->py->nexprs)
    return false;
  const FgPyExpr *x = &m->py->exprs[e];
  if ((x->kind != FG_EXPR_NAME && x->kind != FG_EXPR_CALL) || !x->text)
    return false;
  char *canon = fg_pysites_canonical(x->text);
  bool hit = fg_pysites_is_poolish(canon);
  free(canon);
  return hit;
}

/* Does a re-exported name stand for a def that reaches a pool? */
static bool fg_reexport_reaches(const FgPyModel *p, FgModule *m, const FgPyImport *im) {
  char *target = fg_py_reexport(m, im->local, strlen(im->local));
  if (!target)
    return false;
  FgEntity en;
  fg_py_lookup(p, m, target, &en);
  bool hit = false;
  if (en.kind == FG_ENTITY_DEF && !*en.rest)
    hit = p->defs.items[en.def].dist >= 0;
  else if (en.kind == FG_ENTITY_CLASS && !*en.rest)
    for (size_t f = 0; f < en.mod->py->nfuncs && !hit; f++)
      hit = en.mod->py->funcs[f].cls == en.cls &&
            p->defs.items[fg_py_def_of(p, en.mod, (int)f)].dist >= 0;
  free(target);
  return hit;
}

void fg_py_reach_build(const FgPyModel *p, FgPfReach *r) {
  r->model = p;
  /* module globals holding a context or a pool class, Process / manager
   * subclasses, and names a module re-exports from where they reach a pool */
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    if (!m->py)
      continue;
    for (size_t g = 0; g < m->py->nglobals; g++)
      if (fg_expr_poolish(m, m->py->globals[g].expr))
        fg_reach_name(r, m, m->py->globals[g].name);
    for (size_t c = 0; c < m->py->nclasses; c++) {
      const FgPyClass *k = &m->py->classes[c];
      bool hit = false;
      for (size_t b = 0; b < k->nbases && !hit; b++) {
        char *canon = fg_pysites_canonical(k->bases[b]);
        hit = fg_pysites_is_poolish(canon);
        free(canon);
      }
      /* a class whose attribute holds a def that reaches a pool: what its
       * inherited methods run */
      for (size_t a = 0; a < k->nattrs && !hit; a++) {
        int d = fg_py_class_attr_def(p, m, k->attrs[a].expr);
        hit = d >= 0 && p->defs.items[d].dist >= 0;
      }
      /* or a pool constructor its methods call (`cls.POOL_TYPE(...)`) */
      if (!hit && k->nattrs)
        hit = fg_py_class_pool_attr(m, (int)c) >= 0;
      if (hit && k->parent < 0 && !k->in_function)
        fg_reach_name(r, m, k->name);
    }
    for (size_t k = 0; k < m->py->nimports; k++) {
      const FgPyImport *im = &m->py->imports[k];
      if (!im->in_function && im->name && strcmp(im->local, "*") != 0 &&
          fg_reexport_reaches(p, m, im))
        fg_reach_name(r, m, im->local);
    }
  }
  for (size_t d = 0; d < p->defs.len; d++) {
    const FgDef *def = &p->defs.items[d];
    if (def->dist < 0)
      continue;
    const FgModule *m = def->mod;
    const FgPyFunc *f = fg_py_def_func(p, (int)d);
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
      fg_word_set_add(&r->words, f->fixture_name, FG_R_FIXTURE);
      FgPfReachFixture fx = {fg_word_hash(f->fixture_name, strlen(f->fixture_name)),
                             m->dir};
      fg_vec_push(&r->fixtures, fx);
      if (f->autouse)
        fg_vec_push(&r->autouse_dirs, m->dir);
    }
  }
  fg_word_set_add(&r->words, "*", FG_R_STAR);
  r->star = fg_link_key(fg_word_hash("*", 1)) | 1u;
  if (r->by_last.len > 1)
    qsort(r->by_last.items, r->by_last.len, sizeof(FgPfReachPair), fg_reach_pair_cmp);
  if (r->targets.len > 1)
    qsort(r->targets.items, r->targets.len, sizeof(FgPfReachTarget), fg_reach_target_cmp);
}

bool fg_py_reach_any(const FgPfReach *r) {
  return r->targets.len || r->fixtures.len || r->autouse_dirs.len;
}

bool fg_py_reach_autouse(const FgPfReach *r, const FgModule *m) {
  if (!m->is_test_file)
    return false;
  for (size_t i = 0; i < r->autouse_dirs.len; i++)
    if (fg_path_under(m->src->path, r->autouse_dirs.items[i]))
      return true;
  return false;
}

/* The pairs whose last component has link key `key` (the low bit ignored). */
static const FgPfReachPair *fg_reach_lower(const FgPfReach *r, uint32_t key, size_t *n) {
  size_t lo = 0, hi = r->by_last.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->by_last.items[mid].last < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t end = lo;
  while (end < r->by_last.len && r->by_last.items[end].last == key)
    end++;
  *n = end - lo;
  return r->by_last.items + lo;
}

/* The targets whose name has word hash `name` (targets are sorted by it). */
static const FgPfReachTarget *fg_reach_targets(const FgPfReach *r, uint64_t name,
                                               size_t *n) {
  size_t lo = 0, hi = r->targets.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->targets.items[mid].hash < name)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t end = lo;
  while (end < r->targets.len && r->targets.items[end].hash == name)
    end++;
  *n = end - lo;
  return r->targets.items + lo;
}

/* Mixes the reach's targets named `name` (their modules) into *sig. */
static void fg_sig_targets(const FgPfReach *r, uint64_t name, uint64_t *sig) {
  size_t n;
  const FgPfReachTarget *ts = fg_reach_targets(r, name, &n);
  for (size_t k = 0; k < n; k++)
    *sig = fg_pair_hash(*sig, (uint64_t)(uintptr_t)ts[k].mod);
}

bool fg_py_reach_candidate(const FgPfReach *r, const FgModule *m, const FgFileWords *fw,
                           uint64_t *sig) {
  *sig = 0;
  if (fg_py_reach_autouse(r, m))
    return true;
  bool star = false, any = false;
  uint64_t h = 1;
  for (size_t i = 0; i < fw->nlinks; i++) {
    uint32_t link = fw->links[i];
    size_t n;
    const FgPfReachPair *ps = fg_reach_lower(r, link & ~1u, &n);
    for (size_t k = 0; k < n; k++)
      if (fg_word_bloom_has(&fw->plain, ps[k].name)) {
        any = true;
        h = fg_pair_hash(fg_pair_hash(h, ps[k].last), ps[k].name);
        fg_sig_targets(r, ps[k].name, &h);
      }
    if (!(link & 1u))
      continue;
    star = star || link == r->star;
    /* a name of a package __init__ in an import statement */
    for (size_t k = 0; k < r->inits.len; k++)
      if (fg_link_key(r->inits.items[k]) == (link & ~1u)) {
        any = true;
        h = fg_pair_hash(h, r->inits.items[k]);
        fg_sig_targets(r, r->inits.items[k], &h);
      }
  }
  for (size_t k = 0; star && k < r->inits.len; k++)
    if (fg_word_bloom_has(&fw->plain, r->inits.items[k])) {
      any = true;
      h = fg_pair_hash(fg_pair_hash(h, 2), r->inits.items[k]);
      fg_sig_targets(r, r->inits.items[k], &h);
    }
  for (size_t k = 0; k < r->fixtures.len; k++)
    if (fg_path_under(m->src->path, r->fixtures.items[k].dir) &&
        fg_word_bloom_has(&fw->plain, r->fixtures.items[k].name)) {
      any = true;
      h = fg_pair_hash(fg_pair_hash(h, 3), r->fixtures.items[k].name);
      h = fg_pair_hash(h, (uint64_t)(uintptr_t)r->fixtures.items[k].dir);
    }
  *sig = any ? (h ? h : 1) : 0;
  return any;
}

/* ---- import statements, from the text --------------------------------------------- */

static bool fg_idbyte(unsigned char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c >= 0x80;
}

typedef struct FgImpScan {
  const char *t;
  size_t len, at;
  int depth; /* inside `( ... )`: line breaks and comments are white space */
} FgImpScan;

/* Skips spaces, tabs, `\` line continuations, and inside parentheses line
 * breaks and comments. */
static void fg_imp_ws(FgImpScan *s) {
  while (s->at < s->len) {
    char c = s->t[s->at];
    if (c == ' ' || c == '\t' || c == '\f') {
      s->at++;
    } else if (c == '\\' && s->at + 1 < s->len &&
               (s->t[s->at + 1] == '\n' || s->t[s->at + 1] == '\r')) {
      s->at += 2;
    } else if (s->depth > 0 && (c == '\n' || c == '\r')) {
      s->at++;
    } else if (s->depth > 0 && c == '#') {
      while (s->at < s->len && s->t[s->at] != '\n')
        s->at++;
    } else {
      return;
    }
  }
}

/* A word at s->at: its length (0: none). */
static size_t fg_imp_word(const FgImpScan *s) {
  size_t k = s->at;
  while (k < s->len && fg_idbyte((unsigned char)s->t[k]))
    k++;
  return k - s->at;
}

static bool fg_imp_is(const FgImpScan *s, const char *kw) {
  size_t n = strlen(kw);
  return fg_imp_word(s) == n && memcmp(s->t + s->at, kw, n) == 0;
}

/* A dotted name `a.b.c` (white space around the dots allowed), into b. */
static bool fg_imp_dotted(FgImpScan *s, FgBuf *b) {
  b->len = 0;
  for (;;) {
    fg_imp_ws(s);
    size_t n = fg_imp_word(s);
    if (!n)
      return b->len > 0;
    if (b->len)
      fg_buf_putc(b, '.');
    fg_buf_printf(b, "%.*s", (int)n, s->t + s->at);
    s->at += n;
    fg_imp_ws(s);
    if (s->at >= s->len || s->t[s->at] != '.')
      return true;
    s->at++;
  }
}

/* A target: `=X` when only X itself leads somewhere (a star import binds
 * X's own names), else X or a module below it. */
static void fg_imp_push(FgStrVec *out, const FgModule *m, const char *module, int level,
                        const char *name) {
  FgPyImport im = {(char *)module, NULL, NULL, level, false, {0, 0}};
  char *base = fg_py_import_target(m, &im);
  if (!name)
    fg_vec_push(out, fg_xasprintf("=%s", base));
  else if (*base)
    fg_vec_push(out, fg_xasprintf("%s.%s", base, name));
  else
    fg_vec_push(out, fg_xstrdup(name));
  free(base);
}

/* `from [.]*X import a [as b], ...` / `from . import (a, b)` / `... import *` */
static void fg_imp_from(FgImpScan *s, const FgModule *m, FgStrVec *out) {
  FgBuf mod = {0}, name = {0};
  int level = 0;
  for (;;) {
    fg_imp_ws(s);
    if (s->at < s->len && s->t[s->at] == '.') {
      level++;
      s->at++;
      continue;
    }
    break;
  }
  if (!fg_imp_is(s, "import") && !fg_imp_dotted(s, &mod) && !level)
    goto done;
  fg_imp_ws(s);
  if (!fg_imp_is(s, "import"))
    goto done;
  s->at += 6;
  fg_imp_ws(s);
  if (s->at < s->len && s->t[s->at] == '(') {
    s->depth = 1;
    s->at++;
  }
  for (bool first = true;; first = false) {
    fg_imp_ws(s);
    size_t n = fg_imp_word(s);
    if (!n) {
      if (first && s->at < s->len && s->t[s->at] == '*')
        fg_imp_push(out, m, mod.data ? mod.data : "", level, NULL);
      break;
    }
    fg_buf_printf(&name, "%.*s", (int)n, s->t + s->at);
    s->at += n;
    fg_imp_push(out, m, mod.data ? mod.data : "", level, name.data);
    name.len = 0;
    fg_imp_ws(s);
    if (fg_imp_is(s, "as")) {
      s->at += 2;
      fg_imp_ws(s);
      s->at += fg_imp_word(s);
      fg_imp_ws(s);
    }
    if (s->at >= s->len || s->t[s->at] != ',')
      break;
    s->at++;
  }
done:
  s->depth = 0;
  fg_buf_free(&mod);
  fg_buf_free(&name);
}

/* `import a.b [as c], d` */
static void fg_imp_import(FgImpScan *s, const FgModule *m, FgStrVec *out) {
  FgBuf mod = {0};
  while (fg_imp_dotted(s, &mod)) {
    fg_imp_push(out, m, "", 0, mod.data);
    fg_imp_ws(s);
    if (fg_imp_is(s, "as")) {
      s->at += 2;
      fg_imp_ws(s);
      s->at += fg_imp_word(s);
      fg_imp_ws(s);
    }
    if (s->at >= s->len || s->t[s->at] != ',')
      break;
    s->at++;
  }
  fg_buf_free(&mod);
}

/* The absolute targets of every import statement of the text: X for
 * `import X`, X and X.a for `from X import a`. Wherever the words `import`
 * and `from` start one (strings and comments too: more is harmless). */
static void fg_import_targets(const FgModule *m, const char *t, size_t len,
                              FgStrVec *out) {
  FgImpScan s = {t, len, 0, 0};
  while (s.at < len) {
    unsigned char c = (unsigned char)t[s.at];
    if (!fg_idbyte(c)) {
      s.at++;
      continue;
    }
    size_t n = fg_imp_word(&s);
    bool from = n == 4 && memcmp(t + s.at, "from", 4) == 0;
    bool imp = n == 6 && memcmp(t + s.at, "import", 6) == 0;
    s.at += n;
    if (from)
      fg_imp_from(&s, m, out);
    else if (imp)
      fg_imp_import(&s, m, out);
  }
}

static bool fg_dot_ws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\\';
}

/* The text `last . name`, both whole words (white space around the dot). */
static bool fg_text_dotted(const char *t, size_t len, const char *last,
                           const char *name) {
  size_t ln = strlen(last), nn = strlen(name);
  if (!ln)
    return false;
  for (size_t at = 0; at + ln <= len; at++) {
    const char *hit = memchr(t + at, last[0], len - ln + 1 - at);
    if (!hit)
      break;
    at = (size_t)(hit - t);
    if (memcmp(t + at, last, ln) != 0)
      continue;
    if (at > 0 && fg_idbyte((unsigned char)t[at - 1]))
      continue;
    size_t k = at + ln;
    while (k < len && fg_dot_ws(t[k]))
      k++;
    if (k >= len || t[k] != '.')
      continue;
    k++;
    while (k < len && fg_dot_ws(t[k]))
      k++;
    if (len - k >= nn && memcmp(t + k, name, nn) == 0 &&
        (k + nn >= len || !fg_idbyte((unsigned char)t[k + nn])))
      return true;
  }
  return false;
}

typedef FG_VEC(size_t) FgEndVec;

/* Every place where `name`, a whole word, follows a dot: the end of what
 * stands before the dot (white space around it skipped). The text is
 * scanned once for a name, however many defs share it. */
static void fg_dotted_ends(const char *t, size_t len, const char *name, FgEndVec *out) {
  size_t nn = strlen(name);
  for (size_t q = 1; nn && q + nn <= len; q++) {
    const char *at = memchr(t + q, name[0], len - nn + 1 - q);
    if (!at)
      break;
    q = (size_t)(at - t);
    if (memcmp(t + q, name, nn) != 0)
      continue;
    if (q + nn < len && fg_idbyte((unsigned char)t[q + nn]))
      continue;
    size_t d = q;
    while (d > 0 && fg_dot_ws(t[d - 1]))
      d--;
    if (d == 0 || t[d - 1] != '.')
      continue;
    size_t e = d - 1;
    while (e > 0 && fg_dot_ws(t[e - 1]))
      e--;
    fg_vec_push(out, e);
  }
}

/* fg_text_dotted(t, len, last, name) from the ends fg_dotted_ends found
 * for name: `last`, a whole word, ends at one of them. */
static bool fg_last_at_ends(const char *t, const FgEndVec *ends, const char *last) {
  size_t ln = strlen(last);
  for (size_t i = 0; ln && i < ends->len; i++) {
    size_t e = ends->items[i];
    if (e >= ln && memcmp(t + e - ln, last, ln) == 0 &&
        (e == ln || !fg_idbyte((unsigned char)t[e - ln - 1])))
      return true;
  }
  return false;
}

/* The module an import of target leads to by its longest module prefix
 * (the same for every def). */
static const FgModule *fg_target_module(const FgPfReach *r, const char *target) {
  if (target[0] == '=')
    return fg_pymodel_module(r->model, target + 1);
  char *s = fg_xstrdup(target);
  const FgModule *x = NULL;
  for (;;) {
    x = fg_pymodel_module(r->model, s);
    char *dot = x ? NULL : strrchr(s, '.');
    if (!dot)
      break;
    *dot = '\0';
  }
  free(s);
  return x;
}

/* Does an import of `target` lead into module mod: its longest module
 * prefix is mod (`pkg.util`, `pkg.util.N`), or it is a package above one
 * of mod's names (`pkg` for pkg.util)? x is target's module by
 * fg_target_module. */
static bool fg_target_leads(const FgPfReach *r, const char *target, const FgModule *x,
                            const FgPfReachTarget *t) {
  if (target[0] == '=' || x == t->mod)
    return x == t->mod;
  size_t n = strlen(target);
  for (size_t i = 0; i < t->nnames; i++) {
    const char *name = r->mod_names.items[t->names + i];
    if (strncmp(name, target, n) == 0 && name[n] == '.')
      return true;
  }
  return false;
}

bool fg_py_reach_wants_text(const FgPfReach *r, const FgModule *m, const char *text,
                            size_t len) {
  if (fg_py_reach_autouse(r, m))
    return true;
  FgHitVec hits = {0};
  fg_word_set_hits_text(&r->words, text, len, &hits);
  bool found = false;
  FgStrVec targets = {0};
  FG_VEC(const FgModule *) target_mods = {0};
  bool have_targets = false;
  FgEndVec ends = {0};
  for (size_t i = 0; i < hits.len && !found; i++) {
    const FgWordSlot *n = hits.items[i].slot;
    if (n->mask & FG_R_FIXTURE)
      for (size_t k = 0; k < r->fixtures.len && !found; k++)
        found = r->fixtures.items[k].name == n->hash &&
                fg_path_under(m->src->path, r->fixtures.items[k].dir);
    if (found || !(n->mask & FG_R_NAME))
      continue;
    if (!have_targets) {
      fg_import_targets(m, text, len, &targets);
      for (size_t j = 0; j < targets.len; j++)
        fg_vec_push(&target_mods, fg_target_module(r, targets.items[j]));
      have_targets = true;
    }
    bool have_ends = false;
    /* the defs named so */
    size_t nt;
    const FgPfReachTarget *ts = fg_reach_targets(r, n->hash, &nt);
    for (size_t k = 0; k < nt && !found; k++) {
      const FgPfReachTarget *t = &ts[k];
      if (strcmp(t->name, n->word) != 0 || t->mod == m)
        continue;
      for (size_t j = 0; j < targets.len && !found; j++)
        found = fg_target_leads(r, targets.items[j], target_mods.items[j], t);
      size_t ln = strlen(t->last);
      if (found || !ln)
        continue;
      if (fg_dot_ws(t->last[ln - 1])) {
        found = fg_text_dotted(text, len, t->last, t->name);
        continue;
      }
      if (!have_ends) {
        ends.len = 0;
        fg_dotted_ends(text, len, t->name, &ends);
        have_ends = true;
      }
      found = fg_last_at_ends(text, &ends, t->last);
    }
  }
  fg_vec_free(&ends);
  fg_vec_free(&target_mods);
  fg_strvec_free(&targets);
  fg_vec_free(&hits);
  return found;
}
