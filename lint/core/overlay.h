/* overlay: file contents that stand in for what is on disk. --fix and
 * --diff lint, fix and re-lint in memory through an overlay until nothing
 * is left to fix, then write (or print) the result once; so --diff shows
 * exactly what --fix writes, however many rounds it took. */
#ifndef FG_OVERLAY_H
#define FG_OVERLAY_H

#include <stddef.h>

#include "core/util.h"

typedef struct FgOverlayFile {
  char *path; /* relative to the project root */
  char *data; /* NUL-terminated */
  size_t len;
} FgOverlayFile;

typedef struct FgOverlay {
  FG_VEC(FgOverlayFile) files;
} FgOverlay;

/* NULL when the path is not overlaid (or self is NULL). */
const FgOverlayFile *fg_overlay_find(const FgOverlay *self, const char *path);
/* Sets (copies) a file's contents, replacing earlier ones. */
void fg_overlay_set(FgOverlay *self, const char *path, const char *data, size_t len);
void fg_overlay_free(FgOverlay *self);

#endif
