/* diff: the unified diff `--diff` prints, in the format of GNU `diff -u`
 * (three lines of context, `@@ -l,s +l,s @@` headers, `\ No newline at end
 * of file` markers) so that `patch -p1` and `git apply` accept it. */
#ifndef FG_DIFF_H
#define FG_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

/* Appends the diff of old -> new_ for one file to out: `--- a/path` and
 * `+++ b/path` (`--- /dev/null` when is_new), then the hunks. Lines end at
 * '\n'; a '\r' before it is part of the line, so CRLF files diff and patch
 * as they are. Appends nothing when the bytes are equal (or when a new file
 * is empty). Files whose middles differ in very many lines get a correct
 * but not minimal diff (the differing middle as one delete + insert). */
void fg_diff_unified(FgBuf *out, const char *path, const char *old, size_t oldlen,
                     const char *new_, size_t newlen, bool is_new);

#endif
