/* tox_launch: the `tox` command in CI (`tox`, `tox run|r|run-parallel|p`,
 * `tox exec`, `python -m tox`, behind `uvx` / `uv run` / `pipx run`), read
 * the way tox reads it:
 *  - `config|c`, `list|l`, `depends`, `devenv`, `quickstart`, `schema`,
 *    `--notest` (`-n`), `--version`, `--help`, `-l`/`-a`/`--showconfig` run
 *    no test;
 *  - the environments: `-e` lists (names, ALL, and words partly unknown,
 *    `-e py$(...)`, matched as patterns; a word with nothing known, or
 *    matching no env, names none and the command is listed as not
 *    followed), `-f` factor filters (the words
 *    after one `-f` all hold, several `-f` are alternatives), `-m` labels;
 *    without them TOXENV (or tox 4's TOX_ENV), then tox-gh-actions / tox-gh ([gh-actions]
 * python, [gh-actions:env], [gh], [gh.python], TOX_GH_MAJOR_MINOR) from the job's Python
 * and env, then the envlist, then `py`;
 *  - the configuration: `-c FILE`, else in the directory tox runs in:
 *    tox.ini, setup.cfg with [tox:tox], pyproject.toml with [tool.tox],
 *    tox.toml;
 *  - posargs: the words after `--`, for {posargs} (none given at all: its
 *    default).
 * Each env's commands run with its setenv. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/cells.h"
#include "ci/launch_int.h"
#include "ci/tox.h"

static void fg_tl_push_unique(FgStrVec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i], s) == 0)
      return;
  fg_vec_push(v, fg_xstrdup(s));
}

static void fg_tl_envlist(const FgTox *tox, FgStrVec *envs) {
  size_t n = 0;
  const char *const *list = fg_tox_envlist(tox, &n);
  for (size_t i = 0; i < n; i++)
    fg_tl_push_unique(envs, list[i]);
}

/* ---- the command line ---------------------------------------------------------- */

typedef struct FgToxCall {
  bool no_tests;
  bool exec;
  FgStrVec specs;   /* -e values */
  FgStrVec factors; /* -f groups, each "a-b" (all of them) */
  FgStrVec labels;  /* -m values */
  char *conf;       /* -c FILE, relative to cwd */
  char *root;       /* --root DIR */
  bool dashdash;
  size_t dashdash_at; /* the `--` word's index in the command */
  FgStrVec posargs;   /* the words after `--` */
} FgToxCall;

static void fg_tl_call_free(FgToxCall *c) {
  fg_strvec_free(&c->specs);
  fg_strvec_free(&c->factors);
  fg_strvec_free(&c->labels);
  fg_strvec_free(&c->posargs);
  free(c->conf);
  free(c->root);
}

static bool fg_tl_in(const char *t, const char *const *set) {
  for (const char *const *p = set; *p; p++)
    if (strcmp(t, *p) == 0)
      return true;
  return false;
}

/* Options of tox that take a value. */
static const char *const fg_tl_valued[] = {"--workdir",
                                           "-x",
                                           "--override",
                                           "--installpkg",
                                           "-i",
                                           "--index-url",
                                           "--hashseed",
                                           "--result-json",
                                           "--colored",
                                           "--exit-and-dump-after",
                                           "--runner",
                                           "--skip-env",
                                           "--sitepackages-dir",
                                           "--recreate-pkg",
                                           "--list-dependencies-command",
                                           "--develop-package",
                                           "--force-dep",
                                           "--external",
                                           NULL};

