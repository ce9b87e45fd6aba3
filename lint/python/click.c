/* python/click: what a click command's def receives when a test runs it
 * with a list of words (`CliRunner().invoke(cmd, ["-p", "2", "a.txt"])`).
 *
 * The def's decorators are read as click reads them: `@click.option(...)`
 * and `@click.argument(...)` make its parameters, `@click.command()` (or
 * `@group.command()` of an in-repo group) makes it a command. The words are
 * parsed the way click's parser does for what the model knows: long and
 * short options, `--name=value`, `-p2`, clusters of short flags, `--`, and
 * the positional words given to the arguments in order (`nargs=-1` takes the
 * rest). Anything it does not know — a decorator that is not click's, an
 * option it has not seen, a word that is not a literal string where its
 * role depends on it — gives up: the def is entered as before, with its
 * parameters unknown. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "python/internal.h"

#define CLICK_PARAMS 64
#define CLICK_FLAGS 6
#define CLICK_WORDS 64
#define CLICK_GROUP_DEPTH 4

typedef enum ClickType {
  CLICK_STR,   /* str, a Choice, a Path: the word */
  CLICK_INT,   /* int: the word as a number */
  CLICK_OTHER, /* any other type: the value is not known */
} ClickType;

typedef struct ClickParam {
  bool argument;
  char name[64]; /* the Python name */
  const char *on[CLICK_FLAGS];
  size_t non;
  const char *off[CLICK_FLAGS]; /* the secondary flags of `--x/--no-x` */
  size_t noff;
  bool is_flag, count, multiple, transformed, eager, required;
  char pair[64]; /* `--x/--no-x`, split in place: on and off point into it */
  long long nargs;
  uint8_t type;
  int dflt;          /* the default= expression (exprs of the decorator's module), -1 */
  bool dflt_unknown; /* envvar=, or a default this module does not state */
  FgVal value;
  bool set;
} ClickParam;

typedef struct ClickCmd {
  const FgModule *mod; /* of the decorators */
  ClickParam params[CLICK_PARAMS];
  size_t n;
  bool is_cmd;
} ClickCmd;

static FgVal ck_val(uint8_t kind, long long ival, const char *str) {
  FgVal v = fg_py_val(kind);
  v.ival = ival;
  v.str = str;
  return v;
}

static FgVal ck_unknown(void) {
  return fg_py_val(FG_VAL_UNKNOWN);
}

static const FgPyExpr *ck_ex(const FgModule *m, int e) {
  return &m->py->exprs[e];
}

static const char *ck_last(const char *text) {
  const char *dot = strrchr(text, '.');
  return dot ? dot + 1 : text;
}

/* The Python name click gives a parameter: the explicit one, else the first
 * option with the longest prefix ("--dry-run" -> "dry_run"). */
static bool ck_name(ClickParam *p, const char *explicit_name) {
  const char *from = explicit_name;
  size_t best = 0;
  for (size_t i = 0; !explicit_name && i < p->non; i++) {
    size_t pre = strspn(p->on[i], "-");
    if (pre > best) {
      best = pre;
      from = p->on[i];
    }
  }
  if (!from)
    return false;
  from += strspn(from, "-");
  size_t n = strlen(from);
  if (!n || n >= sizeof p->name)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = from[i] == '-' ? '_' : from[i];
    p->name[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
  }
  p->name[n] = '\0';
  return true;
}

static uint8_t ck_type(const FgModule *m, int e) {
  const FgPyExpr *x = ck_ex(m, e);
  const char *t = x->text ? x->text : "";
  if (x->kind == FG_EXPR_NAME && (strcmp(t, "int") == 0 || strcmp(t, "click.INT") == 0))
    return CLICK_INT;
  if (x->kind == FG_EXPR_NAME &&
      (strcmp(t, "str") == 0 || strcmp(t, "click.STRING") == 0))
    return CLICK_STR;
  if (x->kind == FG_EXPR_CALL &&
      (strcmp(t, "click.Choice") == 0 || strcmp(t, "click.Path") == 0)) {
    /* a Path may be asked to give a pathlib.Path */
    for (int a = x->a; a >= 0; a = ck_ex(m, a)->next)
      if (ck_ex(m, a)->kind == FG_EXPR_KW && fg_str_eq(ck_ex(m, a)->text, "path_type"))
        return CLICK_OTHER;
    return CLICK_STR;
  }
  return CLICK_OTHER;
}

/* A boolean flag's pair of words, `--fast/--safe` (or ` /-S`: no on word):
 * the first switches it on, the second off. */
