#include <stdlib.h>
#include <string.h>

#include "parse/pylaunch.h"
#include "parse/pylaunch_int.h"

/* argparse actions that take no value */
static bool fg_po_flag_action(const char *a) {
  static const char *const flags[] = {"store_true",   "store_false", "store_const",
                                      "append_const", "count",       "help",
                                      "version",      NULL};
  for (const char *const *f = flags; *f; f++)
    if (strcmp(a, *f) == 0)
      return true;
  return false;
}

/* nargs as written: an integer, "?", "*" or "+"; FG_PO_ONE when unknown */
static int fg_po_nargs(const Pl *pl, TSNode v) {
  if (fg_pl_is(v, "integer")) {
    char *t = fg_pl_text(pl, v);
    char *end = NULL;
    long k = strtol(t, &end, 10);
    bool ok = end && *end == '\0' && k >= 0 && k < 64;
    free(t);
    return ok ? (int)k : FG_PO_ONE;
  }
  char *s = fg_pl_string(pl, v);
  int n = FG_PO_ONE;
  if (s && strcmp(s, "?") == 0)
    n = FG_PO_OPTIONAL;
  else if (s && (strcmp(s, "*") == 0 || strcmp(s, "+") == 0))
    n = FG_PO_MANY;
  free(s);
  return n;
}

static void fg_po_call(const Pl *pl, TSNode call, FgPyOptDecls *out) {
  TSNode fn = fg_pl_get(call, pl->f_function);
  if (!fg_pl_is(fn, "attribute"))
    return;
  char *attr = fg_pl_text(pl, fg_pl_get(fn, pl->f_attribute));
  bool is = strcmp(attr, "addoption") == 0 || strcmp(attr, "_addoption") == 0;
  free(attr);
  if (!is)
    return;
  TSNode args = fg_pl_get(call, pl->f_arguments);
  FgStrVec names = {0};
  int nargs = FG_PO_ONE;
  bool flag = false;
  uint32_t nc = fg_pl_count(args);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode a = fg_pl_child(args, i);
    if (fg_pl_is(a, "string")) {
      char *s = fg_pl_string(pl, a);
      if (s && s[0] == '-' && s[1])
        fg_vec_push(&names, s);
      else
        free(s);
    } else if (fg_pl_is(a, "keyword_argument")) {
      char *k = fg_pl_text(pl, fg_pl_get(a, pl->f_name));
      TSNode v = fg_pl_get(a, pl->f_value);
      if (strcmp(k, "action") == 0) {
        char *s = fg_pl_string(pl, v);
        flag = s && fg_po_flag_action(s);
        free(s);
      } else if (strcmp(k, "nargs") == 0) {
        nargs = fg_po_nargs(pl, v);
      }
      free(k);
    }
  }
  for (size_t i = 0; i < names.len; i++) {
    FgPyOptDecl d = {names.items[i], flag ? 0 : nargs};
    fg_vec_push(out, d);
  }
  fg_vec_free(&names); /* the strings moved into out */
}

static void fg_po_walk(const Pl *pl, TSNode n, FgPyOptDecls *out, int depth) {
  if (depth > 200 || ts_node_is_null(n))
    return;
  if (fg_pl_is(n, "call"))
    fg_po_call(pl, n, out);
  uint32_t nc = fg_pl_count(n);
  for (uint32_t i = 0; i < nc; i++)
    fg_po_walk(pl, fg_pl_child(n, i), out, depth + 1);
}

void fg_pyopts_read(const FgSource *src, FgPyOptDecls *out) {
  Pl pl;
  TSTree *tree = NULL;
  if (!fg_pl_begin(&pl, src, &tree))
    return;
  fg_po_walk(&pl, pl.root, out, 0);
  fg_pl_end(&pl, tree);
}

void fg_pyopts_free(FgPyOptDecls *self) {
  for (size_t i = 0; i < self->len; i++)
    free(self->items[i].name);
  fg_vec_free(self);
}
