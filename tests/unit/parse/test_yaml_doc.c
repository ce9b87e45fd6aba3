#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/source.h"
#include "core/util.h"
#include "parse/yaml_doc.h"

/* One parsed text; the source stays alive so spans can be checked as text. */
typedef struct Parsed {
  FgSource *src;
  FgYamlDoc *doc;
} Parsed;

static Parsed parse_n(const char *text, size_t len) {
  Parsed p;
  p.src = fg_source_new("t.yml", text, len);
  p.doc = fg_yaml_parse(p.src);
  assert_non_null(p.doc);
  return p;
}

static Parsed parse(const char *text) {
  return parse_n(text, strlen(text));
}

static void done(Parsed *p) {
  fg_yaml_delete(p->doc);
  fg_source_delete(p->src);
}

/* Checks a node's byte span both as numbers and as the text it covers, so a
 * failure shows what the span actually points at. */
static void check_span(const Parsed *p, const FgYamlNode *n, size_t start, size_t end,
                       const char *text) {
  assert_non_null(n);
  assert_int_equal(n->start, start);
  assert_int_equal(n->end, end);
  char *got = fg_xstrndup(p->src->data + n->start, n->end - n->start);
  assert_string_equal(got, text);
  free(got);
}

static const FgYamlNode *item(const FgYamlNode *n, size_t i) {
  assert_non_null(n);
  assert_true(i < n->nitems);
  return n->items[i];
}

static void test_multibyte_spans(void **state) {
  /* é ü ï: 2 bytes, 🎉: 4 bytes, CJK: 3 bytes each */
  Parsed p = parse("name: café ünïcode\n" /* 0..21, '\n' at 21 */
                   "emoji: \"🎉 party\"\n" /* 22..41 */
                   "cjk: 中文テキスト\n"  /* 42..65 */
                   "last: x\n");          /* 66..73 */
  assert_false(p.doc->has_error);
  const FgYamlNode *root = p.doc->root;
  assert_int_equal(root->kind, FG_YAML_MAP);
  assert_int_equal(root->style, FG_YAML_BLOCK);
  assert_int_equal(root->nitems, 8);
  check_span(&p, root, 0, 73,
             "name: café ünïcode\nemoji: \"🎉 party\"\ncjk: 中文テキスト\nlast: x");
  check_span(&p, item(root, 0), 0, 4, "name");
  check_span(&p, item(root, 1), 6, 21, "café ünïcode");
  assert_string_equal(fg_yaml_str(item(root, 1)), "café ünïcode");
  check_span(&p, item(root, 2), 22, 27, "emoji");
  check_span(&p, item(root, 3), 29, 41, "\"🎉 party\"");
  assert_int_equal(item(root, 3)->style, FG_YAML_DOUBLE_QUOTED);
  check_span(&p, item(root, 4), 42, 45, "cjk");
  check_span(&p, item(root, 5), 47, 65, "中文テキスト");
  check_span(&p, item(root, 6), 66, 70, "last");
  check_span(&p, item(root, 7), 72, 73, "x");
  done(&p);
}

/* Character-to-byte conversion stays exact far past the first few hundred
 * characters of multibyte text. */
static void test_multibyte_past_checkpoints(void **state) {
  FgBuf b = {0};
  for (int i = 0; i < 300; i++)
    fg_buf_puts(&b, "é");
  /* "é"*300 is 600 bytes; ": 1\n" puts 'k' at 604 and 中 at 607..610 */
  fg_buf_puts(&b, ": 1\nk: 中\n");
  Parsed p = parse(b.data);
  const FgYamlNode *root = p.doc->root;
  assert_false(p.doc->has_error);
  assert_int_equal(item(root, 0)->start, 0);
  assert_int_equal(item(root, 0)->end, 600);
  check_span(&p, item(root, 1), 602, 603, "1");
  check_span(&p, item(root, 2), 604, 605, "k");
  check_span(&p, item(root, 3), 607, 610, "中");
  done(&p);
  fg_buf_free(&b);
}

