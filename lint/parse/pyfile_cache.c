/* parse/pyfile_cache: a module summary written as bytes and read back, for
 * core/cache. The bytes are the module struct and its packed block
 * (parse/pyfile_pack.c) as they are in memory (this build's layout: the
 * format key names it), every pointer as an offset in the block; reading
 * turns each offset back into a pointer, refusing one that does not fit the
 * block, and checks every index and span against the summary and the
 * source, so a payload that does not fit is refused, never half-used. */
#include "parse/pyfile_cache.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/words.h"
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

/* Adding a field to a summary struct changes what is cached: give a pointer
 * its place in parse/pyfile_pack.c, an index or span its check below, and
 * bump FG_PYCACHE_FORMAT. The sizes are part of the
 * format key, so an old cache is never read with a new layout. */
#define FG_PYCACHE_FORMAT 8
#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(FgPyModule) == 248, "FgPyModule changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyImport) == 40, "FgPyImport changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyMarker) == 40, "FgPyMarker changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyExpr) == 40, "FgPyExpr changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyCond) == 20, "FgPyCond changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyAssign) == 24, "FgPyAssign changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyPatch) == 16, "FgPyPatch changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyCall) == 88, "FgPyCall changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyClass) == 112, "FgPyClass changed: update pyfile_cache.c");
_Static_assert(sizeof(FgPyFunc) == 272, "FgPyFunc changed: update pyfile_cache.c");
#endif

uint64_t fg_pyfile_cache_key(const FgPyOptions *opts, const char *build) {
  static const size_t sizes[] = {
      sizeof(FgPyModule), sizeof(FgPyImport), sizeof(FgPyMarker), sizeof(FgPyExpr),
      sizeof(FgPyCond),   sizeof(FgPyAssign), sizeof(FgPyPatch),  sizeof(FgPyCall),
      sizeof(FgPyClass),  sizeof(FgPyFunc)};
  uint64_t k = fg_word_hash(build, strlen(build));
  k = fg_pair_hash(k, FG_PYCACHE_FORMAT);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    k = fg_pair_hash(k, sizes[i]);
  const TSLanguage *lang = tree_sitter_python();
  k = fg_pair_hash(k, ts_language_version(lang));
  k = fg_pair_hash(k, ts_language_symbol_count(lang));
  k = fg_pair_hash(k, ts_language_field_count(lang));
  for (size_t i = 0; opts && i < opts->nextra_pool_constructors; i++) {
    const char *s = opts->extra_pool_constructors[i];
    k = fg_pair_hash(k, fg_word_hash(s, strlen(s)));
  }
  return k;
}

/* ---- writing and reading ------------------------------------------------------ */

/* The bytes: the module struct, then its block (pack_len bytes), every
 * pointer in both as its offset in the block + 1 (fg_pyfile_pack_to_offsets).
 * Reading takes the block as it is and turns the offsets back into pointers,
 * so a summary is read in one piece, its equal strings still kept once. */
void fg_pyfile_cache_write(const FgPyModule *m, FgBuf *out) {
  FgPyModule hdr;
  char *block = fg_xmalloc(m->pack_len ? m->pack_len : 1);
  fg_pyfile_pack_to_offsets(m, &hdr, block);
  fg_buf_append(out, (const char *)&hdr, sizeof hdr);
  fg_buf_append(out, block, m->pack_len);
  free(block);
}

/* ---- checking what was read ----------------------------------------------------------
 */

typedef struct Chk {
  const FgPyModule *m;
  size_t len; /* of the source */
  bool ok;
} Chk;

static void idx(Chk *c, long long i, size_t n) {
  if (i < -1 || (i >= 0 && (size_t)i >= n))
    c->ok = false;
}

static void span(Chk *c, FgSpan s) {
  if (s.start > s.end || s.end > c->len)
    c->ok = false;
}

static void need(Chk *c, const void *p) {
  if (!p)
    c->ok = false;
}

