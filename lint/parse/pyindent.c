#include "parse/pyindent.h"

#include <string.h>

#define FG_PYINDENT_MAX 1024 /* deeper than CPython's 100: left to the parser */

typedef struct Level {
  size_t col;    /* tabs to multiples of 8 */
  size_t altcol; /* tabs as one column: must order the same way */
} Level;

typedef struct Scan {
  const char *d;
  size_t len, i;
  int depth;         /* open brackets */
  char last;         /* last significant character of the logical line */
  bool continuation; /* the physical line goes on after a backslash */
} Scan;

static bool is_name_char(char c) {
  unsigned char u = (unsigned char)c;
  return c == '_' || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
         (u >= '0' && u <= '9') || u >= 0x80;
}

static bool is_prefix(char c) {
  return strchr("rRbBuUfF", c) != NULL;
}

/* Skips a string starting at its quote; false when it cannot be followed. */
static bool skip_string(Scan *s) {
  char q = s->d[s->i];
  bool triple = s->i + 2 < s->len && s->d[s->i + 1] == q && s->d[s->i + 2] == q;
  s->i += triple ? 3 : 1;
  while (s->i < s->len) {
    char c = s->d[s->i];
    if (c == '\\') {
      s->i += 2;
      continue;
    }
    if (c == '\n' && !triple)
      return false;
    if (c == q &&
        (!triple || (s->i + 2 < s->len && s->d[s->i + 1] == q && s->d[s->i + 2] == q))) {
      s->i += triple ? 3 : 1;
      return true;
    }
    s->i++;
  }
  return false;
}

/* Scans the rest of one physical line (tokens, strings, brackets) up to
 * and past its line break. False when unsure. */
static bool scan_line(Scan *s) {
  s->continuation = false;
  while (s->i < s->len) {
    char c = s->d[s->i];
    if (c == '\n') {
      s->i++;
      return true;
    }
    if (c == '#') {
      while (s->i < s->len && s->d[s->i] != '\n')
        s->i++;
      continue;
    }
    if (c == '\\' && s->i + 1 < s->len &&
        (s->d[s->i + 1] == '\n' ||
         (s->d[s->i + 1] == '\r' && s->i + 2 < s->len && s->d[s->i + 2] == '\n'))) {
      s->i += s->d[s->i + 1] == '\r' ? 3 : 2;
      s->continuation = true;
      return true;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
      s->i++;
      continue;
    }
    if (c == '"' || c == '\'') {
      if (!skip_string(s))
        return false;
      s->last = 'x';
      continue;
    }
    if (is_prefix(c)) { /* a name, or a string prefix */
      size_t k = s->i;
      while (k < s->len && k - s->i < 3 && is_prefix(s->d[k]))
        k++;
      bool name_before = s->i > 0 && is_name_char(s->d[s->i - 1]);
      if (!name_before && k < s->len && (s->d[k] == '"' || s->d[k] == '\'')) {
        s->i = k;
        if (!skip_string(s))
          return false;
        s->last = 'x';
        continue;
      }
    }
    if (c == '(' || c == '[' || c == '{')
      s->depth++;
    else if (c == ')' || c == ']' || c == '}')
      s->depth = s->depth > 0 ? s->depth - 1 : 0;
    s->last = c;
    s->i++;
  }
  return true;
}

bool fg_pyindent_check(const char *data, size_t len, size_t *offset,
                       const char **message) {
  Scan s = {data, len, 0, 0, 0, false};
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    s.i = 3;
  static _Thread_local Level stack[FG_PYINDENT_MAX + 1];
  stack[0].col = stack[0].altcol = 0;
  size_t top = 0;
  bool expect = false; /* the last logical line opened a block */
  bool in_logical = false;
  while (s.i < len) {
    if (!in_logical) {
      /* a logical line starts: measure its indentation */
      Level lv = {0, 0};
      size_t k = s.i;
      for (; k < len; k++) {
        char c = data[k];
        if (c == ' ') {
          lv.col++;
          lv.altcol++;
        } else if (c == '\t') {
          lv.col = (lv.col / 8 + 1) * 8;
          lv.altcol++;
        } else if (c == '\f') {
          lv.col = lv.altcol = 0;
        } else {
          break;
        }
      }
      bool blank = k >= len || data[k] == '\n' || data[k] == '#' ||
                   (data[k] == '\r' && (k + 1 >= len || data[k + 1] == '\n'));
      if (!blank) {
        const Level *t = &stack[top];
        *offset = k;
        if (lv.col > t->col) {
          if (!expect) {
            *message = "unexpected indent (IndentationError)";
            return false;
          }
          if (top == FG_PYINDENT_MAX)
            return true;
          if (lv.altcol <= t->altcol) {
            *message = "inconsistent use of tabs and spaces in indentation (TabError)";
            return false;
          }
          stack[++top] = lv;
        } else {
          if (lv.col == t->col && lv.altcol != t->altcol) {
            *message = "inconsistent use of tabs and spaces in indentation (TabError)";
            return false;
          }
          if (expect) {
            *message = "expected an indented block (IndentationError)";
            return false;
          }
          while (top > 0 && lv.col < stack[top].col)
            top--;
          if (lv.col != stack[top].col) {
            *message = "unindent does not match any outer indentation level "
                       "(IndentationError)";
            return false;
          }
          if (lv.altcol != stack[top].altcol) {
            *message = "inconsistent use of tabs and spaces in indentation (TabError)";
            return false;
          }
        }
        in_logical = true;
        s.last = 0;
        expect = false;
      }
      s.i = k;
      if (blank) {
        while (s.i < len && data[s.i] != '\n')
          s.i++;
        s.i += s.i < len;
        continue;
      }
    }
    if (!scan_line(&s))
      return true; /* a string it cannot follow: leave it to the parser */
    if (s.depth == 0 && !s.continuation) {
      in_logical = false;
      expect = s.last == ':';
    }
  }
  if (expect && in_logical == false) {
    *offset = len;
    *message = "expected an indented block (IndentationError)";
    return false;
  }
  return true;
}
