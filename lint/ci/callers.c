/* callers: see callers.h. */
#include "ci/callers.h"

#include <stdlib.h>
#include <string.h>

#include "ci/cells.h"

/* reusable workflows calling reusable workflows: followed this deep */
#define FG_CALLERS_MAX_DEPTH 3
/* bindings kept for one workflow */
#define FG_CALLERS_MAX 64

static const FgYamlNode *fg_triggers(const FgWorkflow *wf) {
  const FgYamlNode *root = fg_yaml_deref(wf->doc->root);
  const FgYamlNode *on = fg_yaml_get(root, "on");
  if (!on)
    on = fg_yaml_get(root, "true"); /* a YAML 1.1 reader's `on` */
  return on;
}

/* Which events start the workflow: workflow_call, workflow_dispatch, any
 * other (an unreadable `on` counts as other). */
static void fg_trigger_kinds(const FgYamlNode *on, bool *call, bool *dispatch,
                             bool *other) {
  *call = *dispatch = *other = false;
  if (!on || (on->kind != FG_YAML_SCALAR && on->kind != FG_YAML_SEQ &&
              on->kind != FG_YAML_MAP)) {
    *other = true;
    return;
  }
  size_t n = on->kind == FG_YAML_SCALAR ? 1 : on->nitems;
  size_t step = on->kind == FG_YAML_MAP ? 2 : 1;
  for (size_t i = 0; i < n; i += step) {
    const char *e =
        on->kind == FG_YAML_SCALAR ? on->value : fg_yaml_str(fg_yaml_deref(on->items[i]));
    if (e && strcmp(e, "workflow_call") == 0)
      *call = true;
    else if (e && strcmp(e, "workflow_dispatch") == 0)
      *dispatch = true;
    else
      *other = true;
  }
}

/* The declared inputs of a trigger with their defaults. */
static FgXValue *fg_input_defaults(const FgYamlNode *on, const char *event, FgXArena *a,
                                   const FgXScope *scope) {
  FgXValue *obj = fg_x_object(a);
  const FgYamlNode *t = on && on->kind == FG_YAML_MAP ? fg_yaml_get(on, event) : NULL;
  const FgYamlNode *inputs = fg_yaml_get(t, "inputs");
  if (!inputs || inputs->kind != FG_YAML_MAP)
    return obj;
  for (size_t i = 0; i + 1 < inputs->nitems; i += 2) {
    const char *name = fg_yaml_str(fg_yaml_deref(inputs->items[i]));
    const FgYamlNode *spec = fg_yaml_deref(inputs->items[i + 1]);
    if (!name)
      continue;
    const FgYamlNode *def = fg_yaml_get(spec, "default");
    fg_x_set(a, obj, name, def ? fg_x_from_yaml(a, def, scope) : fg_x_null(a));
  }
  return obj;
}

static bool fg_same_inputs(const FgXValue *x, const FgXValue *y) {
  if (x->nitems != y->nitems)
    return false;
  for (size_t i = 0; i + 1 < x->nitems; i += 2) {
    const FgXValue *v = fg_x_get(y, x->items[i]->str);
    if (!v)
      return false;
    char *s = fg_x_to_string(x->items[i + 1]), *t = fg_x_to_string(v);
    bool same = (s == NULL) == (t == NULL) && (!s || strcmp(s, t) == 0);
    free(s);
    free(t);
    if (!same)
      return false;
  }
  return true;
}

static void fg_binding_add(FgBindingVec *out, FgXValue *inputs, const char *caller) {
  for (size_t i = 0; i < out->len; i++)
    if (fg_same_inputs(out->items[i].inputs, inputs) &&
        fg_str_eq(out->items[i].caller, caller))
      return;
  if (out->len >= FG_CALLERS_MAX)
    return;
  FgBinding b = {inputs, caller ? fg_xstrdup(caller) : NULL};
  fg_vec_push(out, b);
}

