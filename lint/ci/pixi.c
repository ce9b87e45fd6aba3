/* pixi: `pixi run [-e|--environment ENV] [--manifest-path FILE] TASK
 * [ARGS]` (also `pixi r`) through pixi.toml, or pyproject.toml's
 * [tool.pixi] when there is no pixi.toml.
 *
 * Tasks live in [tasks], [feature.F.tasks] and their [target.PLATFORM.tasks]
 * tables. A task is a string (its command), a table (`cmd` as a string or
 * a list of words, `depends-on`, `env`, `cwd`) or a list of tasks to run.
 * An environment ([environments] NAME = [features] or {features = [...]})
 * sees its features' tasks and the default ones; without -e the default
 * environment, else the one environment that has the task (several: pixi
 * asks, the Python is not known), else any feature defining it. `depends-on` tasks run
 * first; ARGS are appended to the command; a word that is no task runs as
 * a command; a name partly unknown (`${{ matrix.task }}`) is every task it
 * can match, and one with no known part (`"$task"`) none: no guess (the
 * command is listed as not followed, FgUnfollowed). The
 * task's `env` and its features' [activation.env] are set
 * for its command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/launch_int.h"
#include "parse/toml.h"

#define FG_PIXI_MAX_DEPS 16

typedef struct FgPixi {
  const FgSource *src;
  FgToml *toml;
  const FgTomlValue *root; /* the manifest's table: root or tool.pixi */
  char *path;
  char *dir;
} FgPixi;

/* The tasks table of a feature (NULL: the default feature) and of its
 * targets, in that order. */
static void fg_px_task_tables(const FgPixi *px, const char *feature,
                              const FgTomlValue **out, size_t *n, size_t max) {
  const FgTomlValue *base =
      feature ? fg_toml_table_get(fg_toml_table_get(px->root, "feature"), feature)
              : px->root;
  *n = 0;
  if (!fg_toml_is_table(base))
    return;
  const FgTomlValue *t = fg_toml_table_get(base, "tasks");
  if (fg_toml_is_table(t) && *n < max)
    out[(*n)++] = t;
  const FgTomlValue *targets = fg_toml_table_get(base, "target");
  for (size_t i = 0; fg_toml_is_table(targets) && i < targets->nentries; i++) {
    t = fg_toml_table_get(targets->entries[i].value, "tasks");
    if (fg_toml_is_table(t) && *n < max)
      out[(*n)++] = t;
  }
}

/* The features of an environment, in order; *no_default when it leaves
 * the default feature out. NULL env: the default environment. */
static void fg_px_env_features(const FgPixi *px, const char *env, FgStrVec *out,
                               bool *no_default) {
  *no_default = false;
  const FgTomlValue *envs = fg_toml_table_get(px->root, "environments");
  const FgTomlValue *e = fg_toml_table_get(envs, env ? env : "default");
  const FgTomlValue *list = fg_toml_is_table(e) ? fg_toml_table_get(e, "features") : e;
  if (fg_toml_is_table(e)) {
    bool nd = false;
    if (fg_toml_as_bool(fg_toml_table_get(e, "no-default-feature"), &nd))
      *no_default = nd;
  }
  if (fg_toml_is_array(list))
    for (size_t i = 0; i < list->nitems; i++)
      if (fg_toml_as_string(list->items[i]))
        fg_vec_push(out, fg_xstrdup(fg_toml_as_string(list->items[i])));
  /* a feature named like the environment is part of it */
  if (env && !out->len && fg_toml_table_get(fg_toml_table_get(px->root, "feature"), env))
    fg_vec_push(out, fg_xstrdup(env));
}

typedef struct FgPxTask {
  const FgTomlValue *value;
  char *where; /* "pixi.toml [feature.test.tasks] name" */
  char *feature;
} FgPxTask;

