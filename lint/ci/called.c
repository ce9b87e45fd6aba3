#include "ci/called.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* OpenAstronomy/github-actions-workflows' tox.yml (astropy and its
 * ecosystem): its `envs` input, a YAML string, is a list of environments;
 * each names its toxenv under the platform it runs on (linux, macos,
 * windows) and may set posargs, toxargs, runs-on and python-version over the
 * workflow's inputs. The workflow turns the list into a matrix and runs
 * `tox -e TOXENV TOXARGS -- POSARGS` in each cell, under the Python of the
 * env (`python-version`, else the toxenv's pyXY factor, else the
 * `default_python` input). */
static const char kOpenAstronomyTox[] = "OpenAstronomy/github-actions-workflows/.github/"
                                        "workflows/tox.yml@";

static const char *fg_str_of(const FgYamlNode *map, const char *key) {
  return fg_yaml_str(fg_yaml_get(map, key));
}

/* A YAML double-quoted scalar holding s. */
static void fg_put_quoted(FgBuf *b, const char *s) {
  fg_buf_puts(b, "\"");
  for (const char *c = s; *c; c++) {
    if (*c == '"' || *c == '\\')
      fg_buf_printf(b, "\\%c", *c);
    else if (*c == '\n')
      fg_buf_puts(b, " ");
    else if ((unsigned char)*c < 0x20)
      continue;
    else
      fg_buf_append(b, c, 1);
  }
  fg_buf_puts(b, "\"");
}

/* The YAML string of input key, parsed (NULL: none or not YAML). */
static FgYamlDoc *fg_input_doc(const FgYamlNode *with, const char *key, FgSource **src) {
  const char *text = fg_str_of(with, key);
  *src = NULL;
  if (!text || !*text)
    return NULL;
  *src = fg_source_new("(input)", text, strlen(text));
  FgYamlDoc *doc = fg_yaml_parse(*src);
  if (doc->has_error || !doc->root) {
    fg_yaml_delete(doc);
    fg_source_delete(*src);
    *src = NULL;
    return NULL;
  }
  return doc;
}

/* "py313" -> "3.13", "py313t-test" -> "3.13t"; NULL when the toxenv does
 * not start with such a factor. */
static char *fg_toxenv_python(const char *toxenv) {
  if (strncmp(toxenv, "py", 2) != 0 || (toxenv[2] != '2' && toxenv[2] != '3') ||
      !isdigit((unsigned char)toxenv[3]))
    return NULL;
  size_t n = 3;
  while (isdigit((unsigned char)toxenv[n]))
    n++;
  bool t = toxenv[n] == 't';
  return fg_xasprintf("%c.%.*s%s", toxenv[2], (int)(n - 3), toxenv + 3, t ? "t" : "");
}

static void fg_put_env(FgBuf *b, const FgYamlNode *env, const FgYamlNode *runs_on,
                       const char *posargs, const char *toxargs, const char *default_py) {
  static const char *const kPlatforms[][2] = {{"linux", "ubuntu-latest"},
                                              {"macos", "macos-latest"},
                                              {"windows", "windows-latest"}};
  /* tox_matrix.py walks linux, macos, windows and keeps the last an env
   * names: the first from the end */
  for (size_t k = 3; k-- > 0;) {
    const char *toxenv = fg_str_of(env, kPlatforms[k][0]);
    if (!toxenv)
      continue;
    const char *os = fg_str_of(env, "runs-on");
    if (!os)
      os = fg_str_of(runs_on, kPlatforms[k][0]);
    if (!os)
      os = kPlatforms[k][1];
    const char *p = fg_str_of(env, "posargs");
    const char *t = fg_str_of(env, "toxargs");
    char *from_env = fg_toxenv_python(toxenv);
    const char *py = fg_str_of(env, "python-version");
    if (!py)
      py = from_env;
    if (!py)
      py = fg_str_of(env, "default_python");
    if (!py || !*py)
      py = default_py;
    fg_buf_puts(b, "      - {os: ");
    fg_put_quoted(b, os);
    fg_buf_puts(b, ", toxenv: ");
    fg_put_quoted(b, toxenv);
    fg_buf_puts(b, ", python: ");
    fg_put_quoted(b, py);
    fg_buf_puts(b, ", toxargs: ");
    fg_put_quoted(b, t ? t : toxargs);
    fg_buf_puts(b, ", posargs: ");
    fg_put_quoted(b, p ? p : posargs);
    fg_buf_puts(b, "}\n");
    free(from_env);
    return;
  }
}

