/* tox_toml: tox 4's TOML configuration (tox.toml, pyproject [tool.tox])
 * turned into the logical lines tox.c substitutes. A command (an array of
 * arguments) becomes one command line, each argument quoted; the
 * `replace` tables become the INI substitutions they stand for:
 * `{ replace = "posargs", default = [...] }` -> `{posargs:...}`,
 * `{ replace = "env", name = "X", default = "d" }` -> `{env:X:d}`,
 * `{ replace = "ref", of = [...] }` -> the value it names. A command's span
 * is its array; it is not a text line a fix can edit. */
#include <stdlib.h>
#include <string.h>

#include "ci/tox_int.h"

void fg_tox_put_word(FgBuf *b, const char *word) {
  if (b->len)
    fg_buf_putc(b, ' ');
  bool plain = *word != '\0';
  for (const char *p = word; *p && plain; p++)
    plain = !strchr(" \t\n'\"\\;&|<>()`*?[]#~!$", *p);
  if (plain) {
    fg_buf_puts(b, word);
    return;
  }
  fg_buf_putc(b, '\'');
  for (const char *p = word; *p; p++) {
    if (*p == '\'')
      fg_buf_puts(b, "'\\''");
    else
      fg_buf_putc(b, *p);
  }
  fg_buf_putc(b, '\'');
}

/* The env's own table, or NULL. */
static const FgTomlValue *fg_tt_env_table(const FgTox *self, const char *env) {
  return fg_toml_table_get(fg_toml_table_get(self->root, "env"), env);
}

/* key for env: [env.NAME] first, then [env_run_base]. */
static const FgTomlValue *fg_tt_key(const FgTox *self, const char *env, const char *key) {
  const FgTomlValue *v = fg_toml_table_get(fg_tt_env_table(self, env), key);
  if (!v)
    v = fg_toml_table_get(fg_toml_table_get(self->root, "env_run_base"), key);
  return v;
}

/* `of = ["env_run_base", "commands"]` (or `env = "x", key = "y"`). */
static const FgTomlValue *fg_tt_ref(const FgTox *self, const FgTomlValue *t) {
  const FgTomlValue *of = fg_toml_table_get(t, "of");
  if (fg_toml_is_string_array(of)) {
    const FgTomlValue *at = self->root;
    for (size_t i = 0; i < of->nitems && at; i++)
      at = fg_toml_table_get(at, fg_toml_as_string(of->items[i]));
    return at;
  }
  const char *env = fg_toml_as_string(fg_toml_table_get(t, "env"));
  const char *key = fg_toml_as_string(fg_toml_table_get(t, "key"));
  if (env && key)
    return fg_tt_key(self, env, key);
  return NULL;
}

static const char *fg_tt_replace(const FgTomlValue *v) {
  return fg_toml_is_table(v) ? fg_toml_as_string(fg_toml_table_get(v, "replace")) : NULL;
}

static void fg_tt_item(const FgTox *self, const FgTomlValue *v, FgBuf *b, int depth);

/* The words of an array (or one string) appended to b. */
static void fg_tt_words(const FgTox *self, const FgTomlValue *v, FgBuf *b, int depth) {
  if (fg_toml_is_array(v)) {
    for (size_t i = 0; i < v->nitems; i++)
      fg_tt_item(self, v->items[i], b, depth);
  } else {
    fg_tt_item(self, v, b, depth);
  }
}

/* A value as one piece of text (an env default, a set_env value). */
static void fg_tt_text(const FgTox *self, const FgTomlValue *v, FgBuf *b, int depth) {
  const char *s = fg_toml_as_string(v);
  if (s) {
    fg_buf_puts(b, s);
    return;
  }
  FgBuf w = {0};
  fg_tt_words(self, v, &w, depth);
  if (w.data)
    fg_buf_puts(b, w.data);
  fg_buf_free(&w);
}

