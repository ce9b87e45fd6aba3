#include "ci/launch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/cells.h"
#include "ci/tox.h"
#include "core/source.h"

/* A recipe calling make calling tox is followed; deeper is not. */
#define FG_LAUNCH_MAX_DEPTH 2
#define FG_LAUNCH_MAX_FILE (1u << 20)

static const char *fg_base(const char *word) {
  const char *s = strrchr(word, '/');
  return s ? s + 1 : word;
}

void fg_launch_cd(char **cwd, const FgShellCommand *c) {
  if (c->nwords < 1 || strcmp(c->words[0].text, "cd") != 0)
    return;
  const char *target = c->nwords > 1 ? c->words[1].text : "";
  char *next = (c->nwords > 1 && !c->words[1].dynamic && strcmp(target, "-") != 0)
                   ? fg_path_join(*cwd, target)
                   : fg_xstrdup("");
  free(*cwd);
  *cwd = next;
}

/* A launcher's file through the overlay, else from disk; read once. */
static const FgSource *fg_launch_file(const FgLaunchEnv *env, const char *rel) {
  for (size_t i = 0; i < env->files->len; i++)
    if (strcmp(env->files->items[i]->path, rel) == 0)
      return env->files->items[i];
  const FgOverlayFile *o = fg_overlay_find(env->overlay, rel);
  if (o) {
    FgSource *src = fg_source_new(rel, o->data, o->len);
    fg_vec_push(env->files, src);
    return src;
  }
  size_t len = 0;
  char *data = env->reader
                   ? fg_reader_read_optional(env->reader, rel, FG_LAUNCH_MAX_FILE, &len)
                   : NULL;
  if (!data)
    return NULL;
  FgSource *src = fg_source_new(rel, data, len);
  free(data);
  fg_vec_push(env->files, src);
  return src;
}

static size_t fg_launch_at(const FgLaunchEnv *env, const FgRunAnchor *anchor,
                           const FgShellCommand *cmd, const char *cwd, int depth,
                           FgRunVec *out);

/* Runs the commands of one launcher line (a tox command, a recipe line). */
static size_t fg_launch_line(const FgLaunchEnv *env, const FgRunAnchor *anchor,
                             const char *text, const char *cwd, const char *where,
                             const char *env_addopts, int depth, FgRunVec *out) {
  FgRunContext ctx = *env->ctx;
  ctx.cmdline_name = where;
  if (env_addopts)
    ctx.env_addopts = env_addopts;
  FgLaunchEnv inner = *env;
  inner.ctx = &ctx;
  FgShellScript *sh = fg_shell_parse(text, strlen(text));
  /* a fix rewrites the whole line: only when it holds the one command */
  FgRunAnchor own = *anchor;
  if (sh->ncmds != 1)
    own.src = NULL;
  anchor = &own;
  char *dir = fg_xstrdup(cwd);
  size_t n = 0;
  for (size_t c = 0; c < sh->ncmds; c++) {
    const FgShellCommand *cmd = &sh->cmds[c];
    FgRun *run =
        fg_run_new_launched(env->wf, env->job, env->step, cmd, dir, &ctx, anchor);
    if (run) {
      fg_vec_push(out, run);
      n++;
      continue;
    }
    size_t k = depth < FG_LAUNCH_MAX_DEPTH
                   ? fg_launch_at(&inner, anchor, cmd, dir, depth + 1, out)
                   : 0;
    n += k;
    if (!k)
      fg_launch_cd(&dir, cmd);
  }
  free(dir);
  fg_shell_delete(sh);
  return n;
}

/* ---- tox ------------------------------------------------------------------ */

static void fg_push_unique(FgStrVec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i], s) == 0)
      return;
  fg_vec_push(v, fg_xstrdup(s));
}

static void fg_envlist_all(const FgTox *tox, FgStrVec *envs) {
  size_t n = 0;
  const char *const *list = fg_tox_envlist(tox, &n);
  for (size_t i = 0; i < n; i++)
    fg_push_unique(envs, list[i]);
}

/* One `-e` value: names split on ',', `${{ matrix.X }}` resolved to the
 * axis values that are tox envs, anything else unknown: every env. */
