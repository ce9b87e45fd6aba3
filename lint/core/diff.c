#include "core/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { FG_DIFF_CONTEXT = 3 };

/* Beyond this many differences the middle of the file is reported as one
 * delete + insert: the search stores O(D^2) positions. Fixes change a few
 * lines, so real diffs stay far below it. */
enum { FG_DIFF_MAX_D = 1000 };

typedef struct Line {
  const char *p;
  size_t len; /* including the '\n', when there is one */
  uint64_t hash;
} Line;

typedef FG_VEC(Line) LineVec;

static uint64_t hash_bytes(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static void split_lines(LineVec *out, const char *data, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    if (data[i] != '\n')
      continue;
    Line l = {data + start, i + 1 - start, hash_bytes(data + start, i + 1 - start)};
    fg_vec_push(out, l);
    start = i + 1;
  }
  if (start < len) {
    Line l = {data + start, len - start, hash_bytes(data + start, len - start)};
    fg_vec_push(out, l);
  }
}

static bool line_eq(const Line *a, const Line *b) {
  return a->hash == b->hash && a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static bool has_newline(const Line *l) {
  return l->len > 0 && l->p[l->len - 1] == '\n';
}

/* Myers' O(ND) greedy search over a[0..n) and b[0..m), keeping each round's
 * frontier so the path can be walked back. Marks del[i] / ins[j] for the
 * lines not on the path. Returns false when more than FG_DIFF_MAX_D
 * differences would be needed. */
static bool myers(const Line *a, size_t n, const Line *b, size_t m, bool *del,
                  bool *ins) {
  size_t max_d = n + m < FG_DIFF_MAX_D ? n + m : FG_DIFF_MAX_D;
  ptrdiff_t off = (ptrdiff_t)max_d + 1;
  ptrdiff_t *v = fg_xcalloc(2 * max_d + 3, sizeof *v);
  /* trace holds round d's frontier for k in [-d, d] at trace + d*d. */
  ptrdiff_t *trace = NULL;
  size_t trace_cap = 0;
  ptrdiff_t N = (ptrdiff_t)n, M = (ptrdiff_t)m;
  ptrdiff_t found = -1;
  for (ptrdiff_t d = 0; d <= (ptrdiff_t)max_d && found < 0; d++) {
    for (ptrdiff_t k = -d; k <= d; k += 2) {
      ptrdiff_t x;
      if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
        x = v[off + k + 1];
      else
        x = v[off + k - 1] + 1;
      ptrdiff_t y = x - k;
      while (x < N && y < M && line_eq(&a[x], &b[y])) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= N && y >= M)
        found = d;
    }
    size_t need = (size_t)(d + 1) * (size_t)(d + 1);
    if (need > trace_cap) {
      trace_cap = need * 2;
      trace = fg_xrealloc(trace, trace_cap * sizeof *trace);
    }
    for (ptrdiff_t k = -d; k <= d; k++)
      trace[d * d + (k + d)] = v[off + k];
  }
  if (found < 0) {
    free(v);
    free(trace);
    return false;
  }
  ptrdiff_t x = N, y = M;
  for (ptrdiff_t d = found; d > 0; d--) {
    const ptrdiff_t *prev = trace + (d - 1) * (d - 1) + (d - 1);
    ptrdiff_t k = x - y;
    bool down = k == -d || (k != d && prev[k - 1] < prev[k + 1]);
    ptrdiff_t pk = down ? k + 1 : k - 1;
    ptrdiff_t px = prev[pk];
    ptrdiff_t py = px - pk;
    if (down)
      ins[py] = true;
    else
      del[px] = true;
    x = px;
    y = py;
  }
  free(v);
  free(trace);
  return true;
}

/* One run of changed lines: old [i, i+ndel) became new [j, j+nins). */
typedef struct Change {
  size_t i, j, ndel, nins;
} Change;

typedef FG_VEC(Change) ChangeVec;

static void collect_changes(ChangeVec *out, const bool *del, size_t n, const bool *ins,
                            size_t m) {
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && !del[i] && !ins[j]) {
      i++;
      j++;
      continue;
    }
    Change c = {i, j, 0, 0};
    while (i < n && del[i]) {
      i++;
      c.ndel++;
    }
    while (j < m && ins[j]) {
      j++;
      c.nins++;
    }
    fg_vec_push(out, c);
  }
}

/* GNU's range: "l" for one line, "l,s" otherwise; an empty range names the
 * line before it. */
static void put_range(FgBuf *out, size_t start, size_t count) {
  if (count == 1)
    fg_buf_printf(out, "%zu", start + 1);
  else if (count == 0)
    fg_buf_printf(out, "%zu,0", start);
  else
    fg_buf_printf(out, "%zu,%zu", start + 1, count);
}

static void put_line(FgBuf *out, char mark, const Line *l) {
  fg_buf_putc(out, mark);
  fg_buf_append(out, l->p, l->len);
  if (!has_newline(l))
    fg_buf_puts(out, "\n\\ No newline at end of file\n");
}

