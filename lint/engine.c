/* engine: `check`, `explain` and `rules`, from options to an exit code. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/discover.h"
#include "core/inputs.h"
#include "core/json.h"
#include "core/overlay.h"
#include "fix/apply.h"
#include "fix/validate.h"
#include "forkguard.h"
#include "probe/attach.h"
#include "project.h"
#include "report/output.h"
#include "rules.h"
#include "run_cache.h"

const char *fg_version(void) {
  return FG_VERSION;
}

/* NO_COLOR (no-color.org) always wins (SPEC §7); then --color
 * always/never; with auto, FORCE_COLOR (force-color.org) before the
 * terminal test. */
static bool fg_use_color(FgColor c, FILE *f) {
  const char *no = getenv("NO_COLOR");
  if (no && *no)
    return false;
  if (c == FG_COLOR_ALWAYS)
    return true;
  if (c == FG_COLOR_NEVER)
    return false;
  const char *force = getenv("FORCE_COLOR");
  if (force && *force && strcmp(force, "0") != 0 && strcmp(force, "false") != 0)
    return true;
  return isatty(fileno(f));
}

static void fg_summarise(const FgDiagList *diags, bool unsafe_fixes, FgSummary *sum) {
  sum->findings = diags->items.len;
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    if (!d->fix)
      continue;
    if (fg_output_fix_applies(d, unsafe_fixes))
      sum->fixable++;
    else
      sum->unsafe++;
  }
}

/* The report's stream: stdout, or the --output file (NULL + message). */
static FILE *fg_open_output(const FgCheckOptions *o, FILE *err) {
  if (!o->output)
    return stdout;
  FILE *f = fopen(o->output, "wb");
  if (!f)
    fprintf(err, "forkguard: %s: cannot write output: %s\n", o->output, strerror(errno));
  return f;
}

/* Writes what is left and closes the stream; -1 after a message on error. */
static int fg_close_output(const FgCheckOptions *o, FgBuf *out, FILE *err) {
  bool ok = fg_buf_flush(out);
  if (out->sink == stdout) {
    ok = fflush(stdout) == 0 && ok;
  } else {
    ok = fclose(out->sink) == 0 && ok;
  }
  out->sink = NULL;
  if (!ok) {
    fprintf(err, "forkguard: %s: cannot write output: %s\n",
            o->output ? o->output : "standard output", strerror(errno));
    return -1;
  }
  return 0;
}

/* ---- fixes ---------------------------------------------------------------- */

#define FG_MAX_FIX_ROUNDS 10

static const char *fg_fix_rule(const FgDiagList *diags, const FgFix *fix) {
  for (size_t i = 0; i < diags->items.len; i++)
    if (diags->items.items[i]->fix == fix)
      return diags->items.items[i]->rule->code;
  return "?";
}

/* One line on stderr: what it quotes from the project (file names,
 * reasons holding them) never reaches the terminal raw. */
static void fg_eputs(FILE *err, const char *prefix, const char *text) {
  char *safe = fg_escape_controls(text);
  fprintf(err, "%s%s\n", prefix, safe);
  free(safe);
}

/* Prints a line once per run: later fix rounds meet the same refusals. */
static void fg_say_once(FgStrVec *said, FILE *err, char *line) {
  for (size_t i = 0; i < said->len; i++)
    if (strcmp(said->items[i], line) == 0) {
      free(line);
      return;
    }
  fg_eputs(err, "", line);
  fg_vec_push(said, line);
}

/* Plans the applicable fixes of one lint pass. Reports rejected files. */
static FgPlan *fg_plan_fixes(const FgProject *p, const FgDiagList *diags, bool unsafe,
                             const FgOverlay *fixed, FgStrVec *said, FILE *err) {
  FgPlan *plan = fg_plan_new();
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    if (fg_output_fix_applies(d, unsafe))
      fg_plan_add_fix(plan, d->fix);
  }
  FgFixCheck check;
  fg_fix_check_init(&check, p);
  fg_plan_validate(plan, fg_fix_check_validate, &check);
  fg_fix_check_free(&check);
  /* what cannot be written is known before anything is: a file that the
   * disk refuses drops only the fixes that need it */
  fg_plan_set_bound(plan, p->repo_root);
  fg_plan_check_disk_skipping(plan, p->root, fixed);
  for (size_t i = 0; i < fg_plan_nrejected(plan); i++) {
    const FgRejectedFile *r = fg_plan_rejected(plan, i);
    fg_say_once(
        said, err,
        fg_xasprintf("forkguard: error: %s: fix not applied: %s", r->src->path, r->why));
    for (size_t k = 0; k < fg_plan_nfixes(plan); k++) {
      FgFixStatus st;
      const FgFix *f = fg_plan_fix(plan, k, &st);
      if (st == FG_FIX_FILE_REJECTED)
        fg_say_once(said, err,
                    fg_xasprintf("forkguard:   dropped %s fix: %s", fg_fix_rule(diags, f),
                                 f->message));
    }
  }
  return plan;
}

