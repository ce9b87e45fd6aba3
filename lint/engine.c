/* engine: `check`, `explain` and `rules`, from options to an exit code. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/discover.h"
#include "core/json.h"
#include "core/overlay.h"
#include "fix/apply.h"
#include "forkguard.h"
#include "parse/ini_doc.h"
#include "parse/toml.h"
#include "project.h"
#include "report/output.h"
#include "rules.h"

const char *fg_version(void) {
  return FG_VERSION;
}

static bool fg_use_color(FgColor c, FILE *f) {
  const char *no = getenv("NO_COLOR");
  if (no && *no)
    return false;
  if (c == FG_COLOR_ALWAYS)
    return true;
  if (c == FG_COLOR_NEVER)
    return false;
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

/* Would the new bytes of a file gain a parse error? */
static bool fg_validate(const char *path, const char *data, size_t len, char **why,
                        void *ctx) {
  const FgProject *p = ctx;
  FgSource *src = fg_source_new(path, data, len);
  bool ok = true;
  if (fg_str_endswith(path, ".py")) {
    FgPyModule *py = fg_pyfile_parse(src, NULL);
    bool had_error = false;
    for (size_t i = 0; i < p->py.modules.len; i++)
      if (strcmp(p->py.modules.items[i]->src->path, path) == 0 &&
          p->py.modules.items[i]->py)
        had_error = p->py.modules.items[i]->py->has_error;
    if (py->has_error && !had_error) {
      ok = false;
      *why = fg_xasprintf("the fixed file would not parse: %s", py->error_message);
    }
    fg_pyfile_delete(py);
  } else if (fg_str_endswith(path, ".toml")) {
    FgToml *doc = fg_toml_parse(src);
    if (fg_toml_has_error(doc)) {
      ok = false;
      *why =
          fg_xasprintf("the fixed file would not parse: %s", fg_toml_error_message(doc));
    }
    fg_toml_delete(doc);
  } else if (fg_str_endswith(path, ".ini") || fg_str_endswith(path, ".cfg")) {
    FgIniDoc *doc = fg_ini_doc_parse(src);
    if (doc->has_error) {
      ok = false;
      *why = fg_xasprintf("the fixed file would not parse: %s", doc->message);
    }
    fg_ini_doc_delete(doc);
  } else if (fg_str_endswith(path, ".yml") || fg_str_endswith(path, ".yaml")) {
    FgYamlDoc *doc = fg_yaml_parse(src);
    if (doc->has_error) {
      ok = false;
      *why = fg_xasprintf("the fixed file would not parse: %s", doc->error_message);
    }
    fg_yaml_delete(doc);
  }
  fg_source_delete(src);
  return ok;
}

static const char *fg_fix_rule(const FgDiagList *diags, const FgFix *fix) {
  for (size_t i = 0; i < diags->items.len; i++)
    if (diags->items.items[i]->fix == fix)
      return diags->items.items[i]->rule->code;
  return "?";
}

