/* select: which tests each CI run collects and selects (paths, ignores,
 * deselects, python_files, then -m on the markers and -k on the names, as
 * pytest does), where the test model and the CI model meet. */
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

bool fg_run_selects(const FgProject *p, const FgRun *run, const FgTest *t) {
  if (!fg_run_collects(p, run, t))
    return false;
  if (run->m && !fg_markexpr_match_marks(run->m, (const char *const *)t->markers.items,
                                         t->markers.len))
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
  for (size_t r = 0; r < p->ci.runs.len; r++) {
    FgRun *run = p->ci.runs.items[r];
    for (size_t i = 0; i < p->py.tests.len; i++) {
      const FgTest *t = &p->py.tests.items[i];
      if (t->uses_pools && fg_run_selects(p, run, t))
        fg_vec_push(&run->pool_tests, t);
    }
  }
}
