#include "ci/pytest_cfg.h"

#include "core/inputs.h"
#include "core/overlay.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/ini_doc.h"
#include "parse/shlex.h"
#include "parse/toml.h"

#define FG_PYTEST_CFG_MAX_BYTES (16u * 1024u * 1024u)

typedef FG_VEC(FgPytestCfgItem) FgPytestCfgItemVec;

/* ---- files ---------------------------------------------------------------- */

/* The overlay in force during one fg_pytest_cfg_load_overlay call: the
 * readers below are many small functions of (root, name); one thread-local
 * keeps their signatures plain. */
static _Thread_local const FgOverlay *fg_cfg_overlay;

static bool fg_pytest_cfg_is_file(const char *root, const char *name) {
  if (fg_overlay_find(fg_cfg_overlay, name))
    return true;
  char *p = fg_xasprintf("%s/%s", root, name);
  fg_inputs_note(p);
  struct stat st;
  /* a FIFO or a device by that name is met, and refused when read */
  bool ok = stat(p, &st) == 0 && !S_ISDIR(st.st_mode);
  free(p);
  return ok;
}

/* Reads root/name; NULL when it cannot be read (*err set, caller frees). */
static FgSource *fg_pytest_cfg_read(const char *root, const char *name, char **err) {
  const FgOverlayFile *o = fg_overlay_find(fg_cfg_overlay, name);
  if (o)
    return fg_source_new(name, o->data, o->len);
  FgReader rd = {root, NULL, NULL};
  size_t len = 0;
  char *data = fg_reader_read(&rd, name, FG_PYTEST_CFG_MAX_BYTES, &len, err);
  if (!data)
    return NULL;
  FgSource *src = fg_source_new(name, data, len);
  free(data);
  return src;
}

static void fg_pytest_cfg_fail(FgPytestCfg *self, size_t offset, const char *fmt,
                               const char *a, const char *b) {
  if (self->has_error)
    return;
  self->has_error = true;
  self->error_offset = offset;
  self->error = fg_xasprintf(fmt, a, b);
}

/* ---- lists ---------------------------------------------------------------- */

static void fg_pytest_cfg_list_push(FgPytestCfgList *list, const char *text, size_t n,
                                    size_t start, size_t end) {
  FgPytestCfgItemVec v = {list->items, list->len, list->len};
  FgPytestCfgItem it = {fg_xstrndup(text, n), start, end};
  fg_vec_push(&v, it);
  list->items = v.items;
  list->len = v.len;
}

static void fg_pytest_cfg_list_free(FgPytestCfgList *list) {
  for (size_t i = 0; i < list->len; i++)
    free(list->items[i].text);
  free(list->items);
  memset(list, 0, sizeof *list);
}

static void fg_pytest_cfg_list_default(FgPytestCfgList *list, const char *words) {
  if (list->present)
    return;
  FgShlex *sh = fg_shlex_split(words, strlen(words));
  for (size_t i = 0; i < sh->nwords; i++)
    fg_pytest_cfg_list_push(list, sh->words[i].text, strlen(sh->words[i].text), 0, 0);
  fg_shlex_delete(sh);
}

/* Maps a span of the joined INI value back to the file when it lies on one
 * line; else returns the whole value's span. */
static void fg_pytest_cfg_ini_map(const FgIniEntry *e, size_t ws, size_t we, size_t *s,
                                  size_t *en) {
  size_t off = 0;
  for (size_t i = 0; i < e->nlines; i++) {
    size_t n = e->lines[i].end - e->lines[i].start;
    if (ws >= off && we <= off + n) {
      *s = e->lines[i].start + (ws - off);
      *en = e->lines[i].start + (we - off);
      return;
    }
    off += n + 1;
  }
  *s = e->value_start;
  *en = e->value_end;
}

static void fg_pytest_cfg_args_from_ini(FgPytestCfg *self, FgPytestCfgList *list,
                                        const FgIniEntry *e) {
  list->present = true;
  list->start = e->value_start;
  list->end = e->value_end;
  FgShlex *sh = fg_shlex_split(e->value, strlen(e->value));
  for (size_t i = 0; i < sh->nwords; i++) {
    size_t s, en;
    fg_pytest_cfg_ini_map(e, sh->words[i].start, sh->words[i].end, &s, &en);
    fg_pytest_cfg_list_push(list, sh->words[i].text, strlen(sh->words[i].text), s, en);
  }
  if (sh->has_error) {
    size_t s, en;
    fg_pytest_cfg_ini_map(e, sh->error_offset, sh->error_offset, &s, &en);
    fg_pytest_cfg_fail(self, s, "%s: %s", e->key, sh->message);
  }
  fg_shlex_delete(sh);
}

