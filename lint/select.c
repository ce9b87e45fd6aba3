/* select: which tests each CI run collects and selects (paths, ignores,
 * deselects, python_files, then -m on the markers and -k on the names, as
 * pytest does), where the test model and the CI model meet. */
#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

#include "project.h"

bool fg_run_collects(const FgProject *p, const FgRun *run, const FgTest *t) {
  const char *path = t->file->src->path;
  bool under = false;
  for (size_t i = 0; i < run->paths.len && !under; i++) {
    const char *rp = run->paths.items[i];
    if (strcmp(rp, path) == 0)
      under = true; /* a file named explicitly is collected whatever its name */
    else if (fg_path_under(path, rp))
      under = fg_glob_any(p->py.python_files.items, p->py.python_files.len,
                          fg_path_base(path));
  }
  if (!under)
    return false;
  for (size_t i = 0; i < run->ignores.len; i++)
    if (fg_path_under(path, run->ignores.items[i]))
      return false;
  for (size_t i = 0; i < run->ignore_globs.len; i++)
    if (fnmatch(run->ignore_globs.items[i], path, 0) == 0)
      return false;
  for (size_t i = 0; i < run->deselects.len; i++)
    if (fg_str_startswith(t->nodeid, run->deselects.items[i]))
      return false;
  return true;
}

/* More markers a hook may add than this: the test may match any -m. */
#define FG_MAX_HOOK_MARKERS 4

/* -m on the test's markers; a marker a conftest hook may add is tried both
 * ways (present, absent): the test is selected when either could be. */
static bool fg_m_selects(const FgProject *p, const FgMarkExpr *m, const FgTest *t) {
  FG_VEC(const char *) marks = {0};
  for (size_t i = 0; i < t->markers.len; i++)
    fg_vec_push(&marks, t->markers.items[i]);
  size_t base = marks.len;
  FG_VEC(const char *) maybe = {0};
  for (size_t i = 0; i < p->hook_markers.len; i++) {
    bool has = false;
    for (size_t k = 0; k < base && !has; k++)
      has = strcmp(marks.items[k], p->hook_markers.items[i]) == 0;
    if (!has)
      fg_vec_push(&maybe, p->hook_markers.items[i]);
  }
  bool hit = maybe.len > FG_MAX_HOOK_MARKERS;
  for (size_t subset = 0; !hit && subset < ((size_t)1 << maybe.len); subset++) {
    marks.len = base;
    for (size_t k = 0; k < maybe.len; k++)
      if (subset & ((size_t)1 << k))
        fg_vec_push(&marks, maybe.items[k]);
    hit = fg_markexpr_match_marks(m, marks.items, marks.len);
  }
  fg_vec_free(&marks);
  fg_vec_free(&maybe);
  return hit;
}

/* `add_marker(pytest.mark.NAME` / `add_marker(mark.NAME` / `add_marker("NAME"`
 * in the conftest files. */
static void fg_find_hook_markers(FgProject *p) {
  for (size_t i = 0; i < p->py.modules.len; i++) {
    const FgModule *m = p->py.modules.items[i];
    if (!m->is_conftest || !m->src)
      continue;
    const char *data = m->src->data, *end = data + m->src->len;
    for (const char *at = fg_memmem(data, m->src->len, "add_marker(", 11); at;
         at = fg_memmem(at + 1, (size_t)(end - at - 1), "add_marker(", 11)) {
      const char *q = at + 11;
      while (q < end && (*q == ' ' || *q == '\n'))
        q++;
      if (end - q > 7 && strncmp(q, "pytest.", 7) == 0)
        q += 7;
      bool quoted = q < end && (*q == '"' || *q == '\'');
      if (quoted)
        q++;
      else if (end - q > 5 && strncmp(q, "mark.", 5) == 0)
        q += 5;
      else
        continue;
      const char *b = q;
      while (q < end && (isalnum((unsigned char)*q) || *q == '_'))
        q++;
      if (q == b)
        continue;
      char *name = fg_xstrndup(b, (size_t)(q - b));
      bool dup = false;
      for (size_t k = 0; k < p->hook_markers.len && !dup; k++)
        dup = strcmp(p->hook_markers.items[k], name) == 0;
      if (dup)
        free(name);
      else
        fg_vec_push(&p->hook_markers, name);
    }
  }
}

bool fg_run_selects(const FgProject *p, const FgRun *run, const FgTest *t) {
  if (!fg_run_collects(p, run, t))
    return false;
  if (run->m && !fg_m_selects(p, run->m, t))
    return false;
  if (run->k) {
    FG_VEC(const char *) names = {0};
    fg_vec_push(&names, t->name);
    for (int c = t->cls; c >= 0; c = t->file->py->classes[c].parent)
      fg_vec_push(&names, t->file->py->classes[c].name);
    fg_vec_push(&names, fg_path_base(t->file->src->path));
    for (size_t i = 0; i < t->markers.len; i++)
      fg_vec_push(&names, t->markers.items[i]);
    bool ok = fg_markexpr_match_keywords(run->k, names.items, names.len);
    fg_vec_free(&names);
    if (!ok)
      return false;
  }
  return true;
}

/* Which pool-using tests each run selects: several rules ask, once each. */
void fg_project_select_pool_tests(FgProject *p) {
  fg_find_hook_markers(p);
  for (size_t r = 0; r < p->ci.runs.len; r++) {
    FgRun *run = p->ci.runs.items[r];
    for (size_t i = 0; !run->no_tests && i < p->py.tests.len; i++) {
      const FgTest *t = &p->py.tests.items[i];
      if (t->uses_pools && fg_run_selects(p, run, t))
        fg_vec_push(&run->pool_tests, t);
    }
  }
}
