/* spin: `spin test [OPTIONS] [PYTEST_ARGS] [-- PYTEST_ARGS]` (also `python
 * -m spin test`) in a project whose pyproject.toml has [tool.spin].
 *
 * spin's meson test command runs pytest on the built package: `-j N`,
 * `--parallel N` or `-n N` give pytest `-n N` (none for 1); `-m` /
 * `--markexpr EXPR` its -m, by default `not slow`, and `full` none; `-t` /
 * `--tests PATH` the path, by default the package ([tool.spin] package, a
 * folder of the root); the other words, and all those after `--`, are
 * pytest's own, appended.
 *
 * [tool.spin.commands] says which command `test` is: spin's own
 * (`spin.cmds.meson.test`, also when no commands are listed) or the
 * project's (`.spin/cmds.py:test`). The project's runs the same when it
 * extends the meson one (`@spin.util.extend_command(spin.cmds.meson.test)`);
 * its own click options then take their values, and an option declared
 * with a meson option's name (`'--mode', '-m'`) means that option. Words
 * whose effect spin's meson command does not tell (the project's other
 * options, any word of a project command that does not extend it) are
 * unknown: the run's selection is not guessed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ci/launch_int.h"
#include "core/inputs.h"
#include "parse/toml.h"

typedef enum {
  FG_SPIN_NONE,
  FG_SPIN_JOBS,
  FG_SPIN_MARK,
  FG_SPIN_TESTS,
  FG_SPIN_VALUE, /* takes a value that selects nothing (--build-dir) */
  FG_SPIN_FLAG,  /* selects nothing (-v, --no-build) */
  FG_SPIN_OTHER, /* the project's: its effect is not known */
  FG_SPIN_OTHER_FLAG
} FgSpinOpt;

typedef struct {
  const char *name;
  FgSpinOpt kind;
} FgSpinName;

static const FgSpinName fg_spin_meson[] = {{"-j", FG_SPIN_JOBS},
                                           {"--parallel", FG_SPIN_JOBS},
                                           {"-n", FG_SPIN_JOBS},
                                           {"--jobs", FG_SPIN_JOBS},
                                           {"-m", FG_SPIN_MARK},
                                           {"--markexpr", FG_SPIN_MARK},
                                           {"-t", FG_SPIN_TESTS},
                                           {"--tests", FG_SPIN_TESTS},
                                           {"--build-dir", FG_SPIN_VALUE},
                                           {"--gcov-format", FG_SPIN_VALUE},
                                           {"-v", FG_SPIN_FLAG},
                                           {"--verbose", FG_SPIN_FLAG},
                                           {"-c", FG_SPIN_FLAG},
                                           {"--coverage", FG_SPIN_FLAG},
                                           {"--gcov", FG_SPIN_FLAG},
                                           {"--build", FG_SPIN_FLAG},
                                           {"--no-build", FG_SPIN_FLAG},
                                           {"--quiet", FG_SPIN_FLAG},
                                           {NULL, FG_SPIN_NONE}};

typedef struct FgSpinDecl {
  char *name;
  FgSpinOpt kind;
} FgSpinDecl;

typedef struct FgSpin {
  FG_VEC(FgSpinDecl) opts; /* the project's command's options */
  bool known;              /* the command is (or extends) spin's meson test */
  char *package;
  char *hop;
} FgSpin;

static FgSpinOpt fg_spin_meson_kind(const char *name) {
  for (size_t i = 0; fg_spin_meson[i].name; i++)
    if (strcmp(fg_spin_meson[i].name, name) == 0)
      return fg_spin_meson[i].kind;
  return FG_SPIN_NONE;
}

static FgSpinOpt fg_spin_kind(const FgSpin *sp, const char *name) {
  for (size_t i = 0; i < sp->opts.len; i++)
    if (strcmp(sp->opts.items[i].name, name) == 0)
      return sp->opts.items[i].kind;
  return fg_spin_meson_kind(name);
}

/* The quoted option names ("-x", "--xx") in text[0..len). */
static void fg_spin_names(const char *text, size_t len, FgStrVec *out) {
  for (size_t i = 0; i < len; i++) {
    char q = text[i];
    if (q != '\'' && q != '"')
      continue;
    size_t e = i + 1;
    while (e < len && text[e] != q && text[e] != '\n')
      e++;
    if (e >= len || text[e] != q)
      return;
    const char *s = text + i + 1;
    size_t n = e - i - 1;
    if (n >= 2 && s[0] == '-' && !memchr(s, ' ', n) && !memchr(s, '/', n))
      fg_vec_push(out, fg_xstrndup(s, n));
    i = e;
  }
}

