#include "parse/yaml_doc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/util.h"

#define FG_YAML_MAX_DEPTH 512
/* Aliases never point at aliases in a valid tree; the bound is a seatbelt. */
#define FG_YAML_MAX_DEREF 64
/* `<<` merges can be chained and fanned out; without a budget a crafted
 * file could make one lookup visit exponentially many mappings. */
#define FG_YAML_MERGE_DEPTH 32
#define FG_YAML_MERGE_BUDGET 4096
/* One checkpoint per this many characters keeps the index small (a size_t
 * per character would be eight times the file) while a lookup walks at most
 * this many code points. */
#define FG_YAML_CHARS_PER_CHECKPOINT 64

/* The public struct plus what only this file needs. Every node lives in
 * `nodes`, so freeing is a flat loop whatever the tree's depth. */
typedef struct FgYamlDocImpl {
  FgYamlDoc pub;
  FG_VEC(FgYamlNode *) nodes;
} FgYamlDocImpl;

/* ---- character index -> byte offset --------------------------------------
 * libyaml's mark.index counts code points (a CRLF counts two), starting after
 * a BOM. This is the only conversion from marks to offsets in forkguard. */

typedef struct FgCharMap {
  const unsigned char *data; /* the bytes libyaml saw (after any BOM) */
  size_t len;
  size_t base;                /* bytes skipped before data (the BOM) */
  FG_VEC(size_t) checkpoints; /* byte offset of char index k * N */
} FgCharMap;

