/* apply: turning fixes into new file contents and writing them safely.
 *
 * A plan takes fixes in the order given and accepts a fix only when none of
 * its edits overlaps an edit already accepted; a fix is all or nothing, even
 * when its edits span several files. Identical edits from different fixes
 * (two fixes adding the same `import pytest` at the same point) are applied
 * once. The caller then validates the new contents (re-parses them): a file
 * that fails is dropped with every fix that touches it, and the plan is
 * rebuilt from the remaining fixes. Writing is atomic per file (temporary
 * file in the same directory, then rename), keeps the file mode, and refuses
 * files that changed on disk since they were read or that resolve outside
 * the project root (or, for a project that takes its CI from the
 * repository's workflows, outside the repository: fg_plan_set_bound).
 *
 * The plan borrows the fixes and their sources: both must outlive it. */
#ifndef FG_APPLY_H
#define FG_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/overlay.h"
#include "core/source.h"
#include "core/util.h"

typedef enum FgFixStatus {
  FG_FIX_APPLIED,       /* part of the plan */
  FG_FIX_OVERLAPS,      /* an edit overlaps an edit of an earlier fix */
  FG_FIX_BAD_EDIT,      /* an edit lies outside its source, or two of the
                           fix's own edits overlap */
  FG_FIX_FILE_REJECTED, /* touches a file the plan rejected (fg_plan_rejected) */
} FgFixStatus;

/* One file the plan changes or creates: src is borrowed; data (the new
 * bytes, NUL-terminated) is owned by the plan and valid until the plan next
 * changes. */
typedef struct FgPlannedFile {
  const FgSource *src;
  const char *data;
  size_t len;
} FgPlannedFile;

/* A file left out of the plan, and why (owned by the plan). */
typedef struct FgRejectedFile {
  const FgSource *src;
  const char *why;
} FgRejectedFile;

typedef struct FgPlan FgPlan;

FgPlan *fg_plan_new(void);
void fg_plan_delete(FgPlan *self);
/* Lets writes reach files outside the root but inside dir (the repository
 * root that holds it: "../../.github/workflows/ci.yml"); anything resolving
 * outside dir is still refused. NULL: the root itself (the default). */
void fg_plan_set_bound(FgPlan *self, const char *dir);

/* Offers a fix. Returns true when it is accepted, false when it is skipped
 * (fg_plan_fix says why). A NULL replacement counts as "". */
bool fg_plan_add_fix(FgPlan *self, const FgFix *fix);

/* The fixes offered so far, in the order given, with what became of them. */
size_t fg_plan_nfixes(const FgPlan *self);
const FgFix *fg_plan_fix(const FgPlan *self, size_t i, FgFixStatus *status);

/* The files the plan touches, sorted by path. A file whose edits leave its
 * bytes as they were is listed but not written. */
size_t fg_plan_nfiles(const FgPlan *self);
const FgPlannedFile *fg_plan_file(const FgPlan *self, size_t i);
/* True when the file is new or its bytes differ from what was read. */
bool fg_plan_file_changed(const FgPlannedFile *file);

/* Checks the new contents of one file (path relative to the project root).
 * On failure returns false and may set *why to a malloc'd reason. */
typedef bool (*FgValidateFn)(const char *path, const char *data, size_t len, char **why,
                             void *ctx);

/* Runs validate on every changed file; each file that fails is rejected with
 * the fixes touching it, and the plan is rebuilt from the fixes left (which
 * may let in a fix that overlapped a dropped one, so the new contents are
 * validated again, until no file fails). Returns how many files this call
 * rejected. */
size_t fg_plan_validate(FgPlan *self, FgValidateFn validate, void *ctx);

/* The same for the disk: rejects the files that fg_plan_write would refuse
 * (changed on disk, created meanwhile, outside root, not a regular file), so
 * that the fixes of the other files can still be written. Returns how many
 * files this call rejected. */
size_t fg_plan_check_disk(FgPlan *self, const char *root);
/* The same, leaving out the files skip holds (the bytes of a later fix
 * round, which differ from the disk by design; may be NULL). */
size_t fg_plan_check_disk_skipping(FgPlan *self, const char *root, const FgOverlay *skip);

size_t fg_plan_nrejected(const FgPlan *self);
const FgRejectedFile *fg_plan_rejected(const FgPlan *self, size_t i);

/* Writes every changed file under root (src->path is relative to it).
 * Checks all files first and writes nothing when any check fails (changed
 * on disk, outside root, not a regular file, more than one hard link, not
 * writable by the real user); then puts the prepared temporary files in
 * place one by one, each checked again right before (size, mtime, bytes).
 * A file changed in that window is not written, nor any after it, and a
 * line says which files were. Appends "path: reason" to errors for each
 * failure and returns the number of failures (0: all written). Never
 * leaves a temporary file behind, even on SIGINT, SIGTERM or SIGHUP (the
 * signal then says which files were written, and still ends the run). */
int fg_plan_write(const FgPlan *self, const char *root, FgStrVec *errors);

/* Tests only: called right before each file is put in place (index in the
 * order written). NULL in the program. */
extern void (*fg_plan_write_hook)(size_t index, const char *path);

/* Appends the unified diff of every changed file, sorted by path: what
 * fg_plan_write would write. */
void fg_plan_diff(const FgPlan *self, FgBuf *out);

#endif