static void fg_tox_envs(const FgLaunchEnv *env, const FgTox *tox, const char *spec,
                        FgStrVec *envs) {
  char *copy = fg_xstrdup(spec);
  char *save = NULL;
  for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    while (*name == ' ')
      name++;
    if (!*name)
      continue;
    char *axis = fg_matrix_ref(name);
    if (axis) {
      FgStrVec vals = {0};
      fg_matrix_axis_values(env->job, axis, &vals);
      size_t before = envs->len;
      for (size_t i = 0; i < vals.len; i++)
        if (fg_tox_env_exists(tox, vals.items[i]) || strcmp(vals.items[i], "py") == 0 ||
            fg_str_startswith(vals.items[i], "py3"))
          fg_push_unique(envs, vals.items[i]);
      if (envs->len == before)
        fg_envlist_all(tox, envs);
      fg_strvec_free(&vals);
      free(axis);
    } else if (strstr(name, "${{") || strchr(name, '$') || strcmp(name, "ALL") == 0) {
      fg_envlist_all(tox, envs);
    } else {
      fg_push_unique(envs, name);
    }
  }
  free(copy);
}

static const char *fg_env_value(const FgLaunchEnv *env, const FgShellCommand *cmd,
                                const char *name) {
  size_t nl = strlen(name);
  for (size_t i = 0; i < cmd->nassigns; i++)
    if (strncmp(cmd->assigns[i].text, name, nl) == 0 && cmd->assigns[i].text[nl] == '=')
      return cmd->assigns[i].dynamic ? NULL : cmd->assigns[i].text + nl + 1;
  if (env->vars)
    return fg_shell_vars_exported(env->vars, name) ? fg_shell_vars_get(env->vars, name)
                                                   : NULL;
  const FgYamlNode *levels[3] = {env->step->env, env->job->env, env->wf->env};
  for (int i = 0; i < 3; i++) {
    const char *v = fg_yaml_str(fg_yaml_deref(fg_yaml_get(levels[i], name)));
    if (v)
      return v;
  }
  return NULL;
}

static size_t fg_launch_tox(const FgLaunchEnv *env, const FgRunAnchor *anchor,
                            const FgShellCommand *cmd, size_t i, const char *cwd,
                            int depth, FgRunVec *out) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  char *ini = fg_path_join(cwd, "tox.ini");
  FgStrVec specs = {0};
  i++;
  if (i < n && (strcmp(w[i].text, "run") == 0 || strcmp(w[i].text, "r") == 0 ||
                strcmp(w[i].text, "run-parallel") == 0 || strcmp(w[i].text, "p") == 0))
    i++;
  for (; i < n; i++) {
    const char *t = w[i].text;
    if (strcmp(t, "--") == 0)
      break; /* posargs: not modelled ({posargs} is read as empty) */
    if ((strcmp(t, "-e") == 0 || strcmp(t, "--env") == 0) && i + 1 < n) {
      fg_vec_push(&specs, fg_xstrdup(w[++i].text));
    } else if (fg_str_startswith(t, "-e") && t[2]) {
      fg_vec_push(&specs, fg_xstrdup(t + 2 + (t[2] == '=')));
    } else if (fg_str_startswith(t, "--env=")) {
      fg_vec_push(&specs, fg_xstrdup(t + 6));
    } else if ((strcmp(t, "-c") == 0 || strcmp(t, "--conf") == 0) && i + 1 < n) {
      free(ini);
      ini = fg_path_join(cwd, w[++i].text);
    }
  }
  const char *toxenv = fg_env_value(env, cmd, "TOXENV");
  if (!specs.len && toxenv)
    fg_vec_push(&specs, fg_xstrdup(toxenv));
  const FgSource *src = fg_launch_file(env, ini);
  size_t total = 0;
  if (src) {
    FgTox *tox = fg_tox_parse(src);
    FgStrVec envs = {0};
    for (size_t s = 0; s < specs.len; s++)
      fg_tox_envs(env, tox, specs.items[s], &envs);
    if (!specs.len)
      fg_envlist_all(tox, &envs);
    if (!envs.len)
      fg_vec_push(&envs, fg_xstrdup("py"));
    /* tox runs commands in the directory of tox.ini */
    const char *slash = strrchr(ini, '/');
    char *toxdir = slash ? fg_xstrndup(ini, (size_t)(slash - ini)) : fg_xstrdup("");
    for (size_t e = 0; e < envs.len; e++) {
      const char *name = envs.items[e];
      FgToxLines cmds = {0}, setenv = {0};
      fg_tox_commands(tox, name, &cmds);
      fg_tox_setenv(tox, name, &setenv);
      const char *addopts = NULL;
      for (size_t k = 0; k < setenv.len; k++)
        if (fg_str_eq(setenv.items[k].key, "PYTEST_ADDOPTS"))
          addopts = setenv.items[k].text;
      char *where = fg_xasprintf("%s [testenv:%s]", ini, name);
      char *via = anchor->via ? fg_xasprintf("%s, tox env %s", anchor->via, name)
                              : fg_xasprintf("tox env %s", name);
      for (size_t k = 0; k < cmds.len; k++) {
        const char *line = cmds.items[k].text;
        while (*line == '-' || *line == ' ')
          line++; /* `- cmd`: tox ignores its exit code */
        FgRunAnchor a = {anchor->start,       anchor->end,       via, src,
                         cmds.items[k].start, cmds.items[k].end, NULL};
        total += fg_launch_line(env, &a, line, toxdir, where, addopts, depth, out);
      }
      free(via);
      free(where);
      fg_tox_lines_free(&cmds);
      fg_tox_lines_free(&setenv);
    }
    free(toxdir);
    fg_strvec_free(&envs);
    fg_tox_delete(tox);
  }
  fg_strvec_free(&specs);
  free(ini);
  return total;
}

