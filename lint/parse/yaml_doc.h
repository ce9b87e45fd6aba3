/* yaml_doc: libyaml events -> a node tree with BYTE spans and scalar styles.
 * This is the one place that turns libyaml marks (which count characters,
 * not bytes) into byte offsets. Comments are not nodes: edits work on the
 * original text, never on a re-serialisation. */
#ifndef FG_YAML_DOC_H
#define FG_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"

typedef enum FgYamlKind {
  FG_YAML_SCALAR,
  FG_YAML_SEQ,
  FG_YAML_MAP,
  FG_YAML_ALIAS
} FgYamlKind;

typedef enum FgYamlStyle {
  FG_YAML_PLAIN,
  FG_YAML_SINGLE_QUOTED,
  FG_YAML_DOUBLE_QUOTED,
  FG_YAML_LITERAL, /* | */
  FG_YAML_FOLDED,  /* > */
  FG_YAML_BLOCK,   /* block sequence / mapping */
  FG_YAML_FLOW     /* [ ] / { } */
} FgYamlStyle;

typedef struct FgYamlNode FgYamlNode;
struct FgYamlNode {
  FgYamlKind kind;
  FgYamlStyle style;
  size_t start, end; /* byte span: a scalar's from its indicator/quote to its
                        last content byte; a collection's from its first
                        item's start (block) or '[' / '{' to its end */
  char *anchor;      /* "&name" without '&', or NULL */
  char *tag;         /* explicit tag or NULL */
  /* scalars: the decoded value (escapes resolved, folding applied);
     aliases: the alias name without '*' */
  char *value;
  size_t value_len;
  /* sequences: items; mappings: key0, value0, key1, value1, ... */
  FgYamlNode **items;
  size_t nitems;
  /* aliases: the anchored node (not owned); NULL if the anchor is unknown */
  FgYamlNode *target;
};

typedef struct FgYamlDoc {
  FgYamlNode *root; /* NULL for an empty document */
  /* on error: root is NULL, has_error is set */
  bool has_error;
  size_t error_offset; /* byte offset of libyaml's problem_mark */
  char *error_message; /* libyaml's problem (and context) */
} FgYamlDoc;

/* Parses the first document of src. Never returns NULL; see has_error.
 * Nesting deeper than 512 levels is an error, not a stack overflow. */
FgYamlDoc *fg_yaml_parse(const FgSource *src);
void fg_yaml_delete(FgYamlDoc *self);

/* Follows aliases (bounded) to the node they stand for; NULL stays NULL. */
const FgYamlNode *fg_yaml_deref(const FgYamlNode *node);
/* Mapping lookup by scalar key (aliases followed on both sides, `<<` merge
 * keys honoured, explicit keys winning over merged ones, earlier merge
 * sources over later ones, the first of duplicate keys winning). Returns the
 * value node with aliases already followed, or NULL. */
const FgYamlNode *fg_yaml_get(const FgYamlNode *map, const char *key);
/* The key node for `key`, for positions; NULL if absent. */
const FgYamlNode *fg_yaml_get_key(const FgYamlNode *map, const char *key);
/* The value node as written (an alias stays an alias), for positions. */
const FgYamlNode *fg_yaml_get_written(const FgYamlNode *map, const char *key);
/* A scalar's value (aliases followed), or NULL when node is not a scalar. */
const char *fg_yaml_str(const FgYamlNode *node);

#endif
