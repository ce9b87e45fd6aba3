/* libFuzzer: the Python module summary (tree-sitter-python + the walk). */
#include <stddef.h>
#include <stdint.h>

#include "core/source.h"
#include "parse/pyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FgSource *src = fg_source_new("tests/test_fuzz.py", (const char *)data, size);
  FgPyModule *py = fg_pyfile_parse(src, NULL);
  fg_pyfile_delete(py);
  fg_source_delete(src);
  return 0;
}