static void fg_tl_read_call(const FgShellCommand *cmd, size_t i, FgToxCall *c) {
  static const char *const none[] = {"config", "c", "list",       "l", "depends", "de",
                                     "devenv", "d", "quickstart", "q", "schema",  NULL};
  static const char *const quiet[] = {"--notest",
                                      "-n",
                                      "--version",
                                      "-h",
                                      "--help",
                                      "--help-ini",
                                      "-l",
                                      "-a",
                                      "--listenvs",
                                      "--listenvs-all",
                                      "--showconfig",
                                      "--list-dependencies",
                                      NULL};
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  bool sub_seen = false;
  for (i++; i < n; i++) {
    const char *t = w[i].text;
    if (strcmp(t, "--") == 0) {
      c->dashdash = true;
      c->dashdash_at = i;
      for (i++; i < n; i++)
        fg_vec_push(&c->posargs, fg_xstrdup(t = w[i].text));
      break;
    }
    if (!sub_seen && t[0] != '-') {
      sub_seen = true;
      if (fg_tl_in(t, none))
        c->no_tests = true;
      else if (strcmp(t, "exec") == 0 || strcmp(t, "e") == 0)
        c->exec = true;
      continue;
    }
    if (fg_tl_in(t, quiet)) {
      c->no_tests = true;
    } else if ((strcmp(t, "-e") == 0 || strcmp(t, "--env") == 0) && i + 1 < n) {
      fg_vec_push(&c->specs, fg_xstrdup(w[++i].text));
    } else if (fg_str_startswith(t, "-e") && t[2]) {
      fg_vec_push(&c->specs, fg_xstrdup(t + 2 + (t[2] == '=')));
    } else if (fg_str_startswith(t, "--env=")) {
      fg_vec_push(&c->specs, fg_xstrdup(t + 6));
    } else if (strcmp(t, "-f") == 0 || strcmp(t, "--factors") == 0 ||
               strcmp(t, "-m") == 0 || strcmp(t, "--labels") == 0) {
      /* one or more words: -f a b (all of them), -m x y (any) */
      bool factors = t[1] == 'f' || t[2] == 'f';
      FgBuf group = {0};
      while (i + 1 < n && w[i + 1].text[0] != '-') {
        i++;
        if (factors)
          fg_buf_printf(&group, "%s%s", group.len ? "-" : "", w[i].text);
        else
          fg_vec_push(&c->labels, fg_xstrdup(w[i].text));
      }
      if (factors && group.len)
        fg_vec_push(&c->factors, fg_buf_take(&group));
      fg_buf_free(&group);
    } else if ((strcmp(t, "-c") == 0 || strcmp(t, "--conf") == 0) && i + 1 < n) {
      free(c->conf);
      c->conf = fg_xstrdup(w[++i].text);
    } else if (strcmp(t, "--root") == 0 && i + 1 < n) {
      free(c->root);
      c->root = fg_xstrdup(w[++i].text);
    } else if (strcmp(t, "-p") == 0 || strcmp(t, "--parallel") == 0) {
      /* -p [auto|all|N] */
      if (i + 1 < n &&
          (strcmp(w[i + 1].text, "auto") == 0 || strcmp(w[i + 1].text, "all") == 0 ||
           (w[i + 1].text[0] >= '0' && w[i + 1].text[0] <= '9')))
        i++;
    } else if (strcmp(t, "-s") == 0 || strcmp(t, "--skip-missing-interpreters") == 0) {
      if (i + 1 < n &&
          (strcmp(w[i + 1].text, "true") == 0 || strcmp(w[i + 1].text, "false") == 0 ||
           strcmp(w[i + 1].text, "config") == 0))
        i++;
    } else if (strcmp(t, "--discover") == 0) {
      while (i + 1 < n && w[i + 1].text[0] != '-')
        i++;
    } else if (fg_tl_in(t, fg_tl_valued) && i + 1 < n) {
      i++;
    }
  }
}

/* ---- the configuration --------------------------------------------------------- */

typedef struct FgToxConf {
  const FgSource *src;
  FgTox *tox;
  char *path; /* relative to the root */
  char *dir;  /* where tox runs the commands */
} FgToxConf;

static FgTox *fg_tl_parse(const FgSource *src) {
  const char *base = fg_launch_base(src->path);
  if (fg_str_endswith(base, ".toml"))
    return fg_tox_parse_toml(src, strcmp(base, "pyproject.toml") == 0 ? "tool.tox" : "");
  return fg_tox_parse(src);
}

