/* json_read: a small, bounded JSON reader (RFC 8259) into a read-only tree.
 *
 * Every input gives a tree or an error, never a crash: the input size and
 * the nesting depth are bounded (the limits below), strings are decoded
 * (escapes, surrogate pairs; a lone surrogate or an invalid UTF-8 byte
 * becomes U+FFFD), numbers follow JSON's grammar exactly, and anything after
 * the value is an error. An error names the line and column (1-based, in
 * bytes) and what was expected there.
 *
 * The tree lives in the document's arena: every pointer into it is valid
 * until fg_json_doc_delete. */
#ifndef FG_JSON_READ_H
#define FG_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

typedef enum FgJsonType {
  FG_JSON_NULL,
  FG_JSON_BOOL,
  FG_JSON_NUMBER,
  FG_JSON_STRING,
  FG_JSON_ARRAY,
  FG_JSON_OBJECT
} FgJsonType;

typedef struct FgJsonValue FgJsonValue;
struct FgJsonValue {
  FgJsonType type;
  bool boolean;
  double number;
  /* a string: its decoded bytes, NUL-terminated (len excludes the NUL; an
   * escaped \u0000 is kept, so len may be more than strlen) */
  const char *str;
  size_t len;
  /* an array's elements, or an object's values (keys[i] names items[i], in
   * the order written; duplicates are kept) */
  FgJsonValue *items;
  const char **keys;
  size_t n;
};

typedef struct FgJsonLimits {
  size_t max_bytes;  /* refuse longer input; 0: 64 MiB */
  int max_depth;     /* arrays and objects nested deeper are an error; 0: 64 */
  size_t max_values; /* more values (of any kind) in the document is an error;
                        0: 1,000,000 (about 60 MB of tree) */
} FgJsonLimits;

typedef struct FgJsonDoc FgJsonDoc;

/* Parses data[0, len). NULL limits: the defaults. Returns NULL and sets *err
 * (malloc'd, "line L, column C: ...") when the input is not one JSON value
 * within the limits. A UTF-8 BOM at the start is skipped. */
FgJsonDoc *fg_json_doc_parse(const char *data, size_t len, const FgJsonLimits *limits,
                             char **err);
void fg_json_doc_delete(FgJsonDoc *self);
const FgJsonValue *fg_json_doc_root(const FgJsonDoc *self);

/* Accessors; each is NULL-safe and checks the type. */
/* The value of key in an object (the last one written when repeated), or
 * NULL when v is not an object or has no such key. */
const FgJsonValue *fg_json_value_get(const FgJsonValue *v, const char *key);
/* The string, or NULL when v is not a string. */
const char *fg_json_value_str(const FgJsonValue *v);
/* True and *out when v is a number (an integer: within long long, no
 * fraction). */
bool fg_json_value_num(const FgJsonValue *v, double *out);
bool fg_json_value_int(const FgJsonValue *v, long long *out);
bool fg_json_value_bool(const FgJsonValue *v, bool *out);
/* Elements of an array (0 when v is not an array). */
size_t fg_json_value_len(const FgJsonValue *v);
const FgJsonValue *fg_json_value_at(const FgJsonValue *v, size_t i);
bool fg_json_value_is(const FgJsonValue *v, FgJsonType type);

/* Shorthands: fg_json_value_str(fg_json_value_get(obj, key)) and the like. */
const char *fg_json_get_str(const FgJsonValue *obj, const char *key);
bool fg_json_get_num(const FgJsonValue *obj, const char *key, double *out);
bool fg_json_get_int(const FgJsonValue *obj, const char *key, long long *out);
bool fg_json_get_bool(const FgJsonValue *obj, const char *key, bool *out);

#endif
