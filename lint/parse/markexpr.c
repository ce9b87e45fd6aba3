/* markexpr: see markexpr.h. Follows the behaviour of pytest's
 * src/_pytest/mark/expression.py: the same tokens, grammar, error wording
 * and 1-based columns (in code points). `and` / `or` chains are stored
 * n-ary, so the tree is only as deep as the parentheses and `not`s, and
 * those are capped at FG_MARKEXPR_MAX_DEPTH: parsing, evaluating and
 * printing recurse at most that deep. */
#include "parse/markexpr.h"

#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { FG_MARKEXPR_MAX_DEPTH = 1000 };

#define NONE SIZE_MAX

typedef enum Kind { K_IDENT, K_NOT, K_AND, K_OR } Kind;

typedef struct Node {
  Kind kind;
  char *name;   /* K_IDENT */
  char *kwargs; /* K_IDENT with a call: "(k=1, s='x')" as re-spelled, else NULL */
  size_t first; /* K_NOT: the operand's node; K_AND / K_OR: index into kids */
  size_t n;     /* K_AND / K_OR: number of operands */
} Node;

struct FgMarkExpr {
  FG_VEC(Node) nodes;
  FG_VEC(size_t) kids;
  size_t root; /* NONE for the empty expression */
};

/* --- scanner ------------------------------------------------------------- */

typedef enum Tok {
  T_LPAREN,
  T_RPAREN,
  T_OR,
  T_AND,
  T_NOT,
  T_IDENT,
  T_EOF,
  T_EQUAL,
  T_STRING,
  T_COMMA,
} Tok;

/* pytest's TokenType values, used in "expected X; got Y" */
static const char *tok_name(Tok t) {
  switch (t) {
  case T_LPAREN:
    return "left parenthesis";
  case T_RPAREN:
    return "right parenthesis";
  case T_OR:
    return "or";
  case T_AND:
    return "and";
  case T_NOT:
    return "not";
  case T_IDENT:
    return "identifier";
  case T_EOF:
    return "end of input";
  case T_EQUAL:
    return "=";
  case T_STRING:
    return "str";
  case T_COMMA:
    return ",";
  }
  return "?";
}

typedef struct Parser {
  const char *text;
  size_t len;
  size_t pos; /* where the scanner continues */
  Tok tok;    /* the current token */
  size_t tok_start, tok_len;
  int depth;
  char *err; /* the first error, "at column N: ..." */
  FgMarkExpr *out;
} Parser;

/* 1-based column of byte offset `at`, counting code points as Python does. */
static size_t column(const Parser *p, size_t at) {
  size_t col = 1;
  for (size_t i = 0; i < at; i++) {
    if (((unsigned char)p->text[i] & 0xC0) != 0x80)
      col++;
  }
  return col;
}

static void fail(Parser *p, size_t at, const char *msg) {
  if (!p->err)
    p->err = fg_xasprintf("at column %zu: %s", column(p, at), msg);
}

/* \w (ASCII letters, digits, '_' and, standing in for Unicode word
 * characters, every non-ASCII byte) plus : + - . [ ] \ / */
