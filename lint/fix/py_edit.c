#include "fix/py_edit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- lines ------------------------------------------------------------------ */

static size_t pe_line_start(const FgSource *src, size_t off) {
  while (off > 0 && src->data[off - 1] != '\n')
    off--;
  return off;
}

/* Just past the line break of the line holding off. */
static size_t pe_line_end(const FgSource *src, size_t off) {
  while (off < src->len && src->data[off] != '\n')
    off++;
  return off < src->len ? off + 1 : off;
}

/* The first byte of the line at off that is not a blank. */
static size_t pe_skip_blanks(const FgSource *src, size_t off) {
  while (off < src->len && (src->data[off] == ' ' || src->data[off] == '\t'))
    off++;
  return off;
}

static bool pe_blank_line(const FgSource *src, size_t off) {
  size_t q = pe_skip_blanks(src, off);
  return q >= src->len || src->data[q] == '\n' || src->data[q] == '\r';
}

static bool pe_comment_line(const FgSource *src, size_t off) {
  size_t q = pe_skip_blanks(src, off);
  return q < src->len && src->data[q] == '#';
}

static size_t pe_bom(const FgSource *src) {
  return src->bom ? 3 : 0;
}

/* ---- the import block --------------------------------------------------------- */

typedef struct PeImport {
  const FgPyImport *im; /* the first name of the statement */
  FgImportSection section;
  bool from;
  size_t start, end; /* the statement's line(s), end past the line break */
  size_t above;      /* where comment lines attached above it start */
} PeImport;

typedef FG_VEC(PeImport) PeImports;

/* The statements of the module's first import block, in file order: the
 * module-level imports at column 0 from the first one on, through blank and
 * comment lines, up to the first other statement. */
static void pe_block(const FgStyle *style, const FgPyModule *py, PeImports *out) {
  const FgSource *src = py->src;
  FG_VEC(const FgPyImport *) top = {0};
  for (size_t i = 0; i < py->nimports; i++) {
    const FgPyImport *im = &py->imports[i];
    size_t ls = pe_line_start(src, im->span.start);
    if (ls < pe_bom(src))
      ls = pe_bom(src);
    if (im->in_function || ls != im->span.start)
      continue;
    if (top.len && top.items[top.len - 1]->span.start == im->span.start)
      continue; /* `from a import b, c`: one statement */
    fg_vec_push(&top, im);
  }
  size_t pos = top.len ? top.items[0]->span.start : 0;
  size_t k = 0;
  while (k < top.len && pos < src->len) {
    if (pos == top.items[k]->span.start) {
      const FgPyImport *im = top.items[k];
      size_t above = pos;
      while (out->len && above > out->items[out->len - 1].end &&
             pe_comment_line(src, pe_line_start(src, above - 1)))
        above = pe_line_start(src, above - 1);
      PeImport e = {im,
                    fg_style_section(style, im->module, im->level),
                    im->name != NULL,
                    pos,
                    pe_line_end(src, im->span.end),
                    above};
      fg_vec_push(out, e);
      pos = e.end;
      k++;
      while (k < top.len && top.items[k]->span.start < pos)
        k++; /* `import a; import b` on one line */
      continue;
    }
    if (pe_blank_line(src, pos) || pe_comment_line(src, pos)) {
      pos = pe_line_end(src, pos);
      continue;
    }
    break;
  }
  fg_vec_free(&top);
}

/* isort's order within the block: section, then (unless sorted together)
 * `import x` before `from x import`, then the module, case-insensitively. */
static int pe_order(const FgStyle *style, FgImportSection sa, bool fa, const char *ma,
                    FgImportSection sb, bool fb, const char *mb) {
  if (sa != sb)
    return sa < sb ? -1 : 1;
  if (!style->force_sort_within_sections && fa != fb)
    return fa ? 1 : -1;
  int c = strcasecmp(ma, mb);
  return c ? c : strcmp(ma, mb);
}

/* ---- the header --------------------------------------------------------------- */

/* Where the first import of a module with none goes: after the docstring
 * and __future__ imports, or after the shebang, coding cookie and leading
 * comment block (a licence), and the blank lines after it. */
static size_t pe_header_end(const FgPyModule *py) {
  const FgSource *src = py->src;
  size_t p = fg_pyfile_import_offset(py);
  if (p < pe_bom(src))
    p = pe_bom(src);
  bool comments = false;
  while (p < src->len && pe_comment_line(src, p)) {
    p = pe_line_end(src, p);
    comments = true;
  }
  while (comments && p < src->len && pe_blank_line(src, p))
    p = pe_line_end(src, p);
  return p;
}

/* ---- adding imports --------------------------------------------------------- */

typedef struct PeNew {
  const char *name;
  FgImportSection section;
  size_t at;
  bool lead, trail; /* a blank line before / after (a new section) */
} PeNew;

static int pe_new_cmp(const void *a, const void *b) {
  const PeNew *x = a, *y = b;
  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  if (x->section != y->section)
    return x->section < y->section ? -1 : 1;
  return strcasecmp(x->name, y->name);
}

