/* pylaunch: see pylaunch.h. One tree walk per file, bounded in depth:
 * module assignments first (names bound to lists), then the statements
 * that matter, each function body with its own names. */
#include "parse/pylaunch.h"

#include "parse/pylaunch_int.h"

#include <stdlib.h>
#include <string.h>

const TSLanguage *tree_sitter_python(void);

/* ---- lists ---------------------------------------------------------------- */

static void pl_push(FgPlList *l, FgPlItem it) {
  if (l->len >= PL_MAX_ITEMS) {
    free(it.text);
    free(it.dflt);
    if (it.or_default) {
      fg_pl_list_free(it.or_default);
      free(it.or_default);
    }
    return;
  }
  if (l->len == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 4;
    l->items = fg_xrealloc(l->items, l->cap * sizeof *l->items);
  }
  l->items[l->len++] = it;
}

static void pl_push_kind(FgPlList *l, FgPlKind kind, char *text) {
  FgPlItem it = {kind, text, NULL, false, 0, NULL};
  pl_push(l, it);
}

static FgPlList *pl_copy_new(const FgPlList *src);

static void pl_append_copy(FgPlList *dst, const FgPlList *src) {
  for (size_t i = 0; i < src->len; i++) {
    const FgPlItem *s = &src->items[i];
    FgPlItem it = {s->kind,
                   s->text ? fg_xstrdup(s->text) : NULL,
                   s->dflt ? fg_xstrdup(s->dflt) : NULL,
                   s->split,
                   s->skip,
                   s->or_default ? pl_copy_new(s->or_default) : NULL};
    pl_push(dst, it);
  }
}

static FgPlList *pl_copy_new(const FgPlList *src) {
  FgPlList *l = fg_xcalloc(1, sizeof *l);
  pl_append_copy(l, src);
  return l;
}

void fg_pl_list_free(FgPlList *l) {
  for (size_t i = 0; i < l->len; i++) {
    free(l->items[i].text);
    free(l->items[i].dflt);
    if (l->items[i].or_default) {
      fg_pl_list_free(l->items[i].or_default);
      free(l->items[i].or_default);
    }
  }
  free(l->items);
  memset(l, 0, sizeof *l);
}

void fg_pl_vars_free(PlVars *v) {
  for (size_t i = 0; i < v->len; i++) {
    free(v->items[i].name);
    fg_pl_list_free(&v->items[i].value);
  }
  fg_vec_free(v);
}

PlVar *fg_pl_var_find(PlVars *v, const char *name) {
  for (size_t i = v->len; i-- > 0;)
    if (strcmp(v->items[i].name, name) == 0)
      return &v->items[i];
  return NULL;
}

PlVar *fg_pl_var_set(PlVars *v, const char *name) {
  PlVar *old = fg_pl_var_find(v, name);
  if (old) {
    fg_pl_list_free(&old->value);
    return old;
  }
  PlVar nv = {fg_xstrdup(name), {0}};
  fg_vec_push(v, nv);
  return &v->items[v->len - 1];
}

/* ---- nodes ------------------------------------------------------------------ */

/* tree-sitter's accessors read through the node: on a null node (a
 * missing field) they must not be called. */
TSNode fg_pl_null(void) {
  TSNode n;
  memset(&n, 0, sizeof n);
  return n;
}

TSNode fg_pl_get(TSNode n, TSFieldId f) {
  return ts_node_is_null(n) ? n : ts_node_child_by_field_id(n, f);
}

uint32_t fg_pl_count(TSNode n) {
  return ts_node_is_null(n) ? 0 : ts_node_named_child_count(n);
}

TSNode fg_pl_child(TSNode n, uint32_t i) {
  return ts_node_is_null(n) ? n : ts_node_named_child(n, i);
}

