/* ci/runs: the CI model built: workflows read, the pytest runs of their
 * `run:` steps (followed through tox and make), every job's cells.
 *
 * A step runs once per way its workflow is started (ci/callers: the
 * `inputs`) and per matrix combination of its job (ci/cells). For each,
 * its `if:` is evaluated, `${{ }}` in its script substituted (ci/expr) and
 * its env made the shell's variables; combinations that give the same
 * script and variables are analysed once (ci/shflow follows the script),
 * and every pytest command found becomes a run with the cells of those
 * combinations. Runs of one command that come out the same are merged,
 * their cells joined. */
#include <stdlib.h>
#include <string.h>

#include "ci/callers.h"
#include "ci/expr.h"
#include "ci/model.h"
#include "ci/shflow.h"
#include "parse/shell.h"

#define FG_MAX_YAML_BYTES (4u << 20)
/* a job's combinations over all its callers, at most */
#define FG_MAX_JOB_COMBOS 1024

void fg_ci_collect_cells(FgCiModel *p, const FgReader *rd) {
  for (size_t w = 0; w < p->workflows.len; w++) {
    const FgWorkflow *wf = p->workflows.items[w];
    for (size_t j = 0; j < wf->jobs.len; j++) {
      FgJobCells jc;
      memset(&jc, 0, sizeof jc);
      jc.job = &wf->jobs.items[j];
      fg_cells_of_job(jc.job, rd, &jc.cells);
      fg_vec_push(&p->job_cells, jc);
    }
  }
}

const FgCells *fg_ci_cells(const FgCiModel *self, const FgJob *job) {
  for (size_t i = 0; i < self->job_cells.len; i++)
    if (self->job_cells.items[i].job == job)
      return &self->job_cells.items[i].cells;
  return NULL;
}

void fg_ci_load_workflows(FgCiModel *p, const FgReader *rd, const FgStrVec *paths,
                          FgProblems *problems) {
  for (size_t i = 0; i < paths->len; i++) {
    const char *rel = paths->items[i];
    size_t len = 0;
    char *err = NULL;
    char *data = fg_reader_read(rd, rel, FG_MAX_YAML_BYTES, &len, &err);
    if (!data) {
      fg_problems_read_error(problems, rel, err);
      continue;
    }
    p->files_read++;
    FgWorkflow *wf = fg_workflow_load(fg_source_new(rel, data, len));
    free(data);
    fg_vec_push(&p->workflows, wf);
  }
}

/* ---- one step in one group of combinations ---------------------------------- */

/* A distinct expansion of a step: the substituted script, its directory
 * and variables, and the cells of the combinations that give it. */
typedef struct FgExpansion {
  char *key; /* text, directory and variables: what makes it distinct */
  char *text;
  size_t len;
  FgXSubstVec map;
  char *workdir;
  FgShellVars vars;
  FgCells cells;
  char *caller;
  FG_VEC(size_t) members;    /* the combinations (indices) that give it */
  FgShellVars env_writes;    /* what the step appends to $GITHUB_ENV */
  FgShellVars output_writes; /* and to $GITHUB_OUTPUT (its outputs) */
} FgExpansion;

typedef FG_VEC(FgExpansion) FgExpansionVec;

static void fg_expansion_free(FgExpansion *e) {
  free(e->key);
  free(e->text);
  fg_x_subst_free(&e->map);
  free(e->workdir);
  fg_shell_vars_free(&e->vars);
  fg_cells_free(&e->cells);
  free(e->caller);
  fg_vec_free(&e->members);
  fg_shell_vars_free(&e->env_writes);
  fg_shell_vars_free(&e->output_writes);
}

/* What the flow visitor needs. */
typedef struct FgStepRun {
  FgCiModel *model;
  const FgReader *rd;
  const FgRunContext *ctx;
  const FgWorkflow *wf;
  const FgJob *job;
  const FgStep *step;
  FgExpansion *exp;
  char *cwd;
} FgStepRun;