static void fg_bindings_at(FgWorkflow *const *wfs, size_t n, size_t w, FgXArena *a,
                           FgBindingVec *out, int depth);

/* Does `uses:` name this workflow file (`./.github/workflows/x.yml`)? */
static bool fg_uses_workflow(const char *uses, const char *path) {
  if (!uses)
    return false;
  if (fg_str_startswith(uses, "./"))
    uses += 2;
  return strcmp(uses, path) == 0;
}

static void fg_callers_of(FgWorkflow *const *wfs, size_t n, size_t w, FgXArena *a,
                          const FgXValue *defaults, FgBindingVec *out, int depth,
                          bool *called) {
  const char *path = wfs[w]->src->path;
  for (size_t c = 0; c < n; c++) {
    const FgWorkflow *cw = wfs[c];
    for (size_t j = 0; j < cw->jobs.len; j++) {
      const FgJob *job = &cw->jobs.items[j];
      if (!fg_uses_workflow(fg_yaml_str(fg_yaml_get(job->node, "uses")), path))
        continue;
      *called = true;
      FgBindingVec theirs = {0};
      if (depth < FG_CALLERS_MAX_DEPTH && c != w)
        fg_bindings_at(wfs, n, c, a, &theirs, depth + 1);
      else
        fg_binding_add(&theirs, fg_x_object(a), NULL);
      const char *base = fg_path_base(cw->src->path);
      char *label = fg_xasprintf("%s \xE2\x80\xBA job %s", base, job->id);
      const FgYamlNode *with = fg_yaml_get(job->node, "with");
      for (size_t b = 0; b < theirs.len; b++) {
        FgXScope outer = {NULL, NULL, theirs.items[b].inputs, NULL, NULL};
        FgXValueVec combos = {0};
        bool truncated = false;
        fg_matrix_combos(job, a, &outer, &combos, &truncated);
        for (size_t k = 0; k < combos.len; k++) {
          FgXScope scope = {combos.items[k], NULL, theirs.items[b].inputs, NULL, NULL};
          FgXValue *inputs = fg_x_object_copy(a, defaults);
          if (with && with->kind == FG_YAML_MAP)
            for (size_t i = 0; i + 1 < with->nitems; i += 2) {
              const char *key = fg_yaml_str(fg_yaml_deref(with->items[i]));
              if (key)
                fg_x_set(a, inputs, key, fg_x_from_yaml(a, with->items[i + 1], &scope));
            }
          fg_binding_add(out, inputs, label);
        }
        fg_vec_free(&combos);
      }
      free(label);
      fg_bindings_free(&theirs);
    }
  }
}

static void fg_bindings_at(FgWorkflow *const *wfs, size_t n, size_t w, FgXArena *a,
                           FgBindingVec *out, int depth) {
  const FgYamlNode *on = fg_triggers(wfs[w]);
  bool call = false, dispatch = false, other = false;
  fg_trigger_kinds(on, &call, &dispatch, &other);
  if (call) {
    FgXValue *defaults = fg_input_defaults(on, "workflow_call", a, NULL);
    bool called = false;
    fg_callers_of(wfs, n, w, a, defaults, out, depth, &called);
    if (!called)
      fg_binding_add(out, defaults, NULL);
  }
  if (dispatch)
    fg_binding_add(out, fg_input_defaults(on, "workflow_dispatch", a, NULL), NULL);
  /* push, pull_request, schedule...: no inputs */
  if (other || !out->len)
    fg_binding_add(out, fg_x_object(a), NULL);
}

void fg_workflow_bindings(FgWorkflow *const *wfs, size_t n, size_t w, FgXArena *a,
                          FgBindingVec *out) {
  fg_bindings_at(wfs, n, w, a, out, 0);
}

void fg_bindings_free(FgBindingVec *self) {
  for (size_t i = 0; i < self->len; i++)
    free(self->items[i].caller);
  fg_vec_free(self);
}
