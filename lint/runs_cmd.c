/* runs_cmd: `forkguard runs`: every pytest run the CI model found, as the
 * rules see it: where it comes from, its effective command line, whether
 * xdist is on and why, what it selects, its cells, the words whose value is
 * not known, how many pool tests it selects and which rules report it; then
 * the launcher commands it could not follow because their target (tox env,
 * pixi task...) is not known. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "forkguard.h"
#include "project.h"
#include "rules.h"

static const char *fg_origin_word(FgArgOrigin o) {
  switch (o) {
  case FG_ORIGIN_INI:
    return "ini";
  case FG_ORIGIN_ENV:
    return "env";
  default:
    return "cmdline";
  }
}

/* The codes of the rules that report each run, "FG201,FG301" ("" none). */
static char **fg_runs_reported(const FgProject *p) {
  size_t n = p->ci.runs.len;
  FgDiagList *per = fg_xcalloc(n ? n : 1, sizeof *per);
  fg_rules_lint_runs(p, per);
  char **out = fg_xcalloc(n ? n : 1, sizeof *out);
  for (size_t r = 0; r < n; r++) {
    FgBuf b = {0};
    for (size_t i = 0; i < per[r].items.len; i++) {
      const char *code = per[r].items.items[i]->rule->code;
      if (!b.data || !strstr(b.data, code))
        fg_buf_printf(&b, "%s%s", b.len ? "," : "", code);
    }
    fg_diag_list_clear(&per[r]);
    out[r] = fg_buf_take(&b);
  }
  free(per);
  return out;
}

static char *fg_run_argv(const FgRun *run) {
  FgBuf b = {0};
  fg_buf_puts(&b, run->launcher);
  for (size_t i = 0; i < run->args.len; i++)
    fg_buf_printf(&b, " %s", run->args.items[i].text);
  return fg_buf_take(&b);
}

static void fg_strs_line(FgBuf *b, const char *label, const FgStrVec *v,
                         const char *quote) {
  if (!v->len)
    return;
  fg_buf_printf(b, "  %-12s", label);
  for (size_t i = 0; i < v->len; i++) /* "" is the root directory */
    fg_buf_printf(b, "%s%s%s%s", i ? ", " : "", quote,
                  *v->items[i] || *quote ? v->items[i] : ".", quote);
  fg_buf_putc(b, '\n');
}

