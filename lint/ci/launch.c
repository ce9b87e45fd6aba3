/* launch: the dispatcher. Recognises which launcher a command is (after
 * the runners that only start it: `uv run`, `uvx`, `pipx run`, `poetry
 * run`, `python -m`, `timeout N`...) and hands it to that launcher's file;
 * runs the command lines launchers find (fg_launch_run_line). */
#include "ci/launch_int.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/cells.h"
#include "core/source.h"

const char *fg_launch_base(const char *word) {
  /* `${PREFIX}coverage`, `${VENV}/bin/pytest`: a directory not known, then
   * the program's name */
  if (word[0] == '$' && word[1] == '{') {
    const char *close = strchr(word, '}');
    if (close && close[1] && !strchr(close + 1, '$'))
      word = close + 1;
  }
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

/* ---- files ------------------------------------------------------------------ */

const FgSource *fg_launch_file(const FgLaunchEnv *env, const char *rel) {
  for (size_t i = 0; i < env->files->len; i++)
    if (strcmp(env->files->items[i]->path, rel) == 0)
      return env->files->items[i];
  const FgOverlayFile *o = fg_overlay_find(env->overlay, rel);
  if (o) {
    FgSource *src = fg_source_new(rel, o->data, o->len);
    fg_vec_push(env->files, src);
    return src;
  }
  if (!*rel || strstr(rel, "../") == rel)
    return NULL;
  /* through the project's reader: nothing outside the root, no special
   * files, a warning when a file is there but cannot be read */
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

bool fg_launch_toml_find(const FgLaunchCtx *lc, const char *cwd, const char *const *files,
                         const char *const *keys, size_t n, FgLaunchToml *out) {
  memset(out, 0, sizeof *out);
  for (size_t k = 0; k < n; k++) {
    char *path = fg_path_join(cwd, files[k]);
    const FgSource *src = fg_launch_file(lc->env, path);
    FgToml *toml = src ? fg_toml_parse(src) : NULL;
    const FgTomlValue *table = !toml      ? NULL
                               : *keys[k] ? fg_toml_get(toml, keys[k])
                                          : fg_toml_root(toml);
    if (!fg_toml_is_table(table)) {
      fg_toml_delete(toml);
      free(path);
      continue;
    }
    out->src = src;
    out->toml = toml;
    out->table = table;
    out->path = path;
    const char *slash = strrchr(path, '/');
    out->dir = slash ? fg_xstrndup(path, (size_t)(slash - path)) : fg_xstrdup("");
    return true;
  }
  return false;
}

void fg_launch_toml_free(FgLaunchToml *self) {
  fg_toml_delete(self->toml);
  free(self->path);
  free(self->dir);
  memset(self, 0, sizeof *self);
}

/* ---- values ----------------------------------------------------------------- */

const char *fg_launch_var(const FgStrVec *vars, const char *name) {
  if (!vars)
    return NULL;
  size_t nl = strlen(name);
  for (size_t i = vars->len; i-- > 0;)
    if (strncmp(vars->items[i], name, nl) == 0 && vars->items[i][nl] == '=')
      return vars->items[i] + nl + 1;
  return NULL;
}

const char *fg_launch_getenv(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                             const char *name) {
  size_t nl = strlen(name);
  if (cmd)
    for (size_t i = 0; i < cmd->nassigns; i++)
      if (strncmp(cmd->assigns[i].text, name, nl) == 0 && cmd->assigns[i].text[nl] == '=')
        return cmd->assigns[i].dynamic ? NULL : cmd->assigns[i].text + nl + 1;
  const char *v = fg_launch_var(lc->vars, name);
  if (v)
    return v;
  const FgLaunchEnv *env = lc->env;
  /* the step's shell variables: its env after `${{ }}`, the script's
   * exports; only exported ones reach the launcher */
  if (env->vars)
    return fg_shell_vars_exported(env->vars, name) ? fg_shell_vars_get(env->vars, name)
                                                   : NULL;
  const FgYamlNode *levels[3] = {env->step->env, env->job->env, env->wf->env};
  for (int i = 0; i < 3; i++) {
    v = fg_yaml_str(fg_yaml_deref(fg_yaml_get(levels[i], name)));
    if (v)
      return v;
  }
  return NULL;
}

void fg_launch_put_word(FgBuf *b, const char *word) {
  if (b->len)
    fg_buf_putc(b, ' ');
  bool plain = *word != '\0';
  for (const char *p = word; *p && plain; p++)
    plain = !strchr(" \t\n'\"\\;&|<>()`*?[]#~!", *p);
  /* `${{ }}` and `$X` stay as written: they are the shell's to expand */
  if (plain || strstr(word, "${{") || word[0] == '$') {
    fg_buf_puts(b, word);
    return;
  }
  fg_buf_putc(b, '\'');
  for (const char *p = word; *p; p++) {
    if (*p == '\'')
      fg_buf_puts(b, "'\\''");
    else
      fg_buf_putc(b, *p);
  }
  fg_buf_putc(b, '\'');
}

char *fg_launch_word_glob(const char *t) {
  FgBuf b = {0};
  size_t n = strlen(t);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    if (strncmp(t + i, "${{", 3) == 0) {
      const char *e = strstr(t + i, "}}");
      j = e ? (size_t)(e - t) + 2 : n;
    } else if (t[i] == '$' && i + 1 < n && (t[i + 1] == '(' || t[i + 1] == '{')) {
      char open = t[i + 1], close = open == '(' ? ')' : '}';
      int depth = 0;
      for (j = i + 1; j < n; j++) {
        if (t[j] == open)
          depth++;
        else if (t[j] == close && --depth == 0)
          break;
      }
      j = j < n ? j + 1 : n;
    } else if (t[i] == '$') {
      j = i + 1;
      while (j < n && (t[j] == '_' || (t[j] >= 'a' && t[j] <= 'z') ||
                       (t[j] >= 'A' && t[j] <= 'Z') || (t[j] >= '0' && t[j] <= '9') ||
                       (j == i + 1 && strchr("@*#?!-", t[j]))))
        j++;
    } else if (t[i] == '`') {
      const char *e = strchr(t + i + 1, '`');
      j = e ? (size_t)(e - t) + 1 : n;
    }
    if (j > i) {
      if (!b.len || b.data[b.len - 1] != '*')
        fg_buf_putc(&b, '*');
      i = j;
    } else {
      fg_buf_putc(&b, t[i++]);
    }
  }
  return b.data ? fg_buf_take(&b) : fg_xstrdup("");
}

/* Candidates for a word with a `${{ matrix.X }}` part: each value of
 * the axis put in (the first such part; others stay unknown). */
bool fg_launch_matrix_names(const FgLaunchCtx *lc, const char *name, FgStrVec *out) {
  const char *open = strstr(name, "${{");
  const char *close = open ? strstr(open, "}}") : NULL;
  if (!close)
    return false;
  char *ref = fg_xstrndup(open, (size_t)(close + 2 - open));
  char *axis = fg_matrix_ref(ref);
  free(ref);
  if (!axis)
    return false;
  FgStrVec vals = {0};
  fg_matrix_axis_values(lc->env->job, axis, &vals);
  for (size_t i = 0; i < vals.len; i++)
    fg_vec_push(out, fg_xasprintf("%.*s%s%s", (int)(open - name), name, vals.items[i],
                                  close + 2));
  fg_strvec_free(&vals);
  free(axis);
  return out->len > 0;
}

static void fg_push_unique(FgStrVec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i], s) == 0)
      return;
  fg_vec_push(v, fg_xstrdup(s));
}

