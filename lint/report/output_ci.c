/* Machine formats for CI: SARIF 2.1.0, GitHub workflow commands, GitLab
 * Code Quality. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/rule.h"
#include "report/output.h"

/* ---- github: ::error file=...,line=...::message -------------------------- */

/* Workflow-command escaping: properties also escape ':' and ','. */
static void fg_gh_escape(FgBuf *out, const char *s, bool property) {
  for (; *s; s++) {
    if (*s == '%')
      fg_buf_puts(out, "%25");
    else if (*s == '\r')
      fg_buf_puts(out, "%0D");
    else if (*s == '\n')
      fg_buf_puts(out, "%0A");
    else if (property && *s == ':')
      fg_buf_puts(out, "%3A");
    else if (property && *s == ',')
      fg_buf_puts(out, "%2C");
    else
      fg_buf_putc(out, *s);
  }
}

void fg_output_github(FgBuf *out, const FgDiagList *diags) {
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    FgPos s = fg_source_pos(d->src, d->start), e = fg_source_pos(d->src, d->end);
    fg_buf_puts(out, "::error file=");
    fg_gh_escape(out, fg_source_shown(d->src), true);
    fg_buf_printf(out, ",line=%zu,col=%zu,endLine=%zu,endColumn=%zu,title=", s.line,
                  s.column, e.line, e.column);
    char *title = fg_xasprintf("%s %s", d->rule->code, d->rule->name);
    fg_gh_escape(out, title, true);
    free(title);
    fg_buf_puts(out, "::");
    fg_gh_escape(out, d->message, false);
    fg_buf_putc(out, '\n');
  }
}

/* ---- gitlab code quality ----------------------------------------------------- */

/* FNV-1a, 64 bits, twice with different seeds, over what identifies a
 * finding apart from its line (so that it survives edits above it) and its
 * occurrence among findings that are otherwise identical (so that it is
 * unique: GitLab tracks findings by fingerprint). */
void fg_output_fingerprint(const FgDiag *d, size_t occurrence, char out[33]) {
  unsigned long long h1 = 1469598103934665603ULL, h2 = 1099511628211ULL * 31;
  char nth[32];
  snprintf(nth, sizeof nth, "%zu", occurrence);
  const char *parts[5] = {d->rule->code, fg_source_shown(d->src), d->message,
                          d->test ? d->test : "", nth};
  int nparts = occurrence ? 5 : 4; /* the first occurrence keeps its old print */
  for (int p = 0; p < nparts; p++) {
    for (const char *c = parts[p]; *c; c++) {
      h1 = (h1 ^ (unsigned char)*c) * 1099511628211ULL;
      h2 = (h2 ^ (unsigned char)*c) * 1099511628211ULL + 7;
    }
    h1 = (h1 ^ 0xff) * 1099511628211ULL;
    h2 = (h2 ^ 0xfe) * 1099511628211ULL;
  }
  snprintf(out, 33, "%016llx%016llx", h1, h2);
}

static bool fg_same_finding(const FgDiag *a, const FgDiag *b) {
  return a->rule == b->rule &&
         strcmp(fg_source_shown(a->src), fg_source_shown(b->src)) == 0 &&
         strcmp(a->message, b->message) == 0 && fg_str_eq(a->test, b->test);
}

/* How many findings before i are the same finding (another occurrence). */
static size_t fg_occurrence(const FgDiagList *diags, size_t i) {
  const FgDiag *d = diags->items.items[i];
  /* the list is sorted by path: identical findings share a path, so the
   * backward scan stops at the first other path */
  size_t occurrence = 0;
  for (size_t k = i; k-- > 0;) {
    const FgDiag *o = diags->items.items[k];
    if (strcmp(fg_source_shown(o->src), fg_source_shown(d->src)) != 0)
      break;
    occurrence += fg_same_finding(o, d);
  }
  return occurrence;
}

const char *fg_output_sarif_level(const FgRule *rule) {
  static const char *const levels[] = {"error", "warning", "note"};
  return levels[rule->severity];
}

const char *fg_output_gitlab_severity(const FgRule *rule) {
  static const char *const severities[] = {"critical", "major", "minor"};
  return severities[rule->severity];
}