static void fg_tt_item(const FgTox *self, const FgTomlValue *v, FgBuf *b, int depth) {
  if (depth > FG_TOX_MAX_REF_DEPTH)
    return;
  const char *s = fg_toml_as_string(v);
  if (s) {
    fg_tox_put_word(b, s);
    return;
  }
  const char *r = fg_tt_replace(v);
  if (!r)
    return;
  if (b->len)
    fg_buf_putc(b, ' ');
  if (strcmp(r, "posargs") == 0) {
    const FgTomlValue *def = fg_toml_table_get(v, "default");
    FgBuf w = {0};
    if (def)
      fg_tt_words(self, def, &w, depth + 1);
    fg_buf_printf(b, "{posargs%s%s}", w.data ? ":" : "", w.data ? w.data : "");
    fg_buf_free(&w);
  } else if (strcmp(r, "env") == 0) {
    const char *name = fg_toml_as_string(fg_toml_table_get(v, "name"));
    const FgTomlValue *def = fg_toml_table_get(v, "default");
    FgBuf w = {0};
    if (def)
      fg_tt_text(self, def, &w, depth + 1);
    fg_buf_printf(b, "{env:%s%s%s}", name ? name : "", def ? ":" : "",
                  w.data ? w.data : "");
    fg_buf_free(&w);
  } else if (strcmp(r, "ref") == 0) {
    const FgTomlValue *to = fg_tt_ref(self, v);
    FgBuf w = {0};
    if (to)
      fg_tt_words(self, to, &w, depth + 1);
    if (w.data)
      fg_buf_puts(b, w.data);
    fg_buf_free(&w);
  } else {
    fg_buf_printf(b, "{%s}", r); /* `if` and newer forms: not known */
  }
}

static void fg_tt_push(FgToxRawLines *out, FgBuf *b, const FgTomlValue *at) {
  FgToxRawLine line = {b->data ? fg_buf_take(b) : fg_xstrdup(""), NULL, at->start,
                       at->end, false};
  fg_buf_free(b);
  fg_vec_push(out, line);
}

/* The commands of a commands array: each inner array one line. */
static void fg_tt_commands(const FgTox *self, const FgTomlValue *cmds, FgToxRawLines *out,
                           int depth) {
  if (!fg_toml_is_array(cmds) || depth > FG_TOX_MAX_REF_DEPTH)
    return;
  for (size_t i = 0; i < cmds->nitems; i++) {
    const FgTomlValue *c = cmds->items[i];
    const char *r = fg_tt_replace(c);
    if (r && strcmp(r, "ref") == 0) {
      fg_tt_commands(self, fg_tt_ref(self, c), out, depth + 1);
    } else if (r && strcmp(r, "posargs") == 0) {
      /* the whole list from posargs: the first default command stands
       * for them, the others go when they are given */
      const FgTomlValue *def = fg_toml_table_get(c, "default");
      FgToxRawLines dl = {0};
      fg_tt_commands(self, def, &dl, depth + 1);
      for (size_t k = 0; k < dl.len; k++) {
        FgBuf b = {0};
        fg_buf_printf(&b, "{%s:%s}", k ? FG_TOX_POSARGS_REST : "posargs",
                      dl.items[k].text);
        fg_tt_push(out, &b, c);
      }
      if (!dl.len) {
        FgBuf b = {0};
        fg_buf_puts(&b, "{posargs}");
        fg_tt_push(out, &b, c);
      }
      fg_tox_raw_lines_free(&dl);
    } else if (fg_toml_is_array(c)) {
      FgBuf b = {0};
      fg_tt_words(self, c, &b, depth + 1);
      fg_tt_push(out, &b, c);
    } else if (fg_toml_as_string(c)) {
      /* a command written as one string: tox 4 wants arrays, keep it as text */
      FgBuf b = {0};
      fg_buf_puts(&b, fg_toml_as_string(c));
      fg_tt_push(out, &b, c);
    }
  }
}