static bool fg_px_find_in(const FgPixi *px, const char *feature, const char *name,
                          FgPxTask *t) {
  const FgTomlValue *tables[16];
  size_t n = 0;
  fg_px_task_tables(px, feature, tables, &n, 16);
  for (size_t i = 0; i < n; i++) {
    const FgTomlValue *v = fg_toml_table_get(tables[i], name);
    if (v) {
      t->value = v;
      t->feature = feature ? fg_xstrdup(feature) : NULL;
      t->where = feature
                     ? fg_xasprintf("%s [feature.%s.tasks] %s", px->path, feature, name)
                     : fg_xasprintf("%s [tasks] %s", px->path, name);
      return true;
    }
  }
  return false;
}

/* The task called name in env (NULL env: default, then any feature; an
 * unknown env: any feature). */
static bool fg_px_find(const FgPixi *px, const char *env, bool env_unknown,
                       const char *name, FgPxTask *t) {
  memset(t, 0, sizeof *t);
  FgStrVec feats = {0};
  bool no_default = false;
  if (!env_unknown)
    fg_px_env_features(px, env, &feats, &no_default);
  bool found = false;
  for (size_t i = 0; i < feats.len && !found; i++)
    found = fg_px_find_in(px, feats.items[i], name, t);
  if (!found && !no_default)
    found = fg_px_find_in(px, NULL, name, t);
  const FgTomlValue *all = fg_toml_table_get(px->root, "feature");
  for (size_t i = 0;
       !found && (env_unknown || !env) && fg_toml_is_table(all) && i < all->nentries; i++)
    found = fg_px_find_in(px, all->entries[i].key, name, t);
  fg_strvec_free(&feats);
  return found;
}

static void fg_px_task_free(FgPxTask *t) {
  free(t->where);
  free(t->feature);
}

/* Every task name, for names partly unknown. */
static void fg_px_all_tasks(const FgPixi *px, FgStrVec *out) {
  const FgTomlValue *all = fg_toml_table_get(px->root, "feature");
  size_t nf = fg_toml_is_table(all) ? all->nentries : 0;
  for (size_t f = 0; f <= nf; f++) {
    const FgTomlValue *tables[16];
    size_t n = 0;
    fg_px_task_tables(px, f < nf ? all->entries[f].key : NULL, tables, &n, 16);
    for (size_t i = 0; i < n; i++)
      for (size_t k = 0; k < tables[i]->nentries; k++) {
        bool dup = false;
        for (size_t q = 0; q < out->len && !dup; q++)
          dup = strcmp(out->items[q], tables[i]->entries[k].key) == 0;
        if (!dup)
          fg_vec_push(out, fg_xstrdup(tables[i]->entries[k].key));
      }
  }
}

/* `KEY = "v"` entries of a table as "KEY=v" vars. */
static void fg_px_env_vars(const FgTomlValue *t, FgStrVec *vars) {
  for (size_t i = 0; fg_toml_is_table(t) && i < t->nentries; i++) {
    const char *v = fg_toml_as_string(t->entries[i].value);
    if (v)
      fg_vec_push(vars, fg_xasprintf("%s=%s", t->entries[i].key, v));
  }
}

typedef struct FgPxRun {
  const FgLaunchCtx *lc;
  const FgPixi *px;
  const char *env;
  bool env_unknown;
  FgStrVec done; /* tasks run so far (depends-on runs each once) */
} FgPxRun;

static size_t fg_px_run_task(FgPxRun *r, const char *name, const char *extra, int depth);

static size_t fg_px_run_dep(FgPxRun *r, const FgTomlValue *d, int depth) {
  const char *name = fg_toml_as_string(d);
  if (!name && fg_toml_is_table(d))
    name = fg_toml_as_string(fg_toml_table_get(d, "task"));
  return name ? fg_px_run_task(r, name, NULL, depth + 1) : 0;
}

