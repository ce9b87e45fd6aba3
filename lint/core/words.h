/* words: the identifier-like words of a text, as 64-bit hashes, for the
 * project prefilter. A word is a maximal run of ASCII letters, digits, `_`
 * and bytes >= 0x80 (so non-ASCII identifiers stay whole); strings and
 * comments count too. A hash match is a candidate, never a proof: callers
 * confirm it against the text with fg_word_set_hits_text.
 *
 * Besides the plain word, an occurrence can carry two tags, from the
 * text alone (a superset of what Python would say, never less):
 * - IMPORT: the word follows the word `import` or `from` on its logical
 *   line (a `(` opened there continues it to the matching `)`, a `\` to
 *   the next line; comments do not count). A `*` there is the word "*".
 * - DOTTED: the nearest byte before or after it that is not white space
 *   (spaces, tabs, line breaks, `\`) is a `.`.
 * A text's entries are its distinct (word, tag) pairs: fg_word_hash(word)
 * with the tag in the two low bits (the hash's own are always 0). */
#ifndef FG_WORDS_H
#define FG_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

enum { FG_WORD_PLAIN = 0, FG_WORD_IMPORT = 1, FG_WORD_DOTTED = 2 };
#define FG_WORD_TAG_MASK 3u

/* The hash of a word (its two low bits are 0). */
uint64_t fg_word_hash(const char *s, size_t n);

/* A hash of bytes given in pieces (a cache entry's checksum, written as it
 * is made): the same for the same bytes however they are cut. */
typedef struct FgHashStream {
  uint64_t h, n;
  unsigned char carry[8];
  unsigned ncarry;
} FgHashStream;
void fg_hash_stream_init(FgHashStream *s);
void fg_hash_stream_add(FgHashStream *s, const char *p, size_t n);
uint64_t fg_hash_stream_end(const FgHashStream *s);

/* The distinct entries of a text (owned, in no particular order). */
typedef struct FgWords {
  uint64_t *hashes;
  size_t len;
} FgWords;

/* A reusable scanner: its table is kept between calls to fg_words_scan. */
typedef struct FgWordScanner FgWordScanner;
FgWordScanner *fg_word_scanner_new(void);
void fg_word_scanner_delete(FgWordScanner *self);
/* Fills out (freeing nothing it held before) with the distinct entries. */
void fg_words_scan(FgWordScanner *self, const char *text, size_t len, FgWords *out);
void fg_words_free(FgWords *self);

/* A set of words, each with a bit mask. Open addressing on the hash; the
 * words themselves are kept (borrowed) so a text can be matched exactly. */
typedef struct FgWordSlot {
  uint64_t hash;
  const char *word; /* borrowed; NULL: empty slot */
  uint32_t mask;
} FgWordSlot;

typedef struct FgWordSet {
  FgWordSlot *slots;
  size_t cap, len;
} FgWordSet;

/* Adds mask to the word's mask; word is borrowed until the set is freed. */
void fg_word_set_add(FgWordSet *self, const char *word, uint32_t mask);
void fg_word_set_free(FgWordSet *self);
/* The mask of word (NUL-terminated) in the set, 0 when absent. */
uint32_t fg_word_set_get(const FgWordSet *self, const char *word);

/* A word of the set that a text holds, with the tags it was seen with
 * (bit 1 << FG_WORD_PLAIN / IMPORT / DOTTED). */
typedef struct FgWordHit {
  const FgWordSlot *slot;
  unsigned tags;
} FgWordHit;

/* The set's slots that `words` (candidates) / the text's words (exact)
 * hold, each once with its tags, appended to out. */
typedef FG_VEC(FgWordHit) FgHitVec;
void fg_word_set_hits_hashes(const FgWordSet *self, const FgWords *words, FgHitVec *out);
void fg_word_set_hits_text(const FgWordSet *self, const char *text, size_t len,
                           FgHitVec *out);

/* A set of bare hashes, for pairs of words (fg_pair_hash). */
typedef struct FgHashSet {
  uint64_t *keys; /* 0: empty slot (a 0 key is stored as 1) */
  size_t cap, len;
} FgHashSet;

uint64_t fg_pair_hash(uint64_t a, uint64_t b);
void fg_hash_set_add(FgHashSet *self, uint64_t h);
bool fg_hash_set_has(const FgHashSet *self, uint64_t h);
void fg_hash_set_free(FgHashSet *self);

/* A Bloom filter over entries: about two bytes per entry, no false
 * negatives, about 0.5% false positives. */
typedef struct FgWordBloom {
  uint64_t *bits;
  uint32_t nwords; /* 64-bit words of bits; 0: empty, holds nothing */
} FgWordBloom;

/* The filter of the entries of `words` for which keep(ctx, entry) holds
 * (keep NULL: all of them). */
void fg_word_bloom_build(FgWordBloom *self, const FgWords *words,
                         bool (*keep)(void *ctx, uint64_t entry), void *ctx);
bool fg_word_bloom_has(const FgWordBloom *self, uint64_t entry);
size_t fg_word_bloom_bytes(const FgWordBloom *self);
void fg_word_bloom_free(FgWordBloom *self);

#endif
