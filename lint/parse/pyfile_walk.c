/* parse/pyfile_walk: the one pass over the tree. A TSTreeCursor with no C
 * recursion (the context of every open node lives in a heap stack indexed
 * by depth) visits imports, definitions, assignments, calls, decorators and
 * `pytestmark`, and records raw facts in the Walk for parse/pyfile.c to
 * resolve. */
#include <stdlib.h>
#include <string.h>

#include "parse/pyfile_walk.h"

/* ---- imports ----------------------------------------------------------- */

/* Dotted name text without any whitespace or comments inside it. */
static char *dotted_name_text(const Walk *w, TSNode n) {
  if (!fg_pf_node_is(n, "dotted_name"))
    return fg_pf_node_text(w, n);
  FgBuf b = {0};
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (!fg_pf_node_is(c, "identifier"))
      continue;
    if (b.len)
      fg_buf_putc(&b, '.');
    size_t s = ts_node_start_byte(c), e = ts_node_end_byte(c);
    fg_buf_append(&b, w->src + s, e - s);
  }
  fg_pf_kids_end(&k);
  return fg_buf_take(&b);
}

static void push_import(Walk *w, TSNode stmt, const Ctx *cx, char *module, char *name,
                        char *local, int level, bool aliased) {
  FgPyImport im = {module, name, local, level, cx->func >= 0, fg_pf_node_span(stmt)};
  fg_vec_push(&w->imports, im);
  bool module_level = cx->func < 0 && cx->cls < 0;
  if (strcmp(local, "*") == 0) {
    if (module_level) {
      FgBuf b = {0};
      for (int i = 0; i < level; i++)
        fg_buf_putc(&b, '.');
      fg_buf_puts(&b, module);
      fg_vec_push(&w->star_modules, fg_buf_take(&b));
    }
    return;
  }
  FgBuf target = {0};
  for (int i = 0; i < level; i++)
    fg_buf_putc(&target, '.');
  if (!name) {
    /* `import a.b` binds "a"; `import a.b as c` binds the whole path */
    fg_buf_puts(&target, aliased ? module : local);
  } else {
    fg_buf_puts(&target, module);
    if (*module)
      fg_buf_putc(&target, '.');
    fg_buf_puts(&target, name);
  }
  char *value = fg_buf_take(&target);
  if (module_level && strcmp(value, "pytest") == 0 && strcmp(local, "pytest") == 0)
    w->m->imports_pytest = true;
  if (module_level && strcmp(value, "pytest.mark") == 0 && !w->m->mark_alias)
    w->m->mark_alias = fg_xstrdup(local);
  fg_pf_bind(w, cx->scope, local, ts_node_start_byte(stmt), BIND_IMPORT, value);
}

static void visit_import(Walk *w, TSNode n, const Ctx *cx) {
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (fg_pf_kids_field(&k) != w->f_name)
      continue;
    if (fg_pf_node_is(c, "aliased_import")) {
      char *mod = dotted_name_text(w, ts_node_child_by_field_id(c, w->f_name));
      char *local = fg_pf_node_text(w, ts_node_child_by_field_id(c, w->f_alias));
      push_import(w, n, cx, mod, NULL, local, 0, true);
    } else if (fg_pf_node_is(c, "dotted_name")) {
      char *mod = dotted_name_text(w, c);
      char *local = fg_xstrndup(mod, strcspn(mod, "."));
      push_import(w, n, cx, mod, NULL, local, 0, false);
    }
  }
  fg_pf_kids_end(&k);
}

static void visit_import_from(Walk *w, TSNode n, const Ctx *cx, bool future) {
  char *module = NULL;
  int level = 0;
  if (future) {
    module = fg_xstrdup("__future__");
  } else {
    TSNode mn = ts_node_child_by_field_id(n, w->f_module_name);
    if (fg_pf_node_is(mn, "relative_import")) {
      Kids k;
      for (fg_pf_kids_begin(&k, mn); k.ok; fg_pf_kids_next(&k)) {
        TSNode c = fg_pf_kids_node(&k);
        if (fg_pf_node_is(c, "import_prefix")) {
          for (size_t i = ts_node_start_byte(c); i < ts_node_end_byte(c); i++)
            level += w->src[i] == '.';
        } else if (fg_pf_node_is(c, "dotted_name")) {
          free(module);
          module = dotted_name_text(w, c);
        }
      }
      fg_pf_kids_end(&k);
      if (!module)
        module = fg_xstrdup("");
    } else if (!ts_node_is_null(mn)) {
      module = dotted_name_text(w, mn);
    } else {
      return;
    }
  }
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (fg_pf_node_is(c, "wildcard_import")) {
      push_import(w, n, cx, fg_xstrdup(module), fg_xstrdup("*"), fg_xstrdup("*"), level,
                  false);
      continue;
    }
    if (fg_pf_kids_field(&k) != w->f_name)
      continue;
    char *name = NULL, *local = NULL;
    if (fg_pf_node_is(c, "aliased_import")) {
      name = dotted_name_text(w, ts_node_child_by_field_id(c, w->f_name));
      local = fg_pf_node_text(w, ts_node_child_by_field_id(c, w->f_alias));
    } else if (fg_pf_node_is(c, "dotted_name")) {
      name = dotted_name_text(w, c);
      local = fg_xstrdup(name);
    } else {
      continue;
    }
    if (future) {
      FgPyImport im = {fg_xstrdup(module), name, local, 0, cx->func >= 0,
                       fg_pf_node_span(n)};
      fg_vec_push(&w->imports, im);
    } else {
      push_import(w, n, cx, fg_xstrdup(module), name, local, level, false);
    }
  }
  fg_pf_kids_end(&k);
  free(module);
}

/* ---- markers and fixtures ---------------------------------------------- */

/* `parametrize("a, b", [...])`: the names (args) and the values (cond, an
 * expression: the list), for the model to evaluate a test per value. */
static void parametrize_values(Walk *w, TSNode call, MarkCand *mc, int scope) {
  Args a;
  fg_pf_args_scan(w, ts_node_child_by_field_id(call, w->f_arguments), &a);
  TSNode names = a.pos.len > 0 ? a.pos.items[0] : fg_pf_args_kw(w, &a, "argnames");
  TSNode vals = a.pos.len > 1 ? a.pos.items[1] : fg_pf_args_kw(w, &a, "argvalues");
  char *s = ts_node_is_null(names) ? NULL : fg_pf_string_value(w, names, NULL);
  if (s && (fg_pf_node_is(vals, "list") || fg_pf_node_is(vals, "tuple"))) {
    FG_VEC(char *) out = {0};
    for (const char *tok = s; *tok;) {
      size_t len = strcspn(tok, ",");
      const char *b = tok, *e = tok + len;
      while (b < e && (*b == ' ' || *b == '\t'))
        b++;
      while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
      if (e > b)
        fg_vec_push(&out, fg_xstrndup(b, (size_t)(e - b)));
      tok += len;
      if (*tok == ',')
        tok++;
    }
    Ctx cx = {scope, -1, -1, false, -1};
    mc->args = out.items;
    mc->nargs = out.len;
    mc->cond = fg_pf_expr(w, vals, &cx, 0);
  }
  free(s);
  fg_pf_args_free(&a);
}

/* `pytest.mark.NAME` or `pytest.mark.NAME(...)` (any spelling of the prefix):
 * a candidate, confirmed after resolution. */
