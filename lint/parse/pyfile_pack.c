/* A summary's strings and arrays in one block.
 *
 * A parsed module is built from many small allocations: a text per
 * expression, a callee and its resolution per call, a few names per def.
 * Each costs malloc's header and rounding on top of its bytes, and equal
 * texts ("self", "os.path.join") are kept once per use. Once built, a summary
 * is never changed, so fg_pyfile_pack moves every part into one block of the
 * exact size, equal strings kept once: a first pass measures the layout, the
 * second copies into it in the same order.
 *
 * One visitor walks every part a summary owns, for the things done to them:
 * measure, move, free, and for the cache (parse/pyfile_cache.c) turn the
 * pointers of a copy of the block into offsets and offsets back into
 * pointers, so a cached summary is read as one block, not rebuilt part by
 * part. */
#include <stdlib.h>
#include <string.h>

#include "core/itable.h"
#include "core/words.h"
#include "parse/pyfile.h"

enum { PK_MEASURE, PK_MOVE, PK_FREE, PK_TO_OFFSET, PK_TO_POINTER };

typedef struct Pack {
  int mode;
  char *base; /* PK_MOVE: the block; PK_TO_OFFSET: its copy; PK_TO_POINTER: one read */
  size_t used;
  FgStrVec strs; /* the distinct strings met so far (PK_MOVE: their copies) */
  FgITable index;
  const char *from; /* PK_TO_OFFSET: the block the pointers point into */
  size_t len;       /* PK_TO_OFFSET, PK_TO_POINTER: the block's size */
  bool bad;         /* PK_TO_POINTER: an offset did not fit */
  /* PK_TO_POINTER: per byte of the block, what holds it: 0 nothing yet,
   * PK_HELD_ARRAY or PK_HELD_STRING. Arrays are written as they are turned
   * back (their pointers), so no two may share a byte and no string may
   * share one with an array: a changed count or string could otherwise be
   * read after it was checked. */
  unsigned char *held;
} Pack;

enum { PK_HELD_ARRAY = 1, PK_HELD_STRING = 2 };

/* Claims block bytes [at, end) for what, unless another kind (or, for an
 * array, anything) holds one of them already. */
static bool pk_hold(Pack *k, size_t at, size_t end, unsigned char what) {
  if (at == end)
    return true;
  const unsigned char *h = k->held + at;
  size_t n = end - at;
  bool free_for_it = what == PK_HELD_ARRAY
                         ? h[0] == 0 && (n == 1 || memcmp(h, h + 1, n - 1) == 0)
                         : memchr(h, PK_HELD_ARRAY, n) == NULL;
  if (!free_for_it)
    return false;
  memset(k->held + at, what, n);
  return true;
}

/* An offset in the block, as a pointer field holds it in the cache. */
static void *pk_offset(size_t at) {
  return (void *)(uintptr_t)(at + 1);
}

/* The block position a (non-NULL) field of the cache holds. */
static size_t pk_position(const void *field) {
  return (size_t)((uintptr_t)field - 1);
}

_Static_assert(_Alignof(FgPyFunc) <= 8 && _Alignof(FgPyCall) <= 8 &&
                   _Alignof(FgPyExpr) <= 8 && _Alignof(FgPyClass) <= 8,
               "the block aligns its arrays to 8 bytes");

static size_t pk_align(size_t n) {
  return (n + 7u) & ~(size_t)7u;
}

static bool pk_str_is(const void *ctx, int index, const void *key) {
  const Pack *k = ctx;
  return strcmp(k->strs.items[index], key) == 0;
}

/* The string s becomes (measured, moved or freed). */
static char *pk_str(Pack *k, char *s) {
  if (!s)
    return NULL;
  if (k->mode == PK_TO_OFFSET)
    return pk_offset((size_t)(s - k->from));
  if (k->mode == PK_TO_POINTER) {
    size_t at = pk_position(s);
    const char *nul = at < k->len ? memchr(k->base + at, 0, k->len - at) : NULL;
    if (!nul || !pk_hold(k, at, (size_t)(nul - k->base) + 1, PK_HELD_STRING)) {
      k->bad = true;
      return NULL;
    }
    return k->base + at;
  }
  if (k->mode == PK_FREE) {
    free(s);
    return NULL;
  }
  size_t n = strlen(s);
  uint64_t h = fg_word_hash(s, n);
  int i = fg_itable_find(&k->index, h, pk_str_is, k, s);
  if (i >= 0) {
    if (k->mode == PK_MEASURE)
      return s;
    free(s);
    return k->strs.items[i];
  }
  char *kept = s;
  if (k->mode == PK_MOVE) {
    kept = k->base + k->used;
    memcpy(kept, s, n + 1);
    free(s);
  }
  k->used += n + 1;
  fg_vec_push(&k->strs, kept);
  fg_itable_add(&k->index, h, (int)k->strs.len - 1);
  return kept;
}

