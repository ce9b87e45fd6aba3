#include "fix/validate.h"

#include <stdlib.h>
#include <string.h>

#include "fix/apply.h"
#include "parse/ini_doc.h"
#include "parse/pyfile.h"
#include "parse/pysyntax.h"
#include "parse/toml.h"
#include "parse/yaml_doc.h"

/* Why the bytes of a file (by its path's kind) do not parse, or NULL. */
static char *fg_parse_problem(const FgSource *src) {
  const char *path = src->path;
  char *why = NULL;
  if (fg_str_endswith(path, ".py")) {
    why = fg_pysyntax_problem(src);
  } else if (fg_str_endswith(path, ".toml")) {
    FgToml *doc = fg_toml_parse(src);
    if (fg_toml_has_error(doc))
      why = fg_xstrdup(fg_toml_error_message(doc));
    fg_toml_delete(doc);
  } else if (fg_str_endswith(path, ".ini") || fg_str_endswith(path, ".cfg")) {
    FgIniDoc *doc = fg_ini_doc_parse(src);
    if (doc->has_error)
      why = fg_xstrdup(doc->message);
    fg_ini_doc_delete(doc);
  } else if (fg_str_endswith(path, ".yml") || fg_str_endswith(path, ".yaml")) {
    FgYamlDoc *doc = fg_yaml_parse(src);
    if (doc->has_error)
      why = fg_xstrdup(doc->error_message);
    fg_yaml_delete(doc);
  }
  return why;
}

/* The bytes the project read for path (NULL: a file the fix creates). */
static const FgSource *fg_project_source(const FgProject *p, const char *path) {
  const FgModule *m = fg_pymodel_module_by_path(&p->py, path);
  if (m)
    return m->src;
  for (size_t i = 0; i < p->ci.workflows.len; i++)
    if (strcmp(p->ci.workflows.items[i]->src->path, path) == 0)
      return p->ci.workflows.items[i]->src;
  for (size_t i = 0; i < p->ci.launch_files.len; i++)
    if (strcmp(p->ci.launch_files.items[i]->path, path) == 0)
      return p->ci.launch_files.items[i];
  if (p->pytest_cfg_src && strcmp(p->pytest_cfg_src->path, path) == 0)
    return p->pytest_cfg_src;
  return NULL;
}

/* Why a fix may not edit src as it stands (NULL: it may): a file holding
 * NUL, or one that does not parse (FG001), is never edited. */
static char *fg_uneditable(const FgProject *p, const FgSource *src) {
  if (src->is_new)
    return NULL;
  if (src->has_nul)
    return fg_xstrdup("it holds a NUL byte");
  for (size_t i = 0; i < p->py.modules.len; i++) {
    const FgModule *m = p->py.modules.items[i];
    if (m->src == src)
      return m->py && m->py->has_error ? fg_xstrdup("it does not parse (FG001)") : NULL;
  }
  for (size_t i = 0; i < p->ci.workflows.len; i++)
    if (p->ci.workflows.items[i]->src == src)
      return p->ci.workflows.items[i]->doc->has_error
                 ? fg_xstrdup("it does not parse (FG001)")
                 : NULL;
  char *problem = src->len ? fg_parse_problem(src) : NULL;
  if (!problem)
    return NULL;
  free(problem);
  return fg_xstrdup("it does not parse (FG001)");
}

void fg_fixes_withhold(const FgProject *p, FgDiagList *diags) {
  FG_VEC(const FgSource *) ok = {0};
  for (size_t i = 0; i < diags->items.len; i++) {
    FgDiag *d = diags->items.items[i];
    for (size_t k = 0; d->fix && k < d->fix->edits.len; k++) {
      const FgSource *src = d->fix->edits.items[k].src;
      bool known = false;
      for (size_t j = 0; j < ok.len && !known; j++)
        known = ok.items[j] == src;
      if (known || !src)
        continue;
      char *why = fg_uneditable(p, src);
      if (!why) {
        fg_vec_push(&ok, src);
        continue;
      }
      fg_diag_add_note(
          d, "fix withheld: %s would change, and %s; a fix never edits such a file",
          src->path, why);
      free(why);
      fg_fix_delete(d->fix);
      d->fix = NULL;
    }
  }
  fg_vec_free(&ok);
}

void fg_fix_check_init(FgFixCheck *self, const FgProject *p) {
  memset(self, 0, sizeof *self);
  self->p = p;
}

void fg_fix_check_free(FgFixCheck *self) {
  for (size_t i = 0; i < self->files.len; i++)
    free(self->files.items[i].problem);
  fg_vec_free(&self->files);
}