static size_t fg_plan_count(const FgPlan *plan) {
  size_t n = 0;
  for (size_t k = 0; k < fg_plan_nfixes(plan); k++) {
    FgFixStatus st;
    fg_plan_fix(plan, k, &st);
    n += st == FG_FIX_APPLIED;
  }
  return n;
}

static bool fg_plan_changes(const FgPlan *plan) {
  for (size_t i = 0; i < fg_plan_nfiles(plan); i++)
    if (fg_plan_file_changed(fg_plan_file(plan, i)))
      return true;
  return false;
}

/* The result of fixing in memory: the new contents of every file touched,
 * and each file's bytes as they were on disk before the first round. */
typedef struct FgFixResult {
  FgOverlay overlay;
  FG_VEC(FgSource *) originals;
  long fixed;
  FgStrVec said; /* refusals printed so far */
  /* the project's FgProject.repo_root and repo_dir (owned, or NULL) */
  char *repo_root;
  char *repo_dir;
} FgFixResult;

static void fg_fix_result_free(FgFixResult *r) {
  free(r->repo_root);
  free(r->repo_dir);
  fg_overlay_free(&r->overlay);
  fg_strvec_free(&r->said);
  for (size_t i = 0; i < r->originals.len; i++)
    fg_source_delete(r->originals.items[i]);
  fg_vec_free(&r->originals);
}

static bool fg_fix_result_has(const FgFixResult *r, const char *path) {
  for (size_t i = 0; i < r->originals.len; i++)
    if (strcmp(r->originals.items[i]->path, path) == 0)
      return true;
  return false;
}

/* Lint, plan, apply to the overlay, re-lint, until nothing is left to fix
 * (bounded). Returns 0, or -1 after printing an error. */
static int fg_fix_in_memory(const char *const *paths, size_t npaths,
                            const FgConfigOverrides *ov, const FgObserved *obs,
                            bool trust, bool unsafe, FgFixResult *res, FILE *err) {
  for (int round = 0;; round++) {
    char *why = NULL;
    FgProject *p = fg_project_load_overlay(paths, npaths, ov, &res->overlay, &why);
    if (!p) {
      fprintf(err, "forkguard: %s\n", why);
      free(why);
      return -1;
    }
    if (round == 0 && p->repo_root) {
      res->repo_root = fg_xstrdup(p->repo_root);
      res->repo_dir = fg_xstrdup(p->repo_dir);
    }
    p->observed = obs;
    FgDiagList diags = {0};
    fg_rules_lint(p, &diags);
    if (trust)
      fg_observed_trust(obs, &diags);
    fg_fixes_withhold(p, &diags);
    /* files already fixed in memory differ from the disk by design (the
     * final write checks every original against the disk again); every
     * other file a round touches is checked against the disk */
    FgPlan *plan = fg_plan_fixes(p, &diags, unsafe, &res->overlay, &res->said, err);
    bool changes = fg_plan_changes(plan);
    int rc = 0;
    if (changes && round == FG_MAX_FIX_ROUNDS) {
      FgFixStatus st;
      const FgFix *first = fg_plan_nfixes(plan) ? fg_plan_fix(plan, 0, &st) : NULL;
      fprintf(err,
              "forkguard: error: fixes failed to converge after %d rounds (%s keeps "
              "changing the files)\n",
              FG_MAX_FIX_ROUNDS, first ? fg_fix_rule(&diags, first) : "?");
      rc = -1;
    } else if (changes) {
      for (size_t i = 0; i < fg_plan_nfiles(plan); i++) {
        const FgPlannedFile *f = fg_plan_file(plan, i);
        if (!fg_plan_file_changed(f))
          continue;
        if (!fg_fix_result_has(res, f->src->path)) {
          /* not overlaid before this round: its source holds the disk bytes */
          FgSource *orig = fg_source_new(f->src->path, f->src->raw, f->src->len);
          orig->is_new = f->src->is_new;
          fg_vec_push(&res->originals, orig);
        }
        fg_overlay_set(&res->overlay, f->src->path, f->data, f->len);
      }
      res->fixed += (long)fg_plan_count(plan);
    }
    fg_plan_delete(plan);
    fg_diag_list_clear(&diags);
    fg_project_delete(p);
    if (rc < 0 || !changes)
      return rc;
  }
}

