/* python/propagate: which defs may use pools, for the prefilter's later
 * rounds (python/load.c); whether a test really does is python/search.c's.
 * Edges go from a def to what it
 * calls, the fixtures it requests and, for a test, what pytest runs around
 * it; a backwards breadth-first search from the defs holding a pool site
 * gives every def its distance and first edge, so each chain is a shortest
 * one with deterministic ties. */
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "core/source.h"
#include "parse/pysites.h"
#include "python/internal.h"

const FgPyFunc *fg_py_def_func(const FgPyModel *p, int d) {
  const FgDef *def = &p->defs.items[d];
  return &def->mod->py->funcs[def->func];
}

static void fg_edges_fixture(const FgPyModel *p, const FgScope *scope, int from,
                             const char *name, FgSpan span, FgEdgeVec *edges) {
  const FgPyFunc *f = fg_py_def_func(p, from);
  int self_def = f->is_fixture && fg_str_eq(f->fixture_name, name) ? from : -1;
  int to = fg_py_scope_fixture(p, scope, name, self_def);
  if (to >= 0 && to != from) {
    FgEdge e = {from, to, span, true};
    fg_vec_push(edges, e);
  }
}

/* The xunit-style setup and teardown methods pytest runs around a test of
 * class cls (or of the module when cls is -1): the most derived definition
 * of each name along the class's in-repo bases. */
static void fg_edges_xunit(const FgPyModel *p, FgModule *m, int cls, int from,
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
    fg_py_class_mro(p, m, cls, &mro);
  for (int level = 0; level < 2; level++) {
    const char *const *names = level == 0 ? module_level
                               : cls < 0  ? function_level
                                          : class_level;
    for (const char *const *n = names; *n; n++) {
      int to = -1;
      if (level == 0 || cls < 0) {
        to = fg_py_def_of(p, m, fg_py_find_func(m, *n, -1));
      } else {
        for (size_t i = 0; i < mro.len && to < 0; i++)
          to = fg_py_def_of(p, mro.items[i].mod,
                            fg_py_find_func(mro.items[i].mod, *n, mro.items[i].cls));
      }
      if (to >= 0 && to != from && !fg_py_def_func(p, to)->is_fixture) {
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
void fg_py_edges_test_context(const FgPyModel *p, FgModule *m, int cls, int from,
                              FgSpan span, FgEdgeVec *edges) {
  FgScope scope = {0};
  fg_py_scope_build(p, m, cls, &scope);
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
    fg_py_class_mro(p, m, cls, &mro);
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
    size_t nf = 0;
    const uint32_t *fs = fg_py_class_funcs(sm, scope.classes.items[s], &nf);
    for (size_t j = 0; j < nf; j++) {
      const FgPyFunc *fx = &sm->py->funcs[fs[j]];
      if (fx->is_fixture && fx->autouse)
        fg_edges_fixture(p, &scope, from, fx->fixture_name, span, edges);
    }
  }
  fg_py_scope_free(&scope);
  fg_edges_xunit(p, m, cls, from, span, edges);
}

int fg_py_class_attr_def(const FgPyModel *p, FgModule *m, int e) {
  if (e < 0)
    return -1;
  const FgPyExpr *x = &m->py->exprs[e];
  if (x->kind == FG_EXPR_CALL && x->how == FG_NAME_GLOBAL &&
      (fg_str_eq(x->text, "staticmethod") || fg_str_eq(x->text, "classmethod")) &&
      x->a >= 0)
    x = &m->py->exprs[x->a];
  if (x->kind != FG_EXPR_NAME || !x->text ||
      (x->how != FG_NAME_GLOBAL && x->how != FG_NAME_IMPORT))
    return -1;
  FgEntity en;
  fg_py_lookup(p, m, x->text, &en);
  return en.kind == FG_ENTITY_DEF && en.rest && !*en.rest ? en.def : -1;
}

int fg_py_class_pool_attr(const FgModule *m, int c) {
  const FgPyClass *k = &m->py->classes[c];
  for (size_t a = 0; a < k->nattrs; a++) {
    int e = k->attrs[a].expr;
    if (e < 0 || (size_t)e >= m->py->nexprs)
      continue;
    const FgPyExpr *x = &m->py->exprs[e];
    if ((x->kind != FG_EXPR_NAME && x->kind != FG_EXPR_CALL) || !x->text)
      continue;
    char *canon = fg_pysites_canonical(x->text);
    bool hit = fg_pysites_is_poolish(canon);
    free(canon);
    if (hit)
      return (int)a;
  }
  return -1;
}

/* The classes with an attribute holding a pool constructor or a context. */
static void fg_pool_attr_classes(const FgPyModel *p, FgClassRefVec *out) {
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    if (!m->py)
      continue;
    for (size_t c = 0; c < m->py->nclasses; c++)
      if (m->py->classes[c].nattrs && fg_py_class_pool_attr(m, (int)c) >= 0) {
        FgClassRef r = {m, (int)c};
        fg_vec_push(out, r);
      }
  }
}

static bool fg_class_in(const FgClassRefVec *v, FgClassRef c) {
  for (size_t i = 0; i < v->len; i++)
    if (v->items[i].mod == c.mod && v->items[i].cls == c.cls)
      return true;
  return false;
}

/* A method may run what the class of its instance holds in an attribute
 * (`runner = staticmethod(run_in_processes)`, read through self, or through
 * the instance a dispatcher is handed), also a method the class inherits:
 * edges from every method along the class's in-repo MRO to each in-repo
 * def its attributes hold. */
static void fg_edges_class_attrs(const FgPyModel *p, FgEdgeVec *out) {
  FgClassRefVec mro = {0};
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    if (!m->py)
      continue;
    for (size_t c = 0; c < m->py->nclasses; c++) {
      const FgPyClass *k = &m->py->classes[c];
      for (size_t a = 0; a < k->nattrs; a++) {
        int to = fg_py_class_attr_def(p, m, k->attrs[a].expr);
        if (to < 0)
          continue;
        mro.len = 0;
        fg_py_class_mro(p, m, (int)c, &mro);
        for (size_t b = 0; b < mro.len; b++) {
          FgModule *bm = mro.items[b].mod;
          size_t nf = 0;
          const uint32_t *fs = fg_py_class_funcs(bm, mro.items[b].cls, &nf);
          for (size_t j = 0; j < nf; j++) {
            int from = fg_py_def_of(p, bm, (int)fs[j]);
            if (from >= 0 && from != to) {
              FgEdge e = {from, to, k->attrs[a].span, false};
              fg_vec_push(out, e);
            }
          }
        }
      }
    }
  }
  fg_vec_free(&mro);
}

static int fg_edge_from_cmp(const void *a, const void *b) {
  const FgEdge *x = a, *y = b;
  if (x->from != y->from)
    return x->from < y->from ? -1 : 1;
  return x->to < y->to ? -1 : (x->to > y->to);
}

typedef FG_VEC(int) FgIntVec;

/* The defs of a class's methods, its own and inherited (along the MRO). */
static void fg_mro_defs(const FgPyModel *p, FgClassRef cls, FgIntVec *out) {
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, cls.mod, cls.cls, &mro);
  for (size_t b = 0; b < mro.len; b++) {
    size_t nf = 0;
    const uint32_t *fs = fg_py_class_funcs(mro.items[b].mod, mro.items[b].cls, &nf);
    for (size_t j = 0; j < nf; j++) {
      int d = fg_py_def_of(p, mro.items[b].mod, (int)fs[j]);
      if (d >= 0)
        fg_vec_push(out, d);
    }
  }
  fg_vec_free(&mro);
}