/* A bool read from bytes is 0 or 1, or reading it is undefined: look at its
 * byte, never at it. */
static void flag(Chk *c, const bool *b) {
  unsigned char byte;
  memcpy(&byte, b, 1);
  if (byte > 1)
    c->ok = false;
}

static void chk_markers(Chk *c, const FgPyMarker *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    need(c, v[i].name);
    span(c, v[i].span);
    idx(c, v[i].cond, c->m->nexprs);
    for (size_t k = 0; k < v[i].nargs; k++)
      need(c, v[i].args[k]);
  }
}

static void chk_assigns(Chk *c, const FgPyAssign *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    need(c, v[i].name);
    span(c, v[i].span);
    idx(c, v[i].expr, c->m->nexprs);
    idx(c, v[i].guard, c->m->nconds);
  }
}

static void chk_patches(Chk *c, const FgPyPatch *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    need(c, v[i].target);
    span(c, v[i].span);
  }
}

static void chk_calls(Chk *c, const FgPyCall *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const FgPyCall *k = &v[i];
    flag(c, &k->in_with);
    flag(c, &k->escapes);
    flag(c, &k->star_args);
    need(c, k->callee);
    need(c, k->resolved);
    span(c, k->span);
    span(c, k->callee_span);
    span(c, k->method_arg);
    idx(c, k->guard, c->m->nconds);
    idx(c, k->args, c->m->nexprs);
    idx(c, k->gate_expr, c->m->nexprs);
    if (k->pool > FG_POOL_SAFE_METHOD || k->how > FG_NAME_SELF ||
        k->site > FG_SITE_LIBRARY || k->method > FG_METHOD_OWN ||
        k->gate > FG_GATE_DASK_DEFAULT || k->started > FG_STARTED_ESCAPES)
      c->ok = false;
  }
}