static void test_block_scalars(void **state) {
  /* line start offsets on the right; é is two bytes */
  const char *text = "top:\n"           /* 0 */
                     "  lit: |\n"       /* 5: '|' at 12 */
                     "    one é\n"      /* 14 */
                     "    two\n"        /* 25: 'two' ends at 32 */
                     "\n"               /* 33 */
                     "  strip: |-\n"    /* 34: '|' at 43 */
                     "    s\n"          /* 46: 's' ends at 51 */
                     "  keep: |+\n"     /* 52: '|' at 60 */
                     "    k\n"          /* 63: 'k' ends at 68 */
                     "\n"               /* 69 */
                     "  fold: >\n"      /* 70: '>' at 78 */
                     "    a\n"          /* 80 */
                     "    b\n"          /* 86: 'b' ends at 91 */
                     "  empty: | # c\n" /* 92: '|' at 101 */
                     "  ind: |2\n"      /* 107: '|' at 114 */
                     "     x  \n"       /* 117: ends at 125 */
                     "end: 1\n";        /* 126 */
  Parsed p = parse(text);
  assert_false(p.doc->has_error);
  const FgYamlNode *top = fg_yaml_get(p.doc->root, "top");
  assert_non_null(top);
  check_span(&p, top, 7, 125,
             "lit: |\n    one é\n    two\n\n  strip: |-\n    s\n"
             "  keep: |+\n    k\n\n  fold: >\n    a\n    b\n"
             "  empty: | # c\n  ind: |2\n     x  ");

  const FgYamlNode *lit = fg_yaml_get(top, "lit");
  assert_int_equal(lit->style, FG_YAML_LITERAL);
  check_span(&p, lit, 12, 32, "|\n    one é\n    two");
  assert_string_equal(lit->value, "one é\ntwo\n");

  const FgYamlNode *strip = fg_yaml_get(top, "strip");
  check_span(&p, strip, 43, 51, "|-\n    s");
  assert_string_equal(strip->value, "s");

  const FgYamlNode *keep = fg_yaml_get(top, "keep");
  check_span(&p, keep, 60, 68, "|+\n    k");
  assert_string_equal(keep->value, "k\n\n");

  const FgYamlNode *fold = fg_yaml_get(top, "fold");
  assert_int_equal(fold->style, FG_YAML_FOLDED);
  check_span(&p, fold, 78, 91, ">\n    a\n    b");
  assert_string_equal(fold->value, "a b\n");

  /* no content: the span is the indicator, not the comment after it */
  const FgYamlNode *empty = fg_yaml_get(top, "empty");
  check_span(&p, empty, 101, 102, "|");
  assert_string_equal(empty->value, "");

  /* explicit indentation keeps the extra space; trailing blanks are content */
  const FgYamlNode *ind = fg_yaml_get(top, "ind");
  check_span(&p, ind, 114, 125, "|2\n     x  ");
  assert_string_equal(ind->value, " x  \n");
  done(&p);
}

static void test_quoted_scalars(void **state) {
  Parsed p = parse("s: 'it''s é'\n"              /* 0: quote at 3 */
                   "d: \"tab\\there \\u00e9\"\n" /* 14: quote at 17 */
                   "m: \"two\n  lines\"\n"       /* 36: quote at 39 */
                   "p: plain  words  \n");       /* 53: 'plain' at 56 */
  assert_false(p.doc->has_error);
  const FgYamlNode *root = p.doc->root;
  const FgYamlNode *s = fg_yaml_get(root, "s");
  assert_int_equal(s->style, FG_YAML_SINGLE_QUOTED);
  check_span(&p, s, 3, 13, "'it''s é'");
  assert_string_equal(s->value, "it's é");
  const FgYamlNode *d = fg_yaml_get(root, "d");
  assert_int_equal(d->style, FG_YAML_DOUBLE_QUOTED);
  check_span(&p, d, 17, 35, "\"tab\\there \\u00e9\"");
  assert_string_equal(d->value, "tab\there é");
  const FgYamlNode *m = fg_yaml_get(root, "m");
  check_span(&p, m, 39, 52, "\"two\n  lines\"");
  assert_string_equal(m->value, "two lines");
  const FgYamlNode *pl = fg_yaml_get(root, "p");
  assert_int_equal(pl->style, FG_YAML_PLAIN);
  check_span(&p, pl, 56, 68, "plain  words");
  done(&p);
}

