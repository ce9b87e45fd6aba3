/* python/load: reading the project's .py files, the word prefilter that
 * decides which are parsed (python/prefilter.c, SPEC §12), and the later
 * rounds that parse whatever can reach a pool-using def, to a fixpoint;
 * reading, scanning and parsing run on the project's threads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cache.h"
#include "core/parallel.h"
#include "core/words.h"
#include "parse/pyfile_cache.h"
#include "python/internal.h"

/* The module's summary: from the cache when it holds one for these bytes,
 * else parsed (and cached). A cache entry that is not whole is said in
 * *warning (owned) and replaced. */
static void fg_parse_module(FgModule *m, const FgPyOptions *opts, FgCache *cache,
                            char **warning) {
  uint64_t hash = 0;
  if (cache) {
    hash = fg_cache_hash(m->src->data, m->src->len);
    size_t n = 0;
    char *blob = fg_cache_get(cache, hash, m->src->len, &n, warning);
    if (blob) {
      m->py = fg_pyfile_cache_adopt(blob, n, m->src);
      if (!m->py)
        *warning = fg_xasprintf("the cached summary of %s does not fit it", m->src->path);
    }
  }
  if (!m->py) {
    m->py = fg_pyfile_parse(m->src, opts);
    if (cache && fg_cache_writable(cache)) {
      FgBuf b = {0};
      fg_pyfile_cache_write(m->py, &b);
      fg_cache_put(cache, hash, m->src->len, b.data, b.len);
      fg_buf_free(&b);
    }
  }
  m->index = fg_py_index_new(m->py);
}

static void fg_cache_warning(FgProblems *problems, char *warning) {
  if (!warning)
    return;
  fg_vec_push(
      &problems->warnings,
      fg_xasprintf("warning: %s; ignored (forkguard parses the file again)", warning));
  free(warning);
}

/* ---- the first pass -------------------------------------------------------------- */

/* One discovered file after the first pass: its module (NULL when it could
 * not be read, with err set) and, when it was not parsed, what the later
 * rounds need of its words. */
typedef struct FgReadSlot {
  FgModule *m;
  char *err;
  char *cache_warning;
  FgFileWords words;
  size_t len;
  bool parsed;
} FgReadSlot;

typedef struct FgReadJob {
  const FgPyModel *p;
  const FgReader *rd;
  const FgStrVec *paths;
  const FgSeeds *seeds;
  const FgHashSet *stems;
  FgPyOptions opts;
  FgReadSlot *slots;
  FgWordScanner **scanners; /* per worker */
} FgReadJob;

/* Is the file one the caller wants parsed anyway, such as a file a probe run
 * saw start processes (bsearch on the sorted list)? */
