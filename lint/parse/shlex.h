/* shlex: split a string into words the way Python's shlex.split(s) does in
 * POSIX mode with comments off -- what pytest applies to `addopts` strings
 * and to PYTEST_ADDOPTS. Whitespace separates words; '...' keeps everything
 * literally; "..." keeps everything except that a backslash escapes only
 * '"', '\\' (and is dropped before them); outside quotes a backslash escapes
 * any next character. Adjacent quoted and unquoted parts form one word, and
 * "" alone is an empty word. */
#ifndef FG_SHLEX_H
#define FG_SHLEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct FgShlexWord {
  char *text;   /* the word after quote removal (owned by the FgShlex) */
  size_t start; /* byte span of the word in the input, quotes included */
  size_t end;
} FgShlexWord;

typedef struct FgShlex {
  FgShlexWord *words;
  size_t nwords;
  char **argv;         /* nwords + 1 entries, NULL-terminated; argv[i] == words[i].text */
  bool has_error;      /* unterminated quote or trailing backslash */
  size_t error_offset; /* where the unterminated quote (or the backslash) is */
  const char *message; /* static text, NULL when there is no error */
} FgShlex;

/* Never returns NULL. On error the words before the bad one are kept. The
 * input need not be NUL-terminated. The result is owned by the caller. */
FgShlex *fg_shlex_split(const char *s, size_t len);
void fg_shlex_delete(FgShlex *self);

#endif
