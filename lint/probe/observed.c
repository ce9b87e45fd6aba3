/* probe/observed: observed.json written, read back, and asked about. */
#include "probe/observed.h"

#include <string.h>

#include "core/json.h"
#include "core/json_read.h"
#include "probe/internal.h"

/* An observed.json larger than this is not one (a 50,000-test suite writes a
 * few megabytes). */
#define FG_OBSERVED_MAX_BYTES ((size_t)256 << 20)

FgObserved *fg_observed_new(void) {
  FgObserved *o = fg_xcalloc(1, sizeof *o);
  o->exit_status = -1;
  return o;
}

static void fg_starts_free(FgObsStarts *ss) {
  for (size_t i = 0; i < ss->len; i++)
    fg_obs_start_free(&ss->items[i]);
  fg_vec_free(ss);
}

void fg_observed_delete(FgObserved *self) {
  if (!self)
    return;
  if (self->merging)
    fg_observed_finish(self);
  free(self->root);
  free(self->rootdir);
  fg_strvec_free(&self->command);
  free(self->python);
  free(self->pytest);
  free(self->default_method);
  fg_strvec_free(&self->workers);
  for (size_t i = 0; i < self->tests.len; i++) {
    FgObsTest *t = &self->tests.items[i];
    free(t->nodeid);
    free(t->outcome);
    fg_strvec_free(&t->workers);
    fg_strvec_free(&t->markers);
    fg_starts_free(&t->starts);
  }
  fg_vec_free(&self->tests);
  fg_starts_free(&self->outside);
  for (size_t i = 0; i < self->hung.len; i++) {
    FgObsHang *h = &self->hung.items[i];
    free(h->test);
    free(h->phase);
    free(h->worker);
    free(h->dump);
    fg_obs_threads_free(&h->threads);
  }
  fg_vec_free(&self->hung);
  fg_vec_free(&self->by_function);
  free(self);
}

/* ---- lookups ------------------------------------------------------------------ */

char *fg_observed_base_nodeid(const char *nodeid) {
  /* parameters follow the name: the first '[' after the file's "::" (a file
   * name may hold '[', a test name may not) */
  const char *sep = strstr(nodeid, "::");
  const char *br = sep ? strchr(sep, '[') : NULL;
  return br ? fg_xstrndup(nodeid, (size_t)(br - nodeid)) : fg_xstrdup(nodeid);
}

/* The length of the base node id of a test's id. */
static size_t fg_base_len(const char *nodeid) {
  const char *sep = strstr(nodeid, "::");
  const char *br = sep ? strchr(sep, '[') : NULL;
  return br ? (size_t)(br - nodeid) : strlen(nodeid);
}

static int fg_base_cmp_n(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c)
    return c;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

static const FgObserved *fg_sort_obs; /* qsort has no context argument */

static int fg_by_function_cmp(const void *a, const void *b) {
  const char *x = fg_sort_obs->tests.items[*(const size_t *)a].nodeid;
  const char *y = fg_sort_obs->tests.items[*(const size_t *)b].nodeid;
  int c = fg_base_cmp_n(x, fg_base_len(x), y, fg_base_len(y));
  if (c)
    return c;
  /* the tests are sorted by node id already: keep that order */
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  return i < j ? -1 : i > j ? 1 : 0;
}

void fg_observed_index(FgObserved *self) {
  self->by_function.len = 0;
  for (size_t i = 0; i < self->tests.len; i++)
    fg_vec_push(&self->by_function, i);
  if (self->by_function.len > 1) {
    fg_sort_obs = self;
    qsort(self->by_function.items, self->by_function.len, sizeof(size_t),
          fg_by_function_cmp);
    fg_sort_obs = NULL;
  }
}

