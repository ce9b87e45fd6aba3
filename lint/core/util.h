/* Small helpers shared by every module: checked allocation, a typed growable
 * array, a string builder. Out-of-memory is not a recoverable error in
 * forkguard: the allocators print one line and abort. */
#ifndef FG_UTIL_H
#define FG_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define FG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define FG_PRINTF(fmt, args)
#endif

void *fg_xmalloc(size_t n);
void *fg_xcalloc(size_t count, size_t size);
void *fg_xrealloc(void *p, size_t n);
char *fg_xstrdup(const char *s);
char *fg_xstrndup(const char *s, size_t n);
/* a, sep, then b[0, nb) (owned): what fg_xasprintf("%s%s%.*s") gives, without
 * printf's cost in the hot paths that join names. */
char *fg_xjoin(const char *a, const char *sep, const char *b, size_t nb);
char *fg_xasprintf(const char *fmt, ...) FG_PRINTF(1, 2);

/* A typed growable array: FG_VEC(int) v = {0}; fg_vec_push(&v, 3); */
#define FG_VEC(T)                                                                        \
  struct {                                                                               \
    T *items;                                                                            \
    size_t len, cap;                                                                     \
  }

#define fg_vec_reserve(v, n)                                                             \
  do {                                                                                   \
    if ((v)->len + (n) > (v)->cap) {                                                     \
      size_t fg_nc_ = (v)->cap ? (v)->cap * 2 : 8;                                       \
      while (fg_nc_ < (v)->len + (n))                                                    \
        fg_nc_ *= 2;                                                                     \
      (v)->items = fg_xrealloc((v)->items, fg_nc_ * sizeof(*(v)->items));                \
      (v)->cap = fg_nc_;                                                                 \
    }                                                                                    \
  } while (0)

#define fg_vec_push(v, x)                                                                \
  do {                                                                                   \
    fg_vec_reserve(v, 1);                                                                \
    (v)->items[(v)->len++] = (x);                                                        \
  } while (0)

/* Gives back the spare capacity: for arrays kept for the whole run. */
#define fg_vec_shrink(v)                                                                 \
  do {                                                                                   \
    if ((v)->len && (v)->len < (v)->cap) {                                               \
      (v)->items = fg_xrealloc((v)->items, (v)->len * sizeof(*(v)->items));              \
      (v)->cap = (v)->len;                                                               \
    } else if (!(v)->len) {                                                              \
      fg_vec_free(v);                                                                    \
    }                                                                                    \
  } while (0)

#define fg_vec_free(v)                                                                   \
  do {                                                                                   \
    free((v)->items);                                                                    \
    (v)->items = NULL;                                                                   \
    (v)->len = (v)->cap = 0;                                                             \
  } while (0)

/* The common case: an owned list of owned strings. */
typedef FG_VEC(char *) FgStrVec;
void fg_strvec_free(FgStrVec *self); /* frees the strings and the array */
/* Appends the non-empty pieces of s between any of the separator bytes. */
void fg_strvec_split(FgStrVec *self, const char *s, const char *seps);

/* A growable, always NUL-terminated byte string. With a sink, what is
 * appended goes to the stream in chunks instead of piling up (a large report
 * never sits in memory whole); fg_buf_flush writes the rest. */
typedef struct FgBuf {
  char *data;
  size_t len, cap;
  FILE *sink;
  bool sink_error; /* a write to the sink failed */
  /* when set, also given every piece written to the sink */
  void (*tee)(void *ud, const char *data, size_t len);
  void *tee_ud;
} FgBuf;

void fg_buf_append(FgBuf *self, const char *s, size_t n);
void fg_buf_puts(FgBuf *self, const char *s);
void fg_buf_putc(FgBuf *self, char c);
void fg_buf_printf(FgBuf *self, const char *fmt, ...) FG_PRINTF(2, 3);
void fg_buf_vprintf(FgBuf *self, const char *fmt, va_list ap);
/* Hands the bytes to the caller (never NULL) and empties the buffer. */
char *fg_buf_take(FgBuf *self);
void fg_buf_free(FgBuf *self);
/* Writes what is buffered to the sink (no-op without one); false when any
 * write to the sink failed. */
bool fg_buf_flush(FgBuf *self);

/* Appends s with every control character (below 0x20, and DEL) written as
 * an escape: \t, \n, \r, else \xNN. What a file name or a line of a
 * file holds never reaches a terminal raw. */
void fg_buf_put_escaped(FgBuf *self, const char *s, size_t n);
/* The same as a new string. */
char *fg_escape_controls(const char *s);
/* The width fg_buf_put_escaped gives byte c (a UTF-8 continuation byte
 * counts 0). */
size_t fg_escaped_width(unsigned char c);

/* memmem, which C11 lacks. */
const char *fg_memmem(const char *hay, size_t n, const char *needle, size_t m);

bool fg_str_eq(const char *a, const char *b); /* NULL-safe */
bool fg_str_startswith(const char *s, const char *prefix);
bool fg_str_endswith(const char *s, const char *suffix);
int fg_str_cmp_ptr(const void *a, const void *b); /* qsort on char* arrays */

/* The candidate closest to word by edit distance (ASCII case folded), if
 * it is within max edits (and not further than half the word); else NULL.
 * Borrowed from cands. "did you mean ...?" */
const char *fg_closest(const char *word, const char *const *cands, size_t n, size_t max);

/* Relative '/'-separated paths. */
const char *fg_path_base(const char *path); /* after the last '/' */
/* Is path dir itself or below it? ("" holds everything) */
bool fg_path_under(const char *path, const char *dir);
/* path with "." and "x/.." parts resolved by the text alone; leading ".."
 * parts are kept ("a/../../b" -> "../b", "a/.." -> ""). Caller frees. */
char *fg_path_normalize(const char *path);
/* Is the absolute path root itself or below it? */
bool fg_path_under_abs(const char *path, const char *root);
/* Does name match one of the n fnmatch globs? */
bool fg_glob_any(char *const *globs, size_t n, const char *name);

/* "a directory", "a FIFO", "a socket"... for a st_mode that is no regular
 * file. */
const char *fg_file_kind(unsigned mode);
/* Reads a whole regular file: the one way forkguard reads a file. Opens
 * without blocking (a FIFO never hangs it), checks the type on the open
 * descriptor, then reads. Returns NULL and sets *err (malloc'd reason) on
 * failure: not a regular file, larger than max_bytes, an I/O error. */
char *fg_read_file(const char *path, size_t max_bytes, size_t *len, char **err);

#endif
