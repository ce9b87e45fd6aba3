/* python/load: reading the project's .py files, the word prefilter that
 * decides which are parsed (SPEC §12), parsing on the project's threads,
 * and the later rounds that parse whatever can reach a pool-using def, to a
 * fixpoint. */
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "core/words.h"
#include "python/internal.h"

/* Files larger than this are not read: a generated 50 MB module is not a
 * test suite, and reading it would blow the pre-commit budget. */
#define FG_MAX_PY_BYTES (8u << 20)
/* ---- the prefilter (SPEC §12) -------------------------------------------------
 *
 * Parsing is ~200x the cost of reading, so a file is parsed only when its
 * words show it can matter:
 * - a pool site, `fork` start method or `spawn` set is a call that resolves
 *   (through the file's own imports and aliases) to a name parse/pyfile
 *   classifies: the file holds every component of one of its heads
 *   (`multiprocessing`, `concurrent` with `futures`, a configured
 *   constructor's module...) and one of its names (`Pool`, `Process`,
 *   `ProcessPoolExecutor`, `get_context`...), fg_pyfile_site_words();
 * - `os.fork()` needs the word `fork` (it is reported in test code only);
 * - the marker in force, for marked tests and its registration, and
 *   `addinivalue_line` (a registration of a marker convention);
 * - conftest.py files always (fixtures, autouse, pytest_configure).
 * Then, to a fixpoint, the files naming something that reaches a pool. */
enum { FG_SEED_HEAD = 1, FG_SEED_NAME = 2, FG_SEED_FORK = 4, FG_SEED_MARKER = 8 };

typedef struct FgSeeds {
  FgWordSet set;
  FgStrVec owned; /* the words */
  FgStrVec heads; /* dotted: each component must be a word of the file */
  FgStrVec names;
} FgSeeds;

static void fg_seeds_build(const FgPyModel *p, const char *marker, FgSeeds *s) {
  FgPyOptions opts = {p->extra_pool_constructors, p->nextra_pool_constructors};
  fg_pyfile_site_words(&opts, &s->heads, &s->names);
  for (size_t i = 0; i < s->heads.len; i++) {
    const char *h = s->heads.items[i];
    for (const char *c = h; *c;) {
      size_t n = strcspn(c, ".");
      char *part = fg_xstrndup(c, n);
      fg_vec_push(&s->owned, part);
      fg_word_set_add(&s->set, part, FG_SEED_HEAD);
      c += n + (c[n] == '.');
    }
  }
  for (size_t i = 0; i < s->names.len; i++)
    fg_word_set_add(&s->set, s->names.items[i], FG_SEED_NAME);
  fg_word_set_add(&s->set, "fork", FG_SEED_FORK);
  fg_word_set_add(&s->set, marker, FG_SEED_MARKER);
  fg_word_set_add(&s->set, "addinivalue_line", FG_SEED_MARKER);
  if (p->parse_suppressions) {
    /* a comment that silences nothing is only found where it is read */
    fg_word_set_add(&s->set, "forkguard", FG_SEED_MARKER);
    fg_word_set_add(&s->set, "noqa", FG_SEED_MARKER);
  }
}

static void fg_seeds_free(FgSeeds *s) {
  fg_word_set_free(&s->set);
  fg_strvec_free(&s->owned);
  fg_strvec_free(&s->heads);
  fg_strvec_free(&s->names);
}

static bool fg_hits_have(const FgSlotVec *hits, const char *word, size_t n) {
  for (size_t i = 0; i < hits->len; i++)
    if (strlen(hits->items[i]->word) == n && memcmp(hits->items[i]->word, word, n) == 0)
      return true;
  return false;
}