/* The marker name of one `markers` entry: the text before ':' or '('. */
static void fg_pytest_cfg_push_marker(FgPytestCfgList *list, const char *text, size_t n,
                                      size_t start, size_t end) {
  size_t k = 0;
  while (k < n && text[k] != ':' && text[k] != '(')
    k++;
  size_t s = 0;
  while (s < k && isspace((unsigned char)text[s]))
    s++;
  while (k > s && isspace((unsigned char)text[k - 1]))
    k--;
  if (k > s)
    fg_pytest_cfg_list_push(list, text + s, k - s, start, end);
}

static void fg_pytest_cfg_markers_from_ini(FgPytestCfgList *list, const FgIniEntry *e) {
  list->present = true;
  list->start = e->value_start;
  list->end = e->value_end;
  for (size_t i = 0; i < e->nlines; i++)
    fg_pytest_cfg_push_marker(list, e->lines[i].text, strlen(e->lines[i].text),
                              e->lines[i].start, e->lines[i].end);
}

/* A TOML string's decoded text maps one-to-one onto the source when it has
 * no escapes and is a one-quote string. */
static bool fg_pytest_cfg_toml_verbatim(const FgSource *src, const FgTomlValue *v) {
  return v->end - v->start == v->str_len + 2 &&
         memcmp(src->data + v->start + 1, v->str, v->str_len) == 0;
}

static void fg_pytest_cfg_from_toml(FgPytestCfg *self, const FgSource *src,
                                    FgPytestCfgList *list, const FgTomlValue *v,
                                    const char *key, bool markers) {
  if (!v)
    return;
  list->present = true;
  list->start = v->start;
  list->end = v->end;
  if (v->kind == FG_TOML_STRING) {
    bool verbatim = fg_pytest_cfg_toml_verbatim(src, v);
    if (markers) { /* linelist from a string: one entry per line */
      size_t ls = 0;
      for (size_t i = 0; i <= v->str_len; i++) {
        if (i < v->str_len && v->str[i] != '\n')
          continue;
        size_t s = verbatim ? v->start + 1 + ls : v->start;
        size_t e = verbatim ? v->start + 1 + i : v->end;
        fg_pytest_cfg_push_marker(list, v->str + ls, i - ls, s, e);
        ls = i + 1;
      }
      return;
    }
    FgShlex *sh = fg_shlex_split(v->str, v->str_len);
    for (size_t i = 0; i < sh->nwords; i++) {
      size_t s = verbatim ? v->start + 1 + sh->words[i].start : v->start;
      size_t e = verbatim ? v->start + 1 + sh->words[i].end : v->end;
      fg_pytest_cfg_list_push(list, sh->words[i].text, strlen(sh->words[i].text), s, e);
    }
    if (sh->has_error)
      fg_pytest_cfg_fail(self, v->start, "%s: %s", key, sh->message);
    fg_shlex_delete(sh);
    return;
  }
  if (v->kind != FG_TOML_ARRAY) {
    fg_pytest_cfg_fail(self, v->start,
                       "%s: expected a string or a list of strings, got %s", key,
                       fg_toml_kind_name(v->kind));
    return;
  }
  for (size_t i = 0; i < v->nitems; i++) {
    const FgTomlValue *it = v->items[i];
    if (it->kind != FG_TOML_STRING) {
      fg_pytest_cfg_fail(self, it->start, "%s: list item is a %s, not a string", key,
                         fg_toml_kind_name(it->kind));
      continue;
    }
    if (markers)
      fg_pytest_cfg_push_marker(list, it->str, it->str_len, it->start, it->end);
    else
      fg_pytest_cfg_list_push(list, it->str, it->str_len, it->start, it->end);
  }
}

/* ---- reading one config file --------------------------------------------- */

