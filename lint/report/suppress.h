/* suppress: inline suppressions. `# forkguard: ignore[FG101,FG203]`, a bare
 * `# forkguard: ignore`, or `# noqa: FG101` on the flagged line or on the
 * finding's second anchor line (the def or decorator line of a test, the
 * first line of a step) silences it. The same comments work in YAML. */
#ifndef FG_SUPPRESS_H
#define FG_SUPPRESS_H

#include <stdbool.h>

#include "core/diag.h"

bool fg_suppressed(const FgDiag *d);
/* Does this line's comment suppress `code`? (exposed for tests) */
bool fg_suppress_line(const char *line, size_t len, const char *code);

#endif