static size_t fg_px_run_task(FgPxRun *r, const char *name, const char *extra, int depth) {
  if (depth > FG_PIXI_MAX_DEPS)
    return 0;
  for (size_t i = 0; i < r->done.len; i++)
    if (strcmp(r->done.items[i], name) == 0)
      return 0;
  fg_vec_push(&r->done, fg_xstrdup(name));
  FgPxTask t;
  if (!fg_px_find(r->px, r->env, r->env_unknown, name, &t))
    return 0;
  const FgTomlValue *v = t.value;
  size_t total = 0;
  /* a list of tasks, or depends-on first */
  if (fg_toml_is_array(v)) {
    for (size_t i = 0; i < v->nitems; i++)
      total += fg_px_run_dep(r, v->items[i], depth);
    fg_px_task_free(&t);
    return total;
  }
  const FgTomlValue *deps = fg_toml_table_get(v, "depends-on");
  if (!deps)
    deps = fg_toml_table_get(v, "depends_on");
  if (fg_toml_as_string(deps))
    total += fg_px_run_dep(r, deps, depth);
  for (size_t i = 0; fg_toml_is_array(deps) && i < deps->nitems; i++)
    total += fg_px_run_dep(r, deps->items[i], depth);
  const FgTomlValue *cmd = fg_toml_is_table(v) ? fg_toml_table_get(v, "cmd") : v;
  FgBuf text = {0};
  if (fg_toml_as_string(cmd)) {
    fg_buf_puts(&text, fg_toml_as_string(cmd));
  } else if (fg_toml_is_array(cmd)) {
    for (size_t i = 0; i < cmd->nitems; i++)
      if (fg_toml_as_string(cmd->items[i]))
        fg_launch_put_word(&text, fg_toml_as_string(cmd->items[i]));
  }
  if (text.len) {
    if (extra && *extra)
      fg_buf_printf(&text, " %s", extra);
    FgStrVec vars = {0};
    FgStrVec feats = {0};
    bool nd = false;
    fg_px_env_features(r->px, r->env_unknown ? NULL : r->env, &feats, &nd);
    if (t.feature)
      fg_vec_push(&feats, fg_xstrdup(t.feature));
    for (size_t i = 0; i < feats.len; i++)
      fg_px_env_vars(fg_toml_table_get(
                         fg_toml_table_get(
                             fg_toml_table_get(fg_toml_table_get(r->px->root, "feature"),
                                               feats.items[i]),
                             "activation"),
                         "env"),
                     &vars);
    fg_strvec_free(&feats);
    if (fg_toml_is_table(v))
      fg_px_env_vars(fg_toml_table_get(v, "env"), &vars);
    const char *tcwd =
        fg_toml_is_table(v) ? fg_toml_as_string(fg_toml_table_get(v, "cwd")) : NULL;
    char *dir = tcwd ? fg_path_join(r->px->dir, tcwd) : fg_xstrdup(r->px->dir);
    char *hop = fg_xasprintf("pixi task %s (%s)", name, r->px->path);
    FgLaunchLine ll = {text.data, dir,         t.where, hop,  r->px->src, cmd->start,
                       cmd->end,  FG_VIA_PIXI, &vars,   NULL, false,      NULL};
    total += fg_launch_run_line(r->lc, &ll);
    free(hop);
    free(dir);
    fg_strvec_free(&vars);
  }
  fg_buf_free(&text);
  fg_px_task_free(&t);
  return total;
}

/* The Python an environment installs: its features' (and the default
 * feature's) `python`, `python-freethreading` or `python-gil` dependency
 * pinned to a version (a lower bound alone is the newest: not known). */
static char *fg_px_env_python(const FgPixi *px, const char *env) {
  FgStrVec feats = {0};
  bool no_default = false;
  fg_px_env_features(px, env, &feats, &no_default);
  char *res = NULL;
  for (size_t i = 0; i <= feats.len && !res; i++) {
    const FgTomlValue *base =
        i < feats.len
            ? fg_toml_table_get(fg_toml_table_get(px->root, "feature"), feats.items[i])
            : (no_default ? NULL : px->root);
    const FgTomlValue *deps = fg_toml_table_get(base, "dependencies");
    static const char *const names[] = {"python", "python-freethreading", "python-gil",
                                        NULL};
    for (size_t k = 0; names[k] && !res; k++) {
      const FgTomlValue *v = fg_toml_table_get(deps, names[k]);
      const char *spec = fg_toml_as_string(v);
      if (!spec)
        spec = fg_toml_as_string(fg_toml_table_get(v, "version"));
      /* `>=3.12`: the solver takes the newest, not known here */
      if (spec && strchr(spec, '>') && !strchr(spec, '<'))
        continue;
      char *py = fg_launch_python_of(spec);
      if (py && k == 1 && !fg_str_endswith(py, "t")) {
        res = fg_xasprintf("%st", py);
        free(py);
      } else {
        res = py;
      }
    }
  }
  fg_strvec_free(&feats);
  return res;
}

