/* python/start_method: the start method the project's conftest.py files
 * set for every test: where each non-fork set_start_method runs (at import,
 * or in a start-up hook), the conditions around it, and whether they hold
 * for a Python version on Linux. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "python/internal.h"

static bool fg_module_sets_safe(const FgModule *m) {
  if (!m || !m->py)
    return false;
  for (size_t i = 0; i < m->py->nmodule_calls; i++)
    if (m->py->module_calls[i].pool == FG_POOL_SAFE_METHOD)
      return true;
  for (size_t f = 0; f < m->py->nfuncs; f++)
    for (size_t i = 0; i < m->py->funcs[f].ncalls; i++)
      if (m->py->funcs[f].calls[i].pool == FG_POOL_SAFE_METHOD)
        return true;
  return false;
}

const FgModule *fg_pymodel_safe_start_method(const FgPyModel *p) {
  for (size_t i = 0; i < p->modules.len; i++) {
    const FgModule *m = p->modules.items[i];
    if (!m->is_conftest || !m->py)
      continue;
    if (fg_module_sets_safe(m))
      return m;
    /* one level of imports: `from tests._mp import use_spawn` */
    for (size_t k = 0; k < m->py->nimports; k++) {
      char *target = fg_py_import_target(m, &m->py->imports[k]);
      const FgModule *t = fg_pymodel_module(p, target);
      free(target);
      if (fg_module_sets_safe(t))
        return m;
    }
  }
  return NULL;
}

/* ---- where each setting runs ------------------------------------------------ */

/* Hooks pytest calls at start-up, before any test: a start method set there
 * holds for every test the process runs. */
static bool fg_is_startup_hook(const char *name) {
  static const char *const hooks[] = {"pytest_configure",
                                      "pytest_sessionstart",
                                      "pytest_load_initial_conftests",
                                      "pytest_cmdline_main",
                                      "pytest_plugin_registered",
                                      "pytest_collection",
                                      NULL};
  for (const char *const *h = hooks; *h; h++)
    if (strcmp(name, *h) == 0)
      return true;
  return false;
}

/* The indentation of the line holding offset, and that line's start. */
static size_t fg_line_start(const char *d, size_t off) {
  while (off > 0 && d[off - 1] != '\n')
    off--;
  return off;
}

static size_t fg_indent_at(const char *d, size_t len, size_t ls) {
  size_t n = 0;
  while (ls + n < len && (d[ls + n] == ' ' || d[ls + n] == '\t'))
    n++;
  return n;
}

/* A block header's condition: `if C:` / `elif C:` on one line -> C. */
static char *fg_header_cond(const char *line, size_t n, const char *kw) {
  size_t kl = strlen(kw);
  if (n <= kl || strncmp(line, kw, kl) != 0 || !isspace((unsigned char)line[kl]))
    return NULL;
  size_t e = n;
  /* a trailing comment, then the colon */
  for (size_t i = kl; i < n; i++)
    if (line[i] == '#') {
      e = i;
      break;
    }
  while (e > kl && isspace((unsigned char)line[e - 1]))
    e--;
  if (e == kl || line[e - 1] != ':')
    return fg_xstrdup("?"); /* a condition over several lines: not read */
  return fg_xstrndup(line + kl + 1, e - kl - 2);
}

/* The conditions around offset `at` inside the block that starts at `top`
 * (a def's body, or the module): "C1 and not (C2) and ...", "" when none,
 * "?" in a part that cannot be read. Reads the text: `if`, `elif`, `else`
 * headers of the enclosing blocks. */
