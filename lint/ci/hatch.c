/* hatch: `hatch run [ENV:]SCRIPT [ARGS]`, `hatch env run [-e|--env ENV]
 * [--] SCRIPT [ARGS]`, `hatch [-e ENV] run SCRIPT`, and `hatch test [-p|
 * --parallel] [-r|--randomize] [--retries N] [-c|--cover] [ARGS]`, through
 * hatch.toml ([envs.NAME]) or pyproject.toml ([tool.hatch.envs.NAME]).
 *
 * A script is a string or a list of commands; a command whose first word
 * is another script of the env runs that script; `{args}` / `{args:DEFAULT}`
 * are the arguments after the script, `{env:X:DEFAULT}` the environment,
 * `{root}` the project; the env's `env-vars` are set. Scripts missing in an
 * env come from its `template` (default: the `default` env). A matrix env
 * (`test.py3.12-minimal`) reads its base env (`test`); an env name partly
 * unknown is the envs it can match (`test.py${V}` the env `test`), one with
 * nothing known (`--env "$HATCH_ENV"`) none: the command is listed as not
 * followed (FgUnfollowed).
 *
 * `hatch test` runs the `hatch-test` env's `run` script (`run-cov` with
 * coverage), by default `pytest{env:HATCH_TEST_ARGS:} {args}`, with
 * HATCH_TEST_ARGS made of `extra-args`, `-p no:randomly` unless
 * randomized, `-n logical` when parallel (the option or `parallel = true`)
 * and `--reruns N`; ARGS default to `default-args` or `tests`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/launch_int.h"
#include "parse/toml.h"

#define FG_HATCH_MAX_DEPTH 8

typedef struct FgHatch {
  const FgSource *src;
  FgToml *toml;
  const FgTomlValue *envs; /* the envs table */
  char *path, *dir;
} FgHatch;

static bool fg_ht_load(const FgLaunchCtx *lc, const char *cwd, FgHatch *h) {
  memset(h, 0, sizeof *h);
  static const char *const names[] = {"hatch.toml", "pyproject.toml"};
  static const char *const keys[] = {"envs", "tool.hatch.envs"};
  FgLaunchToml t;
  if (!fg_launch_toml_find(lc, cwd, names, keys, 2, &t))
    return false;
  h->src = t.src;
  h->toml = t.toml;
  h->envs = t.table;
  h->path = t.path;
  h->dir = t.dir;
  return true;
}

static void fg_ht_free(FgHatch *h) {
  fg_toml_delete(h->toml);
  free(h->path);
  free(h->dir);
}

/* The env's table: its own name, else the base of a matrix name. */
static const FgTomlValue *fg_ht_env(const FgHatch *h, const char *name, char **base) {
  const FgTomlValue *e = fg_toml_table_get(h->envs, name);
  if (e) {
    *base = fg_xstrdup(name);
    return e;
  }
  const char *dot = strchr(name, '.');
  if (!dot)
    return NULL;
  *base = fg_xstrndup(name, (size_t)(dot - name));
  e = fg_toml_table_get(h->envs, *base);
  if (!e) {
    free(*base);
    *base = NULL;
  }
  return e;
}

/* The script `name` of env (through templates); NULL when none. */
static const FgTomlValue *fg_ht_script(const FgHatch *h, const char *env,
                                       const char *name, char **owner) {
  char *cur = fg_xstrdup(env);
  for (int depth = 0; cur && depth < FG_HATCH_MAX_DEPTH; depth++) {
    char *base = NULL;
    const FgTomlValue *e = fg_ht_env(h, cur, &base);
    const FgTomlValue *s = NULL;
    if (e) {
      s = fg_toml_table_get(fg_toml_table_get(e, "scripts"), name);
      if (!s)
        s = fg_toml_table_get(fg_toml_table_get(e, "extra-scripts"), name);
    }
    if (s) {
      *owner = base;
      free(cur);
      return s;
    }
    const char *tmpl = e ? fg_toml_as_string(fg_toml_table_get(e, "template")) : NULL;
    bool detached = false;
    if (e)
      fg_toml_as_bool(fg_toml_table_get(e, "detached"), &detached);
    char *next = NULL;
    if (tmpl && strcmp(tmpl, base ? base : cur) != 0)
      next = fg_xstrdup(tmpl);
    else if (!tmpl && !detached && strcmp(base ? base : cur, "default") != 0)
      next = fg_xstrdup("default");
    free(base);
    free(cur);
    cur = next;
  }
  free(cur);
  *owner = NULL;
  return NULL;
}

