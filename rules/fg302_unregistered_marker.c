/* FG302 unregistered-marker */
#include "fix/conftest_fix.h"
#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags the project's serial marker (`no_parallel` unless configured otherwise) when "
    "a\n"
    "test uses it but neither the pytest configuration's `markers` nor a\n"
    "`config.addinivalue_line(\"markers\", ...)` call registers it.\n"
    "\n"
    "## Why is this bad?\n"
    "pytest warns about unknown markers (`PytestUnknownMarkWarning`), and with\n"
    "`--strict-markers` or `-W error` the whole session fails to collect. A typo in an\n"
    "unregistered marker also goes unnoticed, so the test silently runs in the parallel\n"
    "step again.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "@pytest.mark.no_parallel\n"
    "def test_pool(): ...\n"
    "```\n"
    "with no registration. Use instead, in `conftest.py`:\n"
    "```python\n"
    "def pytest_configure(config):\n"
    "    config.addinivalue_line(\"markers\", \"no_parallel: starts processes; run "
    "without xdist\")\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "The fix is safe: when the project lists its markers in its pytest configuration\n"
    "(`markers` in pytest.ini, tox.ini, setup.cfg or pyproject.toml), it adds one entry "
    "to\n"
    "that list in the list's own layout; otherwise it registers the marker with\n"
    "`config.addinivalue_line` in `pytest_configure` of the top-most `conftest.py` "
    "covering\n"
    "the marked tests (extending an existing hook, or creating the file at the test "
    "root).\n"
    "Registering a marker changes no test's behaviour.\n";

static bool fg302_registered(const FgProject *p) {
  if (fg_pytest_cfg_has_marker(p->pytest_cfg, p->marker))
    return true;
  for (size_t i = 0; i < p->registered_markers.len; i++)
    if (strcmp(p->registered_markers.items[i], p->marker) == 0)
      return true;
  for (size_t i = 0; i < p->py.modules.len; i++) {
    const FgPyModule *py = p->py.modules.items[i]->py;
    for (size_t k = 0; py && k < py->nregistered_markers; k++)
      if (strcmp(py->registered_markers[k], p->marker) == 0)
        return true;
  }
  return false;
}

/* The first marker entry named like the project marker, "param:" included. */
static const FgPyMarker *fg302_find(const FgPyMarker *mk, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++) {
    const char *m = mk[i].name;
    if (fg_str_startswith(m, "param:"))
      m += 6;
    if (strcmp(m, name) == 0)
      return &mk[i];
  }
  return NULL;
}

static void fg302_on_project(const FgProject *p, FgDiagList *out) {
  const FgTest *first = NULL;
  const FgPyMarker *use = NULL;
  size_t users = 0;
  for (size_t i = 0; i < p->py.tests.len; i++) {
    const FgTest *t = &p->py.tests.items[i];
    if (!t->marked || strcmp(t->marked_by, p->marker) != 0)
      continue;
    users++;
    if (first)
      continue;
    const FgPyModule *py = t->mod->py;
    const FgPyFunc *f = &py->funcs[t->func];
    use = fg302_find(f->markers, f->nmarkers, p->marker);
    for (int c = t->cls; !use && c >= 0; c = py->classes[c].parent)
      use = fg302_find(py->classes[c].markers, py->classes[c].nmarkers, p->marker);
    if (!use)
      use = fg302_find(py->module_markers, py->nmodule_markers, p->marker);
    if (use)
      first = t;
  }
  if (!first || fg302_registered(p))
    return;
  FG_VEC(const char *) paths = {0};
  for (size_t i = 0; i < p->py.tests.len; i++)
    if (p->py.tests.items[i].marked &&
        strcmp(p->py.tests.items[i].marked_by, p->marker) == 0)
      fg_vec_push(&paths, p->py.tests.items[i].mod->src->path);
  FgDiag *d = fg_diag_new(
      &fg302_unregistered_marker, first->mod->src, use->span.start, use->span.end,
      "marker `%s` is used by %zu test%s but not registered (no `markers` "
      "entry%s%s, no `addinivalue_line`)",
      p->marker, users, users == 1 ? "" : "s", p->pytest_cfg_path ? " in " : "",
      p->pytest_cfg_path ? p->pytest_cfg_path : "");
  d->test = fg_xstrdup(first->nodeid);
  if (p->marker_why)
    fg_diag_add_note(d, "marker: %s", p->marker_why);
  d->fix = fg_register_marker_fix(p, paths.items, paths.len);
  fg_vec_free(&paths);
  fg_diag_list_push(out, d);
}

const FgRule fg302_unregistered_marker = {
    .code = "FG302",
    .name = "unregistered-marker",
    .summary = "the marker is used but not registered in config or addinivalue_line",
    .doc = doc,
    .fix = "safe",
    .severity = FG_SEVERITY_NOTE,
    .on_project = fg302_on_project,
};
