/* called: reusable workflows of other repositories whose jobs forkguard
 * knows, written out as the one job they run (its runs-on, env, matrix and
 * steps) so that the rest of the CI model reads it as any other job. */
#ifndef FG_CALLED_H
#define FG_CALLED_H

#include <stdbool.h>

#include "core/util.h"
#include "parse/yaml_doc.h"

/* For a job that calls a known workflow (uses), with its `with:` inputs
 * (caller: the calling job's mapping): appends the job's YAML to out and
 * returns true; false for any other workflow or inputs it cannot read. */
bool fg_called_job_yaml(const char *uses, const FgYamlNode *caller, FgBuf *out);

#endif
