/* python/internal: what the files of the test model share with each other
 * and nobody else. */
#ifndef FG_PYTHON_INTERNAL_H
#define FG_PYTHON_INTERNAL_H

#include "core/words.h"
#include "python/model.h"

/* ---- prefilter.c -------------------------------------------------------------- */

/* The words that make a file matter on its own (see prefilter.c). */
typedef struct FgSeeds {
  FgWordSet set;
  FgStrVec owned; /* the words */
  FgStrVec heads; /* dotted: each component must be a word of the file */
  FgStrVec names;
} FgSeeds;

void fg_py_seeds_build(const FgPyModel *p, const char *marker, FgSeeds *s);
void fg_py_seeds_free(FgSeeds *s);
/* Is the module wanted for its words: from the entries of its words (w: a
 * candidate) or, with text, from the text (exact)? */
bool fg_py_seeds_want(const FgSeeds *s, const FgModule *m, const FgWords *w,
                      const char *text, size_t len);

/* What the model keeps of a file it has not parsed, for the later rounds
 * (SPEC §12: memory does not grow with what cannot matter): a Bloom filter
 * of its words, and the sorted links (words in import statements, and
 * dotted words that are the last component of a module of the project). */
typedef struct FgFileWords {
  FgWordBloom plain;
  uint32_t *links;
  size_t nlinks;
} FgFileWords;

/* The last components of the modules at paths ("util", the folder of a
 * package's __init__.py), as word hashes. */
void fg_py_stems_build(const FgStrVec *paths, FgHashSet *out);
void fg_py_file_words_build(FgFileWords *fw, const FgWords *w, const FgHashSet *stems);
void fg_py_file_words_free(FgFileWords *fw);
size_t fg_py_file_words_bytes(const FgFileWords *fw);

typedef FG_VEC(const char *) FgNameVec;

typedef struct FgReachPair {
  uint32_t last; /* link key of the module's last component */
  uint64_t name; /* word hash of the def's name */
} FgReachPair;

typedef struct FgReachFixture {
  uint64_t name;   /* word hash of the fixture name */
  const char *dir; /* the conftest's folder (borrowed) */
} FgReachFixture;

/* A def another file can call, by its name (borrowed from the summary). */
typedef struct FgReachTarget {
  uint64_t hash;
  const char *name;
  const char *last;    /* the module's last component (in `owned`) */
  const FgModule *mod; /* the module that defines it */
  size_t names;        /* the module's dotted names: mod_names[names..] */
  size_t nnames;
} FgReachTarget;

/* What reaches a pool-using def from another file, this round. */
typedef struct FgReach {
  const FgPyModel *model;
  FgWordSet words; /* names, lasts, fixture names, "*" (borrowed or owned) */
  FgStrVec owned;
  FG_VEC(FgReachTarget) targets; /* sorted by hash */
  FgStrVec mod_names;
  FG_VEC(FgReachPair) by_last; /* sorted by last */
  FG_VEC(uint64_t) inits;      /* names defined in a package __init__ */
  FG_VEC(FgReachFixture) fixtures;
  FgNameVec autouse_dirs;
  uint32_t star; /* the link of `*` in an import statement */
} FgReach;

/* From the model's defs that use pools (after fg_py_rebuild_defs). */
void fg_py_reach_build(const FgPyModel *p, FgReach *r);
void fg_py_reach_free(FgReach *r);
/* Can anything be reached at all? */
bool fg_py_reach_any(const FgReach *r);
/* A test file below an autouse pool fixture's conftest. */
bool fg_py_reach_autouse(const FgReach *r, const FgModule *m);
/* From what was kept of an unparsed file: a candidate (false: surely not). */
bool fg_py_reach_candidate(const FgReach *r, const FgModule *m, const FgFileWords *fw);
/* From the file's text: exact. */
bool fg_py_reach_wants_text(const FgReach *r, const FgModule *m, const char *text,
                            size_t len);

/* ---- names.c --------------------------------------------------------------- */

/* Names the module (its dotted names: as laid out, without `src/`, and as
 * pytest's prepend import mode sees it) into the model's name table. */
void fg_py_name_module(FgPyModel *p, FgModule *m);
/* The dotted names of module m (owned strings appended): as laid out, without
 * `src/`, and as pytest's prepend import mode sees it. While loading only
 * (it reads the model's paths). */
void fg_py_module_names(const FgPyModel *p, const FgModule *m, FgStrVec *out);
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
