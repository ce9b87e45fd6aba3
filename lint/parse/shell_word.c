/* shell_word: `${{ }}` regions and word values for parse/shell.c. A word's
 * value is built by a flat scan of its bytes, whose own nesting is at most
 * concatenation > string > expansion. */
#include "parse/shell_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- `${{ ... }}` regions ------------------------------------------------ */

/* GitHub substitutes `${{ }}` before the shell runs, so the shell grammar
 * must not see it: `"${{ a }}"` would otherwise be a bad parameter
 * expansion. The parser gets a copy where each region is a run of 'x'
 * (newlines kept, so every offset is unchanged). */
void sh_find_regions(Ctx *ctx, char *copy) {
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

static void wo_flush(WordOut *o) {
  if (!o->lit_open)
    return;
  FgShellPart p = {FG_SHELL_LIT, fg_buf_take(&o->lit), o->lit_quoted, "", NULL};
  fg_vec_push(&o->parts, p);
  o->lit_open = false;
}

/* Opens a literal part even when no byte follows (`""` is one empty field). */
static void wo_lit_open(WordOut *o, bool quoted) {
  if (o->lit_open && o->lit_quoted != quoted)
    wo_flush(o);
  o->lit_open = true;
  o->lit_quoted = quoted;
}

static void wo_lit(WordOut *o, char c, bool quoted) {
  fg_buf_putc(&o->text, c);
  wo_lit_open(o, quoted);
  fg_buf_putc(&o->lit, c);
}

static void wo_part(WordOut *o, FgShellPartKind kind, const char *spell, size_t n,
                    bool quoted) {
  fg_buf_append(&o->text, spell, n);
  o->dynamic = true;
  wo_flush(o);
  FgShellPart p = {kind, fg_xstrndup(spell, n), quoted, "", NULL};
  fg_vec_push(&o->parts, p);
}

static void put_ansi_escape(WordOut *o, char c) {
  switch (c) {
  case 'n':
    wo_lit(o, '\n', true);
    break;
  case 't':
    wo_lit(o, '\t', true);
    break;
  case 'r':
    wo_lit(o, '\r', true);
    break;
  case '\\':
  case '\'':
  case '"':
    wo_lit(o, c, true);
    break;
  default: /* \xHH, \0NNN, \e...: kept as written */
    wo_lit(o, '\\', true);
    wo_lit(o, c, true);
    break;
  }
}

/* Appends the value of bytes [a, b) read in `mode`. */
void sh_unquote_range(const Ctx *ctx, size_t a, size_t b, Mode mode, WordOut *o) {
  bool quoted = mode != MODE_BARE;
  size_t i = a;
  while (i < b) {
    size_t rend = region_end_at(ctx, i);
    if (rend) {
      size_t stop = rend < b ? rend : b;
      wo_part(o, FG_SHELL_OPAQUE, ctx->src + i, stop - i, quoted);
      i = stop;
      continue;
    }
    char c = ctx->src[i];
    if (c != '\\' || mode == MODE_RAW || i + 1 >= b) {
      wo_lit(o, c, quoted);
      i++;
      continue;
    }
    char n = ctx->src[i + 1];
    if (n == '\n') {
      /* a line continuation is not part of the value */
    } else if (mode == MODE_BARE) {
      wo_lit(o, n, true); /* a quoted byte */
    } else if (mode == MODE_DQ) {
      if (n != '"' && n != '\\' && n != '$' && n != '`')
        wo_lit(o, '\\', true);
      wo_lit(o, n, true);
    } else {
      put_ansi_escape(o, n);
    }
    i += 2;
  }
}

bool sh_is_expansion(const char *type) {
  return strcmp(type, "simple_expansion") == 0 || strcmp(type, "expansion") == 0 ||
         strcmp(type, "command_substitution") == 0 ||
         strcmp(type, "arithmetic_expansion") == 0 ||
         strcmp(type, "process_substitution") == 0;
}

/* The value of an operator's argument in `${X:-arg}` when it holds no
 * expansion: quotes removed; NULL otherwise. */
static char *literal_arg(const char *s, size_t n) {
  FgBuf b = {0};
  char q = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '$' || c == '`') {
      fg_buf_free(&b);
      return NULL;
    }
    if (q) {
      if (c == q)
        q = 0;
      else
        fg_buf_putc(&b, c);
    } else if (c == '\'' || c == '"') {
      q = c;
    } else if (c == '\\' && i + 1 < n) {
      fg_buf_putc(&b, s[++i]);
    } else {
      fg_buf_putc(&b, c);
    }
  }
  return fg_buf_take(&b);
}

