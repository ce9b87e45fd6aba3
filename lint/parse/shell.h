/* shell: a `run:` script (or a tox/Makefile command line) parsed with
 * tree-sitter-bash into the simple commands it contains, with every word's
 * value after quote removal and its byte span in the SCRIPT text. Mapping
 * script offsets back to a workflow file is the caller's job. */
#ifndef FG_SHELL_H
#define FG_SHELL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct FgShellWord {
  char *text;   /* value after quote removal; `${{ ... }}` kept verbatim */
  size_t start; /* byte span of the word in the script, quotes included */
  size_t end;
  bool dynamic; /* contains an expansion whose value is unknown ($X, $(..),
                   `..`, ${{ }}); text then holds those parts in their source
                   spelling, the rest unquoted: "$HOME/x" -> `$HOME/x` */
} FgShellWord;

typedef struct FgShellCommand {
  FgShellWord *assigns; /* `FOO=1 BAR=x cmd` prefixes: text is "FOO=1" */
  size_t nassigns;
  FgShellWord *words; /* argv, words[0] is the command name */
  size_t nwords;
  size_t start, end; /* the whole simple command (continuations included) */
  /* how this command joins the next one: "&&", "||", ";", "|", "&", "\n" or
   * "" for the last */
  char sep[3];
} FgShellCommand;

typedef struct FgShellScript {
  FgShellCommand *cmds; /* in source order, including those nested in
                           if/for/while bodies, subshells, pipelines */
  size_t ncmds;
  bool has_error; /* tree-sitter found an ERROR node; cmds still filled */
  size_t error_offset;
} FgShellScript;

/* Never returns NULL. `${{ ... }}` expressions are treated as opaque words. */
FgShellScript *fg_shell_parse(const char *script, size_t len);
void fg_shell_delete(FgShellScript *self);

#endif