static bool marker_expr(Walk *w, TSNode e, int owner_kind, int owner, int scope,
                        size_t offset) {
  TSNode fn = fg_pf_node_is(e, "call") ? ts_node_child_by_field_id(e, w->f_function) : e;
  char *d = fg_pf_dotted(w, fn);
  MarkCand mc = {0};
  bool ok = d && fg_pf_split_last(d, &mc.prefix, &mc.name);
  free(d);
  if (!ok)
    return false;
  mc.owner_kind = owner_kind;
  mc.owner = owner;
  mc.scope = scope;
  mc.offset = offset;
  mc.span = fg_pf_node_span(e);
  mc.cond = -1;
  if (fg_pf_node_is(e, "call") && strcmp(mc.name, "parametrize") == 0)
    parametrize_values(w, e, &mc, scope);
  if (fg_pf_node_is(e, "call") && strcmp(mc.name, "skipif") == 0) {
    /* `skipif(sys.platform == "win32", ...)`: kept for the model */
    TSNode list = ts_node_child_by_field_id(e, w->f_arguments);
    TSNode first = ts_node_is_null(list) ? list : ts_node_named_child(list, 0);
    if (!ts_node_is_null(first) && fg_pf_is_element(first) &&
        !fg_pf_node_is(first, "keyword_argument")) {
      Ctx cx = {scope, -1, -1, false, -1};
      mc.cond = fg_pf_expr(w, first, &cx, 0);
    }
  }
  if (fg_pf_node_is(e, "call") && strcmp(mc.name, "usefixtures") == 0) {
    Args a;
    fg_pf_args_scan(w, ts_node_child_by_field_id(e, w->f_arguments), &a);
    FG_VEC(char *) names = {0};
    for (size_t i = 0; i < a.pos.len; i++) {
      char *v = fg_pf_string_value(w, a.pos.items[i], NULL);
      if (v)
        fg_vec_push(&names, v);
    }
    fg_pf_args_free(&a);
    mc.args = names.items;
    mc.nargs = names.len;
  }
  fg_vec_push(&w->marks, mc);
  return true;
}

/* The markers of a `marks=` value: one marker expression or a list/tuple. */
static void param_marks(Walk *w, TSNode v) {
  bool seq = fg_pf_node_is(v, "list") || fg_pf_node_is(v, "tuple");
  Kids k;
  if (seq)
    fg_pf_kids_begin(&k, v);
  for (bool more = seq ? k.ok : true; more;) {
    TSNode e = seq ? fg_pf_kids_node(&k) : v;
    if (!seq || fg_pf_is_element(e)) {
      TSNode fn =
          fg_pf_node_is(e, "call") ? ts_node_child_by_field_id(e, w->f_function) : e;
      char *d = fg_pf_dotted(w, fn);
      MarkRef r = {0};
      if (d && fg_pf_split_last(d, &r.prefix, &r.name))
        fg_vec_push(&w->param_marks, r);
      free(d);
    }
    if (!seq)
      break;
    fg_pf_kids_next(&k);
    more = k.ok;
  }
  if (seq)
    fg_pf_kids_end(&k);
}

/* `parametrize(names, [pytest.param(..., marks=...), ...])`. */
static void parametrize(Walk *w, const Args *a, TSNode expr, int func, int scope,
                        size_t offset) {
  TSNode vals = a->pos.len > 1 ? a->pos.items[1] : fg_pf_args_kw(w, a, "argvalues");
  if (!fg_pf_node_is(vals, "list") && !fg_pf_node_is(vals, "tuple"))
    return;
  ParamCand pc = {func, scope, offset, fg_pf_node_span(expr), w->param_elems.len, 0};
  Kids k;
  for (fg_pf_kids_begin(&k, vals); k.ok; fg_pf_kids_next(&k)) {
    TSNode e = fg_pf_kids_node(&k);
    if (!fg_pf_is_element(e))
      continue;
    ParamElem pe = {NULL, w->param_marks.len, 0};
    if (fg_pf_node_is(e, "call")) {
      pe.callee = fg_pf_dotted(w, ts_node_child_by_field_id(e, w->f_function));
      Args ea;
      fg_pf_args_scan(w, ts_node_child_by_field_id(e, w->f_arguments), &ea);
      TSNode mv = fg_pf_args_kw(w, &ea, "marks");
      if (!ts_node_is_null(mv))
        param_marks(w, mv);
      fg_pf_args_free(&ea);
    }
    pe.count = w->param_marks.len - pe.first;
    fg_vec_push(&w->param_elems, pe);
  }
  fg_pf_kids_end(&k);
  pc.count = w->param_elems.len - pc.first;
  fg_vec_push(&w->params, pc);
}

/* `mock.patch("a.b")`, `mock.patch.object(obj, "x")`, `monkeypatch.setattr(obj,
 * "x", v)` / `monkeypatch.setattr("a.b", v)`, `mocker.patch(...)`: a patch of
 * a name, resolved after the walk. */
static void patch_cand(Walk *w, TSNode call, int owner_kind, int owner, int scope,
                       size_t offset) {
  char *d = fg_pf_dotted(w, ts_node_child_by_field_id(call, w->f_function));
  if (!d)
    return;
  bool object = strcmp(d, "patch.object") == 0 || fg_str_endswith(d, ".patch.object");
  bool patch = strcmp(d, "patch") == 0 || fg_str_endswith(d, ".patch");
  bool set = strcmp(d, "setattr") == 0 || fg_str_endswith(d, ".setattr");
  free(d);
  if (!object && !patch && !set)
    return;
  Args a;
  fg_pf_args_scan(w, ts_node_child_by_field_id(call, w->f_arguments), &a);
  RawPatch rp = {owner_kind, owner, NULL,   NULL,
                 NULL,       scope, offset, fg_pf_node_span(call)};
  if (a.pos.len >= 1) {
    char *s0 = fg_pf_string_value(w, a.pos.items[0], NULL);
    if ((patch || set) && s0 && strchr(s0, '.')) {
      rp.dotted = s0;
      s0 = NULL;
    } else if ((object || set) && a.pos.len >= 2) {
      rp.obj = fg_pf_dotted(w, a.pos.items[0]);
      rp.attr = fg_pf_string_value(w, a.pos.items[1], NULL);
    }
    free(s0);
  }
  fg_pf_args_free(&a);
  if (rp.dotted || (rp.obj && rp.attr)) {
    fg_vec_push(&w->patches, rp);
  } else {
    free(rp.obj);
    free(rp.attr);
  }
}

static void decorator(Walk *w, TSNode e, int owner_kind, int owner, int scope,
                      size_t offset) {
  bool is_call = fg_pf_node_is(e, "call");
  bool marked = marker_expr(w, e, owner_kind, owner, scope, offset);
  if (is_call && owner_kind != OWNER_MODULE)
    patch_cand(w, e, owner_kind, owner, scope, offset);
  if (!is_call && owner_kind != OWNER_FUNC)
    return;
  Args a;
  if (is_call)
    fg_pf_args_scan(w, ts_node_child_by_field_id(e, w->f_arguments), &a);
  else
    memset(&a, 0, sizeof a);
  const MarkCand *mc = marked ? &w->marks.items[w->marks.len - 1] : NULL;
  if (is_call && mc && owner_kind == OWNER_FUNC && strcmp(mc->name, "parametrize") == 0)
    parametrize(w, &a, e, owner, scope, offset);
  if (owner_kind == OWNER_FUNC) {
    TSNode fn = is_call ? ts_node_child_by_field_id(e, w->f_function) : e;
    FixCand fc = {owner, scope, offset, fg_pf_dotted(w, fn), false, NULL};
    if (fc.dotted) {
      TSNode au = fg_pf_args_kw(w, &a, "autouse");
      fc.autouse = fg_pf_node_is(au, "true");
      TSNode nm = fg_pf_args_kw(w, &a, "name");
      if (!ts_node_is_null(nm))
        fc.name = fg_pf_string_value(w, nm, NULL);
      fg_vec_push(&w->fixtures, fc);
    }
  }
  fg_pf_args_free(&a);
}

/* Is a decorator call one the test model reads in full: click's `option`,
 * `argument`, `command`, `group`, `version_option`, `help_option` (as
 * `click.option(...)` or `cli.command()`)? Other calls are kept OPAQUE: a
 * parametrize list is not copied twice. */
