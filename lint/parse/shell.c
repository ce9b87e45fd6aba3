/* shell: see shell.h. Commands, their separators and the conditions they
 * run under; word values are parse/shell_word.c's. The tree walk uses a
 * TSTreeCursor (no C recursion on the script's nesting depth). */
#include "parse/shell_int.h"

#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_bash(void);

typedef FG_VEC(FgShellCommand) CommandVec;

/* --- commands ------------------------------------------------------------ */

static bool is_redirect(const char *type) {
  return strcmp(type, "file_redirect") == 0 || strcmp(type, "herestring_redirect") == 0 ||
         strcmp(type, "heredoc_redirect") == 0;
}

static void push_word(const Ctx *ctx, TSNode n, WordVec *words) {
  if (strcmp(ts_node_type(n), "command_name") == 0 && ts_node_named_child_count(n) == 1)
    n = ts_node_named_child(n, 0);
  fg_vec_push(words, sh_make_word(ctx, n));
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
        FgShellWord w = sh_make_word(ctx, child);
        w.start = ts_node_start_byte(dollar);
        fg_vec_push(words, w);
        continue;
      }
      push_word(ctx, dollar, words);
    }
    if (strcmp(type, "variable_assignment") == 0 && words->len == 0) {
      fg_vec_push(assigns, sh_make_assign(ctx, child));
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
/* What the walk knows about the node at one depth of its path, for the
 * conditions its children run under. */
typedef struct Frame {
  int base;       /* the condition the node itself runs under */
  int child_cond; /* the condition its next children run under */
  /* if_statement / elif_clause: the condition's statements before `then` */
  TSNode cond_node;
  size_t ncond_nodes;
  bool after_then;
  int prev;        /* elif_clause: the branch before it */
  int last_branch; /* if_statement / case_statement: the latest branch */
  TSNode subject;  /* case_statement: the word cased on */
  bool has_subject;
  /* list: the left side and the operator seen */
  TSNode list_left;
  bool has_left;
  char list_op[3];
} Frame;

typedef FG_VEC(Frame) FrameVec;
typedef FG_VEC(FgShellCond) CondVec;

typedef struct Walk {
  const Ctx *ctx;
  CommandVec cmds;
  NodeVec path;    /* path.items[d]: the node at depth d on the way to the cursor */
  FrameVec frames; /* frames.items[d]: what is known at depth d */
  CondVec conds;
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
    WordOut o = {0};
    FgShellWord word = {.start = start, .end = i};
    sh_unquote_range(ctx, start, i, MODE_BARE, &o);
    sh_word_finish(&o, &word);
    fg_vec_push(words, word);
    cmd->end = i;
  }
}

/* `X=1 Y=2`, `export X=1 Y`, `unset X`: assignments and other words. */
static void collect_decl(const Ctx *ctx, TSNode n, WordVec *assigns, WordVec *words) {
  bool assigns_only = strcmp(ts_node_type(n), "variable_assignment") == 0 ||
                      strcmp(ts_node_type(n), "variable_assignments") == 0;
  if (strcmp(ts_node_type(n), "variable_assignment") == 0) {
    fg_vec_push(assigns, sh_make_assign(ctx, n));
    return;
  }
  Children it = children_begin(n);
  for (; it.ok; children_next(&it)) {
    TSNode child = children_node(&it);
    const char *type = ts_node_type(child);
    if (strcmp(type, "variable_assignment") == 0) {
      fg_vec_push(assigns, sh_make_assign(ctx, child));
    } else if (!assigns_only && !ts_node_is_named(child) && words->len == 0) {
      /* the keyword: export, declare, local, readonly, typeset, unset */
      FgShellWord kw = {0};
      kw.start = ts_node_start_byte(child);
      kw.end = ts_node_end_byte(child);
      kw.text = fg_xstrndup(ctx->src + kw.start, kw.end - kw.start);
      fg_vec_push(words, kw);
    } else if (!assigns_only && ts_node_is_named(child) && strcmp(type, "comment") != 0) {
      fg_vec_push(words, sh_make_word(ctx, child));
    }
  }
  children_end(&it);
}

/* Where the command's standard output goes: the `> FILE` / `>> FILE` of
 * the nearest redirected statement around it (`{ echo a; } >> $F`). */