/* `$X`, `${X}`, `${X:-w}`: a PARAM part; anything else an OPAQUE one. */
static void put_expansion(const Ctx *ctx, TSNode n, WordOut *o, bool quoted) {
  uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  const char *type = ts_node_type(n);
  const char *spell = ctx->src + a;
  size_t len = b - a;
  bool simple = strcmp(type, "simple_expansion") == 0;
  if (strcmp(type, "command_substitution") == 0) {
    /* $(...) or `...`: the script inside, for callers that can run it */
    size_t open = spell[0] == '`' ? 1 : 2;
    size_t close = len >= open + 1 ? 1 : 0;
    fg_buf_append(&o->text, spell, len);
    o->dynamic = true;
    wo_flush(o);
    FgShellPart part = {
        FG_SHELL_CMDSUB,
        fg_xstrndup(spell + open, len >= open + close ? len - open - close : 0), quoted,
        "", NULL};
    fg_vec_push(&o->parts, part);
    return;
  }
  if (!simple && strcmp(type, "expansion") != 0) {
    wo_part(o, FG_SHELL_OPAQUE, spell, len, quoted);
    return;
  }
  /* the name right after `$` or `${` */
  size_t p = simple ? 1 : 2;
  if (p >= len) {
    wo_part(o, FG_SHELL_OPAQUE, spell, len, quoted);
    return;
  }
  size_t nb = p;
  if (spell[p] == '@' || spell[p] == '*' || spell[p] == '#' || spell[p] == '?' ||
      spell[p] == '$' || spell[p] == '!' || (spell[p] >= '0' && spell[p] <= '9')) {
    p++;
  } else {
    while (p < len &&
           (spell[p] == '_' || (spell[p] >= 'a' && spell[p] <= 'z') ||
            (spell[p] >= 'A' && spell[p] <= 'Z') || (spell[p] >= '0' && spell[p] <= '9')))
      p++;
  }
  size_t ne = p;
  char op[3] = "";
  char *arg = NULL;
  bool ok = ne > nb;
  if (ok && !simple) {
    /* `${` name [op arg] `}` */
    if (spell[len - 1] != '}' || (nb == 2 && spell[2] == '#' && ne - nb == 1 && len > 4))
      ok = false; /* ${#X}: a length */
    size_t q = ne;
    if (ok && q < len - 1) {
      size_t ol = spell[q] == ':' ? 2 : 1;
      char c = spell[q + ol - 1];
      if ((spell[q] == '#' || spell[q] == '%') && ol == 1) {
        /* ${X#p} ${X##p} ${X%p} ${X%%p}: a prefix or suffix removed */
        ol = spell[q + 1] == spell[q] ? 2 : 1;
        c = '-';
      }
      if ((c == '-' || c == '+' || c == '=') && q + ol <= len - 1) {
        memcpy(op, spell + q, ol);
        op[ol] = '\0';
        arg = literal_arg(spell + q + ol, len - 1 - q - ol);
        ok = arg != NULL;
      } else {
        ok = false; /* ${X/a/b}, ${X:1}, ${X^^}: not modelled */
      }
    }
  }
  if (!ok) {
    free(arg);
    wo_part(o, FG_SHELL_OPAQUE, spell, len, quoted);
    return;
  }
  fg_buf_append(&o->text, spell, len);
  o->dynamic = true;
  wo_flush(o);
  FgShellPart part = {FG_SHELL_PARAM, fg_xstrndup(spell + nb, ne - nb), quoted, "", arg};
  memcpy(part.op, op, sizeof op);
  fg_vec_push(&o->parts, part);
}

/* [a, b) read in `mode`, except that the expansions among n's named
 * children become parts of their own and make the word dynamic. */
static void unquote_around_children(const Ctx *ctx, TSNode n, size_t a, size_t b,
                                    Mode mode, WordOut *o) {
  size_t pos = a;
  Children it = children_begin(n);
  for (; it.ok; children_next(&it)) {
    TSNode child = children_node(&it);
    if (!sh_is_expansion(ts_node_type(child)))
      continue;
    size_t cs = ts_node_start_byte(child), ce = ts_node_end_byte(child);
    if (cs < pos || ce > b)
      continue;
    sh_unquote_range(ctx, pos, cs, mode, o);
    if (region_end_at(ctx, cs))
      sh_unquote_range(ctx, cs, ce, mode, o); /* a `${{ }}` the grammar misread */
    else
      put_expansion(ctx, child, o, mode != MODE_BARE);
    pos = ce;
  }
  children_end(&it);
  sh_unquote_range(ctx, pos, b, mode, o);
}

/* Strips `open` bytes of opening quote and one closing quote when present. */
static void quoted_piece(const Ctx *ctx, TSNode n, size_t open, Mode mode, WordOut *o) {
  size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  if (b - a < open) {
    sh_unquote_range(ctx, a, b, MODE_RAW, o);
    return;
  }
  char close = ctx->src[a + open - 1];
  a += open;
  if (b > a && ctx->src[b - 1] == close && region_end_at(ctx, b - 1) == 0)
    b--;
  wo_lit_open(o, true);
  unquote_around_children(ctx, n, a, b, mode, o);
}

