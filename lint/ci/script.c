/* script: in-repo scripts CI runs by path.
 *
 * Shell scripts (`bash ci/test.sh ARGS`, `sh x.sh`, `./x.sh`, `source
 * x.sh`, `. x.sh`, `scripts/test` with a shell shebang): the file is parsed
 * with tree-sitter-bash and its commands followed in order, with the
 * script's arguments for `"$@"`, `$*` and `$1`..`$9` (`shift` drops them),
 * its own assignments and `export`s for `$X` words, and `cd`. A command on
 * a line of its own can be split there (fix/serial_line.c).
 *
 * Python runner scripts (`python tests/runtests.py ARGS`, `./x.py`, a
 * python shebang) that call pytest.main: the list they pass is pytest's
 * command line -- its literal words, then the script's arguments where it
 * forwards `sys.argv[N:]` (words before N are the script's own), or, when
 * it passes on something it built from them (a function's parameters), the
 * arguments from the first one that looks like an option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/launch_int.h"
#include "ci/shflow.h"
#include "core/source.h"
#include "parse/pylaunch.h"

/* The first line's interpreter: "bash", "python3"...; NULL without one. */
static char *fg_sc_shebang(const FgSource *src) {
  if (src->len < 3 || strncmp(src->data, "#!", 2) != 0)
    return NULL;
  size_t len = 0;
  const char *l = fg_source_line_text(src, 1, &len);
  char *line = fg_xstrndup(l + 2, len - 2);
  FgStrVec w = {0};
  fg_strvec_split(&w, line, " \t");
  free(line);
  char *res = NULL;
  if (w.len) {
    const char *b = fg_launch_base(w.items[0]);
    if (strcmp(b, "env") == 0 && w.len > 1)
      b = w.items[w.len > 2 && w.items[1][0] == '-' ? 2 : 1];
    res = fg_xstrdup(b);
  }
  fg_strvec_free(&w);
  return res;
}

static bool fg_sc_is_python(const char *interp) {
  return interp &&
         (fg_str_startswith(interp, "python") || fg_str_startswith(interp, "pypy"));
}

/* Is [start, end) alone on its lines (blanks and a comment around it)? */
static bool fg_sc_alone(const FgSource *src, size_t start, size_t end) {
  const char *d = src->data;
  for (size_t i = start; i > 0 && d[i - 1] != '\n'; i--)
    if (d[i - 1] != ' ' && d[i - 1] != '\t')
      return false;
  for (size_t i = end; i < src->len && d[i] != '\n' && d[i] != '\r'; i++) {
    if (d[i] == '#')
      return true;
    if (d[i] != ' ' && d[i] != '\t')
      return false;
  }
  return true;
}

/* `cd "$(dirname "$0")"`, `cd "$(dirname "${BASH_SOURCE[0]}")/.."`: the
 * folder a `cd` to the script's own folder (then a relative rest) reaches,
 * from the script's path; NULL for any other cd. Caller frees. */
static char *fg_sc_cd_own_folder(const FgShellCommand *sc, const char *script) {
  if (sc->nwords != 2 || strcmp(sc->words[0].text, "cd") != 0)
    return NULL;
  static const char *const here[] = {"$(dirname$0)",
                                     "$(dirname--$0)",
                                     "$(dirname${0})",
                                     "$(dirname${BASH_SOURCE[0]})",
                                     "$(dirname${BASH_SOURCE})",
                                     "`dirname$0`",
                                     "$(dirname$(realpath$0))",
                                     "$(dirname$(readlink-f$0))",
                                     NULL};
  /* the word without quotes and blanks: spellings differ only there */
  FgBuf b = {0};
  const char *t = sc->words[1].text;
  size_t sub_end = 0; /* where the substitution ends in t */
  int depth = 0;
  for (size_t i = 0; t[i]; i++) {
    if (t[i] == '(')
      depth++;
    else if (t[i] == ')' && --depth == 0 && !sub_end)
      sub_end = i + 1;
    if (i == 0 && t[0] == '`') {
      const char *close = strchr(t + 1, '`');
      sub_end = close ? (size_t)(close - t) + 1 : 0;
    }
  }
  if (!sub_end)
    return NULL;
  for (size_t i = 0; i < sub_end; i++)
    if (t[i] != '"' && t[i] != '\'' && t[i] != ' ' && t[i] != '\t')
      fg_buf_putc(&b, t[i]);
  bool own = false;
  for (const char *const *h = here; *h && !own; h++)
    own = b.data && strcmp(b.data, *h) == 0;
  free(b.data);
  const char *rest = t + sub_end;
  if (!own || (*rest && *rest != '/') || strchr(rest, '$') || strchr(rest, '`'))
    return NULL;
  const char *slash = strrchr(script, '/');
  char *dir = slash ? fg_xstrndup(script, (size_t)(slash - script)) : fg_xstrdup("");
  char *res = *rest ? fg_path_join(dir, rest + 1) : fg_xstrdup(dir);
  free(dir);
  return res;
}

