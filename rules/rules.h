/* rules: the catalogue (rules/rules.def) and the loop that runs it over a
 * project model. */
#ifndef FG_RULES_H
#define FG_RULES_H

#include <stddef.h>

#include "core/diag.h"
#include "core/rule.h"
#include "core/util.h"

#define FG_RULE(sym) extern const FgRule sym;
#include "rules.def"
#undef FG_RULE

/* The catalogue, in code order. */
extern const FgRule *const fg_rules[];
extern const size_t fg_nrules;

/* A rule by code (case-insensitive) or name; NULL when unknown. */
const FgRule *fg_rule_find(const char *code_or_name);

/* Runs every enabled rule's hooks over the project and returns the
 * findings that are wanted (enabled for their file, in the paths asked
 * about, not suppressed), sorted. */
void fg_rules_lint(const FgProject *p, FgDiagList *out);
/* The same for the CI runs' hooks only, one list per run of p->ci.runs
 * (per_run has that many, zeroed): what `forkguard runs` reports. */
void fg_rules_lint_runs(const FgProject *p, FgDiagList *per_run);

/* "warning: path:line: unknown rule X in a suppression comment; did you
 * mean Y?" for every such comment of the project. */
void fg_rules_suppression_warnings(const FgProject *p, FgStrVec *out);

#endif
