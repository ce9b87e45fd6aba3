/* probe/records: the recorder's raw files (docs/probe-records.md) merged into
 * the observed model, the rule of that page's "Merging" section, plus what
 * observed.json adds: paths relative to forkguard's root, starts that look
 * the same counted once, one outcome per test, and the hang's threads. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/json_read.h"
#include "core/words.h"
#include "probe/internal.h"

/* A record line longer than this is not the recorder's (its longest, a
 * still_running record of many threads, is tens of kilobytes). */
#define FG_RECORD_MAX_LINE ((size_t)8 << 20)
#define FG_RECORDS_MAX_FILE ((size_t)1 << 30)

enum { FG_PH_NONE = 0, FG_PH_PASSED, FG_PH_FAILED, FG_PH_SKIPPED, FG_PH_OPEN };

/* Per test, the last outcome of each phase. */
typedef struct FgMergeTest {
  unsigned char setup, call, teardown;
} FgMergeTest;

/* The merge's state beside the model, until fg_observed_finish. */
struct FgObsMerge {
  FgWordSet index; /* node id -> test index + 1 */
  FG_VEC(FgMergeTest) phases;
};

/* ---- paths ----------------------------------------------------------------------- */

/* path (relative to rootdir, or absolute) made relative to root when it is
 * under it; else absolute. Owned. */
static char *fg_rel_to_root(const char *path, const char *rootdir, const char *root) {
  if (!path)
    return NULL;
  if (path[0] != '/' && (!rootdir || !root || strcmp(rootdir, root) == 0))
    return fg_xstrdup(path);
  char *abs = path[0] == '/' ? fg_xstrdup(path) : fg_xasprintf("%s/%s", rootdir, path);
  size_t rl = root ? strlen(root) : 0;
  if (root && strncmp(abs, root, rl) == 0 && abs[rl] == '/') {
    char *rel = fg_xstrdup(abs + rl + 1);
    free(abs);
    return rel;
  }
  return abs;
}

static char *fg_nodeid_to_root(const char *nodeid, const char *rootdir,
                               const char *root) {
  const char *sep = strstr(nodeid, "::");
  size_t flen = sep ? (size_t)(sep - nodeid) : strlen(nodeid);
  char *file = fg_xstrndup(nodeid, flen);
  char *rel = fg_rel_to_root(file, rootdir, root);
  char *out = fg_xasprintf("%s%s", rel, sep ? sep : "");
  free(file);
  free(rel);
  return out;
}

/* ---- records -> model pieces -------------------------------------------------- */

static char *fg_dup_or_null(const char *s) {
  return s ? fg_xstrdup(s) : NULL;
}

/* Where the recorder's frame paths go: relative to the project root. */
typedef struct FgRootMap {
  const char *rootdir, *root;
} FgRootMap;

static char *fg_map_to_root(const char *path, void *ctx) {
  const FgRootMap *m = ctx;
  return fg_rel_to_root(path, m->rootdir, m->root);
}

void fg_obs_threads_free(FgObsThreads *ts) {
  for (size_t i = 0; i < ts->len; i++) {
    free(ts->items[i].name);
    fg_strvec_free(&ts->items[i].stack);
  }
  fg_vec_free(ts);
}

void fg_obs_start_free(FgObsStart *s) {
  free(s->phase);
  free(s->api);
  free(s->method);
  free(s->via);
  free(s->worker);
  free(s->thread);
  for (size_t i = 0; i < s->stack.len; i++) {
    free(s->stack.items[i].path);
    free(s->stack.items[i].function);
  }
  fg_vec_free(&s->stack);
  fg_obs_threads_free(&s->threads);
}

static FgObsStart fg_read_start(const FgJsonValue *rec, const char *rootdir,
                                const char *root) {
  FgObsStart s = {0};
  s.phase = fg_dup_or_null(fg_json_get_str(rec, "phase"));
  if (!s.phase)
    s.phase = fg_xstrdup("session");
  s.api = fg_xstrdup(fg_json_get_str(rec, "api") ? fg_json_get_str(rec, "api") : "?");
  s.method = fg_dup_or_null(fg_json_get_str(rec, "method"));
  s.via = fg_dup_or_null(fg_json_get_str(rec, "via"));
  fg_json_get_bool(rec, "forks", &s.forks);
  s.count = 1;
  s.worker = fg_dup_or_null(fg_json_get_str(rec, "worker"));
  s.thread = fg_dup_or_null(fg_json_get_str(rec, "thread"));
  FgRootMap map = {rootdir, root};
  fg_obs_read_stack(rec, fg_map_to_root, &map, &s.stack);
  fg_obs_read_threads(fg_json_value_get(rec, "threads"), false, &s.threads);
  return s;
}

