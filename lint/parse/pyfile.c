/* pyfile: tree-sitter-python -> FgPyModule.
 *
 * One pass over the tree (parse/pyfile_walk.c) collects raw facts: imports
 * and other name bindings per scope, calls with the bits of their
 * arguments that matter, marker / fixture / base-class candidates. Names
 * are resolved afterwards, here, because Python binds module names at run
 * time: an import below a def still applies inside it. The tree is freed
 * before the summary is returned. */
#include "parse/pyfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "parse/pyfile_walk.h"

const TSLanguage *tree_sitter_python(void);

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

void fg_pyfile_site_words(const FgPyOptions *opts, FgStrVec *heads, FgStrVec *names) {
  /* the heads and last parts of kSites, context_site() (the process classes
   * of multiprocessing.context), is_start_method() and joblib.Parallel */
  static const char *const kHeads[] = {"concurrent.futures", "multiprocessing", "joblib",
                                       "loky", NULL};
  static const char *const kNames[] = {"ProcessPoolExecutor",
                                       "Pool",
                                       "Process",
                                       "Manager",
                                       "SpawnProcess",
                                       "ForkProcess",
                                       "ForkServerProcess",
                                       "get_reusable_executor",
                                       "Parallel",
                                       "get_context",
                                       "set_start_method",
                                       NULL};
  for (const char *const *h = kHeads; *h; h++)
    fg_vec_push(heads, fg_xstrdup(*h));
  for (const char *const *n = kNames; *n; n++)
    fg_vec_push(names, fg_xstrdup(*n));
  for (size_t i = 0; opts && i < opts->nextra_pool_constructors; i++) {
    const char *c = opts->extra_pool_constructors[i];
    const char *dot = strrchr(c, '.');
    fg_vec_push(heads, fg_xstrndup(c, dot ? (size_t)(dot - c) : strlen(c)));
    fg_vec_push(names, fg_xstrdup(dot ? dot + 1 : c));
  }
}

static void resolve_calls(Walk *w) {
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    c->resolved = c->callee_dotted
                      ? fg_pf_resolve_simple(w, c->callee, c->scope, c->span.start)
                      : fg_xstrdup(c->callee);
    classify(w, c);
  }
  /* hand-offs: enter_context(x), closing(x), addfinalizer(...), and
   * unittest's addCleanup(...) / addClassCleanup(...) */
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    const char *last = fg_pf_last_component(c->callee);
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
      int idx = fg_pf_names_get(w, fscope, c->arg0_dotted, strlen(c->arg0_dotted));
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
    int idx = fg_pf_names_find(w, fscope, c->assigned_to, strlen(c->assigned_to));
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
    const char *last = fg_pf_last_component(c->callee);
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
  char *r = fg_pf_resolve_simple(w, prefix, scope, offset);
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
    char *r = fg_pf_resolve_simple(w, e->callee, pc->scope, pc->offset);
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
    char *r = fg_pf_resolve_simple(w, fc->dotted, fc->scope, fc->offset);
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
      char *r =
          fg_pf_resolve_simple(w, c->bases[j], w->class_scope.items[i], c->span.start);
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
  for (fg_pf_kids_begin(&k, root); k.ok; fg_pf_kids_next(&k)) {
    TSNode c = fg_pf_kids_node(&k);
    const char *t = ts_node_type(c);
    if (fg_pf_is_type(t, "comment")) {
      size_t s = ts_node_start_byte(c), e = ts_node_end_byte(c);
      bool line12 = ts_node_start_point(c).row <= 1;
      bool shebang = (s == 0 || (s == 3 && w->m->src->bom)) && e - s >= 2 &&
                     w->src[s] == '#' && w->src[s + 1] == '!';
      char *txt = fg_pf_node_text(w, c);
      bool coding = strstr(txt, "coding:") || strstr(txt, "coding=");
      free(txt);
      if (first && line12 && (shebang || coding))
        header = e;
      continue;
    }
    if (first && fg_pf_is_type(t, "expression_statement") &&
        (fg_pf_node_is(ts_node_named_child(c, 0), "string") ||
         fg_pf_node_is(ts_node_named_child(c, 0), "concatenated_string"))) {
      after = ts_node_end_byte(c);
      first = false;
      continue;
    }
    if (fg_pf_is_type(t, "future_import_statement")) {
      after = ts_node_end_byte(c);
      first = false;
      continue;
    }
    break;
  }
  fg_pf_kids_end(&k);
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
  fg_pf_scope_new(&w, SCOPE_MODULE, -1, -1);

  fg_pf_walk_tree(&w, root);
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