static void test_flow_collections(void **state) {
  Parsed p = parse("f: [1, {k: ü}, [x], a: b]  # c\n"
                   "g: { }\n");
  assert_false(p.doc->has_error);
  const FgYamlNode *f = fg_yaml_get(p.doc->root, "f");
  assert_int_equal(f->kind, FG_YAML_SEQ);
  assert_int_equal(f->style, FG_YAML_FLOW);
  check_span(&p, f, 3, 26, "[1, {k: ü}, [x], a: b]");
  assert_int_equal(f->nitems, 4);
  check_span(&p, item(f, 0), 4, 5, "1");
  const FgYamlNode *map = item(f, 1);
  assert_int_equal(map->kind, FG_YAML_MAP);
  check_span(&p, map, 7, 14, "{k: ü}");
  assert_string_equal(fg_yaml_str(fg_yaml_get(map, "k")), "ü");
  check_span(&p, item(f, 2), 16, 19, "[x]");
  /* a single pair inside [ ] is an implicit mapping: key to value */
  const FgYamlNode *pair = item(f, 3);
  assert_int_equal(pair->kind, FG_YAML_MAP);
  check_span(&p, pair, 21, 25, "a: b");
  const FgYamlNode *g = fg_yaml_get(p.doc->root, "g");
  assert_int_equal(g->kind, FG_YAML_MAP);
  assert_int_equal(g->nitems, 0);
  check_span(&p, g, 35, 38, "{ }");
  done(&p);
}

static void test_block_sequences(void **state) {
  Parsed p = parse("steps:\n"            /* 0 */
                   "- run: é\n"          /* 7: '-' at 7 */
                   "  shell: bash\n"     /* 17: 'bash' ends at 30 */
                   "- &s !!str tagged\n" /* 31: 'tagged' at 42 */
                   "-\n"                 /* 49: empty item right after '-' */
                   "after: 1\n");
  assert_false(p.doc->has_error);
  const FgYamlNode *steps = fg_yaml_get(p.doc->root, "steps");
  assert_int_equal(steps->kind, FG_YAML_SEQ);
  assert_int_equal(steps->style, FG_YAML_BLOCK);
  check_span(&p, steps, 7, 50, "- run: é\n  shell: bash\n- &s !!str tagged\n-");
  check_span(&p, item(steps, 0), 9, 30, "run: é\n  shell: bash");
  /* properties are not part of the content span */
  const FgYamlNode *t = item(steps, 1);
  check_span(&p, t, 42, 48, "tagged");
  assert_string_equal(t->anchor, "s");
  assert_string_equal(t->tag, "tag:yaml.org,2002:str");
  const FgYamlNode *e = item(steps, 2);
  assert_int_equal(e->kind, FG_YAML_SCALAR);
  assert_int_equal(e->start, 50);
  assert_int_equal(e->end, 50);
  assert_string_equal(e->value, "");
  done(&p);
}

static void test_anchors_and_aliases(void **state) {
  Parsed p = parse("base: &b {x: 1}\n"
                   "use: *b\n"
                   "again: &b [2]\n"
                   "later: *b\n"
                   "self: &s [*s]\n");
  assert_false(p.doc->has_error);
  const FgYamlNode *root = p.doc->root;
  const FgYamlNode *base = item(root, 1);
  assert_string_equal(base->anchor, "b");
  const FgYamlNode *use = item(root, 3);
  assert_int_equal(use->kind, FG_YAML_ALIAS);
  assert_string_equal(use->value, "b");
  check_span(&p, use, 21, 23, "*b");
  /* the same node, not a copy */
  assert_ptr_equal(use->target, base);
  assert_ptr_equal(fg_yaml_deref(use), base);
  assert_ptr_equal(fg_yaml_get(root, "use"), base);
  /* a redefined anchor applies to later aliases only */
  assert_ptr_equal(item(root, 7)->target, item(root, 5));
  /* an alias inside its own anchored node cannot form a cycle */
  const FgYamlNode *self = item(root, 9);
  assert_null(item(self, 0)->target);
  assert_null(fg_yaml_deref(item(self, 0)));
  assert_null(fg_yaml_deref(NULL));
  done(&p);
  /* an alias to no anchor at all is an error (PyYAML and GitHub reject it) */
  p = parse("a: 1\nnope: *missing\n");
  assert_true(p.doc->has_error);
  assert_string_equal(p.doc->error_message, "found undefined alias `missing`");
  assert_int_equal(p.doc->error_offset, 11);
  done(&p);
}

