/* shell_int: what parse/shell.c (commands and conditions) and
 * parse/shell_word.c (`${{ }}` regions and word values) share. Nothing else
 * includes it. */
#ifndef FG_SHELL_INT_H
#define FG_SHELL_INT_H

#include "core/util.h"
#include "parse/shell.h"

#include <stdbool.h>
#include <stddef.h>
#include <tree_sitter/api.h>

typedef struct Region {
  size_t start, end;
} Region;

typedef FG_VEC(Region) RegionVec;
typedef FG_VEC(FgShellWord) WordVec;

typedef struct Ctx {
  const char *src; /* the ORIGINAL bytes: `${{ }}` regions are copied from here */
  size_t len;
  RegionVec regions; /* `${{ ... }}` spans, sorted, disjoint */
} Ctx;

/* How the bytes of a piece of a word lose their quoting. */
typedef enum Mode {
  MODE_BARE, /* unquoted: backslash quotes the next byte */
  MODE_DQ,   /* inside "...": only \" \\ \$ \` and \newline are escapes */
  MODE_RAW,  /* inside '...': nothing is special */
  MODE_ANSI, /* inside $'...': C-like escapes */
} Mode;

/* Children of a node through a cursor: ts_node_child(n, i) walks from the
 * first child each time, which is quadratic on a command with many words. */
typedef struct Children {
  TSTreeCursor cur;
  bool ok;
} Children;

static inline Children children_begin(TSNode n) {
  Children it = {ts_tree_cursor_new(n), false};
  it.ok = ts_tree_cursor_goto_first_child(&it.cur);
  return it;
}

static inline void children_next(Children *it) {
  it->ok = ts_tree_cursor_goto_next_sibling(&it->cur);
}

static inline TSNode children_node(const Children *it) {
  return ts_tree_cursor_current_node(&it->cur);
}

static inline void children_end(Children *it) {
  ts_tree_cursor_delete(&it->cur);
}

/* A word being built: its text (as shell.h describes it) and its parts. */
typedef struct WordOut {
  FgBuf text;
  bool dynamic;
  FG_VEC(FgShellPart) parts;
  FgBuf lit;
  bool lit_open, lit_quoted;
} WordOut;

/* Marks each `${{ }}` region of ctx->src in ctx->regions and blanks it in
 * copy (the bytes the grammar parses). */
void sh_find_regions(Ctx *ctx, char *copy);
/* Appends bytes [a, b) of the script to o, losing their quoting as mode says. */
void sh_unquote_range(const Ctx *ctx, size_t a, size_t b, Mode mode, WordOut *o);
bool sh_is_expansion(const char *type);
/* Moves o's text and parts into w (o is left empty). */
void sh_word_finish(WordOut *o, FgShellWord *w);
/* The word (or the value of the assignment) node n spells. */
FgShellWord sh_make_word(const Ctx *ctx, TSNode n);
FgShellWord sh_make_assign(const Ctx *ctx, TSNode n);

#endif