/* Does the word name the file $name (GITHUB_ENV, GITHUB_OUTPUT)? */
static bool fg_is_github_file(const FgShellWord *w, const char *name) {
  for (size_t i = 0; w && i < w->nparts; i++)
    if (w->parts[i].kind == FG_SHELL_PARAM && strcmp(w->parts[i].text, name) == 0)
      return true;
  return false;
}

/* `echo "NAME=value" >> $GITHUB_ENV` (printf too): later steps of the job
 * get NAME in their env; `>> $GITHUB_OUTPUT`: the step's output NAME, which
 * later steps read as `steps.ID.outputs.NAME`. A value not known is
 * recorded as such. */
static void fg_record_env_write(FgStepRun *sr, const FgShellCommand *c) {
  if (!c->out_file || !c->nwords)
    return;
  FgShellVars *into = fg_is_github_file(c->out_file, "GITHUB_ENV") ? &sr->exp->env_writes
                      : fg_is_github_file(c->out_file, "GITHUB_OUTPUT")
                          ? &sr->exp->output_writes
                          : NULL;
  if (!into)
    return;
  const char *cmd = c->words[0].text;
  bool echo = strcmp(cmd, "echo") == 0, printf_ = strcmp(cmd, "printf") == 0;
  if (!echo && !printf_)
    return;
  size_t k = 1;
  while (echo && k < c->nwords &&
         (strcmp(c->words[k].text, "-e") == 0 || strcmp(c->words[k].text, "-n") == 0))
    k++;
  if (printf_ && k < c->nwords && strchr(c->words[k].text, '%'))
    k++; /* printf '%s\n' "NAME=value": the format */
  for (; k < c->nwords; k++) {
    const FgShellWord *w = &c->words[k];
    const char *t = w->text;
    const char *eq = strchr(t, '=');
    const char *dollar = strchr(t, '$');
    if (!eq || eq == t || (w->dynamic && dollar && dollar < eq))
      continue;
    char *name = fg_xstrndup(t, (size_t)(eq - t));
    bool ident = true;
    for (const char *q = name; *q && ident; q++)
      ident = *q == '_' || (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
              (q > name && *q >= '0' && *q <= '9');
    if (ident) {
      const char *v = eq + 1;
      char *value = fg_xstrndup(v, strcspn(v, "\n"));
      /* written twice with different values (both branches of an `if` the
       * flow cannot decide): not known */
      const char *now = w->dynamic ? NULL : value;
      if (fg_shell_vars_has(into, name) && !fg_str_eq(fg_shell_vars_get(into, name), now))
        now = NULL;
      fg_shell_vars_set(into, name, now, true);
      free(value);
    }
    free(name);
    if (echo)
      break; /* echo's words are one line: the first NAME= holds them */
  }
}

/* Cells whose Python neither a setup step nor a launcher told get the
 * runner image's own (fg_job_image_python). */
static void fg_image_cells(FgRun *run) {
  if (run->env_python)
    return;
  FgCells next = {0};
  next.truncated = run->cells.truncated;
  bool changed = false;
  for (size_t i = 0; i < run->cells.items.len; i++) {
    const FgCell *c = &run->cells.items.items[i];
    const char *py = c->python;
    if (!py) {
      py = fg_job_image_python(run->job, run->step->index, c->os);
      changed |= py != NULL;
    }
    fg_cells_add(&next, c->os, py);
  }
  if (!changed) {
    fg_cells_free(&next);
    return;
  }
  fg_cells_free(&run->cells);
  run->cells = next;
}

/* A new run gets what the flow knew (its cells came with the context). */
static void fg_run_adopt(FgRun *run, const FgStepRun *sr, bool maybe, const char *loop) {
  fg_image_cells(run);
  run->maybe = maybe;
  if (loop)
    fg_vec_push(&run->notes, fg_xstrdup(loop));
  if (sr->exp->caller)
    fg_vec_push(&run->callers, fg_xstrdup(sr->exp->caller));
  char *note = fg_run_unknown_note(run);
  if (note)
    fg_vec_push(&run->notes, note);
  if (maybe)
    fg_vec_push(&run->notes,
                fg_xstrdup("the command sits in a shell branch whose test is not known"));
}

static void fg_visit(const FgFlowCommand *fc, void *user) {
  FgStepRun *sr = user;
  fg_record_env_write(sr, fc->cmd);
  /* PYTEST_ADDOPTS as the shell exports it at this command */
  FgRunContext ctx = *sr->ctx;
  ctx.cells = &sr->exp->cells;
  if (fg_shell_vars_has(fc->vars, "PYTEST_ADDOPTS")) {
    bool exported = fg_shell_vars_exported(fc->vars, "PYTEST_ADDOPTS");
    const char *v = fg_shell_vars_get(fc->vars, "PYTEST_ADDOPTS");
    ctx.env_addopts = exported && v ? v : "";
    if (exported && !v)
      ctx.env_addopts_unknown = "$PYTEST_ADDOPTS";
  }
  FgRunVec *runs = &sr->model->runs;
  size_t before = runs->len;
  FgRun *run = fg_run_new(sr->wf, sr->job, sr->step, fc->cmd, sr->cwd, &ctx);
  FgLaunchEnv env = {.root = sr->rd->root,
                     .overlay = sr->rd->overlay,
                     .reader = sr->rd,
                     .files = &sr->model->launch_files,
                     .wf = sr->wf,
                     .job = sr->job,
                     .step = sr->step,
                     .ctx = &ctx,
                     .vars = fc->vars,
                     .unfollowed = &sr->model->unfollowed};
  size_t ubefore = sr->model->unfollowed.len;
  if (run) {
    fg_vec_push(runs, run);
    fg_launch_step_runner(&env, fc->cmd, sr->cwd, runs, before);
  } else {
    if (!fg_launch_expand(&env, fc->cmd, sr->cwd, runs))
      fg_launch_cd(&sr->cwd, fc->cmd);
  }
  for (size_t i = before; i < runs->len; i++)
    fg_run_adopt(runs->items[i], sr, fc->maybe, fc->loop);
  for (size_t i = ubefore; i < sr->model->unfollowed.len; i++) {
    FgUnfollowed *u = sr->model->unfollowed.items[i];
    if (fc->loop)
      fg_vec_push(&u->notes, fg_xstrdup(fc->loop));
    if (sr->exp->caller)
      fg_vec_push(&u->callers, fg_xstrdup(sr->exp->caller));
    if (fc->maybe)
      fg_vec_push(&u->notes, fg_xstrdup("the command sits in a shell branch whose test "
                                        "is not known"));
  }
}

static void fg_run_expansion(FgCiModel *model, const FgReader *rd,
                             const FgRunContext *ctx, const FgWorkflow *wf,
                             const FgJob *job, const FgStep *st, FgExpansion *e) {
  FgShellScript *sh = fg_shell_parse(e->text, e->len);
  FgStepRun sr = {model, rd, ctx, wf, job, st, e, fg_path_join("", e->workdir)};
  FgShellVars vars = {0};
  fg_shell_vars_copy(&vars, &e->vars);
  fg_shflow_run(sh, &e->map, &vars, fg_visit, &sr);
  fg_shell_vars_free(&vars);
  free(sr.cwd);
  fg_shell_delete(sh);
}

/* ---- contexts ---------------------------------------------------------------- */

/* base's entries with the env mapping's over them, evaluated in scope. */
static FgXValue *fg_env_layer(FgXArena *a, const FgXValue *base, const FgYamlNode *env,
                              const FgXScope *scope) {
  FgXValue *obj = fg_x_object_copy(a, base);
  env = fg_yaml_deref(env);
  if (!env || env->kind != FG_YAML_MAP)
    return obj;
  for (size_t i = 0; i + 1 < env->nitems; i += 2) {
    const char *key = fg_yaml_str(fg_yaml_deref(env->items[i]));
    if (key)
      fg_x_set(a, obj, key, fg_x_from_yaml(a, env->items[i + 1], scope));
  }
  return obj;
}

static void fg_vars_from_env(FgShellVars *vars, const FgXValue *env) {
  for (size_t i = 0; env && i + 1 < env->nitems; i += 2) {
    char *v = fg_x_to_string(env->items[i + 1]);
    fg_shell_vars_set(vars, env->items[i]->str, v, true);
    free(v);
  }
}

/* The key an expansion is known by. */
static char *fg_expansion_key(const char *text, size_t len, const char *wd,
                              const FgShellVars *vars, const char *caller) {
  FgBuf b = {0};
  fg_buf_append(&b, text, len);
  fg_buf_printf(&b, "\x01%s\x01%s", wd, caller ? caller : "");
  for (size_t i = 0; i < vars->items.len; i++) {
    const FgShellVar *v = &vars->items.items[i];
    fg_buf_printf(&b, "\x01%s=%s%c", v->name, v->value ? v->value : "\x02",
                  v->exported ? 'x' : '-');
  }
  return fg_buf_take(&b);
}

/* Is the step's shell a POSIX one? `bash`, `sh -e {0}`, a custom command
 * running bash (`C:\\cygwin\\bin\\bash.exe -leo pipefail {0}`); not pwsh,
 * python or cmd. No shell: bash (sh on some runners). */
static bool fg_posix_shell(const FgJob *job, const FgStep *st) {
  const char *shell = st->shell ? st->shell : job->default_shell;
  if (!shell)
    return true;
  FgStrVec words = {0};
  fg_strvec_split(&words, shell, " \t");
  bool posix = false;
  for (size_t i = 0; i < words.len && !posix; i++) {
    const char *w = words.items[i];
    const char *slash = strrchr(w, '/'), *back = strrchr(w, '\\');
    const char *b = back && (!slash || back > slash) ? back + 1 : slash ? slash + 1 : w;
    static const char *const shells[] = {"bash", "sh",       "dash",   "zsh",
                                         "ksh",  "bash.exe", "sh.exe", NULL};
    for (const char *const *k = shells; *k && !posix; k++)
      posix = strcmp(b, *k) == 0;
  }
  fg_strvec_free(&words);
  return posix;
}

/* One combination of a job, for one way the workflow is started: its
 * scope and the env later steps see (with what earlier steps appended to
 * $GITHUB_ENV). */
typedef struct FgCombo {
  FgXValue *matrix;
  FgXValue *runner;
  FgXValue *env;   /* workflow + job env (+ $GITHUB_ENV) */
  FgXValue *steps; /* earlier steps' outputs by id (NULL: none) */
  char *os;
  const FgBinding *bd;
} FgCombo;

typedef FG_VEC(FgCombo) FgComboVec;

/* Adds the step's expansion for combination ci (or its cells to an
 * identical one). */
static void fg_expand_step(FgXArena *a, const FgJob *job, const FgStep *st,
                           const FgComboVec *combos, size_t ci, const FgReader *rd,
                           const char *wd_default, FgExpansionVec *out) {
  const FgCombo *c = &combos->items[ci];
  const FgXValue *inputs = c->bd->inputs;
  const char *caller = c->bd->caller;
  FgXScope job_scope = {c->matrix, c->env, inputs, c->runner, c->steps};
  FgXValue *env = fg_env_layer(a, c->env, st->env, &job_scope);
  FgXScope scope = {c->matrix, env, inputs, c->runner, c->steps};
  const char *cond = fg_yaml_str(fg_yaml_get(st->node, "if"));
  if (cond && fg_x_condition(cond, &scope) == 0)
    return;
  size_t len = 0;
  FgXSubstVec map = {0};
  char *text = fg_x_substitute(st->script->text, st->script->len, &scope, &map, &len);
  char *wd = NULL;
  const char *wd_src = st->working_directory ? st->working_directory : wd_default;
  if (strstr(wd_src, "${{")) {
    char *v = fg_x_to_string(fg_x_template(a, wd_src, &scope));
    wd = v ? v : fg_xstrdup("");
  } else {
    wd = fg_xstrdup(wd_src);
  }
  FgShellVars vars = {0};
  fg_vars_from_env(&vars, env);
  const char *ros = fg_runner_os(c->os);
  fg_shell_vars_set(&vars, "RUNNER_OS", ros, true);
  fg_shell_vars_set(&vars, "CI", "true", true);
  fg_shell_vars_set(&vars, "GITHUB_ACTIONS", "true", true);
  /* the repository root, as github.workspace (ci/expr.c) */
  fg_shell_vars_set(&vars, "GITHUB_WORKSPACE", "/", true);
  FgStrVec pys = {0};
  fg_job_pythons(job, st->index, rd, &scope, &pys);
  char *key = fg_expansion_key(text, len, wd, &vars, caller);
  FgExpansion *e = NULL;
  for (size_t i = 0; i < out->len && !e; i++)
    if (strcmp(out->items[i].key, key) == 0)
      e = &out->items[i];
  if (e) {
    free(key);
    free(text);
    fg_x_subst_free(&map);
    free(wd);
    fg_shell_vars_free(&vars);
  } else {
    FgExpansion n = {.key = key,
                     .text = text,
                     .len = len,
                     .map = map,
                     .workdir = wd,
                     .vars = vars,
                     .caller = caller ? fg_xstrdup(caller) : NULL};
    fg_vec_push(out, n);
    e = &out->items[out->len - 1];
  }
  fg_vec_push(&e->members, ci);
  for (size_t i = 0; i < pys.len; i++)
    fg_cells_add(&e->cells, c->os, pys.items[i]);
  fg_strvec_free(&pys);
}

/* The job's combinations for one binding, appended to out. */
static void fg_job_combos(FgXArena *a, const FgWorkflow *wf, const FgJob *job,
                          const FgBinding *bd, FgComboVec *out, bool *truncated) {
  FgXScope outer = {NULL, NULL, bd->inputs, NULL, NULL};
  FgXValue *wf_env = fg_env_layer(a, NULL, wf->env, &outer);
  FgXValueVec matrices = {0};
  fg_matrix_combos(job, a, &outer, &matrices, truncated);
  for (size_t i = 0; i < matrices.len; i++) {
    FgCombo c = {0};
    c.bd = bd;
    c.matrix = matrices.items[i];
    FgXScope s = {c.matrix, wf_env, bd->inputs, NULL, NULL};
    c.os = fg_job_runs_on(job, &s);
    const char *ros = fg_runner_os(c.os);
    if (ros) {
      c.runner = fg_x_object(a);
      fg_x_set(a, c.runner, "os", fg_x_str(a, ros));
      fg_x_set(a, c.runner, "arch", fg_x_unknown(a));
      fg_x_set(a, c.runner, "temp", fg_x_unknown(a));
      fg_x_set(a, c.runner, "tool_cache", fg_x_unknown(a));
    }
    s.runner = c.runner;
    c.env = fg_env_layer(a, wf_env, job->env, &s);
    fg_vec_push(out, c);
  }
  fg_vec_free(&matrices);
}

/* What a step appended to $GITHUB_ENV joins the env of its combinations;
 * what it appended to $GITHUB_OUTPUT is `steps.ID.outputs` when it has an
 * id. */
static void fg_apply_env_writes(FgXArena *a, const FgStep *st, const FgExpansion *e,
                                FgComboVec *combos) {
  bool outputs = st->id && e->output_writes.items.len;
  if (!e->env_writes.items.len && !outputs)
    return;
  for (size_t m = 0; m < e->members.len; m++) {
    FgCombo *c = &combos->items[e->members.items[m]];
    if (e->env_writes.items.len)
      c->env = fg_x_object_copy(a, c->env);
    for (size_t i = 0; i < e->env_writes.items.len; i++) {
      const FgShellVar *v = &e->env_writes.items.items[i];
      fg_x_set(a, c->env, v->name, v->value ? fg_x_str(a, v->value) : fg_x_unknown(a));
    }
    if (!outputs)
      continue;
    c->steps = c->steps ? fg_x_object_copy(a, c->steps) : fg_x_object(a);
    FgXValue *step = fg_x_object(a), *out = fg_x_object(a);
    for (size_t i = 0; i < e->output_writes.items.len; i++) {
      const FgShellVar *v = &e->output_writes.items.items[i];
      fg_x_set(a, out, v->name, v->value ? fg_x_str(a, v->value) : fg_x_unknown(a));
    }
    fg_x_set(a, step, "outputs", out);
    fg_x_set(a, c->steps, st->id, step);
  }
}

/* Every expansion of every step of the job, run in step order. */
static void fg_collect_job(FgCiModel *p, const FgReader *rd, const FgRunContext *ctx,
                           const FgWorkflow *wf, const FgJob *job,
                           const FgBindingVec *bindings, FgXArena *a) {
  const char *wd_default = job->default_working_directory ? job->default_working_directory
                           : wf->default_working_directory ? wf->default_working_directory
                                                           : "";
  bool truncated = false;
  FgComboVec combos = {0};
  for (size_t b = 0; b < bindings->len; b++) {
    const FgBinding *bd = &bindings->items[b];
    FgXScope jscope = {NULL, NULL, bd->inputs, NULL, NULL};
    const char *jif = fg_yaml_str(fg_yaml_get(job->node, "if"));
    if (jif && fg_x_condition(jif, &jscope) == 0)
      continue;
    if (combos.len >= FG_MAX_JOB_COMBOS) {
      truncated = true; /* callers × matrix: more than is modelled */
      break;
    }
    fg_job_combos(a, wf, job, bd, &combos, &truncated);
  }
  for (size_t s = 0; s < job->steps.len; s++) {
    const FgStep *st = &job->steps.items[s];
    if (!st->script || !fg_posix_shell(job, st))
      continue; /* pwsh, python, cmd: not a POSIX shell script */
    FgExpansionVec ev = {0};
    for (size_t c = 0; c < combos.len; c++)
      fg_expand_step(a, job, st, &combos, c, rd, wd_default, &ev);
    for (size_t e = 0; e < ev.len; e++) {
      ev.items[e].cells.truncated = truncated;
      fg_run_expansion(p, rd, ctx, wf, job, st, &ev.items[e]);
      fg_apply_env_writes(a, st, &ev.items[e], &combos);
      fg_expansion_free(&ev.items[e]);
    }
    fg_vec_free(&ev);
  }
  for (size_t c = 0; c < combos.len; c++)
    free(combos.items[c].os);
  fg_vec_free(&combos);
}

/* Runs of the same command that came out the same are one run. */
static void fg_merge_runs(FgRunVec *runs, size_t from) {
  size_t kept = from;
  for (size_t i = from; i < runs->len; i++) {
    FgRun *r = runs->items[i];
    FgRun *same = NULL;
    for (size_t k = from; k < kept && !same; k++)
      if (fg_run_same(runs->items[k], r))
        same = runs->items[k];
    if (!same) {
      runs->items[kept++] = r;
      continue;
    }
    fg_cells_merge(&same->cells, &r->cells);
    for (size_t c = 0; c < r->callers.len; c++) {
      bool dup = false;
      for (size_t k = 0; k < same->callers.len && !dup; k++)
        dup = strcmp(same->callers.items[k], r->callers.items[c]) == 0;
      if (!dup)
        fg_vec_push(&same->callers, fg_xstrdup(r->callers.items[c]));
    }
    fg_run_delete(r);
  }
  runs->len = kept;
}

static void fg_push_new(FgStrVec *dst, const FgStrVec *src) {
  for (size_t i = 0; i < src->len; i++) {
    bool dup = false;
    for (size_t k = 0; k < dst->len && !dup; k++)
      dup = strcmp(dst->items[k], src->items[i]) == 0;
    if (!dup)
      fg_vec_push(dst, fg_xstrdup(src->items[i]));
  }
}

/* Commands not followed that are the same command and word (from other
 * combinations or callers) are one, their cells, callers and notes
 * joined. */
static void fg_merge_unfollowed(FgUnfollowedVec *all, size_t from) {
  size_t kept = from;
  for (size_t i = from; i < all->len; i++) {
    FgUnfollowed *u = all->items[i];
    FgUnfollowed *same = NULL;
    for (size_t k = from; k < kept && !same; k++) {
      FgUnfollowed *o = all->items[k];
      if (o->step == u->step && o->start == u->start && strcmp(o->what, u->what) == 0 &&
          strcmp(o->word, u->word) == 0 && fg_str_eq(o->via, u->via) &&
          strcmp(o->command, u->command) == 0)
        same = o;
    }
    if (!same) {
      all->items[kept++] = u;
      continue;
    }
    fg_cells_merge(&same->cells, &u->cells);
    fg_push_new(&same->callers, &u->callers);
    fg_push_new(&same->notes, &u->notes);
    fg_unfollowed_delete(u);
  }
  all->len = kept;
}

/* A job's runs in the order they are written: step, then position (the
 * expansions of one step were found one after another). */
static void fg_sort_runs(FgRunVec *runs, size_t from) {
  for (size_t i = from + 1; i < runs->len; i++) {
    FgRun *r = runs->items[i];
    size_t k = i;
    while (k > from && (runs->items[k - 1]->step->index > r->step->index ||
                        (runs->items[k - 1]->step->index == r->step->index &&
                         runs->items[k - 1]->start > r->start))) {
      runs->items[k] = runs->items[k - 1];
      k--;
    }
    runs->items[k] = r;
  }
}

void fg_ci_collect_runs(FgCiModel *p, const FgReader *rd, const FgRunContext *ctx) {
  for (size_t w = 0; w < p->workflows.len; w++) {
    FgWorkflow *wf = p->workflows.items[w];
    FgXArena a = {0};
    FgBindingVec bindings = {0};
    fg_workflow_bindings(p->workflows.items, p->workflows.len, w, &a, &bindings);
    for (size_t j = 0; j < wf->jobs.len; j++) {
      size_t before = p->runs.len, ubefore = p->unfollowed.len;
      fg_collect_job(p, rd, ctx, wf, &wf->jobs.items[j], &bindings, &a);
      fg_merge_runs(&p->runs, before);
      fg_merge_unfollowed(&p->unfollowed, ubefore);
      fg_sort_runs(&p->runs, before);
    }
    fg_bindings_free(&bindings);
    fg_x_arena_free(&a);
  }
}

void fg_ci_free(FgCiModel *self) {
  for (size_t i = 0; i < self->job_cells.len; i++)
    fg_cells_free(&self->job_cells.items[i].cells);
  fg_vec_free(&self->job_cells);
  for (size_t i = 0; i < self->runs.len; i++)
    fg_run_delete(self->runs.items[i]);
  fg_vec_free(&self->runs);
  for (size_t i = 0; i < self->unfollowed.len; i++)
    fg_unfollowed_delete(self->unfollowed.items[i]);
  fg_vec_free(&self->unfollowed);
  for (size_t i = 0; i < self->workflows.len; i++)
    fg_workflow_delete(self->workflows.items[i]);
  fg_vec_free(&self->workflows);
  for (size_t i = 0; i < self->launch_files.len; i++)
    fg_source_delete(self->launch_files.items[i]);
  fg_vec_free(&self->launch_files);
}