/* ---- make ------------------------------------------------------------------ */

typedef struct FgMakeVar {
  char *name, *value;
} FgMakeVar;

typedef struct FgMake {
  FG_VEC(FgMakeVar) vars; /* later entries win */
  FG_VEC(char *) lines;   /* the file's logical lines (continuations joined) */
  FG_VEC(size_t)
  starts, ends; /* each logical line's span in the file (its
                   line break excluded) */
} FgMake;

static const char *fg_make_get(const FgMake *mk, const char *name, size_t len) {
  for (size_t i = mk->vars.len; i-- > 0;)
    if (strlen(mk->vars.items[i].name) == len &&
        strncmp(mk->vars.items[i].name, name, len) == 0)
      return mk->vars.items[i].value;
  if (len == 4 && strncmp(name, "MAKE", 4) == 0)
    return "make";
  return NULL;
}

static void fg_make_set(FgMake *mk, const char *name, size_t len, const char *value,
                        bool append, bool if_unset) {
  const char *old = fg_make_get(mk, name, len);
  if (if_unset && old)
    return;
  FgMakeVar v = {fg_xstrndup(name, len),
                 append && old ? fg_xasprintf("%s %s", old, value) : fg_xstrdup(value)};
  fg_vec_push(&mk->vars, v);
}

/* $(VAR), ${VAR} and $$, expanded to a fixed depth. */
static void fg_make_expand_into(const FgMake *mk, const char *s, FgBuf *b, int depth) {
  for (; *s; s++) {
    if (*s != '$') {
      fg_buf_putc(b, *s);
      continue;
    }
    if (s[1] == '$') {
      fg_buf_putc(b, '$');
      s++;
      continue;
    }
    char close = s[1] == '(' ? ')' : s[1] == '{' ? '}' : 0;
    const char *end = close ? strchr(s + 2, close) : NULL;
    if (!end) {
      fg_buf_putc(b, *s);
      continue;
    }
    const char *v = fg_make_get(mk, s + 2, (size_t)(end - s - 2));
    if (v && depth < 8)
      fg_make_expand_into(mk, v, b, depth + 1);
    s = end;
  }
}

static char *fg_make_expand(const FgMake *mk, const char *s) {
  FgBuf b = {0};
  fg_make_expand_into(mk, s, &b, 0);
  return fg_buf_take(&b);
}

