/* libFuzzer: the whole pipeline on a small in-memory project. The input is
 * the contents of the project's files, one after another, each ended by a
 * line "====" (a missing part is an empty file). A skeleton of empty files
 * on disk gives discovery the names; the overlay gives every file its
 * fuzzed bytes. Each input is linted, every fix (unsafe ones too) is
 * planned, and the plan is checked: the bytes before the first edit and
 * after the last one are the file's own, and the fixed project is loaded
 * and linted again through the overlay (the next fix round). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/overlay.h"
#include "fix/apply.h"
#include "project.h"
#include "rules.h"

static const char *const fg_fuzz_files[] = {
    ".github/workflows/ci.yml", "tests/test_a.py", "tests/conftest.py",
    "pyproject.toml",           "tox.ini",         "Makefile",
    ".python-version",          "src/pkg/util.py",
};
#define FG_FUZZ_NFILES (sizeof fg_fuzz_files / sizeof fg_fuzz_files[0])

static char fg_fuzz_root[64];

static void fg_fuzz_touch(const char *rel) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", fg_fuzz_root, rel);
  for (char *s = strchr(path + strlen(fg_fuzz_root) + 1, '/'); s;
       s = strchr(s + 1, '/')) {
    *s = '\0';
    mkdir(path, 0755);
    *s = '/';
  }
  FILE *f = fopen(path, "w");
  if (f)
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  snprintf(fg_fuzz_root, sizeof fg_fuzz_root, "/tmp/fg-fuzz-XXXXXX");
  if (!mkdtemp(fg_fuzz_root))
    abort();
  for (size_t i = 0; i < FG_FUZZ_NFILES; i++)
    fg_fuzz_touch(fg_fuzz_files[i]);
  return 0;
}

static void fg_fuzz_split(FgOverlay *ov, const char *data, size_t size) {
  static const char sep[] = "\n====\n";
  size_t pos = 0;
  for (size_t i = 0; i < FG_FUZZ_NFILES; i++) {
    size_t end = size;
    const char *hit = pos < size ? fg_memmem(data + pos, size - pos, sep, 6) : NULL;
    if (hit)
      end = (size_t)(hit - data) + 1; /* the part keeps its final newline */
    size_t n = pos < size ? end - pos : 0;
    fg_overlay_set(ov, fg_fuzz_files[i], pos < size ? data + pos : "", n);
    pos = hit ? end + 5 : size;
  }
}

/* The plan's bytes keep what lies outside every edit. */
static void fg_fuzz_check_plan(const FgPlan *plan) {
  for (size_t i = 0; i < fg_plan_nfiles(plan); i++) {
    const FgPlannedFile *f = fg_plan_file(plan, i);
    const FgSource *src = f->src;
    size_t first = src->len, last = 0;
    for (size_t k = 0; k < fg_plan_nfixes(plan); k++) {
      FgFixStatus st;
      const FgFix *fix = fg_plan_fix(plan, k, &st);
      if (st != FG_FIX_APPLIED)
        continue;
      for (size_t e = 0; e < fix->edits.len; e++) {
        const FgEdit *ed = &fix->edits.items[e];
        if (ed->src != src)
          continue;
        if (ed->start < first)
          first = ed->start;
        if (ed->end > last)
          last = ed->end;
      }
    }
    if (src->is_new || first > last)
      continue;
    if (f->len < first + (src->len - last) || memcmp(f->data, src->raw, first) != 0 ||
        memcmp(f->data + f->len - (src->len - last), src->raw + last, src->len - last) !=
            0)
      abort(); /* a byte no edit meant to change was changed */
  }
}

/* One round: load, lint, plan every fix; the fixed files go into next. */
static void fg_fuzz_round(const FgOverlay *ov, FgOverlay *next) {
  const char *paths[] = {fg_fuzz_root};
  FgConfigOverrides co = {.no_config = true, .jobs = 1, .extend_select = "ALL"};
  char *err = NULL;
  FgProject *p = fg_project_load_overlay(paths, 1, &co, ov, &err);
  if (!p) {
    free(err);
    return;
  }
  FgDiagList diags = {0};
  fg_rules_lint(p, &diags);
  FgPlan *plan = fg_plan_new();
  for (size_t i = 0; i < diags.items.len; i++)
    if (diags.items.items[i]->fix)
      fg_plan_add_fix(plan, diags.items.items[i]->fix);
  fg_fuzz_check_plan(plan);
  FgBuf diff = {0};
  fg_plan_diff(plan, &diff);
  fg_buf_free(&diff);
  for (size_t i = 0; next && i < fg_plan_nfiles(plan); i++) {
    const FgPlannedFile *f = fg_plan_file(plan, i);
    if (fg_plan_file_changed(f))
      fg_overlay_set(next, f->src->path, f->data, f->len);
  }
  fg_plan_delete(plan);
  fg_diag_list_clear(&diags);
  fg_project_delete(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FgOverlay ov = {0};
  fg_fuzz_split(&ov, (const char *)data, size);
  FgOverlay fixed = {0};
  fg_fuzz_round(&ov, &fixed);
  if (fixed.files.len) {
    for (size_t i = 0; i < fixed.files.len; i++)
      fg_overlay_set(&ov, fixed.files.items[i].path, fixed.files.items[i].data,
                     fixed.files.items[i].len);
    fg_fuzz_round(&ov, NULL);
  }
  fg_overlay_free(&fixed);
  fg_overlay_free(&ov);
  return 0;
}
