/* serial_step: the serial CI step of SPEC §4, inserted right after a
 * pytest run's step: a copy of that step as written (same indentation, key
 * order, quoting and line endings) whose name gets " (<marker>, serial)",
 * whose id gets "-serial", whose pytest command loses xdist's options and
 * selects the marked tests with -m, and which gets `timeout-minutes`. FG201
 * also deselects the marked tests in the parallel run; FG202 only adds the
 * step. */
#ifndef FG_SERIAL_STEP_H
#define FG_SERIAL_STEP_H

#include <stdbool.h>

#include "project.h"

/* Why no byte-exact fix exists for this run, or NULL when one does. */
const char *fg_serial_step_no_fix(const FgRun *run);

/* The fix, or NULL (see fg_serial_step_no_fix). deselect: also turn the
 * run's -m into `(<old>) and not <marker>` / `not <marker>`. */
FgFix *fg_serial_step_fix(const FgProject *p, const FgRun *run, bool deselect);

/* The same for a launched run whose xdist option is among the words the
 * step hands to pytest after `--` (`tox -e py -- -n auto`, FgRun.posargs):
 * the step gets `-m "not <marker>"` after them and a serial copy without
 * them. NULL when the run has no such words or -m is the launcher's. */
FgFix *fg_serial_step_posargs_fix(const FgProject *p, const FgRun *run);
/* Why that split cannot be made although the words are there, or NULL. */
const char *fg_serial_step_posargs_no_fix(const FgRun *run);

/* Does xdist come from somewhere other than the command line (addopts,
 * PYTEST_ADDOPTS, pytest-enabler)? The serial copy then needs `-n 0`. */
bool fg_serial_step_xdist_elsewhere(const FgRun *run);
/* `-m EXPR` as a shell word: bare when EXPR is one word, else quoted (single
 * quotes when it holds a double quote); yaml_double_quoted escapes the
 * quotes for a double-quoted YAML scalar. */
char *fg_serial_step_m_option(const char *expr, bool yaml_double_quoted);

#endif