static bool fg_tl_find(const FgLaunchCtx *lc, const FgToxCall *call, const char *cwd,
                       FgToxConf *conf) {
  memset(conf, 0, sizeof *conf);
  char *dir = call->root ? fg_path_join(cwd, call->root) : fg_xstrdup(cwd);
  static const char *const names[] = {"tox.ini", "setup.cfg", "pyproject.toml",
                                      "tox.toml", NULL};
  /* `-c services/api`: tox 4 takes a folder and looks for its files there,
   * as it does in the current directory without -c */
  const char *base = call->conf ? fg_launch_base(call->conf) : NULL;
  bool conf_dir = base && !fg_str_endswith(base, ".ini") &&
                  !fg_str_endswith(base, ".cfg") && !fg_str_endswith(base, ".toml");
  if (call->conf && !conf_dir) {
    conf->path = fg_path_join(cwd, call->conf);
    conf->src = fg_launch_file(lc->env, conf->path);
    conf->tox = conf->src ? fg_tl_parse(conf->src) : NULL;
  } else {
    char *conf_folder = conf_dir ? fg_path_join(cwd, call->conf) : NULL;
    const char *in = conf_folder ? conf_folder : dir;
    for (const char *const *nm = names; *nm && !conf->tox; nm++) {
      char *path = fg_path_join(in, *nm);
      const FgSource *src = fg_launch_file(lc->env, path);
      FgTox *tox = NULL;
      if (src && strcmp(*nm, "setup.cfg") == 0) {
        /* only with a [tox:tox] section */
        tox = strstr(src->data, "[tox:tox]") ? fg_tox_parse(src) : NULL;
      } else if (src) {
        tox = fg_tl_parse(src);
      }
      if (tox) {
        conf->src = src;
        conf->tox = tox;
        conf->path = path;
      } else {
        free(path);
      }
    }
    free(conf_folder);
  }
  if (!conf->tox) {
    free(conf->path);
    free(dir);
    conf->path = NULL;
    return false;
  }
  /* tox runs commands in the directory of its configuration */
  const char *slash = strrchr(conf->path, '/');
  conf->dir =
      slash ? fg_xstrndup(conf->path, (size_t)(slash - conf->path)) : fg_xstrdup("");
  free(dir);
  return true;
}

/* ---- which environments ------------------------------------------------------- */

/* A name tox can run: a known env or one whose factors tox makes up
 * (`py312`, `3.12-unit`). */
static bool fg_tl_runnable(const FgTox *tox, const char *name) {
  return fg_tox_env_exists(tox, name) || fg_str_startswith(name, "py") ||
         (name[0] >= '0' && name[0] <= '9');
}

/* The envs a -e / TOXENV value names; the ones matched from a word partly
 * unknown also go to guessed. A word matching no env (nothing of it known,
 * or its pattern matches none) names none: cmd is listed as not followed. */
static void fg_tl_spec_envs(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                            const FgTox *tox, const char *spec, FgStrVec *envs,
                            FgStrVec *guessed) {
  FgStrVec names = {0};
  fg_tox_expand_names(spec, ",", &names);
  for (size_t k = 0; k < names.len; k++) {
    const char *name = names.items[k];
    while (*name == ' ')
      name++;
    if (!*name)
      continue;
    if (strcmp(name, "ALL") == 0) {
      fg_tox_all_envs(tox, envs);
      continue;
    }
    if (!strchr(name, '$') && !strchr(name, '`')) {
      fg_tl_push_unique(envs, name);
      continue;
    }
    /* partly unknown: matrix values put in, else a pattern over the envs */
    size_t before = envs->len;
    FgStrVec cands = {0};
    if (fg_launch_matrix_names(lc, name, &cands)) {
      for (size_t i = 0; i < cands.len; i++)
        if (!strchr(cands.items[i], '$') && fg_tl_runnable(tox, cands.items[i]))
          fg_tl_push_unique(envs, cands.items[i]);
    }
    fg_strvec_free(&cands);
    char *glob = fg_launch_word_glob(name);
    bool known = strspn(glob, "*") < strlen(glob);
    if (envs->len == before && known) {
      /* `py${{ ... }}-rust`: an env of the list, or one tox makes from it
       * and the known factors after the unknown part (`py310-rust`) */
      const char *star = strrchr(glob, '*');
      const char *suffix = star && star[1] == '-' ? star + 1 : NULL;
      FgStrVec all = {0};
      fg_tox_all_envs(tox, &all);
      for (size_t i = 0; i < all.len; i++)
        if (fnmatch(glob, all.items[i], 0) == 0)
          fg_tl_push_unique(envs, all.items[i]);
      bool direct = envs->len > before;
      for (size_t i = 0; i < all.len && suffix && !direct; i++) {
        char *made = fg_xasprintf("%s%s", all.items[i], suffix);
        if (fnmatch(glob, made, 0) == 0)
          fg_tl_push_unique(envs, made);
        free(made);
      }
      fg_strvec_free(&all);
    }
    free(glob);
    if (envs->len == before)
      fg_launch_unfollowed(lc, cmd, "tox env", name); /* no guess */
    for (size_t i = before; i < envs->len; i++)
      fg_tl_push_unique(guessed, envs->items[i]);
  }
  fg_strvec_free(&names);
}

