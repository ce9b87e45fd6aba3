/* parse/pyfile_walk: what the files of parse/pyfile share: the raw facts
 * of the walk (parse/pyfile_walk.c), the node, argument and scope helpers
 * it uses (parse/pyfile_syntax.c), and the resolution after it
 * (parse/pyfile.c, parse/pyfile_starts.c). Nothing outside
 * parse/pyfile*.c includes it. */
#ifndef FG_PYFILE_WALK_H
#define FG_PYFILE_WALK_H

#include <stdint.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "core/util.h"
#include "parse/pyfile.h"

/* A dotted name longer than this many parts (`f()()()...`, `a.b.c...`) is
 * not a name anyone resolves; giving up keeps the work per call bounded. */
#define MAX_DOTTED_PARTS 32
/* Raw callee text kept for calls whose function is not a dotted name. */
#define MAX_RAW_CALLEE 256
/* Alias chains (`a = b; b = c`) are followed this far. */
#define MAX_ALIAS_DEPTH 8
/* A call in a nested def is also listed in this many enclosing defs. */
#define MAX_CALL_OWNERS 32

enum { SCOPE_MODULE, SCOPE_CLASS, SCOPE_FUNC };
enum { BIND_IMPORT, BIND_ALIAS, BIND_OPAQUE, BIND_PARAM, BIND_SELF };
enum { OWNER_MODULE, OWNER_CLASS, OWNER_FUNC };

typedef struct Scope {
  int kind;
  int parent;
  int func; /* for SCOPE_FUNC: the FgPyFunc index */
} Scope;

typedef struct Binding {
  size_t offset;
  int kind;
  char *value; /* IMPORT: qualified target; ALIAS: dotted text; else NULL */
} Binding;

typedef struct NameEntry {
  int scope;
  char *name;
  FG_VEC(Binding) binds;
  bool escaped; /* for a function scope: the name is returned/yielded/handed off */
} NameEntry;

typedef struct RawCall {
  char *callee;
  bool callee_dotted;
  FgSpan span, callee_span;
  int scope, func;
  bool in_with, direct_escape;
  bool main_only;
  char *assigned_to;
  char *arg0_str, *arg1_str;
  FgSpan arg0_span;
  char *arg0_dotted;
  int arg0_call; /* the first positional argument is this call */
  char *kw_method;
  FgSpan kw_method_span;
  bool threads; /* prefer="threads" / backend="threading" */
  char *resolved;
  FgPoolKind pool;
  FgSpan method_arg;
  bool escapes;
  /* for the test model */
  int guard;
  int args; /* exprs, chained */
  bool star_args;
  uint8_t how, bound_parts;
  uint8_t site, method, gate;
  bool needs_start;
  uint8_t started;
  int gate_expr;
  char *start_method_kw; /* mpire's start_method="..." */
  bool sharedmem;        /* joblib require="sharedmem" */
  char *backend;         /* joblib backend="..." */
  int scheduler_expr;    /* dask scheduler=/get= value (exprs), -1 */
} RawCall;

/* `name = value` seen by the walk: owner is a function, a class or -1. */
typedef struct RawAssign {
  int owner;
  char *name;
  int expr;
  FgSpan span;
  int guard;
} RawAssign;

/* A value kept in a container, in a def: `self.x[k] = v` or `x[k] = v` (an
 * item), `self.x.append(v)` (an item), or a loop `for v in self.x` / `for v
 * in self.x.values()` (loop set). A Process kept so is started by a
 * `.start()` on an item of the container or on the loop's name in the loop. */
typedef struct RawStore {
  int func;
  char *container, *name;
  bool loop;
  FgSpan span; /* the loop statement */
} RawStore;

/* A patch candidate: `mock.patch("a.b")` (dotted set), or
 * `monkeypatch.setattr(obj, "attr")` / `patch.object(obj, "attr")` (obj and
 * attr set); resolved after the walk in scope at offset. */
typedef struct RawPatch {
  int owner_kind, owner;
  char *dotted;
  char *obj, *attr;
  int scope;
  size_t offset;
  FgSpan span;
} RawPatch;

/* Where an expression's names are resolved. */
typedef struct ExprPos {
  int scope;
  size_t offset;
  int func;
} ExprPos;

typedef struct MarkCand {
  int owner_kind, owner;
  int scope;
  size_t offset;
  char *prefix, *name;
  FgSpan span;
  char **args;
  size_t nargs;
  int cond;
} MarkCand;

typedef struct MarkRef {
  char *prefix, *name;
} MarkRef;

