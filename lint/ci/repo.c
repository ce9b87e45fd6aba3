#include "ci/repo.h"

#include <stdlib.h>
#include <string.h>

/* ---- paths between the repository and the project ------------------------ */

char *fg_repo_path_to_project(const char *project_dir, const char *path) {
  if (fg_path_under(path, project_dir)) {
    size_t n = strlen(project_dir);
    return fg_xstrdup(path[n] == '/' ? path + n + 1 : path + n);
  }
  /* the parts both share, then up from the project to there */
  size_t common = 0;
  for (size_t i = 0;; i++) {
    bool pe = project_dir[i] == '\0', qe = path[i] == '\0';
    if ((pe || project_dir[i] == '/') && (qe || path[i] == '/'))
      common = i;
    if (pe || qe || project_dir[i] != path[i])
      break;
  }
  FgBuf b = {0};
  for (const char *c = project_dir + common; *c; c++)
    if (*c == '/' || c == project_dir + common)
      fg_buf_puts(&b, b.len ? "/.." : "..");
  const char *rest = path + common;
  if (*rest == '/')
    rest++;
  if (*rest)
    fg_buf_printf(&b, "/%s", rest);
  return fg_buf_take(&b);
}

char *fg_project_path_to_repo(const char *project_dir, const char *path) {
  char *joined =
      *project_dir ? fg_xasprintf("%s/%s", project_dir, path) : fg_xstrdup(path);
  char *repo = fg_path_normalize(joined);
  free(joined);
  if (strcmp(repo, "..") == 0 || fg_str_startswith(repo, "../")) {
    free(repo);
    return NULL;
  }
  return repo;
}

/* ---- a run of the repository made the project's -------------------------- */

/* Is path a folder above dir (the repository root counts)? */
static bool fg_path_above(const char *path, const char *dir) {
  size_t n = strlen(path);
  return n == 0 || (strncmp(dir, path, n) == 0 && dir[n] == '/');
}

/* The value of `--rootdir`, `-c`, `--config-file` or `--confcutdir` at
 * opts[*i] (either spelling), or NULL. */
static const char *fg_config_opt_value(const FgRun *run, size_t i) {
  static const char *const names[] = {"--rootdir", "--confcutdir", "--config-file", "-c",
                                      NULL};
  const char *t = run->opts.items[i].text;
  for (const char *const *n = names; *n; n++) {
    size_t len = strlen(*n);
    if (strcmp(t, *n) == 0)
      return i + 1 < run->opts.len ? run->opts.items[i + 1].text : NULL;
    if (strncmp(t, *n, len) == 0 && t[len] == '=')
      return t + len + 1;
  }
  if (fg_str_startswith(t, "-c") && t[2] && t[2] != '-')
    return t + 2; /* -cFILE */
  return NULL;
}

/* Does the command line (or PYTEST_ADDOPTS) point pytest's rootdir or
 * configuration into the project? */
static bool fg_config_inside(const FgRun *run, const char *project_dir) {
  for (size_t i = 0; i < run->opts.len; i++) {
    if (run->opts.items[i].origin == FG_ORIGIN_INI)
      continue;
    const char *v = fg_config_opt_value(run, i);
    if (!v || v[0] == '/')
      continue;
    char *full = fg_path_join(run->workdir, v);
    bool inside = fg_path_under(full, project_dir);
    free(full);
    if (inside)
      return true;
  }
  return false;
}

/* Keeps the entries under the project (as project paths), and with
 * above_ok those above it as the whole project (""). */
static void fg_map_paths(FgStrVec *v, const char *project_dir, bool above_ok) {
  size_t kept = 0;
  for (size_t i = 0; i < v->len; i++) {
    char *p = v->items[i];
    char *mapped = NULL;
    if (fg_path_under(p, project_dir))
      mapped = fg_repo_path_to_project(project_dir, p);
    else if (above_ok && fg_path_above(p, project_dir))
      mapped = fg_xstrdup("");
    free(p);
    if (mapped)
      v->items[kept++] = mapped;
  }
  v->len = kept;
}

static size_t fg_count_under(const FgStrVec *v, const char *project_dir, bool above_ok) {
  size_t n = 0;
  for (size_t i = 0; i < v->len; i++)
    n += fg_path_under(v->items[i], project_dir) ||
         (above_ok && fg_path_above(v->items[i], project_dir));
  return n;
}

/* --ignore-glob patterns: those written from the project's folder lose it;
 * those starting with a wildcard match project paths as they did. */
