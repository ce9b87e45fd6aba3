#include "parse/shlex.h"

#include <stdlib.h>

#include "core/util.h"

typedef FG_VEC(FgShlexWord) FgShlexWordVec;

/* shlex.whitespace */
static bool fg_shlex_is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void fg_shlex_fail(FgShlex *self, size_t offset, const char *message) {
  self->has_error = true;
  self->error_offset = offset;
  self->message = message;
}

FgShlex *fg_shlex_split(const char *s, size_t len) {
  FgShlex *self = fg_xcalloc(1, sizeof *self);
  FgShlexWordVec words = {0};
  size_t i = 0;
  while (i < len) {
    if (fg_shlex_is_space(s[i])) {
      i++;
      continue;
    }
    size_t start = i;
    FgBuf b = {0}; /* fg_buf_take gives "" for an empty quoted word */
    bool ok = true;
    while (i < len && !fg_shlex_is_space(s[i]) && ok) {
      char c = s[i];
      if (c == '\\') {
        if (i + 1 >= len) {
          fg_shlex_fail(self, i, "no escaped character");
          ok = false;
          break;
        }
        fg_buf_putc(&b, s[i + 1]);
        i += 2;
      } else if (c == '\'') {
        size_t q = i++;
        while (i < len && s[i] != '\'')
          fg_buf_putc(&b, s[i++]);
        if (i >= len) {
          fg_shlex_fail(self, q, "no closing quotation");
          ok = false;
          break;
        }
        i++;
      } else if (c == '"') {
        size_t q = i++;
        while (i < len && s[i] != '"') {
          if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\')) {
            fg_buf_putc(&b, s[i + 1]);
            i += 2;
          } else {
            fg_buf_putc(&b, s[i++]);
          }
        }
        if (i >= len) {
          fg_shlex_fail(self, q, "no closing quotation");
          ok = false;
          break;
        }
        i++;
      } else {
        fg_buf_putc(&b, c);
        i++;
      }
    }
    if (!ok) {
      fg_buf_free(&b);
      break;
    }
    FgShlexWord w = {fg_buf_take(&b), start, i};
    fg_vec_push(&words, w);
  }
  self->words = words.items;
  self->nwords = words.len;
  self->argv = fg_xcalloc(self->nwords + 1, sizeof(char *));
  for (size_t k = 0; k < self->nwords; k++)
    self->argv[k] = self->words[k].text;
  return self;
}

void fg_shlex_delete(FgShlex *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->nwords; i++)
    free(self->words[i].text);
  free(self->words);
  free(self->argv);
  free(self);
}
