/* noxfile: the sessions of a noxfile (see pylaunch.h): `@nox.session`
 * decorators, the `session.run(...)` calls of each session function, also
 * through module functions it hands the session to. */
#include <stdlib.h>
#include <string.h>

#include "parse/pylaunch.h"
#include "parse/pylaunch_int.h"

typedef struct PlNox {
  FgNoxSession *session;
  int helpers;   /* helper functions followed so far on this path */
  size_t budget; /* helper calls still to follow for this session */
} PlNox;

static void pl_nox_body(Pl *pl, PlVisit *v, TSNode def, const char *session_param,
                        PlVars *bound, int depth);

static bool pl_nox_call(Pl *pl, PlVisit *v, TSNode call, PlScope *sc, int depth) {
  PlNox *nx = v->ud;
  TSNode fn = fg_pl_get(call, pl->f_function);
  char *f = fg_pl_dotted(pl, fn);
  if (!f)
    return false;
  size_t sl = sc->session ? strlen(sc->session) : 0;
  bool run =
      sc->session && strncmp(f, sc->session, sl) == 0 && strcmp(f + sl, ".run") == 0;
  if (run) {
    FgPlCall c = {{0}, ts_node_start_byte(call), ts_node_end_byte(call)};
    fg_pl_call_args(pl, call, sc, &c.args, depth);
    if (nx->session->runs.len < 256)
      fg_vec_push(&nx->session->runs, c);
    else
      fg_pl_list_free(&c.args);
    free(f);
    return true;
  }
  /* a module function given the session: its runs are this session's */
  TSNode args = fg_pl_get(call, pl->f_arguments);
  int at = -1;
  uint32_t na = fg_pl_count(args);
  for (uint32_t i = 0; i < na && at < 0 && sc->session; i++) {
    TSNode a = fg_pl_child(args, i);
    char *t = fg_pl_is(a, "identifier") ? fg_pl_text(pl, a) : NULL;
    if (t && strcmp(t, sc->session) == 0)
      at = (int)i;
    free(t);
  }
  TSNode def = at >= 0 && !strchr(f, '.') ? fg_pl_function(pl, f, NULL) : fg_pl_null();
  free(f);
  if (ts_node_is_null(def) || nx->helpers >= PL_MAX_HELPERS || !nx->budget)
    return false;
  FgStrVec params = {0};
  fg_pl_params(pl, def, &params);
  if ((size_t)at < params.len && params.items[at][0] && params.items[at][0] != '*') {
    /* the helper's parameters bound to the call's arguments */
    PlVars bound = {0};
    size_t pos = 0;
    for (uint32_t i = 0; i < na; i++) {
      TSNode a = fg_pl_child(args, i);
      if (fg_pl_is(a, "comment") || fg_pl_is(a, "dictionary_splat"))
        continue;
      if (fg_pl_is(a, "keyword_argument")) {
        char *key = fg_pl_text(pl, fg_pl_get(a, pl->f_name));
        PlVar *bv = fg_pl_var_set(&bound, key);
        fg_pl_eval(pl, fg_pl_get(a, pl->f_value), sc, &bv->value, depth + 1);
        free(key);
        continue;
      }
      size_t k = pos < params.len ? pos : params.len;
      if (k < params.len && params.items[k][0] != '*')
        pos++;
      if ((int)i == at || k >= params.len)
        continue;
      const char *pn = params.items[k] + (params.items[k][0] == '*');
      PlVar *bv = fg_pl_var_find(&bound, pn);
      if (!bv)
        bv = fg_pl_var_set(&bound, pn);
      fg_pl_eval(pl, fg_pl_is(a, "list_splat") ? fg_pl_child(a, 0) : a, sc, &bv->value,
                 depth + 1);
    }
    nx->budget--;
    nx->helpers++;
    pl_nox_body(pl, v, def, params.items[at], &bound, depth + 1);
    nx->helpers--;
  }
  fg_strvec_free(&params);
  return true;
}

static void pl_nox_body(Pl *pl, PlVisit *v, TSNode def, const char *session_param,
                        PlVars *bound, int depth) {
  PlScope sc = {0};
  sc.session = session_param;
  if (bound) {
    sc.vars = *bound;
    memset(bound, 0, sizeof *bound);
  }
  fg_pl_params(pl, def, &sc.params);
  fg_pl_block(pl, v, fg_pl_get(def, pl->f_body), &sc, depth + 1);
  fg_pl_vars_free(&sc.vars);
  fg_strvec_free(&sc.params);
}

/* The strings of a decorator argument: "3.12", ["3.11", "3.12"], a module
 * name bound to such a list. */