static bool decorator_kept(Walk *w, TSNode call) {
  static const char *const kept[] = {"option", "argument",       "command",
                                     "group",  "version_option", "help_option"};
  char *d = fg_pf_dotted(w, ts_node_child_by_field_id(call, w->f_function));
  bool keep = false;
  for (size_t i = 0; d && i < sizeof kept / sizeof kept[0]; i++)
    keep = keep || strcmp(fg_pf_last_component(d), kept[i]) == 0;
  free(d);
  return keep;
}

/* A def's decorator as an expression (FgPyFunc.decorators). */
static int decorator_expr(Walk *w, TSNode e, const Ctx *cx) {
  if (fg_pf_node_is(e, "identifier") || fg_pf_node_is(e, "attribute") ||
      (fg_pf_node_is(e, "call") && decorator_kept(w, e)))
    return fg_pf_expr(w, e, cx, 0);
  return fg_pf_expr_opaque(w, e, cx);
}

/* Calls decorator() for each decorator of a decorated_definition; a def's
 * decorators are kept as expressions, read in cx (the scope the def is in). */
static void decorators(Walk *w, TSNode dd, int owner_kind, int owner, const Ctx *cx) {
  int scope = cx->scope;
  FG_VEC(int) exprs = {0};
  Kids k;
  for (fg_pf_kids_begin(&k, dd); k.ok; fg_pf_kids_next(&k)) {
    TSNode d = fg_pf_kids_node(&k);
    if (!fg_pf_node_is(d, "decorator"))
      continue;
    Kids dk;
    for (fg_pf_kids_begin(&dk, d); dk.ok; fg_pf_kids_next(&dk)) {
      TSNode e = fg_pf_kids_node(&dk);
      if (fg_pf_is_element(e)) {
        decorator(w, e, owner_kind, owner, scope, ts_node_start_byte(d));
        if (owner_kind == OWNER_FUNC)
          fg_vec_push(&exprs, decorator_expr(w, e, cx));
        break;
      }
    }
    fg_pf_kids_end(&dk);
  }
  fg_pf_kids_end(&k);
  if (owner_kind == OWNER_FUNC && exprs.len) {
    fg_vec_shrink(&exprs);
    w->funcs.items[owner].decorators = exprs.items;
    w->funcs.items[owner].ndecorators = exprs.len;
  } else {
    fg_vec_free(&exprs);
  }
}

/* `pytestmark = pytest.mark.x` / `[...]` / `(...)`. */
static void pytestmark(Walk *w, TSNode rhs, int owner_kind, int owner, int scope) {
  size_t off = ts_node_start_byte(rhs);
  if (fg_pf_node_is(rhs, "list") || fg_pf_node_is(rhs, "tuple")) {
    Kids k;
    for (fg_pf_kids_begin(&k, rhs); k.ok; fg_pf_kids_next(&k)) {
      TSNode e = fg_pf_kids_node(&k);
      if (fg_pf_is_element(e))
        marker_expr(w, e, owner_kind, owner, scope, off);
    }
    fg_pf_kids_end(&k);
  } else {
    marker_expr(w, rhs, owner_kind, owner, scope, off);
  }
}

/* ---- definitions ------------------------------------------------------- */

static char *indent_before(const Walk *w, size_t at) {
  size_t ls = at;
  while (ls > 0 && w->src[ls - 1] != '\n' && w->src[ls - 1] != '\r')
    ls--;
  for (size_t i = ls; i < at; i++)
    if (w->src[i] != ' ' && w->src[i] != '\t' && w->src[i] != '\f')
      return fg_xstrdup("");
  return fg_xstrndup(w->src + ls, at - ls);
}

static void params(Walk *w, TSNode ps, FgPyFunc *f, int fscope, bool method,
                   const Ctx *outer) {
  FG_VEC(char *) out = {0};
  FG_VEC(int) defaults = {0};
  bool first = true, positional = true;
  size_t npositional = 0;
  Kids k;
  for (fg_pf_kids_begin(&k, ps); k.ok; fg_pf_kids_next(&k)) {
    TSNode p = fg_pf_kids_node(&k);
    if (!fg_pf_is_element(p))
      continue;
    TSNode id = {0};
    TSNode dflt = {0};
    const char *t = ts_node_type(p);
    if (fg_pf_is_type(t, "identifier")) {
      id = p;
    } else if (fg_pf_is_type(t, "default_parameter") ||
               fg_pf_is_type(t, "typed_default_parameter")) {
      id = ts_node_child_by_field_id(p, w->f_name);
      dflt = ts_node_child_by_field_id(p, w->f_value);
    } else if (fg_pf_is_type(t, "typed_parameter")) {
      TSNode c = ts_node_named_child(p, 0);
      if (fg_pf_node_is(c, "identifier"))
        id = c;
    }
    if (ts_node_is_null(id) || !fg_pf_node_is(id, "identifier")) {
      /* *args, **kwargs, `*`, `/`, tuple parameters: not fixture requests;
       * **kwargs reads as a parameter not in params (the model gives it
       * the call's extra keywords) */
      TSNode inner = ts_node_named_child(p, 0);
      if (fg_pf_node_is(p, "list_splat_pattern") && fg_pf_node_is(inner, "identifier"))
        fg_pf_bind_node(w, fscope, inner, BIND_OPAQUE, NULL);
      else if (fg_pf_node_is(p, "dictionary_splat_pattern") &&
               fg_pf_node_is(inner, "identifier")) {
        fg_pf_bind_node(w, fscope, inner, BIND_PARAM, NULL);
        free(f->kwargs);
        f->kwargs = fg_pf_node_text(w, inner);
      }
      if (!fg_pf_node_is(p, "positional_separator") &&
          !fg_pf_node_is(p, "keyword_separator"))
        first = false;
      if (fg_pf_node_is(p, "list_splat_pattern") ||
          fg_pf_node_is(p, "dictionary_splat_pattern") ||
          fg_pf_node_is(p, "keyword_separator"))
        positional = false;
      continue;
    }
    char *name = fg_pf_node_text(w, id);
    if (first && method && (strcmp(name, "self") == 0 || strcmp(name, "cls") == 0)) {
      fg_pf_bind(w, fscope, name, ts_node_start_byte(id), BIND_SELF, NULL);
      free(name);
    } else {
      fg_pf_bind(w, fscope, name, ts_node_start_byte(id), BIND_PARAM, NULL);
      fg_vec_push(&out, name);
      int d = ts_node_is_null(dflt) ? -1 : fg_pf_expr(w, dflt, outer, 8);
      fg_vec_push(&defaults, d);
      if (positional)
        npositional++;
    }
    first = false;
  }
  fg_pf_kids_end(&k);
  fg_vec_shrink(&out);
  fg_vec_shrink(&defaults);
  f->params = out.items;
  f->nparams = out.len;
  f->param_defaults = defaults.items;
  f->npositional = npositional;
}

/* Is the decorated definition memoised for the process (`@cache`,
 * `@lru_cache`, `@functools.lru_cache(maxsize=None)`)? *span: the decorator. */
static bool cached_def(Walk *w, TSNode dd, FgSpan *span) {
  static const char *const kCaches[] = {"cache", "lru_cache", "functools.cache",
                                        "functools.lru_cache"};
  Kids k;
  for (fg_pf_kids_begin(&k, dd); k.ok; fg_pf_kids_next(&k)) {
    TSNode d = fg_pf_kids_node(&k);
    if (!fg_pf_node_is(d, "decorator") || ts_node_named_child_count(d) < 1)
      continue;
    TSNode e = ts_node_named_child(d, 0);
    if (fg_pf_node_is(e, "call"))
      e = ts_node_child_by_field_id(e, w->f_function);
    char *name = fg_pf_dotted(w, e);
    bool hit = false;
    for (size_t i = 0; name && i < sizeof kCaches / sizeof kCaches[0]; i++)
      hit = hit || strcmp(name, kCaches[i]) == 0;
    free(name);
    if (hit) {
      *span = fg_pf_node_span(d);
      fg_pf_kids_end(&k);
      return true;
    }
  }
  fg_pf_kids_end(&k);
  return false;
}