static bool fg_in(const FgStrVec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i], s) == 0)
      return true;
  return false;
}

void fg_launch_match_names(const FgLaunchCtx *lc, const char *word, const FgStrVec *cands,
                           FgStrVec *out) {
  if (!strchr(word, '$') && !strchr(word, '`')) {
    if (fg_in(cands, word))
      fg_push_unique(out, word);
    return;
  }
  size_t before = out->len;
  FgStrVec vals = {0};
  if (fg_launch_matrix_names(lc, word, &vals))
    for (size_t i = 0; i < vals.len; i++)
      if (fg_in(cands, vals.items[i]))
        fg_push_unique(out, vals.items[i]);
  fg_strvec_free(&vals);
  if (out->len > before)
    return;
  /* a pattern over the names; a word with nothing known (`"$task"`) is
   * no guess: it names no task */
  char *glob = fg_launch_word_glob(word);
  bool known = strspn(glob, "*") < strlen(glob);
  for (size_t i = 0; known && i < cands->len; i++)
    if (fnmatch(glob, cands->items[i], 0) == 0)
      fg_push_unique(out, cands->items[i]);
  free(glob);
}

/* ---- commands not followed ------------------------------------------------------ */

void fg_unfollowed_delete(FgUnfollowed *self) {
  if (!self)
    return;
  free(self->command);
  free(self->what);
  free(self->word);
  free(self->via);
  fg_cells_free(&self->cells);
  fg_strvec_free(&self->notes);
  fg_strvec_free(&self->callers);
  free(self);
}

