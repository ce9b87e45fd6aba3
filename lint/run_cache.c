#include "run_cache.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/inputs.h"
#include "core/util.h"
#include "project.h"

/* The entries' format; a change gives another cache folder. */
#define FG_RUN_CACHE_FORMAT "forkguard run cache 1"
/* Entries kept: a few option sets and file lists (pre-commit's). */
#define FG_RUN_CACHE_KEEP 8

struct FgRunCache {
  FgCache *cache;
  char *key; /* everything the report depends on besides the inputs */
  size_t inputs;
};

bool fg_run_cache_wanted(const FgCheckOptions *o) {
  static const char *const debug[] = {"FG_DEBUG_EVAL", "FG_DEBUG_SEARCH",
                                      "FG_DEBUG_TEST"};
  for (size_t i = 0; i < sizeof debug / sizeof debug[0]; i++)
    if (getenv(debug[i]))
      return false; /* what a debug run prints comes from the work itself */
  const char *env = getenv("FORKGUARD_RUN_CACHE");
  if (env && (strcmp(env, "0") == 0 || strcmp(env, "off") == 0))
    return false; /* the model is built every time (the summaries' cache stays) */
  return !o->no_cache && !o->fix && !o->diff && !o->observed && !o->trust_observed;
}

static void fg_key_str(FgBuf *k, const char *name, const char *value) {
  /* length-prefixed: no value can pass for another */
  fg_buf_printf(k, "%s=%zu:%s\n", name, value ? strlen(value) : (size_t)0,
                value ? value : "");
  if (!value)
    fg_buf_puts(k, "(none)\n");
}

FgRunCache *fg_run_cache_open(const FgCheckOptions *o, const FgConfigOverrides *ov,
                              const char *const *roots, size_t nroots, bool color) {
  if (!nroots)
    return NULL;
  char *dir = fg_project_cache_dir(roots[0], ov);
  if (!dir)
    return NULL;
  char *build = fg_project_build_id();
  FgBuf k = {0};
  fg_buf_puts(&k, FG_RUN_CACHE_FORMAT "\n");
  fg_key_str(&k, "build", build);
  char *cwd = getcwd(NULL, 0);
  fg_key_str(&k, "cwd", cwd);
  free(cwd);
  static const char *const env[] = {"FORKGUARD_CACHE_DIR", "NO_COLOR", "FORCE_COLOR"};
  for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
    fg_key_str(&k, env[i], getenv(env[i]));
  fg_buf_printf(&k,
                "color=%d format=%d quiet=%d exit_zero=%d exit_non_zero_on_fix=%d "
                "unsafe_fixes=%d no_config=%d jobs=%d statistics=%d show_files=%d\n",
                color, (int)o->format, o->quiet, o->exit_zero, o->exit_non_zero_on_fix,
                o->unsafe_fixes, o->no_config, o->jobs, o->statistics, o->show_files);
  fg_key_str(&k, "output", o->output);
  fg_key_str(&k, "select", o->select);
  fg_key_str(&k, "extend_select", o->extend_select);
  fg_key_str(&k, "ignore", o->ignore);
  fg_key_str(&k, "config", o->config);
  fg_key_str(&k, "cache_dir", o->cache_dir);
  for (size_t i = 0; i < o->npaths; i++)
    fg_key_str(&k, "path", o->paths[i]);
  for (size_t i = 0; i < nroots; i++)
    fg_key_str(&k, "root", roots[i]);
  FgRunCache *self = fg_xcalloc(1, sizeof *self);
  self->cache = fg_cache_open(dir, "run", fg_cache_hash(build, strlen(build)));
  self->key = fg_buf_take(&k);
  free(build);
  free(dir);
  return self;
}

void fg_run_cache_close(FgRunCache *self) {
  if (!self)
    return;
  fg_cache_close(self->cache);
  free(self->key);
  free(self);
}

size_t fg_run_cache_inputs(const FgRunCache *self) {
  return self ? self->inputs : 0;
}

/* Reads "NAME <number>\n" at *p; false when it is not there. */
static bool fg_take_count(const char **p, const char *end, const char *name,
                          unsigned long long *v) {
  size_t n = strlen(name);
  if ((size_t)(end - *p) < n + 2 || memcmp(*p, name, n) != 0 || (*p)[n] != ' ')
    return false;
  const char *q = *p + n + 1;
  unsigned long long x = 0;
  const char *digits = q;
  while (q < end && *q >= '0' && *q <= '9' && q - digits < 19)
    x = x * 10 + (unsigned long long)(*q++ - '0');
  if (q == digits || q >= end || *q != '\n')
    return false;
  *v = x;
  *p = q + 1;
  return true;
}

/* An entry: the key (its length, then its bytes), the exit status, the
 * inputs' lines, the report. */
char *fg_run_cache_lookup(FgRunCache *self, const char **report, size_t *len, int *rc,
                          FILE *err) {
  size_t klen = strlen(self->key), n = 0;
  char *warning = NULL;
  char *e = fg_cache_get(self->cache, fg_cache_hash(self->key, klen), klen, &n, &warning);
  if (warning) {
    fprintf(err, "forkguard: warning: cache entry %s; ignored\n", warning);
    free(warning);
  }
  if (!e)
    return NULL;
  const char *p = e, *end = e + n;
  unsigned long long keylen = 0, status = 0, ninputs = 0, inputs_len = 0, report_len = 0;
  bool ok = fg_take_count(&p, end, "key", &keylen) && keylen == klen &&
            (size_t)(end - p) >= klen && memcmp(p, self->key, klen) == 0;
  if (ok) {
    p += klen;
    ok = fg_take_count(&p, end, "status", &status) &&
         fg_take_count(&p, end, "inputs", &ninputs) &&
         fg_take_count(&p, end, "bytes", &inputs_len) &&
         inputs_len <= (unsigned long long)(end - p);
  }
  if (ok) {
    self->inputs = (size_t)ninputs;
    ok = fg_inputs_unchanged(p, (size_t)inputs_len, (size_t)ninputs, NULL);
    p += inputs_len;
  }
  if (ok)
    ok = fg_take_count(&p, end, "report", &report_len) &&
         report_len == (unsigned long long)(end - p);
  if (!ok) {
    free(e);
    return NULL;
  }
  *report = p;
  *len = (size_t)report_len;
  *rc = (int)status;
  return e;
}

void fg_run_cache_store(FgRunCache *self, int rc, const char *report, size_t len,
                        int64_t start_ns) {
  FgBuf inputs = {0};
  size_t n = fg_inputs_write(&inputs);
  if (!fg_inputs_racy(start_ns) && fg_cache_writable(self->cache)) {
    size_t klen = strlen(self->key);
    FgBuf e = {0};
    fg_buf_printf(&e, "key %zu\n", klen);
    fg_buf_append(&e, self->key, klen);
    fg_buf_printf(&e, "status %d\ninputs %zu\nbytes %zu\n", rc, n, inputs.len);
    fg_buf_append(&e, inputs.data ? inputs.data : "", inputs.len);
    fg_buf_printf(&e, "report %zu\n", len);
    fg_buf_append(&e, report ? report : "", len);
    if (fg_cache_put(self->cache, fg_cache_hash(self->key, klen), klen, e.data, e.len))
      fg_cache_trim(self->cache, FG_RUN_CACHE_KEEP);
    fg_buf_free(&e);
  }
  fg_buf_free(&inputs);
}
