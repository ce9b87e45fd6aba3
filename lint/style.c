#include "style.h"

#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "parse/ini_doc.h"
#include "parse/toml.h"
#include "parse/yaml_doc.h"

/* Python's standard library modules (sys.stdlib_module_names, public names,
 * plus modules removed in recent releases that older code still imports). */
static const char *const fg_stdlib[] = {
    "__future__",
    "_thread",
    "abc",
    "aifc",
    "antigravity",
    "argparse",
    "array",
    "ast",
    "asynchat",
    "asyncio",
    "asyncore",
    "atexit",
    "audioop",
    "base64",
    "bdb",
    "binascii",
    "bisect",
    "builtins",
    "bz2",
    "cProfile",
    "calendar",
    "cgi",
    "cgitb",
    "chunk",
    "cmath",
    "cmd",
    "code",
    "codecs",
    "codeop",
    "collections",
    "colorsys",
    "compileall",
    "concurrent",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "copyreg",
    "crypt",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "distutils",
    "doctest",
    "email",
    "encodings",
    "ensurepip",
    "enum",
    "errno",
    "faulthandler",
    "fcntl",
    "filecmp",
    "fileinput",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "genericpath",
    "getopt",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "grp",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "idlelib",
    "imaplib",
    "imghdr",
    "imp",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "lib2to3",
    "linecache",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "mailcap",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "modulefinder",
    "msilib",
    "msvcrt",
    "multiprocessing",
    "netrc",
    "nis",
    "nntplib",
    "nt",
    "ntpath",
    "nturl2path",
    "numbers",
    "opcode",
    "operator",
    "optparse",
    "os",
    "ossaudiodev",
    "pathlib",
    "pdb",
    "pickle",
    "pickletools",
    "pipes",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "posix",
    "posixpath",
    "pprint",
    "profile",
    "pstats",
    "pty",
    "pwd",
    "py_compile",
    "pyclbr",
    "pydoc",
    "pydoc_data",
    "pyexpat",
    "queue",
    "quopri",
    "random",
    "re",
    "readline",
    "reprlib",
    "resource",
    "rlcompleter",
    "runpy",
    "sched",
    "secrets",
    "select",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "site",
    "smtpd",
    "smtplib",
    "sndhdr",
    "socket",
    "socketserver",
    "spwd",
    "sqlite3",
    "sre_compile",
    "sre_constants",
    "sre_parse",
    "ssl",
    "stat",
    "statistics",
    "string",
    "stringprep",
    "struct",
    "subprocess",
    "sunau",
    "symtable",
    "sys",
    "sysconfig",
    "syslog",
    "tabnanny",
    "tarfile",
    "telnetlib",
    "tempfile",
    "termios",
    "textwrap",
    "this",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "trace",
    "traceback",
    "tracemalloc",
    "tty",
    "turtle",
    "turtledemo",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "uu",
    "uuid",
    "venv",
    "warnings",
    "wave",
    "weakref",
    "webbrowser",
    "winreg",
    "winsound",
    "wsgiref",
    "xdrlib",
    "xml",
    "xmlrpc",
    "zipapp",
    "zipfile",
    "zipimport",
    "zlib",
    "zoneinfo",

};

static int fg_style_strcmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool fg_style_in(const FgStrVec *v, const char *name) {
  return v->len && bsearch(&name, v->items, v->len, sizeof(char *), fg_style_strcmp);
}

static void fg_style_sort_unique(FgStrVec *v) {
  if (v->len > 1)
    qsort(v->items, v->len, sizeof(char *), fg_style_strcmp);
  size_t k = 0;
  for (size_t i = 0; i < v->len; i++) {
    if (k && strcmp(v->items[k - 1], v->items[i]) == 0) {
      free(v->items[i]);
      continue;
    }
    v->items[k++] = v->items[i];
  }
  v->len = k;
}

/* What the gates say, before defaults are applied. */
typedef struct FgGates {
  int formatter_len; /* black / ruff; 0: not configured */
  bool formatter;
  int lint_len; /* flake8 / pycodestyle; 0: none */
  bool flake8;
} FgGates;

static void fg_style_min(int *slot, int v) {
  if (v > 0 && (*slot == 0 || v < *slot))
    *slot = v;
}

static bool fg_style_truthy(const char *v) {
  return v && (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "1") == 0 ||
               strcmp(v, "yes") == 0 || strcmp(v, "on") == 0);
}

