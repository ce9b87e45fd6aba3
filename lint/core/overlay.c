#include "core/overlay.h"

#include <string.h>

const FgOverlayFile *fg_overlay_find(const FgOverlay *self, const char *path) {
  if (!self)
    return NULL;
  for (size_t i = 0; i < self->files.len; i++)
    if (strcmp(self->files.items[i].path, path) == 0)
      return &self->files.items[i];
  return NULL;
}

void fg_overlay_set(FgOverlay *self, const char *path, const char *data, size_t len) {
  FgOverlayFile *f = (FgOverlayFile *)fg_overlay_find(self, path);
  if (!f) {
    FgOverlayFile nf = {fg_xstrdup(path), NULL, 0};
    fg_vec_push(&self->files, nf);
    f = &self->files.items[self->files.len - 1];
  }
  free(f->data);
  f->data = fg_xstrndup(data, len);
  f->len = len;
}

void fg_overlay_free(FgOverlay *self) {
  for (size_t i = 0; i < self->files.len; i++) {
    free(self->files.items[i].path);
    free(self->files.items[i].data);
  }
  fg_vec_free(&self->files);
}

char *fg_reader_read(const FgReader *self, const char *rel, size_t max, size_t *len,
                     char **err) {
  const FgOverlayFile *o = fg_overlay_find(self->overlay, rel);
  if (o) {
    *len = o->len;
    *err = NULL;
    return fg_xstrndup(o->data, o->len);
  }
  char *abs = fg_xasprintf("%s/%s", self->root, rel);
  char *data = fg_read_file(abs, max, len, err);
  free(abs);
  return data;
}

void fg_problems_read_error(FgProblems *self, const char *rel, char *err) {
  bool too_large = fg_str_startswith(err, "file too large");
  if (!too_large)
    self->io_errors++;
  fg_vec_push(&self->warnings,
              fg_xasprintf("%s: %s: %s", too_large ? "warning" : "error", rel, err));
  free(err);
}

void fg_problems_free(FgProblems *self) {
  fg_strvec_free(&self->warnings);
  self->io_errors = 0;
}
