#include "core/overlay.h"

#include "core/inputs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* rel's real path when it stays under root; else NULL with *err set. With
 * only_link, a path that is no symlink and has no `..` is taken as it is:
 * discovery never walks a symlinked folder. ENOENT leaves errno set. */
static char *fg_reader_confine(const FgReader *self, const char *rel, bool only_link,
                               char **err) {
  char *abs = fg_xasprintf("%s/%s", self->root, rel);
  bool dotdot = strcmp(rel, "..") == 0 || fg_str_startswith(rel, "../") ||
                strstr(rel, "/../") || fg_str_endswith(rel, "/..");
  struct stat st;
  fg_inputs_note(abs);
  if (only_link && !dotdot && lstat(abs, &st) == 0 && !S_ISLNK(st.st_mode))
    return abs;
  char *real = realpath(abs, NULL);
  fg_inputs_note(real);
  if (!real) {
    int saved = errno;
    *err = fg_xstrdup(strerror(saved));
    free(abs);
    errno = saved;
    return NULL;
  }
  free(abs);
  char *root = realpath(self->root, NULL);
  bool inside = root && fg_path_under_abs(real, root);
  free(root);
  if (!inside) {
    *err = fg_xstrdup("resolves outside the project root (a symlink or `..`); not read");
    free(real);
    errno = EPERM;
    return NULL;
  }
  return real;
}

char *fg_reader_read(const FgReader *self, const char *rel, size_t max, size_t *len,
                     char **err) {
  const FgOverlayFile *o = fg_overlay_find(self->overlay, rel);
  if (o) {
    *len = o->len;
    *err = NULL;
    return fg_xstrndup(o->data, o->len);
  }
  *err = NULL;
  char *abs = fg_reader_confine(self, rel, true, err);
  if (!abs)
    return NULL;
  char *data = fg_read_file(abs, max, len, err);
  free(abs);
  return data;
}

char *fg_reader_read_optional(const FgReader *self, const char *rel, size_t max,
                              size_t *len) {
  const FgOverlayFile *o = fg_overlay_find(self->overlay, rel);
  if (o) {
    *len = o->len;
    return fg_xstrndup(o->data, o->len);
  }
  char *err = NULL;
  char *data = NULL;
  char *abs = fg_reader_confine(self, rel, false, &err);
  if (!abs && errno == ENOENT) {
    free(err);
    return NULL;
  }
  if (abs)
    data = fg_read_file(abs, max, len, &err);
  free(abs);
  if (!data && err && self->problems) {
    /* an optional file (a version file) may be asked for by every step:
     * one warning is enough */
    char *w = fg_xasprintf("warning: %s: %s", rel, err);
    bool seen = false;
    for (size_t i = 0; i < self->problems->warnings.len && !seen; i++)
      seen = strcmp(self->problems->warnings.items[i], w) == 0;
    if (seen)
      free(w);
    else
      fg_vec_push(&self->problems->warnings, w);
  }
  free(err);
  return data;
}

void fg_problems_read_error(FgProblems *self, const char *rel, char *err) {
  bool warn = fg_str_startswith(err, "file too large") ||
              fg_str_startswith(err, "not a regular file") ||
              strstr(err, "outside the project root") != NULL;
  if (!warn)
    self->io_errors++;
  fg_vec_push(&self->warnings,
              fg_xasprintf("%s: %s: %s", warn ? "warning" : "error", rel, err));
  free(err);
}

void fg_problems_free(FgProblems *self) {
  fg_strvec_free(&self->warnings);
  self->io_errors = 0;
}
