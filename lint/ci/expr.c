/* expr: see expr.h. A recursive-descent evaluator: the expression is
 * evaluated while it is parsed, with a depth bound (an expression nested
 * deeper is unknown, never a stack overflow). */
#include "ci/expr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FG_X_MAX_DEPTH 64

/* ---- values ----------------------------------------------------------- */

static void *fg_x_alloc(FgXArena *a, size_t n) {
  void *p = fg_xcalloc(1, n);
  fg_vec_push(&a->blocks, p);
  return p;
}

static char *fg_x_strdup(FgXArena *a, const char *s, size_t n) {
  char *p = fg_x_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void fg_x_arena_free(FgXArena *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->containers.len; i++)
    free(self->containers.items[i]->items);
  fg_vec_free(&self->containers);
  for (size_t i = 0; i < self->blocks.len; i++)
    free(self->blocks.items[i]);
  fg_vec_free(&self->blocks);
}

static FgXValue *fg_x_new(FgXArena *a, FgXKind kind) {
  FgXValue *v = fg_x_alloc(a, sizeof *v);
  v->kind = kind;
  v->truth = -1;
  return v;
}

FgXValue *fg_x_unknown(FgXArena *a) {
  return fg_x_new(a, FG_X_UNKNOWN);
}

static FgXValue *fg_x_unknown_truth(FgXArena *a, int truth) {
  FgXValue *v = fg_x_new(a, FG_X_UNKNOWN);
  v->truth = truth;
  return v;
}

FgXValue *fg_x_null(FgXArena *a) {
  return fg_x_new(a, FG_X_NULL);
}

FgXValue *fg_x_str(FgXArena *a, const char *s) {
  FgXValue *v = fg_x_new(a, FG_X_STR);
  v->str = fg_x_strdup(a, s, strlen(s));
  return v;
}

static FgXValue *fg_x_str_take(FgXArena *a, char *s) {
  FgXValue *v = fg_x_str(a, s);
  free(s);
  return v;
}

FgXValue *fg_x_bool(FgXArena *a, bool b) {
  FgXValue *v = fg_x_new(a, FG_X_BOOL);
  v->b = b;
  return v;
}

static FgXValue *fg_x_num(FgXArena *a, double d, const char *spelling) {
  FgXValue *v = fg_x_new(a, FG_X_NUM);
  v->num = d;
  if (spelling)
    v->str = fg_x_strdup(a, spelling, strlen(spelling));
  return v;
}

static FgXValue *fg_x_container(FgXArena *a, FgXKind kind) {
  FgXValue *v = fg_x_new(a, kind);
  fg_vec_push(&a->containers, v);
  return v;
}

FgXValue *fg_x_object(FgXArena *a) {
  return fg_x_container(a, FG_X_OBJECT);
}

FgXValue *fg_x_array(FgXArena *a) {
  return fg_x_container(a, FG_X_ARRAY);
}

/* Item arrays grow by reallocation, so they are not arena blocks: the
 * arena keeps its containers and frees their arrays. */
static void fg_x_push_item(FgXValue *v, FgXValue *item) {
  v->items = fg_xrealloc(v->items, (v->nitems + 1) * sizeof *v->items);
  v->items[v->nitems++] = item;
}

void fg_x_append(FgXValue *arr, FgXValue *v) {
  if (arr && arr->kind == FG_X_ARRAY)
    fg_x_push_item(arr, v);
}

void fg_x_set(FgXArena *a, FgXValue *obj, const char *key, FgXValue *v) {
  if (!obj || obj->kind != FG_X_OBJECT)
    return;
  for (size_t i = 0; i + 1 < obj->nitems; i += 2)
    if (strcasecmp(obj->items[i]->str, key) == 0) {
      obj->items[i + 1] = v;
      return;
    }
  fg_x_push_item(obj, fg_x_str(a, key));
  fg_x_push_item(obj, v);
}

FgXValue *fg_x_object_copy(FgXArena *a, const FgXValue *obj) {
  FgXValue *n = fg_x_object(a);
  if (obj && obj->kind == FG_X_OBJECT)
    for (size_t i = 0; i < obj->nitems; i++)
      fg_x_push_item(n, obj->items[i]);
  return n;
}