static void pl_strings(Pl *pl, TSNode n, FgStrVec *out) {
  PlScope sc = {0};
  FgPlList l = {0};
  fg_pl_eval(pl, n, &sc, &l, 0);
  for (size_t i = 0; i < l.len; i++)
    if (l.items[i].kind == FG_PL_LIT)
      fg_vec_push(out, fg_xstrdup(l.items[i].text));
  fg_pl_list_free(&l);
  fg_pl_vars_free(&sc.vars);
}

/* Reads `@nox.session(...)` / `@nox.parametrize(...)` into s; false when
 * the definition is not a session. */
static bool pl_nox_decorators(Pl *pl, TSNode decorated, FgNoxSession *s) {
  bool is_session = false;
  uint32_t nc = fg_pl_count(decorated);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode d = fg_pl_child(decorated, i);
    if (!fg_pl_is(d, "decorator"))
      continue;
    TSNode e = fg_pl_child(d, 0);
    TSNode call = fg_pl_is(e, "call") ? e : fg_pl_null();
    char *f = fg_pl_dotted(pl, fg_pl_is(e, "call") ? fg_pl_get(e, pl->f_function) : e);
    if (f && fg_pl_in(&pl->nox_param, f))
      s->parametrized = true;
    if (f && fg_pl_in(&pl->nox_session, f)) {
      is_session = true;
      bool has_call = !ts_node_is_null(call);
      TSNode args = has_call ? fg_pl_get(call, pl->f_arguments) : call;
      uint32_t na = has_call ? fg_pl_count(args) : 0;
      for (uint32_t k = 0; k < na; k++) {
        TSNode kw = fg_pl_child(args, k);
        if (!fg_pl_is(kw, "keyword_argument"))
          continue;
        char *key = fg_pl_text(pl, fg_pl_get(kw, pl->f_name));
        TSNode val = fg_pl_get(kw, pl->f_value);
        if (strcmp(key, "name") == 0) {
          char *nm = fg_pl_string(pl, val);
          if (nm) {
            free(s->name);
            s->name = nm;
          }
        } else if (strcmp(key, "python") == 0 || strcmp(key, "py") == 0) {
          pl_strings(pl, val, &s->pythons);
        } else if (strcmp(key, "tags") == 0) {
          pl_strings(pl, val, &s->tags);
        } else if (strcmp(key, "default") == 0) {
          s->is_default = !fg_pl_is(val, "false");
        }
        free(key);
      }
    }
    free(f);
  }
  return is_session;
}

FgNoxfile *fg_noxfile_parse(const FgSource *src) {
  FgNoxfile *self = fg_xcalloc(1, sizeof *self);
  Pl pl;
  TSTree *tree = NULL;
  if (!fg_pl_begin(&pl, src, &tree))
    return self;
  uint32_t nc = fg_pl_count(pl.root);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode st = fg_pl_child(pl.root, i);
    if (fg_pl_is(st, "expression_statement")) {
      /* nox.options.sessions = [...] */
      TSNode e = fg_pl_child(st, 0);
      if (fg_pl_is(e, "assignment")) {
        char *l = fg_pl_dotted(&pl, fg_pl_get(e, pl.f_left));
        if (l && strcmp(l, "nox.options.sessions") == 0) {
          self->has_defaults = true;
          pl_strings(&pl, fg_pl_get(e, pl.f_right), &self->defaults);
        }
        free(l);
      }
      continue;
    }
    if (!fg_pl_is(st, "decorated_definition"))
      continue;
    TSNode def = fg_pl_get(st, pl.f_definition);
    if (!fg_pl_is(def, "function_definition"))
      continue;
    FgNoxSession s;
    memset(&s, 0, sizeof s);
    s.is_default = true;
    s.name = fg_pl_text(&pl, fg_pl_get(def, pl.f_name));
    if (!pl_nox_decorators(&pl, st, &s)) {
      free(s.name);
      fg_strvec_free(&s.pythons);
      fg_strvec_free(&s.tags);
      continue;
    }
    FgStrVec params = {0};
    fg_pl_params(&pl, def, &params);
    fg_vec_push(&self->sessions, s);
    if (params.len && params.items[0][0]) {
      PlNox nx = {&self->sessions.items[self->sessions.len - 1], 0, 64};
      PlVisit v = {pl_nox_call, &nx, false};
      pl_nox_body(&pl, &v, def, params.items[0], NULL, 0);
    }
    fg_strvec_free(&params);
  }
  fg_pl_end(&pl, tree);
  return self;
}

void fg_noxfile_delete(FgNoxfile *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->sessions.len; i++) {
    FgNoxSession *s = &self->sessions.items[i];
    free(s->name);
    fg_strvec_free(&s->pythons);
    fg_strvec_free(&s->tags);
    for (size_t k = 0; k < s->runs.len; k++)
      fg_pl_list_free(&s->runs.items[k].args);
    fg_vec_free(&s->runs);
  }
  fg_vec_free(&self->sessions);
  fg_strvec_free(&self->defaults);
  free(self);
}