char *fg_output_rule_description(const FgRule *rule) {
  /* the doc starts "## What it does\n<text>\n\n## ..." */
  const char *s = strstr(rule->doc, "What it does");
  if (!s)
    return fg_xstrdup(rule->summary);
  s = strchr(s, '\n');
  if (!s)
    return fg_xstrdup(rule->summary);
  while (*s == '\n')
    s++;
  const char *e = strstr(s, "\n\n");
  size_t n = e ? (size_t)(e - s) : strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
    n--;
  return n ? fg_xstrndup(s, n) : fg_xstrdup(rule->summary);
}

void fg_output_gitlab(FgBuf *out, const FgDiagList *diags) {
  FgJson j;
  fg_json_init(&j, out, true);
  fg_json_begin_array(&j);
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    size_t occurrence = fg_occurrence(diags, i);
    char fp[33];
    fg_output_fingerprint(d, occurrence, fp);
    FgPos s = fg_source_pos(d->src, d->start);
    fg_json_begin_object(&j);
    fg_json_key(&j, "description");
    fg_json_string(&j, d->message);
    fg_json_key(&j, "check_name");
    fg_json_string(&j, d->rule->code);
    fg_json_key(&j, "fingerprint");
    fg_json_string(&j, fp);
    fg_json_key(&j, "severity");
    fg_json_string(&j, fg_output_gitlab_severity(d->rule));
    fg_json_key(&j, "location");
    fg_json_begin_object(&j);
    fg_json_key(&j, "path");
    fg_json_string(&j, fg_source_shown(d->src));
    fg_json_key(&j, "lines");
    fg_json_begin_object(&j);
    fg_json_key(&j, "begin");
    fg_json_int(&j, (long long)s.line);
    fg_json_end_object(&j);
    fg_json_end_object(&j);
    fg_json_end_object(&j);
  }
  fg_json_end_array(&j);
  fg_buf_putc(out, '\n');
}

/* ---- sarif 2.1.0 ---------------------------------------------------------- */

static void fg_sarif_region(FgJson *j, const FgSource *src, size_t start, size_t end) {
  FgPos s = fg_source_pos(src, start), e = fg_source_pos(src, end);
  fg_json_key(j, "region");
  fg_json_begin_object(j);
  fg_json_key(j, "startLine");
  fg_json_int(j, (long long)s.line);
  fg_json_key(j, "startColumn");
  fg_json_int(j, (long long)s.column);
  fg_json_key(j, "endLine");
  fg_json_int(j, (long long)e.line);
  fg_json_key(j, "endColumn");
  fg_json_int(j, (long long)e.column);
  fg_json_key(j, "byteOffset");
  fg_json_int(j, (long long)start);
  fg_json_key(j, "byteLength");
  fg_json_int(j, (long long)(end - start));
  fg_json_end_object(j);
}

/* RFC 3986: a path's bytes as a URI path, every byte but the unreserved
 * characters and '/' percent-encoded (spaces, '%', '#', '?', non-ASCII). */
static char *fg_sarif_uri_path(const char *prefix, const char *path, const char *suffix) {
  static const char hex[] = "0123456789ABCDEF";
  FgBuf b = {0};
  fg_buf_puts(&b, prefix);
  for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
    bool keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                (*c >= '0' && *c <= '9') || strchr("-._~/", *c);
    if (keep) {
      fg_buf_putc(&b, (char)*c);
    } else {
      fg_buf_putc(&b, '%');
      fg_buf_putc(&b, hex[*c >> 4]);
      fg_buf_putc(&b, hex[*c & 15]);
    }
  }
  fg_buf_puts(&b, suffix);
  return fg_buf_take(&b);
}

static void fg_sarif_artifact(FgJson *j, const char *path) {
  fg_json_key(j, "artifactLocation");
  fg_json_begin_object(j);
  fg_json_key(j, "uri");
  char *uri = fg_sarif_uri_path("", path, "");
  fg_json_string(j, uri);
  free(uri);
  fg_json_key(j, "uriBaseId");
  fg_json_string(j, "%SRCROOT%");
  fg_json_end_object(j);
}

static void fg_sarif_location(FgJson *j, const FgSource *src, size_t start, size_t end,
                              const char *message, int id) {
  fg_json_begin_object(j);
  if (id >= 0) {
    fg_json_key(j, "id");
    fg_json_int(j, id);
  }
  fg_json_key(j, "physicalLocation");
  fg_json_begin_object(j);
  fg_sarif_artifact(j, fg_source_shown(src));
  fg_sarif_region(j, src, start, end);
  fg_json_end_object(j);
  if (message) {
    fg_json_key(j, "message");
    fg_json_begin_object(j);
    fg_json_key(j, "text");
    fg_json_string(j, message);
    fg_json_end_object(j);
  }
  fg_json_end_object(j);
}

