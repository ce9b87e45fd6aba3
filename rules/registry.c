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
  if (!fg_config_enabled(p->config, d->rule, path))
    return false;
  if (!p->only.len)
    return true;
  for (size_t i = 0; i < p->only.len; i++)
    if (fg_path_under(path, p->only.items[i]))
      return true;
  return false;
}

/* Every source whose comments can silence a finding. */
static FgSuppressIndex *fg_suppressions(const FgProject *p) {
  FG_VEC(const FgSource *) srcs = {0};
  for (size_t i = 0; i < p->py.modules.len; i++)
    if (p->py.modules.items[i]->py)
      fg_vec_push(&srcs, p->py.modules.items[i]->src);
  for (size_t i = 0; i < p->ci.workflows.len; i++)
    fg_vec_push(&srcs, p->ci.workflows.items[i]->src);
  for (size_t i = 0; i < p->ci.launch_files.len; i++)
    fg_vec_push(&srcs, p->ci.launch_files.items[i]);
  if (p->pytest_cfg_src)
    fg_vec_push(&srcs, p->pytest_cfg_src);
  FgSuppressIndex *idx = fg_suppress_index_new(srcs.items, srcs.len);
  fg_vec_free(&srcs);
  return idx;
}

void fg_rules_suppression_warnings(const FgProject *p, FgStrVec *out) {
  FgSuppressIndex *idx = fg_suppressions(p);
  for (size_t i = 0; i < fg_suppress_index_len(idx); i++) {
    const FgSuppression *s = fg_suppress_index_at(idx, i);
    for (size_t k = 0; k < s->codes.len; k++) {
      const char *code = s->codes.items[k];
      const char *near = NULL;
      if (!fg_suppress_is_ours(s, code) ||
          fg_suppress_known(code, fg_rules, fg_nrules, &near))
        continue;
      char *hint = near ? fg_xasprintf("; did you mean %s?", near) : fg_xstrdup("");
      fg_vec_push(out, fg_xasprintf("warning: %s:%zu: unknown rule %s in a suppression "
                                    "comment%s",
                                    s->src->path, s->line, code, hint));
      free(hint);
    }
  }
  fg_suppress_index_delete(idx);
}

void fg_rules_lint(const FgProject *p, FgDiagList *out) {
  FgDiagList all = {0};
  for (size_t r = 0; r < fg_nrules; r++) {
    const FgRule *rule = fg_rules[r];
    if (!fg_config_enabled(p->config, rule, NULL))
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
  FgSuppressIndex *idx = fg_suppressions(p);
  for (size_t i = 0; i < all.items.len; i++) {
    FgDiag *d = all.items.items[i];
    if (fg_wanted(p, d) && !fg_suppress_index_hit(idx, d))
      fg_diag_list_push(out, d);
    else
      fg_diag_delete(d);
  }
  fg_vec_free(&all.items);
  /* last: which comments silenced nothing is known only now */
  FgDiagList late = {0};
  for (size_t r = 0; r < fg_nrules; r++)
    if (fg_rules[r]->on_suppressions && fg_config_enabled(p->config, fg_rules[r], NULL))
      fg_rules[r]->on_suppressions(p, idx, &late);
  for (size_t i = 0; i < late.items.len; i++) {
    FgDiag *d = late.items.items[i];
    size_t len = 0;
    const char *text =
        d->src ? fg_source_line_text(d->src, fg_source_pos(d->src, d->start).line, &len)
               : "";
    if (fg_wanted(p, d) && !fg_suppress_names(text, len, d->rule))
      fg_diag_list_push(out, d);
    else
      fg_diag_delete(d);
  }
  fg_vec_free(&late.items);
  fg_suppress_index_delete(idx);
  fg_diag_list_sort(out);
}

void fg_rules_lint_run(const FgProject *p, const FgRun *run, FgDiagList *out) {
  FgDiagList all = {0};
  for (size_t r = 0; r < fg_nrules; r++) {
    const FgRule *rule = fg_rules[r];
    if (rule->on_run && fg_config_enabled(p->config, rule, NULL))
      rule->on_run(p, run, &all);
  }
  FgSuppressIndex *idx = fg_suppressions(p);
  for (size_t i = 0; i < all.items.len; i++) {
    FgDiag *d = all.items.items[i];
    if (fg_wanted(p, d) && !fg_suppress_index_hit(idx, d))
      fg_diag_list_push(out, d);
    else
      fg_diag_delete(d);
  }
  fg_suppress_index_delete(idx);
  fg_vec_free(&all.items);
}