static bool fg_threads_same(const FgObsThreads *a, const FgObsThreads *b) {
  if (a->len != b->len)
    return false;
  for (size_t i = 0; i < a->len; i++) {
    const FgObsThread *x = &a->items[i], *y = &b->items[i];
    if (strcmp(x->name, y->name) != 0 || x->daemon != y->daemon || x->xdist != y->xdist)
      return false;
  }
  return true;
}

static bool fg_starts_same(const FgObsStart *a, const FgObsStart *b) {
  if (!fg_str_eq(a->phase, b->phase) || !fg_str_eq(a->api, b->api) ||
      !fg_str_eq(a->method, b->method) || !fg_str_eq(a->via, b->via) ||
      a->forks != b->forks || !fg_str_eq(a->thread, b->thread) ||
      a->stack.len != b->stack.len)
    return false;
  for (size_t i = 0; i < a->stack.len; i++) {
    const FgObsFrame *x = &a->stack.items[i], *y = &b->stack.items[i];
    if (x->line != y->line || strcmp(x->path, y->path) != 0 ||
        strcmp(x->function, y->function) != 0)
      return false;
  }
  return fg_threads_same(&a->threads, &b->threads);
}

/* Adds s to starts, or counts it on one that looks the same. Takes s. */
static void fg_starts_add(FgObsStarts *starts, FgObsStart *s) {
  for (size_t i = 0; i < starts->len; i++)
    if (fg_starts_same(&starts->items[i], s)) {
      starts->items[i].count++;
      fg_obs_start_free(s);
      return;
    }
  fg_vec_push(starts, *s);
}

static void fg_strvec_add_once(FgStrVec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i], s) == 0)
      return;
  fg_vec_push(v, fg_xstrdup(s));
}

/* ---- the merge ------------------------------------------------------------------ */

typedef struct FgObsMerge FgMerge;

static FgMerge *fg_merging(FgObserved *obs) {
  if (!obs->merging)
    obs->merging = fg_xcalloc(1, sizeof *obs->merging);
  return obs->merging;
}

static size_t fg_merge_test(FgObserved *obs, const char *nodeid) {
  FgMerge *m = fg_merging(obs);
  uint32_t at = fg_word_set_get(&m->index, nodeid);
  if (at)
    return at - 1;
  FgObsTest t = {0};
  t.nodeid = fg_xstrdup(nodeid);
  fg_vec_push(&obs->tests, t);
  FgMergeTest ph = {0};
  fg_vec_push(&m->phases, ph);
  size_t i = obs->tests.len - 1;
  /* the key is the test's own string: it never moves */
  fg_word_set_add(&m->index, obs->tests.items[i].nodeid, (uint32_t)(i + 1));
  return i;
}

static unsigned char *fg_merge_phase_slot(FgObserved *obs, size_t test,
                                          const char *phase) {
  FgMergeTest *ph = &fg_merging(obs)->phases.items[test];
  if (strcmp(phase, "setup") == 0)
    return &ph->setup;
  if (strcmp(phase, "call") == 0)
    return &ph->call;
  if (strcmp(phase, "teardown") == 0)
    return &ph->teardown;
  return NULL;
}

/* One file's records, in line order. */
typedef struct FgFileState {
  char *rootdir;
  char *worker;
  long pid;
  char *open_test; /* root-relative node id of the phase that began */
  char *open_phase;
  bool have_still;
  double elapsed;
  FgObsThreads still_threads;
} FgFileState;

static void fg_file_state_free(FgFileState *f) {
  free(f->rootdir);
  free(f->worker);
  free(f->open_test);
  free(f->open_phase);
  fg_obs_threads_free(&f->still_threads);
}

