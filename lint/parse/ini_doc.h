/* ini_doc: pytest.ini / tox.ini / setup.cfg read the way pytest's iniconfig
 * reads them, with the byte span of every key and value.
 *
 * Two readers cooperate. libinih (ini_parse_string, built by Debian with
 * multi-line continuation support) provides the inventory: which keys exist
 * in which sections, in order. libinih cannot give positions, caps lines at
 * 200 bytes and strips ` ;` inline comments, which iniconfig keeps; so a
 * small line scanner attaches to each key libinih reported its exact value
 * text and byte span. Value semantics follow iniconfig: `key = value` or
 * `key: value` at column 0, indented non-blank non-comment lines continue the
 * previous value (blank and comment lines in between are skipped), each line
 * is stripped, lines are joined with '\n', and an empty first line adds no
 * leading '\n'. Inline comments are not removed.
 *
 * Ownership: the FgIniDoc owns every string in it; fg_ini_doc_delete frees them. */
#ifndef FG_INI_DOC_H
#define FG_INI_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"

typedef struct FgIniLine {
  char *text;        /* one line of the value, stripped (owned) */
  size_t start, end; /* its span in the file */
} FgIniLine;

typedef struct FgIniEntry {
  const char *section; /* points at the FgIniSection's name */
  char *key;
  char *value; /* lines joined with '\n' */
  size_t key_start, key_end;
  /* From the first character of the value to the end of its last line's
   * text; an empty value is an empty span right after the separator. */
  size_t value_start, value_end;
  FgIniLine *lines; /* the non-empty lines of the value, in order */
  size_t nlines;
  size_t line; /* 1-based line of the key */
} FgIniEntry;

typedef struct FgIniSection {
  char *name;
  size_t start, end; /* the `[name]` header */
} FgIniSection;

typedef struct FgIniDoc {
  FgIniSection *sections; /* in file order; an empty section is listed too */
  size_t nsections;
  FgIniEntry *entries; /* in file order */
  size_t nentries;
  bool has_error; /* a line iniconfig would reject (first one kept) */
  size_t error_offset;
  const char *message; /* static text */
  int inih_result;     /* ini_parse_string's return: 0 or a line number */
} FgIniDoc;

/* Never returns NULL. The source is only read during the call. */
FgIniDoc *fg_ini_doc_parse(const FgSource *src);
void fg_ini_doc_delete(FgIniDoc *self);

bool fg_ini_doc_has_section(const FgIniDoc *self, const char *section);
/* The first entry for section/key, or NULL. */
const FgIniEntry *fg_ini_doc_get(const FgIniDoc *self, const char *section,
                                 const char *key);

#endif
