#include "fix/apply.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diff.h"

/* An accepted edit, with where it came from: edits at the same offset keep
 * the order of their fix. */
typedef struct PlanEdit {
  const FgEdit *edit;
  size_t fix;   /* index in FgPlan.fixes */
  size_t order; /* index in the fix's edits */
} PlanEdit;

typedef struct PlanFile {
  FgPlannedFile pub; /* first, so a PlanFile* is an FgPlannedFile* */
  FG_VEC(PlanEdit) edits;
  char *data; /* the built bytes (owned) */
  bool built; /* data matches edits */
} PlanFile;

typedef struct Offered {
  const FgFix *fix;
  FgFixStatus status;
} Offered;

typedef struct Rejected {
  FgRejectedFile pub;
  char *why;
} Rejected;

/* New bytes a validator already accepted, so a rebuilt plan does not parse
 * an unchanged file again. */
typedef struct Validated {
  const FgSource *src;
  char *data;
  size_t len;
} Validated;

struct FgPlan {
  FG_VEC(Offered) fixes;
  FG_VEC(PlanFile *) files; /* sorted by path */
  FG_VEC(Rejected) rejected;
  FG_VEC(Validated) validated;
  char *bound; /* writes stay inside it (fg_plan_set_bound); NULL: the root */
};

FgPlan *fg_plan_new(void) {
  return fg_xcalloc(1, sizeof(FgPlan));
}

void fg_plan_set_bound(FgPlan *self, const char *dir) {
  free(self->bound);
  self->bound = dir ? fg_xstrdup(dir) : NULL;
}

static void plan_file_delete(PlanFile *f) {
  fg_vec_free(&f->edits);
  free(f->data);
  free(f);
}

static void plan_clear_files(FgPlan *self) {
  for (size_t i = 0; i < self->files.len; i++)
    plan_file_delete(self->files.items[i]);
  self->files.len = 0;
}

void fg_plan_delete(FgPlan *self) {
  if (!self)
    return;
  plan_clear_files(self);
  fg_vec_free(&self->files);
  fg_vec_free(&self->fixes);
  for (size_t i = 0; i < self->rejected.len; i++)
    free(self->rejected.items[i].why);
  fg_vec_free(&self->rejected);
  free(self->bound);
  for (size_t i = 0; i < self->validated.len; i++)
    free(self->validated.items[i].data);
  fg_vec_free(&self->validated);
  free(self);
}

/* ---- planning ------------------------------------------------------------ */

static const char *repl(const FgEdit *e) {
  return e->replacement ? e->replacement : "";
}

static bool edit_is_insertion(const FgEdit *e) {
  return e->start == e->end;
}

/* An empty insertion changes nothing and conflicts with nothing. */
static bool edit_is_noop(const FgEdit *e) {
  return edit_is_insertion(e) && !*repl(e);
}

static bool edits_identical(const FgEdit *a, const FgEdit *b) {
  return a->src == b->src && a->start == b->start && a->end == b->end &&
         strcmp(repl(a), repl(b)) == 0;
}

/* Between fixes: ranges that share a byte overlap, and so do two different
 * insertions at one offset (their order would be arbitrary). An insertion
 * at a replacement's boundary does not overlap it. */
static bool edits_conflict(const FgEdit *a, const FgEdit *b) {
  if (a->src != b->src || edits_identical(a, b) || edit_is_noop(a) || edit_is_noop(b))
    return false;
  if (edit_is_insertion(a) && edit_is_insertion(b))
    return a->start == b->start;
  return a->start < b->end && b->start < a->end;
}

/* Within one fix, insertions at one offset are fine: they keep the fix's
 * order. */
static bool edits_overlap_in_fix(const FgEdit *a, const FgEdit *b) {
  return a->src == b->src && !edits_identical(a, b) && a->start < b->end &&
         b->start < a->end;
}

static bool source_rejected(const FgPlan *self, const FgSource *src) {
  for (size_t i = 0; i < self->rejected.len; i++)
    if (self->rejected.items[i].pub.src == src)
      return true;
  return false;
}

static PlanFile *plan_find_file(const FgPlan *self, const FgSource *src) {
  for (size_t i = 0; i < self->files.len; i++)
    if (self->files.items[i]->pub.src == src)
      return self->files.items[i];
  return NULL;
}