const FgXValue *fg_x_get(const FgXValue *obj, const char *key) {
  if (!obj || obj->kind != FG_X_OBJECT)
    return NULL;
  for (size_t i = 0; i + 1 < obj->nitems; i += 2)
    if (strcasecmp(obj->items[i]->str, key) == 0)
      return obj->items[i + 1];
  return NULL;
}

int fg_x_truthy(const FgXValue *v) {
  switch (v->kind) {
  case FG_X_UNKNOWN:
    return v->truth;
  case FG_X_NULL:
    return 0;
  case FG_X_BOOL:
    return v->b;
  case FG_X_NUM:
    return v->num != 0 && !isnan(v->num);
  case FG_X_STR:
    return v->str[0] != '\0';
  default:
    return 1;
  }
}

static char *fg_x_num_string(const FgXValue *v) {
  if (v->str)
    return fg_xstrdup(v->str);
  if (v->num == floor(v->num) && fabs(v->num) < 1e15)
    return fg_xasprintf("%.0f", v->num);
  return fg_xasprintf("%g", v->num);
}

char *fg_x_to_string(const FgXValue *v) {
  switch (v->kind) {
  case FG_X_UNKNOWN:
    return NULL;
  case FG_X_NULL:
    return fg_xstrdup("");
  case FG_X_BOOL:
    return fg_xstrdup(v->b ? "true" : "false");
  case FG_X_NUM:
    return fg_x_num_string(v);
  case FG_X_STR:
    return fg_xstrdup(v->str);
  case FG_X_ARRAY:
    return fg_xstrdup("Array");
  default:
    return fg_xstrdup("Object");
  }
}

/* GitHub's number coercion: null 0, bool 0/1, '' 0, numeric strings, NaN. */
static double fg_x_to_num(const FgXValue *v) {
  switch (v->kind) {
  case FG_X_NULL:
    return 0;
  case FG_X_BOOL:
    return v->b;
  case FG_X_NUM:
    return v->num;
  case FG_X_STR: {
    const char *s = v->str;
    while (isspace((unsigned char)*s))
      s++;
    if (!*s)
      return 0;
    char *end = NULL;
    double d = strtod(s, &end);
    while (end && isspace((unsigned char)*end))
      end++;
    return end && !*end ? d : NAN;
  }
  default:
    return NAN;
  }
}

/* Loose equality: 1, 0, or -1 when unknown. */
static int fg_x_equal(const FgXValue *x, const FgXValue *y) {
  if (x->kind == FG_X_UNKNOWN || y->kind == FG_X_UNKNOWN)
    return -1;
  if (x->kind == y->kind) {
    switch (x->kind) {
    case FG_X_NULL:
      return 1;
    case FG_X_BOOL:
      return x->b == y->b;
    case FG_X_NUM:
      return x->num == y->num;
    case FG_X_STR:
      return strcasecmp(x->str, y->str) == 0;
    default:
      return x == y;
    }
  }
  if (x->kind == FG_X_ARRAY || x->kind == FG_X_OBJECT || y->kind == FG_X_ARRAY ||
      y->kind == FG_X_OBJECT)
    return 0;
  double a = fg_x_to_num(x), b = fg_x_to_num(y);
  return a == b;
}

/* ---- YAML ------------------------------------------------------------- */

static bool fg_x_is_number(const char *s, double *out) {
  if (!*s)
    return false;
  char *end = NULL;
  double d = strtod(s, &end);
  if (*end || isspace((unsigned char)s[0]))
    return false;
  /* "0x1A", "inf", "nan" are strings in a workflow */
  for (const char *p = s; *p; p++)
    if (!(isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+' ||
          *p == 'e' || *p == 'E'))
      return false;
  *out = d;
  return true;
}

