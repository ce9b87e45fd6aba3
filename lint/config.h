/* config: forkguard's own settings, from [tool.forkguard] in pyproject.toml
 * or forkguard.toml / .forkguard.toml at the root, then the command line.
 * Unknown keys and wrong types are tool errors that name the key. */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/rule.h"
#include "core/util.h"

typedef struct FgPerFileIgnore {
  char *pattern;
  char **codes;
  size_t ncodes;
} FgPerFileIgnore;

/* Rule selectors (select, ignore, per-file-ignores) are checked against the
 * catalogue and kept canonical: "ALL", or an upper-case code prefix ("FG1",
 * "FG101"); a rule's name stands for its code. */
typedef struct FgConfig {
  char *path;             /* the file it came from, NULL for defaults */
  FgStrVec select;        /* selectors; empty = every rule that is not opt-in */
  FgStrVec extend_select; /* selectors added to select (or to the default) */
  FgStrVec ignore;
  char *marker;         /* "no_parallel" */
  bool marker_explicit; /* set in config, not detected */
  char *start_method;   /* "spawn" */
  FgStrVec extra_pool_constructors;
  int timeout_minutes; /* 30 */
  FgStrVec exclude;
  FG_VEC(FgPerFileIgnore) per_file_ignores;
} FgConfig;

/* What the command line adds on top of the file. */
typedef struct FgConfigOverrides {
  const char *config_file;   /* --config */
  bool no_config;            /* --no-config */
  const char *select;        /* comma-separated, replaces */
  const char *ignore;        /* comma-separated, adds */
  int jobs;                  /* --jobs; 0: one per processor (at most 8) */
  const char *extend_select; /* comma-separated, adds to select */
  /* the catalogue selectors are checked against (NULL: not checked) */
  const FgRule *const *rules;
  size_t nrules;
  /* .py files to parse whatever the prefilter says, sorted (borrowed): the
   * files a probe run's observations name */
  const char *const *parse_paths;
  size_t nparse_paths;
  bool no_cache;         /* --no-cache */
  const char *cache_dir; /* --cache-dir, else FORKGUARD_CACHE_DIR, else
                            .forkguard_cache at the project root */
} FgConfigOverrides;

/* Loads the configuration for a project root. NULL + *err on error. */
FgConfig *fg_config_load(const char *root, const FgConfigOverrides *ov, char **err);
void fg_config_delete(FgConfig *self);

/* Is the rule enabled (for this relative path, when not NULL)? An opt-in
 * rule is enabled only when `select` names it. */
bool fg_config_enabled(const FgConfig *self, const FgRule *rule, const char *relpath);

/* Does the configuration select this code by name (select or
 * extend-select, by code, prefix or ALL), and not ignore it? For opt-in
 * rules that need work done before the rules run. */
bool fg_config_selects(const FgConfig *self, const char *code);

#endif
