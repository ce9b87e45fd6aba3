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

/* Files whose change can change any finding: configuration, launchers,
 * conftest.py files. */
static bool fg_project_wide(const char *path) {
  static const char *const names[] = {"pyproject.toml",  "setup.cfg",       "tox.ini",
                                      "tox.toml",        "pytest.ini",      "pytest.toml",
                                      "forkguard.toml",  ".forkguard.toml", "conftest.py",
                                      "Makefile",        "GNUmakefile",     "makefile",
                                      "noxfile.py",      "pixi.toml",       "hatch.toml",
                                      ".python-version", ".gitignore",      NULL};
  const char *base = fg_path_base(path);
  for (const char *const *n = names; *n; n++)
    if (strcmp(base, *n) == 0)
      return true;
  return false;
}

static bool fg_asked(const FgProject *p, const char *path) {
  for (size_t i = 0; i < p->only.len; i++)
    if (fg_path_under(path, p->only.items[i]))
      return true;
  return false;
}

/* Is the finding enabled for its file, and, when the user named paths (a
 * pre-commit run names the changed files), does it concern them: in a named
 * file, with a chain or selected test in one, or any finding when a named
 * file is configuration every finding depends on? */
static bool fg_wanted(const FgProject *p, const FgDiag *d) {
  const char *path = d->src ? d->src->path : "";
  if (!fg_config_enabled(p->config, d->rule, path))
    return false;
  if (!p->only.len || fg_asked(p, path))
    return true;
  for (size_t i = 0; i < d->related.len; i++)
    if (d->related.items[i].src && fg_asked(p, d->related.items[i].src->path))
      return true;
  for (size_t i = 0; i < d->affects.len; i++)
    if (fg_asked(p, d->affects.items[i]))
      return true;
  for (size_t i = 0; i < p->only.len; i++)
    if (fg_project_wide(p->only.items[i]))
      return true;
  return false;
}

/* What a run's findings concern besides their own lines: the tests it
 * selects that use pools, and the launcher's file. */
static void fg_run_affects(const FgRun *run, FgDiag *d) {
  for (size_t t = 0; t < run->pool_tests.len; t++) {
    fg_diag_affected_by(d, run->pool_tests.items[t]->mod->src->path);
    fg_diag_affected_by(d, run->pool_tests.items[t]->file->src->path);
  }
  if (run->via_src)
    fg_diag_affected_by(d, run->via_src->path);
}

static void fg_mark_affects(const FgProject *p, FgDiagList *all, size_t from,
                            const FgRun *run, const FgWorkflow *wf, const FgTest *test) {
  if (!p->only.len)
    return; /* what a finding concerns decides only what a run naming files reports */
  for (size_t i = from; i < all->items.len; i++) {
    FgDiag *d = all->items.items[i];
    if (run)
      fg_run_affects(run, d);
    if (test) {
      fg_diag_affected_by(d, test->mod->src->path);
      fg_diag_affected_by(d, test->file->src->path);
    }
    if (wf)
      for (size_t r = 0; r < p->ci.runs.len; r++)
        if (p->ci.runs.items[r]->wf == wf)
          fg_run_affects(p->ci.runs.items[r], d);
  }
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
      for (size_t i = 0; i < p->py.tests.len; i++) {
        size_t from = all.items.len;
        rule->on_test(p, &p->py.tests.items[i], &all);
        fg_mark_affects(p, &all, from, NULL, NULL, &p->py.tests.items[i]);
      }
    if (rule->on_workflow)
      for (size_t i = 0; i < p->ci.workflows.len; i++) {
        size_t from = all.items.len;
        rule->on_workflow(p, p->ci.workflows.items[i], &all);
        fg_mark_affects(p, &all, from, NULL, p->ci.workflows.items[i], NULL);
      }
    if (rule->on_run)
      for (size_t i = 0; i < p->ci.runs.len; i++) {
        size_t from = all.items.len;
        rule->on_run(p, p->ci.runs.items[i], &all);
        fg_mark_affects(p, &all, from, p->ci.runs.items[i], NULL, NULL);
      }
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

void fg_rules_lint_runs(const FgProject *p, FgDiagList *per_run) {
  FgSuppressIndex *idx = fg_suppressions(p);
  for (size_t i = 0; i < p->ci.runs.len; i++) {
    const FgRun *run = p->ci.runs.items[i];
    FgDiagList all = {0};
    for (size_t r = 0; r < fg_nrules; r++) {
      const FgRule *rule = fg_rules[r];
      if (rule->on_run && fg_config_enabled(p->config, rule, NULL)) {
        size_t from = all.items.len;
        rule->on_run(p, run, &all);
        fg_mark_affects(p, &all, from, run, NULL, NULL);
      }
    }
    for (size_t k = 0; k < all.items.len; k++) {
      FgDiag *d = all.items.items[k];
      if (fg_wanted(p, d) && !fg_suppress_index_hit(idx, d))
        fg_diag_list_push(&per_run[i], d);
      else
        fg_diag_delete(d);
    }
    fg_vec_free(&all.items);
  }
  fg_suppress_index_delete(idx);
}
