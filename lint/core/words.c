#include "core/words.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ---- hashing ------------------------------------------------------------------ */

/* Little-endian 8 bytes, whatever the machine: hashes are the same
 * everywhere (the cache stores filters built from them). */
static inline uint64_t fg_le64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline uint64_t fg_hash_mix(uint64_t h, uint64_t chunk) {
  h ^= chunk;
  h *= 0x9e3779b97f4a7c15u;
  return h ^ (h >> 29);
}

static inline uint64_t fg_hash_final(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  h ^= h >> 33;
  return h & ~(uint64_t)FG_WORD_TAG_MASK;
}

void fg_hash_stream_init(FgHashStream *s) {
  s->h = 0x243f6a8885a308d3u;
  s->n = 0;
  s->ncarry = 0;
}

void fg_hash_stream_add(FgHashStream *s, const char *p, size_t n) {
  const unsigned char *u = (const unsigned char *)p;
  s->n += n;
  while (n && s->ncarry) {
    s->carry[s->ncarry++] = *u++;
    n--;
    if (s->ncarry == 8) {
      s->h = fg_hash_mix(s->h, fg_le64(s->carry));
      s->ncarry = 0;
    }
  }
  for (; n >= 8; u += 8, n -= 8)
    s->h = fg_hash_mix(s->h, fg_le64(u));
  while (n--)
    s->carry[s->ncarry++] = *u++;
}

uint64_t fg_hash_stream_end(const FgHashStream *s) {
  uint64_t h = s->h, c = 0;
  for (unsigned k = 0; k < s->ncarry; k++)
    c |= (uint64_t)s->carry[k] << (8 * k);
  if (s->ncarry)
    h = fg_hash_mix(h, c);
  return fg_hash_final(fg_hash_mix(h, s->n));
}

/* The bytes in chunks of 8, little-endian, the last one short. */
uint64_t fg_word_hash(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  uint64_t h = 0x243f6a8885a308d3u ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    h = fg_hash_mix(h, fg_le64(p + i));
  if (i < n) {
    uint64_t c = 0;
    for (size_t k = 0; i + k < n; k++)
      c |= (uint64_t)p[i + k] << (8 * k);
    h = fg_hash_mix(h, c);
  }
  return fg_hash_final(h);
}

/* fg_word_hash of t[s, e), reading the short last chunk as the 8 bytes that
 * end the word (inside the text whenever e >= 8). */
static inline uint64_t fg_hash_at(const unsigned char *t, size_t s, size_t e) {
  if (e < 8)
    return fg_word_hash((const char *)t + s, e - s);
  uint64_t h = 0x243f6a8885a308d3u ^ (e - s);
  size_t i = s;
  for (; i + 8 <= e; i += 8)
    h = fg_hash_mix(h, fg_le64(t + i));
  if (i < e)
    h = fg_hash_mix(h, fg_le64(t + e - 8) >> (64 - 8 * (e - i)));
  return fg_hash_final(h);
}

/* ---- the words of a text, with their tags ------------------------------------------ */

enum { C_OTHER, C_WORD, C_SPACE, C_NL, C_DOT, C_OPEN, C_CLOSE, C_BSLASH, C_HASH, C_STAR };

/* clang-format off */
static const unsigned char fg_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 2, 2, 2, 0, 0, /* 0x00 \t \n \v \f \r */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    2, 0, 0, 8, 0, 0, 0, 0, 5, 6, 9, 0, 0, 0, 4, 0, /* 0x20 ' ' # ( ) * . */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 7, 0, 0, 1, /* 0x50 \ _ */
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

/* The tokenizer's state between words. */
typedef struct FgLex {
  const unsigned char *t;
  size_t len, at;
  bool prev_dot; /* the last byte that is not white space is a `.` */
  bool import;   /* inside an import statement's logical line */
  bool comment;  /* in a comment of that line */
  bool bslash;   /* the last byte that is not a space is a `\` */
  int depth;     /* parentheses opened since `import` / `from` */
} FgLex;

/* The next word at or after x->at: [*s, *e) and its tags (bits 1 << tag);
 * a `*` of an import statement is the word "*" tagged IMPORT only. */