static void fg_make_read(FgMake *mk, const char *data) {
  FgBuf cur = {0};
  bool cont = false;
  size_t start = 0;
  for (const char *p = data; *p;) {
    char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len && p[len - 1] == '\r')
      len--;
    bool more = len && p[len - 1] == '\\';
    if (!cont)
      start = (size_t)(p - data);
    if (cont) {
      /* a continuation joins with one space, its leading blanks dropped */
      while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
      }
      fg_buf_putc(&cur, ' ');
    }
    fg_buf_append(&cur, p, more ? len - 1 : len);
    cont = more;
    if (!more) {
      fg_vec_push(&mk->lines, fg_buf_take(&cur));
      fg_vec_push(&mk->starts, start);
      fg_vec_push(&mk->ends, (size_t)(p - data) + len);
    }
    if (!e)
      break;
    p = e + 1;
  }
  if (cur.len) {
    fg_vec_push(&mk->lines, fg_buf_take(&cur));
    fg_vec_push(&mk->starts, start);
    fg_vec_push(&mk->ends, strlen(data));
  }
  fg_buf_free(&cur);
  for (size_t i = 0; i < mk->lines.len; i++) {
    const char *l = mk->lines.items[i];
    if (l[0] == '\t' || l[0] == '#')
      continue;
    const char *q = l;
    while (isalnum((unsigned char)*q) || *q == '_' || *q == '.' || *q == '-')
      q++;
    size_t nlen = (size_t)(q - l);
    while (*q == ' ' || *q == '\t')
      q++;
    bool append = false, if_unset = false;
    if (strncmp(q, "::=", 3) == 0)
      q += 3;
    else if (strncmp(q, ":=", 2) == 0)
      q += 2;
    else if (strncmp(q, "?=", 2) == 0)
      q += 2, if_unset = true;
    else if (strncmp(q, "+=", 2) == 0)
      q += 2, append = true;
    else if (*q == '=')
      q += 1;
    else
      continue;
    if (!nlen)
      continue;
    while (*q == ' ' || *q == '\t')
      q++;
    fg_make_set(mk, l, nlen, q, append, if_unset);
  }
}

static void fg_make_free(FgMake *mk) {
  for (size_t i = 0; i < mk->vars.len; i++) {
    free(mk->vars.items[i].name);
    free(mk->vars.items[i].value);
  }
  fg_vec_free(&mk->vars);
  fg_strvec_free((FgStrVec *)&mk->lines);
  fg_vec_free(&mk->starts);
  fg_vec_free(&mk->ends);
}

/* The line index of `target:` (not `:=`), or -1; *first gets the default
 * goal when target is NULL. */
static int fg_make_rule(const FgMake *mk, const char *target) {
  for (size_t i = 0; i < mk->lines.len; i++) {
    const char *l = mk->lines.items[i];
    if (l[0] == '\t' || l[0] == '#' || l[0] == ' ')
      continue;
    const char *colon = strchr(l, ':');
    if (!colon || colon[1] == '=' || (colon[1] == ':' && colon[2] == '='))
      continue;
    const char *eq = strchr(l, '=');
    if (eq && eq < colon)
      continue;
    char *names = fg_xstrndup(l, (size_t)(colon - l));
    bool hit = false;
    char *save = NULL;
    for (char *t = strtok_r(names, " \t", &save); t && !hit;
         t = strtok_r(NULL, " \t", &save))
      hit = target ? strcmp(t, target) == 0 : (t[0] != '.' && !strchr(t, '%'));
    free(names);
    if (hit)
      return (int)i;
  }
  return -1;
}

