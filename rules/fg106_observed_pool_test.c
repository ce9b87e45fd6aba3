/* FG106 observed-pool-test */
#include <stdlib.h>
#include <string.h>

#include "fix/marker_fix.h"
#include "probe/attach.h"
#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a test that started processes in a `forkguard probe` run -- the project's "
    "own\n"
    "pytest, run with forkguard's recorder -- when the static analysis found no way for "
    "it\n"
    "to start one, and the test is not marked with the project's serial marker. The "
    "chain\n"
    "is the stack the recorder saw, from the test to the call that started the process, "
    "and\n"
    "the notes give the start method and, for a fork, the threads that were alive.\n"
    "\n"
    "It needs observations: `forkguard check` reads `.forkguard/observed.json` (written "
    "by\n"
    "`forkguard probe`) when no Python file or pytest configuration changed since that "
    "run,\n"
    "or the file named with `--observed`. Without one the rule reports nothing.\n"
    "\n"
    "What the static analysis misses on purpose is what a run sees: a plugin or backend\n"
    "chosen by a string (`importlib.import_module(name)`), a pool behind a flag whose\n"
    "value comes from configuration, a call through a variable or an attribute, "
    "`os.fork`\n"
    "in library code, third-party code that starts processes. A test whose start was\n"
    "recorded in setup or teardown got it from a fixture; a module- or session-scoped\n"
    "fixture starts in whichever test requests it first, so the note says which phase "
    "it\n"
    "was.\n"
    "\n"
    "## Why is this bad?\n"
    "The same as FG101: under pytest-xdist the test runs inside a worker that already "
    "runs\n"
    "threads, and a process started there with `fork` copies locks held by those "
    "threads\n"
    "into the child, which can deadlock. The run proves that this test starts "
    "processes;\n"
    "it needs the marker so that CI runs it in the serial step.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "def test_backend():\n"
    "    backend = plugins.load(\"procs\")  # imports plugins/procs.py by name\n"
    "    assert backend.run([1, 2]) == [2, 4]  # multiprocessing.Pool inside\n"
    "```\n"
    "Use instead:\n"
    "```python\n"
    "@pytest.mark.no_parallel\n"
    "def test_backend():\n"
    "    ...\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "The fix is FG101's and as safe: it adds the marker decorator (and `import pytest` "
    "when\n"
    "missing). It changes which CI run executes the test, not what the test does.\n";

/* A recorded frame's line in the project: its source and the line's span
 * without its indentation, or NULL when the file is not read. */
static const FgSource *fg106_line(const FgProject *p, const FgObsFrame *fr, size_t *start,
                                  size_t *end) {
  const FgModule *m = fg_pymodel_module_by_path(&p->py, fr->path);
  if (!m || !m->src || !m->src->len || fr->line < 1 || (size_t)fr->line > m->src->nlines)
    return NULL;
  size_t len = 0;
  const char *text = fg_source_line_text(m->src, (size_t)fr->line, &len);
  size_t at = (size_t)(text - m->src->data);
  size_t lead = 0;
  while (lead < len && (text[lead] == ' ' || text[lead] == '\t'))
    lead++;
  *start = at + lead;
  *end = at + len;
  return m->src;
}

static void fg106_link(const FgProject *p, FgDiag *d, FgBuf *via, const FgObsFrame *fr,
                       const char *label) {
  size_t start = 0, end = 0;
  const FgSource *src = fg106_line(p, fr, &start, &end);
  if (src)
    fg_diag_add_related(d, src, start, end, "%s", label);
  else
    fg_diag_add_related(d, NULL, 0, 0, "%s (%s:%ld)", label, fr->path, fr->line);
  fg_buf_printf(via, " → %s (%s:%ld)", label, fr->path, fr->line);
}

/* The chain: the recorded frames after the test's own (own_function in
 * own_path; NULL: every frame), then what started the process, at the
 * innermost frame. */
static void fg106_chain(const FgProject *p, const char *head, const char *own_path,
                        const char *own_function, const FgObsStart *s, FgDiag *d) {
  FgBuf via = {0};
  fg_buf_puts(&via, head);
  for (size_t k = 0; k < s->stack.len; k++) {
    const FgObsFrame *fr = &s->stack.items[k];
    bool own = k == 0 && own_function && strcmp(fr->path, own_path) == 0 &&
               strcmp(fr->function, own_function) == 0;
    if (own)
      continue;
    char *label = fg_xasprintf("%s()", fr->function);
    fg106_link(p, d, &via, fr, label);
    free(label);
  }
  const char *what = fg_obs_start_what(s);
  if (s->stack.len)
    fg106_link(p, d, &via, &s->stack.items[s->stack.len - 1], what);
  else
    fg_buf_printf(&via, " → %s", what);
  d->via = fg_buf_take(&via);
}

static void fg106_notes(const FgProject *p, const FgObsTest *ot, const FgObsStart *s,
                        FgDiag *d) {
  char *seen = fg_observed_note(p->observed, ot->nodeid);
  fg_diag_add_note(d, "%s", seen);
  free(seen);
  if (strcmp(s->phase, "call") != 0)
    fg_diag_add_note(d,
                     "started during the test's %s: by a fixture (a module- or "
                     "session-scoped one starts in the first test that requests it)",
                     s->phase);
  fg_diag_add_note(d, "static analysis found no path from the test to this start: the "
                      "chain is the stack the run recorded");
  if (p->marker_why)
    fg_diag_add_note(d, "marker: %s", p->marker_why);
  for (size_t i = 0; i < p->conventions.len; i++)
    fg_diag_add_note(d, "also accepted: `%s`, %s", p->conventions.items[i].name,
                     p->conventions.items[i].why);
}