bool fg_pl_is(TSNode n, const char *type) {
  return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

char *fg_pl_text(const Pl *pl, TSNode n) {
  if (ts_node_is_null(n))
    return fg_xstrdup("");
  size_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
  if (e > pl->len || e < s)
    return fg_xstrdup("");
  return fg_xstrndup(pl->src + s, e - s);
}

/* A plain string literal's value (no interpolation); NULL otherwise. */
char *fg_pl_string(const Pl *pl, TSNode n) {
  if (!fg_pl_is(n, "string"))
    return NULL;
  size_t a = 0, b = 0;
  bool has_a = false, has_b = false;
  uint32_t nc = ts_node_child_count(n);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode c = ts_node_child(n, i);
    const char *t = ts_node_type(c);
    if (strcmp(t, "string_start") == 0) {
      a = ts_node_end_byte(c);
      has_a = true;
    } else if (strcmp(t, "string_end") == 0 && !ts_node_is_missing(c)) {
      b = ts_node_start_byte(c);
      has_b = true;
    } else if (strcmp(t, "interpolation") == 0) {
      return NULL;
    }
  }
  if (!has_a || !has_b || b < a || b > pl->len)
    return NULL;
  size_t s = ts_node_start_byte(n);
  /* a prefix with f is an f-string even without braces kept here */
  for (size_t i = s; i < a && pl->src[i] != '\'' && pl->src[i] != '"'; i++)
    if (pl->src[i] == 'f' || pl->src[i] == 'F')
      return NULL;
  return fg_xstrndup(pl->src + a, b - a);
}

/* `a.b.c` as text; NULL when n is not made of names and attributes. */
char *fg_pl_dotted(const Pl *pl, TSNode n) {
  TSNode o = n;
  for (int guard = 0; guard < 16 && fg_pl_is(o, "attribute"); guard++)
    o = fg_pl_get(o, pl->f_object);
  if (!fg_pl_is(o, "identifier"))
    return NULL;
  return fg_pl_text(pl, n);
}

bool fg_pl_in(const FgStrVec *v, const char *s) {
  for (size_t i = 0; s && i < v->len; i++)
    if (strcmp(v->items[i], s) == 0)
      return true;
  return false;
}

/* ---- evaluation --------------------------------------------------------------- */

static bool pl_param(const PlScope *sc, const char *name) {
  for (size_t i = 0; i < sc->params.len; i++) {
    const char *p = sc->params.items[i];
    p += *p == '*';
    if (strcmp(p, name) == 0)
      return true;
  }
  return false;
}

static void pl_unknown(Pl *pl, TSNode n, FgPlList *out) {
  pl_push_kind(out, FG_PL_UNKNOWN, fg_pl_text(pl, n));
}

/* `os.environ.get("X", "d")`, `os.getenv("X")`, `os.environ["X"]`:
 * fills name/dflt, true when it is one. */
static bool pl_env_call(Pl *pl, TSNode call, char **name, char **dflt) {
  *name = *dflt = NULL;
  char *f = fg_pl_dotted(pl, fg_pl_get(call, pl->f_function));
  bool env = f && (strcmp(f, "os.environ.get") == 0 || strcmp(f, "os.getenv") == 0 ||
                   strcmp(f, "environ.get") == 0 || strcmp(f, "getenv") == 0);
  free(f);
  if (!env)
    return false;
  TSNode args = fg_pl_get(call, pl->f_arguments);
  uint32_t na = fg_pl_count(args);
  if (na >= 1)
    *name = fg_pl_string(pl, fg_pl_child(args, 0));
  if (na >= 2)
    *dflt = fg_pl_string(pl, fg_pl_child(args, 1));
  if (!*name) {
    free(*dflt);
    *dflt = NULL;
    return false;
  }
  return true;
}

