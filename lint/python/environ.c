/* python/environ: which environment variables the project sets for its test
 * runs. `os.getenv("X", d)` / `os.environ.get("X", d)` of a name that no
 * workflow, tox/nox/make file, pytest setting and no loaded Python code sets
 * is d (or None) on the project's CI: the model can evaluate it. */
#include <stdlib.h>
#include <string.h>

#include "python/internal.h"

/* What on a Python line may put names into os.environ: its quoted words
 * count as set (generous on purpose: a name wrongly counted set only keeps
 * a guard unknown). */
static const char *const kSetters[] = {"setenv",     "putenv",   "setdefault",
                                       "patch.dict", "environ[", "environ.update"};
enum { FG_NSETTERS = sizeof kSetters / sizeof kSetters[0] };

/* Where setter k next appears in s[from, n) (n: nowhere). */
static size_t fg_env_next(const char *s, size_t n, size_t from, size_t k) {
  const char *h =
      from < n ? fg_memmem(s + from, n - from, kSetters[k], strlen(kSetters[k])) : NULL;
  return h ? (size_t)(h - s) : n;
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
    /* each line holding a setter, once, in order */
    const char *s = src->data;
    size_t n = src->len, next[FG_NSETTERS];
    for (size_t k = 0; k < FG_NSETTERS; k++)
      next[k] = fg_env_next(s, n, 0, k);
    for (;;) {
      size_t hit = n;
      for (size_t k = 0; k < FG_NSETTERS; k++)
        hit = next[k] < hit ? next[k] : hit;
      if (hit >= n)
        break;
      size_t start = hit;
      while (start > 0 && s[start - 1] != '\n')
        start--;
      const char *nl = memchr(s + hit, '\n', n - hit);
      size_t end = nl ? (size_t)(nl - s) : n;
      fg_env_quoted_words(s + start, end - start, &p->env_set);
      for (size_t k = 0; k < FG_NSETTERS; k++)
        if (next[k] <= end)
          next[k] = fg_env_next(s, n, end + 1, k);
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
