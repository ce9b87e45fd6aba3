#include "parse/pysyntax.h"

#include <stdint.h>
#include <stdlib.h>
#include <tree_sitter/api.h>

#include "core/util.h"
#include "parse/pyindent.h"

const TSLanguage *tree_sitter_python(void);

/* The first node, in the order the summary walk visits them (pre-order),
 * that is MISSING or an ERROR; only subtrees that hold one are entered. */
static char *fg_first_error(TSNode root) {
  TSTreeCursor cur = ts_tree_cursor_new(root);
  char *why = NULL;
  for (;;) {
    TSNode n = ts_tree_cursor_current_node(&cur);
    if (ts_node_is_missing(n)) {
      why = fg_xasprintf("missing '%s'", ts_node_type(n));
      break;
    }
    if (ts_node_symbol(n) == (TSSymbol)-1) {
      why = fg_xstrdup("invalid syntax");
      break;
    }
    if (ts_node_has_error(n) && ts_tree_cursor_goto_first_child(&cur))
      continue;
    bool done = false;
    while (!done && !ts_tree_cursor_goto_next_sibling(&cur))
      done = !ts_tree_cursor_goto_parent(&cur);
    if (done)
      break;
  }
  ts_tree_cursor_delete(&cur);
  return why;
}

bool fg_pysyntax_run_parses(const char *data, size_t len) {
  if (len > UINT32_MAX)
    return false;
  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, tree_sitter_python());
  TSTree *tree = ts_parser_parse_string(parser, NULL, data, (uint32_t)len);
  ts_parser_delete(parser);
  if (!tree)
    return false;
  bool ok = !ts_node_has_error(ts_tree_root_node(tree));
  ts_tree_delete(tree);
  return ok;
}

char *fg_pysyntax_problem(const FgSource *src) {
  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, tree_sitter_python());
  if (src->bom) {
    /* as fg_pyfile_parse: parse after the BOM, offsets stay absolute */
    TSRange r = {{0, 3}, {UINT32_MAX, UINT32_MAX}, 3, UINT32_MAX};
    ts_parser_set_included_ranges(parser, &r, 1);
  }
  TSTree *tree = ts_parser_parse_string(parser, NULL, src->data, (uint32_t)src->len);
  ts_parser_delete(parser);
  if (!tree)
    return fg_xstrdup("could not parse");
  TSNode root = ts_tree_root_node(tree);
  char *why = ts_node_has_error(root) ? fg_first_error(root) : NULL;
  ts_tree_delete(tree);
  size_t bad_at = 0;
  const char *bad = NULL;
  if (!why && !fg_pyindent_check(src->data, src->len, &bad_at, &bad))
    why = fg_xstrdup(bad);
  return why;
}