/* Why orig, as the project read it, does not parse (NULL: it does); parsed
 * once per check. */
static const char *fg_fix_check_stands(FgFixCheck *self, const FgSource *orig) {
  for (size_t i = 0; i < self->files.len; i++)
    if (self->files.items[i].src == orig)
      return self->files.items[i].problem;
  /* a module the project parsed: its summary knows (options change what a
   * call is, not whether the file parses) */
  const FgModule *m = fg_pymodel_module_by_path(&self->p->py, orig->path);
  const FgPyModule *py = m && m->src == orig ? m->py : NULL;
  char *problem = NULL;
  if (py)
    problem = py->has_error ? fg_xstrdup(py->error_message) : NULL;
  else if (orig->len)
    problem = fg_parse_problem(orig);
  FgFixCheckFile f = {orig, problem};
  fg_vec_push(&self->files, f);
  return f.problem;
}

bool fg_fix_check_validate(const char *path, const char *data, size_t len, char **why,
                           void *ctx) {
  FgFixCheck *self = ctx;
  const FgSource *orig = fg_project_source(self->p, path);
  const char *stands = orig ? fg_fix_check_stands(self, orig) : NULL;
  if (stands) {
    *why = fg_xasprintf(
        "cannot be parsed as it stands (%s); a fix never edits such a file", stands);
    return false;
  }
  FgSource *src = fg_source_new(path, data, len);
  char *problem = fg_parse_problem(src);
  fg_source_delete(src);
  if (problem) {
    *why = fg_xasprintf("the fixed file would not parse: %s", problem);
    free(problem);
    return false;
  }
  return true;
}

typedef FG_VEC(const FgSource *) FgSrcVec;

/* Tries fix alone: NULL when it applies, else why not (owned by plan or
 * static). */
static const char *fg_fix_alone(FgFixCheck *check, const FgFix *fix, FgPlan **plan) {
  *plan = fg_plan_new();
  if (!fg_plan_add_fix(*plan, fix))
    return "its edits overlap";
  if (fg_plan_validate(*plan, fg_fix_check_validate, check))
    return fg_plan_rejected(*plan, 0)->why;
  return NULL;
}

/* Does the fix touch a file whose bytes the plan leaves as they were (so
 * that the plan did not validate it)? */
static bool fg_fix_touches_unchanged(const FgFix *fix, const FgSrcVec *unchanged) {
  for (size_t i = 0; i < fix->edits.len; i++)
    for (size_t j = 0; j < unchanged->len; j++)
      if (fix->edits.items[i].src == unchanged->items[j])
        return true;
  return false;
}

/* Every fix is first planned with all the others, and the new bytes of each
 * file validated once: a fix that is part of that plan when it is done
 * touches only files that parse with it in place, and is kept. The rest
 * (overlapping another fix, touching a file that failed or one the plan
 * left unchanged) are tried alone, as each would be offered. */
void fg_fixes_withdraw_broken(const FgProject *p, FgDiagList *diags) {
  FgFixCheck check;
  fg_fix_check_init(&check, p);
  FgPlan *all = fg_plan_new();
  for (size_t i = 0; i < diags->items.len; i++)
    if (diags->items.items[i]->fix)
      fg_plan_add_fix(all, diags->items.items[i]->fix);
  fg_plan_validate(all, fg_fix_check_validate, &check);
  FgSrcVec unchanged = {0};
  for (size_t i = 0; i < fg_plan_nfiles(all); i++)
    if (!fg_plan_file_changed(fg_plan_file(all, i)))
      fg_vec_push(&unchanged, fg_plan_file(all, i)->src);
  size_t k = 0;
  for (size_t i = 0; i < diags->items.len; i++) {
    FgDiag *d = diags->items.items[i];
    if (!d->fix)
      continue;
    FgFixStatus st;
    fg_plan_fix(all, k++, &st);
    if (st == FG_FIX_APPLIED && !fg_fix_touches_unchanged(d->fix, &unchanged))
      continue;
    FgPlan *plan = NULL;
    const char *why = fg_fix_alone(&check, d->fix, &plan);
    if (why) {
      fg_diag_add_note(d, "no fix: %s (%s)", d->fix->message, why);
      fg_fix_delete(d->fix);
      d->fix = NULL;
    }
    fg_plan_delete(plan);
  }
  fg_vec_free(&unchanged);
  fg_plan_delete(all);
  fg_fix_check_free(&check);
}