static void test_merge_keys(void **state) {
  Parsed p = parse("a: &a {x: a, y: a, deep: 1}\n"
                   "b: &b {y: b, z: b}\n"
                   "c: &c {<<: *a, w: c}\n"
                   "m:\n"
                   "  <<: [*b, *c]\n"
                   "  x: own\n"
                   "q:\n"
                   "  '<<': *a\n"
                   "one:\n"
                   "  <<: *b\n");
  assert_false(p.doc->has_error);
  const FgYamlNode *m = fg_yaml_get(p.doc->root, "m");
  /* explicit key wins over every merge source */
  assert_string_equal(fg_yaml_str(fg_yaml_get(m, "x")), "own");
  /* earlier sources win over later ones */
  assert_string_equal(fg_yaml_str(fg_yaml_get(m, "y")), "b");
  assert_string_equal(fg_yaml_str(fg_yaml_get(m, "z")), "b");
  assert_string_equal(fg_yaml_str(fg_yaml_get(m, "w")), "c");
  /* merges chain through a merged mapping's own `<<` */
  assert_string_equal(fg_yaml_str(fg_yaml_get(m, "deep")), "1");
  assert_null(fg_yaml_get(m, "missing"));
  /* a merge key is not a key of its own */
  assert_null(fg_yaml_get(m, "<<"));
  /* the key node of a merged key is where it was written */
  const FgYamlNode *zkey = fg_yaml_get_key(m, "z");
  check_span(&p, zkey, 41, 42, "z");
  /* a quoted "<<" is an ordinary key */
  const FgYamlNode *q = fg_yaml_get(p.doc->root, "q");
  assert_null(fg_yaml_get(q, "x"));
  assert_non_null(fg_yaml_get(q, "<<"));
  assert_string_equal(fg_yaml_str(fg_yaml_get(fg_yaml_get(p.doc->root, "one"), "z")),
                      "b");
  done(&p);
}

