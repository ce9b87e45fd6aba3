#include "core/source.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

FgSource *fg_source_new(const char *path, const char *data, size_t len) {
  FgSource *self = fg_xcalloc(1, sizeof *self);
  self->path = fg_xstrdup(path);
  self->data = fg_xstrndup(data, len);
  self->raw = self->data;
  self->len = len;
  self->has_nul = memchr(data, '\0', len) != NULL;
  self->bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
  self->final_newline = len == 0 || data[len - 1] == '\n' || data[len - 1] == '\r';

  size_t cap = 64;
  self->line_starts = fg_xmalloc(cap * sizeof *self->line_starts);
  self->line_starts[self->nlines++] = 0;
  bool saw_break = false;
  for (size_t i = 0; i < len; i++) {
    bool brk = false;
    if (data[i] == '\n') {
      brk = true;
      if (!saw_break)
        self->crlf = i > 0 && data[i - 1] == '\r';
    } else if (data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n')) {
      brk = true; /* a lone CR (old Mac) still ends a line: parsers see LF */
      if (!saw_break)
        self->cr = true;
      if (self->raw == self->data)
        self->raw = fg_xstrndup(data, len);
      self->data[i] = '\n';
    }
    if (!brk)
      continue;
    saw_break = true;
    if (i + 1 >= len)
      break; /* no empty line after a final newline */
    if (i + 1 > UINT32_MAX)
      continue; /* past 4 GiB: one last line (no read is that large) */
    if (self->nlines == cap) {
      cap *= 2;
      self->line_starts = fg_xrealloc(self->line_starts, cap * sizeof *self->line_starts);
    }
    self->line_starts[self->nlines++] = (uint32_t)(i + 1);
  }
  /* sources live for the whole run: no spare capacity */
  self->line_starts =
      fg_xrealloc(self->line_starts, self->nlines * sizeof *self->line_starts);
  return self;
}

void fg_source_delete(FgSource *self) {
  if (!self)
    return;
  free(self->path);
  if (self->raw != self->data)
    free(self->raw);
  free(self->shown);
  free(self->data);
  free(self->line_starts);
  free(self);
}

const char *fg_source_shown(const FgSource *self) {
  return self->shown ? self->shown : self->path;
}

void fg_source_set_prefix(FgSource *self, const char *prefix) {
  free(self->shown);
  self->shown = NULL;
  if (prefix && *prefix) {
    /* a file outside the project ("../../.github/workflows/ci.yml") is
     * named from the prefix's folder as any other */
    char *joined = fg_xasprintf("%s/%s", prefix, self->path);
    self->shown = fg_path_normalize(joined);
    free(joined);
  }
}

void fg_source_rename(FgSource *self, const char *path) {
  free(self->path);
  self->path = fg_xstrdup(path);
  free(self->shown);
  self->shown = NULL;
}

static size_t fg_source_line_index(const FgSource *self, size_t offset) {
  size_t lo = 0, hi = self->nlines;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (self->line_starts[mid] <= offset)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

FgPos fg_source_pos(const FgSource *self, size_t offset) {
  if (offset > self->len)
    offset = self->len;
  if (offset == self->len && self->len && self->final_newline) {
    FgPos eof = {self->nlines + 1, 1}; /* the empty line after the last break */
    return eof;
  }
  size_t li = fg_source_line_index(self, offset);
  size_t start = self->line_starts[li];
  if (li == 0 && self->bom)
    start = offset >= 3 ? 3 : offset;
  size_t col = 1;
  for (size_t i = start; i < offset; i++) {
    unsigned char c = (unsigned char)self->data[i];
    if ((c & 0xC0) != 0x80)
      col++;
  }
  /* an offset inside a multi-byte sequence belongs to that code point */
  if (offset < self->len && ((unsigned char)self->data[offset] & 0xC0) == 0x80 && col > 1)
    col--;
  FgPos pos = {li + 1, col};
  return pos;
}

size_t fg_source_line_start(const FgSource *self, size_t line) {
  if (line == 0)
    return 0;
  if (line > self->nlines)
    return self->len;
  return self->line_starts[line - 1];
}

const char *fg_source_line_text(const FgSource *self, size_t line, size_t *len) {
  size_t start = fg_source_line_start(self, line);
  size_t end = line < self->nlines ? self->line_starts[line] : self->len;
  while (end > start && (self->data[end - 1] == '\n' || self->data[end - 1] == '\r'))
    end--;
  if (line == 1 && self->bom && start == 0 && end >= 3)
    start = 3;
  *len = end - start;
  return self->data + start;
}

const char *fg_source_eol(const FgSource *self) {
  if (self->crlf)
    return "\r\n";
  return self->cr ? "\r" : "\n";
}
