/* parse/pyfile_expr: the expressions the test model evaluates (guards,
 * defaults, arguments, assigned values), built during the walk as small
 * trees, and the conditions code runs under. Depth and width are bounded:
 * what is deeper or wider is OPAQUE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse/pyfile_walk.h"

/* Expressions nest this deep at most (deeper: OPAQUE). */
#define MAX_EXPR_DEPTH 12
/* A tuple or argument list keeps this many elements. */
#define MAX_EXPR_ITEMS 16
/* Longer string literals are OPAQUE: no guard compares against a page. */
#define MAX_EXPR_STR 256

static int expr_push(Walk *w, uint8_t kind, TSNode n, const Ctx *cx) {
  FgPyExpr e = {0};
  e.kind = kind;
  e.a = e.b = e.next = -1;
  e.span = fg_pf_node_span(n);
  ExprPos pos = {cx->scope, ts_node_start_byte(n), cx->func};
  fg_vec_push(&w->exprs, e);
  fg_vec_push(&w->expr_pos, pos);
  return (int)w->exprs.len - 1;
}

static bool parse_int(const char *s, long long *out) {
  char *clean = fg_xstrdup(s);
  size_t k = 0;
  for (const char *c = s; *c; c++)
    if (*c != '_')
      clean[k++] = *c;
  clean[k] = '\0';
  errno = 0;
  char *end = NULL;
  long long v = strtoll(clean, &end, 0);
  bool ok = errno == 0 && end && *end == '\0' && k > 0;
  /* 0o17 / 0b101: strtoll knows neither */
  if (!ok && k > 2 && clean[0] == '0' &&
      (clean[1] == 'o' || clean[1] == 'O' || clean[1] == 'b' || clean[1] == 'B')) {
    errno = 0;
    v = strtoll(clean + 2, &end, (clean[1] == 'o' || clean[1] == 'O') ? 8 : 2);
    ok = errno == 0 && end && *end == '\0';
  }
  free(clean);
  if (ok)
    *out = v;
  return ok;
}

static uint8_t cmp_op(const Walk *w, TSNode op) {
  const char *t = ts_node_type(op);
  (void)w;
  if (strcmp(t, "==") == 0)
    return FG_CMP_EQ;
  if (strcmp(t, "!=") == 0 || strcmp(t, "<>") == 0)
    return FG_CMP_NE;
  if (strcmp(t, "<") == 0)
    return FG_CMP_LT;
  if (strcmp(t, "<=") == 0)
    return FG_CMP_LE;
  if (strcmp(t, ">") == 0)
    return FG_CMP_GT;
  if (strcmp(t, ">=") == 0)
    return FG_CMP_GE;
  if (strcmp(t, "is") == 0)
    return FG_CMP_IS;
  if (strcmp(t, "is not") == 0)
    return FG_CMP_IS_NOT;
  if (strcmp(t, "in") == 0)
    return FG_CMP_IN;
  if (strcmp(t, "not in") == 0)
    return FG_CMP_NOT_IN;
  return 255;
}

/* `a < b <= c`: operands and operators in order; an AND of pairs. */
static int expr_compare(Walk *w, TSNode n, const Ctx *cx, int depth) {
  TSNode operands[MAX_EXPR_ITEMS];
  uint8_t ops[MAX_EXPR_ITEMS];
  size_t nopd = 0, nops = 0;
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (fg_pf_kids_field(&k) == w->f_operators) {
      if (nops < MAX_EXPR_ITEMS)
        ops[nops++] = cmp_op(w, c);
    } else if (fg_pf_is_element(c) && nopd < MAX_EXPR_ITEMS) {
      operands[nopd++] = c;
    }
  }
  fg_pf_kids_end(&k);
  if (nopd < 2 || nops != nopd - 1)
    return expr_push(w, FG_EXPR_OPAQUE, n, cx);
  for (size_t i = 0; i < nops; i++)
    if (ops[i] == 255)
      return expr_push(w, FG_EXPR_OPAQUE, n, cx);
  int acc = -1;
  int left = fg_pf_expr(w, operands[0], cx, depth + 1);
  for (size_t i = 0; i < nops; i++) {
    int right = fg_pf_expr(w, operands[i + 1], cx, depth + 1);
    int c = expr_push(w, FG_EXPR_CMP, n, cx);
    w->exprs.items[c].op = ops[i];
    w->exprs.items[c].a = left;
    w->exprs.items[c].b = right;
    if (acc < 0) {
      acc = c;
    } else {
      int a = expr_push(w, FG_EXPR_AND, n, cx);
      w->exprs.items[a].a = acc;
      w->exprs.items[a].b = c;
      acc = a;
    }
    left = right;
  }
  return acc;
}

