/* pyfile: one Python module parsed with tree-sitter-python and reduced to a
 * summary (imports, classes, functions, calls, markers, fixtures, pool
 * sites). The tree is freed before fg_pyfile_parse returns: summaries are
 * all the project model keeps. Every span is a half-open byte range in the
 * module's FgSource. All strings are owned by the FgPyModule. */
#ifndef FG_PYFILE_H
#define FG_PYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/source.h"

/* Byte offsets into a Python file: tree-sitter's own width (uint32_t); the
 * files read are far below 4 GiB (load.c reads at most 8 MiB). */
typedef struct FgSpan {
  uint32_t start, end;
} FgSpan;

/* `import a.b as c`      -> module "a.b", name NULL, local "c",  level 0
 * `import a.b`           -> module "a.b", name NULL, local "a",  level 0
 *                           (binds "a"; a.b is loaded as a submodule)
 * `from .x import y as z`-> module "x",   name "y",  local "z",  level 1
 * `from . import y`      -> module "",    name "y",  local "y",  level 1
 * `from a import *`      -> module "a",   name "*",  local "*",  level 0  */
typedef struct FgPyImport {
  char *module;
  char *name;
  char *local;
  int level;
  bool in_function; /* the import statement is inside a def (local scope) */
  FgSpan span;      /* the whole import statement */
} FgPyImport;

/* A marker reference: `@pytest.mark.NAME`, `@mark.NAME(...)`,
 * `pytestmark = pytest.mark.NAME` / `[...]`, `pytest.param(..., marks=...)`. */
typedef struct FgPyMarker {
  char *name;  /* "no_parallel", "usefixtures", "parametrize", ... */
  FgSpan span; /* the marker expression (`pytest.mark.NAME(...)`) */
  /* for usefixtures: the literal fixture names given */
  char **args;
  size_t nargs;
  int cond; /* skipif: its condition; parametrize: the argvalues list (args:
               the argnames); FgPyModule.exprs, -1 */
} FgPyMarker;

/* ---- expressions the test model evaluates ---------------------------------
 *
 * Guards, parameter defaults, call arguments and assigned values are kept as
 * small expression trees in FgPyModule.exprs (children by index, -1 none).
 * Only what can be evaluated is kept in detail; anything else is OPAQUE with
 * its span. Names are resolved through the module's imports and aliases
 * after the walk, like calls. */
typedef enum FgExprKind {
  FG_EXPR_OPAQUE = 0,
  FG_EXPR_NONE,
  FG_EXPR_BOOL,  /* ival 0/1 */
  FG_EXPR_INT,   /* ival */
  FG_EXPR_STR,   /* text: the value */
  FG_EXPR_TUPLE, /* a tuple or list display: elements from a, then next */
  FG_EXPR_NAME,  /* a dotted name: text resolved, how says what bound its head */
  FG_EXPR_CALL,  /* text: the resolved callee (how as for NAME); arguments from a,
                    then next; a keyword argument is a KW node */
  FG_EXPR_KW,    /* text: keyword; a: its value (only as a call argument);
                    `**m` is a KW named "**" with a the mapping */
  FG_EXPR_NOT,   /* not a */
  FG_EXPR_AND,   /* a and b */
  FG_EXPR_OR,    /* a or b */
  FG_EXPR_CMP,   /* a <op> b (a chain `a < b < c` is an AND of pairs) */
  FG_EXPR_SUB,   /* a[ival]; ival -1 for a leading slice `a[:n]` / `a[0:n]`;
                    ival -3: a[b], b any expression (a key) */
  FG_EXPR_IFEXP, /* a if b else c: a, b = condition, c in ival */
  FG_EXPR_DICT,  /* a dict display with string keys: entries from a (KW nodes,
                    text the key), then next */
  FG_EXPR_BINOP, /* a <op> b, op one of + - * // % (as the character; '/' for //) */
} FgExprKind;