static bool fg_forced(const FgPyModel *p, const char *rel) {
  size_t lo = 0, hi = p->nforce_parse;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(p->force_parse[mid], rel);
    if (c == 0)
      return true;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

/* Reads file i, scans its words and parses it when the seeds pass; touches
 * only its own slot and module, so it runs on any thread. */
static void fg_read_one(void *ctx, size_t i, int worker) {
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
  if (!job->scanners[worker])
    job->scanners[worker] = fg_word_scanner_new();
  FgWords w = {0};
  fg_words_scan(job->scanners[worker], data, len, &w);
  bool want = fg_forced(p, rel) || (fg_py_seeds_want(job->seeds, m, &w, NULL, 0) &&
                                    fg_py_seeds_want(job->seeds, m, NULL, data, len));
  if (want) {
    m->src = fg_source_new(rel, data, len);
    fg_parse_module(m, &job->opts, p->cache, &slot->cache_warning);
    slot->parsed = true;
  } else {
    m->src = fg_source_new(rel, "", 0); /* the bytes are read again if needed */
    fg_py_file_words_build(&slot->words, &w, job->stems);
  }
  fg_words_free(&w);
  free(data);
  slot->m = m;
}

typedef FG_VEC(FgFileWords) FgFileWordsVec;
typedef FG_VEC(bool) FgBoolVec;
typedef FG_VEC(uint64_t) FgSigVec;

static void fg_read_python(FgPyModel *p, const FgReader *rd, const FgStrVec *paths,
                           const char *marker, FgProblems *problems,
                           FgFileWordsVec *words) {
  FgSeeds seeds = {0};
  fg_py_seeds_build(p, marker, &seeds);
  FgHashSet stems = {0};
  fg_py_stems_build(paths, &stems);
  size_t n = paths->len;
  int jobs = p->jobs > 0 ? p->jobs : 1;
  FgReadJob job = {p,
                   rd,
                   paths,
                   &seeds,
                   &stems,
                   {p->extra_pool_constructors, p->nextra_pool_constructors},
                   fg_xcalloc(n ? n : 1, sizeof(FgReadSlot)),
                   fg_xcalloc((size_t)jobs, sizeof(FgWordScanner *))};
  fg_parallel_for_workers(n, jobs, fg_read_one, &job);
  for (int t = 0; t < jobs; t++)
    fg_word_scanner_delete(job.scanners[t]);
  free(job.scanners);
  /* in discovery order, whatever the scheduling was */
  for (size_t i = 0; i < n; i++) {
    FgReadSlot *slot = &job.slots[i];
    fg_cache_warning(problems, slot->cache_warning);
    if (!slot->m) {
      fg_problems_read_error(problems, paths->items[i], slot->err);
      continue;
    }
    p->files_read++;
    p->files_parsed += slot->parsed;
    p->files_parsed_first += slot->parsed;
    p->bytes_read += slot->len;
    p->words_bytes += fg_py_file_words_bytes(&slot->words);
    fg_vec_push(&p->modules, slot->m);
    fg_vec_push(words, slot->words);
  }
  free(job.slots);
  fg_hash_set_free(&stems);
  fg_py_seeds_free(&seeds);
}

/* ---- the later rounds -------------------------------------------------------------- */

/* A module the reach may want: read again, confirmed against its text and
 * parsed, on any thread (each touches only its own module and slot). */
typedef struct FgLaterSlot {
  size_t module;
  char *err;
  char *cache_warning;
  size_t len;
  bool force; /* needed by a parsed module (fg_home_modules): parsed whatever it says */
  bool parsed;
  uint64_t sig; /* what made it a candidate (fg_py_reach_candidate) */
} FgLaterSlot;

typedef struct FgLaterJob {
  FgPyModel *p;
  const FgReader *rd;
  const FgPfReach *reach;
  FgPyOptions opts;
  FgLaterSlot *slots;
} FgLaterJob;

static void fg_later_one(void *ctx, size_t i) {
  FgLaterJob *job = ctx;
  FgLaterSlot *slot = &job->slots[i];
  FgModule *m = job->p->modules.items[slot->module];
  size_t len = 0;
  char *data = fg_reader_read(job->rd, m->src->path, FG_MAX_PY_BYTES, &len, &slot->err);
  if (!data)
    return;
  slot->len = len;
  if (slot->force || fg_py_reach_wants_text(job->reach, m, data, len)) {
    FgSource *src = fg_source_new(m->src->path, data, len);
    fg_source_delete(m->src);
    m->src = src;
    fg_parse_module(m, &job->opts, job->p->cache, &slot->cache_warning);
    slot->parsed = true;
  }
  free(data);
}

/* Marks the unparsed in-repo module that dotted (as m wrote it, resolved:
 * "pkg.compat.LINUX", ".base.Base") belongs to: its longest prefix that is
 * a module, the last component left out. */
static void fg_mark_home(const FgPyModel *p, const FgModule *m, const char *dotted,
                         FgBoolVec *out) {
  char *abs = dotted[0] == '.' ? fg_py_absolutize(m, dotted) : fg_xstrdup(dotted);
  FgModule *home = NULL;
  for (char *dot = strrchr(abs, '.'); dot && dot != abs && !home;
       dot = strrchr(abs, '.')) {
    *dot = '\0';
    home = fg_pymodel_module(p, abs);
  }
  free(abs);
  if (!home || home->py)
    return;
  size_t i = fg_pymodel_module_index(p, home->src->path);
  if (i != SIZE_MAX)
    out->items[i] = true;
}

/* The imported names condition e reads, to the depth exprs nest; *budget
 * bounds the nodes visited (a damaged summary can share or loop nodes). */
static void fg_mark_expr_homes(const FgPyModel *p, const FgModule *m, int e, int depth,
                               int *budget, FgBoolVec *out) {
  const FgPyModule *py = m->py;
  for (; e >= 0 && (size_t)e < py->nexprs && depth < 16 && *budget > 0;
       e = py->exprs[e].next) {
    --*budget;
    const FgPyExpr *x = &py->exprs[e];
    if ((x->kind == FG_EXPR_NAME || x->kind == FG_EXPR_CALL) &&
        x->how == FG_NAME_IMPORT && x->text)
      fg_mark_home(p, m, x->text, out);
    if (x->kind == FG_EXPR_STR || x->kind == FG_EXPR_INT)
      continue;
    fg_mark_expr_homes(p, m, x->a, depth + 1, budget, out);
    if (x->kind != FG_EXPR_CALL && x->kind != FG_EXPR_KW)
      fg_mark_expr_homes(p, m, x->b, depth + 1, budget, out);
    if (x->kind == FG_EXPR_IFEXP)
      fg_mark_expr_homes(p, m, (int)x->ival, depth + 1, budget, out);
  }
}

static void fg_mark_cond_homes(const FgPyModel *p, const FgModule *m, int e,
                               FgBoolVec *out) {
  int budget = 1024;
  fg_mark_expr_homes(p, m, e, 0, &budget, out);
}

static void fg_mark_skipif_homes(const FgPyModel *p, const FgModule *m,
                                 const FgPyMarker *mk, size_t n, FgBoolVec *out) {
  for (size_t i = 0; i < n; i++)
    if (mk[i].cond >= 0 && strcmp(mk[i].name, "skipif") == 0)
      fg_mark_cond_homes(p, m, mk[i].cond, out);
}

/* Per module: is it unparsed and the home of something a parsed module
 * needs whatever its words say: an in-repo base class of a parsed class
 * (collection and method resolution walk the MRO), or a name that a skipif
 * condition (whether the test runs at all) or a value on the way to a pool
 * (whether the pool starts) reads: `skipif(not LINUX)`, `if n >
 * config.LIMIT:`, `n_jobs=defaults.N_JOBS` with LINUX, config and defaults
 * from the project's own modules. */
static void fg_home_modules(const FgPyModel *p, FgBoolVec *out) {
  for (size_t i = 0; i < p->modules.len; i++)
    fg_vec_push(out, false);
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    if (!m->py)
      continue;
    for (size_t c = 0; c < m->py->nclasses; c++) {
      const FgPyClass *k = &m->py->classes[c];
      for (size_t b = 0; b < k->nbases; b++)
        if (k->bases[b][0] && strchr(k->bases[b] + 1, '.'))
          fg_mark_home(p, m, k->bases[b], out);
      fg_mark_skipif_homes(p, m, k->markers, k->nmarkers, out);
    }
    for (size_t f = 0; f < m->py->nfuncs; f++)
      fg_mark_skipif_homes(p, m, m->py->funcs[f].markers, m->py->funcs[f].nmarkers, out);
    fg_mark_skipif_homes(p, m, m->py->module_markers, m->py->nmodule_markers, out);
  }
  /* the values on the way to a pool: in a def that reaches one, the
   * defaults of its parameters, the arguments of its calls and the
   * conditions they run under */
  for (size_t d = 0; d < p->defs.len; d++) {
    const FgDef *def = &p->defs.items[d];
    const FgPyModule *py = def->mod->py;
    if (def->dist < 0 || !py)
      continue;
    const FgPyFunc *f = &py->funcs[def->func];
    for (size_t k = 0; k < f->nparams; k++)
      fg_mark_cond_homes(p, def->mod, f->param_defaults[k], out);
    for (size_t c = 0; c < f->ncalls; c++) {
      fg_mark_cond_homes(p, def->mod, f->calls[c].args, out);
      int g = f->calls[c].guard;
      for (int depth = 0; g >= 0 && (size_t)g < py->nconds && depth < 32; depth++) {
        fg_mark_cond_homes(p, def->mod, py->conds[g].expr, out);
        g = py->conds[g].parent;
      }
    }
  }
}