static void fg_pytest_cfg_read_ini(FgPytestCfg *self, const FgSource *src,
                                   const char *section) {
  FgIniDoc *ini = fg_ini_doc_parse(src);
  if (ini->has_error)
    fg_pytest_cfg_fail(self, ini->error_offset, "%s: %s", src->path, ini->message);
  for (size_t i = 0; i < ini->nsections; i++) {
    if (strcmp(ini->sections[i].name, section) == 0) {
      self->section_start = ini->sections[i].start;
      self->section_end = ini->sections[i].end;
      break;
    }
  }
  static const char *const args_keys[] = {"addopts", "testpaths", "python_files",
                                          "python_classes", "python_functions"};
  FgPytestCfgList *args_lists[] = {&self->addopts, &self->testpaths, &self->python_files,
                                   &self->python_classes, &self->python_functions};
  for (size_t k = 0; k < 5; k++) {
    const FgIniEntry *e = fg_ini_doc_get(ini, section, args_keys[k]);
    if (e)
      fg_pytest_cfg_args_from_ini(self, args_lists[k], e);
  }
  const FgIniEntry *m = fg_ini_doc_get(ini, section, "markers");
  if (m)
    fg_pytest_cfg_markers_from_ini(&self->markers, m);
  fg_ini_doc_delete(ini);
}

static void fg_pytest_cfg_read_toml_table(FgPytestCfg *self, const FgSource *src,
                                          const FgTomlValue *table) {
  self->section_start = table->start;
  self->section_end = table->end;
  static const char *const keys[] = {"addopts",        "testpaths",        "python_files",
                                     "python_classes", "python_functions", "markers"};
  FgPytestCfgList *lists[] = {&self->addopts,          &self->testpaths,
                              &self->python_files,     &self->python_classes,
                              &self->python_functions, &self->markers};
  for (size_t k = 0; k < 6; k++)
    fg_pytest_cfg_from_toml(self, src, lists[k], fg_toml_table_get(table, keys[k]),
                            keys[k], k == 5);
}

/* Tries one candidate file; true when it is pytest's config. */
static bool fg_pytest_cfg_try(FgPytestCfg *self, const char *root, const char *name) {
  if (!fg_pytest_cfg_is_file(root, name))
    return false;
  char *err = NULL;
  FgSource *src = fg_pytest_cfg_read(root, name, &err);
  if (!src) {
    /* an unreadable pytest.ini still stops the search, as it would in pytest */
    bool decisive = strstr(name, "pytest") != NULL;
    if (decisive) {
      self->path = fg_xstrdup(name);
      self->kind =
          strstr(name, ".toml") ? FG_PYTEST_CFG_PYTEST_TOML : FG_PYTEST_CFG_PYTEST_INI;
      fg_pytest_cfg_fail(self, 0, "%s: %s", name, err);
    }
    free(err);
    return decisive;
  }
  bool found = false;
  if (strcmp(name, "pytest.ini") == 0 || strcmp(name, ".pytest.ini") == 0) {
    self->kind = FG_PYTEST_CFG_PYTEST_INI;
    fg_pytest_cfg_read_ini(self, src, "pytest");
    found = true;
  } else if (strcmp(name, "tox.ini") == 0 || strcmp(name, "setup.cfg") == 0) {
    const char *section = name[0] == 't' ? "pytest" : "tool:pytest";
    FgIniDoc *ini = fg_ini_doc_parse(src);
    found = fg_ini_doc_has_section(ini, section);
    fg_ini_doc_delete(ini);
    if (found) {
      self->kind = name[0] == 't' ? FG_PYTEST_CFG_TOX_INI : FG_PYTEST_CFG_SETUP_CFG;
      fg_pytest_cfg_read_ini(self, src, section);
    }
  } else { /* pytest.toml, .pytest.toml, pyproject.toml */
    FgToml *doc = fg_toml_parse(src);
    bool pyproject = strcmp(name, "pyproject.toml") == 0;
    const FgTomlValue *table = NULL;
    if (!pyproject) {
      self->kind = FG_PYTEST_CFG_PYTEST_TOML;
      table = fg_toml_get(doc, "pytest");
      found = true;
    } else if ((table = fg_toml_get(doc, "tool.pytest.ini_options")) != NULL) {
      self->kind = FG_PYTEST_CFG_PYPROJECT_INI;
      found = true;
    } else if ((table = fg_toml_get(doc, "tool.pytest")) != NULL) {
      self->kind = FG_PYTEST_CFG_PYPROJECT_TOML;
      found = true;
    }
    if (found && fg_toml_has_error(doc))
      fg_pytest_cfg_fail(self, fg_toml_error_offset(doc), "%s: %s", name,
                         fg_toml_error_message(doc));
    if (found && fg_toml_is_table(table))
      fg_pytest_cfg_read_toml_table(self, src, table);
    fg_toml_delete(doc);
  }
  if (found)
    self->path = fg_xstrdup(name);
  fg_source_delete(src);
  return found;
}

