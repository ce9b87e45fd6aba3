#include "core/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "core/words.h"

/* An entry: this header, then the payload. */
#define FG_CACHE_MAGIC "FGC1"
#define FG_CACHE_HEADER 48
/* A folder of another build or options that got no new entry for this long
 * is removed when a new folder is made (an upgrade or a rebuild leaves the
 * old one behind). */
#define FG_CACHE_STALE_SECONDS (7 * 24 * 3600)
/* No payload is this large (a summary is a fraction of its 8 MiB source). */
#define FG_CACHE_MAX_PAYLOAD ((size_t)64 << 20)

struct FgCache {
  char *dir;    /* the cache folder (.forkguard_cache) */
  char *ns;     /* "py" */
  char *folder; /* dir/<ns>-<key>: this key's entries */
  uint64_t key;
  pthread_mutex_t lock; /* over `ready` */
  int ready;            /* 0 not tried, 1 folder made, -1 cannot write */
  atomic_size_t hits, writes, tmp_serial;
};

FgCache *fg_cache_open(const char *dir, const char *ns, uint64_t key) {
  FgCache *c = fg_xcalloc(1, sizeof *c);
  c->dir = fg_xstrdup(dir);
  c->ns = fg_xstrdup(ns);
  c->folder = fg_xasprintf("%s/%s-%016llx", dir, ns, (unsigned long long)key);
  c->key = key;
  pthread_mutex_init(&c->lock, NULL);
  return c;
}

void fg_cache_close(FgCache *self) {
  if (!self)
    return;
  pthread_mutex_destroy(&self->lock);
  free(self->dir);
  free(self->ns);
  free(self->folder);
  free(self);
}

uint64_t fg_cache_hash(const char *data, size_t len) {
  return fg_pair_hash(fg_word_hash(data, len), (uint64_t)len);
}

/* An entry's checksum: of its payload, as fg_cache_entry_write makes it. */
static uint64_t fg_cache_checksum(const char *data, size_t len) {
  FgHashStream s;
  fg_hash_stream_init(&s);
  fg_hash_stream_add(&s, data, len);
  return fg_hash_stream_end(&s);
}

static void fg_put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t fg_get64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static char *fg_entry_path(const FgCache *self, uint64_t hash, size_t len) {
  return fg_xasprintf("%s/%016llx-%zu", self->folder, (unsigned long long)hash, len);
}

/* Reads all of fd, at most max bytes; NULL when it holds more or fails. */
static char *fg_read_fd(int fd, size_t max, size_t *out_len) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
    return NULL;
  size_t want = (size_t)st.st_size, got = 0;
  char *buf = fg_xmalloc(want ? want : 1);
  while (got < want) {
    ssize_t n = read(fd, buf + got, want - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  if (got != want) {
    free(buf);
    return NULL;
  }
  *out_len = got;
  return buf;
}

char *fg_cache_get(FgCache *self, uint64_t hash, size_t len, size_t *out_len,
                   char **warning) {
  *warning = NULL;
  char *path = fg_entry_path(self, hash, len);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    free(path);
    return NULL; /* none yet */
  }
  size_t n = 0;
  char *buf = fg_read_fd(fd, FG_CACHE_HEADER + FG_CACHE_MAX_PAYLOAD, &n);
  close(fd);
  const char *why = NULL;
  const unsigned char *h = (const unsigned char *)buf;
  if (!buf)
    why = "not a readable file of a sensible size";
  else if (n < FG_CACHE_HEADER || memcmp(buf, FG_CACHE_MAGIC, 4) != 0)
    why = "not a forkguard cache entry";
  else if (fg_get64(h + 8) != self->key || fg_get64(h + 16) != hash ||
           fg_get64(h + 24) != (uint64_t)len)
    why = "written for other contents or another build";
  else if (fg_get64(h + 32) != (uint64_t)(n - FG_CACHE_HEADER))
    why = "truncated";
  else if (fg_get64(h + 40) !=
           fg_cache_checksum(buf + FG_CACHE_HEADER, n - FG_CACHE_HEADER))
    why = "checksum mismatch";
  if (why) {
    *warning = fg_xasprintf("%s: %s", path, why);
    free(buf);
    free(path);
    return NULL;
  }
  free(path);
  size_t plen = n - FG_CACHE_HEADER;
  memmove(buf, buf + FG_CACHE_HEADER, plen); /* in place: a payload can be large */
  *out_len = plen;
  atomic_fetch_add(&self->hits, 1);
  return buf;
}

