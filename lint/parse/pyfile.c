/* pyfile: tree-sitter-python -> FgPyModule.
 *
 * One pass over the tree with a TSTreeCursor (no C recursion: the context
 * of every open node lives in a heap stack indexed by depth) collects raw
 * facts: imports and other name bindings per scope, calls with the bits of
 * their arguments that matter, marker / fixture / base-class candidates.
 * Names are resolved afterwards, because Python binds module names at run
 * time: an import below a def still applies inside it. The tree is freed
 * before the summary is returned. */
#include "parse/pyfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "core/util.h"

const TSLanguage *tree_sitter_python(void);

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
enum { BIND_IMPORT, BIND_ALIAS, BIND_OPAQUE };
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
} RawCall;

typedef struct MarkCand {
  int owner_kind, owner;
  int scope;
  size_t offset;
  char *prefix, *name;
  FgSpan span;
  char **args;
  size_t nargs;
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
} Ctx;

typedef struct Frame {
  TSNode node;
  const char *type;
  Ctx outer, inner;
  int call;          /* RawCall index when the node is a call */
  size_t arg0_start; /* for a call: start of its first positional argument */
} Frame;

typedef struct Walk {
  const char *src;
  size_t len;
  const FgPyOptions *opts;
  FgPyModule *m;
  TSFieldId f_body, f_name, f_function, f_arguments, f_left, f_right, f_value, f_object,
      f_attribute, f_alias, f_module_name, f_superclasses, f_parameters, f_condition,
      f_consequence;

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
} Walk;

/* ---- small node helpers ------------------------------------------------ */

static bool is_type(const char *type, const char *want) {
  return strcmp(type, want) == 0;
}

static bool node_is(TSNode n, const char *want) {
  return !ts_node_is_null(n) && strcmp(ts_node_type(n), want) == 0;
}

static FgSpan node_span(TSNode n) {
  FgSpan s = {ts_node_start_byte(n), ts_node_end_byte(n)};
  return s;
}

static char *node_text(const Walk *w, TSNode n) {
  size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  if (b > w->len)
    b = w->len;
  if (a > b)
    a = b;
  return fg_xstrndup(w->src + a, b - a);
}

static bool text_eq(const Walk *w, TSNode n, const char *s) {
  size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  size_t k = strlen(s);
  return b - a == k && b <= w->len && memcmp(w->src + a, s, k) == 0;
}

/* Child iteration with a cursor: ts_node_child(n, i) is O(i) per call. */
typedef struct Kids {
  TSTreeCursor cur;
  bool ok;
} Kids;

static void kids_begin(Kids *k, TSNode n) {
  k->cur = ts_tree_cursor_new(n);
  k->ok = ts_tree_cursor_goto_first_child(&k->cur);
}
static TSNode kids_node(const Kids *k) {
  return ts_tree_cursor_current_node(&k->cur);
}
static TSFieldId kids_field(const Kids *k) {
  return ts_tree_cursor_current_field_id(&k->cur);
}
static void kids_next(Kids *k) {
  k->ok = ts_tree_cursor_goto_next_sibling(&k->cur);
}
static void kids_end(Kids *k) {
  ts_tree_cursor_delete(&k->cur);
}

/* A named, non-comment child. */
static bool is_element(TSNode n) {
  return ts_node_is_named(n) && !node_is(n, "comment");
}

/* The value of a plain string literal (no interpolation, not concatenated),
 * without prefix and quotes; NULL otherwise. *span gets the whole literal. */
static char *string_value(const Walk *w, TSNode n, FgSpan *span) {
  if (!node_is(n, "string"))
    return NULL;
  size_t a = SIZE_MAX, b = SIZE_MAX;
  bool ok = true;
  Kids k;
  for (kids_begin(&k, n); k.ok; kids_next(&k)) {
    TSNode c = kids_node(&k);
    const char *t = ts_node_type(c);
    if (is_type(t, "string_start"))
      a = ts_node_end_byte(c);
    else if (is_type(t, "string_end") && !ts_node_is_missing(c))
      b = ts_node_start_byte(c);
    else if (is_type(t, "interpolation"))
      ok = false;
  }
  kids_end(&k);
  if (!ok || a == SIZE_MAX || b == SIZE_MAX || b < a || b > w->len)
    return NULL;
  if (span)
    *span = node_span(n);
  return fg_xstrndup(w->src + a, b - a);
}

/* `a.b().c` as text with call arguments elided; NULL when the expression is
 * not made of names, attributes and calls (or is absurdly long). */
static char *dotted(const Walk *w, TSNode n) {
  TSNode parts[MAX_DOTTED_PARTS];
  size_t np = 0;
  for (;;) {
    if (ts_node_is_null(n) || np == MAX_DOTTED_PARTS)
      return NULL;
    const char *t = ts_node_type(n);
    if (is_type(t, "identifier")) {
      parts[np++] = n;
      break;
    }
    if (is_type(t, "attribute")) {
      TSNode attr = ts_node_child_by_field_id(n, w->f_attribute);
      if (ts_node_is_null(attr))
        return NULL;
      parts[np++] = attr;
      n = ts_node_child_by_field_id(n, w->f_object);
    } else if (is_type(t, "call")) {
      parts[np++] = n; /* rendered as "()" */
      n = ts_node_child_by_field_id(n, w->f_function);
    } else {
      return NULL;
    }
  }
  FgBuf b = {0};
  for (size_t i = np; i-- > 0;) {
    TSNode p = parts[i];
    if (node_is(p, "call")) {
      fg_buf_puts(&b, "()");
      continue;
    }
    if (i != np - 1)
      fg_buf_putc(&b, '.');
    size_t s = ts_node_start_byte(p), e = ts_node_end_byte(p);
    fg_buf_append(&b, w->src + s, e - s);
  }
  return fg_buf_take(&b);
}

/* The last dotted component and what precedes it: "pytest.mark.x" ->
 * prefix "pytest.mark", name "x". False without a prefix. */
static bool split_last(const char *d, char **prefix, char **name) {
  const char *dot = strrchr(d, '.');
  if (!dot || dot == d || dot[1] == '\0' || strchr(dot, '(') != NULL)
    return false;
  *prefix = fg_xstrndup(d, (size_t)(dot - d));
  *name = fg_xstrdup(dot + 1);
  return true;
}

static const char *last_component(const char *d) {
  const char *dot = strrchr(d, '.');
  return dot ? dot + 1 : d;
}

/* ---- arguments --------------------------------------------------------- */

typedef struct KwArg {
  TSNode name, value;
} KwArg;

typedef struct Args {
  FG_VEC(TSNode) pos;
  FG_VEC(KwArg) kw;
} Args;

static void args_scan(const Walk *w, TSNode list, Args *a) {
  memset(a, 0, sizeof *a);
  if (!node_is(list, "argument_list"))
    return;
  Kids k;
  for (kids_begin(&k, list); k.ok; kids_next(&k)) {
    TSNode c = kids_node(&k);
    if (!is_element(c))
      continue;
    if (node_is(c, "keyword_argument")) {
      KwArg kw = {ts_node_child_by_field_id(c, w->f_name),
                  ts_node_child_by_field_id(c, w->f_value)};
      if (!ts_node_is_null(kw.name) && !ts_node_is_null(kw.value))
        fg_vec_push(&a->kw, kw);
    } else if (!node_is(c, "list_splat") && !node_is(c, "dictionary_splat")) {
      fg_vec_push(&a->pos, c);
    }
  }
  kids_end(&k);
}

