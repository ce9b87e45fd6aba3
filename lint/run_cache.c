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
  FgCacheEntry *entry; /* being written */
  size_t report_len;   /* of it so far */
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
  fg_cache_entry_abort(self->entry);
  fg_cache_close(self->cache);
  free(self->key);
  free(self);
}

size_t fg_run_cache_inputs(const FgRunCache *self) {
  return self ? self->inputs : 0;
}

/* n decimal digits at p. */
static bool fg_digits(const char *p, int n, unsigned long long *v) {
  unsigned long long x = 0;
  for (int i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9' || x > (~0ULL - 9) / 10)
      return false;
    x = x * 10 + (unsigned long long)(p[i] - '0');
  }
  *v = x;
  return true;
}

/* An entry: a header of fixed length with the key's length, and the key;
 * the report, written as it was printed; the inputs' lines; then a footer of
 * fixed length with the report's length, the inputs' length and count, and
 * the exit status. */
#define FG_RUN_HEADER_FMT "key %020zu\n"
#define FG_RUN_HEADER_LEN 25
#define FG_RUN_FOOTER_FMT "report %020zu inputs %020zu count %020zu status %03d\n"
#define FG_RUN_FOOTER_LEN 94

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
  unsigned long long keylen = 0, report_len = 0, inputs_len = 0, ninputs = 0, status = 0;
  const char *f = n >= FG_RUN_FOOTER_LEN ? end - FG_RUN_FOOTER_LEN : NULL;
  bool ok = f && memcmp(f, "report ", 7) == 0 && fg_digits(f + 7, 20, &report_len) &&
            memcmp(f + 27, " inputs ", 8) == 0 && fg_digits(f + 35, 20, &inputs_len) &&
            memcmp(f + 55, " count ", 7) == 0 && fg_digits(f + 62, 20, &ninputs) &&
            memcmp(f + 82, " status ", 8) == 0 && fg_digits(f + 90, 3, &status) &&
            f[93] == '\n';
  ok = ok && n >= FG_RUN_HEADER_LEN && memcmp(p, "key ", 4) == 0 &&
       fg_digits(p + 4, 20, &keylen) && p[24] == '\n' && keylen == klen;
  p += FG_RUN_HEADER_LEN;
  ok = ok && (size_t)(end - p) >= klen && memcmp(p, self->key, klen) == 0;
  if (ok) {
    p += klen;
    ok = report_len + inputs_len + FG_RUN_FOOTER_LEN == (unsigned long long)(end - p);
  }
  if (ok) {
    self->inputs = (size_t)ninputs;
    ok = fg_inputs_unchanged(p + report_len, (size_t)inputs_len, (size_t)ninputs, NULL);
  }
  if (!ok) {
    free(e);
    return NULL;
  }
  *report = p;
  *len = (size_t)report_len;
  *rc = (int)status;
  return e;
}

bool fg_run_cache_begin(FgRunCache *self) {
  size_t klen = strlen(self->key);
  fg_cache_entry_abort(self->entry);
  self->entry = fg_cache_entry_begin(self->cache, fg_cache_hash(self->key, klen), klen);
  if (!self->entry)
    return false;
  char head[FG_RUN_HEADER_LEN + 1];
  snprintf(head, sizeof head, FG_RUN_HEADER_FMT, klen);
  fg_cache_entry_write(self->entry, head, FG_RUN_HEADER_LEN);
  fg_cache_entry_write(self->entry, self->key, klen);
  self->report_len = 0;
  return true;
}

void fg_run_cache_tee(void *ud, const char *data, size_t len) {
  FgRunCache *self = ud;
  if (self->entry) {
    fg_cache_entry_write(self->entry, data, len);
    self->report_len += len;
  }
}

typedef struct FgRunInputs {
  FgCacheEntry *entry;
  size_t len;
} FgRunInputs;

static void fg_run_put_inputs(void *ud, const char *data, size_t len) {
  FgRunInputs *in = ud;
  fg_cache_entry_write(in->entry, data, len);
  in->len += len;
}

void fg_run_cache_finish(FgRunCache *self, bool keep, int rc) {
  if (!self || !self->entry)
    return;
  FgCacheEntry *e = self->entry;
  self->entry = NULL;
  FgRunInputs in = {e, 0};
  size_t n = keep ? fg_inputs_write(fg_run_put_inputs, &in) : 0;
  if (!keep || fg_inputs_racy() || rc < 0 || rc > 999) {
    fg_cache_entry_abort(e);
    return;
  }
  char foot[FG_RUN_FOOTER_LEN + 1];
  int fl =
      snprintf(foot, sizeof foot, FG_RUN_FOOTER_FMT, self->report_len, in.len, n, rc);
  if (fl != FG_RUN_FOOTER_LEN) {
    fg_cache_entry_abort(e);
    return;
  }
  fg_cache_entry_write(e, foot, FG_RUN_FOOTER_LEN);
  if (fg_cache_entry_commit(e))
    fg_cache_trim(self->cache, FG_RUN_CACHE_KEEP);
}