static void find_output(Walk *w, FgShellCommand *cmd) {
  for (size_t d = w->path.len - 1; d-- > 0;) {
    TSNode r = w->path.items[d];
    if (strcmp(ts_node_type(r), "redirected_statement") != 0)
      continue;
    Children it = children_begin(r);
    for (; it.ok; children_next(&it)) {
      TSNode red = children_node(&it);
      if (strcmp(ts_node_type(red), "file_redirect") != 0)
        continue;
      TSNode dest = ts_node_child_by_field_name(red, "destination", 11);
      size_t a = ts_node_start_byte(red);
      if (ts_node_is_null(dest))
        continue;
      /* the operator: `>`, `>>`, `1>>`, not `<` or `2>` */
      size_t p = a;
      while (p < ts_node_start_byte(dest) && w->ctx->src[p] >= '0' &&
             w->ctx->src[p] <= '9')
        p++;
      if (p > a && !(p == a + 1 && w->ctx->src[a] == '1'))
        continue;
      /* a redirect the grammar recovered at the end of the text (`all>`)
       * may end there: nothing is read past it */
      if (p >= w->ctx->len || w->ctx->src[p] != '>')
        continue;
      cmd->out_append = p + 1 < w->ctx->len && w->ctx->src[p + 1] == '>';
      cmd->out_file = fg_xmalloc(sizeof *cmd->out_file);
      *cmd->out_file = sh_make_word(w->ctx, dest);
      break;
    }
    children_end(&it);
    if (cmd->out_file)
      return;
  }
}

