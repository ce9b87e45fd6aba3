/* libFuzzer: the Python module summary (tree-sitter-python + the walk), and
 * the summary cache's reader: every summary the walk makes reads back from
 * its bytes (a refusal aborts), and the input itself read as a cached
 * payload is refused or taken whole, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
  if (again.len != b.len)
    abort();
  fg_buf_free(&again);
  fg_pyfile_delete(back);
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