static bool ck_pair(ClickParam *p, const char *text) {
  size_t n = strlen(text);
  if (p->pair[0] || n >= sizeof p->pair || p->non == CLICK_FLAGS)
    return false;
  memcpy(p->pair, text, n + 1);
  char *slash = strchr(p->pair, '/');
  *slash = '\0';
  char *on = p->pair + strspn(p->pair, " ");
  char *off = slash + 1 + strspn(slash + 1, " ");
  for (char *end = on + strlen(on); end > on && end[-1] == ' ';)
    *--end = '\0';
  if ((*on && *on != '-') || *off != '-' || strchr(off, '/') || strchr(off, ' '))
    return false;
  if (*on)
    p->on[p->non++] = on;
  p->off[p->noff++] = off;
  p->is_flag = true;
  return true;
}

/* One `click.option(...)` / `click.argument(...)` call: false when it holds
 * what the model does not read. */
static bool ck_param(ClickCmd *cmd, const FgModule *m, const FgPyExpr *call,
                     bool argument) {
  if (cmd->n == CLICK_PARAMS)
    return false;
  ClickParam *p = &cmd->params[cmd->n];
  memset(p, 0, sizeof *p);
  p->argument = argument;
  p->nargs = 1;
  p->type = CLICK_STR;
  p->dflt = -1;
  const char *explicit_name = NULL;
  bool typed = false;
  for (int a = call->a; a >= 0; a = ck_ex(m, a)->next) {
    const FgPyExpr *x = ck_ex(m, a);
    if (x->kind == FG_EXPR_STR) {
      char *slash = strchr(x->text, '/');
      if (x->text[0] != '-') {
        if (explicit_name || slash)
          return false;
        explicit_name = x->text;
      } else if (slash) {
        if (!ck_pair(p, x->text))
          return false;
      } else if (p->non < CLICK_FLAGS) {
        p->on[p->non++] = x->text;
      } else {
        return false;
      }
      continue;
    }
    if (x->kind != FG_EXPR_KW || x->a < 0)
      return false;
    const FgPyExpr *v = ck_ex(m, x->a);
    const char *kw = x->text;
    if (strcmp(kw, "is_flag") == 0 || strcmp(kw, "count") == 0 ||
        strcmp(kw, "multiple") == 0 || strcmp(kw, "required") == 0) {
      if (v->kind != FG_EXPR_BOOL)
        return false;
      bool *flag = kw[0] == 'i'   ? &p->is_flag
                   : kw[0] == 'c' ? &p->count
                   : kw[0] == 'm' ? &p->multiple
                                  : &p->required;
      *flag = v->ival != 0;
    } else if (strcmp(kw, "nargs") == 0) {
      if (v->kind != FG_EXPR_INT)
        return false;
      p->nargs = v->ival;
    } else if (strcmp(kw, "type") == 0) {
      p->type = ck_type(m, x->a);
      typed = true;
    } else if (strcmp(kw, "default") == 0) {
      p->dflt = x->a;
    } else if (strcmp(kw, "envvar") == 0) {
      p->dflt_unknown = true;
    } else if (strcmp(kw, "callback") == 0) {
      p->transformed = true;
    } else if (strcmp(kw, "is_eager") == 0) {
      p->eager = v->kind != FG_EXPR_BOOL || v->ival != 0;
    } else if (strcmp(kw, "flag_value") == 0 || strcmp(kw, "expose_value") == 0 ||
               strcmp(kw, "secondary") == 0 || strcmp(kw, "**") == 0 ||
               strcmp(kw, "cls") == 0) {
      return false;
    }
    /* help=, show_default=, metavar=, ...: nothing the values need */
  }
  if (argument ? p->non + p->noff != 0 || !explicit_name : p->non + p->noff == 0)
    return false;
  if (p->nargs != 1 && (!argument || p->nargs != -1))
    return false;
  if (p->count && !typed)
    p->type = CLICK_INT;
  /* click infers the type from a literal default; a bool default without
   * is_flag makes a flag or not depending on click's version */
  const FgPyExpr *dv = p->dflt >= 0 ? ck_ex(m, p->dflt) : NULL;
  if (!typed && dv && dv->kind == FG_EXPR_INT)
    p->type = CLICK_INT;
  if (!p->is_flag && !p->count && dv && dv->kind == FG_EXPR_BOOL)
    return false;
  /* a lone flag whose default is not False: what its word gives changed
   * between click versions (the opposite of the default, or True) */
  if (p->is_flag && !p->noff && dv && (dv->kind != FG_EXPR_BOOL || dv->ival != 0) &&
      dv->kind != FG_EXPR_NONE)
    return false;
  if (!ck_name(p, explicit_name))
    return false;
  cmd->n++;
  return true;
}