char *fg_unfollowed_where(const FgUnfollowed *self) {
  return fg_ci_where(self->wf, self->job, self->step, &self->callers, self->via);
}

void fg_launch_unfollowed(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                          const char *what, const char *word) {
  FgUnfollowedVec *all = lc->env->unfollowed;
  if (!all)
    return;
  FgBuf text = {0};
  for (size_t i = 0; i < cmd->nwords; i++)
    fg_launch_put_word(&text, cmd->words[i].text);
  char *via = fg_launch_via(lc->chain);
  const FgCells *cells = lc->env->ctx->cells;
  FgUnfollowed *u = fg_xcalloc(1, sizeof *u);
  u->wf = lc->env->wf;
  u->job = lc->env->job;
  u->step = lc->env->step;
  u->start = lc->start;
  u->end = lc->end;
  u->command = text.data ? fg_buf_take(&text) : fg_xstrdup("");
  fg_buf_free(&text);
  u->what = fg_xstrdup(what);
  u->word = fg_xstrdup(word);
  u->via = via;
  if (cells)
    fg_cells_merge(&u->cells, cells);
  fg_vec_push(&u->notes,
              fg_xasprintf("the %s `%s` is not known: none is guessed, so no pytest run "
                           "is followed from here",
                           what, word));
  fg_vec_push(all, u);
}

/* ---- cells ------------------------------------------------------------------- */

void fg_launch_fill_python(FgRunVec *out, size_t from, const char *python) {
  if (!python)
    return;
  for (size_t r = from; r < out->len; r++) {
    FgCells *cells = &out->items[r]->cells;
    bool any = false;
    for (size_t i = 0; i < cells->items.len && !any; i++)
      any = cells->items.items[i].python == NULL;
    if (!any)
      continue;
    FgCells next = {0};
    next.truncated = cells->truncated;
    for (size_t i = 0; i < cells->items.len; i++) {
      const FgCell *c = &cells->items.items[i];
      fg_cells_add(&next, c->os, c->python ? c->python : python);
    }
    fg_cells_free(cells);
    *cells = next;
  }
}

void fg_launch_set_python(FgRunVec *out, size_t from, const char *python) {
  if (!python)
    return;
  for (size_t r = from; r < out->len; r++) {
    FgCells *cells = &out->items[r]->cells;
    FgCells next = {0};
    next.truncated = cells->truncated;
    for (size_t i = 0; i < cells->items.len; i++)
      fg_cells_add(&next, cells->items.items[i].os, python);
    fg_cells_free(cells);
    *cells = next;
  }
}

void fg_launch_env_python(FgRunVec *out, size_t from) {
  for (size_t r = from; r < out->len; r++)
    out->items[r]->env_python = true;
}