/* The array v of n elements of size bytes: where its elements are to be
 * visited. pk_done ends the visit (PK_FREE frees it then). */
static void *pk_arr(Pack *k, void *v, size_t n, size_t size) {
  if (!v && n && k->mode == PK_TO_POINTER)
    k->bad = true; /* elements without their array */
  if (!v || k->mode == PK_FREE)
    return v;
  if (k->mode == PK_TO_OFFSET)
    return k->base + ((const char *)v - k->from);
  if (k->mode == PK_TO_POINTER) {
    size_t at = pk_position(v);
    if (at > k->len || at % 8u || n > (k->len - at) / size ||
        !pk_hold(k, at, at + n * size, PK_HELD_ARRAY)) {
      k->bad = true;
      return NULL;
    }
    return k->base + at;
  }
  size_t at = pk_align(k->used);
  k->used = at + n * size;
  if (k->mode == PK_MEASURE)
    return v;
  void *copy = k->base + at;
  if (n)
    memcpy(copy, v, n * size);
  free(v);
  return copy;
}

static void *pk_done(Pack *k, void *v) {
  if (k->mode == PK_TO_OFFSET)
    return v ? pk_offset((size_t)((char *)v - k->base)) : NULL;
  if (k->mode != PK_FREE)
    return v;
  free(v);
  return NULL;
}

static void *pk_plain(Pack *k, void *v, size_t n, size_t size) {
  return pk_done(k, pk_arr(k, v, n, size));
}