/* One plan that turns every original into its final contents. */
static FgPlan *fg_fix_final_plan(const FgFixResult *res, FgFix *whole) {
  FgPlan *plan = fg_plan_new();
  for (size_t i = 0; i < res->originals.len; i++) {
    const FgSource *orig = res->originals.items[i];
    const FgOverlayFile *o = fg_overlay_find(&res->overlay, orig->path);
    fg_fix_add_edit_bytes(whole, orig, 0, orig->len, o->data, o->len);
  }
  fg_plan_add_fix(plan, whole);
  return plan;
}

/* --show-files: what forkguard reads, how far, and what it leaves out. */
static void fg_show_files(FgBuf *out, const FgProject *p) {
  fg_buf_printf(out, "root       %s\n", p->root);
  fg_buf_printf(out, "config     %s\n",
                p->config->path ? p->config->path : "(none: defaults)");
  fg_buf_printf(out, "pytest     %s\n",
                p->pytest_cfg_path ? p->pytest_cfg_path : "(none: pytest's defaults)");
  for (size_t i = 0; i < p->ci.workflows.len; i++)
    fg_buf_printf(out, "workflow   %s\n", p->ci.workflows.items[i]->src->path);
  for (size_t i = 0; i < p->ci.launch_files.len; i++)
    fg_buf_printf(out, "launcher   %s\n", p->ci.launch_files.items[i]->path);
  size_t parsed = 0;
  for (size_t i = 0; i < p->py.modules.len; i++) {
    const FgModule *m = p->py.modules.items[i];
    parsed += m->py != NULL;
    fg_buf_printf(out, "python     %s  %s\n", m->src->path,
                  m->py ? "parsed"
                        : "scanned: names no pool, start method, marker or fixture that "
                          "matters");
  }
  for (size_t i = 0; i < p->skipped.len; i++)
    fg_buf_printf(out, "skipped    %s\n", p->skipped.items[i]);
  fg_buf_printf(out,
                "%zu Python files (%zu parsed), %zu workflows, %zu launcher files; %zu "
                "left out.\n",
                p->py.modules.len, parsed, p->ci.workflows.len, p->ci.launch_files.len,
                p->skipped.len);
}

/* ---- paths, projects and where reports print paths from ------------------- */

/* The paths the user named, grouped by the project that holds each (in
 * the order of their roots: the output does not depend on argument order). */
typedef struct FgGroup {
  char *root;
  FG_VEC(const char *) paths;
} FgGroup;

typedef FG_VEC(FgGroup) FgGroupVec;

static int fg_group_cmp(const void *a, const void *b) {
  return strcmp(((const FgGroup *)a)->root, ((const FgGroup *)b)->root);
}

static void fg_groups_free(FgGroupVec *g) {
  for (size_t i = 0; i < g->len; i++) {
    free(g->items[i].root);
    fg_vec_free(&g->items[i].paths);
  }
  fg_vec_free(g);
}

static bool fg_group_paths(const char *const *paths, size_t n, FgGroupVec *out,
                           FILE *err) {
  for (size_t i = 0; i < n; i++) {
    char *root = fg_discover_root(paths[i]);
    if (!root) {
      fprintf(err, "forkguard: %s: no such file or directory\n", paths[i]);
      return false;
    }
    FgGroup *g = NULL;
    for (size_t k = 0; k < out->len && !g; k++)
      if (strcmp(out->items[k].root, root) == 0)
        g = &out->items[k];
    if (g) {
      free(root);
    } else {
      FgGroup ng = {root, {0}};
      fg_vec_push(out, ng);
      g = &out->items[out->len - 1];
    }
    fg_vec_push(&g->paths, paths[i]);
  }
  if (out->len > 1)
    qsort(out->items, out->len, sizeof(FgGroup), fg_group_cmp);
  return true;
}

/* `to` relative to `from` (both absolute, without a trailing '/'): "" when
 * they are the same, "a/b" below, "../x" beside. */
static char *fg_relpath(const char *from, const char *to) {
  size_t common = 0;
  for (size_t i = 0;; i++) {
    bool fe = from[i] == '\0', te = to[i] == '\0';
    if ((fe || from[i] == '/') && (te || to[i] == '/'))
      common = i;
    if (fe || te || from[i] != to[i])
      break;
  }
  if (strcmp(from, "/") == 0)
    common = 0;
  FgBuf b = {0};
  for (const char *c = from + common; *c; c++)
    if (*c == '/')
      fg_buf_puts(&b, b.len ? "/.." : "..");
  const char *rest = to + common;
  if (*rest == '/')
    rest++;
  if (*rest)
    fg_buf_printf(&b, "%s%s", b.len ? "/" : "", rest);
  return fg_buf_take(&b);
}

/* The folder reports print paths from, when that is not each project's
 * own root: the repository root for annotations (GitHub, SARIF, GitLab
 * resolve paths from the checkout) and for runs over several projects;
 * NULL for one project in a human format. */
