/* conftest_fix: the conftest.py edit of SPEC §4. In the top-most
 * conftest.py that covers the given tests (created at the test root when
 * there is none), register the marker and/or set a non-fork start method on
 * Linux in `pytest_configure`: an existing hook is extended in place with
 * its own parameter name, missing imports go after the docstring and
 * __future__ imports, and nothing already present is added twice. Shared by
 * FG301 (start method and registration) and FG302 (registration). */
#ifndef FG_CONFTEST_FIX_H
#define FG_CONFTEST_FIX_H

#include <stdbool.h>

#include "project.h"

/* NULL when there is nothing to add. test_paths: the files of the tests the
 * edit must cover (relative to the root). */
FgFix *fg_conftest_fix(const FgProject *p, const char *const *test_paths, size_t n,
                       bool register_marker, bool set_method, FgApplicability app,
                       const char *message);

/* FG302's fix: one more entry in the config file's `markers` list when
 * that is where the project registers its markers (pytest.ini, tox.ini,
 * setup.cfg, pyproject.toml), else the conftest edit above. NULL when the
 * marker is registered already. */
FgFix *fg_register_marker_fix(const FgProject *p, const char *const *test_paths,
                              size_t n);
/* Does the project register markers in its pytest config file? */
bool fg_registers_in_config(const FgProject *p);

#endif
