#include "project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ci/repo.h"
#include "core/cache.h"
#include "core/discover.h"
#include "core/inputs.h"
#include "core/parallel.h"
#include "parse/pyfile_cache.h"

/* Files an overlay creates join the discovered ones, in order. */
static void fg_add_overlay_paths(FgStrVec *list, const FgOverlay *ov, bool python) {
  if (!ov)
    return;
  bool added = false;
  for (size_t i = 0; i < ov->files.len; i++) {
    const char *path = ov->files.items[i].path;
    /* a file outside the project (the repository's workflow, a sibling's
     * file fixed first in a --diff over several projects) is never its own */
    bool wanted = !fg_str_startswith(path, "../") &&
                  (python ? fg_str_endswith(path, ".py")
                          : fg_str_startswith(path, ".github/workflows/"));
    if (!wanted)
      continue;
    bool present = false;
    for (size_t k = 0; k < list->len && !present; k++)
      present = strcmp(list->items[k], path) == 0;
    if (!present) {
      fg_vec_push(list, fg_xstrdup(path));
      added = true;
    }
  }
  if (added && list->len > 1)
    qsort(list->items, list->len, sizeof(char *), fg_str_cmp_ptr);
}

/* ---- pytest's settings -------------------------------------------------------- */

static void fg_cfg_list(FgStrVec *out, const FgPytestCfgList *l, const char *defaults) {
  if (l->present) {
    for (size_t i = 0; i < l->len; i++)
      fg_vec_push(out, fg_xstrdup(l->items[i].text));
  }
  if (!out->len && defaults)
    fg_strvec_split(out, defaults, " ");
}

static void fg_load_pytest_settings(FgProject *p) {
  FgPytestCfg *c = fg_pytest_cfg_load_overlay(p->root, p->reader.overlay);
  p->pytest_cfg = c;
  if (c->path)
    p->pytest_cfg_path = fg_xstrdup(c->path);
  if (c->path && c->kind != FG_PYTEST_CFG_PYPROJECT_EMPTY) {
    /* kept for FG001's position and for fixes that edit its markers */
    size_t len = 0;
    char *why = NULL;
    char *data = fg_reader_read(&p->reader, c->path, 1u << 20, &len, &why);
    if (data)
      p->pytest_cfg_src = fg_source_new(c->path, data, len);
    else if (c->has_error)
      fg_vec_push(&p->problems.warnings, fg_xasprintf("warning: %s", c->error));
    free(data);
    free(why);
  } else if (c->has_error) {
    fg_vec_push(&p->problems.warnings, fg_xasprintf("warning: %s", c->error));
  }
  fg_cfg_list(&p->py.python_files, &c->python_files, "test_*.py *_test.py");
  fg_cfg_list(&p->py.python_classes, &c->python_classes, "Test");
  fg_cfg_list(&p->py.python_functions, &c->python_functions, "test");
  fg_cfg_list(&p->testpaths, &c->testpaths, NULL);
  fg_cfg_list(&p->addopts, &c->addopts, NULL);
  fg_cfg_list(&p->registered_markers, &c->markers, NULL);
}

/* ---- loading ------------------------------------------------------------------- */

/* A project below the repository root gets its CI from the repository's
 * workflows too (ci/repo): those of its runs that reach the project. */
static void fg_load_repo_ci(FgProject *p, const FgRunContext *ctx, FgDiscovery *disc) {
  char *repo = fg_discover_repo_root(p->root);
  if (!repo || strcmp(repo, p->root) == 0) {
    free(repo);
    return;
  }
  FgStrVec workflows = {0};
  fg_discover_workflows_at(repo, &workflows);
  const char *dir = p->root + strlen(repo) + 1;
  FgRepoCi rc = {.root = repo, .project_dir = dir, .workflows = &workflows};
  size_t added = workflows.len ? fg_ci_add_repo_workflows(&p->ci, &p->reader, &rc, ctx,
                                                          &p->problems, &disc->skipped)
                               : 0;
  fg_strvec_free(&workflows);
  if (!added) {
    free(repo);
    return;
  }
  p->repo_root = repo;
  p->repo_dir = fg_xstrdup(dir);
}

