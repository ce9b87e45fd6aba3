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
  const char *const *written; /* the files --fix wrote, sorted (borrowed) */
  size_t nwritten;
  size_t untrusted; /* FG101 findings --trust-observed dropped */
} FgSummary;

void fg_output_text(FgBuf *out, const FgDiagList *diags, const FgSummary *sum, bool color,
                    bool quiet, bool unsafe_fixes);
/* --statistics: one line per rule with findings, most first:
 * "   3  FG101  [*] unmarked-pool-test". */
void fg_output_statistics(FgBuf *out, const FgDiagList *diags, const FgSummary *sum,
                          bool json, bool unsafe_fixes);
void fg_output_json(FgBuf *out, const FgDiagList *diags, const FgSummary *sum,
                    bool unsafe_fixes);
/* rules: the catalogue, for the rule metadata and each result's ruleIndex;
 * exit_code: the run's exit status, for `invocations`. */
void fg_output_sarif(FgBuf *out, const FgDiagList *diags, const char *root,
                     const FgRule *const *rules, size_t nrules, int exit_code);
/* SARIF level / GitLab severity of a rule's findings. */
const char *fg_output_sarif_level(const FgRule *rule);
const char *fg_output_gitlab_severity(const FgRule *rule);
/* The text of the rule doc's first section (What it does), owned. */
char *fg_output_rule_description(const FgRule *rule);
/* A stable identity of a finding that survives edits above it (32 hex). */
void fg_output_fingerprint(const FgDiag *d, size_t occurrence, char out[33]);
void fg_output_github(FgBuf *out, const FgDiagList *diags);
void fg_output_gitlab(FgBuf *out, const FgDiagList *diags);

/* Does --fix apply this finding's fix? */
bool fg_output_fix_applies(const FgDiag *d, bool unsafe_fixes);

#endif