/* Reads the project's command `func` in file: does it extend spin's meson
 * test, and what are its click options. */
static void fg_spin_read_cmd(FgSpin *sp, const FgSource *src, const char *func) {
  char *def = fg_xasprintf("\ndef %s(", func);
  const char *d = NULL;
  for (const char *p = src->data; p && (size_t)(p - src->data) < src->len;) {
    p = strstr(p, def);
    if (!p)
      break;
    d = p;
    break;
  }
  free(def);
  if (!d)
    return;
  /* the decorators: the lines right above the def, up to a blank line */
  const char *top = d;
  while (top > src->data) {
    const char *prev = top - 1;
    while (prev > src->data && prev[-1] != '\n')
      prev--;
    size_t n = (size_t)(top - prev);
    bool blank = true;
    for (size_t k = 0; k < n && blank; k++)
      blank = prev[k] == ' ' || prev[k] == '\n' || prev[k] == '\r' || prev[k] == '\t';
    if (blank)
      break;
    top = prev;
  }
  size_t len = (size_t)(d - top);
  char *block = fg_xstrndup(top, len);
  const char *ext = strstr(block, "extend_command(");
  if (ext) {
    const char *close = strchr(ext, ')');
    size_t n = close ? (size_t)(close - ext) : strlen(ext);
    char *arg = fg_xstrndup(ext, n);
    sp->known = strstr(arg, "meson.test") != NULL;
    free(arg);
  }
  /* @click.option(...) up to the next decorator */
  for (const char *o = strstr(block, "@click.option("); o;) {
    const char *next = strstr(o + 1, "\n@");
    size_t n = next ? (size_t)(next - o) : strlen(o);
    FgStrVec names = {0};
    fg_spin_names(o, n, &names);
    char *opt = fg_xstrndup(o, n);
    bool flag = strstr(opt, "is_flag=True") || strstr(opt, "is_flag = True");
    free(opt);
    FgSpinOpt kind = flag ? FG_SPIN_OTHER_FLAG : FG_SPIN_OTHER;
    for (size_t k = 0; k < names.len; k++) {
      FgSpinOpt mk = fg_spin_meson_kind(names.items[k]);
      if (mk != FG_SPIN_NONE && mk != FG_SPIN_FLAG && mk != FG_SPIN_VALUE)
        kind = mk; /* declared with a meson option's name: that option */
    }
    for (size_t k = 0; k < names.len; k++) {
      FgSpinDecl dc = {fg_xstrdup(names.items[k]), kind};
      fg_vec_push(&sp->opts, dc);
    }
    fg_strvec_free(&names);
    o = next ? strstr(next, "@click.option(") : NULL;
  }
  free(block);
}

static void fg_spin_free(FgSpin *sp) {
  for (size_t i = 0; i < sp->opts.len; i++)
    free(sp->opts.items[i].name);
  fg_vec_free(&sp->opts);
  free(sp->package);
  free(sp->hop);
}

/* The `test` entry of [tool.spin.commands]: a table of sections, each a
 * list of "module.path.test" or "file.py:test". */
static const char *fg_spin_test_entry(const FgTomlValue *cmds) {
  const FgTomlValue *lists[64];
  size_t nl = 0;
  if (fg_toml_is_array(cmds))
    lists[nl++] = cmds;
  for (size_t i = 0; fg_toml_is_table(cmds) && i < cmds->nentries && nl < 64; i++)
    if (fg_toml_is_array(cmds->entries[i].value))
      lists[nl++] = cmds->entries[i].value;
  for (size_t l = 0; l < nl; l++)
    for (size_t i = 0; i < lists[l]->nitems; i++) {
      const char *s = fg_toml_as_string(lists[l]->items[i]);
      if (!s)
        continue;
      const char *colon = strrchr(s, ':');
      const char *dot = strrchr(s, '.');
      const char *name = colon ? colon + 1 : dot ? dot + 1 : s;
      if (strcmp(name, "test") == 0)
        return s;
    }
  return NULL;
}

/* Loads [tool.spin] of cwd's pyproject.toml; false when there is none or
 * it lists commands without a `test`. */