static bool ck_is_command(FgEnv *env, const FgModule *m, const FgPyExpr *x, int depth);

/* Is def d a click command or group (`@click.group()`, `@cli.command()`)? */
static bool ck_def_is_command(FgEnv *env, int d, int depth) {
  const FgDef *def = &env->p->defs.items[d];
  const FgPyFunc *f = &def->mod->py->funcs[def->func];
  for (size_t i = 0; i < f->ndecorators; i++)
    if (ck_is_command(env, def->mod, ck_ex(def->mod, f->decorators[i]), depth))
      return true;
  return false;
}

/* `click.command()`, `click.group()`, or `<g>.command()` / `<g>.group()`
 * where g is an in-repo click group. */
static bool ck_is_command(FgEnv *env, const FgModule *m, const FgPyExpr *x, int depth) {
  if (x->kind != FG_EXPR_CALL && x->kind != FG_EXPR_NAME)
    return false;
  const char *last = ck_last(x->text);
  if (strcmp(last, "command") != 0 && strcmp(last, "group") != 0)
    return false;
  size_t head = (size_t)(last - x->text);
  if (head == strlen("click.") && fg_str_startswith(x->text, "click."))
    return x->how == FG_NAME_IMPORT;
  if (head < 2 || depth >= CLICK_GROUP_DEPTH)
    return false;
  char *group = fg_xstrndup(x->text, head - 1);
  FgEnv e = fg_py_env_module(env, (FgModule *)m);
  FgVal g = fg_py_eval_name(&e, group, x->how);
  free(group);
  return g.kind == FG_VAL_DEF && ck_def_is_command(env, g.def, depth + 1);
}

/* A keyword of `click.command(...)` that changes neither the parameters nor
 * their defaults: help texts, names, and context_settings that only name the
 * help options (a default_map, an auto_envvar_prefix would). */
static bool ck_command_kw(const FgModule *m, const FgPyExpr *kw) {
  static const char *const harmless[] = {
      "help",   "short_help", "epilog",          "name",
      "hidden", "deprecated", "add_help_option", "options_metavar"};
  if (kw->kind != FG_EXPR_KW)
    return true;
  for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++)
    if (strcmp(kw->text, harmless[i]) == 0)
      return true;
  if (strcmp(kw->text, "context_settings") != 0 || kw->a < 0 ||
      ck_ex(m, kw->a)->kind != FG_EXPR_DICT)
    return false;
  for (int e = ck_ex(m, kw->a)->a; e >= 0; e = ck_ex(m, e)->next) {
    const char *key = ck_ex(m, e)->text;
    if (strcmp(key, "help_option_names") != 0 && strcmp(key, "max_content_width") != 0 &&
        strcmp(key, "terminal_width") != 0)
      return false;
  }
  return true;
}

/* Reads the decorators of def d: false when one is not click's. */
static bool ck_read(FgEnv *env, int d, ClickCmd *cmd) {
  const FgDef *def = &env->p->defs.items[d];
  const FgPyFunc *f = &def->mod->py->funcs[def->func];
  const FgModule *m = def->mod;
  cmd->mod = m;
  cmd->n = 0;
  cmd->is_cmd = false;
  for (size_t i = 0; i < f->ndecorators; i++) {
    const FgPyExpr *x = ck_ex(m, f->decorators[i]);
    const char *t = x->text ? x->text : "";
    bool click = x->how == FG_NAME_IMPORT && fg_str_startswith(t, "click.");
    if (x->kind == FG_EXPR_CALL && click && strcmp(t, "click.option") == 0) {
      if (!ck_param(cmd, m, x, false))
        return false;
    } else if (x->kind == FG_EXPR_CALL && click && strcmp(t, "click.argument") == 0) {
      if (!ck_param(cmd, m, x, true))
        return false;
    } else if (ck_is_command(env, m, x, 0)) {
      if (strcmp(ck_last(t), "group") == 0)
        return false; /* the words after the subcommand are not the group's */
      for (int a = x->kind == FG_EXPR_CALL ? x->a : -1; a >= 0; a = ck_ex(m, a)->next)
        if (!ck_command_kw(m, ck_ex(m, a)))
          return false;
      cmd->is_cmd = true;
    } else if (!(click && (strcmp(t, "click.pass_context") == 0 ||
                           strcmp(t, "click.pass_obj") == 0 ||
                           strcmp(t, "click.version_option") == 0 ||
                           strcmp(t, "click.help_option") == 0))) {
      /* any other decorator may add parameters. The context ones add none;
       * a version or help option's word is one the parser does not know, so
       * a list that holds it is not parsed */
      return false;
    }
  }
  return cmd->is_cmd;
}