typedef struct FgScRun {
  const FgLaunchCtx *lc;
  const FgSource *src;
  const char *path;
  const FgStrVec *params;
  char *dir;
  size_t shift;
  size_t total;
} FgScRun;

/* One command of the script as the shell runs it (ci/shflow): its words
 * expanded with the script's variables. */
static void fg_sc_visit(const FgFlowCommand *fc, void *user) {
  FgScRun *r = user;
  const FgShellCommand *sc = fc->cmd;
  if (sc->nwords == 0)
    return;
  if (strcmp(sc->words[0].text, "shift") == 0) {
    r->shift += sc->nwords > 1 ? (size_t)strtoul(sc->words[1].text, NULL, 10) : 1;
    return;
  }
  size_t line = fg_source_pos(r->src, sc->start).line;
  char *where = fg_xasprintf("%s:%zu", r->path, line);
  char *hop = fg_xasprintf("script %s", where);
  /* PYTEST_ADDOPTS the script exports reaches pytest */
  FgStrVec vars = {0};
  const char *addopts = fg_shell_vars_exported(fc->vars, "PYTEST_ADDOPTS")
                            ? fg_shell_vars_get(fc->vars, "PYTEST_ADDOPTS")
                            : NULL;
  if (addopts)
    fg_vec_push(&vars, fg_xasprintf("PYTEST_ADDOPTS=%s", addopts));
  FgLaunchLine ll = {"",      r->dir,        where, hop,       r->src, sc->start,
                     sc->end, FG_VIA_SCRIPT, &vars, r->params, true,   NULL};
  FgLaunchInner in;
  fg_launch_inner_begin(&in, r->lc, &ll);
  /* launchers the script calls see its variables */
  FgLaunchEnv env = *r->lc->env;
  env.vars = fc->vars;
  in.ctx.env = &env;
  bool alone = !fc->from_eval && fg_sc_alone(r->src, sc->start, sc->end);
  size_t k = fg_launch_command(&in.ctx, sc, r->dir, alone, r->shift);
  fg_launch_inner_end(&in);
  fg_strvec_free(&vars);
  free(hop);
  free(where);
  r->total += k;
  char *own = k ? NULL : fg_sc_cd_own_folder(sc, r->src->path);
  if (own) {
    free(r->dir);
    r->dir = own;
  } else if (!k) {
    fg_launch_cd(&r->dir, sc);
  }
}

size_t fg_launch_shell_script(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                              const char *cwd) {
  const FgShellWord *sw = &cmd->words[i];
  if (sw->dynamic || !*sw->text)
    return 0;
  char *path = fg_path_join(cwd, sw->text);
  const FgSource *src = fg_launch_file(lc->env, path);
  char *interp = src ? fg_sc_shebang(src) : NULL;
  if (src && (fg_sc_is_python(interp) || fg_str_endswith(path, ".py"))) {
    free(interp);
    free(path);
    return fg_launch_py_runner(lc, cmd, i, cwd);
  }
  bool shell = src && (fg_str_endswith(path, ".sh") || fg_str_endswith(path, ".bash") ||
                       (interp && (strstr(interp, "sh") != NULL)) || i > 0);
  free(interp);
  if (!shell) {
    free(path);
    return 0;
  }
  FgStrVec params = {0};
  for (size_t k = i + 1; k < cmd->nwords; k++)
    fg_vec_push(&params, fg_xstrdup(cmd->words[k].text));
  /* the script starts with what is exported to it */
  FgShellVars vars = {0};
  const FgShellVars *outer = lc->env->vars;
  for (size_t k = 0; outer && k < outer->items.len; k++) {
    const FgShellVar *v = &outer->items.items[k];
    if (v->exported)
      fg_shell_vars_set(&vars, v->name, v->value, true);
  }
  for (size_t k = 0; lc->vars && k < lc->vars->len; k++) {
    const char *kv = lc->vars->items[k];
    const char *eq = strchr(kv, '=');
    char *name = fg_xstrndup(kv, (size_t)(eq - kv));
    fg_shell_vars_set(&vars, name, eq + 1, true);
    free(name);
  }
  FgShellScript *sh = fg_shell_parse(src->data, src->len);
  FgScRun r = {lc, src, path, &params, fg_xstrdup(cwd), 0, 0};
  fg_shflow_run(sh, NULL, &vars, fg_sc_visit, &r);
  size_t total = r.total;
  free(r.dir);
  fg_shell_delete(sh);
  fg_shell_vars_free(&vars);
  fg_strvec_free(&params);
  free(path);
  return total;
}

/* ---- Python runner scripts -----------------------------------------------------------
 */

/* The words of a runner's list that are its own (literal), and from where
 * the script's arguments are forwarded: *from gets the index in cmd of the
 * first forwarded word (cmd->nwords: none). */
