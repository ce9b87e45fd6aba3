/* cells: the (OS, Python) cells a GitHub Actions job runs in: the job's
 * matrix combinations (axes, then `exclude`, then `include` as GitHub
 * applies them, values as ci/expr values), `runs-on` (a label, a list of
 * labels, an expression) and the Python the setup actions before a step
 * install (see fg_job_pythons), each evaluated per combination.
 *
 * What cannot be known statically (expressions on `needs`/`github`,
 * `fromJSON` of them, a missing version file, no setup action at all) is
 * kept as an unknown value, which the helpers treat as "could be Linux" and
 * "could be Python < 3.14".
 *
 * Ownership: an FgCells owns its strings; free it with fg_cells_free. */
#ifndef FG_CELLS_H
#define FG_CELLS_H

#include <stdbool.h>
#include <stddef.h>

#include "ci/expr.h"
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
/* Adds one cell unless present (os, py may be NULL: unknown). */
void fg_cells_add(FgCells *self, const char *os, const char *py);
/* Keeps the cells for which keep(cell, user) is true. */
void fg_cells_retain(FgCells *self, bool (*keep)(const FgCell *cell, void *user),
                     void *user);
/* Adds src's cells to dst. */
void fg_cells_merge(FgCells *dst, const FgCells *src);

typedef FG_VEC(FgXValue *) FgXValueVec;

/* The job's matrix combinations, as GitHub expands them: the product of
 * the axes, then `exclude`, then `include` (an entry extends every
 * combination whose axis values it matches and does not overwrite, else it
 * is a combination of its own; keys only an include sets exist only in the
 * combinations it reached). Each is the `matrix` object of one job run. A
 * job without a matrix has one empty combination; a matrix that is not
 * known (`${{ fromJSON(...) }}` of something not known) one NULL entry.
 * scope: what the matrix's own expressions may read (inputs). */
void fg_matrix_combos(const FgJob *job, FgXArena *a, const FgXScope *scope,
                      FgXValueVec *out, bool *truncated);
/* `runs-on` in scope: "ubuntu-latest", "self-hosted linux x64"; NULL when
 * not known. Caller frees. */
char *fg_job_runs_on(const FgJob *job, const FgXScope *scope);
/* runner.os for runs-on labels: "Linux", "Windows", "macOS"; NULL when the
 * labels do not say. */
const char *fg_runner_os(const char *labels);
/* The Python versions the job's setup steps before step `upto` leave on
 * PATH in scope: the last of actions/setup-python (python-version, a list,
 * python-version-file, else .python-version) and of any other action given
 * a `python-version` (astral-sh/setup-uv, conda-incubator/setup-miniconda,
 * deadsnakes/action, a local composite action) whose `if:` may hold; a
 * conda setup action (setup-miniconda, setup-micromamba) without one gives
 * the Python its `environment-file` pins (`- python=3.11`) or its
 * `create-args` name. A NULL entry is unknown (no setup step: the
 * runner's Python, see fg_job_image_python). */
void fg_job_pythons(const FgJob *job, size_t upto, const FgReader *rd,
                    const FgXScope *scope, FgStrVec *out);
/* The runner's own Python for a job with no Python setup step before step
 * `upto`: the system python3 of a pinned GitHub-hosted Ubuntu image (os:
 * the runs-on label; "ubuntu-24.04" 3.12); NULL for `-latest` labels (they
 * move), other images and jobs in a container. */
const char *fg_job_image_python(const FgJob *job, size_t upto, const char *os);

/* ubuntu-*, a `linux` label, self-hosted without an OS label, or unknown. */
bool fg_cell_is_linux(const FgCell *cell);
/* The minor version of a CPython/PyPy 3.x cell ("3.12" 12, "pypy3.10" 10,
 * "3.14t" 14); -1 when not known ("3.x", ">=3.9", unknown). */
int fg_cell_python_minor(const FgCell *cell);
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