typedef struct ParamElem {
  char *callee;        /* NULL when the element is not a call */
  size_t first, count; /* range in Walk.param_marks */
} ParamElem;

typedef struct ParamCand {
  int func, scope;
  size_t offset;
  FgSpan span;
  size_t first, count; /* range in Walk.param_elems */
} ParamCand;

typedef struct FixCand {
  int func, scope;
  size_t offset;
  char *dotted;
  bool autouse;
  char *name;
} FixCand;

typedef struct Ctx {
  int scope, func, cls;
  bool main_only; /* under `if __name__ == "__main__":`: not run on import */
  int guard;      /* the innermost condition (conds), -1 */
} Ctx;

typedef struct Frame {
  TSNode node;
  const char *type;
  Ctx outer, inner;
  int call;          /* RawCall index when the node is a call */
  size_t arg0_start; /* for a call: start of its first positional argument */
  int cons_guard;    /* if/elif/while/ternary/boolop: the guard of the guarded part */
  int alt_guard;     /* if/ternary: the guard of the next elif / else part */
} Frame;

typedef struct Walk {
  const char *src;
  size_t len;
  const FgPyOptions *opts;
  FgPyModule *m;
  TSFieldId f_body, f_name, f_function, f_arguments, f_left, f_right, f_value, f_object,
      f_attribute, f_alias, f_module_name, f_superclasses, f_parameters, f_condition,
      f_consequence, f_alternative, f_operator, f_operators, f_argument, f_subscript,
      f_key;

  FG_VEC(Frame) stack;
  FG_VEC(Scope) scopes;
  FG_VEC(NameEntry) names;
  int *table; /* open addressing over names, -1 = empty */
  size_t table_cap;
  FG_VEC(char *) star_modules; /* module-level `from X import *` targets */

  FG_VEC(FgPyImport) imports;
  FG_VEC(FgPyClass) classes;
  FG_VEC(FgPyFunc) funcs;
  FG_VEC(int) func_parent;     /* enclosing def of each FgPyFunc, -1 */
  FG_VEC(int) func_scope;      /* the scope each FgPyFunc opens */
  FG_VEC(bool) func_finalizer; /* the def calls addfinalizer */
  FG_VEC(int) class_scope;     /* the scope a class's bases resolve in */
  FG_VEC(RawCall) calls;
  FG_VEC(MarkCand) marks;
  FG_VEC(ParamCand) params;
  FG_VEC(ParamElem) param_elems;
  FG_VEC(MarkRef) param_marks;
  FG_VEC(FixCand) fixtures;

  FG_VEC(FgPyExpr) exprs;
  FG_VEC(ExprPos) expr_pos;
  FG_VEC(FgPyCond) conds;
  FG_VEC(RawAssign) returns; /* owner: func */
  FG_VEC(RawAssign) self_assigns;
  FG_VEC(RawAssign) locals;
  FG_VEC(RawAssign) class_attrs; /* owner: class */
  FG_VEC(RawAssign) globals;
  FG_VEC(RawPatch) patches;
  FG_VEC(RawStore) stores;
  FG_VEC(int) class_test; /* per class: __test__ 0/1, -1 unset */
} Walk;

/* Child iteration with a cursor: ts_node_child(n, i) is O(i) per call. */
typedef struct Kids {
  TSTreeCursor cur;
  bool ok;
} Kids;

/* ---- arguments --------------------------------------------------------- */

typedef struct KwArg {
  TSNode name, value;
} KwArg;

typedef struct Args {
  FG_VEC(TSNode) pos;
  FG_VEC(KwArg) kw;
} Args;

/* ---- parse/pyfile_syntax.c ---------------------------------------------- */

/* ---- small node helpers ------------------------------------------------ */

/* Node type names are the grammar's own strings: the first byte tells most
 * apart before strcmp. */
static inline bool fg_pf_is_type(const char *type, const char *want) {
  return type == want || (type[0] == want[0] && strcmp(type, want) == 0);
}
static inline bool fg_pf_node_is(TSNode n, const char *want) {
  return !ts_node_is_null(n) && fg_pf_is_type(ts_node_type(n), want);
}
FgSpan fg_pf_node_span(TSNode n);
char *fg_pf_node_text(const Walk *w, TSNode n);
bool fg_pf_text_eq(const Walk *w, TSNode n, const char *s);
void fg_pf_kids_begin(Kids *k, TSNode n);
TSNode fg_pf_kids_node(const Kids *k);
TSFieldId fg_pf_kids_field(const Kids *k);
void fg_pf_kids_next(Kids *k);
void fg_pf_kids_end(Kids *k);
/* A named, non-comment child. */
bool fg_pf_is_element(TSNode n);
/* The value of a plain string literal (no interpolation, not concatenated),
 * without prefix and quotes; NULL otherwise. *span gets the whole literal. */