static char *fg_display_root(const FgGroupVec *groups, FgFormat format) {
  bool ci = format == FG_FORMAT_GITHUB || format == FG_FORMAT_SARIF ||
            format == FG_FORMAT_GITLAB;
  if (!ci && groups->len < 2)
    return NULL;
  char *display = NULL;
  for (size_t i = 0; i < groups->len; i++) {
    char *r = fg_discover_repo_root(groups->items[i].root);
    if (!r)
      r = fg_xstrdup(groups->items[i].root);
    if (!display) {
      display = r;
    } else if (strcmp(display, r) != 0) {
      /* several repositories (or none): the current folder */
      free(r);
      free(display);
      char cwd[4096];
      return fg_xstrdup(getcwd(cwd, sizeof cwd) ? cwd : groups->items[0].root);
    } else {
      free(r);
    }
  }
  return display;
}

/* ---- check ----------------------------------------------------------------- */

/* --diff over the projects named: each file's disk bytes and the bytes the
 * fixes of every project so far leave in it. A project's fixes start from
 * what the projects before it changed (a workflow of the repository they
 * share), so the diff is what --fix, which fixes them one after another,
 * writes. */
typedef struct FgDiffFile {
  char *abs;      /* the file's absolute path, ".." resolved */
  FgSource *orig; /* the disk bytes, with the path the diff prints */
  char *data;     /* the final bytes */
  size_t len;
} FgDiffFile;

typedef FG_VEC(FgDiffFile) FgDiffFiles;

static void fg_diff_files_free(FgDiffFiles *v) {
  for (size_t i = 0; i < v->len; i++) {
    free(v->items[i].abs);
    fg_source_delete(v->items[i].orig);
    free(v->items[i].data);
  }
  fg_vec_free(v);
}

static char *fg_abs_of(const char *root, const char *rel) {
  char *joined = fg_xasprintf("%s/%s", root, rel);
  char *abs = fg_path_normalize(joined);
  free(joined);
  char *rooted = fg_xasprintf("/%s", abs); /* normalize drops the leading '/' */
  free(abs);
  return rooted;
}

/* What earlier projects changed, as this project names the files. */
static void fg_diff_files_preload(const FgDiffFiles *v, const char *root, FgOverlay *ov) {
  for (size_t i = 0; i < v->len; i++) {
    char *rel = fg_relpath(root, v->items[i].abs);
    fg_overlay_set(ov, rel, v->items[i].data, v->items[i].len);
    free(rel);
  }
}

/* Takes in a project's results: a file met first keeps its disk bytes. */
static void fg_diff_files_take(FgDiffFiles *v, const FgFixResult *res, const char *root) {
  for (size_t i = 0; i < res->originals.len; i++) {
    const FgSource *orig = res->originals.items[i];
    const FgOverlayFile *o = fg_overlay_find(&res->overlay, orig->path);
    char *abs = fg_abs_of(root, orig->path);
    FgDiffFile *f = NULL;
    for (size_t k = 0; k < v->len && !f; k++)
      if (strcmp(v->items[k].abs, abs) == 0)
        f = &v->items[k];
    if (f) {
      free(abs);
      free(f->data);
    } else {
      FgDiffFile nf = {abs, fg_source_new(fg_source_shown(orig), orig->raw, orig->len),
                       NULL, 0};
      nf.orig->is_new = orig->is_new;
      fg_vec_push(v, nf);
      f = &v->items[v->len - 1];
    }
    f->data = fg_xstrndup(o->data, o->len);
    f->len = o->len;
  }
}

/* The unified diff of every file, in the order of the paths it prints. */
static void fg_diff_files_print(const FgDiffFiles *v, FgBuf *out) {
  FgFix *whole = fg_fix_new(FG_FIX_SAFE, "all fixes");
  for (size_t i = 0; i < v->len; i++)
    fg_fix_add_edit_bytes(whole, v->items[i].orig, 0, v->items[i].orig->len,
                          v->items[i].data, v->items[i].len);
  FgPlan *plan = fg_plan_new();
  fg_plan_add_fix(plan, whole);
  fg_plan_diff(plan, out);
  fg_plan_delete(plan);
  fg_fix_delete(whole);
}

/* --fix / --diff of one project. Appends the files written (shown with
 * prefix), or for --diff its files to diff; returns -1 on error, else the
 * fixes applied. A diff with no prefix is a patch for the project's folder,
 * unless the project takes its CI from the repository's workflows: then it
 * names every file from the repository root (a fix may edit them), a patch
 * for there. */
