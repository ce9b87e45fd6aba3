#include "core/util.h"

#include "core/inputs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void fg_oom(size_t n) {
  fprintf(stderr, "forkguard: out of memory (allocating %zu bytes)\n", n);
  abort();
}

void *fg_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    fg_oom(n);
  return p;
}

void *fg_xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p)
    fg_oom(count * size);
  return p;
}

void *fg_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q)
    fg_oom(n);
  return q;
}

char *fg_xstrdup(const char *s) {
  return fg_xstrndup(s, strlen(s));
}

char *fg_xstrndup(const char *s, size_t n) {
  char *p = fg_xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *fg_xjoin(const char *a, const char *sep, const char *b, size_t nb) {
  size_t la = strlen(a), ls = strlen(sep);
  nb = strnlen(b, nb);
  char *r = fg_xmalloc(la + ls + nb + 1);
  memcpy(r, a, la);
  memcpy(r + la, sep, ls);
  memcpy(r + la + ls, b, nb);
  r[la + ls + nb] = '\0';
  return r;
}

char *fg_xasprintf(const char *fmt, ...) {
  FgBuf b = {0};
  va_list ap;
  va_start(ap, fmt);
  fg_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  return fg_buf_take(&b);
}

static void fg_buf_grow(FgBuf *self, size_t extra) {
  size_t need = self->len + extra + 1;
  if (need <= self->cap)
    return;
  size_t cap = self->cap ? self->cap : 64;
  while (cap < need)
    cap *= 2;
  self->data = fg_xrealloc(self->data, cap);
  self->cap = cap;
}

#define FG_BUF_SINK_CHUNK (64u << 10)

bool fg_buf_flush(FgBuf *self) {
  if (self->sink && self->len) {
    if (fwrite(self->data, 1, self->len, self->sink) != self->len)
      self->sink_error = true;
    if (self->tee)
      self->tee(self->tee_ud, self->data, self->len);
    self->len = 0;
    self->data[0] = '\0';
  }
  return !self->sink_error;
}

void fg_buf_append(FgBuf *self, const char *s, size_t n) {
  fg_buf_grow(self, n);
  if (n)
    memcpy(self->data + self->len, s, n);
  self->len += n;
  self->data[self->len] = '\0';
  if (self->sink && self->len >= FG_BUF_SINK_CHUNK)
    fg_buf_flush(self);
}

void fg_buf_puts(FgBuf *self, const char *s) {
  fg_buf_append(self, s, strlen(s));
}

void fg_buf_putc(FgBuf *self, char c) {
  fg_buf_append(self, &c, 1);
}

void fg_buf_vprintf(FgBuf *self, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return;
  fg_buf_grow(self, (size_t)n);
  vsnprintf(self->data + self->len, (size_t)n + 1, fmt, ap);
  self->len += (size_t)n;
  if (self->sink && self->len >= FG_BUF_SINK_CHUNK)
    fg_buf_flush(self);
}

void fg_buf_printf(FgBuf *self, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fg_buf_vprintf(self, fmt, ap);
  va_end(ap);
}

/* The bytes as a string of their own size: what is taken is often kept (a
 * summary's texts), and the doubling's slack would be kept with it. */
char *fg_buf_take(FgBuf *self) {
  char *p = self->data ? self->data : fg_xstrdup("");
  if (self->data && self->cap - self->len > 16)
    p = fg_xrealloc(p, self->len + 1);
  self->data = NULL;
  self->len = self->cap = 0;
  return p;
}

void fg_buf_free(FgBuf *self) {
  free(self->data);
  self->data = NULL;
  self->len = self->cap = 0;
}

size_t fg_escaped_width(unsigned char c) {
  if (c == '\t' || c == '\n' || c == '\r')
    return 2;
  if (c < 0x20 || c == 0x7f)
    return 4;
  return (c & 0xC0) == 0x80 ? 0 : 1;
}

void fg_buf_put_escaped(FgBuf *self, const char *s, size_t n) {
  size_t plain = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != 0x7f)
      continue;
    fg_buf_append(self, s + plain, i - plain);
    plain = i + 1;
    if (c == '\t')
      fg_buf_puts(self, "\\t");
    else if (c == '\n')
      fg_buf_puts(self, "\\n");
    else if (c == '\r')
      fg_buf_puts(self, "\\r");
    else
      fg_buf_printf(self, "\\x%02x", c);
  }
  fg_buf_append(self, s + plain, n - plain);
}

char *fg_escape_controls(const char *s) {
  FgBuf b = {0};
  fg_buf_put_escaped(&b, s, strlen(s));
  return fg_buf_take(&b);
}

bool fg_str_eq(const char *a, const char *b) {
  if (!a || !b || a == b)
    return a == b;
  return *a == *b && strcmp(a, b) == 0;
}

