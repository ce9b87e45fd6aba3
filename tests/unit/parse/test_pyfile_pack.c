#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/pyfile.h"
#include "parse/pyfile_cache.h"

static const char kModule[] = "import multiprocessing as mp\n"
                              "import pytest\n"
                              "pytestmark = pytest.mark.slow\n"
                              "\n"
                              "class TestPool:\n"
                              "    @pytest.mark.parametrize('n', [1, 2])\n"
                              "    def test_map(self, n, flag=None):\n"
                              "        if flag is None:\n"
                              "            with mp.Pool(n) as p:\n"
                              "                p.map(abs, [n])\n"
                              "        helper(n)\n"
                              "        helper(n + 1)\n"
                              "\n"
                              "def helper(n):\n"
                              "    return mp.get_context('spawn').Pool(n)\n";

typedef struct Block {
  const char *lo, *hi;
} Block;

static void in_block(const Block *b, const void *p) {
  if (!p)
    return;
  const char *c = p;
  assert_true(c >= b->lo && c < b->hi);
}

/* Every string and array a packed summary points at lies in its block. */
static void test_every_part_lives_in_the_block(void **state) {
  (void)state;
  FgSource *src = fg_source_new("t.py", kModule, strlen(kModule));
  FgPyModule *m = fg_pyfile_parse(src, NULL);
  assert_non_null(m->pack);
  Block b = {m->pack, m->pack + malloc_usable_size(m->pack)};
  assert_true(m->nfuncs == 2 && m->nclasses == 1 && m->nimports == 2 && m->nexprs > 4);
  in_block(&b, m->imports);
  for (size_t i = 0; i < m->nimports; i++) {
    in_block(&b, m->imports[i].module);
    in_block(&b, m->imports[i].local);
  }
  in_block(&b, m->classes);
  in_block(&b, m->classes[0].name);
  in_block(&b, m->funcs);
  for (size_t i = 0; i < m->nfuncs; i++) {
    const FgPyFunc *f = &m->funcs[i];
    in_block(&b, f->name);
    in_block(&b, f->indent);
    in_block(&b, f->params);
    for (size_t k = 0; k < f->nparams; k++)
      in_block(&b, f->params[k]);
    in_block(&b, f->param_defaults);
    in_block(&b, f->markers);
    for (size_t k = 0; k < f->nmarkers; k++) {
      in_block(&b, f->markers[k].name);
      for (size_t a = 0; a < f->markers[k].nargs; a++)
        in_block(&b, f->markers[k].args[a]);
    }
    in_block(&b, f->calls);
    for (size_t k = 0; k < f->ncalls; k++) {
      in_block(&b, f->calls[k].callee);
      in_block(&b, f->calls[k].resolved);
      in_block(&b, f->calls[k].assigned_to);
    }
    in_block(&b, f->returns);
    in_block(&b, f->return_guards);
  }
  in_block(&b, m->exprs);
  for (size_t i = 0; i < m->nexprs; i++)
    in_block(&b, m->exprs[i].text);
  in_block(&b, m->conds);
  in_block(&b, m->module_markers);
  in_block(&b, m->top_starts);
  fg_pyfile_delete(m);
  fg_source_delete(src);
}

/* Equal texts are kept once: the two calls of helper share their callee. */
static void test_equal_strings_are_kept_once(void **state) {
  (void)state;
  FgSource *src = fg_source_new("t.py", kModule, strlen(kModule));
  FgPyModule *m = fg_pyfile_parse(src, NULL);
  const FgPyFunc *t = &m->funcs[0];
  assert_string_equal(t->name, "test_map");
  const char *first = NULL;
  size_t seen = 0;
  for (size_t k = 0; k < t->ncalls; k++) {
    if (strcmp(t->calls[k].callee, "helper") != 0)
      continue;
    if (!first)
      first = t->calls[k].callee;
    assert_ptr_equal(t->calls[k].callee, first);
    assert_ptr_equal(t->calls[k].resolved, first);
    seen++;
  }
  assert_int_equal(seen, 2);
  fg_pyfile_delete(m);
  fg_source_delete(src);
}

/* A summary read back from the cache is packed too (its block is the bytes
 * read), and a payload cut short is freed whole: the sanitizer build sees a
 * leak or a double free here. */