static size_t fg_launch_make(const FgLaunchEnv *env, const FgRunAnchor *anchor,
                             const FgShellCommand *cmd, size_t i, const char *cwd,
                             int depth, FgRunVec *out) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  char *dir = fg_xstrdup(cwd);
  const char *file = NULL;
  FgStrVec targets = {0}, overrides = {0};
  for (i++; i < n; i++) {
    const char *t = w[i].text;
    if ((strcmp(t, "-C") == 0 || strcmp(t, "--directory") == 0) && i + 1 < n) {
      char *next = fg_path_join(dir, w[++i].text);
      free(dir);
      dir = next;
    } else if ((strcmp(t, "-f") == 0 || strcmp(t, "--file") == 0) && i + 1 < n) {
      file = w[++i].text;
    } else if (strcmp(t, "-j") == 0 && i + 1 < n &&
               isdigit((unsigned char)w[i + 1].text[0])) {
      i++;
    } else if (t[0] == '-') {
      continue;
    } else if (strchr(t, '=')) {
      fg_vec_push(&overrides, fg_xstrdup(t));
    } else {
      fg_vec_push(&targets, fg_xstrdup(t));
    }
  }
  static const char *const names[] = {"GNUmakefile", "makefile", "Makefile", NULL};
  const FgSource *src = NULL;
  char *path = NULL;
  for (size_t k = 0; !src && (file ? k < 1 : names[k] != NULL); k++) {
    free(path);
    path = fg_path_join(dir, file ? file : names[k]);
    src = fg_launch_file(env, path);
  }
  size_t total = 0;
  if (src) {
    FgMake mk = {0};
    fg_make_read(&mk, src->data);
    for (size_t k = 0; k < overrides.len; k++) {
      const char *eq = strchr(overrides.items[k], '=');
      fg_make_set(&mk, overrides.items[k], (size_t)(eq - overrides.items[k]), eq + 1,
                  false, false);
    }
    if (!targets.len)
      fg_vec_push(&targets, NULL);
    for (size_t t = 0; t < targets.len; t++) {
      int r = fg_make_rule(&mk, targets.items[t]);
      if (r < 0)
        continue;
      const char *l = mk.lines.items[r];
      char *name = fg_xstrndup(l, strcspn(l, ": \t"));
      char *where = fg_xasprintf("%s target %s", path, name);
      char *via = anchor->via ? fg_xasprintf("%s, make %s", anchor->via, name)
                              : fg_xasprintf("make %s", name);
      for (size_t k = (size_t)r + 1; k < mk.lines.len; k++) {
        const char *line = mk.lines.items[k];
        FgRunAnchor a = {anchor->start,      anchor->end,      via, src,
                         mk.starts.items[k], mk.ends.items[k], NULL};
        if (line[0] != '\t') {
          const char *q = line;
          while (*q == ' ')
            q++;
          if (!*q || *q == '#')
            continue; /* blank and comment lines do not end a recipe */
          break;
        }
        char *text = fg_make_expand(&mk, line + 1);
        const char *body = text;
        while (*body == '@' || *body == '-' || *body == '+' || *body == ' ' ||
               *body == '\t')
          body++;
        total += fg_launch_line(env, &a, body, dir, where, NULL, depth, out);
        free(text);
      }
      free(via);
      free(where);
      free(name);
    }
    fg_make_free(&mk);
  }
  free(path);
  for (size_t k = 0; k < targets.len; k++)
    free(targets.items[k]);
  fg_vec_free(&targets);
  fg_strvec_free(&overrides);
  free(dir);
  return total;
}

/* ---- dispatch ------------------------------------------------------------- */

static size_t fg_launch_at(const FgLaunchEnv *env, const FgRunAnchor *anchor,
                           const FgShellCommand *cmd, const char *cwd, int depth,
                           FgRunVec *out) {
  size_t i = 0;
  /* `uv run tox`, `poetry run tox`, `timeout 600 make test` */
  while (i + 1 < cmd->nwords) {
    const char *b = fg_base(cmd->words[i].text);
    if ((strcmp(b, "uv") == 0 || strcmp(b, "poetry") == 0 || strcmp(b, "pdm") == 0 ||
         strcmp(b, "hatch") == 0 || strcmp(b, "pipx") == 0 || strcmp(b, "uvx") == 0) &&
        i + 1 < cmd->nwords) {
      i += strcmp(b, "uvx") == 0 ? 1 : 2;
    } else if (strcmp(b, "timeout") == 0 && i + 1 < cmd->nwords) {
      i += 2;
    } else {
      break;
    }
  }
  if (i >= cmd->nwords)
    return 0;
  const char *b = fg_base(cmd->words[i].text);
  if (strcmp(b, "tox") == 0)
    return fg_launch_tox(env, anchor, cmd, i, cwd, depth, out);
  if (strcmp(b, "make") == 0 || strcmp(b, "gmake") == 0)
    return fg_launch_make(env, anchor, cmd, i, cwd, depth, out);
  return 0;
}

size_t fg_launch_expand(const FgLaunchEnv *env, const FgShellCommand *cmd,
                        const char *cwd, FgRunVec *out) {
  const FgScript *sc = env->step->script;
  FgRunAnchor a = {fg_script_file_offset(sc, cmd->start),
                   sc->exact ? fg_script_file_offset(sc, cmd->end) : env->step->run->end,
                   NULL,
                   NULL,
                   0,
                   0,
                   NULL};
  return fg_launch_at(env, &a, cmd, cwd, 0, out);
}
