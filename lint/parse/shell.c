/* shell: see shell.h. The tree walk uses a TSTreeCursor (no C recursion on
 * the script's nesting depth); word values are built by a flat scan of each
 * word's bytes, whose own nesting is at most concatenation > string >
 * expansion. */
#include "parse/shell.h"

#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_bash(void);

typedef struct Region {
  size_t start, end;
} Region;

typedef FG_VEC(Region) RegionVec;
typedef FG_VEC(FgShellCommand) CommandVec;
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

static Children children_begin(TSNode n) {
  Children it = {ts_tree_cursor_new(n), false};
  it.ok = ts_tree_cursor_goto_first_child(&it.cur);
  return it;
}

static void children_next(Children *it) {
  it->ok = ts_tree_cursor_goto_next_sibling(&it->cur);
}

static TSNode children_node(const Children *it) {
  return ts_tree_cursor_current_node(&it->cur);
}

static void children_end(Children *it) {
  ts_tree_cursor_delete(&it->cur);
}

/* --- `${{ ... }}` regions ------------------------------------------------ */

/* GitHub substitutes `${{ }}` before the shell runs, so the shell grammar
 * must not see it: `"${{ a }}"` would otherwise be a bad parameter
 * expansion. The parser gets a copy where each region is a run of 'x'
 * (newlines kept, so every offset is unchanged). */
static void find_regions(Ctx *ctx, char *copy) {
  size_t i = 0;
  while (i + 2 < ctx->len) {
    if (memcmp(ctx->src + i, "${{", 3) != 0) {
      i++;
      continue;
    }
    size_t j = i + 3;
    while (j + 1 < ctx->len && !(ctx->src[j] == '}' && ctx->src[j + 1] == '}'))
      j++;
    if (j + 1 >= ctx->len)
      break; /* unterminated: leave it to the shell grammar */
    Region r = {i, j + 2};
    fg_vec_push(&ctx->regions, r);
    for (size_t k = r.start; k < r.end; k++) {
      if (copy[k] != '\n' && copy[k] != '\r')
        copy[k] = 'x';
    }
    i = r.end;
  }
}

/* The end of the region containing byte i, or 0 when i is in none. */
static size_t region_end_at(const Ctx *ctx, size_t i) {
  size_t lo = 0, hi = ctx->regions.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const Region *r = &ctx->regions.items[mid];
    if (i < r->start)
      hi = mid;
    else if (i >= r->end)
      lo = mid + 1;
    else
      return r->end;
  }
  return 0;
}

/* --- word values --------------------------------------------------------- */

static void put_ansi_escape(FgBuf *out, char c) {
  switch (c) {
  case 'n':
    fg_buf_putc(out, '\n');
    break;
  case 't':
    fg_buf_putc(out, '\t');
    break;
  case 'r':
    fg_buf_putc(out, '\r');
    break;
  case '\\':
    fg_buf_putc(out, '\\');
    break;
  case '\'':
    fg_buf_putc(out, '\'');
    break;
  case '"':
    fg_buf_putc(out, '"');
    break;
  default: /* \xHH, \0NNN, \e...: kept as written */
    fg_buf_putc(out, '\\');
    fg_buf_putc(out, c);
    break;
  }
}

/* Appends the value of bytes [a, b) read in `mode`. */
static void unquote_range(const Ctx *ctx, size_t a, size_t b, Mode mode, FgBuf *out,
                          bool *dynamic) {
  size_t i = a;
  while (i < b) {
    size_t rend = region_end_at(ctx, i);
    if (rend) {
      size_t stop = rend < b ? rend : b;
      fg_buf_append(out, ctx->src + i, stop - i);
      *dynamic = true;
      i = stop;
      continue;
    }
    char c = ctx->src[i];
    if (c != '\\' || mode == MODE_RAW || i + 1 >= b) {
      fg_buf_putc(out, c);
      i++;
      continue;
    }
    char n = ctx->src[i + 1];
    if (n == '\n') {
      /* a line continuation is not part of the value */
    } else if (mode == MODE_BARE) {
      fg_buf_putc(out, n);
    } else if (mode == MODE_DQ) {
      if (n != '"' && n != '\\' && n != '$' && n != '`')
        fg_buf_putc(out, '\\');
      fg_buf_putc(out, n);
    } else {
      put_ansi_escape(out, n);
    }
    i += 2;
  }
}

static bool is_expansion(const char *type) {
  return strcmp(type, "simple_expansion") == 0 || strcmp(type, "expansion") == 0 ||
         strcmp(type, "command_substitution") == 0 ||
         strcmp(type, "arithmetic_expansion") == 0 ||
         strcmp(type, "process_substitution") == 0;
}

