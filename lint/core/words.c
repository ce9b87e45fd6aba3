#include "core/words.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* fg_word_byte as a table: ASCII letters, digits, `_` and bytes >= 0x80. */
/* clang-format off */
static const unsigned char fg_word_bytes[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, /* 0x50 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* 0x70 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x90 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xa0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xb0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xc0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xd0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xe0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xf0 */
};
/* clang-format on */

static bool fg_word_byte(unsigned char c) {
  return fg_word_bytes[c] != 0;
}

/* FNV-1a, 64 bits: short words, few collisions, no state. */
uint64_t fg_word_hash(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3u;
  }
  return h;
}

/* The next word at or after *pos: its start and length, false at the end. */
static bool fg_next_word(const char *text, size_t len, size_t *pos, size_t *start,
                         size_t *n) {
  size_t i = *pos;
  while (i < len && !fg_word_byte((unsigned char)text[i]))
    i++;
  if (i >= len)
    return false;
  size_t s = i;
  while (i < len && fg_word_byte((unsigned char)text[i]))
    i++;
  *start = s;
  *n = i - s;
  *pos = i;
  return true;
}

/* ---- scanning a text ------------------------------------------------------ */

/* Deduplication table: a slot is in use when its stamp is the current one,
 * so a new text needs no clearing. */
struct FgWordScanner {
  uint64_t *hashes;
  uint32_t *stamps;
  size_t cap;
  uint32_t stamp;
};

FgWordScanner *fg_word_scanner_new(void) {
  return fg_xcalloc(1, sizeof(FgWordScanner));
}

void fg_word_scanner_delete(FgWordScanner *self) {
  if (!self)
    return;
  free(self->hashes);
  free(self->stamps);
  free(self);
}

/* A fresh, empty table of at least `want` slots. */
static void fg_scanner_reset(FgWordScanner *self, size_t want) {
  if (self->cap < want) {
    size_t cap = self->cap ? self->cap : 1024;
    while (cap < want)
      cap *= 2;
    free(self->hashes);
    free(self->stamps);
    self->hashes = fg_xmalloc(cap * sizeof(uint64_t));
    self->stamps = fg_xcalloc(cap, sizeof(uint32_t));
    self->cap = cap;
    self->stamp = 0;
  }
  if (++self->stamp == 0) {
    memset(self->stamps, 0, self->cap * sizeof(uint32_t));
    self->stamp = 1;
  }
}

/* Inserts h; true when it was not there yet. */
static bool fg_scanner_insert(FgWordScanner *self, uint64_t h) {
  size_t mask = self->cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    if (self->stamps[i] != self->stamp) {
      self->stamps[i] = self->stamp;
      self->hashes[i] = h;
      return true;
    }
    if (self->hashes[i] == h)
      return false;
  }
}

void fg_words_scan(FgWordScanner *self, const char *text, size_t len, FgWords *out) {
  fg_scanner_reset(self, 1024);
  FG_VEC(uint64_t) found = {0};
  const unsigned char *t = (const unsigned char *)text;
  size_t at = 0;
  for (;;) {
    /* fg_next_word and fg_word_hash in one pass over the bytes */
    while (at < len && !fg_word_bytes[t[at]])
      at++;
    if (at >= len)
      break;
    uint64_t h = 0xcbf29ce484222325u;
    while (at < len && fg_word_bytes[t[at]]) {
      h ^= t[at++];
      h *= 0x100000001b3u;
    }
    if (!fg_scanner_insert(self, h))
      continue;
    fg_vec_push(&found, h);
    if (2 * found.len > self->cap) {
      /* keep the table under half full: rebuild it twice as large */
      fg_scanner_reset(self, 2 * self->cap);
      for (size_t i = 0; i < found.len; i++)
        fg_scanner_insert(self, found.items[i]);
    }
  }
  out->hashes = found.items;
  out->len = found.len;
}

void fg_words_free(FgWords *self) {
  free(self->hashes);
  self->hashes = NULL;
  self->len = 0;
}

/* ---- sets of words ---------------------------------------------------------- */

static void fg_word_set_grow(FgWordSet *self) {
  size_t cap = self->cap ? self->cap * 2 : 64;
  FgWordSlot *slots = fg_xcalloc(cap, sizeof(FgWordSlot));
  for (size_t i = 0; i < self->cap; i++) {
    const FgWordSlot *s = &self->slots[i];
    if (!s->word)
      continue;
    size_t k = (size_t)s->hash & (cap - 1);
    while (slots[k].word)
      k = (k + 1) & (cap - 1);
    slots[k] = *s;
  }
  free(self->slots);
  self->slots = slots;
  self->cap = cap;
}

void fg_word_set_add(FgWordSet *self, const char *word, uint32_t mask) {
  if (2 * (self->len + 1) > self->cap)
    fg_word_set_grow(self);
  uint64_t h = fg_word_hash(word, strlen(word));
  size_t k = (size_t)h & (self->cap - 1);
  while (self->slots[k].word) {
    FgWordSlot *s = &self->slots[k];
    if (s->hash == h && strcmp(s->word, word) == 0) {
      s->mask |= mask;
      return;
    }
    k = (k + 1) & (self->cap - 1);
  }
  FgWordSlot slot = {h, word, mask};
  self->slots[k] = slot;
  self->len++;
}