/* "3.12" from "3.12", "3.12.4", "3.12-dev"; "3.13t"; "pypy3.10" from
 * "pypy3.10" / "pypy-3.10"; NULL when not a version. Caller frees. */
static char *fg_tl_norm_python(const char *v) {
  if (!v)
    return NULL;
  bool pypy = fg_str_startswith(v, "pypy");
  const char *p = pypy ? v + 4 : v;
  if (*p == '-')
    p++;
  if (!isdigit((unsigned char)*p))
    return pypy ? fg_xstrdup("pypy3") : NULL;
  const char *q = p;
  while (isdigit((unsigned char)*q))
    q++;
  if (*q == '.') {
    if (!isdigit((unsigned char)q[1]))
      return NULL; /* "3.x" */
    q++;
    while (isdigit((unsigned char)*q))
      q++;
  }
  return fg_xasprintf("%s%.*s%s", pypy ? "pypy" : "", (int)(q - p), p,
                      *q == 't' ? "t" : "");
}

/* Does a mapping key ("3.12", "pypy-3.10", "pypy3") name this Python? */
static bool fg_tl_key_matches(const char *key, const char *python) {
  char *k = fg_tl_norm_python(key);
  bool hit = k && strcmp(k, python) == 0;
  if (k && !hit && fg_str_startswith(python, "pypy"))
    hit = strcmp(k, "pypy3") == 0 || strcmp(k, "pypy") == 0;
  free(k);
  return hit;
}

/* The mapping's values for the value v (NULL: unknown, every value). */
static void fg_tl_map_values(const FgStrVec *map, const char *v, bool python,
                             FgStrVec *out) {
  for (size_t i = 0; i < map->len; i++) {
    const char *tab = strchr(map->items[i], '\t');
    char *key = fg_xstrndup(map->items[i], (size_t)(tab - map->items[i]));
    bool hit = !v || (python ? fg_tl_key_matches(key, v) : strcmp(key, v) == 0);
    if (hit) {
      FgStrVec vals = {0};
      fg_tox_expand_names(tab + 1, ", \t", &vals);
      for (size_t k = 0; k < vals.len; k++)
        fg_tl_push_unique(out, vals.items[k]);
      fg_strvec_free(&vals);
    }
    free(key);
  }
}

/* The python mapping kept for narrowing cells: "KEY\tVALUE" entries, and
 * whether values name envs (tox-gh) or factors. */
static void fg_tl_gh_selectors(const FgStrVec *pymap, bool names, FgStrVec *gh) {
  fg_vec_push(gh, fg_xstrdup(names ? "names" : "factors"));
  for (size_t i = 0; i < pymap->len; i++)
    fg_vec_push(gh, fg_xstrdup(pymap->items[i]));
}

/* Does env hold every '-'-part of some entry of group? */
static bool fg_tl_has_group(const char *env, const FgStrVec *group) {
  for (size_t i = 0; i < group->len; i++)
    if (fg_tox_factors_match(group->items[i], env))
      return true;
  return false;
}