/* Does every component of one of the heads appear among the hits? */
static bool fg_seeds_head(const FgSeeds *s, const FgSlotVec *hits) {
  for (size_t i = 0; i < s->heads.len; i++) {
    bool all = true;
    for (const char *c = s->heads.items[i]; *c && all;) {
      size_t n = strcspn(c, ".");
      all = fg_hits_have(hits, c, n);
      c += n + (c[n] == '.');
    }
    if (all)
      return true;
  }
  return false;
}

/* Is the module wanted for its words: from the hashes of its words (a
 * candidate) or, with text, from the text (exact)? */
static bool fg_seeds_want(const FgSeeds *s, const FgModule *m, const FgWords *w,
                          const char *text, size_t len) {
  if (m->is_conftest)
    return true;
  FgSlotVec hits = {0};
  if (text)
    fg_word_set_hits_text(&s->set, text, len, &hits);
  else
    fg_word_set_hits_hashes(&s->set, w, &hits);
  uint32_t mask = 0;
  for (size_t i = 0; i < hits.len; i++)
    mask |= hits.items[i]->mask;
  bool want = (mask & FG_SEED_MARKER) || (m->is_test_file && (mask & FG_SEED_FORK));
  if (!want && (mask & FG_SEED_HEAD) && (mask & FG_SEED_NAME))
    want = fg_seeds_head(s, &hits);
  fg_vec_free(&hits);
  return want;
}

typedef struct FgParseJob {
  FgModule **mods;
  FgPyOptions opts;
} FgParseJob;

static void fg_parse_module(FgModule *m, const FgPyOptions *opts) {
  m->py = fg_pyfile_parse(m->src, opts);
  if (m->py)
    m->index = fg_py_index_new(m->py);
}

static void fg_parse_one(void *ctx, size_t i) {
  FgParseJob *job = ctx;
  fg_parse_module(job->mods[i], &job->opts);
}

/* Parses the modules, on the project's jobs: each writes only its own
 * summary, so the result is the same whatever the scheduling. */
static void fg_parse_modules(FgPyModel *p, FgModuleVec *mods) {
  FgParseJob job = {mods->items,
                    {p->extra_pool_constructors, p->nextra_pool_constructors}};
  fg_parallel_for(mods->len, p->jobs, fg_parse_one, &job);
  p->files_parsed += mods->len;
  mods->len = 0;
}

/* What a file must say to reach a pool-using def of another module, so that
 * the prefilter parses it (it ends up parsed when reach_wants says so).
 * - A call resolves into module M through the file's own import or dotted
 *   text, which names M's last component ("util" for pkg.util; the package
 *   for pkg/__init__.py), except a package __init__ reached by a relative
 *   `from . import f`. So the file needs the def's name paired with M's last
 *   component (any last component for an __init__). The name is: a
 *   module-level function's own name, a method's top-level class (`C(...)`
 *   enters `C.__init__`, `C.m(...)` names C; `self.m()` stays in its
 *   module). Nested defs and methods of nested classes are never called
 *   from elsewhere.
 * - A conftest fixture is requested by its fixture name from files below
 *   the conftest's folder; an autouse one reaches every test file there. */
#define FG_REACH_INIT 2u

typedef FG_VEC(const char *) FgNameVec;

typedef struct FgReach {
  FgWordSet names;       /* 1, | FG_REACH_INIT when an __init__ defines it */
  FgWordSet lasts;       /* last components of the modules defining names */
  FgHashSet pair_hashes; /* fg_pair_hash(name, last) */
  FgWordSet pairs;       /* "name last", to confirm a pair exactly */
  FgStrVec owned;        /* the pairs' strings */
  FgWordSet fixtures;
  FgNameVec fixture_dirs;
  FgNameVec autouse_dirs;
} FgReach;

static void fg_reach_free(FgReach *r) {
  fg_word_set_free(&r->names);
  fg_word_set_free(&r->lasts);
  fg_hash_set_free(&r->pair_hashes);
  fg_word_set_free(&r->pairs);
  fg_strvec_free(&r->owned);
  fg_word_set_free(&r->fixtures);
  fg_vec_free(&r->fixture_dirs);
  fg_vec_free(&r->autouse_dirs);
}

