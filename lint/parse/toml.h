/* toml: a TOML document model built from a tree-sitter-toml tree.
 *
 * The whole document becomes one root table of FgTomlValue nodes. Every value
 * keeps the half-open byte span of its text in the source, so callers can
 * point at it or edit it in place (the file is never re-serialized).
 *
 * Ownership: fg_toml_parse copies what it needs from the source; the FgToml
 * owns every FgTomlValue and every string reachable from it, and
 * fg_toml_delete frees them all. Pointers returned by the accessors are valid
 * until then. Building and freeing never recurse on the input's nesting
 * depth. */
#ifndef FG_TOML_H
#define FG_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"

typedef enum FgTomlKind {
  FG_TOML_STRING,
  FG_TOML_INTEGER,
  FG_TOML_FLOAT,
  FG_TOML_BOOL,
  FG_TOML_DATETIME, /* offset/local date-time, date or time: kept as text */
  FG_TOML_ARRAY,
  FG_TOML_TABLE,
} FgTomlKind;

typedef struct FgTomlValue FgTomlValue;

typedef struct FgTomlEntry {
  char *key;                 /* one key segment, decoded (quoted keys unquoted) */
  size_t key_start, key_end; /* span of that segment where it was first written */
  FgTomlValue *value;
} FgTomlEntry;

struct FgTomlValue {
  FgTomlKind kind;
  /* Byte span in the source. Strings: quotes included. [header] tables: the
   * header line through the table's last pair. Tables made implicitly by a
   * dotted key or a longer header: the key segment that created them. Arrays
   * of tables ([[x]]): the first element's span. */
  size_t start, end;
  char *str; /* STRING: decoded text (may contain NUL: see str_len);
                DATETIME: the source text */
  size_t str_len;
  long long integer;   /* INTEGER */
  double number;       /* FLOAT */
  bool boolean;        /* BOOL */
  FgTomlValue **items; /* ARRAY */
  size_t nitems;
  FgTomlEntry *entries; /* TABLE, in first-definition order */
  size_t nentries;
  bool is_inline;          /* TABLE written as { ... } */
  bool is_array_of_tables; /* ARRAY built by [[header]] */
  bool is_header;          /* TABLE defined by its own [header] */
};

typedef struct FgToml FgToml;

/* Parses src->data. Never returns NULL. When the text is not valid TOML
 * (tree-sitter ERROR or MISSING node, duplicate key, table redefinition),
 * fg_toml_has_error is true, the error names the first problem in document
 * order, and the model holds what could still be read. */
FgToml *fg_toml_parse(const FgSource *src);
void fg_toml_delete(FgToml *self);

bool fg_toml_has_error(const FgToml *self);
size_t fg_toml_error_offset(const FgToml *self);       /* byte offset in the source */
const char *fg_toml_error_message(const FgToml *self); /* NULL when no error */

/* The document's root table. */
const FgTomlValue *fg_toml_root(const FgToml *self);

/* The value at a dotted path such as "tool.pytest.ini_options.addopts", or
 * NULL. Segments are split on '.' literally (no quoting); a segment that
 * reaches an array of tables continues in its last element, as a TOML
 * [a.b] header after [[a]] would. Use fg_toml_table_get for keys that
 * contain dots. */
const FgTomlValue *fg_toml_get(const FgToml *self, const char *dotted_path);
/* Same, starting from any table value. */
const FgTomlValue *fg_toml_value_get(const FgTomlValue *table, const char *dotted_path);
/* One key of a table (no dot splitting), or NULL (also when table is NULL or
 * not a table). */
const FgTomlValue *fg_toml_table_get(const FgTomlValue *table, const char *key);

/* Typed views: NULL / false when v is NULL or of another kind. */
const char *fg_toml_as_string(const FgTomlValue *v);
bool fg_toml_as_int(const FgTomlValue *v, long long *out);
bool fg_toml_as_bool(const FgTomlValue *v, bool *out);
bool fg_toml_is_table(const FgTomlValue *v);
bool fg_toml_is_array(const FgTomlValue *v);
/* True when v is an array whose items are all strings (an empty array too). */
bool fg_toml_is_string_array(const FgTomlValue *v);

const char *fg_toml_kind_name(FgTomlKind kind); /* "string", "integer", ... */

#endif