static void pl_eval_call(Pl *pl, TSNode n, PlScope *sc, FgPlList *out, int depth) {
  TSNode fn = fg_pl_get(n, pl->f_function);
  TSNode args = fg_pl_get(n, pl->f_arguments);
  char *name = NULL, *dflt = NULL;
  if (pl_env_call(pl, n, &name, &dflt)) {
    FgPlItem it = {FG_PL_ENV, name, dflt, false, 0, NULL};
    pl_push(out, it);
    return;
  }
  /* X.split() on an env value: several words */
  if (fg_pl_is(fn, "attribute")) {
    TSNode attr = fg_pl_get(fn, pl->f_attribute);
    TSNode obj = fg_pl_get(fn, pl->f_object);
    char *a = fg_pl_text(pl, attr);
    bool split = strcmp(a, "split") == 0;
    free(a);
    if (split && fg_pl_is(obj, "call") && pl_env_call(pl, obj, &name, &dflt)) {
      FgPlItem it = {FG_PL_ENV, name, dflt, true, 0, NULL};
      pl_push(out, it);
      return;
    }
  }
  char *f = fg_pl_dotted(pl, fn);
  bool wrap = f && (strcmp(f, "list") == 0 || strcmp(f, "tuple") == 0);
  free(f);
  if (wrap && fg_pl_count(args) == 1) {
    fg_pl_eval(pl, fg_pl_child(args, 0), sc, out, depth + 1);
    return;
  }
  pl_unknown(pl, n, out);
}

/* sys.argv[N:] -> N, else -1. */
static long pl_argv_slice(Pl *pl, TSNode n) {
  char *v = fg_pl_dotted(pl, fg_pl_get(n, pl->f_value));
  bool argv = v && (strcmp(v, "sys.argv") == 0 || strcmp(v, "argv") == 0);
  free(v);
  TSNode s = fg_pl_get(n, pl->f_subscript);
  if (!argv || !fg_pl_is(s, "slice"))
    return -1;
  TSNode first = fg_pl_child(s, 0);
  if (ts_node_is_null(first))
    return 0;
  if (!fg_pl_is(first, "integer") || ts_node_start_byte(first) != ts_node_start_byte(s))
    return -1;
  char *t = fg_pl_text(pl, first);
  long k = strtol(t, NULL, 10);
  free(t);
  return k;
}

void fg_pl_eval(Pl *pl, TSNode n, PlScope *sc, FgPlList *out, int depth) {
  if (ts_node_is_null(n) || depth > PL_MAX_DEPTH) {
    return;
  }
  const char *t = ts_node_type(n);
  char *s = fg_pl_string(pl, n);
  if (s) {
    pl_push_kind(out, FG_PL_LIT, s);
    return;
  }
  if (strcmp(t, "list") == 0 || strcmp(t, "tuple") == 0 ||
      strcmp(t, "expression_list") == 0) {
    uint32_t nc = fg_pl_count(n);
    for (uint32_t i = 0; i < nc; i++) {
      TSNode c = fg_pl_child(n, i);
      if (fg_pl_is(c, "comment"))
        continue;
      if (fg_pl_is(c, "list_splat"))
        c = fg_pl_child(c, 0);
      fg_pl_eval(pl, c, sc, out, depth + 1);
    }
    return;
  }
  if (strcmp(t, "parenthesized_expression") == 0) {
    fg_pl_eval(pl, fg_pl_child(n, 0), sc, out, depth + 1);
    return;
  }
  if (strcmp(t, "binary_operator") == 0) {
    TSNode op = fg_pl_get(n, pl->f_operator);
    char *o = fg_pl_text(pl, op);
    bool plus = strcmp(o, "+") == 0;
    free(o);
    if (plus) {
      fg_pl_eval(pl, fg_pl_get(n, pl->f_left), sc, out, depth + 1);
      fg_pl_eval(pl, fg_pl_get(n, pl->f_right), sc, out, depth + 1);
      return;
    }
  }
  if (strcmp(t, "boolean_operator") == 0) {
    /* `session.posargs or [DEFAULT]` */
    FgPlList left = {0};
    fg_pl_eval(pl, fg_pl_get(n, pl->f_left), sc, &left, depth + 1);
    char *o = fg_pl_text(pl, fg_pl_get(n, pl->f_operator));
    bool is_or = strcmp(o, "or") == 0;
    free(o);
    if (is_or && left.len == 1 && left.items[0].kind == FG_PL_POSARGS &&
        !left.items[0].or_default) {
      FgPlList *def = fg_xcalloc(1, sizeof *def);
      fg_pl_eval(pl, fg_pl_get(n, pl->f_right), sc, def, depth + 1);
      left.items[0].or_default = def;
      pl_append_copy(out, &left);
      fg_pl_list_free(&left);
      return;
    }
    fg_pl_list_free(&left);
  }
  if (strcmp(t, "subscript") == 0) {
    long k = pl_argv_slice(pl, n);
    if (k >= 0) {
      FgPlItem it = {FG_PL_ARGV, NULL, NULL, false, (size_t)k, NULL};
      pl_push(out, it);
      return;
    }
  }
  if (strcmp(t, "call") == 0) {
    pl_eval_call(pl, n, sc, out, depth);
    return;
  }
  if (strcmp(t, "attribute") == 0 || strcmp(t, "identifier") == 0) {
    char *d = fg_pl_dotted(pl, n);
    if (d && sc->session) {
      size_t sl = strlen(sc->session);
      if (strncmp(d, sc->session, sl) == 0 && strcmp(d + sl, ".posargs") == 0) {
        pl_push_kind(out, FG_PL_POSARGS, NULL);
        free(d);
        return;
      }
    }
    if (d && (strcmp(d, "sys.argv") == 0)) {
      FgPlItem it = {FG_PL_ARGV, NULL, NULL, false, 0, NULL};
      pl_push(out, it);
      free(d);
      return;
    }
    PlVar *v = d ? fg_pl_var_find(&sc->vars, d) : NULL;
    if (!v && d)
      v = fg_pl_var_find(&pl->module, d);
    if (v) {
      pl_append_copy(out, &v->value);
    } else if (d && sc->params_argv && pl_param(sc, d)) {
      /* a parameter of the function: the caller's arguments, which a
       * runner script takes from its command line */
      FgPlItem it = {FG_PL_ARGV, fg_xstrdup(d), NULL, false, 0, NULL};
      pl_push(out, it);
    } else {
      pl_unknown(pl, n, out);
    }
    free(d);
    return;
  }
  pl_unknown(pl, n, out);
}

