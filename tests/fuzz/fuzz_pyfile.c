/* libFuzzer: the Python module summary (tree-sitter-python + the walk), and
 * the summary cache's reader: every summary the walk makes reads back from
 * its bytes (a refusal aborts) and writes the same bytes again; those bytes
 * with a few of them changed, and the input itself read as a cached
 * payload, are refused or taken whole, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/pyfile.h"
#include "parse/pyfile_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FgSource *src = fg_source_new("tests/test_fuzz.py", (const char *)data, size);
  FgPyModule *py = fg_pyfile_parse(src, NULL);
  FgBuf b = {0};
  fg_pyfile_cache_write(py, &b);
  FgPyModule *back = fg_pyfile_cache_read(b.data, b.len, src);
  if (!back)
    abort(); /* a summary the walk made must fit its own source */
  FgBuf again = {0};
  fg_pyfile_cache_write(back, &again);
  if (again.len != b.len || memcmp(again.data, b.data, b.len) != 0)
    abort();
  fg_buf_free(&again);
  fg_pyfile_delete(back);
  /* a cache entry damaged where the input says (offsets, counts, flags) */
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 1099511628211ull;
  for (int k = 0; k < 8 && b.len; k++) {
    size_t at = (size_t)((h >> 7) % b.len);
    unsigned char x = (unsigned char)(h >> 56) | 1u;
    b.data[at] ^= (char)x;
    fg_pyfile_delete(fg_pyfile_cache_read(b.data, b.len, src));
    b.data[at] ^= (char)x;
    h = h * 6364136223846793005ull + 1442695040888963407ull;
  }
  fg_buf_free(&b);
  fg_pyfile_delete(py);
  /* the input as a payload, for a source it was not written for */
  static const char kSmall[] = "import os\n\ndef test_x():\n    os.fork()\n";
  FgSource *small = fg_source_new("t.py", kSmall, sizeof kSmall - 1);
  fg_pyfile_delete(fg_pyfile_cache_read((const char *)data, size, small));
  fg_pyfile_delete(fg_pyfile_cache_read((const char *)data, size, src));
  fg_source_delete(small);
  fg_source_delete(src);
  return 0;
}