const FgObsTest *fg_observed_test(const FgObserved *self, const char *nodeid) {
  if (!self || !nodeid)
    return NULL;
  size_t lo = 0, hi = self->tests.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(self->tests.items[mid].nodeid, nodeid);
    if (c == 0)
      return &self->tests.items[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static bool fg_start_forks_with_threads(const FgObsStart *s) {
  return s->forks && s->threads.len > 0;
}

void fg_observed_function(const FgObserved *self, const char *nodeid,
                          FgObsFunction *out) {
  memset(out, 0, sizeof *out);
  if (!self || !nodeid)
    return;
  size_t want = fg_base_len(nodeid);
  /* the first index whose base is not below nodeid's */
  size_t lo = 0, hi = self->by_function.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char *id = self->tests.items[self->by_function.items[mid]].nodeid;
    if (fg_base_cmp_n(id, fg_base_len(id), nodeid, want) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t k = lo; k < self->by_function.len; k++) {
    const FgObsTest *t = &self->tests.items[self->by_function.items[k]];
    if (fg_base_cmp_n(t->nodeid, fg_base_len(t->nodeid), nodeid, want) != 0)
      break;
    out->ran++;
    out->passed += t->outcome && strcmp(t->outcome, "passed") == 0;
    if (!out->first)
      out->first = t;
    if (!t->starts.len)
      continue;
    out->started++;
    if (!out->first_start)
      out->first_start = t;
    for (size_t i = 0; i < t->starts.len && !out->fork_with_threads; i++)
      if (fg_start_forks_with_threads(&t->starts.items[i])) {
        out->fork_with_threads = &t->starts.items[i];
        out->fork_test = t;
      }
  }
}

/* ---- for people --------------------------------------------------------------- */

const char *fg_obs_start_method(const FgObsStart *s) {
  return s->method ? s->method : "unknown";
}

const char *fg_obs_start_what(const FgObsStart *s) {
  if (s->via)
    return s->via;
  if (fg_str_endswith(s->api, ".Process.start"))
    return "Process";
  return s->api;
}

static void fg_thread_name(FgBuf *b, const FgObsThread *t) {
  bool unnamed = strcmp(t->name, "<no threading.Thread>") == 0;
  if (strcmp(t->name, "MainThread") == 0)
    fg_buf_puts(b, t->name); /* a worker's main thread runs execnet too */
  else if (unnamed && t->xdist)
    fg_buf_puts(b, "the execnet I/O thread (xdist)");
  else if (t->xdist)
    fg_buf_printf(b, "%s (xdist)", t->name);
  else if (unnamed)
    fg_buf_puts(b, "a thread started with _thread");
  else
    fg_buf_puts(b, t->name);
}

char *fg_obs_threads_line(const FgObsThreads *threads, size_t max) {
  FgBuf b = {0};
  size_t shown = 0;
  for (size_t i = 0; i < threads->len; i++) {
    if (shown == max) {
      fg_buf_printf(&b, " and %zu more", threads->len - shown);
      break;
    }
    if (shown)
      fg_buf_puts(&b, ", ");
    fg_thread_name(&b, &threads->items[i]);
    shown++;
  }
  return fg_buf_take(&b);
}

char *fg_obs_start_where(const FgObsStart *s) {
  if (!s->stack.len)
    return fg_xstrdup("an unknown place");
  const FgObsFrame *site = &s->stack.items[s->stack.len - 1];
  return fg_xasprintf("%s:%ld", site->path, site->line);
}

/* ---- writing ------------------------------------------------------------------ */

static void fg_write_strs(FgJson *j, const FgStrVec *v) {
  fg_json_begin_array(j);
  for (size_t i = 0; i < v->len; i++)
    fg_json_string(j, v->items[i]);
  fg_json_end_array(j);
}

static void fg_write_frame(FgJson *j, const FgObsFrame *f) {
  fg_json_begin_object(j);
  fg_json_key(j, "path");
  fg_json_string(j, f->path);
  fg_json_key(j, "line");
  fg_json_int(j, f->line);
  fg_json_key(j, "function");
  fg_json_string(j, f->function);
  fg_json_end_object(j);
}

static void fg_write_threads(FgJson *j, const FgObsThreads *ts, bool stacks) {
  fg_json_begin_array(j);
  for (size_t i = 0; i < ts->len; i++) {
    const FgObsThread *t = &ts->items[i];
    fg_json_begin_object(j);
    fg_json_key(j, "name");
    fg_json_string(j, t->name);
    fg_json_key(j, "daemon");
    if (t->daemon < 0)
      fg_json_null(j);
    else
      fg_json_bool(j, t->daemon);
    fg_json_key(j, "xdist");
    fg_json_bool(j, t->xdist);
    if (stacks) {
      fg_json_key(j, "stack");
      fg_write_strs(j, &t->stack);
    }
    fg_json_end_object(j);
  }
  fg_json_end_array(j);
}

static void fg_write_start(FgJson *j, const FgObsStart *s) {
  fg_json_begin_object(j);
  fg_json_key(j, "phase");
  fg_json_string(j, s->phase);
  fg_json_key(j, "api");
  fg_json_string(j, s->api);
  fg_json_key(j, "method");
  fg_json_string(j, s->method);
  fg_json_key(j, "via");
  fg_json_string(j, s->via);
  fg_json_key(j, "forks");
  fg_json_bool(j, s->forks);
  fg_json_key(j, "count");
  fg_json_int(j, (long long)s->count);
  fg_json_key(j, "worker");
  fg_json_string(j, s->worker);
  fg_json_key(j, "thread");
  fg_json_string(j, s->thread);
  fg_json_key(j, "site");
  if (s->stack.len)
    fg_write_frame(j, &s->stack.items[s->stack.len - 1]);
  else
    fg_json_null(j);
  fg_json_key(j, "stack");
  fg_json_begin_array(j);
  for (size_t i = 0; i < s->stack.len; i++)
    fg_write_frame(j, &s->stack.items[i]);
  fg_json_end_array(j);
  fg_json_key(j, "threads");
  fg_write_threads(j, &s->threads, false);
  fg_json_end_object(j);
}

static void fg_write_starts(FgJson *j, const FgObsStarts *ss) {
  fg_json_begin_array(j);
  for (size_t i = 0; i < ss->len; i++)
    fg_write_start(j, &ss->items[i]);
  fg_json_end_array(j);
}

void fg_observed_write(const FgObserved *self, FgBuf *out) {
  FgJson j;
  fg_json_init(&j, out, true);
  fg_json_begin_object(&j);
  fg_json_key(&j, "version");
  fg_json_int(&j, FG_OBSERVED_VERSION);
  fg_json_key(&j, "generator");
  fg_json_string(&j, "forkguard " FG_VERSION);
  fg_json_key(&j, "root");
  fg_json_string(&j, self->root);
  fg_json_key(&j, "rootdir");
  fg_json_string(&j, self->rootdir);
  fg_json_key(&j, "started");
  fg_json_double(&j, self->started, 3);
  fg_json_key(&j, "duration");
  fg_json_double(&j, self->duration, 3);
  fg_json_key(&j, "command");
  fg_write_strs(&j, &self->command);
  fg_json_key(&j, "exit_status");
  if (self->exit_status < 0)
    fg_json_null(&j);
  else
    fg_json_int(&j, self->exit_status);
  fg_json_key(&j, "timed_out");
  fg_json_bool(&j, self->timed_out);
  fg_json_key(&j, "python");
  fg_json_string(&j, self->python);
  fg_json_key(&j, "pytest");
  fg_json_string(&j, self->pytest);
  fg_json_key(&j, "default_method");
  fg_json_string(&j, self->default_method);
  fg_json_key(&j, "sessions");
  fg_json_int(&j, (long long)self->sessions);
  fg_json_key(&j, "workers");
  fg_write_strs(&j, &self->workers);
  fg_json_key(&j, "tests");
  fg_json_begin_object(&j);
  for (size_t i = 0; i < self->tests.len; i++) {
    const FgObsTest *t = &self->tests.items[i];
    fg_json_key(&j, t->nodeid);
    fg_json_begin_object(&j);
    fg_json_key(&j, "outcome");
    fg_json_string(&j, t->outcome ? t->outcome : "passed");
    fg_json_key(&j, "workers");
    fg_write_strs(&j, &t->workers);
    fg_json_key(&j, "markers");
    fg_write_strs(&j, &t->markers);
    fg_json_key(&j, "execs");
    fg_json_int(&j, (long long)t->execs);
    fg_json_key(&j, "starts");
    fg_write_starts(&j, &t->starts);
    fg_json_end_object(&j);
  }
  fg_json_end_object(&j);
  fg_json_key(&j, "outside_tests");
  fg_write_starts(&j, &self->outside);
  fg_json_key(&j, "hung");
  fg_json_begin_array(&j);
  for (size_t i = 0; i < self->hung.len; i++) {
    const FgObsHang *h = &self->hung.items[i];
    fg_json_begin_object(&j);
    fg_json_key(&j, "test");
    fg_json_string(&j, h->test);
    fg_json_key(&j, "phase");
    fg_json_string(&j, h->phase);
    fg_json_key(&j, "worker");
    fg_json_string(&j, h->worker);
    fg_json_key(&j, "pid");
    fg_json_int(&j, h->pid);
    fg_json_key(&j, "elapsed");
    if (h->elapsed < 0)
      fg_json_null(&j);
    else
      fg_json_double(&j, h->elapsed, 3);
    fg_json_key(&j, "threads");
    fg_write_threads(&j, &h->threads, true);
    fg_json_key(&j, "dump");
    fg_json_string(&j, h->dump);
    fg_json_end_object(&j);
  }
  fg_json_end_array(&j);
  fg_json_end_object(&j);
  fg_buf_putc(out, '\n');
}

/* ---- reading ------------------------------------------------------------------ */

static char *fg_get_dup(const FgJsonValue *obj, const char *key) {
  const char *s = fg_json_get_str(obj, key);
  return s ? fg_xstrdup(s) : NULL;
}

static void fg_read_strs(const FgJsonValue *arr, FgStrVec *out) {
  for (size_t i = 0; i < fg_json_value_len(arr); i++) {
    const char *s = fg_json_value_str(fg_json_value_at(arr, i));
    if (s)
      fg_vec_push(out, fg_xstrdup(s));
  }
}

void fg_obs_read_frames(const FgJsonValue *arr, FgObsPathMap map, void *ctx,
                        FgObsFrames *out) {
  for (size_t i = 0; i < fg_json_value_len(arr); i++) {
    const FgJsonValue *f = fg_json_value_at(arr, i);
    const char *path = fg_json_get_str(f, "path");
    if (!path)
      continue;
    long long line = 0;
    fg_json_get_int(f, "line", &line);
    const char *fn = fg_json_get_str(f, "function");
    FgObsFrame fr = {map ? map(path, ctx) : fg_xstrdup(path), (long)line,
                     fg_xstrdup(fn ? fn : "?")};
    fg_vec_push(out, fr);
  }
}

void fg_obs_read_stack(const FgJsonValue *start, FgObsPathMap map, void *ctx,
                       FgObsFrames *out) {
  fg_obs_read_frames(fg_json_value_get(start, "stack"), map, ctx, out);
  if (out->len)
    return;
  /* an old or partial record: the site alone */
  const FgJsonValue *site = fg_json_value_get(start, "site");
  if (fg_json_value_is(site, FG_JSON_OBJECT)) {
    FgJsonValue one = {.type = FG_JSON_ARRAY, .items = (FgJsonValue *)site, .n = 1};
    fg_obs_read_frames(&one, map, ctx, out);
  }
}

void fg_obs_read_threads(const FgJsonValue *arr, bool stacks, FgObsThreads *out) {
  for (size_t i = 0; i < fg_json_value_len(arr); i++) {
    const FgJsonValue *t = fg_json_value_at(arr, i);
    if (!fg_json_value_is(t, FG_JSON_OBJECT))
      continue;
    const char *name = fg_json_get_str(t, "name");
    FgObsThread th = {fg_xstrdup(name ? name : "?"), -1, false, {0}};
    bool flag = false;
    if (fg_json_get_bool(t, "daemon", &flag))
      th.daemon = flag;
    if (fg_json_get_bool(t, "xdist", &flag))
      th.xdist = flag;
    if (stacks)
      fg_read_strs(fg_json_value_get(t, "stack"), &th.stack);
    fg_vec_push(out, th);
  }
}

static void fg_parse_starts(const FgJsonValue *arr, FgObsStarts *out) {
  for (size_t i = 0; i < fg_json_value_len(arr); i++) {
    const FgJsonValue *v = fg_json_value_at(arr, i);
    if (!fg_json_value_is(v, FG_JSON_OBJECT))
      continue;
    FgObsStart s = {0};
    s.phase = fg_get_dup(v, "phase");
    if (!s.phase)
      s.phase = fg_xstrdup("call");
    s.api = fg_get_dup(v, "api");
    if (!s.api)
      s.api = fg_xstrdup("?");
    s.method = fg_get_dup(v, "method");
    s.via = fg_get_dup(v, "via");
    fg_json_get_bool(v, "forks", &s.forks);
    long long count = 1;
    fg_json_get_int(v, "count", &count);
    s.count = count > 0 ? (size_t)count : 1;
    s.worker = fg_get_dup(v, "worker");
    s.thread = fg_get_dup(v, "thread");
    fg_obs_read_stack(v, NULL, NULL, &s.stack);
    fg_obs_read_threads(fg_json_value_get(v, "threads"), true, &s.threads);
    fg_vec_push(out, s);
  }
}

FgObserved *fg_observed_parse(const char *data, size_t len, char **err) {
  *err = NULL;
  FgJsonLimits lim = {FG_OBSERVED_MAX_BYTES, 32, 20000000};
  char *why = NULL;
  FgJsonDoc *doc = fg_json_doc_parse(data, len, &lim, &why);
  if (!doc) {
    *err = fg_xasprintf("not JSON: %s", why);
    free(why);
    return NULL;
  }
  const FgJsonValue *root = fg_json_doc_root(doc);
  long long version = 0;
  if (!fg_json_value_is(root, FG_JSON_OBJECT) ||
      !fg_json_get_int(root, "version", &version)) {
    *err = fg_xstrdup("not a forkguard observation (no \"version\")");
    fg_json_doc_delete(doc);
    return NULL;
  }
  if (version != FG_OBSERVED_VERSION) {
    *err = fg_xasprintf("format version %lld, this forkguard reads version %d (run "
                        "`forkguard probe` again)",
                        version, FG_OBSERVED_VERSION);
    fg_json_doc_delete(doc);
    return NULL;
  }
  const FgJsonValue *tests = fg_json_value_get(root, "tests");
  if (!fg_json_value_is(tests, FG_JSON_OBJECT)) {
    *err = fg_xstrdup("no \"tests\" object");
    fg_json_doc_delete(doc);
    return NULL;
  }
  FgObserved *o = fg_observed_new();
  o->root = fg_get_dup(root, "root");
  o->rootdir = fg_get_dup(root, "rootdir");
  fg_json_get_num(root, "started", &o->started);
  fg_json_get_num(root, "duration", &o->duration);
  fg_read_strs(fg_json_value_get(root, "command"), &o->command);
  long long rc = -1;
  if (fg_json_get_int(root, "exit_status", &rc) && rc >= 0 && rc < 1000)
    o->exit_status = (int)rc;
  fg_json_get_bool(root, "timed_out", &o->timed_out);
  o->python = fg_get_dup(root, "python");
  o->pytest = fg_get_dup(root, "pytest");
  o->default_method = fg_get_dup(root, "default_method");
  long long sessions = 0;
  if (fg_json_get_int(root, "sessions", &sessions) && sessions > 0)
    o->sessions = (size_t)sessions;
  fg_read_strs(fg_json_value_get(root, "workers"), &o->workers);
  for (size_t i = 0; i < tests->n; i++) {
    const FgJsonValue *tv = &tests->items[i];
    if (!fg_json_value_is(tv, FG_JSON_OBJECT))
      continue;
    FgObsTest t = {0};
    t.nodeid = fg_xstrdup(tests->keys[i]);
    t.outcome = fg_get_dup(tv, "outcome");
    if (!t.outcome)
      t.outcome = fg_xstrdup("passed");
    fg_read_strs(fg_json_value_get(tv, "workers"), &t.workers);
    fg_read_strs(fg_json_value_get(tv, "markers"), &t.markers);
    long long execs = 0;
    if (fg_json_get_int(tv, "execs", &execs) && execs > 0)
      t.execs = (size_t)execs;
    fg_parse_starts(fg_json_value_get(tv, "starts"), &t.starts);
    fg_vec_push(&o->tests, t);
  }
  fg_parse_starts(fg_json_value_get(root, "outside_tests"), &o->outside);
  const FgJsonValue *hung = fg_json_value_get(root, "hung");
  for (size_t i = 0; i < fg_json_value_len(hung); i++) {
    const FgJsonValue *hv = fg_json_value_at(hung, i);
    const char *test = fg_json_get_str(hv, "test");
    if (!test)
      continue;
    FgObsHang h = {0};
    h.test = fg_xstrdup(test);
    h.phase = fg_get_dup(hv, "phase");
    if (!h.phase)
      h.phase = fg_xstrdup("call");
    h.worker = fg_get_dup(hv, "worker");
    if (!h.worker)
      h.worker = fg_xstrdup("?");
    long long pid = 0;
    fg_json_get_int(hv, "pid", &pid);
    h.pid = (long)pid;
    h.elapsed = -1;
    fg_json_get_num(hv, "elapsed", &h.elapsed);
    fg_obs_read_threads(fg_json_value_get(hv, "threads"), true, &h.threads);
    h.dump = fg_get_dup(hv, "dump");
    fg_vec_push(&o->hung, h);
  }
  fg_json_doc_delete(doc);
  /* sorted as written, but a hand-edited file need not be */
  fg_observed_finish(o);
  return o;
}

FgObserved *fg_observed_load(const char *path, char **err) {
  size_t len = 0;
  char *why = NULL;
  char *data = fg_read_file(path, FG_OBSERVED_MAX_BYTES, &len, &why);
  if (!data) {
    *err = fg_xasprintf("%s: %s", path, why);
    free(why);
    return NULL;
  }
  FgObserved *o = fg_observed_parse(data, len, &why);
  free(data);
  if (!o) {
    *err = fg_xasprintf("%s: %s", path, why);
    free(why);
  }
  return o;
}
