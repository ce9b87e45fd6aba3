/* rule: what a rule is. A rule fills in only the hooks it needs; NULL means
 * not interested. The engine builds the project model once; rules read it
 * and push findings. The catalogue (rules/rules.def) is declared in
 * rules/rules.h. */
#ifndef FG_RULE_H
#define FG_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/util.h"

typedef struct FgProject FgProject;
typedef struct FgModule FgModule;
typedef struct FgTest FgTest;
typedef struct FgWorkflow FgWorkflow;
typedef struct FgRun FgRun;
typedef struct FgSuppressIndex FgSuppressIndex;

/* How serious a finding is: SARIF's level, GitLab's severity. */
typedef enum FgSeverity {
  FG_SEVERITY_ERROR = 0, /* the default: a hang or crash waiting to happen */
  FG_SEVERITY_WARNING,   /* worth fixing: a slower hang, a gap in coverage */
  FG_SEVERITY_NOTE       /* housekeeping */
} FgSeverity;

struct FgRule {
  const char *code;    /* "FG101" */
  const char *name;    /* "unmarked-pool-test" */
  const char *summary; /* one line for `forkguard rules` */
  const char *doc; /* markdown: What it does / Why is this bad? / Example / Fix safety */
  const char *fix; /* "safe", "unsafe" or "none" */
  bool opt_in;     /* off unless `select` names it (its code, a prefix, or ALL) */
  FgSeverity severity;
  /* more doc, made when asked (a table kept elsewhere); NULL: none */
  void (*doc_more)(FgBuf *out);
  void (*on_module)(const FgProject *p, const FgModule *m, FgDiagList *out);
  void (*on_test)(const FgProject *p, const FgTest *t, FgDiagList *out);
  void (*on_workflow)(const FgProject *p, const FgWorkflow *w, FgDiagList *out);
  void (*on_run)(const FgProject *p, const FgRun *r, FgDiagList *out);
  void (*on_project)(const FgProject *p, FgDiagList *out);
  /* after every other rule, with the suppression comments and which of
   * their codes silenced a finding */
  void (*on_suppressions)(const FgProject *p, const FgSuppressIndex *s, FgDiagList *out);
};

#endif
