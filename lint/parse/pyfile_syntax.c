/* parse/pyfile_syntax: small helpers over tree-sitter-python nodes (types,
 * spans, text, children with their fields, string literals, dotted names),
 * call arguments, and the scopes and name bindings the walk records and the
 * resolution reads. */
#include <stdlib.h>
#include <string.h>

#include "parse/pyfile_walk.h"

/* ---- small node helpers ------------------------------------------------ */

FgSpan fg_pf_node_span(TSNode n) {
  FgSpan s = {ts_node_start_byte(n), ts_node_end_byte(n)};
  return s;
}

char *fg_pf_node_text(const Walk *w, TSNode n) {
  size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  if (b > w->len)
    b = w->len;
  if (a > b)
    a = b;
  return fg_xstrndup(w->src + a, b - a);
}

bool fg_pf_text_eq(const Walk *w, TSNode n, const char *s) {
  size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  size_t k = strlen(s);
  return b - a == k && b <= w->len && memcmp(w->src + a, s, k) == 0;
}

void fg_pf_kids_begin(Kids *k, TSNode n) {
  k->cur = ts_tree_cursor_new(n);
  k->ok = ts_tree_cursor_goto_first_child(&k->cur);
}
TSNode fg_pf_kids_node(const Kids *k) {
  return ts_tree_cursor_current_node(&k->cur);
}
TSFieldId fg_pf_kids_field(const Kids *k) {
  return ts_tree_cursor_current_field_id(&k->cur);
}
void fg_pf_kids_next(Kids *k) {
  k->ok = ts_tree_cursor_goto_next_sibling(&k->cur);
}
void fg_pf_kids_end(Kids *k) {
  ts_tree_cursor_delete(&k->cur);
}

/* A named, non-comment child. */
bool fg_pf_is_element(TSNode n) {
  return !ts_node_is_null(n) && ts_node_is_named(n) && !fg_pf_node_is(n, "comment");
}

/* The value of a plain string literal (no interpolation, not concatenated),
 * without prefix and quotes; NULL otherwise. *span gets the whole literal. */
char *fg_pf_string_value(const Walk *w, TSNode n, FgSpan *span) {
  if (!fg_pf_node_is(n, "string"))
    return NULL;
  size_t a = SIZE_MAX, b = SIZE_MAX;
  bool ok = true;
  Kids k;
  for (fg_pf_kids_begin(&k, n); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    const char *t = ts_node_type(c);
    if (fg_pf_is_type(t, "string_start"))
      a = ts_node_end_byte(c);
    else if (fg_pf_is_type(t, "string_end") && !ts_node_is_missing(c))
      b = ts_node_start_byte(c);
    else if (fg_pf_is_type(t, "interpolation"))
      ok = false;
  }
  fg_pf_kids_end(&k);
  if (!ok || a == SIZE_MAX || b == SIZE_MAX || b < a || b > w->len)
    return NULL;
  if (span)
    *span = fg_pf_node_span(n);
  return fg_xstrndup(w->src + a, b - a);
}

/* `get_context("spawn")` / `get_context(method="spawn")`: the method when it
 * is a literal start method, so that a context keeps it through aliases. */
static char *context_method(const Walk *w, TSNode call) {
  Args a;
  fg_pf_args_scan(w, ts_node_child_by_field_id(call, w->f_arguments), &a);
  TSNode v = a.pos.len ? a.pos.items[0] : fg_pf_args_kw(w, &a, "method");
  char *s = ts_node_is_null(v) ? NULL : fg_pf_string_value(w, v, NULL);
  fg_pf_args_free(&a);
  static const char *const known[] = {"fork", "spawn", "forkserver", "loky",
                                      "loky_init_main"};
  for (size_t i = 0; s && i < sizeof known / sizeof known[0]; i++)
    if (strcmp(s, known[i]) == 0)
      return s;
  free(s);
  return NULL;
}

/* `a.b().c` as text with call arguments elided; NULL when the expression is
 * not made of names, attributes and calls (or is absurdly long). */