static int expr_seq(Walk *w, TSNode n, const Ctx *cx, int depth) {
  int t = expr_push(w, FG_EXPR_TUPLE, n, cx);
  int last = -1;
  size_t count = 0;
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (!fg_pf_is_element(c))
      continue;
    if (++count > MAX_EXPR_ITEMS || fg_pf_node_is(c, "list_splat")) {
      w->exprs.items[t].kind = FG_EXPR_OPAQUE;
      break;
    }
    int e = fg_pf_expr(w, c, cx, depth + 1);
    if (last < 0)
      w->exprs.items[t].a = e;
    else
      w->exprs.items[last].next = e;
    last = e;
  }
  fg_pf_kids_end(&k);
  return t;
}

/* `{"a": f, "b": g}`: string keys only (else OPAQUE), at most
 * MAX_EXPR_ITEMS entries. */
static int expr_dict(Walk *w, TSNode n, const Ctx *cx, int depth) {
  int d = expr_push(w, FG_EXPR_DICT, n, cx);
  int last = -1;
  size_t count = 0;
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (!fg_pf_is_element(c))
      continue;
    char *key = NULL;
    if (fg_pf_node_is(c, "pair"))
      key = fg_pf_string_value(w, ts_node_child_by_field_id(c, w->f_key), NULL);
    if (!key || ++count > MAX_EXPR_ITEMS) {
      free(key);
      w->exprs.items[d].kind = FG_EXPR_OPAQUE;
      w->exprs.items[d].a = -1;
      break;
    }
    int e = expr_push(w, FG_EXPR_KW, c, cx);
    int v = fg_pf_expr(w, ts_node_child_by_field_id(c, w->f_value), cx, depth + 1);
    w->exprs.items[e].text = key;
    w->exprs.items[e].a = v;
    if (last < 0)
      w->exprs.items[d].a = e;
    else
      w->exprs.items[last].next = e;
    last = e;
  }
  fg_pf_kids_end(&k);
  return d;
}

int fg_pf_call_args(Walk *w, TSNode list, const Ctx *cx, bool *star) {
  *star = false;
  if (!fg_pf_node_is(list, "argument_list"))
    return -1;
  int first = -1, last = -1;
  size_t count = 0;
  Kids k;
  for (fg_pf_kids_begin(&k, list); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (!fg_pf_is_element(c))
      continue;
    if (fg_pf_node_is(c, "list_splat")) {
      *star = true;
      continue;
    }
    if (++count > MAX_EXPR_ITEMS)
      break;
    int e;
    if (fg_pf_node_is(c, "dictionary_splat")) {
      /* `**kw`: a KW node named "**" whose value is the mapping expanded */
      e = expr_push(w, FG_EXPR_KW, c, cx);
      int v = fg_pf_expr(w, ts_node_named_child(c, 0), cx, MAX_EXPR_DEPTH - 3);
      w->exprs.items[e].text = fg_xstrdup("**");
      w->exprs.items[e].a = v;
    } else if (fg_pf_node_is(c, "keyword_argument")) {
      TSNode name = ts_node_child_by_field_id(c, w->f_name);
      TSNode value = ts_node_child_by_field_id(c, w->f_value);
      if (ts_node_is_null(name) || ts_node_is_null(value))
        continue;
      e = expr_push(w, FG_EXPR_KW, c, cx);
      char *kw = fg_pf_node_text(w, name);
      int v = fg_pf_expr(w, value, cx, MAX_EXPR_DEPTH - 3);
      w->exprs.items[e].text = kw;
      w->exprs.items[e].a = v;
    } else {
      e = fg_pf_expr(w, c, cx, MAX_EXPR_DEPTH - 3);
    }
    if (last < 0)
      first = e;
    else
      w->exprs.items[last].next = e;
    last = e;
  }
  fg_pf_kids_end(&k);
  return first;
}

