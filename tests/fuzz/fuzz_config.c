/* libFuzzer: the TOML and INI readers, and tox.ini on top of the INI one. */
#include <stddef.h>
#include <stdint.h>

#include "ci/tox.h"
#include "core/source.h"
#include "parse/ini_doc.h"
#include "parse/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FgSource *src = fg_source_new("pyproject.toml", (const char *)data, size);
  fg_toml_delete(fg_toml_parse(src));
  fg_ini_doc_delete(fg_ini_doc_parse(src));
  fg_tox_delete(fg_tox_parse(src));
  fg_source_delete(src);
  return 0;
}