static PlanFile *plan_get_file(FgPlan *self, const FgSource *src) {
  PlanFile *f = plan_find_file(self, src);
  if (f)
    return f;
  f = fg_xcalloc(1, sizeof *f);
  f->pub.src = src;
  fg_vec_push(&self->files, f);
  /* Keep the list sorted by path: insert at the right place. */
  size_t i = self->files.len - 1;
  while (i > 0 && strcmp(self->files.items[i - 1]->pub.src->path, src->path) > 0) {
    self->files.items[i] = self->files.items[i - 1];
    i--;
  }
  self->files.items[i] = f;
  return f;
}

static FgFixStatus fix_check(const FgPlan *self, const FgFix *fix) {
  for (size_t i = 0; i < fix->edits.len; i++) {
    const FgEdit *e = &fix->edits.items[i];
    if (!e->src || e->start > e->end || e->end > e->src->len)
      return FG_FIX_BAD_EDIT;
    for (size_t j = 0; j < i; j++)
      if (edits_overlap_in_fix(e, &fix->edits.items[j]))
        return FG_FIX_BAD_EDIT;
  }
  for (size_t i = 0; i < fix->edits.len; i++)
    if (source_rejected(self, fix->edits.items[i].src))
      return FG_FIX_FILE_REJECTED;
  for (size_t i = 0; i < fix->edits.len; i++) {
    const FgEdit *e = &fix->edits.items[i];
    const PlanFile *f = plan_find_file(self, e->src);
    for (size_t j = 0; f && j < f->edits.len; j++)
      if (edits_conflict(e, f->edits.items[j].edit))
        return FG_FIX_OVERLAPS;
  }
  return FG_FIX_APPLIED;
}

static bool file_has_identical(const PlanFile *f, const FgEdit *e) {
  for (size_t j = 0; j < f->edits.len; j++)
    if (edits_identical(e, f->edits.items[j].edit))
      return true;
  return false;
}

/* Adds the fix's edits, skipping those already present (from an earlier fix
 * or earlier in this one). */
static void fix_accept(FgPlan *self, size_t fix_index) {
  const FgFix *fix = self->fixes.items[fix_index].fix;
  for (size_t i = 0; i < fix->edits.len; i++) {
    const FgEdit *e = &fix->edits.items[i];
    PlanFile *f = plan_get_file(self, e->src);
    if (edit_is_noop(e) || file_has_identical(f, e))
      continue;
    PlanEdit pe = {e, fix_index, i};
    fg_vec_push(&f->edits, pe);
    f->built = false;
  }
}

static void plan_try(FgPlan *self, size_t fix_index) {
  Offered *o = &self->fixes.items[fix_index];
  o->status = fix_check(self, o->fix);
  if (o->status == FG_FIX_APPLIED)
    fix_accept(self, fix_index);
}

bool fg_plan_add_fix(FgPlan *self, const FgFix *fix) {
  Offered o = {fix, FG_FIX_APPLIED};
  fg_vec_push(&self->fixes, o);
  plan_try(self, self->fixes.len - 1);
  return self->fixes.items[self->fixes.len - 1].status == FG_FIX_APPLIED;
}

/* Rebuilds the plan from every offered fix, in order. */
static void plan_rebuild(FgPlan *self) {
  plan_clear_files(self);
  for (size_t i = 0; i < self->fixes.len; i++)
    plan_try(self, i);
}

size_t fg_plan_nfixes(const FgPlan *self) {
  return self->fixes.len;
}

const FgFix *fg_plan_fix(const FgPlan *self, size_t i, FgFixStatus *status) {
  if (status)
    *status = self->fixes.items[i].status;
  return self->fixes.items[i].fix;
}

/* ---- building the new bytes ---------------------------------------------- */

static int plan_edit_cmp(const void *pa, const void *pb) {
  const PlanEdit *a = pa, *b = pb;
  if (a->edit->start != b->edit->start)
    return a->edit->start < b->edit->start ? -1 : 1;
  if (a->edit->end != b->edit->end)
    return a->edit->end < b->edit->end ? -1 : 1;
  if (a->fix != b->fix)
    return a->fix < b->fix ? -1 : 1;
  if (a->order != b->order)
    return a->order < b->order ? -1 : 1;
  return 0;
}