static int expr_subscript(Walk *w, TSNode n, const Ctx *cx, int depth) {
  TSNode value = ts_node_child_by_field_id(n, w->f_value);
  TSNode sub = ts_node_child_by_field_id(n, w->f_subscript);
  long long index = -2;
  if (fg_pf_node_is(sub, "integer")) {
    char *t = fg_pf_node_text(w, sub);
    if (!parse_int(t, &index) || index < 0)
      index = -2;
    free(t);
  } else if (fg_pf_node_is(sub, "slice")) {
    /* `[:n]` or `[0:n]`: the head of a version tuple compares the same */
    char *t = fg_pf_node_text(w, sub);
    if (t[0] == ':' || (t[0] == '0' && t[1] == ':'))
      index = -1;
    free(t);
  }
  if (ts_node_is_null(value) || ts_node_is_null(sub))
    return expr_push(w, FG_EXPR_OPAQUE, n, cx);
  int e = expr_push(w, FG_EXPR_SUB, n, cx);
  int v = fg_pf_expr(w, value, cx, depth + 1);
  w->exprs.items[e].a = v;
  w->exprs.items[e].ival = index;
  if (index == -2) {
    /* `d["key"]`, `d[name]`: a key the model may know */
    int k = fg_pf_expr(w, sub, cx, depth + 1);
    w->exprs.items[e].ival = -3;
    w->exprs.items[e].b = k;
  }
  return e;
}

int fg_pf_expr_item(Walk *w, TSNode n, int of, long long index, const Ctx *cx) {
  int e = expr_push(w, FG_EXPR_SUB, n, cx);
  w->exprs.items[e].a = of;
  w->exprs.items[e].ival = index;
  return e;
}

int fg_pf_expr_opaque(Walk *w, TSNode n, const Ctx *cx) {
  return expr_push(w, FG_EXPR_OPAQUE, n, cx);
}