/* The Pythons the job can run, normalized; an unknown one as NULL. */
static void fg_tl_job_pythons(const FgLaunchCtx *lc, FgStrVec *out, bool *unknown) {
  FgCells cells = {0};
  fg_cells_of_job(lc->env->job, lc->env->reader, &cells);
  *unknown = cells.items.len == 0;
  for (size_t i = 0; i < cells.items.len; i++) {
    char *p = fg_tl_norm_python(cells.items.items[i].python);
    if (!p)
      *unknown = true;
    else
      fg_tl_push_unique(out, p);
    free(p);
  }
  fg_cells_free(&cells);
}

static const char *fg_tl_getenv_cb(void *ud, const char *name);

typedef struct FgTlGetenv {
  const FgLaunchCtx *lc;
  const FgShellCommand *cmd;
  const FgStrVec *extra; /* the env's setenv, for nested launchers */
  char *scratch;         /* the last answer built here */
} FgTlGetenv;

static const char *fg_tl_getenv_cb(void *ud, const char *name) {
  FgTlGetenv *g = ud;
  const char *v = g->extra ? fg_launch_var(g->extra, name) : NULL;
  if (!v)
    v = fg_launch_getenv(g->lc, g->cmd, name);
  const FgShellVars *vars = g->lc->env->vars;
  if (!v && vars && fg_shell_vars_exported(vars, name)) {
    /* set, to a value not known: tox's substitution stays as written */
    free(g->scratch);
    g->scratch = fg_xasprintf("{env:%s}", name);
    return g->scratch;
  }
  return v;
}

/* tox-gh-actions / tox-gh: the envs the job's Pythons (and mapped env
 * variables) select. False when the project has no such mapping. */
static bool fg_tl_gh_envs(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                          const FgTox *tox, FgStrVec *envs, FgStrVec *gh) {
  FgStrVec pymap = {0};
  bool names = false;
  if (!fg_tox_gh_map(tox, "python", &pymap, &names)) {
    fg_strvec_free(&pymap);
    return false;
  }
  FgStrVec pythons = {0};
  bool unknown = false;
  const char *forced = fg_launch_getenv(lc, cmd, "TOX_GH_MAJOR_MINOR");
  if (forced && !strchr(forced, '$')) {
    char *p = fg_tl_norm_python(forced);
    if (p)
      fg_vec_push(&pythons, p);
    else
      unknown = true;
  } else {
    fg_tl_job_pythons(lc, &pythons, &unknown);
  }
  FgStrVec pyvals = {0};
  if (unknown)
    fg_tl_map_values(&pymap, NULL, true, &pyvals);
  for (size_t i = 0; i < pythons.len; i++)
    fg_tl_map_values(&pymap, pythons.items[i], true, &pyvals);
  if (!forced)
    fg_tl_gh_selectors(&pymap, names, gh);
  if (names) {
    for (size_t i = 0; i < pyvals.len; i++)
      fg_tl_push_unique(envs, pyvals.items[i]);
  } else {
    /* factors: the envlist entries holding a python factor and, for each
     * [gh-actions:env] variable, one of its value's factors */
    FgStrVec vars = {0};
    fg_tox_gh_env_vars(tox, &vars);
    FG_VEC(FgStrVec) groups = {0};
    for (size_t v = 0; v < vars.len; v++) {
      FgStrVec map = {0}, vals = {0};
      bool dummy = false;
      fg_tox_gh_map(tox, vars.items[v], &map, &dummy);
      const char *val = fg_launch_getenv(lc, cmd, vars.items[v]);
      if (val && strchr(val, '$'))
        val = NULL;
      fg_tl_map_values(&map, val, false, &vals);
      fg_strvec_free(&map);
      fg_vec_push(&groups, vals);
    }
    size_t n = 0;
    const char *const *list = fg_tox_envlist(tox, &n);
    for (size_t e = 0; e < n; e++) {
      bool ok = fg_tl_has_group(list[e], &pyvals);
      for (size_t g = 0; g < groups.len && ok; g++)
        ok = !groups.items[g].len || fg_tl_has_group(list[e], &groups.items[g]);
      if (ok)
        fg_tl_push_unique(envs, list[e]);
    }
    for (size_t g = 0; g < groups.len; g++)
      fg_strvec_free(&groups.items[g]);
    fg_vec_free(&groups);
    fg_strvec_free(&vars);
  }
  fg_strvec_free(&pyvals);
  fg_strvec_free(&pythons);
  fg_strvec_free(&pymap);
  return true;
}

