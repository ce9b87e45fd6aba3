/* make: `make [-C DIR] [-f FILE] [VAR=v] TARGET...` and `$(MAKE) TARGET`
 * through a small Makefile reader.
 *
 * Makefile model: `VAR = v`, `VAR := v`, `VAR ::= v`, `VAR ?= v` and
 * `VAR += v` assignments (last wins, `+=` appends), `VAR=v` overrides on the
 * make command line; a target's recipe is the tab-indented lines after its
 * `TARGET:` line (backslash continuations joined, leading @ - + stripped);
 * `$(VAR)` / `${VAR}` expanded, `$$` is `$`, undefined variables are empty
 * and `$(MAKE)` is make. A function call (`$(shell ...)`, `$(wildcard ...)`)
 * is kept as written, so the shell sees a command substitution whose value
 * is unknown, never a path. A target word whose value is not known (`make
 * $T`) runs no recipe (not the first target): the command is listed as not
 * followed (FgUnfollowed). Prerequisites, pattern rules and conditionals
 * are not modelled. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/launch_int.h"
#include "core/source.h"

typedef struct FgMakeVar {
  char *name, *value;
} FgMakeVar;

typedef struct FgMake {
  FG_VEC(FgMakeVar) vars; /* later entries win */
  FG_VEC(char *) lines;   /* the file's logical lines (continuations joined) */
  FG_VEC(size_t)
  starts, ends; /* each logical line's span in the file (its
                   line break excluded) */
} FgMake;

static const char *fg_make_get(const FgMake *mk, const char *name, size_t len) {
  for (size_t i = mk->vars.len; i-- > 0;)
    if (strlen(mk->vars.items[i].name) == len &&
        strncmp(mk->vars.items[i].name, name, len) == 0)
      return mk->vars.items[i].value;
  if (len == 4 && strncmp(name, "MAKE", 4) == 0)
    return "make";
  return NULL;
}

static void fg_make_set(FgMake *mk, const char *name, size_t len, const char *value,
                        bool append, bool if_unset) {
  const char *old = fg_make_get(mk, name, len);
  if (if_unset && old)
    return;
  FgMakeVar v = {fg_xstrndup(name, len),
                 append && old ? fg_xasprintf("%s %s", old, value) : fg_xstrdup(value)};
  fg_vec_push(&mk->vars, v);
}

/* $(VAR), ${VAR} and $$, expanded to a fixed depth. */
static void fg_make_expand_into(const FgMake *mk, const char *s, FgBuf *b, int depth) {
  for (; *s; s++) {
    if (*s != '$') {
      fg_buf_putc(b, *s);
      continue;
    }
    if (s[1] == '$') {
      fg_buf_putc(b, '$');
      s++;
      continue;
    }
    char open = s[1], close = open == '(' ? ')' : open == '{' ? '}' : 0;
    if (!close) {
      /* $X: a one-letter variable ($@, $<...): the recipe's own */
      fg_buf_putc(b, *s);
      continue;
    }
    const char *end = s + 2;
    for (int d = 1; *end; end++) {
      if (*end == open)
        d++;
      else if (*end == close && --d == 0)
        break;
    }
    if (!*end) {
      fg_buf_putc(b, *s);
      continue;
    }
    size_t nlen = (size_t)(end - s - 2);
    if (memchr(s + 2, ' ', nlen) || memchr(s + 2, ',', nlen) ||
        memchr(s + 2, '$', nlen)) {
      /* a function or a computed name: its value is not known */
      fg_buf_append(b, s, nlen + 3);
      s = end;
      continue;
    }
    const char *v = fg_make_get(mk, s + 2, nlen);
    if (v && depth < 8)
      fg_make_expand_into(mk, v, b, depth + 1);
    s = end;
  }
}

static char *fg_make_expand(const FgMake *mk, const char *s) {
  FgBuf b = {0};
  fg_make_expand_into(mk, s, &b, 0);
  return fg_buf_take(&b);
}