int fg_pf_expr(Walk *w, TSNode n, const Ctx *cx, int depth) {
  if (depth > MAX_EXPR_DEPTH || ts_node_is_null(n))
    return expr_push(w, FG_EXPR_OPAQUE, n, cx);
  const char *t = ts_node_type(n);
  if (fg_pf_is_type(t, "parenthesized_expression")) {
    TSNode inner = ts_node_named_child(n, 0);
    if (ts_node_named_child_count(n) == 1 && fg_pf_is_element(inner))
      return fg_pf_expr(w, inner, cx, depth + 1);
    return expr_push(w, FG_EXPR_OPAQUE, n, cx);
  }
  if (fg_pf_is_type(t, "none"))
    return expr_push(w, FG_EXPR_NONE, n, cx);
  if (fg_pf_is_type(t, "true") || fg_pf_is_type(t, "false")) {
    int e = expr_push(w, FG_EXPR_BOOL, n, cx);
    w->exprs.items[e].ival = fg_pf_is_type(t, "true");
    return e;
  }
  if (fg_pf_is_type(t, "integer")) {
    char *s = fg_pf_node_text(w, n);
    long long v = 0;
    bool ok = parse_int(s, &v);
    free(s);
    int e = expr_push(w, ok ? FG_EXPR_INT : FG_EXPR_OPAQUE, n, cx);
    w->exprs.items[e].ival = v;
    return e;
  }
  if (fg_pf_is_type(t, "unary_operator")) {
    TSNode op = ts_node_child_by_field_id(n, w->f_operator);
    TSNode arg = ts_node_child_by_field_id(n, w->f_argument);
    if (fg_pf_node_is(op, "-") && fg_pf_node_is(arg, "integer")) {
      int e = fg_pf_expr(w, arg, cx, depth + 1);
      if (w->exprs.items[e].kind == FG_EXPR_INT) {
        w->exprs.items[e].ival = -w->exprs.items[e].ival;
        w->exprs.items[e].span = fg_pf_node_span(n);
      }
      return e;
    }
    return expr_push(w, FG_EXPR_OPAQUE, n, cx);
  }
  if (fg_pf_is_type(t, "string")) {
    FgSpan sp;
    char *v = fg_pf_string_value(w, n, &sp);
    if (!v || strlen(v) > MAX_EXPR_STR) {
      free(v);
      return expr_push(w, FG_EXPR_OPAQUE, n, cx);
    }
    int e = expr_push(w, FG_EXPR_STR, n, cx);
    w->exprs.items[e].text = v;
    return e;
  }
  if (fg_pf_is_type(t, "identifier") || fg_pf_is_type(t, "attribute")) {
    char *d = fg_pf_dotted(w, n);
    if (!d)
      return expr_push(w, FG_EXPR_OPAQUE, n, cx);
    int e = expr_push(w, FG_EXPR_NAME, n, cx);
    w->exprs.items[e].text = d;
    return e;
  }
  if (fg_pf_is_type(t, "call")) {
    char *d = fg_pf_dotted(w, ts_node_child_by_field_id(n, w->f_function));
    if (!d)
      return expr_push(w, FG_EXPR_OPAQUE, n, cx);
    int e = expr_push(w, FG_EXPR_CALL, n, cx);
    w->exprs.items[e].text = d;
    bool star = false;
    int args =
        fg_pf_call_args(w, ts_node_child_by_field_id(n, w->f_arguments), cx, &star);
    w->exprs.items[e].a = args;
    if (star)
      w->exprs.items[e].kind = FG_EXPR_OPAQUE;
    return e;
  }
  if (fg_pf_is_type(t, "tuple") || fg_pf_is_type(t, "list") ||
      fg_pf_is_type(t, "expression_list"))
    return expr_seq(w, n, cx, depth);
  if (fg_pf_is_type(t, "dictionary"))
    return expr_dict(w, n, cx, depth);
  if (fg_pf_is_type(t, "not_operator")) {
    int e = expr_push(w, FG_EXPR_NOT, n, cx);
    int a = fg_pf_expr(w, ts_node_child_by_field_id(n, w->f_argument), cx, depth + 1);
    w->exprs.items[e].a = a;
    return e;
  }
  if (fg_pf_is_type(t, "boolean_operator")) {
    TSNode op = ts_node_child_by_field_id(n, w->f_operator);
    int e = expr_push(w, fg_pf_node_is(op, "or") ? FG_EXPR_OR : FG_EXPR_AND, n, cx);
    int a = fg_pf_expr(w, ts_node_child_by_field_id(n, w->f_left), cx, depth + 1);
    int b = fg_pf_expr(w, ts_node_child_by_field_id(n, w->f_right), cx, depth + 1);
    w->exprs.items[e].a = a;
    w->exprs.items[e].b = b;
    return e;
  }
  if (fg_pf_is_type(t, "comparison_operator"))
    return expr_compare(w, n, cx, depth);
  if (fg_pf_is_type(t, "binary_operator")) {
    TSNode op = ts_node_child_by_field_id(n, w->f_operator);
    const char *ot = ts_node_is_null(op) ? "" : ts_node_type(op);
    char c = strcmp(ot, "+") == 0    ? '+'
             : strcmp(ot, "-") == 0  ? '-'
             : strcmp(ot, "*") == 0  ? '*'
             : strcmp(ot, "//") == 0 ? '/'
             : strcmp(ot, "%") == 0  ? '%'
                                     : 0;
    if (!c)
      return expr_push(w, FG_EXPR_OPAQUE, n, cx);
    int e = expr_push(w, FG_EXPR_BINOP, n, cx);
    int a = fg_pf_expr(w, ts_node_child_by_field_id(n, w->f_left), cx, depth + 1);
    int b = fg_pf_expr(w, ts_node_child_by_field_id(n, w->f_right), cx, depth + 1);
    w->exprs.items[e].op = (uint8_t)c;
    w->exprs.items[e].a = a;
    w->exprs.items[e].b = b;
    return e;
  }
  if (fg_pf_is_type(t, "subscript"))
    return expr_subscript(w, n, cx, depth);
  if (fg_pf_is_type(t, "conditional_expression") && ts_node_named_child_count(n) == 3) {
    int e = expr_push(w, FG_EXPR_IFEXP, n, cx);
    int a = fg_pf_expr(w, ts_node_named_child(n, 0), cx, depth + 1);
    int b = fg_pf_expr(w, ts_node_named_child(n, 1), cx, depth + 1);
    int c = fg_pf_expr(w, ts_node_named_child(n, 2), cx, depth + 1);
    w->exprs.items[e].a = a;
    w->exprs.items[e].b = b;
    w->exprs.items[e].ival = c;
    return e;
  }
  return expr_push(w, FG_EXPR_OPAQUE, n, cx);
}