static void args_free(Args *a) {
  fg_vec_free(&a->pos);
  fg_vec_free(&a->kw);
}

static TSNode args_kw(const Walk *w, const Args *a, const char *name) {
  for (size_t i = 0; i < a->kw.len; i++)
    if (text_eq(w, a->kw.items[i].name, name))
      return a->kw.items[i].value;
  TSNode none = {0};
  return none;
}

/* ---- names and scopes -------------------------------------------------- */

static uint64_t name_hash(int scope, const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)(unsigned)scope;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static int names_find(const Walk *w, int scope, const char *s, size_t n) {
  if (!w->table_cap)
    return -1;
  size_t i = name_hash(scope, s, n) & (w->table_cap - 1);
  while (w->table[i] >= 0) {
    const NameEntry *e = &w->names.items[w->table[i]];
    if (e->scope == scope && strlen(e->name) == n && memcmp(e->name, s, n) == 0)
      return w->table[i];
    i = (i + 1) & (w->table_cap - 1);
  }
  return -1;
}

static void table_insert(Walk *w, int idx) {
  const NameEntry *e = &w->names.items[idx];
  size_t i = name_hash(e->scope, e->name, strlen(e->name)) & (w->table_cap - 1);
  while (w->table[i] >= 0)
    i = (i + 1) & (w->table_cap - 1);
  w->table[i] = idx;
}

static int names_get(Walk *w, int scope, const char *s, size_t n) {
  int found = names_find(w, scope, s, n);
  if (found >= 0)
    return found;
  if ((w->names.len + 1) * 2 > w->table_cap) {
    size_t cap = w->table_cap ? w->table_cap * 2 : 64;
    free(w->table);
    w->table = fg_xmalloc(cap * sizeof(int));
    for (size_t i = 0; i < cap; i++)
      w->table[i] = -1;
    w->table_cap = cap;
    for (size_t i = 0; i < w->names.len; i++)
      table_insert(w, (int)i);
  }
  NameEntry e = {0};
  e.scope = scope;
  e.name = fg_xstrndup(s, n);
  fg_vec_push(&w->names, e);
  table_insert(w, (int)w->names.len - 1);
  return (int)w->names.len - 1;
}

static void bind(Walk *w, int scope, const char *name, size_t offset, int kind,
                 char *value) {
  int idx = names_get(w, scope, name, strlen(name));
  Binding b = {offset, kind, value};
  fg_vec_push(&w->names.items[idx].binds, b);
}

static void bind_node(Walk *w, int scope, TSNode id, int kind, char *value) {
  char *name = node_text(w, id);
  bind(w, scope, name, ts_node_start_byte(id), kind, value);
  free(name);
}

static int scope_new(Walk *w, int kind, int parent, int func) {
  Scope s = {kind, parent, func};
  fg_vec_push(&w->scopes, s);
  return (int)w->scopes.len - 1;
}

/* The binding of a name seen from (scope, offset): in the scope itself the
 * latest binding before offset (else the last one: loops, late imports);
 * in enclosing scopes the last one (they ran to completion before the call
 * ran). Class scopes are not visible from the defs inside them. */
static const Binding *lookup(const Walk *w, int scope, const char *s, size_t n,
                             size_t offset, int *found_scope) {
  bool origin = true;
  for (int sc = scope; sc >= 0; sc = w->scopes.items[sc].parent) {
    if (!origin && w->scopes.items[sc].kind == SCOPE_CLASS)
      continue;
    int idx = names_find(w, sc, s, n);
    if (idx >= 0 && w->names.items[idx].binds.len) {
      const NameEntry *e = &w->names.items[idx];
      const Binding *pick = &e->binds.items[e->binds.len - 1];
      if (origin) {
        size_t lo = 0, hi = e->binds.len; /* first binding with offset >= offset */
        while (lo < hi) {
          size_t mid = (lo + hi) / 2;
          if (e->binds.items[mid].offset < offset)
            lo = mid + 1;
          else
            hi = mid;
        }
        if (lo > 0)
          pick = &e->binds.items[lo - 1];
      }
      *found_scope = sc;
      return pick;
    }
    origin = false;
  }
  return NULL;
}

/* Resolves a dotted text through imports and simple aliases. *via_import
 * says whether anything was resolved through an import. */
static char *resolve(const Walk *w, const char *text, int scope, size_t offset, int depth,
                     bool *via_import) {
  size_t head = strcspn(text, ".(");
  const char *rest = text + head;
  int bscope = 0;
  *via_import = false;
  const Binding *b = lookup(w, scope, text, head, offset, &bscope);
  if (!b) {
    if (w->star_modules.len && head > 0) {
      *via_import = true;
      return fg_xasprintf("%s.%s", w->star_modules.items[w->star_modules.len - 1], text);
    }
    return fg_xstrdup(text);
  }
  if (b->kind == BIND_IMPORT) {
    *via_import = true;
    return fg_xasprintf("%s%s", b->value, rest);
  }
  if (b->kind == BIND_ALIAS && depth < MAX_ALIAS_DEPTH) {
    bool sub_import = false;
    char *sub = resolve(w, b->value, bscope, b->offset, depth + 1, &sub_import);
    if (sub_import) {
      *via_import = true;
      char *out = fg_xasprintf("%s%s", sub, rest);
      free(sub);
      return out;
    }
    free(sub);
  }
  return fg_xstrdup(text);
}

static char *resolve_simple(const Walk *w, const char *text, int scope, size_t offset) {
  bool via = false;
  return resolve(w, text, scope, offset, 0, &via);
}

/* ---- imports ----------------------------------------------------------- */

/* Dotted name text without any whitespace or comments inside it. */
static char *dotted_name_text(const Walk *w, TSNode n) {
  if (!node_is(n, "dotted_name"))
    return node_text(w, n);
  FgBuf b = {0};
  Kids k;
  for (kids_begin(&k, n); k.ok; kids_next(&k)) {
    TSNode c = kids_node(&k);
    if (!node_is(c, "identifier"))
      continue;
    if (b.len)
      fg_buf_putc(&b, '.');
    size_t s = ts_node_start_byte(c), e = ts_node_end_byte(c);
    fg_buf_append(&b, w->src + s, e - s);
  }
  kids_end(&k);
  return fg_buf_take(&b);
}

static void push_import(Walk *w, TSNode stmt, const Ctx *cx, char *module, char *name,
                        char *local, int level, bool aliased) {
  FgPyImport im = {module, name, local, level, cx->func >= 0, node_span(stmt)};
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
  bind(w, cx->scope, local, ts_node_start_byte(stmt), BIND_IMPORT, value);
}

static void visit_import(Walk *w, TSNode n, const Ctx *cx) {
  Kids k;
  for (kids_begin(&k, n); k.ok; kids_next(&k)) {
    TSNode c = kids_node(&k);
    if (kids_field(&k) != w->f_name)
      continue;
    if (node_is(c, "aliased_import")) {
      char *mod = dotted_name_text(w, ts_node_child_by_field_id(c, w->f_name));
      char *local = node_text(w, ts_node_child_by_field_id(c, w->f_alias));
      push_import(w, n, cx, mod, NULL, local, 0, true);
    } else if (node_is(c, "dotted_name")) {
      char *mod = dotted_name_text(w, c);
      char *local = fg_xstrndup(mod, strcspn(mod, "."));
      push_import(w, n, cx, mod, NULL, local, 0, false);
    }
  }
  kids_end(&k);
}

