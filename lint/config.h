/* config: forkguard's own settings, from [tool.forkguard] in pyproject.toml
 * or forkguard.toml / .forkguard.toml at the root, then the command line.
 * Unknown keys and wrong types are tool errors that name the key. */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

typedef struct FgPerFileIgnore {
  char *pattern;
  char **codes;
  size_t ncodes;
} FgPerFileIgnore;

typedef struct FgConfig {
  char *path;      /* the file it came from, NULL for defaults */
  FgStrVec select; /* codes or prefixes; empty = all */
  FgStrVec ignore;
  char *marker;         /* "no_parallel" */
  bool marker_explicit; /* set in config, not detected */
  char *start_method;   /* "spawn" */
  FgStrVec extra_pool_constructors;
  int timeout_minutes; /* 30 */
  char *split;         /* "marker" or "path" */
  FgStrVec exclude;
  FG_VEC(FgPerFileIgnore) per_file_ignores;
} FgConfig;

/* What the command line adds on top of the file. */
typedef struct FgConfigOverrides {
  const char *config_file; /* --config */
  bool no_config;          /* --no-config */
  const char *select;      /* comma-separated, replaces */
  const char *ignore;      /* comma-separated, adds */
  int jobs;                /* --jobs; 0: one per processor (at most 8) */
} FgConfigOverrides;

/* Loads the configuration for a project root. NULL + *err on error. */
FgConfig *fg_config_load(const char *root, const FgConfigOverrides *ov, char **err);
void fg_config_delete(FgConfig *self);

/* Is the rule enabled for this relative path? A rule that is off by
 * default (FgRule.default_off) is enabled only when `select` names its code
 * exactly: a prefix ("FG1") or "ALL" does not turn it on. */
bool fg_config_enabled(const FgConfig *self, const char *code, bool default_off,
                       const char *relpath);

#endif