/* A comma/blank separated list (ini) into v. */
static void fg_style_add_list(FgStrVec *v, const char *s) {
  FgStrVec parts = {0};
  fg_strvec_split(&parts, s, ", \t\n");
  for (size_t i = 0; i < parts.len; i++)
    fg_vec_push(v, fg_xstrdup(parts.items[i]));
  fg_strvec_free(&parts);
}

static void fg_style_add_toml_list(FgStrVec *v, const FgTomlValue *arr) {
  if (!arr)
    return;
  if (arr->kind == FG_TOML_STRING) {
    fg_style_add_list(v, arr->str);
    return;
  }
  for (size_t i = 0; arr->kind == FG_TOML_ARRAY && i < arr->nitems; i++)
    if (arr->items[i]->kind == FG_TOML_STRING)
      fg_vec_push(v, fg_xstrdup(arr->items[i]->str));
}

static bool fg_style_toml_true(const FgTomlValue *t, const char *key) {
  bool b = false;
  return fg_toml_as_bool(fg_toml_table_get(t, key), &b) && b;
}

static int fg_style_toml_int(const FgTomlValue *t, const char *key) {
  long long n = 0;
  return fg_toml_as_int(fg_toml_table_get(t, key), &n) && n > 0 && n < 10000 ? (int)n : 0;
}

static void fg_style_isort_profile(FgStyle *self, const char *profile) {
  /* google and the like sort `from` and `import` together */
  if (profile && (strcmp(profile, "google") == 0 || strcmp(profile, "open_stack") == 0 ||
                  strcmp(profile, "plone") == 0))
    self->force_sort_within_sections = true;
}

static void fg_style_pyproject(FgStyle *self, FgGates *g, const FgSource *src) {
  FgToml *doc = fg_toml_parse(src);
  const FgTomlValue *tool = fg_toml_get(doc, "tool");
  const FgTomlValue *black = fg_toml_table_get(tool, "black");
  if (black) {
    g->formatter = true;
    int n = fg_style_toml_int(black, "line-length");
    fg_style_min(&g->formatter_len, n ? n : 88);
  }
  const FgTomlValue *ruff = fg_toml_table_get(tool, "ruff");
  if (ruff) {
    g->formatter = true;
    int n = fg_style_toml_int(ruff, "line-length");
    fg_style_min(&g->formatter_len, n ? n : 88);
    const FgTomlValue *lint = fg_toml_table_get(ruff, "lint");
    const FgTomlValue *isort = fg_toml_table_get(lint, "isort");
    if (!isort)
      isort = fg_toml_table_get(ruff, "isort");
    if (fg_style_toml_true(isort, "force-sort-within-sections"))
      self->force_sort_within_sections = true;
    fg_style_add_toml_list(&self->known_first_party,
                           fg_toml_table_get(isort, "known-first-party"));
    fg_style_add_toml_list(&self->known_third_party,
                           fg_toml_table_get(isort, "known-third-party"));
  }
  const FgTomlValue *isort = fg_toml_table_get(tool, "isort");
  if (isort) {
    fg_style_isort_profile(self, fg_toml_as_string(fg_toml_table_get(isort, "profile")));
    if (fg_style_toml_true(isort, "force_sort_within_sections"))
      self->force_sort_within_sections = true;
    fg_style_add_toml_list(&self->known_first_party,
                           fg_toml_table_get(isort, "known_first_party"));
    fg_style_add_toml_list(&self->known_third_party,
                           fg_toml_table_get(isort, "known_third_party"));
  }
  const FgTomlValue *flake8 = fg_toml_table_get(tool, "flake8"); /* flake8-pyproject */
  if (flake8) {
    g->flake8 = true;
    fg_style_min(&g->lint_len, fg_style_toml_int(flake8, "max-line-length"));
  }
  const FgTomlValue *mypy = fg_toml_table_get(tool, "mypy");
  if (fg_style_toml_true(mypy, "strict") ||
      fg_style_toml_true(mypy, "disallow_untyped_defs"))
    self->annotate = true;
  const FgTomlValue *ov = fg_toml_table_get(mypy, "overrides");
  for (size_t i = 0; ov && ov->kind == FG_TOML_ARRAY && i < ov->nitems; i++)
    if (fg_style_toml_true(ov->items[i], "disallow_untyped_defs") ||
        fg_style_toml_true(ov->items[i], "strict"))
      self->annotate = true;
  fg_toml_delete(doc);
}