static Ctx visit_def(Walk *w, TSNode n, const Frame *parent, const Ctx *cx) {
  FgPyFunc f = {0};
  TSNode name = ts_node_child_by_field_id(n, w->f_name);
  f.name = ts_node_is_null(name) ? fg_xstrdup("") : fg_pf_node_text(w, name);
  f.name_span = ts_node_is_null(name) ? fg_pf_node_span(n) : fg_pf_node_span(name);
  f.cls = cx->cls;
  f.nested = cx->func >= 0;
  f.is_async = fg_pf_node_is(ts_node_child(n, 0), "async");
  bool decorated = parent && fg_pf_is_type(parent->type, "decorated_definition");
  f.span.start = decorated ? ts_node_start_byte(parent->node) : ts_node_start_byte(n);
  f.span.end = ts_node_end_byte(n);
  f.def_span = fg_pf_node_span(n);
  f.indent = indent_before(w, f.span.start);
  f.first_check = SIZE_MAX;
  int idx = (int)w->funcs.len;
  int fscope = fg_pf_scope_new(w, SCOPE_FUNC, cx->scope, idx);
  TSNode ps = ts_node_child_by_field_id(n, w->f_parameters);
  if (!ts_node_is_null(ps))
    params(w, ps, &f, fscope, cx->cls >= 0, cx);
  if (!ts_node_is_null(name))
    fg_pf_bind_node(w, cx->scope, name, BIND_OPAQUE, NULL);
  if (cx->cls >= 0 && strcmp(f.name, "__init__") == 0)
    w->classes.items[cx->cls].has_init = true;
  fg_vec_push(&w->funcs, f);
  fg_vec_push(&w->func_parent, cx->func);
  fg_vec_push(&w->func_scope, fscope);
  fg_vec_push(&w->func_finalizer, false);
  if (decorated)
    decorators(w, parent->node, OWNER_FUNC, idx, cx);
  Ctx in = {fscope, idx, -1, false, -1};
  /* `@functools.cache` on a def without parameters: its body runs once per
   * process, for whichever caller comes first */
  FgSpan once;
  if (decorated && w->funcs.items[idx].nparams == 0 &&
      cached_def(w, parent->node, &once)) {
    in.guard = fg_pf_cond(w, FG_COND_IF, false, -1, -1, once);
    w->conds.items[in.guard].lazy = true;
  }
  return in;
}

static Ctx visit_class(Walk *w, TSNode n, const Frame *parent, const Ctx *cx) {
  FgPyClass c = {0};
  TSNode name = ts_node_child_by_field_id(n, w->f_name);
  c.name = ts_node_is_null(name) ? fg_xstrdup("") : fg_pf_node_text(w, name);
  c.name_span = ts_node_is_null(name) ? fg_pf_node_span(n) : fg_pf_node_span(name);
  c.parent = cx->cls;
  c.in_function = cx->func >= 0;
  bool decorated = parent && fg_pf_is_type(parent->type, "decorated_definition");
  c.span.start = decorated ? ts_node_start_byte(parent->node) : ts_node_start_byte(n);
  c.span.end = ts_node_end_byte(n);
  Args a;
  fg_pf_args_scan(w, ts_node_child_by_field_id(n, w->f_superclasses), &a);
  FG_VEC(char *) bases = {0};
  for (size_t i = 0; i < a.pos.len; i++) {
    char *d = fg_pf_dotted(w, a.pos.items[i]);
    if (d)
      fg_vec_push(&bases, d); /* resolved after the walk */
  }
  fg_pf_args_free(&a);
  c.bases = bases.items;
  c.nbases = bases.len;
  if (!ts_node_is_null(name))
    fg_pf_bind_node(w, cx->scope, name, BIND_OPAQUE, NULL);
  int idx = (int)w->classes.len;
  fg_vec_push(&w->classes, c);
  fg_vec_push(&w->class_scope, cx->scope);
  fg_vec_push(&w->class_test, -1);
  if (decorated)
    decorators(w, parent->node, OWNER_CLASS, idx, cx);
  Ctx in = {fg_pf_scope_new(w, SCOPE_CLASS, cx->scope, -1), cx->func, idx, cx->main_only,
            -1};
  return in;
}

/* ---- statements -------------------------------------------------------- */

/* `x = v` in a def / class body / module, `self.x = v` in a method: kept
 * for the model to evaluate. */
static void record_assign(Walk *w, TSNode n, TSNode left, TSNode right, const Ctx *cx) {
  int kind = w->scopes.items[cx->scope].kind;
  RawAssign a = {-1, NULL, -1, fg_pf_node_span(n), cx->guard};
  FG_VEC(RawAssign) *to = NULL;
  if (fg_pf_node_is(left, "identifier")) {
    a.name = fg_pf_node_text(w, left);
    if (kind == SCOPE_FUNC) {
      a.owner = cx->func;
      to = (void *)&w->locals;
    } else if (kind == SCOPE_CLASS) {
      a.owner = cx->cls;
      to = (void *)&w->class_attrs;
      if (strcmp(a.name, "__test__") == 0 && fg_pf_node_is(right, "false"))
        w->class_test.items[cx->cls] = 0;
      else if (strcmp(a.name, "__test__") == 0 && fg_pf_node_is(right, "true"))
        w->class_test.items[cx->cls] = 1;
    } else {
      to = (void *)&w->globals;
      if (strcmp(a.name, "__test__") == 0 && fg_pf_node_is(right, "false"))
        w->m->dunder_test = 0;
      else if (strcmp(a.name, "__test__") == 0 && fg_pf_node_is(right, "true"))
        w->m->dunder_test = 1;
    }
  } else {
    TSNode obj = ts_node_child_by_field_id(left, w->f_object);
    TSNode attr = ts_node_child_by_field_id(left, w->f_attribute);
    if (kind != SCOPE_FUNC || cx->func < 0 || !fg_pf_node_is(obj, "identifier") ||
        ts_node_is_null(attr) ||
        !(fg_pf_text_eq(w, obj, "self") || fg_pf_text_eq(w, obj, "cls")))
      return;
    a.name = fg_pf_node_text(w, attr);
    a.owner = cx->func;
    to = (void *)&w->self_assigns;
  }
  a.expr = fg_pf_expr(w, right, cx, 4);
  fg_vec_push(to, a);
}

/* `d["k"] = v`, d a name, in a def or at module level: a local (a global)
 * named `d[k]` (`d[]` when the key is not a string literal), so the model
 * sees a mapping changed in place. */
static void record_item(Walk *w, TSNode n, TSNode left, TSNode right, const Ctx *cx) {
  TSNode obj = ts_node_child_by_field_id(left, w->f_value);
  TSNode key = ts_node_child_by_field_id(left, w->f_subscript);
  int kind = w->scopes.items[cx->scope].kind;
  bool local = kind == SCOPE_FUNC && cx->func >= 0;
  if ((!local && kind == SCOPE_FUNC) || kind == SCOPE_CLASS ||
      !fg_pf_node_is(obj, "identifier") || ts_node_is_null(key))
    return;
  char *k = fg_pf_node_is(key, "string") ? fg_pf_string_value(w, key, NULL) : NULL;
  char *o = fg_pf_node_text(w, obj);
  RawAssign a = {local ? cx->func : -1, fg_xasprintf("%s[%s]", o, k ? k : ""), -1,
                 fg_pf_node_span(n), cx->guard};
  free(o);
  free(k);
  a.expr = fg_pf_expr(w, right, cx, 4);
  if (local)
    fg_vec_push(&w->locals, a);
  else
    fg_vec_push(&w->globals, a);
}

/* `a, b = f()` in a def: locals a = f()[0], b = f()[1] (a helper returning
 * `runner, n`); the targets after a `*rest` have no fixed index. */