/* Plans the applicable fixes of one lint pass. Reports rejected files. */
static FgPlan *fg_plan_fixes(const FgProject *p, const FgDiagList *diags, bool unsafe,
                             bool check_disk, FILE *err) {
  FgPlan *plan = fg_plan_new();
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    if (fg_output_fix_applies(d, unsafe))
      fg_plan_add_fix(plan, d->fix);
  }
  fg_plan_validate(plan, fg_validate, (void *)p);
  if (check_disk)
    fg_plan_check_disk(plan, p->root);
  for (size_t i = 0; i < fg_plan_nrejected(plan); i++) {
    const FgRejectedFile *r = fg_plan_rejected(plan, i);
    fprintf(err, "forkguard: error: %s: fix not applied: %s\n", r->src->path, r->why);
    for (size_t k = 0; k < fg_plan_nfixes(plan); k++) {
      FgFixStatus st;
      const FgFix *f = fg_plan_fix(plan, k, &st);
      if (st == FG_FIX_FILE_REJECTED)
        fprintf(err, "forkguard:   dropped %s fix: %s\n", fg_fix_rule(diags, f),
                f->message);
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
} FgFixResult;

static void fg_fix_result_free(FgFixResult *r) {
  fg_overlay_free(&r->overlay);
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
                            const FgConfigOverrides *ov, bool unsafe, FgFixResult *res,
                            FILE *err) {
  for (int round = 0;; round++) {
    char *why = NULL;
    FgProject *p = fg_project_load_overlay(paths, npaths, ov, &res->overlay, &why);
    if (!p) {
      fprintf(err, "forkguard: %s\n", why);
      free(why);
      return -1;
    }
    FgDiagList diags = {0};
    fg_rules_lint(p, &diags);
    /* only the first round reads every file from disk: later rounds see
     * the overlay's bytes, which differ from the disk by design (the final
     * write checks every original against the disk again) */
    FgPlan *plan = fg_plan_fixes(p, &diags, unsafe, round == 0, err);
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
          FgSource *orig = fg_source_new(f->src->path, f->src->data, f->src->len);
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
    char *data = fg_xstrndup(o->data, o->len);
    fg_fix_add_edit(whole, orig, 0, orig->len, data);
    free(data);
  }
  fg_plan_add_fix(plan, whole);
  return plan;
}

int fg_check(const FgCheckOptions *o, FILE *err) {
  static const char *const dot[] = {"."};
  const char *const *paths = o->npaths ? o->paths : dot;
  size_t npaths = o->npaths ? o->npaths : 1;
  FgConfigOverrides ov = {o->config, o->no_config, o->select, o->ignore, o->jobs};
  long fixed = 0;
  if (o->fix || o->diff) {
    FgFixResult res = {0};
    int frc = fg_fix_in_memory(paths, npaths, &ov, o->unsafe_fixes, &res, err);
    FgFix *whole = fg_fix_new(FG_FIX_SAFE, "all fixes");
    FgPlan *plan = frc == 0 ? fg_fix_final_plan(&res, whole) : NULL;
    if (plan && o->diff) {
      /* what --fix would write, as one unified diff; nothing is written */
      FgBuf d = {0};
      fg_plan_diff(plan, &d);
      fwrite(d.data ? d.data : "", 1, d.len, stdout);
      fflush(stdout);
      frc = d.len ? 1 : 0;
      fg_buf_free(&d);
    } else if (plan) {
      FgStrVec errors = {0};
      char *root = fg_discover_root(paths[0]);
      if (res.originals.len && (!root || fg_plan_write(plan, root, &errors)))
        frc = -1;
      free(root);
      for (size_t i = 0; i < errors.len; i++)
        fprintf(err, "forkguard: error: %s\n", errors.items[i]);
      fg_strvec_free(&errors);
      fixed = res.fixed;
    }
    fg_plan_delete(plan);
    fg_fix_delete(whole);
    fg_fix_result_free(&res);
    if (frc < 0)
      return FG_EXIT_ERROR;
    if (o->diff)
      return frc ? FG_EXIT_FINDINGS : FG_EXIT_CLEAN;
  }
  char *why = NULL;
  FgProject *p = fg_project_load(paths, npaths, &ov, &why);
  if (!p) {
    fprintf(err, "forkguard: %s\n", why);
    free(why);
    return FG_EXIT_ERROR;
  }
  for (size_t i = 0; i < p->problems.warnings.len; i++)
    fprintf(err, "forkguard: %s\n", p->problems.warnings.items[i]);

  FgDiagList diags = {0};
  fg_rules_lint(p, &diags);
  FgSummary sum = {0};
  fg_summarise(&diags, o->unsafe_fixes, &sum);
  sum.fix_mode = o->fix;
  sum.fixed = (size_t)fixed;

  FgBuf out = {0};
  out.sink = fg_open_output(o, err);
  if (!out.sink) {
    fg_diag_list_clear(&diags);
    fg_project_delete(p);
    return FG_EXIT_ERROR;
  }
  bool color = o->output ? false : fg_use_color(o->color, stdout);
  switch (o->format) {
  case FG_FORMAT_JSON:
    fg_output_json(&out, &diags, &sum, o->unsafe_fixes);
    break;
  case FG_FORMAT_SARIF:
    fg_output_sarif(&out, &diags, p->root, fg_rules, fg_nrules);
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
  int rc = fg_close_output(o, &out, err) == 0
               ? (sum.findings && !o->exit_zero ? FG_EXIT_FINDINGS : FG_EXIT_CLEAN)
               : FG_EXIT_ERROR;
  if (rc == FG_EXIT_CLEAN && o->exit_non_zero_on_fix && fixed > 0)
    rc = FG_EXIT_FINDINGS;
  if (p->problems.io_errors)
    rc = FG_EXIT_ERROR;
  fg_buf_free(&out);
  fg_diag_list_clear(&diags);
  fg_project_delete(p);
  return rc;
}

int fg_explain(const char *code_or_name, FILE *out, FILE *err) {
  const FgRule *r = fg_rule_find(code_or_name);
  if (!r) {
    fprintf(err, "forkguard: unknown rule: %s (see `forkguard rules`)\n", code_or_name);
    return FG_EXIT_ERROR;
  }
  fprintf(out, "# %s (%s)\n\nFix: %s\n\n", r->name, r->code, r->fix);
  if (r->default_off)
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
      fg_json_string(&j, fg_rules[i]->default_off ? "off" : "on");
      fg_json_end_object(&j);
    }
    fg_json_end_array(&j);
    fg_buf_putc(&b, '\n');
    fputs(b.data, out);
    fg_buf_free(&b);
    return FG_EXIT_CLEAN;
  }
  for (size_t i = 0; i < fg_nrules; i++)
    fprintf(out, "%s  %-34s %-7s %s%s\n", fg_rules[i]->code, fg_rules[i]->name,
            fg_rules[i]->fix, fg_rules[i]->summary,
            fg_rules[i]->default_off ? " (off by default)" : "");
  return FG_EXIT_CLEAN;
}