char *fg_launch_python_of(const char *text) {
  if (!text)
    return NULL;
  for (const char *p = text; *p; p++) {
    if (p[0] != '3' || p[1] != '.' || !(p[2] >= '0' && p[2] <= '9'))
      continue;
    if (p > text && ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '.'))
      continue;
    size_t n = 3;
    while (p[n] >= '0' && p[n] <= '9')
      n++;
    return fg_xasprintf("%.*s%s", (int)n, p, p[n] == 't' ? "t" : "");
  }
  return NULL;
}

/* The step's own words after `--` handed to the runs out[from..] as they
 * are (the env's pytest line has {posargs}): kept on each run with their
 * workflow spans, so a fix can split the step on them. */
void fg_launch_keep_posargs(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                            size_t dashdash, size_t from) {
  const FgScript *sc = lc->env->step->script;
  if (lc->line || dashdash + 1 >= cmd->nwords || !sc || !sc->exact)
    return;
  size_t np = cmd->nwords - dashdash - 1;
  for (size_t r = from; r < lc->out->len; r++) {
    FgRun *run = lc->out->items[r];
    bool found = false;
    for (size_t a = 0; a + np <= run->args.len && !found; a++) {
      found = true;
      for (size_t k = 0; k < np && found; k++)
        found =
            strcmp(run->args.items[a + k].text, cmd->words[dashdash + 1 + k].text) == 0;
      if (found && run->xdist_arg >= (int)a && run->xdist_arg < (int)(a + np)) {
        /* the deciding -n is the step's own word */
        size_t x = (size_t)run->xdist_arg;
        const char *opt = run->args.items[x].text;
        bool valued = (strcmp(opt, "-n") == 0 || strcmp(opt, "--numprocesses") == 0) &&
                      x + 1 < run->args.len;
        free(run->xdist_why);
        run->xdist_why =
            fg_xasprintf("%s%s%s after `--` in the step", opt, valued ? " " : "",
                         valued ? run->args.items[x + 1].text : "");
      }
    }
    if (!found || run->posargs.len)
      continue;
    for (size_t k = 0; k < np; k++) {
      const FgShellWord *w = &cmd->words[dashdash + 1 + k];
      FgArg arg = {fg_xstrdup(w->text), fg_script_file_offset(sc, w->start),
                   fg_script_file_offset(sc, w->end), w->dynamic, w->derived};
      fg_vec_push(&run->posargs, arg);
    }
    run->posargs_at = fg_script_file_offset(sc, cmd->words[dashdash].end);
  }
}

/* ---- running a launched line --------------------------------------------------- */

typedef FG_VEC(FgShellWord) FgWordVec;

/* A script's positional parameters and the launchers' variables put into
 * the words of cmd: `"$@"` / `$*` become the parameters, `$1`... one of
 * them, `$X` / `${X}` a variable the launchers set (unquoted: split on
 * blanks). Returns NULL when nothing changes. */