static void record_unpack(Walk *w, TSNode n, TSNode left, TSNode right, const Ctx *cx) {
  if (ts_node_is_null(right) || cx->func < 0 ||
      w->scopes.items[cx->scope].kind != SCOPE_FUNC)
    return;
  int of = -1;
  long long index = 0;
  Kids k;
  for (fg_pf_kids_begin(&k, left); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (!fg_pf_is_element(c))
      continue;
    if (fg_pf_node_is(c, "list_splat_pattern"))
      break;
    if (fg_pf_node_is(c, "identifier")) {
      if (of < 0)
        of = fg_pf_expr(w, right, cx, 4);
      RawAssign a = {cx->func, fg_pf_node_text(w, c),
                     fg_pf_expr_item(w, c, of, index, cx), fg_pf_node_span(n), cx->guard};
      fg_vec_push(&w->locals, a);
    }
    index++;
  }
  fg_pf_kids_end(&k);
}

/* `container[k] = v` / `container.append(v)` / `for v in container`, v a
 * name, in a def (see RawStore). Takes container. */
static void record_store(Walk *w, const Ctx *cx, char *container, TSNode v, bool loop,
                         TSNode stmt) {
  if (cx->func < 0 || !container || !fg_pf_node_is(v, "identifier")) {
    free(container);
    return;
  }
  RawStore st = {cx->func, container, fg_pf_node_text(w, v), loop, fg_pf_node_span(stmt)};
  fg_vec_push(&w->stores, st);
}

/* The container a loop walks: `x`, `x.values()`, `list(x)`, `list(x.values())`. */
static char *loop_container(const Walk *w, TSNode it) {
  for (int depth = 0; depth < 3 && fg_pf_node_is(it, "call"); depth++) {
    TSNode fn = ts_node_child_by_field_id(it, w->f_function);
    TSNode args = ts_node_child_by_field_id(it, w->f_arguments);
    uint32_t nargs = ts_node_is_null(args) ? 0 : ts_node_named_child_count(args);
    if (fg_pf_node_is(fn, "attribute") && nargs == 0 &&
        fg_pf_text_eq(w, ts_node_child_by_field_id(fn, w->f_attribute), "values"))
      it = ts_node_child_by_field_id(fn, w->f_object);
    else if ((fg_pf_text_eq(w, fn, "list") || fg_pf_text_eq(w, fn, "tuple")) &&
             nargs == 1)
      it = ts_node_named_child(args, 0);
    else
      return NULL;
  }
  if (!fg_pf_node_is(it, "identifier") && !fg_pf_node_is(it, "attribute"))
    return NULL;
  return fg_pf_dotted(w, it);
}

static void visit_assignment(Walk *w, TSNode n, const Ctx *cx) {
  TSNode left = ts_node_child_by_field_id(n, w->f_left);
  TSNode right = ts_node_child_by_field_id(n, w->f_right);
  if (fg_pf_node_is(left, "identifier")) {
    if (!ts_node_is_null(right) && fg_pf_text_eq(w, left, "pytestmark")) {
      if (cx->cls >= 0) {
        pytestmark(w, right, OWNER_CLASS, cx->cls, cx->scope);
      } else if (cx->func < 0) {
        pytestmark(w, right, OWNER_MODULE, -1, cx->scope);
        w->m->pytestmark_span = fg_pf_node_span(right);
      }
    }
    if (ts_node_is_null(right))
      return; /* `x: int` binds nothing */
    record_assign(w, n, left, right, cx);
    char *d = NULL;
    if (fg_pf_node_is(right, "identifier") || fg_pf_node_is(right, "attribute") ||
        fg_pf_node_is(right, "call"))
      d = fg_pf_dotted(w, right);
    char *name = fg_pf_node_text(w, left);
    fg_pf_bind(w, cx->scope, name, ts_node_start_byte(n), d ? BIND_ALIAS : BIND_OPAQUE,
               d);
    free(name);
  } else if (fg_pf_node_is(left, "attribute") && !ts_node_is_null(right)) {
    record_assign(w, n, left, right, cx);
  } else if (fg_pf_node_is(left, "subscript") && !ts_node_is_null(right)) {
    record_item(w, n, left, right, cx);
    TSNode obj = ts_node_child_by_field_id(left, w->f_value);
    if (fg_pf_node_is(obj, "identifier") || fg_pf_node_is(obj, "attribute"))
      record_store(w, cx, fg_pf_dotted(w, obj), right, false, n);
  } else if (fg_pf_node_is(left, "pattern_list") ||
             fg_pf_node_is(left, "tuple_pattern")) {
    record_unpack(w, n, left, right, cx);
    Kids k;
    for (fg_pf_kids_begin(&k, left); k.ok; fg_pf_kids_next(&k)) {
      TSNode c = fg_pf_kids_node(&k);
      if (fg_pf_node_is(c, "identifier"))
        fg_pf_bind_node(w, cx->scope, c, BIND_OPAQUE, NULL);
    }
    fg_pf_kids_end(&k);
  }
}

/* `return x` / `yield x` / `return x, y`: those names escape the def. */
static void visit_escape(Walk *w, TSNode n, const Ctx *cx) {
  if (cx->func < 0)
    return;
  int fscope = w->func_scope.items[cx->func];
  TSNode value = ts_node_named_child(n, 0);
  if (!ts_node_is_null(value) && fg_pf_is_element(value) &&
      !fg_pf_node_is(value, "yield")) {
    RawAssign r = {cx->func, NULL, fg_pf_expr(w, value, cx, 4), fg_pf_node_span(n),
                   cx->guard};
    fg_vec_push(&w->returns, r);
  }
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    bool list = fg_pf_node_is(c, "expression_list");
    Kids lk;
    if (list)
      fg_pf_kids_begin(&lk, c);
    for (bool more = list ? lk.ok : true; more;) {
      TSNode e = list ? fg_pf_kids_node(&lk) : c;
      if (fg_pf_node_is(e, "identifier") || fg_pf_node_is(e, "attribute")) {
        char *d = fg_pf_dotted(w, e);
        if (d) {
          int idx = fg_pf_names_get(w, fscope, d, strlen(d));
          w->names.items[idx].escaped = true;
          free(d);
        }
      }
      if (!list)
        break;
      fg_pf_kids_next(&lk);
      more = lk.ok;
    }
    if (list)
      fg_pf_kids_end(&lk);
  }
  fg_pf_kids_end(&k);
}

