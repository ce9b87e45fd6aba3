#include <string.h>
#include <strings.h>

#include "project.h"
#include "report/suppress.h"
#include "rules.h"

const FgRule *const fg_rules[] = {
#define FG_RULE(sym) &sym,
#include "rules.def"
#undef FG_RULE
};

const size_t fg_nrules = sizeof fg_rules / sizeof fg_rules[0];

const FgRule *fg_rule_find(const char *code_or_name) {
  for (size_t i = 0; i < fg_nrules; i++) {
    if (strcasecmp(fg_rules[i]->code, code_or_name) == 0 ||
        strcmp(fg_rules[i]->name, code_or_name) == 0)
      return fg_rules[i];
  }
  return NULL;
}

static bool fg_wanted(const FgProject *p, const FgDiag *d) {
  const char *path = d->src ? d->src->path : "";
  if (!fg_config_enabled(p->config, d->rule->code, d->rule->default_off, path))
    return false;
  if (!p->only.len)
    return true;
  for (size_t i = 0; i < p->only.len; i++)
    if (fg_path_under(path, p->only.items[i]))
      return true;
  return false;
}

void fg_rules_lint(const FgProject *p, FgDiagList *out) {
  FgDiagList all = {0};
  for (size_t r = 0; r < fg_nrules; r++) {
    const FgRule *rule = fg_rules[r];
    if (!fg_config_enabled(p->config, rule->code, rule->default_off, NULL))
      continue;
    if (rule->on_module)
      for (size_t i = 0; i < p->py.modules.len; i++)
        if (p->py.modules.items[i]->py)
          rule->on_module(p, p->py.modules.items[i], &all);
    if (rule->on_test)
      for (size_t i = 0; i < p->py.tests.len; i++)
        rule->on_test(p, &p->py.tests.items[i], &all);
    if (rule->on_workflow)
      for (size_t i = 0; i < p->ci.workflows.len; i++)
        rule->on_workflow(p, p->ci.workflows.items[i], &all);
    if (rule->on_run)
      for (size_t i = 0; i < p->ci.runs.len; i++)
        rule->on_run(p, p->ci.runs.items[i], &all);
    if (rule->on_project)
      rule->on_project(p, &all);
  }
  for (size_t i = 0; i < all.items.len; i++) {
    FgDiag *d = all.items.items[i];
    if (fg_wanted(p, d) && !fg_suppressed(d))
      fg_diag_list_push(out, d);
    else
      fg_diag_delete(d);
  }
  fg_vec_free(&all.items);
  fg_diag_list_sort(out);
}
