#include "core/discover.h"

#include "core/cache.h"
#include "core/inputs.h"
#include "core/overlay.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Folders pytest projects never want linted (SPEC §8). */
static const char *const fg_skip_dirs[] = {".git",
                                           ".hg",
                                           ".svn",
                                           "node_modules",
                                           "build",
                                           "dist",
                                           "__pycache__",
                                           ".tox",
                                           ".nox",
                                           ".venv",
                                           "venv",
                                           ".mypy_cache",
                                           ".pytest_cache",
                                           ".ruff_cache",
                                           ".eggs",
                                           "site-packages",
                                           ".forkguard",
                                           FG_CACHE_DIRNAME,
                                           NULL};

static const char *const fg_root_markers[] = {".git",      "pyproject.toml", "pytest.ini",
                                              "setup.cfg", "tox.ini",        NULL};

static bool fg_exists(const char *dir, const char *name) {
  char *p = fg_xasprintf("%s/%s", dir, name);
  fg_inputs_note(p);
  struct stat st;
  bool ok = lstat(p, &st) == 0;
  free(p);
  return ok;
}

char *fg_discover_root(const char *path) {
  char real[PATH_MAX];
  fg_inputs_note(path);
  if (!realpath(path, real))
    return NULL;
  fg_inputs_note(real);
  struct stat st;
  if (stat(real, &st) != 0)
    return NULL;
  if (!S_ISDIR(st.st_mode)) {
    char *slash = strrchr(real, '/');
    if (slash && slash != real)
      *slash = '\0';
    else
      strcpy(real, "/");
  }
  char *start = fg_xstrdup(real);
  char *dir = fg_xstrdup(real);
  for (;;) {
    for (const char *const *m = fg_root_markers; *m; m++) {
      if (fg_exists(dir, *m)) {
        free(start);
        return dir;
      }
    }
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
      break;
    *slash = '\0';
  }
  free(dir);
  return start;
}

char *fg_discover_repo_root(const char *dir) {
  char *d = fg_xstrdup(dir);
  for (;;) {
    if (fg_exists(d, ".git"))
      return d;
    char *slash = strrchr(d, '/');
    if (!slash || slash == d) {
      free(d);
      return NULL;
    }
    *slash = '\0';
  }
}

void fg_discover_workflows_at(const char *root, FgStrVec *out) {
  char *dir = fg_xasprintf("%s/.github/workflows", root);
  fg_inputs_note(dir);
  DIR *d = opendir(dir);
  size_t first = out->len;
  struct dirent *ent;
  while (d && (ent = readdir(d)) != NULL) {
    const char *name = ent->d_name;
    if (!fg_str_endswith(name, ".yml") && !fg_str_endswith(name, ".yaml"))
      continue;
    char *abs = fg_xasprintf("%s/%s", dir, name);
    fg_inputs_note(abs);
    struct stat st;
    if (stat(abs, &st) == 0 && S_ISREG(st.st_mode))
      fg_vec_push(out, fg_xasprintf(".github/workflows/%s", name));
    free(abs);
  }
  if (d)
    closedir(d);
  free(dir);
  if (out->len - first > 1)
    qsort(out->items + first, out->len - first, sizeof(char *), fg_str_cmp_ptr);
}

typedef struct FgIgnore {
  FG_VEC(char *) patterns;
} FgIgnore;

static void fg_ignore_load(FgIgnore *self, const char *root, FgStrVec *warnings) {
  FgReader rd = {root, NULL, NULL};
  FgProblems problems = {0};
  rd.problems = &problems;
  size_t len;
  char *text = fg_reader_read_optional(&rd, ".gitignore", 1 << 20, &len);
  for (size_t i = 0; i < problems.warnings.len; i++) {
    const char *w = problems.warnings.items[i];
    fg_vec_push(warnings, fg_xstrdup(fg_str_startswith(w, "warning: ") ? w + 9 : w));
  }
  fg_problems_free(&problems);
  if (!text)
    return;
  /* a NUL ends nothing: read it as a line break */
  for (size_t i = 0; i < len; i++)
    if (!text[i])
      text[i] = '\n';
  char *save = NULL;
  for (char *line = strtok_r(text, "\r\n", &save); line;
       line = strtok_r(NULL, "\r\n", &save)) {
    while (*line == ' ' || *line == '\t')
      line++;
    size_t n = strlen(line);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
      line[--n] = '\0';
    if (!n || line[0] == '#' || (line[0] == '!' && !line[1]))
      continue;
    /* `!x` is kept as written: it takes x back (fg_ignored); `\!x` and
     * `\#x` stay escaped for fnmatch, which reads them as `!x` and `#x` */
    fg_vec_push(&self->patterns, fg_xstrdup(line));
  }
  free(text);
}