static void fg_sarif_rules(FgJson *j, const FgRule *const *rules, size_t nrules) {
  fg_json_key(j, "rules");
  fg_json_begin_array(j);
  for (size_t i = 0; i < nrules; i++) {
    const FgRule *r = rules[i];
    fg_json_begin_object(j);
    fg_json_key(j, "id");
    fg_json_string(j, r->code);
    fg_json_key(j, "name");
    fg_json_string(j, r->name);
    fg_json_key(j, "shortDescription");
    fg_json_begin_object(j);
    fg_json_key(j, "text");
    fg_json_string(j, r->summary);
    fg_json_end_object(j);
    fg_json_key(j, "fullDescription");
    fg_json_begin_object(j);
    fg_json_key(j, "text");
    char *full = fg_output_rule_description(r);
    fg_json_string(j, full);
    free(full);
    fg_json_end_object(j);
    fg_json_key(j, "help");
    fg_json_begin_object(j);
    fg_json_key(j, "text");
    fg_json_string(j, r->doc);
    fg_json_key(j, "markdown");
    fg_json_string(j, r->doc);
    fg_json_end_object(j);
    fg_json_key(j, "defaultConfiguration");
    fg_json_begin_object(j);
    fg_json_key(j, "enabled");
    fg_json_bool(j, !r->opt_in);
    fg_json_key(j, "level");
    fg_json_string(j, fg_output_sarif_level(r));
    fg_json_end_object(j);
    fg_json_key(j, "properties");
    fg_json_begin_object(j);
    fg_json_key(j, "fix");
    fg_json_string(j, r->fix);
    fg_json_end_object(j);
    fg_json_end_object(j);
  }
  fg_json_end_array(j);
}

static void fg_sarif_fix(FgJson *j, const FgFix *fix) {
  fg_json_key(j, "fixes");
  fg_json_begin_array(j);
  fg_json_begin_object(j);
  fg_json_key(j, "description");
  fg_json_begin_object(j);
  fg_json_key(j, "text");
  fg_json_string(j, fix->message);
  fg_json_end_object(j);
  /* SARIF has no applicability: --fix applies safe fixes, unsafe ones need
   * --unsafe-fixes */
  fg_json_key(j, "properties");
  fg_json_begin_object(j);
  fg_json_key(j, "applicability");
  fg_json_string(j, fix->applicability == FG_FIX_SAFE ? "safe" : "unsafe");
  fg_json_end_object(j);
  fg_json_key(j, "artifactChanges");
  fg_json_begin_array(j);
  /* one artifactChange per file, its replacements in edit order */
  for (size_t i = 0; i < fix->edits.len; i++) {
    const FgSource *src = fix->edits.items[i].src;
    bool seen = false;
    for (size_t k = 0; k < i; k++)
      seen = seen || fix->edits.items[k].src == src;
    if (seen)
      continue;
    fg_json_begin_object(j);
    fg_sarif_artifact(j, fg_source_shown(src));
    fg_json_key(j, "replacements");
    fg_json_begin_array(j);
    for (size_t k = i; k < fix->edits.len; k++) {
      const FgEdit *e = &fix->edits.items[k];
      if (e->src != src)
        continue;
      fg_json_begin_object(j);
      fg_json_key(j, "deletedRegion");
      fg_json_begin_object(j);
      fg_json_key(j, "byteOffset");
      fg_json_int(j, (long long)e->start);
      fg_json_key(j, "byteLength");
      fg_json_int(j, (long long)(e->end - e->start));
      fg_json_end_object(j);
      fg_json_key(j, "insertedContent");
      fg_json_begin_object(j);
      fg_json_key(j, "text");
      fg_json_string(j, e->replacement);
      fg_json_end_object(j);
      fg_json_end_object(j);
    }
    fg_json_end_array(j);
    fg_json_end_object(j);
  }
  fg_json_end_array(j);
  fg_json_end_object(j);
  fg_json_end_array(j);
}