static char **pk_strs(Pack *k, char **v, size_t n) {
  v = pk_arr(k, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    v[i] = pk_str(k, v[i]);
  return pk_done(k, v);
}

static FgPyMarker *pk_markers(Pack *k, FgPyMarker *v, size_t n) {
  v = pk_arr(k, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++) {
    v[i].name = pk_str(k, v[i].name);
    v[i].args = pk_strs(k, v[i].args, v[i].nargs);
  }
  return pk_done(k, v);
}

static FgPyAssign *pk_assigns(Pack *k, FgPyAssign *v, size_t n) {
  v = pk_arr(k, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    v[i].name = pk_str(k, v[i].name);
  return pk_done(k, v);
}

static FgPyPatch *pk_patches(Pack *k, FgPyPatch *v, size_t n) {
  v = pk_arr(k, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    v[i].target = pk_str(k, v[i].target);
  return pk_done(k, v);
}

static FgPyCall *pk_calls(Pack *k, FgPyCall *v, size_t n) {
  v = pk_arr(k, v, n, sizeof *v);
  for (size_t i = 0; v && i < n; i++) {
    v[i].callee = pk_str(k, v[i].callee);
    v[i].resolved = pk_str(k, v[i].resolved);
    v[i].assigned_to = pk_str(k, v[i].assigned_to);
  }
  return pk_done(k, v);
}

static void pk_func(Pack *k, FgPyFunc *f) {
  f->name = pk_str(k, f->name);
  f->indent = pk_str(k, f->indent);
  f->params = pk_strs(k, f->params, f->nparams);
  f->param_defaults = pk_plain(k, f->param_defaults, f->nparams, sizeof(int));
  f->markers = pk_markers(k, f->markers, f->nmarkers);
  f->fixture_name = pk_str(k, f->fixture_name);
  f->kwargs = pk_str(k, f->kwargs);
  f->getfixturevalue = pk_strs(k, f->getfixturevalue, f->ngetfixturevalue);
  f->calls = pk_calls(k, f->calls, f->ncalls);
  f->returns = pk_plain(k, f->returns, f->nreturns, sizeof(int));
  f->return_guards = pk_plain(k, f->return_guards, f->nreturns, sizeof(int));
  f->decorators = pk_plain(k, f->decorators, f->ndecorators, sizeof(int));
  f->self_assigns = pk_assigns(k, f->self_assigns, f->nself_assigns);
  f->locals = pk_assigns(k, f->locals, f->nlocals);
  f->patches = pk_patches(k, f->patches, f->npatches);
}

static void pk_module(Pack *k, FgPyModule *m) {
  m->error_message = pk_str(k, m->error_message);
  m->imports = pk_arr(k, m->imports, m->nimports, sizeof *m->imports);
  for (size_t i = 0; m->imports && i < m->nimports; i++) {
    FgPyImport *im = &m->imports[i];
    im->module = pk_str(k, im->module);
    im->name = pk_str(k, im->name);
    im->local = pk_str(k, im->local);
  }
  m->imports = pk_done(k, m->imports);
  m->classes = pk_arr(k, m->classes, m->nclasses, sizeof *m->classes);
  for (size_t i = 0; m->classes && i < m->nclasses; i++) {
    FgPyClass *c = &m->classes[i];
    c->name = pk_str(k, c->name);
    c->bases = pk_strs(k, c->bases, c->nbases);
    c->markers = pk_markers(k, c->markers, c->nmarkers);
    c->attrs = pk_assigns(k, c->attrs, c->nattrs);
    c->patches = pk_patches(k, c->patches, c->npatches);
  }
  m->classes = pk_done(k, m->classes);
  m->funcs = pk_arr(k, m->funcs, m->nfuncs, sizeof *m->funcs);
  for (size_t i = 0; m->funcs && i < m->nfuncs; i++)
    pk_func(k, &m->funcs[i]);
  m->funcs = pk_done(k, m->funcs);
  m->exprs = pk_arr(k, m->exprs, m->nexprs, sizeof *m->exprs);
  for (size_t i = 0; m->exprs && i < m->nexprs; i++)
    m->exprs[i].text = pk_str(k, m->exprs[i].text);
  m->exprs = pk_done(k, m->exprs);
  m->conds = pk_plain(k, m->conds, m->nconds, sizeof *m->conds);
  m->globals = pk_assigns(k, m->globals, m->nglobals);
  m->module_markers = pk_markers(k, m->module_markers, m->nmodule_markers);
  m->module_calls = pk_calls(k, m->module_calls, m->nmodule_calls);
  m->registered_markers = pk_strs(k, m->registered_markers, m->nregistered_markers);
  m->mark_alias = pk_str(k, m->mark_alias);
  m->top_starts = pk_plain(k, m->top_starts, m->ntop, sizeof *m->top_starts);
}

static void pk_reset(Pack *k) {
  fg_vec_free(&k->strs);
  fg_itable_free(&k->index);
}

void fg_pyfile_pack(FgPyModule *self) {
  if (!self || self->pack)
    return;
  Pack k = {.mode = PK_MEASURE};
  pk_module(&k, self);
  size_t size = k.used;
  pk_reset(&k);
  k.mode = PK_MOVE;
  k.base = fg_xmalloc(size ? size : 1);
  k.used = 0;
  pk_module(&k, self);
  pk_reset(&k);
  self->pack = k.base;
  self->pack_len = size;
}

void fg_pyfile_pack_to_offsets(const FgPyModule *packed, FgPyModule *hdr, char *block) {
  const char *parts = packed->pack + packed->pack_at;
  Pack k = {.mode = PK_TO_OFFSET, .base = block, .from = parts, .len = packed->pack_len};
  *hdr = *packed;
  hdr->src = NULL;
  hdr->pack = NULL;
  hdr->pack_at = 0;
  memcpy(block, parts, packed->pack_len);
  pk_module(&k, hdr);
}

bool fg_pyfile_pack_from_offsets(FgPyModule *m, char *block, size_t len) {
  Pack k = {.mode = PK_TO_POINTER, .base = block, .len = len};
  k.held = fg_xcalloc(len ? len : 1, 1);
  pk_module(&k, m);
  free(k.held);
  return !k.bad;
}

void fg_pyfile_delete(FgPyModule *self) {
  if (!self)
    return;
  if (self->pack) {
    free(self->pack);
  } else {
    Pack k = {.mode = PK_FREE};
    pk_module(&k, self);
  }
  free(self);
}