static bool fg_yaml_is_cont(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

static void fg_charmap_init(FgCharMap *self, const char *data, size_t len, size_t base) {
  self->data = (const unsigned char *)data;
  self->len = len;
  self->base = base;
  size_t chars = 0;
  for (size_t i = 0; i < len; i++) {
    if (fg_yaml_is_cont(self->data[i]))
      continue;
    if (chars % FG_YAML_CHARS_PER_CHECKPOINT == 0)
      fg_vec_push(&self->checkpoints, i);
    chars++;
  }
}

static size_t fg_charmap_offset(const FgCharMap *self, size_t index) {
  size_t k = index / FG_YAML_CHARS_PER_CHECKPOINT;
  if (k >= self->checkpoints.len)
    return self->base + self->len; /* the stream end mark */
  size_t b = self->checkpoints.items[k];
  for (size_t n = index % FG_YAML_CHARS_PER_CHECKPOINT; n > 0 && b < self->len; n--) {
    b++;
    while (b < self->len && fg_yaml_is_cont(self->data[b]))
      b++;
  }
  return self->base + b;
}

/* ---- anchors: name -> most recent completed node ------------------------ */

typedef struct FgAnchorSlot {
  const char *name; /* borrowed from the node */
  FgYamlNode *node;
} FgAnchorSlot;

typedef struct FgAnchors {
  FgAnchorSlot *slots;
  size_t cap, used; /* cap is a power of two or 0 */
} FgAnchors;

static uint64_t fg_yaml_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

static FgAnchorSlot *fg_anchors_slot(FgAnchors *self, const char *name) {
  size_t mask = self->cap - 1;
  size_t i = (size_t)fg_yaml_hash(name) & mask;
  while (self->slots[i].name && strcmp(self->slots[i].name, name) != 0)
    i = (i + 1) & mask;
  return &self->slots[i];
}

static void fg_anchors_put(FgAnchors *self, FgYamlNode *node) {
  if ((self->used + 1) * 2 > self->cap) {
    FgAnchors grown = {fg_xcalloc(self->cap ? self->cap * 2 : 16, sizeof(FgAnchorSlot)),
                       self->cap ? self->cap * 2 : 16, 0};
    for (size_t i = 0; i < self->cap; i++) {
      if (self->slots[i].name) {
        *fg_anchors_slot(&grown, self->slots[i].name) = self->slots[i];
        grown.used++;
      }
    }
    free(self->slots);
    *self = grown;
  }
  FgAnchorSlot *slot = fg_anchors_slot(self, node->anchor);
  if (!slot->name)
    self->used++;
  /* a redefined anchor shadows the old one for later aliases */
  slot->name = node->anchor;
  slot->node = node;
}

static FgYamlNode *fg_anchors_get(FgAnchors *self, const char *name) {
  if (!self->cap)
    return NULL;
  return fg_anchors_slot(self, name)->node;
}

/* ---- building the tree -------------------------------------------------- */

typedef struct FgOpen {
  FgYamlNode *node;
  FG_VEC(FgYamlNode *) kids;
} FgOpen;

typedef struct FgBuilder {
  const FgSource *src;
  FgYamlDocImpl *doc;
  FgCharMap map;
  FgAnchors anchors;
  FG_VEC(FgOpen) open;
} FgBuilder;

static bool fg_yaml_is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* libyaml starts a node's event at its anchor or tag; spans should start at
 * the content itself, which is what an edit replaces. The text has already
 * parsed, so a light skip over `&name`, `!tag`, blanks and comments is enough. */
static size_t fg_yaml_skip_properties(const FgSource *src, size_t p, size_t end) {
  const char *d = src->data;
  while (p < end && (d[p] == '&' || d[p] == '!')) {
    if (d[p] == '!' && p + 1 < end && d[p + 1] == '<') {
      while (p < end && d[p] != '>')
        p++;
      p++;
    }
    while (p < end && !fg_yaml_is_space(d[p]) && d[p] != ',' && d[p] != '[' &&
           d[p] != '{' && d[p] != ']' && d[p] != '}')
      p++;
    for (;;) {
      while (p < end && fg_yaml_is_space(d[p]))
        p++;
      if (p >= end || d[p] != '#')
        break;
      while (p < end && d[p] != '\n' && d[p] != '\r')
        p++;
    }
  }
  return p < end ? p : end;
}

/* libyaml ends a block scalar where the next token starts (after trailing
 * blank lines, sometimes inside the next line's indentation). The span should
 * stop after the last content byte, and never reach back into a comment on
 * the header line. */
static size_t fg_yaml_block_scalar_end(const FgSource *src, size_t start, size_t end) {
  const char *d = src->data;
  size_t header = start + 1;
  while (header < end && header < start + 3 &&
         (d[header] == '+' || d[header] == '-' || (d[header] >= '1' && d[header] <= '9')))
    header++;
  size_t header_line_end = header;
  while (header_line_end < end && d[header_line_end] != '\n' &&
         d[header_line_end] != '\r')
    header_line_end++;
  size_t e = end;
  while (e > header && fg_yaml_is_space(d[e - 1]))
    e--;
  /* trailing blanks on the last content line are content */
  while (e < end && (d[e] == ' ' || d[e] == '\t'))
    e++;
  if (e <= header_line_end)
    return header;
  return e;
}

static FgYamlNode *fg_builder_node(FgBuilder *self, FgYamlKind kind, FgYamlStyle style,
                                   const yaml_char_t *anchor, const yaml_char_t *tag,
                                   const yaml_event_t *ev) {
  FgYamlNode *node = fg_xcalloc(1, sizeof *node);
  node->kind = kind;
  node->style = style;
  node->anchor = anchor ? fg_xstrdup((const char *)anchor) : NULL;
  node->tag = tag ? fg_xstrdup((const char *)tag) : NULL;
  node->start = fg_charmap_offset(&self->map, ev->start_mark.index);
  node->end = fg_charmap_offset(&self->map, ev->end_mark.index);
  if (node->end < node->start)
    node->end = node->start;
  if (anchor || tag)
    node->start = fg_yaml_skip_properties(self->src, node->start, node->end);
  fg_vec_push(&self->doc->nodes, node);
  return node;
}

/* A node is finished: register its anchor only now, so an alias inside the
 * anchored node cannot point back at it and no cycle can ever form. */
static void fg_builder_finish(FgBuilder *self, FgYamlNode *node) {
  if (node->anchor)
    fg_anchors_put(&self->anchors, node);
  if (self->open.len == 0) {
    if (!self->doc->pub.root)
      self->doc->pub.root = node;
    return;
  }
  fg_vec_push(&self->open.items[self->open.len - 1].kids, node);
}

static FgYamlStyle fg_yaml_scalar_style(yaml_scalar_style_t style) {
  switch (style) {
  case YAML_SINGLE_QUOTED_SCALAR_STYLE:
    return FG_YAML_SINGLE_QUOTED;
  case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
    return FG_YAML_DOUBLE_QUOTED;
  case YAML_LITERAL_SCALAR_STYLE:
    return FG_YAML_LITERAL;
  case YAML_FOLDED_SCALAR_STYLE:
    return FG_YAML_FOLDED;
  default:
    return FG_YAML_PLAIN;
  }
}

static void fg_builder_scalar(FgBuilder *self, const yaml_event_t *ev) {
  FgYamlStyle style = fg_yaml_scalar_style(ev->data.scalar.style);
  FgYamlNode *node = fg_builder_node(self, FG_YAML_SCALAR, style, ev->data.scalar.anchor,
                                     ev->data.scalar.tag, ev);
  node->value_len = ev->data.scalar.length;
  node->value = fg_xmalloc(node->value_len + 1);
  memcpy(node->value, ev->data.scalar.value, node->value_len);
  node->value[node->value_len] = '\0';
  if (style == FG_YAML_LITERAL || style == FG_YAML_FOLDED)
    node->end = fg_yaml_block_scalar_end(self->src, node->start, node->end);
  fg_builder_finish(self, node);
}

static void fg_doc_set_error(FgYamlDocImpl *doc, size_t offset, char *message) {
  if (doc->pub.has_error) { /* the first error is the one reported */
    free(message);
    return;
  }
  doc->pub.has_error = true;
  doc->pub.error_offset = offset;
  doc->pub.error_message = message;
}

static void fg_builder_alias(FgBuilder *self, const yaml_event_t *ev) {
  FgYamlNode *node = fg_builder_node(self, FG_YAML_ALIAS, FG_YAML_PLAIN, NULL, NULL, ev);
  const char *name = (const char *)ev->data.alias.anchor;
  node->value = fg_xstrdup(name);
  node->value_len = strlen(name);
  node->target = fg_anchors_get(&self->anchors, name);
  bool open_anchor = false; /* `&s [*s]`: inside its own node, no cycle made */
  for (size_t i = 0; i < self->open.len && !node->target; i++)
    open_anchor = open_anchor || fg_str_eq(self->open.items[i].node->anchor, name);
  if (!node->target && !open_anchor && !self->doc->pub.has_error)
    /* libyaml leaves this to the loader; PyYAML and GitHub reject it */
    fg_doc_set_error(self->doc, node->start,
                     fg_xasprintf("found undefined alias `%s`", name));
  fg_builder_finish(self, node);
}

/* Returns false when the new collection would be too deep. */
static bool fg_builder_open(FgBuilder *self, FgYamlKind kind, bool flow,
                            const yaml_char_t *anchor, const yaml_char_t *tag,
                            const yaml_event_t *ev) {
  if (self->open.len >= FG_YAML_MAX_DEPTH)
    return false;
  FgYamlNode *node =
      fg_builder_node(self, kind, flow ? FG_YAML_FLOW : FG_YAML_BLOCK, anchor, tag, ev);
  FgOpen entry = {node, {0}};
  fg_vec_push(&self->open, entry);
  return true;
}

static void fg_builder_close(FgBuilder *self, const yaml_event_t *ev) {
  FgOpen entry = self->open.items[--self->open.len];
  FgYamlNode *node = entry.node;
  node->items = entry.kids.items;
  node->nitems = entry.kids.len;
  const char *d = self->src->data;
  bool bracketed = node->style == FG_YAML_FLOW && node->start < self->src->len &&
                   (d[node->start] == '[' || d[node->start] == '{');
  if (bracketed) {
    node->end = fg_charmap_offset(&self->map, ev->end_mark.index);
  } else if (node->nitems > 0) {
    /* a block collection's end event sits at the next token, possibly lines
     * further down; its last item is where it really ends */
    node->end = node->items[node->nitems - 1]->end;
  }
  if (node->end < node->start)
    node->end = node->start;
  fg_builder_finish(self, node);
}

static void fg_builder_libyaml_error(FgBuilder *self, const yaml_parser_t *parser) {
  if (parser->error == YAML_MEMORY_ERROR) {
    fputs("forkguard: out of memory (libyaml)\n", stderr);
    abort();
  }
  const char *problem = parser->problem ? parser->problem : "malformed YAML";
  size_t offset;
  if (parser->error == YAML_READER_ERROR) {
    /* the reader reports a raw byte offset, not a mark */
    offset = self->map.base + parser->problem_offset;
  } else {
    offset = fg_charmap_offset(&self->map, parser->problem_mark.index);
  }
  char *message = parser->context ? fg_xasprintf("%s (%s)", problem, parser->context)
                                  : fg_xstrdup(problem);
  fg_doc_set_error(self->doc, offset, message);
}

/* Handles one event; returns false when parsing should stop. */
static bool fg_builder_event(FgBuilder *self, const yaml_event_t *ev) {
  switch (ev->type) {
  case YAML_SCALAR_EVENT:
    fg_builder_scalar(self, ev);
    return true;
  case YAML_ALIAS_EVENT:
    fg_builder_alias(self, ev);
    return true;
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT: {
    bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
    bool flow = seq ? ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                    : ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
    const yaml_char_t *anchor =
        seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
    const yaml_char_t *tag =
        seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
    if (fg_builder_open(self, seq ? FG_YAML_SEQ : FG_YAML_MAP, flow, anchor, tag, ev))
      return true;
    fg_doc_set_error(self->doc, fg_charmap_offset(&self->map, ev->start_mark.index),
                     fg_xasprintf("nesting deeper than %d levels", FG_YAML_MAX_DEPTH));
    return false;
  }
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    fg_builder_close(self, ev);
    return true;
  case YAML_DOCUMENT_END_EVENT:
  case YAML_STREAM_END_EVENT:
    return false; /* only the first document counts */
  default:
    return true;
  }
}

static void fg_builder_free(FgBuilder *self) {
  /* after an error some collections are still open: their nodes are already
   * owned by doc->nodes, only the child lists need freeing */
  for (size_t i = 0; i < self->open.len; i++)
    fg_vec_free(&self->open.items[i].kids);
  fg_vec_free(&self->open);
  fg_vec_free(&self->map.checkpoints);
  free(self->anchors.slots);
}

FgYamlDoc *fg_yaml_parse(const FgSource *src) {
  FgYamlDocImpl *doc = fg_xcalloc(1, sizeof *doc);
  FgBuilder b = {0};
  b.src = src;
  b.doc = doc;
  /* libyaml skips a BOM without counting it; feeding it the bytes after the
   * BOM with a fixed encoding keeps index 0 at byte `base`. */
  size_t base = src->len >= 3 && memcmp(src->data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  fg_charmap_init(&b.map, src->data + base, src->len - base, base);

  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    fputs("forkguard: out of memory (libyaml)\n", stderr);
    abort();
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)src->data + base,
                               src->len - base);
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      fg_builder_libyaml_error(&b, &parser);
      break;
    }
    bool more = fg_builder_event(&b, &ev);
    yaml_event_delete(&ev);
    if (!more)
      break;
  }
  yaml_parser_delete(&parser);
  fg_builder_free(&b);
  if (doc->pub.has_error)
    doc->pub.root = NULL;
  return &doc->pub;
}