void fg_output_sarif(FgBuf *out, const FgDiagList *diags, const char *root,
                     const FgRule *const *rules, size_t nrules, int exit_code) {
  FgJson j;
  fg_json_init(&j, out, true);
  fg_json_begin_object(&j);
  fg_json_key(&j, "$schema");
  /* the $id of the OASIS schema (shared/data/sarif-schema-2.1.0.json) */
  fg_json_string(&j, "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/"
                     "Schemata/sarif-schema-2.1.0.json");
  fg_json_key(&j, "version");
  fg_json_string(&j, "2.1.0");
  fg_json_key(&j, "runs");
  fg_json_begin_array(&j);
  fg_json_begin_object(&j);
  fg_json_key(&j, "tool");
  fg_json_begin_object(&j);
  fg_json_key(&j, "driver");
  fg_json_begin_object(&j);
  fg_json_key(&j, "name");
  fg_json_string(&j, "forkguard");
  fg_json_key(&j, "version");
  fg_json_string(&j, FG_VERSION);
  fg_sarif_rules(&j, rules, nrules);
  fg_json_end_object(&j);
  fg_json_end_object(&j);
  /* columns count code points, as in every other format; SARIF's default
   * is UTF-16 code units */
  fg_json_key(&j, "columnKind");
  fg_json_string(&j, "unicodeCodePoints");
  fg_json_key(&j, "originalUriBaseIds");
  fg_json_begin_object(&j);
  fg_json_key(&j, "%SRCROOT%");
  fg_json_begin_object(&j);
  fg_json_key(&j, "uri");
  /* the root is absolute: file:///abs/path/ (a base URI ends with '/') */
  bool slash = root[0] && root[strlen(root) - 1] == '/';
  char *uri = fg_sarif_uri_path("file://", root, slash ? "" : "/");
  fg_json_string(&j, uri);
  free(uri);
  fg_json_end_object(&j);
  fg_json_end_object(&j);
  fg_json_key(&j, "automationDetails");
  fg_json_begin_object(&j);
  fg_json_key(&j, "id");
  fg_json_string(&j, "forkguard/");
  fg_json_end_object(&j);
  fg_json_key(&j, "invocations");
  fg_json_begin_array(&j);
  fg_json_begin_object(&j);
  fg_json_key(&j, "executionSuccessful");
  fg_json_bool(&j, exit_code != 2);
  fg_json_key(&j, "exitCode");
  fg_json_int(&j, exit_code);
  fg_json_end_object(&j);
  fg_json_end_array(&j);
  fg_json_key(&j, "results");
  fg_json_begin_array(&j);
  for (size_t i = 0; i < diags->items.len; i++) {
    const FgDiag *d = diags->items.items[i];
    size_t rule_index = 0;
    for (size_t r = 0; r < nrules; r++)
      if (rules[r] == d->rule)
        rule_index = r;
    fg_json_begin_object(&j);
    fg_json_key(&j, "ruleId");
    fg_json_string(&j, d->rule->code);
    fg_json_key(&j, "ruleIndex");
    fg_json_int(&j, (long long)rule_index);
    fg_json_key(&j, "level");
    fg_json_string(&j, fg_output_sarif_level(d->rule));
    fg_json_key(&j, "message");
    fg_json_begin_object(&j);
    fg_json_key(&j, "text");
    fg_json_string(&j, d->message);
    fg_json_end_object(&j);
    fg_json_key(&j, "locations");
    fg_json_begin_array(&j);
    fg_sarif_location(&j, d->src, d->start, d->end, NULL, -1);
    fg_json_end_array(&j);
    char fp[33];
    fg_output_fingerprint(d, fg_occurrence(diags, i), fp);
    fg_json_key(&j, "partialFingerprints");
    fg_json_begin_object(&j);
    fg_json_key(&j, "forkguardFinding/v1");
    fg_json_string(&j, fp);
    fg_json_end_object(&j);
    if (d->related.len) {
      fg_json_key(&j, "relatedLocations");
      fg_json_begin_array(&j);
      for (size_t k = 0; k < d->related.len; k++) {
        const FgRelated *r = &d->related.items[k];
        if (r->src)
          fg_sarif_location(&j, r->src, r->start, r->end, r->message, (int)k + 1);
      }
      fg_json_end_array(&j);
    }
    if (d->test) {
      fg_json_key(&j, "properties");
      fg_json_begin_object(&j);
      fg_json_key(&j, "test");
      fg_json_string(&j, d->test);
      fg_json_end_object(&j);
    }
    if (d->fix)
      fg_sarif_fix(&j, d->fix);
    fg_json_end_object(&j);
  }
  fg_json_end_array(&j);
  fg_json_end_object(&j);
  fg_json_end_array(&j);
  fg_json_end_object(&j);
  fg_buf_putc(out, '\n');
}
