/* python/internal: what the files of the test model share with each other
 * and nobody else. */
#ifndef FG_PYTHON_INTERNAL_H
#define FG_PYTHON_INTERNAL_H

#include "python/model.h"

/* ---- names.c --------------------------------------------------------------- */

/* Names the module (its dotted names: as laid out, without `src/`, and as
 * pytest's prepend import mode sees it) into the model's name table. */
void fg_py_name_module(FgPyModel *p, FgModule *m);
/* Sorts the name table once every module is named. */
void fg_py_names_sort(FgPyModel *p);
void fg_py_names_free(FgNameTable *t);

struct FgModIndex *fg_py_index_new(const FgPyModule *py);
void fg_py_index_delete(struct FgModIndex *self);
/* A module-level function (cls == -1) or a method of class `cls`; -1. */
int fg_py_find_func(const FgModule *m, const char *name, int cls);
/* A top-level class of the module by name; -1. */
int fg_py_find_class(const FgModule *m, const char *name);
/* The def table index of function `func` of m; -1 when func is. */
int fg_py_def_of(const FgPyModel *p, const FgModule *m, int func);

/* ---- resolve.c ---------------------------------------------------------------- */

/* A class of the repository: the module and the index of the class in it. */
typedef struct FgClassRef {
  FgModule *mod;
  int cls;
} FgClassRef;

typedef FG_VEC(FgClassRef) FgClassRefVec;

/* The def a call made in function f of module m enters; -1. */
int fg_py_resolve_call(const FgPyModel *p, const FgModule *m, const FgPyFunc *f,
                       const FgPyCall *call);
/* The absolute module an import statement names (owned). */
char *fg_py_import_target(const FgModule *m, const FgPyImport *im);
/* The class and its in-repo bases, most derived first. */
void fg_py_class_mro(const FgPyModel *p, FgModule *m, int cls, FgClassRefVec *out);

/* ---- fixtures.c --------------------------------------------------------------- */

/* Where pytest looks for a fixture requested from (m, cls), closest first:
 * the class, the module, then conftest.py files from the module's folder up
 * to the root. */
typedef struct FgScope {
  FG_VEC(FgModule *) mods;
  FG_VEC(int) classes; /* -1: module level of mods[i] */
} FgScope;

void fg_py_scope_build(const FgPyModel *p, FgModule *m, int cls, FgScope *out);
void fg_py_scope_free(FgScope *s);
/* The fixture `name` as seen from scope; `self_def` is the requesting
 * fixture when it requests its own name (an override reaching the next
 * definition further out). */
int fg_py_scope_fixture(const FgPyModel *p, const FgScope *s, const char *name,
                        int self_def);

/* ---- propagate.c -------------------------------------------------------------- */

typedef struct FgEdge {
  int from, to;
  FgSpan span;
  bool fixture;
} FgEdge;

typedef FG_VEC(FgEdge) FgEdgeVec;

const FgPyFunc *fg_py_def_func(const FgPyModel *p, int d);
/* "fixture pool", "C.m()", "f()" (owned) */
char *fg_py_def_label(const FgPyModel *p, int d);
/* What pytest runs around a test of (m, cls) besides the test itself, as
 * edges from `from` pointing at span. */
void fg_py_edges_test_context(const FgPyModel *p, FgModule *m, int cls, int from,
                              FgSpan span, FgEdgeVec *edges);
/* Rebuilds the def table from the parsed modules and propagates. */
void fg_py_rebuild_defs(FgPyModel *p);

/* ---- collect.c ---------------------------------------------------------------- */

bool fg_py_is_test_def(const FgPyModel *p, int d);

#endif
