/* diag: findings (problems in the user's project) and the fixes attached to
 * them. A finding owns its strings, related locations and fix; sources are
 * borrowed from the project, which outlives every finding. */
#ifndef FG_DIAG_H
#define FG_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"
#include "core/util.h"

typedef struct FgRule FgRule;

typedef enum FgApplicability { FG_FIX_SAFE, FG_FIX_UNSAFE } FgApplicability;

/* Replace bytes [start, end) of src with replacement. An insertion has
 * start == end. A new file is an edit on a source with no bytes whose
 * `create` flag is set. */
typedef struct FgEdit {
  const FgSource *src;
  size_t start, end;
  char *replacement;      /* NUL-terminated, but may hold NULs: see len */
  size_t replacement_len; /* bytes in replacement */
} FgEdit;

typedef struct FgFix {
  FgApplicability applicability;
  char *message;
  FG_VEC(FgEdit) edits;
} FgFix;

typedef struct FgRelated {
  char *message;
  const FgSource *src; /* NULL: a note with no location */
  size_t start, end;
} FgRelated;

typedef struct FgDiag {
  const FgRule *rule;
  char *message;
  const FgSource *src;
  size_t start, end;
  char *test;                /* pytest node id, or NULL */
  FG_VEC(FgRelated) related; /* the chain that proves the finding */
  FgStrVec notes;            /* "runs in: ...", shown after the chain */
  char *via;                 /* one-line chain for text output, or NULL */
  size_t suppress_at;        /* a second line whose comment may suppress it
                                (the def / decorator, the step's first line);
                                SIZE_MAX when none */
  FgFix *fix;                /* NULL when no fix exists */
  FgStrVec affects;          /* more files whose change makes it concern a commit
                                (the tests a CI run selects...); not printed */
} FgDiag;

typedef struct FgDiagList {
  FG_VEC(FgDiag *) items;
} FgDiagList;

FgDiag *fg_diag_new(const FgRule *rule, const FgSource *src, size_t start, size_t end,
                    const char *fmt, ...) FG_PRINTF(5, 6);
void fg_diag_delete(FgDiag *self);
void fg_diag_add_related(FgDiag *self, const FgSource *src, size_t start, size_t end,
                         const char *fmt, ...) FG_PRINTF(5, 6);
void fg_diag_add_note(FgDiag *self, const char *fmt, ...) FG_PRINTF(2, 3);
/* A file (relative to the root) whose change the finding concerns. */
void fg_diag_affected_by(FgDiag *self, const char *path);

FgFix *fg_fix_new(FgApplicability applicability, const char *fmt, ...) FG_PRINTF(2, 3);
/* A fix builder's edit: replacement is text made from src->data and the
 * file's fg_source_eol, so in a file whose lines end in a lone CR each LF in
 * it becomes that CR (data reads lone CRs as LF). */
void fg_fix_add_edit(FgFix *self, const FgSource *src, size_t start, size_t end,
                     const char *replacement);
/* The bytes exactly as given (len of them, NULs included). */
void fg_fix_add_edit_bytes(FgFix *self, const FgSource *src, size_t start, size_t end,
                           const char *bytes, size_t len);
void fg_fix_delete(FgFix *self);

void fg_diag_list_push(FgDiagList *self, FgDiag *diag);
/* Sorts by path, offset, code, message: the stable output order. */
void fg_diag_list_sort(FgDiagList *self);
void fg_diag_list_clear(FgDiagList *self);

#endif
