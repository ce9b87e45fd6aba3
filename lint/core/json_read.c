#include "core/json_read.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define FG_JSON_DEFAULT_BYTES ((size_t)64 << 20)
#define FG_JSON_DEFAULT_DEPTH 64
#define FG_JSON_DEFAULT_VALUES ((size_t)1000000)
#define FG_JSON_MAX_DEPTH 512 /* whatever the caller asks: the C stack is finite */
#define FG_JSON_ARENA_BLOCK ((size_t)64 << 10)
#define FG_JSON_MAX_NUMBER 512 /* characters of one number literal */

/* ---- the arena ---------------------------------------------------------------- */

typedef struct FgArenaBlock {
  struct FgArenaBlock *next;
  size_t used, cap;
  max_align_t data[]; /* cap bytes */
} FgArenaBlock;

struct FgJsonDoc {
  FgArenaBlock *blocks;
  FgJsonValue root;
};

static void *fg_arena_alloc(FgJsonDoc *doc, size_t n) {
  size_t align = sizeof(max_align_t);
  n = (n + align - 1) / align * align;
  if (!n)
    n = align;
  FgArenaBlock *b = doc->blocks;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > FG_JSON_ARENA_BLOCK / 4 ? n : FG_JSON_ARENA_BLOCK;
    FgArenaBlock *nb = fg_xmalloc(sizeof *nb + cap);
    nb->used = 0;
    nb->cap = cap;
    if (cap == n && b) {
      /* a big piece gets a block of its own, behind the current one */
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      doc->blocks = nb;
    }
    b = nb;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  return p;
}

/* ---- the parser --------------------------------------------------------------- */

typedef struct FgJsonParser {
  const char *s;
  size_t len, pos;
  int depth, max_depth;
  size_t values, max_values;
  FgJsonDoc *doc;
  char *err;
  FgBuf scratch; /* a string being decoded */
} FgJsonParser;

static bool fg_jp_fail(FgJsonParser *p, size_t at, const char *what) {
  if (p->err)
    return false;
  size_t line = 1, col = 1;
  for (size_t i = 0; i < at && i < p->len; i++) {
    if (p->s[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  if (at >= p->len)
    p->err = fg_xasprintf("line %zu, column %zu: %s (at the end of the input)", line, col,
                          what);
  else
    p->err = fg_xasprintf("line %zu, column %zu: %s", line, col, what);
  return false;
}

static void fg_jp_space(FgJsonParser *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      return;
    p->pos++;
  }
}

static bool fg_jp_literal(FgJsonParser *p, const char *word, FgJsonValue *out,
                          FgJsonType type, bool b) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
    return fg_jp_fail(p, p->pos, "expected a value");
  p->pos += n;
  out->type = type;
  out->boolean = b;
  return true;
}

static void fg_jp_utf8(FgBuf *b, uint32_t cp) {
  char u[4];
  if (cp < 0x80) {
    fg_buf_putc(b, (char)cp);
    return;
  }
  if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    fg_buf_append(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    fg_buf_append(b, u, 3);
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    fg_buf_append(b, u, 4);
  }
}

static int fg_jp_hex4(const char *s, size_t avail, uint32_t *out) {
  if (avail < 4)
    return -1;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (uint32_t)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

/* The length of a valid UTF-8 sequence at s (at most avail bytes), 0 when
 * it is not one (overlong, surrogate, past U+10FFFF, truncated). */
static size_t fg_jp_utf8_len(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (avail < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF)
    return 0;
  return n;
}

/* A string starting at the opening quote; its decoded bytes go to the
 * arena. */
static bool fg_jp_string(FgJsonParser *p, const char **out, size_t *outlen) {
  FgBuf *b = &p->scratch;
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
  size_t start = p->pos++;
  for (;;) {
    if (p->pos >= p->len)
      return fg_jp_fail(p, start, "string never closed");
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '"') {
      p->pos++;
      break;
    }
    if (c < 0x20)
      return fg_jp_fail(p, p->pos, "control character in a string (escape it)");
    if (c == '\\') {
      if (p->pos + 1 >= p->len)
        return fg_jp_fail(p, p->pos, "unfinished escape");
      char e = p->s[p->pos + 1];
      p->pos += 2;
      switch (e) {
      case '"':
      case '\\':
      case '/':
        fg_buf_putc(b, e);
        break;
      case 'b':
        fg_buf_putc(b, '\b');
        break;
      case 'f':
        fg_buf_putc(b, '\f');
        break;
      case 'n':
        fg_buf_putc(b, '\n');
        break;
      case 'r':
        fg_buf_putc(b, '\r');
        break;
      case 't':
        fg_buf_putc(b, '\t');
        break;
      case 'u': {
        uint32_t cp;
        if (fg_jp_hex4(p->s + p->pos, p->len - p->pos, &cp) != 0)
          return fg_jp_fail(p, p->pos - 2, "\\u takes four hex digits");
        p->pos += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (p->len - p->pos >= 6 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u' &&
              fg_jp_hex4(p->s + p->pos + 2, p->len - p->pos - 2, &lo) == 0 &&
              lo >= 0xDC00 && lo <= 0xDFFF) {
            p->pos += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            cp = 0xFFFD; /* a lone high surrogate */
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD; /* a lone low surrogate */
        }
        if (cp == 0)
          fg_buf_append(b, "", 1); /* the NUL itself */
        else
          fg_jp_utf8(b, cp);
        break;
      }
      default:
        return fg_jp_fail(p, p->pos - 2, "unknown escape");
      }
      continue;
    }
    if (c < 0x80) {
      fg_buf_putc(b, (char)c);
      p->pos++;
      continue;
    }
    size_t n = fg_jp_utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);
    if (n) {
      fg_buf_append(b, p->s + p->pos, n);
      p->pos += n;
    } else {
      fg_jp_utf8(b, 0xFFFD);
      p->pos++;
    }
  }
  char *s = fg_arena_alloc(p->doc, b->len + 1);
  if (b->len)
    memcpy(s, b->data, b->len);
  s[b->len] = '\0';
  *out = s;
  *outlen = b->len;
  return true;
}

