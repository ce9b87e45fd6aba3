/* tox_int: what tox.c (the INI side and the substitutions) and tox_toml.c
 * (tox.toml / [tool.tox]) share. Nothing else includes it. */
#ifndef FG_TOX_INT_H
#define FG_TOX_INT_H

#include "ci/tox.h"
#include "parse/ini_doc.h"
#include "parse/toml.h"

#define FG_TOX_MAX_EXPANSION 4096
#define FG_TOX_MAX_REF_DEPTH 8
/* The substitution tox_toml.c writes for the second and later commands of
 * a list-level `{ replace = "posargs", default = [[...], [...]] }`. */
#define FG_TOX_POSARGS_REST "forkguard-posargs-rest"

/* A logical line before substitution: continuations joined, factor
 * prefix checked and removed, comment dropped. */
typedef struct FgToxRawLine {
  char *text; /* owned */
  char *key;  /* setenv: the variable name (owned), else NULL */
  size_t start, end;
  bool editable;
} FgToxRawLine;

typedef FG_VEC(FgToxRawLine) FgToxRawLines;

struct FgTox {
  /* INI: tox.ini, setup.cfg, or legacy_tox_ini (then parsed from `legacy`
   * and its spans shifted by legacy_base when legacy_exact) */
  FgIniDoc *ini;
  FgSource *legacy;
  size_t legacy_base;
  bool legacy_exact;
  /* TOML: the document and the table tox reads (root or tool.tox) */
  FgToml *toml;
  const FgTomlValue *root;
  FgStrVec envlist; /* NULL-terminated beyond len */
};

void fg_tox_raw_lines_free(FgToxRawLines *v);
/* The lines of key ("commands", "set_env"...) for env from the TOML side. */
void fg_tox_toml_lines(const FgTox *self, const char *env, const char *key,
                       FgToxRawLines *out);
/* The TOML side's env_list, labels, sections, gh mapping. */
void fg_tox_toml_envlist(FgTox *self);
bool fg_tox_toml_env_section(const FgTox *self, const char *env);
void fg_tox_toml_section_envs(const FgTox *self, FgStrVec *out);
void fg_tox_toml_label_envs(const FgTox *self, const char *label, FgStrVec *out);
bool fg_tox_toml_gh_map(const FgTox *self, const char *kind, FgStrVec *out);

/* Appends word to b quoted for a command line when it needs it. */
void fg_tox_put_word(FgBuf *b, const char *word);

#endif