static bool is_ident_byte(unsigned char c) {
  if (c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z'))
    return true;
  return strchr(":+-.[]\\/", c) != NULL && c != '\0';
}

static bool tok_is(const Parser *p, const char *word) {
  size_t n = strlen(word);
  return p->tok_len == n && memcmp(p->text + p->tok_start, word, n) == 0;
}

/* Scans the next token into p->tok. Like pytest's lazy scanner, a bad
 * character is reported only when the parser reaches it. */
static bool advance(Parser *p) {
  while (p->pos < p->len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t'))
    p->pos++;
  p->tok_start = p->pos;
  p->tok_len = 1;
  if (p->pos >= p->len) {
    p->tok = T_EOF;
    p->tok_len = 0;
    return true;
  }
  char c = p->text[p->pos];
  const char *single = strchr("()=,", c);
  if (single && c != '\0') {
    static const Tok kinds[] = {T_LPAREN, T_RPAREN, T_EQUAL, T_COMMA};
    p->tok = kinds[single - "()=,"];
    p->pos++;
    return true;
  }
  if (c == '\'' || c == '"') {
    const char *close = memchr(p->text + p->pos + 1, c, p->len - p->pos - 1);
    if (!close) {
      char *msg = fg_xasprintf("closing quote \"%c\" is missing", c);
      fail(p, p->pos, msg);
      free(msg);
      return false;
    }
    p->tok_len = (size_t)(close - (p->text + p->pos)) + 1;
    if (memchr(p->text + p->pos, '\\', p->tok_len)) {
      fail(p, p->pos, "escaping not supported in marker expression");
      return false;
    }
    p->tok = T_STRING;
    p->pos += p->tok_len;
    return true;
  }
  size_t end = p->pos;
  while (end < p->len && is_ident_byte((unsigned char)p->text[end]))
    end++;
  if (end == p->pos) {
    char *msg = fg_xasprintf("unexpected character \"%c\"", c);
    fail(p, p->pos, msg);
    free(msg);
    return false;
  }
  p->tok_len = end - p->pos;
  p->pos = end;
  p->tok = T_IDENT;
  if (tok_is(p, "or"))
    p->tok = T_OR;
  else if (tok_is(p, "and"))
    p->tok = T_AND;
  else if (tok_is(p, "not"))
    p->tok = T_NOT;
  return true;
}

/* Consumes the current token when it is `t`. Sets *ok to false on a
 * scanning error after it. */
static bool accept(Parser *p, Tok t, bool *ok) {
  if (p->tok != t)
    return false;
  if (t != T_EOF && !advance(p))
    *ok = false;
  return true;
}

static void reject(Parser *p, const Tok *expected, size_t n) {
  FgBuf msg = {0};
  fg_buf_puts(&msg, "expected ");
  for (size_t i = 0; i < n; i++)
    fg_buf_printf(&msg, "%s%s", i ? " OR " : "", tok_name(expected[i]));
  fg_buf_printf(&msg, "; got %s", tok_name(p->tok));
  fail(p, p->tok_start, msg.data);
  fg_buf_free(&msg);
}

/* accept(t) or fail with "expected t; got ..." */
static bool expect(Parser *p, Tok t) {
  bool ok = true;
  if (accept(p, t, &ok))
    return ok;
  reject(p, &t, 1);
  return false;
}

/* --- parser -------------------------------------------------------------- */

static size_t add_node(Parser *p, Node n) {
  fg_vec_push(&p->out->nodes, n);
  return p->out->nodes.len - 1;
}

static bool is_python_identifier(const char *s, size_t n) {
  if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!(c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
          (c >= 'A' && c <= 'Z')))
      return false;
  }
  return true;
}

static bool is_python_keyword(const char *s, size_t n) {
  static const char *const kw[] = {
      "False",  "None",   "True",    "and",      "as",       "assert", "async",
      "await",  "break",  "class",   "continue", "def",      "del",    "elif",
      "else",   "except", "finally", "for",      "from",     "global", "if",
      "import", "in",     "is",      "lambda",   "nonlocal", "not",    "or",
      "pass",   "raise",  "return",  "try",      "while",    "with",   "yield"};
  for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
    if (strlen(kw[i]) == n && memcmp(kw[i], s, n) == 0)
      return true;
  }
  return false;
}

static bool is_int_literal(const char *s, size_t n) {
  size_t i = (n > 1 && s[0] == '-') ? 1 : 0;
  if (i == n)
    return false;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
  }
  return true;
}

static bool bad_token(Parser *p, size_t start, size_t len) {
  char *msg = fg_xasprintf("unexpected character/s \"%.*s\"", (int)len, p->text + start);
  fail(p, start, msg);
  free(msg);
  return false;
}

/* name '=' value, appended to `out` as written ("k=1", "s='x'"). The value
 * is only checked, not kept for matching (see fg_markexpr_match_marks). */
static bool single_kwarg(Parser *p, FgBuf *out) {
  size_t name_start = p->tok_start, name_len = p->tok_len;
  if (!expect(p, T_IDENT))
    return false;
  if (!is_python_identifier(p->text + name_start, name_len) ||
      is_python_keyword(p->text + name_start, name_len))
    return bad_token(p, name_start, name_len);
  if (!expect(p, T_EQUAL))
    return false;
  size_t value_start = p->tok_start, value_len = p->tok_len;
  bool ok = true;
  if (!accept(p, T_STRING, &ok)) {
    if (!expect(p, T_IDENT))
      return false;
    const char *v = p->text + value_start;
    if (!is_int_literal(v, value_len) && !(value_len == 4 && memcmp(v, "True", 4) == 0) &&
        !(value_len == 5 && memcmp(v, "False", 5) == 0) &&
        !(value_len == 4 && memcmp(v, "None", 4) == 0))
      return bad_token(p, value_start, value_len);
  }
  fg_buf_printf(out, "%.*s=%.*s", (int)name_len, p->text + name_start, (int)value_len,
                p->text + value_start);
  return ok;
}