/* ---- dependencies ---------------------------------------------------------- */

char *fg_pytest_cfg_requirement_name(const char *requirement) {
  const char *p = requirement;
  while (*p == ' ' || *p == '\t')
    p++;
  FgBuf b = {0};
  bool sep = false;
  for (; *p; p++) {
    char c = *p;
    if (isalnum((unsigned char)c)) {
      if (sep && b.len)
        fg_buf_putc(&b, '-');
      sep = false;
      fg_buf_putc(&b, (char)tolower((unsigned char)c));
    } else if (c == '-' || c == '_' || c == '.') {
      sep = true;
    } else {
      break;
    }
  }
  return fg_buf_take(&b);
}

static void fg_pytest_cfg_note_dep(FgPytestCfg *self, const char *requirement,
                                   const char *file) {
  char *name = fg_pytest_cfg_requirement_name(requirement);
  if (strcmp(name, "pytest-xdist") == 0 && !self->has_xdist_dep) {
    self->has_xdist_dep = true;
    self->xdist_dep_file = fg_xstrdup(file);
  } else if (strcmp(name, "pytest-enabler") == 0 && !self->has_enabler_dep) {
    self->has_enabler_dep = true;
    self->enabler_dep_file = fg_xstrdup(file);
  } else if (strcmp(name, "pytest-cov") == 0) {
    self->has_cov_dep = true; /* pytest-enabler then turns coverage on too */
  }
  free(name);
}

/* Each string item of an array, or of every array in a table of arrays. */
static void fg_pytest_cfg_deps_toml_list(FgPytestCfg *self, const FgTomlValue *v,
                                         const char *file) {
  if (!fg_toml_is_array(v))
    return;
  for (size_t i = 0; i < v->nitems; i++)
    if (v->items[i]->kind == FG_TOML_STRING)
      fg_pytest_cfg_note_dep(self, v->items[i]->str, file);
}

static void fg_pytest_cfg_deps_toml_groups(FgPytestCfg *self, const FgTomlValue *t,
                                           const char *file) {
  if (!fg_toml_is_table(t))
    return;
  for (size_t i = 0; i < t->nentries; i++)
    fg_pytest_cfg_deps_toml_list(self, t->entries[i].value, file);
}

/* Poetry writes dependencies as table keys: pytest-xdist = "^3". */
static void fg_pytest_cfg_deps_toml_keys(FgPytestCfg *self, const FgTomlValue *t,
                                         const char *file) {
  if (!fg_toml_is_table(t))
    return;
  for (size_t i = 0; i < t->nentries; i++)
    fg_pytest_cfg_note_dep(self, t->entries[i].key, file);
}

static void fg_pytest_cfg_deps_pyproject(FgPytestCfg *self, const char *root) {
  if (!fg_pytest_cfg_is_file(root, "pyproject.toml"))
    return;
  char *err = NULL;
  FgSource *src = fg_pytest_cfg_read(root, "pyproject.toml", &err);
  free(err);
  if (!src)
    return;
  const char *f = "pyproject.toml";
  FgToml *doc = fg_toml_parse(src);
  fg_pytest_cfg_deps_toml_list(self, fg_toml_get(doc, "project.dependencies"), f);
  fg_pytest_cfg_deps_toml_groups(self, fg_toml_get(doc, "project.optional-dependencies"),
                                 f);
  fg_pytest_cfg_deps_toml_groups(self, fg_toml_get(doc, "dependency-groups"), f);
  fg_pytest_cfg_deps_toml_groups(self, fg_toml_get(doc, "tool.pdm.dev-dependencies"), f);
  fg_pytest_cfg_deps_toml_list(self, fg_toml_get(doc, "tool.uv.dev-dependencies"), f);
  fg_pytest_cfg_deps_toml_keys(self, fg_toml_get(doc, "tool.poetry.dependencies"), f);
  fg_pytest_cfg_deps_toml_keys(self, fg_toml_get(doc, "tool.poetry.dev-dependencies"), f);
  const FgTomlValue *groups = fg_toml_get(doc, "tool.poetry.group");
  for (size_t i = 0; fg_toml_is_table(groups) && i < groups->nentries; i++)
    fg_pytest_cfg_deps_toml_keys(
        self, fg_toml_table_get(groups->entries[i].value, "dependencies"), f);
  const FgTomlValue *envs = fg_toml_get(doc, "tool.hatch.envs");
  for (size_t i = 0; fg_toml_is_table(envs) && i < envs->nentries; i++) {
    const FgTomlValue *env = envs->entries[i].value;
    fg_pytest_cfg_deps_toml_list(self, fg_toml_table_get(env, "dependencies"), f);
    fg_pytest_cfg_deps_toml_list(self, fg_toml_table_get(env, "extra-dependencies"), f);
  }
  fg_toml_delete(doc);
  fg_source_delete(src);
}

