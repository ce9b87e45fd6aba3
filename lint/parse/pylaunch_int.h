/* pylaunch_int: what parse/pylaunch.c (the evaluator and runner scripts)
 * and parse/noxfile.c (noxfile sessions) share. Nothing else includes it. */
#ifndef FG_PYLAUNCH_INT_H
#define FG_PYLAUNCH_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "core/util.h"
#include "parse/pylaunch.h"

/* Blocks inside blocks, and helpers calling helpers, are followed this
 * deep; expressions this deep. */
#define PL_MAX_DEPTH 24
#define PL_MAX_HELPERS 3
#define PL_MAX_ITEMS 512

typedef struct PlVar {
  char *name;
  FgPlList value;
} PlVar;

typedef FG_VEC(PlVar) PlVars;

typedef struct Pl {
  const char *src;
  size_t len;
  TSFieldId f_left, f_right, f_function, f_arguments, f_object, f_attribute, f_value,
      f_subscript, f_body, f_name, f_parameters, f_definition, f_operator, f_alias,
      f_module_name;
  PlVars module;        /* module-level names bound to lists */
  FgStrVec pytest_main; /* spellings of pytest.main: "pytest.main", "main"... */
  FgStrVec nox_session; /* "nox.session", "session" */
  FgStrVec nox_param;   /* "nox.parametrize" */
  TSNode root;
} Pl;

typedef struct PlScope {
  PlVars vars;
  const char *session; /* the name the session is known by here, or NULL */
  FgStrVec params;     /* the function's parameters (`*rest` spelled "*rest") */
  bool params_argv;    /* a parameter stands for the script's arguments */
} PlScope;

typedef struct PlVisit PlVisit;
/* Called for every call node in statement order; return true when the
 * call was taken (its subtree is not searched further). */
typedef bool (*PlOnCall)(Pl *pl, PlVisit *v, TSNode call, PlScope *sc, int depth);

struct PlVisit {
  PlOnCall on_call;
  void *ud;
  bool stop;
};

void fg_pl_vars_free(PlVars *v);
PlVar *fg_pl_var_find(PlVars *v, const char *name);
/* The variable name, emptied (created when missing). */
PlVar *fg_pl_var_set(PlVars *v, const char *name);

/* Node access that is safe on a null node (a missing field). */
TSNode fg_pl_null(void);
TSNode fg_pl_get(TSNode n, TSFieldId f);
uint32_t fg_pl_count(TSNode n);
TSNode fg_pl_child(TSNode n, uint32_t i);
bool fg_pl_is(TSNode n, const char *type);
char *fg_pl_text(const Pl *pl, TSNode n);
/* A plain string literal's value, or NULL. */
char *fg_pl_string(const Pl *pl, TSNode n);
/* `a.b.c` as text, or NULL. */
char *fg_pl_dotted(const Pl *pl, TSNode n);
bool fg_pl_in(const FgStrVec *v, const char *s);

/* Appends the items n evaluates to (see pylaunch.h). */
void fg_pl_eval(Pl *pl, TSNode n, PlScope *sc, FgPlList *out, int depth);
/* The call's positional arguments, `*x` spliced. */
void fg_pl_call_args(Pl *pl, TSNode call, PlScope *sc, FgPlList *out, int depth);
/* The statements of a block in order: assignments bind names, every call
 * goes to v->on_call. */
void fg_pl_block(Pl *pl, PlVisit *v, TSNode block, PlScope *sc, int depth);
/* The module's top-level function name (and its decorated_definition). */
TSNode fg_pl_function(const Pl *pl, const char *name, TSNode *decorated);
/* A function's parameter names (`*rest` as "*rest"). */
void fg_pl_params(Pl *pl, TSNode def, FgStrVec *out);

/* Parses src and reads its module level; false when it cannot be parsed. */
bool fg_pl_begin(Pl *pl, const FgSource *src, TSTree **tree);
void fg_pl_end(Pl *pl, TSTree *tree);

#endif