/* Constructing a class whose attribute holds a pool constructor: what its
 * methods, its own and inherited, do with it later (the instance a factory
 * returns, `get_runner()` -> `MultiProcessRunner(...)`). */
static void fg_edges_made(const FgPyModel *p, int d, FgClassRef made, FgSpan span,
                          FgEdgeVec *edges) {
  FgIntVec defs = {0};
  fg_mro_defs(p, made, &defs);
  for (size_t i = 0; i < defs.len; i++)
    if (defs.items[i] != d) {
      FgEdge e = {d, defs.items[i], span, false};
      fg_vec_push(edges, e);
    }
  fg_vec_free(&defs);
}

static void fg_edges_for_def(const FgPyModel *p, const FgClassRefVec *pool_attr, int d,
                             FgEdgeVec *edges) {
  FgDef *def = &p->defs.items[d];
  FgModule *m = def->mod;
  const FgPyFunc *f = &m->py->funcs[def->func];
  for (size_t i = 0; i < f->ncalls; i++) {
    const FgPyCall *c = &f->calls[i];
    if (c->pool != FG_POOL_NONE)
      continue;
    FgClassRef made = {NULL, -1};
    int to = fg_py_resolve_call_made(p, m, f, c, pool_attr->len ? &made : NULL);
    if (to >= 0 && to != d) {
      FgEdge e = {d, to, c->callee_span, false};
      fg_vec_push(edges, e);
    }
    if (made.mod && fg_class_in(pool_attr, made))
      fg_edges_made(p, d, made, c->callee_span, edges);
  }
  FgScope scope = {0};
  fg_py_scope_build(p, m, f->cls, &scope);
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
  if (fg_py_is_test_def(p, d))
    fg_py_edges_test_context(p, m, f->cls, d, f->name_span, edges);
  fg_py_scope_free(&scope);
}