static void visit_call(Walk *w, TSNode n, Frame *self, const Frame *parent,
                       const Frame *grand, const Ctx *cx) {
  RawCall c = {0};
  TSNode fn = ts_node_child_by_field_id(n, w->f_function);
  c.span = fg_pf_node_span(n);
  c.callee_span = ts_node_is_null(fn) ? c.span : fg_pf_node_span(fn);
  c.callee = ts_node_is_null(fn) ? NULL : fg_pf_dotted(w, fn);
  c.callee_dotted = c.callee != NULL;
  if (!c.callee) {
    size_t len = c.callee_span.end - c.callee_span.start;
    c.callee = fg_xstrndup(w->src + c.callee_span.start,
                           len > MAX_RAW_CALLEE ? MAX_RAW_CALLEE : len);
  }
  c.scope = cx->scope;
  c.func = cx->func;
  c.main_only = cx->main_only;
  c.arg0_call = -1;
  c.guard = cx->guard;
  c.gate_expr = -1;
  c.scheduler_expr = -1;
  size_t start = ts_node_start_byte(n);
  if (parent) {
    const char *pt = parent->type;
    if (fg_pf_is_type(pt, "with_item")) {
      c.in_with = true;
    } else if (fg_pf_is_type(pt, "as_pattern") && grand &&
               fg_pf_is_type(grand->type, "with_item") &&
               ts_node_start_byte(parent->node) == start) {
      c.in_with = true;
      TSNode target = ts_node_child_by_field_id(parent->node, w->f_alias);
      TSNode id = ts_node_is_null(target) ? target : ts_node_named_child(target, 0);
      if (fg_pf_node_is(id, "identifier") || fg_pf_node_is(id, "attribute"))
        c.assigned_to = fg_pf_dotted(w, id);
    } else if (fg_pf_is_type(pt, "assignment") &&
               ts_node_eq(ts_node_child_by_field_id(parent->node, w->f_right), n)) {
      TSNode left = ts_node_child_by_field_id(parent->node, w->f_left);
      if (fg_pf_node_is(left, "identifier") || fg_pf_node_is(left, "attribute"))
        c.assigned_to = fg_pf_dotted(w, left);
    } else if (fg_pf_is_type(pt, "return_statement") || fg_pf_is_type(pt, "yield")) {
      c.direct_escape = true;
    } else if (fg_pf_is_type(pt, "argument_list") && grand && grand->call >= 0 &&
               grand->arg0_start == start) {
      w->calls.items[grand->call].arg0_call = (int)w->calls.len;
    }
  }
  TSNode arglist = ts_node_child_by_field_id(n, w->f_arguments);
  c.args = fg_pf_call_args(w, arglist, cx, &c.star_args);
  if (cx->func >= 0)
    patch_cand(w, n, OWNER_FUNC, cx->func, cx->scope, start);
  Args a;
  fg_pf_args_scan(w, arglist, &a);
  self->arg0_start = SIZE_MAX;
  if (a.pos.len > 0) {
    TSNode p0 = a.pos.items[0];
    self->arg0_start = ts_node_start_byte(p0);
    c.arg0_str = fg_pf_string_value(w, p0, &c.arg0_span);
    if (fg_pf_node_is(p0, "identifier") || fg_pf_node_is(p0, "attribute"))
      c.arg0_dotted = fg_pf_dotted(w, p0);
    if (c.callee_dotted && a.pos.len == 1 && fg_pf_container_add(c.callee))
      record_store(w, cx,
                   fg_xstrndup(c.callee, (size_t)(strrchr(c.callee, '.') - c.callee)), p0,
                   false, n);
  }
  if (a.pos.len > 1)
    c.arg1_str = fg_pf_string_value(w, a.pos.items[1], NULL);
  TSNode method = fg_pf_args_kw(w, &a, "method");
  if (!ts_node_is_null(method))
    c.kw_method = fg_pf_string_value(w, method, &c.kw_method_span);
  char *prefer = fg_pf_string_value(w, fg_pf_args_kw(w, &a, "prefer"), NULL);
  char *backend = fg_pf_string_value(w, fg_pf_args_kw(w, &a, "backend"), NULL);
  char *require = fg_pf_string_value(w, fg_pf_args_kw(w, &a, "require"), NULL);
  c.threads = fg_str_eq(prefer, "threads") || fg_str_eq(backend, "threading") ||
              fg_str_eq(backend, "sequential");
  c.sharedmem = fg_str_eq(require, "sharedmem");
  c.backend = backend;
  c.start_method_kw = fg_pf_string_value(w, fg_pf_args_kw(w, &a, "start_method"), NULL);
  free(prefer);
  free(require);
  fg_pf_args_free(&a);
  self->call = (int)w->calls.len;
  fg_vec_push(&w->calls, c);
}

static void note_error(Walk *w, TSNode n) {
  FgPyModule *m = w->m;
  if (m->has_error)
    return;
  if (ts_node_is_missing(n)) {
    m->has_error = true;
    m->error_offset = ts_node_start_byte(n);
    m->error_message = fg_xasprintf("missing '%s'", ts_node_type(n));
  } else if (ts_node_symbol(n) == (TSSymbol)-1) {
    m->has_error = true;
    m->error_offset = ts_node_start_byte(n);
    m->error_message = fg_xstrdup("invalid syntax");
  }
}

/* `if __name__ == "__main__":` (either operand order, either quote). */
static bool is_main_guard(const Walk *w, TSNode if_stmt) {
  TSNode cond = ts_node_child_by_field_id(if_stmt, w->f_condition);
  if (!fg_pf_node_is(cond, "comparison_operator"))
    return false;
  char text[64];
  size_t n = 0;
  for (size_t i = ts_node_start_byte(cond); i < ts_node_end_byte(cond); i++) {
    char ch = w->src[i];
    if (ch == ' ' || ch == '\t')
      continue;
    if (n + 1 >= sizeof text)
      return false;
    text[n++] = ch == '\'' ? '"' : ch;
  }
  text[n] = '\0';
  return strcmp(text, "__name__==\"__main__\"") == 0 ||
         strcmp(text, "\"__main__\"==__name__") == 0;
}

/* One node: its context comes from its parent frame (a def's or class's
 * body runs in the new scope; its name, parameters and bases do not). */
/* The guard of a child node: the part of an if / elif / while / ternary /
 * boolean operator it is, an except handler, a match case. */
static int child_guard(Walk *w, const Frame *parent, TSFieldId field, TSNode n, int g) {
  const char *pt = parent->type;
  if (fg_pf_is_type(pt, "if_statement")) {
    if (field == w->f_consequence)
      return parent->cons_guard;
    if (field == w->f_alternative)
      return parent->alt_guard;
  } else if (fg_pf_is_type(pt, "elif_clause") || fg_pf_is_type(pt, "while_statement")) {
    if (field == w->f_consequence || field == w->f_body)
      return parent->cons_guard;
  } else if (fg_pf_is_type(pt, "boolean_operator")) {
    if (field == w->f_right)
      return parent->cons_guard;
  } else if (fg_pf_is_type(pt, "conditional_expression")) {
    if (ts_node_eq(n, ts_node_named_child(parent->node, 0)))
      return parent->cons_guard;
    if (ts_node_eq(n, ts_node_named_child(parent->node, 2)))
      return parent->alt_guard;
  } else if (fg_pf_is_type(pt, "with_statement")) {
    if (field == w->f_body && parent->cons_guard >= 0)
      return parent->cons_guard;
  } else if (parent->cons_guard >= 0 && field == w->f_body &&
             fg_pf_is_type(pt, "for_statement")) {
    return parent->cons_guard;
  } else if (fg_pf_is_type(pt, "try_statement")) {
    if (fg_pf_node_is(n, "except_clause") || fg_pf_node_is(n, "except_group_clause"))
      return fg_pf_cond(w, FG_COND_EXCEPT, false, -1, g, fg_pf_node_span(n));
  }
  if (fg_pf_node_is(n, "case_clause"))
    return fg_pf_cond(w, FG_COND_CASE, false, -1, g, fg_pf_node_span(n));
  return g;
}

/* The condition of an if / elif / while as an expression. */
static int condition_expr(Walk *w, TSNode n, const Ctx *cx, FgSpan *span) {
  TSNode c = ts_node_child_by_field_id(n, w->f_condition);
  *span = ts_node_is_null(c) ? fg_pf_node_span(n) : fg_pf_node_span(c);
  return fg_pf_expr(w, c, cx, 0);
}

/* After `if c: return` (and elifs that all end so, no else) the rest of
 * the block runs when every condition is false: the block's guard grows. */
static void early_exit(Walk *w, TSNode n, Frame *block, int if_expr, FgSpan if_span,
                       const Ctx *cx) {
  int k0 = fg_pf_block_exit(w, ts_node_child_by_field_id(n, w->f_consequence));
  if (!k0)
    return;
  FG_VEC(TSNode) elifs = {0};
  bool ok = true;
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok && ok; fg_pf_kids_next(&k)) {
    if (fg_pf_kids_field(&k) != w->f_alternative)
      continue;
    TSNode alt = fg_pf_kids_node(&k);
    if (fg_pf_node_is(alt, "elif_clause") &&
        fg_pf_block_exit(w, ts_node_child_by_field_id(alt, w->f_consequence)))
      fg_vec_push(&elifs, alt);
    else
      ok = false;
  }
  fg_pf_kids_end(&k);
  if (ok) {
    int g = block->inner.guard;
    g = fg_pf_cond(w, k0 == 2 ? FG_COND_SKIP : FG_COND_EXIT, true, if_expr, g, if_span);
    for (size_t i = 0; i < elifs.len; i++) {
      int kind = fg_pf_block_exit(
          w, ts_node_child_by_field_id(elifs.items[i], w->f_consequence));
      FgSpan sp;
      int e = condition_expr(w, elifs.items[i], cx, &sp);
      g = fg_pf_cond(w, kind == 2 ? FG_COND_SKIP : FG_COND_EXIT, true, e, g, sp);
    }
    block->inner.guard = g;
  }
  fg_vec_free(&elifs);
}

