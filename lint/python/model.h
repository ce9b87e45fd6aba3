/* python/model: the test model. From the discovered .py files it builds,
 * in this order:
 *   load.c       reading, the word prefilter and parsing (parse/pyfile) in
 *                rounds until nothing more can reach a pool
 *   names.c      dotted module names and per-module lookup indexes
 *   resolve.c    calls, imports and base classes resolved to in-repo defs
 *   fixtures.c   pytest's fixture scopes (class, module, conftest.py files)
 *   propagate.c  which defs reach a pool site, and the shortest chain
 *   collect.c    the test items pytest collects, with their markers
 * It knows nothing of CI: the project (lint/project.c) hands it pytest's
 * settings and the markers in force, and asks which tests use pools. */
#ifndef FG_PYTHON_MODEL_H
#define FG_PYTHON_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cache.h"
#include "core/overlay.h"
#include "core/source.h"
#include "core/util.h"
#include "parse/pyfile.h"

/* Where a chain runs, for the CI rules: a set of (OS, Python 3.minor)
 * cells as a bit mask. The bit `os * 16 + minor` is set when the chain's
 * guards hold there: os is one of FG_OS_*, minor is 0..15 for Python 3.0 to
 * 3.15 (15 stands for 3.15 and every later 3.x too). FG_PLATFORMS_ALL: on
 * every platform. A guard on sys.platform, os.name, platform.system() or
 * sys.version_info clears the cells where it is false:
 *   `if sys.platform == "win32":`        only the FG_OS_WINDOWS cells
 *   `if sys.version_info >= (3, 12):`    only the minor >= 12 cells
 * Use fg_platforms_has() to ask about one cell, fg_platforms_describe() for
 * a note. */
typedef uint64_t FgPlatforms;
#define FG_PLATFORMS_ALL UINT64_MAX

/* Python files larger than this are not read: a generated 50 MB module is
 * not a test suite, and reading it would blow the pre-commit budget. */
#define FG_MAX_PY_BYTES (8u << 20)
enum { FG_OS_LINUX = 0, FG_OS_MACOS = 1, FG_OS_WINDOWS = 2, FG_OS_OTHER = 3 };
#define FG_PLATFORM_CELL(os, minor) ((os)*16 + ((minor) > 15 ? 15 : (minor)))

/* Does the chain run on this OS (FG_OS_*) with Python 3.minor? */
bool fg_platforms_has(FgPlatforms self, int os, int minor);
/* "only on Linux", "only on Python >= 3.8", "only on Windows, Python < 3.12";
 * NULL when ALL. Owned. */
char *fg_platforms_describe(FgPlatforms self);

/* The start methods a test's certain chains use, as bits (1 << FgStartMethod,
 * parse/pyfile.h): FG_METHOD_DEFAULT is the platform's default (fork on
 * Linux before 3.14); FORK an explicit fork (get_context("fork"), os.fork);
 * SPAWN / FORKSERVER never fork the worker; OWN a library's own (loky). */
#define FG_METHODS_FORK_DEFAULT (1u << FG_METHOD_DEFAULT)
#define FG_METHODS_FORK_EXPLICIT (1u << FG_METHOD_FORK)

/* One step of the chain that proves a finding. */
typedef struct FgLink {
  const FgSource *src;
  size_t start, end;
  char *label; /* "fixture pool", "make_pool()", "ProcessPoolExecutor" */
} FgLink;

typedef struct FgChain {
  FG_VEC(FgLink) links;
} FgChain;

typedef struct FgModule {
  FgSource *src;  /* owned */
  FgPyModule *py; /* owned; NULL when the prefilter left it unparsed */
  char *modname;  /* dotted import name ("tests.util", "pkg.core") */
  char *package;  /* package for relative imports */
  char *dir;      /* relative directory, "" at the root */
  bool is_test_file;
  bool is_conftest;
  /* per function of py: index into the model's def table */
  size_t first_def;
  /* owned: py's module-level classes and non-nested functions by name,
   * built once after the parse (NULL when py is) */
  struct FgModIndex *index;
  /* the conftest.py modules from dir up to the root, parsed or not (owned
   * vector; filled by the first scope built for the module) */
  FG_VEC(struct FgModule *) conftests;
  bool conftests_known;
} FgModule;

