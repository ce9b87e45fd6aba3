/* python/patches: monkeypatch.setattr / mock.patch / mocker.patch replace a
 * name for the duration of a test. A patch neutralises a pool site or a
 * call only when it replaces the binding that code looks up when it runs:
 * the name in the calling module (`pkg.worker.ProcessPoolExecutor` for a
 * module that did `from concurrent.futures import ProcessPoolExecutor`), or
 * an attribute looked up at call time (`concurrent.futures.ProcessPoolExecutor`
 * for `concurrent.futures.ProcessPoolExecutor(...)` or `cf.ProcessPoolExecutor`).
 * Patching the original of a name bound at import misses the module. */
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "python/internal.h"

/* The set's normal form of an absolute dotted name. */
static void fg_patch_norm(const FgPyModel *p, const char *abs, const FgModule **mod,
                          const char **rest) {
  *mod = NULL;
  *rest = abs;
  size_t n = strlen(abs);
  char *head = fg_xstrdup(abs);
  for (size_t len = n; len > 0; len--) {
    if (len < n && head[len] != '.')
      continue;
    char saved = head[len];
    head[len] = '\0';
    const FgModule *m = fg_pymodel_module(p, head);
    head[len] = saved;
    if (m) {
      *mod = m;
      *rest = abs + len + (abs[len] == '.');
      break;
    }
  }
  free(head);
}

static void fg_patch_add(const FgPyModel *p, FgModule *where, const FgPyPatch *pt,
                         FgPatchSet *out) {
  char *abs =
      pt->target[0] == '.' ? fg_py_absolutize(where, pt->target) : fg_xstrdup(pt->target);
  for (size_t i = 0; i < out->len; i++)
    if (strcmp(out->items[i].target, abs) == 0) {
      free(abs);
      return;
    }
  FgPatchRef r = {NULL, NULL, abs, where, pt->span};
  const char *rest = NULL;
  fg_patch_norm(p, abs, &r.mod, &rest);
  r.rest = fg_xstrdup(rest);
  fg_vec_push(out, r);
}

static void fg_patches_of_def(const FgPyModel *p, int d, FgPatchSet *out) {
  const FgDef *def = &p->defs.items[d];
  const FgPyFunc *f = &def->mod->py->funcs[def->func];
  for (size_t i = 0; i < f->npatches; i++)
    fg_patch_add(p, def->mod, &f->patches[i], out);
}

void fg_py_patches_for_test(const FgPyModel *p, int d, FgClassRef S, FgModule *file,
                            FgPatchSet *out) {
  /* the test, then what pytest runs around it and the fixtures they
   * request, transitively (bounded) */
  FG_VEC(int) todo = {0};
  fg_vec_push(&todo, d);
  FgEdgeVec ctx = {0};
  const FgPyFunc *tf = fg_py_def_func(p, d);
  fg_py_edges_test_context(p, file, S.mod ? S.cls : -1, d, tf->name_span, &ctx);
  for (size_t i = 0; i < ctx.len; i++)
    fg_vec_push(&todo, ctx.items[i].to);
  fg_vec_free(&ctx);
  for (size_t i = 0; i < todo.len && todo.len < 64; i++) {
    const FgDef *def = &p->defs.items[todo.items[i]];
    const FgPyFunc *f = &def->mod->py->funcs[def->func];
    FgScope scope = {0};
    fg_py_scope_build(p, def->mod, f->cls, &scope);
    for (size_t k = 0; k < f->nparams; k++) {
      int self_def =
          f->is_fixture && fg_str_eq(f->fixture_name, f->params[k]) ? todo.items[i] : -1;
      int fx = fg_py_scope_fixture(p, &scope, f->params[k], self_def);
      bool seen = false;
      for (size_t j = 0; j < todo.len && !seen; j++)
        seen = todo.items[j] == fx;
      if (fx >= 0 && !seen)
        fg_vec_push(&todo, fx);
    }
    fg_py_scope_free(&scope);
  }
  for (size_t i = 0; i < todo.len; i++)
    fg_patches_of_def(p, todo.items[i], out);
  fg_vec_free(&todo);
  if (S.mod) {
    FgClassRefVec mro = {0};
    fg_py_class_mro(p, S.mod, S.cls, &mro);
    for (size_t i = 0; i < mro.len; i++) {
      const FgPyClass *k = &mro.items[i].mod->py->classes[mro.items[i].cls];
      for (size_t j = 0; j < k->npatches; j++)
        fg_patch_add(p, mro.items[i].mod, &k->patches[j], out);
    }
    fg_vec_free(&mro);
  }
}