static bool fg_jp_digits(FgJsonParser *p) {
  size_t at = p->pos;
  while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
    p->pos++;
  return p->pos > at;
}

static bool fg_jp_number(FgJsonParser *p, FgJsonValue *out) {
  size_t start = p->pos;
  if (p->s[p->pos] == '-')
    p->pos++;
  if (p->pos < p->len && p->s[p->pos] == '0') {
    p->pos++;
  } else if (!fg_jp_digits(p)) {
    return fg_jp_fail(p, start, "expected a value");
  }
  if (p->pos < p->len && p->s[p->pos] == '.') {
    p->pos++;
    if (!fg_jp_digits(p))
      return fg_jp_fail(p, p->pos, "expected a digit after '.'");
  }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    p->pos++;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
      p->pos++;
    if (!fg_jp_digits(p))
      return fg_jp_fail(p, p->pos, "expected a digit in the exponent");
  }
  size_t n = p->pos - start;
  if (n > FG_JSON_MAX_NUMBER)
    return fg_jp_fail(p, start, "number too long");
  char text[FG_JSON_MAX_NUMBER + 1];
  memcpy(text, p->s + start, n);
  text[n] = '\0';
  errno = 0;
  double v = strtod(text, NULL);
  if (!isfinite(v))
    return fg_jp_fail(p, start, "number out of range");
  out->type = FG_JSON_NUMBER;
  out->number = v;
  return true;
}

static bool fg_jp_value(FgJsonParser *p, FgJsonValue *out);

typedef FG_VEC(FgJsonValue) FgJsonValueVec;
typedef FG_VEC(const char *) FgJsonKeyVec;

static bool fg_jp_finish(FgJsonParser *p, FgJsonValue *out, FgJsonValueVec *items,
                         FgJsonKeyVec *keys) {
  out->n = items->len;
  if (items->len) {
    out->items = fg_arena_alloc(p->doc, items->len * sizeof(FgJsonValue));
    memcpy(out->items, items->items, items->len * sizeof(FgJsonValue));
  }
  if (keys && keys->len) {
    out->keys = fg_arena_alloc(p->doc, keys->len * sizeof(const char *));
    memcpy(out->keys, keys->items, keys->len * sizeof(const char *));
  }
  fg_vec_free(items);
  if (keys)
    fg_vec_free(keys);
  return true;
}

