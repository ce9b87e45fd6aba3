/* split_opts: what both halves of a split write, shared by the workflow
 * split (serial_step) and the tox.ini / Makefile split (serial_line):
 * the -m of each half, valid for every value a -m built from a shell,
 * make or Actions value can take (the empty one included); coverage that
 * the serial half must append to; report files it must not overwrite. */
#ifndef FG_SPLIT_OPTS_H
#define FG_SPLIT_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "project.h"

/* Where the -m is written: its expansions are those of that language. */
typedef enum FgSplitDialect {
  FG_SPLIT_SHELL, /* a workflow `run:` (POSIX shell, `${{ }}` from Actions) */
  FG_SPLIT_MAKE,  /* a Makefile recipe line: $(VAR) */
  FG_SPLIT_TOX,   /* a tox.ini commands line: {substitutions}, no conditional */
} FgSplitDialect;

/* The -m expression of one half of a split of run (the old -m combined,
 * never overwritten): `(<old>) and not <marker>` or `(<old>) and <marker>`;
 * for an -m that is one shell variable, `${X:+($X) and }not <marker>` (and
 * the make / Actions equivalents), so that an empty value still gives a
 * valid expression. NULL, with *why set, when no expression is valid for
 * every value. Caller frees. */
char *fg_split_expr(const FgRun *run, const char *marker, bool serial, FgSplitDialect d,
                    const char **why);

/* The same from the old -m as written (NULL: none). */
char *fg_split_expr_of(const char *old, const char *marker, bool serial, FgSplitDialect d,
                       const char **why);

/* Is coverage on for this run from any source: --cov in the command,
 * addopts, PYTEST_ADDOPTS or tox posargs, or pytest-enabler with pytest-cov
 * declared? The serial half then appends (`--cov-append`). */
bool fg_split_uses_cov(const FgProject *p, const FgRun *run);

/* A report option among the run's arguments (--junitxml, --junit-xml,
 * --json-report-file): returns the index of the argument holding its value
 * (i or i + 1), or -1. */
int fg_split_report_value(const FgRun *run, size_t i);
/* Where `-serial` goes in a report file's value as written in the file
 * (bytes [start, end), quotes included): before the extension of the last
 * path segment, else before a closing quote, else at the end. */
size_t fg_split_report_insert(const char *data, size_t start, size_t end);
/* Options the serial half adds for reports that come from addopts or
 * PYTEST_ADDOPTS (not written on the line): ` --junitxml=<file>-serial`,
 * and ` --json-report-file=.report-serial.json` for a bare --json-report. */
void fg_split_report_extras(const FgRun *run, FgBuf *out);

#endif