static bool fg_write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

/* Writes a small file of the cache folder unless it exists. */
static void fg_write_marker(const char *dir, const char *name, const char *text) {
  char *path = fg_xasprintf("%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd >= 0) {
    fg_write_all(fd, text, strlen(text));
    close(fd);
  }
  free(path);
}

static bool fg_is_dir(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Removes the entries of folder dir/name and the folder (entries are plain
 * files; anything else keeps the folder). */
static void fg_remove_folder(const char *dir, const char *name) {
  char *path = fg_xasprintf("%s/%s", dir, name);
  DIR *d = opendir(path);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
        char *f = fg_xasprintf("%s/%s", path, e->d_name);
        unlink(f);
        free(f);
      }
    closedir(d);
    rmdir(path);
  }
  free(path);
}

/* When this key's folder is new: the folders of the same kind that have had
 * no new entry for FG_CACHE_STALE_SECONDS go. */
static void fg_prune_stale(const FgCache *self) {
  DIR *d = opendir(self->dir);
  if (!d)
    return;
  size_t nl = strlen(self->ns);
  const char *mine = strrchr(self->folder, '/') + 1;
  time_t now = time(NULL);
  FgStrVec stale = {0};
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, self->ns, nl) != 0 || e->d_name[nl] != '-' ||
        strcmp(e->d_name, mine) == 0)
      continue;
    char *path = fg_xasprintf("%s/%s", self->dir, e->d_name);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
        now - st.st_mtime > FG_CACHE_STALE_SECONDS)
      fg_vec_push(&stale, fg_xstrdup(e->d_name));
    free(path);
  }
  closedir(d);
  for (size_t i = 0; i < stale.len; i++)
    fg_remove_folder(self->dir, stale.items[i]);
  fg_strvec_free(&stale);
}

/* Makes the cache folder, its .gitignore and this key's folder, once. */
static bool fg_cache_ready(FgCache *self) {
  pthread_mutex_lock(&self->lock);
  if (!self->ready) {
    self->ready = -1;
    if ((mkdir(self->dir, 0755) == 0 || errno == EEXIST) && fg_is_dir(self->dir)) {
      fg_write_marker(self->dir, ".gitignore",
                      "# Automatically created by forkguard.\n*\n");
      fg_write_marker(self->dir, "CACHEDIR.TAG",
                      "Signature: 8a477f597d28d172789f06886806bc55\n"
                      "# This file is a cache directory tag created by forkguard.\n");
      bool made = mkdir(self->folder, 0755) == 0;
      if ((made || errno == EEXIST) && fg_is_dir(self->folder))
        self->ready = 1;
      if (made)
        fg_prune_stale(self);
    }
  }
  bool ok = self->ready == 1;
  pthread_mutex_unlock(&self->lock);
  return ok;
}

bool fg_cache_writable(FgCache *self) {
  return fg_cache_ready(self);
}

struct FgCacheEntry {
  FgCache *cache;
  uint64_t hash;
  size_t len, payload_len;
  char *tmp;
  int fd;
  bool failed;
  FgHashStream sum;
};

