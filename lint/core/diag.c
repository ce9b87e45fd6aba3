#include "core/diag.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rule.h"

static char *fg_vformat(const char *fmt, va_list ap) {
  FgBuf b = {0};
  fg_buf_vprintf(&b, fmt, ap);
  return fg_buf_take(&b);
}

FgDiag *fg_diag_new(const FgRule *rule, const FgSource *src, size_t start, size_t end,
                    const char *fmt, ...) {
  FgDiag *self = fg_xcalloc(1, sizeof *self);
  self->rule = rule;
  self->src = src;
  self->start = start;
  self->end = end < start ? start : end;
  self->suppress_at = SIZE_MAX;
  va_list ap;
  va_start(ap, fmt);
  self->message = fg_vformat(fmt, ap);
  va_end(ap);
  return self;
}

void fg_diag_delete(FgDiag *self) {
  if (!self)
    return;
  free(self->message);
  free(self->test);
  free(self->via);
  for (size_t i = 0; i < self->related.len; i++)
    free(self->related.items[i].message);
  fg_vec_free(&self->related);
  for (size_t i = 0; i < self->notes.len; i++)
    free(self->notes.items[i]);
  fg_vec_free(&self->notes);
  fg_fix_delete(self->fix);
  fg_strvec_free(&self->affects);
  free(self);
}

void fg_diag_affected_by(FgDiag *self, const char *path) {
  /* the tests of a run come file by file: the last one first */
  if (self->affects.len && strcmp(self->affects.items[self->affects.len - 1], path) == 0)
    return;
  for (size_t i = 0; i < self->affects.len; i++)
    if (strcmp(self->affects.items[i], path) == 0)
      return;
  fg_vec_push(&self->affects, fg_xstrdup(path));
}

void fg_diag_add_related(FgDiag *self, const FgSource *src, size_t start, size_t end,
                         const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  FgRelated r = {fg_vformat(fmt, ap), src, start, end};
  va_end(ap);
  fg_vec_push(&self->related, r);
}

void fg_diag_add_note(FgDiag *self, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *note = fg_vformat(fmt, ap);
  va_end(ap);
  fg_vec_push(&self->notes, note);
}

FgFix *fg_fix_new(FgApplicability applicability, const char *fmt, ...) {
  FgFix *self = fg_xcalloc(1, sizeof *self);
  self->applicability = applicability;
  va_list ap;
  va_start(ap, fmt);
  self->message = fg_vformat(fmt, ap);
  va_end(ap);
  return self;
}

void fg_fix_add_edit_bytes(FgFix *self, const FgSource *src, size_t start, size_t end,
                           const char *bytes, size_t len) {
  FgEdit e = {src, start, end, fg_xstrndup(bytes ? bytes : "", bytes ? len : 0),
              bytes ? len : 0};
  fg_vec_push(&self->edits, e);
}

void fg_fix_add_edit(FgFix *self, const FgSource *src, size_t start, size_t end,
                     const char *replacement) {
  const char *r = replacement ? replacement : "";
  fg_fix_add_edit_bytes(self, src, start, end, r, strlen(r));
  FgEdit *e = &self->edits.items[self->edits.len - 1];
  if (src && src->cr && !src->crlf)
    for (size_t i = 0; i < e->replacement_len; i++)
      if (e->replacement[i] == '\n')
        e->replacement[i] = '\r';
}

void fg_fix_delete(FgFix *self) {
  if (!self)
    return;
  free(self->message);
  for (size_t i = 0; i < self->edits.len; i++)
    free(self->edits.items[i].replacement);
  fg_vec_free(&self->edits);
  free(self);
}

void fg_diag_list_push(FgDiagList *self, FgDiag *diag) {
  fg_vec_push(&self->items, diag);
}

static int fg_diag_cmp(const void *pa, const void *pb) {
  const FgDiag *a = *(const FgDiag *const *)pa;
  const FgDiag *b = *(const FgDiag *const *)pb;
  int c = strcmp(a->src ? fg_source_shown(a->src) : "",
                 b->src ? fg_source_shown(b->src) : "");
  if (c)
    return c;
  if (a->start != b->start)
    return a->start < b->start ? -1 : 1;
  c = strcmp(a->rule->code, b->rule->code);
  if (c)
    return c;
  c = strcmp(a->test ? a->test : "", b->test ? b->test : "");
  if (c)
    return c;
  return strcmp(a->message, b->message);
}

void fg_diag_list_sort(FgDiagList *self) {
  if (self->items.len > 1)
    qsort(self->items.items, self->items.len, sizeof(FgDiag *), fg_diag_cmp);
}

void fg_diag_list_clear(FgDiagList *self) {
  for (size_t i = 0; i < self->items.len; i++)
    fg_diag_delete(self->items.items[i]);
  fg_vec_free(&self->items);
}