/* hatch's own scripts for `hatch test` when the project does not set them. */
static const char *fg_ht_builtin(const char *env, const char *name) {
  if (strcmp(env, "hatch-test") != 0)
    return NULL;
  if (strcmp(name, "run") == 0)
    return "pytest{env:HATCH_TEST_ARGS:} {args}";
  if (strcmp(name, "run-cov") == 0)
    return "coverage run -m pytest{env:HATCH_TEST_ARGS:} {args}";
  return NULL;
}

typedef struct FgHtRun {
  const FgLaunchCtx *lc;
  const FgHatch *h;
  const char *env;
  FgStrVec vars;
  size_t budget; /* commands still to follow: scripts calling scripts */
} FgHtRun;

static const char *fg_ht_var(const FgHtRun *r, const char *name) {
  const char *v = fg_launch_var(&r->vars, name);
  return v ? v : fg_launch_getenv(r->lc, NULL, name);
}

/* {args}, {args:DEFAULT}, {env:X:DEFAULT}, {root}. */
static void fg_ht_subst(const FgHtRun *r, const char *t, const char *args, FgBuf *out,
                        int depth) {
  size_t n = strlen(t);
  for (size_t i = 0; i < n;) {
    if (t[i] != '{') {
      fg_buf_putc(out, t[i++]);
      continue;
    }
    size_t j = i + 1;
    int d = 1;
    while (j < n && d > 0) {
      if (t[j] == '{')
        d++;
      else if (t[j] == '}')
        d--;
      j++;
    }
    if (d > 0) {
      fg_buf_puts(out, t + i);
      return;
    }
    char *in = fg_xstrndup(t + i + 1, j - i - 2);
    char *colon = strchr(in, ':');
    if (colon)
      *colon = '\0';
    if (strcmp(in, "args") == 0) {
      if (args)
        fg_buf_puts(out, args);
      else if (colon && depth < 4)
        fg_ht_subst(r, colon + 1, NULL, out, depth + 1);
    } else if (strcmp(in, "env") == 0 && colon) {
      char *name = colon + 1;
      char *c2 = strchr(name, ':');
      if (c2)
        *c2 = '\0';
      const char *v = fg_ht_var(r, name);
      if (v)
        fg_buf_puts(out, v);
      else if (c2 && depth < 4)
        fg_ht_subst(r, c2 + 1, NULL, out, depth + 1);
    } else if (strcmp(in, "root") == 0) {
      fg_buf_putc(out, '.');
    } else {
      fg_buf_append(out, t + i, j - i);
    }
    free(in);
    i = j;
  }
}

static size_t fg_ht_run_script(FgHtRun *r, const char *name, const char *args, int depth);