FgCacheEntry *fg_cache_entry_begin(FgCache *self, uint64_t hash, size_t len) {
  if (!fg_cache_ready(self))
    return NULL;
  FgCacheEntry *e = fg_xcalloc(1, sizeof *e);
  e->cache = self;
  e->hash = hash;
  e->len = len;
  e->tmp = fg_xasprintf("%s/.tmp-%ld-%zu", self->folder, (long)getpid(),
                        atomic_fetch_add(&self->tmp_serial, 1));
  e->fd = open(e->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  fg_hash_stream_init(&e->sum);
  unsigned char h[FG_CACHE_HEADER] = {0}; /* written whole at the end */
  e->failed = e->fd < 0 || !fg_write_all(e->fd, (const char *)h, sizeof h);
  return e;
}

void fg_cache_entry_write(FgCacheEntry *e, const char *data, size_t n) {
  if (e->failed)
    return;
  e->payload_len += n;
  if (e->payload_len > FG_CACHE_MAX_PAYLOAD || !fg_write_all(e->fd, data, n)) {
    e->failed = true;
    return;
  }
  fg_hash_stream_add(&e->sum, data, n);
}

static void fg_cache_entry_free(FgCacheEntry *e, bool remove) {
  if (e->fd >= 0)
    close(e->fd);
  if (remove && e->fd >= 0)
    unlink(e->tmp);
  free(e->tmp);
  free(e);
}

void fg_cache_entry_abort(FgCacheEntry *e) {
  if (e)
    fg_cache_entry_free(e, true);
}

bool fg_cache_entry_commit(FgCacheEntry *e) {
  unsigned char h[FG_CACHE_HEADER] = {0};
  memcpy(h, FG_CACHE_MAGIC, 4);
  fg_put64(h + 8, e->cache->key);
  fg_put64(h + 16, e->hash);
  fg_put64(h + 24, (uint64_t)e->len);
  fg_put64(h + 32, (uint64_t)e->payload_len);
  fg_put64(h + 40, fg_hash_stream_end(&e->sum));
  bool ok = !e->failed && pwrite(e->fd, h, sizeof h, 0) == (ssize_t)sizeof h;
  ok = close(e->fd) == 0 && ok;
  char *path = ok ? fg_entry_path(e->cache, e->hash, e->len) : NULL;
  if (ok)
    ok = rename(e->tmp, path) == 0;
  if (!ok)
    unlink(e->tmp);
  free(path);
  if (ok)
    atomic_fetch_add(&e->cache->writes, 1);
  e->fd = -1;
  fg_cache_entry_free(e, false);
  return ok;
}

bool fg_cache_put(FgCache *self, uint64_t hash, size_t len, const char *payload,
                  size_t payload_len) {
  if (payload_len > FG_CACHE_MAX_PAYLOAD)
    return false;
  FgCacheEntry *e = fg_cache_entry_begin(self, hash, len);
  if (!e)
    return false;
  fg_cache_entry_write(e, payload, payload_len);
  return fg_cache_entry_commit(e);
}

size_t fg_cache_hits(const FgCache *self) {
  return self ? atomic_load(&((FgCache *)self)->hits) : 0;
}

size_t fg_cache_writes(const FgCache *self) {
  return self ? atomic_load(&((FgCache *)self)->writes) : 0;
}

typedef struct FgAged {
  char *name;
  struct timespec t;
} FgAged;

static int fg_aged_cmp(const void *a, const void *b) {
  const FgAged *x = a, *y = b;
  if (x->t.tv_sec != y->t.tv_sec)
    return x->t.tv_sec > y->t.tv_sec ? -1 : 1;
  if (x->t.tv_nsec != y->t.tv_nsec)
    return x->t.tv_nsec > y->t.tv_nsec ? -1 : 1;
  return strcmp(x->name, y->name);
}

void fg_cache_trim(FgCache *self, size_t keep) {
  DIR *d = opendir(self->folder);
  if (!d)
    return;
  FG_VEC(FgAged) entries = {0};
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue; /* ".", "..", a temporary file being written */
    char *path = fg_xasprintf("%s/%s", self->folder, e->d_name);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
      fg_vec_push(&entries, ((FgAged){fg_xstrdup(e->d_name), st.st_mtim}));
    free(path);
  }
  closedir(d);
  if (entries.len > 1)
    qsort(entries.items, entries.len, sizeof entries.items[0], fg_aged_cmp);
  for (size_t i = 0; i < entries.len; i++) {
    if (i >= keep) {
      char *path = fg_xasprintf("%s/%s", self->folder, entries.items[i].name);
      unlink(path);
      free(path);
    }
    free(entries.items[i].name);
  }
  fg_vec_free(&entries);
}
