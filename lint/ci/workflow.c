#include "ci/workflow.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ci/called.h"

static const char *fg_get_str(const FgYamlNode *map, const char *key) {
  return fg_yaml_str(fg_yaml_deref(fg_yaml_get(map, key)));
}

/* A block scalar's content: the line after the indicator line (*first)
 * and the block indentation, that of the first non-blank content line. */
static size_t fg_block_indent(const FgSource *src, const FgYamlNode *n, size_t *first) {
  size_t p = n->start;
  while (p < src->len && src->data[p] != '\n')
    p++;
  if (p < src->len)
    p++;
  *first = p;
  for (size_t q = p; q < src->len;) {
    size_t e = q;
    while (e < src->len && src->data[e] == ' ')
      e++;
    if (e < src->len && src->data[e] != '\n' && src->data[e] != '\r')
      return e - q;
    while (q < src->len && src->data[q] != '\n')
      q++;
    q++;
  }
  return 0;
}

/* For a literal block scalar the value's lines are the file's lines with the
 * block indentation removed: map each value line to its file line. */
static void fg_script_map_literal(FgScript *s, const FgSource *src, const FgYamlNode *n) {
  size_t file = 0;
  size_t indent = fg_block_indent(src, n, &file);
  for (size_t i = 0; i < s->npieces; i++) {
    /* blank lines may be shorter than the indentation */
    size_t e = file;
    while (e < src->len && e - file < indent && src->data[e] == ' ')
      e++;
    s->piece_file[i] = e;
    while (file < src->len && src->data[file] != '\n')
      file++;
    if (file < src->len)
      file++;
  }
}

static bool fg_is_fold(char c) {
  return c == ' ' || c == '\n';
}

/* For a folded block scalar each content line (the block indentation
 * removed) appears in the value as it is, in order, with only spaces and
 * newlines (the folds) between: find each line in the value and make it a
 * piece. False when the value does not read so (nothing is set then). */
static bool fg_script_map_folded(FgScript *s, const FgSource *src, const FgYamlNode *n) {
  size_t line = 0;
  size_t indent = fg_block_indent(src, n, &line);
  size_t lines = 0;
  for (size_t q = line; q < src->len && q < n->end; q++)
    lines += src->data[q] == '\n';
  lines++;
  size_t *pt = fg_xmalloc(lines * sizeof(size_t));
  size_t *pf = fg_xmalloc(lines * sizeof(size_t));
  size_t *pl = fg_xmalloc(lines * sizeof(size_t));
  size_t np = 0, pos = 0;
  bool ok = indent > 0;
  while (ok && line < src->len && pos < s->len && np < lines) {
    size_t e = line;
    while (e < src->len && src->data[e] != '\n')
      e++;
    size_t c = line;
    while (c < e && c - line < indent && src->data[c] == ' ')
      c++;
    size_t ce = e;
    if (ce > c && src->data[ce - 1] == '\r')
      ce--;
    bool short_indent = c - line < indent;
    line = e < src->len ? e + 1 : e;
    if (c == ce)
      continue; /* a blank line: only a fold */
    if (short_indent)
      break; /* a less indented line ends the scalar */
    size_t len = ce - c, skip = 0;
    /* the fold before this line: the fewest spaces/newlines that make the
     * line's text follow */
    while (pos + skip + len <= s->len &&
           memcmp(s->text + pos + skip, src->data + c, len) != 0 &&
           fg_is_fold(s->text[pos + skip]))
      skip++;
    if (pos + skip + len > s->len ||
        memcmp(s->text + pos + skip, src->data + c, len) != 0) {
      ok = false;
      break;
    }
    pt[np] = pos + skip;
    pf[np] = c;
    pl[np] = len;
    np++;
    pos += skip + len;
  }
  for (size_t i = pos; ok && i < s->len; i++)
    ok = fg_is_fold(s->text[i]);
  if (!ok || np == 0) {
    free(pt);
    free(pf);
    free(pl);
    return false;
  }
  free(s->piece_text);
  free(s->piece_file);
  s->piece_text = pt;
  s->piece_file = pf;
  s->piece_len = pl;
  s->npieces = np;
  return true;
}

