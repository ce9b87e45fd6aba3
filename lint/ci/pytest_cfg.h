/* pytest_cfg: which file in a project root is pytest's configuration, and
 * the options forkguard needs from it; plus whether the project declares
 * pytest-xdist and pytest-enabler as dependencies.
 *
 * The config file is chosen the way pytest chooses it in one directory:
 * pytest.toml, .pytest.toml ([pytest] table, pytest 9), pytest.ini,
 * .pytest.ini (these win even when empty), pyproject.toml when it has
 * [tool.pytest.ini_options] or pytest 9's native [tool.pytest], tox.ini when
 * it has [pytest], setup.cfg when it has [tool:pytest]. When none matches
 * but a pyproject.toml exists, pytest (>= 8.1) still takes it as an empty
 * config: kind FG_PYTEST_CFG_PYPROJECT_EMPTY.
 *
 * Values: INI files and [tool.pytest.ini_options] follow pytest's ini types:
 * "args" options (addopts, testpaths, python_files/classes/functions) are
 * shlex-split strings (or TOML lists taken as they are), "linelist" options
 * (markers) are one entry per non-blank line (or TOML list items). Native
 * TOML ([tool.pytest], pytest.toml) takes lists of strings; a string there is
 * read as in ini mode.
 *
 * Ownership: fg_pytest_cfg_load returns a FgPytestCfg the caller frees with
 * fg_pytest_cfg_delete; it owns every string and array in it. */
#ifndef FG_PYTEST_CFG_H
#define FG_PYTEST_CFG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum FgPytestCfgKind {
  FG_PYTEST_CFG_NONE,
  FG_PYTEST_CFG_PYTEST_TOML,    /* pytest.toml or .pytest.toml, [pytest] */
  FG_PYTEST_CFG_PYTEST_INI,     /* pytest.ini or .pytest.ini, [pytest] */
  FG_PYTEST_CFG_PYPROJECT_INI,  /* pyproject.toml [tool.pytest.ini_options] */
  FG_PYTEST_CFG_PYPROJECT_TOML, /* pyproject.toml [tool.pytest] (pytest 9) */
  FG_PYTEST_CFG_TOX_INI,        /* tox.ini [pytest] */
  FG_PYTEST_CFG_SETUP_CFG,      /* setup.cfg [tool:pytest] */
  FG_PYTEST_CFG_PYPROJECT_EMPTY /* pyproject.toml without a pytest table */
} FgPytestCfgKind;

typedef struct FgPytestCfgItem {
  char *text;
  /* Where the item is written in the config file. For a word of a split
   * string this is the word when it maps one-to-one onto the file (INI
   * values, TOML strings without escapes), else the whole value. */
  size_t start, end;
} FgPytestCfgItem;

typedef struct FgPytestCfgList {
  FgPytestCfgItem *items;
  size_t len;
  bool present;      /* the option is set in the config file */
  size_t start, end; /* span of the whole value in the file (present only):
                        INI: first to last character of the value text;
                        TOML: the string or array, quotes/brackets included */
} FgPytestCfgList;

typedef struct FgPytestCfg {
  char *path; /* relative to the root ("pytest.ini"), NULL for NONE */
  FgPytestCfgKind kind;
  /* The pytest section's header: INI `[pytest]` line; TOML: the table's span.
   * Zero for NONE / PYPROJECT_EMPTY / an empty pytest.ini. */
  size_t section_start, section_end;

  FgPytestCfgList addopts; /* argv words */
  FgPytestCfgList testpaths;
  FgPytestCfgList markers;          /* NAMES: text before ':' or '(' of each entry;
                                       each item's span is its whole entry */
  FgPytestCfgList python_files;     /* defaults when absent: test_*.py *_test.py */
  FgPytestCfgList python_classes;   /* default: Test */
  FgPytestCfgList python_functions; /* default: test */

  /* A problem with the chosen file (unreadable, malformed, unterminated
   * quote in addopts...): the values read so far are kept. */
  bool has_error;
  char *error;         /* "pytest.ini: duplicate key in section" */
  size_t error_offset; /* byte offset in the config file */

  /* Declared dependencies anywhere in the project metadata. */
  bool has_xdist_dep;
  bool has_enabler_dep;
  bool has_cov_dep;     /* pytest-cov is a declared test dependency */
  char *xdist_dep_file; /* the first file that declares it, or NULL */
  char *enabler_dep_file;
} FgPytestCfg;

/* Reads the configuration of the project at root_dir (a directory path).
 * Never returns NULL; a missing config is kind NONE with defaults. */
FgPytestCfg *fg_pytest_cfg_load(const char *root_dir);
/* The same, with files of the overlay standing in for the disk's (--fix
 * rounds edit pytest.ini / pyproject.toml in memory). */
struct FgOverlay;
FgPytestCfg *fg_pytest_cfg_load_overlay(const char *root_dir,
                                        const struct FgOverlay *overlay);
void fg_pytest_cfg_delete(FgPytestCfg *self);

const char *fg_pytest_cfg_kind_name(FgPytestCfgKind kind);

/* True when name is in markers (exact match). */
bool fg_pytest_cfg_has_marker(const FgPytestCfg *self, const char *name);

/* A requirement string's project name normalized as PEP 503 says
 * ("Pytest_XDist[psutil]>=3" -> "pytest-xdist"); caller frees. Exposed for
 * the tests and other readers of requirement lists. */
char *fg_pytest_cfg_requirement_name(const char *requirement);

#endif