/* One command of a script: another script by name, or a command line. */
static size_t fg_ht_command(FgHtRun *r, const char *cmd, const FgTomlValue *at,
                            const char *hop, const char *where, const char *args,
                            int depth) {
  while (*cmd == '-' || *cmd == ' ')
    cmd++; /* `- cmd`: its exit code is ignored */
  if (!r->budget)
    return 0;
  r->budget--;
  size_t wl = strcspn(cmd, " \t");
  char *first = fg_xstrndup(cmd, wl);
  char *owner = NULL;
  const FgTomlValue *other =
      depth < FG_HATCH_MAX_DEPTH ? fg_ht_script(r->h, r->env, first, &owner) : NULL;
  free(owner);
  size_t total = 0;
  if (other || (depth < FG_HATCH_MAX_DEPTH && fg_ht_builtin(r->env, first))) {
    /* `run-verbose = "run-coverage --verbose"`: the rest is its arguments */
    FgBuf rest = {0};
    fg_ht_subst(r, cmd + wl, args, &rest, 0);
    const char *a = rest.data ? rest.data : "";
    while (*a == ' ')
      a++;
    total = fg_ht_run_script(r, first, *a ? a : NULL, depth + 1);
    fg_buf_free(&rest);
  } else {
    FgBuf text = {0};
    fg_ht_subst(r, cmd, args, &text, 0);
    FgLaunchLine ll = {text.data ? text.data : "",
                       r->h->dir,
                       where,
                       hop,
                       r->h->src,
                       at ? at->start : 0,
                       at ? at->end : 0,
                       FG_VIA_HATCH,
                       &r->vars,
                       NULL,
                       false,
                       NULL};
    if (!at)
      ll.src = NULL;
    total = fg_launch_run_line(r->lc, &ll);
    fg_buf_free(&text);
  }
  free(first);
  return total;
}

static size_t fg_ht_run_script(FgHtRun *r, const char *name, const char *args,
                               int depth) {
  char *owner = NULL;
  const FgTomlValue *s = fg_ht_script(r->h, r->env, name, &owner);
  const char *builtin = s ? NULL : fg_ht_builtin(r->env, name);
  if (!s && !builtin)
    return 0;
  char *hop = fg_xasprintf("hatch script %s:%s (%s)", r->env, name, r->h->path);
  char *where = builtin
                    ? fg_xasprintf("hatch's own `%s` script of the hatch-test env", name)
                    : fg_xasprintf("%s [envs.%s.scripts] %s", r->h->path,
                                   owner ? owner : r->env, name);
  size_t total = 0;
  if (builtin) {
    total = fg_ht_command(r, builtin, NULL, hop, where, args, depth);
  } else if (fg_toml_as_string(s)) {
    total = fg_ht_command(r, fg_toml_as_string(s), s, hop, where, args, depth);
  } else if (fg_toml_is_array(s)) {
    for (size_t i = 0; i < s->nitems; i++)
      if (fg_toml_as_string(s->items[i]))
        total += fg_ht_command(r, fg_toml_as_string(s->items[i]), s->items[i], hop, where,
                               args, depth);
  }
  free(where);
  free(hop);
  free(owner);
  return total;
}

static void fg_ht_env_vars(const FgHatch *h, const char *env, FgStrVec *vars) {
  char *base = NULL;
  const FgTomlValue *e = fg_ht_env(h, env, &base);
  free(base);
  const FgTomlValue *ev = fg_toml_table_get(e, "env-vars");
  for (size_t i = 0; fg_toml_is_table(ev) && i < ev->nentries; i++) {
    const char *v = fg_toml_as_string(ev->entries[i].value);
    if (v)
      fg_vec_push(vars, fg_xasprintf("%s=%s", ev->entries[i].key, v));
  }
}

static size_t fg_ht_run_in(const FgLaunchCtx *lc, const FgHatch *h, const char *env,
                           const char *script, const char *args, const FgStrVec *extra) {
  FgHtRun r = {lc, h, env, {0}, 256};
  fg_ht_env_vars(h, env, &r.vars);
  for (size_t i = 0; extra && i < extra->len; i++)
    fg_vec_push(&r.vars, fg_xstrdup(extra->items[i]));
  size_t from = lc->out->len;
  size_t n = fg_ht_run_script(&r, script, args, 0);
  /* a matrix env (`test.py3.12`) runs that interpreter */
  const char *dot = strchr(env, '.');
  char *py = dot ? fg_launch_python_of(dot + 1) : NULL;
  fg_launch_fill_python(lc->out, from, py);
  free(py);
  fg_strvec_free(&r.vars);
  return n;
}

