/* nox: `nox [-s|--session|--sessions|-e NAME...] [-p|--python PY...]
 * [-t|--tags TAG...] [-f|--noxfile FILE] [-- POSARGS]` (also `python -m
 * nox`) through the noxfile's sessions (parse/pylaunch.h).
 *
 * A session with python=[...] is named NAME-PY for each version; `-s NAME`
 * selects every version, `-s NAME-PY` one, and a name partly unknown
 * (`-s test-${{ matrix.python }}`) every session it can match; one with
 * nothing known (`-s "$S"`) none (the command is listed as not followed,
 * FgUnfollowed). Without -s:
 * nox.options.sessions, else every session not marked default=False. Each
 * `session.run(...)` becomes a command line: literal words, posargs (the
 * words after `--`; `session.posargs or [DEFAULT]` gives DEFAULT without
 * them), `os.environ.get("X", "d")` from the CI environment; other values
 * are unknown words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/launch_int.h"
#include "parse/pylaunch.h"

typedef struct FgNoxCall {
  FgStrVec sessions, pythons, tags;
  char *noxfile;
  bool dashdash;
  size_t dashdash_at; /* the `--` word's index in the command */
  FgStrVec posargs;
  bool no_tests; /* --list, --version, --help */
} FgNoxCall;

static void fg_nx_call_free(FgNoxCall *c) {
  fg_strvec_free(&c->sessions);
  fg_strvec_free(&c->pythons);
  fg_strvec_free(&c->tags);
  fg_strvec_free(&c->posargs);
  free(c->noxfile);
}

static void fg_nx_read_call(const FgShellCommand *cmd, size_t i, FgNoxCall *c) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  FgStrVec *into = NULL; /* the list a multi-valued option is filling */
  for (i++; i < n; i++) {
    const char *t = w[i].text;
    if (strcmp(t, "--") == 0) {
      c->dashdash = true;
      c->dashdash_at = i;
      for (i++; i < n; i++)
        fg_vec_push(&c->posargs, fg_xstrdup(w[i].text));
      break;
    }
    if (t[0] != '-') {
      if (into)
        fg_vec_push(into, fg_xstrdup(t));
      continue;
    }
    into = NULL;
    if (strcmp(t, "-s") == 0 || strcmp(t, "-e") == 0 || strcmp(t, "--session") == 0 ||
        strcmp(t, "--sessions") == 0) {
      into = &c->sessions;
    } else if (strcmp(t, "-p") == 0 || strcmp(t, "--python") == 0 ||
               strcmp(t, "--pythons") == 0) {
      into = &c->pythons;
    } else if (strcmp(t, "-t") == 0 || strcmp(t, "--tags") == 0) {
      into = &c->tags;
    } else if ((strcmp(t, "-f") == 0 || strcmp(t, "--noxfile") == 0) && i + 1 < n) {
      free(c->noxfile);
      c->noxfile = fg_xstrdup(w[++i].text);
    } else if (fg_str_startswith(t, "--session=") ||
               fg_str_startswith(t, "--sessions=")) {
      fg_vec_push(&c->sessions, fg_xstrdup(strchr(t, '=') + 1));
    } else if (fg_str_startswith(t, "--python=")) {
      fg_vec_push(&c->pythons, fg_xstrdup(t + 9));
    } else if (strcmp(t, "-l") == 0 || strcmp(t, "--list") == 0 ||
               strcmp(t, "--list-sessions") == 0 || strcmp(t, "--version") == 0 ||
               strcmp(t, "-h") == 0 || strcmp(t, "--help") == 0 ||
               strcmp(t, "--json") == 0) {
      c->no_tests = true;
    } else if ((strcmp(t, "-k") == 0 || strcmp(t, "--keywords") == 0 ||
                strcmp(t, "--envdir") == 0 || strcmp(t, "-db") == 0 ||
                strcmp(t, "--default-venv-backend") == 0 || strcmp(t, "-fb") == 0 ||
                strcmp(t, "--force-venv-backend") == 0 || strcmp(t, "-P") == 0 ||
                strcmp(t, "--force-python") == 0 || strcmp(t, "--extra-python") == 0 ||
                strcmp(t, "--report") == 0) &&
               i + 1 < n) {
      i++;
    }
  }
}

