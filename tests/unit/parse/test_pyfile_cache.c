#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/pyfile.h"
#include "parse/pyfile_cache.h"

/* A module with a bit of everything a summary holds. */
static const char kModule[] =
    "import multiprocessing as mp\n"
    "from concurrent.futures import ProcessPoolExecutor\n"
    "import pytest\n"
    "pytestmark = pytest.mark.slow\n"
    "WORKERS = 2 if mp.cpu_count() > 1 else 1\n"
    "__test__ = True\n"
    "\n"
    "class Base:\n"
    "    executor = ProcessPoolExecutor\n"
    "    def setUp(self):\n"
    "        self.ctx = mp.get_context('spawn')\n"
    "\n"
    "@pytest.mark.usefixtures('tmp_path')\n"
    "class TestPool(Base):\n"
    "    @pytest.mark.parametrize('n', [1, 2])\n"
    "    def test_map(self, n, flag=None, *, k=3, **extra):\n"
    "        if flag is None and n > 1:\n"
    "            with self.executor(n) as ex:\n"
    "                assert list(ex.map(abs, [-1])) == [1]\n"
    "        p = self.ctx.Process(target=print)\n"
    "        p.start()\n"
    "        return n + k\n"
    "\n"
    "@pytest.fixture(autouse=True)\n"
    "def pool(request, monkeypatch):\n"
    "    monkeypatch.setattr('os.cpu_count', lambda: 1)\n"
    "    request.getfixturevalue('tmp_path')\n"
    "    yield mp.Pool(WORKERS)\n"
    "\n"
    "def pytest_configure(config):\n"
    "    config.addinivalue_line('markers', 'no_parallel: serial')\n"
    "\n"
    "@click.command()\n"
    "@click.option('-w', '--workers', type=int, default=1)\n"
    "@click.argument('paths', nargs=-1)\n"
    "def cli(paths, workers):\n"
    "    pass\n";

/* Everything a summary says, as text: two summaries are the same when their
 * dumps are. */
static void dump_str(FgBuf *b, const char *what, const char *s) {
  fg_buf_printf(b, "%s=%s\n", what, s ? s : "(null)");
}

static void dump_markers(FgBuf *b, const FgPyMarker *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    fg_buf_printf(b, "marker %s %u-%u cond=%d args=%zu\n", v[i].name, v[i].span.start,
                  v[i].span.end, v[i].cond, v[i].nargs);
    for (size_t k = 0; k < v[i].nargs; k++)
      dump_str(b, " arg", v[i].args[k]);
  }
}

static void dump_assigns(FgBuf *b, const char *what, const FgPyAssign *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    fg_buf_printf(b, "%s %s expr=%d guard=%d %u-%u\n", what, v[i].name, v[i].expr,
                  v[i].guard, v[i].span.start, v[i].span.end);
}

static void dump_calls(FgBuf *b, const FgPyCall *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const FgPyCall *c = &v[i];
    fg_buf_printf(b,
                  "call %s -> %s %u-%u pool=%d with=%d as=%s esc=%d guard=%d args=%d "
                  "how=%d site=%d method=%d gate=%d/%d started=%d\n",
                  c->callee, c->resolved, c->span.start, c->span.end, c->pool, c->in_with,
                  c->assigned_to ? c->assigned_to : "-", c->escapes, c->guard, c->args,
                  c->how, c->site, c->method, c->gate, c->gate_expr, c->started);
  }
}