static char *fg_ht_join(const FgShellCommand *cmd, size_t from) {
  if (from < cmd->nwords && strcmp(cmd->words[from].text, "--") == 0)
    from++; /* `hatch run test -- -n 4`: the separator is hatch's */
  if (from >= cmd->nwords)
    return NULL;
  FgBuf b = {0};
  for (size_t k = from; k < cmd->nwords; k++)
    fg_launch_put_word(&b, cmd->words[k].text);
  return fg_buf_take(&b);
}

/* `hatch test`. */
static size_t fg_ht_test(const FgLaunchCtx *lc, const FgHatch *h,
                         const FgShellCommand *cmd, size_t k) {
  bool parallel = false, randomize = false, cover = false;
  const char *retries = NULL;
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  for (; k < n; k++) {
    const char *t = w[k].text;
    if (strcmp(t, "--") == 0) {
      k++;
      break;
    }
    if (t[0] != '-')
      break;
    if (strcmp(t, "-p") == 0 || strcmp(t, "--parallel") == 0)
      parallel = true;
    else if (strcmp(t, "-r") == 0 || strcmp(t, "--randomize") == 0)
      randomize = true;
    else if (strcmp(t, "-c") == 0 || strcmp(t, "--cover") == 0 ||
             strcmp(t, "--cover-quiet") == 0 || strcmp(t, "--cover-xml") == 0)
      cover = true;
    else if (strcmp(t, "-s") == 0 || strcmp(t, "--show") == 0)
      return 0;
    else if (strcmp(t, "--retries") == 0 && k + 1 < n)
      retries = w[++k].text;
    else if ((strcmp(t, "--retry-delay") == 0 || strcmp(t, "-py") == 0 ||
              strcmp(t, "--python") == 0 || strcmp(t, "-i") == 0 ||
              strcmp(t, "--include") == 0 || strcmp(t, "-x") == 0 ||
              strcmp(t, "--exclude") == 0 || strcmp(t, "--cover-xml-output") == 0) &&
             k + 1 < n)
      k++;
  }
  char *base = NULL;
  const FgTomlValue *e = fg_ht_env(h, "hatch-test", &base);
  free(base);
  bool b = false;
  if (fg_toml_as_bool(fg_toml_table_get(e, "parallel"), &b))
    parallel = parallel || b;
  if (fg_toml_as_bool(fg_toml_table_get(e, "randomize"), &b))
    randomize = randomize || b;
  FgBuf internal = {0};
  const FgTomlValue *xa = fg_toml_table_get(e, "extra-args");
  for (size_t i = 0; fg_toml_is_array(xa) && i < xa->nitems; i++)
    if (fg_toml_as_string(xa->items[i]))
      fg_launch_put_word(&internal, fg_toml_as_string(xa->items[i]));
  if (!randomize)
    fg_buf_printf(&internal, "%s-p no:randomly", internal.len ? " " : "");
  if (parallel)
    fg_buf_printf(&internal, "%s-n logical", internal.len ? " " : "");
  if (retries)
    fg_buf_printf(&internal, "%s--reruns %s", internal.len ? " " : "", retries);
  char *args = fg_ht_join(cmd, k);
  if (!args) {
    const FgTomlValue *da = fg_toml_table_get(e, "default-args");
    FgBuf def = {0};
    for (size_t i = 0; fg_toml_is_array(da) && i < da->nitems; i++)
      if (fg_toml_as_string(da->items[i]))
        fg_launch_put_word(&def, fg_toml_as_string(da->items[i]));
    args = fg_toml_is_array(da) ? (def.data ? fg_buf_take(&def) : fg_xstrdup(""))
                                : fg_xstrdup("tests");
    fg_buf_free(&def);
  }
  /* hatch puts a space before its arguments: `pytest{env:HATCH_TEST_ARGS:}` */
  FgStrVec extra = {0};
  fg_vec_push(&extra, fg_xasprintf("HATCH_TEST_ARGS=%s%s", internal.len ? " " : "",
                                   internal.data ? internal.data : ""));
  size_t total =
      fg_ht_run_in(lc, h, "hatch-test", cover ? "run-cov" : "run", args, &extra);
  fg_strvec_free(&extra);
  free(args);
  fg_buf_free(&internal);
  return total;
}

