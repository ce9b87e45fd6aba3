/* parse/pyfile_cache: module summaries (parse/pyfile.h) as bytes for
 * core/cache, and back. */
#ifndef FG_PYFILE_CACHE_H
#define FG_PYFILE_CACHE_H

#include <stdint.h>

#include "core/util.h"
#include "parse/pyfile.h"

/* What a cached summary depends on besides the file's bytes: the build
 * (`build` names it), this format and layout, the grammar and the options. */
uint64_t fg_pyfile_cache_key(const FgPyOptions *opts, const char *build);

/* Appends the summary m as bytes (m is packed, as every summary
 * fg_pyfile_parse or the cache gives is). */
void fg_pyfile_cache_write(const FgPyModule *m, FgBuf *out);

/* The summary written as data[0, n) for the source src (the bytes it was
 * made from), or NULL when the bytes are not one whole summary that fits
 * src: then nothing of them is used. */
FgPyModule *fg_pyfile_cache_read(const char *data, size_t n, const FgSource *src);
/* The same, taking blob (malloc'd, n bytes): it becomes the summary's block,
 * or is freed. */
FgPyModule *fg_pyfile_cache_adopt(char *blob, size_t n, const FgSource *src);

#endif
