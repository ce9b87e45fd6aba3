/* python/fixtures: pytest's fixture lookup. A fixture requested from a
 * test or fixture is found in its class, its module, then the conftest.py
 * files from its folder up to the rootdir; an override of the same name
 * reaches the next definition further out. */
#include <stdlib.h>
#include <string.h>

#include "python/internal.h"

/* The conftest.py modules from dir up to the root; parsed ones only when
 * parsed is set. */
static void fg_conftests_up(const FgPyModel *p, const char *dir, bool parsed,
                            FgModuleVec *out) {
  char *d = fg_xstrdup(dir);
  for (;;) {
    char *path = *d ? fg_xasprintf("%s/conftest.py", d) : fg_xstrdup("conftest.py");
    FgModule *c = fg_pymodel_module_by_path(p, path);
    free(path);
    if (c && (c->py || !parsed))
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

void fg_pymodel_conftests(const FgPyModel *p, const char *dir, FgModuleVec *out) {
  fg_conftests_up(p, dir, true, out);
}

void fg_py_conftests_fill(const FgPyModel *p, FgModule *m) {
  if (m->conftests_known)
    return;
  FgModuleVec up = {0};
  fg_conftests_up(p, m->dir, false, &up);
  m->conftests.items = up.items;
  m->conftests.len = up.len;
  m->conftests.cap = up.cap;
  m->conftests_known = true;
}

void fg_py_scope_build(const FgPyModel *p, FgModule *m, int cls, FgScope *out) {
  for (int c = cls; c >= 0; c = m->py->classes[c].parent) {
    /* the class, then the fixtures its in-repo bases define (class
     * attributes: a subclass's tests see them) */
    FgClassRefVec mro = {0};
    fg_py_class_mro(p, m, c, &mro);
    for (size_t i = 0; i < mro.len; i++) {
      fg_vec_push(&out->mods, mro.items[i].mod);
      fg_vec_push(&out->classes, mro.items[i].cls);
    }
    fg_vec_free(&mro);
  }
  fg_vec_push(&out->mods, m);
  fg_vec_push(&out->classes, -1);
  fg_py_conftests_fill(p, m);
  for (size_t i = 0; i < m->conftests.len; i++) {
    FgModule *c = m->conftests.items[i];
    if (c == m || !c->py)
      continue;
    fg_vec_push(&out->mods, c);
    fg_vec_push(&out->classes, -1);
  }
}

void fg_py_scope_free(FgScope *s) {
  fg_vec_free(&s->mods);
  fg_vec_free(&s->classes);
}

/* The fixture `name` as seen from scope; `self_def` is the requesting
 * fixture when it requests its own name (an override reaching the next
 * definition further out). */
int fg_py_scope_fixture(const FgPyModel *p, const FgScope *s, const char *name,
                        int self_def) {
  bool skipping = self_def >= 0;
  for (size_t i = 0; i < s->mods.len; i++) {
    FgModule *m = s->mods.items[i];
    size_t nf = 0;
    const uint32_t *fs = fg_py_class_funcs(m, s->classes.items[i], &nf);
    for (size_t j = 0; j < nf; j++) {
      size_t f = fs[j];
      const FgPyFunc *fn = &m->py->funcs[f];
      if (!fn->is_fixture || !fg_str_eq(fn->fixture_name, name))
        continue;
      int d = fg_py_def_of(p, m, (int)f);
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