size_t fg_launch_hatch(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                       const char *cwd) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  const char *env = NULL;
  bool env_unknown = false;
  size_t k = i + 1;
  /* hatch's own options before the subcommand: -e ENV, -v, -q */
  for (; k < n && w[k].text[0] == '-'; k++)
    if ((strcmp(w[k].text, "-e") == 0 || strcmp(w[k].text, "--env") == 0) && k + 1 < n) {
      env = w[++k].text;
      env_unknown = w[k].dynamic;
    }
  if (k >= n)
    return 0;
  FgHatch h;
  bool test = strcmp(w[k].text, "test") == 0;
  bool run = strcmp(w[k].text, "run") == 0;
  bool env_run =
      strcmp(w[k].text, "env") == 0 && k + 1 < n && strcmp(w[k + 1].text, "run") == 0;
  if (!test && !run && !env_run)
    return 0;
  if (!fg_ht_load(lc, cwd, &h)) {
    if (!test)
      return 0;
    memset(&h, 0, sizeof h);
    h.dir = fg_xstrdup(cwd);
    h.path = fg_xstrdup("hatch defaults");
  }
  size_t total = 0;
  if (test) {
    total = fg_ht_test(lc, &h, cmd, k + 1);
    fg_ht_free(&h);
    return total;
  }
  k += env_run ? 2 : 1;
  for (; k < n; k++) {
    const char *t = w[k].text;
    if (strcmp(t, "--") == 0) {
      k++;
      break;
    }
    if (t[0] != '-')
      break;
    if ((strcmp(t, "-e") == 0 || strcmp(t, "--env") == 0) && k + 1 < n) {
      env = w[++k].text;
      env_unknown = w[k].dynamic;
    } else if ((strcmp(t, "-i") == 0 || strcmp(t, "--include") == 0 ||
                strcmp(t, "-x") == 0 || strcmp(t, "--exclude") == 0) &&
               k + 1 < n) {
      k++;
    }
  }
  if (k >= n) {
    fg_ht_free(&h);
    return 0;
  }
  char *script = fg_xstrdup(w[k].text);
  char *colon = w[k].dynamic ? NULL : strchr(script, ':');
  char *envname = NULL;
  if (colon) {
    *colon = '\0';
    envname = fg_xstrdup(script);
    memmove(script, colon + 1, strlen(colon + 1) + 1);
  } else if (env && !env_unknown) {
    envname = fg_xstrdup(env);
  }
  char *args = fg_ht_join(cmd, k + 1);
  if (envname || (!env_unknown)) {
    total = fg_ht_run_in(lc, &h, envname ? envname : "default", script, args, NULL);
  } else {
    /* the env partly known: the envs its pattern matches (a matrix env
     * `test.py$V` reads its base env `test`); nothing known: none */
    FgStrVec names = {0}, hits = {0};
    for (size_t e = 0; e < h.envs->nentries; e++)
      fg_vec_push(&names, fg_xstrdup(h.envs->entries[e].key));
    char *glob = fg_launch_word_glob(env);
    char *dot = strchr(glob, '.');
    if (dot && !memchr(glob, '*', (size_t)(dot - glob))) {
      *dot = '\0';
      if (fg_toml_table_get(h.envs, glob))
        fg_vec_push(&hits, fg_xstrdup(glob));
    } else {
      fg_launch_match_names(lc, env, &names, &hits);
    }
    free(glob);
    for (size_t e = 0; e < hits.len; e++)
      total += fg_ht_run_in(lc, &h, hits.items[e], script, args, NULL);
    if (!hits.len)
      fg_launch_unfollowed(lc, cmd, "hatch env", env);
    fg_strvec_free(&names);
    fg_strvec_free(&hits);
  }
  free(args);
  free(envname);
  free(script);
  fg_ht_free(&h);
  return total;
}
