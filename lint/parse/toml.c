#include "parse/toml.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "core/util.h"

const TSLanguage *tree_sitter_toml(void);

struct FgToml {
  FgTomlValue *root;
  FG_VEC(FgTomlValue *) all; /* every value, for a flat (non-recursive) free */
  bool has_error;
  size_t error_offset;
  char *message;
};

/* While building: the source text and the containers still to fill. */
typedef struct FgTomlWork {
  TSNode node;
  FgTomlValue *value;
} FgTomlWork;

typedef struct FgTomlBuilder {
  FgToml *doc;
  const char *text;
  size_t len;
  FG_VEC(FgTomlWork) work;
} FgTomlBuilder;

typedef struct FgTomlSeg {
  char *name;
  size_t start, end;
} FgTomlSeg;

typedef FG_VEC(FgTomlSeg) FgTomlSegVec;

static void fg_toml_fail(FgToml *self, size_t offset, const char *message) {
  if (self->has_error)
    return; /* keep the first problem */
  self->has_error = true;
  self->error_offset = offset;
  self->message = fg_xstrdup(message);
}

static FgTomlValue *fg_toml_value_new(FgToml *self, FgTomlKind kind, size_t start,
                                      size_t end) {
  FgTomlValue *v = fg_xcalloc(1, sizeof *v);
  v->kind = kind;
  v->start = start;
  v->end = end;
  fg_vec_push(&self->all, v);
  return v;
}

/* Arrays inside values have no capacity field: they grow at powers of two. */
static bool fg_toml_needs_growth(size_t n) {
  return n == 0 || (n & (n - 1)) == 0;
}

static void fg_toml_array_push(FgTomlValue *arr, FgTomlValue *item) {
  if (fg_toml_needs_growth(arr->nitems))
    arr->items =
        fg_xrealloc(arr->items, (arr->nitems ? arr->nitems * 2 : 4) * sizeof *arr->items);
  arr->items[arr->nitems++] = item;
}

static void fg_toml_table_put(FgTomlValue *table, const FgTomlSeg *seg,
                              FgTomlValue *value) {
  if (fg_toml_needs_growth(table->nentries))
    table->entries =
        fg_xrealloc(table->entries,
                    (table->nentries ? table->nentries * 2 : 4) * sizeof *table->entries);
  FgTomlEntry e = {fg_xstrdup(seg->name), seg->start, seg->end, value};
  table->entries[table->nentries++] = e;
}

static bool fg_toml_node_is(TSNode n, const char *type) {
  return strcmp(ts_node_type(n), type) == 0;
}

/* ---- scalars -------------------------------------------------------------- */

static void fg_toml_put_utf8(FgBuf *b, uint32_t cp) {
  if (cp < 0x80) {
    fg_buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    fg_buf_putc(b, (char)(0xC0 | (cp >> 6)));
    fg_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    fg_buf_putc(b, (char)(0xE0 | (cp >> 12)));
    fg_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    fg_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  } else {
    fg_buf_putc(b, (char)(0xF0 | (cp >> 18)));
    fg_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
    fg_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    fg_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  }
}

static int fg_toml_hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes the body of a basic string (between the quotes). Returns false on
 * a bad escape (the grammar already rejects most). */
static bool fg_toml_unescape(const char *s, size_t n, bool multiline, FgBuf *out) {
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    if (c != '\\') {
      fg_buf_putc(out, c);
      i++;
      continue;
    }
    if (i + 1 >= n)
      return false;
    char e = s[i + 1];
    i += 2;
    switch (e) {
    case 'b':
      fg_buf_putc(out, '\b');
      break;
    case 't':
      fg_buf_putc(out, '\t');
      break;
    case 'n':
      fg_buf_putc(out, '\n');
      break;
    case 'f':
      fg_buf_putc(out, '\f');
      break;
    case 'r':
      fg_buf_putc(out, '\r');
      break;
    case 'e':
      fg_buf_putc(out, '\x1b');
      break;
    case '"':
      fg_buf_putc(out, '"');
      break;
    case '\\':
      fg_buf_putc(out, '\\');
      break;
    case 'x':
    case 'u':
    case 'U': {
      size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (i + digits > n)
        return false;
      uint32_t cp = 0;
      for (size_t k = 0; k < digits; k++) {
        int h = fg_toml_hex(s[i + k]);
        if (h < 0)
          return false;
        cp = cp * 16 + (uint32_t)h;
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return false;
      fg_toml_put_utf8(out, cp);
      i += digits;
      break;
    }
    default: {
      /* a line-ending backslash trims the break and the following blanks */
      size_t j = i - 1;
      while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
      if (!multiline || j >= n || (s[j] != '\n' && s[j] != '\r'))
        return false;
      while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
        j++;
      i = j;
      break;
    }
    }
  }
  return true;
}

