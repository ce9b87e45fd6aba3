/* core/cache: a content-addressed store of per-file results, kept between
 * runs in `.forkguard_cache/` at the project root (or the folder
 * FORKGUARD_CACHE_DIR / --cache-dir names).
 *
 * An entry is named by the hash and length of the bytes it was computed
 * from, in a folder named by a key for everything else the result depends
 * on (forkguard's build, the format, the options). So an edited, renamed,
 * touched or reverted file finds the right entry or none, and a change of
 * configuration uses another folder. Every entry carries its key, hash,
 * length and a checksum of its payload: one that does not match (corrupt,
 * truncated, foreign) is ignored with a warning, never trusted. Writes go
 * to a temporary file renamed into place, so two forkguards sharing a cache
 * see whole entries or none. A cache that cannot be written (a read-only
 * tree) is used for reading only, silently. When a run makes its key's
 * folder, the folders of other keys that got no entry for a week go (an
 * upgrade leaves the old build's behind). Safe to use from several threads. */
#ifndef FG_CACHE_H
#define FG_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The cache folder's name at a project root (the default place). */
#define FG_CACHE_DIRNAME ".forkguard_cache"

typedef struct FgCache FgCache;

/* The cache for results of kind `ns` ("py") under dir, in the folder of
 * `key`. Nothing is created until the first put. */
FgCache *fg_cache_open(const char *dir, const char *ns, uint64_t key);
void fg_cache_close(FgCache *self);

/* The hash entries are named by: of the bytes a result is computed from. */
uint64_t fg_cache_hash(const char *data, size_t len);

/* The payload stored for (hash, len), owned by the caller, or NULL: none,
 * or one that is not whole (then *warning says which file and why; owned). */
char *fg_cache_get(FgCache *self, uint64_t hash, size_t len, size_t *out_len,
                   char **warning);
/* Can entries be stored (the folder is there or was made)? A caller asks
 * before it makes a payload for nothing. */
bool fg_cache_writable(FgCache *self);
/* Stores a payload for (hash, len); false when it could not be written. */
bool fg_cache_put(FgCache *self, uint64_t hash, size_t len, const char *payload,
                  size_t payload_len);

/* An entry written in pieces (a payload too large to hold whole): begin
 * (NULL when nothing can be written), write, then commit (false when it
 * could not be stored) or abort. Either frees it. */
typedef struct FgCacheEntry FgCacheEntry;
FgCacheEntry *fg_cache_entry_begin(FgCache *self, uint64_t hash, size_t len);
void fg_cache_entry_write(FgCacheEntry *e, const char *data, size_t n);
bool fg_cache_entry_commit(FgCacheEntry *e);
void fg_cache_entry_abort(FgCacheEntry *e);

/* Keeps the `keep` entries written last, removing the others (for kinds
 * whose entries are large and seldom read again). */
void fg_cache_trim(FgCache *self, size_t keep);

/* Counters for FORKGUARD_STATS. */
size_t fg_cache_hits(const FgCache *self);
size_t fg_cache_writes(const FgCache *self);

#endif