bool fg_str_startswith(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool fg_str_endswith(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int fg_str_cmp_ptr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *fg_file_kind(unsigned mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  return "a special file";
}

char *fg_read_file(const char *path, size_t max_bytes, size_t *len, char **err) {
  *err = NULL;
  fg_inputs_note(path);
  /* Non-blocking, so that opening a FIFO does not wait for a writer; the
   * type is checked on the open descriptor (no window between a stat and
   * the open), and only a regular file is read. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    *err = fg_xstrdup(strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *err = fg_xstrdup(strerror(errno));
    close(fd);
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = fg_xasprintf("not a regular file (%s); not read", fg_file_kind(st.st_mode));
    close(fd);
    return NULL;
  }
  if ((size_t)st.st_size > max_bytes) {
    *err = fg_xasprintf("file too large (%lld bytes, limit %zu)", (long long)st.st_size,
                        max_bytes);
    close(fd);
    return NULL;
  }
  /* the size fstat gave, read straight into place; a file that grew
   * meanwhile goes on, up to the limit */
  FgBuf b = {0};
  b.cap = (size_t)st.st_size + 1;
  b.data = fg_xmalloc(b.cap);
  b.data[0] = '\0';
  for (;;) {
    if (b.len + 1 >= b.cap)
      fg_buf_grow(&b, 65536);
    size_t room = b.cap - 1 - b.len;
    if (b.len + room > max_bytes)
      room = max_bytes + 1 - b.len; /* one byte past the limit tells it */
    ssize_t n = read(fd, b.data + b.len, room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n < 0) {
      *err = fg_xstrdup(strerror(errno));
      fg_buf_free(&b);
      close(fd);
      return NULL;
    }
    if (n == 0)
      break;
    b.len += (size_t)n;
    if (b.len > max_bytes) {
      *err = fg_xasprintf("file too large (limit %zu bytes)", max_bytes);
      fg_buf_free(&b);
      close(fd);
      return NULL;
    }
  }
  b.data[b.len] = '\0';
  close(fd);
  *len = b.len;
  return fg_buf_take(&b);
}

void fg_strvec_free(FgStrVec *self) {
  for (size_t i = 0; i < self->len; i++)
    free(self->items[i]);
  fg_vec_free(self);
}

const char *fg_memmem(const char *hay, size_t n, const char *needle, size_t m) {
  if (m == 0)
    return hay;
  if (m > n)
    return NULL;
  const char *end = hay + n - m + 1;
  for (const char *p = hay; p < end; p++) {
    p = memchr(p, needle[0], (size_t)(end - p));
    if (!p)
      return NULL;
    if (memcmp(p, needle, m) == 0)
      return p;
  }
  return NULL;
}

void fg_strvec_split(FgStrVec *self, const char *s, const char *seps) {
  char *copy = fg_xstrdup(s);
  char *save = NULL;
  for (char *t = strtok_r(copy, seps, &save); t; t = strtok_r(NULL, seps, &save))
    fg_vec_push(self, fg_xstrdup(t));
  free(copy);
}

const char *fg_path_base(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

bool fg_path_under(const char *path, const char *dir) {
  if (!*dir)
    return true;
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

char *fg_path_normalize(const char *path) {
  FG_VEC(const char *) parts = {0};
  FG_VEC(size_t) lens = {0};
  for (const char *p = path; *p;) {
    size_t n = strcspn(p, "/");
    bool dotdot = n == 2 && p[0] == '.' && p[1] == '.';
    bool keep_dotdot =
        parts.len == 0 || (lens.items[lens.len - 1] == 2 &&
                           strncmp(parts.items[parts.len - 1], "..", 2) == 0);
    if (n == 0 || (n == 1 && p[0] == '.')) {
      /* an empty or "." part */
    } else if (dotdot && !keep_dotdot) {
      parts.len--;
      lens.len--;
    } else {
      fg_vec_push(&parts, p);
      fg_vec_push(&lens, n);
    }
    p += n;
    if (*p == '/')
      p++;
  }
  FgBuf out = {0};
  for (size_t i = 0; i < parts.len; i++) {
    if (i)
      fg_buf_putc(&out, '/');
    fg_buf_append(&out, parts.items[i], lens.items[i]);
  }
  fg_vec_free(&parts);
  fg_vec_free(&lens);
  return fg_buf_take(&out);
}

bool fg_path_under_abs(const char *path, const char *root) {
  size_t n = strlen(root);
  while (n > 1 && root[n - 1] == '/')
    n--;
  if (n == 1 && root[0] == '/')
    return path[0] == '/';
  return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool fg_glob_any(char *const *globs, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (fnmatch(globs[i], name, 0) == 0)
      return true;
  return false;
}

/* Levenshtein distance, case-insensitive, with a cut-off: words of a few
 * dozen bytes, two rows. */
static size_t fg_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64)
    return SIZE_MAX;
  size_t row[65], prev[65];
  for (size_t j = 0; j <= lb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
      size_t sub = prev[j - 1] + (ca != cb);
      size_t del = prev[j] + 1, ins = row[j - 1] + 1;
      row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
    memcpy(prev, row, (lb + 1) * sizeof(size_t));
  }
  return prev[lb];
}

const char *fg_closest(const char *word, const char *const *cands, size_t n, size_t max) {
  const char *best = NULL;
  size_t best_d = SIZE_MAX;
  size_t limit = strlen(word) / 2;
  if (limit > max)
    limit = max;
  for (size_t i = 0; i < n; i++) {
    size_t d = fg_distance(word, cands[i]);
    if (d < best_d) {
      best_d = d;
      best = cands[i];
    }
  }
  return best && best_d <= limit ? best : NULL;
}