/* ---- statements ---------------------------------------------------------------- */

/* `NAME = ...`, `NAME += ...`, `NAME.extend(...)`, `NAME.append(...)`. */
static bool pl_mutation(Pl *pl, TSNode stmt, PlScope *sc, PlVars *vars, int depth) {
  if (ts_node_is_null(stmt))
    return false;
  const char *t = ts_node_type(stmt);
  if (strcmp(t, "assignment") == 0 || strcmp(t, "augmented_assignment") == 0) {
    TSNode left = fg_pl_get(stmt, pl->f_left);
    TSNode right = fg_pl_get(stmt, pl->f_right);
    if (!fg_pl_is(left, "identifier") || ts_node_is_null(right))
      return false;
    char *name = fg_pl_text(pl, left);
    bool aug = strcmp(t, "augmented_assignment") == 0;
    if (aug) {
      char *op = fg_pl_text(pl, fg_pl_get(stmt, pl->f_operator));
      bool plus = strcmp(op, "+=") == 0;
      free(op);
      PlVar *v = fg_pl_var_find(vars, name);
      if (plus && v)
        fg_pl_eval(pl, right, sc, &v->value, depth + 1);
    } else {
      FgPlList val = {0};
      fg_pl_eval(pl, right, sc, &val, depth + 1);
      PlVar *v = fg_pl_var_set(vars, name);
      v->value = val;
    }
    free(name);
    return true;
  }
  if (strcmp(t, "call") != 0)
    return false;
  TSNode fn = fg_pl_get(stmt, pl->f_function);
  if (!fg_pl_is(fn, "attribute"))
    return false;
  TSNode obj = fg_pl_get(fn, pl->f_object);
  if (!fg_pl_is(obj, "identifier"))
    return false;
  char *attr = fg_pl_text(pl, fg_pl_get(fn, pl->f_attribute));
  bool extend = strcmp(attr, "extend") == 0, append = strcmp(attr, "append") == 0;
  free(attr);
  if (!extend && !append)
    return false;
  char *name = fg_pl_text(pl, obj);
  PlVar *v = fg_pl_var_find(vars, name);
  free(name);
  if (!v)
    return false;
  TSNode args = fg_pl_get(stmt, pl->f_arguments);
  if (fg_pl_count(args) == 1)
    fg_pl_eval(pl, fg_pl_child(args, 0), sc, &v->value, depth + 1);
  return true;
}