static void visit_import_from(Walk *w, TSNode n, const Ctx *cx, bool future) {
  char *module = NULL;
  int level = 0;
  if (future) {
    module = fg_xstrdup("__future__");
  } else {
    TSNode mn = ts_node_child_by_field_id(n, w->f_module_name);
    if (node_is(mn, "relative_import")) {
      Kids k;
      for (kids_begin(&k, mn); k.ok; kids_next(&k)) {
        TSNode c = kids_node(&k);
        if (node_is(c, "import_prefix")) {
          for (size_t i = ts_node_start_byte(c); i < ts_node_end_byte(c); i++)
            level += w->src[i] == '.';
        } else if (node_is(c, "dotted_name")) {
          free(module);
          module = dotted_name_text(w, c);
        }
      }
      kids_end(&k);
      if (!module)
        module = fg_xstrdup("");
    } else if (!ts_node_is_null(mn)) {
      module = dotted_name_text(w, mn);
    } else {
      return;
    }
  }
  Kids k;
  for (kids_begin(&k, n); k.ok; kids_next(&k)) {
    TSNode c = kids_node(&k);
    if (node_is(c, "wildcard_import")) {
      push_import(w, n, cx, fg_xstrdup(module), fg_xstrdup("*"), fg_xstrdup("*"), level,
                  false);
      continue;
    }
    if (kids_field(&k) != w->f_name)
      continue;
    char *name = NULL, *local = NULL;
    if (node_is(c, "aliased_import")) {
      name = dotted_name_text(w, ts_node_child_by_field_id(c, w->f_name));
      local = node_text(w, ts_node_child_by_field_id(c, w->f_alias));
    } else if (node_is(c, "dotted_name")) {
      name = dotted_name_text(w, c);
      local = fg_xstrdup(name);
    } else {
      continue;
    }
    if (future) {
      FgPyImport im = {fg_xstrdup(module), name, local, 0, cx->func >= 0, node_span(n)};
      fg_vec_push(&w->imports, im);
    } else {
      push_import(w, n, cx, fg_xstrdup(module), name, local, level, false);
    }
  }
  kids_end(&k);
  free(module);
}

/* ---- markers and fixtures ---------------------------------------------- */

/* `pytest.mark.NAME` or `pytest.mark.NAME(...)` (any spelling of the prefix):
 * a candidate, confirmed after resolution. */
static bool marker_expr(Walk *w, TSNode e, int owner_kind, int owner, int scope,
                        size_t offset) {
  TSNode fn = node_is(e, "call") ? ts_node_child_by_field_id(e, w->f_function) : e;
  char *d = dotted(w, fn);
  MarkCand mc = {0};
  bool ok = d && split_last(d, &mc.prefix, &mc.name);
  free(d);
  if (!ok)
    return false;
  mc.owner_kind = owner_kind;
  mc.owner = owner;
  mc.scope = scope;
  mc.offset = offset;
  mc.span = node_span(e);
  if (node_is(e, "call") && strcmp(mc.name, "usefixtures") == 0) {
    Args a;
    args_scan(w, ts_node_child_by_field_id(e, w->f_arguments), &a);
    FG_VEC(char *) names = {0};
    for (size_t i = 0; i < a.pos.len; i++) {
      char *v = string_value(w, a.pos.items[i], NULL);
      if (v)
        fg_vec_push(&names, v);
    }
    args_free(&a);
    mc.args = names.items;
    mc.nargs = names.len;
  }
  fg_vec_push(&w->marks, mc);
  return true;
}

/* The markers of a `marks=` value: one marker expression or a list/tuple. */
static void param_marks(Walk *w, TSNode v) {
  bool seq = node_is(v, "list") || node_is(v, "tuple");
  Kids k;
  if (seq)
    kids_begin(&k, v);
  for (bool more = seq ? k.ok : true; more;) {
    TSNode e = seq ? kids_node(&k) : v;
    if (!seq || is_element(e)) {
      TSNode fn = node_is(e, "call") ? ts_node_child_by_field_id(e, w->f_function) : e;
      char *d = dotted(w, fn);
      MarkRef r = {0};
      if (d && split_last(d, &r.prefix, &r.name))
        fg_vec_push(&w->param_marks, r);
      free(d);
    }
    if (!seq)
      break;
    kids_next(&k);
    more = k.ok;
  }
  if (seq)
    kids_end(&k);
}

/* `parametrize(names, [pytest.param(..., marks=...), ...])`. */
static void parametrize(Walk *w, const Args *a, TSNode expr, int func, int scope,
                        size_t offset) {
  TSNode vals = a->pos.len > 1 ? a->pos.items[1] : args_kw(w, a, "argvalues");
  if (!node_is(vals, "list") && !node_is(vals, "tuple"))
    return;
  ParamCand pc = {func, scope, offset, node_span(expr), w->param_elems.len, 0};
  Kids k;
  for (kids_begin(&k, vals); k.ok; kids_next(&k)) {
    TSNode e = kids_node(&k);
    if (!is_element(e))
      continue;
    ParamElem pe = {NULL, w->param_marks.len, 0};
    if (node_is(e, "call")) {
      pe.callee = dotted(w, ts_node_child_by_field_id(e, w->f_function));
      Args ea;
      args_scan(w, ts_node_child_by_field_id(e, w->f_arguments), &ea);
      TSNode mv = args_kw(w, &ea, "marks");
      if (!ts_node_is_null(mv))
        param_marks(w, mv);
      args_free(&ea);
    }
    pe.count = w->param_marks.len - pe.first;
    fg_vec_push(&w->param_elems, pe);
  }
  kids_end(&k);
  pc.count = w->param_elems.len - pc.first;
  fg_vec_push(&w->params, pc);
}

static void decorator(Walk *w, TSNode e, int owner_kind, int owner, int scope,
                      size_t offset) {
  bool is_call = node_is(e, "call");
  bool marked = marker_expr(w, e, owner_kind, owner, scope, offset);
  if (!is_call && owner_kind != OWNER_FUNC)
    return;
  Args a;
  if (is_call)
    args_scan(w, ts_node_child_by_field_id(e, w->f_arguments), &a);
  else
    memset(&a, 0, sizeof a);
  const MarkCand *mc = marked ? &w->marks.items[w->marks.len - 1] : NULL;
  if (is_call && mc && owner_kind == OWNER_FUNC && strcmp(mc->name, "parametrize") == 0)
    parametrize(w, &a, e, owner, scope, offset);
  if (owner_kind == OWNER_FUNC) {
    TSNode fn = is_call ? ts_node_child_by_field_id(e, w->f_function) : e;
    FixCand fc = {owner, scope, offset, dotted(w, fn), false, NULL};
    if (fc.dotted) {
      TSNode au = args_kw(w, &a, "autouse");
      fc.autouse = node_is(au, "true");
      TSNode nm = args_kw(w, &a, "name");
      if (!ts_node_is_null(nm))
        fc.name = string_value(w, nm, NULL);
      fg_vec_push(&w->fixtures, fc);
    }
  }
  args_free(&a);
}

