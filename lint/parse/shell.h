/* shell: a `run:` script (or a tox/Makefile command line) parsed with
 * tree-sitter-bash into the simple commands it contains, with every word's
 * value after quote removal and its byte span in the SCRIPT text. Mapping
 * script offsets back to a workflow file is the caller's job. */
#ifndef FG_SHELL_H
#define FG_SHELL_H

#include <stdbool.h>
#include <stddef.h>

/* A word is a sequence of parts: literal text, parameter expansions (whose
 * value the caller may know), and opaque pieces ($(..), `..`, $((..)),
 * `${{ }}`, expansions with operators that are not modelled). */
typedef enum FgShellPartKind {
  FG_SHELL_LIT,
  FG_SHELL_PARAM,
  FG_SHELL_OPAQUE,
  FG_SHELL_CMDSUB /* $(...) / `...`: text is the script inside */
} FgShellPartKind;

typedef struct FgShellPart {
  FgShellPartKind kind;
  /* LIT: the value after quote removal; PARAM: the name ("X", "1", "@");
     OPAQUE: the source spelling; CMDSUB: the script inside */
  char *text;
  bool quoted; /* inside "..." or '...': not split into fields */
  /* PARAM `${X:-w}`, `${X-w}`, `${X:+w}`, `${X+w}`, `${X:=w}`, `${X=w}`,
     `${X#w}`, `${X##w}`, `${X%w}`, `${X%%w}`: the operator ("" for none) and
     w's value (w holds no expansion) */
  char op[3];
  char *arg;
} FgShellPart;

typedef struct FgShellWord {
  char *text;   /* value after quote removal; `${{ ... }}` kept verbatim */
  size_t start; /* byte span of the word in the script, quotes included */
  size_t end;
  bool dynamic; /* contains an expansion whose value is unknown ($X, $(..),
                   `..`, ${{ }}); text then holds those parts in their source
                   spelling, the rest unquoted: "$HOME/x" -> `$HOME/x` */
  /* set by callers that expand words (ci/shflow): the text is not written
     as-is at the span (it came from a variable, an expression, eval) */
  bool derived;
  /* the parts (for an assignment: of its value only); NULL in words built
     by callers */
  FgShellPart *parts;
  size_t nparts;
} FgShellWord;

/* A condition a command runs under: a branch of `if`/`elif`/`else`, of
 * `case`, or the right side of `TEST && cmd` / `TEST || cmd`. */
typedef enum FgShellCondKind { FG_SHELL_COND_TEST, FG_SHELL_COND_CASE } FgShellCondKind;

/* A test the shell evaluates: `[ A = B ]`, `[[ A == pat ]]`, `test A != B`,
 * `[ -z A ]`, `[ -n A ]`. op "" when the test is something else (unknown). */
typedef struct FgShellTest {
  char op[3];   /* "=", "!=", "-z", "-n"; "" unknown */
  bool pattern; /* [[ ]]: the right side of = / == / != is a glob */
  FgShellWord lhs, rhs;
} FgShellTest;

typedef struct FgShellCond {
  FgShellCondKind kind;
  int parent; /* the condition this one sits in, or -1 */
  /* TEST: the branch runs when the test's outcome is `want` (a `then` or
     `&&`: true; `||`: false); an `else` has no test (has_test false). */
  bool has_test;
  FgShellTest test;
  bool want;
  /* CASE: the subject and this item's patterns */
  FgShellWord subject;
  FgShellWord *patterns;
  size_t npatterns;
  /* the branch before this one in the same if/elif/else or case: it must
     not have been taken; -1 for the first */
  int prev;
} FgShellCond;

typedef enum FgShellCmdKind {
  FG_SHELL_CMD,    /* a simple command */
  FG_SHELL_ASSIGN, /* `X=1 Y=2` alone (assigns only), or a `for X in` (opaque) */
  FG_SHELL_DECL    /* `export X=1 Y`, `declare`, `local`, `readonly`, `typeset`:
                      words[0] is the keyword, assigns the assignments, the
                      other words the rest */
} FgShellCmdKind;

typedef struct FgShellCommand {
  FgShellWord *assigns; /* `FOO=1 BAR=x cmd` prefixes: text is "FOO=1" */
  size_t nassigns;
  FgShellWord *words; /* argv, words[0] is the command name */
  size_t nwords;
  size_t start, end; /* the whole simple command (continuations included) */
  /* how this command joins the next one: "&&", "||", ";", "|", "&", "\n" or
   * "" for the last */
  char sep[3];
  FgShellCmdKind kind;
  int cond; /* index into the script's conds, or -1 */
  /* `cmd > FILE` / `cmd >> FILE` (on it or a statement around it): FILE,
     or NULL */
  FgShellWord *out_file;
  bool out_append;
  /* a `for X in WORDS` header (kind ASSIGN, assigns[0] is `X=`): loop is
     set, items are WORDS (none without `in`: the loop runs over "$@",
     items_known false) and body_end is the index of the first command
     after the loop's body (its body is this command's successors before
     it) */
  bool loop;
  bool loop_in;
  FgShellWord *items;
  size_t nitems;
  size_t body_end;
  size_t loop_end_byte; /* the for statement's end in the script */
} FgShellCommand;

typedef struct FgShellScript {
  FgShellCommand *cmds; /* in source order, including those nested in
                           if/for/while bodies, subshells, pipelines */
  size_t ncmds;
  bool has_error; /* tree-sitter found an ERROR node; cmds still filled */
  size_t error_offset;
  FgShellCond *conds;
  size_t nconds;
} FgShellScript;

/* Never returns NULL. `${{ ... }}` expressions are treated as opaque words. */
FgShellScript *fg_shell_parse(const char *script, size_t len);
void fg_shell_delete(FgShellScript *self);
/* Frees a word's text and parts (not the word itself). */
void fg_shell_word_free(FgShellWord *w);
/* A deep copy of a word. */
FgShellWord fg_shell_word_copy(const FgShellWord *w);

/* Past the `$` expansion starting at s in a word's text: `$X`, `${...}`,
 * `$(...)` (nested brackets counted) or an Actions `${{ ... }}`; NULL when
 * none starts there (no `$`, `$` alone, an unclosed bracket). */
const char *fg_shell_expansion_end(const char *s);

#endif