static FgShellCommand *fg_launch_subst(const FgLaunchCtx *lc, const FgLaunchLine *line,
                                       const FgShellCommand *cmd, size_t shift) {
  bool any = false;
  for (size_t i = 0; i < cmd->nwords && !any; i++)
    any = cmd->words[i].dynamic && strchr(cmd->words[i].text, '$');
  if (!any)
    return NULL;
  FgWordVec words = {0};
  for (size_t i = 0; i < cmd->nwords; i++) {
    const FgShellWord *w = &cmd->words[i];
    const char *t = w->text;
    FgShellWord nw = {
        .start = w->start, .end = w->end, .dynamic = w->dynamic, .derived = w->derived};
    if (w->dynamic && line->params &&
        (strcmp(t, "$@") == 0 || strcmp(t, "$*") == 0 || strcmp(t, "${@}") == 0)) {
      for (size_t k = shift; k < line->params->len; k++) {
        const char *p = line->params->items[k];
        FgShellWord pw = {.text = fg_xstrdup(p),
                          .start = w->start,
                          .end = w->end,
                          .dynamic =
                              !line->params_known || strchr(p, '$') || strchr(p, '`'),
                          .derived = true};
        fg_vec_push(&words, pw);
      }
      if (!line->params_known) {
        FgShellWord pw = {
            .text = fg_xstrdup("$@"), .start = w->start, .end = w->end, .dynamic = true};
        fg_vec_push(&words, pw);
      }
      continue;
    }
    if (w->dynamic && line->params && t[0] == '$' && t[1] >= '1' && t[1] <= '9' &&
        !t[2]) {
      size_t k = (size_t)(t[1] - '1') + shift;
      if (k < line->params->len) {
        const char *p = line->params->items[k];
        nw.text = fg_xstrdup(p);
        nw.dynamic = strchr(p, '$') || strchr(p, '`');
        nw.derived = true;
        fg_vec_push(&words, nw);
      } else if (!line->params_known) {
        nw.text = fg_xstrdup(t);
        fg_vec_push(&words, nw);
      }
      continue;
    }
    if (w->dynamic && t[0] == '$' && t[1] != '{' && t[1] != '(') {
      const char *v = fg_launch_var(lc->vars, t + 1);
      if (!v)
        v = fg_launch_var(line->vars, t + 1);
      if (v && !strchr(v, '$')) {
        FgStrVec parts = {0};
        fg_strvec_split(&parts, v, " \t\n");
        for (size_t k = 0; k < parts.len; k++) {
          FgShellWord pw = {
              .text = parts.items[k], .start = w->start, .end = w->end, .derived = true};
          fg_vec_push(&words, pw);
        }
        fg_vec_free(&parts);
        continue;
      }
    }
    nw.text = fg_xstrdup(t);
    fg_vec_push(&words, nw);
  }
  FgShellCommand *c = fg_xcalloc(1, sizeof *c);
  *c = *cmd;
  c->words = words.items;
  c->nwords = words.len;
  return c;
}

static void fg_launch_subst_free(FgShellCommand *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->nwords; i++)
    free(c->words[i].text);
  free(c->words);
  free(c);
}

void fg_launch_inner_begin(FgLaunchInner *in, const FgLaunchCtx *lc,
                           const FgLaunchLine *line) {
  memset(in, 0, sizeof *in);
  in->ctx = *lc;
  if (lc->chain)
    for (size_t i = 0; i < lc->chain->len; i++)
      fg_vec_push(&in->chain, fg_xstrdup(lc->chain->items[i]));
  if (line->hop)
    fg_vec_push(&in->chain, fg_xstrdup(line->hop));
  if (lc->vars)
    for (size_t i = 0; i < lc->vars->len; i++)
      fg_vec_push(&in->vars, fg_xstrdup(lc->vars->items[i]));
  if (line->vars)
    for (size_t i = 0; i < line->vars->len; i++)
      fg_vec_push(&in->vars, fg_xstrdup(line->vars->items[i]));
  in->ctx.chain = &in->chain;
  in->ctx.vars = &in->vars;
  in->ctx.depth = lc->depth + 1;
  in->ctx.line = line;
}

void fg_launch_inner_end(FgLaunchInner *in) {
  fg_strvec_free(&in->chain);
  fg_strvec_free(&in->vars);
}

/* "make ci, tox env py" from the chain's labels: each hop up to its
 * first " (" */
char *fg_launch_via(const FgStrVec *chain) {
  if (!chain || !chain->len)
    return NULL;
  FgBuf b = {0};
  for (size_t i = 0; i < chain->len; i++) {
    const char *h = chain->items[i];
    const char *paren = strstr(h, " (");
    if (i)
      fg_buf_puts(&b, ", ");
    fg_buf_append(&b, h, paren ? (size_t)(paren - h) : strlen(h));
  }
  return fg_buf_take(&b);
}

/* The interpreter a runner in front of pytest gives: `pixi run -e ENV`
 * the environment's (the runs out[from..] then run in it), `uv run
 * --python X` X's, `python3.12 -m pytest` its own; NULL when none says. */