static char *fg_guard_text(const FgSource *src, size_t at, size_t top) {
  const char *d = src->data;
  size_t len = src->len;
  size_t ls = fg_line_start(d, at);
  size_t cur = fg_indent_at(d, len, ls);
  FgBuf out = {0};
  bool in_else = false; /* looking for the if/elif chain of an else */
  size_t else_indent = 0;
  while (ls > top && cur > 0) {
    size_t prev_end = ls - 1; /* the '\n' of the line before */
    size_t ps = fg_line_start(d, prev_end);
    size_t ind = fg_indent_at(d, len, ps);
    const char *line = d + ps + ind;
    size_t n = prev_end - ps - ind;
    ls = ps;
    if (!n || line[0] == '#' || line[0] == '\r')
      continue; /* blank or comment */
    if (in_else) {
      if (ind < else_indent) {
        in_else = false; /* no if found: give up on this chain */
        fg_buf_printf(&out, "%s?", out.len ? " and " : "");
      } else if (ind == else_indent) {
        char *c = fg_header_cond(line, n, "elif");
        bool is_if = false;
        if (!c) {
          c = fg_header_cond(line, n, "if");
          is_if = c != NULL;
        }
        if (c) {
          fg_buf_printf(&out, "%snot (%s)", out.len ? " and " : "", c);
          free(c);
          if (is_if)
            in_else = false;
        }
        continue;
      } else {
        continue;
      }
    }
    if (ind >= cur)
      continue;
    cur = ind;
    char *c = fg_header_cond(line, n, "if");
    bool is_elif = false;
    if (!c) {
      c = fg_header_cond(line, n, "elif");
      is_elif = c != NULL;
    }
    if (c) {
      fg_buf_printf(&out, "%s(%s)", out.len ? " and " : "", c);
      free(c);
      if (is_elif) {
        in_else = true; /* and the branches above it were not taken */
        else_indent = ind;
      }
    } else if (n >= 5 && strncmp(line, "else", 4) == 0 &&
               (line[4] == ':' || isspace((unsigned char)line[4]))) {
      in_else = true;
      else_indent = ind;
    } else if (strncmp(line, "def ", 4) == 0 || strncmp(line, "async def ", 10) == 0 ||
               strncmp(line, "class ", 6) == 0) {
      break;
    }
    /* with / try / for / while: no condition on the setting */
  }
  return fg_buf_take(&out);
}

static void fg_setting_add(FgStartSettings *out, const FgModule *conftest,
                           const FgModule *mod, const FgPyCall *call, char *g1,
                           char *g2) {
  FgStartSetting s = {conftest, mod, call, NULL};
  if (g1 && *g1 && g2 && *g2)
    s.guard = fg_xasprintf("%s and %s", g1, g2);
  else if (g1 && *g1)
    s.guard = fg_xstrdup(g1);
  else if (g2 && *g2)
    s.guard = fg_xstrdup(g2);
  free(g1);
  free(g2);
  fg_vec_push(out, s);
}

/* The settings reached from function f of m (called from conftest's start
 * up): its own calls and, one level down, the calls of what it calls. */
static void fg_settings_in_func(const FgPyModel *p, const FgModule *conftest,
                                const FgModule *m, int f, const char *outer,
                                FgStartSettings *out, int depth) {
  const FgPyFunc *fn = &m->py->funcs[f];
  for (size_t i = 0; i < fn->ncalls; i++) {
    const FgPyCall *c = &fn->calls[i];
    if (c->pool == FG_POOL_SAFE_METHOD) {
      fg_setting_add(out, conftest, m, c, outer ? fg_xstrdup(outer) : NULL,
                     fg_guard_text(m->src, c->span.start, fn->def_span.start));
      continue;
    }
    if (depth > 0)
      continue;
    int d = fg_py_resolve_call(p, m, fn, c);
    if (d < 0)
      continue;
    const FgDef *def = &p->defs.items[d];
    if (!def->mod->py || def->func < 0)
      continue;
    char *g = fg_guard_text(m->src, c->span.start, fn->def_span.start);
    char *both = outer && *outer && *g ? fg_xasprintf("%s and %s", outer, g)
                 : outer && *outer     ? fg_xstrdup(outer)
                                       : fg_xstrdup(g);
    fg_settings_in_func(p, conftest, def->mod, def->func, both, out, depth + 1);
    free(both);
    free(g);
  }
}

/* Settings a module runs when imported (at module level). */
static void fg_settings_at_import(const FgModule *conftest, const FgModule *m,
                                  FgStartSettings *out) {
  if (!m || !m->py)
    return;
  for (size_t i = 0; i < m->py->nmodule_calls; i++) {
    const FgPyCall *c = &m->py->module_calls[i];
    if (c->pool == FG_POOL_SAFE_METHOD)
      fg_setting_add(out, conftest, m, c, fg_guard_text(m->src, c->span.start, 0), NULL);
  }
}