typedef enum FgCmpOp {
  FG_CMP_EQ,
  FG_CMP_NE,
  FG_CMP_LT,
  FG_CMP_LE,
  FG_CMP_GT,
  FG_CMP_GE,
  FG_CMP_IS,
  FG_CMP_IS_NOT,
  FG_CMP_IN,
  FG_CMP_NOT_IN,
} FgCmpOp;

/* What bound the first component of a NAME / CALL text. */
typedef enum FgNameHow {
  FG_NAME_GLOBAL = 0, /* a module-level name of this module, or unbound (builtin) */
  FG_NAME_IMPORT,     /* through an import or an alias of one: text is absolute
                         (or relative with leading dots) */
  FG_NAME_PARAM,      /* a parameter of the enclosing def (text as written) */
  FG_NAME_LOCAL,      /* a local variable of the enclosing def */
  FG_NAME_SELF,       /* `self.` / `cls.` in a method */
} FgNameHow;

typedef struct FgPyExpr {
  uint8_t kind; /* FgExprKind */
  uint8_t op;   /* FgCmpOp for CMP */
  uint8_t how;  /* FgNameHow for NAME / CALL */
  int a, b, next;
  long long ival;
  char *text;
  FgSpan span;
} FgPyExpr;

/* Why a piece of code may not run: the innermost condition it sits under,
 * linked to the enclosing ones (a conjunction). */
typedef enum FgCondKind {
  FG_COND_IF,      /* if / elif / else (negated: else and later elifs) */
  FG_COND_WHILE,   /* a while loop's body */
  FG_COND_TERNARY, /* `x if c else y` */
  FG_COND_BOOLOP,  /* the right operand of `and` (c true) / `or` (negated) */
  FG_COND_EXIT,    /* after `if c: return` (negated): the code below runs when
                      c is false */
  FG_COND_SKIP,    /* after `if c: pytest.skip()` or `if c: raise E` (negated):
                      the code below runs only when c is false; an unknown c is
                      assumed false (a skip or an error path) */
  FG_COND_EXCEPT,  /* an except handler: runs when the try body raises */
  FG_COND_CASE,    /* a match case */
  FG_COND_RAISES,  /* the body of `with pytest.raises(...)` / `assertRaises`: the
                      code in it is expected to raise, maybe before a site */
  FG_COND_FOR,     /* the body of `for x in range(...)` / `for x in (a, b)` in a
                      def: expr is the iterable, span the name x; runs once per
                      value (the model unrolls it) */
  FG_COND_CONFIG,  /* the body of `with <x>.config.set(scheduler=V)` (or
                      `{"scheduler": V}`): expr is V, the scheduler dask
                      computes with in it; always runs */
} FgCondKind;

typedef struct FgPyCond {
  uint8_t kind; /* FgCondKind */
  bool negated; /* the code runs when the condition is false */
  bool lazy;    /* `if X is None: X = ...` (or `if not X:`) on a name that is not
                   self's: a once-per-process initialisation */
  int expr;     /* the condition (exprs), -1 for EXCEPT / CASE */
  int parent;   /* the enclosing guard (conds), -1 */
  FgSpan span;  /* the condition, or the `except` / `case` clause */
} FgPyCond;

/* `name = value` kept for evaluation: a module global, a class attribute, a
 * `self.name = value` in a method, or a local variable. */
typedef struct FgPyAssign {
  char *name;
  int expr;    /* exprs */
  FgSpan span; /* the assignment */
  int guard;   /* the condition it runs under (conds), -1 */
} FgPyAssign;

/* A replacement of a name for the duration of a test: monkeypatch.setattr,
 * mock.patch / mock.patch.object (call, decorator, context manager),
 * mocker.patch. target is the dotted name replaced, resolved through the
 * module's imports ("pkg.worker.ProcessPoolExecutor"). */
typedef struct FgPyPatch {
  char *target;
  FgSpan span;
} FgPyPatch;

/* What kind of process start a pool site is (SPEC §3 and the library table
 * in parse/pysites.c). */