static long fg_check_fix(const FgCheckOptions *o, const FgConfigOverrides *ov,
                         const FgGroup *g, const FgObserved *obs, const char *prefix,
                         FgStrVec *written, FgDiffFiles *diff, FILE *err) {
  FgFixResult res = {0};
  if (o->diff)
    fg_diff_files_preload(diff, g->root, &res.overlay);
  long rc = fg_fix_in_memory(g->paths.items, g->paths.len, ov, obs, o->trust_observed,
                             o->unsafe_fixes, &res, err);
  if (o->diff && !*prefix && res.repo_dir)
    prefix = res.repo_dir;
  for (size_t i = 0; rc == 0 && i < res.originals.len; i++)
    fg_source_set_prefix(res.originals.items[i], prefix);
  if (rc == 0 && o->diff) {
    /* what --fix would write; nothing is written */
    fg_diff_files_take(diff, &res, g->root);
    fg_fix_result_free(&res);
    return 0;
  }
  FgFix *whole = fg_fix_new(FG_FIX_SAFE, "all fixes");
  FgPlan *plan = rc == 0 ? fg_fix_final_plan(&res, whole) : NULL;
  if (plan)
    fg_plan_set_bound(plan, res.repo_root);
  if (plan) {
    FgStrVec errors = {0};
    if (res.originals.len && fg_plan_write(plan, g->root, &errors)) {
      rc = -1;
    } else {
      for (size_t i = 0; i < res.originals.len; i++)
        fg_vec_push(written, fg_xstrdup(fg_source_shown(res.originals.items[i])));
      rc = res.fixed;
    }
    for (size_t i = 0; i < errors.len; i++)
      fg_eputs(err, "forkguard: error: ", errors.items[i]);
    fg_strvec_free(&errors);
  }
  fg_plan_delete(plan);
  fg_fix_delete(whole);
  fg_fix_result_free(&res);
  return rc;
}

static void fg_print_warnings(const FgProject *p, FILE *err) {
  for (size_t i = 0; i < p->problems.warnings.len; i++)
    fg_eputs(err, "forkguard: ", p->problems.warnings.items[i]);
  FgStrVec comment_warnings = {0};
  fg_rules_suppression_warnings(p, &comment_warnings);
  for (size_t i = 0; i < comment_warnings.len; i++)
    fg_eputs(err, "forkguard: ", comment_warnings.items[i]);
  fg_strvec_free(&comment_warnings);
}

/* ---- a probe run's observations ---------------------------------------------- */

/* Per project: its observations (or NULL) and the files they make the
 * loader parse. */
typedef struct FgGroupObserved {
  FgObserved *obs;
  FgStrVec parse_paths;
  FgConfigOverrides ov; /* the command line's, with parse_paths */
} FgGroupObserved;

typedef FG_VEC(FgGroupObserved) FgGroupObservedVec;

static bool fg_observe_groups(const FgCheckOptions *o, const FgGroupVec *groups,
                              const FgConfigOverrides *ov, FgGroupObservedVec *out,
                              FILE *err) {
  for (size_t i = 0; i < groups->len; i++) {
    FgGroupObserved go = {0};
    bool failed = false;
    go.obs =
        fg_observed_for_check(groups->items[i].root, o->observed, o->quiet, err, &failed);
    fg_observed_parse_paths(go.obs, &go.parse_paths);
    go.ov = *ov;
    go.ov.parse_paths = (const char *const *)go.parse_paths.items;
    go.ov.nparse_paths = go.parse_paths.len;
    fg_vec_push(out, go);
    if (failed)
      return false;
  }
  return true;
}

static void fg_observed_groups_free(FgGroupObservedVec *v) {
  for (size_t i = 0; i < v->len; i++) {
    fg_observed_delete(v->items[i].obs);
    fg_strvec_free(&v->items[i].parse_paths);
  }
  fg_vec_free(v);
}

/* FORKGUARD_STATS=1: what the run read and parsed, and where the time
 * went, one line per project on stderr (for bench/; not a report). */
static double fg_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool fg_stats_wanted(void) {
  const char *s = getenv("FORKGUARD_STATS");
  return s && *s && strcmp(s, "0") != 0;
}

static int fg_ptr_cmp(const void *a, const void *b) {
  const void *x = *(const void *const *)a, *y = *(const void *const *)b;
  return x < y ? -1 : x > y;
}

/* Parsed modules that matter: a def reaching a pool, a pool call at import
 * time, a pool-using or marked test. */
static size_t fg_stats_useful(const FgPyModel *py) {
  FG_VEC(const FgModule *) hit = {0};
  for (size_t d = 0; d < py->defs.len; d++)
    if (py->defs.items[d].dist >= 0)
      fg_vec_push(&hit, py->defs.items[d].mod);
  for (size_t t = 0; t < py->tests.len; t++)
    if (py->tests.items[t].uses_pools || py->tests.items[t].marked)
      fg_vec_push(&hit, py->tests.items[t].mod);
  for (size_t i = 0; i < py->modules.len; i++) {
    const FgPyModule *m = py->modules.items[i]->py;
    for (size_t c = 0; m && c < m->nmodule_calls; c++)
      if (m->module_calls[c].pool != FG_POOL_NONE) {
        fg_vec_push(&hit, py->modules.items[i]);
        break;
      }
  }
  if (hit.len > 1)
    qsort(hit.items, hit.len, sizeof(void *), fg_ptr_cmp);
  size_t n = 0;
  for (size_t i = 0; i < hit.len; i++)
    n += i == 0 || hit.items[i] != hit.items[i - 1];
  fg_vec_free(&hit);
  return n;
}