/* One piece of a word (never a concatenation). */
static void word_piece(const Ctx *ctx, TSNode n, WordOut *o) {
  const char *type = ts_node_type(n);
  size_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  if (sh_is_expansion(type) && !region_end_at(ctx, a)) {
    put_expansion(ctx, n, o, false);
  } else if (strcmp(type, "raw_string") == 0 && ctx->src[a] == '\'') {
    quoted_piece(ctx, n, 1, MODE_RAW, o);
  } else if (strcmp(type, "string") == 0 && ctx->src[a] == '"') {
    quoted_piece(ctx, n, 1, MODE_DQ, o);
  } else if (strcmp(type, "translated_string") == 0 && b - a >= 2) {
    quoted_piece(ctx, n, 2, MODE_DQ, o);
  } else if (strcmp(type, "ansi_c_string") == 0 && b - a >= 2) {
    quoted_piece(ctx, n, 2, MODE_ANSI, o);
  } else {
    /* word, number, and anything else: bare text, backslashes quoting */
    unquote_around_children(ctx, n, a, b, MODE_BARE, o);
  }
}

static void word_value(const Ctx *ctx, TSNode n, WordOut *o) {
  if (strcmp(ts_node_type(n), "concatenation") != 0) {
    word_piece(ctx, n, o);
    return;
  }
  size_t pos = ts_node_start_byte(n);
  Children it = children_begin(n);
  for (; it.ok; children_next(&it)) {
    TSNode child = children_node(&it);
    sh_unquote_range(ctx, pos, ts_node_start_byte(child), MODE_BARE, o);
    word_piece(ctx, child, o);
    pos = ts_node_end_byte(child);
  }
  children_end(&it);
  sh_unquote_range(ctx, pos, ts_node_end_byte(n), MODE_BARE, o);
}

void sh_word_finish(WordOut *o, FgShellWord *w) {
  wo_flush(o);
  fg_buf_free(&o->lit);
  w->text = fg_buf_take(&o->text);
  w->dynamic = o->dynamic;
  w->parts = o->parts.items;
  w->nparts = o->parts.len;
}

FgShellWord sh_make_word(const Ctx *ctx, TSNode n) {
  WordOut o = {0};
  FgShellWord w = {0};
  w.start = ts_node_start_byte(n);
  w.end = ts_node_end_byte(n);
  word_value(ctx, n, &o);
  sh_word_finish(&o, &w);
  return w;
}

/* `FOO=1`, `BAR="a b"` -> "BAR=a b": the name and operator as written, the
 * value unquoted; the parts are the value's. */
FgShellWord sh_make_assign(const Ctx *ctx, TSNode n) {
  WordOut o = {0};
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
      if (after_op) {
        fg_buf_append(&o.text, ctx->src + pos, ts_node_end_byte(child) - pos);
        pos = ts_node_end_byte(child);
      }
      continue;
    }
    sh_unquote_range(ctx, pos, ts_node_start_byte(child), MODE_BARE, &o);
    word_value(ctx, child, &o);
    pos = ts_node_end_byte(child);
  }
  children_end(&it);
  if (!after_op) {
    fg_buf_append(&o.text, ctx->src + pos, w.end - pos);
    pos = w.end;
  }
  sh_unquote_range(ctx, pos, w.end, MODE_BARE, &o);
  sh_word_finish(&o, &w);
  return w;
}

void fg_shell_word_free(FgShellWord *w) {
  free(w->text);
  for (size_t i = 0; i < w->nparts; i++) {
    free(w->parts[i].text);
    free(w->parts[i].arg);
  }
  free(w->parts);
  memset(w, 0, sizeof *w);
}

FgShellWord fg_shell_word_copy(const FgShellWord *w) {
  FgShellWord c = *w;
  c.text = w->text ? fg_xstrdup(w->text) : NULL;
  c.parts = w->nparts ? fg_xcalloc(w->nparts, sizeof *c.parts) : NULL;
  for (size_t i = 0; i < w->nparts; i++) {
    c.parts[i] = w->parts[i];
    c.parts[i].text = fg_xstrdup(w->parts[i].text);
    c.parts[i].arg = w->parts[i].arg ? fg_xstrdup(w->parts[i].arg) : NULL;
  }
  return c;
}

const char *fg_shell_expansion_end(const char *s) {
  if (s[0] != '$')
    return NULL;
  if (s[1] == '{' && s[2] == '{') {
    const char *e = strstr(s + 3, "}}");
    return e ? e + 2 : NULL;
  }
  if (s[1] == '{' || s[1] == '(') {
    char open = s[1], close = open == '{' ? '}' : ')';
    int depth = 0;
    for (const char *c = s + 1; *c; c++) {
      if (*c == open)
        depth++;
      else if (*c == close && --depth == 0)
        return c + 1;
    }
    return NULL;
  }
  const char *c = s + 1;
  while (*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
         (*c >= '0' && *c <= '9'))
    c++;
  return c > s + 1 ? c : NULL;
}