typedef enum FgSiteKind {
  FG_SITE_NONE = 0,
  FG_SITE_POOL,    /* an executor or pool: starts workers once made */
  FG_SITE_PROCESS, /* a Process: starts nothing until .start() */
  FG_SITE_MANAGER, /* a manager server: Manager() starts it; SyncManager /
                      BaseManager only on .start() or `with` */
  FG_SITE_FORK,    /* os.fork(), os.forkpty(), pty.fork() */
  FG_SITE_LIBRARY, /* a library switch (joblib, dask, torch, ...) */
} FgSiteKind;

/* The start method a site uses. DEFAULT is the platform's default
 * (fork on Linux before Python 3.14) unless the project changes it. */
typedef enum FgStartMethod {
  FG_METHOD_DEFAULT = 0,
  FG_METHOD_FORK,
  FG_METHOD_SPAWN,
  FG_METHOD_FORKSERVER,
  FG_METHOD_OWN, /* a library's own, not a fork of the caller (loky, dask) */
} FgStartMethod;

/* Where a site that needs `.start()` (a Process, a SyncManager) is started. */
typedef enum FgStarted {
  FG_STARTED_NO = 0,
  FG_STARTED_HERE,    /* `P().start()`, `with M()`, or a start in the def on a value
                         not kept in a name */
  FG_STARTED_BY_NAME, /* `p = P(); p.start()` (or `self.p`, in the class) */
  FG_STARTED_ESCAPES, /* returned / handed off: whoever receives it starts it */
} FgStarted;

/* A gate a library site holds on an argument, evaluated by the model. */
typedef enum FgSiteGate {
  FG_GATE_NONE = 0,
  FG_GATE_NJOBS,        /* joblib: n_jobs not 1 / None */
  FG_GATE_SCHEDULER,    /* dask: only when the scheduler given (gate_expr) is
                           "processes" / "multiprocessing" / a function that
                           starts processes */
  FG_GATE_PROCESSES,    /* dask.distributed: unless `processes=False` */
  FG_GATE_DASK_DEFAULT, /* a dask.bag collection computed: its default scheduler
                           starts processes unless one is given (gate_expr, an
                           enclosing `with dask.config.set(scheduler=...)`, an
                           earlier `dask.config.set(...)` in the def) */
} FgSiteGate;

typedef enum FgPoolKind {
  FG_POOL_NONE = 0,
  FG_POOL_SITE,        /* starts worker processes (SPEC §3 list) */
  FG_POOL_FORK_METHOD, /* get_context("fork") / set_start_method("fork") */
  FG_POOL_OS_FORK,     /* os.fork() */
  FG_POOL_SAFE_METHOD  /* set_start_method("spawn"|"forkserver") */
} FgPoolKind;

typedef struct FgPyCall {
  char *callee;       /* dotted text as written: "mp.Pool", "self.helper", "f" */
  char *resolved;     /* through this module's imports and simple local aliases:
                         "multiprocessing.Pool", "concurrent.futures.ProcessPoolExecutor",
                         ".util.make_pool" (leading dots = relative, level kept),
                         "self.helper" when not resolvable; never NULL */
  FgSpan span;        /* the whole call expression */
  FgSpan callee_span; /* the function part */
  FgPoolKind pool;    /* classification of this call */
  FgSpan method_arg;  /* for FORK_METHOD/SAFE_METHOD: the string literal
                         ("fork" with its quotes); {0,0} otherwise */
  bool in_with;       /* the call is a `with` item (context-managed) */
  char *assigned_to;  /* `x = call(...)` / `self.x = call(...)` / `with call() as x`:
                         "x" / "self.x"; NULL */
  bool escapes;       /* its value is returned, yielded, or handed to
                         enter_context/addfinalizer/closing */
  /* for the test model */
  int guard;           /* the innermost condition it runs under (conds), -1 */
  int args;            /* its arguments: first expr (chained by next), -1 */
  bool star_args;      /* `*args` in the call: positions are unknown (a `**kw`
                          is a KW argument named "**") */
  uint8_t how;         /* FgNameHow of the callee's first component */
  uint8_t bound_parts; /* how many leading components of resolved came from an
                          import binding (0: none); a patch of a name the
                          module bound at import misses the module */
  uint8_t site;        /* FgSiteKind when pool != NONE or it is a Process /
                          manager made and not started here */
  uint8_t method;      /* FgStartMethod of the site */
  uint8_t gate;        /* FgSiteGate */
  int gate_expr;       /* the argument the gate reads (exprs), -1: absent */
  uint8_t started;     /* FgStarted, for sites that need a start */
} FgPyCall;

