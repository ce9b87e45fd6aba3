/* itable: a hash index over entries the caller keeps in its own array (a
 * vector of keys, nodes, bindings): open addressing with linear probing,
 * at most half full, each slot the entry's index and the low bits of its
 * hash (so growing never asks the caller to hash again, and most probes
 * that miss never compare keys). The caller hashes and compares.
 *
 *   int i = fg_itable_find(&t, h, eq, ctx, key);
 *   if (i < 0) { push key; fg_itable_add(&t, h, (int)len - 1); }
 *
 * FgStrIntern, over it, keeps one copy of each string. */
#ifndef FG_ITABLE_H
#define FG_ITABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

typedef struct FgITableSlot {
  int32_t index; /* -1: empty */
  uint32_t hash; /* the low 32 bits of the entry's hash */
} FgITableSlot;

typedef struct FgITable {
  FgITableSlot *slots;
  size_t cap, len;
} FgITable;

/* Is entry `index` of the caller's array the key looked for? */
typedef bool (*FgITableEq)(const void *ctx, int index, const void *key);

/* The index of the entry with hash h that eq says is key, or -1. */
int fg_itable_find(const FgITable *self, uint64_t h, FgITableEq eq, const void *ctx,
                   const void *key);
/* Adds entry `index` with hash h (not already present). */
void fg_itable_add(FgITable *self, uint64_t h, int index);
/* The bytes the table holds (for statistics). */
size_t fg_itable_bytes(const FgITable *self);
void fg_itable_free(FgITable *self);

/* One copy of each string: fg_str_intern returns the kept copy of s (equal
 * strings, one pointer), valid until fg_str_intern_free. */
typedef struct FgStrIntern {
  FgStrVec strs;
  FgITable index;
} FgStrIntern;

const char *fg_str_intern(FgStrIntern *self, const char *s);
/* The same for a string the caller allocated: kept, or freed when an equal
 * one is kept already. */
const char *fg_str_intern_take(FgStrIntern *self, char *owned);
void fg_str_intern_free(FgStrIntern *self);

#endif