static void test_read_back_is_packed_and_parts_are_freed(void **state) {
  (void)state;
  FgSource *src = fg_source_new("t.py", kModule, strlen(kModule));
  FgPyModule *m = fg_pyfile_parse(src, NULL);
  FgBuf b = {0};
  fg_pyfile_cache_write(m, &b);
  FgPyModule *back = fg_pyfile_cache_read(b.data, b.len, src);
  assert_non_null(back);
  assert_non_null(back->pack);
  assert_ptr_not_equal(back->pack, m->pack);
  assert_string_equal(back->funcs[1].name, "helper");
  fg_pyfile_delete(back);
  for (size_t n = b.len / 2; n < b.len; n += 7)
    assert_null(fg_pyfile_cache_read(b.data, n, src));
  fg_buf_free(&b);
  fg_pyfile_delete(m);
  fg_source_delete(src);
}

/* A cached summary is its block read as it is, its offsets turned back
 * into pointers: no part is rebuilt, and one whose offsets make two arrays
 * share bytes, or a string lie in an array, is refused (turning an array's
 * offsets back writes into it: a count or string checked before could be
 * changed after). */
static void test_cached_offsets_that_share_bytes_are_refused(void **state) {
  (void)state;
  FgSource *src = fg_source_new("t.py", kModule, strlen(kModule));
  FgPyModule *m = fg_pyfile_parse(src, NULL);
  FgBuf b = {0};
  fg_pyfile_cache_write(m, &b);
  assert_int_equal(b.len, sizeof(FgPyModule) + m->pack_len);
  FgPyModule *back = fg_pyfile_cache_read(b.data, b.len, src);
  assert_non_null(back);
  assert_int_equal(back->pack_len, m->pack_len);
  /* the parts lie in the block read, after the module's own bytes */
  const char *funcs = (const char *)back->funcs;
  assert_true(funcs >= back->pack + sizeof(FgPyModule) &&
              funcs < back->pack + sizeof(FgPyModule) + back->pack_len);
  assert_string_equal(back->funcs[0].calls[0].resolved, m->funcs[0].calls[0].resolved);
  /* and written again, it is the same bytes */
  FgBuf again = {0};
  fg_pyfile_cache_write(back, &again);
  assert_int_equal(again.len, b.len);
  assert_memory_equal(again.data, b.data, b.len);
  fg_buf_free(&again);
  fg_pyfile_delete(back);
  FgPyModule hdr;
  memcpy(&hdr, b.data, sizeof hdr);
  /* the expressions' array where the defs' is */
  FgPyModule bad = hdr;
  bad.exprs = (FgPyExpr *)(void *)bad.funcs;
  memcpy(b.data, &bad, sizeof bad);
  assert_null(fg_pyfile_cache_read(b.data, b.len, src));
  /* the alias's string in the defs' array */
  bad = hdr;
  bad.mark_alias = (char *)bad.funcs;
  memcpy(b.data, &bad, sizeof bad);
  assert_null(fg_pyfile_cache_read(b.data, b.len, src));
  /* an offset past the block, and one not aligned for its array */
  bad = hdr;
  bad.conds = (FgPyCond *)(uintptr_t)(m->pack_len + 9);
  memcpy(b.data, &bad, sizeof bad);
  assert_null(fg_pyfile_cache_read(b.data, b.len, src));
  bad = hdr;
  bad.conds = (FgPyCond *)((uintptr_t)bad.conds + 4);
  memcpy(b.data, &bad, sizeof bad);
  assert_null(fg_pyfile_cache_read(b.data, b.len, src));
  /* as written, it reads */
  memcpy(b.data, &hdr, sizeof hdr);
  back = fg_pyfile_cache_read(b.data, b.len, src);
  assert_non_null(back);
  fg_pyfile_delete(back);
  fg_buf_free(&b);
  fg_pyfile_delete(m);
  fg_source_delete(src);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_part_lives_in_the_block),
      cmocka_unit_test(test_cached_offsets_that_share_bytes_are_refused),
      cmocka_unit_test(test_equal_strings_are_kept_once),
      cmocka_unit_test(test_read_back_is_packed_and_parts_are_freed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