static void put_verbatim(const Ctx *ctx, TSNode n, FgBuf *out) {
  uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  fg_buf_append(out, ctx->src + a, b - a);
}

/* [a, b) read in `mode`, except that the expansions among n's named
 * children keep their source spelling and make the word dynamic. */
static void unquote_around_children(const Ctx *ctx, TSNode n, size_t a, size_t b,
                                    Mode mode, FgBuf *out, bool *dynamic) {
  size_t pos = a;
  Children it = children_begin(n);
  for (; it.ok; children_next(&it)) {
    TSNode child = children_node(&it);
    if (!is_expansion(ts_node_type(child)))
      continue;
    size_t cs = ts_node_start_byte(child), ce = ts_node_end_byte(child);
    if (cs < pos || ce > b)
      continue;
    unquote_range(ctx, pos, cs, mode, out, dynamic);
    put_verbatim(ctx, child, out);
    *dynamic = true;
    pos = ce;
  }
  children_end(&it);
  unquote_range(ctx, pos, b, mode, out, dynamic);
}

/* Strips `open` bytes of opening quote and one closing quote when present. */
static void quoted_piece(const Ctx *ctx, TSNode n, size_t open, Mode mode, FgBuf *out,
                         bool *dynamic) {
  size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  if (b - a < open) {
    put_verbatim(ctx, n, out);
    return;
  }
  char close = ctx->src[a + open - 1];
  a += open;
  if (b > a && ctx->src[b - 1] == close && region_end_at(ctx, b - 1) == 0)
    b--;
  unquote_around_children(ctx, n, a, b, mode, out, dynamic);
}

/* One piece of a word (never a concatenation). */
static void word_piece(const Ctx *ctx, TSNode n, FgBuf *out, bool *dynamic) {
  const char *type = ts_node_type(n);
  size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  if (is_expansion(type)) {
    put_verbatim(ctx, n, out);
    *dynamic = true;
  } else if (strcmp(type, "raw_string") == 0 && ctx->src[a] == '\'') {
    quoted_piece(ctx, n, 1, MODE_RAW, out, dynamic);
  } else if (strcmp(type, "string") == 0 && ctx->src[a] == '"') {
    quoted_piece(ctx, n, 1, MODE_DQ, out, dynamic);
  } else if (strcmp(type, "translated_string") == 0 && b - a >= 2) {
    quoted_piece(ctx, n, 2, MODE_DQ, out, dynamic);
  } else if (strcmp(type, "ansi_c_string") == 0 && b - a >= 2) {
    quoted_piece(ctx, n, 2, MODE_ANSI, out, dynamic);
  } else {
    /* word, number, and anything else: bare text, backslashes quoting */
    unquote_around_children(ctx, n, a, b, MODE_BARE, out, dynamic);
  }
}

static void word_value(const Ctx *ctx, TSNode n, FgBuf *out, bool *dynamic) {
  if (strcmp(ts_node_type(n), "concatenation") != 0) {
    word_piece(ctx, n, out, dynamic);
    return;
  }
  size_t pos = ts_node_start_byte(n);
  Children it = children_begin(n);
  for (; it.ok; children_next(&it)) {
    TSNode child = children_node(&it);
    unquote_range(ctx, pos, ts_node_start_byte(child), MODE_BARE, out, dynamic);
    word_piece(ctx, child, out, dynamic);
    pos = ts_node_end_byte(child);
  }
  children_end(&it);
  unquote_range(ctx, pos, ts_node_end_byte(n), MODE_BARE, out, dynamic);
}

static FgShellWord make_word(const Ctx *ctx, TSNode n) {
  FgBuf buf = {0};
  FgShellWord w = {0};
  w.start = ts_node_start_byte(n);
  w.end = ts_node_end_byte(n);
  word_value(ctx, n, &buf, &w.dynamic);
  w.text = fg_buf_take(&buf);
  return w;
}

/* `FOO=1`, `BAR="a b"` -> "BAR=a b": the name and operator as written, the
 * value unquoted. */
