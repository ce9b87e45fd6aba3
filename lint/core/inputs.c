#include "core/inputs.h"

#include "core/cache.h"
#include "core/words.h"

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A file time this close to when its signature was taken may share a clock
 * tick with a later change (whole seconds: two of them). */
#define FG_INPUTS_RACY_NS 200000000LL
#define FG_INPUTS_RACY_COARSE_NS 2000000000LL

static atomic_bool fg_in_on;
static pthread_mutex_t fg_in_lock = PTHREAD_MUTEX_INITIALIZER;
/* The paths noted, each once, with the signature they had when first
 * noted: "path\0signature\0" one after another in an arena, found again
 * through an open-addressing table of their offsets. */
static FgBuf fg_in_arena;
static FG_VEC(size_t) fg_in_offsets;
static size_t *fg_in_slots; /* offset + 1; 0 empty */
static size_t fg_in_nslots;
/* a signature whose file times were too close to when it was taken */
static bool fg_in_racy;

static void fg_in_clear(void) {
  fg_buf_free(&fg_in_arena);
  fg_vec_free(&fg_in_offsets);
  free(fg_in_slots);
  fg_in_slots = NULL;
  fg_in_nslots = 0;
  fg_in_racy = false;
}

static void fg_in_slot_put(size_t off, uint64_t h) {
  size_t mask = fg_in_nslots - 1;
  size_t i = (size_t)h & mask;
  while (fg_in_slots[i])
    i = (i + 1) & mask;
  fg_in_slots[i] = off + 1;
}

static void fg_in_grow(void) {
  size_t old = fg_in_nslots;
  size_t *slots = fg_in_slots;
  fg_in_nslots = old ? old * 2 : 1024;
  fg_in_slots = fg_xcalloc(fg_in_nslots, sizeof *fg_in_slots);
  for (size_t i = 0; i < old; i++)
    if (slots[i]) {
      const char *p = fg_in_arena.data + slots[i] - 1;
      fg_in_slot_put(slots[i] - 1, fg_word_hash(p, strlen(p)));
    }
  free(slots);
}

/* Is path[0, n) noted? Under the lock. */
static bool fg_in_has(const char *path, size_t n, uint64_t h) {
  if (!fg_in_nslots)
    return false;
  size_t mask = fg_in_nslots - 1;
  for (size_t i = (size_t)h & mask; fg_in_slots[i]; i = (i + 1) & mask) {
    const char *p = fg_in_arena.data + fg_in_slots[i] - 1;
    if (strncmp(p, path, n) == 0 && p[n] == '\0')
      return true;
  }
  return false;
}

void fg_inputs_start(void) {
  pthread_mutex_lock(&fg_in_lock);
  fg_in_clear();
  pthread_mutex_unlock(&fg_in_lock);
  atomic_store(&fg_in_on, true);
}

void fg_inputs_stop(void) {
  atomic_store(&fg_in_on, false);
  pthread_mutex_lock(&fg_in_lock);
  fg_in_clear();
  pthread_mutex_unlock(&fg_in_lock);
}

bool fg_inputs_recording(void) {
  return atomic_load_explicit(&fg_in_on, memory_order_relaxed);
}

int64_t fg_inputs_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t fg_in_ns(struct timespec t) {
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int fg_in_name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's entries, sorted, hashed: what it lists, not when it last
 * changed (forkguard's own cache folder is left out: making it must not
 * change the project). */
static uint64_t fg_in_listing(const char *path) {
  DIR *d = opendir(path);
  if (!d)
    return 0;
  FgStrVec names = {0};
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *n = e->d_name;
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strcmp(n, FG_CACHE_DIRNAME) == 0)
      continue;
    fg_vec_push(&names, fg_xstrdup(n));
  }
  closedir(d);
  if (names.len > 1)
    qsort(names.items, names.len, sizeof(char *), fg_in_name_cmp);
  FgBuf all = {0};
  for (size_t i = 0; i < names.len; i++) {
    fg_buf_puts(&all, names.items[i]);
    fg_buf_putc(&all, '/');
  }
  uint64_t h = fg_cache_hash(all.data ? all.data : "", all.len) ^ (uint64_t)names.len;
  fg_buf_free(&all);
  fg_strvec_free(&names);
  return h;
}

/* What a signature says of its file times. */
typedef struct FgInTimes {
  int64_t newest;
  bool coarse;
} FgInTimes;

/* One stat's part of a signature: "-" when it failed. A folder is its
 * entries; anything else its size and times. */
static void fg_in_sig1(FgBuf *out, FgInTimes *t, const char *path, bool ok,
                       const struct stat *st) {
  if (!ok) {
    fg_buf_putc(out, '-');
    return;
  }
  if (S_ISDIR(st->st_mode)) {
    fg_buf_printf(out, "D%" PRIu64 ",%" PRIu64 ",%o,%016" PRIx64, (uint64_t)st->st_dev,
                  (uint64_t)st->st_ino, (unsigned)st->st_mode, fg_in_listing(path));
    return;
  }
  int64_t m = fg_in_ns(st->st_mtim), c = fg_in_ns(st->st_ctim);
  if (t && m > t->newest)
    t->newest = m;
  if (t && c > t->newest)
    t->newest = c;
  if (t && st->st_ctim.tv_nsec == 0)
    t->coarse = true;
  fg_buf_printf(out, "F%" PRIu64 ",%" PRIu64 ",%o,%lld,%" PRId64 ",%" PRId64,
                (uint64_t)st->st_dev, (uint64_t)st->st_ino, (unsigned)st->st_mode,
                (long long)st->st_size, m, c);
}

