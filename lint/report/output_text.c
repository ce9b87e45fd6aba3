/* The default human output, modelled on ruff's full format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rule.h"
#include "report/output.h"

#define C_BOLD "\x1b[1m"
#define C_RED "\x1b[31m"
#define C_CYAN "\x1b[36m"
#define C_BLUE "\x1b[34m"
#define C_RESET "\x1b[0m"

bool fg_output_fix_applies(const FgDiag *d, bool unsafe_fixes) {
  return d->fix && (d->fix->applicability == FG_FIX_SAFE || unsafe_fixes);
}

static void fg_text_snippet(FgBuf *out, const FgDiag *d, bool color) {
  FgPos start = fg_source_pos(d->src, d->start);
  FgPos end = fg_source_pos(d->src, d->end);
  size_t len = 0;
  const char *line = fg_source_line_text(d->src, start.line, &len);
  char num[32];
  int w = snprintf(num, sizeof num, "%zu", start.line);
  const char *b = color ? C_BLUE C_BOLD : "";
  const char *r = color ? C_RESET : "";
  fg_buf_printf(out, "%*s %s|%s\n", w, "", b, r);
  fg_buf_printf(out, "%s%s |%s ", b, num, r);
  /* a tab shows as one blank; any other control character as an escape,
   * and the carets count what is shown */
  size_t line_off = (size_t)(line - d->src->data);
  size_t from = d->start > line_off ? d->start - line_off : 0;
  size_t to = end.line == start.line && d->end >= line_off ? d->end - line_off : len;
  if (from > len)
    from = len;
  if (to > len)
    to = len;
  size_t col0 = 0, ncarets = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)line[i];
    size_t wd = c == '\t' ? 1 : fg_escaped_width(c);
    if (c == '\t')
      fg_buf_putc(out, ' ');
    else
      fg_buf_put_escaped(out, line + i, 1);
    if (i < from)
      col0 += wd;
    else if (i < to)
      ncarets += wd;
  }
  fg_buf_putc(out, '\n');
  size_t carets = ncarets ? ncarets : 1;
  fg_buf_printf(out, "%*s %s|%s %*s%s", w, "", b, r, (int)col0, "",
                color ? C_RED C_BOLD : "");
  for (size_t i = 0; i < carets; i++)
    fg_buf_putc(out, '^');
  fg_buf_printf(out, "%s\n", r);
}

/* One `= ...` line; what it quotes from the project is escaped. */
static void fg_text_note(FgBuf *out, const char *eq, const char *label,
                         const char *text) {
  fg_buf_printf(out, "  %s %s", eq, label);
  fg_buf_put_escaped(out, text, strlen(text));
  fg_buf_putc(out, '\n');
}