static inline bool fg_lex_next(FgLex *x, size_t *s, size_t *e, unsigned *tags) {
  const unsigned char *t = x->t;
  size_t i = x->at, len = x->len;
  for (;; i++) {
    if (i >= len) {
      x->at = i;
      return false;
    }
    unsigned c = fg_class[t[i]];
    if (c == C_WORD)
      break;
    switch (c) {
    case C_SPACE:
      continue;
    case C_NL:
      if (x->import && x->depth <= 0 && !x->bslash)
        x->import = false;
      x->comment = false;
      x->bslash = false;
      continue;
    case C_BSLASH:
      x->bslash = true;
      continue;
    case C_DOT:
      x->prev_dot = true;
      x->bslash = false;
      continue;
    case C_OPEN:
    case C_CLOSE:
      if (x->import && !x->comment)
        x->depth += c == C_OPEN ? 1 : -1;
      break;
    case C_HASH:
      if (x->import)
        x->comment = true;
      break;
    case C_STAR:
      if (x->import && !x->comment) {
        x->prev_dot = false;
        x->bslash = false;
        *s = i;
        *e = i + 1;
        *tags = 1u << FG_WORD_IMPORT;
        x->at = i + 1;
        return true;
      }
      break;
    default:
      break;
    }
    x->prev_dot = false;
    x->bslash = false;
  }
  size_t b = i;
  while (i < len && fg_class[t[i]] == C_WORD)
    i++;
  unsigned tg = 1u << FG_WORD_PLAIN;
  if (x->import && !x->comment)
    tg |= 1u << FG_WORD_IMPORT;
  bool dotted = x->prev_dot;
  if (!dotted) {
    size_t k = i;
    while (k < len && (fg_class[t[k]] == C_SPACE || fg_class[t[k]] == C_NL ||
                       fg_class[t[k]] == C_BSLASH))
      k++;
    dotted = k < len && t[k] == '.';
  }
  if (dotted)
    tg |= 1u << FG_WORD_DOTTED;
  size_t n = i - b;
  if (!x->import && !x->comment &&
      ((n == 6 && memcmp(t + b, "import", 6) == 0) ||
       (n == 4 && memcmp(t + b, "from", 4) == 0))) {
    x->import = true;
    x->depth = 0;
  }
  x->prev_dot = false;
  x->bslash = false;
  *s = b;
  *e = i;
  *tags = tg;
  x->at = i;
  return true;
}

static void fg_lex_init(FgLex *x, const char *text, size_t len) {
  memset(x, 0, sizeof *x);
  x->t = (const unsigned char *)text;
  x->len = len;
  /* a UTF-8 byte order mark is not part of the first word (`from` of an
   * import on the first line stays the word `from`) */
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    x->at = 3;
}

