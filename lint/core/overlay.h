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

typedef struct FgProblems FgProblems;

/* How the model reads the project's files: the overlay's bytes where it has
 * them, else the disk's under root. All borrowed. A file whose real path
 * leaves the root (a symlink out, `..`) is never read. */
typedef struct FgReader {
  const char *root;         /* a real path (fg_discover_root) */
  const FgOverlay *overlay; /* may be NULL */
  FgProblems *problems;     /* where fg_reader_read_optional warns; may be NULL */
} FgReader;

/* The bytes of rel (relative to the root), NUL-terminated, or NULL with
 * *err set (owned by the caller) when they cannot be read or exceed max.
 * For paths discovery listed (its folders are real): only a symlink at the
 * end of rel, or a `..`, is resolved and checked against the root. Safe to
 * call from several threads. */
char *fg_reader_read(const FgReader *self, const char *rel, size_t max, size_t *len,
                     char **err);

/* For a file a configuration names (tox.ini, a Makefile, a version file),
 * whose folders may be symlinks: every part of the path is resolved. NULL
 * and nothing said when it does not exist; NULL and a warning naming it in
 * self->problems when it exists but is not read (not a regular file,
 * outside the root, unreadable, too large). Not for threads. */
char *fg_reader_read_optional(const FgReader *self, const char *rel, size_t max,
                              size_t *len);

/* Tool-level problems met while building the model: warnings that are not
 * findings, and files that could not be read (the run then exits 2). */
struct FgProblems {
  FgStrVec warnings; /* "warning: ..." / "error: ..." lines, owned */
  size_t io_errors;
};

/* A file that could not be read: over the size limit, not a regular file
 * or outside the root is a warning, any other reason an I/O error. Takes
 * err. */
void fg_problems_read_error(FgProblems *self, const char *rel, char *err);
void fg_problems_free(FgProblems *self);

#endif
