/* fix/validate: which fixes are offered and applied. A file holding NUL,
 * or one that does not parse as it stands (FG001), is never edited; a fix
 * whose edited bytes would not parse is withdrawn with a note. Each file
 * as it stands is parsed once per check (FgFixCheck remembers), and the
 * fixes of one lint pass are validated together: only the fixes of a file
 * that fails with every fix in place are tried one by one. */
#ifndef FG_FIX_VALIDATE_H
#define FG_FIX_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/source.h"
#include "core/util.h"
#include "project.h"

/* What one check has learnt of the project's files as they stand. */
typedef struct FgFixCheckFile {
  const FgSource *src;
  char *problem; /* why it does not parse (owned), or NULL */
} FgFixCheckFile;

typedef struct FgFixCheck {
  const FgProject *p;
  FG_VEC(FgFixCheckFile) files;
} FgFixCheck;

void fg_fix_check_init(FgFixCheck *self, const FgProject *p);
void fg_fix_check_free(FgFixCheck *self);

/* An FgValidateFn (fix/apply.h) with ctx an FgFixCheck: may the new bytes of
 * path be written? Not when the file does not parse as it stands, nor when
 * the new bytes would not. */
bool fg_fix_check_validate(const char *path, const char *data, size_t len, char **why,
                           void *ctx);

/* Takes the fix off every finding whose fix would edit a file no fix may
 * edit, with a note that says why: the report offers only what --fix does. */
void fg_fixes_withhold(const FgProject *p, FgDiagList *diags);

/* Takes the fix off every finding whose fix would not apply on its own
 * (edits that overlap, or bytes that would not parse), with a note saying
 * why: a fix is advertised ([*], "fixable") only when it really applies,
 * and one broken fix does not hide the others. */
void fg_fixes_withdraw_broken(const FgProject *p, FgDiagList *diags);

#endif