static void fg_print_stats(const FgProject *p, double load_s, double lint_s, FILE *err) {
  const FgPyModel *py = &p->py;
  fprintf(
      err,
      "forkguard: stats: python=%zu read=%zu bytes=%zu parsed=%zu useful=%zu first=%zu "
      "rounds=%zu later_reads=%zu words_kept=%zu tests=%zu workflows=%zu runs=%zu "
      "cache_hits=%zu cache_writes=%zu evals=%zu load=%.3fs lint=%.3fs\n",
      py->modules.len, py->files_read, py->bytes_read, py->files_parsed,
      fg_stats_useful(py), py->files_parsed_first, py->rounds, py->later_reads,
      py->words_bytes_peak, py->tests.len, p->ci.workflows.len, p->ci.runs.len,
      fg_cache_hits(p->cache), fg_cache_writes(p->cache), py->search_evals, load_s,
      lint_s);
}

/* What a check whose process ends leaves to the system (process_ends):
 * reachable from here, so a leak checker sees nothing lost. */
static FgDiag **volatile fg_kept_diags;
static FgProject **volatile fg_kept_projects;

/* Prints the report the run cache stored, when it still holds: true, with
 * *rc the exit status. */
static bool fg_replay(const FgCheckOptions *o, FgRunCache *runc, int *rc, FILE *err) {
  int cached = FG_EXIT_CLEAN;
  size_t n = 0;
  const char *report = NULL;
  char *entry = fg_run_cache_lookup(runc, &report, &n, &cached, err);
  if (!entry)
    return false;
  FgBuf out = {0};
  out.sink = fg_open_output(o, err);
  *rc = FG_EXIT_ERROR;
  if (out.sink) {
    for (size_t at = 0; at < n; at += 65536) /* in pieces: it streams out */
      fg_buf_append(&out, report + at, n - at < 65536 ? n - at : 65536);
    *rc = fg_close_output(o, &out, err) == 0 ? cached : FG_EXIT_ERROR;
  }
  if (fg_stats_wanted())
    fprintf(err, "forkguard: stats: run_cache=hit inputs=%zu\n",
            fg_run_cache_inputs(runc));
  fg_buf_free(&out);
  free(entry);
  return true;
}