static void fg_sc_runner_words(const FgPyRunner *r, const FgShellCommand *cmd, size_t i,
                               FgStrVec *before, size_t *from) {
  *from = cmd->nwords;
  if (r->no_args) {
    *from = i + 1; /* pytest.main() reads sys.argv[1:] */
    return;
  }
  bool forwarded = false;
  for (size_t k = 0; k < r->call.args.len; k++) {
    const FgPlItem *it = &r->call.args.items[k];
    if (it->kind == FG_PL_LIT && !forwarded) {
      fg_vec_push(before, fg_xstrdup(it->text));
    } else if (it->kind == FG_PL_ARGV && !forwarded) {
      forwarded = true;
      if (!it->text) {
        /* sys.argv[N:]: argv[0] is the script */
        size_t skip = it->skip ? it->skip - 1 : 0;
        *from = i + 1 + skip < cmd->nwords ? i + 1 + skip : cmd->nwords;
      } else {
        /* built from the arguments by the script: its subcommand words
         * come first, pytest's from the first option */
        size_t f = i + 1;
        while (f < cmd->nwords && cmd->words[f].text[0] != '-')
          f++;
        *from = f;
      }
    }
    /* literal words after the forwarded ones, env values and unknown items
     * are not modelled: an unknown item is never a path */
  }
}

/* `python tasks.py VERB ...` where pytest.main sits in functions: does
 * VERB name one that reaches it (VERB, do_VERB, cmd_VERB, task_VERB, with
 * '-' read as '_')? */
static bool fg_sc_runner_verb(const FgPyRunner *r, const FgShellCommand *cmd, size_t i) {
  size_t v = i + 1;
  while (v < cmd->nwords && cmd->words[v].text[0] == '-')
    v++;
  if (v >= cmd->nwords || cmd->words[v].dynamic)
    return false;
  char *verb = fg_xstrdup(cmd->words[v].text);
  for (char *c = verb; *c; c++)
    if (*c == '-')
      *c = '_';
  static const char *const prefixes[] = {"", "do_", "cmd_", "task_", "run_", NULL};
  bool hit = false;
  for (const char *const *pre = prefixes; *pre && !hit; pre++) {
    char *name = fg_xasprintf("%s%s", *pre, verb);
    for (size_t k = 0; k < r->reach.len && !hit; k++)
      hit = strcmp(r->reach.items[k], name) == 0;
    free(name);
  }
  free(verb);
  return hit;
}

size_t fg_launch_py_runner(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                           const char *cwd) {
  const FgShellWord *sw = &cmd->words[i];
  if (sw->dynamic)
    return 0;
  char *path = fg_path_join(cwd, sw->text);
  const FgSource *src = fg_launch_file(lc->env, path);
  FgPyRunner r;
  if (!src || !fg_pyrunner_read(src, &r)) {
    if (src)
      fg_pyrunner_free(&r);
    free(path);
    return 0;
  }
  if (!r.always && !fg_sc_runner_verb(&r, cmd, i)) {
    /* a task script whose verb does not lead to pytest.main */
    fg_pyrunner_free(&r);
    free(path);
    return 0;
  }
  FgStrVec before = {0};
  size_t from = cmd->nwords;
  fg_sc_runner_words(&r, cmd, i, &before, &from);
  FgRunContext ctx = *lc->env->ctx;
  if (lc->line)
    ctx.cmdline_name = lc->line->where;
  const char *addopts = fg_launch_var(lc->vars, "PYTEST_ADDOPTS");
  if (addopts)
    ctx.env_addopts = addopts;
  ctx.runner_end = from;
  ctx.runner_words = (const char *const *)before.items;
  ctx.nrunner_words = before.len;
  ctx.runner_name = path;
  FgRun *run = NULL;
  if (!lc->line) {
    /* written in the step itself: its words are the workflow's */
    run = fg_run_new(lc->env->wf, lc->env->job, lc->env->step, cmd, cwd, &ctx);
    if (run) {
      fg_vec_push(&run->via_chain, fg_xasprintf("python %s (pytest.main)", path));
    }
  } else {
    FgStrVec chain = {0};
    for (size_t k = 0; lc->chain && k < lc->chain->len; k++)
      fg_vec_push(&chain, fg_xstrdup(lc->chain->items[k]));
    fg_vec_push(&chain, fg_xasprintf("python %s (pytest.main)", path));
    /* the command line is the launcher's line: `via` names where it is
     * written (the runner shows in via_chain) */
    char *via = fg_launch_via(lc->chain);
    const FgLaunchLine *line = lc->line;
    FgRunAnchor a = {lc->start,   lc->end,   via,        lc->single ? line->src : NULL,
                     line->start, line->end, line->kind, &chain,
                     sw->text};
    run =
        fg_run_new_launched(lc->env->wf, lc->env->job, lc->env->step, cmd, cwd, &ctx, &a);
    free(via);
    fg_strvec_free(&chain);
  }
  if (run)
    fg_vec_push(lc->out, run);
  fg_strvec_free(&before);
  fg_pyrunner_free(&r);
  free(path);
  return run ? 1 : 0;
}
