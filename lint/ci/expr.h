/* expr: GitHub Actions expressions (`${{ ... }}`) evaluated statically.
 *
 * Values are those of the expression language: null, bool, number, string,
 * array, object, plus UNKNOWN for what cannot be known without running the
 * workflow (`github.*`, `steps.*`, `needs.*`, `secrets.*`, `hashFiles()`...).
 * An unknown value may still know its truthiness (`x && ''` is falsy
 * whatever x is).
 *
 * Supported: literals ('str' with '' escapes, numbers, true, false, null),
 * context access (`matrix.python-version`, `env['X']`, `inputs.os`,
 * `runner.os`), `!`, `< <= > >= == !=` (loose equality, strings compared
 * case-insensitively, as GitHub does), `&&` / `||` (returning an operand),
 * parentheses, and the functions contains, startsWith, endsWith, format,
 * join, fromJSON, success, always (true), failure, cancelled (false).
 *
 * Ownership: every value lives in an FgXArena and is freed with it. */
#ifndef FG_EXPR_H
#define FG_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"
#include "parse/yaml_doc.h"

typedef enum FgXKind {
  FG_X_UNKNOWN,
  FG_X_NULL,
  FG_X_BOOL,
  FG_X_NUM,
  FG_X_STR,
  FG_X_ARRAY,
  FG_X_OBJECT
} FgXKind;

typedef struct FgXValue FgXValue;
struct FgXValue {
  FgXKind kind;
  bool b;           /* BOOL */
  double num;       /* NUM */
  char *str;        /* STR: the string; NUM: its spelling as written (may be NULL) */
  int truth;        /* UNKNOWN: 1 truthy, 0 falsy, -1 unknown */
  FgXValue **items; /* ARRAY: the items; OBJECT: key (STR), value, key, value... */
  size_t nitems;
};

typedef struct FgXArena {
  FG_VEC(void *) blocks;
  FG_VEC(FgXValue *) containers; /* arrays and objects: their item lists */
} FgXArena;

void fg_x_arena_free(FgXArena *self);

/* The contexts an expression can read; a NULL context is unknown. */
typedef struct FgXScope {
  const FgXValue *matrix;
  const FgXValue *env;
  const FgXValue *inputs;
  const FgXValue *runner;
  const FgXValue *steps; /* id -> {outputs: {name: value}} of earlier steps */
} FgXScope;

FgXValue *fg_x_unknown(FgXArena *a);
FgXValue *fg_x_null(FgXArena *a);
FgXValue *fg_x_str(FgXArena *a, const char *s);
FgXValue *fg_x_bool(FgXArena *a, bool b);
/* An empty object or array to fill with fg_x_set / fg_x_append. */
FgXValue *fg_x_object(FgXArena *a);
FgXValue *fg_x_array(FgXArena *a);
/* Sets key (case-insensitive, as contexts are) on an object. */
void fg_x_set(FgXArena *a, FgXValue *obj, const char *key, FgXValue *v);
void fg_x_append(FgXValue *arr, FgXValue *v);
/* A copy of an object with its own item list (the values are shared). */
FgXValue *fg_x_object_copy(FgXArena *a, const FgXValue *obj);

/* The object's value for key (case-insensitive); NULL when absent or when
 * obj is not an object. */
const FgXValue *fg_x_get(const FgXValue *obj, const char *key);

/* A YAML node as a value: plain scalars are typed (true/false, null, ~,
 * numbers), other scalars are strings, sequences arrays, mappings objects.
 * A scalar holding `${{ }}` is evaluated in scope (scope may be NULL: then
 * it is unknown). NULL node: null. */
FgXValue *fg_x_from_yaml(FgXArena *a, const FgYamlNode *node, const FgXScope *scope);

/* Evaluates an expression (the text inside `${{ }}`, or an `if:` without
 * them). Never NULL: what cannot be read is unknown. */
FgXValue *fg_x_eval(FgXArena *a, const char *expr, size_t len, const FgXScope *scope);

/* A `${{ }}` template: a string that is exactly one expression gives that
 * expression's value; otherwise the string with each expression replaced
 * by its text (unknown when any part is). */
FgXValue *fg_x_template(FgXArena *a, const char *text, const FgXScope *scope);

/* An `if:` condition (with or without `${{ }}`): 1 runs, 0 does not,
 * -1 unknown. */
int fg_x_condition(const char *text, const FgXScope *scope);

/* 1 truthy, 0 falsy, -1 unknown. */
int fg_x_truthy(const FgXValue *v);
/* The value as GitHub writes it into a string (null: "", true: "true",
 * arrays "Array", objects "Object"); NULL when unknown. Caller frees. */
char *fg_x_to_string(const FgXValue *v);

/* Where a substituted expression sits: text bytes [out_start, out_end) of
 * the result stand for bytes [in_start, in_end) of the original. */
typedef struct FgXSubst {
  size_t in_start, in_end;
  size_t out_start, out_end;
  char *expr; /* the expression as written, `${{ ... }}` included */
} FgXSubst;

typedef FG_VEC(FgXSubst) FgXSubstVec;

/* Replaces every `${{ }}` of text whose value is known by that value, as
 * GitHub does before the shell sees a `run:` script; unknown ones stay as
 * written. Each replacement is recorded in map (may be NULL). Caller frees
 * the result and the map's entries (fg_x_subst_free). */
char *fg_x_substitute(const char *text, size_t len, const FgXScope *scope,
                      FgXSubstVec *map, size_t *out_len);
void fg_x_subst_free(FgXSubstVec *map);
/* Maps an offset of the substituted text back to the original; *inside
 * (may be NULL) is set when it falls in a substituted value, which maps to
 * the start of its expression (is_end: an end offset, which maps to the
 * expression's end). */
size_t fg_x_subst_back(const FgXSubstVec *map, size_t off, bool is_end, bool *inside);

#endif