static FgScript *fg_script_new(const FgSource *src, const FgYamlNode *n) {
  FgScript *s = fg_xcalloc(1, sizeof *s);
  s->text = fg_xstrndup(n->value, n->value_len);
  s->len = n->value_len;
  size_t cap = 1;
  for (size_t i = 0; i < s->len; i++)
    cap += s->text[i] == '\n';
  s->piece_text = fg_xmalloc(cap * sizeof(size_t));
  s->piece_file = fg_xmalloc(cap * sizeof(size_t));
  s->piece_text[s->npieces++] = 0;
  for (size_t i = 0; i + 1 < s->len; i++)
    if (s->text[i] == '\n')
      s->piece_text[s->npieces++] = i + 1;
  if (n->style == FG_YAML_LITERAL) {
    s->exact = s->mapped = true;
    fg_script_map_literal(s, src, n);
  } else if (s->npieces == 1 &&
             (n->style == FG_YAML_PLAIN || n->style == FG_YAML_SINGLE_QUOTED ||
              n->style == FG_YAML_DOUBLE_QUOTED)) {
    size_t body = n->start + (n->style == FG_YAML_PLAIN ? 0 : 1);
    /* exact when the written text is the value byte for byte */
    s->exact =
        body + s->len <= src->len && memcmp(src->data + body, s->text, s->len) == 0;
    s->mapped = s->exact;
    s->piece_file[0] = body;
  } else if (n->style == FG_YAML_FOLDED && fg_script_map_folded(s, src, n)) {
    /* positions are right; the text is not the file's, so no fix edits it */
    s->exact = false;
    s->mapped = true;
  } else {
    /* multi-line flow, escaped or unreadable: point every piece at the scalar */
    s->exact = s->mapped = false;
    for (size_t i = 0; i < s->npieces; i++)
      s->piece_file[i] = n->start;
  }
  return s;
}

static void fg_script_delete(FgScript *s) {
  if (!s)
    return;
  free(s->text);
  free(s->piece_text);
  free(s->piece_file);
  free(s->piece_len);
  free(s);
}

