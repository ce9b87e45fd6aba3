/* fix/marker_fix: the marker edit of SPEC §4 (FG101), shared by the rules
 * that ask for a test to be marked (FG101, FG106). */
#ifndef FG_MARKER_FIX_H
#define FG_MARKER_FIX_H

#include "project.h"

/* `@pytest.mark.<marker>` on the test's def, in the file's own spelling of
 * pytest.mark; `import pytest` is added where isort wants it when the
 * module has no way to reach pytest.mark. */
FgFix *fg_marker_fix(const FgProject *p, const FgTest *t);

/* The same decorator on the class that holds t, for every test of it. */
FgFix *fg_marker_class_fix(const FgProject *p, const FgTest *t);

/* One module-level `pytestmark = pytest.mark.<marker>` for every test of
 * t's module, after its imports (past a trailing try/except import), or an
 * existing pytestmark extended in its own layout. NULL
 * when the module's pytestmark is a value that cannot be extended: the
 * caller marks the tests one by one. */
FgFix *fg_marker_module_fix(const FgProject *p, const FgTest *t);

#endif