static size_t parse_or(Parser *p);

/* ident ['(' kwargs ')'] */
static size_t parse_ident(Parser *p) {
  Node n = {.kind = K_IDENT, .first = NONE};
  n.name = fg_xstrndup(p->text + p->tok_start, p->tok_len);
  size_t idx = add_node(p, n); /* owned by the tree from here on */
  bool ok = true;
  accept(p, T_IDENT, &ok);
  if (!ok)
    return NONE;
  if (!accept(p, T_LPAREN, &ok))
    return idx;
  if (!ok)
    return NONE;
  FgBuf kw = {0};
  fg_buf_putc(&kw, '(');
  bool good = single_kwarg(p, &kw);
  while (good && accept(p, T_COMMA, &good)) {
    if (good) {
      fg_buf_puts(&kw, ", ");
      good = single_kwarg(p, &kw);
    }
  }
  fg_buf_putc(&kw, ')');
  p->out->nodes.items[idx].kwargs = fg_buf_take(&kw);
  if (!good || !expect(p, T_RPAREN))
    return NONE;
  return idx;
}

/* 'not' not_expr | '(' expr ')' | ident kwargs? */
static size_t parse_not(Parser *p) {
  static const Tok expected[] = {T_NOT, T_LPAREN, T_IDENT};
  bool ok = true;
  size_t result = NONE;
  if (++p->depth > FG_MARKEXPR_MAX_DEPTH) {
    char *msg =
        fg_xasprintf("expression nested more than %d levels deep", FG_MARKEXPR_MAX_DEPTH);
    fail(p, p->tok_start, msg);
    free(msg);
  } else if (accept(p, T_NOT, &ok)) {
    size_t operand = ok ? parse_not(p) : NONE;
    if (operand != NONE)
      result = add_node(p, (Node){.kind = K_NOT, .first = operand});
  } else if (accept(p, T_LPAREN, &ok)) {
    size_t inner = ok ? parse_or(p) : NONE;
    if (inner != NONE && expect(p, T_RPAREN))
      result = inner;
  } else if (p->tok == T_IDENT) {
    result = parse_ident(p);
  } else {
    reject(p, expected, sizeof expected / sizeof expected[0]);
  }
  p->depth--;
  return result;
}

typedef size_t (*ParseFn)(Parser *);

/* operand (op operand)*, as one n-ary node when there are several */
static size_t parse_chain(Parser *p, Tok op, Kind kind, ParseFn operand) {
  FG_VEC(size_t) items = {0};
  size_t first = operand(p);
  if (first == NONE)
    return NONE;
  fg_vec_push(&items, first);
  bool ok = true;
  while (accept(p, op, &ok)) {
    size_t next = ok ? operand(p) : NONE;
    if (next == NONE) {
      fg_vec_free(&items);
      return NONE;
    }
    fg_vec_push(&items, next);
  }
  if (!ok) {
    fg_vec_free(&items);
    return NONE;
  }
  if (items.len == 1) {
    fg_vec_free(&items);
    return first;
  }
  Node n = {.kind = kind, .first = p->out->kids.len, .n = items.len};
  for (size_t i = 0; i < items.len; i++)
    fg_vec_push(&p->out->kids, items.items[i]);
  fg_vec_free(&items);
  return add_node(p, n);
}

static size_t parse_and(Parser *p) {
  return parse_chain(p, T_AND, K_AND, parse_not);
}

static size_t parse_or(Parser *p) {
  return parse_chain(p, T_OR, K_OR, parse_and);
}

FgMarkExpr *fg_markexpr_parse(const char *text, char **err) {
  FgMarkExpr *self = fg_xcalloc(1, sizeof *self);
  self->root = NONE;
  Parser p = {.text = text, .len = strlen(text), .out = self};
  bool ok = advance(&p);
  if (ok && p.tok != T_EOF) {
    self->root = parse_or(&p);
    ok = self->root != NONE && expect(&p, T_EOF);
  }
  if (!ok) {
    if (err)
      *err = p.err ? p.err : fg_xstrdup("invalid expression");
    else
      free(p.err);
    fg_markexpr_delete(self);
    return NULL;
  }
  return self;
}

void fg_markexpr_delete(FgMarkExpr *self) {
  if (!self)
    return;
  for (size_t i = 0; i < self->nodes.len; i++) {
    free(self->nodes.items[i].name);
    free(self->nodes.items[i].kwargs);
  }
  fg_vec_free(&self->nodes);
  fg_vec_free(&self->kids);
  free(self);
}