/* Every call in n's subtree, outermost first, in source order. */
static void pl_calls(Pl *pl, PlVisit *v, TSNode n, PlScope *sc, int depth) {
  if (ts_node_is_null(n) || depth > PL_MAX_DEPTH || v->stop)
    return;
  const char *t = ts_node_type(n);
  if (strcmp(t, "function_definition") == 0 || strcmp(t, "class_definition") == 0 ||
      strcmp(t, "lambda") == 0)
    return;
  if (strcmp(t, "call") == 0 && v->on_call(pl, v, n, sc, depth))
    return;
  uint32_t nc = fg_pl_count(n);
  for (uint32_t i = 0; i < nc && !v->stop; i++)
    pl_calls(pl, v, fg_pl_child(n, i), sc, depth + 1);
}

void fg_pl_block(Pl *pl, PlVisit *v, TSNode block, PlScope *sc, int depth) {
  if (ts_node_is_null(block) || depth > PL_MAX_DEPTH)
    return;
  uint32_t nc = fg_pl_count(block);
  for (uint32_t i = 0; i < nc && !v->stop; i++) {
    TSNode st = fg_pl_child(block, i);
    const char *t = ts_node_type(st);
    if (strcmp(t, "function_definition") == 0 || strcmp(t, "class_definition") == 0 ||
        strcmp(t, "decorated_definition") == 0 || strcmp(t, "comment") == 0)
      continue;
    if (strcmp(t, "expression_statement") == 0) {
      TSNode e = fg_pl_child(st, 0);
      if (pl_mutation(pl, e, sc, &sc->vars, depth)) {
        /* a call on the right of `x = ...` still counts */
        if (!fg_pl_is(e, "call"))
          pl_calls(pl, v, fg_pl_get(e, pl->f_right), sc, depth + 1);
        continue;
      }
      pl_calls(pl, v, st, sc, depth + 1);
      continue;
    }
    if (strcmp(t, "return_statement") == 0 || strcmp(t, "raise_statement") == 0 ||
        strcmp(t, "assert_statement") == 0) {
      pl_calls(pl, v, st, sc, depth + 1);
      continue;
    }
    /* compound statements: their conditions, then their blocks */
    uint32_t kc = fg_pl_count(st);
    for (uint32_t k = 0; k < kc && !v->stop; k++) {
      TSNode c = fg_pl_child(st, k);
      const char *ct = ts_node_type(c);
      if (strcmp(ct, "block") == 0)
        fg_pl_block(pl, v, c, sc, depth + 1);
      else if (strstr(ct, "clause"))
        fg_pl_block(pl, v, c, sc, depth + 1);
      else
        pl_calls(pl, v, c, sc, depth + 1);
    }
  }
}

/* The module's top-level functions by name. */
TSNode fg_pl_function(const Pl *pl, const char *name, TSNode *decorated) {
  uint32_t nc = fg_pl_count(pl->root);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode st = fg_pl_child(pl->root, i);
    TSNode def = st;
    if (fg_pl_is(st, "decorated_definition"))
      def = fg_pl_get(st, pl->f_definition);
    if (!fg_pl_is(def, "function_definition"))
      continue;
    char *n = fg_pl_text(pl, fg_pl_get(def, pl->f_name));
    bool hit = strcmp(n, name) == 0;
    free(n);
    if (hit) {
      if (decorated)
        *decorated = st;
      return def;
    }
  }
  return fg_pl_null();
}