void fg_pymodel_start_settings(const FgPyModel *p, FgStartSettings *out) {
  for (size_t i = 0; i < p->modules.len; i++) {
    const FgModule *m = p->modules.items[i];
    if (!m->is_conftest || !m->py)
      continue;
    fg_settings_at_import(m, m, out);
    for (size_t k = 0; k < m->py->nimports; k++) {
      char *target = fg_py_import_target(m, &m->py->imports[k]);
      const FgModule *t = fg_pymodel_module(p, target);
      free(target);
      if (t != m)
        fg_settings_at_import(m, t, out);
    }
    for (size_t f = 0; f < m->py->nfuncs; f++)
      if (m->py->funcs[f].cls < 0 && !m->py->funcs[f].nested &&
          fg_is_startup_hook(m->py->funcs[f].name))
        fg_settings_in_func(p, m, m, (int)f, NULL, out, 0);
  }
}

void fg_start_settings_free(FgStartSettings *self) {
  for (size_t i = 0; i < self->len; i++)
    free(self->items[i].guard);
  fg_vec_free(self);
}

/* ---- guards ------------------------------------------------------------------- */

/* A tiny reader of the conditions that decide start methods: sys.platform,
 * platform.system(), os.name and sys.version_info comparisons, joined by
 * not / and / or and parentheses. Anything else is unknown (-1). */
typedef struct FgGuard {
  const char *p;
  int minor;    /* Python 3.minor, -1 unknown */
  int is_linux; /* 1, 0, -1 */
  int depth;
} FgGuard;

static void fg_g_ws(FgGuard *g) {
  while (*g->p == ' ' || *g->p == '\t')
    g->p++;
}

static bool fg_g_eat(FgGuard *g, const char *tok) {
  fg_g_ws(g);
  size_t n = strlen(tok);
  if (strncmp(g->p, tok, n) != 0)
    return false;
  if (isalpha((unsigned char)tok[n - 1]) &&
      (isalnum((unsigned char)g->p[n]) || g->p[n] == '_' || g->p[n] == '.'))
    return false;
  g->p += n;
  return true;
}

static int fg_g_not3(int v) {
  return v < 0 ? -1 : !v;
}

static int fg_g_or(FgGuard *g);

/* 'linux' / "linux" -> malloc'd text, else NULL. */
static char *fg_g_string(FgGuard *g) {
  fg_g_ws(g);
  char q = *g->p;
  if (q != '"' && q != '\'')
    return NULL;
  const char *e = strchr(g->p + 1, q);
  if (!e)
    return NULL;
  char *s = fg_xstrndup(g->p + 1, (size_t)(e - g->p - 1));
  g->p = e + 1;
  return s;
}

/* (3, 14) / (3, 14, 0): minor, or -1. */
static int fg_g_version_tuple(FgGuard *g) {
  if (!fg_g_eat(g, "("))
    return -1;
  fg_g_ws(g);
  long major = strtol(g->p, (char **)&g->p, 10);
  if (!fg_g_eat(g, ","))
    return -1;
  fg_g_ws(g);
  long minor = strtol(g->p, (char **)&g->p, 10);
  while (fg_g_eat(g, ",")) {
    fg_g_ws(g);
    strtol(g->p, (char **)&g->p, 10);
  }
  if (!fg_g_eat(g, ")") || major != 3)
    return -1;
  return (int)minor;
}

static int fg_g_compare_version(FgGuard *g) {
  /* sys.version_info[:2] / [0:2] */
  if (fg_g_eat(g, "[")) {
    while (*g->p && *g->p != ']')
      g->p++;
    if (!fg_g_eat(g, "]"))
      return -2;
  }
  static const char *const ops[] = {">=", "<=", "==", "!=", ">", "<", NULL};
  const char *op = NULL;
  for (const char *const *o = ops; *o && !op; o++)
    if (fg_g_eat(g, *o))
      op = *o;
  if (!op)
    return -2;
  int v = fg_g_version_tuple(g);
  if (v < 0)
    return -2;
  if (g->minor < 0)
    return -1;
  int m = g->minor;
  if (strcmp(op, ">=") == 0)
    return m >= v;
  if (strcmp(op, "<=") == 0)
    return m <= v;
  if (strcmp(op, ">") == 0)
    return m > v;
  if (strcmp(op, "<") == 0)
    return m < v;
  if (strcmp(op, "==") == 0)
    return m == v;
  return m != v;
}

