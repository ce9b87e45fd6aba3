/* FG201 parallel-run-selects-pool-tests */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ci/cells.h"
#include "fix/serial_line.h"
#include "fix/serial_step.h"
#include "project.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Flags a pytest run in CI that has pytest-xdist active (`-n auto`, `-n 4`,\n"
    "`--numprocesses`, or `-n` from `addopts` / `PYTEST_ADDOPTS`) and selects at least "
    "one\n"
    "test that starts worker processes.\n"
    "\n"
    "## Why is this bad?\n"
    "Such a test runs inside an xdist worker. With the `fork` start method its pool "
    "copies\n"
    "the worker's held locks and can hang the job until the CI timeout, or crash it. "
    "The\n"
    "parallel run should deselect these tests (`-m \"not no_parallel\"`) and a serial "
    "step\n"
    "should run them.\n"
    "\n"
    "## Example\n"
    "```yaml\n"
    "      - name: Test\n"
    "        run: python -m pytest tests/ -n auto\n"
    "```\n"
    "Use instead:\n"
    "```yaml\n"
    "      - name: Test\n"
    "        run: python -m pytest tests/ -n auto -m \"not no_parallel\"\n"
    "      - name: Test (no_parallel, serial)\n"
    "        run: python -m pytest tests/ -m \"no_parallel\"\n"
    "        timeout-minutes: 30\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "The fix is safe: the parallel run deselects the marked tests and a serial step "
    "right\n"
    "after it runs exactly those, so every test still runs once. No fix is offered when "
    "a\n"
    "selected test carries an equivalent convention instead of the marker (`serial`, or\n"
    "`xdist_group` under `--dist loadgroup`, see FG101): `not <marker>` would not "
    "deselect\n"
    "it. A test in an `xdist_group` still runs inside an xdist worker, so this rule "
    "keeps\n"
    "flagging the run.\n"
    "\n"
    "A run launched by `tox -e ENV` or `make TARGET` is split in the file its pytest\n"
    "command is written in. In tox.ini the `commands` line gets the `-m` (before\n"
    "`{posargs}` when it has one) and a copy of it follows on a new line, with the "
    "same\n"
    "factor prefix and continuations, xdist's options removed (from a\n"
    "`{posargs:DEFAULT}` too) and `-m <marker>`; `-n 0` is added when xdist also "
    "comes\n"
    "from addopts or `PYTEST_ADDOPTS` (tox `setenv`). In a Makefile the recipe line "
    "gets\n"
    "the `-m` and a copy follows as a new recipe line with the same `@`/`-` prefix. "
    "No\n"
    "fix is offered when `-n`, `-m` or pytest itself comes from a make variable or a "
    "tox\n"
    "substitution, or when the line runs more than one command. A line of an in-repo "
    "shell\n"
    "script is split the same way. When `-n` is one of the words the step hands to "
    "tox or\n"
    "nox after `--` (`tox -e py -- -n auto`), the step itself is split: `-m \"not "
    "<marker>\"`\n"
    "after those words, and a serial step without xdist's options. Commands in "
    "tox.toml\n"
    "arrays, pixi tasks, nox sessions and hatch scripts get a note instead of a fix.\n"
    "\n"
    "The serial half is written to hold whatever CI passes it:\n"
    "- an empty selection (pytest's exit code 5) succeeds and every other failure still\n"
    "  fails: `|| test $? -eq 5` in a workflow step (`{ ...; }` around it inside a\n"
    "  pipeline or list) and in a Makefile (`$$?`); tox runs commands without a shell "
    "and\n"
    "  has no way to accept one exit code (a `-` prefix or `ignore_outcome` would hide\n"
    "  real failures), so the tox line runs through a one-line `python -c` wrapper that\n"
    "  maps 5 to 0 and passes every other code through;\n"
    "- in tox.ini its `-m` and `-n 0` go after `{posargs}`: a later `-n` wins in pytest, "
    "so\n"
    "  `tox -- -n 4 tests/x` cannot turn xdist back on;\n"
    "- `--cov-append` whenever coverage is on from any source (the command, addopts,\n"
    "  `PYTEST_ADDOPTS`, posargs, pytest-enabler with pytest-cov), `coverage run -a` "
    "for\n"
    "  `coverage run -m pytest`, and its own `--junitxml` / `--json-report-file`\n"
    "  (`report.xml` -> `report-serial.xml`).\n"
    "\n"
    "An `-m` built from a value -- `-m \"$target\"`, `-m \"${{ matrix.m }}\"`, `$(M)` in "
    "make --\n"
    "gets an expression valid for every value, the empty one included:\n"
    "`-m \"${target:+($target) and }not no_parallel\"` (Actions:\n"
    "`${{ matrix.m && format('({0}) and ', matrix.m) || '' }}`, make: `$(if $(M),($(M)) "
    "and )`).\n"
    "A run written that way is read back as deselecting the marker, so it is never "
    "split\n"
    "twice. No fix is offered when the value is several expansions that may all be "
    "empty,\n"
    "or a tox substitution (tox has no conditional).\n"
    "\n"
    "No serial step is offered when the step runs more than one pytest command (the\n"
    "copy would run the others again), nor when xdist's options or `-m` come from an\n"
    "expression or a shell variable that holds more than that word (`$PYTEST_ARGS`).\n";