/* One requirement per line; `#` comments, options (-r, -e, --hash) and blank
 * lines skipped. A tox factor prefix (`py311,xdist: `) is dropped. */
static void fg_pytest_cfg_deps_lines(FgPytestCfg *self, const char *text,
                                     const char *file, bool tox) {
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char *line = fg_xstrndup(p, n);
    char *hash = strstr(line, " #");
    if (hash)
      *hash = '\0';
    const char *req = line;
    while (*req == ' ' || *req == '\t')
      req++;
    const char *colon = tox ? strstr(req, ": ") : NULL;
    if (colon && !memchr(req, ' ', (size_t)(colon - req)))
      req = colon + 2;
    if (*req && *req != '#' && *req != '-')
      fg_pytest_cfg_note_dep(self, req, file);
    free(line);
    p = e ? e + 1 : p + n;
  }
}

static void fg_pytest_cfg_deps_text_file(FgPytestCfg *self, const char *root,
                                         const char *name) {
  char *err = NULL;
  FgSource *src = fg_pytest_cfg_read(root, name, &err);
  free(err);
  if (!src)
    return;
  fg_pytest_cfg_deps_lines(self, src->data, name, false);
  fg_source_delete(src);
}

static bool fg_pytest_cfg_is_requirements_name(const char *name) {
  return fg_str_endswith(name, ".txt") &&
         (fg_str_startswith(name, "requirements") || fg_str_startswith(name, "requires"));
}

/* requirements*.txt in root/dir, in sorted order (deterministic). */
static void fg_pytest_cfg_deps_requirements(FgPytestCfg *self, const char *root,
                                            const char *dir, bool any_txt) {
  char *path = dir ? fg_xasprintf("%s/%s", root, dir) : fg_xstrdup(root);
  fg_inputs_note(path);
  DIR *d = opendir(path);
  free(path);
  if (!d)
    return;
  FG_VEC(char *) names = {0};
  struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    const char *n = ent->d_name;
    if (any_txt ? fg_str_endswith(n, ".txt") : fg_pytest_cfg_is_requirements_name(n))
      fg_vec_push(&names, fg_xstrdup(n));
  }
  closedir(d);
  if (names.len)
    qsort(names.items, names.len, sizeof(char *), fg_str_cmp_ptr);
  for (size_t i = 0; i < names.len; i++) {
    char *rel =
        dir ? fg_xasprintf("%s/%s", dir, names.items[i]) : fg_xstrdup(names.items[i]);
    if (fg_pytest_cfg_is_file(root, rel))
      fg_pytest_cfg_deps_text_file(self, root, rel);
    free(rel);
    free(names.items[i]);
  }
  fg_vec_free(&names);
}