typedef struct FgPyClass {
  char *name;
  int parent;       /* index of the enclosing class, -1 at module level */
  bool in_function; /* defined inside a def: never collected by pytest */
  FgSpan span;      /* from the first decorator to the end of the body */
  FgSpan name_span;
  char **bases; /* resolved dotted names ("unittest.TestCase", "Base") */
  size_t nbases;
  bool has_init;       /* defines __init__ (pytest does not collect it) */
  FgPyMarker *markers; /* class decorators' markers, incl. `pytestmark = ...`
                          in the class body */
  size_t nmarkers;
  FgPyAssign *attrs; /* class-body `name = value` */
  size_t nattrs;
  int dunder_test;    /* `__test__ = False/True` in the body: 0 / 1; -1 unset */
  FgPyPatch *patches; /* class decorators `@mock.patch(...)` */
  size_t npatches;
} FgPyClass;

typedef struct FgPyFunc {
  char *name;
  int cls;     /* index into classes, -1 for a module-level def */
  bool nested; /* defined inside another def (not collectable) */
  bool is_async;
  FgSpan span;     /* from the first decorator (or `def`/`async`) to body end */
  FgSpan def_span; /* from `def`/`async` to the end of the body */
  FgSpan name_span;
  char *indent;  /* the whitespace before the first decorator / def line */
  char **params; /* parameter names, in order, without self/cls */
  size_t nparams;
  int *param_defaults; /* per param: its default (exprs), -1 none */
  size_t npositional;  /* params before any `*` / `*args` (positional slots) */
  char *kwargs;        /* the `**` parameter's name (not in params); NULL */
  FgPyMarker *markers; /* decorators' markers, and `pytest.param(... marks=)`
                          markers reported with name prefixed "param:" only
                          when EVERY param of a parametrize carries it */
  size_t nmarkers;
  /* fixture facts */
  bool is_fixture;
  char *fixture_name; /* `name=` or the function name */
  bool autouse;
  char **getfixturevalue; /* literal names from request.getfixturevalue("x") */
  size_t ngetfixturevalue;
  bool has_yield;
  /* calls made in the body (nested defs and lambdas included) */
  FgPyCall *calls;
  size_t ncalls;
  /* values, for the test model */
  int *returns;       /* returned / yielded values (exprs) */
  int *return_guards; /* the condition each runs under (conds), -1 */
  size_t nreturns;
  FgPyAssign *self_assigns; /* `self.name = value` (name without "self.") */
  size_t nself_assigns;
  FgPyAssign *locals; /* `name = value` of local names, in source order */
  size_t nlocals;
  FgPyPatch *patches; /* patches made in the body and by its decorators */
  size_t npatches;
  bool mentions_pool; /* a value in it names a pool constructor, a context or
                         a process class (parse/pysites.c) */
  size_t first_check; /* the first `assert` / `raise` in its body; SIZE_MAX none */
  /* its decorators, outermost first (exprs): a click decorator's call in
   * full (`click.option("-p", type=int)`, `cli.command()`), a name as a
   * NAME, any other call OPAQUE */
  int *decorators;
  size_t ndecorators;
} FgPyFunc;

