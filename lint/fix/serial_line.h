/* serial_line: FG201's split for a pytest run written in a launcher's file
 * (a tox.ini `commands` line, a Makefile recipe line) rather than in the
 * workflow. The line gets `-m "not <marker>"` (before `{posargs}` when it
 * has one), and a copy of it goes on a new line right after it -- same
 * indentation, factor prefix, `@`/`-` prefix and continuations -- with
 * xdist's options removed and `-m <marker>`, so the tox env or make target
 * runs the serial part itself. The copy follows SPEC §4's serial step:
 * `-n 0` when xdist also comes from addopts, PYTEST_ADDOPTS or
 * pytest-enabler, `--cov-append` with `--cov`.
 *
 * Only what is written on the line is edited: an -n or -m that comes from a
 * make variable or a tox substitution other than `{posargs:DEFAULT}` gets no
 * fix. */
#ifndef FG_SERIAL_LINE_H
#define FG_SERIAL_LINE_H

#include "project.h"

/* Why no fix exists for this launched run (run->via set), or NULL. */
const char *fg_serial_line_no_fix(const FgRun *run);

/* The fix, or NULL (see fg_serial_line_no_fix). */
FgFix *fg_serial_line_fix(const FgProject *p, const FgRun *run);

#endif
