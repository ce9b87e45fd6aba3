/* markers: the marker in force (config, or the convention CI already splits
 * on) and the markers the project already uses for the same purpose
 * (SPEC §3): `serial` when registered or deselected by CI, `xdist_group`
 * when every parallel run uses `--dist loadgroup`. */
#include <string.h>

#include "project.h"

/* Does the run's -m drop a test for carrying `name` alone? */
static bool fg_run_deselects(const FgRun *r, const char *name) {
  if (!r->m)
    return false;
  const char *one[] = {name};
  return fg_markexpr_match_marks(r->m, NULL, 0) && !fg_markexpr_match_marks(r->m, one, 1);
}

static void fg_convention_add(FgProject *p, const char *name, char *why, bool groups) {
  FgConvention c = {fg_xstrdup(name), why, groups};
  fg_vec_push(&p->conventions, c);
}

/* `serial`: registered by the project, or deselected by a CI run. */
static char *fg_serial_why(const FgProject *p) {
  if (fg_pytest_cfg_has_marker(p->pytest_cfg, "serial"))
    return fg_xasprintf("registered in `%s` markers",
                        p->pytest_cfg_path ? p->pytest_cfg_path : "the pytest config");
  for (size_t i = 0; i < p->py.modules.len; i++) {
    const FgPyModule *py = p->py.modules.items[i]->py;
    for (size_t k = 0; py && k < py->nregistered_markers; k++)
      if (strcmp(py->registered_markers[k], "serial") == 0)
        return fg_xasprintf("registered by `addinivalue_line` in %s",
                            p->py.modules.items[i]->src->path);
  }
  for (size_t i = 0; i < p->ci.runs.len; i++) {
    const FgRun *r = p->ci.runs.items[i];
    if (!fg_run_deselects(r, "serial"))
      continue;
    char *where = fg_run_where(r);
    char *why = fg_xasprintf("deselected by CI (`-m \"%s\"` in %s)", r->mexpr, where);
    free(where);
    return why;
  }
  return NULL;
}

/* `xdist_group`: every parallel CI run distributes with `--dist loadgroup`,
 * so a group's tests share one worker. They still run under xdist, so FG201
 * keeps flagging those runs; only FG101 accepts the marker. */
static char *fg_xdist_group_why(const FgProject *p) {
  const FgRun *first = NULL;
  for (size_t i = 0; i < p->ci.runs.len; i++) {
    const FgRun *r = p->ci.runs.items[i];
    if (!r->xdist)
      continue;
    if (!r->dist || strcmp(r->dist, "loadgroup") != 0)
      return NULL;
    if (!first)
      first = r;
  }
  if (!first)
    return NULL;
  char *where = fg_run_where(first);
  char *why = fg_xasprintf("every parallel CI run uses `--dist loadgroup` (%s)", where);
  free(where);
  return why;
}

/* SPEC §3: markers the project already uses for the same purpose count as
 * the marker, each for a reason shown in notes. */
void fg_project_detect_conventions(FgProject *p) {
  if (strcmp(p->marker, "serial") != 0) {
    char *why = fg_serial_why(p);
    if (why)
      fg_convention_add(p, "serial", why, false);
  }
  if (strcmp(p->marker, "xdist_group") != 0) {
    char *why = fg_xdist_group_why(p);
    if (why)
      fg_convention_add(p, "xdist_group", why, true);
  }
}

/* A `-m` expression that names one marker: "X" or "not X" (outer spaces and
 * one pair of parentheses allowed); *negated tells which. */
static char *fg_single_marker(const char *expr, bool *negated) {
  const char *s = expr;
  while (*s == ' ' || *s == '(')
    s++;
  *negated = false;
  if (strncmp(s, "not ", 4) == 0) {
    *negated = true;
    s += 4;
    while (*s == ' ')
      s++;
  }
  const char *b = s;
  while (*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
         (*s >= '0' && *s <= '9'))
    s++;
  const char *e = s;
  while (*s == ' ' || *s == ')')
    s++;
  if (*s || e == b || strncmp(b, "not", 3) == 0 || strncmp(b, "and", 3) == 0 ||
      strncmp(b, "or", 2) == 0)
    return NULL;
  return fg_xstrndup(b, (size_t)(e - b));
}

/* SPEC §3: without an explicit `marker` in config, a convention CI already
 * follows is adopted: a marker X that CI splits on (`-m "not X"` in one run
 * and `-m X` in another). A parallel run's lone `-m "not slow"` is not a
 * split: adopting it would mark pool tests `slow`, which no run selects,
 * and the fix would write `(not slow) and not slow`. */
void fg_project_detect_marker(FgProject *p) {
  if (p->config->marker_explicit)
    return;
  const FgRun *pick = NULL;
  char *name = NULL;
  int best = 0;
  for (size_t i = 0; i < p->ci.runs.len && best < 2; i++) {
    const FgRun *r = p->ci.runs.items[i];
    bool neg = false;
    char *x = r->mexpr ? fg_single_marker(r->mexpr, &neg) : NULL;
    if (!x || !neg || strcmp(x, p->marker) == 0) {
      free(x);
      continue;
    }
    int score = 0;
    for (size_t k = 0; k < p->ci.runs.len; k++) {
      const FgRun *o = p->ci.runs.items[k];
      bool oneg = false;
      char *y = o->mexpr ? fg_single_marker(o->mexpr, &oneg) : NULL;
      if (y && !oneg && strcmp(x, y) == 0)
        score = 2;
      free(y);
    }
    if (score > best) {
      best = score;
      pick = r;
      free(name);
      name = x;
    } else {
      free(x);
    }
  }
  if (!pick) {
    free(name);
    return;
  }
  char *where = fg_run_where(pick);
  p->marker_why =
      fg_xasprintf("`%s`, the convention CI already uses (`-m \"%s\"`%s in %s)", name,
                   pick->mexpr, best == 2 ? " and a serial `-m` run" : "", where);
  free(where);
  p->marker_detected = name;
  p->marker = name;
}