/* The options the conftest.py files register: pytest reads a run's words
 * with them (`--config FILE` takes FILE as its value, not as a test path).
 * A conftest that cannot be read is the test model's to report. */
static void fg_load_project_opts(FgProject *p, const FgDiscovery *disc) {
  for (size_t i = 0; i < disc->python.len; i++) {
    const char *rel = disc->python.items[i];
    if (strcmp(fg_path_base(rel), "conftest.py") != 0)
      continue;
    size_t len = 0;
    char *err = NULL;
    char *data = fg_reader_read(&p->reader, rel, FG_MAX_PY_BYTES, &len, &err);
    free(err);
    if (!data)
      continue;
    if (fg_memmem(data, len, "addoption", 9)) { /* else nothing to read: no parse */
      FgSource *src = fg_source_new(rel, data, len);
      fg_pyopts_read(src, &p->project_opts);
      fg_source_delete(src);
    }
    free(data);
  }
}

/* The CI model: workflows, their pytest runs with pytest's settings, and
 * every job's cells. */
static void fg_load_ci(FgProject *p, FgDiscovery *disc) {
  fg_ci_load_workflows(&p->ci, &p->reader, &disc->workflows, &p->problems);
  fg_load_project_opts(p, disc);
  const FgPytestCfg *pc = p->pytest_cfg;
  const char *enabler = NULL;
  if (pc->has_enabler_dep && pc->has_xdist_dep)
    enabler = pc->enabler_dep_file ? pc->enabler_dep_file : "the project metadata";
  FgRunContext ctx = {.ini_addopts = (const char *const *)p->addopts.items,
                      .nini_addopts = p->addopts.len,
                      .ini_name = p->pytest_cfg_path,
                      .testpaths = (const char *const *)p->testpaths.items,
                      .ntestpaths = p->testpaths.len,
                      .enabler_file = enabler,
                      .root = p->root,
                      .project_opts = p->project_opts.items,
                      .nproject_opts = p->project_opts.len};
  fg_ci_collect_runs(&p->ci, &p->reader, &ctx);
  fg_ci_collect_cells(&p->ci, &p->reader);
  fg_load_repo_ci(p, &ctx, disc);
}