static void fg_reach_name(FgReach *r, const FgModule *m, const char *name) {
  bool init = fg_str_endswith(m->src->path, "__init__.py");
  fg_word_set_add(&r->names, name, init ? 1u | FG_REACH_INIT : 1u);
  const char *dot = strrchr(m->modname, '.');
  const char *last = dot ? dot + 1 : m->modname;
  if (!*last)
    return;
  char *pair = fg_xasprintf("%s %s", name, last);
  if (fg_word_set_get(&r->pairs, pair)) {
    free(pair);
    return;
  }
  fg_vec_push(&r->owned, pair);
  fg_word_set_add(&r->pairs, pair, 1);
  fg_word_set_add(&r->lasts, last, 1);
  fg_hash_set_add(&r->pair_hashes, fg_pair_hash(fg_word_hash(name, strlen(name)),
                                                fg_word_hash(last, strlen(last))));
}

static void fg_reach_build(const FgPyModel *p, FgReach *r) {
  for (size_t d = 0; d < p->defs.len; d++) {
    const FgDef *def = &p->defs.items[d];
    if (def->dist < 0)
      continue;
    const FgModule *m = def->mod;
    const FgPyFunc *f = fg_py_def_func(p, (int)d);
    if (f->nested)
      continue;
    if (f->cls >= 0) {
      const FgPyClass *k = &m->py->classes[f->cls];
      if (k->parent < 0 && !k->in_function)
        fg_reach_name(r, m, k->name);
      continue;
    }
    fg_reach_name(r, m, f->name);
    if (f->is_fixture && m->is_conftest) {
      fg_word_set_add(&r->fixtures, f->fixture_name, 1);
      fg_vec_push(&r->fixture_dirs, m->dir);
      if (f->autouse)
        fg_vec_push(&r->autouse_dirs, m->dir);
    }
  }
}

static bool fg_under_any(const char *path, const FgNameVec *dirs) {
  for (size_t i = 0; i < dirs->len; i++)
    if (fg_path_under(path, dirs->items[i]))
      return true;
  return false;
}

/* Do the name and last-component hits hold a pair of the reach? */
static bool fg_reach_pairs(const FgReach *r, const FgSlotVec *names,
                           const FgSlotVec *lasts, bool exact) {
  bool found = false;
  FgBuf b = {0};
  for (size_t i = 0; i < names->len && !found; i++) {
    if (names->items[i]->mask & FG_REACH_INIT)
      found = true;
    for (size_t k = 0; k < lasts->len && !found; k++) {
      const FgWordSlot *n = names->items[i], *l = lasts->items[k];
      if (!fg_hash_set_has(&r->pair_hashes, fg_pair_hash(n->hash, l->hash)))
        continue;
      if (!exact) {
        found = true;
        continue;
      }
      b.len = 0;
      fg_buf_printf(&b, "%s %s", n->word, l->word);
      found = fg_word_set_get(&r->pairs, b.data) != 0;
    }
  }
  fg_buf_free(&b);
  return found;
}

/* Does the module say what reaches a pool-using def? With text NULL, from
 * the hashes of its words (a candidate); else from its text (exact). */
static bool fg_reach_wants(const FgReach *r, const FgModule *m, const FgWords *w,
                           const char *text, size_t len) {
  if (m->is_test_file && fg_under_any(m->src->path, &r->autouse_dirs))
    return true;
  FgSlotVec names = {0}, lasts = {0};
  if (text)
    fg_word_set_hits_text(&r->names, text, len, &names);
  else
    fg_word_set_hits_hashes(&r->names, w, &names);
  if (names.len) {
    if (text)
      fg_word_set_hits_text(&r->lasts, text, len, &lasts);
    else
      fg_word_set_hits_hashes(&r->lasts, w, &lasts);
  }
  bool found = fg_reach_pairs(r, &names, &lasts, text != NULL);
  fg_vec_free(&names);
  fg_vec_free(&lasts);
  if (found)
    return true;
  if (!fg_under_any(m->src->path, &r->fixture_dirs))
    return false;
  return text ? fg_word_set_match_text(&r->fixtures, text, len) != 0
              : fg_word_set_match_hashes(&r->fixtures, w) != 0;
}