int fg_check(const FgCheckOptions *o, FILE *err) {
  static const char *const dot[] = {"."};
  const char *const *paths = o->npaths ? o->paths : dot;
  size_t npaths = o->npaths ? o->npaths : 1;
  FgConfigOverrides ov = {o->config,        o->no_config, o->select, o->ignore, o->jobs,
                          o->extend_select, fg_rules,     fg_nrules, NULL,      0,
                          o->no_cache,      o->cache_dir};
  /* the run cache needs every path the run looks at, from the start */
  bool use_run_cache = fg_run_cache_wanted(o);
  if (use_run_cache)
    fg_inputs_start();
  FgGroupVec groups = {0};
  if (!fg_group_paths(paths, npaths, &groups, err)) {
    fg_inputs_stop();
    fg_groups_free(&groups);
    return FG_EXIT_ERROR;
  }
  bool color = o->output ? false : fg_use_color(o->color, stdout);
  FgRunCache *runc = NULL;
  if (use_run_cache) {
    FG_VEC(const char *) roots = {0};
    for (size_t i = 0; i < groups.len; i++)
      fg_vec_push(&roots, groups.items[i].root);
    runc = fg_run_cache_open(o, &ov, roots.items, roots.len, color);
    fg_vec_free(&roots);
    int rc = FG_EXIT_CLEAN;
    if (runc && fg_replay(o, runc, &rc, err)) {
      fg_inputs_stop();
      fg_run_cache_close(runc);
      fg_groups_free(&groups);
      return rc;
    }
  }
  FgGroupObservedVec observed = {0};
  if (!fg_observe_groups(o, &groups, &ov, &observed, err)) {
    fg_inputs_stop();
    fg_run_cache_close(runc);
    fg_observed_groups_free(&observed);
    fg_groups_free(&groups);
    return FG_EXIT_ERROR;
  }
  char *display = fg_display_root(&groups, o->format);
  FgStrVec prefixes = {0}; /* per group */
  for (size_t i = 0; i < groups.len; i++)
    fg_vec_push(&prefixes,
                display ? fg_relpath(display, groups.items[i].root) : fg_xstrdup(""));
  long fixed = 0;
  int rc = FG_EXIT_CLEAN;
  FgStrVec written = {0};
  if (o->fix || o->diff) {
    FgDiffFiles files = {0};
    for (size_t i = 0; i < groups.len && rc == FG_EXIT_CLEAN; i++) {
      /* a diff over several projects names each file from the shared root;
       * one project's diff stays a patch for its own folder */
      const char *prefix = groups.len > 1 ? prefixes.items[i] : "";
      long n = fg_check_fix(o, &observed.items[i].ov, &groups.items[i],
                            observed.items[i].obs, prefix, &written, &files, err);
      if (n < 0)
        rc = FG_EXIT_ERROR;
      else
        fixed += n;
    }
    FgBuf diff = {0};
    if (rc == FG_EXIT_CLEAN)
      fg_diff_files_print(&files, &diff);
    fg_diff_files_free(&files);
    if (o->diff && rc == FG_EXIT_CLEAN) {
      fwrite(diff.data ? diff.data : "", 1, diff.len, stdout);
      if (fflush(stdout) != 0) {
        fprintf(err, "forkguard: standard output: cannot write the diff: %s\n",
                strerror(errno));
        rc = FG_EXIT_ERROR;
      } else {
        rc = diff.len ? FG_EXIT_FINDINGS : FG_EXIT_CLEAN;
      }
    }
    fg_buf_free(&diff);
    if (rc == FG_EXIT_ERROR || o->diff) {
      fg_inputs_stop();
      fg_run_cache_close(runc);
      fg_strvec_free(&written);
      fg_strvec_free(&prefixes);
      free(display);
      fg_observed_groups_free(&observed);
      fg_groups_free(&groups);
      return rc;
    }
  }
  if (written.len > 1)
    qsort(written.items, written.len, sizeof(char *), fg_str_cmp_ptr);
  size_t nwritten = 0; /* a file several projects fixed is listed once */
  for (size_t i = 0; i < written.len; i++) {
    if (nwritten && strcmp(written.items[nwritten - 1], written.items[i]) == 0)
      free(written.items[i]);
    else
      written.items[nwritten++] = written.items[i];
  }
  written.len = nwritten;

  FG_VEC(FgProject *) projects = {0};
  FgDiagList diags = {0};
  size_t io_errors = 0, untrusted = 0, warned = 0;
  bool stats = fg_stats_wanted();
  for (size_t i = 0; i < groups.len; i++) {
    char *why = NULL;
    double t0 = stats ? fg_now() : 0;
    FgProject *p = fg_project_load(groups.items[i].paths.items, groups.items[i].paths.len,
                                   &observed.items[i].ov, &why);
    if (!p) {
      fprintf(err, "forkguard: %s\n", why);
      free(why);
      rc = FG_EXIT_ERROR;
      break;
    }
    fg_vec_push(&projects, p);
    fg_project_show_under(p, prefixes.items[i]);
    fg_print_warnings(p, err);
    warned += p->problems.warnings.len;
    io_errors += p->problems.io_errors;
    p->observed = observed.items[i].obs;
    FgDiagList one = {0};
    double t1 = stats ? fg_now() : 0;
    fg_rules_lint(p, &one);
    if (o->trust_observed)
      untrusted += fg_observed_trust(p->observed, &one);
    fg_fixes_withhold(p, &one);
    fg_fixes_withdraw_broken(p, &one);
    if (stats)
      fg_print_stats(p, t1 - t0, fg_now() - t1, err);
    for (size_t k = 0; k < one.items.len; k++) {
      FgDiag *d = one.items.items[k];
      /* a finding in the repository's workflow concerns this project: its
       * tests and selection are the project's (another project may get
       * its own at the same place) */
      if (p->repo_dir && d->src && fg_str_startswith(d->src->path, "../"))
        fg_diag_add_note(d, "project: %s", p->repo_dir);
      fg_diag_list_push(&diags, d);
    }
    fg_vec_free(&one.items);
  }
  FgBuf out = {0};
  FILE *sink = NULL;
  if (rc == FG_EXIT_CLEAN) {
    fg_diag_list_sort(&diags);
    sink = fg_open_output(o, err);
    if (!sink)
      rc = FG_EXIT_ERROR;
    out.sink = sink;
    if (sink && runc && fg_run_cache_begin(runc)) {
      /* the report goes to the run cache as it is printed */
      out.tee = fg_run_cache_tee;
      out.tee_ud = runc;
    }
  }
  if (rc == FG_EXIT_CLEAN) {
    FgSummary sum = {0};
    fg_summarise(&diags, o->unsafe_fixes, &sum);
    sum.fix_mode = o->fix;
    sum.fixed = (size_t)fixed;
    sum.written = (const char *const *)written.items;
    sum.nwritten = written.len;
    sum.untrusted = untrusted;
    /* the exit status the run will have, unless writing the report fails */
    rc = sum.findings && !o->exit_zero && !o->show_files ? FG_EXIT_FINDINGS
                                                         : FG_EXIT_CLEAN;
    if (rc == FG_EXIT_CLEAN && o->exit_non_zero_on_fix && fixed > 0)
      rc = FG_EXIT_FINDINGS;
    if (io_errors)
      rc = FG_EXIT_ERROR;
    if (o->show_files)
      for (size_t i = 0; i < projects.len; i++)
        fg_show_files(&out, projects.items[i]);
    else if (o->statistics)
      fg_output_statistics(&out, &diags, &sum, o->format == FG_FORMAT_JSON,
                           o->unsafe_fixes);
    else
      switch (o->format) {
      case FG_FORMAT_JSON:
        fg_output_json(&out, &diags, &sum, o->unsafe_fixes);
        break;
      case FG_FORMAT_SARIF:
        fg_output_sarif(&out, &diags, display ? display : projects.items[0]->root,
                        fg_rules, fg_nrules, rc);
        break;
      case FG_FORMAT_GITHUB:
        fg_output_github(&out, &diags);
        break;
      case FG_FORMAT_GITLAB:
        fg_output_gitlab(&out, &diags);
        break;
      default:
        fg_output_text(&out, &diags, &sum, color, o->quiet, o->unsafe_fixes);
        break;
      }
    if (fg_close_output(o, &out, err) != 0)
      rc = FG_EXIT_ERROR;
    fg_run_cache_finish(runc, rc != FG_EXIT_ERROR && !warned && !untrusted, rc);
  }
  fg_inputs_stop();
  fg_run_cache_close(runc);
  fg_buf_free(&out);
  if (o->process_ends) {
    /* freeing every summary, tree of values and finding one by one costs a
     * twentieth of a run; the system takes it back at exit. Kept reachable,
     * so a leak checker sees nothing lost. */
    fg_kept_diags = diags.items.items;
    fg_kept_projects = projects.items;
  } else {
    fg_diag_list_clear(&diags);
    for (size_t i = 0; i < projects.len; i++)
      fg_project_delete(projects.items[i]);
    fg_vec_free(&projects);
  }
  fg_strvec_free(&written);
  fg_strvec_free(&prefixes);
  free(display);
  fg_observed_groups_free(&observed);
  fg_groups_free(&groups);
  return rc;
}