static void fg_merge_record(FgObserved *obs, FgFileState *f, const FgJsonValue *rec,
                            const char *root) {
  long long v = 0;
  if (!fg_json_get_int(rec, "v", &v) || v != 1)
    return;
  const char *kind = fg_json_get_str(rec, "kind");
  if (!kind)
    return;
  const char *worker = fg_json_get_str(rec, "worker");
  long long pid = 0;
  if (worker && !f->worker)
    f->worker = fg_xstrdup(worker);
  if (fg_json_get_int(rec, "pid", &pid) && !f->pid)
    f->pid = (long)pid;
  if (strcmp(kind, "session_start") == 0) {
    obs->sessions++;
    const char *rd = fg_json_get_str(rec, "rootdir");
    if (rd && !f->rootdir)
      f->rootdir = fg_xstrdup(rd);
    if (rd && !obs->rootdir)
      obs->rootdir = fg_xstrdup(rd);
    if (!obs->python)
      obs->python = fg_dup_or_null(fg_json_get_str(rec, "python"));
    if (!obs->pytest)
      obs->pytest = fg_dup_or_null(fg_json_get_str(rec, "pytest"));
    if (!obs->default_method)
      obs->default_method = fg_dup_or_null(fg_json_get_str(rec, "default_method"));
    return;
  }
  const char *test = fg_json_get_str(rec, "test");
  const char *phase = fg_json_get_str(rec, "phase");
  char *nodeid = test ? fg_nodeid_to_root(test, f->rootdir, root) : NULL;
  if (strcmp(kind, "phase_start") == 0 && nodeid && phase) {
    size_t t = fg_merge_test(obs, nodeid);
    if (worker) {
      fg_strvec_add_once(&obs->tests.items[t].workers, worker);
      fg_strvec_add_once(&obs->workers, worker);
    }
    unsigned char *slot = fg_merge_phase_slot(obs, t, phase);
    if (slot)
      *slot = FG_PH_OPEN;
    const FgJsonValue *marks = fg_json_value_get(rec, "markers");
    if (fg_json_value_is(marks, FG_JSON_ARRAY)) {
      FgStrVec *mv = &obs->tests.items[t].markers;
      fg_strvec_free(mv);
      for (size_t k = 0; k < marks->n; k++)
        if (fg_json_value_str(&marks->items[k]))
          fg_vec_push(mv, fg_xstrdup(marks->items[k].str));
    }
    free(f->open_test);
    free(f->open_phase);
    f->open_test = nodeid;
    f->open_phase = fg_xstrdup(phase);
    f->have_still = false;
    fg_obs_threads_free(&f->still_threads);
    return;
  }
  if (strcmp(kind, "phase_end") == 0 && nodeid && phase) {
    size_t t = fg_merge_test(obs, nodeid);
    const char *outcome = fg_json_get_str(rec, "outcome");
    unsigned char *slot = fg_merge_phase_slot(obs, t, phase);
    if (slot)
      *slot = fg_str_eq(outcome, "failed")    ? FG_PH_FAILED
              : fg_str_eq(outcome, "skipped") ? FG_PH_SKIPPED
                                              : FG_PH_PASSED;
    free(f->open_test);
    free(f->open_phase);
    f->open_test = f->open_phase = NULL;
    f->have_still = false;
    fg_obs_threads_free(&f->still_threads);
  } else if (strcmp(kind, "start") == 0) {
    FgObsStart s = fg_read_start(rec, f->rootdir, root);
    if (nodeid)
      fg_starts_add(&obs->tests.items[fg_merge_test(obs, nodeid)].starts, &s);
    else
      fg_starts_add(&obs->outside, &s);
  } else if (strcmp(kind, "exec") == 0 && nodeid) {
    obs->tests.items[fg_merge_test(obs, nodeid)].execs++;
  } else if (strcmp(kind, "still_running") == 0 && nodeid && f->open_test &&
             strcmp(nodeid, f->open_test) == 0) {
    double el = -1;
    fg_json_get_num(rec, "elapsed", &el);
    fg_obs_threads_free(&f->still_threads);
    fg_obs_read_threads(fg_json_value_get(rec, "threads"), true, &f->still_threads);
    f->elapsed = el;
    f->have_still = true;
  }
  free(nodeid);
}

/* The faulthandler dump beside a record file: "gw0-123.jsonl" ->
 * "gw0-123.faulthandler.txt". */
static char *fg_dump_name(const char *name) {
  size_t n = strlen(name);
  if (n > 6 && strcmp(name + n - 6, ".jsonl") == 0)
    return fg_xasprintf("%.*s.faulthandler.txt", (int)(n - 6), name);
  return NULL;
}