void fg_tox_toml_lines(const FgTox *self, const char *env, const char *key,
                       FgToxRawLines *out) {
  bool setenv = strcmp(key, "setenv") == 0 || strcmp(key, "set_env") == 0;
  if (!setenv) {
    fg_tt_commands(self, fg_tt_key(self, env, key), out, 0);
    return;
  }
  if (strcmp(key, "setenv") == 0)
    return; /* tox.toml spells it set_env */
  /* the base table's entries first, the env's own after them (later win) */
  const FgTomlValue *tables[2] = {
      fg_toml_table_get(fg_toml_table_get(self->root, "env_run_base"), "set_env"),
      fg_toml_table_get(fg_tt_env_table(self, env), "set_env")};
  for (int t = 0; t < 2; t++) {
    const FgTomlValue *tab = tables[t];
    if (!fg_toml_is_table(tab))
      continue;
    for (size_t i = 0; i < tab->nentries; i++) {
      FgBuf b = {0};
      fg_tt_text(self, tab->entries[i].value, &b, 0);
      FgToxRawLine line = {b.data ? fg_buf_take(&b) : fg_xstrdup(""),
                           fg_xstrdup(tab->entries[i].key), tab->entries[i].value->start,
                           tab->entries[i].value->end, false};
      fg_buf_free(&b);
      fg_vec_push(out, line);
    }
  }
}

void fg_tox_toml_envlist(FgTox *self) {
  const FgTomlValue *l = fg_toml_table_get(self->root, "env_list");
  if (!l)
    l = fg_toml_table_get(self->root, "envlist");
  if (!fg_toml_is_array(l))
    return;
  for (size_t i = 0; i < l->nitems; i++) {
    const char *s = fg_toml_as_string(l->items[i]);
    if (!s || !*s)
      continue;
    bool dup = false;
    for (size_t k = 0; k < self->envlist.len && !dup; k++)
      dup = strcmp(self->envlist.items[k], s) == 0;
    if (!dup)
      fg_vec_push(&self->envlist, fg_xstrdup(s));
  }
}

bool fg_tox_toml_env_section(const FgTox *self, const char *env) {
  return fg_tt_env_table(self, env) != NULL;
}

void fg_tox_toml_section_envs(const FgTox *self, FgStrVec *out) {
  const FgTomlValue *envs = fg_toml_table_get(self->root, "env");
  if (!fg_toml_is_table(envs))
    return;
  for (size_t i = 0; i < envs->nentries; i++) {
    const char *name = envs->entries[i].key;
    bool dup = false;
    for (size_t k = 0; k < out->len && !dup; k++)
      dup = strcmp(out->items[k], name) == 0;
    if (!dup)
      fg_vec_push(out, fg_xstrdup(name));
  }
}

void fg_tox_toml_label_envs(const FgTox *self, const char *label, FgStrVec *out) {
  const FgTomlValue *l =
      fg_toml_table_get(fg_toml_table_get(self->root, "labels"), label);
  if (fg_toml_is_array(l))
    for (size_t i = 0; i < l->nitems; i++)
      if (fg_toml_as_string(l->items[i]))
        fg_vec_push(out, fg_xstrdup(fg_toml_as_string(l->items[i])));
  const FgTomlValue *envs = fg_toml_table_get(self->root, "env");
  if (!fg_toml_is_table(envs))
    return;
  for (size_t i = 0; i < envs->nentries; i++) {
    const FgTomlValue *ls = fg_toml_table_get(envs->entries[i].value, "labels");
    if (!fg_toml_is_array(ls))
      continue;
    for (size_t k = 0; k < ls->nitems; k++)
      if (fg_str_eq(fg_toml_as_string(ls->items[k]), label))
        fg_vec_push(out, fg_xstrdup(envs->entries[i].key));
  }
}

bool fg_tox_toml_gh_map(const FgTox *self, const char *kind, FgStrVec *out) {
  const FgTomlValue *m = fg_toml_table_get(fg_toml_table_get(self->root, "gh"), kind);
  if (!fg_toml_is_table(m))
    return false;
  for (size_t i = 0; i < m->nentries; i++) {
    FgBuf b = {0};
    const FgTomlValue *v = m->entries[i].value;
    if (fg_toml_is_array(v)) {
      for (size_t k = 0; k < v->nitems; k++)
        if (fg_toml_as_string(v->items[k]))
          fg_buf_printf(&b, "%s%s", b.len ? ", " : "", fg_toml_as_string(v->items[k]));
    } else if (fg_toml_as_string(v)) {
      fg_buf_puts(&b, fg_toml_as_string(v));
    }
    fg_vec_push(out, fg_xasprintf("%s\t%s", m->entries[i].key, b.data ? b.data : ""));
    fg_buf_free(&b);
  }
  return true;
}