static void fg_runs_text(FgBuf *b, const FgProject *p, char *const *reported,
                         size_t *nparallel, size_t *npool, size_t *nreported) {
  for (size_t r = 0; r < p->ci.runs.len; r++) {
    const FgRun *run = p->ci.runs.items[r];
    FgPos pos = fg_source_pos(run->wf->src, run->start);
    char *where = fg_run_where(run);
    char *argv = fg_run_argv(run);
    fg_buf_printf(b, "%s:%zu:%zu: pytest run\n", run->wf->src->path, pos.line,
                  pos.column);
    fg_buf_printf(b, "  %-12s%s\n", "where:", where);
    fg_buf_printf(b, "  %-12s%s\n", "command:", argv);
    if (run->workdir[0])
      fg_buf_printf(b, "  %-12s%s\n", "directory:", run->workdir);
    FgBuf opts = {0};
    for (size_t i = 0; i < run->opts.len; i++)
      if (run->opts.items[i].origin != FG_ORIGIN_CMDLINE)
        fg_buf_printf(&opts, "%s%s", opts.len ? " " : "", run->opts.items[i].text);
    if (opts.len)
      fg_buf_printf(b, "  %-12s%s\n", "addopts:", opts.data);
    fg_buf_free(&opts);
    fg_buf_printf(b, "  %-12s%s", "xdist:", run->xdist ? "on" : "off");
    if (run->xdist_why)
      fg_buf_printf(b, " (%s%s)", run->xdist_why,
                    run->xdist_disabled_by_plugin ? ", but -p no:xdist" : "");
    else if (run->xdist_disabled_by_plugin)
      fg_buf_puts(b, " (-p no:xdist)");
    if (run->dist)
      fg_buf_printf(b, ", --dist %s", run->dist);
    fg_buf_putc(b, '\n');
    if (run->no_tests)
      fg_buf_printf(b, "  %-12sno (%s)\n", "runs tests:", run->no_tests);
    if (run->mexpr || run->m_unknown)
      fg_buf_printf(b, "  %-12s%s\n", "-m:", run->m_unknown ? "(not known)" : run->mexpr);
    if (run->kexpr)
      fg_buf_printf(b, "  %-12s%s\n", "-k:", run->kexpr);
    fg_strs_line(b, "paths:", &run->paths, "");
    fg_strs_line(b, "ignore:", &run->ignores, "");
    fg_strs_line(b, "ignore-glob:", &run->ignore_globs, "");
    fg_strs_line(b, "deselect:", &run->deselects, "");
    char *cells = fg_cells_line(&run->cells, false, 8, NULL);
    fg_buf_printf(b, "  %-12s%s%s\n", "cells:", cells,
                  run->cells.truncated ? " (matrix truncated)" : "");
    free(cells);
    fg_strs_line(b, "unknown:", &run->unknown, "`");
    for (size_t i = 0; i < run->notes.len; i++)
      fg_buf_printf(b, "  %-12s%s\n", "note:", run->notes.items[i]);
    fg_buf_printf(b, "  %-12s%zu", "pool tests:", run->pool_tests.len);
    for (size_t i = 0; i < run->pool_tests.len && i < 3; i++)
      fg_buf_printf(b, "%s%s", i ? ", " : " (", run->pool_tests.items[i]->nodeid);
    if (run->pool_tests.len > 3)
      fg_buf_printf(b, " +%zu more", run->pool_tests.len - 3);
    if (run->pool_tests.len)
      fg_buf_putc(b, ')');
    fg_buf_putc(b, '\n');
    const char *rep = reported[r];
    fg_buf_printf(b, "  %-12s%s\n\n", "reported:", *rep ? rep : "no");
    *nparallel += run->xdist;
    *npool += run->xdist && run->pool_tests.len;
    *nreported += *rep != '\0';
    free(argv);
    free(where);
  }
}

/* The launcher commands whose target is not known, after the runs. */
static void fg_unfollowed_text(FgBuf *b, const FgProject *p) {
  for (size_t i = 0; i < p->ci.unfollowed.len; i++) {
    const FgUnfollowed *u = p->ci.unfollowed.items[i];
    FgPos pos = fg_source_pos(u->wf->src, u->start);
    char *where = fg_unfollowed_where(u);
    fg_buf_printf(b, "%s:%zu:%zu: launcher not followed\n", u->wf->src->path, pos.line,
                  pos.column);
    fg_buf_printf(b, "  %-12s%s\n", "where:", where);
    fg_buf_printf(b, "  %-12s%s\n", "command:", u->command);
    fg_buf_printf(b, "  %-12s`%s` (%s)\n", "unknown:", u->word, u->what);
    char *cells = fg_cells_line(&u->cells, false, 8, NULL);
    fg_buf_printf(b, "  %-12s%s%s\n", "cells:", cells,
                  u->cells.truncated ? " (matrix truncated)" : "");
    free(cells);
    for (size_t k = 0; k < u->notes.len; k++)
      fg_buf_printf(b, "  %-12s%s\n", "note:", u->notes.items[k]);
    fg_buf_putc(b, '\n');
    free(where);
  }
}

static void fg_json_strs(FgJson *j, const char *key, const FgStrVec *v) {
  fg_json_key(j, key);
  fg_json_begin_array(j);
  for (size_t i = 0; i < v->len; i++)
    fg_json_string(j, v->items[i]);
  fg_json_end_array(j);
}

static void fg_json_cells(FgJson *j, const FgCells *cells) {
  fg_json_key(j, "cells");
  fg_json_begin_array(j);
  for (size_t i = 0; i < cells->items.len; i++) {
    const FgCell *c = &cells->items.items[i];
    fg_json_begin_object(j);
    fg_json_key(j, "os");
    fg_json_string(j, c->os);
    fg_json_key(j, "python");
    fg_json_string(j, c->python);
    fg_json_end_object(j);
  }
  fg_json_end_array(j);
  fg_json_key(j, "cells_truncated");
  fg_json_bool(j, cells->truncated);
}