static FgXValue *fg_x_from_yaml_depth(FgXArena *a, const FgYamlNode *n,
                                      const FgXScope *scope, int depth) {
  n = fg_yaml_deref(n);
  if (!n)
    return fg_x_null(a);
  if (depth > FG_X_MAX_DEPTH)
    return fg_x_unknown(a);
  if (n->kind == FG_YAML_SCALAR) {
    const char *s = n->value;
    if (strstr(s, "${{"))
      return scope ? fg_x_template(a, s, scope) : fg_x_unknown(a);
    if (n->style != FG_YAML_PLAIN)
      return fg_x_str(a, s);
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
      return fg_x_bool(a, true);
    if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
      return fg_x_bool(a, false);
    if (!*s || strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || strcmp(s, "Null") == 0)
      return fg_x_null(a);
    double d = 0;
    if (fg_x_is_number(s, &d))
      return fg_x_num(a, d, s);
    return fg_x_str(a, s);
  }
  if (n->kind == FG_YAML_SEQ) {
    FgXValue *arr = fg_x_array(a);
    for (size_t i = 0; i < n->nitems; i++)
      fg_x_append(arr, fg_x_from_yaml_depth(a, n->items[i], scope, depth + 1));
    return arr;
  }
  if (n->kind == FG_YAML_MAP) {
    FgXValue *obj = fg_x_object(a);
    for (size_t i = 0; i + 1 < n->nitems; i += 2) {
      const char *key = fg_yaml_str(fg_yaml_deref(n->items[i]));
      if (key)
        fg_x_set(a, obj, key, fg_x_from_yaml_depth(a, n->items[i + 1], scope, depth + 1));
    }
    return obj;
  }
  return fg_x_unknown(a);
}

FgXValue *fg_x_from_yaml(FgXArena *a, const FgYamlNode *node, const FgXScope *scope) {
  return fg_x_from_yaml_depth(a, node, scope, 0);
}

/* ---- fromJSON ---------------------------------------------------------- */

typedef struct FgJsonIn {
  const char *p, *end;
  FgXArena *a;
  bool bad;
} FgJsonIn;

static void fg_jin_ws(FgJsonIn *j) {
  while (j->p < j->end && isspace((unsigned char)*j->p))
    j->p++;
}

static FgXValue *fg_jin_value(FgJsonIn *j, int depth);

static char *fg_jin_string(FgJsonIn *j) {
  FgBuf b = {0};
  j->p++; /* the opening quote */
  while (j->p < j->end && *j->p != '"') {
    char c = *j->p++;
    if (c == '\\' && j->p < j->end) {
      char e = *j->p++;
      switch (e) {
      case 'n':
        c = '\n';
        break;
      case 't':
        c = '\t';
        break;
      case 'r':
        c = '\r';
        break;
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'u':
        /* \uXXXX: kept as '?' (versions and names are ASCII) */
        j->p += j->end - j->p >= 4 ? 4 : j->end - j->p;
        c = '?';
        break;
      default:
        c = e;
      }
    }
    fg_buf_putc(&b, c);
  }
  if (j->p >= j->end)
    j->bad = true;
  else
    j->p++;
  return fg_buf_take(&b);
}

static FgXValue *fg_jin_value(FgJsonIn *j, int depth) {
  fg_jin_ws(j);
  if (j->p >= j->end || depth > FG_X_MAX_DEPTH) {
    j->bad = true;
    return fg_x_unknown(j->a);
  }
  char c = *j->p;
  if (c == '"')
    return fg_x_str_take(j->a, fg_jin_string(j));
  if (c == '[' || c == '{') {
    bool obj = c == '{';
    FgXValue *v = obj ? fg_x_object(j->a) : fg_x_array(j->a);
    j->p++;
    fg_jin_ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
      j->p++;
      return v;
    }
    while (!j->bad) {
      fg_jin_ws(j);
      if (obj) {
        if (j->p >= j->end || *j->p != '"') {
          j->bad = true;
          break;
        }
        char *key = fg_jin_string(j);
        fg_jin_ws(j);
        if (j->p < j->end && *j->p == ':')
          j->p++;
        else
          j->bad = true;
        fg_x_set(j->a, v, key, fg_jin_value(j, depth + 1));
        free(key);
      } else {
        fg_x_append(v, fg_jin_value(j, depth + 1));
      }
      fg_jin_ws(j);
      if (j->p < j->end && *j->p == ',') {
        j->p++;
        continue;
      }
      if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
        j->p++;
        break;
      }
      j->bad = true;
    }
    return v;
  }
  const char *b = j->p;
  while (j->p < j->end &&
         (isalnum((unsigned char)*j->p) || *j->p == '.' || *j->p == '-' || *j->p == '+'))
    j->p++;
  char *word = fg_xstrndup(b, (size_t)(j->p - b));
  FgXValue *v = NULL;
  double d = 0;
  if (strcmp(word, "true") == 0 || strcmp(word, "false") == 0)
    v = fg_x_bool(j->a, word[0] == 't');
  else if (strcmp(word, "null") == 0)
    v = fg_x_null(j->a);
  else if (fg_x_is_number(word, &d))
    v = fg_x_num(j->a, d, word);
  else {
    j->bad = true;
    v = fg_x_unknown(j->a);
  }
  free(word);
  return v;
}

