/* --format json (SPEC §7): stable, versioned, one object. */
#include "core/json.h"
#include "core/rule.h"
#include "report/output.h"

static void fg_json_pos(FgJson *j, const FgSource *src, size_t offset) {
  FgPos p = fg_source_pos(src, offset);
  fg_json_begin_object(j);
  fg_json_key(j, "line");
  fg_json_int(j, (long long)p.line);
  fg_json_key(j, "column");
  fg_json_int(j, (long long)p.column);
  fg_json_key(j, "offset");
  fg_json_int(j, (long long)offset);
  fg_json_end_object(j);
}

static void fg_json_range(FgJson *j, const FgSource *src, size_t start, size_t end) {
  fg_json_begin_object(j);
  fg_json_key(j, "start");
  fg_json_pos(j, src, start);
  fg_json_key(j, "end");
  fg_json_pos(j, src, end);
  fg_json_end_object(j);
}

static void fg_json_fix(FgJson *j, const FgFix *fix) {
  if (!fix) {
    fg_json_null(j);
    return;
  }
  fg_json_begin_object(j);
  fg_json_key(j, "applicability");
  fg_json_string(j, fix->applicability == FG_FIX_SAFE ? "safe" : "unsafe");
  fg_json_key(j, "message");
  fg_json_string(j, fix->message);
  fg_json_key(j, "edits");
  fg_json_begin_array(j);
  for (size_t i = 0; i < fix->edits.len; i++) {
    const FgEdit *e = &fix->edits.items[i];
    fg_json_begin_object(j);
    fg_json_key(j, "path");
    fg_json_string(j, fg_source_shown(e->src));
    fg_json_key(j, "start");
    fg_json_pos(j, e->src, e->start);
    fg_json_key(j, "end");
    fg_json_pos(j, e->src, e->end);
    fg_json_key(j, "replacement");
    fg_json_string(j, e->replacement);
    fg_json_end_object(j);
  }
  fg_json_end_array(j);
  fg_json_end_object(j);
}

void fg_output_json(FgBuf *out, const FgDiagList *diags, const FgSummary *sum,
                    bool unsafe_fixes) {
  FgJson j;
  fg_json_init(&j, out, true);
  fg_json_begin_object(&j);
  fg_json_key(&j, "version");
  fg_json_int(&j, 1);
  fg_json_key(&j, "diagnostics");
  fg_json_begin_array(&j);
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    fg_json_begin_object(&j);
    fg_json_key(&j, "code");
    fg_json_string(&j, d->rule->code);
    fg_json_key(&j, "name");
    fg_json_string(&j, d->rule->name);
    fg_json_key(&j, "message");
    fg_json_string(&j, d->message);
    fg_json_key(&j, "path");
    fg_json_string(&j, fg_source_shown(d->src));
    fg_json_key(&j, "range");
    fg_json_range(&j, d->src, d->start, d->end);
    fg_json_key(&j, "test");
    fg_json_string(&j, d->test);
    fg_json_key(&j, "related");
    fg_json_begin_array(&j);
    for (size_t k = 0; k < d->related.len; k++) {
      const FgRelated *r = &d->related.items[k];
      fg_json_begin_object(&j);
      fg_json_key(&j, "message");
      fg_json_string(&j, r->message);
      fg_json_key(&j, "path");
      fg_json_string(&j, r->src ? fg_source_shown(r->src) : NULL);
      fg_json_key(&j, "range");
      if (r->src)
        fg_json_range(&j, r->src, r->start, r->end);
      else
        fg_json_null(&j);
      fg_json_end_object(&j);
    }
    fg_json_end_array(&j);
    fg_json_key(&j, "notes");
    fg_json_begin_array(&j);
    for (size_t k = 0; k < d->notes.len; k++)
      fg_json_string(&j, d->notes.items[k]);
    fg_json_end_array(&j);
    fg_json_key(&j, "fix");
    fg_json_fix(&j, d->fix);
    fg_json_end_object(&j);
  }
  fg_json_end_array(&j);
  fg_json_key(&j, "summary");
  fg_json_begin_object(&j);
  fg_json_key(&j, "findings");
  fg_json_int(&j, (long long)sum->findings);
  fg_json_key(&j, "fixable");
  fg_json_int(&j, (long long)sum->fixable);
  fg_json_key(&j, "fixed");
  fg_json_int(&j, (long long)sum->fixed);
  if (sum->untrusted) {
    /* --trust-observed: FG101 findings the probe run did not observe */
    fg_json_key(&j, "dropped_unobserved");
    fg_json_int(&j, (long long)sum->untrusted);
  }
  if (sum->fix_mode) {
    fg_json_key(&j, "written");
    fg_json_begin_array(&j);
    for (size_t i = 0; i < sum->nwritten; i++)
      fg_json_string(&j, sum->written[i]);
    fg_json_end_array(&j);
  }
  fg_json_end_object(&j);
  fg_json_end_object(&j);
  fg_buf_putc(out, '\n');
  (void)unsafe_fixes;
}