char *fg_py_def_label(const FgPyModel *p, int d) {
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

/* Defs whose edges one task builds, and what it builds: their edges in
 * def order, those of the block's k-th def edges[first[k] .. first[k + 1]). */
#define FG_EDGE_BLOCK 256

typedef struct FgEdgeBlock {
  FgEdgeVec edges;
  size_t first[FG_EDGE_BLOCK + 1];
} FgEdgeBlock;

typedef struct FgEdgeJob {
  const FgPyModel *p;
  const FgClassRefVec *pool_attr;
  FgEdgeBlock *blocks;
  size_t ndefs;
} FgEdgeJob;

static void fg_edges_block(void *ctx, size_t i) {
  FgEdgeJob *job = ctx;
  FgEdgeBlock *b = &job->blocks[i];
  size_t from = i * FG_EDGE_BLOCK;
  size_t to = from + FG_EDGE_BLOCK < job->ndefs ? from + FG_EDGE_BLOCK : job->ndefs;
  for (size_t d = from; d < to; d++) {
    b->first[d - from] = b->edges.len;
    fg_edges_for_def(job->p, job->pool_attr, (int)d, &b->edges);
  }
  b->first[to - from] = b->edges.len;
}

/* Multi-source BFS backwards from the defs that hold a pool site: every
 * def gets its distance to the nearest site and the first edge (in source
 * order) that reaches it, so chains are shortest and deterministic. */
static void fg_propagate(FgPyModel *p) {
  size_t n = p->defs.len;
  for (size_t d = 0; d < n; d++) {
    FgDef *def = &p->defs.items[d];
    def->dist = -1;
    def->next = -1;
    free(def->via_label);
    def->via_label = NULL;
    const FgPyFunc *f = fg_py_def_func(p, (int)d);
    for (size_t i = 0; i < f->ncalls; i++) {
      if (f->calls[i].pool == FG_POOL_SITE || f->calls[i].pool == FG_POOL_OS_FORK) {
        def->dist = 0;
        def->via = f->calls[i].span;
        def->via_label = fg_xstrdup(f->calls[i].callee);
        break;
      }
    }
    /* this table only decides what to parse (python/load.c): a def that
     * names a context, a pool class or a Process (a value the search may
     * follow) counts as one that may reach a pool */
    if (def->dist < 0 && f->mentions_pool) {
      def->dist = 0;
      def->via = f->name_span;
      def->via_label = fg_xstrdup(f->name);
    }
  }
  /* the methods along the MRO of a class holding a pool constructor may call
   * it (`cls.POOL_TYPE(...)` in a base's classmethod) */
  FgClassRefVec pool_attr = {0};
  fg_pool_attr_classes(p, &pool_attr);
  FgIntVec defs = {0};
  for (size_t i = 0; i < pool_attr.len; i++) {
    FgModule *m = pool_attr.items[i].mod;
    const FgPyAssign *attr =
        &m->py->classes[pool_attr.items[i].cls]
             .attrs[fg_py_class_pool_attr(m, pool_attr.items[i].cls)];
    defs.len = 0;
    fg_mro_defs(p, pool_attr.items[i], &defs);
    for (size_t k = 0; k < defs.len; k++) {
      FgDef *def = &p->defs.items[defs.items[k]];
      if (def->dist < 0) {
        def->dist = 0;
        def->via = attr->span;
        def->via_label = fg_xstrdup(attr->name);
      }
    }
  }
  fg_vec_free(&defs);
  FgEdgeVec edges = {0};
  FgEdgeVec attr_edges = {0};
  fg_edges_class_attrs(p, &attr_edges);
  if (attr_edges.len > 1)
    qsort(attr_edges.items, attr_edges.len, sizeof(FgEdge), fg_edge_from_cmp);
  /* each def's edges, in blocks of defs on the threads, then in def order */
  for (size_t i = 0; i < p->modules.len; i++)
    if (p->modules.items[i]->py)
      fg_py_conftests_fill(p, p->modules.items[i]);
  size_t nblocks = (n + FG_EDGE_BLOCK - 1) / FG_EDGE_BLOCK;
  FgEdgeBlock *blocks = fg_xcalloc(nblocks ? nblocks : 1, sizeof *blocks);
  FgEdgeJob job = {p, &pool_attr, blocks, n};
  fg_parallel_for(nblocks, p->jobs, fg_edges_block, &job);
  size_t ai = 0;
  FG_VEC(size_t) first = {0}; /* per def: index into edges (from-sorted) */
  for (size_t d = 0; d < n; d++) {
    fg_vec_push(&first, edges.len);
    const FgEdgeBlock *b = &blocks[d / FG_EDGE_BLOCK];
    size_t k = d % FG_EDGE_BLOCK;
    for (size_t e = b->first[k]; e < b->first[k + 1]; e++)
      fg_vec_push(&edges, b->edges.items[e]);
    for (; ai < attr_edges.len && attr_edges.items[ai].from == (int)d; ai++)
      fg_vec_push(&edges, attr_edges.items[ai]);
  }
  for (size_t i = 0; i < nblocks; i++)
    fg_vec_free(&blocks[i].edges);
  free(blocks);
  fg_vec_free(&attr_edges);
  fg_vec_free(&pool_attr);
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
        def->via_label = fg_py_def_label(p, e->to);
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

void fg_py_rebuild_defs(FgPyModel *p) {
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

void fg_pymodel_chain(const FgPyModel *self, int d, FgChain *out) {
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
    fg_buf_printf(&b, " \xE2\x86\x92 %s (%s:%zu)", l->label, fg_source_shown(l->src),
                  pos.line);
  }
  return fg_buf_take(&b);
}