/* Is name set for cmd, to a value not known (`TOXENV: ${{ fromJSON(x) }}`,
 * `export TOXENV=$(...)`)? */
static bool fg_tl_env_set_unknown(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                                  const char *name) {
  size_t nl = strlen(name);
  for (size_t i = 0; i < cmd->nassigns; i++)
    if (strncmp(cmd->assigns[i].text, name, nl) == 0 && cmd->assigns[i].text[nl] == '=')
      return cmd->assigns[i].dynamic;
  if (fg_launch_var(lc->vars, name))
    return false;
  const FgShellVars *vars = lc->env->vars;
  return vars && fg_shell_vars_has(vars, name) && fg_shell_vars_exported(vars, name) &&
         !fg_shell_vars_get(vars, name);
}

static void fg_tl_select(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                         const FgToxCall *call, const FgTox *tox, FgStrVec *envs,
                         FgStrVec *gh, FgStrVec *guessed) {
  for (size_t s = 0; s < call->specs.len; s++)
    fg_tl_spec_envs(lc, cmd, tox, call->specs.items[s], envs, guessed);
  for (size_t l = 0; l < call->labels.len; l++)
    fg_tox_label_envs(tox, call->labels.items[l], envs);
  if (call->factors.len) {
    /* -f filters the envs chosen so far, or every env */
    FgStrVec pool = {0};
    if (envs->len) {
      pool = *envs;
      memset(envs, 0, sizeof *envs);
    } else {
      fg_tox_all_envs(tox, &pool);
    }
    for (size_t i = 0; i < pool.len; i++)
      for (size_t f = 0; f < call->factors.len; f++)
        if (fg_tox_factors_match(call->factors.items[f], pool.items[i])) {
          fg_tl_push_unique(envs, pool.items[i]);
          break;
        }
    fg_strvec_free(&pool);
    return;
  }
  if (call->specs.len || call->labels.len)
    return;
  /* TOXENV, or tox 4's TOX_ENV (its `-e` as an environment variable) */
  static const char *const vars[] = {"TOXENV", "TOX_ENV"};
  for (size_t v = 0; v < 2; v++) {
    const char *toxenv = fg_launch_getenv(lc, cmd, vars[v]);
    if (toxenv) {
      fg_tl_spec_envs(lc, cmd, tox, toxenv, envs, guessed);
      return;
    }
    if (fg_tl_env_set_unknown(lc, cmd, vars[v])) {
      char *word = fg_xasprintf("$%s", vars[v]);
      fg_launch_unfollowed(lc, cmd, "tox env", word);
      free(word);
      return;
    }
  }
  if (fg_tl_gh_envs(lc, cmd, tox, envs, gh) && envs->len)
    return;
  fg_strvec_free(gh);
  fg_tl_envlist(tox, envs);
  if (!envs->len)
    fg_vec_push(envs, fg_xstrdup("py"));
}

/* The interpreter an env's name asks for: a factor pyXY / pyX.Y / X.Y
 * (`py312-xdist` 3.12, `3.13t` 3.13t, `pypy310` and `pypy-3.10`
 * pypy3.10); NULL for none. */
