/* json: a minimal streaming JSON writer into an FgBuf (used by the json,
 * sarif and gitlab outputs). Commas are placed automatically. Strings are
 * escaped per RFC 8259; invalid UTF-8 bytes become U+FFFD. */
#ifndef FG_JSON_H
#define FG_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

typedef struct FgJson {
  FgBuf *out;
  int depth;
  bool need_comma[128];
  bool pretty;
  bool after_key;
} FgJson;

void fg_json_init(FgJson *self, FgBuf *out, bool pretty);
void fg_json_begin_object(FgJson *self);
void fg_json_end_object(FgJson *self);
void fg_json_begin_array(FgJson *self);
void fg_json_end_array(FgJson *self);
void fg_json_key(FgJson *self, const char *key);
void fg_json_string(FgJson *self, const char *s); /* NULL writes null */
void fg_json_string_n(FgJson *self, const char *s, size_t n);
void fg_json_int(FgJson *self, long long v);
/* A number with at most `decimals` digits after the point (0..9), trailing
 * zeros dropped ("1.5", "2.0"); NaN and infinities write null. */
void fg_json_double(FgJson *self, double v, int decimals);
void fg_json_bool(FgJson *self, bool v);
void fg_json_null(FgJson *self);
/* Appends the escaped form of s (without quotes) to out. */
void fg_json_escape(FgBuf *out, const char *s, size_t n);

#endif