static bool fg_pyfile_cache_check(const FgPyModule *m, size_t len) {
  Chk c = {m, len, true};
  if (m->error_offset > len)
    c.ok = false;
  if (m->import_insert_offset > len)
    c.ok = false;
  span(&c, m->pytestmark_span);
  for (size_t i = 0; i < m->nimports; i++) {
    flag(&c, &m->imports[i].in_function);
    need(&c, m->imports[i].module);
    span(&c, m->imports[i].span);
  }
  for (size_t i = 0; i < m->nclasses; i++) {
    const FgPyClass *k = &m->classes[i];
    flag(&c, &k->in_function);
    flag(&c, &k->has_init);
    need(&c, k->name);
    idx(&c, k->parent, m->nclasses);
    span(&c, k->span);
    span(&c, k->name_span);
    for (size_t b = 0; b < k->nbases; b++)
      need(&c, k->bases[b]);
    chk_markers(&c, k->markers, k->nmarkers);
    chk_assigns(&c, k->attrs, k->nattrs);
    chk_patches(&c, k->patches, k->npatches);
  }
  for (size_t i = 0; i < m->nfuncs; i++) {
    const FgPyFunc *f = &m->funcs[i];
    flag(&c, &f->nested);
    flag(&c, &f->is_async);
    flag(&c, &f->is_fixture);
    flag(&c, &f->autouse);
    flag(&c, &f->has_yield);
    flag(&c, &f->mentions_pool);
    need(&c, f->name);
    need(&c, f->indent);
    idx(&c, f->cls, m->nclasses);
    span(&c, f->span);
    span(&c, f->def_span);
    span(&c, f->name_span);
    if (f->npositional > f->nparams || (f->nparams && !f->param_defaults))
      c.ok = false;
    for (size_t k = 0; k < f->nparams; k++) {
      need(&c, f->params[k]);
      if (f->param_defaults)
        idx(&c, f->param_defaults[k], m->nexprs);
    }
    for (size_t k = 0; k < f->ngetfixturevalue; k++)
      need(&c, f->getfixturevalue[k]);
    if (f->nreturns && !f->return_guards)
      c.ok = false;
    for (size_t k = 0; k < f->nreturns; k++) {
      idx(&c, f->returns[k], m->nexprs);
      if (f->return_guards)
        idx(&c, f->return_guards[k], m->nconds);
    }
    if (f->ndecorators && !f->decorators)
      c.ok = false;
    for (size_t k = 0; k < f->ndecorators; k++)
      idx(&c, f->decorators[k], m->nexprs);
    chk_markers(&c, f->markers, f->nmarkers);
    chk_calls(&c, f->calls, f->ncalls);
    chk_assigns(&c, f->self_assigns, f->nself_assigns);
    chk_assigns(&c, f->locals, f->nlocals);
    chk_patches(&c, f->patches, f->npatches);
    if (f->first_check != SIZE_MAX && f->first_check > len)
      c.ok = false;
  }
  chk_markers(&c, m->module_markers, m->nmodule_markers);
  chk_calls(&c, m->module_calls, m->nmodule_calls);
  for (size_t i = 0; i < m->nregistered_markers; i++)
    need(&c, m->registered_markers[i]);
  for (size_t i = 0; i < m->nexprs; i++) {
    const FgPyExpr *e = &m->exprs[i];
    /* op is a FgCmpOp for CMP, the operator's character for BINOP */
    if (e->kind > FG_EXPR_BINOP || e->how > FG_NAME_SELF ||
        (e->kind == FG_EXPR_CMP && e->op > FG_CMP_NOT_IN))
      c.ok = false;
    idx(&c, e->a, m->nexprs);
    idx(&c, e->b, m->nexprs);
    idx(&c, e->next, m->nexprs);
    if (e->kind == FG_EXPR_IFEXP)
      idx(&c, e->ival, m->nexprs);
    span(&c, e->span);
  }
  for (size_t i = 0; i < m->nconds; i++) {
    const FgPyCond *k = &m->conds[i];
    flag(&c, &k->negated);
    flag(&c, &k->lazy);
    if (k->kind > FG_COND_CONFIG)
      c.ok = false;
    idx(&c, k->expr, m->nexprs);
    idx(&c, k->parent, m->nconds);
    span(&c, k->span);
  }
  chk_assigns(&c, m->globals, m->nglobals);
  for (size_t i = 0; i < m->ntop; i++)
    if (m->top_starts[i] >= len || (i && m->top_starts[i] <= m->top_starts[i - 1]))
      c.ok = false;
  if (m->ntop && m->has_error)
    c.ok = false;
  return c.ok;
}

FgPyModule *fg_pyfile_cache_adopt(char *blob, size_t n, const FgSource *src) {
  if (!blob || n < sizeof(FgPyModule)) {
    free(blob);
    return NULL;
  }
  /* the scalars as written: a bool is looked at as its byte first */
  unsigned char b1, b2;
  memcpy(&b1, blob + offsetof(FgPyModule, has_error), 1);
  memcpy(&b2, blob + offsetof(FgPyModule, imports_pytest), 1);
  FgPyModule *m = fg_xmalloc(sizeof *m);
  memcpy(m, blob, sizeof *m);
  m->src = src;
  m->pack = NULL;
  m->pack_at = (uint32_t)sizeof *m;
  if (b1 > 1 || b2 > 1 || m->pack_len != n - sizeof *m ||
      !fg_pyfile_pack_from_offsets(m, blob + sizeof *m, m->pack_len)) {
    /* its pointers are offsets, some not turned back: nothing of it is freed
     * but the two blocks */
    free(m);
    free(blob);
    return NULL;
  }
  m->pack = blob;
  if (!fg_pyfile_cache_check(m, src->len)) {
    fg_pyfile_delete(m);
    return NULL;
  }
  return m;
}

FgPyModule *fg_pyfile_cache_read(const char *data, size_t n, const FgSource *src) {
  char *copy = fg_xmalloc(n ? n : 1);
  if (n)
    memcpy(copy, data, n);
  return fg_pyfile_cache_adopt(copy, n, src);
}