static char *fg_tl_env_python(const char *env) {
  FgStrVec f = {0};
  fg_strvec_split(&f, env, "-");
  char *res = NULL;
  for (size_t i = 0; i < f.len && !res; i++) {
    const char *t = f.items[i];
    bool own = fg_str_startswith(t, "pypy");
    bool pypy = own || (i > 0 && strcmp(f.items[i - 1], "pypy") == 0);
    const char *d = own ? t + 4 : fg_str_startswith(t, "py") ? t + 2 : t;
    if (!(d[0] == '3' && isdigit((unsigned char)d[1])) && !(d[0] == '3' && d[1] == '.'))
      continue;
    const char *minor = d[1] == '.' ? d + 2 : d + 1;
    size_t n = 0;
    while (isdigit((unsigned char)minor[n]))
      n++;
    bool t_suffix = minor[n] == 't' && !minor[n + 1];
    if (!n || n > 2 || (minor[n] && !t_suffix))
      continue; /* `py31210` (3.12.10) names no version tox reads */
    res = fg_xasprintf("%s3.%.*s%s", pypy ? "pypy" : "", (int)n, minor,
                       t_suffix ? "t" : "");
  }
  fg_strvec_free(&f);
  return res;
}

/* ---- running the envs ------------------------------------------------------------ */

static char *fg_tl_posargs(const FgToxCall *call) {
  if (!call->dashdash)
    return NULL;
  FgBuf b = {0};
  for (size_t i = 0; i < call->posargs.len; i++)
    fg_launch_put_word(&b, call->posargs.items[i]);
  return b.data ? fg_buf_take(&b) : fg_xstrdup("");
}

/* For a cell: does its Python select env through the gh mapping? A cell
 * whose Python is not known may. */
typedef struct FgTlKeep {
  const FgStrVec *gh;
  const char *env;
} FgTlKeep;

static bool fg_tl_keep_cell(const FgCell *cell, void *user) {
  const FgTlKeep *k = user;
  char *py = fg_tl_norm_python(cell->python);
  if (!py)
    return true;
  bool names = strcmp(k->gh->items[0], "names") == 0;
  FgStrVec map = {0}, vals = {0};
  for (size_t i = 1; i < k->gh->len; i++)
    fg_vec_push(&map, fg_xstrdup(k->gh->items[i]));
  fg_tl_map_values(&map, py, true, &vals);
  bool hit = false;
  for (size_t i = 0; i < vals.len && !hit; i++)
    hit = names ? strcmp(vals.items[i], k->env) == 0
                : fg_tox_factors_match(vals.items[i], k->env);
  fg_strvec_free(&map);
  fg_strvec_free(&vals);
  free(py);
  return hit;
}

static bool fg_tl_same_python(const FgCell *cell, void *user) {
  char *py = fg_tl_norm_python(cell->python);
  bool keep = !py || strcmp(py, (const char *)user) == 0;
  free(py);
  return keep;
}

/* An env matched from a word partly unknown (`-e py$(...)`): the word is
 * most often the cell's Python, so the runs of `py310` keep the cells on
 * 3.10 (and those whose Python is not known); runs left with no cell go. */
static void fg_tl_keep_python(FgRunVec *out, size_t from, const char *python) {
  char *want = fg_tl_norm_python(python);
  if (!want)
    return;
  size_t kept = from;
  for (size_t r = from; r < out->len; r++) {
    FgRun *run = out->items[r];
    bool had = run->cells.items.len > 0;
    fg_cells_retain(&run->cells, fg_tl_same_python, want);
    if (had && !run->cells.items.len)
      fg_run_delete(run);
    else
      out->items[kept++] = run;
  }
  out->len = kept;
  free(want);
}