typedef struct FgPyModule {
  const FgSource *src; /* not owned */
  bool has_error;
  size_t error_offset; /* first ERROR / MISSING node */
  char *error_message; /* "invalid syntax" / "missing ')'" ... */

  FgPyImport *imports;
  size_t nimports;
  FgPyClass *classes;
  size_t nclasses;
  FgPyFunc *funcs;
  size_t nfuncs;

  FgPyMarker *module_markers; /* `pytestmark = ...` at module level */
  size_t nmodule_markers;
  FgSpan pytestmark_span; /* the right-hand side, {0,0} if absent */

  FgPyCall *module_calls; /* calls executed at import time (module level
                             and class bodies, outside defs) */
  size_t nmodule_calls;

  /* registration of markers: `X.addinivalue_line("markers", "NAME: ...")` */
  char **registered_markers;
  size_t nregistered_markers;

  /* where a new top-of-file import goes: after the module docstring and
   * `from __future__` imports (byte offset of the start of the next line) */
  size_t import_insert_offset;
  bool imports_pytest; /* `import pytest` at module level */
  char *mark_alias;    /* local name bound to pytest.mark, e.g. "mark" from
                          `from pytest import mark`; NULL if none */

  FgPyExpr *exprs; /* every expression the fields above point at */
  size_t nexprs;
  FgPyCond *conds;
  size_t nconds;
  FgPyAssign *globals; /* module-level `name = value` */
  size_t nglobals;
  int dunder_test;  /* module-level `__test__ = False/True`: 0 / 1; -1 unset */
  uint32_t pack_at; /* where in pack the parts begin: 0, or after the copy of this
                       struct a cached summary's bytes begin with */
  /* where the top-level statements that begin a line begin (byte offsets,
   * ascending; none when the module does not parse): a fix's new bytes
   * are validated by reparsing the statements its edits touch */
  uint32_t *top_starts;
  size_t ntop;
  /* the one block every string and array above lives in once the summary is
   * built (fg_pyfile_pack; read from the cache, the bytes read, whose parts
   * follow a copy of this struct); NULL while it is being built or read */
  char *pack;
  size_t pack_len; /* the bytes its parts take, from pack_at */
} FgPyModule;

typedef struct FgPyOptions {
  /* extra fully-qualified names that start processes (config) */
  const char *const *extra_pool_constructors;
  size_t nextra_pool_constructors;
} FgPyOptions;

/* Never returns NULL. A syntax error sets has_error but still fills what
 * could be read. opts may be NULL. */
FgPyModule *fg_pyfile_parse(const FgSource *src, const FgPyOptions *opts);
/* Moves a built summary's strings and arrays into one block of their exact
 * size, equal strings kept once (parse/pyfile_pack.c). The summary reads the
 * same; it must not be changed afterwards. Done by fg_pyfile_parse; the
 * cache keeps the block as it is (fg_pyfile_cache_read). */
void fg_pyfile_pack(FgPyModule *self);
/* For the cache (parse/pyfile_cache.c): fills hdr and block (pack_len bytes)
 * with copies of the packed summary and of its parts, every pointer in them
 * as its offset in the block + 1 (0: NULL). */
void fg_pyfile_pack_to_offsets(const FgPyModule *packed, FgPyModule *hdr, char *block);
/* And back, for the summary m whose pointers are such offsets into block
 * (len bytes): false, with m's pointers left as they were half-way, when one
 * does not fit the block (outside it, misaligned, a string without its NUL,
 * bytes another part holds). */
bool fg_pyfile_pack_from_offsets(FgPyModule *m, char *block, size_t len);
void fg_pyfile_delete(FgPyModule *self);

/* Where a fix puts new imports: import_insert_offset, moved past blank lines
 * when an import statement follows them (so new imports join the module's
 * import block instead of hugging the docstring). */
size_t fg_pyfile_import_offset(const FgPyModule *self);

/* How many blank lines new imports inserted at `at` need after them so the
 * code that follows keeps its distance (as isort does): 2 before a def,
 * class or decorator, 1 before other code, 0 before imports, comments,
 * blank lines or the end. */
size_t fg_pyfile_import_gap(const FgPyModule *self, size_t at);

/* The source text of an expression or span, on one line (runs of
 * whitespace as one space), at most max bytes (then "..."). Owned. */
char *fg_pyfile_text(const FgPyModule *self, FgSpan span, size_t max);

/* Does the module summary mention a marker with this name anywhere? */
bool fg_pyfile_marker_in(const FgPyMarker *markers, size_t n, const char *name);

#endif