/* Where a run or an unfollowed command is: file, line, column, workflow,
 * job, step and the hops to it. */
static void fg_json_origin(FgJson *j, const FgWorkflow *wf, const FgJob *job,
                           const FgStep *step, size_t start, const char *via) {
  FgPos pos = fg_source_pos(wf->src, start);
  fg_json_key(j, "path");
  fg_json_string(j, wf->src->path);
  fg_json_key(j, "line");
  fg_json_int(j, (long long)pos.line);
  fg_json_key(j, "column");
  fg_json_int(j, (long long)pos.column);
  fg_json_key(j, "workflow");
  fg_json_string(j, wf->name ? wf->name : wf->src->path);
  fg_json_key(j, "job");
  fg_json_string(j, job->id);
  char *label = fg_step_label(step);
  fg_json_key(j, "step");
  fg_json_string(j, label);
  free(label);
  fg_json_key(j, "via");
  fg_json_string(j, via);
}

static void fg_runs_json_one(FgJson *j, const FgRun *run, const char *reported) {
  fg_json_begin_object(j);
  fg_json_origin(j, run->wf, run->job, run->step, run->start, run->via);
  fg_json_strs(j, "via_chain", &run->via_chain);
  fg_json_strs(j, "callers", &run->callers);
  char *where = fg_run_where(run);
  fg_json_key(j, "where");
  fg_json_string(j, where);
  free(where);
  fg_json_key(j, "launcher");
  fg_json_string(j, run->launcher);
  fg_json_key(j, "argv");
  fg_json_begin_array(j);
  for (size_t i = 0; i < run->args.len; i++)
    fg_json_string(j, run->args.items[i].text);
  fg_json_end_array(j);
  fg_json_key(j, "options");
  fg_json_begin_array(j);
  for (size_t i = 0; i < run->opts.len; i++) {
    fg_json_begin_object(j);
    fg_json_key(j, "text");
    fg_json_string(j, run->opts.items[i].text);
    fg_json_key(j, "origin");
    fg_json_string(j, fg_origin_word(run->opts.items[i].origin));
    fg_json_end_object(j);
  }
  fg_json_end_array(j);
  fg_json_key(j, "workdir");
  fg_json_string(j, run->workdir);
  fg_json_key(j, "xdist");
  fg_json_bool(j, run->xdist);
  fg_json_key(j, "xdist_why");
  fg_json_string(j, run->xdist_why);
  fg_json_key(j, "dist");
  fg_json_string(j, run->dist);
  fg_json_key(j, "no_tests");
  fg_json_string(j, run->no_tests);
  fg_json_key(j, "m");
  fg_json_string(j, run->mexpr);
  fg_json_key(j, "m_unknown");
  fg_json_bool(j, run->m_unknown);
  fg_json_key(j, "k");
  fg_json_string(j, run->kexpr);
  fg_json_strs(j, "paths", &run->paths);
  fg_json_strs(j, "ignores", &run->ignores);
  fg_json_strs(j, "ignore_globs", &run->ignore_globs);
  fg_json_strs(j, "deselects", &run->deselects);
  fg_json_cells(j, &run->cells);
  fg_json_strs(j, "unknown", &run->unknown);
  fg_json_key(j, "maybe");
  fg_json_bool(j, run->maybe);
  fg_json_strs(j, "notes", &run->notes);
  fg_json_key(j, "pool_tests");
  fg_json_int(j, (long long)run->pool_tests.len);
  fg_json_key(j, "pool_test_ids");
  fg_json_begin_array(j);
  for (size_t i = 0; i < run->pool_tests.len; i++)
    fg_json_string(j, run->pool_tests.items[i]->nodeid);
  fg_json_end_array(j);
  char *rep = fg_xstrdup(reported);
  fg_json_key(j, "reported");
  fg_json_begin_array(j);
  for (char *save = NULL, *t = strtok_r(rep, ",", &save); t;
       t = strtok_r(NULL, ",", &save))
    fg_json_string(j, t);
  fg_json_end_array(j);
  free(rep);
  fg_json_end_object(j);
}

