/* probe/report: what a probe run saw, for people: the summary after a run,
 * and the hang report after a kill at the timeout. */
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

#define FG_REPORT_MAX_LINES 20
#define FG_REPORT_MAX_THREADS 8

static size_t fg_test_processes(const FgObsTest *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->starts.len; i++)
    n += t->starts.items[i].count;
  return n;
}

/* "fork", "fork+spawn": the test's start methods, in order of first sight. */
static char *fg_test_methods(const FgObsTest *t) {
  FgBuf b = {0};
  FgStrVec seen = {0};
  for (size_t i = 0; i < t->starts.len; i++) {
    const char *m = fg_obs_start_method(&t->starts.items[i]);
    bool dup = false;
    for (size_t k = 0; k < seen.len && !dup; k++)
      dup = strcmp(seen.items[k], m) == 0;
    if (dup)
      continue;
    fg_vec_push(&seen, fg_xstrdup(m));
    fg_buf_printf(&b, "%s%s", b.len ? "+" : "", m);
  }
  fg_strvec_free(&seen);
  return fg_buf_take(&b);
}

/* ", in setup and teardown" when not every start was in the call phase. */
static void fg_test_phases(FgBuf *b, const FgObsTest *t) {
  FgStrVec phases = {0};
  bool other = false;
  for (size_t i = 0; i < t->starts.len; i++) {
    const char *ph = t->starts.items[i].phase;
    other = other || strcmp(ph, "call") != 0;
    bool dup = false;
    for (size_t k = 0; k < phases.len && !dup; k++)
      dup = strcmp(phases.items[k], ph) == 0;
    if (!dup)
      fg_vec_push(&phases, fg_xstrdup(ph));
  }
  if (other) {
    fg_buf_puts(b, ", in ");
    for (size_t k = 0; k < phases.len; k++)
      fg_buf_printf(b, "%s%s",
                    k == 0                ? ""
                    : k + 1 == phases.len ? " and "
                                          : ", ",
                    phases.items[k]);
  }
  fg_strvec_free(&phases);
}

typedef struct FgMethodCount {
  char *method;
  size_t tests;
} FgMethodCount;

typedef FG_VEC(FgMethodCount) FgMethodCounts;

static void fg_count_methods(const FgObserved *obs, FgMethodCounts *counts) {
  for (size_t i = 0; i < obs->tests.len; i++) {
    const FgObsTest *t = &obs->tests.items[i];
    for (size_t s = 0; s < t->starts.len; s++) {
      const char *m = fg_obs_start_method(&t->starts.items[s]);
      bool earlier = false; /* counted for this test already */
      for (size_t k = 0; k < s && !earlier; k++)
        earlier = strcmp(fg_obs_start_method(&t->starts.items[k]), m) == 0;
      if (earlier)
        continue;
      FgMethodCount *c = NULL;
      for (size_t k = 0; k < counts->len && !c; k++)
        if (strcmp(counts->items[k].method, m) == 0)
          c = &counts->items[k];
      if (!c) {
        FgMethodCount nc = {fg_xstrdup(m), 0};
        fg_vec_push(counts, nc);
        c = &counts->items[counts->len - 1];
      }
      c->tests++;
    }
  }
}