/* Reads a module the prefilter passed over and keeps its bytes when it
 * really says what reaches a pool (it is parsed with the round's batch).
 * *failed is set when the file can no longer be read (reported once). */
static bool fg_read_later(FgPyModel *p, const FgReader *rd, FgProblems *problems,
                          FgModule *m, const FgReach *reach, bool *failed) {
  size_t len = 0;
  char *err = NULL;
  char *data = fg_reader_read(rd, m->src->path, FG_MAX_PY_BYTES, &len, &err);
  if (!data) {
    fg_problems_read_error(problems, m->src->path, err);
    *failed = true;
    return false;
  }
  p->later_reads++;
  p->bytes_read += len;
  bool need = fg_reach_wants(reach, m, NULL, data, len);
  if (need) {
    FgSource *src = fg_source_new(m->src->path, data, len);
    fg_source_delete(m->src);
    m->src = src;
  }
  free(data);
  return need;
}

/* Reads every module; keeps the bytes of those the seeds pass and only the
 * words of the others (SPEC §12: memory stays flat on large trees). */
typedef FG_VEC(FgWords) FgWordsVec;

/* One discovered file after the first pass: its module (NULL when it could
 * not be read, with err set) and, when it was not parsed, its words. */
typedef struct FgReadSlot {
  FgModule *m;
  char *err;
  FgWords words;
  size_t len;
  bool parsed;
} FgReadSlot;

typedef struct FgReadJob {
  const FgPyModel *p;
  const FgReader *rd;
  const FgStrVec *paths;
  const FgSeeds *seeds;
  FgPyOptions opts;
  FgReadSlot *slots;
} FgReadJob;

/* Reads file i, scans its words and parses it when the seeds pass; touches
 * only its own slot and module, so it runs on any thread. */
static void fg_read_one(void *ctx, size_t i) {
  FgReadJob *job = ctx;
  const FgPyModel *p = job->p;
  FgReadSlot *slot = &job->slots[i];
  const char *rel = job->paths->items[i];
  size_t len = 0;
  char *data = fg_reader_read(job->rd, rel, FG_MAX_PY_BYTES, &len, &slot->err);
  if (!data)
    return;
  slot->len = len;
  FgModule *m = fg_xcalloc(1, sizeof *m);
  const char *slash = strrchr(rel, '/');
  m->dir = slash ? fg_xstrndup(rel, (size_t)(slash - rel)) : fg_xstrdup("");
  const char *base = fg_path_base(rel);
  m->is_conftest = strcmp(base, "conftest.py") == 0;
  m->is_test_file =
      !m->is_conftest && fg_glob_any(p->python_files.items, p->python_files.len, base);
  FgWordScanner *scan = fg_word_scanner_new();
  FgWords w = {0};
  fg_words_scan(scan, data, len, &w);
  fg_word_scanner_delete(scan);
  bool want = fg_seeds_want(job->seeds, m, &w, NULL, 0) &&
              fg_seeds_want(job->seeds, m, NULL, data, len);
  if (want) {
    fg_words_free(&w);
    m->src = fg_source_new(rel, data, len);
    fg_parse_module(m, &job->opts);
    slot->parsed = true;
  } else {
    m->src = fg_source_new(rel, "", 0); /* the bytes are read again if needed */
  }
  free(data);
  slot->m = m;
  slot->words = w;
}