/* One round: the unparsed modules the reach wants, parsed. False when none
 * was (the fixpoint). */
static bool fg_later_round(FgPyModel *p, const FgReader *rd, FgProblems *problems,
                           FgFileWordsVec *words, FgBoolVec *skip, FgSigVec *refused) {
  fg_py_rebuild_defs(p);
  FgPfReach reach = {0};
  fg_py_reach_build(p, &reach);
  FgBoolVec bases = {0};
  fg_home_modules(p, &bases);
  bool any = fg_py_reach_any(&reach);
  FG_VEC(FgLaterSlot) cands = {0};
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    if (m->py || skip->items[i])
      continue;
    bool force = bases.items[i];
    uint64_t sig = 0;
    if (!force && (!any || !fg_py_reach_candidate(&reach, m, &words->items[i], &sig)))
      continue;
    /* its text refused the same names of the same modules before */
    if (!force && sig && sig == refused->items[i])
      continue;
    FgLaterSlot slot = {i, NULL, NULL, 0, force, false, sig};
    fg_vec_push(&cands, slot);
  }
  fg_vec_free(&bases);
  FgLaterJob job = {p,
                    rd,
                    &reach,
                    {p->extra_pool_constructors, p->nextra_pool_constructors},
                    cands.items};
  fg_parallel_for(cands.len, p->jobs, fg_later_one, &job);
  size_t parsed = 0;
  for (size_t k = 0; k < cands.len; k++) {
    FgLaterSlot *slot = &cands.items[k];
    fg_cache_warning(problems, slot->cache_warning);
    p->later_reads++;
    p->bytes_read += slot->len;
    if (slot->err) {
      fg_problems_read_error(problems, p->modules.items[slot->module]->src->path,
                             slot->err);
      skip->items[slot->module] = true;
    }
    if (slot->parsed || slot->err) {
      p->words_bytes -= fg_py_file_words_bytes(&words->items[slot->module]);
      fg_py_file_words_free(&words->items[slot->module]);
    } else {
      refused->items[slot->module] = slot->sig;
    }
    parsed += slot->parsed;
  }
  p->files_parsed += parsed;
  p->rounds += parsed > 0;
  fg_vec_free(&cands);
  fg_py_reach_free(&reach);
  return parsed > 0;
}