/* Calls decorator() for each decorator of a decorated_definition. */
static void decorators(Walk *w, TSNode dd, int owner_kind, int owner, int scope) {
  Kids k;
  for (kids_begin(&k, dd); k.ok; kids_next(&k)) {
    TSNode d = kids_node(&k);
    if (!node_is(d, "decorator"))
      continue;
    Kids dk;
    for (kids_begin(&dk, d); dk.ok; kids_next(&dk)) {
      TSNode e = kids_node(&dk);
      if (is_element(e)) {
        decorator(w, e, owner_kind, owner, scope, ts_node_start_byte(d));
        break;
      }
    }
    kids_end(&dk);
  }
  kids_end(&k);
}

/* `pytestmark = pytest.mark.x` / `[...]` / `(...)`. */
static void pytestmark(Walk *w, TSNode rhs, int owner_kind, int owner, int scope) {
  size_t off = ts_node_start_byte(rhs);
  if (node_is(rhs, "list") || node_is(rhs, "tuple")) {
    Kids k;
    for (kids_begin(&k, rhs); k.ok; kids_next(&k)) {
      TSNode e = kids_node(&k);
      if (is_element(e))
        marker_expr(w, e, owner_kind, owner, scope, off);
    }
    kids_end(&k);
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

static void params(Walk *w, TSNode ps, FgPyFunc *f, int fscope, bool method) {
  FG_VEC(char *) out = {0};
  bool first = true;
  Kids k;
  for (kids_begin(&k, ps); k.ok; kids_next(&k)) {
    TSNode p = kids_node(&k);
    if (!is_element(p))
      continue;
    TSNode id = {0};
    const char *t = ts_node_type(p);
    if (is_type(t, "identifier")) {
      id = p;
    } else if (is_type(t, "default_parameter") || is_type(t, "typed_default_parameter")) {
      id = ts_node_child_by_field_id(p, w->f_name);
    } else if (is_type(t, "typed_parameter")) {
      TSNode c = ts_node_named_child(p, 0);
      if (node_is(c, "identifier"))
        id = c;
    }
    if (ts_node_is_null(id) || !node_is(id, "identifier")) {
      /* *args, **kwargs, `*`, `/`, tuple parameters: not fixture requests */
      TSNode inner = ts_node_named_child(p, 0);
      if ((node_is(p, "list_splat_pattern") || node_is(p, "dictionary_splat_pattern")) &&
          node_is(inner, "identifier"))
        bind_node(w, fscope, inner, BIND_OPAQUE, NULL);
      if (!node_is(p, "positional_separator") && !node_is(p, "keyword_separator"))
        first = false;
      continue;
    }
    char *name = node_text(w, id);
    bind(w, fscope, name, ts_node_start_byte(id), BIND_OPAQUE, NULL);
    if (first && method && (strcmp(name, "self") == 0 || strcmp(name, "cls") == 0)) {
      free(name);
    } else {
      fg_vec_push(&out, name);
    }
    first = false;
  }
  kids_end(&k);
  f->params = out.items;
  f->nparams = out.len;
}

static Ctx visit_def(Walk *w, TSNode n, const Frame *parent, const Ctx *cx) {
  FgPyFunc f = {0};
  TSNode name = ts_node_child_by_field_id(n, w->f_name);
  f.name = ts_node_is_null(name) ? fg_xstrdup("") : node_text(w, name);
  f.name_span = ts_node_is_null(name) ? node_span(n) : node_span(name);
  f.cls = cx->cls;
  f.nested = cx->func >= 0;
  f.is_async = node_is(ts_node_child(n, 0), "async");
  bool decorated = parent && is_type(parent->type, "decorated_definition");
  f.span.start = decorated ? ts_node_start_byte(parent->node) : ts_node_start_byte(n);
  f.span.end = ts_node_end_byte(n);
  f.def_span = node_span(n);
  f.indent = indent_before(w, f.span.start);
  int idx = (int)w->funcs.len;
  int fscope = scope_new(w, SCOPE_FUNC, cx->scope, idx);
  TSNode ps = ts_node_child_by_field_id(n, w->f_parameters);
  if (!ts_node_is_null(ps))
    params(w, ps, &f, fscope, cx->cls >= 0);
  if (!ts_node_is_null(name))
    bind_node(w, cx->scope, name, BIND_OPAQUE, NULL);
  if (cx->cls >= 0 && strcmp(f.name, "__init__") == 0)
    w->classes.items[cx->cls].has_init = true;
  fg_vec_push(&w->funcs, f);
  fg_vec_push(&w->func_parent, cx->func);
  fg_vec_push(&w->func_scope, fscope);
  fg_vec_push(&w->func_finalizer, false);
  if (decorated)
    decorators(w, parent->node, OWNER_FUNC, idx, cx->scope);
  Ctx in = {fscope, idx, -1, false};
  return in;
}

static Ctx visit_class(Walk *w, TSNode n, const Frame *parent, const Ctx *cx) {
  FgPyClass c = {0};
  TSNode name = ts_node_child_by_field_id(n, w->f_name);
  c.name = ts_node_is_null(name) ? fg_xstrdup("") : node_text(w, name);
  c.name_span = ts_node_is_null(name) ? node_span(n) : node_span(name);
  c.parent = cx->cls;
  c.in_function = cx->func >= 0;
  bool decorated = parent && is_type(parent->type, "decorated_definition");
  c.span.start = decorated ? ts_node_start_byte(parent->node) : ts_node_start_byte(n);
  c.span.end = ts_node_end_byte(n);
  Args a;
  args_scan(w, ts_node_child_by_field_id(n, w->f_superclasses), &a);
  FG_VEC(char *) bases = {0};
  for (size_t i = 0; i < a.pos.len; i++) {
    char *d = dotted(w, a.pos.items[i]);
    if (d)
      fg_vec_push(&bases, d); /* resolved after the walk */
  }
  args_free(&a);
  c.bases = bases.items;
  c.nbases = bases.len;
  if (!ts_node_is_null(name))
    bind_node(w, cx->scope, name, BIND_OPAQUE, NULL);
  int idx = (int)w->classes.len;
  fg_vec_push(&w->classes, c);
  fg_vec_push(&w->class_scope, cx->scope);
  if (decorated)
    decorators(w, parent->node, OWNER_CLASS, idx, cx->scope);
  Ctx in = {scope_new(w, SCOPE_CLASS, cx->scope, -1), cx->func, idx, cx->main_only};
  return in;
}

/* ---- statements -------------------------------------------------------- */

static void visit_assignment(Walk *w, TSNode n, const Ctx *cx) {
  TSNode left = ts_node_child_by_field_id(n, w->f_left);
  TSNode right = ts_node_child_by_field_id(n, w->f_right);
  if (node_is(left, "identifier")) {
    if (!ts_node_is_null(right) && text_eq(w, left, "pytestmark")) {
      if (cx->cls >= 0) {
        pytestmark(w, right, OWNER_CLASS, cx->cls, cx->scope);
      } else if (cx->func < 0) {
        pytestmark(w, right, OWNER_MODULE, -1, cx->scope);
        w->m->pytestmark_span = node_span(right);
      }
    }
    if (ts_node_is_null(right))
      return; /* `x: int` binds nothing */
    char *d = NULL;
    if (node_is(right, "identifier") || node_is(right, "attribute") ||
        node_is(right, "call"))
      d = dotted(w, right);
    char *name = node_text(w, left);
    bind(w, cx->scope, name, ts_node_start_byte(n), d ? BIND_ALIAS : BIND_OPAQUE, d);
    free(name);
  } else if (node_is(left, "pattern_list") || node_is(left, "tuple_pattern")) {
    Kids k;
    for (kids_begin(&k, left); k.ok; kids_next(&k)) {
      TSNode c = kids_node(&k);
      if (node_is(c, "identifier"))
        bind_node(w, cx->scope, c, BIND_OPAQUE, NULL);
    }
    kids_end(&k);
  }
}

/* `return x` / `yield x` / `return x, y`: those names escape the def. */
static void visit_escape(Walk *w, TSNode n, const Ctx *cx) {
  if (cx->func < 0)
    return;
  int fscope = w->func_scope.items[cx->func];
  Kids k;
  for (kids_begin(&k, n); k.ok; kids_next(&k)) {
    TSNode c = kids_node(&k);
    bool list = node_is(c, "expression_list");
    Kids lk;
    if (list)
      kids_begin(&lk, c);
    for (bool more = list ? lk.ok : true; more;) {
      TSNode e = list ? kids_node(&lk) : c;
      if (node_is(e, "identifier") || node_is(e, "attribute")) {
        char *d = dotted(w, e);
        if (d) {
          int idx = names_get(w, fscope, d, strlen(d));
          w->names.items[idx].escaped = true;
          free(d);
        }
      }
      if (!list)
        break;
      kids_next(&lk);
      more = lk.ok;
    }
    if (list)
      kids_end(&lk);
  }
  kids_end(&k);
}

static void visit_call(Walk *w, TSNode n, Frame *self, const Frame *parent,
                       const Frame *grand, const Ctx *cx) {
  RawCall c = {0};
  TSNode fn = ts_node_child_by_field_id(n, w->f_function);
  c.span = node_span(n);
  c.callee_span = ts_node_is_null(fn) ? c.span : node_span(fn);
  c.callee = ts_node_is_null(fn) ? NULL : dotted(w, fn);
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
  size_t start = ts_node_start_byte(n);
  if (parent) {
    const char *pt = parent->type;
    if (is_type(pt, "with_item")) {
      c.in_with = true;
    } else if (is_type(pt, "as_pattern") && grand && is_type(grand->type, "with_item") &&
               ts_node_start_byte(parent->node) == start) {
      c.in_with = true;
    } else if (is_type(pt, "assignment") &&
               ts_node_eq(ts_node_child_by_field_id(parent->node, w->f_right), n)) {
      TSNode left = ts_node_child_by_field_id(parent->node, w->f_left);
      if (node_is(left, "identifier") || node_is(left, "attribute"))
        c.assigned_to = dotted(w, left);
    } else if (is_type(pt, "return_statement") || is_type(pt, "yield")) {
      c.direct_escape = true;
    } else if (is_type(pt, "argument_list") && grand && grand->call >= 0 &&
               grand->arg0_start == start) {
      w->calls.items[grand->call].arg0_call = (int)w->calls.len;
    }
  }
  Args a;
  args_scan(w, ts_node_child_by_field_id(n, w->f_arguments), &a);
  self->arg0_start = SIZE_MAX;
  if (a.pos.len > 0) {
    TSNode p0 = a.pos.items[0];
    self->arg0_start = ts_node_start_byte(p0);
    c.arg0_str = string_value(w, p0, &c.arg0_span);
    if (node_is(p0, "identifier") || node_is(p0, "attribute"))
      c.arg0_dotted = dotted(w, p0);
  }
  if (a.pos.len > 1)
    c.arg1_str = string_value(w, a.pos.items[1], NULL);
  TSNode method = args_kw(w, &a, "method");
  if (!ts_node_is_null(method))
    c.kw_method = string_value(w, method, &c.kw_method_span);
  char *prefer = string_value(w, args_kw(w, &a, "prefer"), NULL);
  char *backend = string_value(w, args_kw(w, &a, "backend"), NULL);
  c.threads = fg_str_eq(prefer, "threads") || fg_str_eq(backend, "threading");
  free(prefer);
  free(backend);
  args_free(&a);
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
  if (!node_is(cond, "comparison_operator"))
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
static void visit(Walk *w, size_t depth, TSFieldId field) {
  Frame *self = &w->stack.items[depth];
  const Frame *parent = depth > 0 ? &w->stack.items[depth - 1] : NULL;
  const Frame *grand = depth > 1 ? &w->stack.items[depth - 2] : NULL;
  TSNode n = self->node;
  const char *t = self->type;
  Ctx cx = {0, -1, -1, false};
  if (parent) {
    bool header = (is_type(parent->type, "function_definition") ||
                   is_type(parent->type, "class_definition")) &&
                  field != w->f_body;
    cx = header ? parent->outer : parent->inner;
    if (cx.func < 0 && cx.cls < 0 && field == w->f_consequence &&
        is_type(parent->type, "if_statement") && is_main_guard(w, parent->node))
      cx.main_only = true;
  }
  self->outer = cx;
  self->inner = cx;
  self->call = -1;
  self->arg0_start = SIZE_MAX;
  if (ts_node_is_missing(n) || ts_node_symbol(n) == (TSSymbol)-1)
    note_error(w, n);
  if (!ts_node_is_named(n))
    return;
  if (is_type(t, "call"))
    visit_call(w, n, self, parent, grand, &cx);
  else if (is_type(t, "function_definition"))
    self->inner = visit_def(w, n, parent, &cx);
  else if (is_type(t, "class_definition"))
    self->inner = visit_class(w, n, parent, &cx);
  else if (is_type(t, "assignment"))
    visit_assignment(w, n, &cx);
  else if (is_type(t, "import_statement"))
    visit_import(w, n, &cx);
  else if (is_type(t, "import_from_statement"))
    visit_import_from(w, n, &cx, false);
  else if (is_type(t, "future_import_statement"))
    visit_import_from(w, n, &cx, true);
  else if (is_type(t, "return_statement"))
    visit_escape(w, n, &cx);
  else if (is_type(t, "yield")) {
    if (cx.func >= 0)
      w->funcs.items[cx.func].has_yield = true;
    visit_escape(w, n, &cx);
  } else if (is_type(t, "as_pattern") && parent && is_type(parent->type, "with_item")) {
    TSNode target = ts_node_child_by_field_id(n, w->f_alias);
    TSNode id = ts_node_is_null(target) ? target : ts_node_named_child(target, 0);
    if (node_is(id, "identifier"))
      bind_node(w, cx.scope, id, BIND_OPAQUE, NULL);
  }
}

static void walk_tree(Walk *w, TSNode root) {
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

/* ---- after the walk ---------------------------------------------------- */

static const char *const kSites[] = {
    "concurrent.futures.ProcessPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor",
    "multiprocessing.Pool",
    "multiprocessing.pool.Pool",
    "multiprocessing.Process",
    "multiprocessing.Manager",
    "multiprocessing.get_context().Pool",
    "multiprocessing.get_context().Process",
    "multiprocessing.get_context().Manager",
    "loky.get_reusable_executor",
    "loky.ProcessPoolExecutor",
};

static bool is_start_method(const char *r) {
  return strcmp(r, "multiprocessing.get_context") == 0 ||
         strcmp(r, "multiprocessing.set_start_method") == 0;
}

/* multiprocessing.context.*: its process classes (`Process`, `SpawnProcess`,
 * `ForkProcess`, ...) and `<X>Context().Pool/Process/Manager`; not its
 * exceptions or the context classes themselves. */
static bool context_site(const char *rest) {
  size_t name = strcspn(rest, ".(");
  if (rest[name] == '\0')
    return fg_str_endswith(rest, "Process");
  const char *tail = rest + name;
  return strcmp(tail, "().Pool") == 0 || strcmp(tail, "().Process") == 0 ||
         strcmp(tail, "().Manager") == 0;
}

static void classify(const Walk *w, RawCall *c) {
  const char *r = c->resolved;
  if (is_start_method(r)) {
    const char *v = c->arg0_str ? c->arg0_str : c->kw_method;
    FgSpan sp = c->arg0_str ? c->arg0_span : c->kw_method_span;
    if (!v)
      return;
    bool set = strcmp(r, "multiprocessing.set_start_method") == 0;
    if (strcmp(v, "fork") == 0)
      c->pool = FG_POOL_FORK_METHOD;
    else if (set && (strcmp(v, "spawn") == 0 || strcmp(v, "forkserver") == 0))
      c->pool = FG_POOL_SAFE_METHOD;
    if (c->pool != FG_POOL_NONE)
      c->method_arg = sp;
    return;
  }
  if (strcmp(r, "os.fork") == 0) {
    c->pool = FG_POOL_OS_FORK;
    return;
  }
  for (size_t i = 0; i < sizeof kSites / sizeof kSites[0]; i++)
    if (strcmp(r, kSites[i]) == 0)
      c->pool = FG_POOL_SITE;
  if (fg_str_startswith(r, "multiprocessing.context.") && context_site(r + 24))
    c->pool = FG_POOL_SITE;
  if ((strcmp(r, "joblib.Parallel") == 0 || strcmp(r, "joblib.parallel.Parallel") == 0) &&
      !c->threads)
    c->pool = FG_POOL_SITE;
  if (w->opts)
    for (size_t i = 0; i < w->opts->nextra_pool_constructors; i++)
      if (fg_str_eq(r, w->opts->extra_pool_constructors[i]))
        c->pool = FG_POOL_SITE;
}

static void resolve_calls(Walk *w) {
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    c->resolved = c->callee_dotted ? resolve_simple(w, c->callee, c->scope, c->span.start)
                                   : fg_xstrdup(c->callee);
    classify(w, c);
  }
  /* hand-offs: enter_context(x), closing(x), addfinalizer(...), and
   * unittest's addCleanup(...) / addClassCleanup(...) */
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    const char *last = last_component(c->callee);
    bool finalizer =
        strcmp(last, "addfinalizer") == 0 || strcmp(last, "addCleanup") == 0 ||
        strcmp(last, "addClassCleanup") == 0 || strcmp(last, "addAsyncCleanup") == 0;
    bool handoff = finalizer || strcmp(last, "enter_context") == 0 ||
                   strcmp(c->resolved, "contextlib.closing") == 0;
    if (!handoff)
      continue;
    if (c->arg0_call >= 0)
      w->calls.items[c->arg0_call].escapes = true;
    if (c->func < 0)
      continue;
    if (finalizer)
      w->func_finalizer.items[c->func] = true;
    if (c->arg0_dotted) {
      int fscope = w->func_scope.items[c->func];
      int idx = names_get(w, fscope, c->arg0_dotted, strlen(c->arg0_dotted));
      w->names.items[idx].escaped = true;
    }
  }
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    if (c->direct_escape)
      c->escapes = true;
    if (c->func < 0 || !c->assigned_to)
      continue;
    if (w->func_finalizer.items[c->func]) {
      c->escapes = true;
      continue;
    }
    int fscope = w->func_scope.items[c->func];
    int idx = names_find(w, fscope, c->assigned_to, strlen(c->assigned_to));
    if (idx >= 0 && w->names.items[idx].escaped)
      c->escapes = true;
  }
}

static FgPyCall call_copy(const RawCall *c) {
  FgPyCall o = {0};
  o.callee = fg_xstrdup(c->callee);
  o.resolved = fg_xstrdup(c->resolved);
  o.span = c->span;
  o.callee_span = c->callee_span;
  o.pool = c->pool;
  o.method_arg = c->method_arg;
  o.in_with = c->in_with;
  o.assigned_to = c->assigned_to ? fg_xstrdup(c->assigned_to) : NULL;
  o.escapes = c->escapes;
  return o;
}

/* "name: description" / "name(arg): ..." -> "name" */
static char *marker_decl_name(const char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strcspn(s, ":(");
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  return n ? fg_xstrndup(s, n) : NULL;
}

typedef FG_VEC(FgPyCall) CallVec;
typedef FG_VEC(char *) StrVec;

static void distribute_calls(Walk *w) {
  CallVec *per = fg_xcalloc(w->funcs.len ? w->funcs.len : 1, sizeof *per);
  StrVec *gfv = fg_xcalloc(w->funcs.len ? w->funcs.len : 1, sizeof *gfv);
  CallVec mod = {0};
  StrVec reg = {0};
  for (size_t i = 0; i < w->calls.len; i++) {
    const RawCall *c = &w->calls.items[i];
    const char *last = last_component(c->callee);
    bool getfix = c->arg0_str && strcmp(last, "getfixturevalue") == 0;
    if (c->arg0_str && c->arg1_str && strcmp(last, "addinivalue_line") == 0 &&
        strcmp(c->arg0_str, "markers") == 0) {
      char *name = marker_decl_name(c->arg1_str);
      if (name)
        fg_vec_push(&reg, name);
    }
    if (c->func < 0) {
      if (!c->main_only)
        fg_vec_push(&mod, call_copy(c));
      continue;
    }
    int f = c->func;
    for (int k = 0; f >= 0 && k < MAX_CALL_OWNERS; k++) {
      fg_vec_push(&per[f], call_copy(c));
      if (getfix)
        fg_vec_push(&gfv[f], fg_xstrdup(c->arg0_str));
      f = w->func_parent.items[f];
    }
  }
  for (size_t i = 0; i < w->funcs.len; i++) {
    fg_vec_shrink(&per[i]);
    fg_vec_shrink(&gfv[i]);
    w->funcs.items[i].calls = per[i].items;
    w->funcs.items[i].ncalls = per[i].len;
    w->funcs.items[i].getfixturevalue = gfv[i].items;
    w->funcs.items[i].ngetfixturevalue = gfv[i].len;
  }
  free(per);
  free(gfv);
  fg_vec_shrink(&mod);
  fg_vec_shrink(&reg);
  w->m->module_calls = mod.items;
  w->m->nmodule_calls = mod.len;
  w->m->registered_markers = reg.items;
  w->m->nregistered_markers = reg.len;
}

typedef FG_VEC(FgPyMarker) MarkerVec;

static MarkerVec *marker_owner(Walk *w, int kind, int owner, MarkerVec *mod,
                               MarkerVec *cls, MarkerVec *fn) {
  if (kind == OWNER_CLASS)
    return &cls[owner];
  if (kind == OWNER_FUNC)
    return &fn[owner];
  return mod;
}

static bool is_pytest_mark(const Walk *w, const char *prefix, int scope, size_t offset) {
  char *r = resolve_simple(w, prefix, scope, offset);
  bool ok = strcmp(r, "pytest.mark") == 0;
  free(r);
  return ok;
}

static bool elem_has(const Walk *w, const ParamElem *e, const char *name, int scope,
                     size_t offset) {
  for (size_t i = 0; i < e->count; i++) {
    const MarkRef *r = &w->param_marks.items[e->first + i];
    if (strcmp(r->name, name) == 0 && is_pytest_mark(w, r->prefix, scope, offset))
      return true;
  }
  return false;
}

/* "param:X" only when every element of the argvalues list is a
 * `pytest.param(...)` whose marks include X: then every generated test
 * carries X, and the function may be treated as marked. */
static void param_markers(Walk *w, const ParamCand *pc, MarkerVec *out) {
  if (pc->count == 0)
    return;
  for (size_t i = 0; i < pc->count; i++) {
    const ParamElem *e = &w->param_elems.items[pc->first + i];
    if (!e->callee)
      return;
    char *r = resolve_simple(w, e->callee, pc->scope, pc->offset);
    bool ok = strcmp(r, "pytest.param") == 0;
    free(r);
    if (!ok)
      return;
  }
  const ParamElem *e0 = &w->param_elems.items[pc->first];
  for (size_t j = 0; j < e0->count; j++) {
    const MarkRef *r = &w->param_marks.items[e0->first + j];
    bool all = is_pytest_mark(w, r->prefix, pc->scope, pc->offset);
    for (size_t i = 1; all && i < pc->count; i++)
      all = elem_has(w, &w->param_elems.items[pc->first + i], r->name, pc->scope,
                     pc->offset);
    char *name = fg_xasprintf("param:%s", r->name);
    bool dup = false;
    for (size_t k = 0; k < out->len; k++)
      dup = dup || strcmp(out->items[k].name, name) == 0;
    if (!all || dup) {
      free(name);
      continue;
    }
    FgPyMarker mk = {name, pc->span, NULL, 0};
    fg_vec_push(out, mk);
  }
}

static void resolve_markers(Walk *w) {
  MarkerVec mod = {0};
  MarkerVec *cls = fg_xcalloc(w->classes.len ? w->classes.len : 1, sizeof *cls);
  MarkerVec *fn = fg_xcalloc(w->funcs.len ? w->funcs.len : 1, sizeof *fn);
  for (size_t i = 0; i < w->marks.len; i++) {
    MarkCand *mc = &w->marks.items[i];
    if (is_pytest_mark(w, mc->prefix, mc->scope, mc->offset)) {
      FgPyMarker mk = {mc->name, mc->span, mc->args, mc->nargs};
      fg_vec_push(marker_owner(w, mc->owner_kind, mc->owner, &mod, cls, fn), mk);
      mc->name = NULL;
      mc->args = NULL;
      mc->nargs = 0;
    }
  }
  /* a function's "param:" markers follow its decorator markers */
  for (size_t i = 0; i < w->params.len; i++)
    param_markers(w, &w->params.items[i], &fn[w->params.items[i].func]);
  w->m->module_markers = mod.items;
  w->m->nmodule_markers = mod.len;
  for (size_t i = 0; i < w->classes.len; i++) {
    w->classes.items[i].markers = cls[i].items;
    w->classes.items[i].nmarkers = cls[i].len;
  }
  for (size_t i = 0; i < w->funcs.len; i++) {
    w->funcs.items[i].markers = fn[i].items;
    w->funcs.items[i].nmarkers = fn[i].len;
  }
  free(cls);
  free(fn);
}

static void resolve_fixtures(Walk *w) {
  for (size_t i = 0; i < w->fixtures.len; i++) {
    FixCand *fc = &w->fixtures.items[i];
    char *r = resolve_simple(w, fc->dotted, fc->scope, fc->offset);
    bool ok = strcmp(r, "pytest.fixture") == 0 || strcmp(r, "pytest.yield_fixture") == 0;
    free(r);
    FgPyFunc *f = &w->funcs.items[fc->func];
    if (!ok || f->is_fixture)
      continue;
    f->is_fixture = true;
    f->autouse = fc->autouse;
    f->fixture_name = fc->name ? fc->name : fg_xstrdup(f->name);
    fc->name = NULL;
  }
}

static void resolve_bases(Walk *w) {
  for (size_t i = 0; i < w->classes.len; i++) {
    FgPyClass *c = &w->classes.items[i];
    for (size_t j = 0; j < c->nbases; j++) {
      char *r = resolve_simple(w, c->bases[j], w->class_scope.items[i], c->span.start);
      free(c->bases[j]);
      c->bases[j] = r;
    }
  }
}

/* After the docstring and `from __future__` imports; with neither, after a
 * shebang / encoding comment on the first two lines. */
static size_t insert_offset(const Walk *w, TSNode root) {
  size_t after = 0, header = 0;
  bool first = true;
  Kids k;
  for (kids_begin(&k, root); k.ok; kids_next(&k)) {
    TSNode c = kids_node(&k);
    const char *t = ts_node_type(c);
    if (is_type(t, "comment")) {
      size_t s = ts_node_start_byte(c), e = ts_node_end_byte(c);
      bool line12 = ts_node_start_point(c).row <= 1;
      bool shebang = (s == 0 || (s == 3 && w->m->src->bom)) && e - s >= 2 &&
                     w->src[s] == '#' && w->src[s + 1] == '!';
      char *txt = node_text(w, c);
      bool coding = strstr(txt, "coding:") || strstr(txt, "coding=");
      free(txt);
      if (first && line12 && (shebang || coding))
        header = e;
      continue;
    }
    if (first && is_type(t, "expression_statement") &&
        (node_is(ts_node_named_child(c, 0), "string") ||
         node_is(ts_node_named_child(c, 0), "concatenated_string"))) {
      after = ts_node_end_byte(c);
      first = false;
      continue;
    }
    if (is_type(t, "future_import_statement")) {
      after = ts_node_end_byte(c);
      first = false;
      continue;
    }
    break;
  }
  kids_end(&k);
  if (!after)
    after = header;
  if (!after)
    return 0;
  while (after < w->len && w->src[after] != '\n' && w->src[after] != '\r')
    after++;
  if (after < w->len && w->src[after] == '\r')
    after++;
  if (after < w->len && w->src[after] == '\n')
    after++;
  return after;
}

static void walk_free(Walk *w) {
  for (size_t i = 0; i < w->names.len; i++) {
    NameEntry *e = &w->names.items[i];
    for (size_t j = 0; j < e->binds.len; j++)
      free(e->binds.items[j].value);
    fg_vec_free(&e->binds);
    free(e->name);
  }
  fg_vec_free(&w->names);
  free(w->table);
  for (size_t i = 0; i < w->star_modules.len; i++)
    free(w->star_modules.items[i]);
  fg_vec_free(&w->star_modules);
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    free(c->callee);
    free(c->assigned_to);
    free(c->arg0_str);
    free(c->arg1_str);
    free(c->arg0_dotted);
    free(c->kw_method);
    free(c->resolved);
  }
  fg_vec_free(&w->calls);
  for (size_t i = 0; i < w->marks.len; i++) {
    MarkCand *mc = &w->marks.items[i];
    free(mc->prefix);
    free(mc->name);
    for (size_t j = 0; j < mc->nargs; j++)
      free(mc->args[j]);
    free(mc->args);
  }
  fg_vec_free(&w->marks);
  for (size_t i = 0; i < w->param_elems.len; i++)
    free(w->param_elems.items[i].callee);
  for (size_t i = 0; i < w->param_marks.len; i++) {
    free(w->param_marks.items[i].prefix);
    free(w->param_marks.items[i].name);
  }
  fg_vec_free(&w->param_elems);
  fg_vec_free(&w->param_marks);
  fg_vec_free(&w->params);
  for (size_t i = 0; i < w->fixtures.len; i++) {
    free(w->fixtures.items[i].dotted);
    free(w->fixtures.items[i].name);
  }
  fg_vec_free(&w->fixtures);
  fg_vec_free(&w->stack);
  fg_vec_free(&w->scopes);
  fg_vec_free(&w->func_parent);
  fg_vec_free(&w->func_scope);
  fg_vec_free(&w->func_finalizer);
  fg_vec_free(&w->class_scope);
}

