/* output: findings written in one of the formats of SPEC §7. */
#ifndef FG_OUTPUT_H
#define FG_OUTPUT_H

#include <stdbool.h>

#include "core/diag.h"
#include "core/rule.h"
#include "core/util.h"

typedef struct FgSummary {
  size_t findings; /* remaining */
  size_t fixable;  /* of those, with a fix that --fix would apply */
  size_t unsafe;   /* of those, held back for --unsafe-fixes */
  size_t fixed;    /* applied in this run */
  bool fix_mode;
} FgSummary;

void fg_output_text(FgBuf *out, const FgDiagList *diags, const FgSummary *sum, bool color,
                    bool quiet, bool unsafe_fixes);
void fg_output_json(FgBuf *out, const FgDiagList *diags, const FgSummary *sum,
                    bool unsafe_fixes);
/* rules: the catalogue, for the rule metadata and each result's ruleIndex */
void fg_output_sarif(FgBuf *out, const FgDiagList *diags, const char *root,
                     const FgRule *const *rules, size_t nrules);
void fg_output_github(FgBuf *out, const FgDiagList *diags);
void fg_output_gitlab(FgBuf *out, const FgDiagList *diags);

/* Does --fix apply this finding's fix? */
bool fg_output_fix_applies(const FgDiag *d, bool unsafe_fixes);

#endif