/* Did pytest see the marker (or an accepted convention) on the test in the
 * run? Marks added where forkguard does not look (a hook, a generated
 * test) count. */
static bool fg106_marked_at_run(const FgProject *p, const FgObsTest *ot) {
  for (size_t i = 0; i < ot->markers.len; i++) {
    const char *m = ot->markers.items[i];
    if (strcmp(m, p->marker) == 0)
      return true;
    for (size_t c = 0; c < p->conventions.len; c++)
      if (strcmp(m, p->conventions.items[c].name) == 0)
        return true;
  }
  return false;
}

static size_t fg106_processes(const FgObsTest *ot) {
  size_t n = 0;
  for (size_t i = 0; i < ot->starts.len; i++)
    n += ot->starts.items[i].count;
  return n;
}

static void fg106_on_test(const FgProject *p, const FgTest *t, FgDiagList *out) {
  if (!p->observed || t->uses_pools || t->marked)
    return;
  FgObsFunction of;
  if (fg_observed_verdict(p->observed, t->nodeid, &of) != FG_OBS_STARTED)
    return;
  const FgObsTest *ot = of.first_start;
  if (fg106_marked_at_run(p, ot))
    return;
  const FgObsStart *s = &ot->starts.items[0];
  size_t n = fg106_processes(ot);
  const FgPyFunc *f = &t->mod->py->funcs[t->func];
  FgDiag *d = fg_diag_new(
      &fg106_observed_pool_test, t->mod->src, f->name_span.start, f->name_span.end,
      "test `%s` started %zu process%s in the probe run (%s, %s) that "
      "static analysis does not see, and is not marked "
      "`@pytest.mark.%s`",
      t->name, n, n == 1 ? "" : "es", fg_obs_start_method(s), fg_obs_start_what(s),
      p->marker);
  d->test = fg_xstrdup(t->nodeid);
  d->suppress_at = f->span.start;
  fg106_chain(p, t->name, t->mod->src->path, f->name, s, d);
  fg106_notes(p, ot, s, d);
  d->fix = fg_marker_fix(p, t);
  fg_diag_list_push(out, d);
}

static int fg106_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Observed pool tests the test model does not collect at all (a class it
 * cannot see, a generated test): reported at the top of their file, with
 * no fix, when forkguard reads that file. */
static void fg106_on_project(const FgProject *p, FgDiagList *out) {
  if (!p->observed)
    return;
  FG_VEC(const char *) known = {0};
  for (size_t i = 0; i < p->py.tests.len; i++)
    fg_vec_push(&known, p->py.tests.items[i].nodeid);
  if (known.len > 1)
    qsort(known.items, known.len, sizeof(char *), fg106_cmp);
  char *last = NULL;
  for (size_t i = 0; i < p->observed->tests.len; i++) {
    const FgObsTest *ot = &p->observed->tests.items[i];
    if (!ot->starts.len)
      continue;
    char *base = fg_observed_base_nodeid(ot->nodeid);
    bool seen = last && strcmp(last, base) == 0;
    bool collected = known.len && bsearch(&base, known.items, known.len, sizeof(char *),
                                          fg106_cmp) != NULL;
    const char *sep = strstr(base, "::");
    char *file = sep ? fg_xstrndup(base, (size_t)(sep - base)) : NULL;
    const FgModule *m = file ? fg_pymodel_module_by_path(&p->py, file) : NULL;
    if (!seen && !collected && m && m->src && m->src->len &&
        !fg106_marked_at_run(p, ot)) {
      const FgObsStart *s = &ot->starts.items[0];
      size_t n = fg106_processes(ot);
      FgDiag *d =
          fg_diag_new(&fg106_observed_pool_test, m->src, 0, 0,
                      "test `%s` started %zu process%s in the probe run (%s, %s), "
                      "and forkguard's test model does not collect it",
                      base + (size_t)(sep - base) + 2, n, n == 1 ? "" : "es",
                      fg_obs_start_method(s), fg_obs_start_what(s));
      d->test = fg_xstrdup(base);
      fg106_chain(p, base + (size_t)(sep - base) + 2, NULL, NULL, s, d);
      char *note = fg_observed_note(p->observed, base);
      fg_diag_add_note(d, "%s", note);
      free(note);
      fg_diag_add_note(d, "no fix: mark the test by hand (pytest collects it where "
                          "forkguard does not look)");
      fg_diag_list_push(out, d);
    }
    free(file);
    free(last);
    last = base;
  }
  free(last);
  fg_vec_free(&known);
}

const FgRule fg106_observed_pool_test = {
    .code = "FG106",
    .name = "observed-pool-test",
    .summary = "a test started processes in a probe run that static analysis did not see",
    .doc = doc,
    .fix = "safe",
    .on_test = fg106_on_test,
    .on_project = fg106_on_project,
};