static char *dump(const FgPyModule *m) {
  FgBuf b = {0};
  fg_buf_printf(&b, "error=%d at %zu ", m->has_error, m->error_offset);
  dump_str(&b, "message", m->error_message);
  for (size_t i = 0; i < m->nimports; i++)
    fg_buf_printf(&b, "import %s %s %s %d %d\n", m->imports[i].module,
                  m->imports[i].name ? m->imports[i].name : "-", m->imports[i].local,
                  m->imports[i].level, m->imports[i].in_function);
  for (size_t i = 0; i < m->nclasses; i++) {
    const FgPyClass *c = &m->classes[i];
    fg_buf_printf(&b, "class %s parent=%d init=%d test=%d\n", c->name, c->parent,
                  c->has_init, c->dunder_test);
    for (size_t k = 0; k < c->nbases; k++)
      dump_str(&b, " base", c->bases[k]);
    dump_markers(&b, c->markers, c->nmarkers);
    dump_assigns(&b, "attr", c->attrs, c->nattrs);
  }
  for (size_t i = 0; i < m->nfuncs; i++) {
    const FgPyFunc *f = &m->funcs[i];
    fg_buf_printf(&b,
                  "def %s cls=%d fixture=%d %s autouse=%d yield=%d pos=%zu check=%zu "
                  "kwargs=%s\n",
                  f->name, f->cls, f->is_fixture, f->fixture_name ? f->fixture_name : "-",
                  f->autouse, f->has_yield, f->npositional, f->first_check,
                  f->kwargs ? f->kwargs : "-");
    for (size_t k = 0; k < f->nparams; k++)
      fg_buf_printf(&b, " param %s=%d\n", f->params[k], f->param_defaults[k]);
    for (size_t k = 0; k < f->ngetfixturevalue; k++)
      dump_str(&b, " getfixturevalue", f->getfixturevalue[k]);
    for (size_t k = 0; k < f->nreturns; k++)
      fg_buf_printf(&b, " returns %d\n", f->returns[k]);
    for (size_t k = 0; k < f->ndecorators; k++)
      fg_buf_printf(&b, " decorator %d\n", f->decorators[k]);
    dump_markers(&b, f->markers, f->nmarkers);
    dump_calls(&b, f->calls, f->ncalls);
    dump_assigns(&b, "self", f->self_assigns, f->nself_assigns);
    dump_assigns(&b, "local", f->locals, f->nlocals);
    for (size_t k = 0; k < f->npatches; k++)
      dump_str(&b, " patch", f->patches[k].target);
  }
  dump_markers(&b, m->module_markers, m->nmodule_markers);
  dump_calls(&b, m->module_calls, m->nmodule_calls);
  for (size_t i = 0; i < m->nregistered_markers; i++)
    dump_str(&b, "registered", m->registered_markers[i]);
  dump_str(&b, "mark_alias", m->mark_alias);
  for (size_t i = 0; i < m->nexprs; i++) {
    const FgPyExpr *e = &m->exprs[i];
    fg_buf_printf(&b, "expr %zu kind=%d op=%d how=%d a=%d b=%d next=%d ival=%lld %s\n", i,
                  e->kind, e->op, e->how, e->a, e->b, e->next, e->ival,
                  e->text ? e->text : "-");
  }
  for (size_t i = 0; i < m->nconds; i++)
    fg_buf_printf(&b, "cond kind=%d neg=%d lazy=%d expr=%d parent=%d\n", m->conds[i].kind,
                  m->conds[i].negated, m->conds[i].lazy, m->conds[i].expr,
                  m->conds[i].parent);
  dump_assigns(&b, "global", m->globals, m->nglobals);
  for (size_t i = 0; i < m->ntop; i++)
    fg_buf_printf(&b, "top %u\n", m->top_starts[i]);
  fg_buf_printf(&b, "insert=%zu pytest=%d test=%d mark=%u-%u\n", m->import_insert_offset,
                m->imports_pytest, m->dunder_test, m->pytestmark_span.start,
                m->pytestmark_span.end);
  return fg_buf_take(&b);
}

/* Parses text, writes the summary, reads it back: the same summary, on the
 * same source. `check` says what the parse must have found. */
static void assert_round_trip(const char *text, bool (*check)(const FgPyModule *)) {
  FgSource *src = fg_source_new("t.py", text, strlen(text));
  FgPyModule *m = fg_pyfile_parse(src, NULL);
  assert_true(check(m));
  FgBuf b = {0};
  fg_pyfile_cache_write(m, &b);
  FgPyModule *back = fg_pyfile_cache_read(b.data, b.len, src);
  assert_non_null(back);
  assert_ptr_equal(back->src, src);
  char *want = dump(m), *got = dump(back);
  assert_string_equal(got, want);
  free(want);
  free(got);
  fg_pyfile_delete(back);
  fg_buf_free(&b);
  fg_pyfile_delete(m);
  fg_source_delete(src);
}

