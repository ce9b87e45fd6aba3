/* ci/runs: the CI model built: workflows read, the pytest runs of their
 * `run:` steps (followed through tox and make), every job's cells. */
#include <stdlib.h>
#include <string.h>

#include "ci/model.h"
#include "parse/shell.h"

#define FG_MAX_YAML_BYTES (4u << 20)
void fg_ci_collect_cells(FgCiModel *p, const FgReader *rd) {
  for (size_t w = 0; w < p->workflows.len; w++) {
    const FgWorkflow *wf = p->workflows.items[w];
    for (size_t j = 0; j < wf->jobs.len; j++) {
      FgJobCells jc;
      memset(&jc, 0, sizeof jc);
      jc.job = &wf->jobs.items[j];
      fg_cells_of_job(jc.job, rd, &jc.cells);
      fg_vec_push(&p->job_cells, jc);
    }
  }
}

const FgCells *fg_ci_cells(const FgCiModel *self, const FgJob *job) {
  for (size_t i = 0; i < self->job_cells.len; i++)
    if (self->job_cells.items[i].job == job)
      return &self->job_cells.items[i].cells;
  return NULL;
}

void fg_ci_load_workflows(FgCiModel *p, const FgReader *rd, const FgStrVec *paths,
                          FgProblems *problems) {
  for (size_t i = 0; i < paths->len; i++) {
    const char *rel = paths->items[i];
    size_t len = 0;
    char *err = NULL;
    char *data = fg_reader_read(rd, rel, FG_MAX_YAML_BYTES, &len, &err);
    if (!data) {
      fg_problems_read_error(problems, rel, err);
      continue;
    }
    p->files_read++;
    FgWorkflow *wf = fg_workflow_load(fg_source_new(rel, data, len));
    free(data);
    fg_vec_push(&p->workflows, wf);
  }
}

void fg_ci_collect_runs(FgCiModel *p, const FgReader *rd, const FgRunContext *ctx) {
  for (size_t w = 0; w < p->workflows.len; w++) {
    FgWorkflow *wf = p->workflows.items[w];
    for (size_t j = 0; j < wf->jobs.len; j++) {
      FgJob *job = &wf->jobs.items[j];
      for (size_t s = 0; s < job->steps.len; s++) {
        FgStep *st = &job->steps.items[s];
        if (!st->script)
          continue;
        const char *shell = st->shell ? st->shell : job->default_shell;
        if (shell &&
            !(fg_str_startswith(shell, "bash") || fg_str_startswith(shell, "sh")))
          continue; /* pwsh, python, cmd: not a POSIX shell script */
        const char *wd = st->working_directory            ? st->working_directory
                         : job->default_working_directory ? job->default_working_directory
                         : wf->default_working_directory  ? wf->default_working_directory
                                                          : "";
        char *cwd = fg_path_join("", wd);
        FgShellScript *sh = fg_shell_parse(st->script->text, st->script->len);
        FgLaunchEnv env = {rd->root, rd->overlay, rd, &p->launch_files, wf, job, st, ctx};
        for (size_t c = 0; c < sh->ncmds; c++) {
          const FgShellCommand *cmd = &sh->cmds[c];
          FgRun *run = fg_run_new(wf, job, st, cmd, cwd, ctx);
          if (run)
            fg_vec_push(&p->runs, run);
          else if (!fg_launch_expand(&env, cmd, cwd, &p->runs))
            fg_launch_cd(&cwd, cmd);
        }
        fg_shell_delete(sh);
        free(cwd);
      }
    }
  }
}

void fg_ci_free(FgCiModel *self) {
  for (size_t i = 0; i < self->job_cells.len; i++)
    fg_cells_free(&self->job_cells.items[i].cells);
  fg_vec_free(&self->job_cells);
  for (size_t i = 0; i < self->runs.len; i++)
    fg_run_delete(self->runs.items[i]);
  fg_vec_free(&self->runs);
  for (size_t i = 0; i < self->workflows.len; i++)
    fg_workflow_delete(self->workflows.items[i]);
  fg_vec_free(&self->workflows);
  for (size_t i = 0; i < self->launch_files.len; i++)
    fg_source_delete(self->launch_files.items[i]);
  fg_vec_free(&self->launch_files);
}