static char *fg_launch_runner_python_of(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                                        const char *cwd, size_t from) {
  const FgShellWord *w = cmd->words;
  for (size_t i = 0; i + 1 < cmd->nwords && i < 8; i++) {
    const char *b = fg_launch_base(w[i].text);
    if (strcmp(b, "pixi") == 0) {
      fg_launch_env_python(lc->out, from);
      return fg_launch_pixi_python(lc, cmd, i, cwd);
    }
    if (fg_str_startswith(b, "python3.") && strcmp(w[i + 1].text, "-m") == 0 &&
        !w[i].dynamic)
      return fg_launch_python_of(b + 6); /* `python3.12 -m pytest` */
    if (strcmp(b, "uv") != 0 || strcmp(w[i + 1].text, "run") != 0)
      continue;
    for (size_t k = i + 2; k + 1 < cmd->nwords && w[k].text[0] == '-'; k++) {
      const char *o = w[k].text;
      if (fg_str_startswith(o, "--python="))
        return w[k].dynamic ? NULL : fg_launch_python_of(o + 9);
      if (strcmp(o, "--python") == 0 || strcmp(o, "-p") == 0)
        return w[k + 1].dynamic ? NULL : fg_launch_python_of(w[k + 1].text);
    }
    return NULL;
  }
  return NULL;
}

static void fg_launch_runner_cells(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                                   const char *cwd, size_t from) {
  char *py = fg_launch_runner_python_of(lc, cmd, cwd, from);
  fg_launch_fill_python(lc->out, from, py);
  free(py);
}

size_t fg_launch_command(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                         const char *cwd, bool single, size_t shift) {
  const FgLaunchLine *line = lc->line;
  FgShellCommand *sub = fg_launch_subst(lc, line, cmd, shift);
  const FgShellCommand *c = sub ? sub : cmd;
  FgRunContext ctx = *lc->env->ctx;
  ctx.cmdline_name = line->where;
  const char *addopts = fg_launch_var(lc->vars, "PYTEST_ADDOPTS");
  if (addopts)
    ctx.env_addopts = addopts;
  char *via = fg_launch_via(lc->chain);
  FgRunAnchor a = {lc->start,   lc->end,   via,        single ? line->src : NULL,
                   line->start, line->end, line->kind, lc->chain,
                   line->runner};
  FgRun *run =
      fg_run_new_launched(lc->env->wf, lc->env->job, lc->env->step, c, cwd, &ctx, &a);
  size_t n = 0;
  if (run) {
    fg_vec_push(lc->out, run);
    fg_launch_runner_cells(lc, c, cwd, lc->out->len - 1);
    n = 1;
  } else if (lc->depth < FG_LAUNCH_MAX_DEPTH) {
    FgLaunchCtx here = *lc;
    here.single = single;
    n = fg_launch_dispatch(&here, c, cwd);
  }
  free(via);
  fg_launch_subst_free(sub);
  return n;
}

size_t fg_launch_run_line(const FgLaunchCtx *lc, const FgLaunchLine *line) {
  FgLaunchInner in;
  fg_launch_inner_begin(&in, lc, line);
  FgShellScript *sh = fg_shell_parse(line->text, strlen(line->text));
  char *dir = fg_xstrdup(line->cwd);
  size_t n = 0;
  for (size_t c = 0; c < sh->ncmds; c++) {
    const FgShellCommand *cmd = &sh->cmds[c];
    size_t k = fg_launch_command(&in.ctx, cmd, dir, sh->ncmds == 1, 0);
    n += k;
    if (!k)
      fg_launch_cd(&dir, cmd);
  }
  free(dir);
  fg_shell_delete(sh);
  fg_launch_inner_end(&in);
  return n;
}

/* ---- dispatch ---------------------------------------------------------------- */

static bool fg_is_python(const char *w) {
  const char *b = fg_launch_base(w);
  if (fg_str_startswith(b, "python"))
    b += 6;
  else if (fg_str_startswith(b, "pypy"))
    b += 4;
  else
    return false;
  for (; *b; b++)
    if (!((*b >= '0' && *b <= '9') || *b == '.'))
      return false;
  return true;
}

