#include "probe/attach.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/discover.h"
#include "core/rule.h"

/* pytest's settings live here too: a change to them can change the run */
static const char *const fg_config_files[] = {"pyproject.toml", "setup.cfg", "pytest.ini",
                                              "tox.ini", NULL};

static double fg_mtime(const char *root, const char *rel) {
  char *path = fg_xasprintf("%s/%s", root, rel);
  struct stat st;
  double t = -1;
  if (stat(path, &st) == 0)
    t = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
  free(path);
  return t;
}

/* The first source under root changed after the run started, or NULL
 * (owned). */
static char *fg_observed_stale(const FgObserved *obs, const char *root) {
  char *err = NULL;
  FgDiscovery *d = fg_discover(root, NULL, 0, &err);
  free(err);
  char *stale = NULL;
  for (size_t i = 0; d && i < d->python.len && !stale; i++)
    if (fg_mtime(root, d->python.items[i]) > obs->started)
      stale = fg_xstrdup(d->python.items[i]);
  for (const char *const *c = fg_config_files; *c && !stale; c++)
    if (fg_mtime(root, *c) > obs->started)
      stale = fg_xstrdup(*c);
  fg_discovery_delete(d);
  return stale;
}

/* path as the user sees it: relative to the current folder when below it */
static const char *fg_shown(const char *path) {
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    return path;
  size_t n = strlen(cwd);
  return strncmp(path, cwd, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

FgObserved *fg_observed_for_check(const char *root, const char *named, bool quiet,
                                  FILE *err, bool *failed) {
  *failed = false;
  char *why = NULL;
  if (named) {
    FgObserved *obs = fg_observed_load(named, &why);
    if (!obs) {
      fprintf(err, "forkguard: error: --observed %s\n", why);
      free(why);
      *failed = true;
    }
    return obs;
  }
  char *path = fg_xasprintf("%s/.forkguard/observed.json", root);
  struct stat st;
  if (stat(path, &st) != 0) {
    free(path);
    return NULL;
  }
  size_t len = 0;
  char *data = fg_read_file(path, (size_t)256 << 20, &len, &why);
  FgObserved *obs = data ? fg_observed_parse(data, len, &why) : NULL;
  free(data);
  if (!obs) {
    if (!quiet)
      fprintf(err, "forkguard: warning: %s: not used: %s\n", fg_shown(path), why);
    free(why);
    free(path);
    return NULL;
  }
  char *stale = fg_observed_stale(obs, root);
  if (stale) {
    if (!quiet)
      fprintf(err,
              "forkguard: warning: %s is older than %s (changed after the probe run): "
              "not used; run `forkguard probe` again, or name it with --observed\n",
              fg_shown(path), stale);
    free(stale);
    fg_observed_delete(obs);
    obs = NULL;
  }
  free(path);
  return obs;
}

static void fg_add_path(FgStrVec *out, const char *path) {
  if (!path || path[0] == '/' || !fg_str_endswith(path, ".py"))
    return;
  fg_vec_push(out, fg_xstrdup(path));
}

void fg_observed_parse_paths(const FgObserved *self, FgStrVec *out) {
  if (!self)
    return;
  for (size_t i = 0; i < self->tests.len; i++) {
    const FgObsTest *t = &self->tests.items[i];
    if (!t->starts.len)
      continue;
    const char *sep = strstr(t->nodeid, "::");
    if (sep) {
      char *file = fg_xstrndup(t->nodeid, (size_t)(sep - t->nodeid));
      fg_add_path(out, file);
      free(file);
    }
    for (size_t s = 0; s < t->starts.len; s++)
      for (size_t f = 0; f < t->starts.items[s].stack.len; f++)
        fg_add_path(out, t->starts.items[s].stack.items[f].path);
  }
  if (out->len > 1)
    qsort(out->items, out->len, sizeof(char *), fg_str_cmp_ptr);
  size_t w = 0;
  for (size_t r = 0; r < out->len; r++) {
    if (w && strcmp(out->items[w - 1], out->items[r]) == 0) {
      free(out->items[r]);
      continue;
    }
    out->items[w++] = out->items[r];
  }
  out->len = w;
}

FgObsVerdict fg_observed_verdict(const FgObserved *self, const char *nodeid,
                                 FgObsFunction *f) {
  fg_observed_function(self, nodeid, f);
  if (!f->ran)
    return FG_OBS_NOT_RUN;
  return f->started ? FG_OBS_STARTED : FG_OBS_NO_START;
}

size_t fg_observed_trust(const FgObserved *self, FgDiagList *diags) {
  if (!self)
    return 0;
  size_t w = 0, dropped = 0;
  for (size_t i = 0; i < diags->items.len; i++) {
    FgDiag *d = diags->items.items[i];
    FgObsFunction f;
    /* only a run that went through the test: every parameter set passed */
    bool drop = d->test && strcmp(d->rule->code, "FG101") == 0 &&
                fg_observed_verdict(self, d->test, &f) == FG_OBS_NO_START &&
                f.passed == f.ran;
    if (drop) {
      fg_diag_delete(d);
      dropped++;
    } else {
      diags->items.items[w++] = d;
    }
  }
  diags->items.len = w;
  return dropped;
}

static void fg_where_worker(FgBuf *b, const char *worker) {
  if (!worker || strcmp(worker, "main") == 0)
    fg_buf_puts(b, "the pytest process");
  else
    fg_buf_printf(b, "xdist worker %s", worker);
}

char *fg_observed_note(const FgObserved *self, const char *nodeid) {
  FgObsFunction f;
  FgObsVerdict v = fg_observed_verdict(self, nodeid, &f);
  FgBuf b = {0};
  if (v == FG_OBS_NOT_RUN) {
    fg_buf_puts(&b, "not observed in the probe run: the test did not run in it");
    return fg_buf_take(&b);
  }
  if (v == FG_OBS_NO_START) {
    const char *outcome = f.first->outcome ? f.first->outcome : "passed";
    fg_buf_puts(&b, "not observed in the probe run: ");
    if (f.ran > 1)
      fg_buf_printf(&b, "its %zu parameter sets ran (%zu passed) and started no process",
                    f.ran, f.passed);
    else if (strcmp(outcome, "skipped") == 0)
      fg_buf_puts(&b, "the test was skipped");
    else
      fg_buf_printf(&b, "the test ran (%s) and started no process", outcome);
    return fg_buf_take(&b);
  }
  const FgObsTest *t = f.first_start;
  const FgObsStart *s = &t->starts.items[0];
  char *where = fg_obs_start_where(s);
  fg_buf_printf(&b, "observed in the probe run: %s, %s at %s (", fg_obs_start_method(s),
                fg_obs_start_what(s), where);
  free(where);
  if (strcmp(s->phase, "call") != 0)
    fg_buf_printf(&b, "%s, ", s->phase);
  fg_where_worker(&b, s->worker);
  fg_buf_puts(&b, ")");
  if (f.ran > 1)
    fg_buf_printf(&b, " in %zu of its %zu parameter sets", f.started, f.ran);
  if (f.fork_with_threads) {
    char *threads = fg_obs_threads_line(&f.fork_with_threads->threads, 4);
    fg_buf_printf(&b, "; it forked while these threads were alive: %s", threads);
    free(threads);
  }
  return fg_buf_take(&b);
}