void fg_pl_params(Pl *pl, TSNode def, FgStrVec *out) {
  TSNode ps = fg_pl_get(def, pl->f_parameters);
  uint32_t nc = fg_pl_count(ps);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode p = fg_pl_child(ps, i);
    TSNode id = p;
    bool splat = fg_pl_is(p, "list_splat_pattern");
    if (!fg_pl_is(p, "identifier")) {
      /* typed_parameter, default_parameter, list_splat_pattern... */
      id = fg_pl_get(p, pl->f_name);
      if (ts_node_is_null(id))
        id = fg_pl_child(p, 0);
    }
    char *name = fg_pl_is(id, "identifier") ? fg_pl_text(pl, id) : fg_xstrdup("");
    fg_vec_push(out, splat ? fg_xasprintf("*%s", name) : fg_xstrdup(name));
    free(name);
  }
}

/* ---- setup ---------------------------------------------------------------------- */

static TSFieldId pl_field(const TSLanguage *lang, const char *name) {
  return ts_language_field_id_for_name(lang, name, (uint32_t)strlen(name));
}

/* `from pytest import main [as m]`, `import pytest as pt`, `from nox
 * import session [as s]`, `import nox as n`: the spellings to look for. */
static void pl_import(Pl *pl, TSNode st) {
  bool from = fg_pl_is(st, "import_from_statement");
  char *module = from ? fg_pl_text(pl, fg_pl_get(st, pl->f_module_name)) : NULL;
  uint32_t nc = fg_pl_count(st);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode c = fg_pl_child(st, i);
    if (from &&
        ts_node_start_byte(c) == ts_node_start_byte(fg_pl_get(st, pl->f_module_name)))
      continue; /* the module name itself */
    TSNode name = c, alias = fg_pl_null();
    if (fg_pl_is(c, "aliased_import")) {
      name = fg_pl_get(c, pl->f_name);
      alias = fg_pl_get(c, pl->f_alias);
    } else if (!fg_pl_is(c, "dotted_name")) {
      continue;
    }
    char *n = fg_pl_text(pl, name);
    char *as = ts_node_is_null(alias) ? fg_xstrdup(n) : fg_pl_text(pl, alias);
    if (from && strcmp(module, "pytest") == 0 && strcmp(n, "main") == 0)
      fg_vec_push(&pl->pytest_main, fg_xstrdup(as));
    else if (from && strcmp(module, "nox") == 0 && strcmp(n, "session") == 0)
      fg_vec_push(&pl->nox_session, fg_xstrdup(as));
    else if (from && strcmp(module, "nox") == 0 && strcmp(n, "parametrize") == 0)
      fg_vec_push(&pl->nox_param, fg_xstrdup(as));
    else if (!from && strcmp(n, "pytest") == 0 && !ts_node_is_null(alias))
      fg_vec_push(&pl->pytest_main, fg_xasprintf("%s.main", as));
    else if (!from && strcmp(n, "nox") == 0 && !ts_node_is_null(alias)) {
      fg_vec_push(&pl->nox_session, fg_xasprintf("%s.session", as));
      fg_vec_push(&pl->nox_param, fg_xasprintf("%s.parametrize", as));
    }
    free(as);
    free(n);
  }
  free(module);
}

/* Imports that name pytest.main and nox.session; module names bound to
 * lists. */
static void pl_module(Pl *pl) {
  fg_vec_push(&pl->pytest_main, fg_xstrdup("pytest.main"));
  fg_vec_push(&pl->nox_session, fg_xstrdup("nox.session"));
  fg_vec_push(&pl->nox_param, fg_xstrdup("nox.parametrize"));
  PlScope sc = {0};
  uint32_t nc = fg_pl_count(pl->root);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode st = fg_pl_child(pl->root, i);
    if (fg_pl_is(st, "import_from_statement") || fg_pl_is(st, "import_statement")) {
      pl_import(pl, st);
    } else if (fg_pl_is(st, "expression_statement")) {
      pl_mutation(pl, fg_pl_child(st, 0), &sc, &pl->module, 0);
    }
  }
  fg_pl_vars_free(&sc.vars);
}