void fg_probe_report(const FgObserved *obs, const FgProbeDirs *dirs,
                     const FgRunResult *res, FILE *out) {
  size_t ran = obs->tests.len, started = 0, forks = 0;
  for (size_t i = 0; i < ran; i++) {
    const FgObsTest *t = &obs->tests.items[i];
    started += t->starts.len > 0;
    for (size_t s = 0; s < t->starts.len; s++)
      if (t->starts.items[s].forks && t->starts.items[s].threads.len) {
        forks++;
        break;
      }
  }
  FgBuf b = {0};
  fg_buf_printf(&b, "\nforkguard probe: %zu test%s ran in %.1f s", ran,
                ran == 1 ? "" : "s", res->duration);
  if (res->timed_out)
    fg_buf_puts(&b, " before the timeout");
  else if (res->exited)
    fg_buf_printf(&b, ", pytest exited %d", res->exit_status);
  else
    fg_buf_printf(&b, ", pytest was killed by signal %d", res->signal);
  if (obs->workers.len > 1 ||
      (obs->workers.len == 1 && strcmp(obs->workers.items[0], "main")))
    fg_buf_printf(&b, " (%zu xdist workers)", obs->workers.len);
  fg_buf_printf(&b, "; wrote %s/observed.json\n", dirs->shown);
  if (res->left_behind)
    fg_buf_puts(&b,
                "Processes the run left running in its process group were stopped.\n");
  if (!started) {
    fg_buf_puts(&b, "No test started a process.\n");
  } else {
    FgMethodCounts counts = {0};
    fg_count_methods(obs, &counts);
    fg_buf_printf(&b, "%zu test%s started processes (", started, started == 1 ? "" : "s");
    for (size_t k = 0; k < counts.len; k++) {
      fg_buf_printf(&b, "%s%s: %zu", k ? ", " : "", counts.items[k].method,
                    counts.items[k].tests);
      free(counts.items[k].method);
    }
    fg_vec_free(&counts);
    fg_buf_puts(&b, "):\n");
    size_t shown = 0;
    for (size_t i = 0; i < ran; i++) {
      const FgObsTest *t = &obs->tests.items[i];
      if (!t->starts.len)
        continue;
      if (shown++ == FG_REPORT_MAX_LINES) {
        fg_buf_printf(&b, "  ... and %zu more (%s/observed.json)\n",
                      started - FG_REPORT_MAX_LINES, dirs->shown);
        break;
      }
      char *methods = fg_test_methods(t);
      char *where = fg_obs_start_where(&t->starts.items[0]);
      size_t n = fg_test_processes(t);
      fg_buf_printf(&b, "  %-10s %s  %s at %s", methods, t->nodeid,
                    fg_obs_start_what(&t->starts.items[0]), where);
      if (n > 1 || t->starts.len > 1) {
        fg_buf_printf(&b, " (%zu processes", n);
        fg_test_phases(&b, t);
        fg_buf_puts(&b, ")");
      } else if (strcmp(t->starts.items[0].phase, "call") != 0) {
        fg_buf_printf(&b, " (in %s)", t->starts.items[0].phase);
      }
      fg_buf_putc(&b, '\n');
      free(methods);
      free(where);
    }
  }
  if (forks) {
    fg_buf_printf(&b, "%zu test%s forked while other threads were alive:\n", forks,
                  forks == 1 ? "" : "s");
    size_t shown = 0;
    for (size_t i = 0; i < ran; i++) {
      const FgObsTest *t = &obs->tests.items[i];
      const FgObsStart *f = NULL;
      for (size_t s = 0; s < t->starts.len && !f; s++)
        if (t->starts.items[s].forks && t->starts.items[s].threads.len)
          f = &t->starts.items[s];
      if (!f)
        continue;
      if (shown++ == FG_REPORT_MAX_LINES) {
        fg_buf_printf(&b, "  ... and %zu more\n", forks - FG_REPORT_MAX_LINES);
        break;
      }
      char *where = fg_obs_start_where(f);
      char *threads = fg_obs_threads_line(&f->threads, 4);
      fg_buf_printf(&b, "  %s: %s at %s, with %s\n", t->nodeid, fg_obs_start_what(f),
                    where, threads);
      free(where);
      free(threads);
    }
  }
  if (obs->outside.len) {
    size_t n = 0;
    for (size_t i = 0; i < obs->outside.len; i++)
      n += obs->outside.items[i].count;
    const FgObsStart *s = &obs->outside.items[0];
    char *where = fg_obs_start_where(s);
    fg_buf_printf(&b,
                  "%zu process%s started outside any test (collection, session "
                  "fixtures), the first by %s at %s (%s)\n",
                  n, n == 1 ? "" : "es", fg_obs_start_what(s), where, s->phase);
    free(where);
  }
  fg_buf_puts(&b, "`forkguard check` now compares these with its own findings.\n");
  fputs(b.data, out);
  fg_buf_free(&b);
}

/* ---- the hang --------------------------------------------------------------------- */

/* A "file:line:function" frame, its file shortened: relative to the root
 * when under it, after ".../pythonX.Y/" for the standard library. */
static char *fg_frame_text(const char *frame, const char *root) {
  const char *fn = strrchr(frame, ':');
  if (!fn || fn == frame)
    return fg_xstrdup(frame);
  const char *ln = fn - 1;
  while (ln > frame && *ln != ':')
    ln--;
  if (*ln != ':')
    return fg_xstrdup(frame);
  char *file = fg_xstrndup(frame, (size_t)(ln - frame));
  const char *shown = file;
  size_t rl = strlen(root);
  if (strncmp(file, root, rl) == 0 && file[rl] == '/')
    shown = file + rl + 1;
  else {
    const char *py = strstr(file, "/python3");
    const char *slash = py ? strchr(py + 1, '/') : NULL;
    if (slash)
      shown = slash + 1;
  }
  char *out = fg_xasprintf("%s:%.*s %s", shown, (int)(fn - ln - 1), ln + 1, fn + 1);
  free(file);
  return out;
}

/* Is the frame's file under the root? */
static bool fg_frame_in_root(const char *frame, const char *root) {
  size_t rl = strlen(root);
  return strncmp(frame, root, rl) == 0 && frame[rl] == '/' &&
         !strstr(frame + rl, "/site-packages/") && !strstr(frame + rl, "/.forkguard/");
}