size_t fg_script_file_offset(const FgScript *self, size_t off) {
  /* unmapped: every piece points at the same place */
  if (off < self->piece_text[0] || !self->mapped)
    return self->piece_file[0];
  size_t lo = 0, hi = self->npieces;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (self->piece_text[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  size_t d = off - self->piece_text[lo];
  if (self->piece_len && d > self->piece_len[lo])
    d = self->piece_len[lo]; /* inside the fold after the line: its end */
  return self->piece_file[lo] + d;
}

/* Actions that run one of their inputs as a shell script (with the
 * `shell` input, if any): nick-fields/retry (formerly nick-invision/retry)
 * runs `command` again on failure, CodSpeedHQ/action runs `run` under its
 * profiler. The input's name, or NULL for another action. */
static const char *fg_script_input(const char *uses) {
  static const char *const actions[][2] = {{"nick-fields/retry@", "command"},
                                           {"nick-invision/retry@", "command"},
                                           {"CodSpeedHQ/action@", "run"},
                                           {NULL, NULL}};
  for (size_t i = 0; uses && actions[i][0]; i++)
    if (strncasecmp(uses, actions[i][0], strlen(actions[i][0])) == 0)
      return actions[i][1];
  return NULL;
}

/* A script no file holds: text, every offset at the file offset at. */
static FgScript *fg_script_at(const char *text, size_t at) {
  FgScript *s = fg_xcalloc(1, sizeof *s);
  s->text = fg_xstrdup(text);
  s->len = strlen(text);
  s->piece_text = fg_xcalloc(1, sizeof(size_t));
  s->piece_file = fg_xmalloc(sizeof(size_t));
  s->piece_file[0] = at;
  s->npieces = 1;
  return s;
}

/* The pypa/cibuildwheel action runs `cibuildwheel PACKAGE_DIR --only X`
 * (its inputs) in bash: the step's script, as the action writes it. */
static char *fg_cibuildwheel_action(const FgYamlNode *sn) {
  const FgYamlNode *with = fg_yaml_deref(fg_yaml_get(sn, "with"));
  const char *dir = fg_get_str(with, "package-dir");
  const char *only = fg_get_str(with, "only");
  const char *config = fg_get_str(with, "config-file");
  FgBuf b = {0};
  fg_buf_puts(&b, "cibuildwheel");
  if (dir && *dir)
    fg_buf_printf(&b, " '%s'", dir);
  if (only && *only)
    fg_buf_printf(&b, " --only '%s'", only);
  if (config && *config)
    fg_buf_printf(&b, " --config-file '%s'", config);
  return fg_buf_take(&b);
}

static void fg_load_steps(FgJob *job, const FgYamlNode *owner, const FgSource *src) {
  const FgYamlNode *steps = fg_yaml_deref(fg_yaml_get(owner, "steps"));
  if (!steps || steps->kind != FG_YAML_SEQ)
    return;
  for (size_t i = 0; i < steps->nitems; i++) {
    const FgYamlNode *sn = fg_yaml_deref(steps->items[i]);
    if (!sn || sn->kind != FG_YAML_MAP)
      continue;
    FgStep st = {0};
    st.node = sn;
    st.index = i;
    st.name = fg_get_str(sn, "name");
    st.id = fg_get_str(sn, "id");
    st.uses = fg_get_str(sn, "uses");
    st.shell = fg_get_str(sn, "shell");
    st.working_directory = fg_get_str(sn, "working-directory");
    st.env = fg_yaml_deref(fg_yaml_get(sn, "env"));
    st.timeout_minutes = fg_yaml_deref(fg_yaml_get(sn, "timeout-minutes"));
    const FgYamlNode *run = fg_yaml_deref(fg_yaml_get(sn, "run"));
    const char *input = run ? NULL : fg_script_input(st.uses);
    if (input) {
      /* the action runs that input as the step's script */
      const FgYamlNode *with = fg_yaml_deref(fg_yaml_get(sn, "with"));
      run = fg_yaml_deref(fg_yaml_get(with, input));
      st.shell = fg_get_str(with, "shell");
    }
    const FgYamlNode *uses = fg_yaml_deref(fg_yaml_get(sn, "uses"));
    if (run && run->kind == FG_YAML_SCALAR) {
      st.run = run;
      st.script = fg_script_new(src, run);
    } else if (!run && st.uses && uses &&
               strncasecmp(st.uses, "pypa/cibuildwheel@", 18) == 0) {
      /* the action's own command: positions at its `uses:`, never edited */
      char *text = fg_cibuildwheel_action(sn);
      st.run = uses;
      st.script = fg_script_at(text, uses->start);
      st.shell = "bash";
      st.action_script = true;
      free(text);
    }
    fg_vec_push(&job->steps, st);
  }
}

static const char *fg_default_run(const FgYamlNode *owner, const char *key) {
  const FgYamlNode *d = fg_yaml_deref(fg_yaml_get(owner, "defaults"));
  const FgYamlNode *r = fg_yaml_deref(fg_yaml_get(d, "run"));
  return fg_get_str(r, key);
}

/* A job that calls a workflow forkguard knows (ci/called) becomes the job
 * that workflow runs: its runs-on, env, matrix and steps are read from the
 * YAML ci/called writes, which the workflow keeps. Every position stays in
 * the caller's file: the scripts point at the `uses:` value and are not the
 * file's bytes (no fix edits them), and the job's timeout is the called
 * workflow's (its `timeout-minutes` input, else its own default). */
static void fg_load_called(FgWorkflow *self, FgJob *job) {
  const FgYamlNode *uses = fg_yaml_deref(fg_yaml_get(job->node, "uses"));
  FgBuf yaml = {0};
  if (!uses || uses->kind != FG_YAML_SCALAR ||
      !fg_called_job_yaml(uses->value, job->node, &yaml)) {
    fg_buf_free(&yaml);
    return;
  }
  FgSource *src = fg_source_new(self->src->path, yaml.data, yaml.len);
  fg_buf_free(&yaml);
  FgYamlDoc *doc = fg_yaml_parse(src);
  const FgYamlNode *root = fg_yaml_deref(doc->root);
  if (doc->has_error || !root || root->kind != FG_YAML_MAP) {
    fg_yaml_delete(doc);
    fg_source_delete(src);
    return;
  }
  fg_vec_push(&self->called_src, src);
  fg_vec_push(&self->called_docs, doc);
  job->runs_on = fg_yaml_deref(fg_yaml_get(root, "runs-on"));
  job->strategy = fg_yaml_deref(fg_yaml_get(root, "strategy"));
  job->matrix = fg_yaml_deref(fg_yaml_get(job->strategy, "matrix"));
  job->env = fg_yaml_deref(fg_yaml_get(root, "env"));
  const FgYamlNode *with = fg_yaml_deref(fg_yaml_get(job->node, "with"));
  const FgYamlNode *timeout = fg_yaml_deref(fg_yaml_get(with, "timeout-minutes"));
  job->timeout_minutes = timeout ? timeout : uses;
  job->default_working_directory = fg_default_run(root, "working-directory");
  fg_load_steps(job, root, src);
  for (size_t i = 0; i < job->steps.len; i++) {
    FgStep *st = &job->steps.items[i];
    if (!st->script)
      continue;
    /* the written YAML's script and run: node stand at the `uses:` value */
    FgScript *at = fg_script_at(st->script->text, uses->start);
    fg_script_delete(st->script);
    st->script = at;
    st->run = uses;
    st->action_script = true;
  }
}

FgWorkflow *fg_workflow_load(FgSource *src) {
  FgWorkflow *self = fg_xcalloc(1, sizeof *self);
  self->src = src;
  self->doc = fg_yaml_parse(src);
  const FgYamlNode *root = fg_yaml_deref(self->doc->root);
  if (!root || root->kind != FG_YAML_MAP)
    return self;
  self->name = fg_get_str(root, "name");
  self->env = fg_yaml_deref(fg_yaml_get(root, "env"));
  self->default_working_directory = fg_default_run(root, "working-directory");
  const FgYamlNode *jobs = fg_yaml_deref(fg_yaml_get(root, "jobs"));
  if (!jobs || jobs->kind != FG_YAML_MAP)
    return self;
  for (size_t i = 0; i + 1 < jobs->nitems; i += 2) {
    const FgYamlNode *key = fg_yaml_deref(jobs->items[i]);
    const FgYamlNode *jn = fg_yaml_deref(jobs->items[i + 1]);
    if (!key || key->kind != FG_YAML_SCALAR || !jn || jn->kind != FG_YAML_MAP)
      continue;
    FgJob job = {0};
    job.id = key->value;
    job.key = key;
    job.node = jn;
    job.runs_on = fg_yaml_deref(fg_yaml_get(jn, "runs-on"));
    job.strategy = fg_yaml_deref(fg_yaml_get(jn, "strategy"));
    job.matrix = fg_yaml_deref(fg_yaml_get(job.strategy, "matrix"));
    job.env = fg_yaml_deref(fg_yaml_get(jn, "env"));
    job.timeout_minutes = fg_yaml_deref(fg_yaml_get(jn, "timeout-minutes"));
    job.default_working_directory = fg_default_run(jn, "working-directory");
    job.default_shell = fg_default_run(jn, "shell");
    fg_load_steps(&job, jn, src);
    fg_load_called(self, &job);
    fg_vec_push(&self->jobs, job);
  }
  return self;
}

void fg_workflow_delete(FgWorkflow *self) {
  if (!self)
    return;
  for (size_t j = 0; j < self->jobs.len; j++) {
    FgJob *job = &self->jobs.items[j];
    for (size_t s = 0; s < job->steps.len; s++)
      fg_script_delete(job->steps.items[s].script);
    fg_vec_free(&job->steps);
  }
  fg_vec_free(&self->jobs);
  for (size_t i = 0; i < self->called_docs.len; i++) {
    fg_yaml_delete(self->called_docs.items[i]);
    fg_source_delete(self->called_src.items[i]);
  }
  fg_vec_free(&self->called_docs);
  fg_vec_free(&self->called_src);
  fg_yaml_delete(self->doc);
  fg_source_delete(self->src);
  free(self);
}

char *fg_step_label(const FgStep *step) {
  if (step->name)
    return fg_xstrdup(step->name);
  if (step->action_script && step->uses)
    return fg_xstrdup(step->uses);
  if (step->run) {
    const char *v = step->run->value;
    size_t n = 0;
    while (v[n] && v[n] != '\n')
      n++;
    return fg_xasprintf("run: %.*s", (int)n, v);
  }
  if (step->uses)
    return fg_xstrdup(step->uses);
  return fg_xasprintf("step %zu", step->index + 1);
}