static void test_billion_laughs(void **state) {
  FgBuf b = {0};
  fg_buf_puts(&b, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
  for (int i = 1; i < 10; i++) {
    fg_buf_printf(&b, "l%d: &l%d [", i, i);
    for (int j = 0; j < 9; j++)
      fg_buf_printf(&b, "%s*l%d", j ? ", " : "", i - 1);
    fg_buf_puts(&b, "]\n");
  }
  /* the same through merge keys: 9 sources at each of 9 levels */
  fg_buf_puts(&b, "m0: &m0 {a: 1}\n");
  for (int i = 1; i < 10; i++) {
    fg_buf_printf(&b, "m%d: &m%d {<<: [", i, i);
    for (int j = 0; j < 9; j++)
      fg_buf_printf(&b, "%s*m%d", j ? ", " : "", i - 1);
    fg_buf_puts(&b, "]}\n");
  }
  clock_t t0 = clock();
  Parsed p = parse(b.data);
  assert_false(p.doc->has_error);
  const FgYamlNode *l9 = fg_yaml_get(p.doc->root, "l9");
  assert_int_equal(l9->nitems, 9);
  assert_int_equal(item(l9, 0)->kind, FG_YAML_ALIAS);
  assert_ptr_equal(fg_yaml_deref(item(l9, 0)), fg_yaml_get(p.doc->root, "l8"));
  const FgYamlNode *m9 = fg_yaml_get(p.doc->root, "m9");
  assert_string_equal(fg_yaml_str(fg_yaml_get(m9, "a")), "1");
  /* a missing key would visit 9^9 mappings without the lookup budget */
  assert_null(fg_yaml_get(m9, "absent"));
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  assert_true(secs < 1.0);
  done(&p);
  fg_buf_free(&b);
}

static void test_deep_nesting(void **state) {
  size_t n = 100000;
  char *text = fg_xmalloc(n + 1);
  memset(text, '[', n);
  text[n] = '\0';
  Parsed p = parse(text);
  assert_true(p.doc->has_error);
  assert_null(p.doc->root);
  assert_int_equal(p.doc->error_offset, 512); /* the 513th '[' */
  assert_string_equal(p.doc->error_message, "nesting deeper than 512 levels");
  done(&p);
  memset(text, '{', n);
  p = parse(text);
  assert_true(p.doc->has_error);
  assert_int_equal(p.doc->error_offset, 512);
  done(&p);
  free(text);

  /* exactly 512 levels is fine */
  FgBuf b = {0};
  for (int i = 0; i < 512; i++)
    fg_buf_putc(&b, '[');
  for (int i = 0; i < 512; i++)
    fg_buf_putc(&b, ']');
  p = parse(b.data);
  assert_false(p.doc->has_error);
  assert_int_equal(p.doc->root->kind, FG_YAML_SEQ);
  check_span(&p, p.doc->root, 0, 1024, b.data);
  done(&p);
  fg_buf_free(&b);

  /* block nesting counts too: "-\n  -\n    -\n..." */
  for (int i = 0; i < 600; i++) {
    for (int j = 0; j < i; j++)
      fg_buf_puts(&b, "  ");
    fg_buf_puts(&b, "-\n");
  }
  p = parse(b.data);
  assert_true(p.doc->has_error);
  /* line i is 2i+2 bytes; the 513th dash follows 512 lines and 1024 spaces */
  assert_int_equal(p.doc->error_offset, 512 * 511 + 2 * 512 + 2 * 512);
  done(&p);
  fg_buf_free(&b);
}

static void test_malformed(void **state) {
  /* "a: é\n" is 6 bytes; the second ':' on "b: c: d" is at byte 10 (index 9) */
  Parsed p = parse("a: é\nb: c: d\n");
  assert_true(p.doc->has_error);
  assert_null(p.doc->root);
  assert_int_equal(p.doc->error_offset, 10);
  assert_string_equal(p.doc->error_message,
                      "mapping values are not allowed in this context");
  done(&p);

  /* a parser error carries libyaml's context too */
  p = parse("é: [a, b}\n");
  assert_true(p.doc->has_error);
  assert_int_equal(p.doc->error_offset, 9); /* the '}' */
  assert_string_equal(p.doc->error_message,
                      "did not find expected ',' or ']' (while parsing a flow sequence)");
  done(&p);
  /* "é:\n" is 4 bytes, "  - a\n" 6 more: 'b' is at 12 (character 11) */
  p = parse("é:\n  - a\n  b: c\n");
  assert_true(p.doc->has_error);
  assert_int_equal(p.doc->error_offset, 12);
  assert_string_equal(
      p.doc->error_message,
      "did not find expected '-' indicator (while parsing a block collection)");
  done(&p);

  /* not UTF-8: libyaml's reader reports a raw byte offset */
  p = parse("ok: é\nbad: \xff\n");
  assert_true(p.doc->has_error);
  assert_int_equal(p.doc->error_offset, 12);
  assert_string_equal(p.doc->error_message, "invalid leading UTF-8 octet");
  done(&p);
}

static void test_bom(void **state) {
  Parsed p = parse("\xEF\xBB\xBFk: café\nv: [x]\n");
  assert_false(p.doc->has_error);
  const FgYamlNode *root = p.doc->root;
  assert_int_equal(root->start, 3);
  check_span(&p, item(root, 0), 3, 4, "k");
  check_span(&p, item(root, 1), 6, 11, "café");
  check_span(&p, item(root, 3), 15, 18, "[x]");
  done(&p);

  /* error offsets count the BOM too, for both kinds of error */
  p = parse("\xEF\xBB\xBF"
            "a: é\nb: c: d\n");
  assert_int_equal(p.doc->error_offset, 13);
  done(&p);
  p = parse("\xEF\xBB\xBF"
            "ok: é\nbad: \xff\n");
  assert_int_equal(p.doc->error_offset, 15);
  done(&p);
}

static void test_crlf(void **state) {
  Parsed p = parse("a: é\r\n"      /* 0..7 */
                   "b: |\r\n"      /* 7..13: '|' at 10 */
                   "  x\r\n"       /* 13..18 */
                   "  y\r\n"       /* 18..23 */
                   "\r\n"          /* 23..25 */
                   "c:\r\n"        /* 25..29 */
                   "  - 'q'\r\n"); /* 29..: '-' at 31 */
  assert_false(p.doc->has_error);
  const FgYamlNode *root = p.doc->root;
  check_span(&p, item(root, 1), 3, 5, "é");
  const FgYamlNode *blk = fg_yaml_get(root, "b");
  check_span(&p, blk, 10, 21, "|\r\n  x\r\n  y");
  assert_string_equal(blk->value, "x\ny\n");
  check_span(&p, item(root, 4), 25, 26, "c");
  const FgYamlNode *c = fg_yaml_get(root, "c");
  check_span(&p, c, 31, 36, "- 'q'");
  check_span(&p, item(c, 0), 33, 36, "'q'");
  check_span(&p, root, 0, 36, "a: é\r\nb: |\r\n  x\r\n  y\r\n\r\nc:\r\n  - 'q'");
  done(&p);
}

static void test_empty(void **state) {
  Parsed p = parse("");
  assert_false(p.doc->has_error);
  assert_null(p.doc->root);
  assert_null(p.doc->error_message);
  done(&p);
  p = parse("# only a comment\n\n");
  assert_false(p.doc->has_error);
  assert_null(p.doc->root);
  done(&p);
  p = parse("\xEF\xBB\xBF");
  assert_false(p.doc->has_error);
  assert_null(p.doc->root);
  done(&p);
}

static void test_first_document_only(void **state) {
  Parsed p = parse("a: 1\n---\nb: [\n");
  assert_false(p.doc->has_error);
  assert_non_null(fg_yaml_get(p.doc->root, "a"));
  assert_null(fg_yaml_get(p.doc->root, "b"));
  done(&p);
}

static void test_get_missing(void **state) {
  Parsed p = parse("k: v\nlist: [a]\ndup: 1\ndup: 2\n");
  const FgYamlNode *root = p.doc->root;
  assert_null(fg_yaml_get(root, "missing"));
  assert_null(fg_yaml_get_key(root, "missing"));
  assert_null(fg_yaml_get(root, "K"));
  assert_null(fg_yaml_get(root, ""));
  assert_null(fg_yaml_get(NULL, "k"));
  assert_null(fg_yaml_get(root, NULL));
  /* not a mapping */
  assert_null(fg_yaml_get(fg_yaml_get(root, "k"), "k"));
  assert_null(fg_yaml_get(fg_yaml_get(root, "list"), "a"));
  assert_null(fg_yaml_str(fg_yaml_get(root, "list")));
  assert_null(fg_yaml_str(NULL));
  /* the first of duplicate keys wins */
  assert_string_equal(fg_yaml_str(fg_yaml_get(root, "dup")), "1");
  check_span(&p, fg_yaml_get_key(root, "dup"), 15, 18, "dup");
  done(&p);
}

static void test_value_with_nul(void **state) {
  Parsed p = parse("a: \"x\\0y\"\n");
  const FgYamlNode *a = fg_yaml_get(p.doc->root, "a");
  assert_int_equal(a->value_len, 3);
  assert_memory_equal(a->value, "x\0y", 3);
  done(&p);
}

static void test_delete_null(void **state) {
  fg_yaml_delete(NULL);
  /* an error mid-way leaves open collections behind: they must be freed too
   * (the sanitizer build checks) */
  Parsed p = parse("a:\n  b: [1, {c: &x [2\n");
  assert_true(p.doc->has_error);
  assert_null(p.doc->root);
  done(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_multibyte_spans),
      cmocka_unit_test(test_multibyte_past_checkpoints),
      cmocka_unit_test(test_block_scalars),
      cmocka_unit_test(test_quoted_scalars),
      cmocka_unit_test(test_flow_collections),
      cmocka_unit_test(test_block_sequences),
      cmocka_unit_test(test_anchors_and_aliases),
      cmocka_unit_test(test_merge_keys),
      cmocka_unit_test(test_billion_laughs),
      cmocka_unit_test(test_deep_nesting),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_bom),
      cmocka_unit_test(test_crlf),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_first_document_only),
      cmocka_unit_test(test_get_missing),
      cmocka_unit_test(test_value_with_nul),
      cmocka_unit_test(test_delete_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