static bool has_everything(const FgPyModule *m) {
  return m->nfuncs >= 4 && m->nclasses == 2 && m->nexprs > 5 && m->nconds > 0 &&
         m->ntop > 3;
}

static bool has_error(const FgPyModule *m) {
  return m->has_error;
}

static void test_a_summary_reads_back_the_same(void **state) {
  (void)state;
  assert_round_trip(kModule, has_everything);
}

static void test_a_module_with_a_syntax_error_reads_back_the_same(void **state) {
  (void)state;
  assert_round_trip("def f(:\n    return 1\n\ndef test_x():\n    pass\n", has_error);
}

/* Every prefix of a payload, and the payload with anything after it, is not
 * a summary; one written for a longer source does not fit a shorter one. */
static void test_a_payload_that_is_not_whole_is_refused(void **state) {
  (void)state;
  FgSource *src = fg_source_new("t.py", kModule, strlen(kModule));
  FgPyModule *m = fg_pyfile_parse(src, NULL);
  FgBuf b = {0};
  fg_pyfile_cache_write(m, &b);
  for (size_t n = 0; n < b.len; n++)
    assert_null(fg_pyfile_cache_read(b.data, n, src));
  fg_buf_putc(&b, 'x');
  assert_null(fg_pyfile_cache_read(b.data, b.len, src));
  b.len--;
  FgSource *shorter = fg_source_new("t.py", kModule, 40);
  assert_null(fg_pyfile_cache_read(b.data, b.len, shorter));
  fg_source_delete(shorter);
  fg_buf_free(&b);
  fg_pyfile_delete(m);
  fg_source_delete(src);
}

/* A flipped byte anywhere gives a summary that passes every check or none;
 * never a crash (the sanitizer build runs this too). */
static void test_flipped_bytes_never_crash(void **state) {
  (void)state;
  FgSource *src = fg_source_new("t.py", kModule, strlen(kModule));
  FgPyModule *m = fg_pyfile_parse(src, NULL);
  FgBuf b = {0};
  fg_pyfile_cache_write(m, &b);
  size_t refused = 0;
  for (size_t i = 0; i < b.len; i++) {
    for (unsigned bit = 0; bit < 8; bit += 3) {
      b.data[i] ^= (char)(1u << bit);
      FgPyModule *x = fg_pyfile_cache_read(b.data, b.len, src);
      refused += x == NULL;
      fg_pyfile_delete(x);
      b.data[i] ^= (char)(1u << bit);
    }
  }
  assert_true(refused > 0);
  FgPyModule *x = fg_pyfile_cache_read(b.data, b.len, src);
  assert_non_null(x);
  fg_pyfile_delete(x);
  fg_buf_free(&b);
  fg_pyfile_delete(m);
  fg_source_delete(src);
}

static void test_the_key_depends_on_build_and_options(void **state) {
  (void)state;
  const char *one[] = {"pkg.Farm"}, *two[] = {"pkg.Barn"};
  FgPyOptions a = {one, 1}, b = {two, 1}, none = {NULL, 0};
  uint64_t k = fg_pyfile_cache_key(&a, "0.1.0:1");
  assert_int_equal(k, fg_pyfile_cache_key(&a, "0.1.0:1"));
  assert_int_not_equal(k, fg_pyfile_cache_key(&b, "0.1.0:1"));
  assert_int_not_equal(k, fg_pyfile_cache_key(&a, "0.1.0:2"));
  assert_int_not_equal(k, fg_pyfile_cache_key(&none, "0.1.0:1"));
  assert_int_equal(fg_pyfile_cache_key(&none, "x"), fg_pyfile_cache_key(NULL, "x"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_summary_reads_back_the_same),
      cmocka_unit_test(test_a_module_with_a_syntax_error_reads_back_the_same),
      cmocka_unit_test(test_a_payload_that_is_not_whole_is_refused),
      cmocka_unit_test(test_flipped_bytes_never_crash),
      cmocka_unit_test(test_the_key_depends_on_build_and_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