static bool fg_spin_load(const FgLaunchCtx *lc, const char *cwd, FgSpin *sp) {
  memset(sp, 0, sizeof *sp);
  char *path = fg_path_join(cwd, "pyproject.toml");
  const FgSource *src = fg_launch_file(lc->env, path);
  FgToml *toml = src ? fg_toml_parse(src) : NULL;
  const FgTomlValue *spin = toml ? fg_toml_get(toml, "tool.spin") : NULL;
  if (!fg_toml_is_table(spin)) {
    fg_toml_delete(toml);
    free(path);
    return false;
  }
  const char *pkg = fg_toml_as_string(fg_toml_table_get(spin, "package"));
  sp->package = pkg ? fg_xstrdup(pkg) : NULL;
  const FgTomlValue *cmds = fg_toml_table_get(spin, "commands");
  const char *entry = cmds ? fg_spin_test_entry(cmds) : "spin.cmds.meson.test";
  bool ok = entry != NULL;
  if (entry && strcmp(entry, "spin.cmds.meson.test") == 0) {
    sp->known = true;
    sp->hop = fg_xasprintf("spin test (%s [tool.spin])", path);
  } else if (entry) {
    /* "file.py:func": the project's own command */
    const char *colon = strrchr(entry, ':');
    char *file = colon ? fg_xstrndup(entry, (size_t)(colon - entry)) : NULL;
    char *rel = file ? fg_path_join(cwd, file) : NULL;
    const FgSource *cs = rel ? fg_launch_file(lc->env, rel) : NULL;
    if (cs)
      fg_spin_read_cmd(sp, cs, colon + 1);
    sp->hop = fg_xasprintf("spin test (%s)", entry);
    free(rel);
    free(file);
  }
  fg_toml_delete(toml);
  free(path);
  return ok;
}

/* `--opt=value` and `-jN`: the option's name and its attached value. */
static FgSpinOpt fg_spin_split(const FgSpin *sp, const char *t, char **name,
                               const char **value) {
  *value = NULL;
  const char *eq = t[1] == '-' ? strchr(t, '=') : NULL;
  if (eq) {
    *name = fg_xstrndup(t, (size_t)(eq - t));
    *value = eq + 1;
    return fg_spin_kind(sp, *name);
  }
  FgSpinOpt k = fg_spin_kind(sp, t);
  if (k != FG_SPIN_NONE || t[1] == '-' || !t[1] || !t[2]) {
    *name = fg_xstrdup(t);
    return k;
  }
  /* a short option with its value attached: `-j3` */
  *name = fg_xstrndup(t, 2);
  k = fg_spin_kind(sp, *name);
  if (k != FG_SPIN_NONE && k != FG_SPIN_FLAG && k != FG_SPIN_OTHER_FLAG)
    *value = t + 2;
  return k;
}

/* A module or path (`scipy.linalg`, `scipy/linalg`) as a path. */
static char *fg_spin_path(const char *t) {
  char *p = fg_xstrdup(t);
  if (!strchr(p, '/') && !strstr(p, ".py"))
    for (char *c = p; *c; c++)
      if (*c == '.')
        *c = '/';
  return p;
}

/* A pytest argument naming a file or folder of the project (`scipy/linalg`,
 * `tests/test_x.py::test_y`); an option's value (`--durations 3`) is none. */
static bool fg_spin_is_path(const FgLaunchCtx *lc, const char *cwd, const char *word) {
  if (word[0] == '-' || !lc->env->root)
    return false;
  size_t n = strcspn(word, ":");
  char *rel = fg_xstrndup(word, n);
  char *in = fg_path_join(cwd, rel);
  char *full = fg_xasprintf("%s/%s", lc->env->root, in);
  fg_inputs_note(full);
  bool ok = n > 0 && access(full, F_OK) == 0;
  free(full);
  free(in);
  free(rel);
  return ok;
}

