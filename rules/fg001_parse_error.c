/* FG001 parse-error */
#include <string.h>

#include "parse/ini_doc.h"
#include "project.h"
#include "rules.h"

static const char doc[] = "## What it does\n"
                          "Reports an input file that forkguard cannot parse: a workflow "
                          "that is not valid YAML,\n"
                          "a Python module with a syntax error, a pytest or forkguard "
                          "configuration file that is\n"
                          "not valid TOML or INI.\n"
                          "\n"
                          "## Why is this bad?\n"
                          "A file that cannot be parsed cannot be checked: a pool test "
                          "in it, or a pytest run in\n"
                          "it, goes unseen. The rest of the project is still linted.\n"
                          "Python modules are parsed only when they can matter (they "
                          "import a pool module, name\n"
                          "the marker, or hold what a pool path reaches or reads): a "
                          "syntax error in any other\n"
                          "module is not reported.\n"
                          "\n"
                          "## Example\n"
                          "```yaml\n"
                          "jobs:\n"
                          "  test:\n"
                          "    steps:\n"
                          "      - run: pytest -n auto\n"
                          "       name: broken indentation\n"
                          "```\n"
                          "\n"
                          "## Fix safety\n"
                          "There is no fix: the file has to be repaired by hand.\n";

static void fg001_on_module(const FgProject *p, const FgModule *m, FgDiagList *out) {
  if (!m->py->has_error)
    return;
  size_t at = m->py->error_offset;
  fg_diag_list_push(out, fg_diag_new(&fg001_parse_error, m->src, at, at,
                                     "cannot parse Python: %s", m->py->error_message));
}

static void fg001_on_workflow(const FgProject *p, const FgWorkflow *w, FgDiagList *out) {
  if (!w->doc->has_error)
    return;
  size_t at = w->doc->error_offset;
  fg_diag_list_push(out, fg_diag_new(&fg001_parse_error, w->src, at, at,
                                     "cannot parse YAML: %s", w->doc->error_message));
}

/* A tox.ini a CI run goes through is an input too (not the one that holds
 * pytest's settings: that one is reported below). */
static void fg001_launch_files(const FgProject *p, FgDiagList *out) {
  for (size_t i = 0; i < p->ci.launch_files.len; i++) {
    const FgSource *src = p->ci.launch_files.items[i];
    if (!fg_str_endswith(src->path, ".ini") ||
        (p->pytest_cfg_src && strcmp(p->pytest_cfg_src->path, src->path) == 0))
      continue;
    FgIniDoc *ini = fg_ini_doc_parse(src);
    if (ini->has_error)
      fg_diag_list_push(out, fg_diag_new(&fg001_parse_error, src, ini->error_offset,
                                         ini->error_offset, "cannot parse tox.ini: %s",
                                         ini->message));
    fg_ini_doc_delete(ini);
  }
}

static void fg001_on_project(const FgProject *p, FgDiagList *out) {
  fg001_launch_files(p, out);
  if (!p->pytest_cfg_src || !p->pytest_cfg->has_error)
    return;
  const char *msg = p->pytest_cfg->error;
  size_t n = strlen(p->pytest_cfg_src->path);
  if (strncmp(msg, p->pytest_cfg_src->path, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
    msg += n + 2; /* the path is shown already */
  size_t at = p->pytest_cfg->error_offset;
  fg_diag_list_push(out, fg_diag_new(&fg001_parse_error, p->pytest_cfg_src, at, at,
                                     "cannot parse pytest's configuration: %s", msg));
}

const FgRule fg001_parse_error = {
    .code = "FG001",
    .name = "parse-error",
    .summary = "an input file cannot be parsed (the rest is still linted)",
    .doc = doc,
    .fix = "none",
    .severity = FG_SEVERITY_WARNING,
    .on_module = fg001_on_module,
    .on_workflow = fg001_on_workflow,
    .on_project = fg001_on_project,
};