/* Does the run's -m say `not <marker>` (a split made before)? */
static bool fg201_deselects_marker(const FgRun *run, const char *marker) {
  if (!run->m)
    return false;
  char *canon = fg_markexpr_to_string(run->m);
  char *term = fg_xasprintf("not %s", marker);
  bool found = false;
  size_t tl = strlen(term);
  for (const char *at = strstr(canon, term); at && !found; at = strstr(at + 1, term)) {
    char before = at == canon ? ' ' : at[-1];
    char after = at[tl];
    found = (before == ' ' || before == '(') &&
            (after == '\0' || after == ' ' || after == ')');
  }
  free(term);
  free(canon);
  return found;
}

static void fg201_on_run(const FgProject *p, const FgRun *run, FgDiagList *out) {
  if (!run->xdist)
    return;
  const FgTestPtrVec *hits = &run->pool_tests;
  if (!hits->len)
    return;
  size_t start = 0, end = 0;
  fg_run_xdist_span(run, &start, &end);
  FgDiag *d = fg_diag_new(
      &fg201_parallel_run_selects_pool_tests, run->wf->src, start, end,
      "parallel pytest run (%s) selects %zu test%s that start%s worker "
      "processes",
      run->xdist_why, hits->len, hits->len == 1 ? "" : "s", hits->len == 1 ? "s" : "");
  d->suppress_at = run->step->node->start;
  char *where = fg_run_where(run);
  fg_diag_add_note(d, "runs in: %s", where);
  free(where);
  FgBuf names = {0};
  for (size_t i = 0; i < hits->len && i < 3; i++)
    fg_buf_printf(&names, "%s%s", i ? ", " : "", hits->items[i]->nodeid);
  if (hits->len > 3)
    fg_buf_printf(&names, " (+%zu more)", hits->len - 3);
  fg_diag_add_note(d, "selects: %s", names.data);
  fg_buf_free(&names);
  char *line = fg_cells_line(&run->cells, false, 6, NULL);
  fg_diag_add_note(d, "cells: %s", line);
  free(line);
  for (size_t i = 0; i < run->notes.len; i++)
    fg_diag_add_note(d, "note: %s", run->notes.items[i]);
  for (size_t i = 0; i < hits->len; i++) {
    const FgTest *t = hits->items[i];
    const FgPyFunc *f = &t->mod->py->funcs[t->func];
    fg_diag_add_related(d, t->mod->src, f->name_span.start, f->name_span.end, "%s",
                        t->nodeid);
  }
  /* a test marked by another accepted convention (serial, xdist_group)
   * stays selected after `not <marker>`: that fix would never settle */
  const FgTest *other = NULL;
  for (size_t i = 0; i < hits->len && !other; i++)
    if (hits->items[i]->marked && strcmp(hits->items[i]->marked_by, p->marker) != 0)
      other = hits->items[i];
  if (other)
    fg_diag_add_note(
        d, "no fix: %s is marked `%s`, which `-m \"not %s\"` would not deselect",
        other->nodeid, other->marked_by, p->marker);
  /* a run that already deselects the marker was split before: the tests
   * it still selects are unmarked, and splitting again would never settle */
  const char *marker = p->marker;
  bool split = fg201_deselects_marker(run, marker);
  if (split && !other)
    fg_diag_add_note(d,
                     "no fix here: the run already deselects `%s`; mark the tests "
                     "(FG101)",
                     marker);
  /* the serial copy is of the whole step: with another pytest command in
   * it the copy would run that one again (and the fixes of both overlap) */
  bool several = false;
  for (size_t i = 0; i < p->ci.runs.len && !run->via && !several; i++) {
    const FgRun *o = p->ci.runs.items[i];
    several = o->step == run->step && !o->via && o->start != run->start;
  }
  if (several && !other && !split)
    fg_diag_add_note(d, "no fix: the step runs more than one pytest command; split "
                        "it by hand");
  /* a run from tox.ini or a Makefile is split in that file */
  bool skip = other || split || several;
  d->fix = skip       ? NULL
           : run->via ? fg_serial_line_fix(p, run)
                      : fg_serial_step_fix(p, run, true);
  const char *why = skip       ? NULL
                    : run->via ? fg_serial_line_no_fix(run)
                               : fg_serial_step_no_fix(run);
  /* -n in the words the step hands to tox after `--`: split the step */
  if (!skip && run->via && !d->fix) {
    d->fix = fg_serial_step_posargs_fix(p, run);
    if (d->fix)
      why = NULL;
    else if (fg_serial_step_posargs_no_fix(run))
      why = fg_serial_step_posargs_no_fix(run);
  }
  if (why)
    fg_diag_add_note(d, "no fix: %s", why);
  fg_diag_list_push(out, d);
}

const FgRule fg201_parallel_run_selects_pool_tests = {
    .code = "FG201",
    .name = "parallel-run-selects-pool-tests",
    .summary = "a CI pytest run with xdist active selects a test that uses pools",
    .doc = doc,
    .fix = "safe",
    .on_run = fg201_on_run,
};