void fg_observed_merge_records(FgObserved *self, const char *name, const char *data,
                               size_t len, const char *root) {
  FgFileState f = {0};
  FgJsonLimits lim = {FG_RECORD_MAX_LINE, 16, 0};
  size_t at = 0;
  while (at < len) {
    const char *nl = memchr(data + at, '\n', len - at);
    size_t end = nl ? (size_t)(nl - data) : len;
    if (end > at) {
      char *err = NULL;
      FgJsonDoc *doc = fg_json_doc_parse(data + at, end - at, &lim, &err);
      const FgJsonValue *rec = fg_json_doc_root(doc);
      if (fg_json_value_is(rec, FG_JSON_OBJECT))
        fg_merge_record(self, &f, rec, root);
      fg_json_doc_delete(doc);
      free(err); /* a cut or foreign line is skipped */
    }
    at = end + 1;
  }
  if (f.open_test) {
    FgObsHang h = {0};
    h.test = f.open_test;
    h.phase = f.open_phase;
    f.open_test = f.open_phase = NULL;
    h.worker = fg_xstrdup(f.worker ? f.worker : "?");
    h.pid = f.pid;
    h.elapsed = f.have_still ? f.elapsed : -1;
    h.threads = f.still_threads;
    memset(&f.still_threads, 0, sizeof f.still_threads);
    h.dump = name ? fg_dump_name(name) : NULL;
    fg_vec_push(&self->hung, h);
  }
  fg_file_state_free(&f);
}

bool fg_observed_merge_dir(FgObserved *self, const char *dir, const char *root,
                           char **err) {
  *err = NULL;
  DIR *d = opendir(dir);
  if (!d) {
    *err = fg_xasprintf("%s: cannot read the records: %s", dir, strerror(errno));
    return false;
  }
  FgStrVec names = {0};
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (fg_str_endswith(e->d_name, ".jsonl"))
      fg_vec_push(&names, fg_xstrdup(e->d_name));
  closedir(d);
  if (names.len > 1)
    qsort(names.items, names.len, sizeof(char *), fg_str_cmp_ptr);
  for (size_t i = 0; i < names.len; i++) {
    char *path = fg_xasprintf("%s/%s", dir, names.items[i]);
    size_t len = 0;
    char *why = NULL;
    char *data = fg_read_file(path, FG_RECORDS_MAX_FILE, &len, &why);
    if (data)
      fg_observed_merge_records(self, names.items[i], data, len, root);
    free(data);
    free(why);
    free(path);
  }
  /* a hang's dump is named only when the file is there */
  for (size_t i = 0; i < self->hung.len; i++) {
    FgObsHang *h = &self->hung.items[i];
    if (!h->dump)
      continue;
    char *path = fg_xasprintf("%s/%s", dir, h->dump);
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size == 0) {
      free(h->dump);
      h->dump = NULL;
    }
    free(path);
  }
  fg_strvec_free(&names);
  return true;
}

static const char *fg_outcome_of(const FgMergeTest *ph) {
  if (ph->setup == FG_PH_OPEN || ph->call == FG_PH_OPEN || ph->teardown == FG_PH_OPEN)
    return "unfinished";
  if (ph->setup == FG_PH_FAILED)
    return "error";
  if (ph->call == FG_PH_FAILED)
    return "failed";
  if (ph->teardown == FG_PH_FAILED)
    return "error";
  if (ph->setup == FG_PH_SKIPPED || ph->call == FG_PH_SKIPPED)
    return "skipped";
  return "passed";
}

static int fg_test_cmp(const void *a, const void *b) {
  return strcmp(((const FgObsTest *)a)->nodeid, ((const FgObsTest *)b)->nodeid);
}

void fg_observed_finish(FgObserved *self) {
  FgMerge *m = self->merging;
  if (m) {
    for (size_t i = 0; i < self->tests.len; i++) {
      FgObsTest *t = &self->tests.items[i];
      if (!t->outcome)
        t->outcome = fg_xstrdup(fg_outcome_of(&m->phases.items[i]));
    }
    fg_word_set_free(&m->index);
    fg_vec_free(&m->phases);
    free(m);
    self->merging = NULL;
  }
  if (self->tests.len > 1)
    qsort(self->tests.items, self->tests.len, sizeof(FgObsTest), fg_test_cmp);
  if (self->workers.len > 1)
    qsort(self->workers.items, self->workers.len, sizeof(char *), fg_str_cmp_ptr);
  fg_observed_index(self);
}