/* The names a session answers to: NAME and NAME-PY for each python. */
static void fg_nx_names(const FgNoxSession *s, FgStrVec *out) {
  fg_vec_push(out, fg_xstrdup(s->name));
  for (size_t i = 0; i < s->pythons.len; i++)
    fg_vec_push(out, fg_xasprintf("%s-%s", s->name, s->pythons.items[i]));
}

/* The pythons of s that run: all of them (or the one nox runs on), or those
 * a name `NAME-PY` or `-p` names. An empty result with run true: the
 * session's single run. */
static bool fg_nx_selected(const FgLaunchCtx *lc, const FgNoxCall *call,
                           const FgNoxfile *nf, const FgNoxSession *s, FgStrVec *pys) {
  bool run = false;
  FgStrVec names = {0};
  fg_nx_names(s, &names);
  if (call->sessions.len) {
    for (size_t k = 0; k < call->sessions.len; k++) {
      FgStrVec hits = {0};
      FgStrVec words = {0};
      fg_strvec_split(&words, call->sessions.items[k], ",");
      for (size_t q = 0; q < words.len; q++)
        fg_launch_match_names(lc, words.items[q], &names, &hits);
      fg_strvec_free(&words);
      for (size_t h = 0; h < hits.len; h++) {
        run = true;
        if (strcmp(hits.items[h], s->name) == 0) {
          for (size_t p = 0; p < s->pythons.len; p++)
            fg_vec_push(pys, fg_xstrdup(s->pythons.items[p]));
        } else {
          fg_vec_push(pys, fg_xstrdup(hits.items[h] + strlen(s->name) + 1));
        }
      }
      fg_strvec_free(&hits);
    }
  } else if (call->tags.len) {
    for (size_t k = 0; k < call->tags.len && !run; k++)
      for (size_t t = 0; t < s->tags.len && !run; t++)
        run = strcmp(call->tags.items[k], s->tags.items[t]) == 0;
  } else if (nf->has_defaults) {
    for (size_t k = 0; k < nf->defaults.len && !run; k++)
      run = strcmp(nf->defaults.items[k], s->name) == 0;
  } else {
    run = s->is_default;
  }
  if (run && !pys->len && !call->sessions.len)
    for (size_t p = 0; p < s->pythons.len; p++)
      fg_vec_push(pys, fg_xstrdup(s->pythons.items[p]));
  if (run && call->pythons.len && pys->len) {
    /* -p narrows to the versions named */
    FgStrVec keep = {0};
    for (size_t p = 0; p < pys->len; p++)
      for (size_t q = 0; q < call->pythons.len; q++)
        if (strcmp(pys->items[p], call->pythons.items[q]) == 0) {
          fg_vec_push(&keep, fg_xstrdup(pys->items[p]));
          break;
        }
    fg_strvec_free(pys);
    *pys = keep;
    run = pys->len > 0;
  }
  fg_strvec_free(&names);
  return run;
}

static void fg_nx_put_list(const FgLaunchCtx *lc, const FgNoxCall *call,
                           const FgPlList *args, FgBuf *b, int depth);

static void fg_nx_put_item(const FgLaunchCtx *lc, const FgNoxCall *call,
                           const FgPlItem *it, FgBuf *b, int depth) {
  switch (it->kind) {
  case FG_PL_LIT:
    fg_launch_put_word(b, it->text);
    break;
  case FG_PL_POSARGS:
    if (call->dashdash) {
      for (size_t k = 0; k < call->posargs.len; k++)
        fg_launch_put_word(b, call->posargs.items[k]);
    } else if (it->or_default && depth < 4) {
      fg_nx_put_list(lc, call, it->or_default, b, depth + 1);
    }
    break;
  case FG_PL_ENV: {
    const char *v = fg_launch_getenv(lc, NULL, it->text);
    if (!v)
      v = it->dflt;
    if (!v) {
      fg_launch_put_word(b, "$NOX_EXPR");
    } else if (it->split) {
      FgStrVec parts = {0};
      fg_strvec_split(&parts, v, " \t\n");
      for (size_t k = 0; k < parts.len; k++)
        fg_launch_put_word(b, parts.items[k]);
      fg_strvec_free(&parts);
    } else {
      fg_launch_put_word(b, v);
    }
    break;
  }
  default:
    /* not known: a word the shell grammar reads as an expansion */
    fg_launch_put_word(b, "$NOX_EXPR");
    break;
  }
}