static FgShellWord make_assign(const Ctx *ctx, TSNode n) {
  FgBuf buf = {0};
  FgShellWord w = {0};
  w.start = ts_node_start_byte(n);
  w.end = ts_node_end_byte(n);
  /* the value is whatever follows the `=` (or `+=`) token */
  size_t pos = w.start;
  bool after_op = false;
  Children it = children_begin(n);
  for (; it.ok; children_next(&it)) {
    TSNode child = children_node(&it);
    const char *type = ts_node_type(child);
    if (!after_op) {
      after_op = strcmp(type, "=") == 0 || strcmp(type, "+=") == 0;
      continue;
    }
    fg_buf_append(&buf, ctx->src + pos, ts_node_start_byte(child) - pos);
    word_value(ctx, child, &buf, &w.dynamic);
    pos = ts_node_end_byte(child);
  }
  children_end(&it);
  unquote_range(ctx, pos, w.end, MODE_BARE, &buf, &w.dynamic);
  w.text = fg_buf_take(&buf);
  return w;
}

/* --- commands ------------------------------------------------------------ */

static bool is_redirect(const char *type) {
  return strcmp(type, "file_redirect") == 0 || strcmp(type, "herestring_redirect") == 0 ||
         strcmp(type, "heredoc_redirect") == 0;
}

static void push_word(const Ctx *ctx, TSNode n, WordVec *words) {
  if (strcmp(ts_node_type(n), "command_name") == 0 && ts_node_named_child_count(n) == 1)
    n = ts_node_named_child(n, 0);
  fg_vec_push(words, make_word(ctx, n));
}

static void collect_words(const Ctx *ctx, TSNode cmd, WordVec *assigns, WordVec *words) {
  /* tree-sitter-bash splits `$"text"` into a `$` token and a string */
  TSNode dollar = {0};
  bool have_dollar = false;
  Children it = children_begin(cmd);
  for (; it.ok; children_next(&it)) {
    TSNode child = children_node(&it);
    const char *type = ts_node_type(child);
    if (have_dollar) {
      have_dollar = false;
      if (strcmp(type, "string") == 0 &&
          ts_node_start_byte(child) == ts_node_end_byte(dollar)) {
        FgShellWord w = make_word(ctx, child);
        w.start = ts_node_start_byte(dollar);
        fg_vec_push(words, w);
        continue;
      }
      push_word(ctx, dollar, words);
    }
    if (strcmp(type, "variable_assignment") == 0 && words->len == 0) {
      fg_vec_push(assigns, make_assign(ctx, child));
    } else if (is_redirect(type) || strcmp(type, "comment") == 0 ||
               strcmp(type, "subshell") == 0) {
      continue;
    } else if (!ts_node_is_named(child) && strcmp(type, "$") == 0) {
      dollar = child;
      have_dollar = true;
    } else {
      push_word(ctx, child, words);
    }
  }
  children_end(&it);
  if (have_dollar)
    push_word(ctx, dollar, words);
}

static bool is_operator(const char *type) {
  static const char *const ops[] = {"&&", "||", ";", "|", "|&", "&", ";;", ";&", ";;&"};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    if (strcmp(type, ops[i]) == 0)
      return true;
  }
  return false;
}

static void set_sep(FgShellCommand *cmd, const char *op) {
  if (strcmp(op, "|&") == 0)
    op = "|";
  else if (op[0] == ';')
    op = ";"; /* case terminators ;; ;& ;;& */
  snprintf(cmd->sep, sizeof cmd->sep, "%s", op);
}

/* `cat <<EOF && pytest`, `cat <<EOF | tee`: the operator and the rest of
 * the line sit inside the heredoc redirect. */
static const char *heredoc_operator(TSNode redirected) {
  const char *op = NULL;
  Children it = children_begin(redirected);
  for (; it.ok && !op; children_next(&it)) {
    TSNode r = children_node(&it);
    if (strcmp(ts_node_type(r), "heredoc_redirect") != 0)
      continue;
    Children rit = children_begin(r);
    for (; rit.ok && !op; children_next(&rit)) {
      TSNode c = children_node(&rit);
      const char *type = ts_node_type(c);
      if (!ts_node_is_named(c) && (strcmp(type, "&&") == 0 || strcmp(type, "||") == 0))
        op = type;
      else if (strcmp(type, "pipeline") == 0 && ts_node_child_count(c) > 0 &&
               !ts_node_is_named(ts_node_child(c, 0)))
        op = ts_node_type(ts_node_child(c, 0));
    }
    children_end(&rit);
  }
  children_end(&it);
  return op;
}

/* What follows byte `end` on its line: "\n" when only blanks, a comment or
 * continuations come before a newline (and more script follows), "" else. */