void fg_output_text(FgBuf *out, const FgDiagList *diags, const FgSummary *sum, bool color,
                    bool quiet, bool unsafe_fixes) {
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    FgPos pos = fg_source_pos(d->src, d->start);
    bool fixable = fg_output_fix_applies(d, unsafe_fixes);
    char *path = fg_escape_controls(fg_source_shown(d->src));
    char *msg = fg_escape_controls(d->message);
    fg_buf_printf(out, "%s%s%s:%zu:%zu: %s%s%s %s%s\n", color ? C_BOLD : "", path,
                  color ? C_RESET : "", pos.line, pos.column, color ? C_RED C_BOLD : "",
                  d->rule->code, color ? C_RESET : "", fixable ? "[*] " : "", msg);
    free(path);
    free(msg);
    if (quiet)
      continue;
    fg_text_snippet(out, d, color);
    const char *eq = color ? C_CYAN "=" C_RESET : "=";
    if (d->test)
      fg_text_note(out, eq, "test: ", d->test);
    if (d->via)
      fg_text_note(out, eq, "via: ", d->via);
    for (size_t k = 0; k < d->notes.len; k++)
      fg_text_note(out, eq, "", d->notes.items[k]);
    if (d->fix)
      fg_text_note(out, eq,
                   d->fix->applicability == FG_FIX_UNSAFE ? "fix (unsafe): " : "fix: ",
                   d->fix->message);
    fg_buf_putc(out, '\n');
  }
  if (quiet)
    return; /* the findings only */
  if (sum->fix_mode && sum->fixed) {
    fg_buf_printf(out, "Fixed %zu finding%s", sum->fixed, sum->fixed == 1 ? "" : "s");
    if (sum->nwritten) {
      fg_buf_printf(out, " in %zu file%s:\n", sum->nwritten,
                    sum->nwritten == 1 ? "" : "s");
      for (size_t i = 0; i < sum->nwritten; i++) {
        fg_buf_puts(out, "  ");
        fg_buf_put_escaped(out, sum->written[i], strlen(sum->written[i]));
        fg_buf_putc(out, '\n');
      }
    } else {
      fg_buf_puts(out, ".\n");
    }
  }
  if (sum->findings) {
    fg_buf_printf(out, "Found %zu finding%s (%zu fixable).\n", sum->findings,
                  sum->findings == 1 ? "" : "s", sum->fixable);
    if (sum->unsafe)
      fg_buf_printf(out, "%zu more fix%s available with `--unsafe-fixes`.\n", sum->unsafe,
                    sum->unsafe == 1 ? " is" : "es are");
    else if (sum->fixable && !sum->fix_mode)
      fg_buf_puts(out, "Run `forkguard check --fix` to apply the fixes marked [*].\n");
  } else {
    fg_buf_puts(out, "All checks passed.\n");
  }
}

typedef struct FgRuleCount {
  const FgRule *rule;
  size_t n, fixable;
} FgRuleCount;

static int fg_count_cmp(const void *a, const void *b) {
  const FgRuleCount *x = a, *y = b;
  if (x->n != y->n)
    return x->n > y->n ? -1 : 1;
  return strcmp(x->rule->code, y->rule->code);
}

void fg_output_statistics(FgBuf *out, const FgDiagList *diags, const FgSummary *sum,
                          bool json, bool unsafe_fixes) {
  FG_VEC(FgRuleCount) counts = {0};
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    FgRuleCount *c = NULL;
    for (size_t k = 0; k < counts.len && !c; k++)
      if (counts.items[k].rule == d->rule)
        c = &counts.items[k];
    if (!c) {
      FgRuleCount nc = {d->rule, 0, 0};
      fg_vec_push(&counts, nc);
      c = &counts.items[counts.len - 1];
    }
    c->n++;
    c->fixable += fg_output_fix_applies(d, unsafe_fixes);
  }
  if (counts.len > 1)
    qsort(counts.items, counts.len, sizeof(FgRuleCount), fg_count_cmp);
  if (json) {
    fg_buf_puts(out, "[");
    for (size_t i = 0; i < counts.len; i++) {
      const FgRuleCount *c = &counts.items[i];
      /* codes and names are plain ASCII: no escaping needed */
      fg_buf_printf(out,
                    "%s\n  {\"code\": \"%s\", \"name\": \"%s\", \"count\": %zu, "
                    "\"fixable\": %zu}",
                    i ? "," : "", c->rule->code, c->rule->name, c->n, c->fixable);
    }
    fg_buf_puts(out, counts.len ? "\n]\n" : "]\n");
  } else {
    for (size_t i = 0; i < counts.len; i++) {
      const FgRuleCount *c = &counts.items[i];
      fg_buf_printf(out, "%5zu  %s  %s%s\n", c->n, c->rule->code,
                    c->fixable ? "[*] " : "    ", c->rule->name);
    }
    if (sum->findings)
      fg_buf_printf(out, "Found %zu finding%s (%zu fixable).\n", sum->findings,
                    sum->findings == 1 ? "" : "s", sum->fixable);
    else
      fg_buf_puts(out, "All checks passed.\n");
  }
  fg_vec_free(&counts);
}