/* The signature of path now: lstat's, and stat's through a symlink. */
static void fg_in_sig(FgBuf *out, FgInTimes *t, const char *path) {
  struct stat lst, st;
  bool lok = lstat(path, &lst) == 0;
  fg_in_sig1(out, t, path, lok, &lst);
  if (lok && S_ISLNK(lst.st_mode)) {
    fg_buf_putc(out, '>');
    bool ok = stat(path, &st) == 0;
    fg_in_sig1(out, t, path, ok, &st);
  }
}

/* The signature is taken when a path is first noted, before it is read:
 * a change after that shows as another signature next time. */
void fg_inputs_note(const char *path) {
  if (!path || !fg_inputs_recording())
    return;
  size_t n = strlen(path);
  uint64_t h = fg_word_hash(path, n);
  pthread_mutex_lock(&fg_in_lock);
  bool known = fg_in_has(path, n, h);
  pthread_mutex_unlock(&fg_in_lock);
  if (known)
    return;
  FgBuf sig = {0};
  FgInTimes t = {0, false};
  int64_t now = fg_inputs_now_ns();
  fg_in_sig(&sig, &t, path);
  bool racy = t.newest >= now - (t.coarse ? FG_INPUTS_RACY_COARSE_NS : FG_INPUTS_RACY_NS);
  pthread_mutex_lock(&fg_in_lock);
  if (!fg_in_has(path, n, h)) {
    if (fg_in_offsets.len + 1 > fg_in_nslots / 2)
      fg_in_grow();
    size_t off = fg_in_arena.len;
    fg_buf_append(&fg_in_arena, path, n);
    fg_buf_putc(&fg_in_arena, '\0');
    fg_buf_append(&fg_in_arena, sig.data, sig.len);
    fg_buf_putc(&fg_in_arena, '\0');
    fg_vec_push(&fg_in_offsets, off);
    fg_in_slot_put(off, h);
    fg_in_racy = fg_in_racy || racy;
  }
  pthread_mutex_unlock(&fg_in_lock);
  fg_buf_free(&sig);
}

void fg_inputs_note2(const char *dir, const char *name) {
  if (!dir || !name || !fg_inputs_recording())
    return;
  char *p = fg_xasprintf("%s/%s", dir, name);
  fg_inputs_note(p);
  free(p);
}

size_t fg_inputs_write(void (*put)(void *ud, const char *data, size_t len), void *ud) {
  pthread_mutex_lock(&fg_in_lock);
  size_t n = fg_in_offsets.len;
  const char **paths = fg_xmalloc((n ? n : 1) * sizeof *paths);
  for (size_t i = 0; i < n; i++)
    paths[i] = fg_in_arena.data + fg_in_offsets.items[i];
  if (n > 1)
    qsort(paths, n, sizeof *paths, fg_str_cmp_ptr);
  FgBuf out = {0};
  for (size_t i = 0; i < n; i++) {
    size_t plen = strlen(paths[i]);
    fg_buf_puts(&out, paths[i] + plen + 1); /* the signature */
    fg_buf_printf(&out, " %zu:", plen);
    fg_buf_append(&out, paths[i], plen);
    fg_buf_putc(&out, '\n');
    if (out.len >= 65536 || i + 1 == n) {
      put(ud, out.data, out.len);
      out.len = 0;
    }
  }
  fg_buf_free(&out);
  free(paths);
  pthread_mutex_unlock(&fg_in_lock);
  return n;
}

bool fg_inputs_racy(void) {
  pthread_mutex_lock(&fg_in_lock);
  bool racy = fg_in_racy;
  pthread_mutex_unlock(&fg_in_lock);
  return racy;
}

bool fg_inputs_unchanged(const char *text, size_t len, size_t n, char **changed) {
  if (changed)
    *changed = NULL;
  const char *p = text, *end = text + len;
  FgBuf now = {0};
  bool ok = true;
  for (size_t i = 0; i < n && ok; i++) {
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    if (!sp) {
      ok = false;
      break;
    }
    char *stop = NULL;
    unsigned long long plen = strtoull(sp + 1, &stop, 10);
    if (!stop || *stop != ':' || plen > (unsigned long long)(end - stop - 1) ||
        stop + 1 + plen >= end || stop[1 + plen] != '\n') {
      ok = false;
      break;
    }
    char *path = fg_xstrndup(stop + 1, (size_t)plen);
    now.len = 0;
    fg_in_sig(&now, NULL, path);
    size_t slen = (size_t)(sp - p);
    if (now.len != slen || memcmp(now.data, p, slen) != 0) {
      ok = false;
      if (changed)
        *changed = path;
      else
        free(path);
      break;
    }
    free(path);
    p = stop + 1 + plen + 1;
  }
  fg_buf_free(&now);
  return ok;
}
