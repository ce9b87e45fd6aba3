/* python/resolve: what a call, an import or a base class names in the
 * repository: relative and absolute imports, `from X import *`, `self.m()`
 * along same-module bases, and in-repo base classes in method resolution
 * order. */
#include <stdlib.h>
#include <string.h>

#include "python/internal.h"

/* "f", "C.m", "C" (constructor: C.__init__) inside module m. */
static int fg_resolve_in_module(const FgPyModel *p, const FgModule *m, const char *tail) {
  if (!m->py)
    return -1;
  const char *dot = strchr(tail, '.');
  if (!dot) {
    int f = fg_py_find_func(m, tail, -1);
    if (f >= 0)
      return fg_py_def_of(p, m, f);
    int c = fg_py_find_class(m, tail);
    if (c >= 0)
      return fg_py_def_of(p, m, fg_py_find_func(m, "__init__", c));
    return -1;
  }
  char *cls = fg_xstrndup(tail, (size_t)(dot - tail));
  int c = fg_py_find_class(m, cls);
  free(cls);
  if (c < 0 || strchr(dot + 1, '.'))
    return -1;
  return fg_py_def_of(p, m, fg_py_find_func(m, dot + 1, c));
}

/* An absolute dotted name: the longest module prefix, then the rest. */
static int fg_resolve_absolute(const FgPyModel *p, const char *dotted) {
  char *s = fg_xstrdup(dotted);
  int result = -1;
  for (;;) {
    char *dot = strrchr(s, '.');
    if (!dot)
      break;
    *dot = '\0';
    FgModule *m = fg_pymodel_module(p, s);
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
char *fg_py_import_target(const FgModule *m, const FgPyImport *im) {
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

int fg_py_resolve_call(const FgPyModel *p, const FgModule *m, const FgPyFunc *f,
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
    int d = fg_resolve_in_module(p, m, r);
    if (d >= 0)
      return d;
    for (size_t i = 0; i < m->py->nimports; i++) {
      const FgPyImport *im = &m->py->imports[i];
      if (!im->name || strcmp(im->name, "*") != 0)
        continue;
      char *mod = fg_py_import_target(m, im);
      FgModule *target = fg_pymodel_module(p, mod);
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

/* Base class `name` (as resolved by pyfile) of a class in module m, when
 * the repository defines it: a class of m, or one named through an import
 * ("tests.base.Base", ".base.Base"). */
static FgClassRef fg_base_class(const FgPyModel *p, FgModule *m, const char *name) {
  FgClassRef none = {NULL, -1};
  if (!strchr(name, '.')) {
    int c = fg_py_find_class(m, name);
    return c >= 0 ? (FgClassRef){m, c} : none;
  }
  char *abs = name[0] == '.' ? fg_absolutize(m, name) : fg_xstrdup(name);
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

/* The class and its in-repo bases, most derived first: a depth-first,
 * left-to-right walk without repeats (Python's C3 order for the single and
 * simple multiple inheritance tests use). Bounded: 32 classes. */
void fg_py_class_mro(const FgPyModel *p, FgModule *m, int cls, FgClassRefVec *out) {
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
