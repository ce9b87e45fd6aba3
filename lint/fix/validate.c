#include "fix/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/words.h"
#include "fix/apply.h"
#include "parse/ini_doc.h"
#include "parse/pyfile.h"
#include "parse/pyindent.h"
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
  const FgModule *m = fg_pymodel_module_by_path(&p->py, src->path);
  if (m && m->src == src)
    return m->py && m->py->has_error ? fg_xstrdup("it does not parse (FG001)") : NULL;
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
  FgHashSet ok = {0}; /* the sources known editable, by address */
  for (size_t i = 0; i < diags->items.len; i++) {
    FgDiag *d = diags->items.items[i];
    for (size_t k = 0; d->fix && k < d->fix->edits.len; k++) {
      const FgSource *src = d->fix->edits.items[k].src;
      if (!src || fg_hash_set_has(&ok, (uint64_t)(uintptr_t)src))
        continue;
      char *why = fg_uneditable(p, src);
      if (!why) {
        fg_hash_set_add(&ok, (uint64_t)(uintptr_t)src);
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
  fg_hash_set_free(&ok);
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

/* Can a run of new bytes, data[from, to) of len, stand between whole
 * statements? Its first line of code begins at column 0 (on its own a
 * first line may be indented; after a statement it may not), and unless it
 * ends the file it ends a line that does not continue. */
static bool fg_run_fits(const char *data, size_t len, size_t from, size_t to) {
  const char *p = data + from, *stop = data + to;
  while (from && p < stop) {
    const char *q = p;
    while (q < stop && (*q == ' ' || *q == '\t' || *q == '\f'))
      q++;
    if (q < stop && *q != '\n' && *q != '\r' && *q != '#') {
      if (q != p)
        return false;
      break;
    }
    while (q < stop && *q != '\n')
      q++;
    p = q + 1;
  }
  if (to == len)
    return true;
  p = data + to;
  return p[-1] == '\n' && !(to >= from + 2 && p[-2] == '\\') &&
         !(to >= from + 3 && p[-2] == '\r' && p[-3] == '\\');
}

/* Old chunk k of orig: from one top-level statement that begins a line to
 * the next (the first from the start of the file, the last to its end). */
static void fg_chunk(const FgPyModule *py, size_t ol, size_t k, size_t *s, size_t *e) {
  *s = k ? py->top_starts[k - 1] : 0;
  *e = k < py->ntop ? py->top_starts[k] : ol;
}

/* Do the new bytes of a module that parsed still parse, judged by the runs
 * the edits made? The new bytes are cut into runs, each either the bytes of
 * one of orig's chunks (whole statements that parsed) or bytes between two
 * such that are reparsed on their own; runs that fit (fg_run_fits) and each
 * parse keep the whole parsing, as the scanner starts a statement at column
 * 0 in its first state. A run that does not parse alone takes in the chunk
 * after it (a decorator inserted before a def is one run with it). False: not known this
 * way (the whole file decides). */
static bool fg_edited_runs_parse(const FgPyModule *py, const FgSource *orig,
                                 const char *data, size_t len) {
  if (!py || py->has_error || !py->ntop || orig->bom)
    return false;
  const char *old = orig->data;
  size_t ol = orig->len, nchunks = py->ntop + 1;
  size_t q = 0, k = 0, open = SIZE_MAX, grown = 0;
  while (q < len || open != SIZE_MAX) {
    size_t s = 0, e = 0;
    if (k < nchunks)
      fg_chunk(py, ol, k, &s, &e);
    bool same = k < nchunks && e - s <= len - q && memcmp(data + q, old + s, e - s) == 0;
    if (same || q == len) {
      if (open != SIZE_MAX) {
        if (!fg_run_fits(data, len, open, q) ||
            !fg_pysyntax_run_parses(data + open, q - open)) {
          /* new bytes before a statement may belong to it (a decorator):
           * the run takes in the chunk that follows, at most twice */
          if (!same || e == s || ++grown > 2)
            return false;
          q += e - s;
          k++;
          continue;
        }
        open = SIZE_MAX;
        grown = 0;
      }
      if (!same)
        break;
      if (e > s && !fg_run_fits(data, len, q, q + (e - s)))
        return false;
      q += e - s;
      k++;
      continue;
    }
    if (open == SIZE_MAX)
      open = q;
    /* where this chunk (moved by new bytes before it) or the next one
     * appears again; none: the run goes to the end */
    size_t next = len;
    for (size_t j = k; j < nchunks && j <= k + 1; j++) {
      size_t js = 0, je = 0;
      fg_chunk(py, ol, j, &js, &je);
      if (je == js || q + 1 >= len)
        continue;
      const char *at = fg_memmem(data + q + 1, len - q - 1, old + js, je - js);
      if (at && (size_t)(at - data) < next) {
        next = (size_t)(at - data);
        k = j;
      }
    }
    if (next == len)
      k = nchunks;
    q = next;
  }
  return true;
}

/* Why the new bytes of a Python file would not parse (NULL: they parse).
 * Only the statements the edits touch are parsed when that is known to
 * decide it; otherwise, and to name a problem, the whole file. */
static char *fg_py_problem(const FgPyModule *py, const FgSource *orig, FgSource *src) {
  if (orig && fg_edited_runs_parse(py, orig, src->data, src->len)) {
    size_t bad_at = 0;
    const char *bad = NULL;
    return fg_pyindent_check(src->data, src->len, &bad_at, &bad) ? NULL : fg_xstrdup(bad);
  }
  return fg_pysyntax_problem(src);
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
  if (fg_str_endswith(path, ".py")) {
    const FgModule *m = orig ? fg_pymodel_module_by_path(&self->p->py, path) : NULL;
    char *problem = fg_py_problem(m && m->src == orig ? m->py : NULL, orig, src);
    fg_source_delete(src);
    if (problem) {
      *why = fg_xasprintf("the fixed file would not parse: %s", problem);
      free(problem);
      return false;
    }
    return true;
  }
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
