/* parse/pysites: the one table of what starts processes. A resolved dotted
 * name (through the module's imports: "concurrent.futures.ProcessPoolExecutor",
 * "multiprocessing.get_context(spawn).Process", "joblib.Parallel") is
 * canonicalised (API-compatible forks of multiprocessing folded into it, the
 * start method of a context kept as its argument) and classified. The table
 * is printed by `forkguard explain FG101`. */
#ifndef FG_PYSITES_H
#define FG_PYSITES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "parse/pyfile.h"

typedef struct FgSiteInfo {
  uint8_t site;     /* FgSiteKind */
  uint8_t method;   /* FgStartMethod */
  bool needs_start; /* starts nothing until `.start()` (or `with`, for managers) */
  uint8_t gate;     /* FgSiteGate: the model checks this argument */
} FgSiteInfo;

/* The canonical form of a resolved name: "torch.multiprocessing.X",
 * "billiard.X", "multiprocess.X" -> "multiprocessing.X"; a context
 * ("multiprocessing.get_context(spawn)", "loky.backend.get_context()",
 * "multiprocessing.context.SpawnContext()") -> "multiprocessing.get_context(M)"
 * with M one of "", fork, spawn, forkserver, loky. Owned. */
char *fg_pysites_canonical(const char *resolved);

/* Is the canonical name a site? Fills *out. Library switches that depend on
 * keyword arguments (dask's scheduler=) are not names: see
 * fg_pysites_scheduler. */
bool fg_pysites_classify(const char *canonical, FgSiteInfo *out);

/* Is it a multiprocessing context ("multiprocessing.get_context(M)")? Its
 * method in *method. */
bool fg_pysites_is_context(const char *canonical, uint8_t *method);

/* Does a value named so matter to the model: a context, a pool or process
 * constructor, a manager class? */
bool fg_pysites_is_poolish(const char *canonical);

/* dask's `scheduler=` value: "processes" / "multiprocessing" start processes. */
bool fg_pysites_scheduler(const char *value);
/* A name given as a scheduler: `scheduler=dask.multiprocessing.get`. */
bool fg_pysites_scheduler_name(const char *canonical);

/* Is the value named so (a resolved dotted text, "()" for calls) a dask.bag
 * collection: what a bag maker returns (`dask.bag.from_sequence()`), and
 * every method of it that keeps one (`.map()`, `.str.upper()`, `.sum()`)? */
bool fg_pysites_dask_collection(const char *value);
/* How a call computes a dask collection (its default scheduler: processes):
 * 1 a method of the collection ("<bag>.compute", `.persist`, `.take`,
 * `.to_textfiles`), 2 a function of its collection arguments
 * (`dask.compute`, `dask.persist`, `dask.bag.to_textfiles`), 3 a builtin that
 * iterates its first argument (`list(bag)`); 0 none. */
int fg_pysites_dask_compute(const char *resolved);

/* The start method a string names ("fork" -> FG_METHOD_FORK), DEFAULT else. */
uint8_t fg_pysites_method(const char *name);
const char *fg_pysites_method_name(uint8_t method);

/* The table as markdown, for the rule doc. */
void fg_pysites_doc(FgBuf *out);

#endif
