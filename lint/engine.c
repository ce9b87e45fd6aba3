/* engine: `check`, `explain` and `rules`, from options to an exit code. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forkguard.h"
#include "json.h"
#include "output.h"
#include "project.h"

const char *fg_version(void) { return FG_VERSION; }

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

static int fg_write_output(const FgCheckOptions *o, const FgBuf *text, FILE *err) {
  if (!o->output) {
    fwrite(text->data ? text->data : "", 1, text->len, stdout);
    fflush(stdout);
    return 0;
  }
  FILE *f = fopen(o->output, "wb");
  if (!f) {
    fprintf(err, "forkguard: %s: cannot write output: %s\n", o->output, strerror(errno));
    return -1;
  }
  fwrite(text->data ? text->data : "", 1, text->len, f);
  if (fclose(f) != 0) {
    fprintf(err, "forkguard: %s: cannot write output: %s\n", o->output, strerror(errno));
    return -1;
  }
  return 0;
}

int fg_check(const FgCheckOptions *o, FILE *err) {
  static const char *const dot[] = {"."};
  const char *const *paths = o->npaths ? o->paths : dot;
  size_t npaths = o->npaths ? o->npaths : 1;
  FgConfigOverrides ov = {o->config, o->no_config, o->select, o->ignore};
  char *why = NULL;
  FgProject *p = fg_project_load(paths, npaths, &ov, &why);
  if (!p) {
    fprintf(err, "forkguard: %s\n", why);
    free(why);
    return FG_EXIT_ERROR;
  }
  for (size_t i = 0; i < p->warnings.len; i++)
    fprintf(err, "forkguard: %s\n", p->warnings.items[i]);

  FgDiagList diags = {0};
  fg_project_lint(p, &diags);
  FgSummary sum = {0};
  fg_summarise(&diags, o->unsafe_fixes, &sum);

  FgBuf out = {0};
  bool color = o->output ? false : fg_use_color(o->color, stdout);
  switch (o->format) {
  case FG_FORMAT_JSON:
    fg_output_json(&out, &diags, &sum, o->unsafe_fixes);
    break;
  case FG_FORMAT_SARIF:
    fg_output_sarif(&out, &diags, p->root);
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
  int rc = fg_write_output(o, &out, err) == 0
               ? (sum.findings && !o->exit_zero ? FG_EXIT_FINDINGS : FG_EXIT_CLEAN)
               : FG_EXIT_ERROR;
  if (p->io_errors)
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
  fprintf(out, "# %s (%s)\n\nFix: %s\n\n%s", r->name, r->code, r->fix, r->doc);
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
      fg_json_end_object(&j);
    }
    fg_json_end_array(&j);
    fg_buf_putc(&b, '\n');
    fputs(b.data, out);
    fg_buf_free(&b);
    return FG_EXIT_CLEAN;
  }
  for (size_t i = 0; i < fg_nrules; i++)
    fprintf(out, "%s  %-34s %-7s %s\n", fg_rules[i]->code, fg_rules[i]->name, fg_rules[i]->fix,
            fg_rules[i]->summary);
  return FG_EXIT_CLEAN;
}