typedef FG_VEC(FgModule *) FgModuleVec;

typedef struct FgDef {
  FgModule *mod;
  int func;   /* index into mod->py->funcs */
  int dist;   /* links to a pool site; -1: uses no pools */
  int next;   /* def to follow (-1: the site is here) */
  FgSpan via; /* the call / parameter that leads to next, or the site */
  char *via_label;
} FgDef;

typedef struct FgTest {
  FgModule *mod;
  int func;              /* the function run; for an inherited test, the base class's
                            method (same module) while cls is the collecting subclass */
  int cls;               /* -1 for a module-level test */
  bool inherited;        /* collected from a base class under cls */
  char *nodeid;          /* tests/test_x.py::TestA::test_b */
  char *name;            /* test_b */
  FgStrVec markers;      /* effective markers: function, classes, module */
  bool marked;           /* carries the project's marker (or an equivalent) */
  const char *marked_by; /* the marker that counted: the marker in force or a
                            convention's name (borrowed); NULL if unmarked */
  FgModule *file;        /* the collected file pytest names in the node id (for an
                            inherited test it may differ from mod: cls is its class) */
  bool uses_pools;       /* a certain path starts processes (FG101) */
  bool possible;         /* no certain path, but a path behind a guard that cannot be
                            evaluated (FG105) */
  FgChain chain;         /* the certain path, else the possible one: each link really
                            leads to the process start at its end */
  FgPlatforms platforms; /* where the chain's guards hold */
  unsigned methods;      /* start methods of the certain paths (bits, above) */
  char *guard;           /* possible: "only when `x` is true (path:line)" */
  FgStrVec notes;        /* more about the finding: patches that miss */
} FgTest;

/* A dotted module name and the module it names (names.c). */
typedef struct FgName {
  const char *name;
  FgModule *mod;
} FgName;

typedef struct FgNameTable {
  FG_VEC(FgName) names; /* sorted by name once every module is named */
  FgStrVec owned;
  /* then each distinct name's first entry by the hash of the name: open
   * addressing, a slot holds an index + 1 (0: empty); cap a power of two */
  uint32_t *slots;
  size_t cap;
} FgNameTable;

typedef struct FgPyModel {
  /* settings, filled in before fg_pymodel_load */
  FgStrVec python_files;   /* owned: pytest's python_files, python_classes, */
  FgStrVec python_classes; /* python_functions (defaults applied) */
  FgStrVec python_functions;
  const char *const *extra_pool_constructors; /* borrowed (config) */
  size_t nextra_pool_constructors;
  int jobs;                     /* threads that read and parse */
  bool parse_suppressions;      /* also parse files with suppression comments
                                   (`forkguard: ignore`, `noqa`), for FG002 */
  const char *const *env_files; /* borrowed: the files that can set environment
                                   variables for the test run (workflows, tox.ini, ...) */
  size_t nenv_files;
  const char *const *force_parse; /* sorted relative paths parsed whatever the
                                     prefilter says (borrowed) */
  size_t nforce_parse;
  FgCache *cache; /* borrowed: summaries kept between runs, NULL: none */

  /* the model */
  FG_VEC(FgModule *) modules; /* in discovery order: sorted by path */
  FG_VEC(FgDef) defs;
  FG_VEC(FgTest) tests;
  FgNameTable names;
  /* counters (FORKGUARD_STATS): files read and parsed, bytes read, how many
   * files the first pass parsed, the later rounds and what they re-read */
  size_t files_read, files_parsed;
  char *env_text;   /* owned: env_files' text, one after the other */
  FgStrVec env_set; /* owned, sorted: names the loaded Python code may set in
                       os.environ (setenv, putenv, patch.dict, environ[...] =) */
  size_t files_parsed_first, bytes_read, rounds, later_reads;
  size_t search_evals;                  /* node evaluations the test searches spent */
  size_t words_bytes, words_bytes_peak; /* kept of unparsed files' words */
  /* while loading: the sorted relative paths of every discovered .py */
  char *const *paths;
  size_t npaths;
  /* fg_py_class_mro's answers so far (owned; resolve.c), good while
   * files_parsed is what it was when they were worked out */
  struct FgMroMemo *mro_memo;
} FgPyModel;

