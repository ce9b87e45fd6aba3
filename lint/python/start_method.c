/* python/start_method: the start method the project's conftest.py files
 * set for every test. */
#include <stdlib.h>

#include "python/internal.h"

static bool fg_module_sets_safe(const FgModule *m) {
  if (!m || !m->py)
    return false;
  for (size_t i = 0; i < m->py->nmodule_calls; i++)
    if (m->py->module_calls[i].pool == FG_POOL_SAFE_METHOD)
      return true;
  for (size_t f = 0; f < m->py->nfuncs; f++)
    for (size_t i = 0; i < m->py->funcs[f].ncalls; i++)
      if (m->py->funcs[f].calls[i].pool == FG_POOL_SAFE_METHOD)
        return true;
  return false;
}

const FgModule *fg_pymodel_safe_start_method(const FgPyModel *p) {
  for (size_t i = 0; i < p->modules.len; i++) {
    const FgModule *m = p->modules.items[i];
    if (!m->is_conftest || !m->py)
      continue;
    if (fg_module_sets_safe(m))
      return m;
    /* one level of imports: `from tests._mp import use_spawn` */
    for (size_t k = 0; k < m->py->nimports; k++) {
      char *target = fg_py_import_target(m, &m->py->imports[k]);
      const FgModule *t = fg_pymodel_module(p, target);
      free(target);
      if (fg_module_sets_safe(t))
        return m;
    }
  }
  return NULL;
}