/* Options of `uv run`, `uvx`, `pipx run`... that take a value. */
static bool fg_runner_opt_value(const char *o) {
  static const char *const opts[] = {
      "--with",          "--python",   "-p",          "--extra",   "--group",
      "--only-group",    "--env-file", "--directory", "--project", "--package",
      "--from",          "--spec",     "--index-url", "-i",        "--with-requirements",
      "--with-editable", "--no-group", "-w",          NULL};
  if (strchr(o, '='))
    return false;
  for (const char *const *p = opts; *p; p++)
    if (strcmp(o, *p) == 0)
      return true;
  return false;
}

/* After words that only start the next command (`uv run`, `uvx`, `pipx
 * run`, `poetry run`, `timeout 600`, `xvfb-run -a`), the index of the
 * command's own name. */
static size_t fg_launch_skip_runners(const FgShellCommand *cmd) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords, i = 0;
  for (int guard = 0; guard < 8 && i < n; guard++) {
    const char *b = fg_launch_base(w[i].text);
    size_t j = i;
    if ((strcmp(b, "uv") == 0 || strcmp(b, "poetry") == 0 || strcmp(b, "pdm") == 0 ||
         strcmp(b, "pipenv") == 0 || strcmp(b, "rye") == 0 || strcmp(b, "pipx") == 0) &&
        i + 1 < n && strcmp(w[i + 1].text, "run") == 0) {
      j = i + 2;
    } else if (strcmp(b, "uv") == 0 && i + 2 < n && strcmp(w[i + 1].text, "tool") == 0 &&
               strcmp(w[i + 2].text, "run") == 0) {
      j = i + 3;
    } else if (strcmp(b, "uvx") == 0) {
      j = i + 1;
    } else if (strcmp(b, "timeout") == 0 && i + 1 < n) {
      j = i + 1;
      while (j < n && w[j].text[0] == '-')
        j += (strcmp(w[j].text, "-s") == 0 || strcmp(w[j].text, "-k") == 0) ? 2 : 1;
      j++; /* the duration */
      i = j;
      continue;
    } else if (strcmp(b, "xvfb-run") == 0 || strcmp(b, "env") == 0 ||
               strcmp(b, "nice") == 0 || strcmp(b, "time") == 0 ||
               strcmp(b, "sudo") == 0 || strcmp(b, "stdbuf") == 0) {
      j = i + 1;
      while (j < n &&
             (w[j].text[0] == '-' || (strcmp(b, "env") == 0 && strchr(w[j].text, '='))))
        j += (strcmp(b, "xvfb-run") == 0 &&
              (strcmp(w[j].text, "-s") == 0 || strcmp(w[j].text, "-n") == 0))
                 ? 2
                 : 1;
      i = j;
      continue;
    } else {
      break;
    }
    while (j < n && w[j].text[0] == '-' && strcmp(w[j].text, "--") != 0)
      j += fg_runner_opt_value(w[j].text) ? 2 : 1;
    if (j < n && strcmp(w[j].text, "--") == 0)
      j++;
    i = j;
  }
  return i;
}

static bool fg_is_shell(const char *b) {
  return strcmp(b, "bash") == 0 || strcmp(b, "sh") == 0 || strcmp(b, "zsh") == 0 ||
         strcmp(b, "dash") == 0 || strcmp(b, "ksh") == 0;
}

/* `bash [-opts] FILE`: the index of FILE, or 0 (`bash -c '...'` and a
 * bare `bash` read no file). */
static size_t fg_shell_file_arg(const FgShellCommand *cmd, size_t i) {
  for (i++; i < cmd->nwords; i++) {
    const char *t = cmd->words[i].text;
    if (strcmp(t, "-c") == 0 || strcmp(t, "-s") == 0)
      return 0;
    if (strcmp(t, "-o") == 0 || strcmp(t, "-O") == 0 || strcmp(t, "+O") == 0) {
      i++;
      continue;
    }
    if (t[0] != '-' && t[0] != '+')
      return i;
  }
  return 0;
}