/* The OR of the masks of the slots with hash h, and of those whose word is
 * also text[0..n) when text is not NULL. */
static uint32_t fg_word_set_probe(const FgWordSet *self, uint64_t h, const char *text,
                                  size_t n) {
  uint32_t m = 0;
  for (size_t k = (size_t)h & (self->cap - 1); self->slots[k].word;
       k = (k + 1) & (self->cap - 1)) {
    const FgWordSlot *s = &self->slots[k];
    if (s->hash != h)
      continue;
    if (!text || (strlen(s->word) == n && memcmp(s->word, text, n) == 0))
      m |= s->mask;
  }
  return m;
}

uint32_t fg_word_set_match_hashes(const FgWordSet *self, const FgWords *words) {
  if (!self->len)
    return 0;
  uint32_t m = 0;
  for (size_t i = 0; i < words->len; i++)
    m |= fg_word_set_probe(self, words->hashes[i], NULL, 0);
  return m;
}

uint32_t fg_word_set_match_text(const FgWordSet *self, const char *text, size_t len) {
  if (!self->len)
    return 0;
  uint32_t m = 0;
  size_t pos = 0, start, n;
  while (fg_next_word(text, len, &pos, &start, &n))
    m |= fg_word_set_probe(self, fg_word_hash(text + start, n), text + start, n);
  return m;
}

void fg_word_set_free(FgWordSet *self) {
  free(self->slots);
  self->slots = NULL;
  self->cap = self->len = 0;
}

uint32_t fg_word_set_get(const FgWordSet *self, const char *word) {
  if (!self->len)
    return 0;
  size_t n = strlen(word);
  return fg_word_set_probe(self, fg_word_hash(word, n), word, n);
}

static void fg_slots_push_new(FgSlotVec *out, size_t from, const FgWordSlot *s) {
  for (size_t i = from; i < out->len; i++)
    if (out->items[i] == s)
      return;
  fg_vec_push(out, s);
}

/* The slots with hash h (and word text[0..n) when text is not NULL). */
static void fg_word_set_hits(const FgWordSet *self, uint64_t h, const char *text,
                             size_t n, FgSlotVec *out, size_t from) {
  for (size_t k = (size_t)h & (self->cap - 1); self->slots[k].word;
       k = (k + 1) & (self->cap - 1)) {
    const FgWordSlot *s = &self->slots[k];
    if (s->hash == h &&
        (!text || (strlen(s->word) == n && memcmp(s->word, text, n) == 0)))
      fg_slots_push_new(out, from, s);
  }
}

void fg_word_set_hits_hashes(const FgWordSet *self, const FgWords *words,
                             FgSlotVec *out) {
  if (!self->len)
    return;
  size_t from = out->len;
  for (size_t i = 0; i < words->len; i++)
    fg_word_set_hits(self, words->hashes[i], NULL, 0, out, from);
}

void fg_word_set_hits_text(const FgWordSet *self, const char *text, size_t len,
                           FgSlotVec *out) {
  if (!self->len)
    return;
  size_t from = out->len;
  size_t pos = 0, start, n;
  while (fg_next_word(text, len, &pos, &start, &n))
    fg_word_set_hits(self, fg_word_hash(text + start, n), text + start, n, out, from);
}

/* ---- sets of hashes ---------------------------------------------------------- */

uint64_t fg_pair_hash(uint64_t a, uint64_t b) {
  uint64_t h = a ^ (b * 0x9e3779b97f4a7c15u);
  h ^= h >> 29;
  return h ? h : 1;
}

static void fg_hash_set_grow(FgHashSet *self) {
  size_t cap = self->cap ? self->cap * 2 : 64;
  uint64_t *keys = fg_xcalloc(cap, sizeof(uint64_t));
  for (size_t i = 0; i < self->cap; i++) {
    if (!self->keys[i])
      continue;
    size_t k = (size_t)self->keys[i] & (cap - 1);
    while (keys[k])
      k = (k + 1) & (cap - 1);
    keys[k] = self->keys[i];
  }
  free(self->keys);
  self->keys = keys;
  self->cap = cap;
}

void fg_hash_set_add(FgHashSet *self, uint64_t h) {
  h = h ? h : 1;
  if (2 * (self->len + 1) > self->cap)
    fg_hash_set_grow(self);
  size_t k = (size_t)h & (self->cap - 1);
  while (self->keys[k]) {
    if (self->keys[k] == h)
      return;
    k = (k + 1) & (self->cap - 1);
  }
  self->keys[k] = h;
  self->len++;
}

bool fg_hash_set_has(const FgHashSet *self, uint64_t h) {
  if (!self->len)
    return false;
  h = h ? h : 1;
  for (size_t k = (size_t)h & (self->cap - 1); self->keys[k];
       k = (k + 1) & (self->cap - 1))
    if (self->keys[k] == h)
      return true;
  return false;
}

void fg_hash_set_free(FgHashSet *self) {
  free(self->keys);
  self->keys = NULL;
  self->cap = self->len = 0;
}