static TSFieldId field(const TSLanguage *lang, const char *name) {
  return ts_language_field_id_for_name(lang, name, (uint32_t)strlen(name));
}

FgPyModule *fg_pyfile_parse(const FgSource *src, const FgPyOptions *opts) {
  FgPyModule *m = fg_xcalloc(1, sizeof *m);
  m->src = src;
  const TSLanguage *lang = tree_sitter_python();
  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, lang);
  size_t skip = src->bom ? 3 : 0;
  if (skip) {
    /* the grammar does not know a BOM; parse after it, offsets stay absolute */
    TSRange r = {{0, 3}, {UINT32_MAX, UINT32_MAX}, 3, UINT32_MAX};
    ts_parser_set_included_ranges(parser, &r, 1);
  }
  TSTree *tree = ts_parser_parse_string(parser, NULL, src->data, (uint32_t)src->len);
  ts_parser_delete(parser);
  if (!tree) {
    m->has_error = true;
    m->error_message = fg_xstrdup("could not parse");
    return m;
  }
  TSNode root = ts_tree_root_node(tree);

  Walk w = {0};
  w.src = src->data;
  w.len = src->len;
  w.opts = opts;
  w.m = m;
  w.f_body = field(lang, "body");
  w.f_name = field(lang, "name");
  w.f_function = field(lang, "function");
  w.f_arguments = field(lang, "arguments");
  w.f_left = field(lang, "left");
  w.f_right = field(lang, "right");
  w.f_value = field(lang, "value");
  w.f_object = field(lang, "object");
  w.f_attribute = field(lang, "attribute");
  w.f_alias = field(lang, "alias");
  w.f_module_name = field(lang, "module_name");
  w.f_superclasses = field(lang, "superclasses");
  w.f_parameters = field(lang, "parameters");
  w.f_condition = field(lang, "condition");
  w.f_consequence = field(lang, "consequence");
  scope_new(&w, SCOPE_MODULE, -1, -1);

  walk_tree(&w, root);
  m->import_insert_offset = insert_offset(&w, root);
  ts_tree_delete(tree);

  resolve_calls(&w);
  distribute_calls(&w);
  resolve_markers(&w);
  resolve_fixtures(&w);
  resolve_bases(&w);

  fg_vec_shrink(&w.imports);
  fg_vec_shrink(&w.classes);
  fg_vec_shrink(&w.funcs);
  m->imports = w.imports.items;
  m->nimports = w.imports.len;
  m->classes = w.classes.items;
  m->nclasses = w.classes.len;
  m->funcs = w.funcs.items;
  m->nfuncs = w.funcs.len;
  walk_free(&w);
  return m;
}