static const char *fg_style_ini(const FgIniDoc *doc, const char *section,
                                const char *key) {
  const FgIniEntry *e = fg_ini_doc_get(doc, section, key);
  if (!e) {
    /* flake8 and isort accept dashes and underscores alike */
    char *alt = fg_xstrdup(key);
    for (char *c = alt; *c; c++)
      *c = *c == '_' ? '-' : *c == '-' ? '_' : *c;
    e = fg_ini_doc_get(doc, section, alt);
    free(alt);
  }
  return e ? e->value : NULL;
}

static void fg_style_ini_file(FgStyle *self, FgGates *g, const FgSource *src) {
  FgIniDoc *doc = fg_ini_doc_parse(src);
  static const char *const lint_sections[] = {"flake8", "pycodestyle", "pep8", NULL};
  for (const char *const *s = lint_sections; *s; s++) {
    if (!fg_ini_doc_has_section(doc, *s))
      continue;
    g->flake8 = true;
    const char *v = fg_style_ini(doc, *s, "max_line_length");
    fg_style_min(&g->lint_len, v ? atoi(v) : 0);
  }
  static const char *const isort_sections[] = {"isort", "tool:isort", "settings", NULL};
  for (const char *const *s = isort_sections; *s; s++) {
    if (!fg_ini_doc_has_section(doc, *s))
      continue;
    fg_style_isort_profile(self, fg_style_ini(doc, *s, "profile"));
    if (fg_style_truthy(fg_style_ini(doc, *s, "force_sort_within_sections")))
      self->force_sort_within_sections = true;
    const char *fp = fg_style_ini(doc, *s, "known_first_party");
    if (fp)
      fg_style_add_list(&self->known_first_party, fp);
    const char *tp = fg_style_ini(doc, *s, "known_third_party");
    if (tp)
      fg_style_add_list(&self->known_third_party, tp);
  }
  for (size_t i = 0; i < doc->nsections; i++) {
    const char *name = doc->sections[i].name;
    if (strcmp(name, "mypy") != 0 && !fg_str_startswith(name, "mypy-"))
      continue;
    if (fg_style_truthy(fg_style_ini(doc, name, "strict")) ||
        fg_style_truthy(fg_style_ini(doc, name, "disallow_untyped_defs")))
      self->annotate = true;
  }
  fg_ini_doc_delete(doc);
}

/* The N of `--line-length=N`, `--line-length N`, `-l N` or `-lN` in a hook's
 * args (black and ruff-format take the same spelling), or 0. */
static int fg_style_hook_line_length(const FgYamlNode *args) {
  args = fg_yaml_deref(args);
  if (!args || args->kind != FG_YAML_SEQ)
    return 0;
  for (size_t i = 0; i < args->nitems; i++) {
    const char *a = fg_yaml_str(fg_yaml_deref(args->items[i]));
    if (!a)
      continue;
    const char *num = NULL;
    if (fg_str_startswith(a, "--line-length="))
      num = a + strlen("--line-length=");
    else if (fg_str_startswith(a, "-l") && a[2] >= '0' && a[2] <= '9')
      num = a + 2;
    else if ((strcmp(a, "--line-length") == 0 || strcmp(a, "-l") == 0) &&
             i + 1 < args->nitems)
      num = fg_yaml_str(fg_yaml_deref(args->items[i + 1]));
    if (num && *num >= '1' && *num <= '9')
      return atoi(num);
  }
  return 0;
}

/* The formatter and linter hooks of .pre-commit-config.yaml: black or ruff's
 * formatter (with the line length their args give, else their configured one,
 * else 88) and flake8. A file that does not parse says only which hooks it
 * names. */
static void fg_style_precommit(FgGates *g, const FgSource *src) {
  FgYamlDoc *doc = fg_yaml_parse(src);
  const FgYamlNode *repos =
      doc->root ? fg_yaml_deref(fg_yaml_get(doc->root, "repos")) : NULL;
  bool parsed = repos && repos->kind == FG_YAML_SEQ;
  for (size_t r = 0; parsed && r < repos->nitems; r++) {
    const FgYamlNode *repo = fg_yaml_deref(repos->items[r]);
    const FgYamlNode *hooks = repo && repo->kind == FG_YAML_MAP
                                  ? fg_yaml_deref(fg_yaml_get(repo, "hooks"))
                                  : NULL;
    if (!hooks || hooks->kind != FG_YAML_SEQ)
      continue;
    for (size_t h = 0; h < hooks->nitems; h++) {
      const FgYamlNode *hook = fg_yaml_deref(hooks->items[h]);
      const char *id = hook && hook->kind == FG_YAML_MAP
                           ? fg_yaml_str(fg_yaml_deref(fg_yaml_get(hook, "id")))
                           : NULL;
      if (!id)
        continue;
      if (strcmp(id, "black") == 0 || strcmp(id, "black-jupyter") == 0 ||
          strcmp(id, "ruff-format") == 0) {
        g->formatter = true;
        int n = fg_style_hook_line_length(fg_yaml_get(hook, "args"));
        if (n)
          g->formatter_len = n; /* the hook's own argument wins over any file */
        else if (!g->formatter_len)
          g->formatter_len = 88; /* no configured length: the default */
      } else if (strcmp(id, "flake8") == 0) {
        g->flake8 = true;
      }
    }
  }
  if (!parsed) {
    static const char *const ids[] = {"id: black", "id: ruff-format", NULL};
    for (const char *const *i = ids; *i; i++)
      if (fg_memmem(src->data, src->len, *i, strlen(*i))) {
        g->formatter = true;
        if (!g->formatter_len)
          g->formatter_len = 88;
      }
    if (fg_memmem(src->data, src->len, "id: flake8", 10))
      g->flake8 = true;
  }
  fg_yaml_delete(doc);
}