bool fg_markexpr_has_call(const FgMarkExpr *self) {
  for (size_t i = 0; i < self->nodes.len; i++) {
    if (self->nodes.items[i].kwargs)
      return true;
  }
  return false;
}

/* --- evaluation ---------------------------------------------------------- */

typedef bool (*IdentFn)(const char *name, const char *const *names, size_t n);

static bool eval(const FgMarkExpr *self, size_t idx, IdentFn ident,
                 const char *const *names, size_t n) {
  const Node *node = &self->nodes.items[idx];
  switch (node->kind) {
  case K_IDENT:
    return ident(node->name, names, n);
  case K_NOT:
    return !eval(self, node->first, ident, names, n);
  case K_AND:
  case K_OR:
    for (size_t i = 0; i < node->n; i++) {
      bool v = eval(self, self->kids.items[node->first + i], ident, names, n);
      if (v == (node->kind == K_OR))
        return v; /* short circuit: true for or, false for and */
    }
    return node->kind == K_AND;
  }
  return false;
}

static bool mark_present(const char *name, const char *const *marks, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(name, marks[i]) == 0)
      return true;
  }
  return false;
}

/* Case-insensitive for ASCII only: pytest lowers with str.lower(), which
 * also folds non-ASCII letters. */
static bool contains_nocase(const char *hay, const char *needle) {
  size_t nl = strlen(needle);
  for (const char *h = hay; *h || nl == 0; h++) {
    size_t i = 0;
    while (i < nl && h[i]) {
      unsigned char a = (unsigned char)h[i], b = (unsigned char)needle[i];
      if (a >= 'A' && a <= 'Z')
        a = (unsigned char)(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z')
        b = (unsigned char)(b - 'A' + 'a');
      if (a != b)
        break;
      i++;
    }
    if (i == nl)
      return true;
  }
  return false;
}

static bool keyword_present(const char *name, const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (contains_nocase(names[i], name))
      return true;
  }
  return false;
}

/* `marker(k=v)` is treated as `marker`: forkguard does not know the
 * arguments a test's markers carry, so this over-approximates pytest, which
 * also requires each k=v to equal the marker's keyword argument. */
bool fg_markexpr_match_marks(const FgMarkExpr *self, const char *const *marks, size_t n) {
  if (self->root == NONE)
    return true;
  return eval(self, self->root, mark_present, marks, n);
}

/* pytest refuses call parameters in -k ("Keyword expressions do not support
 * call parameters"); here `name(...)` matches as `name` would, and callers
 * that care ask fg_markexpr_has_call. */
bool fg_markexpr_match_keywords(const FgMarkExpr *self, const char *const *names,
                                size_t n) {
  if (self->root == NONE)
    return true;
  return eval(self, self->root, keyword_present, names, n);
}

/* --- printing ------------------------------------------------------------ */

static int precedence(Kind k) {
  switch (k) {
  case K_OR:
    return 1;
  case K_AND:
    return 2;
  case K_NOT:
    return 3;
  case K_IDENT:
    return 4;
  }
  return 4;
}

/* Parentheses only where an operand binds looser than its operator. */
static void print_node(const FgMarkExpr *self, size_t idx, int min_prec, FgBuf *out) {
  const Node *node = &self->nodes.items[idx];
  bool parens = precedence(node->kind) < min_prec;
  if (parens)
    fg_buf_putc(out, '(');
  switch (node->kind) {
  case K_IDENT:
    fg_buf_puts(out, node->name);
    if (node->kwargs)
      fg_buf_puts(out, node->kwargs);
    break;
  case K_NOT:
    fg_buf_puts(out, "not ");
    print_node(self, node->first, precedence(K_NOT), out);
    break;
  case K_AND:
  case K_OR:
    for (size_t i = 0; i < node->n; i++) {
      if (i)
        fg_buf_puts(out, node->kind == K_AND ? " and " : " or ");
      /* `a and (b and c)` needs no parentheses either: and / or associate */
      print_node(self, self->kids.items[node->first + i], precedence(node->kind), out);
    }
    break;
  }
  if (parens)
    fg_buf_putc(out, ')');
}

char *fg_markexpr_to_string(const FgMarkExpr *self) {
  FgBuf out = {0};
  if (self->root != NONE)
    print_node(self, self->root, 0, &out);
  return fg_buf_take(&out);
}