/* Decodes a string or quoted key from its source text, quotes included. */
static char *fg_toml_decode_string(FgToml *doc, const char *s, size_t n, size_t offset,
                                   size_t *out_len) {
  FgBuf out = {0};
  bool basic = n > 0 && s[0] == '"';
  size_t q =
      (n >= 6 && (memcmp(s, "\"\"\"", 3) == 0 || memcmp(s, "'''", 3) == 0)) ? 3 : 1;
  if (n < 2 * q) {
    *out_len = 0;
    return fg_buf_take(&out);
  }
  const char *body = s + q;
  size_t blen = n - 2 * q;
  if (q == 3) { /* a newline right after the opening delimiter is trimmed */
    if (blen >= 1 && body[0] == '\n') {
      body++;
      blen--;
    } else if (blen >= 2 && body[0] == '\r' && body[1] == '\n') {
      body += 2;
      blen -= 2;
    }
  }
  if (basic) {
    if (!fg_toml_unescape(body, blen, q == 3, &out))
      fg_toml_fail(doc, offset, "invalid escape sequence in string");
  } else {
    fg_buf_append(&out, body, blen);
  }
  *out_len = out.len;
  return fg_buf_take(&out);
}

static char *fg_toml_strip_underscores(const char *s, size_t n) {
  char *r = fg_xmalloc(n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] != '_')
      r[k++] = s[i];
  r[k] = '\0';
  return r;
}

static void fg_toml_parse_integer(FgToml *doc, FgTomlValue *v, const char *s, size_t n) {
  char *t = fg_toml_strip_underscores(s, n);
  int base = 10;
  const char *p = t;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o' || p[1] == 'b')) {
    base = p[1] == 'x' ? 16 : p[1] == 'o' ? 8 : 2;
    p += 2;
  }
  errno = 0;
  char *endp = NULL;
  v->integer = strtoll(p, &endp, base);
  if (errno == ERANGE || !endp || *endp != '\0')
    fg_toml_fail(doc, v->start, "integer out of range");
  free(t);
}

/* ---- keys ----------------------------------------------------------------- */

static void fg_toml_segs_free(FgTomlSegVec *segs) {
  for (size_t i = 0; i < segs->len; i++)
    free(segs->items[i].name);
  fg_vec_free(segs);
}

/* Flattens a bare_key / quoted_key / dotted_key node into its segments,
 * without recursion. */
static void fg_toml_key_segments(FgTomlBuilder *b, TSNode key, FgTomlSegVec *out) {
  FG_VEC(TSNode) stack = {0};
  fg_vec_push(&stack, key);
  while (stack.len) {
    TSNode n = stack.items[--stack.len];
    if (fg_toml_node_is(n, "dotted_key")) {
      uint32_t c = ts_node_named_child_count(n);
      for (uint32_t i = c; i-- > 0;) {
        TSNode ch = ts_node_named_child(n, i);
        if (!fg_toml_node_is(ch, "comment"))
          fg_vec_push(&stack, ch);
      }
      continue;
    }
    size_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    FgTomlSeg seg = {NULL, s, e};
    if (fg_toml_node_is(n, "quoted_key")) {
      size_t dummy;
      seg.name = fg_toml_decode_string(b->doc, b->text + s, e - s, s, &dummy);
    } else {
      seg.name = fg_xstrndup(b->text + s, e - s);
    }
    fg_vec_push(out, seg);
  }
  fg_vec_free(&stack);
}

static FgTomlEntry *fg_toml_find(const FgTomlValue *table, const char *key) {
  for (size_t i = 0; i < table->nentries; i++)
    if (strcmp(table->entries[i].key, key) == 0)
      return &table->entries[i];
  return NULL;
}

/* The table a non-final key segment leads to, creating it when missing; NULL
 * (with an error) when the key holds something else. `via_header` lets a
 * header walk into the last element of an array of tables. */
