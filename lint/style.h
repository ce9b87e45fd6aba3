/* style: the project's own Python gates, as its configuration sets them,
 * so that every line a fix writes passes them: the formatter's line length
 * (black, ruff), flake8's max-line-length, isort's (or ruff's `I`) section
 * rules, and whether mypy wants annotated defs. Read from pyproject.toml,
 * setup.cfg, tox.ini, .flake8, .isort.cfg, mypy.ini / .mypy.ini and
 * .pre-commit-config.yaml; each tool's default where it says nothing. */
#ifndef FG_STYLE_H
#define FG_STYLE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/overlay.h"
#include "core/util.h"

typedef enum FgImportSection {
  FG_SECTION_FUTURE,
  FG_SECTION_STDLIB,
  FG_SECTION_THIRDPARTY,
  FG_SECTION_FIRSTPARTY,
  FG_SECTION_LOCAL,
} FgImportSection;

typedef struct FgStyle {
  /* the longest line a fix may write: the formatter's length when black or
   * ruff is configured (a shorter line would be re-joined), else the
   * smallest flake8 / pycodestyle max-line-length, else 79 */
  int line_length;
  bool formatter;                  /* black or ruff format is in use */
  bool force_sort_within_sections; /* isort: `from` and `import` sorted together */
  FgStrVec known_first_party;      /* isort / ruff known first party (sorted) */
  FgStrVec known_third_party;
  FgStrVec local_modules; /* top-level modules of the repository (sorted) */
  bool annotate;          /* mypy: strict or disallow_untyped_defs anywhere */
} FgStyle;

/* Reads the gates' settings under the reader's root. modules: the paths
 * of the repository's .py files (what they hold at the root or under src/
 * is first party, as isort's default src_paths say). */
void fg_style_load(FgStyle *self, const FgReader *rd, char *const *modules,
                   size_t nmodules);
void fg_style_free(FgStyle *self);

/* The isort section of `import module` (dotted; level > 0: relative). */
FgImportSection fg_style_section(const FgStyle *self, const char *module, int level);

#endif
