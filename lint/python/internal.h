/* python/internal: what the files of the test model share with each other
 * and nobody else. */
#ifndef FG_PYTHON_INTERNAL_H
#define FG_PYTHON_INTERNAL_H

#include "core/itable.h"
#include "core/words.h"
#include "parse/pysites.h"
#include "python/model.h"

/* ---- prefilter.c -------------------------------------------------------------- */

/* The words that make a file matter on its own (see prefilter.c). */
typedef struct FgSeeds {
  FgWordSet set;
  FgStrVec owned; /* the words not borrowed */
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

typedef struct FgPfReachPair {
  uint32_t last; /* link key of the module's last component */
  uint64_t name; /* word hash of the def's name */
} FgPfReachPair;

typedef struct FgPfReachFixture {
  uint64_t name;   /* word hash of the fixture name */
  const char *dir; /* the conftest's folder (borrowed) */
} FgPfReachFixture;

/* A def another file can call, by its name (borrowed from the summary). */
typedef struct FgPfReachTarget {
  uint64_t hash;
  const char *name;
  const char *last;    /* the module's last component (in `owned`) */
  const FgModule *mod; /* the module that defines it */
  size_t names;        /* the module's dotted names: mod_names[names..] */
  size_t nnames;
} FgPfReachTarget;

/* What reaches a pool-using def from another file, this round. */
typedef struct FgPfReach {
  const FgPyModel *model;
  FgWordSet words; /* names, lasts, fixture names, "*" (borrowed or owned) */
  FgStrVec owned;
  FG_VEC(FgPfReachTarget) targets; /* sorted by hash */
  FgStrVec mod_names;
  FG_VEC(FgPfReachPair) by_last; /* sorted by last */
  FG_VEC(uint64_t) inits;        /* names defined in a package __init__ */
  FG_VEC(FgPfReachFixture) fixtures;
  FgNameVec autouse_dirs;
  uint32_t star; /* the link of `*` in an import statement */
} FgPfReach;

/* From the model's defs that use pools (after fg_py_rebuild_defs). */
void fg_py_reach_build(const FgPyModel *p, FgPfReach *r);
void fg_py_reach_free(FgPfReach *r);
/* Can anything be reached at all? */
bool fg_py_reach_any(const FgPfReach *r);
/* A test file below an autouse pool fixture's conftest. */
bool fg_py_reach_autouse(const FgPfReach *r, const FgModule *m);
/* From what was kept of an unparsed file: a candidate (false: surely not).
 * *sig sums up what made it one: the matched names with the modules that
 * define them, fixtures, package __init__ names (0 when it is below an
 * autouse pool fixture). The text's answer (fg_py_reach_wants_text) depends
 * on nothing else of the reach, so a file the text refused is not read again
 * while its signature stays the same. */
bool fg_py_reach_candidate(const FgPfReach *r, const FgModule *m, const FgFileWords *fw,
                           uint64_t *sig);
/* From the file's text: exact. */
bool fg_py_reach_wants_text(const FgPfReach *r, const FgModule *m, const char *text,
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
/* The non-nested functions of class cls of m (-1: the module-level ones),
 * as indexes into m->py->funcs in source order; *n of them. */
const uint32_t *fg_py_class_funcs(const FgModule *m, int cls, size_t *n);
/* The last of f's locals (f a function of m) named `name` whose index is
 * below `before` (f->nlocals: any), -1 when none; walking a name's
 * assignments back, pass the index found as the next `before`. */
int fg_py_local_before(const FgModule *m, const FgPyFunc *f, const char *name,
                       int before);
/* The first of f's locals whose assignment starts at or after `at` when
 * they are known to be in source order; else f->nlocals (then every one
 * must be checked). */
int fg_py_locals_from(const FgModule *m, const FgPyFunc *f, uint32_t at);
/* A top-level class of the module by name; -1. */
int fg_py_find_class(const FgModule *m, const char *name);
/* The def table index of function `func` of m; -1 when func is. */
int fg_py_def_of(const FgPyModel *p, const FgModule *m, int func);

/* ---- environ.c --------------------------------------------------------------- */

/* Is the environment variable `name` one the project never sets: named in none
 * of env_files and set by none of the loaded modules? Then its CI runs see it
 * unset. */
bool fg_py_env_unset(const FgPyModel *p, const char *name);

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
/* The same; made (not NULL) is also set to the in-repo class a constructor
 * call names, whether or not the class defines __init__ ({NULL, -1}). */
int fg_py_resolve_call_made(const FgPyModel *p, const FgModule *m, const FgPyFunc *f,
                            const FgPyCall *call, FgClassRef *made);
/* A relative dotted name (".x.y") made absolute from module m (owned). */
char *fg_py_absolutize(const FgModule *m, const char *rel);
/* The absolute module an import statement names (owned). */
char *fg_py_import_target(const FgModule *m, const FgPyImport *im);
/* The class and its in-repo bases, most derived first, in out (what it held
 * is dropped). */
void fg_py_class_mro(const FgPyModel *p, FgModule *m, int cls, FgClassRefVec *out);
/* Forgets fg_py_class_mro's remembered answers. */
void fg_py_mro_memo_free(FgPyModel *p);

/* What a resolved dotted name names in the repository. rest points into the
 * name, at what follows the entity (".m", "().Pool", ""). */
typedef enum FgEntityKind {
  FG_ENTITY_NONE = 0, /* a relative name that names nothing here */
  FG_ENTITY_EXTERNAL, /* not in the repository: rest is the whole name */
  FG_ENTITY_MODULE,
  FG_ENTITY_CLASS,
  FG_ENTITY_DEF,
  FG_ENTITY_GLOBAL,
} FgEntityKind;

typedef struct FgEntity {
  FgEntityKind kind;
  FgModule *mod;
  int cls; /* CLASS */
  int def; /* DEF */
  const FgPyAssign *global;
  const char *rest;
} FgEntity;

void fg_py_lookup(const FgPyModel *p, FgModule *m, const char *resolved, FgEntity *out);
/* The absolute name a module-level import of m binds to `name` (its first
 * n bytes), for following re-exports (owned); NULL. */
char *fg_py_reexport(const FgModule *m, const char *name, size_t n);
/* A module-level `name = value` (first n bytes of name); NULL. */
const FgPyAssign *fg_py_find_global(const FgModule *m, const char *name, size_t n);

/* ---- eval.c: values, guards, platforms --------------------------------------- */

typedef enum FgValKind {
  FG_VAL_UNKNOWN = 0,
  FG_VAL_PLAT, /* depends on the platform: evaluate per cell */
  FG_VAL_NONE,
  FG_VAL_BOOL,
  FG_VAL_INT,
  FG_VAL_STR,
  FG_VAL_TUPLE,     /* elements: exprs of tmod from texpr's first element, the
                       first ival of them skipped (a tail: the words click
                       collects for `nargs=-1`) */
  FG_VAL_DICT,      /* entries: exprs of tmod (texpr a DICT) */
  FG_VAL_VERSION,   /* sys.version_info: (3, ival) */
  FG_VAL_OBJECT,    /* some object that is not None */
  FG_VAL_TRUTHY,    /* a value not known but true (`x or 4` with x unknown) */
  FG_VAL_FALSY,     /* a value not known but false */
  FG_VAL_EXTERNAL,  /* a name outside the repository (str, canonical-able);
                       `called`: the value returned by calling it */
  FG_VAL_CLASS,     /* an in-repo class */
  FG_VAL_DEF,       /* an in-repo function */
  FG_VAL_INSTANCE,  /* an instance of an in-repo class, made by `site` */
  FG_VAL_NAMESPACE, /* an object whose attributes are its construction's keywords
                       (`types.SimpleNamespace(a=1)`): inst's extra_kw */
  FG_VAL_KWDICT,    /* a mapping of keywords known in full (a `**kwargs`
                       parameter's value): inst's extra_kw */
} FgValKind;

typedef struct FgEnv FgEnv;
typedef struct FgBinding FgBinding;
struct FgSearch;

typedef struct FgVal {
  /* pointers first, then the narrow fields: no padding between them (a
   * value is copied into every binding and memo slot) */
  const char *str; /* STR / EXTERNAL (owned by the evaluator's arena) */
  FgClassRef cls;  /* CLASS / INSTANCE */
  long long ival;
  const FgModule *tmod; /* TUPLE */
  /* INSTANCE, bound DEF: the values its construction gave __init__'s
   * parameters (interned by the search); NULL when unknown */
  const FgBinding *inst;
  /* where the value was made, for chain links (a constructor call) */
  const FgModule *origin_mod;
  const char *origin_label;
  /* the condition not known it was chosen under (a factory's `if processes
   * > 1: return ProcessRunner(...)` beside a return of another kind): what
   * runs through it is a possible path; cond_mod NULL: none */
  const FgModule *cond_mod;
  FgSpan origin;
  int def; /* DEF */
  int texpr;
  int cond;
  uint8_t kind;
} FgVal;

/* Where a def runs: the module and function, the class of `self`, the call
 * that entered it (its literal arguments give the parameters' values, one
 * call level deep) and the construction of self's instance. */
struct FgEnv {
  const FgPyModel *p;
  FgModule *mod;
  const FgPyFunc *func;
  int def;
  FgClassRef self; /* mod NULL: unknown */
  /* the values of the def's parameters, from the call that entered it (NULL:
   * none known: defaults, or unknown with params_unknown) and of self's
   * __init__ parameters, from its construction */
  const FgBinding *params;
  const FgBinding *inst;
  /* a parametrized test's values, by argname: its fixtures and what runs
   * for it see them (`reloader_class` in an autouse fixture) */
  const FgBinding *test_params;
  bool entry;              /* a test or fixture: parameters are fixtures */
  bool params_unknown;     /* no call is known: parameters are unknown, not defaults */
  struct FgSearch *search; /* interns the bindings it makes; NULL: none */
  size_t at;               /* the offset being evaluated (which local assignment holds) */
  bool use_known;          /* use_guard is the guard of the code at `at` (conds) */
  int use_guard;
  int cell; /* the platform cell evaluated, -1: none */
  /* one iteration of a loop over literal values (a FOR condition of mod,
   * plus one; 0: none): its name holds loop_val */
  int loop_cond1;
  FgVal loop_val;
  int depth;
  FgStrIntern *arena; /* strings made while evaluating (one copy each) */
};

/* The values a call gives a def's parameters (positional and keyword
 * arguments, else defaults; UNKNOWN where `*args` hides them or the def's
 * code never reads them). Interned: equal values, one binding. */
struct FgBinding {
  int def;
  size_t n;
  FgVal *vals;
  /* what the call passed that the def has no parameter for (kept for a
   * base __init__ the def forwards it to) */
  FgVal *extra_pos;
  size_t nextra_pos;
  const char **extra_names; /* borrowed from the call's module */
  FgVal *extra_kw;
  size_t nextra_kw;
  /* the extras are not all known: a `*args`, or a `**m` whose m is not a
   * mapping the model knows */
  bool kw_open;
  uint64_t hash;
};

/* Binds the arguments (chain from args of module m, evaluated in env) to
 * def d's parameters; NULL without a search. */
const FgBinding *fg_py_bind(struct FgSearch *s, FgEnv *env, FgModule *m, int args,
                            bool star, int d);
/* The keyword arguments of a call expression (chain from args of module m,
 * evaluated in env) as a binding's extras (def -1); NULL without a search. */
const FgBinding *fg_py_bind_keywords(struct FgSearch *s, FgEnv *env, FgModule *m,
                                     int args);
/* A mapping of n keywords (names borrowed, values copied) as a binding's
 * extras (def -1): the value of a `**kwargs` changed in place. NULL
 * without a search. */
const FgBinding *fg_py_bind_entries(struct FgSearch *s, const char *const *names,
                                    const FgVal *vals, size_t n);
/* The entry `key` of a mapping value (a dict display or a KWDICT): 1 and
 * *out when it is there, 0 when it surely is not, -1 when not known. */
int fg_py_mapping_get(FgEnv *env, FgVal map, const char *key, FgVal *out);
/* The binding a subclass's forwarded extras give base def d; NULL. */
const FgBinding *fg_py_rebind(struct FgSearch *s, const FgBinding *b, int d);
uint64_t fg_py_val_hash(const FgVal *v);
bool fg_py_val_eq(const FgVal *a, const FgVal *b);

/* The first element of a TUPLE value (exprs of v->tmod, chained by next);
 * -1 when it is empty. */
int fg_py_tuple_first(const FgVal *v);
/* The value of expression e of module m (in env's def unless m differs). */
FgVal fg_py_eval(FgEnv *env, FgModule *m, int e);
/* An environment for evaluating at module level of m (globals, defaults),
 * from env's search and cell. */
FgEnv fg_py_env_module(const FgEnv *from, FgModule *m);
/* The value of a dotted name as resolved in env's def (how: FgNameHow). */
FgVal fg_py_eval_name(FgEnv *env, const char *text, uint8_t how);
/* A member of a value: `v.name` ("()" calls it). */
FgVal fg_py_member(FgEnv *env, FgVal v, const char *rest);
/* Python truth: 1, 0, -1 unknown. */
int fg_py_truth(FgVal v);
/* A value of kind with nothing else known (no def, class or tuple). */
FgVal fg_py_val(uint8_t kind);
/* The value of an int literal. */
FgVal fg_py_val_int(long long i);

typedef enum FgGuardStatus {
  FG_GUARD_FALSE,
  FG_GUARD_TRUE,
  FG_GUARD_UNKNOWN
} FgGuardStatus;

typedef struct FgGuardResult {
  uint8_t status;   /* FgGuardStatus */
  FgPlatforms plat; /* TRUE / UNKNOWN: the cells where it can hold */
  int unknown;      /* the first condition that could not be evaluated (conds) */
} FgGuardResult;

/* The conjunction of guard g (conds of env->mod) and its parents. */
FgGuardResult fg_py_guard(FgEnv *env, int g);
/* The cells where expression expr of module m (at module level) is true;
 * false when some cell cannot be evaluated. */
bool fg_py_eval_mask(const FgPyModel *p, FgModule *m, int expr, FgPlatforms *mask);
/* "only when `c` is true (path:line)" for condition c of m. Owned. */
char *fg_py_guard_note(const FgModule *m, int c);

/* The values a FOR condition's iterable takes (`range(3)`, `(a, b)`), at
 * most max; -1 when they are not known. */
int fg_py_loop_values(FgEnv *env, int cond, FgVal *out, int max);
/* Does a local read in expression e of m name the FOR condition's variable? */
bool fg_py_reads_loop_var(const FgModule *m, int cond, int e);

/* What the dask scheduler in force at a call does (FG_GATE_SCHEDULER: the
 * one the call gives; FG_GATE_DASK_DEFAULT: that, else the innermost
 * enclosing `with dask.config.set(scheduler=...)`, else an earlier
 * `dask.config.set(...)` in the def, else the collection's default, the
 * processes scheduler). */
typedef enum FgSchedVerdict {
  FG_SCHED_NONE,      /* starts no processes */
  FG_SCHED_PROCESSES, /* the processes scheduler */
  FG_SCHED_UNKNOWN,   /* not known; *cond: the config it depends on, or -1 */
  FG_SCHED_DEF,       /* an in-repo function runs as the scheduler: *def */
} FgSchedVerdict;

FgSchedVerdict fg_py_dask_scheduler(FgEnv *env, const FgPyCall *c, int *def, int *cond);

/* The def of method `name` along the class's in-repo MRO; -1. *owner gets
 * the class that defines it. */
int fg_py_method(const FgPyModel *p, FgClassRef cls, const char *name, FgClassRef *owner);
/* Does the class's MRO reach an outside base that is a Process (site
 * PROCESS) or a manager (site MANAGER)? Its info in *out. */
bool fg_py_class_site(const FgPyModel *p, FgClassRef cls, FgSiteInfo *out);

/* ---- click.c ------------------------------------------------------------------- */

/* The values click gives the parameters of command def d (vals: one a
 * parameter of the def, in order) when it runs with the words of argv (a
 * TUPLE: `CliRunner().invoke(cmd, ["-p", "2", "a"])`); false when d is not
 * a click command whose decorators the model reads in full, or the words
 * are not known well enough to parse. A parameter no click parameter names
 * (`ctx`) is unknown. */
bool fg_py_click_values(FgEnv *env, int d, FgVal argv, FgVal *vals);

/* ---- patches.c ------------------------------------------------------------------ */

/* A patch normalised: the in-repo module its target starts with (NULL:
 * outside the repository) and the rest of the target after it. */
typedef struct FgPatchRef {
  const FgModule *mod;
  char *rest;
  char *target;          /* as written, absolute */
  const FgModule *where; /* the module that patches */
  FgSpan span;
} FgPatchRef;

typedef FG_VEC(FgPatchRef) FgPatchSet;

/* The patches in force while the test (def d, run on class S of file) runs:
 * its own and its decorators', its class's decorators along the MRO, and
 * those of the fixtures and setUp methods it runs. */
void fg_py_patches_for_test(const FgPyModel *p, int d, FgClassRef S, FgModule *file,
                            FgPatchSet *out);
void fg_py_patches_free(FgPatchSet *set);
/* Does a patch of set replace what call c of module m looks up? When a
 * patch names the original of a name m bound at import, *miss (if NULL)
 * gets a note saying so. */
bool fg_py_patch_hits_call(const FgPyModel *p, const FgPatchSet *set, FgModule *m,
                           const FgPyCall *c, char **miss);
/* Does a patch replace method `name` looked up on cls (the class attribute
 * along the MRO up to the one that defines it)? */
bool fg_py_patch_hits_method(const FgPyModel *p, const FgPatchSet *set, FgClassRef cls,
                             const char *name);

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
/* Fills m->conftests once (fg_py_scope_build does it when first asked; the
 * propagation does it for every module before its threads build scopes). */
void fg_py_conftests_fill(const FgPyModel *p, FgModule *m);
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
/* The in-repo def a class attribute's value (expr e of m) holds: `runner =
 * staticmethod(f)`, `runner = f`; -1. */
int fg_py_class_attr_def(const FgPyModel *p, FgModule *m, int e);
/* The first attribute of class c of m holding a pool constructor, a pool or
 * a context, not called (`POOL_TYPE = mp.get_context("spawn").Pool`); -1. */
int fg_py_class_pool_attr(const FgModule *m, int c);
/* Rebuilds the def table from the parsed modules and propagates. */
void fg_py_rebuild_defs(FgPyModel *p);

/* ---- search.c ---------------------------------------------------------------- */

typedef struct FgSearch FgSearch;

/* The search's memo of evaluations (return values, guards, lookups): a key
 * of words (and a string, for lookups), a slot that says whether its value
 * is being computed (recursion: not known) or done. Slots are found by
 * index: computing a value may add slots. */
/* What a memo key asks (its k[0]); each kind keeps one member of the slot.
 * A guard key folds the loop value's hash in above its low three bits, so no
 * other kind may have FG_MEMO_GUARD's low three bits. */
enum {
  FG_MEMO_RETURN = 1,     /* val: a def's return value (eval.c) */
  FG_MEMO_GUARD = 2,      /* guard: a condition's result (guards.c) */
  FG_MEMO_LOOKUP = 3,     /* ent: what a name resolves to (eval.c) */
  FG_MEMO_PATCHED = 4,    /* val: whether a patch replaces a call (search.c) */
  FG_MEMO_ATTR_HOME = 5,  /* home: where an attribute gets its value (eval.c) */
  FG_MEMO_SITE = 6,       /* site: an outside callee's classification (search.c) */
  FG_MEMO_HAS_FIELDS = 9, /* val: a class declares fields (eval.c) */
};

typedef struct FgMemoKey {
  uintptr_t k[7];
  const char *text; /* compared by content when set */
} FgMemoKey;

/* Where an attribute of a class's instances gets its value (python/eval.c):
 * how 1, `self.name = ...` in an init-like method (func: mod's funcs); 2, a
 * class attribute; 3, `self.name = ...` in any other method; 0, nowhere.
 * mod: the module of the class along the MRO that has it; assign: the
 * assignment. */
typedef struct FgAttrHome {
  FgModule *mod;
  int func; /* -1 for a class attribute */
  const FgPyAssign *assign;
  uint8_t how;
} FgAttrHome;

typedef struct FgMemoSlot {
  FgMemoKey key;
  uint8_t state; /* 0 new, 1 computing, 2 done */
  /* what the key's kind (key.k[0]) keeps: one of them, never two */
  union {
    FgVal val;
    FgEntity ent;
    FgGuardResult guard;
    FgAttrHome home;
    struct {
      FgSiteInfo info;
      bool is;
    } site; /* an outside name's classification (search.c) */
  };
} FgMemoSlot;

/* The slot of key, -1 without a search or when the memo is full. */
int fg_py_memo(FgSearch *s, const FgMemoKey *key);
FgMemoSlot *fg_py_memo_at(FgSearch *s, int slot);
/* A search with its memo; patches (borrowed, may be empty) are in force for
 * every test it searches. */
FgSearch *fg_py_search_new(const FgPyModel *p, const FgPatchSet *patches);
/* Lets s use what from knows of each def's code (the same in every search;
 * from must outlive s). */
void fg_py_search_share(FgSearch *s, FgSearch *from);
void fg_py_search_delete(FgSearch *s);
/* Fills t's uses_pools / possible / chain / platforms / methods / guard /
 * notes. Searches test t with at most `budget` node evaluations over all its
 * parametrizations (and half as many to walk the best one's chain again);
 * returns how many it spent. */
size_t fg_py_search_test(FgSearch *s, FgTest *t, size_t budget);

/* ---- collect.c ---------------------------------------------------------------- */

bool fg_py_is_test_def(const FgPyModel *p, int d);
/* A unittest class: a TestCase base (under any name) along its in-repo MRO. */
bool fg_py_class_is_unittest(const FgPyModel *p, FgModule *m, int c);

#endif