/* Prints the hunk made of changes [first, last]. */
static void put_hunk(FgBuf *out, const LineVec *a, const LineVec *b, const Change *first,
                     const Change *last) {
  size_t s0 = first->i > FG_DIFF_CONTEXT ? first->i - FG_DIFF_CONTEXT : 0;
  size_t s1 = first->j - (first->i - s0);
  size_t end0 = last->i + last->ndel + FG_DIFF_CONTEXT;
  if (end0 > a->len)
    end0 = a->len;
  size_t end1 = last->j + last->nins + (end0 - (last->i + last->ndel));
  fg_buf_puts(out, "@@ -");
  put_range(out, s0, end0 - s0);
  fg_buf_puts(out, " +");
  put_range(out, s1, end1 - s1);
  fg_buf_puts(out, " @@\n");
  size_t i = s0;
  for (const Change *c = first; c <= last; c++) {
    for (; i < c->i; i++)
      put_line(out, ' ', &a->items[i]);
    for (size_t k = 0; k < c->ndel; k++)
      put_line(out, '-', &a->items[c->i + k]);
    for (size_t k = 0; k < c->nins; k++)
      put_line(out, '+', &b->items[c->j + k]);
    i = c->i + c->ndel;
  }
  for (; i < end0; i++)
    put_line(out, ' ', &a->items[i]);
}

/* Does git quote this name? Control characters, '"', '\\' and bytes
 * past ASCII (core.quotePath). */
static bool needs_quotes(const char *name) {
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p >= 0x80)
      return true;
  return false;
}

/* A file name with a space gets a trailing tab, as git writes it, so that
 * patch does not cut the name at the space; a name git would quote is
 * quoted as git does ("a/t\303\251st.py"), which GNU patch reads. */
static void put_header(FgBuf *out, const char *prefix, const char *name) {
  if (!needs_quotes(name)) {
    fg_buf_printf(out, "%s%s%s\n", prefix, name, strchr(name, ' ') ? "\t" : "");
    return;
  }
  size_t plen = strlen(prefix);
  fg_buf_append(out, prefix, plen - 2); /* "--- " before "a/" */
  fg_buf_putc(out, '"');
  fg_buf_append(out, prefix + plen - 2, 2);
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    const char *esc = NULL;
    switch (*p) {
    case '"':
      esc = "\\\"";
      break;
    case '\\':
      esc = "\\\\";
      break;
    case '\a':
      esc = "\\a";
      break;
    case '\b':
      esc = "\\b";
      break;
    case '\t':
      esc = "\\t";
      break;
    case '\n':
      esc = "\\n";
      break;
    case '\v':
      esc = "\\v";
      break;
    case '\f':
      esc = "\\f";
      break;
    case '\r':
      esc = "\\r";
      break;
    default:
      break;
    }
    if (esc)
      fg_buf_puts(out, esc);
    else if (*p < 0x20 || *p >= 0x7f)
      fg_buf_printf(out, "\\%03o", *p);
    else
      fg_buf_putc(out, (char)*p);
  }
  fg_buf_puts(out, "\"\n");
}

void fg_diff_unified(FgBuf *out, const char *path, const char *old, size_t oldlen,
                     const char *new_, size_t newlen, bool is_new) {
  if (is_new)
    oldlen = 0;
  if (oldlen == newlen && (oldlen == 0 || memcmp(old, new_, oldlen) == 0))
    return;
  LineVec a = {0}, b = {0};
  split_lines(&a, old, oldlen);
  split_lines(&b, new_, newlen);
  bool *del = fg_xcalloc(a.len + 1, sizeof *del);
  bool *ins = fg_xcalloc(b.len + 1, sizeof *ins);

  /* Equal ends are matched first: the search then only sees the middle,
   * which is where a fix's few changed lines are. */
  size_t pre = 0;
  while (pre < a.len && pre < b.len && line_eq(&a.items[pre], &b.items[pre]))
    pre++;
  size_t suf = 0;
  while (suf < a.len - pre && suf < b.len - pre &&
         line_eq(&a.items[a.len - 1 - suf], &b.items[b.len - 1 - suf]))
    suf++;
  size_t n = a.len - pre - suf, m = b.len - pre - suf;
  /* a created (or emptied) file has no lines: no pointer arithmetic on
   * the NULL array */
  const Line *amid = a.items ? a.items + pre : NULL;
  const Line *bmid = b.items ? b.items + pre : NULL;
  if (!myers(amid, n, bmid, m, del + pre, ins + pre)) {
    memset(del + pre, 1, n);
    memset(ins + pre, 1, m);
  }

  ChangeVec changes = {0};
  collect_changes(&changes, del, a.len, ins, b.len);
  if (is_new)
    fg_buf_puts(out, "--- /dev/null\n");
  else
    put_header(out, "--- a/", path);
  put_header(out, "+++ b/", path);
  /* Changes closer than 2 * context + 1 unchanged lines share a hunk. */
  size_t first = 0;
  for (size_t k = 0; k < changes.len; k++) {
    const Change *c = &changes.items[k];
    bool last = k + 1 == changes.len ||
                changes.items[k + 1].i - (c->i + c->ndel) > 2 * FG_DIFF_CONTEXT;
    if (!last)
      continue;
    put_hunk(out, &a, &b, &changes.items[first], c);
    first = k + 1;
  }
  fg_vec_free(&changes);
  free(del);
  free(ins);
  fg_vec_free(&a);
  fg_vec_free(&b);
}