static void fg_unfollowed_json_one(FgJson *j, const FgUnfollowed *u) {
  fg_json_begin_object(j);
  fg_json_origin(j, u->wf, u->job, u->step, u->start, u->via);
  fg_json_strs(j, "callers", &u->callers);
  char *where = fg_unfollowed_where(u);
  fg_json_key(j, "where");
  fg_json_string(j, where);
  free(where);
  fg_json_key(j, "command");
  fg_json_string(j, u->command);
  fg_json_key(j, "what");
  fg_json_string(j, u->what);
  fg_json_key(j, "unknown");
  fg_json_string(j, u->word);
  fg_json_cells(j, &u->cells);
  fg_json_strs(j, "notes", &u->notes);
  fg_json_end_object(j);
}

int fg_runs(const FgRunsOptions *o, FILE *err) {
  static const char *const dot[] = {"."};
  const char *const *paths = o->npaths ? o->paths : dot;
  size_t npaths = o->npaths ? o->npaths : 1;
  FgConfigOverrides ov = {.config_file = o->config,
                          .no_config = o->no_config,
                          .jobs = o->jobs,
                          .no_cache = o->no_cache,
                          .cache_dir = o->cache_dir,
                          .rules = fg_rules,
                          .nrules = fg_nrules};
  char *why = NULL;
  FgProject *p = fg_project_load(paths, npaths, &ov, &why);
  if (!p) {
    fprintf(err, "forkguard: %s\n", why);
    free(why);
    return FG_EXIT_ERROR;
  }
  for (size_t i = 0; i < p->problems.warnings.len; i++)
    fprintf(err, "forkguard: %s\n", p->problems.warnings.items[i]);
  FgBuf b = {0};
  char **reported = fg_runs_reported(p);
  if (o->json) {
    FgJson j;
    fg_json_init(&j, &b, true);
    fg_json_begin_object(&j);
    fg_json_key(&j, "version");
    fg_json_int(&j, 1);
    fg_json_key(&j, "runs");
    fg_json_begin_array(&j);
    for (size_t r = 0; r < p->ci.runs.len; r++)
      fg_runs_json_one(&j, p->ci.runs.items[r], reported[r]);
    fg_json_end_array(&j);
    fg_json_key(&j, "unfollowed");
    fg_json_begin_array(&j);
    for (size_t u = 0; u < p->ci.unfollowed.len; u++)
      fg_unfollowed_json_one(&j, p->ci.unfollowed.items[u]);
    fg_json_end_array(&j);
    fg_json_end_object(&j);
    fg_buf_putc(&b, '\n');
  } else {
    size_t nparallel = 0, npool = 0, nreported = 0;
    fg_runs_text(&b, p, reported, &nparallel, &npool, &nreported);
    fg_unfollowed_text(&b, p);
    size_t n = p->ci.runs.len, nu = p->ci.unfollowed.len;
    fg_buf_printf(&b,
                  "Found %zu pytest run%s: %zu parallel, %zu of them selecting pool "
                  "tests; %zu reported.",
                  n, n == 1 ? "" : "s", nparallel, npool, nreported);
    if (nu)
      fg_buf_printf(&b, " %zu launcher command%s not followed (target not known).", nu,
                    nu == 1 ? "" : "s");
    fg_buf_putc(&b, '\n');
  }
  fwrite(b.data ? b.data : "", 1, b.len, stdout);
  int rc = fflush(stdout) == 0 ? FG_EXIT_CLEAN : FG_EXIT_ERROR;
  if (rc != FG_EXIT_CLEAN)
    fprintf(err, "forkguard: cannot write to standard output\n");
  if (p->problems.io_errors)
    rc = FG_EXIT_ERROR;
  for (size_t r = 0; r < p->ci.runs.len; r++)
    free(reported[r]);
  free(reported);
  fg_buf_free(&b);
  fg_project_delete(p);
  return rc;
}
