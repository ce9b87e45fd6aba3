/* libFuzzer: the YAML model and the workflow view built on it. */
#include <stddef.h>
#include <stdint.h>

#include "ci/workflow.h"
#include "core/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FgSource *src = fg_source_new(".github/workflows/ci.yml", (const char *)data, size);
  FgWorkflow *wf = fg_workflow_load(src); /* takes src */
  fg_workflow_delete(wf);
  return 0;
}
