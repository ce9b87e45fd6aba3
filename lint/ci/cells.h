/* cells: the (OS, Python) cells a GitHub Actions job runs in, from
 * `runs-on` (a label, a list of labels, or `${{ matrix.X }}`),
 * `strategy.matrix` (axes, then `exclude`, then `include` as GitHub applies
 * them) and `actions/setup-python` steps (`python-version` literal, list or
 * `${{ matrix.X }}`; `python-version-file` read from the repository).
 *
 * What cannot be known statically (other expressions, `fromJSON`, a missing
 * version file, no setup-python at all) is kept as an unknown value, which
 * the helpers treat as "could be Linux" and "could be Python < 3.14".
 *
 * Ownership: an FgCells owns its strings; free it with fg_cells_free. */
#ifndef FG_CELLS_H
#define FG_CELLS_H

#include <stdbool.h>
#include <stddef.h>

#include "ci/workflow.h"
#include "core/overlay.h"
#include "core/util.h"

typedef struct FgCell {
  char *os;     /* "ubuntu-latest", "self-hosted linux"; NULL when unknown */
  char *python; /* "3.12", "pypy3.10"; NULL when unknown */
} FgCell;

typedef struct FgCells {
  FG_VEC(FgCell) items;
  bool truncated; /* the matrix had more combinations than are modelled */
} FgCells;

/* Appends the job's cells to out (deduplicated, in matrix order). rd reads
 * `python-version-file` (inside the root only), or NULL to skip reading. */
void fg_cells_of_job(const FgJob *job, const FgReader *rd, FgCells *out);
void fg_cells_free(FgCells *self);

/* ubuntu-*, a `linux` label, self-hosted without an OS label, or unknown. */
bool fg_cell_is_linux(const FgCell *cell);
/* A CPython/PyPy version below 3.14, or unknown. */
bool fg_cell_python_before_314(const FgCell *cell);
/* "ubuntu-latest × 3.12"; unknown parts are spelled "unknown OS" /
 * "unknown Python". Caller frees. */
char *fg_cell_format(const FgCell *cell);
/* The cells as one line, at most `max` of them, "(+N more)" after. */
char *fg_cells_format(const FgCell *const *cells, size_t n, size_t max);

/* The cells as one line (at most max, "(+N more)" after); only_hazard
 * keeps the Linux, Python < 3.14 ones. *nkept gets how many matched (may be
 * NULL). Caller frees. */
char *fg_cells_line(const FgCells *cells, bool only_hazard, size_t max, size_t *nkept);

/* The values one matrix axis can take in the job (axis values and include
 * entries), appended to out; false when the matrix is not a literal
 * mapping (then nothing is known). */
bool fg_matrix_axis_values(const FgJob *job, const char *axis, FgStrVec *out);

/* If s is exactly `${{ matrix.NAME }}` (spaces optional), the malloc'd NAME;
 * else NULL. */
char *fg_matrix_ref(const char *s);

#endif