static void plan_file_build(PlanFile *f) {
  if (f->built)
    return;
  qsort(f->edits.items, f->edits.len, sizeof *f->edits.items, plan_edit_cmp);
  const FgSource *src = f->pub.src;
  FgBuf b = {0};
  size_t pos = 0;
  for (size_t i = 0; i < f->edits.len; i++) {
    const FgEdit *e = f->edits.items[i].edit;
    fg_buf_append(&b, src->data + pos, e->start - pos);
    fg_buf_puts(&b, repl(e));
    pos = e->end;
  }
  fg_buf_append(&b, src->data + pos, src->len - pos);
  free(f->data);
  f->pub.len = b.len;
  f->data = fg_buf_take(&b);
  f->pub.data = f->data;
  f->built = true;
}

size_t fg_plan_nfiles(const FgPlan *self) {
  return self->files.len;
}

const FgPlannedFile *fg_plan_file(const FgPlan *self, size_t i) {
  PlanFile *f = self->files.items[i];
  plan_file_build(f);
  return &f->pub;
}

bool fg_plan_file_changed(const FgPlannedFile *file) {
  const FgSource *src = file->src;
  return src->is_new || file->len != src->len ||
         memcmp(file->data, src->data, src->len) != 0;
}

/* ---- rejecting files ----------------------------------------------------- */

size_t fg_plan_nrejected(const FgPlan *self) {
  return self->rejected.len;
}

const FgRejectedFile *fg_plan_rejected(const FgPlan *self, size_t i) {
  return &self->rejected.items[i].pub;
}

static void plan_reject(FgPlan *self, const FgSource *src, char *why) {
  Rejected r = {{src, why}, why};
  fg_vec_push(&self->rejected, r);
}

/* Decides whether one planned file may stay; on refusal sets *why (owned). */
typedef bool (*FileCheck)(FgPlan *self, const FgPlannedFile *f, char **why, void *ctx);

/* Checks every changed file; rejects the failures and rebuilds, until a
 * round rejects nothing. Each round rejects at least one more source, so
 * there are at most as many rounds as sources. */
static size_t plan_reject_loop(FgPlan *self, FileCheck check, void *ctx) {
  size_t total = 0;
  for (;;) {
    size_t round = 0;
    for (size_t i = 0; i < fg_plan_nfiles(self); i++) {
      const FgPlannedFile *f = fg_plan_file(self, i);
      if (!fg_plan_file_changed(f))
        continue;
      char *why = NULL;
      if (check(self, f, &why, ctx)) {
        free(why);
        continue;
      }
      plan_reject(self, f->src, why);
      round++;
    }
    if (round == 0)
      return total;
    total += round;
    plan_rebuild(self);
  }
}

typedef struct ValidateCtx {
  FgValidateFn fn;
  void *ctx;
} ValidateCtx;

static bool already_validated(const FgPlan *self, const FgPlannedFile *f) {
  for (size_t i = 0; i < self->validated.len; i++) {
    const Validated *v = &self->validated.items[i];
    if (v->src == f->src && v->len == f->len && memcmp(v->data, f->data, f->len) == 0)
      return true;
  }
  return false;
}

static bool validate_check(FgPlan *self, const FgPlannedFile *f, char **why, void *ctx) {
  const ValidateCtx *vc = ctx;
  if (already_validated(self, f))
    return true;
  if (!vc->fn(f->src->path, f->data, f->len, why, vc->ctx)) {
    if (!*why)
      *why = fg_xstrdup("the fixed file would not parse");
    return false;
  }
  Validated v = {f->src, fg_xstrndup(f->data, f->len), f->len};
  fg_vec_push(&self->validated, v);
  return true;
}

size_t fg_plan_validate(FgPlan *self, FgValidateFn validate, void *ctx) {
  ValidateCtx vc = {validate, ctx};
  return plan_reject_loop(self, validate_check, &vc);
}

/* ---- the disk ------------------------------------------------------------ */

/* Where one file lives on disk, once its path was checked. */
typedef struct Target {
  char *real; /* the resolved path the rename goes to */
  char *dir;  /* its directory */
  mode_t mode;
  bool exists;
  uid_t uid;
  gid_t gid;
} Target;