bool fg_pl_begin(Pl *pl, const FgSource *src, TSTree **tree) {
  memset(pl, 0, sizeof *pl);
  const TSLanguage *lang = tree_sitter_python();
  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, lang);
  if (src->bom) {
    TSRange r = {{0, 3}, {UINT32_MAX, UINT32_MAX}, 3, UINT32_MAX};
    ts_parser_set_included_ranges(parser, &r, 1);
  }
  *tree = ts_parser_parse_string(parser, NULL, src->data, (uint32_t)src->len);
  ts_parser_delete(parser);
  if (!*tree)
    return false;
  pl->src = src->data;
  pl->len = src->len;
  pl->root = ts_tree_root_node(*tree);
  pl->f_left = pl_field(lang, "left");
  pl->f_right = pl_field(lang, "right");
  pl->f_function = pl_field(lang, "function");
  pl->f_arguments = pl_field(lang, "arguments");
  pl->f_object = pl_field(lang, "object");
  pl->f_attribute = pl_field(lang, "attribute");
  pl->f_value = pl_field(lang, "value");
  pl->f_subscript = pl_field(lang, "subscript");
  pl->f_body = pl_field(lang, "body");
  pl->f_name = pl_field(lang, "name");
  pl->f_parameters = pl_field(lang, "parameters");
  pl->f_definition = pl_field(lang, "definition");
  pl->f_operator = pl_field(lang, "operator");
  pl->f_alias = pl_field(lang, "alias");
  pl->f_module_name = pl_field(lang, "module_name");
  pl_module(pl);
  return true;
}

void fg_pl_end(Pl *pl, TSTree *tree) {
  fg_pl_vars_free(&pl->module);
  fg_strvec_free(&pl->pytest_main);
  fg_strvec_free(&pl->nox_session);
  fg_strvec_free(&pl->nox_param);
  ts_tree_delete(tree);
}

/* The call's positional arguments, `*x` spliced. */
void fg_pl_call_args(Pl *pl, TSNode call, PlScope *sc, FgPlList *out, int depth) {
  TSNode args = fg_pl_get(call, pl->f_arguments);
  uint32_t nc = fg_pl_count(args);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode a = fg_pl_child(args, i);
    if (fg_pl_is(a, "keyword_argument") || fg_pl_is(a, "dictionary_splat") ||
        fg_pl_is(a, "comment"))
      continue;
    if (fg_pl_is(a, "list_splat"))
      a = fg_pl_child(a, 0);
    fg_pl_eval(pl, a, sc, out, depth + 1);
  }
}

/* ---- runner scripts ------------------------------------------------------------------
 */

static bool pl_runner_call(Pl *pl, PlVisit *v, TSNode call, PlScope *sc, int depth) {
  char *f = fg_pl_dotted(pl, fg_pl_get(call, pl->f_function));
  bool hit = f && fg_pl_in(&pl->pytest_main, f);
  free(f);
  if (!hit)
    return false;
  FgPyRunner *r = v->ud;
  r->found = true;
  r->call.start = ts_node_start_byte(call);
  r->call.end = ts_node_end_byte(call);
  TSNode args = fg_pl_get(call, pl->f_arguments);
  r->no_args = fg_pl_count(args) == 0;
  if (!r->no_args) {
    /* pytest.main(args=[...]) too */
    TSNode a = fg_pl_child(args, 0);
    if (fg_pl_is(a, "keyword_argument"))
      a = fg_pl_get(a, pl->f_value);
    fg_pl_eval(pl, a, sc, &r->call.args, depth + 1);
  }
  v->stop = true;
  return true;
}