static void fg_map_globs(FgStrVec *v, const char *project_dir) {
  size_t kept = 0;
  size_t n = strlen(project_dir);
  for (size_t i = 0; i < v->len; i++) {
    char *g = v->items[i];
    char *mapped = NULL;
    if (strncmp(g, project_dir, n) == 0 && g[n] == '/')
      mapped = fg_xstrdup(g + n + 1);
    else if (strchr("*?[", g[0]))
      mapped = fg_xstrdup(g);
    free(g);
    if (mapped)
      v->items[kept++] = mapped;
  }
  v->len = kept;
}

/* --deselect node ids: "services/api/tests/test_x.py::t" -> "tests/test_x.py::t". */
static void fg_map_nodeids(FgStrVec *v, const char *project_dir) {
  size_t kept = 0;
  for (size_t i = 0; i < v->len; i++) {
    char *id = v->items[i];
    const char *colons = strstr(id, "::");
    char *file = colons ? fg_xstrndup(id, (size_t)(colons - id)) : fg_xstrdup(id);
    char *mapped = NULL;
    if (fg_path_under(file, project_dir)) {
      char *rel = fg_repo_path_to_project(project_dir, file);
      mapped = fg_xasprintf("%s%s", rel, colons ? colons : "");
      free(rel);
    }
    free(file);
    free(id);
    if (mapped)
      v->items[kept++] = mapped;
  }
  v->len = kept;
}

bool fg_run_to_project(FgRun *run, const char *project_dir) {
  bool above_ok = fg_config_inside(run, project_dir);
  if (!fg_count_under(&run->paths, project_dir, above_ok))
    return false;
  fg_map_paths(&run->paths, project_dir, above_ok);
  fg_map_paths(&run->ignores, project_dir, false);
  fg_map_globs(&run->ignore_globs, project_dir);
  fg_map_nodeids(&run->deselects, project_dir);
  char *wd = fg_repo_path_to_project(project_dir, run->workdir);
  free(run->workdir);
  run->workdir = wd;
  return true;
}

/* ---- the repository's workflows ------------------------------------------- */

/* The project's overlay keyed from the repository root. */
static void fg_overlay_to_repo(FgOverlay *out, const FgOverlay *ov,
                               const char *project_dir) {
  for (size_t i = 0; ov && i < ov->files.len; i++) {
    const FgOverlayFile *f = &ov->files.items[i];
    char *repo = fg_project_path_to_repo(project_dir, f->path);
    if (repo)
      fg_overlay_set(out, repo, f->data, f->len);
    free(repo);
  }
}

static bool fg_used_by(const FgRunVec *runs, const FgSource *src) {
  for (size_t i = 0; i < runs->len; i++)
    if (runs->items[i]->via_src == src)
      return true;
  return false;
}

static void fg_rename_to_project(FgSource *src, const char *project_dir) {
  char *name = fg_repo_path_to_project(project_dir, src->path);
  fg_source_rename(src, name);
  free(name);
}

/* Is c a character that cannot be part of a path in a message? */
static bool fg_path_edge(char c) {
  return c == '\0' || c == ' ' || c == '(' || c == ')' || c == ':' || c == ',';
}

/* The repository's names of launchers' files and the project's. */
typedef struct FgRespell {
  FgStrVec from, to;
} FgRespell;

/* *text with every name of rs->from that stands alone (not part of a
 * longer path) spelled as rs->to, in one pass: messages name a launcher's
 * file as the project does. */
static void fg_respell(char **text, const FgRespell *rs) {
  if (!*text)
    return;
  FgBuf b = {0};
  const char *p = *text;
  while (*p) {
    size_t best = 0, len = 0;
    bool at_edge = p == *text || fg_path_edge(p[-1]);
    for (size_t i = 0; at_edge && i < rs->from.len; i++) {
      size_t n = strlen(rs->from.items[i]);
      if (n > len && strncmp(p, rs->from.items[i], n) == 0 && fg_path_edge(p[n])) {
        best = i;
        len = n;
      }
    }
    if (len) {
      fg_buf_puts(&b, rs->to.items[best]);
      p += len;
    } else {
      fg_buf_putc(&b, *p++);
    }
  }
  free(*text);
  *text = fg_buf_take(&b);
}

static void fg_respell_run(FgRun *run, const FgRespell *rs) {
  fg_respell(&run->xdist_why, rs);
  fg_respell(&run->via, rs);
  for (size_t i = 0; i < run->via_chain.len; i++)
    fg_respell(&run->via_chain.items[i], rs);
  for (size_t i = 0; i < run->notes.len; i++)
    fg_respell(&run->notes.items[i], rs);
}