size_t fg_launch_dispatch(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                          const char *cwd) {
  if (lc->budget) {
    if (!*lc->budget)
      return 0;
    --*lc->budget;
  }
  size_t i = fg_launch_skip_runners(cmd);
  if (i >= cmd->nwords)
    return 0;
  bool py_unknown = fg_python_unknown(&cmd->words[i], cmd->words, cmd->nwords, i);
  if (cmd->words[i].dynamic && !py_unknown)
    return 0;
  const char *w = cmd->words[i].text;
  const char *b = fg_launch_base(w);
  if (fg_is_python(w) || py_unknown) {
    size_t script = 0;
    const char *mod = NULL;
    size_t m = fg_python_module_arg(cmd->words, cmd->nwords, i, &mod, &script);
    if (m) {
      if (strcmp(mod, "tox") == 0)
        return fg_launch_tox(lc, cmd, m, cwd);
      if (strcmp(mod, "nox") == 0)
        return fg_launch_nox(lc, cmd, m, cwd);
      if (strcmp(mod, "hatch") == 0)
        return fg_launch_hatch(lc, cmd, m, cwd);
      if (strcmp(mod, "spin") == 0)
        return fg_launch_spin(lc, cmd, m, cwd);
      if (strcmp(mod, "cibuildwheel") == 0)
        return fg_launch_cibuildwheel(lc, cmd, m, cwd);
      return 0;
    }
    return script ? fg_launch_py_runner(lc, cmd, script, cwd) : 0;
  }
  if (strcmp(b, "tox") == 0)
    return fg_launch_tox(lc, cmd, i, cwd);
  if (strcmp(b, "make") == 0 || strcmp(b, "gmake") == 0)
    return fg_launch_make(lc, cmd, i, cwd);
  if (strcmp(b, "nox") == 0)
    return fg_launch_nox(lc, cmd, i, cwd);
  if (strcmp(b, "pixi") == 0)
    return fg_launch_pixi(lc, cmd, i, cwd);
  if (strcmp(b, "hatch") == 0)
    return fg_launch_hatch(lc, cmd, i, cwd);
  if (strcmp(b, "spin") == 0)
    return fg_launch_spin(lc, cmd, i, cwd);
  if (strcmp(b, "cibuildwheel") == 0)
    return fg_launch_cibuildwheel(lc, cmd, i, cwd);
  if (fg_is_shell(b)) {
    size_t f = fg_shell_file_arg(cmd, i);
    return f ? fg_launch_shell_script(lc, cmd, f, cwd) : 0;
  }
  if ((strcmp(w, "source") == 0 || strcmp(w, ".") == 0) && i + 1 < cmd->nwords)
    return fg_launch_shell_script(lc, cmd, i + 1, cwd);
  if (strchr(w, '/'))
    return fg_launch_shell_script(lc, cmd, i, cwd);
  return 0;
}

static FgLaunchCtx fg_launch_step_ctx(const FgLaunchEnv *env, const FgShellCommand *cmd,
                                      FgRunVec *out, size_t *budget) {
  const FgScript *sc = env->step->script;
  FgLaunchCtx lc = {env,
                    fg_script_file_offset(sc, cmd->start),
                    sc->mapped ? fg_script_file_offset(sc, cmd->end)
                               : env->step->run->end,
                    NULL,
                    NULL,
                    0,
                    out,
                    NULL,
                    false,
                    budget};
  return lc;
}

size_t fg_launch_expand(const FgLaunchEnv *env, const FgShellCommand *cmd,
                        const char *cwd, FgRunVec *out) {
  size_t budget = FG_LAUNCH_MAX_FOLLOW;
  FgLaunchCtx lc = fg_launch_step_ctx(env, cmd, out, &budget);
  return fg_launch_dispatch(&lc, cmd, cwd);
}

void fg_launch_step_runner(const FgLaunchEnv *env, const FgShellCommand *cmd,
                           const char *cwd, FgRunVec *out, size_t from) {
  size_t budget = FG_LAUNCH_MAX_FOLLOW;
  FgLaunchCtx lc = fg_launch_step_ctx(env, cmd, out, &budget);
  fg_launch_runner_cells(&lc, cmd, cwd, from);
}
