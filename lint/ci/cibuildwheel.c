/* cibuildwheel: `cibuildwheel [--platform P] [PACKAGE_DIR]` (also `python
 * -m cibuildwheel`, `pipx run cibuildwheel`, and the pypa/cibuildwheel
 * action, which runs it with its package-dir input) tests each wheel it
 * builds with the test command: CIBW_TEST_COMMAND_<PLATFORM>, else
 * CIBW_TEST_COMMAND, else test-command in PACKAGE_DIR's pyproject.toml
 * ([tool.cibuildwheel.<platform>] over [tool.cibuildwheel]; a string, or a
 * list of commands run one after the other). {project} stands for the
 * project folder and {package} for the package's. Without a test command
 * no test runs, nor with test-skip "*" or --print-build-identifiers. The
 * command runs from a folder of its own, so paths in it
 * that are not made from {project} or {package} name nothing of the
 * project: they are read from the project folder here, as the closest. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ci/launch_int.h"
#include "parse/toml.h"

/* The platform cibuildwheel builds for: --platform, CIBW_PLATFORM, else
 * the runner's OS. NULL when not known. */
static const char *fg_cibw_platform(const FgLaunchCtx *lc, const FgShellCommand *cmd,
                                    const char *given) {
  const char *p = given ? given : fg_launch_getenv(lc, cmd, "CIBW_PLATFORM");
  if (p &&
      (strcmp(p, "linux") == 0 || strcmp(p, "macos") == 0 || strcmp(p, "windows") == 0 ||
       strcmp(p, "ios") == 0 || strcmp(p, "android") == 0 || strcmp(p, "pyodide") == 0))
    return p;
  if (p && strcmp(p, "auto") != 0)
    return NULL;
  const char *os = fg_launch_getenv(lc, cmd, "RUNNER_OS");
  if (!os)
    return NULL;
  if (strcmp(os, "Linux") == 0)
    return "linux";
  if (strcmp(os, "macOS") == 0)
    return "macos";
  if (strcmp(os, "Windows") == 0)
    return "windows";
  return NULL;
}

/* test-command from a [tool.cibuildwheel] table: its string, or its list
 * joined with && (cibuildwheel runs them in turn and stops at a failure). */
static char *fg_cibw_toml_command(const FgTomlValue *table) {
  const FgTomlValue *v = fg_toml_table_get(table, "test-command");
  if (fg_toml_as_string(v))
    return fg_xstrdup(fg_toml_as_string(v));
  if (!fg_toml_is_array(v))
    return NULL;
  FgBuf b = {0};
  for (size_t i = 0; i < v->nitems; i++) {
    const char *s = fg_toml_as_string(v->items[i]);
    if (s)
      fg_buf_printf(&b, "%s%s", b.len ? " && " : "", s);
  }
  return b.len ? fg_buf_take(&b) : (fg_buf_free(&b), NULL);
}

static void fg_cibw_replace(FgBuf *out, const char *text, const char *project,
                            const char *package) {
  for (const char *t = text; *t;) {
    if (strncmp(t, "{project}", 9) == 0) {
      fg_buf_puts(out, project);
      t += 9;
    } else if (strncmp(t, "{package}", 9) == 0) {
      fg_buf_puts(out, package);
      t += 9;
    } else {
      fg_buf_append(out, t++, 1);
    }
  }
}

size_t fg_launch_cibuildwheel(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                              const char *cwd) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  const char *platform = NULL, *package = NULL;
  for (size_t k = i + 1; k < n; k++) {
    const char *t = w[k].text;
    if (strcmp(t, "--print-build-identifiers") == 0 || strcmp(t, "--help") == 0 ||
        strcmp(t, "-h") == 0 || strcmp(t, "--version") == 0)
      return 0; /* prints, builds and tests nothing */
    if (strcmp(t, "--platform") == 0 && k + 1 < n) {
      platform = w[++k].text;
    } else if (fg_str_startswith(t, "--platform=")) {
      platform = t + 11;
    } else if ((strcmp(t, "--output-dir") == 0 || strcmp(t, "--config-file") == 0 ||
                strcmp(t, "--archs") == 0 || strcmp(t, "--only") == 0) &&
               k + 1 < n) {
      k++;
    } else if (t[0] != '-' && !package) {
      if (w[k].dynamic)
        return 0; /* which package is not known */
      package = t;
    }
  }
  if (!package || !*package)
    package = ".";
  platform = fg_cibw_platform(lc, cmd, platform);
  const char *where = NULL;
  char *command = NULL;
  char *env_name = NULL;
  if (platform) {
    env_name = fg_xasprintf("CIBW_TEST_COMMAND_%s", platform);
    for (char *c = env_name; *c; c++)
      *c = (char)toupper((unsigned char)*c);
    const char *v = fg_launch_getenv(lc, cmd, env_name);
    if (v) {
      command = fg_xstrdup(v);
      where = env_name;
    }
  }
  const char *any = command ? NULL : fg_launch_getenv(lc, cmd, "CIBW_TEST_COMMAND");
  if (any) {
    command = fg_xstrdup(any);
    where = "CIBW_TEST_COMMAND";
  }
  char *dir = fg_path_join(cwd, package);
  FgLaunchToml t = {0};
  bool have_toml = false;
  if (!command) {
    static const char *const files[] = {"pyproject.toml"};
    static const char *const keys[] = {"tool.cibuildwheel"};
    have_toml = fg_launch_toml_find(lc, dir, files, keys, 1, &t);
    if (have_toml) {
      const FgTomlValue *plat = platform ? fg_toml_table_get(t.table, platform) : NULL;
      command = plat ? fg_cibw_toml_command(plat) : NULL;
      if (!command)
        command = fg_cibw_toml_command(t.table);
      where = t.path;
    }
  }
  /* test-skip "*" skips the tests of every wheel */
  const char *skip = fg_launch_getenv(lc, cmd, "CIBW_TEST_SKIP");
  if (!skip && have_toml)
    skip = fg_toml_as_string(fg_toml_table_get(t.table, "test-skip"));
  size_t total = 0;
  if (command && *command && !(skip && strcmp(skip, "*") == 0)) {
    FgBuf line = {0};
    fg_cibw_replace(&line, command, *cwd ? cwd : ".", dir && *dir ? dir : ".");
    char *hop = fg_xasprintf("cibuildwheel test-command (%s)", where);
    FgLaunchLine ll = {line.data, cwd,         hop,  hop,  NULL,  0,
                       0,         FG_VIA_CIBW, NULL, NULL, false, NULL};
    total = fg_launch_run_line(lc, &ll);
    free(hop);
    fg_buf_free(&line);
  }
  if (have_toml)
    fg_launch_toml_free(&t);
  free(command);
  free(env_name);
  free(dir);
  return total;
}
