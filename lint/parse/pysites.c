/* parse/pysites: what starts processes, in one table (SPEC §3 and the
 * library switches of real projects). */
#include "parse/pysites.h"

#include <stdlib.h>
#include <string.h>

typedef struct FgSiteRow {
  const char *name; /* canonical */
  uint8_t site, method;
  bool needs_start;
  uint8_t gate;
  const char *note; /* for the doc */
} FgSiteRow;

static const FgSiteRow kRows[] = {
    {"concurrent.futures.ProcessPoolExecutor", FG_SITE_POOL, FG_METHOD_DEFAULT, false,
     FG_GATE_NONE, "workers start on the first submit"},
    {"concurrent.futures.process.ProcessPoolExecutor", FG_SITE_POOL, FG_METHOD_DEFAULT,
     false, FG_GATE_NONE, ""},
    {"multiprocessing.Pool", FG_SITE_POOL, FG_METHOD_DEFAULT, false, FG_GATE_NONE,
     "not `multiprocessing.pool.ThreadPool` or `multiprocessing.dummy`: threads"},
    {"multiprocessing.pool.Pool", FG_SITE_POOL, FG_METHOD_DEFAULT, false, FG_GATE_NONE,
     ""},
    {"multiprocessing.Process", FG_SITE_PROCESS, FG_METHOD_DEFAULT, true, FG_GATE_NONE,
     "only once `.start()`ed; also in-repo subclasses"},
    {"multiprocessing.context.Process", FG_SITE_PROCESS, FG_METHOD_DEFAULT, true,
     FG_GATE_NONE, ""},
    {"multiprocessing.context.ForkProcess", FG_SITE_PROCESS, FG_METHOD_FORK, true,
     FG_GATE_NONE, ""},
    {"multiprocessing.context.SpawnProcess", FG_SITE_PROCESS, FG_METHOD_SPAWN, true,
     FG_GATE_NONE, ""},
    {"multiprocessing.context.ForkServerProcess", FG_SITE_PROCESS, FG_METHOD_FORKSERVER,
     true, FG_GATE_NONE, ""},
    {"multiprocessing.Manager", FG_SITE_MANAGER, FG_METHOD_DEFAULT, false, FG_GATE_NONE,
     "starts its server process at once"},
    {"multiprocessing.managers.SyncManager", FG_SITE_MANAGER, FG_METHOD_DEFAULT, true,
     FG_GATE_NONE, "on `.start()` or `with`; also in-repo subclasses"},
    {"multiprocessing.managers.BaseManager", FG_SITE_MANAGER, FG_METHOD_DEFAULT, true,
     FG_GATE_NONE, "on `.start()` or `with`; also in-repo subclasses"},
    {"multiprocessing.managers.SharedMemoryManager", FG_SITE_MANAGER, FG_METHOD_DEFAULT,
     true, FG_GATE_NONE, "on `.start()` or `with`"},
    {"loky.get_reusable_executor", FG_SITE_POOL, FG_METHOD_OWN, false, FG_GATE_NONE,
     "loky's own start method (fork+exec), also as `joblib.externals.loky`"},
    {"loky.reusable_executor.get_reusable_executor", FG_SITE_POOL, FG_METHOD_OWN, false,
     FG_GATE_NONE, ""},
    {"loky.ProcessPoolExecutor", FG_SITE_POOL, FG_METHOD_OWN, false, FG_GATE_NONE, ""},
    {"loky.process_executor.ProcessPoolExecutor", FG_SITE_POOL, FG_METHOD_OWN, false,
     FG_GATE_NONE, ""},
    {"joblib.Parallel", FG_SITE_LIBRARY, FG_METHOD_OWN, false, FG_GATE_NJOBS,
     "when `n_jobs` is not 1 / None and neither `prefer=\"threads\"`, "
     "`backend=\"threading\"` nor `require=\"sharedmem\"`; default backend loky "
     "(`backend=\"multiprocessing\"`: the default start method)"},
    {"joblib.parallel.Parallel", FG_SITE_LIBRARY, FG_METHOD_OWN, false, FG_GATE_NJOBS,
     ""},
    {"dask.multiprocessing.get", FG_SITE_LIBRARY, FG_METHOD_SPAWN, false, FG_GATE_NONE,
     "called, or given as `scheduler=`/`get=`; `scheduler=\"processes\"` on any call "
     "too (dask's context: spawn)"},
    {"distributed.LocalCluster", FG_SITE_LIBRARY, FG_METHOD_SPAWN, false,
     FG_GATE_PROCESSES,
     "worker processes (nannies) unless `processes=False`; also as `dask.distributed`"},
    {"distributed.deploy.LocalCluster", FG_SITE_LIBRARY, FG_METHOD_SPAWN, false,
     FG_GATE_PROCESSES, ""},
    {"distributed.deploy.local.LocalCluster", FG_SITE_LIBRARY, FG_METHOD_SPAWN, false,
     FG_GATE_PROCESSES, ""},
    {"distributed.utils_test.cluster", FG_SITE_LIBRARY, FG_METHOD_SPAWN, false,
     FG_GATE_NONE, "a scheduler and workers in child processes"},
    {"torch.multiprocessing.spawn", FG_SITE_LIBRARY, FG_METHOD_SPAWN, false, FG_GATE_NONE,
     "the rest of `torch.multiprocessing` is `multiprocessing`"},
    {"torch.multiprocessing.start_processes", FG_SITE_LIBRARY, FG_METHOD_SPAWN, false,
     FG_GATE_NONE, ""},
    {"pebble.ProcessPool", FG_SITE_POOL, FG_METHOD_DEFAULT, false, FG_GATE_NONE, ""},
    {"mpire.WorkerPool", FG_SITE_POOL, FG_METHOD_FORK, false, FG_GATE_NONE,
     "mpire's default start method is fork"},
    {"os.fork", FG_SITE_FORK, FG_METHOD_FORK, false, FG_GATE_NONE, ""},
    {"os.forkpty", FG_SITE_FORK, FG_METHOD_FORK, false, FG_GATE_NONE, ""},
    {"pty.fork", FG_SITE_FORK, FG_METHOD_FORK, false, FG_GATE_NONE, ""},
};