size_t fg_launch_spin(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                      const char *cwd) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  size_t k = i + 1;
  while (k < n && w[k].text[0] == '-' && !w[k].dynamic)
    k++; /* spin's own flags before the command */
  if (k >= n || w[k].dynamic || strcmp(w[k].text, "test") != 0)
    return 0;
  FgSpin sp;
  if (!fg_spin_load(lc, cwd, &sp)) {
    fg_spin_free(&sp);
    return 0;
  }
  const char *jobs = NULL, *mark = "not slow";
  FgStrVec tests = {0}, rest = {0}, unknown = {0};
  for (k++; k < n; k++) {
    const char *t = w[k].text;
    if (strcmp(t, "--") == 0) {
      for (k++; k < n; k++)
        fg_vec_push(&rest, fg_xstrdup(t = w[k].text));
      break;
    }
    if (w[k].dynamic || !sp.known) {
      fg_vec_push(&unknown, fg_xstrdup(t));
      continue;
    }
    if (t[0] != '-' || !t[1]) {
      fg_vec_push(&rest, fg_xstrdup(t));
      continue;
    }
    char *name = NULL;
    const char *value = NULL;
    FgSpinOpt kind = fg_spin_split(&sp, t, &name, &value);
    free(name);
    bool valued = kind == FG_SPIN_JOBS || kind == FG_SPIN_MARK || kind == FG_SPIN_TESTS ||
                  kind == FG_SPIN_VALUE || kind == FG_SPIN_OTHER;
    if (valued && !value && k + 1 < n) {
      if (w[k + 1].dynamic) {
        fg_vec_push(&unknown, fg_xasprintf("%s %s", t, w[k + 1].text));
        k++;
        continue;
      }
      value = w[++k].text;
    }
    switch (kind) {
    case FG_SPIN_JOBS:
      jobs = value;
      break;
    case FG_SPIN_MARK:
      mark = value;
      break;
    case FG_SPIN_TESTS:
      if (value)
        fg_vec_push(&tests, fg_spin_path(value));
      break;
    case FG_SPIN_OTHER:
    case FG_SPIN_OTHER_FLAG:
    case FG_SPIN_NONE:
      fg_vec_push(&unknown, value && !strstr(t, value) ? fg_xasprintf("%s %s", t, value)
                                                       : fg_xstrdup(t));
      break;
    default:
      break;
    }
  }
  /* the pytest command spin runs */
  FgBuf line = {0};
  fg_buf_puts(&line, "python -m pytest");
  if (sp.known) {
    bool has_n = false, has_m = false;
    for (size_t r = 0; r < rest.len; r++) {
      has_n |= strcmp(rest.items[r], "-n") == 0 ||
               strcmp(rest.items[r], "--numprocesses") == 0;
      has_m |= strcmp(rest.items[r], "-m") == 0;
    }
    if (jobs && strcmp(jobs, "1") != 0 && !has_n) {
      fg_launch_put_word(&line, "-n");
      fg_launch_put_word(&line, jobs);
    }
    if (mark && strcmp(mark, "full") != 0 && !has_m) {
      fg_launch_put_word(&line, "-m");
      fg_launch_put_word(&line, mark);
    }
    for (size_t t = 0; t < tests.len; t++)
      fg_launch_put_word(&line, tests.items[t]);
    bool positional = tests.len > 0;
    for (size_t r = 0; r < rest.len && !positional; r++)
      positional = fg_spin_is_path(lc, cwd, rest.items[r]);
    if (!positional && sp.package)
      fg_launch_put_word(&line, sp.package);
  }
  for (size_t r = 0; r < rest.len; r++)
    fg_launch_put_word(&line, rest.items[r]);
  char *where = fg_xstrdup(sp.hop ? sp.hop : "spin test");
  FgLaunchLine ll = {line.data, cwd,         where, where, NULL,  0,
                     0,         FG_VIA_SPIN, NULL,  NULL,  false, NULL};
  size_t from = lc->out->len;
  size_t total = fg_launch_run_line(lc, &ll);
  /* words whose effect is not known: never paths or options */
  for (size_t r = from; r < lc->out->len; r++) {
    FgRun *run = lc->out->items[r];
    for (size_t u = 0; u < unknown.len; u++)
      fg_vec_push(&run->unknown, fg_xstrdup(unknown.items[u]));
    if (!sp.known)
      fg_vec_push(&run->notes,
                  fg_xasprintf("`spin test` runs the project's command (%s), which does "
                               "not extend spin's meson test: its pytest arguments are "
                               "not known",
                               sp.hop ? sp.hop : "spin test"));
  }
  free(where);
  fg_buf_free(&line);
  fg_strvec_free(&tests);
  fg_strvec_free(&rest);
  fg_strvec_free(&unknown);
  fg_spin_free(&sp);
  return total;
}