static const char *text_sep(const Ctx *ctx, size_t end) {
  size_t i = end;
  while (i < ctx->len) {
    char c = ctx->src[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      i++;
    } else if (c == '\\' && i + 1 < ctx->len && ctx->src[i + 1] == '\n') {
      i += 2;
    } else if (c == '#') {
      while (i < ctx->len && ctx->src[i] != '\n')
        i++;
    } else {
      break;
    }
  }
  if (i >= ctx->len || ctx->src[i] != '\n')
    return "";
  for (; i < ctx->len; i++) {
    char c = ctx->src[i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
      return "\n";
  }
  return ""; /* the last command of the script */
}

typedef FG_VEC(TSNode) NodeVec;

/* The tree walk. A command's separator is the operator token after the
 * outermost node the command ends: climbing through redirections,
 * negations, and lists and pipelines of which it is the last part. That
 * token is the next node the walk visits at the anchor's depth, so the
 * command waits (`pending`) until then; ts_node_parent and
 * ts_node_next_sibling would cost the depth on every call. */
typedef struct Walk {
  const Ctx *ctx;
  CommandVec cmds;
  NodeVec path; /* path.items[d]: the node at depth d on the way to the cursor */
  bool pending; /* the last command waits for the token after its anchor */
  size_t anchor_depth, anchor_end;
} Walk;

static void resolve_pending(Walk *w, TSNode next, bool at_anchor_depth) {
  if (!w->pending)
    return;
  FgShellCommand *cmd = &w->cmds.items[w->cmds.len - 1];
  const char *type = at_anchor_depth ? ts_node_type(next) : "";
  if (at_anchor_depth && !ts_node_is_named(next) && is_operator(type))
    set_sep(cmd, type);
  else
    set_sep(cmd, text_sep(w->ctx, w->anchor_end));
  w->pending = false;
}

/* tree-sitter-bash 0.23 drops an argument that sits right before a heredoc
 * in `python - <<'EOF'`: the `-` belongs to no node. Recover such bytes
 * between the command and its redirections as plain words. */
static void recover_dropped_words(const Ctx *ctx, TSNode redirected, FgShellCommand *cmd,
                                  WordVec *words) {
  size_t limit = cmd->end;
  Children it = children_begin(redirected);
  for (; it.ok; children_next(&it)) {
    TSNode child = children_node(&it);
    if (ts_node_start_byte(child) >= cmd->end) {
      limit = ts_node_start_byte(child);
      break;
    }
  }
  children_end(&it);
  size_t i = cmd->end;
  while (i < limit) {
    char c = ctx->src[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      i++;
      continue;
    }
    if (c == '\\' && i + 1 < limit && ctx->src[i + 1] == '\n') {
      i += 2;
      continue;
    }
    size_t start = i;
    while (i < limit && ctx->src[i] != ' ' && ctx->src[i] != '\t' && ctx->src[i] != '\n')
      i++;
    FgBuf buf = {0};
    FgShellWord word = {.start = start, .end = i};
    unquote_range(ctx, start, i, MODE_BARE, &buf, &word.dynamic);
    word.text = fg_buf_take(&buf);
    fg_vec_push(words, word);
    cmd->end = i;
  }
}

static void add_command(Walk *w, TSNode n) {
  TSNode none = {0};
  resolve_pending(w, none, false);
  WordVec assigns = {0}, words = {0};
  collect_words(w->ctx, n, &assigns, &words);
  FgShellCommand cmd = {0};
  cmd.assigns = assigns.items;
  cmd.nassigns = assigns.len;
  cmd.words = words.items;
  cmd.nwords = words.len;
  cmd.start = ts_node_start_byte(n);
  cmd.end = ts_node_end_byte(n);
  TSNode holder = w->path.items[w->path.len - 2];
  if (strcmp(ts_node_type(holder), "redirected_statement") == 0) {
    recover_dropped_words(w->ctx, holder, &cmd, &words);
    cmd.words = words.items;
    cmd.nwords = words.len;
  }
  fg_vec_push(&w->cmds, cmd);

  FgShellCommand *added = &w->cmds.items[w->cmds.len - 1];
  size_t depth = w->path.len - 1;
  TSNode node = n;
  while (depth > 0) {
    TSNode parent = w->path.items[depth - 1];
    const char *ptype = ts_node_type(parent);
    bool climb = strcmp(ptype, "negated_command") == 0;
    if (strcmp(ptype, "redirected_statement") == 0) {
      const char *op = heredoc_operator(parent);
      if (op) {
        set_sep(added, op);
        return;
      }
      climb = true;
    }
    if (strcmp(ptype, "list") == 0 || strcmp(ptype, "pipeline") == 0)
      climb = ts_node_end_byte(node) == ts_node_end_byte(parent);
    if (!climb)
      break;
    node = parent;
    depth--;
  }
  w->pending = true;
  w->anchor_depth = depth;
  w->anchor_end = ts_node_end_byte(node);
}

/* Subtrees whose commands are not the step's own: the commands inside
 * $(...), `...` and <(...) run to compute a word, not as steps of the
 * script; heredoc bodies are data. */
static bool skip_subtree(const char *type) {
  return strcmp(type, "command_substitution") == 0 ||
         strcmp(type, "process_substitution") == 0 || strcmp(type, "heredoc_body") == 0;
}

/* Visits every node in document order with a cursor: no C recursion on the
 * script's nesting depth. */
static void walk(Walk *w, TSNode root) {
  TSTreeCursor cur = ts_tree_cursor_new(root);
  fg_vec_push(&w->path, root);
  bool arrived = true;
  for (;;) {
    TSNode n = ts_tree_cursor_current_node(&cur);
    if (arrived) {
      const char *type = ts_node_type(n);
      if (w->pending && w->path.len - 1 == w->anchor_depth)
        resolve_pending(w, n, true);
      bool is_cmd = strcmp(type, "command") == 0;
      if (is_cmd)
        add_command(w, n);
      /* a command's children are words: its nested commands would be in
       * substitutions, which are skipped anyway */
      if (!is_cmd && !skip_subtree(type) && ts_tree_cursor_goto_first_child(&cur)) {
        fg_vec_push(&w->path, ts_tree_cursor_current_node(&cur));
        continue;
      }
    }
    if (ts_tree_cursor_goto_next_sibling(&cur)) {
      w->path.items[w->path.len - 1] = ts_tree_cursor_current_node(&cur);
      arrived = true;
      continue;
    }
    if (!ts_tree_cursor_goto_parent(&cur))
      break;
    w->path.len--;
    if (w->pending && w->path.len - 1 < w->anchor_depth)
      resolve_pending(w, n, false);
    arrived = false;
  }
  TSNode none = {0};
  resolve_pending(w, none, false);
  ts_tree_cursor_delete(&cur);
}

/* The first ERROR or MISSING node in document order (errors inside skipped
 * subtrees count too): descend into the first child that has one. */
static void find_first_error(TSNode root, FgShellScript *script) {
  if (!ts_node_has_error(root))
    return;
  TSTreeCursor cur = ts_tree_cursor_new(root);
  for (;;) {
    TSNode n = ts_tree_cursor_current_node(&cur);
    if (ts_node_is_missing(n) || strcmp(ts_node_type(n), "ERROR") == 0)
      break;
    if (!ts_tree_cursor_goto_first_child(&cur))
      break;
    bool found = ts_node_has_error(ts_tree_cursor_current_node(&cur));
    while (!found && ts_tree_cursor_goto_next_sibling(&cur))
      found = ts_node_has_error(ts_tree_cursor_current_node(&cur));
    if (!found) {
      ts_tree_cursor_goto_parent(&cur);
      break;
    }
  }
  script->has_error = true;
  script->error_offset = ts_node_start_byte(ts_tree_cursor_current_node(&cur));
  ts_tree_cursor_delete(&cur);
}

FgShellScript *fg_shell_parse(const char *script, size_t len) {
  FgShellScript *self = fg_xcalloc(1, sizeof *self);
  Ctx ctx = {.src = script, .len = len};
  char *copy = fg_xmalloc(len + 1);
  if (len)
    memcpy(copy, script, len);
  copy[len] = '\0';
  find_regions(&ctx, copy);

  TSParser *parser = ts_parser_new();
  ts_parser_set_language(parser, tree_sitter_bash());
  TSTree *tree = ts_parser_parse_string(parser, NULL, copy, (uint32_t)len);
  if (!tree) {
    self->has_error = true;
  } else {
    TSNode root = ts_tree_root_node(tree);
    Walk w = {.ctx = &ctx};
    walk(&w, root);
    fg_vec_free(&w.path);
    find_first_error(root, self);
    self->cmds = w.cmds.items;
    self->ncmds = w.cmds.len;
    ts_tree_delete(tree);
  }
  ts_parser_delete(parser);
  free(copy);
  fg_vec_free(&ctx.regions);
  return self;
}

static void free_words(FgShellWord *words, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(words[i].text);
  free(words);
}

void fg_shell_delete(FgShellScript *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->ncmds; i++) {
    free_words(self->cmds[i].assigns, self->cmds[i].nassigns);
    free_words(self->cmds[i].words, self->cmds[i].nwords);
  }
  free(self->cmds);
  free(self);
}