static void fg_pytest_cfg_deps_ini(FgPytestCfg *self, const char *root,
                                   const char *name) {
  if (!fg_pytest_cfg_is_file(root, name))
    return;
  char *err = NULL;
  FgSource *src = fg_pytest_cfg_read(root, name, &err);
  free(err);
  if (!src)
    return;
  bool tox = strcmp(name, "tox.ini") == 0;
  FgIniDoc *ini = fg_ini_doc_parse(src);
  for (size_t i = 0; i < ini->nentries; i++) {
    const FgIniEntry *e = &ini->entries[i];
    bool use;
    if (tox)
      use = strcmp(e->key, "deps") == 0 && fg_str_startswith(e->section, "testenv");
    else
      use = strcmp(e->section, "options.extras_require") == 0 ||
            (strcmp(e->section, "options") == 0 &&
             (strcmp(e->key, "install_requires") == 0 ||
              strcmp(e->key, "tests_require") == 0));
    if (!use)
      continue;
    /* setup.cfg allows `a; python_version<"3.8"` and `a, b` on one line */
    fg_pytest_cfg_deps_lines(self, e->value, name, tox);
  }
  fg_ini_doc_delete(ini);
  fg_source_delete(src);
}

/* ---- public ---------------------------------------------------------------- */

FgPytestCfg *fg_pytest_cfg_load(const char *root_dir) {
  return fg_pytest_cfg_load_overlay(root_dir, NULL);
}

FgPytestCfg *fg_pytest_cfg_load_overlay(const char *root_dir, const FgOverlay *overlay) {
  fg_cfg_overlay = overlay;
  FgPytestCfg *self = fg_xcalloc(1, sizeof *self);
  static const char *const candidates[] = {"pytest.toml", ".pytest.toml",   "pytest.ini",
                                           ".pytest.ini", "pyproject.toml", "tox.ini",
                                           "setup.cfg"};
  bool found = false;
  for (size_t i = 0; i < sizeof candidates / sizeof *candidates && !found; i++)
    found = fg_pytest_cfg_try(self, root_dir, candidates[i]);
  if (!found && fg_pytest_cfg_is_file(root_dir, "pyproject.toml")) {
    self->kind = FG_PYTEST_CFG_PYPROJECT_EMPTY;
    self->path = fg_xstrdup("pyproject.toml");
  }
  fg_pytest_cfg_list_default(&self->python_files, "test_*.py *_test.py");
  fg_pytest_cfg_list_default(&self->python_classes, "Test");
  fg_pytest_cfg_list_default(&self->python_functions, "test");

  fg_pytest_cfg_deps_pyproject(self, root_dir);
  fg_pytest_cfg_deps_ini(self, root_dir, "setup.cfg");
  fg_pytest_cfg_deps_ini(self, root_dir, "tox.ini");
  fg_pytest_cfg_deps_requirements(self, root_dir, NULL, false);
  fg_pytest_cfg_deps_requirements(self, root_dir, "requirements", true);
  fg_cfg_overlay = NULL;
  return self;
}

void fg_pytest_cfg_delete(FgPytestCfg *self) {
  if (!self)
    return;
  free(self->path);
  fg_pytest_cfg_list_free(&self->addopts);
  fg_pytest_cfg_list_free(&self->testpaths);
  fg_pytest_cfg_list_free(&self->markers);
  fg_pytest_cfg_list_free(&self->python_files);
  fg_pytest_cfg_list_free(&self->python_classes);
  fg_pytest_cfg_list_free(&self->python_functions);
  free(self->error);
  free(self->xdist_dep_file);
  free(self->enabler_dep_file);
  free(self);
}

const char *fg_pytest_cfg_kind_name(FgPytestCfgKind kind) {
  switch (kind) {
  case FG_PYTEST_CFG_NONE:
    return "none";
  case FG_PYTEST_CFG_PYTEST_TOML:
    return "pytest.toml";
  case FG_PYTEST_CFG_PYTEST_INI:
    return "pytest.ini";
  case FG_PYTEST_CFG_PYPROJECT_INI:
    return "pyproject.toml [tool.pytest.ini_options]";
  case FG_PYTEST_CFG_PYPROJECT_TOML:
    return "pyproject.toml [tool.pytest]";
  case FG_PYTEST_CFG_TOX_INI:
    return "tox.ini [pytest]";
  case FG_PYTEST_CFG_SETUP_CFG:
    return "setup.cfg [tool:pytest]";
  case FG_PYTEST_CFG_PYPROJECT_EMPTY:
    return "pyproject.toml (no pytest table)";
  }
  return "?";
}

bool fg_pytest_cfg_has_marker(const FgPytestCfg *self, const char *name) {
  for (size_t i = 0; i < self->markers.len; i++)
    if (strcmp(self->markers.items[i].text, name) == 0)
      return true;
  return false;
}