static size_t fg_tl_run_env(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                            const FgToxCall *call, const FgToxConf *conf,
                            const char *name) {
  char *posargs = fg_tl_posargs(call);
  FgTlGetenv g = {lc, cmd, NULL, NULL};
  FgToxInput in = {posargs, fg_tl_getenv_cb, &g};
  FgToxLines setenv = {0};
  fg_tox_setenv(conf->tox, name, &in, &setenv);
  FgStrVec vars = {0};
  for (size_t k = 0; k < setenv.len; k++)
    fg_vec_push(&vars, fg_xasprintf("%s=%s", setenv.items[k].key, setenv.items[k].text));
  bool toml = fg_tox_is_toml(conf->tox);
  bool py = strcmp(fg_launch_base(conf->path), "pyproject.toml") == 0;
  char *where =
      toml ? fg_xasprintf("%s [%senv.%s]", conf->path, py ? "tool.tox." : "", name)
           : fg_xasprintf("%s [testenv:%s]", conf->path, name);
  char *hop = fg_xasprintf("tox %senv %s (%s)", call->exec ? "exec " : "", name, where);
  size_t total = 0;
  if (call->exec) {
    /* `tox exec -e ENV -- CMD`: the command after `--` runs in the env */
    FgLaunchLine ll = {posargs ? posargs : "",
                       conf->dir,
                       where,
                       hop,
                       NULL,
                       0,
                       0,
                       FG_VIA_STEP,
                       &vars,
                       NULL,
                       false,
                       NULL};
    total += fg_launch_run_line(lc, &ll);
  } else {
    FgToxLines cmds = {0};
    fg_tox_commands(conf->tox, name, &in, &cmds);
    for (size_t k = 0; k < cmds.len; k++) {
      const char *line = cmds.items[k].text;
      while (*line == '-' || *line == '!' || *line == ' ')
        line++; /* `- cmd` / `!cmd`: tox ignores or inverts its exit code */
      FgLaunchLine ll = {line,
                         conf->dir,
                         where,
                         hop,
                         conf->src,
                         cmds.items[k].start,
                         cmds.items[k].end,
                         cmds.items[k].editable ? FG_VIA_TOX_INI
                         : toml                 ? FG_VIA_TOX_TOML
                                                : FG_VIA_NONE,
                         &vars,
                         NULL,
                         false,
                         NULL};
      total += fg_launch_run_line(lc, &ll);
    }
    fg_tox_lines_free(&cmds);
  }
  free(hop);
  free(where);
  fg_strvec_free(&vars);
  fg_tox_lines_free(&setenv);
  free(posargs);
  free(g.scratch);
  return total;
}

size_t fg_launch_tox(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                     const char *cwd) {
  FgToxCall call;
  memset(&call, 0, sizeof call);
  fg_tl_read_call(cmd, i, &call);
  size_t total = 0;
  FgToxConf conf;
  if (!call.no_tests && fg_tl_find(lc, &call, cwd, &conf)) {
    FgStrVec envs = {0}, gh = {0}, guessed = {0};
    fg_tl_select(lc, cmd, &call, conf.tox, &envs, &gh, &guessed);
    for (size_t e = 0; e < envs.len; e++) {
      size_t from = lc->out->len;
      total += fg_tl_run_env(lc, cmd, &call, &conf, envs.items[e]);
      if (!call.exec && call.dashdash)
        fg_launch_keep_posargs(lc, cmd, call.dashdash_at, from);
      /* the cells whose Python chose this env (tox-gh-actions, tox-gh) */
      FgTlKeep keep = {&gh, envs.items[e]};
      for (size_t r = from; gh.len && r < lc->out->len; r++)
        fg_cells_retain(&lc->out->items[r]->cells, fg_tl_keep_cell, &keep);
      char *py = fg_tl_env_python(envs.items[e]);
      bool guess = false;
      for (size_t g = 0; g < guessed.len && !guess; g++)
        guess = strcmp(guessed.items[g], envs.items[e]) == 0;
      if (py && guess)
        fg_tl_keep_python(lc->out, from, py);
      for (size_t r = from; guess && r < lc->out->len; r++)
        fg_vec_push(
            &lc->out->items[r]->notes,
            fg_xasprintf("the tox env's name is not known: read as `%s`, one of the "
                         "envs it can name",
                         envs.items[e]));
      /* tox runs the env with the interpreter its name asks for, whichever
       * Python the job set up (tox's own, often) */
      fg_launch_set_python(lc->out, from, py);
      free(py);
    }
    fg_strvec_free(&guessed);
    fg_strvec_free(&envs);
    fg_strvec_free(&gh);
    fg_tox_delete(conf.tox);
    free(conf.path);
    free(conf.dir);
  }
  fg_tl_call_free(&call);
  return total;
}