static void target_free(Target *t) {
  free(t->real);
  free(t->dir);
  memset(t, 0, sizeof *t);
}

static bool path_within(const char *path, const char *root) {
  size_t n = strlen(root);
  if (n == 1 && root[0] == '/')
    return true;
  return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static char *path_dirname(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return fg_xstrdup(".");
  if (slash == path)
    return fg_xstrdup("/");
  return fg_xstrndup(path, (size_t)(slash - path));
}

static const char *path_basename(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static mode_t new_file_mode(void) {
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

/* Resolves root/src->path and checks it is a file we may replace (or
 * create). Symlinks are followed, but the result must stay under bound
 * (the root, or the repository that holds the project). */
static bool target_resolve(Target *t, const char *realroot, const char *realbound,
                           const FgSource *src, char **why) {
  memset(t, 0, sizeof *t);
  char *joined = fg_xasprintf("%s/%s", realroot, src->path);
  struct stat lst;
  bool exists = lstat(joined, &lst) == 0;
  if (!exists && errno != ENOENT) {
    *why = fg_xstrdup(strerror(errno));
    free(joined);
    return false;
  }
  if (exists && src->is_new) {
    *why = fg_xstrdup("already exists on disk; the fix would create it");
    free(joined);
    return false;
  }
  if (!exists && !src->is_new) {
    *why = fg_xstrdup("changed on disk since it was read (it no longer exists)");
    free(joined);
    return false;
  }
  char *resolved;
  if (exists) {
    resolved = realpath(joined, NULL);
  } else {
    char *parent = path_dirname(joined);
    char *realparent = realpath(parent, NULL);
    free(parent);
    resolved =
        realparent ? fg_xasprintf("%s/%s", realparent, path_basename(joined)) : NULL;
    free(realparent);
  }
  int saved = errno;
  free(joined);
  if (!resolved) {
    *why = fg_xasprintf("cannot resolve the path: %s", strerror(saved));
    return false;
  }
  if (!path_within(resolved, realbound)) {
    *why = fg_xstrdup(strcmp(realbound, realroot) == 0
                          ? "resolves outside the project root (symlink); not written"
                          : "resolves outside the repository; not written");
    free(resolved);
    return false;
  }
  t->real = resolved;
  t->dir = path_dirname(resolved);
  t->exists = exists;
  t->mode = new_file_mode();
  if (exists) {
    struct stat st;
    if (stat(resolved, &st) != 0 || !S_ISREG(st.st_mode)) {
      *why = fg_xstrdup("not a regular file");
      target_free(t);
      return false;
    }
    t->mode = st.st_mode & 07777;
    t->uid = st.st_uid;
    t->gid = st.st_gid;
  }
  return true;
}

/* The bytes on disk must still be the bytes the fixes were computed from. */
static bool target_unchanged(const Target *t, const FgSource *src, char **why) {
  if (!t->exists)
    return true;
  size_t len = 0;
  char *err = NULL;
  struct stat st;
  if (stat(t->real, &st) != 0) {
    *why = fg_xstrdup(strerror(errno));
    return false;
  }
  if ((size_t)st.st_size != src->len) {
    *why = fg_xstrdup("changed on disk since it was read");
    return false;
  }
  char *data = fg_read_file(t->real, src->len, &len, &err);
  if (!data) {
    *why = fg_xasprintf("cannot read it again: %s", err);
    free(err);
    return false;
  }
  bool same = len == src->len && memcmp(data, src->data, len) == 0;
  free(data);
  if (!same)
    *why = fg_xstrdup("changed on disk since it was read");
  return same;
}

static char *real_root(const char *root, char **why) {
  char *r = realpath(root, NULL);
  if (!r)
    *why = fg_xasprintf("cannot resolve the project root: %s", strerror(errno));
  return r;
}

/* Every check fg_plan_write makes before it writes anything. */
static bool target_check(Target *t, const char *root, const char *bound,
                         const FgSource *src, char **why) {
  char *realroot = real_root(root, why);
  if (!realroot)
    return false;
  char *realbound = bound ? real_root(bound, why) : fg_xstrdup(realroot);
  bool ok = realbound && target_resolve(t, realroot, realbound, src, why);
  free(realbound);
  free(realroot);
  if (ok && !target_unchanged(t, src, why)) {
    target_free(t);
    ok = false;
  }
  return ok;
}

static bool disk_check(FgPlan *self, const FgPlannedFile *f, char **why, void *ctx) {
  Target t;
  if (!target_check(&t, ctx, self->bound, f->src, why))
    return false;
  target_free(&t);
  return true;
}

size_t fg_plan_check_disk(FgPlan *self, const char *root) {
  return plan_reject_loop(self, disk_check, (void *)root);
}

static bool write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    len -= (size_t)n;
  }
  return true;
}

/* Writes the new bytes to a temporary file next to the target, with the
 * target's mode. Returns the temporary path, or NULL (nothing left behind). */
static char *temp_write(const Target *t, const FgPlannedFile *f, char **why) {
  /* The name only has to be recognisable; cut it so that prefix and suffix
   * stay within NAME_MAX. */
  char *tmp = fg_xasprintf("%s/.forkguard-%.200s.XXXXXX", t->dir, path_basename(t->real));
  int fd = mkstemp(tmp);
  if (fd < 0) {
    *why = fg_xasprintf("cannot create a temporary file: %s", strerror(errno));
    free(tmp);
    return NULL;
  }
  const char *step = NULL;
  if (!write_all(fd, f->data, f->len))
    step = "write";
  else if (fsync(fd) != 0)
    step = "fsync";
  else if (fchmod(fd, t->mode) != 0)
    step = "chmod";
  if (!step && t->exists && (t->uid != geteuid() || t->gid != getegid())) {
    /* Best effort: keep the owner when we are allowed to. */
    if (fchown(fd, t->uid, t->gid) != 0)
      errno = 0;
  }
  int saved = errno;
  if (close(fd) != 0 && !step) {
    step = "close";
    saved = errno;
  }
  if (step) {
    *why = fg_xasprintf("cannot %s a temporary file: %s", step, strerror(saved));
    unlink(tmp);
    free(tmp);
    return NULL;
  }
  return tmp;
}

static void fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return;
  (void)fsync(fd);
  close(fd);
}