void fg_py_edit_add_imports(FgFix *fix, const FgStyle *style, const FgPyModule *py,
                            const char *const *names, size_t n) {
  const FgSource *src = py->src;
  const char *eol = fg_source_eol(src);
  PeImports block = {0};
  pe_block(style, py, &block);
  FG_VEC(PeNew) adds = {0};
  for (size_t i = 0; i < n; i++) {
    PeNew a = {names[i], fg_style_section(style, names[i], 0), 0, false, false};
    if (!block.len) {
      a.at = pe_header_end(py);
      fg_vec_push(&adds, a);
      continue;
    }
    const PeImport *prev = NULL, *next = NULL;
    for (size_t k = 0; k < block.len && !next; k++) {
      const PeImport *e = &block.items[k];
      if (pe_order(style, e->section, e->from, e->im->module, a.section, false, a.name) >
          0)
        next = e;
      else
        prev = e;
    }
    if (prev && prev->section == a.section) {
      a.at = prev->end;
    } else if (next && next->section == a.section) {
      a.at = next == &block.items[0] ? next->start : next->above;
    } else if (prev) {
      a.at = prev->end;
      a.lead = true; /* a new section after prev's */
    } else {
      a.at = next->start;
      a.trail = true; /* a new section before the first one */
    }
    fg_vec_push(&adds, a);
  }
  if (adds.len > 1)
    qsort(adds.items, adds.len, sizeof(PeNew), pe_new_cmp);
  for (size_t i = 0; i < adds.len;) {
    size_t at = adds.items[i].at;
    FgBuf b = {0};
    if (at == src->len && src->len > pe_bom(src) && !src->final_newline)
      fg_buf_puts(&b, eol);
    size_t j = i;
    for (; j < adds.len && adds.items[j].at == at; j++) {
      const PeNew *a = &adds.items[j];
      bool same_prev = j > i && adds.items[j - 1].section == a->section;
      bool same_next = j + 1 < adds.len && adds.items[j + 1].at == at &&
                       adds.items[j + 1].section == a->section;
      if (a->lead && !same_prev)
        fg_buf_puts(&b, eol);
      fg_buf_printf(&b, "import %s%s", a->name, eol);
      if (a->trail && !same_next)
        fg_buf_puts(&b, eol);
    }
    if (!block.len)
      for (size_t gap = fg_pyfile_import_gap(py, at); gap > 0; gap--)
        fg_buf_puts(&b, eol);
    fg_fix_add_edit(fix, src, at, at, b.data);
    fg_buf_free(&b);
    i = j;
  }
  fg_vec_free(&adds);
  fg_vec_free(&block);
}

/* ---- after the imports ------------------------------------------------------ */

static bool pe_keyword_at(const FgSource *src, size_t off, const char *kw) {
  size_t n = strlen(kw);
  if (off + n > src->len || memcmp(src->data + off, kw, n) != 0)
    return false;
  char c = off + n < src->len ? src->data[off + n] : '\n';
  return !(isalnum((unsigned char)c) || c == '_');
}

/* The end (past the line break) of the module-level statement holding the
 * import at off: its own line(s), or the whole compound statement (`try:`
 * through its `except` / `else` / `finally` clauses, `if` through `else`). */
static size_t pe_statement_end(const FgSource *src, const FgPyImport *im) {
  size_t end = pe_line_end(src, im->span.end);
  if (pe_line_start(src, im->span.start) == im->span.start)
    return end;
  static const char *const clauses[] = {"except", "else", "elif", "finally", NULL};
  for (size_t p = end; p < src->len; p = pe_line_end(src, p)) {
    if (pe_blank_line(src, p) || pe_comment_line(src, p))
      continue;
    bool more = src->data[p] == ' ' || src->data[p] == '\t';
    for (const char *const *c = clauses; *c && !more; c++)
      more = pe_keyword_at(src, p, *c);
    if (!more)
      break;
    end = pe_line_end(src, p);
  }
  return end;
}

size_t fg_py_edit_after_imports(const FgPyModule *py, bool *found) {
  const FgSource *src = py->src;
  size_t first_def = src->len;
  for (size_t i = 0; i < py->nfuncs; i++)
    if (py->funcs[i].cls < 0 && !py->funcs[i].nested &&
        py->funcs[i].span.start < first_def)
      first_def = py->funcs[i].span.start;
  for (size_t i = 0; i < py->nclasses; i++)
    if (py->classes[i].parent < 0 && !py->classes[i].in_function &&
        py->classes[i].span.start < first_def)
      first_def = py->classes[i].span.start;
  size_t at = 0;
  *found = false;
  for (size_t i = 0; i < py->nimports; i++) {
    const FgPyImport *im = &py->imports[i];
    if (im->in_function || im->span.start >= first_def)
      continue;
    size_t end = pe_statement_end(src, im);
    if (end > at)
      at = end;
    *found = true;
  }
  return *found ? at : pe_header_end(py);
}

/* ---- calls ---------------------------------------------------------------- */

void fg_py_edit_call(FgBuf *out, const char *indent, const char *unit, const char *callee,
                     const char *const *args, size_t nargs, int line_length,
                     const char *eol) {
  FgBuf joined = {0};
  for (size_t i = 0; i < nargs; i++)
    fg_buf_printf(&joined, "%s%s", i ? ", " : "", args[i]);
  const char *j = joined.data ? joined.data : "";
  size_t one = strlen(indent) + strlen(callee) + 2 + joined.len;
  size_t body = strlen(indent) + strlen(unit) + joined.len;
  if (one <= (size_t)line_length || !nargs) {
    fg_buf_printf(out, "%s%s(%s)%s", indent, callee, j, eol);
  } else if (body <= (size_t)line_length) {
    fg_buf_printf(out, "%s%s(%s%s%s%s%s%s)%s", indent, callee, eol, indent, unit, j, eol,
                  indent, eol);
  } else {
    fg_buf_printf(out, "%s%s(%s", indent, callee, eol);
    for (size_t i = 0; i < nargs; i++)
      fg_buf_printf(out, "%s%s%s,%s", indent, unit, args[i], eol);
    fg_buf_printf(out, "%s)%s", indent, eol);
  }
  fg_buf_free(&joined);
}

bool fg_py_edit_file_annotates(const FgSource *src) {
  return fg_memmem(src->data, src->len, ") ->", 4) ||
         fg_memmem(src->data, src->len, ")->", 3);
}