/* API-compatible forks and vendored copies, folded into one name. */
static const char *const kFold[][2] = {
    {"billiard", "multiprocessing"},     {"multiprocess", "multiprocessing"},
    {"joblib.externals.loky", "loky"},   {"torch.multiprocessing", "multiprocessing"},
    {"dask.distributed", "distributed"},
};

/* Context spellings: the prefix before `get_context(` and its default. */
static const char *const kContextHeads[][2] = {
    {"multiprocessing.get_context(", ""},
    {"multiprocessing.context.get_context(", ""},
    {"loky.backend.get_context(", "loky"},
    {"loky.backend.context.get_context(", "loky"},
};

static const char *const kContextClasses[][2] = {
    {"multiprocessing.context.ForkContext()", "fork"},
    {"multiprocessing.context.SpawnContext()", "spawn"},
    {"multiprocessing.context.ForkServerContext()", "forkserver"},
    {"multiprocessing.context.DefaultContext()", ""},
};

uint8_t fg_pysites_method(const char *name) {
  if (!name)
    return FG_METHOD_DEFAULT;
  if (strcmp(name, "fork") == 0)
    return FG_METHOD_FORK;
  if (strcmp(name, "spawn") == 0)
    return FG_METHOD_SPAWN;
  if (strcmp(name, "forkserver") == 0)
    return FG_METHOD_FORKSERVER;
  if (strcmp(name, "loky") == 0 || strcmp(name, "loky_init_main") == 0)
    return FG_METHOD_OWN;
  return FG_METHOD_DEFAULT;
}

const char *fg_pysites_method_name(uint8_t method) {
  switch (method) {
  case FG_METHOD_FORK:
    return "fork";
  case FG_METHOD_SPAWN:
    return "spawn";
  case FG_METHOD_FORKSERVER:
    return "forkserver";
  case FG_METHOD_OWN:
    return "the library's own";
  default:
    return "the default";
  }
}

/* Is `s` the dotted name `head` or does it continue it with '.'? */
static size_t fg_dotted_prefix(const char *s, const char *head) {
  size_t n = strlen(head);
  if (strncmp(s, head, n) != 0 || (s[n] != '\0' && s[n] != '.'))
    return 0;
  return n;
}

char *fg_pysites_canonical(const char *resolved) {
  char *s = fg_xstrdup(resolved);
  for (size_t i = 0; i < sizeof kFold / sizeof kFold[0]; i++) {
    size_t n = fg_dotted_prefix(s, kFold[i][0]);
    if (!n)
      continue;
    /* torch's own spawn helpers keep their name */
    if (strcmp(kFold[i][0], "torch.multiprocessing") == 0 &&
        (strcmp(s + n, ".spawn") == 0 || strcmp(s + n, ".start_processes") == 0))
      continue;
    char *t = fg_xasprintf("%s%s", kFold[i][1], s + n);
    free(s);
    s = t;
  }
  for (size_t i = 0; i < sizeof kContextClasses / sizeof kContextClasses[0]; i++) {
    const char *h = kContextClasses[i][0];
    size_t n = strlen(h);
    if (strncmp(s, h, n) == 0) {
      char *t =
          fg_xasprintf("multiprocessing.get_context(%s)%s", kContextClasses[i][1], s + n);
      free(s);
      return t;
    }
  }
  for (size_t i = 0; i < sizeof kContextHeads / sizeof kContextHeads[0]; i++) {
    const char *h = kContextHeads[i][0];
    size_t n = strlen(h);
    if (strncmp(s, h, n) != 0)
      continue;
    const char *close = strchr(s + n, ')');
    if (!close)
      break;
    char *arg = fg_xstrndup(s + n, (size_t)(close - (s + n)));
    const char *m = *arg ? arg : kContextHeads[i][1];
    char *t = fg_xasprintf("multiprocessing.get_context(%s)%s", m, close + 1);
    free(arg);
    free(s);
    return t;
  }
  return s;
}