char *fg_project_build_id(void) {
  struct stat st;
  if (stat("/proc/self/exe", &st) == 0)
    return fg_xasprintf("%s:%lld:%lld.%09ld", FG_VERSION, (long long)st.st_size,
                        (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
  return fg_xstrdup(FG_VERSION);
}

char *fg_project_cache_dir(const char *root, const FgConfigOverrides *ov) {
  if (ov && ov->no_cache)
    return NULL;
  const char *env = getenv("FORKGUARD_CACHE_DIR");
  const char *given = ov && ov->cache_dir ? ov->cache_dir : env && *env ? env : NULL;
  return given ? fg_xstrdup(given) : fg_xasprintf("%s/" FG_CACHE_DIRNAME, root);
}

/* The summaries' cache, in the folder of fg_project_cache_dir. */
static FgCache *fg_open_cache(const FgProject *p, const FgConfigOverrides *ov) {
  char *dir = fg_project_cache_dir(p->root, ov);
  if (!dir)
    return NULL;
  FgPyOptions opts = {p->py.extra_pool_constructors, p->py.nextra_pool_constructors};
  char *build = fg_project_build_id();
  FgCache *c = fg_cache_open(dir, "py", fg_pyfile_cache_key(&opts, build));
  free(build);
  free(dir);
  return c;
}

/* The test model: summaries and propagation, then the test items with the
 * marker in force and the conventions found meanwhile. */
static void fg_load_python(FgProject *p, const FgDiscovery *disc,
                           const FgConfigOverrides *ov) {
  p->py.extra_pool_constructors =
      (const char *const *)p->config->extra_pool_constructors.items;
  p->py.nextra_pool_constructors = p->config->extra_pool_constructors.len;
  p->cache = fg_open_cache(p, ov);
  p->py.cache = p->cache;
  p->py.parse_suppressions = fg_config_selects(p->config, "FG002");
  p->py.force_parse = p->parse_paths;
  p->py.nforce_parse = p->nparse_paths;
  fg_pymodel_load(&p->py, &p->reader, &disc->python, p->marker, &p->problems);
  /* where a test run's environment can be set, besides the Python code */
  static const char *const kEnvFiles[] = {"tox.ini",
                                          "tox.toml",
                                          "setup.cfg",
                                          "pyproject.toml",
                                          "pytest.ini",
                                          "noxfile.py",
                                          "Makefile",
                                          "GNUmakefile",
                                          ".env",
                                          "pixi.toml",
                                          "hatch.toml",
                                          ".gitlab-ci.yml",
                                          "azure-pipelines.yml",
                                          ".circleci/config.yml",
                                          ".travis.yml",
                                          "Dockerfile"};
  FG_VEC(const char *) env_files = {0};
  for (size_t i = 0; i < sizeof kEnvFiles / sizeof kEnvFiles[0]; i++)
    fg_vec_push(&env_files, kEnvFiles[i]);
  for (size_t i = 0; i < disc->workflows.len; i++)
    fg_vec_push(&env_files, disc->workflows.items[i]);
  p->py.env_files = env_files.items;
  p->py.nenv_files = env_files.len;
  fg_pymodel_environ(&p->py, &p->reader);
  p->py.env_files = NULL;
  p->py.nenv_files = 0;
  fg_vec_free(&env_files);
  fg_project_detect_conventions(p);
  FG_VEC(const char *) equivalents = {0};
  for (size_t i = 0; i < p->conventions.len; i++)
    fg_vec_push(&equivalents, p->conventions.items[i].name);
  fg_pymodel_collect_tests(&p->py, p->marker, equivalents.items, equivalents.len);
  fg_vec_free(&equivalents);
  fg_pymodel_start_settings(&p->py, &p->start_settings);
}

FgProject *fg_project_load(const char *const *paths, size_t npaths,
                           const FgConfigOverrides *ov, char **err) {
  return fg_project_load_overlay(paths, npaths, ov, NULL, err);
}

FgProject *fg_project_load_overlay(const char *const *paths, size_t npaths,
                                   const FgConfigOverrides *ov, const FgOverlay *overlay,
                                   char **err) {
  *err = NULL;
  const char *first = npaths ? paths[0] : ".";
  char *root = fg_discover_root(first);
  if (!root) {
    *err = fg_xasprintf("%s: no such file or directory", first);
    return NULL;
  }
  FgConfig *cfg = fg_config_load(root, ov, err);
  if (!cfg) {
    free(root);
    return NULL;
  }
  FgDiscovery *disc =
      fg_discover(first, (const char *const *)cfg->exclude.items, cfg->exclude.len, err);
  if (!disc) {
    fg_config_delete(cfg);
    free(root);
    return NULL;
  }
  fg_add_overlay_paths(&disc->python, overlay, true);
  fg_add_overlay_paths(&disc->workflows, overlay, false);
  FgProject *p = fg_xcalloc(1, sizeof *p);
  p->root = root;
  p->reader.root = root;
  p->reader.overlay = overlay;
  p->reader.problems = &p->problems;
  p->config = cfg;
  p->marker = cfg->marker;
  p->py.jobs = ov && ov->jobs > 0 ? ov->jobs : fg_parallel_default_jobs();
  if (ov) {
    p->parse_paths = ov->parse_paths;
    p->nparse_paths = ov->nparse_paths;
  }
  for (size_t i = 0; i < npaths; i++) {
    char real[4096];
    fg_inputs_note(paths[i]);
    if (!realpath(paths[i], real)) {
      *err = fg_xasprintf("%s: no such file or directory", paths[i]);
      fg_discovery_delete(disc);
      fg_project_delete(p);
      return NULL;
    }
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) == 0 && (real[rl] == '/' || real[rl] == '\0'))
      fg_vec_push(&p->only, fg_xstrdup(real[rl] ? real + rl + 1 : ""));
  }
  for (size_t i = 0; i < disc->warnings.len; i++)
    fg_vec_push(&p->problems.warnings,
                fg_xasprintf("warning: %s", disc->warnings.items[i]));
  fg_load_pytest_settings(p);
  /* CI first: a marker convention found there decides what is marked */
  fg_load_ci(p, disc);
  fg_project_detect_marker(p);
  fg_load_python(p, disc, ov);
  fg_project_select_pool_tests(p);
  FgStrVec modnames = {0};
  for (size_t i = 0; i < p->py.modules.len; i++)
    fg_vec_push(&modnames, p->py.modules.items[i]->src->path);
  fg_style_load(&p->style, &p->reader, modnames.items, modnames.len);
  fg_vec_free(&modnames);
  p->skipped = disc->skipped;
  memset(&disc->skipped, 0, sizeof disc->skipped);
  if (p->skipped.len > 1)
    qsort(p->skipped.items, p->skipped.len, sizeof(char *), fg_str_cmp_ptr);
  fg_discovery_delete(disc);
  return p;
}