char *fg_pf_dotted(const Walk *w, TSNode n) {
  TSNode parts[MAX_DOTTED_PARTS];
  size_t np = 0;
  for (;;) {
    if (ts_node_is_null(n) || np == MAX_DOTTED_PARTS)
      return NULL;
    const char *t = ts_node_type(n);
    if (fg_pf_is_type(t, "identifier")) {
      parts[np++] = n;
      break;
    }
    if (fg_pf_is_type(t, "attribute")) {
      TSNode attr = ts_node_child_by_field_id(n, w->f_attribute);
      if (ts_node_is_null(attr))
        return NULL;
      parts[np++] = attr;
      n = ts_node_child_by_field_id(n, w->f_object);
    } else if (fg_pf_is_type(t, "call")) {
      parts[np++] = n; /* rendered as "()" */
      n = ts_node_child_by_field_id(n, w->f_function);
    } else {
      return NULL;
    }
  }
  FgBuf b = {0};
  for (size_t i = np; i-- > 0;) {
    TSNode p = parts[i];
    if (fg_pf_node_is(p, "call")) {
      char *method = i + 1 < np && fg_pf_text_eq(w, parts[i + 1], "get_context")
                         ? context_method(w, p)
                         : NULL;
      fg_buf_printf(&b, "(%s)", method ? method : "");
      free(method);
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
bool fg_pf_split_last(const char *d, char **prefix, char **name) {
  const char *dot = strrchr(d, '.');
  if (!dot || dot == d || dot[1] == '\0' || strchr(dot, '(') != NULL)
    return false;
  *prefix = fg_xstrndup(d, (size_t)(dot - d));
  *name = fg_xstrdup(dot + 1);
  return true;
}

const char *fg_pf_last_component(const char *d) {
  const char *dot = strrchr(d, '.');
  return dot ? dot + 1 : d;
}

void fg_pf_args_scan(const Walk *w, TSNode list, Args *a) {
  memset(a, 0, sizeof *a);
  if (!fg_pf_node_is(list, "argument_list"))
    return;
  Kids k;
  for (fg_pf_kids_begin(&k, list); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    if (!fg_pf_is_element(c))
      continue;
    if (fg_pf_node_is(c, "keyword_argument")) {
      KwArg kw = {ts_node_child_by_field_id(c, w->f_name),
                  ts_node_child_by_field_id(c, w->f_value)};
      if (!ts_node_is_null(kw.name) && !ts_node_is_null(kw.value))
        fg_vec_push(&a->kw, kw);
    } else if (!fg_pf_node_is(c, "list_splat") && !fg_pf_node_is(c, "dictionary_splat")) {
      fg_vec_push(&a->pos, c);
    }
  }
  fg_pf_kids_end(&k);
}

void fg_pf_args_free(Args *a) {
  fg_vec_free(&a->pos);
  fg_vec_free(&a->kw);
}

TSNode fg_pf_args_kw(const Walk *w, const Args *a, const char *name) {
  for (size_t i = 0; i < a->kw.len; i++)
    if (fg_pf_text_eq(w, a->kw.items[i].name, name))
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

int fg_pf_names_find(const Walk *w, int scope, const char *s, size_t n) {
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

int fg_pf_names_get(Walk *w, int scope, const char *s, size_t n) {
  int found = fg_pf_names_find(w, scope, s, n);
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

void fg_pf_bind(Walk *w, int scope, const char *name, size_t offset, int kind,
                char *value) {
  int idx = fg_pf_names_get(w, scope, name, strlen(name));
  Binding b = {offset, kind, value};
  fg_vec_push(&w->names.items[idx].binds, b);
}

void fg_pf_bind_node(Walk *w, int scope, TSNode id, int kind, char *value) {
  char *name = fg_pf_node_text(w, id);
  fg_pf_bind(w, scope, name, ts_node_start_byte(id), kind, value);
  free(name);
}

int fg_pf_scope_new(Walk *w, int kind, int parent, int func) {
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
    int idx = fg_pf_names_find(w, sc, s, n);
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

char *fg_pf_resolve_simple(const Walk *w, const char *text, int scope, size_t offset) {
  bool via = false;
  return resolve(w, text, scope, offset, 0, &via);
}

static uint8_t count_parts(const char *s) {
  unsigned n = *s ? 1 : 0;
  for (; *s; s++)
    n += *s == '.';
  return (uint8_t)(n > 255 ? 255 : n);
}

char *fg_pf_resolve_how(const Walk *w, const char *text, int scope, size_t offset,
                        uint8_t *how, uint8_t *bound_parts) {
  return fg_pf_resolve_value(w, text, scope, offset, how, bound_parts, false);
}

char *fg_pf_resolve_value(const Walk *w, const char *text, int scope, size_t offset,
                          uint8_t *how, uint8_t *bound_parts, bool keep_local_calls) {
  size_t head = strcspn(text, ".(");
  int bscope = 0;
  const Binding *b = lookup(w, scope, text, head, offset, &bscope);
  if (keep_local_calls && b && b->kind == BIND_ALIAS && b->value &&
      strchr(b->value, '(') && w->scopes.items[bscope].kind == SCOPE_FUNC) {
    *how = FG_NAME_LOCAL;
    *bound_parts = 0;
    return NULL;
  }
  bool via = false;
  char *r = resolve(w, text, scope, offset, 0, &via);
  *bound_parts = 0;
  if (via) {
    *how = FG_NAME_IMPORT;
    /* a binding made at import time (module or class level) copied the
     * name; one made in a def runs when the def does */
    if (!b || w->scopes.items[bscope].kind != SCOPE_FUNC) {
      unsigned rest = 0;
      for (const char *c = text + head; *c; c++)
        rest += *c == '.';
      unsigned all = count_parts(r);
      *bound_parts = (uint8_t)(all > rest ? all - rest : 0);
    }
    return r;
  }
  if (!b)
    *how = FG_NAME_GLOBAL;
  else if (b->kind == BIND_SELF)
    *how = FG_NAME_SELF;
  else if (b->kind == BIND_PARAM)
    *how = FG_NAME_PARAM;
  else if (w->scopes.items[bscope].kind == SCOPE_FUNC)
    *how = FG_NAME_LOCAL;
  else
    *how = FG_NAME_GLOBAL;
  return r;
}
