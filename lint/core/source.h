/* One input file: its bytes, a line index, and the facts edits must keep
 * (line endings, BOM, final newline). Byte offsets are the truth everywhere;
 * line/column exist only for output.
 *
 * Line breaks are LF, CRLF and a lone CR, as CPython and YAML read them.
 * Every parser and scanner sees `data`, where each lone CR is an LF: the
 * same length, so every offset into data is an offset into the file, and
 * no reader has to know about the lone CR. What is written back (the bytes
 * a fix keeps, the diff's old side, the changed-on-disk check) is `raw`. */
#ifndef FG_SOURCE_H
#define FG_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct FgPos {
  size_t line;   /* 1-based */
  size_t column; /* 1-based, in code points (a BOM is not counted) */
} FgPos;

typedef struct FgSource {
  char *path;            /* relative to the project root, '/'-separated (owned); a
                            file of the repository outside the project starts with
                            "../" ("../../.github/workflows/ci.yml") */
  char *data;            /* the bytes for parsers: a lone CR reads as LF; NUL-terminated
                            (owned) */
  char *raw;             /* the bytes as read: data itself unless the file holds a lone CR
                            (then owned); NUL-terminated */
  size_t len;            /* of both: a file may hold NUL bytes, so always count */
  uint32_t *line_starts; /* byte offset of each line's first byte (owned;
                            32 bits: every read is bounded far below 4 GiB) */
  size_t nlines;
  bool bom;           /* starts with EF BB BF */
  bool crlf;          /* the first line break is CRLF */
  bool cr;            /* the first line break is a lone CR */
  bool has_nul;       /* holds a NUL byte: never edited by a fix */
  bool final_newline; /* ends with a line break (or is empty) */
  bool is_new;        /* does not exist yet: a fix creates it */
  char *shown;        /* the path reports print, when it is not `path` (relative
                         to the repository root, or with the project's folder in
                         front); owned, NULL: path */
} FgSource;

/* Copies data (len bytes, NULs included). path is copied too. */
FgSource *fg_source_new(const char *path, const char *data, size_t len);
void fg_source_delete(FgSource *self);
/* The path reports print: shown, else path. */
const char *fg_source_shown(const FgSource *self);
/* Sets shown to prefix + "/" + path with ".." parts resolved ("" or NULL
 * prefix: path itself). */
void fg_source_set_prefix(FgSource *self, const char *prefix);
/* Gives the source another path (shown is reset); the bytes stay. */
void fg_source_rename(FgSource *self, const char *path);

/* 1-based line:column of a byte offset (clamped to [0, len]). An offset in
 * the middle of a UTF-8 sequence counts as the code point it belongs to. */
FgPos fg_source_pos(const FgSource *self, size_t offset);

/* Byte offset of the start of the 1-based line (len if past the end). */
size_t fg_source_line_start(const FgSource *self, size_t line);
/* The text of the 1-based line without its line break. */
const char *fg_source_line_text(const FgSource *self, size_t line, size_t *len);
/* The line break this file uses: "\r\n", "\r" or "\n". */
const char *fg_source_eol(const FgSource *self);

#endif
