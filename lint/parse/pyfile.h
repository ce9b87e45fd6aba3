/* pyfile: one Python module parsed with tree-sitter-python and reduced to a
 * summary (imports, classes, functions, calls, markers, fixtures, pool
 * sites). The tree is freed before fg_pyfile_parse returns: summaries are
 * all the project model keeps. Every span is a half-open byte range in the
 * module's FgSource. All strings are owned by the FgPyModule. */
#ifndef FG_PYFILE_H
#define FG_PYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"
#include "core/util.h"

typedef struct FgSpan {
  size_t start, end;
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
} FgPyMarker;

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
  char *assigned_to;  /* `x = call(...)` / `self.x = call(...)`: "x" / "self.x"; NULL */
  bool escapes;       /* its value is returned, yielded, or handed to
                         enter_context/addfinalizer/closing */
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
} FgPyModule;

typedef struct FgPyOptions {
  /* extra fully-qualified names that start processes (config) */
  const char *const *extra_pool_constructors;
  size_t nextra_pool_constructors;
} FgPyOptions;

/* What a module must say for one of its calls to classify as a pool site,
 * a fork or a safe start method (the project's prefilter, SPEC §12): every
 * component of one of the heads (dotted module prefixes such as
 * "concurrent.futures": a call resolves through the module's own imports and
 * text, so the words are in it) and one of the names (the last part of the
 * constructor or start-method call). os.fork() is left out: the model reads
 * it in test code only, where the project looks for the word `fork` itself.
 * Appends owned strings. opts may be NULL. */
void fg_pyfile_site_words(const FgPyOptions *opts, FgStrVec *heads, FgStrVec *names);

/* Never returns NULL. A syntax error sets has_error but still fills what
 * could be read. opts may be NULL. */
FgPyModule *fg_pyfile_parse(const FgSource *src, const FgPyOptions *opts);
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

/* Does the module summary mention a marker with this name anywhere? */
bool fg_pyfile_marker_in(const FgPyMarker *markers, size_t n, const char *name);

#endif