static ClickParam *ck_option(ClickCmd *cmd, const char *word, size_t n, bool *off) {
  for (size_t i = 0; i < cmd->n; i++) {
    ClickParam *p = &cmd->params[i];
    for (size_t k = 0; !p->argument && k < p->non + p->noff; k++) {
      const char *fl = k < p->non ? p->on[k] : p->off[k - p->non];
      if (strlen(fl) == n && strncmp(fl, word, n) == 0) {
        *off = k >= p->non;
        return p;
      }
    }
  }
  return NULL;
}

/* The value a word gives an option or argument of type t; false when click
 * would refuse it. */
static bool ck_convert(FgVal word, uint8_t t, FgVal *out) {
  if (word.kind != FG_VAL_STR) {
    *out = ck_unknown();
    return true;
  }
  if (t == CLICK_INT) {
    char *end = NULL;
    long long v = strtoll(word.str, &end, 10);
    if (!*word.str || !end || *end)
      return false;
    *out = fg_py_val_int(v);
    return true;
  }
  *out = t == CLICK_STR ? word : ck_unknown();
  return true;
}

static bool ck_give(ClickParam *p, FgVal word) {
  FgVal v;
  if (!ck_convert(word, p->type, &v))
    return false;
  p->value = p->multiple || p->transformed ? ck_unknown() : v;
  p->set = true;
  return true;
}

typedef struct ClickWords {
  FgVal argv; /* the TUPLE */
  FgVal vals[CLICK_WORDS];
  size_t n;
  size_t pos[CLICK_WORDS]; /* the positional words, by index */
  size_t npos;
} ClickWords;

/* One short-option word that is not an option itself: `-p2`, `-vq`, `-qp2`
 * (flags, then maybe an option that takes the rest of the word, or the next
 * word, as its value). *i moves past a value word taken. */
static bool ck_short(ClickCmd *cmd, const ClickWords *w, size_t *i) {
  const char *s = w->vals[*i].str;
  for (const char *c = s + 1; *c; c++) {
    char one[3] = {'-', *c, '\0'};
    bool off = false;
    ClickParam *p = ck_option(cmd, one, 2, &off);
    if (!p)
      return false;
    if (!p->is_flag && !p->count) {
      if (c[1]) /* the word's tail lives as long as the word */
        return ck_give(p, ck_val(FG_VAL_STR, 0, c + 1));
      if (*i + 1 >= w->n)
        return false;
      return ck_give(p, w->vals[++*i]);
    }
    p->value = p->count ? fg_py_val_int((p->set ? p->value.ival : 0) + 1)
                        : ck_val(FG_VAL_BOOL, !off, NULL);
    p->set = true;
  }
  return true;
}

/* Click's parser over the words: options get their values, the positional
 * words are listed. */
static bool ck_parse(ClickCmd *cmd, ClickWords *w) {
  bool only_pos = false;
  for (size_t i = 0; i < w->n; i++) {
    FgVal v = w->vals[i];
    if (v.kind != FG_VAL_STR)
      return false; /* an option or a positional word: not known which */
    const char *s = v.str;
    if (only_pos || s[0] != '-' || strcmp(s, "-") == 0) {
      w->pos[w->npos++] = i;
      continue;
    }
    if (strcmp(s, "--") == 0) {
      only_pos = true;
      continue;
    }
    const char *eq = s[1] == '-' ? strchr(s, '=') : NULL;
    size_t n = eq ? (size_t)(eq - s) : strlen(s);
    bool off = false;
    ClickParam *p = ck_option(cmd, s, n, &off);
    if (!p) {
      if (s[1] == '-' || !ck_short(cmd, w, &i))
        return false;
      continue;
    }
    if (p->is_flag || p->count) {
      if (eq)
        return false;
      if (p->count)
        p->value = fg_py_val_int((p->set ? p->value.ival : 0) + 1);
      else
        p->value = ck_val(FG_VAL_BOOL, !off, NULL);
      p->set = true;
      continue;
    }
    FgVal word;
    if (eq) {
      word = ck_val(FG_VAL_STR, 0, eq + 1);
    } else if (i + 1 < w->n) {
      word = w->vals[++i];
    } else {
      return false;
    }
    if (!ck_give(p, word))
      return false;
  }
  return true;
}

/* The positional words to the arguments, in order; `nargs=-1` takes what the
 * arguments after it leave. Its value is the tail of the list when its words
 * are one (else not known). */