static FgTomlValue *fg_toml_descend(FgTomlBuilder *b, FgTomlValue *table,
                                    const FgTomlSeg *seg, bool via_header) {
  FgTomlEntry *e = fg_toml_find(table, seg->name);
  if (!e) {
    FgTomlValue *t = fg_toml_value_new(b->doc, FG_TOML_TABLE, seg->start, seg->end);
    fg_toml_table_put(table, seg, t);
    return t;
  }
  FgTomlValue *v = e->value;
  if (v->kind == FG_TOML_TABLE && !v->is_inline)
    return v;
  if (via_header && v->kind == FG_TOML_ARRAY && v->is_array_of_tables && v->nitems)
    return v->items[v->nitems - 1];
  fg_toml_fail(b->doc, seg->start, "key already holds a value that is not a table");
  return NULL;
}

/* ---- values --------------------------------------------------------------- */

/* Makes the value of a node; arrays and inline tables are queued on the work
 * stack to be filled later, so nesting depth never becomes C stack depth. */
static FgTomlValue *fg_toml_make_value(FgTomlBuilder *b, TSNode n) {
  size_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
  const char *type = ts_node_type(n);
  const char *t = b->text + s;
  size_t len = e - s;
  FgTomlValue *v;
  if (strcmp(type, "string") == 0) {
    v = fg_toml_value_new(b->doc, FG_TOML_STRING, s, e);
    v->str = fg_toml_decode_string(b->doc, t, len, s, &v->str_len);
  } else if (strcmp(type, "integer") == 0) {
    v = fg_toml_value_new(b->doc, FG_TOML_INTEGER, s, e);
    fg_toml_parse_integer(b->doc, v, t, len);
  } else if (strcmp(type, "float") == 0) {
    v = fg_toml_value_new(b->doc, FG_TOML_FLOAT, s, e);
    char *f = fg_toml_strip_underscores(t, len);
    v->number = strtod(f, NULL);
    free(f);
  } else if (strcmp(type, "boolean") == 0) {
    v = fg_toml_value_new(b->doc, FG_TOML_BOOL, s, e);
    v->boolean = len == 4 && memcmp(t, "true", 4) == 0;
  } else if (strcmp(type, "array") == 0 || strcmp(type, "inline_table") == 0) {
    bool arr = type[0] == 'a';
    v = fg_toml_value_new(b->doc, arr ? FG_TOML_ARRAY : FG_TOML_TABLE, s, e);
    v->is_inline = !arr;
    FgTomlWork w = {n, v};
    fg_vec_push(&b->work, w);
  } else if (strstr(type, "date") || strstr(type, "time")) {
    v = fg_toml_value_new(b->doc, FG_TOML_DATETIME, s, e);
    v->str = fg_xstrndup(t, len);
    v->str_len = len;
  } else {
    return NULL; /* ERROR and friends: already reported */
  }
  return v;
}

/* key = value inside `table`. */
static void fg_toml_add_pair(FgTomlBuilder *b, FgTomlValue *table, TSNode pair) {
  uint32_t c = ts_node_named_child_count(pair);
  TSNode key = {0}, val = {0};
  bool have_key = false, have_val = false;
  for (uint32_t i = 0; i < c; i++) {
    TSNode ch = ts_node_named_child(pair, i);
    if (fg_toml_node_is(ch, "comment"))
      continue;
    if (!have_key) {
      key = ch;
      have_key = true;
    } else if (!have_val) {
      val = ch;
      have_val = true;
    }
  }
  if (!have_key || !have_val)
    return;
  FgTomlSegVec segs = {0};
  fg_toml_key_segments(b, key, &segs);
  FgTomlValue *t = table;
  for (size_t i = 0; t && i + 1 < segs.len; i++)
    t = fg_toml_descend(b, t, &segs.items[i], false);
  if (t && segs.len) {
    FgTomlSeg *last = &segs.items[segs.len - 1];
    if (fg_toml_find(t, last->name)) {
      fg_toml_fail(b->doc, last->start, "duplicate key");
    } else {
      FgTomlValue *v = fg_toml_make_value(b, val);
      if (v)
        fg_toml_table_put(t, last, v);
    }
  }
  fg_toml_segs_free(&segs);
}

/* Fills the queued arrays and inline tables until none is left. */
static void fg_toml_drain(FgTomlBuilder *b) {
  while (b->work.len) {
    FgTomlWork w = b->work.items[--b->work.len];
    uint32_t c = ts_node_named_child_count(w.node);
    for (uint32_t i = 0; i < c; i++) {
      TSNode ch = ts_node_named_child(w.node, i);
      if (fg_toml_node_is(ch, "comment"))
        continue;
      if (w.value->kind == FG_TOML_ARRAY) {
        FgTomlValue *item = fg_toml_make_value(b, ch);
        if (item)
          fg_toml_array_push(w.value, item);
      } else if (fg_toml_node_is(ch, "pair")) {
        fg_toml_add_pair(b, w.value, ch);
      }
    }
  }
}