void fg_yaml_delete(FgYamlDoc *self) {
  if (!self)
    return;
  FgYamlDocImpl *doc = (FgYamlDocImpl *)self;
  for (size_t i = 0; i < doc->nodes.len; i++) {
    FgYamlNode *node = doc->nodes.items[i];
    free(node->anchor);
    free(node->tag);
    free(node->value);
    free(node->items);
    free(node);
  }
  fg_vec_free(&doc->nodes);
  free(self->error_message);
  free(doc);
}

/* ---- queries ------------------------------------------------------------ */

const FgYamlNode *fg_yaml_deref(const FgYamlNode *node) {
  for (int i = 0; node && node->kind == FG_YAML_ALIAS; i++) {
    if (i >= FG_YAML_MAX_DEREF)
      return NULL;
    node = node->target;
  }
  return node;
}

const char *fg_yaml_str(const FgYamlNode *node) {
  node = fg_yaml_deref(node);
  return node && node->kind == FG_YAML_SCALAR ? node->value : NULL;
}

static bool fg_yaml_key_is(const FgYamlNode *key, const char *name, size_t name_len) {
  key = fg_yaml_deref(key);
  return key && key->kind == FG_YAML_SCALAR && key->value_len == name_len &&
         memcmp(key->value, name, name_len) == 0;
}