bool fg_pysites_is_context(const char *canonical, uint8_t *method) {
  static const char head[] = "multiprocessing.get_context(";
  size_t n = sizeof head - 1;
  if (strncmp(canonical, head, n) != 0)
    return false;
  const char *close = strchr(canonical + n, ')');
  if (!close || close[1] != '\0')
    return false;
  char *arg = fg_xstrndup(canonical + n, (size_t)(close - (canonical + n)));
  if (method)
    *method = fg_pysites_method(arg);
  free(arg);
  return true;
}

bool fg_pysites_classify(const char *canonical, FgSiteInfo *out) {
  memset(out, 0, sizeof *out);
  static const char head[] = "multiprocessing.get_context(";
  size_t n = sizeof head - 1;
  if (strncmp(canonical, head, n) == 0) {
    const char *close = strchr(canonical + n, ')');
    if (!close)
      return false;
    char *arg = fg_xstrndup(canonical + n, (size_t)(close - (canonical + n)));
    out->method = fg_pysites_method(arg);
    free(arg);
    const char *tail = close + 1;
    if (strcmp(tail, ".Pool") == 0)
      out->site = FG_SITE_POOL;
    else if (strcmp(tail, ".Process") == 0)
      out->site = FG_SITE_PROCESS, out->needs_start = true;
    else if (strcmp(tail, ".Manager") == 0)
      out->site = FG_SITE_MANAGER;
    return out->site != FG_SITE_NONE;
  }
  for (size_t i = 0; i < sizeof kRows / sizeof kRows[0]; i++) {
    if (kRows[i].name[0] != canonical[0] || strcmp(canonical, kRows[i].name) != 0)
      continue;
    out->site = kRows[i].site;
    out->method = kRows[i].method;
    out->needs_start = kRows[i].needs_start;
    out->gate = kRows[i].gate;
    return true;
  }
  return false;
}

bool fg_pysites_is_poolish(const char *canonical) {
  FgSiteInfo info;
  return fg_pysites_is_context(canonical, NULL) || fg_pysites_classify(canonical, &info);
}

bool fg_pysites_scheduler(const char *value) {
  return value &&
         (strcmp(value, "processes") == 0 || strcmp(value, "multiprocessing") == 0);
}

bool fg_pysites_scheduler_name(const char *canonical) {
  return strcmp(canonical, "dask.multiprocessing.get") == 0;
}

/* ---- dask collections -------------------------------------------------------
 *
 * A dask.bag collection (Bag, Item) is computed with its default scheduler,
 * dask's processes scheduler (`__dask_scheduler__ =
 * staticmethod(dask.multiprocessing.get)`), unless a scheduler is given. */

static const char *const kBagMakers[] = {
    "Bag",      "Item",      "from_sequence", "from_delayed",
    "from_url", "read_text", "read_avro",     "range",
    "concat",   "zip",       "map",           "map_partitions",
    "bag_map",  "bag_range", "bag_zip",       NULL};
static const char *const kBagModules[] = {"dask.bag.",        "dask.bag.core.",
                                          "dask.bag.text.",   "dask.bag.avro.",
                                          "dask.bag.random.", NULL};
/* Methods whose value is no collection of the bag's kind. */
static const char *const kBagLeaves[] = {"compute",
                                         "persist",
                                         "take",
                                         "to_dataframe",
                                         "to_delayed",
                                         "to_textfiles",
                                         "to_avro",
                                         "visualize",
                                         "__iter__",
                                         "__dask_graph__",
                                         "__dask_keys__",
                                         "__dask_scheduler__",
                                         "__dask_postcompute__",
                                         "__dask_postpersist__",
                                         "__dask_layers__",
                                         "__dask_tokenize__",
                                         NULL};

static bool fg_in_list(const char *const *list, const char *s, size_t n) {
  for (const char *const *k = list; *k; k++)
    if (strlen(*k) == n && strncmp(*k, s, n) == 0)
      return true;
  return false;
}