static void fg_make_read(FgMake *mk, const char *data) {
  FgBuf cur = {0};
  bool cont = false;
  size_t start = 0;
  for (const char *p = data; *p;) {
    char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len && p[len - 1] == '\r')
      len--;
    bool more = len && p[len - 1] == '\\';
    if (!cont)
      start = (size_t)(p - data);
    if (cont) {
      /* a continuation joins with one space, its leading blanks dropped */
      while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
      }
      fg_buf_putc(&cur, ' ');
    }
    fg_buf_append(&cur, p, more ? len - 1 : len);
    cont = more;
    if (!more) {
      fg_vec_push(&mk->lines, fg_buf_take(&cur));
      fg_vec_push(&mk->starts, start);
      fg_vec_push(&mk->ends, (size_t)(p - data) + len);
    }
    if (!e)
      break;
    p = e + 1;
  }
  if (cur.len) {
    fg_vec_push(&mk->lines, fg_buf_take(&cur));
    fg_vec_push(&mk->starts, start);
    fg_vec_push(&mk->ends, strlen(data));
  }
  fg_buf_free(&cur);
  for (size_t i = 0; i < mk->lines.len; i++) {
    const char *l = mk->lines.items[i];
    if (l[0] == '\t' || l[0] == '#')
      continue;
    const char *q = l;
    while (isalnum((unsigned char)*q) || *q == '_' || *q == '.' || *q == '-')
      q++;
    size_t nlen = (size_t)(q - l);
    while (*q == ' ' || *q == '\t')
      q++;
    bool append = false, if_unset = false;
    if (strncmp(q, "::=", 3) == 0)
      q += 3;
    else if (strncmp(q, ":=", 2) == 0)
      q += 2;
    else if (strncmp(q, "?=", 2) == 0)
      q += 2, if_unset = true;
    else if (strncmp(q, "+=", 2) == 0)
      q += 2, append = true;
    else if (*q == '=')
      q += 1;
    else
      continue;
    if (!nlen)
      continue;
    while (*q == ' ' || *q == '\t')
      q++;
    fg_make_set(mk, l, nlen, q, append, if_unset);
  }
}

static void fg_make_free(FgMake *mk) {
  for (size_t i = 0; i < mk->vars.len; i++) {
    free(mk->vars.items[i].name);
    free(mk->vars.items[i].value);
  }
  fg_vec_free(&mk->vars);
  fg_strvec_free((FgStrVec *)&mk->lines);
  fg_vec_free(&mk->starts);
  fg_vec_free(&mk->ends);
}

/* The line index of `target:` (not `:=`), or -1; *first gets the default
 * goal when target is NULL. */
static int fg_make_rule(const FgMake *mk, const char *target) {
  for (size_t i = 0; i < mk->lines.len; i++) {
    const char *l = mk->lines.items[i];
    if (l[0] == '\t' || l[0] == '#' || l[0] == ' ')
      continue;
    const char *colon = strchr(l, ':');
    if (!colon || colon[1] == '=' || (colon[1] == ':' && colon[2] == '='))
      continue;
    const char *eq = strchr(l, '=');
    if (eq && eq < colon)
      continue;
    char *names = fg_xstrndup(l, (size_t)(colon - l));
    bool hit = false;
    char *save = NULL;
    for (char *t = strtok_r(names, " \t", &save); t && !hit;
         t = strtok_r(NULL, " \t", &save))
      hit = target ? strcmp(t, target) == 0 : (t[0] != '.' && !strchr(t, '%'));
    free(names);
    if (hit)
      return (int)i;
  }
  return -1;
}

/* A make word whose value is not known is a target unless it is an
 * assignment (`VAR=$(...)`: `=` before any expansion). */
static bool fg_make_unknown_target(const char *t) {
  const char *eq = strchr(t, '=');
  const char *d = strpbrk(t, "$`");
  return !eq || (d && d < eq);
}