static bool fg_jp_array(FgJsonParser *p, FgJsonValue *out) {
  size_t open = p->pos++;
  out->type = FG_JSON_ARRAY;
  FgJsonValueVec items = {0};
  fg_jp_space(p);
  if (p->pos < p->len && p->s[p->pos] == ']') {
    p->pos++;
    return fg_jp_finish(p, out, &items, NULL);
  }
  for (;;) {
    FgJsonValue v = {0};
    if (!fg_jp_value(p, &v)) {
      fg_vec_free(&items);
      return false;
    }
    fg_vec_push(&items, v);
    fg_jp_space(p);
    if (p->pos >= p->len) {
      fg_vec_free(&items);
      return fg_jp_fail(p, open, "array never closed");
    }
    char c = p->s[p->pos++];
    if (c == ']')
      return fg_jp_finish(p, out, &items, NULL);
    if (c != ',') {
      fg_vec_free(&items);
      return fg_jp_fail(p, p->pos - 1, "expected ',' or ']'");
    }
  }
}

static bool fg_jp_object(FgJsonParser *p, FgJsonValue *out) {
  size_t open = p->pos++;
  out->type = FG_JSON_OBJECT;
  FgJsonValueVec items = {0};
  FgJsonKeyVec keys = {0};
  fg_jp_space(p);
  if (p->pos < p->len && p->s[p->pos] == '}') {
    p->pos++;
    return fg_jp_finish(p, out, &items, &keys);
  }
  for (;;) {
    fg_jp_space(p);
    const char *key = NULL;
    size_t klen = 0;
    bool ok = p->pos < p->len && p->s[p->pos] == '"';
    if (!ok)
      fg_jp_fail(p, p->pos, "expected a string key");
    ok = ok && fg_jp_string(p, &key, &klen);
    if (ok) {
      fg_jp_space(p);
      ok = p->pos < p->len && p->s[p->pos] == ':';
      if (!ok)
        fg_jp_fail(p, p->pos, "expected ':' after the key");
      else
        p->pos++;
    }
    FgJsonValue v = {0};
    ok = ok && fg_jp_value(p, &v);
    if (!ok) {
      fg_vec_free(&items);
      fg_vec_free(&keys);
      return false;
    }
    fg_vec_push(&keys, key);
    fg_vec_push(&items, v);
    fg_jp_space(p);
    if (p->pos >= p->len) {
      fg_vec_free(&items);
      fg_vec_free(&keys);
      return fg_jp_fail(p, open, "object never closed");
    }
    char c = p->s[p->pos++];
    if (c == '}')
      return fg_jp_finish(p, out, &items, &keys);
    if (c != ',') {
      fg_vec_free(&items);
      fg_vec_free(&keys);
      return fg_jp_fail(p, p->pos - 1, "expected ',' or '}'");
    }
  }
}

static bool fg_jp_value(FgJsonParser *p, FgJsonValue *out) {
  fg_jp_space(p);
  if (p->pos >= p->len)
    return fg_jp_fail(p, p->pos, "expected a value");
  if (++p->values > p->max_values)
    return fg_jp_fail(p, p->pos, "too many values");
  char c = p->s[p->pos];
  switch (c) {
  case '{':
  case '[': {
    if (p->depth >= p->max_depth)
      return fg_jp_fail(p, p->pos, "nested too deeply");
    p->depth++;
    bool ok = c == '{' ? fg_jp_object(p, out) : fg_jp_array(p, out);
    p->depth--;
    return ok;
  }
  case '"':
    out->type = FG_JSON_STRING;
    return fg_jp_string(p, &out->str, &out->len);
  case 't':
    return fg_jp_literal(p, "true", out, FG_JSON_BOOL, true);
  case 'f':
    return fg_jp_literal(p, "false", out, FG_JSON_BOOL, false);
  case 'n':
    return fg_jp_literal(p, "null", out, FG_JSON_NULL, false);
  default:
    if (c == '-' || (c >= '0' && c <= '9'))
      return fg_jp_number(p, out);
    return fg_jp_fail(p, p->pos, "expected a value");
  }
}