/* Which platform a name stands for: 1 Linux, 0 not Linux, -1 unknown. */
static int fg_g_platform_is_linux(const char *kind, const char *s) {
  if (strcmp(kind, "sys.platform") == 0)
    return strncmp(s, "linux", 5) == 0 ? 1 : 0;
  if (strcmp(kind, "platform.system()") == 0)
    return strcmp(s, "Linux") == 0 ? 1 : 0;
  /* os.name: "posix" covers Linux and macOS */
  return strcmp(s, "posix") == 0 ? -1 : 0;
}

static int fg_g_platform(FgGuard *g, const char *kind) {
  if (strcmp(kind, "startswith") == 0) {
    if (!fg_g_eat(g, "("))
      return -2;
    char *s = fg_g_string(g);
    if (!s || !fg_g_eat(g, ")")) {
      free(s);
      return -2;
    }
    int r = strncmp(s, "linux", strlen(s)) == 0 ? (strlen(s) <= 5 ? 1 : -1) : 0;
    free(s);
    return g->is_linux < 0 ? -1 : (g->is_linux ? r : (r == 1 ? 0 : -1));
  }
  bool eq = fg_g_eat(g, "==");
  bool ne = !eq && fg_g_eat(g, "!=");
  if (!eq && !ne)
    return -2;
  char *s = fg_g_string(g);
  if (!s)
    return -2;
  int names_linux = fg_g_platform_is_linux(kind, s);
  free(s);
  int r;
  if (g->is_linux < 0 || names_linux < 0)
    r = -1;
  else if (g->is_linux)
    r = names_linux; /* on Linux: equal exactly when it names Linux */
  else
    r = names_linux ? 0 : -1; /* elsewhere: not Linux, but which one? */
  return ne ? fg_g_not3(r) : r;
}

static int fg_g_atom(FgGuard *g) {
  if (++g->depth > 32)
    return -2;
  int r;
  if (fg_g_eat(g, "(")) {
    r = fg_g_or(g);
    if (!fg_g_eat(g, ")"))
      r = -2;
  } else if (fg_g_eat(g, "not")) {
    r = fg_g_atom(g);
    r = r == -2 ? -2 : fg_g_not3(r);
  } else if (fg_g_eat(g, "sys.version_info")) {
    r = fg_g_compare_version(g);
  } else if (fg_g_eat(g, "sys.platform.startswith")) {
    r = fg_g_platform(g, "startswith");
  } else if (fg_g_eat(g, "sys.platform")) {
    r = fg_g_platform(g, "sys.platform");
  } else if (fg_g_eat(g, "platform.system()")) {
    r = fg_g_platform(g, "platform.system()");
  } else if (fg_g_eat(g, "os.name")) {
    r = fg_g_platform(g, "os.name");
  } else if (fg_g_eat(g, "True")) {
    r = 1;
  } else if (fg_g_eat(g, "False")) {
    r = 0;
  } else {
    r = -2; /* not a condition this reader knows */
  }
  g->depth--;
  return r;
}

static int fg_g_and(FgGuard *g) {
  int r = fg_g_atom(g);
  while (r != -2 && fg_g_eat(g, "and")) {
    int s = fg_g_atom(g);
    if (s == -2)
      return -2;
    r = (r == 0 || s == 0) ? 0 : (r < 0 || s < 0) ? -1 : 1;
  }
  return r;
}

static int fg_g_or(FgGuard *g) {
  int r = fg_g_and(g);
  while (r != -2 && fg_g_eat(g, "or")) {
    int s = fg_g_and(g);
    if (s == -2)
      return -2;
    r = (r == 1 || s == 1) ? 1 : (r < 0 || s < 0) ? -1 : 0;
  }
  return r;
}

int fg_py_guard_holds(const char *guard, int minor, int is_linux) {
  if (!guard || !*guard)
    return 1;
  FgGuard g = {guard, minor, is_linux, 0};
  int r = fg_g_or(&g);
  fg_g_ws(&g);
  if (r == -2 || *g.p)
    return -1; /* `?` or a condition not read: unknown */
  return r;
}
