/* python/environ: which environment variables the project sets for its test
 * runs. `os.getenv("X", d)` / `os.environ.get("X", d)` of a name that no
 * workflow, tox/nox/make file, pytest setting and no loaded Python code sets
 * is d (or None) on the project's CI: the model can evaluate it. */
#include <stdlib.h>
#include <string.h>

#include "python/internal.h"

/* A Python line that may put names into os.environ: its quoted words count as
 * set (generous on purpose: a name wrongly counted set only keeps a guard
 * unknown). */
static bool fg_env_setter_line(const char *s, size_t n) {
  static const char *const kSetters[] = {"setenv",     "putenv",   "setdefault",
                                         "patch.dict", "environ[", "environ.update"};
  for (size_t k = 0; k < sizeof kSetters / sizeof kSetters[0]; k++) {
    size_t kl = strlen(kSetters[k]);
    for (size_t i = 0; i + kl <= n; i++)
      if (memcmp(s + i, kSetters[k], kl) == 0)
        return true;
  }
  return false;
}

static bool fg_env_word_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '_';
}

/* The quoted identifiers of the line: "X" or 'X'. */
static void fg_env_quoted_words(const char *s, size_t n, FgStrVec *out) {
  for (size_t i = 0; i < n; i++) {
    char q = s[i];
    if (q != '"' && q != '\'')
      continue;
    size_t j = i + 1;
    while (j < n && fg_env_word_char(s[j]))
      j++;
    if (j < n && s[j] == q && j > i + 1)
      fg_vec_push(out, fg_xstrndup(s + i + 1, j - i - 1));
    i = j < n && s[j] == q ? j : i;
  }
}

static int fg_env_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void fg_pymodel_environ(FgPyModel *p, const FgReader *rd) {
  FgBuf text = {0};
  for (size_t i = 0; i < p->nenv_files; i++) {
    size_t len = 0;
    char *err = NULL;
    char *data = fg_reader_read(rd, p->env_files[i], 4u << 20, &len, &err);
    free(err);
    if (!data)
      continue;
    fg_buf_append(&text, data, strlen(data));
    fg_buf_puts(&text, "\n");
    free(data);
  }
  p->env_text = fg_buf_take(&text);
  for (size_t i = 0; i < p->modules.len; i++) {
    const FgSource *src = p->modules.items[i]->src;
    if (!src || !p->modules.items[i]->py)
      continue;
    const char *s = src->data;
    for (size_t at = 0; at < src->len;) {
      const char *nl = memchr(s + at, '\n', src->len - at);
      size_t end = nl ? (size_t)(nl - s) : src->len;
      if (fg_env_setter_line(s + at, end - at))
        fg_env_quoted_words(s + at, end - at, &p->env_set);
      at = end + 1;
    }
  }
  if (p->env_set.len > 1)
    qsort(p->env_set.items, p->env_set.len, sizeof(char *), fg_env_cmp);
}

void fg_pymodel_environ_free(FgPyModel *p) {
  free(p->env_text);
  p->env_text = NULL;
  fg_strvec_free(&p->env_set);
}

/* What the CI machine, pytest and xdist set themselves. */
static bool fg_env_ambient(const char *name) {
  static const char *const kPrefixes[] = {
      "CI",    "GITHUB_",  "RUNNER_", "ACTIONS_",    "PYTEST_", "PYTHON", "XDG_", "LC_",
      "JAVA_", "ANDROID_", "CONDA",   "VIRTUAL_ENV", "TOX_",    "NOX_",   "COV_"};
  static const char *const kNames[] = {
      "HOME", "PATH", "USER",    "LANG", "PWD",      "SHELL",   "TMPDIR",
      "TEMP", "TMP",  "LOGNAME", "TERM", "HOSTNAME", "ImageOS", "DEBIAN_FRONTEND"};
  for (size_t i = 0; i < sizeof kPrefixes / sizeof kPrefixes[0]; i++)
    if (strncmp(name, kPrefixes[i], strlen(kPrefixes[i])) == 0)
      return true;
  for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; i++)
    if (strcmp(name, kNames[i]) == 0)
      return true;
  return false;
}

bool fg_py_env_unset(const FgPyModel *p, const char *name) {
  if (!name || !*name || fg_env_ambient(name))
    return false;
  if (p->env_set.len &&
      bsearch(&name, p->env_set.items, p->env_set.len, sizeof(char *), fg_env_cmp))
    return false;
  /* named anywhere in the files that configure runs: maybe set there */
  return !p->env_text || !strstr(p->env_text, name);
}
