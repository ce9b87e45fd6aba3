/* FG202 marked-tests-never-run */
#include <string.h>

#include "fix/serial_step.h"
#include "fix/split_opts.h"
#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a test carrying the serial marker (`no_parallel` unless configured "
    "otherwise)\n"
    "whose file is collected by at least one pytest run in CI, but that every such run\n"
    "deselects -- typically a parallel run with `-m \"not no_parallel\"` and no serial "
    "step\n"
    "that runs the marked tests.\n"
    "\n"
    "## Why is this bad?\n"
    "Marking a test that starts processes is half of the cure: it keeps the test out of "
    "the\n"
    "parallel run. Without a serial step that selects it, the test silently never runs "
    "in\n"
    "CI, and regressions in the code it covers go unnoticed.\n"
    "\n"
    "## Example\n"
    "```yaml\n"
    "      - name: Test\n"
    "        run: pytest -n auto -m \"not no_parallel\"\n"
    "```\n"
    "Use instead:\n"
    "```yaml\n"
    "      - name: Test\n"
    "        run: pytest -n auto -m \"not no_parallel\"\n"
    "      - name: Test (no_parallel, serial)\n"
    "        run: pytest -m \"no_parallel\"\n"
    "        timeout-minutes: 30\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "The fix is safe: it inserts a serial step (no xdist, `-m <marker>` combined with "
    "the\n"
    "run's other -m terms, `timeout-minutes`) right after the run that deselects the "
    "tests\n"
    "by -m, preferring the one that says `not <marker>`. It only adds a run of tests "
    "that\n"
    "are currently never run. Runs that deselect by -k or --deselect get no fix.\n";

/* Why run deselects t: the -m or -k expression, or --deselect. */
static char *fg202_why(const FgProject *p, const FgRun *run, const FgTest *t) {
  if (run->m && !fg_markexpr_match_marks(run->m, (const char *const *)t->markers.items,
                                         t->markers.len))
    return fg_xasprintf("-m \"%s\"", run->mexpr);
  if (run->kexpr)
    return fg_xasprintf("-k \"%s\"", run->kexpr);
  return fg_xstrdup("--deselect");
}

/* A grouping convention (xdist_group) keeps tests in the parallel run; it
 * is not a marker CI deselects, so "never run" does not apply to it. */
static bool fg202_grouping(const FgProject *p, const char *name) {
  for (size_t i = 0; i < p->conventions.len; i++)
    if (p->conventions.items[i].groups && strcmp(p->conventions.items[i].name, name) == 0)
      return true;
  return false;
}

typedef FG_VEC(const FgRun *) FgConstRunVec;

/* Would the serial copy of run r (its -m and the marker) select t? A copy
 * that keeps `-m unit` for a test that is not `unit` would not, and the
 * fix would never settle. */
static bool fg202_copy_selects(const FgProject *p, const FgRun *r, const FgTest *t) {
  /* the -m as the run sees it (values expanded), the marker added */
  const char *why = NULL;
  char *expr = fg_split_expr_of(r->mexpr, p->marker, true, FG_SPLIT_SHELL, &why);
  char *err = NULL;
  FgMarkExpr *m = expr ? fg_markexpr_parse(expr, &err) : NULL;
  bool ok = false;
  if (m) {
    FG_VEC(const char *) marks = {0};
    for (size_t i = 0; i < t->markers.len; i++)
      fg_vec_push(&marks, t->markers.items[i]);
    fg_vec_push(&marks, p->marker);
    ok = fg_markexpr_match_marks(m, marks.items, marks.len);
    fg_vec_free(&marks);
  }
  fg_markexpr_delete(m);
  free(err);
  free(expr);
  return ok;
}

/* A serial step after the run that deselects the test by -m: preferably one
 * that says `not <marker>` (the parallel half of a split whose serial half
 * is missing). -k and --deselect would still deselect it in a copy. */
static FgFix *fg202_fix(const FgProject *p, const FgTest *t, const FgConstRunVec *runs) {
  if (strcmp(t->marked_by, p->marker) != 0)
    return NULL; /* the copy selects -m <marker>: another convention stays out */
  const FgRun *best = NULL;
  char *notm = fg_xasprintf("not %s", p->marker);
  for (size_t i = 0; i < runs->len; i++) {
    const FgRun *r = runs->items[i];
    if (!r->m || r->kexpr || r->deselects.len || fg_serial_step_no_fix(r))
      continue;
    if (fg_markexpr_match_marks(r->m, (const char *const *)t->markers.items,
                                t->markers.len))
      continue;
    if (!fg202_copy_selects(p, r, t))
      continue;
    if (!best || (strstr(r->mexpr, notm) && !strstr(best->mexpr, notm)))
      best = r;
  }
  free(notm);
  return best ? fg_serial_step_fix(p, best, false) : NULL;
}

static void fg202_on_test(const FgProject *p, const FgTest *t, FgDiagList *out) {
  if (!t->marked || fg202_grouping(p, t->marked_by))
    return;
  FgConstRunVec collecting = {0};
  for (size_t i = 0; i < p->ci.runs.len; i++) {
    const FgRun *r = p->ci.runs.items[i];
    if (fg_run_selects(p, r, t)) {
      fg_vec_free(&collecting);
      return;
    }
    if (fg_run_collects(p, r, t))
      fg_vec_push(&collecting, r);
  }
  if (!collecting.len) {
    fg_vec_free(&collecting);
    return;
  }
  const FgPyFunc *f = &t->mod->py->funcs[t->func];
  FgDiag *d = fg_diag_new(
      &fg202_marked_tests_never_run, t->mod->src, f->name_span.start, f->name_span.end,
      "test `%s` is marked `%s` but every CI run that collects it "
      "deselects it (%zu run%s)",
      t->name, t->marked_by, collecting.len, collecting.len == 1 ? "" : "s");
  d->test = fg_xstrdup(t->nodeid);
  d->suppress_at = f->span.start;
  for (size_t i = 0; i < collecting.len && i < 3; i++) {
    const FgRun *r = collecting.items[i];
    char *where = fg_run_where(r);
    char *why = fg202_why(p, r, t);
    fg_diag_add_note(d, "deselected by: %s (%s)", where, why);
    free(why);
    free(where);
  }
  if (collecting.len > 3)
    fg_diag_add_note(d, "deselected by: %zu more run%s", collecting.len - 3,
                     collecting.len == 4 ? "" : "s");
  d->fix = fg202_fix(p, t, &collecting);
  fg_vec_free(&collecting);
  fg_diag_list_push(out, d);
}

const FgRule fg202_marked_tests_never_run = {
    .code = "FG202",
    .name = "marked-tests-never-run",
    .summary =
        "a marked test is deselected by every CI pytest run that collects its file",
    .doc = doc,
    .fix = "safe",
    .on_test = fg202_on_test,
};
