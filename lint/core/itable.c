#include "core/itable.h"

#include <stdlib.h>
#include <string.h>

static void fg_itable_put(FgITableSlot *slots, size_t cap, uint32_t hash, int index) {
  size_t i = hash & (cap - 1);
  while (slots[i].index >= 0)
    i = (i + 1) & (cap - 1);
  slots[i].index = index;
  slots[i].hash = hash;
}

static void fg_itable_grow(FgITable *self) {
  size_t cap = self->cap ? self->cap * 2 : 64;
  FgITableSlot *slots = fg_xmalloc(cap * sizeof *slots);
  for (size_t i = 0; i < cap; i++)
    slots[i].index = -1;
  for (size_t i = 0; i < self->cap; i++)
    if (self->slots[i].index >= 0)
      fg_itable_put(slots, cap, self->slots[i].hash, self->slots[i].index);
  free(self->slots);
  self->slots = slots;
  self->cap = cap;
}

int fg_itable_find(const FgITable *self, uint64_t h, FgITableEq eq, const void *ctx,
                   const void *key) {
  if (!self->len)
    return -1;
  uint32_t hash = (uint32_t)h;
  for (size_t i = hash & (self->cap - 1); self->slots[i].index >= 0;
       i = (i + 1) & (self->cap - 1))
    if (self->slots[i].hash == hash && eq(ctx, self->slots[i].index, key))
      return self->slots[i].index;
  return -1;
}

void fg_itable_add(FgITable *self, uint64_t h, int index) {
  if ((self->len + 1) * 2 > self->cap)
    fg_itable_grow(self);
  fg_itable_put(self->slots, self->cap, (uint32_t)h, index);
  self->len++;
}

size_t fg_itable_bytes(const FgITable *self) {
  return self->cap * sizeof *self->slots;
}

void fg_itable_free(FgITable *self) {
  free(self->slots);
  memset(self, 0, sizeof *self);
}

/* ---- strings ---------------------------------------------------------------- */

static uint64_t fg_str_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h ^ (h >> 32);
}

static bool fg_str_intern_eq(const void *ctx, int index, const void *key) {
  const FgStrIntern *self = ctx;
  return strcmp(self->strs.items[index], key) == 0;
}

static const char *fg_str_intern_(FgStrIntern *self, const char *s, char *owned) {
  uint64_t h = fg_str_hash(s);
  int i = fg_itable_find(&self->index, h, fg_str_intern_eq, self, s);
  if (i >= 0) {
    free(owned);
    return self->strs.items[i];
  }
  char *kept = owned ? owned : fg_xstrdup(s);
  fg_vec_push(&self->strs, kept);
  fg_itable_add(&self->index, h, (int)self->strs.len - 1);
  return kept;
}

const char *fg_str_intern(FgStrIntern *self, const char *s) {
  return fg_str_intern_(self, s, NULL);
}

const char *fg_str_intern_take(FgStrIntern *self, char *owned) {
  return fg_str_intern_(self, owned, owned);
}

void fg_str_intern_free(FgStrIntern *self) {
  fg_strvec_free(&self->strs);
  fg_itable_free(&self->index);
}