FgJsonDoc *fg_json_doc_parse(const char *data, size_t len, const FgJsonLimits *limits,
                             char **err) {
  *err = NULL;
  size_t max_bytes =
      limits && limits->max_bytes ? limits->max_bytes : FG_JSON_DEFAULT_BYTES;
  int max_depth =
      limits && limits->max_depth > 0 ? limits->max_depth : FG_JSON_DEFAULT_DEPTH;
  if (max_depth > FG_JSON_MAX_DEPTH)
    max_depth = FG_JSON_MAX_DEPTH;
  size_t max_values =
      limits && limits->max_values ? limits->max_values : FG_JSON_DEFAULT_VALUES;
  if (len > max_bytes) {
    *err = fg_xasprintf("too large: %zu bytes (at most %zu)", len, max_bytes);
    return NULL;
  }
  if (!data)
    len = 0;
  FgJsonDoc *doc = fg_xcalloc(1, sizeof *doc);
  FgJsonParser p = {data ? data : "", len, 0,    0,  max_depth, 0,
                    max_values,       doc, NULL, {0}};
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    p.pos = 3;
  bool ok = fg_jp_value(&p, &doc->root);
  if (ok) {
    fg_jp_space(&p);
    if (p.pos < p.len)
      ok = fg_jp_fail(&p, p.pos, "unexpected text after the value");
  }
  fg_buf_free(&p.scratch);
  if (!ok) {
    *err = p.err ? p.err : fg_xstrdup("not JSON");
    fg_json_doc_delete(doc);
    return NULL;
  }
  return doc;
}

void fg_json_doc_delete(FgJsonDoc *self) {
  if (!self)
    return;
  FgArenaBlock *b = self->blocks;
  while (b) {
    FgArenaBlock *next = b->next;
    free(b);
    b = next;
  }
  free(self);
}

const FgJsonValue *fg_json_doc_root(const FgJsonDoc *self) {
  return self ? &self->root : NULL;
}

/* ---- accessors ---------------------------------------------------------------- */

bool fg_json_value_is(const FgJsonValue *v, FgJsonType type) {
  return v && v->type == type;
}

const FgJsonValue *fg_json_value_get(const FgJsonValue *v, const char *key) {
  if (!fg_json_value_is(v, FG_JSON_OBJECT) || !key)
    return NULL;
  for (size_t i = v->n; i > 0; i--)
    if (strcmp(v->keys[i - 1], key) == 0)
      return &v->items[i - 1];
  return NULL;
}

const char *fg_json_value_str(const FgJsonValue *v) {
  return fg_json_value_is(v, FG_JSON_STRING) ? v->str : NULL;
}

bool fg_json_value_num(const FgJsonValue *v, double *out) {
  if (!fg_json_value_is(v, FG_JSON_NUMBER))
    return false;
  *out = v->number;
  return true;
}

bool fg_json_value_int(const FgJsonValue *v, long long *out) {
  double d;
  if (!fg_json_value_num(v, &d))
    return false;
  /* 2^63 is exact in a double; anything at or past it does not fit */
  if (d != floor(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
    return false;
  *out = (long long)d;
  return true;
}

bool fg_json_value_bool(const FgJsonValue *v, bool *out) {
  if (!fg_json_value_is(v, FG_JSON_BOOL))
    return false;
  *out = v->boolean;
  return true;
}

size_t fg_json_value_len(const FgJsonValue *v) {
  return fg_json_value_is(v, FG_JSON_ARRAY) ? v->n : 0;
}

const FgJsonValue *fg_json_value_at(const FgJsonValue *v, size_t i) {
  return i < fg_json_value_len(v) ? &v->items[i] : NULL;
}

const char *fg_json_get_str(const FgJsonValue *obj, const char *key) {
  return fg_json_value_str(fg_json_value_get(obj, key));
}

bool fg_json_get_num(const FgJsonValue *obj, const char *key, double *out) {
  return fg_json_value_num(fg_json_value_get(obj, key), out);
}

bool fg_json_get_int(const FgJsonValue *obj, const char *key, long long *out) {
  return fg_json_value_int(fg_json_value_get(obj, key), out);
}

bool fg_json_get_bool(const FgJsonValue *obj, const char *key, bool *out) {
  return fg_json_value_bool(fg_json_value_get(obj, key), out);
}