static bool fg_yaml_is_merge_key(const FgYamlNode *key) {
  key = fg_yaml_deref(key);
  if (!key || key->kind != FG_YAML_SCALAR || !fg_str_eq(key->value, "<<"))
    return false;
  /* a quoted "<<" is an ordinary key; so is one tagged as anything but merge */
  if (key->tag)
    return fg_str_eq(key->tag, "tag:yaml.org,2002:merge");
  return key->style == FG_YAML_PLAIN;
}

/* Returns the index of the key in *owner, searching explicit keys first and
 * then `<<` sources in order (earlier sources win). */
static bool fg_yaml_lookup(const FgYamlNode *map, const char *name, size_t name_len,
                           int depth, int *budget, const FgYamlNode **owner,
                           size_t *index) {
  map = fg_yaml_deref(map);
  if (!map || map->kind != FG_YAML_MAP || depth > FG_YAML_MERGE_DEPTH || *budget <= 0)
    return false;
  (*budget)--;
  for (size_t i = 0; i + 1 < map->nitems; i += 2) {
    if (fg_yaml_is_merge_key(map->items[i]))
      continue;
    if (fg_yaml_key_is(map->items[i], name, name_len)) {
      *owner = map;
      *index = i;
      return true;
    }
  }
  for (size_t i = 0; i + 1 < map->nitems; i += 2) {
    if (!fg_yaml_is_merge_key(map->items[i]))
      continue;
    const FgYamlNode *src = fg_yaml_deref(map->items[i + 1]);
    if (!src)
      continue;
    if (src->kind == FG_YAML_MAP) {
      if (fg_yaml_lookup(src, name, name_len, depth + 1, budget, owner, index))
        return true;
    } else if (src->kind == FG_YAML_SEQ) {
      for (size_t j = 0; j < src->nitems; j++) {
        if (fg_yaml_lookup(src->items[j], name, name_len, depth + 1, budget, owner,
                           index))
          return true;
      }
    }
  }
  return false;
}

static const FgYamlNode *fg_yaml_find(const FgYamlNode *map, const char *key,
                                      size_t offset) {
  if (!map || !key)
    return NULL;
  int budget = FG_YAML_MERGE_BUDGET;
  const FgYamlNode *owner = NULL;
  size_t index = 0;
  if (!fg_yaml_lookup(map, key, strlen(key), 0, &budget, &owner, &index))
    return NULL;
  const FgYamlNode *node = owner->items[index + (offset ? 1 : 0)];
  return offset == 1 ? fg_yaml_deref(node) : node;
}

const FgYamlNode *fg_yaml_get(const FgYamlNode *map, const char *key) {
  return fg_yaml_find(map, key, 1);
}

const FgYamlNode *fg_yaml_get_key(const FgYamlNode *map, const char *key) {
  return fg_yaml_find(map, key, 0);
}

const FgYamlNode *fg_yaml_get_written(const FgYamlNode *map, const char *key) {
  return fg_yaml_find(map, key, 2);
}