bool fg_called_job_yaml(const char *uses, const FgYamlNode *caller, FgBuf *out) {
  if (!uses || strncasecmp(uses, kOpenAstronomyTox, sizeof kOpenAstronomyTox - 1) != 0)
    return false;
  const FgYamlNode *with = fg_yaml_deref(fg_yaml_get(caller, "with"));
  FgSource *envs_src = NULL, *runs_on_src = NULL, *setenv_src = NULL;
  FgYamlDoc *envs = fg_input_doc(with, "envs", &envs_src);
  const FgYamlNode *list = envs ? fg_yaml_deref(envs->root) : NULL;
  if (!list || list->kind != FG_YAML_SEQ) {
    fg_yaml_delete(envs);
    fg_source_delete(envs_src);
    return false;
  }
  FgYamlDoc *runs_on = fg_input_doc(with, "runs-on", &runs_on_src);
  FgYamlDoc *setenv = fg_input_doc(with, "setenv", &setenv_src);
  const char *posargs = fg_str_of(with, "posargs");
  const char *toxargs = fg_str_of(with, "toxargs");
  const char *default_py = fg_str_of(with, "default_python");
  const char *wd = fg_str_of(with, "working-directory");
  const FgYamlNode *ro = runs_on ? fg_yaml_deref(runs_on->root) : NULL;
  fg_buf_puts(out, "runs-on: ${{ matrix.os }}\n");
  const FgYamlNode *env = setenv ? fg_yaml_deref(setenv->root) : NULL;
  if (env && env->kind == FG_YAML_MAP && env->nitems) {
    fg_buf_puts(out, "env:\n");
    for (size_t i = 0; i + 1 < env->nitems; i += 2) {
      const FgYamlNode *k = fg_yaml_deref(env->items[i]);
      const FgYamlNode *v = fg_yaml_deref(env->items[i + 1]);
      if (!k || k->kind != FG_YAML_SCALAR || !v || v->kind != FG_YAML_SCALAR)
        continue;
      fg_buf_puts(out, "  ");
      fg_put_quoted(out, k->value);
      fg_buf_puts(out, ": ");
      fg_put_quoted(out, v->value);
      fg_buf_puts(out, "\n");
    }
  }
  if (wd && *wd) {
    fg_buf_puts(out, "defaults:\n  run:\n    working-directory: ");
    fg_put_quoted(out, wd);
    fg_buf_puts(out, "\n");
  }
  fg_buf_puts(out, "strategy:\n  matrix:\n    include:\n");
  for (size_t i = 0; i < list->nitems; i++) {
    const FgYamlNode *e = fg_yaml_deref(list->items[i]);
    if (e && e->kind == FG_YAML_MAP)
      fg_put_env(out, e, ro && ro->kind == FG_YAML_MAP ? ro : NULL,
                 posargs ? posargs : "", toxargs ? toxargs : "",
                 default_py && *default_py ? default_py : "3");
  }
  fg_buf_puts(out, "steps:\n"
                   "  - uses: actions/setup-python@v5\n"
                   "    with:\n"
                   "      python-version: ${{ matrix.python }}\n"
                   "  - name: tox (OpenAstronomy tox.yml)\n"
                   "    run: tox -e ${{ matrix.toxenv }} ${{ matrix.toxargs }} -- "
                   "${{ matrix.posargs }}\n");
  fg_yaml_delete(envs);
  fg_source_delete(envs_src);
  fg_yaml_delete(runs_on);
  fg_source_delete(runs_on_src);
  fg_yaml_delete(setenv);
  fg_source_delete(setenv_src);
  return true;
}