typedef struct Prepared {
  const FgPlannedFile *file;
  Target target;
  char *tmp;
} Prepared;

static void push_error(FgStrVec *errors, const char *path, char *why) {
  if (errors)
    fg_vec_push(errors, fg_xasprintf("%s: %s", path, why));
  free(why);
}

int fg_plan_write(const FgPlan *self, const char *root, FgStrVec *errors) {
  FG_VEC(Prepared) prep = {0};
  int failures = 0;
  for (size_t i = 0; i < fg_plan_nfiles(self); i++) {
    const FgPlannedFile *f = fg_plan_file(self, i);
    if (!fg_plan_file_changed(f))
      continue;
    char *why = NULL;
    Prepared p = {f, {0}, NULL};
    if (!target_check(&p.target, root, self->bound, f->src, &why)) {
      push_error(errors, f->src->path, why);
      failures++;
      continue;
    }
    p.tmp = temp_write(&p.target, f, &why);
    if (!p.tmp) {
      push_error(errors, f->src->path, why);
      target_free(&p.target);
      failures++;
      continue;
    }
    fg_vec_push(&prep, p);
  }
  /* All or nothing: a fix may span several files. */
  for (size_t i = 0; i < prep.len; i++) {
    Prepared *p = &prep.items[i];
    bool renamed = false;
    if (failures == 0) {
      renamed = rename(p->tmp, p->target.real) == 0;
      if (!renamed) {
        push_error(errors, p->file->src->path,
                   fg_xasprintf("cannot rename the temporary file: %s", strerror(errno)));
        failures++;
      }
    }
    if (renamed)
      fsync_dir(p->target.dir);
    else
      unlink(p->tmp);
    free(p->tmp);
    target_free(&p->target);
  }
  fg_vec_free(&prep);
  return failures;
}

void fg_plan_diff(const FgPlan *self, FgBuf *out) {
  for (size_t i = 0; i < fg_plan_nfiles(self); i++) {
    const FgPlannedFile *f = fg_plan_file(self, i);
    if (!fg_plan_file_changed(f))
      continue;
    fg_diff_unified(out, fg_source_shown(f->src), f->src->data, f->src->len, f->data,
                    f->len, f->src->is_new);
  }
}
