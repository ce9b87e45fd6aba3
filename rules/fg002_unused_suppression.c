/* FG002 unused-suppression */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "project.h"
#include "report/suppress.h"
#include "rules.h"

static const char doc[] =
    "## What it does\n"
    "Reports a suppression comment (`# forkguard: ignore[...]`, a bare\n"
    "`# forkguard: ignore`, or the FG codes of a `# noqa: ...`) that silences no "
    "finding:\n"
    "the code it names has no finding on that line, or on the test or step it belongs "
    "to.\n"
    "Only codes of rules that are enabled for the file are judged; a code that names no\n"
    "rule at all is a warning instead. The rule is opt-in: enable it with\n"
    "`--extend-select FG002` or `extend-select = [\"FG002\"]`.\n"
    "\n"
    "## Why is this bad?\n"
    "A suppression outlives the reason it was written for: once the test stops starting\n"
    "processes, or the step is split, the comment silences the next real finding on "
    "that\n"
    "line without anyone deciding so.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "def test_parse():  # forkguard: ignore[FG101]\n"
    "    assert parse(\"1\") == 1\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "Safe: the comment is removed (the whole line when it stands alone), only when "
    "every\n"
    "code in it is unused and nothing but the comment follows on the line. A comment "
    "that\n"
    "also names other tools' codes, or some codes that are used, is left for a person.\n";

/* A judged code: ours, a known rule, enabled for the file. */
static bool fg002_judged(const FgProject *p, const FgSuppression *s, const char *code) {
  if (!fg_suppress_is_ours(s, code))
    return false;
  const FgRule *r = fg_rule_find(code);
  return r && fg_config_enabled(p->config, r, s->src->path);
}

static FgFix *fg002_fix(const FgSuppression *s) {
  const FgSource *src = s->src;
  size_t line_start = fg_source_line_start(src, s->line);
  size_t start = s->remove_start, end = s->end;
  if (start == line_start) {
    /* a comment on a line of its own: the line goes, with its break */
    end = fg_source_line_start(src, s->line + 1);
  }
  FgFix *fix = fg_fix_new(FG_FIX_SAFE, "remove the unused suppression comment");
  fg_fix_add_edit(fix, src, start, end, "");
  return fix;
}

static void fg002_on_suppressions(const FgProject *p, const FgSuppressIndex *idx,
                                  FgDiagList *out) {
  for (size_t i = 0; i < fg_suppress_index_len(idx); i++) {
    const FgSuppression *s = fg_suppress_index_at(idx, i);
    FgBuf unused = {0};
    size_t nunused = 0, nother = 0;
    if (s->bare) {
      if (!s->used.items[0])
        nunused++;
      else
        nother++;
    }
    for (size_t k = 0; k < s->codes.len; k++) {
      if (!fg002_judged(p, s, s->codes.items[k]) || s->used.items[k]) {
        nother++;
        continue;
      }
      fg_buf_printf(&unused, "%s`%s`", nunused ? ", " : "", s->codes.items[k]);
      nunused++;
    }
    if (!nunused) {
      fg_buf_free(&unused);
      continue;
    }
    FgDiag *d;
    if (s->bare)
      d = fg_diag_new(&fg002_unused_suppression, s->src, s->start, s->end,
                      "`# forkguard: ignore` silences no finding on this line");
    else
      d = fg_diag_new(&fg002_unused_suppression, s->src, s->start, s->end,
                      "suppression comment silences nothing: %s %s no finding here",
                      unused.data, nunused == 1 ? "has" : "have");
    if (!nother && s->removable)
      d->fix = fg002_fix(s);
    fg_diag_list_push(out, d);
    fg_buf_free(&unused);
  }
}

const FgRule fg002_unused_suppression = {
    .code = "FG002",
    .name = "unused-suppression",
    .summary = "a suppression comment that silences no finding (opt-in)",
    .doc = doc,
    .fix = "safe",
    .opt_in = true,
    .severity = FG_SEVERITY_NOTE,
    .on_suppressions = fg002_on_suppressions,
};