static void fg_hang_thread(FgBuf *b, const FgObsThread *t, const char *root) {
  FgObsThreads single = {(FgObsThread *)t, 1, 1};
  char *name = fg_obs_threads_line(&single, 1);
  fg_buf_printf(b, "    %s: ", name);
  free(name);
  if (!t->stack.len) {
    fg_buf_puts(b, "no stack recorded\n");
    return;
  }
  const char *inner = t->stack.items[t->stack.len - 1];
  const char *mine = NULL;
  for (size_t i = t->stack.len; i > 0 && !mine; i--)
    if (fg_frame_in_root(t->stack.items[i - 1], root))
      mine = t->stack.items[i - 1];
  char *inner_text = fg_frame_text(inner, root);
  if (mine && mine != inner) {
    char *mine_text = fg_frame_text(mine, root);
    fg_buf_printf(b, "%s, waiting in %s\n", mine_text, inner_text);
    free(mine_text);
  } else {
    fg_buf_printf(b, "%s\n", inner_text);
  }
  free(inner_text);
}

/* The hang first: the phase the watchdog saw running longest. */
static int fg_hang_cmp(const void *a, const void *b) {
  const FgObsHang *x = *(const FgObsHang *const *)a, *y = *(const FgObsHang *const *)b;
  if (x->elapsed != y->elapsed)
    return x->elapsed > y->elapsed ? -1 : 1;
  return strcmp(x->test, y->test);
}

void fg_probe_report_hang(const FgObserved *obs, const FgProbeDirs *dirs, double timeout,
                          FILE *err) {
  FgBuf b = {0};
  fg_buf_printf(&b,
                "\nforkguard: error: the test run did not finish in %g s (--timeout): "
                "stopped its process group\n",
                timeout);
  if (!obs->hung.len) {
    fg_buf_puts(&b, "  no test was running: it hung outside tests (collection, a session "
                    "fixture, or pytest's own shutdown)\n");
    fputs(b.data, err);
    fg_buf_free(&b);
    return;
  }
  FG_VEC(const FgObsHang *) order = {0};
  for (size_t i = 0; i < obs->hung.len; i++)
    fg_vec_push(&order, &obs->hung.items[i]);
  qsort(order.items, order.len, sizeof order.items[0], fg_hang_cmp);
  const FgObsHang *h = order.items[0];
  bool xdist = strcmp(h->worker, "main") != 0;
  fg_buf_printf(&b, "  hung: %s, in its %s phase (%s%s, pid %ld)\n", h->test, h->phase,
                xdist ? "xdist worker " : "", xdist ? h->worker : "the pytest process",
                h->pid);
  const FgObsTest *t = fg_observed_test(obs, h->test);
  size_t nstarts = 0;
  for (size_t i = 0; t && i < t->starts.len; i++) {
    const FgObsStart *s = &t->starts.items[i];
    if (strcmp(s->phase, h->phase) != 0)
      continue;
    nstarts++;
    char *where = fg_obs_start_where(s);
    fg_buf_printf(&b, "  it %s %zu process%s (%s, %s at %s)",
                  s->forks ? "forked" : "started", s->count, s->count == 1 ? "" : "es",
                  fg_obs_start_method(s), fg_obs_start_what(s), where);
    free(where);
    if (s->forks && s->threads.len) {
      char *threads = fg_obs_threads_line(&s->threads, FG_REPORT_MAX_THREADS);
      fg_buf_printf(&b, " while these threads were alive: %s\n", threads);
      free(threads);
    } else if (s->forks) {
      fg_buf_puts(&b, " with no other thread alive\n");
    } else {
      fg_buf_puts(&b, "\n");
    }
  }
  if (!nstarts)
    fg_buf_printf(&b, "  it started no process in its %s phase before it hung\n",
                  h->phase);
  if (h->elapsed >= 0) {
    fg_buf_printf(&b, "  its threads %.1f s into the phase:\n", h->elapsed);
    for (size_t i = 0; i < h->threads.len && i < FG_REPORT_MAX_THREADS; i++)
      fg_hang_thread(&b, &h->threads.items[i], dirs->root);
    if (h->threads.len > FG_REPORT_MAX_THREADS)
      fg_buf_printf(&b, "    ... and %zu more\n", h->threads.len - FG_REPORT_MAX_THREADS);
  } else {
    fg_buf_puts(&b, "  (no thread stacks: the phase began less than the watchdog period "
                    "before the timeout)\n");
  }
  if (h->dump)
    fg_buf_printf(&b, "  every thread's full stack: %s\n", h->dump);
  for (size_t i = 1; i < order.len; i++)
    fg_buf_printf(&b, "  also running when stopped: %s (%s, %s)\n", order.items[i]->test,
                  order.items[i]->phase, order.items[i]->worker);
  fg_buf_printf(&b, "  the records so far are in %s/observed.json\n", dirs->shown);
  fg_vec_free(&order);
  fputs(b.data, err);
  fg_buf_free(&b);
}