static FgSource *fg_style_read(const FgReader *rd, const char *rel) {
  size_t len = 0;
  char *err = NULL;
  char *data = fg_reader_read(rd, rel, 1u << 20, &len, &err);
  free(err);
  if (!data)
    return NULL;
  FgSource *src = fg_source_new(rel, data, len);
  free(data);
  return src;
}

void fg_style_load(FgStyle *self, const FgReader *rd, char *const *modules,
                   size_t nmodules) {
  memset(self, 0, sizeof *self);
  FgGates g = {0};
  FgSource *src = fg_style_read(rd, "pyproject.toml");
  if (src)
    fg_style_pyproject(self, &g, src);
  fg_source_delete(src);
  static const char *const inis[] = {"setup.cfg", "tox.ini",   ".flake8", ".isort.cfg",
                                     "mypy.ini",  ".mypy.ini", NULL};
  for (const char *const *f = inis; *f; f++) {
    src = fg_style_read(rd, *f);
    if (src)
      fg_style_ini_file(self, &g, src);
    fg_source_delete(src);
  }
  src = fg_style_read(rd, ".pre-commit-config.yaml");
  if (src)
    fg_style_precommit(&g, src);
  fg_source_delete(src);
  self->formatter = g.formatter;
  if (g.formatter)
    self->line_length = g.formatter_len;
  else if (g.lint_len)
    self->line_length = g.lint_len;
  else
    self->line_length = 79; /* pycodestyle's default fits every formatter too */
  /* isort's src_paths default: what sits at the root or under src/ */
  for (size_t i = 0; i < nmodules; i++) {
    const char *m = modules[i];
    if (fg_str_startswith(m, "src/") && strchr(m + 4, '/'))
      m += 4;
    const char *slash = strchr(m, '/');
    size_t n = slash ? (size_t)(slash - m) : strlen(m);
    if (!slash && n > 3 && strcmp(m + n - 3, ".py") == 0)
      n -= 3;
    if (n)
      fg_vec_push(&self->local_modules, fg_xstrndup(m, n));
  }
  fg_style_sort_unique(&self->local_modules);
  fg_style_sort_unique(&self->known_first_party);
  fg_style_sort_unique(&self->known_third_party);
}

void fg_style_free(FgStyle *self) {
  fg_strvec_free(&self->known_first_party);
  fg_strvec_free(&self->known_third_party);
  fg_strvec_free(&self->local_modules);
}

FgImportSection fg_style_section(const FgStyle *self, const char *module, int level) {
  if (level > 0)
    return FG_SECTION_LOCAL;
  const char *dot = strchr(module, '.');
  char *top = dot ? fg_xstrndup(module, (size_t)(dot - module)) : fg_xstrdup(module);
  FgImportSection s = FG_SECTION_THIRDPARTY;
  const char *key = top;
  if (strcmp(top, "__future__") == 0)
    s = FG_SECTION_FUTURE;
  else if (fg_style_in(&self->known_first_party, top))
    s = FG_SECTION_FIRSTPARTY;
  else if (fg_style_in(&self->known_third_party, top))
    s = FG_SECTION_THIRDPARTY;
  else if (bsearch(&key, fg_stdlib, sizeof fg_stdlib / sizeof *fg_stdlib, sizeof(char *),
                   fg_style_strcmp))
    s = FG_SECTION_STDLIB;
  else if (fg_style_in(&self->local_modules, top))
    s = FG_SECTION_FIRSTPARTY;
  free(top);
  return s;
}