/* [a.b] or [[a.b]]: the table its pairs go into, or NULL on error. */
static FgTomlValue *fg_toml_open_header(FgTomlBuilder *b, TSNode node, TSNode key,
                                        bool array) {
  FgTomlSegVec segs = {0};
  fg_toml_key_segments(b, key, &segs);
  FgTomlValue *t = b->doc->root;
  for (size_t i = 0; t && i + 1 < segs.len; i++)
    t = fg_toml_descend(b, t, &segs.items[i], true);
  FgTomlValue *result = NULL;
  size_t s = ts_node_start_byte(node), e = ts_node_end_byte(node);
  if (t && segs.len) {
    FgTomlSeg *last = &segs.items[segs.len - 1];
    FgTomlEntry *ex = fg_toml_find(t, last->name);
    if (array) {
      FgTomlValue *arr = ex ? ex->value : NULL;
      if (!arr) {
        arr = fg_toml_value_new(b->doc, FG_TOML_ARRAY, s, e);
        arr->is_array_of_tables = true;
        fg_toml_table_put(t, last, arr);
      }
      if (arr->kind == FG_TOML_ARRAY && arr->is_array_of_tables) {
        result = fg_toml_value_new(b->doc, FG_TOML_TABLE, s, e);
        result->is_header = true;
        fg_toml_array_push(arr, result);
      } else {
        fg_toml_fail(b->doc, last->start,
                     "key already holds a value that is not an "
                     "array of tables");
      }
    } else if (!ex) {
      result = fg_toml_value_new(b->doc, FG_TOML_TABLE, s, e);
      result->is_header = true;
      fg_toml_table_put(t, last, result);
    } else if (ex->value->kind == FG_TOML_TABLE && !ex->value->is_inline &&
               !ex->value->is_header) {
      result = ex->value; /* made implicitly by an earlier, longer header */
      result->is_header = true;
      result->start = s;
      result->end = e;
    } else {
      fg_toml_fail(b->doc, last->start, "table defined more than once");
    }
  }
  fg_toml_segs_free(&segs);
  return result;
}

static void fg_toml_add_table(FgTomlBuilder *b, TSNode node, bool array) {
  uint32_t c = ts_node_named_child_count(node);
  FgTomlValue *table = NULL;
  bool opened = false;
  for (uint32_t i = 0; i < c; i++) {
    TSNode ch = ts_node_named_child(node, i);
    if (fg_toml_node_is(ch, "comment") || fg_toml_node_is(ch, "ERROR"))
      continue;
    if (!opened) {
      opened = true;
      table = fg_toml_open_header(b, node, ch, array);
      if (!table)
        return;
      continue;
    }
    if (fg_toml_node_is(ch, "pair")) {
      fg_toml_add_pair(b, table, ch);
      fg_toml_drain(b);
    }
  }
}

/* The first ERROR or MISSING node in document order, found without
 * recursion by following the children that contain an error. */
static void fg_toml_find_syntax_error(FgToml *self, TSNode root) {
  TSNode n = root;
  while (!ts_node_is_null(n)) {
    if (ts_node_is_missing(n)) {
      char *msg = fg_xasprintf("missing %s", ts_node_type(n));
      fg_toml_fail(self, ts_node_start_byte(n), msg);
      free(msg);
      return;
    }
    if (fg_toml_node_is(n, "ERROR") && !ts_node_eq(n, root)) {
      fg_toml_fail(self, ts_node_start_byte(n), "syntax error");
      return;
    }
    uint32_t c = ts_node_child_count(n);
    TSNode next = {0};
    bool found = false;
    for (uint32_t i = 0; i < c && !found; i++) {
      TSNode ch = ts_node_child(n, i);
      if (ts_node_has_error(ch) || ts_node_is_missing(ch)) {
        next = ch;
        found = true;
      }
    }
    if (!found) {
      fg_toml_fail(self, ts_node_start_byte(n), "syntax error");
      return;
    }
    n = next;
  }
}