static void fg_nx_put_list(const FgLaunchCtx *lc, const FgNoxCall *call,
                           const FgPlList *args, FgBuf *b, int depth) {
  for (size_t i = 0; i < args->len; i++)
    fg_nx_put_item(lc, call, &args->items[i], b, depth);
}

/* A `-s` word not known that names no session (`-s "$SESSION"`): the
 * command is listed as not followed. */
static void fg_nx_unknown_sessions(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                                   const FgNoxCall *call, const FgNoxfile *nf) {
  FgStrVec all = {0};
  for (size_t s = 0; s < nf->sessions.len; s++)
    fg_nx_names(&nf->sessions.items[s], &all);
  for (size_t k = 0; k < call->sessions.len; k++) {
    FgStrVec words = {0};
    fg_strvec_split(&words, call->sessions.items[k], ",");
    for (size_t q = 0; q < words.len; q++) {
      const char *word = words.items[q];
      if (!strchr(word, '$') && !strchr(word, '`'))
        continue;
      FgStrVec hits = {0};
      fg_launch_match_names(lc, word, &all, &hits);
      if (!hits.len)
        fg_launch_unfollowed(lc, cmd, "nox session", word);
      fg_strvec_free(&hits);
    }
    fg_strvec_free(&words);
  }
  fg_strvec_free(&all);
}

size_t fg_launch_nox(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                     const char *cwd) {
  FgNoxCall call;
  memset(&call, 0, sizeof call);
  fg_nx_read_call(cmd, i, &call);
  char *path = fg_path_join(cwd, call.noxfile ? call.noxfile : "noxfile.py");
  const FgSource *src = call.no_tests ? NULL : fg_launch_file(lc->env, path);
  size_t total = 0;
  if (src) {
    FgNoxfile *nf = fg_noxfile_parse(src);
    /* nox runs sessions in the noxfile's directory */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? fg_xstrndup(path, (size_t)(slash - path)) : fg_xstrdup("");
    for (size_t s = 0; s < nf->sessions.len; s++) {
      const FgNoxSession *ns = &nf->sessions.items[s];
      FgStrVec pys = {0};
      if (!fg_nx_selected(lc, &call, nf, ns, &pys)) {
        fg_strvec_free(&pys);
        continue;
      }
      size_t nruns = pys.len ? pys.len : 1;
      for (size_t p = 0; p < nruns; p++) {
        char *name = pys.len ? fg_xasprintf("%s-%s", ns->name, pys.items[p])
                             : fg_xstrdup(ns->name);
        char *where = fg_xasprintf("%s [session %s]", path, name);
        char *hop = fg_xasprintf("nox session %s (%s)", name, path);
        size_t from = lc->out->len;
        for (size_t r = 0; r < ns->runs.len; r++) {
          FgBuf b = {0};
          fg_nx_put_list(lc, &call, &ns->runs.items[r].args, &b, 0);
          FgLaunchLine ll = {b.data ? b.data : "",
                             dir,
                             where,
                             hop,
                             src,
                             ns->runs.items[r].start,
                             ns->runs.items[r].end,
                             FG_VIA_NOX,
                             NULL,
                             NULL,
                             false,
                             NULL};
          total += fg_launch_run_line(lc, &ll);
          fg_buf_free(&b);
        }
        if (call.dashdash)
          fg_launch_keep_posargs(lc, cmd, call.dashdash_at, from);
        /* nox runs the session with that interpreter */
        char *py = pys.len ? fg_launch_python_of(pys.items[p]) : NULL;
        fg_launch_fill_python(lc->out, from, py);
        free(py);
        free(hop);
        free(where);
        free(name);
      }
      fg_strvec_free(&pys);
    }
    fg_nx_unknown_sessions(lc, cmd, &call, nf);
    free(dir);
    fg_noxfile_delete(nf);
  }
  free(path);
  fg_nx_call_free(&call);
  return total;
}