void fg_py_patches_free(FgPatchSet *set) {
  for (size_t i = 0; i < set->len; i++) {
    free(set->items[i].rest);
    free(set->items[i].target);
  }
  fg_vec_free(set);
}

static const FgPatchRef *fg_patch_find(const FgPatchSet *set, const FgModule *mod,
                                       const char *rest, size_t n) {
  for (size_t i = 0; i < set->len; i++) {
    const FgPatchRef *r = &set->items[i];
    if (r->mod == mod && strlen(r->rest) == n && strncmp(r->rest, rest, n) == 0)
      return r;
  }
  return NULL;
}

/* The prefix lengths of a dotted text at each component end ("a.b().c":
 * "a", "a.b", "a.b().c"); call parts end a prefix too. */
static size_t fg_prefixes(const char *s, size_t *ends, size_t max) {
  size_t n = 0;
  for (size_t i = 0; s[i] && n < max; i++)
    if (s[i] == '.' || s[i] == '(')
      if (i > 0 && s[i - 1] != ')' && s[i - 1] != '.')
        ends[n++] = i;
  if (n < max && *s)
    ends[n++] = strlen(s);
  return n;
}

bool fg_py_patch_hits_call(const FgPyModel *p, const FgPatchSet *set, FgModule *m,
                           const FgPyCall *c, char **miss) {
  if (!set->len)
    return false;
  size_t ends[32];
  /* the name as the module binds it, when it is bound at module level */
  bool module_head =
      c->how == FG_NAME_GLOBAL || (c->how == FG_NAME_IMPORT && c->bound_parts);
  if (module_head) {
    size_t n = fg_prefixes(c->callee, ends, 32);
    for (size_t i = 0; i < n; i++)
      if (fg_patch_find(set, m, c->callee, ends[i]))
        return true;
  }
  /* attributes looked up when the call runs */
  char *abs =
      c->resolved[0] == '.' ? fg_py_absolutize(m, c->resolved) : fg_xstrdup(c->resolved);
  size_t n = fg_prefixes(abs, ends, 32);
  bool hit = false;
  for (size_t i = 0; i < n && !hit; i++) {
    char *pre = fg_xstrndup(abs, ends[i]);
    const FgModule *pm = NULL;
    const char *rest = NULL;
    fg_patch_norm(p, pre, &pm, &rest);
    const FgPatchRef *r = fg_patch_find(set, pm, rest, strlen(rest));
    if (r && i + 1 > c->bound_parts) {
      hit = true;
    } else if (r && i + 1 == c->bound_parts && miss && !*miss) {
      FgPos pos = fg_source_pos(r->where->src, r->span.start);
      *miss =
          fg_xasprintf("the patch of `%s` (%s:%zu) misses `%s` in %s: the module bound "
                       "the name when it was imported",
                       r->target, r->where->src->path, pos.line, c->callee, m->src->path);
    }
    free(pre);
  }
  free(abs);
  return hit;
}

bool fg_py_patch_hits_method(const FgPyModel *p, const FgPatchSet *set, FgClassRef cls,
                             const char *name) {
  if (!set->len || !cls.mod)
    return false;
  FgClassRefVec mro = {0};
  fg_py_class_mro(p, cls.mod, cls.cls, &mro);
  bool hit = false;
  for (size_t i = 0; i < mro.len && !hit; i++) {
    const FgModule *km = mro.items[i].mod;
    char *rest = fg_xasprintf("%s.%s", km->py->classes[mro.items[i].cls].name, name);
    hit = fg_patch_find(set, km, rest, strlen(rest)) != NULL;
    free(rest);
    if (fg_py_find_func(km, name, mro.items[i].cls) >= 0)
      break; /* the class that defines it: further bases are not looked up */
  }
  fg_vec_free(&mro);
  return hit;
}