FgToml *fg_toml_parse(const FgSource *src) {
  FgToml *self = fg_xcalloc(1, sizeof *self);
  self->root = fg_toml_value_new(self, FG_TOML_TABLE, 0, src->len);
  self->root->is_header = true;
  FgTomlBuilder b = {self, src->data, src->len, {0}};

  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, tree_sitter_toml());
  if (src->len > UINT32_MAX) {
    fg_toml_fail(self, 0, "file too large to parse");
    ts_parser_delete(parser);
    return self;
  }
  TSTree *tree = ts_parser_parse_string(parser, NULL, src->data, (uint32_t)src->len);
  TSNode root = ts_tree_root_node(tree);
  if (ts_node_has_error(root))
    fg_toml_find_syntax_error(self, root);

  uint32_t c = ts_node_named_child_count(root);
  for (uint32_t i = 0; i < c; i++) {
    TSNode ch = ts_node_named_child(root, i);
    if (fg_toml_node_is(ch, "pair")) {
      fg_toml_add_pair(&b, self->root, ch);
      fg_toml_drain(&b);
    } else if (fg_toml_node_is(ch, "table")) {
      fg_toml_add_table(&b, ch, false);
    } else if (fg_toml_node_is(ch, "table_array_element")) {
      fg_toml_add_table(&b, ch, true);
    }
  }
  fg_vec_free(&b.work);
  ts_tree_delete(tree);
  ts_parser_delete(parser);
  return self;
}

void fg_toml_delete(FgToml *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->all.len; i++) {
    FgTomlValue *v = self->all.items[i];
    free(v->str);
    free(v->items);
    for (size_t k = 0; k < v->nentries; k++)
      free(v->entries[k].key);
    free(v->entries);
    free(v);
  }
  fg_vec_free(&self->all);
  free(self->message);
  free(self);
}

bool fg_toml_has_error(const FgToml *self) {
  return self->has_error;
}
size_t fg_toml_error_offset(const FgToml *self) {
  return self->error_offset;
}
const char *fg_toml_error_message(const FgToml *self) {
  return self->message;
}
const FgTomlValue *fg_toml_root(const FgToml *self) {
  return self->root;
}

const FgTomlValue *fg_toml_table_get(const FgTomlValue *table, const char *key) {
  if (!table || table->kind != FG_TOML_TABLE)
    return NULL;
  FgTomlEntry *e = fg_toml_find(table, key);
  return e ? e->value : NULL;
}

const FgTomlValue *fg_toml_value_get(const FgTomlValue *table, const char *dotted_path) {
  const FgTomlValue *v = table;
  const char *p = dotted_path;
  while (v) {
    if (v->kind == FG_TOML_ARRAY && v->is_array_of_tables && v->nitems)
      v = v->items[v->nitems - 1];
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    char *seg = fg_xstrndup(p, n);
    v = fg_toml_table_get(v, seg);
    free(seg);
    if (!dot)
      return v;
    p = dot + 1;
  }
  return NULL;
}

const FgTomlValue *fg_toml_get(const FgToml *self, const char *dotted_path) {
  return fg_toml_value_get(self->root, dotted_path);
}

const char *fg_toml_as_string(const FgTomlValue *v) {
  return v && v->kind == FG_TOML_STRING ? v->str : NULL;
}

bool fg_toml_as_int(const FgTomlValue *v, long long *out) {
  if (!v || v->kind != FG_TOML_INTEGER)
    return false;
  *out = v->integer;
  return true;
}

bool fg_toml_as_bool(const FgTomlValue *v, bool *out) {
  if (!v || v->kind != FG_TOML_BOOL)
    return false;
  *out = v->boolean;
  return true;
}

bool fg_toml_is_table(const FgTomlValue *v) {
  return v && v->kind == FG_TOML_TABLE;
}
bool fg_toml_is_array(const FgTomlValue *v) {
  return v && v->kind == FG_TOML_ARRAY;
}

bool fg_toml_is_string_array(const FgTomlValue *v) {
  if (!fg_toml_is_array(v))
    return false;
  for (size_t i = 0; i < v->nitems; i++)
    if (v->items[i]->kind != FG_TOML_STRING)
      return false;
  return true;
}

const char *fg_toml_kind_name(FgTomlKind kind) {
  switch (kind) {
  case FG_TOML_STRING:
    return "string";
  case FG_TOML_INTEGER:
    return "integer";
  case FG_TOML_FLOAT:
    return "float";
  case FG_TOML_BOOL:
    return "boolean";
  case FG_TOML_DATETIME:
    return "datetime";
  case FG_TOML_ARRAY:
    return "array";
  case FG_TOML_TABLE:
    return "table";
  }
  return "?";
}