char *fg_pf_string_value(const Walk *w, TSNode n, FgSpan *span);
/* `a.b().c` as text with call arguments elided; NULL when the expression is
 * not made of names, attributes and calls (or is absurdly long). */
char *fg_pf_dotted(const Walk *w, TSNode n);
/* The last dotted component and what precedes it: "pytest.mark.x" ->
 * prefix "pytest.mark", name "x". False without a prefix. */
bool fg_pf_split_last(const char *d, char **prefix, char **name);
const char *fg_pf_last_component(const char *d);
/* `x.append` / `x.add` / `x.appendleft`: a call that keeps its one argument
 * in the container x. */
static inline bool fg_pf_container_add(const char *callee) {
  const char *dot = strrchr(callee, '.');
  return dot && dot != callee &&
         (strcmp(dot, ".append") == 0 || strcmp(dot, ".add") == 0 ||
          strcmp(dot, ".appendleft") == 0);
}
void fg_pf_args_scan(const Walk *w, TSNode list, Args *a);
void fg_pf_args_free(Args *a);
TSNode fg_pf_args_kw(const Walk *w, const Args *a, const char *name);
int fg_pf_names_find(const Walk *w, int scope, const char *s, size_t n);
int fg_pf_names_get(Walk *w, int scope, const char *s, size_t n);
void fg_pf_bind(Walk *w, int scope, const char *name, size_t offset, int kind,
                char *value);
void fg_pf_bind_node(Walk *w, int scope, TSNode id, int kind, char *value);
int fg_pf_scope_new(Walk *w, int kind, int parent, int func);
char *fg_pf_resolve_simple(const Walk *w, const char *text, int scope, size_t offset);

/* resolve_simple, saying what bound the head (FgNameHow) and how many
 * leading components of the result an import-time binding supplied. */
char *fg_pf_resolve_how(const Walk *w, const char *text, int scope, size_t offset,
                        uint8_t *how, uint8_t *bound_parts);
/* resolve_how for a value; with keep_local_calls, a head that is a def's
 * local holding what a call returned (`o = Opts(procs=2)`) is not resolved:
 * NULL, *how FG_NAME_LOCAL (its value is the local's assignment, arguments
 * and all, not the callee's name the alias resolves to). */
char *fg_pf_resolve_value(const Walk *w, const char *text, int scope, size_t offset,
                          uint8_t *how, uint8_t *bound_parts, bool keep_local_calls);

/* ---- parse/pyfile_expr.c ------------------------------------------------ */

/* An expression node for n (OPAQUE beyond depth); its index. */
int fg_pf_expr(Walk *w, TSNode n, const Ctx *cx, int depth);
/* An OPAQUE expression spanning n (its text is not kept). */
int fg_pf_expr_opaque(Walk *w, TSNode n, const Ctx *cx);
/* `of[index]` for an unpacking target n (`a, b = f()`: a is f()[0]). */
int fg_pf_expr_item(Walk *w, TSNode n, int of, long long index, const Ctx *cx);
/* The arguments of a call as a chain of exprs (-1: none); *star when a
 * `*x` makes positions unknown (`**x` is a KW argument named "**"). */
int fg_pf_call_args(Walk *w, TSNode list, const Ctx *cx, bool *star);
int fg_pf_cond(Walk *w, uint8_t kind, bool negated, int expr, int parent, FgSpan span);
/* How a block ends: 0 it falls through, 1 return/continue/break or
 * sys.exit, 2 a skip or an error raised (pytest.skip, self.skipTest,
 * pytest.fail, raise). */
int fg_pf_block_exit(const Walk *w, TSNode block);
/* Frees exprs and their texts. */
void fg_pyfile_exprs_free(FgPyExpr *v, size_t n);
/* Resolves the names of every NAME / CALL expr (after the walk). */
void fg_pf_resolve_exprs(Walk *w);

/* ---- parse/pyfile_walk.c ------------------------------------------------ */

void fg_pf_walk_tree(Walk *w, TSNode root);

/* ---- parse/pyfile_starts.c ---------------------------------------------- */

/* Sets started (and pool, when started) of every call that makes a Process
 * or a manager (after resolution and the escape marks). */
void fg_pf_find_starts(Walk *w);

#endif