bool fg_discover_glob_match(const char *pattern, const char *relpath, bool is_dir) {
  size_t n = strlen(pattern);
  bool dir_only = n && pattern[n - 1] == '/';
  char *pat = fg_xstrndup(pattern, dir_only ? n - 1 : n);
  bool match = false;
  if (dir_only && !is_dir) {
    free(pat);
    return false;
  }
  const char *p = pat;
  bool anchored = false;
  if (*p == '/') {
    anchored = true;
    p++;
  } else if (strchr(p, '/')) {
    anchored = true; /* a slash in the middle anchors it, as in git */
  }
  if (anchored) {
    match = fnmatch(p, relpath, FNM_PATHNAME) == 0;
  } else {
    const char *base = strrchr(relpath, '/');
    base = base ? base + 1 : relpath;
    match = fnmatch(p, base, 0) == 0;
  }
  free(pat);
  return match;
}

/* Why rel is ignored (owned), or NULL. As in git the last .gitignore
 * pattern that matches decides, and `!pattern` takes a path back in
 * (`.*` then `!.github/`); a path below an ignored folder is never met,
 * since that folder is not walked, so it cannot be taken back. */
static char *fg_ignored(const FgIgnore *ig, const char *const *excludes, size_t nexcludes,
                        const char *rel, bool is_dir) {
  const char *by = NULL;
  for (size_t i = 0; i < ig->patterns.len; i++) {
    const char *pat = ig->patterns.items[i];
    bool negated = pat[0] == '!';
    if (fg_discover_glob_match(negated ? pat + 1 : pat, rel, is_dir))
      by = negated ? NULL : pat;
  }
  if (by)
    return fg_xasprintf(".gitignore `%s`", by);
  for (size_t i = 0; i < nexcludes; i++)
    if (fg_discover_glob_match(excludes[i], rel, is_dir))
      return fg_xasprintf("exclude `%s`", excludes[i]);
  return NULL;
}

/* Why a folder is never walked, or NULL. */
static const char *fg_skip_dir(const char *abs, const char *name) {
  for (const char *const *s = fg_skip_dirs; *s; s++)
    if (strcmp(name, *s) == 0)
      return "a VCS, cache, build or virtualenv folder";
  if (fg_str_endswith(name, ".egg-info"))
    return "package metadata";
  /* a virtualenv under any name */
  return fg_exists(abs, "pyvenv.cfg") ? "a virtualenv (pyvenv.cfg)" : NULL;
}

static bool fg_is_workflow(const char *rel) {
  if (!fg_str_startswith(rel, ".github/workflows/"))
    return false;
  const char *rest = rel + strlen(".github/workflows/");
  if (strchr(rest, '/'))
    return false;
  return fg_str_endswith(rest, ".yml") || fg_str_endswith(rest, ".yaml");
}

/* A symlinked file is read only when its real path stays under the root;
 * else a warning names it. */
static bool fg_link_inside(FgDiscovery *self, const char *rel, const char *abs) {
  char *real = realpath(abs, NULL);
  fg_inputs_note(abs);
  fg_inputs_note(real);
  bool inside = real && fg_path_under_abs(real, self->root);
  if (!inside)
    fg_vec_push(&self->warnings, fg_xasprintf("%s: %s; not read", rel,
                                              real ? "a symlink out of the project root"
                                                   : strerror(errno)));
  free(real);
  return inside;
}