static bool ck_arguments(ClickCmd *cmd, ClickWords *w) {
  size_t fixed = 0, rest = 0;
  for (size_t i = 0; i < cmd->n; i++)
    if (cmd->params[i].argument) {
      if (cmd->params[i].nargs == 1)
        fixed++;
      else
        rest++;
    }
  if (rest > 1 || (!rest && w->npos > fixed))
    return false;
  size_t at = 0;
  for (size_t i = 0; i < cmd->n; i++) {
    ClickParam *p = &cmd->params[i];
    if (!p->argument)
      continue;
    if (p->nargs == 1) {
      fixed--;
      if (at < w->npos && !ck_give(p, w->vals[w->pos[at++]]))
        return false;
      continue;
    }
    /* the fixed arguments after it keep their words */
    size_t take = w->npos - at >= fixed ? w->npos - at - fixed : 0;
    bool tail = true;
    for (size_t k = 0; k < take; k++)
      tail = tail && w->pos[at + k] == w->n - take + k;
    p->value = ck_unknown();
    if (tail && !p->transformed && p->type != CLICK_OTHER && p->type != CLICK_INT) {
      p->value = w->argv;
      p->value.ival += (long long)(w->n - take);
    }
    p->set = true;
    at += take;
  }
  return true;
}

/* The value of a parameter no word gave. */
static bool ck_default(FgEnv *env, const ClickCmd *cmd, ClickParam *p,
                       const ClickWords *w) {
  if (p->dflt_unknown || p->transformed) {
    p->value = ck_unknown();
    return true;
  }
  if (p->dflt >= 0) {
    FgEnv e = fg_py_env_module(env, (FgModule *)cmd->mod);
    FgVal v = fg_py_eval(&e, (FgModule *)cmd->mod, p->dflt);
    if (v.kind == FG_VAL_STR && !p->is_flag && !p->multiple)
      return ck_convert(v, p->type, &p->value);
    p->value = v.kind == FG_VAL_NONE || v.kind == FG_VAL_BOOL || v.kind == FG_VAL_INT
                   ? v
                   : ck_unknown();
    return true;
  }
  if ((p->argument && p->nargs == 1) || p->required)
    return false; /* a required parameter not given: click stops */
  if (p->is_flag) {
    p->value = ck_val(FG_VAL_BOOL, 0, NULL);
  } else if (p->count) {
    p->value = fg_py_val_int(0);
  } else if (p->multiple) {
    p->value = w->argv; /* an empty tuple: the list with all its words skipped */
    p->value.ival += (long long)w->n;
  } else {
    p->value = ck_val(FG_VAL_NONE, 0, NULL);
  }
  return true;
}

bool fg_py_click_values(FgEnv *env, int d, FgVal argv, FgVal *vals) {
  if (argv.kind != FG_VAL_TUPLE || d < 0 || env->depth > 24)
    return false;
  const FgDef *def = &env->p->defs.items[d];
  const FgPyFunc *f = &def->mod->py->funcs[def->func];
  if (!f->ndecorators)
    return false;
  ClickCmd *cmd = fg_xcalloc(1, sizeof *cmd);
  ClickWords *w = fg_xcalloc(1, sizeof *w);
  bool ok = ck_read(env, d, cmd);
  w->argv = argv;
  FgEnv te = fg_py_env_module(env, (FgModule *)argv.tmod);
  for (int e = fg_py_tuple_first(&argv); ok && e >= 0; e = ck_ex(argv.tmod, e)->next) {
    if (w->n == CLICK_WORDS) {
      ok = false;
      break;
    }
    w->vals[w->n++] = fg_py_eval(&te, (FgModule *)argv.tmod, e);
  }
  ok = ok && ck_parse(cmd, w) && ck_arguments(cmd, w);
  /* an eager callback runs first and may set the context's default_map
   * (a configuration file read): the defaults are then not known */
  bool defaults_known = true;
  for (size_t i = 0; i < cmd->n; i++)
    if (cmd->params[i].eager && cmd->params[i].transformed)
      defaults_known = false;
  for (size_t i = 0; ok && i < cmd->n; i++) {
    ClickParam *p = &cmd->params[i];
    if (!p->set && !defaults_known)
      p->value = ck_unknown();
    else if (!p->set)
      ok = ck_default(env, cmd, p, w);
  }
  for (size_t i = 0; ok && i < f->nparams; i++) {
    vals[i] = ck_unknown();
    for (size_t k = 0; k < cmd->n; k++)
      if (strcmp(cmd->params[k].name, f->params[i]) == 0)
        vals[i] = cmd->params[k].value;
  }
  free(cmd);
  free(w);
  return ok;
}