static FgXValue *fg_x_from_json(FgXArena *a, const char *s) {
  FgJsonIn j = {s, s + strlen(s), a, false};
  FgXValue *v = fg_jin_value(&j, 0);
  fg_jin_ws(&j);
  if (j.bad || j.p != j.end)
    return fg_x_unknown(a);
  return v;
}

/* ---- the evaluator ------------------------------------------------------ */

typedef struct FgXParser {
  const char *p, *end;
  FgXArena *a;
  const FgXScope *scope;
  int depth;
  bool bad; /* a syntax error: the whole expression is unknown */
} FgXParser;

static void fg_xp_ws(FgXParser *x) {
  while (x->p < x->end && isspace((unsigned char)*x->p))
    x->p++;
}

static bool fg_xp_eat(FgXParser *x, const char *tok) {
  fg_xp_ws(x);
  size_t n = strlen(tok);
  if ((size_t)(x->end - x->p) >= n && memcmp(x->p, tok, n) == 0) {
    x->p += n;
    return true;
  }
  return false;
}

static bool fg_xp_peek(FgXParser *x, const char *tok) {
  fg_xp_ws(x);
  size_t n = strlen(tok);
  return (size_t)(x->end - x->p) >= n && memcmp(x->p, tok, n) == 0;
}

static FgXValue *fg_xp_or(FgXParser *x);

static bool fg_is_ident_start(char c) {
  return isalpha((unsigned char)c) || c == '_';
}