static void fg_read_python(FgPyModel *p, const FgReader *rd, const FgStrVec *paths,
                           const char *marker, FgProblems *problems, FgWordsVec *words) {
  FgSeeds seeds = {0};
  fg_seeds_build(p, marker, &seeds);
  size_t n = paths->len;
  FgReadJob job = {p,
                   rd,
                   paths,
                   &seeds,
                   {p->extra_pool_constructors, p->nextra_pool_constructors},
                   fg_xcalloc(n ? n : 1, sizeof(FgReadSlot))};
  fg_parallel_for(n, p->jobs, fg_read_one, &job);
  /* in discovery order, whatever the scheduling was */
  for (size_t i = 0; i < n; i++) {
    FgReadSlot *slot = &job.slots[i];
    if (!slot->m) {
      fg_problems_read_error(problems, paths->items[i], slot->err);
      continue;
    }
    p->files_read++;
    p->files_parsed += slot->parsed;
    p->files_parsed_first += slot->parsed;
    p->bytes_read += slot->len;
    fg_vec_push(&p->modules, slot->m);
    fg_vec_push(words, slot->words);
  }
  free(job.slots);
  fg_seeds_free(&seeds);
}

void fg_pymodel_load(FgPyModel *p, const FgReader *rd, const FgStrVec *paths,
                     const char *marker, FgProblems *problems) {
  p->paths = paths->items;
  p->npaths = paths->len;
  FgWordsVec words = {0}; /* per module: its words while unparsed */
  fg_read_python(p, rd, paths, marker, problems, &words);
  FG_VEC(bool) skip = {0}; /* per module: could not be read a second time */
  for (size_t i = 0; i < p->modules.len; i++)
    fg_vec_push(&skip, false);
  for (size_t i = 0; i < p->modules.len; i++)
    fg_py_name_module(p, p->modules.items[i]);
  fg_py_names_sort(p);

  /* then whatever can reach a pool-using def, to a fixpoint (each round
   * parses at least one more file, so it ends) */
  for (;;) {
    fg_py_rebuild_defs(p);
    FgReach reach = {0};
    fg_reach_build(p, &reach);
    FgModuleVec batch = {0};
    for (size_t i = 0; i < p->modules.len; i++) {
      FgModule *m = p->modules.items[i];
      if (m->py || skip.items[i])
        continue;
      bool wanted = false;
      if (fg_reach_wants(&reach, m, &words.items[i], NULL, 0))
        wanted = fg_read_later(p, rd, problems, m, &reach, &skip.items[i]);
      if (wanted || skip.items[i])
        fg_words_free(&words.items[i]);
      if (wanted)
        fg_vec_push(&batch, m);
    }
    fg_reach_free(&reach);
    bool added = batch.len > 0;
    p->rounds += added;
    fg_parse_modules(p, &batch);
    fg_vec_free(&batch);
    if (!added)
      break;
  }
  for (size_t i = 0; i < words.len; i++)
    fg_words_free(&words.items[i]);
  fg_vec_free(&words);
  fg_vec_free(&skip);
  /* the paths are borrowed until here */
  p->paths = NULL;
  p->npaths = 0;
}

void fg_pymodel_free(FgPyModel *p) {
  for (size_t i = 0; i < p->tests.len; i++) {
    FgTest *t = &p->tests.items[i];
    free(t->nodeid);
    free(t->name);
    fg_strvec_free(&t->markers);
    fg_chain_free(&t->chain);
  }
  fg_vec_free(&p->tests);
  for (size_t d = 0; d < p->defs.len; d++)
    free(p->defs.items[d].via_label);
  fg_vec_free(&p->defs);
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    fg_pyfile_delete(m->py);
    fg_py_index_delete(m->index);
    fg_source_delete(m->src);
    free(m->modname);
    free(m->package);
    free(m->dir);
    free(m);
  }
  fg_vec_free(&p->modules);
  fg_py_names_free(&p->names);
  fg_strvec_free(&p->python_files);
  fg_strvec_free(&p->python_classes);
  fg_strvec_free(&p->python_functions);
}
