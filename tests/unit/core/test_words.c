/* words: the prefilter's words, their tags, exact matches and Bloom filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/words.h"

/* The tags the text gives `word` (bits 1 << FG_WORD_*), 0 when absent. */
static unsigned tags_of(const char *text, const char *word) {
  FgWordSet set = {0};
  fg_word_set_add(&set, word, 1);
  FgHitVec hits = {0};
  fg_word_set_hits_text(&set, text, strlen(text), &hits);
  unsigned tags = hits.len ? hits.items[0].tags : 0;
  assert_true(hits.len <= 1);
  fg_vec_free(&hits);
  fg_word_set_free(&set);
  return tags;
}

enum { P = 1u << FG_WORD_PLAIN, I = 1u << FG_WORD_IMPORT, D = 1u << FG_WORD_DOTTED };

static void test_tags(void **state) {
  (void)state;
  assert_int_equal(tags_of("x = util\n", "util"), P);
  assert_int_equal(tags_of("from pkg.util import make\n", "util"), P | I | D);
  assert_int_equal(tags_of("from pkg.util import make\n", "make"), P | I);
  assert_int_equal(tags_of("import a, b as c\nc.run()\n", "b"), P | I);
  assert_int_equal(tags_of("import a\nrun()\n", "run"), P);
  /* a parenthesised import continues to its `)`, comments aside */
  const char *par = "from x import (\n  a,  # util\n  b,\n)\nc = 1\n";
  assert_int_equal(tags_of(par, "b"), P | I);
  assert_int_equal(tags_of(par, "util"), P);
  assert_int_equal(tags_of(par, "c"), P);
  assert_int_equal(tags_of("from x import \\\n  b\n", "b"), P | I);
  assert_int_equal(tags_of("if y: import b\n", "b"), P | I);
  assert_int_equal(tags_of("from . import *\n", "*"), I);
  assert_int_equal(tags_of("a * b\n", "*"), 0);
  /* a dot on either side, white space around it allowed */
  assert_int_equal(tags_of("util . make()\n", "util"), P | D);
  assert_int_equal(tags_of("util . make()\n", "make"), P | D);
  assert_int_equal(tags_of("(pkg\n  .util)\n", "util"), P | D);
  assert_int_equal(tags_of("utility.x\n", "util"), 0);
  /* a byte order mark does not glue itself to the first word */
  assert_int_equal(tags_of("\xEF\xBB\xBF"
                           "from concurrent import futures\n",
                           "concurrent"),
                   P | I);
  assert_int_equal(tags_of("\xEF\xBB\xBF"
                           "from x import y\n",
                           "from"),
                   P);
  assert_int_equal(tags_of("x\xEF\xBB\xBF"
                           "from\n",
                           "from"),
                   0);
}

/* The scanner's entries are fg_word_hash of each word, with the tags. */
static void test_scan_entries(void **state) {
  (void)state;
  const char *text = "ab from very_long_identifier_name.x import Pool\n";
  FgWordScanner *sc = fg_word_scanner_new();
  FgWords w = {0};
  fg_words_scan(sc, text, strlen(text), &w);
  const char *plain[] = {"ab", "from",   "very_long_identifier_name",
                         "x",  "import", "Pool"};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
    uint64_t h = fg_word_hash(plain[i], strlen(plain[i]));
    assert_int_equal(h & FG_WORD_TAG_MASK, 0);
    bool found = false, imp = false;
    for (size_t k = 0; k < w.len; k++) {
      found = found || w.hashes[k] == h;
      imp = imp || w.hashes[k] == (h | FG_WORD_IMPORT);
    }
    assert_true(found);
    assert_int_equal(imp, i >= 2); /* the words after `from` */
  }
  uint64_t dotted = fg_word_hash("x", 1) | FG_WORD_DOTTED;
  bool has = false;
  for (size_t k = 0; k < w.len; k++)
    has = has || w.hashes[k] == dotted;
  assert_true(has);
  /* distinct: 6 plain, 4 import, 2 dotted */
  assert_int_equal(w.len, 12);
  fg_words_free(&w);
  fg_word_scanner_delete(sc);
}

static void test_set_exact(void **state) {
  (void)state;
  FgWordSet set = {0};
  fg_word_set_add(&set, "multiprocessing", 1);
  fg_word_set_add(&set, "Pool", 2);
  const char *text = "import multiprocessing\nx = Pools\n";
  FgHitVec hits = {0};
  fg_word_set_hits_text(&set, text, strlen(text), &hits);
  uint32_t mask = 0;
  for (size_t i = 0; i < hits.len; i++)
    mask |= hits.items[i].slot->mask;
  fg_vec_free(&hits);
  assert_int_equal(mask, 1);
  assert_int_equal(fg_word_set_get(&set, "Pool"), 2);
  assert_int_equal(fg_word_set_get(&set, "Poo"), 0);
  fg_word_set_free(&set);
}

static void test_bloom(void **state) {
  (void)state;
  FgWords w = {0};
  char buf[32];
  FG_VEC(uint64_t) hs = {0};
  for (int i = 0; i < 2000; i++) {
    snprintf(buf, sizeof buf, "name_%d", i);
    fg_vec_push(&hs, fg_word_hash(buf, strlen(buf)));
  }
  w.hashes = hs.items;
  w.len = hs.len;
  FgWordBloom b = {0};
  fg_word_bloom_build(&b, &w, NULL, NULL);
  for (size_t i = 0; i < w.len; i++)
    assert_true(fg_word_bloom_has(&b, w.hashes[i]));
  int fp = 0;
  for (int i = 0; i < 10000; i++) {
    snprintf(buf, sizeof buf, "other_%d", i);
    fp += fg_word_bloom_has(&b, fg_word_hash(buf, strlen(buf)));
  }
  assert_true(fp < 150); /* ~0.5% expected */
  assert_true(fg_word_bloom_bytes(&b) <= 2 * 2000 + 8);
  fg_word_bloom_free(&b);
  FgWordBloom empty = {0};
  assert_false(fg_word_bloom_has(&empty, w.hashes[0]));
  fg_vec_free(&hs);
}

static uint64_t stream_hash(const char *s, size_t n, size_t cut1, size_t cut2) {
  FgHashStream h;
  fg_hash_stream_init(&h);
  fg_hash_stream_add(&h, s, cut1);
  fg_hash_stream_add(&h, s + cut1, cut2 - cut1);
  fg_hash_stream_add(&h, s + cut2, n - cut2);
  return fg_hash_stream_end(&h);
}

static void test_hash_stream_cuts(void **state) {
  (void)state;
  const char text[] = "a payload of some bytes, cut anywhere: 0123456789";
  size_t n = sizeof text - 1;
  uint64_t whole = stream_hash(text, n, 0, 0);
  for (size_t a = 0; a <= n; a++)
    for (size_t b = a; b <= n; b++)
      assert_true(stream_hash(text, n, a, b) == whole);
  /* other bytes, or the same bytes and one more, hash differently */
  char other[sizeof text];
  memcpy(other, text, sizeof text);
  other[20] ^= 1;
  assert_true(stream_hash(other, n, 3, 11) != whole);
  assert_true(stream_hash(text, n - 1, 0, 0) != whole);
  char zero[9] = {0};
  assert_true(stream_hash(zero, 8, 0, 0) != stream_hash(zero, 9, 0, 0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tags),
      cmocka_unit_test(test_scan_entries),
      cmocka_unit_test(test_set_exact),
      cmocka_unit_test(test_bloom),
      cmocka_unit_test(test_hash_stream_cuts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