static void strs_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

static void markers_free(FgPyMarker *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(v[i].name);
    strs_free(v[i].args, v[i].nargs);
  }
  free(v);
}

static void calls_free(FgPyCall *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(v[i].callee);
    free(v[i].resolved);
    free(v[i].assigned_to);
  }
  free(v);
}

void fg_pyfile_delete(FgPyModule *self) {
  if (!self)
    return;
  free(self->error_message);
  for (size_t i = 0; i < self->nimports; i++) {
    free(self->imports[i].module);
    free(self->imports[i].name);
    free(self->imports[i].local);
  }
  free(self->imports);
  for (size_t i = 0; i < self->nclasses; i++) {
    FgPyClass *c = &self->classes[i];
    free(c->name);
    strs_free(c->bases, c->nbases);
    markers_free(c->markers, c->nmarkers);
  }
  free(self->classes);
  for (size_t i = 0; i < self->nfuncs; i++) {
    FgPyFunc *f = &self->funcs[i];
    free(f->name);
    free(f->indent);
    strs_free(f->params, f->nparams);
    markers_free(f->markers, f->nmarkers);
    free(f->fixture_name);
    strs_free(f->getfixturevalue, f->ngetfixturevalue);
    calls_free(f->calls, f->ncalls);
  }
  free(self->funcs);
  markers_free(self->module_markers, self->nmodule_markers);
  calls_free(self->module_calls, self->nmodule_calls);
  strs_free(self->registered_markers, self->nregistered_markers);
  free(self->mark_alias);
  free(self);
}

