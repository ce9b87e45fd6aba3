#include "core/json.h"

#include <math.h>
#include <stdio.h>

void fg_json_init(FgJson *self, FgBuf *out, bool pretty) {
  memset(self, 0, sizeof *self);
  self->out = out;
  self->pretty = pretty;
}

static void fg_json_indent(FgJson *self) {
  if (!self->pretty)
    return;
  fg_buf_putc(self->out, '\n');
  for (int i = 0; i < self->depth; i++)
    fg_buf_puts(self->out, "  ");
}

/* Before a value or key: a comma if needed, and the indentation. */
static void fg_json_pre(FgJson *self) {
  if (self->depth > 0 && self->need_comma[self->depth])
    fg_buf_putc(self->out, ',');
  if (self->depth > 0) {
    self->need_comma[self->depth] = true;
    fg_json_indent(self);
  }
}

static void fg_json_value_pre(FgJson *self) {
  /* after a key the value follows directly */
  if (self->after_key) {
    self->after_key = false;
    return;
  }
  fg_json_pre(self);
}

static void fg_json_open(FgJson *self, char c) {
  fg_json_value_pre(self);
  fg_buf_putc(self->out, c);
  if (self->depth < 127)
    self->depth++;
  self->need_comma[self->depth] = false;
}

static void fg_json_close(FgJson *self, char c) {
  bool had = self->need_comma[self->depth];
  if (self->depth > 0)
    self->depth--;
  if (had)
    fg_json_indent(self);
  fg_buf_putc(self->out, c);
}

void fg_json_begin_object(FgJson *self) {
  fg_json_open(self, '{');
}
void fg_json_end_object(FgJson *self) {
  fg_json_close(self, '}');
}
void fg_json_begin_array(FgJson *self) {
  fg_json_open(self, '[');
}
void fg_json_end_array(FgJson *self) {
  fg_json_close(self, ']');
}

void fg_json_key(FgJson *self, const char *key) {
  fg_json_pre(self);
  fg_buf_putc(self->out, '"');
  fg_json_escape(self->out, key, strlen(key));
  fg_buf_puts(self->out, self->pretty ? "\": " : "\":");
  self->after_key = true;
}

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t fg_utf8_len(const unsigned char *s, size_t n) {
  if (s[0] < 0x80)
    return 1;
  size_t len;
  unsigned int cp;
  if ((s[0] & 0xE0) == 0xC0) {
    len = 2;
    cp = s[0] & 0x1F;
  } else if ((s[0] & 0xF0) == 0xE0) {
    len = 3;
    cp = s[0] & 0x0F;
  } else if ((s[0] & 0xF8) == 0xF0) {
    len = 4;
    cp = s[0] & 0x07;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  /* overlong forms, surrogates and values past U+10FFFF are invalid */
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return len;
}

void fg_json_escape(FgBuf *out, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    switch (c) {
    case '"':
      fg_buf_puts(out, "\\\"");
      i++;
      continue;
    case '\\':
      fg_buf_puts(out, "\\\\");
      i++;
      continue;
    case '\n':
      fg_buf_puts(out, "\\n");
      i++;
      continue;
    case '\r':
      fg_buf_puts(out, "\\r");
      i++;
      continue;
    case '\t':
      fg_buf_puts(out, "\\t");
      i++;
      continue;
    default:
      break;
    }
    if (c < 0x20 || c == 0x7F) {
      fg_buf_printf(out, "\\u%04x", c);
      i++;
      continue;
    }
    size_t len = fg_utf8_len(s + i, n - i);
    if (!len) {
      fg_buf_puts(out, "\\ufffd");
      i++;
      continue;
    }
    fg_buf_append(out, (const char *)s + i, len);
    i += len;
  }
}

void fg_json_string_n(FgJson *self, const char *s, size_t n) {
  fg_json_value_pre(self);
  fg_buf_putc(self->out, '"');
  fg_json_escape(self->out, s, n);
  fg_buf_putc(self->out, '"');
}

void fg_json_string(FgJson *self, const char *s) {
  if (!s) {
    fg_json_null(self);
    return;
  }
  fg_json_string_n(self, s, strlen(s));
}

void fg_json_int(FgJson *self, long long v) {
  fg_json_value_pre(self);
  fg_buf_printf(self->out, "%lld", v);
}

void fg_json_bool(FgJson *self, bool v) {
  fg_json_value_pre(self);
  fg_buf_puts(self->out, v ? "true" : "false");
}

void fg_json_null(FgJson *self) {
  fg_json_value_pre(self);
  fg_buf_puts(self->out, "null");
}

void fg_json_double(FgJson *self, double v, int decimals) {
  if (!isfinite(v)) {
    fg_json_null(self);
    return;
  }
  if (decimals < 0)
    decimals = 0;
  if (decimals > 9)
    decimals = 9;
  char text[64];
  int n = snprintf(text, sizeof text, "%.*f", decimals, v);
  if (n <= 0 || (size_t)n >= sizeof text) {
    fg_json_null(self);
    return;
  }
  /* 1.500000 -> 1.5, 2.000 -> 2.0: the shortest form of that precision */
  if (strchr(text, '.')) {
    while (n > 2 && text[n - 1] == '0' && text[n - 2] != '.')
      text[--n] = '\0';
  }
  fg_json_value_pre(self);
  fg_buf_puts(self->out, text);
}