size_t fg_launch_make(const FgLaunchCtx *lc, const FgShellCommand *cmd, size_t i,
                      const char *cwd) {
  const FgShellWord *w = cmd->words;
  size_t n = cmd->nwords;
  char *dir = fg_xstrdup(cwd);
  const char *file = NULL;
  FgStrVec targets = {0}, overrides = {0}, unknown = {0};
  for (i++; i < n; i++) {
    const char *t = w[i].text;
    if ((strcmp(t, "-C") == 0 || strcmp(t, "--directory") == 0) && i + 1 < n) {
      char *next = fg_path_join(dir, w[++i].text);
      free(dir);
      dir = next;
    } else if (fg_str_startswith(t, "-C") && t[2]) {
      char *next = fg_path_join(dir, t + 2);
      free(dir);
      dir = next;
    } else if ((strcmp(t, "-f") == 0 || strcmp(t, "--file") == 0) && i + 1 < n) {
      file = w[++i].text;
    } else if (strcmp(t, "-j") == 0 && i + 1 < n &&
               isdigit((unsigned char)w[i + 1].text[0])) {
      i++;
    } else if (t[0] == '-') {
      continue;
    } else if (w[i].dynamic && fg_make_unknown_target(t)) {
      fg_vec_push(&unknown, fg_xstrdup(t));
    } else if (w[i].dynamic) {
      continue; /* VAR=$(...): an override whose value is not known */
    } else if (strchr(t, '=')) {
      fg_vec_push(&overrides, fg_xstrdup(t));
    } else {
      fg_vec_push(&targets, fg_xstrdup(t));
    }
  }
  static const char *const names[] = {"GNUmakefile", "makefile", "Makefile", NULL};
  const FgSource *src = NULL;
  char *path = NULL;
  for (size_t k = 0; !src && (file ? k < 1 : names[k] != NULL); k++) {
    free(path);
    path = fg_path_join(dir, file ? file : names[k]);
    src = fg_launch_file(lc->env, path);
  }
  size_t total = 0;
  if (src) {
    FgMake mk = {0};
    fg_make_read(&mk, src->data);
    for (size_t k = 0; k < overrides.len; k++) {
      const char *eq = strchr(overrides.items[k], '=');
      fg_make_set(&mk, overrides.items[k], (size_t)(eq - overrides.items[k]), eq + 1,
                  false, false);
    }
    for (size_t t = 0; t < unknown.len; t++)
      fg_launch_unfollowed(lc, cmd, "make target", unknown.items[t]);
    if (!targets.len && !unknown.len)
      fg_vec_push(&targets, NULL); /* the first target */
    for (size_t t = 0; t < targets.len; t++) {
      int r = fg_make_rule(&mk, targets.items[t]);
      if (r < 0)
        continue;
      const char *l = mk.lines.items[r];
      char *name = fg_xstrndup(l, strcspn(l, ": \t"));
      char *where = fg_xasprintf("%s target %s", path, name);
      char *hop = fg_xasprintf("make %s (%s)", name, path);
      for (size_t k = (size_t)r + 1; k < mk.lines.len; k++) {
        const char *line = mk.lines.items[k];
        if (line[0] != '\t') {
          const char *q = line;
          while (*q == ' ')
            q++;
          if (!*q || *q == '#')
            continue; /* blank and comment lines do not end a recipe */
          break;
        }
        char *text = fg_make_expand(&mk, line + 1);
        const char *body = text;
        while (*body == '@' || *body == '-' || *body == '+' || *body == ' ' ||
               *body == '\t')
          body++;
        FgLaunchLine ll = {
            body,        dir,  where, hop,   src, mk.starts.items[k], mk.ends.items[k],
            FG_VIA_MAKE, NULL, NULL,  false, NULL};
        total += fg_launch_run_line(lc, &ll);
        free(text);
      }
      free(hop);
      free(where);
      free(name);
    }
    fg_make_free(&mk);
  }
  free(path);
  for (size_t k = 0; k < targets.len; k++)
    free(targets.items[k]);
  fg_vec_free(&targets);
  fg_strvec_free(&overrides);
  fg_strvec_free(&unknown);
  free(dir);
  return total;
}