bool fg_pyfile_marker_in(const FgPyMarker *markers, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (fg_str_eq(markers[i].name, name))
      return true;
  return false;
}

size_t fg_pyfile_import_offset(const FgPyModule *self) {
  const FgSource *src = self->src;
  size_t at = self->import_insert_offset;
  if (src->bom && at < 3)
    at = 3; /* the BOM stays the file's first bytes */
  size_t p = at;
  while (p < src->len) {
    size_t q = p;
    while (q < src->len && (src->data[q] == ' ' || src->data[q] == '\t'))
      q++;
    if (q < src->len && (src->data[q] == '\n' || src->data[q] == '\r')) {
      while (q < src->len && src->data[q] != '\n')
        q++;
      p = q + 1;
      continue;
    }
    break;
  }
  if (p == at || p >= src->len || src->data[p] == ' ' || src->data[p] == '\t')
    return at;
  size_t rest = src->len - p;
  if ((rest > 7 && memcmp(src->data + p, "import ", 7) == 0) ||
      (rest > 5 && memcmp(src->data + p, "from ", 5) == 0))
    return p;
  return at;
}

size_t fg_pyfile_import_gap(const FgPyModule *self, size_t at) {
  const FgSource *src = self->src;
  const char *s = src->data + at;
  size_t rest = src->len - at;
  if (!rest || *s == '\n' || *s == '\r' || *s == '#' || *s == ' ' || *s == '\t')
    return 0;
  static const char *const joined[] = {"import ", "from ", NULL};
  for (const char *const *w = joined; *w; w++)
    if (rest >= strlen(*w) && memcmp(s, *w, strlen(*w)) == 0)
      return 0;
  static const char *const defs[] = {"def ", "class ", "async ", "@", NULL};
  for (const char *const *w = defs; *w; w++)
    if (rest >= strlen(*w) && memcmp(s, *w, strlen(*w)) == 0)
      return 2;
  return 1;
}