static bool fg_px_load(const FgLaunchCtx *lc, const char *cwd, const char *manifest,
                       FgPixi *px) {
  memset(px, 0, sizeof *px);
  static const char *const names[] = {"pixi.toml", "pyproject.toml"};
  static const char *const keys[] = {"", "tool.pixi"};
  const char *given[] = {manifest};
  const char *given_key[] = {
      manifest && fg_str_endswith(manifest, "pyproject.toml") ? "tool.pixi" : ""};
  FgLaunchToml t;
  if (!(manifest ? fg_launch_toml_find(lc, cwd, given, given_key, 1, &t)
                 : fg_launch_toml_find(lc, cwd, names, keys, 2, &t)))
    return false;
  px->src = t.src;
  px->toml = t.toml;
  px->root = t.table;
  px->path = t.path;
  px->dir = t.dir;
  return true;
}

/* `pixi run` / `pixi r` and its options: the index of the task word (n
 * when there is none, 0 when cmd is not `pixi run`), the environment and
 * the manifest. */
typedef struct FgPxCall {
  const char *env, *manifest;
  bool env_unknown;
} FgPxCall;

static size_t fg_px_read_call(const FgShellCommand *cmd, size_t i, FgPxCall *call) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  memset(call, 0, sizeof *call);
  if (i + 1 >= n ||
      (strcmp(w[i + 1].text, "run") != 0 && strcmp(w[i + 1].text, "r") != 0))
    return 0;
  size_t k = i + 2;
  for (; k < n; k++) {
    const char *t = w[k].text;
    if (strcmp(t, "--") == 0) {
      k++;
      break;
    }
    if (t[0] != '-')
      break;
    if ((strcmp(t, "-e") == 0 || strcmp(t, "--environment") == 0) && k + 1 < n) {
      call->env = w[++k].text;
      call->env_unknown = w[k].dynamic;
    } else if (fg_str_startswith(t, "--environment=")) {
      call->env = t + 14;
      call->env_unknown = w[k].dynamic;
    } else if ((strcmp(t, "--manifest-path") == 0 || strcmp(t, "-m") == 0) && k + 1 < n) {
      call->manifest = w[++k].text;
    } else if ((strcmp(t, "--executable") == 0 || strcmp(t, "--color") == 0 ||
                strcmp(t, "--concurrent-downloads") == 0 ||
                strcmp(t, "--concurrent-solves") == 0 ||
                strcmp(t, "--pypi-keyring-provider") == 0 ||
                strcmp(t, "--revalidate") == 0) &&
               k + 1 < n) {
      k++;
    }
  }
  return k < n ? k : n;
}

/* Without -e, pixi runs a task the default environment lacks in the one
 * environment that has it: true with *env that one (NULL: the default
 * environment has it); false when several have it (pixi asks which). */