/* The hash of a word the tokenizer returned ("*" included). */
static inline uint64_t fg_lex_hash(const FgLex *x, size_t s, size_t e) {
  return fg_hash_at(x->t, s, e);
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
static inline bool fg_scanner_insert(FgWordScanner *self, uint64_t h) {
  size_t mask = self->cap - 1;
  for (size_t i = (size_t)(h >> 7) & mask;; i = (i + 1) & mask) {
    if (self->stamps[i] != self->stamp) {
      self->stamps[i] = self->stamp;
      self->hashes[i] = h;
      return true;
    }
    if (self->hashes[i] == h)
      return false;
  }
}

typedef FG_VEC(uint64_t) FgU64Vec;

static inline void fg_scanner_add(FgWordScanner *self, FgU64Vec *found, uint64_t h) {
  if (!fg_scanner_insert(self, h))
    return;
  fg_vec_push(found, h);
  if (2 * found->len > self->cap) {
    /* keep the table under half full: rebuild it twice as large */
    fg_scanner_reset(self, 2 * self->cap);
    for (size_t i = 0; i < found->len; i++)
      fg_scanner_insert(self, found->items[i]);
  }
}

void fg_words_scan(FgWordScanner *self, const char *text, size_t len, FgWords *out) {
  fg_scanner_reset(self, 1024);
  FgU64Vec found = {0};
  FgLex x;
  fg_lex_init(&x, text, len);
  size_t s, e;
  unsigned tags;
  while (fg_lex_next(&x, &s, &e, &tags)) {
    uint64_t h = fg_lex_hash(&x, s, e);
    if (tags & (1u << FG_WORD_PLAIN))
      fg_scanner_add(self, &found, h);
    if (tags & (1u << FG_WORD_IMPORT))
      fg_scanner_add(self, &found, h | FG_WORD_IMPORT);
    if (tags & (1u << FG_WORD_DOTTED))
      fg_scanner_add(self, &found, h | FG_WORD_DOTTED);
  }
  fg_vec_shrink(&found);
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
    size_t k = (size_t)(s->hash >> 7) & (cap - 1);
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
  size_t k = (size_t)(h >> 7) & (self->cap - 1);
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

/* Is the slot's word text[0..n)? (text NULL: a hash match is enough) */
static bool fg_slot_is(const FgWordSlot *s, const char *text, size_t n) {
  if (!text)
    return true;
  return strlen(s->word) == n && memcmp(s->word, text, n) == 0;
}

/* Runs body for each slot with hash h (an entry: its tag is ignored) whose
 * word is text[0..n) when text is not NULL. */
#define FG_SET_PROBE(self, h, text, n, body)                                             \
  do {                                                                                   \
    uint64_t ph_ = (h) & ~(uint64_t)FG_WORD_TAG_MASK;                                    \
    for (size_t k_ = (size_t)(ph_ >> 7) & ((self)->cap - 1); (self)->slots[k_].word;     \
         k_ = (k_ + 1) & ((self)->cap - 1)) {                                            \
      const FgWordSlot *slot = &(self)->slots[k_];                                       \
      if (slot->hash == ph_ && fg_slot_is(slot, (text), (n))) {                          \
        body;                                                                            \
      }                                                                                  \
    }                                                                                    \
  } while (0)

void fg_word_set_free(FgWordSet *self) {
  free(self->slots);
  self->slots = NULL;
  self->cap = self->len = 0;
}

uint32_t fg_word_set_get(const FgWordSet *self, const char *word) {
  if (!self->len)
    return 0;
  size_t n = strlen(word);
  uint32_t m = 0;
  FG_SET_PROBE(self, fg_word_hash(word, n), word, n, m |= slot->mask);
  return m;
}

static void fg_hits_add(FgHitVec *out, size_t from, const FgWordSlot *s, unsigned tags) {
  for (size_t i = from; i < out->len; i++)
    if (out->items[i].slot == s) {
      out->items[i].tags |= tags;
      return;
    }
  FgWordHit hit = {s, tags};
  fg_vec_push(out, hit);
}

void fg_word_set_hits_hashes(const FgWordSet *self, const FgWords *words, FgHitVec *out) {
  if (!self->len)
    return;
  size_t from = out->len;
  for (size_t i = 0; i < words->len; i++) {
    uint64_t h = words->hashes[i];
    unsigned tag = 1u << (h & FG_WORD_TAG_MASK);
    FG_SET_PROBE(self, h, (const char *)NULL, 0, fg_hits_add(out, from, slot, tag));
  }
}

void fg_word_set_hits_text(const FgWordSet *self, const char *text, size_t len,
                           FgHitVec *out) {
  if (!self->len)
    return;
  size_t from = out->len;
  FgLex x;
  fg_lex_init(&x, text, len);
  size_t s, e;
  unsigned tags;
  while (fg_lex_next(&x, &s, &e, &tags)) {
    uint64_t h = fg_lex_hash(&x, s, e);
    FG_SET_PROBE(self, h, text + s, e - s, fg_hits_add(out, from, slot, tags));
  }
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

/* ---- Bloom filters ------------------------------------------------------------- */

/* The three bits of an entry, in a filter of nbits bits. */
static inline void fg_bloom_bits(uint64_t entry, uint64_t nbits, uint64_t out[3]) {
  uint64_t x = entry;
  for (int i = 0; i < 3; i++) {
    x = (x ^ (x >> 31)) * 0x9e3779b97f4a7c15u;
    out[i] = ((x >> 32) * nbits) >> 32;
  }
}

void fg_word_bloom_build(FgWordBloom *self, const FgWords *words,
                         bool (*keep)(void *ctx, uint64_t entry), void *ctx) {
  size_t n = 0;
  for (size_t i = 0; i < words->len; i++)
    n += !keep || keep(ctx, words->hashes[i]);
  self->bits = NULL;
  self->nwords = 0;
  if (!n)
    return;
  /* 16 bits per entry: about 0.5% false positives with three bits each (a
   * false one costs a later round a read and a scan of the file) */
  size_t nw = (n * 16 + 63) / 64;
  if (nw > UINT32_MAX / 64)
    nw = UINT32_MAX / 64;
  self->nwords = (uint32_t)nw;
  self->bits = fg_xcalloc(nw, sizeof(uint64_t));
  uint64_t nbits = (uint64_t)nw * 64;
  for (size_t i = 0; i < words->len; i++) {
    if (keep && !keep(ctx, words->hashes[i]))
      continue;
    uint64_t b[3];
    fg_bloom_bits(words->hashes[i], nbits, b);
    for (int k = 0; k < 3; k++)
      self->bits[b[k] / 64] |= (uint64_t)1 << (b[k] % 64);
  }
}

bool fg_word_bloom_has(const FgWordBloom *self, uint64_t entry) {
  if (!self->nwords)
    return false;
  uint64_t b[3];
  fg_bloom_bits(entry, (uint64_t)self->nwords * 64, b);
  for (int k = 0; k < 3; k++)
    if (!(self->bits[b[k] / 64] & ((uint64_t)1 << (b[k] % 64))))
      return false;
  return true;
}

size_t fg_word_bloom_bytes(const FgWordBloom *self) {
  return (size_t)self->nwords * sizeof(uint64_t);
}

void fg_word_bloom_free(FgWordBloom *self) {
  free(self->bits);
  self->bits = NULL;
  self->nwords = 0;
}