int fg_explain(const char *code_or_name, FILE *out, FILE *err) {
  const FgRule *r = fg_rule_find(code_or_name);
  if (!r) {
    fprintf(err, "forkguard: unknown rule: %s (see `forkguard rules`)\n", code_or_name);
    return FG_EXIT_ERROR;
  }
  fprintf(out, "# %s (%s)\n\nFix: %s\n\n", r->name, r->code, r->fix);
  if (r->opt_in)
    fprintf(out,
            "Off by default: enable it with `--select %s` or `select = [\"%s\"]` in "
            "`[tool.forkguard]`.\n\n",
            r->code, r->code);
  fputs(r->doc, out);
  if (r->doc_more) {
    FgBuf b = {0};
    r->doc_more(&b);
    if (b.len)
      fwrite(b.data, 1, b.len, out);
    fg_buf_free(&b);
  }
  return FG_EXIT_CLEAN;
}

int fg_list_rules(bool json, FILE *out) {
  if (json) {
    FgBuf b = {0};
    FgJson j;
    fg_json_init(&j, &b, true);
    fg_json_begin_array(&j);
    for (size_t i = 0; i < fg_nrules; i++) {
      fg_json_begin_object(&j);
      fg_json_key(&j, "code");
      fg_json_string(&j, fg_rules[i]->code);
      fg_json_key(&j, "name");
      fg_json_string(&j, fg_rules[i]->name);
      fg_json_key(&j, "summary");
      fg_json_string(&j, fg_rules[i]->summary);
      fg_json_key(&j, "fix");
      fg_json_string(&j, fg_rules[i]->fix);
      fg_json_key(&j, "default");
      fg_json_bool(&j, !fg_rules[i]->opt_in);
      fg_json_end_object(&j);
    }
    fg_json_end_array(&j);
    fg_buf_putc(&b, '\n');
    fputs(b.data, out);
    fg_buf_free(&b);
    return FG_EXIT_CLEAN;
  }
  for (size_t i = 0; i < fg_nrules; i++)
    fprintf(out, "%s  %-34s %-7s %s\n", fg_rules[i]->code, fg_rules[i]->name,
            fg_rules[i]->fix, fg_rules[i]->summary);
  return FG_EXIT_CLEAN;
}