/* The names of the functions called by name in n's subtree. */
static void pl_called_names(Pl *pl, TSNode n, FgStrVec *out, int depth) {
  if (ts_node_is_null(n) || depth > PL_MAX_DEPTH || out->len > 256)
    return;
  if (fg_pl_is(n, "call")) {
    TSNode fn = fg_pl_get(n, pl->f_function);
    if (fg_pl_is(fn, "identifier")) {
      char *name = fg_pl_text(pl, fn);
      if (fg_pl_in(out, name))
        free(name);
      else
        fg_vec_push(out, name);
    }
  }
  uint32_t nc = fg_pl_count(n);
  for (uint32_t i = 0; i < nc; i++)
    pl_called_names(pl, fg_pl_child(n, i), out, depth + 1);
}

/* Which top-level functions reach the function `start` by name, and
 * whether the module level does. */
static void pl_runner_reach(Pl *pl, const char *start, FgPyRunner *r) {
  typedef struct {
    char *name;
    FgStrVec calls;
  } Fn;
  FG_VEC(Fn) fns = {0};
  FgStrVec top = {0};
  uint32_t nc = fg_pl_count(pl->root);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode st = fg_pl_child(pl->root, i);
    TSNode def =
        fg_pl_is(st, "decorated_definition") ? fg_pl_get(st, pl->f_definition) : st;
    if (fg_pl_is(def, "function_definition")) {
      Fn f = {fg_pl_text(pl, fg_pl_get(def, pl->f_name)), {0}};
      pl_called_names(pl, fg_pl_get(def, pl->f_body), &f.calls, 0);
      fg_vec_push(&fns, f);
    } else if (!fg_pl_is(st, "class_definition")) {
      pl_called_names(pl, st, &top, 0);
    }
  }
  fg_vec_push(&r->reach, fg_xstrdup(start));
  for (bool grew = true; grew;) {
    grew = false;
    for (size_t i = 0; i < fns.len; i++) {
      if (fg_pl_in(&r->reach, fns.items[i].name))
        continue;
      for (size_t k = 0; k < fns.items[i].calls.len && !grew; k++)
        if (fg_pl_in(&r->reach, fns.items[i].calls.items[k])) {
          fg_vec_push(&r->reach, fg_xstrdup(fns.items[i].name));
          grew = true;
        }
    }
  }
  for (size_t k = 0; k < top.len && !r->always; k++)
    r->always = fg_pl_in(&r->reach, top.items[k]);
  for (size_t i = 0; i < fns.len; i++) {
    free(fns.items[i].name);
    fg_strvec_free(&fns.items[i].calls);
  }
  fg_vec_free(&fns);
  fg_strvec_free(&top);
}

bool fg_pyrunner_read(const FgSource *src, FgPyRunner *out) {
  memset(out, 0, sizeof *out);
  Pl pl;
  TSTree *tree = NULL;
  if (!fg_pl_begin(&pl, src, &tree))
    return false;
  PlVisit v = {pl_runner_call, out, false};
  PlScope sc = {0};
  fg_pl_block(&pl, &v, pl.root, &sc, 0);
  fg_pl_vars_free(&sc.vars);
  out->always = out->found;
  /* then the functions, each with its own names */
  uint32_t nc = fg_pl_count(pl.root);
  for (uint32_t i = 0; i < nc && !v.stop; i++) {
    TSNode st = fg_pl_child(pl.root, i);
    if (fg_pl_is(st, "decorated_definition"))
      st = fg_pl_get(st, pl.f_definition);
    if (!fg_pl_is(st, "function_definition"))
      continue;
    PlScope fs = {0};
    fs.params_argv = true;
    fg_pl_params(&pl, st, &fs.params);
    fg_pl_block(&pl, &v, fg_pl_get(st, pl.f_body), &fs, 1);
    fg_pl_vars_free(&fs.vars);
    fg_strvec_free(&fs.params);
    if (v.stop && !out->always) {
      char *name = fg_pl_text(&pl, fg_pl_get(st, pl.f_name));
      pl_runner_reach(&pl, name, out);
      free(name);
    }
  }
  fg_pl_end(&pl, tree);
  return out->found;
}

void fg_pyrunner_free(FgPyRunner *self) {
  fg_pl_list_free(&self->call.args);
  fg_strvec_free(&self->reach);
}
