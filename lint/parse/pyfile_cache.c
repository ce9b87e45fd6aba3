/* parse/pyfile_cache: a module summary written as bytes and read back, for
 * core/cache. The bytes are the structs of parse/pyfile.h as they are in
 * memory (this build's layout: the format key names it), each followed by
 * what its pointers own, in a fixed order; reading replaces every pointer
 * and checks every index and span against the summary and the source, so
 * a payload that does not fit is refused, never half-used. */
#include "parse/pyfile_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/words.h"
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

/* Adding a field to a summary struct changes what is cached: give it a place
 * below (pointers) and bump FG_PYCACHE_FORMAT. The sizes are part of the
 * format key, so an old cache is never read with a new layout. */
#define FG_PYCACHE_FORMAT 7
#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(FgPyModule) == 240, "FgPyModule changed: update pyfile_cache.c");
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

/* ---- writing ------------------------------------------------------------------- */

static void put_u32(FgBuf *b, uint32_t v) {
  unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                        (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
  fg_buf_append(b, (const char *)p, 4);
}

/* A string: its length + 1 (0 for NULL), then its bytes. */
static void put_str(FgBuf *b, const char *s) {
  if (!s) {
    put_u32(b, 0);
    return;
  }
  size_t n = strlen(s);
  put_u32(b, (uint32_t)n + 1);
  fg_buf_append(b, s, n);
}

/* An owned array: present or not, then its n elements as they are. */
static void put_raw(FgBuf *b, const void *p, size_t n, size_t size) {
  put_u32(b, p != NULL);
  if (p && n)
    fg_buf_append(b, (const char *)p, n * size);
}

static void put_strs(FgBuf *b, char *const *v, size_t n) {
  put_u32(b, v != NULL);
  for (size_t i = 0; v && i < n; i++)
    put_str(b, v[i]);
}

static void put_markers(FgBuf *b, const FgPyMarker *v, size_t n) {
  put_raw(b, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++) {
    put_str(b, v[i].name);
    put_strs(b, v[i].args, v[i].nargs);
  }
}

static void put_assigns(FgBuf *b, const FgPyAssign *v, size_t n) {
  put_raw(b, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    put_str(b, v[i].name);
}

static void put_patches(FgBuf *b, const FgPyPatch *v, size_t n) {
  put_raw(b, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    put_str(b, v[i].target);
}

static void put_calls(FgBuf *b, const FgPyCall *v, size_t n) {
  put_raw(b, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++) {
    put_str(b, v[i].callee);
    put_str(b, v[i].resolved);
    put_str(b, v[i].assigned_to);
  }
}

void fg_pyfile_cache_write(const FgPyModule *m, FgBuf *out) {
  fg_buf_append(out, (const char *)m, sizeof *m);
  put_str(out, m->error_message);
  put_raw(out, m->imports, m->nimports, sizeof *m->imports);
  for (size_t i = 0; m->imports && i < m->nimports; i++) {
    put_str(out, m->imports[i].module);
    put_str(out, m->imports[i].name);
    put_str(out, m->imports[i].local);
  }
  put_raw(out, m->classes, m->nclasses, sizeof *m->classes);
  for (size_t i = 0; m->classes && i < m->nclasses; i++) {
    const FgPyClass *c = &m->classes[i];
    put_str(out, c->name);
    put_strs(out, c->bases, c->nbases);
    put_markers(out, c->markers, c->nmarkers);
    put_assigns(out, c->attrs, c->nattrs);
    put_patches(out, c->patches, c->npatches);
  }
  put_raw(out, m->funcs, m->nfuncs, sizeof *m->funcs);
  for (size_t i = 0; m->funcs && i < m->nfuncs; i++) {
    const FgPyFunc *f = &m->funcs[i];
    put_str(out, f->name);
    put_str(out, f->indent);
    put_strs(out, f->params, f->nparams);
    put_raw(out, f->param_defaults, f->nparams, sizeof *f->param_defaults);
    put_markers(out, f->markers, f->nmarkers);
    put_str(out, f->fixture_name);
    put_str(out, f->kwargs);
    put_strs(out, f->getfixturevalue, f->ngetfixturevalue);
    put_calls(out, f->calls, f->ncalls);
    put_raw(out, f->returns, f->nreturns, sizeof *f->returns);
    put_raw(out, f->return_guards, f->nreturns, sizeof *f->return_guards);
    put_raw(out, f->decorators, f->ndecorators, sizeof *f->decorators);
    put_assigns(out, f->self_assigns, f->nself_assigns);
    put_assigns(out, f->locals, f->nlocals);
    put_patches(out, f->patches, f->npatches);
  }
  put_markers(out, m->module_markers, m->nmodule_markers);
  put_calls(out, m->module_calls, m->nmodule_calls);
  put_strs(out, m->registered_markers, m->nregistered_markers);
  put_str(out, m->mark_alias);
  put_raw(out, m->exprs, m->nexprs, sizeof *m->exprs);
  for (size_t i = 0; m->exprs && i < m->nexprs; i++)
    put_str(out, m->exprs[i].text);
  put_raw(out, m->conds, m->nconds, sizeof *m->conds);
  put_assigns(out, m->globals, m->nglobals);
  put_raw(out, m->top_starts, m->ntop, sizeof *m->top_starts);
}

/* ---- reading ------------------------------------------------------------------- */

typedef struct Rd {
  const unsigned char *p;
  size_t left;
  bool bad;
} Rd;

static bool get_bytes(Rd *r, void *out, size_t n) {
  if (r->bad || n > r->left) {
    r->bad = true;
    memset(out, 0, n);
    return false;
  }
  memcpy(out, r->p, n);
  r->p += n;
  r->left -= n;
  return true;
}

static uint32_t get_u32(Rd *r) {
  unsigned char p[4];
  if (!get_bytes(r, p, 4))
    return 0;
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static char *get_str(Rd *r) {
  uint32_t n = get_u32(r);
  if (!n)
    return NULL;
  n--;
  if (r->bad || n > r->left || memchr(r->p, 0, n)) {
    r->bad = true;
    return NULL;
  }
  char *s = fg_xstrndup((const char *)r->p, n);
  r->p += n;
  r->left -= n;
  return s;
}

/* An array of n elements of size bytes, or NULL (absent or bad). */
static void *get_raw(Rd *r, size_t n, size_t size) {
  uint32_t present = get_u32(r);
  if (r->bad || present > 1) {
    r->bad = true;
    return NULL;
  }
  if (!present)
    return NULL;
  if (n > r->left / (size ? size : 1)) {
    r->bad = true;
    return NULL;
  }
  void *v = fg_xcalloc(n ? n : 1, size);
  get_bytes(r, v, n * size);
  return v;
}

/* n strings (n is the count read with the struct; zeroed when absent or bad). */
static char **get_strs(Rd *r, size_t *n) {
  uint32_t present = get_u32(r);
  if (r->bad || present > 1 || (present && *n > r->left / 4)) {
    r->bad = true;
    *n = 0;
    return NULL;
  }
  if (!present) {
    *n = 0;
    return NULL;
  }
  char **v = fg_xcalloc(*n ? *n : 1, sizeof *v);
  for (size_t i = 0; i < *n; i++)
    v[i] = get_str(r);
  return v;
}

static FgPyMarker *get_markers(Rd *r, size_t *n) {
  FgPyMarker *v = get_raw(r, *n, sizeof *v);
  if (!v) {
    *n = 0;
    return NULL;
  }
  for (size_t i = 0; i < *n; i++) {
    v[i].name = NULL;
    v[i].args = NULL;
  }
  for (size_t i = 0; i < *n; i++) {
    v[i].name = get_str(r);
    v[i].args = get_strs(r, &v[i].nargs);
  }
  return v;
}

static FgPyAssign *get_assigns(Rd *r, size_t *n) {
  FgPyAssign *v = get_raw(r, *n, sizeof *v);
  if (!v) {
    *n = 0;
    return NULL;
  }
  for (size_t i = 0; i < *n; i++)
    v[i].name = NULL;
  for (size_t i = 0; i < *n; i++)
    v[i].name = get_str(r);
  return v;
}

static FgPyPatch *get_patches(Rd *r, size_t *n) {
  FgPyPatch *v = get_raw(r, *n, sizeof *v);
  if (!v) {
    *n = 0;
    return NULL;
  }
  for (size_t i = 0; i < *n; i++)
    v[i].target = NULL;
  for (size_t i = 0; i < *n; i++)
    v[i].target = get_str(r);
  return v;
}

static FgPyCall *get_calls(Rd *r, size_t *n) {
  FgPyCall *v = get_raw(r, *n, sizeof *v);
  if (!v) {
    *n = 0;
    return NULL;
  }
  for (size_t i = 0; i < *n; i++)
    v[i].callee = v[i].resolved = v[i].assigned_to = NULL;
  for (size_t i = 0; i < *n; i++) {
    v[i].callee = get_str(r);
    v[i].resolved = get_str(r);
    v[i].assigned_to = get_str(r);
  }
  return v;
}

static int *get_ints(Rd *r, size_t n) {
  return get_raw(r, n, sizeof(int));
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

FgPyModule *fg_pyfile_cache_read(const char *data, size_t n, const FgSource *src) {
  Rd r = {(const unsigned char *)data, n, false};
  FgPyModule *m = fg_xcalloc(1, sizeof *m);
  FgPyModule raw;
  if (!get_bytes(&r, &raw, sizeof raw)) {
    free(m);
    return NULL;
  }
  /* the scalars as written; every pointer is read below */
  unsigned char b1, b2;
  memcpy(&b1, &raw.has_error, 1);
  memcpy(&b2, &raw.imports_pytest, 1);
  if (b1 > 1 || b2 > 1) {
    free(m);
    return NULL;
  }
  m->has_error = raw.has_error;
  m->error_offset = raw.error_offset;
  m->pytestmark_span = raw.pytestmark_span;
  m->import_insert_offset = raw.import_insert_offset;
  m->imports_pytest = raw.imports_pytest;
  m->dunder_test = raw.dunder_test;
  m->src = src;
  m->error_message = get_str(&r);
  m->nimports = raw.nimports;
  m->imports = get_raw(&r, m->nimports, sizeof *m->imports);
  if (!m->imports)
    m->nimports = 0;
  for (size_t i = 0; i < m->nimports; i++)
    m->imports[i].module = m->imports[i].name = m->imports[i].local = NULL;
  for (size_t i = 0; i < m->nimports; i++) {
    m->imports[i].module = get_str(&r);
    m->imports[i].name = get_str(&r);
    m->imports[i].local = get_str(&r);
  }
  m->nclasses = raw.nclasses;
  m->classes = get_raw(&r, m->nclasses, sizeof *m->classes);
  if (!m->classes)
    m->nclasses = 0;
  for (size_t i = 0; i < m->nclasses; i++) {
    FgPyClass *c = &m->classes[i];
    c->name = NULL;
    c->bases = NULL;
    c->markers = NULL;
    c->attrs = NULL;
    c->patches = NULL;
  }
  for (size_t i = 0; i < m->nclasses; i++) {
    FgPyClass *c = &m->classes[i];
    c->name = get_str(&r);
    c->bases = get_strs(&r, &c->nbases);
    c->markers = get_markers(&r, &c->nmarkers);
    c->attrs = get_assigns(&r, &c->nattrs);
    c->patches = get_patches(&r, &c->npatches);
  }
  m->nfuncs = raw.nfuncs;
  m->funcs = get_raw(&r, m->nfuncs, sizeof *m->funcs);
  if (!m->funcs)
    m->nfuncs = 0;
  for (size_t i = 0; i < m->nfuncs; i++) {
    FgPyFunc *f = &m->funcs[i];
    f->name = f->indent = f->fixture_name = f->kwargs = NULL;
    f->params = f->getfixturevalue = NULL;
    f->param_defaults = f->returns = f->return_guards = f->decorators = NULL;
    f->markers = NULL;
    f->calls = NULL;
    f->self_assigns = f->locals = NULL;
    f->patches = NULL;
  }
  for (size_t i = 0; i < m->nfuncs; i++) {
    FgPyFunc *f = &m->funcs[i];
    f->name = get_str(&r);
    f->indent = get_str(&r);
    f->params = get_strs(&r, &f->nparams);
    f->param_defaults = get_ints(&r, f->nparams);
    f->markers = get_markers(&r, &f->nmarkers);
    f->fixture_name = get_str(&r);
    f->kwargs = get_str(&r);
    f->getfixturevalue = get_strs(&r, &f->ngetfixturevalue);
    f->calls = get_calls(&r, &f->ncalls);
    f->returns = get_ints(&r, f->nreturns);
    f->return_guards = get_ints(&r, f->nreturns);
    if (!f->returns || !f->return_guards)
      f->nreturns = 0;
    f->decorators = get_ints(&r, f->ndecorators);
    if (!f->decorators)
      f->ndecorators = 0;
    f->self_assigns = get_assigns(&r, &f->nself_assigns);
    f->locals = get_assigns(&r, &f->nlocals);
    f->patches = get_patches(&r, &f->npatches);
  }
  m->nmodule_markers = raw.nmodule_markers;
  m->module_markers = get_markers(&r, &m->nmodule_markers);
  m->nmodule_calls = raw.nmodule_calls;
  m->module_calls = get_calls(&r, &m->nmodule_calls);
  m->nregistered_markers = raw.nregistered_markers;
  m->registered_markers = get_strs(&r, &m->nregistered_markers);
  m->mark_alias = get_str(&r);
  m->nexprs = raw.nexprs;
  m->exprs = get_raw(&r, m->nexprs, sizeof *m->exprs);
  if (!m->exprs)
    m->nexprs = 0;
  for (size_t i = 0; i < m->nexprs; i++)
    m->exprs[i].text = NULL;
  for (size_t i = 0; i < m->nexprs; i++)
    m->exprs[i].text = get_str(&r);
  m->nconds = raw.nconds;
  m->conds = get_raw(&r, m->nconds, sizeof *m->conds);
  if (!m->conds)
    m->nconds = 0;
  m->nglobals = raw.nglobals;
  m->globals = get_assigns(&r, &m->nglobals);
  m->ntop = raw.ntop;
  m->top_starts = get_raw(&r, m->ntop, sizeof *m->top_starts);
  if (!m->top_starts)
    m->ntop = 0;
  if (r.bad || r.left || !fg_pyfile_cache_check(m, src->len)) {
    fg_pyfile_delete(m);
    return NULL;
  }
  fg_pyfile_pack(m);
  return m;
}