static void fg_walk(FgDiscovery *self, const FgIgnore *ig, const char *const *excludes,
                    size_t nexcludes) {
  FG_VEC(char *) stack = {0}; /* relative dirs still to read; "" is the root */
  fg_vec_push(&stack, fg_xstrdup(""));
  while (stack.len) {
    char *rel = stack.items[--stack.len];
    char *abs = *rel ? fg_xasprintf("%s/%s", self->root, rel) : fg_xstrdup(self->root);
    fg_inputs_note(abs);
    DIR *d = opendir(abs);
    if (!d) {
      fg_vec_push(&self->warnings, fg_xasprintf("%s: cannot read directory: %s",
                                                *rel ? rel : ".", strerror(errno)));
      free(abs);
      free(rel);
      continue;
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
      const char *name = ent->d_name;
      if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        continue;
      char *crel = *rel ? fg_xasprintf("%s/%s", rel, name) : fg_xstrdup(name);
      char *cabs = fg_xasprintf("%s/%s", abs, name);
      struct stat lst;
      if (lstat(cabs, &lst) != 0) {
        /* ENAMETOOLONG past PATH_MAX, or gone meanwhile: say so */
        fg_vec_push(&self->warnings,
                    fg_xasprintf("%s: skipped: %s", crel, strerror(errno)));
        free(crel);
        free(cabs);
        continue;
      }
      bool is_dir = S_ISDIR(lst.st_mode);
      bool keep = false;
      char *why = NULL;
      bool wanted = fg_str_endswith(name, ".py") || fg_is_workflow(crel);
      if (S_ISLNK(lst.st_mode)) {
        struct stat st;
        fg_inputs_note(cabs);
        /* symlinked files are read, when they stay in the project;
         * symlinked folders are not walked */
        bool target = stat(cabs, &st) == 0;
        keep = target && S_ISREG(st.st_mode);
        if (target && S_ISDIR(st.st_mode))
          why = fg_xstrdup("a symlinked folder (not followed)");
        if (keep && wanted && !fg_link_inside(self, crel, cabs)) {
          keep = false;
          why = fg_xstrdup("a symlink out of the project root");
        }
      } else {
        keep = is_dir || S_ISREG(lst.st_mode);
        if (!keep && wanted) {
          why = fg_xasprintf("not a regular file (%s)", fg_file_kind(lst.st_mode));
          char *ignored = fg_ignored(ig, excludes, nexcludes, crel, false);
          if (!ignored)
            fg_vec_push(&self->warnings, fg_xasprintf("%s: %s; not read", crel, why));
          free(ignored);
        }
      }
      const char *skip =
          keep && is_dir && strcmp(crel, ".github") != 0 ? fg_skip_dir(cabs, name) : NULL;
      if (skip) {
        keep = false;
        why = fg_xstrdup(skip);
      }
      if (keep) {
        why = fg_ignored(ig, excludes, nexcludes, crel, is_dir);
        keep = why == NULL;
        if (why && !is_dir && !fg_str_endswith(name, ".py") && !fg_is_workflow(crel)) {
          free(why); /* an ignored file forkguard would not read anyway */
          why = NULL;
        }
      }
      if (why) {
        fg_vec_push(&self->skipped,
                    fg_xasprintf("%s%s: %s", crel, is_dir ? "/" : "", why));
        free(why);
      }
      if (!keep) {
        free(crel);
      } else if (is_dir) {
        fg_vec_push(&stack, crel);
      } else if (fg_str_endswith(name, ".py")) {
        fg_vec_push(&self->python, crel);
      } else if (fg_is_workflow(crel)) {
        fg_vec_push(&self->workflows, crel);
      } else {
        free(crel);
      }
      free(cabs);
    }
    closedir(d);
    free(abs);
    free(rel);
  }
  fg_vec_free(&stack);
  if (self->warnings.len > 1) /* in path order, whatever readdir's order */
    qsort(self->warnings.items, self->warnings.len, sizeof(char *), fg_str_cmp_ptr);
  if (self->python.len > 1)
    qsort(self->python.items, self->python.len, sizeof(char *), fg_str_cmp_ptr);
  if (self->workflows.len > 1)
    qsort(self->workflows.items, self->workflows.len, sizeof(char *), fg_str_cmp_ptr);
  if (self->skipped.len > 1)
    qsort(self->skipped.items, self->skipped.len, sizeof(char *), fg_str_cmp_ptr);
}

FgDiscovery *fg_discover(const char *path, const char *const *excludes, size_t nexcludes,
                         char **err) {
  *err = NULL;
  struct stat st;
  fg_inputs_note(path);
  if (stat(path, &st) != 0) {
    *err = fg_xasprintf("%s: %s", path, strerror(errno));
    return NULL;
  }
  char *root = fg_discover_root(path);
  if (!root) {
    *err = fg_xasprintf("%s: %s", path, strerror(errno));
    return NULL;
  }
  FgDiscovery *self = fg_xcalloc(1, sizeof *self);
  self->root = root;
  FgIgnore ig = {0};
  fg_ignore_load(&ig, root, &self->warnings);
  fg_walk(self, &ig, excludes, nexcludes);
  for (size_t i = 0; i < ig.patterns.len; i++)
    free(ig.patterns.items[i]);
  fg_vec_free(&ig.patterns);
  return self;
}

static void fg_free_strings(char **items, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(items[i]);
  free(items);
}

void fg_discovery_delete(FgDiscovery *self) {
  if (!self)
    return;
  free(self->root);
  fg_free_strings(self->python.items, self->python.len);
  fg_free_strings(self->workflows.items, self->workflows.len);
  fg_free_strings(self->warnings.items, self->warnings.len);
  fg_free_strings(self->skipped.items, self->skipped.len);
  free(self);
}
