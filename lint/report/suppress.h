/* suppress: inline suppressions. `# forkguard: ignore[FG101,FG203]`,
 * `# forkguard: ignore FG101` (the same without brackets), a bare
 * `# forkguard: ignore` (every rule), or `# noqa: FG101` on the flagged line
 * or on the finding's second anchor line (the def or decorator line of a
 * test, the first line of a step) silences it. Codes are case-insensitive
 * and a rule's name stands for its code. The same comments work in YAML,
 * tox.ini and Makefiles. */
#ifndef FG_SUPPRESS_H
#define FG_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/rule.h"
#include "core/source.h"
#include "core/util.h"

/* Does this line's comment suppress the rule? */
bool fg_suppress_line(const char *line, size_t len, const FgRule *rule);
/* Does a comment of the line name the rule (a bare one does not)? What
 * silences a finding about a comment: the comment cannot silence itself. */
bool fg_suppress_names(const char *line, size_t len, const FgRule *rule);

/* One suppression comment. */
typedef struct FgSuppression {
  const FgSource *src;
  size_t line;         /* 1-based */
  size_t start, end;   /* from the '#' to the end of the line's text */
  bool bare;           /* `# forkguard: ignore`: every rule */
  bool noqa;           /* `# noqa: ...` (flake8's comment, shared) */
  FgStrVec codes;      /* as written */
  FG_VEC(bool) used;   /* per code (or [0] for bare): it silenced a finding */
  bool removable;      /* nothing but the comment follows the code on its line,
                          and no string is open at the '#' */
  size_t remove_start; /* the comment with the blanks before it */
} FgSuppression;

/* The suppression comments of a set of sources, indexed by line once. */
typedef struct FgSuppressIndex FgSuppressIndex;

FgSuppressIndex *fg_suppress_index_new(const FgSource *const *srcs, size_t n);
void fg_suppress_index_delete(FgSuppressIndex *self);

/* Is the finding silenced (by a comment of an indexed source, or, for a
 * source not indexed, by its lines)? Marks the comment's code used. */
bool fg_suppress_index_hit(FgSuppressIndex *self, const FgDiag *d);

size_t fg_suppress_index_len(const FgSuppressIndex *self);
const FgSuppression *fg_suppress_index_at(const FgSuppressIndex *self, size_t i);

/* Does the token name a rule of the catalogue (code case-insensitive, or
 * name)? On no, *suggest is the closest code or name, or NULL. */
bool fg_suppress_known(const char *token, const FgRule *const *rules, size_t nrules,
                       const char **suggest);

/* Is this comment code forkguard's to judge? Every code of a forkguard
 * comment is; of a noqa comment, those that look like ours (FG...). */
bool fg_suppress_is_ours(const FgSuppression *s, const char *code);

#endif