static void add_command(Walk *w, TSNode n, FgShellCmdKind kind) {
  TSNode none = {0};
  resolve_pending(w, none, false);
  WordVec assigns = {0}, words = {0};
  if (kind == FG_SHELL_CMD)
    collect_words(w->ctx, n, &assigns, &words);
  else
    collect_decl(w->ctx, n, &assigns, &words);
  FgShellCommand cmd = {0};
  cmd.kind = kind;
  cmd.cond = w->frames.items[w->path.len - 1].base;
  cmd.assigns = assigns.items;
  cmd.nassigns = assigns.len;
  cmd.words = words.items;
  cmd.nwords = words.len;
  cmd.start = ts_node_start_byte(n);
  cmd.end = ts_node_end_byte(n);
  TSNode holder = w->path.items[w->path.len - 2];
  if (kind == FG_SHELL_CMD && strcmp(ts_node_type(holder), "redirected_statement") == 0) {
    recover_dropped_words(w->ctx, holder, &cmd, &words);
    cmd.words = words.items;
    cmd.nwords = words.len;
  }
  if (kind == FG_SHELL_CMD)
    find_output(w, &cmd);
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

/* --- conditions ----------------------------------------------------------- */

static int new_cond(Walk *w, FgShellCondKind kind, int parent, int prev) {
  FgShellCond c = {0};
  c.kind = kind;
  c.parent = parent;
  c.prev = prev;
  c.want = true;
  fg_vec_push(&w->conds, c);
  return (int)w->conds.len - 1;
}

static bool is_test_operator(const char *t) {
  return strcmp(t, "=") == 0 || strcmp(t, "==") == 0 || strcmp(t, "!=") == 0;
}

/* The test of a condition statement, when it is one we read. */
static bool read_test(const Ctx *ctx, TSNode n, FgShellTest *t) {
  memset(t, 0, sizeof *t);
  const char *type = ts_node_type(n);
  if (strcmp(type, "test_command") == 0) {
    size_t a = ts_node_start_byte(n);
    bool dbl = a + 1 < ctx->len && ctx->src[a] == '[' && ctx->src[a + 1] == '[';
    if (ts_node_named_child_count(n) != 1)
      return false;
    TSNode e = ts_node_named_child(n, 0);
    const char *et = ts_node_type(e);
    if (strcmp(et, "binary_expression") == 0) {
      TSNode op = ts_node_child_by_field_name(e, "operator", 8);
      TSNode l = ts_node_child_by_field_name(e, "left", 4);
      TSNode r = ts_node_child_by_field_name(e, "right", 5);
      if (ts_node_is_null(op) || ts_node_is_null(l) || ts_node_is_null(r))
        return false;
      const char *ot = ts_node_type(op);
      if (!is_test_operator(ot))
        return false;
      snprintf(t->op, sizeof t->op, "%s", strcmp(ot, "!=") == 0 ? "!=" : "=");
      t->pattern = dbl;
      t->lhs = sh_make_word(ctx, l);
      t->rhs = sh_make_word(ctx, r);
      return true;
    }
    if (strcmp(et, "unary_expression") == 0 && ts_node_named_child_count(e) == 2) {
      TSNode op = ts_node_named_child(e, 0);
      size_t os = ts_node_start_byte(op), oe = ts_node_end_byte(op);
      if (strcmp(ts_node_type(op), "test_operator") != 0 || oe - os != 2 ||
          (memcmp(ctx->src + os, "-z", 2) != 0 && memcmp(ctx->src + os, "-n", 2) != 0))
        return false;
      memcpy(t->op, ctx->src + os, 2);
      t->op[2] = '\0';
      t->lhs = sh_make_word(ctx, ts_node_named_child(e, 1));
      return true;
    }
    if (!dbl && ts_node_named_child_count(n) == 1 && sh_is_expansion(et)) {
      /* `[ "$X" ]`: true when not empty */
      snprintf(t->op, sizeof t->op, "-n");
      t->lhs = sh_make_word(ctx, e);
      return true;
    }
    return false;
  }
  if (strcmp(type, "command") == 0) {
    WordVec assigns = {0}, words = {0};
    collect_words(ctx, n, &assigns, &words);
    bool ok = false;
    if (!assigns.len && words.len >= 3 && strcmp(words.items[0].text, "test") == 0 &&
        !words.items[0].dynamic) {
      if (words.len == 4 && is_test_operator(words.items[2].text)) {
        snprintf(t->op, sizeof t->op, "%s",
                 strcmp(words.items[2].text, "!=") == 0 ? "!=" : "=");
        t->lhs = words.items[1];
        t->rhs = words.items[3];
        words.items[1] = (FgShellWord){0};
        words.items[3] = (FgShellWord){0};
        ok = true;
      } else if (words.len == 3 && (strcmp(words.items[1].text, "-z") == 0 ||
                                    strcmp(words.items[1].text, "-n") == 0)) {
        snprintf(t->op, sizeof t->op, "%s", words.items[1].text);
        t->lhs = words.items[2];
        words.items[2] = (FgShellWord){0};
        ok = true;
      }
    }
    for (size_t i = 0; i < assigns.len; i++)
      fg_shell_word_free(&assigns.items[i]);
    for (size_t i = 0; i < words.len; i++)
      fg_shell_word_free(&words.items[i]);
    fg_vec_free(&assigns);
    fg_vec_free(&words);
    return ok;
  }
  return false;
}

static int new_test_cond(Walk *w, TSNode test, bool have, int parent, int prev,
                         bool want) {
  int c = new_cond(w, FG_SHELL_COND_TEST, parent, prev);
  FgShellCond *cond = &w->conds.items[c];
  cond->has_test = true;
  cond->want = want;
  if (!have || !read_test(w->ctx, test, &cond->test))
    cond->test.op[0] = '\0'; /* a test we cannot read: unknown */
  return c;
}

static int new_case_cond(Walk *w, const Frame *cs, TSNode item) {
  int c = new_cond(w, FG_SHELL_COND_CASE, cs->base, cs->last_branch);
  FgShellCond *cond = &w->conds.items[c];
  if (cs->has_subject)
    cond->subject = sh_make_word(w->ctx, cs->subject);
  else
    cond->subject.text = fg_xstrdup("");
  WordVec pats = {0};
  TSTreeCursor cur = ts_tree_cursor_new(item);
  for (bool ok = ts_tree_cursor_goto_first_child(&cur); ok;
       ok = ts_tree_cursor_goto_next_sibling(&cur)) {
    const char *field = ts_tree_cursor_current_field_name(&cur);
    if (field && strcmp(field, "value") == 0)
      fg_vec_push(&pats, sh_make_word(w->ctx, ts_tree_cursor_current_node(&cur)));
  }
  ts_tree_cursor_delete(&cur);
  cond = &w->conds.items[c];
  cond->patterns = pats.items;
  cond->npatterns = pats.len;
  return c;
}

/* A node arrives at depth d: its frame, from its parent's. */
static void arrive(Walk *w, TSNode n, size_t d) {
  Frame fr = {0};
  fr.base = -1;
  fr.prev = -1;
  fr.last_branch = -1;
  if (d == 0) {
    fr.child_cond = -1;
    w->frames.items[0] = fr;
    return;
  }
  Frame *pf = &w->frames.items[d - 1];
  const char *ptype = ts_node_type(w->path.items[d - 1]);
  const char *type = ts_node_type(n);
  bool named = ts_node_is_named(n);
  int cond = pf->child_cond;
  bool if_like = strcmp(ptype, "if_statement") == 0 || strcmp(ptype, "elif_clause") == 0;
  if (if_like && !named && strcmp(type, "then") == 0) {
    int prev = strcmp(ptype, "elif_clause") == 0 ? pf->prev : -1;
    int base = pf->base;
    int b = new_test_cond(w, pf->cond_node, pf->ncond_nodes == 1, base, prev, true);
    pf = &w->frames.items[d - 1];
    pf->child_cond = b;
    pf->after_then = true;
    if (strcmp(ptype, "if_statement") == 0)
      pf->last_branch = b;
    else if (d >= 2)
      w->frames.items[d - 2].last_branch = b;
  } else if (if_like && named && !pf->after_then && strcmp(type, "comment") != 0 &&
             strcmp(type, "elif_clause") != 0 && strcmp(type, "else_clause") != 0) {
    pf->cond_node = n;
    pf->ncond_nodes++;
  }
  if (strcmp(ptype, "if_statement") == 0 &&
      (strcmp(type, "elif_clause") == 0 || strcmp(type, "else_clause") == 0)) {
    /* the clause's own statements run when no branch before was taken */
    cond = pf->base;
    int pre = new_cond(w, FG_SHELL_COND_TEST, pf->base, pf->last_branch);
    pf = &w->frames.items[d - 1];
    fr.prev = pf->last_branch;
    fr.base = cond;
    fr.child_cond = pre;
    if (strcmp(type, "else_clause") == 0)
      pf->last_branch = pre;
    w->frames.items[d] = fr;
    return;
  }
  if (strcmp(ptype, "case_statement") == 0 && strcmp(type, "case_item") == 0) {
    int c = new_case_cond(w, pf, n);
    pf = &w->frames.items[d - 1];
    pf->last_branch = c;
    fr.base = pf->base;
    fr.child_cond = c;
    w->frames.items[d] = fr;
    return;
  }
  if (strcmp(ptype, "list") == 0) {
    if (!named && (strcmp(type, "&&") == 0 || strcmp(type, "||") == 0)) {
      snprintf(pf->list_op, sizeof pf->list_op, "%s", type);
    } else if (named && strcmp(type, "comment") != 0) {
      if (pf->list_op[0]) {
        const char *lt = pf->has_left ? ts_node_type(pf->list_left) : "";
        bool is_test = strcmp(lt, "test_command") == 0;
        if (!is_test && strcmp(lt, "command") == 0) {
          FgShellTest probe;
          is_test = read_test(w->ctx, pf->list_left, &probe);
          if (is_test) {
            fg_shell_word_free(&probe.lhs);
            fg_shell_word_free(&probe.rhs);
          }
        }
        if (is_test) {
          int base = pf->base;
          bool want = strcmp(pf->list_op, "&&") == 0;
          TSNode left = pf->list_left;
          cond = new_test_cond(w, left, true, base, -1, want);
        }
      } else {
        pf->list_left = n;
        pf->has_left = true;
      }
    }
  }
  fr.base = cond;
  fr.child_cond = cond;
  if (strcmp(type, "case_statement") == 0) {
    TSNode v = ts_node_child_by_field_name(n, "value", 5);
    fr.has_subject = !ts_node_is_null(v);
    fr.subject = v;
  }
  w->frames.items[d] = fr;
}

/* `for X in ...`: X takes values the walk does not follow. */
static void add_loop_var(Walk *w, TSNode n) {
  TSNode v = ts_node_child_by_field_name(n, "variable", 8);
  if (ts_node_is_null(v))
    return;
  TSNode none = {0};
  resolve_pending(w, none, false);
  size_t a = ts_node_start_byte(v), b = ts_node_end_byte(v);
  FgShellWord *asg = fg_xcalloc(1, sizeof *asg);
  asg->text = fg_xasprintf("%.*s=", (int)(b - a), w->ctx->src + a);
  asg->start = a;
  asg->end = b;
  asg->dynamic = true;
  asg->parts = fg_xcalloc(1, sizeof(FgShellPart));
  asg->nparts = 1;
  asg->parts[0].kind = FG_SHELL_OPAQUE;
  asg->parts[0].text = fg_xstrdup("for ... in");
  FgShellCommand cmd = {0};
  cmd.kind = FG_SHELL_ASSIGN;
  cmd.cond = w->frames.items[w->path.len - 1].base;
  cmd.assigns = asg;
  cmd.nassigns = 1;
  cmd.start = ts_node_start_byte(n);
  cmd.end = b;
  cmd.loop = true;
  cmd.loop_end_byte = ts_node_end_byte(n);
  /* the words after `in`, up to the body (field names of repeated
   * children are not reliable across tree-sitter versions) */
  WordVec items = {0};
  uint32_t nc = ts_node_child_count(n);
  for (uint32_t i = 0; i < nc; i++) {
    TSNode ch = ts_node_child(n, i);
    const char *t = ts_node_type(ch);
    if (!ts_node_is_named(ch)) {
      if (strcmp(t, "in") == 0)
        cmd.loop_in = true;
      else if (cmd.loop_in && (strcmp(t, ";") == 0 || strcmp(t, "do") == 0))
        break;
      continue;
    }
    if (strcmp(t, "do_group") == 0 || strcmp(t, "compound_statement") == 0)
      break;
    if (cmd.loop_in && strcmp(t, "comment") != 0)
      fg_vec_push(&items, sh_make_word(w->ctx, ch));
  }
  cmd.items = items.items;
  cmd.nitems = items.len;
  fg_vec_push(&w->cmds, cmd);
}

static bool is_statement_parent(const char *type) {
  return strcmp(type, "command") != 0 && strcmp(type, "declaration_command") != 0 &&
         strcmp(type, "variable_assignments") != 0 &&
         strcmp(type, "unset_command") != 0 && strcmp(type, "for_statement") != 0;
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
  Frame top = {0};
  fg_vec_push(&w->frames, top);
  arrive(w, root, 0);
  bool arrived = true;
  for (;;) {
    TSNode n = ts_tree_cursor_current_node(&cur);
    if (arrived) {
      const char *type = ts_node_type(n);
      if (w->pending && w->path.len - 1 == w->anchor_depth)
        resolve_pending(w, n, true);
      bool is_cmd = strcmp(type, "command") == 0;
      bool leaf = is_cmd;
      const char *ptype =
          w->path.len > 1 ? ts_node_type(w->path.items[w->path.len - 2]) : "";
      if (is_cmd) {
        add_command(w, n, FG_SHELL_CMD);
      } else if (strcmp(type, "declaration_command") == 0 ||
                 strcmp(type, "unset_command") == 0 ||
                 strcmp(type, "variable_assignments") == 0 ||
                 (strcmp(type, "variable_assignment") == 0 &&
                  is_statement_parent(ptype))) {
        add_command(w, n,
                    strcmp(type, "variable_assignments") == 0 ||
                            strcmp(type, "variable_assignment") == 0
                        ? FG_SHELL_ASSIGN
                        : FG_SHELL_DECL);
        leaf = true;
      } else if (strcmp(type, "for_statement") == 0) {
        add_loop_var(w, n);
      }
      /* a command's children are words: its nested commands would be in
       * substitutions, which are skipped anyway */
      if (!leaf && !skip_subtree(type) && ts_tree_cursor_goto_first_child(&cur)) {
        fg_vec_push(&w->path, ts_tree_cursor_current_node(&cur));
        fg_vec_push(&w->frames, top);
        arrive(w, ts_tree_cursor_current_node(&cur), w->path.len - 1);
        continue;
      }
    }
    if (ts_tree_cursor_goto_next_sibling(&cur)) {
      w->path.items[w->path.len - 1] = ts_tree_cursor_current_node(&cur);
      arrive(w, ts_tree_cursor_current_node(&cur), w->path.len - 1);
      arrived = true;
      continue;
    }
    if (!ts_tree_cursor_goto_parent(&cur))
      break;
    w->path.len--;
    w->frames.len--;
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
  sh_find_regions(&ctx, copy);

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
    fg_vec_free(&w.frames);
    self->conds = w.conds.items;
    self->nconds = w.conds.len;
    find_first_error(root, self);
    self->cmds = w.cmds.items;
    self->ncmds = w.cmds.len;
    /* a loop's body: the commands after its header inside the statement */
    for (size_t i = 0; i < self->ncmds; i++) {
      FgShellCommand *c = &self->cmds[i];
      if (!c->loop)
        continue;
      size_t j = i + 1;
      while (j < self->ncmds && self->cmds[j].start < c->loop_end_byte)
        j++;
      c->body_end = j;
    }
    ts_tree_delete(tree);
  }
  ts_parser_delete(parser);
  free(copy);
  fg_vec_free(&ctx.regions);
  return self;
}

static void free_words(FgShellWord *words, size_t n) {
  for (size_t i = 0; i < n; i++)
    fg_shell_word_free(&words[i]);
  free(words);
}

void fg_shell_delete(FgShellScript *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->ncmds; i++) {
    free_words(self->cmds[i].assigns, self->cmds[i].nassigns);
    free_words(self->cmds[i].words, self->cmds[i].nwords);
    free_words(self->cmds[i].out_file, self->cmds[i].out_file ? 1 : 0);
    free_words(self->cmds[i].items, self->cmds[i].nitems);
  }
  free(self->cmds);
  for (size_t i = 0; i < self->nconds; i++) {
    FgShellCond *c = &self->conds[i];
    fg_shell_word_free(&c->test.lhs);
    fg_shell_word_free(&c->test.rhs);
    fg_shell_word_free(&c->subject);
    free_words(c->patterns, c->npatterns);
  }
  free(self->conds);
  free(self);
}