/* `if X is None: X = ...` / `if not X: X = ...` with X not self's: a
 * once-per-process initialisation (whether this run is the first is not
 * known). */
static bool lazy_init(const Walk *w, TSNode if_stmt) {
  TSNode cond = ts_node_child_by_field_id(if_stmt, w->f_condition);
  TSNode subject = {0};
  if (fg_pf_node_is(cond, "not_operator")) {
    subject = ts_node_child_by_field_id(cond, w->f_argument);
  } else if (fg_pf_node_is(cond, "comparison_operator") &&
             ts_node_named_child_count(cond) == 2 &&
             fg_pf_node_is(ts_node_named_child(cond, 1), "none")) {
    char *text = fg_pf_node_text(w, cond);
    bool is = strstr(text, " is ") && !strstr(text, " is not ");
    free(text);
    if (is)
      subject = ts_node_named_child(cond, 0);
  }
  char *x = ts_node_is_null(subject) ? NULL : fg_pf_dotted(w, subject);
  if (!x || fg_str_startswith(x, "self.")) {
    free(x);
    return false;
  }
  bool found = false;
  TSNode block = ts_node_child_by_field_id(if_stmt, w->f_consequence);
  uint32_t nk = ts_node_is_null(block) ? 0 : ts_node_named_child_count(block);
  for (uint32_t i = 0; i < nk && !found; i++) {
    TSNode st = ts_node_named_child(block, i);
    TSNode asg =
        fg_pf_node_is(st, "expression_statement") ? ts_node_named_child(st, 0) : st;
    if (!fg_pf_node_is(asg, "assignment"))
      continue;
    char *left = fg_pf_dotted(w, ts_node_child_by_field_id(asg, w->f_left));
    found = left && strcmp(left, x) == 0;
    free(left);
  }
  free(x);
  return found;
}

/* `with pytest.raises(E):` / `with self.assertRaises(E):`: the item. */
static TSNode raises_item(const Walk *w, TSNode with_stmt) {
  TSNode none = {0};
  uint32_t n = ts_node_named_child_count(with_stmt);
  for (uint32_t i = 0; i < n; i++) {
    TSNode clause = ts_node_named_child(with_stmt, i);
    if (!fg_pf_node_is(clause, "with_clause"))
      continue;
    uint32_t k = ts_node_named_child_count(clause);
    for (uint32_t j = 0; j < k; j++) {
      TSNode item = ts_node_named_child(clause, j);
      TSNode v = ts_node_child_by_field_id(item, w->f_value);
      if (fg_pf_node_is(v, "as_pattern"))
        v = ts_node_named_child(v, 0);
      if (!fg_pf_node_is(v, "call"))
        continue;
      char *d = fg_pf_dotted(w, ts_node_child_by_field_id(v, w->f_function));
      const char *last = d ? fg_pf_last_component(d) : "";
      bool hit = strcmp(last, "raises") == 0 || strcmp(last, "assertRaises") == 0 ||
                 strcmp(last, "assertRaisesRegex") == 0 ||
                 strcmp(last, "assertRaisesRegexp") == 0;
      free(d);
      if (hit)
        return v;
    }
  }
  return none;
}

/* `with dask.config.set(scheduler=V):` (or `{"scheduler": V}`): V as an
 * expression, -1. *span gets the item. */
static int config_item(Walk *w, TSNode with_stmt, const Ctx *cx, FgSpan *span) {
  uint32_t n = ts_node_named_child_count(with_stmt);
  for (uint32_t i = 0; i < n; i++) {
    TSNode clause = ts_node_named_child(with_stmt, i);
    if (!fg_pf_node_is(clause, "with_clause"))
      continue;
    uint32_t k = ts_node_named_child_count(clause);
    for (uint32_t j = 0; j < k; j++) {
      TSNode v = ts_node_child_by_field_id(ts_node_named_child(clause, j), w->f_value);
      if (fg_pf_node_is(v, "as_pattern"))
        v = ts_node_named_child(v, 0);
      if (!fg_pf_node_is(v, "call"))
        continue;
      /* `<...>config.set(...)`: the attribute first, no copy */
      TSNode fn = ts_node_child_by_field_id(v, w->f_function);
      if (!fg_pf_node_is(fn, "attribute") ||
          !fg_pf_text_eq(w, ts_node_child_by_field_id(fn, w->f_attribute), "set"))
        continue;
      char *d = fg_pf_dotted(w, fn);
      bool hit = d && (strcmp(d, "config.set") == 0 || fg_str_endswith(d, ".config.set"));
      free(d);
      if (!hit)
        continue;
      bool star = false;
      int args =
          fg_pf_call_args(w, ts_node_child_by_field_id(v, w->f_arguments), cx, &star);
      for (int a = args; a >= 0; a = w->exprs.items[a].next) {
        const FgPyExpr *x = &w->exprs.items[a];
        int val = -1;
        if (x->kind == FG_EXPR_KW && fg_str_eq(x->text, "scheduler"))
          val = x->a;
        for (int e = x->kind == FG_EXPR_DICT ? x->a : -1; e >= 0 && val < 0;
             e = w->exprs.items[e].next)
          if (fg_str_eq(w->exprs.items[e].text, "scheduler"))
            val = w->exprs.items[e].a;
        if (val >= 0) {
          *span = fg_pf_node_span(v);
          return val;
        }
      }
    }
  }
  return -1;
}

/* `for x in range(...)` / `for x in (a, b)` in a def: a loop over literal
 * values runs its body once per value (FOR). */
static void for_guard(Walk *w, Frame *self, const Ctx *cx) {
  TSNode n = self->node;
  TSNode left = ts_node_child_by_field_id(n, w->f_left);
  TSNode right = ts_node_child_by_field_id(n, w->f_right);
  bool literal = fg_pf_node_is(right, "tuple") || fg_pf_node_is(right, "list");
  if (fg_pf_node_is(right, "call"))
    literal = fg_pf_text_eq(w, ts_node_child_by_field_id(right, w->f_function), "range");
  if (literal && fg_pf_node_is(left, "identifier")) {
    int e = fg_pf_expr(w, right, cx, 0);
    self->cons_guard =
        fg_pf_cond(w, FG_COND_FOR, false, e, cx->guard, fg_pf_node_span(left));
  }
}

