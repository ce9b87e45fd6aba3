/* pylaunch: small summaries of the Python files that launch pytest, read
 * with tree-sitter-python (separate from parse/pyfile, which summarises
 * test modules):
 *  - a runner script: its first `pytest.main(ARGS)` call (also `main(...)`
 *    after `from pytest import main`, `pytest.main()` with no arguments,
 *    which reads sys.argv);
 *  - a noxfile: its `@nox.session` functions (name=, python=, tags=,
 *    default=, `@nox.parametrize`), the `session.run(...)` calls each makes
 *    (also through module functions it calls with the session, a few
 *    levels deep), and `nox.options.sessions`.
 *
 * Argument lists are evaluated the way such files build them, in statement
 * order and without control flow (every branch counts): string literals,
 * list and tuple literals, `+`, a local or module name bound to a list
 * (`=`, `+=`, `.extend`, `.append`), `*session.posargs`, `session.posargs
 * or [DEFAULT]`, `sys.argv[N:]`, `os.environ.get("X", "d")` /
 * `os.getenv` (optionally `.split()`), `list(x)` / `tuple(x)`; anything
 * else is an unknown item.
 *
 * Ownership: the summaries own every string in them; free with the
 * matching _free / _delete. Depth of nesting and of helper calls is
 * bounded. */
#ifndef FG_PYLAUNCH_H
#define FG_PYLAUNCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"
#include "core/util.h"

typedef enum FgPlKind {
  FG_PL_LIT,     /* a word: text */
  FG_PL_POSARGS, /* the session's posargs; or_default when `posargs or [...]` */
  FG_PL_ARGV,    /* the script's arguments from sys.argv[skip:] */
  FG_PL_ENV,     /* os.environ.get(text, dflt); split: `.split()` */
  FG_PL_UNKNOWN  /* text: the expression as written */
} FgPlKind;

typedef struct FgPlList FgPlList;

typedef struct FgPlItem {
  FgPlKind kind;
  char *text;
  char *dflt;
  bool split;
  size_t skip;
  FgPlList *or_default;
} FgPlItem;

struct FgPlList {
  FgPlItem *items;
  size_t len, cap;
};

void fg_pl_list_free(FgPlList *l);

/* One pytest.main / session.run call: its arguments, its span. */
typedef struct FgPlCall {
  FgPlList args;
  size_t start, end;
} FgPlCall;

typedef struct FgPyRunner {
  bool found;   /* a pytest.main call */
  bool no_args; /* pytest.main() with nothing: pytest reads sys.argv[1:] */
  FgPlCall call;
  /* the call runs whenever the script does: it is at module level, or in
   * functions the module level calls by name */
  bool always;
  /* otherwise: the module's functions that reach the call (by name, through
   * each other); a task script (`python tasks.py VERB`) runs it when VERB
   * names one of them */
  FgStrVec reach;
} FgPyRunner;

/* Reads src as a runner script; false when it does not call pytest.main. */
bool fg_pyrunner_read(const FgSource *src, FgPyRunner *out);
void fg_pyrunner_free(FgPyRunner *self);

typedef struct FgNoxSession {
  char *name;       /* the function's name or name= */
  FgStrVec pythons; /* python= values; empty: the one nox runs on */
  FgStrVec tags;
  bool is_default;   /* default=False makes it false */
  bool parametrized; /* @nox.parametrize: several runs named name(...) */
  FG_VEC(FgPlCall) runs;
} FgNoxSession;

typedef struct FgNoxfile {
  FG_VEC(FgNoxSession) sessions;
  FgStrVec defaults; /* nox.options.sessions */
  bool has_defaults;
} FgNoxfile;

/* Never returns NULL. */
FgNoxfile *fg_noxfile_parse(const FgSource *src);
void fg_noxfile_delete(FgNoxfile *self);

/* A command-line option a conftest.py registers (`parser.addoption("--x",
 * ...)`, `group.addoption`, `group._addoption`, anywhere in the file): its
 * spelling and how many words after it argparse takes as its value. */
enum { FG_PO_ONE = 1, FG_PO_OPTIONAL = -1, FG_PO_MANY = -2 };
typedef struct FgPyOptDecl {
  char *name;
  /* 0 for a flag (store_true, count, ...), N for nargs=N, FG_PO_OPTIONAL
   * for nargs="?", FG_PO_MANY for "*" and "+"; FG_PO_ONE otherwise */
  int nargs;
} FgPyOptDecl;
typedef FG_VEC(FgPyOptDecl) FgPyOptDecls;

/* Appends the options src registers to out. */
void fg_pyopts_read(const FgSource *src, FgPyOptDecls *out);
void fg_pyopts_free(FgPyOptDecls *self);

#endif