void fg_pymodel_load(FgPyModel *p, const FgReader *rd, const FgStrVec *paths,
                     const char *marker, FgProblems *problems) {
  p->paths = paths->items;
  p->npaths = paths->len;
  FgFileWordsVec words = {0}; /* per module: its words while unparsed */
  fg_read_python(p, rd, paths, marker, problems, &words);
  p->words_bytes_peak = p->words_bytes;
  FgBoolVec skip = {0};   /* per module: could not be read a second time */
  FgSigVec refused = {0}; /* per module: the signature its text last refused, 0 */
  for (size_t i = 0; i < p->modules.len; i++) {
    fg_vec_push(&skip, false);
    fg_vec_push(&refused, 0);
  }
  for (size_t i = 0; i < p->modules.len; i++)
    fg_py_name_module(p, p->modules.items[i]);
  fg_py_names_sort(p);
  /* then whatever can reach a pool-using def, to a fixpoint (each round
   * parses at least one more file, so it ends) */
  while (fg_later_round(p, rd, problems, &words, &skip, &refused))
    ;
  for (size_t i = 0; i < words.len; i++)
    fg_py_file_words_free(&words.items[i]);
  fg_vec_free(&words);
  fg_vec_free(&skip);
  fg_vec_free(&refused);
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
    free(t->guard);
    fg_strvec_free(&t->notes);
  }
  fg_vec_free(&p->tests);
  for (size_t d = 0; d < p->defs.len; d++)
    free(p->defs.items[d].via_label);
  fg_vec_free(&p->defs);
  for (size_t i = 0; i < p->modules.len; i++) {
    FgModule *m = p->modules.items[i];
    fg_pyfile_delete(m->py);
    fg_py_index_delete(m->index);
    fg_vec_free(&m->conftests);
    fg_source_delete(m->src);
    free(m->modname);
    free(m->package);
    free(m->dir);
    free(m);
  }
  fg_vec_free(&p->modules);
  fg_py_mro_memo_free(p);
  fg_py_names_free(&p->names);
  fg_strvec_free(&p->python_files);
  fg_strvec_free(&p->python_classes);
  fg_strvec_free(&p->python_functions);
}