/* The guards a node opens for its parts (see child_guard). */
static void open_guards(Walk *w, Frame *self, Frame *parent, const Ctx *cx) {
  TSNode n = self->node;
  const char *t = self->type;
  FgSpan sp;
  if (fg_pf_is_type(t, "if_statement")) {
    int e = condition_expr(w, n, cx, &sp);
    self->cons_guard = fg_pf_cond(w, FG_COND_IF, false, e, cx->guard, sp);
    w->conds.items[self->cons_guard].lazy = lazy_init(w, n);
    self->alt_guard = fg_pf_cond(w, FG_COND_IF, true, e, cx->guard, sp);
    if (parent &&
        (fg_pf_is_type(parent->type, "block") || fg_pf_is_type(parent->type, "module")))
      early_exit(w, n, parent, e, sp, cx);
  } else if (fg_pf_is_type(t, "elif_clause") && parent &&
             fg_pf_is_type(parent->type, "if_statement")) {
    int e = condition_expr(w, n, cx, &sp);
    self->cons_guard = fg_pf_cond(w, FG_COND_IF, false, e, cx->guard, sp);
    parent->alt_guard = fg_pf_cond(w, FG_COND_IF, true, e, cx->guard, sp);
  } else if (fg_pf_is_type(t, "while_statement")) {
    int e = condition_expr(w, n, cx, &sp);
    self->cons_guard = fg_pf_cond(w, FG_COND_WHILE, false, e, cx->guard, sp);
  } else if (fg_pf_is_type(t, "conditional_expression") &&
             ts_node_named_child_count(n) == 3) {
    TSNode c = ts_node_named_child(n, 1);
    int e = fg_pf_expr(w, c, cx, 0);
    sp = fg_pf_node_span(c);
    self->cons_guard = fg_pf_cond(w, FG_COND_TERNARY, false, e, cx->guard, sp);
    self->alt_guard = fg_pf_cond(w, FG_COND_TERNARY, true, e, cx->guard, sp);
  } else if (fg_pf_is_type(t, "with_statement")) {
    int g = cx->guard;
    int sched = config_item(w, n, cx, &sp);
    if (sched >= 0)
      g = self->cons_guard = fg_pf_cond(w, FG_COND_CONFIG, false, sched, g, sp);
    TSNode item = raises_item(w, n);
    if (!ts_node_is_null(item))
      self->cons_guard =
          fg_pf_cond(w, FG_COND_RAISES, false, -1, g, fg_pf_node_span(item));
  } else if (fg_pf_is_type(t, "boolean_operator")) {
    TSNode left = ts_node_child_by_field_id(n, w->f_left);
    bool is_or = fg_pf_node_is(ts_node_child_by_field_id(n, w->f_operator), "or");
    int e = fg_pf_expr(w, left, cx, 0);
    self->cons_guard =
        fg_pf_cond(w, FG_COND_BOOLOP, is_or, e, cx->guard, fg_pf_node_span(left));
  }
}

static void visit(Walk *w, size_t depth, TSFieldId field) {
  Frame *self = &w->stack.items[depth];
  Frame *parent = depth > 0 ? &w->stack.items[depth - 1] : NULL;
  const Frame *grand = depth > 1 ? &w->stack.items[depth - 2] : NULL;
  TSNode n = self->node;
  const char *t = self->type;
  Ctx cx = {0, -1, -1, false, -1};
  if (parent) {
    bool header = (fg_pf_is_type(parent->type, "function_definition") ||
                   fg_pf_is_type(parent->type, "class_definition")) &&
                  field != w->f_body;
    cx = header ? parent->outer : parent->inner;
    if (cx.func < 0 && cx.cls < 0 && field == w->f_consequence &&
        fg_pf_is_type(parent->type, "if_statement") && is_main_guard(w, parent->node))
      cx.main_only = true;
    if (!header)
      cx.guard = child_guard(w, parent, field, n, cx.guard);
  }
  self->outer = cx;
  self->inner = cx;
  self->call = -1;
  self->arg0_start = SIZE_MAX;
  self->cons_guard = -1;
  self->alt_guard = -1;
  if (ts_node_is_named(n))
    open_guards(w, self, parent, &cx);
  if (ts_node_is_missing(n) || ts_node_symbol(n) == (TSSymbol)-1)
    note_error(w, n);
  if (!ts_node_is_named(n))
    return;
  if (fg_pf_is_type(t, "call"))
    visit_call(w, n, self, parent, grand, &cx);
  else if (fg_pf_is_type(t, "function_definition"))
    self->inner = visit_def(w, n, parent, &cx);
  else if (fg_pf_is_type(t, "class_definition"))
    self->inner = visit_class(w, n, parent, &cx);
  else if (fg_pf_is_type(t, "assignment"))
    visit_assignment(w, n, &cx);
  else if (fg_pf_is_type(t, "import_statement"))
    visit_import(w, n, &cx);
  else if (fg_pf_is_type(t, "import_from_statement"))
    visit_import_from(w, n, &cx, false);
  else if (fg_pf_is_type(t, "future_import_statement"))
    visit_import_from(w, n, &cx, true);
  else if (fg_pf_is_type(t, "return_statement"))
    visit_escape(w, n, &cx);
  else if ((fg_pf_is_type(t, "assert_statement") ||
            fg_pf_is_type(t, "raise_statement")) &&
           cx.func >= 0 && w->funcs.items[cx.func].first_check == SIZE_MAX)
    w->funcs.items[cx.func].first_check = ts_node_start_byte(n);
  else if (fg_pf_is_type(t, "yield")) {
    if (cx.func >= 0)
      w->funcs.items[cx.func].has_yield = true;
    visit_escape(w, n, &cx);
  } else if (fg_pf_is_type(t, "for_statement") || fg_pf_is_type(t, "for_in_clause")) {
    /* loop targets are names of the scope (their values are not known) */
    TSNode left = ts_node_child_by_field_id(n, w->f_left);
    if (cx.func >= 0 && fg_pf_is_type(t, "for_statement")) {
      for_guard(w, self, &cx);
      TSNode right = ts_node_child_by_field_id(n, w->f_right);
      if (!ts_node_is_null(right))
        record_store(w, &cx, loop_container(w, right), left, true, n);
    }
    if (fg_pf_node_is(left, "identifier")) {
      fg_pf_bind_node(w, cx.scope, left, BIND_OPAQUE, NULL);
    } else if (!ts_node_is_null(left)) {
      uint32_t k = ts_node_named_child_count(left);
      for (uint32_t i = 0; i < k; i++) {
        TSNode c = ts_node_named_child(left, i);
        if (fg_pf_node_is(c, "identifier"))
          fg_pf_bind_node(w, cx.scope, c, BIND_OPAQUE, NULL);
      }
    }
  } else if (fg_pf_is_type(t, "as_pattern") && parent &&
             fg_pf_is_type(parent->type, "with_item")) {
    TSNode target = ts_node_child_by_field_id(n, w->f_alias);
    TSNode id = ts_node_is_null(target) ? target : ts_node_named_child(target, 0);
    if (fg_pf_node_is(id, "identifier")) {
      fg_pf_bind_node(w, cx.scope, id, BIND_OPAQUE, NULL);
      /* `with X() as x`: x holds what X() made (__enter__ returns self for
       * pools, executors and managers) */
      TSNode value = ts_node_named_child(n, 0);
      if (cx.func >= 0 && w->scopes.items[cx.scope].kind == SCOPE_FUNC &&
          fg_pf_node_is(value, "call")) {
        RawAssign a = {cx.func, fg_pf_node_text(w, id), fg_pf_expr(w, value, &cx, 4),
                       fg_pf_node_span(n), cx.guard};
        fg_vec_push(&w->locals, a);
      }
    }
  }
}

void fg_pf_walk_tree(Walk *w, TSNode root) {
  TSTreeCursor cur = ts_tree_cursor_new(root);
  size_t depth = 0;
  Frame f0 = {0};
  f0.node = root;
  f0.type = ts_node_type(root);
  fg_vec_push(&w->stack, f0);
  visit(w, 0, 0);
  for (;;) {
    if (ts_tree_cursor_goto_first_child(&cur)) {
      depth++;
    } else {
      bool moved = false;
      while (!moved) {
        if (ts_tree_cursor_goto_next_sibling(&cur)) {
          moved = true;
        } else if (ts_tree_cursor_goto_parent(&cur)) {
          depth--;
        } else {
          break;
        }
      }
      if (!moved)
        break;
    }
    Frame f = {0};
    f.node = ts_tree_cursor_current_node(&cur);
    f.type = ts_node_type(f.node);
    w->stack.len = depth;
    fg_vec_push(&w->stack, f);
    visit(w, depth, ts_tree_cursor_current_field_id(&cur));
  }
  ts_tree_cursor_delete(&cur);
}
