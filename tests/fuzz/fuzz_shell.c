/* libFuzzer: shell word extraction (tree-sitter-bash) and the shlex
 * splitter; every word's span must lie inside the script. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "parse/shell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FgShellScript *s = fg_shell_parse((const char *)data, size);
  for (size_t i = 0; i < s->ncmds; i++) {
    const FgShellCommand *c = &s->cmds[i];
    if (c->start > c->end || c->end > size)
      abort();
    for (size_t k = 0; k < c->nwords; k++)
      if (c->words[k].start > c->words[k].end || c->words[k].end > size)
        abort();
  }
  fg_shell_delete(s);
  return 0;
}