bool fg_pysites_dask_collection(const char *value) {
  if (!value)
    return false;
  const char *s = NULL;
  for (const char *const *m = kBagModules; *m && !s; m++) {
    size_t n = strlen(*m);
    if (strncmp(value, *m, n) != 0)
      continue;
    size_t k = strcspn(value + n, ".(");
    bool random = strcmp(*m, "dask.bag.random.") == 0;
    bool maker = random ? (k == 6 && strncmp(value + n, "sample", 6) == 0) ||
                              (k == 7 && strncmp(value + n, "choices", 7) == 0)
                        : fg_in_list(kBagMakers, value + n, k);
    if (maker && value[n + k] == '(' && value[n + k + 1] == ')')
      s = value + n + k + 2;
  }
  if (!s)
    return false;
  /* then methods that keep a collection, and the `.str` accessor's */
  for (int steps = 0; *s && steps < 64; steps++) {
    if (*s != '.')
      return false;
    size_t k = strcspn(s + 1, ".(");
    const char *after = s + 1 + k;
    if (k == 3 && strncmp(s + 1, "str", 3) == 0 && *after == '.') {
      s = after;
      continue;
    }
    if (after[0] != '(' || after[1] != ')' || fg_in_list(kBagLeaves, s + 1, k))
      return false;
    s = after + 2;
  }
  return *s == '\0';
}

int fg_pysites_dask_compute(const char *resolved) {
  static const char *const methods[] = {"compute", "persist", "take", "to_textfiles",
                                        NULL};
  static const char *const funcs[] = {"dask.compute",
                                      "dask.persist",
                                      "dask.base.compute",
                                      "dask.base.persist",
                                      "dask.bag.compute",
                                      "dask.bag.to_textfiles",
                                      "dask.bag.core.to_textfiles",
                                      NULL};
  static const char *const iterating[] = {"list", "tuple", "set", "frozenset", "dict",
                                          "sorted", "sum", "min", "max", "any", "all",
                                          "iter",
                                          /* an Item's conversions compute it */
                                          "int", "float", "complex", "bool", NULL};
  if (!resolved)
    return 0;
  const char *dot = strrchr(resolved, '.');
  if (!dot) {
    size_t n = strlen(resolved);
    return fg_in_list(iterating, resolved, n) ? 3 : 0;
  }
  if (strncmp(resolved, "dask.", 5) != 0)
    return 0;
  const char *last = dot + 1;
  if (fg_in_list(methods, last, strlen(last)) && strncmp(resolved, "dask.bag.", 9) == 0) {
    char *recv = fg_xstrndup(resolved, (size_t)(dot - resolved));
    bool bag = fg_pysites_dask_collection(recv);
    free(recv);
    if (bag)
      return 1;
  }
  return fg_in_list(funcs, resolved, strlen(resolved)) ? 2 : 0;
}

static const char *fg_site_kind_doc(uint8_t kind) {
  switch (kind) {
  case FG_SITE_POOL:
    return "pool";
  case FG_SITE_PROCESS:
    return "process";
  case FG_SITE_MANAGER:
    return "manager";
  case FG_SITE_FORK:
    return "fork";
  default:
    return "library";
  }
}

void fg_pysites_doc(FgBuf *out) {
  fg_buf_puts(out, "| name | kind | start method | note |\n|---|---|---|---|\n");
  for (size_t i = 0; i < sizeof kRows / sizeof kRows[0]; i++) {
    const FgSiteRow *r = &kRows[i];
    fg_buf_printf(out, "| `%s` | %s | %s | %s |\n", r->name, fg_site_kind_doc(r->site),
                  fg_pysites_method_name(r->method), r->note);
  }
  fg_buf_puts(
      out,
      "| `<ctx>.Pool` / `.Process` / `.Manager` | pool / process / manager "
      "| the context's | `ctx = multiprocessing.get_context(M)`, "
      "`loky.backend.get_context()` (loky), `multiprocessing.context.*Context()` |\n");
  fg_buf_puts(
      out, "| a dask.bag collection computed (`.compute()`, `.persist()`, `.take()`, "
           "`.to_textfiles()`, `dask.compute(bag)`, `list(bag)` and other builtins that "
           "iterate it) | library | spawn | its default scheduler is the processes "
           "scheduler, unless the call gives `scheduler=`, or it runs under `with "
           "dask.config.set(scheduler=...)` or after `dask.config.set(scheduler=...)` "
           "in the same def; a collection is what `dask.bag.from_sequence`, "
           "`from_delayed`, `read_text`, `Bag(...)` ... return and what its methods "
           "that keep one return |\n");
  fg_buf_puts(out, "\nFolded into `multiprocessing`: `billiard`, `multiprocess`, "
                   "`torch.multiprocessing`; into `loky`: `joblib.externals.loky`; into "
                   "`distributed`: `dask.distributed`.\n");
}