const FgSource *fg_project_placeholder(const FgProject *self, const char *path) {
  /* the one lazily filled cache of an otherwise read-only model */
  FgProject *p = (FgProject *)self;
  for (size_t i = 0; i < p->placeholders.len; i++)
    if (strcmp(p->placeholders.items[i]->path, path) == 0)
      return p->placeholders.items[i];
  FgSource *src = fg_source_new(path, "", 0);
  src->is_new = true;
  fg_source_set_prefix(src, p->shown_prefix);
  fg_vec_push(&p->placeholders, src);
  return src;
}

void fg_project_show_under(FgProject *p, const char *prefix) {
  free(p->shown_prefix);
  p->shown_prefix = prefix && *prefix ? fg_xstrdup(prefix) : NULL;
  for (size_t i = 0; i < p->py.modules.len; i++)
    fg_source_set_prefix(p->py.modules.items[i]->src, prefix);
  for (size_t i = 0; i < p->ci.workflows.len; i++)
    fg_source_set_prefix((FgSource *)p->ci.workflows.items[i]->src, prefix);
  for (size_t i = 0; i < p->ci.launch_files.len; i++)
    fg_source_set_prefix(p->ci.launch_files.items[i], prefix);
  if (p->pytest_cfg_src)
    fg_source_set_prefix(p->pytest_cfg_src, prefix);
  for (size_t i = 0; i < p->placeholders.len; i++)
    fg_source_set_prefix(p->placeholders.items[i], prefix);
}

void fg_project_delete(FgProject *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->placeholders.len; i++)
    fg_source_delete(p->placeholders.items[i]);
  fg_vec_free(&p->placeholders);
  fg_pymodel_environ_free(&p->py);
  fg_pymodel_free(&p->py);
  fg_cache_close(p->cache);
  fg_ci_free(&p->ci);
  fg_problems_free(&p->problems);
  fg_strvec_free(&p->only);
  fg_strvec_free(&p->hook_markers);
  fg_start_settings_free(&p->start_settings);
  fg_strvec_free(&p->skipped);
  fg_strvec_free(&p->testpaths);
  fg_strvec_free(&p->addopts);
  fg_pyopts_free(&p->project_opts);
  fg_strvec_free(&p->registered_markers);
  free(p->pytest_cfg_path);
  free(p->marker_detected);
  free(p->marker_why);
  free(p->shown_prefix);
  free(p->repo_root);
  free(p->repo_dir);
  for (size_t i = 0; i < p->conventions.len; i++) {
    free(p->conventions.items[i].name);
    free(p->conventions.items[i].why);
  }
  fg_vec_free(&p->conventions);
  fg_style_free(&p->style);
  fg_pytest_cfg_delete(p->pytest_cfg);
  fg_source_delete(p->pytest_cfg_src);
  fg_config_delete(p->config);
  free(p->root);
  free(p);
}
