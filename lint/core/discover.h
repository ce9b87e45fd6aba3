/* discover: which files the project has and what they are. The root is the
 * nearest directory, upward from the first path, holding .git,
 * pyproject.toml, pytest.ini, setup.cfg or tox.ini. The walk skips VCS,
 * virtualenv, cache and build folders, what the root .gitignore ignores and
 * the configured excludes; it never follows a symlinked directory (no loops)
 * and lists files in byte order of their relative paths. */
#ifndef FG_DISCOVER_H
#define FG_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

typedef struct FgDiscovery {
  char *root;         /* absolute, no trailing '/' */
  FgStrVec python;    /* every *.py, relative to root */
  FgStrVec workflows; /* the .yml / .yaml files in .github/workflows */
  FgStrVec warnings;  /* unreadable directories and the like */
  FgStrVec skipped;   /* "path/: why" for folders and .py / workflow files left out */
} FgDiscovery;

/* path: a file or directory the user named. excludes: extra glob patterns
 * (gitignore-like) from the configuration, may be NULL. Returns NULL and
 * sets *err when path does not exist or is not readable. */
FgDiscovery *fg_discover(const char *path, const char *const *excludes, size_t nexcludes,
                         char **err);
void fg_discovery_delete(FgDiscovery *self);

/* The project root for a path, without walking (malloc'd; NULL if path
 * does not exist). */
char *fg_discover_root(const char *path);

/* The repository root at or above dir (the nearest folder holding .git),
 * or NULL (malloc'd). dir: absolute, no trailing '/'. */
char *fg_discover_repo_root(const char *dir);

/* The workflow files of the folder `root` (absolute): the regular *.yml /
 * *.yaml files in root/.github/workflows, as ".github/workflows/x.yml", in
 * byte order. Appends to out; a missing folder adds nothing. */
void fg_discover_workflows_at(const char *root, FgStrVec *out);

/* gitignore-style match of one pattern against a relative path. */
bool fg_discover_glob_match(const char *pattern, const char *relpath, bool is_dir);

#endif