int fg_pf_cond(Walk *w, uint8_t kind, bool negated, int expr, int parent, FgSpan span) {
  FgPyCond c = {kind, negated, false, expr, parent, span};
  fg_vec_push(&w->conds, c);
  return (int)w->conds.len - 1;
}

/* The last statement of a block, or a null node. */
static TSNode last_statement(TSNode block) {
  TSNode last = {0};
  uint32_t n = ts_node_named_child_count(block);
  for (uint32_t i = n; i-- > 0;) {
    TSNode c = ts_node_named_child(block, i);
    if (fg_pf_is_element(c)) {
      last = c;
      break;
    }
  }
  return last;
}

static int call_exit(const Walk *w, TSNode call) {
  char *d = fg_pf_dotted(w, ts_node_child_by_field_id(call, w->f_function));
  if (!d)
    return 0;
  const char *last = fg_pf_last_component(d);
  bool bare = last == d;
  bool known = bare || fg_str_startswith(d, "pytest.") || fg_str_startswith(d, "self.") ||
               fg_str_startswith(d, "sys.") || fg_str_startswith(d, "os.") ||
               fg_str_startswith(d, "unittest.");
  int r = 0;
  if (known && (strcmp(last, "skip") == 0 || strcmp(last, "skipTest") == 0 ||
                strcmp(last, "xfail") == 0 || (!bare && strcmp(last, "fail") == 0)))
    r = 2;
  else if (known && !bare && (strcmp(last, "exit") == 0 || strcmp(last, "_exit") == 0))
    r = 1;
  free(d);
  return r;
}

int fg_pf_block_exit(const Walk *w, TSNode block) {
  TSNode s = fg_pf_node_is(block, "block") ? last_statement(block) : block;
  if (ts_node_is_null(s))
    return 0;
  const char *t = ts_node_type(s);
  if (fg_pf_is_type(t, "return_statement") || fg_pf_is_type(t, "continue_statement") ||
      fg_pf_is_type(t, "break_statement"))
    return 1;
  if (fg_pf_is_type(t, "raise_statement"))
    return 2; /* a raise (SkipTest or an error): assumed not taken unless known */
  if (fg_pf_is_type(t, "expression_statement")) {
    TSNode e = ts_node_named_child(s, 0);
    if (fg_pf_node_is(e, "call"))
      return call_exit(w, e);
  }
  return 0;
}

void fg_pf_resolve_exprs(Walk *w) {
  for (size_t i = 0; i < w->exprs.len; i++) {
    FgPyExpr *e = &w->exprs.items[i];
    if (e->kind != FG_EXPR_NAME && e->kind != FG_EXPR_CALL &&
        !(e->kind == FG_EXPR_OPAQUE && e->text))
      continue;
    if (!e->text)
      continue;
    const ExprPos *pos = &w->expr_pos.items[i];
    uint8_t how = 0, bound = 0;
    char *r = fg_pf_resolve_value(w, e->text, pos->scope, pos->offset, &how, &bound,
                                  e->kind == FG_EXPR_NAME);
    if (!r) {
      e->how = how; /* a local holding a call's value: evaluated from its assignment */
      continue;
    }
    free(e->text);
    e->text = r;
    e->how = how;
  }
}
