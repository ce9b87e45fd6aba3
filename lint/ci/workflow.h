/* workflow: the GitHub Actions view of a workflow file: workflow, jobs,
 * steps, env at all three levels, defaults, matrix and runs-on nodes, and
 * each `run:` script with a map from script offsets back to file offsets.
 * A workflow owns its source and YAML document; everything else points
 * into them. */
#ifndef FG_WORKFLOW_H
#define FG_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/yaml_doc.h"

typedef struct FgScript {
  char *text; /* the script as the shell sees it (the scalar's value) */
  size_t len;
  /* the text in pieces: piece i starts at text offset piece_text[i] and at
   * file offset piece_file[i]. A literal scalar's pieces are its lines; a
   * folded scalar's are its content lines, piece_len[i] bytes each (the
   * folds between them are not in the file); other scalars have one. */
  size_t *piece_text;
  size_t *piece_file;
  size_t *piece_len; /* NULL when a piece runs to the next one */
  size_t npieces;
  /* the text is the file's bytes, line for line: a fix may edit it (false
   * for folded, multi-line flow and escaped scalars) */
  bool exact;
  /* every offset maps to its own byte in the file (exact, or a folded
   * scalar whose lines were found in the file); else each maps to the
   * scalar's start and positions are approximate */
  bool mapped;
} FgScript;

typedef struct FgStep {
  const FgYamlNode *node; /* the step mapping */
  size_t index;           /* 0-based position in the job's steps */
  const char *name;       /* NULL when unnamed */
  const char *id;
  const char *uses;
  const char *shell;
  const char *working_directory;
  /* the `run:` scalar, or the input an action runs as a script
   * (nick-fields/retry `command`, CodSpeedHQ/action `run`); NULL: none */
  const FgYamlNode *run;
  const FgYamlNode *env;
  const FgYamlNode *timeout_minutes;
  FgScript *script; /* NULL when there is no run */
  /* the script is not written in the file: the command an action runs
   * (pypa/cibuildwheel) or a step of a called workflow (ci/called); run is
   * the `uses:` value, where every position of the script is */
  bool action_script;
} FgStep;

typedef struct FgJob {
  const char *id;
  const FgYamlNode *key; /* the job id's key node, for positions */
  const FgYamlNode *node;
  const FgYamlNode *runs_on;
  const FgYamlNode *strategy;
  const FgYamlNode *matrix;
  const FgYamlNode *env;
  const FgYamlNode *timeout_minutes;
  const char *default_working_directory;
  const char *default_shell;
  FG_VEC(FgStep) steps;
} FgJob;

typedef struct FgWorkflow {
  FgSource *src;  /* owned */
  FgYamlDoc *doc; /* owned */
  const char *name;
  const FgYamlNode *env;
  const char *default_working_directory;
  FG_VEC(FgJob) jobs;
  /* the jobs of called workflows, as ci/called writes them (owned) */
  FG_VEC(FgSource *) called_src;
  FG_VEC(FgYamlDoc *) called_docs;
} FgWorkflow;

/* Takes ownership of src. Never NULL; doc->has_error tells a parse error. */
FgWorkflow *fg_workflow_load(FgSource *src);
void fg_workflow_delete(FgWorkflow *self);

/* File byte offset for a script offset. */
size_t fg_script_file_offset(const FgScript *self, size_t text_offset);

/* A step's display name: its name, else "run: <first line>" or uses. */
char *fg_step_label(const FgStep *step);

#endif