static bool fg_is_ident(char c) {
  return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static char *fg_xp_ident(FgXParser *x) {
  fg_xp_ws(x);
  const char *b = x->p;
  if (x->p >= x->end || !fg_is_ident_start(*x->p))
    return NULL;
  while (x->p < x->end && fg_is_ident(*x->p))
    x->p++;
  return fg_xstrndup(b, (size_t)(x->p - b));
}

/* After `steps`: `.ID.outputs.NAME` is what an earlier step of the job was
 * seen to write to $GITHUB_OUTPUT; any other step, output or member (an
 * action's outputs, `.outcome`) is not known. */
static FgXValue *fg_xp_step_output(FgXParser *x) {
  const FgXValue *steps = x->scope ? x->scope->steps : NULL;
  const char *p = x->p, *e = x->end;
  const char *id = NULL, *name = NULL;
  size_t nid = 0, nname = 0;
  if (p < e && *p == '.') {
    id = ++p;
    while (p < e && fg_is_ident(*p))
      p++;
    nid = (size_t)(p - id);
  }
  static const char outputs[] = ".outputs.";
  size_t no = sizeof outputs - 1;
  if (nid && (size_t)(e - p) > no && strncasecmp(p, outputs, no) == 0) {
    name = p += no;
    while (p < e && fg_is_ident(*p))
      p++;
    nname = (size_t)(p - name);
  }
  if (!nname)
    return fg_x_unknown(x->a);
  x->p = p;
  char *sid = fg_xstrndup(id, nid), *sname = fg_xstrndup(name, nname);
  const FgXValue *step = steps ? fg_x_get(steps, sid) : NULL;
  const FgXValue *outs = step ? fg_x_get(step, "outputs") : NULL;
  const FgXValue *v = outs ? fg_x_get(outs, sname) : NULL;
  free(sid);
  free(sname);
  return v ? (FgXValue *)v : fg_x_unknown(x->a);
}

static FgXValue *fg_xp_context(FgXParser *x, const char *name) {
  const FgXScope *s = x->scope;
  const FgXValue *v = NULL;
  if (strcasecmp(name, "matrix") == 0)
    v = s ? s->matrix : NULL;
  else if (strcasecmp(name, "env") == 0)
    v = s ? s->env : NULL;
  else if (strcasecmp(name, "inputs") == 0)
    v = s ? s->inputs : NULL;
  else if (strcasecmp(name, "runner") == 0)
    v = s ? s->runner : NULL;
  else if (strcasecmp(name, "steps") == 0)
    return fg_xp_step_output(x);
  else if (strcasecmp(name, "github") == 0) {
    /* github.workspace: where actions/checkout puts the repository; runs'
     * directories are repository paths, where "/" is its root (a
     * workflow's `${{ github.workspace }}/services/api` is services/api).
     * The rest of github stays unknown. */
    static const char member[] = ".workspace";
    size_t n = sizeof member - 1;
    if ((size_t)(x->end - x->p) >= n && strncasecmp(x->p, member, n) == 0 &&
        (x->p + n == x->end || !fg_is_ident(x->p[n]))) {
      x->p += n;
      return fg_x_str(x->a, "/");
    }
  }
  return v ? (FgXValue *)v : fg_x_unknown(x->a);
}

/* `.name`, `['name']`, `[0]` on v. */
static FgXValue *fg_x_index(FgXArena *a, const FgXValue *v, const FgXValue *key) {
  if (v->kind == FG_X_UNKNOWN || key->kind == FG_X_UNKNOWN)
    return fg_x_unknown(a);
  if (v->kind == FG_X_OBJECT) {
    char *k = fg_x_to_string(key);
    const FgXValue *r = fg_x_get(v, k);
    free(k);
    return r ? (FgXValue *)r : fg_x_null(a);
  }
  if (v->kind == FG_X_ARRAY && key->kind == FG_X_NUM) {
    double d = key->num;
    if (d >= 0 && d < (double)v->nitems && d == floor(d))
      return v->items[(size_t)d];
  }
  return fg_x_null(a);
}

static FgXValue *fg_xp_string(FgXParser *x) {
  FgBuf b = {0};
  x->p++;
  for (;;) {
    if (x->p >= x->end) {
      x->bad = true;
      break;
    }
    if (*x->p == '\'') {
      if (x->p + 1 < x->end && x->p[1] == '\'') {
        fg_buf_putc(&b, '\'');
        x->p += 2;
        continue;
      }
      x->p++;
      break;
    }
    fg_buf_putc(&b, *x->p++);
  }
  return fg_x_str_take(x->a, fg_buf_take(&b));
}

static bool fg_x_icontains(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (const char *p = hay; *p; p++)
    if (strncasecmp(p, needle, n) == 0)
      return true;
  return n == 0;
}

static FgXValue *fg_x_format(FgXArena *a, FgXValue **args, size_t n) {
  char *fmt = fg_x_to_string(args[0]);
  if (!fmt)
    return fg_x_unknown(a);
  FgBuf b = {0};
  bool unknown = false;
  for (const char *p = fmt; *p; p++) {
    if (p[0] == '{' && p[1] == '{') {
      fg_buf_putc(&b, '{');
      p++;
    } else if (p[0] == '}' && p[1] == '}') {
      fg_buf_putc(&b, '}');
      p++;
    } else if (*p == '{' && isdigit((unsigned char)p[1])) {
      char *end = NULL;
      long k = strtol(p + 1, &end, 10);
      if (*end == '}' && k >= 0 && (size_t)k + 1 < n) {
        char *s = fg_x_to_string(args[k + 1]);
        if (!s)
          unknown = true;
        else
          fg_buf_puts(&b, s);
        free(s);
        p = end;
      } else {
        fg_buf_putc(&b, *p);
      }
    } else {
      fg_buf_putc(&b, *p);
    }
  }
  free(fmt);
  if (unknown) {
    fg_buf_free(&b);
    return fg_x_unknown(a);
  }
  return fg_x_str_take(a, fg_buf_take(&b));
}

static FgXValue *fg_x_call(FgXArena *a, const char *fn, FgXValue **args, size_t n) {
  if (strcasecmp(fn, "success") == 0 || strcasecmp(fn, "always") == 0)
    return fg_x_bool(a, true);
  if (strcasecmp(fn, "failure") == 0 || strcasecmp(fn, "cancelled") == 0)
    return fg_x_bool(a, false);
  for (size_t i = 0; i < n; i++)
    if (args[i]->kind == FG_X_UNKNOWN)
      return fg_x_unknown(a);
  if ((strcasecmp(fn, "startsWith") == 0 || strcasecmp(fn, "endsWith") == 0 ||
       strcasecmp(fn, "contains") == 0) &&
      n == 2) {
    if (strcasecmp(fn, "contains") == 0 && args[0]->kind == FG_X_ARRAY) {
      for (size_t i = 0; i < args[0]->nitems; i++) {
        int eq = fg_x_equal(args[0]->items[i], args[1]);
        if (eq != 0)
          return eq > 0 ? fg_x_bool(a, true) : fg_x_unknown(a);
      }
      return fg_x_bool(a, false);
    }
    char *s = fg_x_to_string(args[0]), *t = fg_x_to_string(args[1]);
    bool r;
    size_t sl = strlen(s), tl = strlen(t);
    if (strcasecmp(fn, "contains") == 0)
      r = fg_x_icontains(s, t);
    else if (strcasecmp(fn, "startsWith") == 0)
      r = strncasecmp(s, t, tl) == 0;
    else
      r = sl >= tl && strcasecmp(s + sl - tl, t) == 0;
    free(s);
    free(t);
    return fg_x_bool(a, r);
  }
  if (strcasecmp(fn, "format") == 0 && n >= 1)
    return fg_x_format(a, args, n);
  if (strcasecmp(fn, "join") == 0 && n >= 1) {
    if (args[0]->kind != FG_X_ARRAY)
      return fg_x_str_take(a, fg_x_to_string(args[0]));
    char *sep = n > 1 ? fg_x_to_string(args[1]) : fg_xstrdup(",");
    FgBuf b = {0};
    for (size_t i = 0; i < args[0]->nitems; i++) {
      char *s = fg_x_to_string(args[0]->items[i]);
      if (!s) {
        free(sep);
        fg_buf_free(&b);
        return fg_x_unknown(a);
      }
      fg_buf_printf(&b, "%s%s", i ? sep : "", s);
      free(s);
    }
    free(sep);
    return fg_x_str_take(a, fg_buf_take(&b));
  }
  if (strcasecmp(fn, "fromJSON") == 0 && n == 1) {
    char *s = fg_x_to_string(args[0]);
    FgXValue *v = fg_x_from_json(a, s);
    free(s);
    return v;
  }
  return fg_x_unknown(a); /* toJSON, hashFiles, unknown functions */
}

static FgXValue *fg_xp_primary(FgXParser *x) {
  fg_xp_ws(x);
  if (x->p >= x->end) {
    x->bad = true;
    return fg_x_unknown(x->a);
  }
  char c = *x->p;
  FgXValue *v = NULL;
  if (c == '(') {
    x->p++;
    v = fg_xp_or(x);
    if (!fg_xp_eat(x, ")"))
      x->bad = true;
  } else if (c == '\'') {
    v = fg_xp_string(x);
  } else if (isdigit((unsigned char)c) || c == '-' || c == '.') {
    const char *b = x->p;
    x->p++;
    while (x->p < x->end && (isalnum((unsigned char)*x->p) || *x->p == '.'))
      x->p++;
    char *word = fg_xstrndup(b, (size_t)(x->p - b));
    char *end = NULL;
    double d = strtod(word, &end);
    if (*end)
      x->bad = true;
    v = fg_x_num(x->a, d, word);
    free(word);
  } else if (fg_is_ident_start(c)) {
    char *name = fg_xp_ident(x);
    if (fg_xp_peek(x, "(")) {
      x->p++;
      FG_VEC(FgXValue *) args = {0};
      if (!fg_xp_eat(x, ")")) {
        do {
          fg_vec_push(&args, fg_xp_or(x));
        } while (!x->bad && fg_xp_eat(x, ","));
        if (!fg_xp_eat(x, ")"))
          x->bad = true;
      }
      v = fg_x_call(x->a, name, args.items, args.len);
      fg_vec_free(&args);
    } else if (strcmp(name, "true") == 0 || strcmp(name, "false") == 0) {
      v = fg_x_bool(x->a, name[0] == 't');
    } else if (strcmp(name, "null") == 0) {
      v = fg_x_null(x->a);
    } else {
      v = fg_xp_context(x, name);
    }
    free(name);
  } else {
    x->bad = true;
    return fg_x_unknown(x->a);
  }
  /* property access */
  for (;;) {
    if (fg_xp_peek(x, ".")) {
      x->p++;
      if (fg_xp_peek(x, "*")) {
        x->p++;
        v = fg_x_unknown(x->a); /* object filters: not modelled */
        continue;
      }
      char *name = fg_xp_ident(x);
      if (!name) {
        x->bad = true;
        break;
      }
      FgXValue *key = fg_x_str(x->a, name);
      free(name);
      v = fg_x_index(x->a, v, key);
    } else if (fg_xp_peek(x, "[")) {
      x->p++;
      FgXValue *key = fg_xp_or(x);
      if (!fg_xp_eat(x, "]"))
        x->bad = true;
      v = fg_x_index(x->a, v, key);
    } else {
      break;
    }
  }
  return v;
}

static FgXValue *fg_xp_unary(FgXParser *x) {
  if (fg_xp_peek(x, "!") && !fg_xp_peek(x, "!=")) {
    x->p++;
    if (++x->depth > FG_X_MAX_DEPTH) {
      x->bad = true;
      return fg_x_unknown(x->a);
    }
    FgXValue *v = fg_xp_unary(x);
    x->depth--;
    int t = fg_x_truthy(v);
    return t < 0 ? fg_x_unknown(x->a) : fg_x_bool(x->a, !t);
  }
  if (++x->depth > FG_X_MAX_DEPTH) {
    x->bad = true;
    return fg_x_unknown(x->a);
  }
  FgXValue *v = fg_xp_primary(x);
  x->depth--;
  return v;
}

static FgXValue *fg_xp_compare(FgXParser *x) {
  FgXValue *l = fg_xp_unary(x);
  for (;;) {
    const char *op = NULL;
    static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", NULL};
    for (const char *const *o = ops; *o && !op; o++)
      if (fg_xp_peek(x, *o))
        op = *o;
    if (!op || x->bad)
      return l;
    x->p += strlen(op);
    FgXValue *r = fg_xp_unary(x);
    if (op[0] == '=' || op[0] == '!') {
      int eq = fg_x_equal(l, r);
      l = eq < 0 ? fg_x_unknown(x->a) : fg_x_bool(x->a, op[0] == '=' ? eq : !eq);
      continue;
    }
    if (l->kind == FG_X_UNKNOWN || r->kind == FG_X_UNKNOWN) {
      l = fg_x_unknown(x->a);
      continue;
    }
    double a = fg_x_to_num(l), b = fg_x_to_num(r);
    if (l->kind == FG_X_STR && r->kind == FG_X_STR) {
      int c = strcasecmp(l->str, r->str);
      a = c;
      b = 0;
    }
    bool res =
        op[0] == '<' ? (op[1] == '=' ? a <= b : a < b) : (op[1] == '=' ? a >= b : a > b);
    l = fg_x_bool(x->a, res);
  }
}

static FgXValue *fg_xp_and(FgXParser *x) {
  FgXValue *l = fg_xp_compare(x);
  while (!x->bad && fg_xp_eat(x, "&&")) {
    FgXValue *r = fg_xp_compare(x);
    int t = fg_x_truthy(l);
    if (t == 0)
      continue; /* l stays */
    if (t == 1 && l->kind != FG_X_UNKNOWN) {
      l = r;
      continue;
    }
    /* l unknown (or truthy with an unknown value): l or r */
    int rt = fg_x_truthy(r);
    l = fg_x_unknown_truth(x->a, t == 1 ? rt : (rt == 0 ? 0 : -1));
  }
  return l;
}

static FgXValue *fg_xp_or(FgXParser *x) {
  FgXValue *l = fg_xp_and(x);
  while (!x->bad && fg_xp_eat(x, "||")) {
    FgXValue *r = fg_xp_and(x);
    int t = fg_x_truthy(l);
    if (t == 1)
      continue;
    if (t == 0 && l->kind != FG_X_UNKNOWN) {
      l = r;
      continue;
    }
    int rt = fg_x_truthy(r);
    l = fg_x_unknown_truth(x->a, t == 0 ? rt : (rt == 1 ? 1 : -1));
  }
  return l;
}

FgXValue *fg_x_eval(FgXArena *a, const char *expr, size_t len, const FgXScope *scope) {
  FgXParser x = {expr, expr + len, a, scope, 0, false};
  FgXValue *v = fg_xp_or(&x);
  fg_xp_ws(&x);
  if (x.bad || x.p != x.end)
    return fg_x_unknown(a);
  return v;
}

/* The end of the `${{` expression starting at s (just past `}}`), or NULL.
 * A `}}` inside a string literal does not close it. */
static const char *fg_x_expr_end(const char *s, const char *end) {
  bool in_str = false;
  for (const char *p = s + 3; p + 1 < end + 1 && p < end; p++) {
    if (*p == '\'')
      in_str = !in_str;
    else if (!in_str && p[0] == '}' && p + 1 < end && p[1] == '}')
      return p + 2;
  }
  return NULL;
}

FgXValue *fg_x_template(FgXArena *a, const char *text, const FgXScope *scope) {
  const char *end = text + strlen(text);
  const char *b = text;
  while (b < end && isspace((unsigned char)*b))
    b++;
  const char *e = end;
  while (e > b && isspace((unsigned char)e[-1]))
    e--;
  if (e - b >= 5 && strncmp(b, "${{", 3) == 0 && fg_x_expr_end(b, e) == e)
    return fg_x_eval(a, b + 3, (size_t)(e - b - 5), scope);
  FgBuf out = {0};
  bool unknown = false;
  for (const char *p = text; p < end;) {
    const char *q = strstr(p, "${{");
    if (!q) {
      fg_buf_puts(&out, p);
      break;
    }
    fg_buf_append(&out, p, (size_t)(q - p));
    const char *qe = fg_x_expr_end(q, end);
    if (!qe) {
      fg_buf_puts(&out, q);
      break;
    }
    FgXValue *v = fg_x_eval(a, q + 3, (size_t)(qe - q - 5), scope);
    char *s = fg_x_to_string(v);
    if (!s)
      unknown = true;
    else
      fg_buf_puts(&out, s);
    free(s);
    p = qe;
  }
  if (unknown) {
    fg_buf_free(&out);
    return fg_x_unknown(a);
  }
  return fg_x_str_take(a, fg_buf_take(&out));
}

int fg_x_condition(const char *text, const FgXScope *scope) {
  if (!text)
    return 1;
  FgXArena a = {0};
  FgXValue *v;
  const char *b = text;
  while (isspace((unsigned char)*b))
    b++;
  /* `if:` is an expression with or without `${{ }}`; a string with text
   * around an expression is a (truthy) string */
  if (strstr(b, "${{"))
    v = fg_x_template(&a, b, scope);
  else
    v = fg_x_eval(&a, b, strlen(b), scope);
  int t = fg_x_truthy(v);
  fg_x_arena_free(&a);
  return t;
}

/* ---- substitution -------------------------------------------------------- */

char *fg_x_substitute(const char *text, size_t len, const FgXScope *scope,
                      FgXSubstVec *map, size_t *out_len) {
  FgBuf out = {0};
  FgXArena a = {0};
  const char *end = text + len;
  const char *p = text;
  while (p < end) {
    const char *q = fg_memmem(p, (size_t)(end - p), "${{", 3);
    if (!q) {
      fg_buf_append(&out, p, (size_t)(end - p));
      break;
    }
    fg_buf_append(&out, p, (size_t)(q - p));
    const char *qe = fg_x_expr_end(q, end);
    if (!qe) {
      fg_buf_append(&out, q, (size_t)(end - q));
      break;
    }
    FgXValue *v = fg_x_eval(&a, q + 3, (size_t)(qe - q - 5), scope);
    char *s = fg_x_to_string(v);
    if (!s) {
      fg_buf_append(&out, q, (size_t)(qe - q));
    } else {
      FgXSubst m = {(size_t)(q - text), (size_t)(qe - text), out.len, out.len + strlen(s),
                    fg_xstrndup(q, (size_t)(qe - q))};
      fg_buf_puts(&out, s);
      if (map)
        fg_vec_push(map, m);
      else
        free(m.expr);
    }
    free(s);
    p = qe;
  }
  fg_x_arena_free(&a);
  if (out_len)
    *out_len = out.len;
  return fg_buf_take(&out);
}

void fg_x_subst_free(FgXSubstVec *map) {
  for (size_t i = 0; i < map->len; i++)
    free(map->items[i].expr);
  fg_vec_free(map);
}

size_t fg_x_subst_back(const FgXSubstVec *map, size_t off, bool is_end, bool *inside) {
  if (inside)
    *inside = false;
  long shift = 0;
  for (size_t i = 0; i < map->len; i++) {
    const FgXSubst *m = &map->items[i];
    if (off < m->out_start || (is_end && off == m->out_start))
      break;
    if (is_end ? off < m->out_end || (off == m->out_end && m->out_start < off)
               : off < m->out_end) {
      if (inside)
        *inside = true;
      return is_end ? m->in_end : m->in_start;
    }
    shift = (long)m->in_end - (long)m->out_end;
  }
  return (size_t)((long)off + shift);
}