static bool fg_px_task_env(const FgPixi *px, const char *name, const char **env) {
  FgPxTask t;
  FgStrVec feats = {0};
  bool no_default = false;
  fg_px_env_features(px, NULL, &feats, &no_default);
  bool in_default = false;
  for (size_t i = 0; i < feats.len && !in_default; i++)
    if ((in_default = fg_px_find_in(px, feats.items[i], name, &t)))
      fg_px_task_free(&t);
  fg_strvec_free(&feats);
  if (!in_default && !no_default && fg_px_find_in(px, NULL, name, &t)) {
    fg_px_task_free(&t);
    in_default = true;
  }
  const FgTomlValue *envs = fg_toml_table_get(px->root, "environments");
  const char *only = NULL;
  size_t nhave = 0;
  for (size_t i = 0; !in_default && fg_toml_is_table(envs) && i < envs->nentries; i++) {
    const char *e = envs->entries[i].key;
    if (strcmp(e, "default") == 0)
      continue;
    fg_px_env_features(px, e, &feats, &no_default);
    bool has = false;
    for (size_t f = 0; f < feats.len && !has; f++)
      if ((has = fg_px_find_in(px, feats.items[f], name, &t)))
        fg_px_task_free(&t);
    fg_strvec_free(&feats);
    if (has) {
      only = e;
      nhave++;
    }
  }
  *env = nhave == 1 ? only : NULL;
  return in_default || nhave == 1;
}

size_t fg_launch_pixi(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                      const char *cwd) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  FgPxCall call;
  size_t k = fg_px_read_call(cmd, i, &call);
  if (!k || k >= n)
    return 0;
  FgPixi px;
  if (!fg_px_load(lc, cwd, call.manifest, &px))
    return 0;
  FgBuf extra = {0};
  for (size_t a = k + 1; a < n; a++)
    fg_launch_put_word(&extra, w[a].text);
  size_t total = 0;
  const char *task = w[k].text;
  FgStrVec names = {0}, all = {0};
  fg_px_all_tasks(&px, &all);
  if (w[k].dynamic) {
    fg_launch_match_names(lc, task, &all, &names);
    if (!names.len)
      fg_launch_unfollowed(lc, cmd, "pixi task", task);
  } else {
    fg_vec_push(&names, fg_xstrdup(task));
  }
  bool is_task = false;
  for (size_t q = 0; q < names.len; q++) {
    FgPxTask t;
    if (!fg_px_find(&px, call.env, call.env_unknown, names.items[q], &t))
      continue;
    is_task = true;
    fg_px_task_free(&t);
    const char *env = call.env;
    bool known = !call.env_unknown;
    if (!env && known)
      known = fg_px_task_env(&px, names.items[q], &env);
    FgPxRun r = {lc, &px, env, call.env_unknown, {0}};
    size_t from = lc->out->len;
    total += fg_px_run_task(&r, names.items[q], extra.data, 0);
    fg_strvec_free(&r.done);
    fg_launch_env_python(lc->out, from);
    if (known) {
      /* the environment's interpreter, where the workflow does not say */
      char *py = fg_px_env_python(&px, env);
      fg_launch_fill_python(lc->out, from, py);
      free(py);
    }
  }
  if (!is_task && !w[k].dynamic) {
    /* `pixi run pytest -n auto`: a command in the environment */
    FgBuf line = {0};
    for (size_t a = k; a < n; a++)
      fg_launch_put_word(&line, w[a].text);
    char *hop = fg_xasprintf("pixi run (%s)", px.path);
    FgLaunchLine ll = {line.data, cwd,         px.path, hop,  NULL,  0,
                       0,         FG_VIA_STEP, NULL,    NULL, false, NULL};
    size_t from = lc->out->len;
    total += fg_launch_run_line(lc, &ll);
    fg_launch_env_python(lc->out, from);
    if (!call.env_unknown) {
      char *py = fg_px_env_python(&px, call.env);
      fg_launch_fill_python(lc->out, from, py);
      free(py);
    }
    free(hop);
    fg_buf_free(&line);
  }
  fg_strvec_free(&names);
  fg_strvec_free(&all);
  fg_buf_free(&extra);
  fg_toml_delete(px.toml);
  free(px.path);
  free(px.dir);
  return total;
}

char *fg_launch_pixi_python(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                            const char *cwd) {
  FgPxCall call;
  if (!fg_px_read_call(cmd, i, &call) || call.env_unknown)
    return NULL;
  FgPixi px;
  if (!fg_px_load(lc, cwd, call.manifest, &px))
    return NULL;
  char *py = fg_px_env_python(&px, call.env);
  fg_toml_delete(px.toml);
  free(px.path);
  free(px.dir);
  return py;
}