/* The launchers' files the project's runs read join self's, under project
 * names; a file self has read already (its own workflows reach it too) is
 * that one. */
static void fg_adopt_launch_files(FgCiModel *self, FgCiModel *shared, FgRunVec *kept,
                                  const char *project_dir) {
  FgRespell rs = {{0}, {0}};
  for (size_t i = 0; i < shared->launch_files.len; i++) {
    FgSource *src = shared->launch_files.items[i];
    if (!fg_used_by(kept, src) && !fg_path_under(src->path, project_dir)) {
      fg_source_delete(src); /* read for a sibling's run only */
      continue;
    }
    char *name = fg_repo_path_to_project(project_dir, src->path);
    fg_vec_push(&rs.from, fg_xstrdup(src->path));
    fg_vec_push(&rs.to, fg_xstrdup(name));
    fg_source_rename(src, name);
    free(name);
    FgSource *same = NULL;
    for (size_t k = 0; k < self->launch_files.len && !same; k++)
      if (strcmp(self->launch_files.items[k]->path, src->path) == 0)
        same = self->launch_files.items[k];
    if (!same) {
      fg_vec_push(&self->launch_files, src);
      continue;
    }
    for (size_t r = 0; r < kept->len; r++)
      if (kept->items[r]->via_src == src)
        kept->items[r]->via_src = same;
    fg_source_delete(src);
  }
  shared->launch_files.len = 0;
  for (size_t r = 0; rs.from.len && r < kept->len; r++)
    fg_respell_run(kept->items[r], &rs);
  fg_strvec_free(&rs.from);
  fg_strvec_free(&rs.to);
}

static bool fg_job_of(const FgWorkflow *wf, const FgJob *job) {
  for (size_t j = 0; j < wf->jobs.len; j++)
    if (&wf->jobs.items[j] == job)
      return true;
  return false;
}

size_t fg_ci_add_repo_workflows(FgCiModel *self, const FgReader *rd, const FgRepoCi *repo,
                                const FgRunContext *ctx, FgProblems *problems,
                                FgStrVec *skipped) {
  FgOverlay overlay = {0};
  fg_overlay_to_repo(&overlay, rd->overlay, repo->project_dir);
  FgReader rrd = {.root = repo->root, .overlay = &overlay, .problems = rd->problems};
  FgCiModel shared = {0};
  fg_ci_load_workflows(&shared, &rrd, repo->workflows, problems);
  FgRunContext c = *ctx;
  c.root = repo->root;
  c.project_dir = repo->project_dir;
  fg_ci_collect_runs(&shared, &rrd, &c);
  fg_ci_collect_cells(&shared, &rrd);

  FgRunVec kept = {0};
  for (size_t i = 0; i < shared.runs.len; i++) {
    FgRun *run = shared.runs.items[i];
    if (fg_run_to_project(run, repo->project_dir))
      fg_vec_push(&kept, run);
    else
      fg_run_delete(run);
  }
  shared.runs.len = 0;
  size_t added = 0;
  fg_adopt_launch_files(self, &shared, &kept, repo->project_dir);

  for (size_t w = 0; w < shared.workflows.len; w++) {
    FgWorkflow *wf = shared.workflows.items[w];
    bool reached = wf->doc->has_error;
    for (size_t i = 0; i < kept.len && !reached; i++)
      reached = kept.items[i]->wf == wf;
    fg_rename_to_project(wf->src, repo->project_dir);
    if (!reached) {
      fg_vec_push(skipped,
                  fg_xasprintf("%s: the repository's workflow; no run of it reaches "
                               "the project",
                               wf->src->path));
      for (size_t j = 0; j < shared.job_cells.len; j++)
        if (fg_job_of(wf, shared.job_cells.items[j].job))
          fg_cells_free(&shared.job_cells.items[j].cells);
      fg_workflow_delete(wf);
      continue;
    }
    fg_vec_push(&self->workflows, wf);
    added++;
    for (size_t j = 0; j < shared.job_cells.len; j++)
      if (fg_job_of(wf, shared.job_cells.items[j].job))
        fg_vec_push(&self->job_cells, shared.job_cells.items[j]);
  }
  shared.workflows.len = 0;
  shared.job_cells.len = 0;
  for (size_t i = 0; i < kept.len; i++)
    fg_vec_push(&self->runs, kept.items[i]);
  fg_vec_free(&kept);
  self->files_read += shared.files_read;
  fg_ci_free(&shared);
  fg_overlay_free(&overlay);
  return added;
}