/* Reads and summarises the modules at paths (sorted, relative to the
 * root) that can matter, resolves them and propagates pool use to a
 * fixpoint. `marker` is the marker in force: files that name it are parsed
 * too. Unreadable files go to problems. */
/* After fg_pymodel_load: reads env_files and the loaded modules for the
 * environment variables the project sets (environ.c); fg_pymodel_environ_free
 * forgets them. */
void fg_pymodel_environ(FgPyModel *self, const FgReader *rd);
void fg_pymodel_environ_free(FgPyModel *self);

void fg_pymodel_load(FgPyModel *self, const FgReader *rd, const FgStrVec *paths,
                     const char *marker, FgProblems *problems);

/* Collects the test items, each marked when it carries `marker` or one of
 * the `nequivalents` equivalents (borrowed: they must outlive the model). */
void fg_pymodel_collect_tests(FgPyModel *self, const char *marker,
                              const char *const *equivalents, size_t nequivalents);

void fg_pymodel_free(FgPyModel *self);

/* Module lookup by dotted name, NULL if not in the repository. */
FgModule *fg_pymodel_module(const FgPyModel *self, const char *modname);
/* The module of a relative path, NULL if none. */
FgModule *fg_pymodel_module_by_path(const FgPyModel *self, const char *path);
/* Its index in self->modules (sorted by path); SIZE_MAX when there is none. */
size_t fg_pymodel_module_index(const FgPyModel *self, const char *path);
/* The parsed conftest.py files from folder dir (relative to the root) up to
 * the root, closest first: the order pytest gives their fixtures. */
void fg_pymodel_conftests(const FgPyModel *self, const char *dir, FgModuleVec *out);

/* The chain of a def, as links (for rules other than FG101). */
void fg_pymodel_chain(const FgPyModel *self, int def, FgChain *out);
void fg_chain_free(FgChain *chain);
/* "test_b → fixture pool (tests/conftest.py:12) → ..." */
char *fg_chain_format(const FgChain *chain, const char *head);

/* The conftest.py that sets a non-fork start method (a
 * set_start_method("spawn"|"forkserver") call in it, or in an in-repo
 * module it imports), or NULL when none does. */
const FgModule *fg_pymodel_safe_start_method(const FgPyModel *self);

/* A non-fork set_start_method that conftest.py runs before any test: at
 * import (its own module level, or that of a module it imports), or in a
 * start-up hook (pytest_configure, pytest_sessionstart...), directly or
 * through one call. guard: the `if`/`elif`/`else` conditions around it as
 * Python text ("(sys.platform == 'linux') and not (C)"; "?" for a part
 * not read), NULL when none. */
typedef struct FgStartSetting {
  const FgModule *conftest;
  const FgModule *mod; /* where the call is written */
  const FgPyCall *call;
  char *guard;
} FgStartSetting;

typedef FG_VEC(FgStartSetting) FgStartSettings;

void fg_pymodel_start_settings(const FgPyModel *self, FgStartSettings *out);
void fg_start_settings_free(FgStartSettings *self);
/* Does a guard hold on CPython 3.minor (minor < 0: unknown) on Linux
 * (is_linux 1) or another OS (0) or either (-1)? 1, 0, or -1 when not
 * known. Reads sys.platform, platform.system(), os.name and
 * sys.version_info comparisons with not / and / or. */
int fg_py_guard_holds(const char *guard, int minor, int is_linux);

/* Does a pattern of python_functions / python_classes match name? (a
 * pattern with glob characters is a glob, otherwise a prefix) */
bool fg_pymodel_name_matches(char *const *pats, size_t n, const char *name);

#endif
