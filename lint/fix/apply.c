#include "fix/apply.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cache.h"
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
 * an unchanged file again: known by their length and 64-bit hash, not kept
 * (a plan over thousands of files would hold each twice). */
typedef struct Validated {
  const FgSource *src;
  uint64_t hash;
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
  fg_vec_free(&self->validated);
  free(self);
}

/* ---- planning ------------------------------------------------------------ */

static const char *repl(const FgEdit *e) {
  return e->replacement ? e->replacement : "";
}

static size_t repl_len(const FgEdit *e) {
  return e->replacement ? e->replacement_len : 0;
}

static bool edit_is_insertion(const FgEdit *e) {
  return e->start == e->end;
}

/* An empty insertion changes nothing and conflicts with nothing. */
static bool edit_is_noop(const FgEdit *e) {
  return edit_is_insertion(e) && repl_len(e) == 0;
}

static bool edits_identical(const FgEdit *a, const FgEdit *b) {
  return a->src == b->src && a->start == b->start && a->end == b->end &&
         repl_len(a) == repl_len(b) && memcmp(repl(a), repl(b), repl_len(a)) == 0;
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

/* A file's accepted edits are kept sorted (plan_edit_cmp): they do not
 * overlap (insertions sit at boundaries), so both starts and ends grow
 * along the array. The first one that may touch e is the first whose end
 * reaches e's start; those after it that start past e's end cannot. This
 * keeps planning linear in the edits (10,000 serial-step fixes in one
 * workflow were quadratic). */
static size_t plan_first_near(const PlanFile *f, const FgEdit *e) {
  size_t lo = 0, hi = f->edits.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f->edits.items[mid].edit->end < e->start)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static int plan_edit_cmp(const void *pa, const void *pb);

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
    for (size_t j = f ? plan_first_near(f, e) : 0; f && j < f->edits.len; j++) {
      const FgEdit *a = f->edits.items[j].edit;
      if (a->start > e->end)
        break;
      if (edits_conflict(e, a))
        return FG_FIX_OVERLAPS;
    }
  }
  return FG_FIX_APPLIED;
}

static bool file_has_identical(const PlanFile *f, const FgEdit *e) {
  for (size_t j = plan_first_near(f, e); j < f->edits.len; j++) {
    const FgEdit *a = f->edits.items[j].edit;
    if (a->start > e->end)
      break;
    if (edits_identical(e, a))
      return true;
  }
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
    /* into its sorted place: fixes mostly come in file order, so this
     * moves nothing */
    size_t k = f->edits.len - 1;
    while (k > 0 && plan_edit_cmp(&f->edits.items[k - 1], &pe) > 0) {
      f->edits.items[k] = f->edits.items[k - 1];
      k--;
    }
    f->edits.items[k] = pe;
    f->built = false;
  }
}

static void plan_reject(FgPlan *self, const FgSource *src, char *why);

/* Bytes are bytes, but a file holding NUL is no text a fix understands:
 * it is never edited. */
static void plan_refuse_nul(FgPlan *self, const FgFix *fix) {
  for (size_t i = 0; i < fix->edits.len; i++) {
    const FgSource *src = fix->edits.items[i].src;
    if (src && src->has_nul && !source_rejected(self, src))
      plan_reject(self, src,
                  fg_xstrdup("holds a NUL byte; a fix never edits such a file"));
  }
}

static void plan_try(FgPlan *self, size_t fix_index) {
  Offered *o = &self->fixes.items[fix_index];
  plan_refuse_nul(self, o->fix);
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
    /* the bytes kept are the bytes read (raw), not the parsers' view */
    fg_buf_append(&b, src->raw + pos, e->start - pos);
    fg_buf_append(&b, repl(e), repl_len(e));
    pos = e->end;
  }
  fg_buf_append(&b, src->raw + pos, src->len - pos);
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
         memcmp(file->data, src->raw, src->len) != 0;
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

static bool already_validated(const FgPlan *self, const FgPlannedFile *f, uint64_t hash) {
  for (size_t i = 0; i < self->validated.len; i++) {
    const Validated *v = &self->validated.items[i];
    if (v->src == f->src && v->len == f->len && v->hash == hash)
      return true;
  }
  return false;
}

static bool validate_check(FgPlan *self, const FgPlannedFile *f, char **why, void *ctx) {
  const ValidateCtx *vc = ctx;
  uint64_t hash = fg_cache_hash(f->data, f->len);
  if (already_validated(self, f, hash))
    return true;
  if (!vc->fn(f->src->path, f->data, f->len, why, vc->ctx)) {
    if (!*why)
      *why = fg_xstrdup("the fixed file would not parse");
    return false;
  }
  Validated v = {f->src, hash, f->len};
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
  off_t size;            /* of the file when checked */
  struct timespec mtime; /* likewise */
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

static bool link_inside(const char *path, const char *realroot) {
  char *real = realpath(path, NULL);
  bool inside = real && path_within(real, realroot);
  free(real);
  return inside;
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
    struct stat st;
    if (S_ISLNK(lst.st_mode) && stat(joined, &st) != 0)
      *why =
          fg_xstrdup("is a dangling symlink; the fix would create the file, not written");
    else if (S_ISLNK(lst.st_mode) && !link_inside(joined, realbound))
      *why = fg_xstrdup("is a symlink out of the project root; the fix would create the "
                        "file, not written");
    else if (S_ISLNK(lst.st_mode) ? !S_ISREG(st.st_mode) : !S_ISREG(lst.st_mode))
      *why =
          fg_xasprintf("is not a regular file (%s); the fix would create it, not written",
                       fg_file_kind(S_ISLNK(lst.st_mode) ? st.st_mode : lst.st_mode));
    else
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
    t->size = st.st_size;
    t->mtime = st.st_mtim;
    if (st.st_nlink > 1) {
      /* a rename would leave the other names on the old bytes */
      *why = fg_xasprintf("has %ju hard links, which a fix would break; not written",
                          (uintmax_t)st.st_nlink);
      target_free(t);
      return false;
    }
    if (access(resolved, W_OK) != 0) {
      /* as the real user: a set-uid run replaces nothing its user may not */
      *why = fg_xasprintf("not writable by you (%s); not written", strerror(errno));
      target_free(t);
      return false;
    }
  }
  if (access(t->dir, W_OK | X_OK) != 0) {
    *why = fg_xasprintf("its folder is not writable by you (%s); not written",
                        strerror(errno));
    target_free(t);
    return false;
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
  bool same = len == src->len && memcmp(data, src->raw, len) == 0;
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

typedef struct DiskCtx {
  const char *root;
  const FgOverlay *skip;
} DiskCtx;

static bool disk_check(FgPlan *self, const FgPlannedFile *f, char **why, void *ctx) {
  const DiskCtx *dc = ctx;
  if (fg_overlay_find(dc->skip, f->src->path))
    return true;
  Target t;
  if (!target_check(&t, dc->root, self->bound, f->src, why))
    return false;
  target_free(&t);
  return true;
}

size_t fg_plan_check_disk_skipping(FgPlan *self, const char *root,
                                   const FgOverlay *skip) {
  DiskCtx dc = {root, skip};
  return plan_reject_loop(self, disk_check, &dc);
}

size_t fg_plan_check_disk(FgPlan *self, const char *root) {
  return fg_plan_check_disk_skipping(self, root, NULL);
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

/* ---- the write window ------------------------------------------------------
 * A signal that stops the run while the files are written removes the
 * temporary files and says which files were written. What the handler
 * reads is made before it is installed; it calls only async-signal-safe
 * functions (unlink, write, signal, raise). */

typedef struct WriteState {
  char **tmp;                     /* temporary paths, one per file */
  const char **path;              /* the files' paths, for the message */
  volatile sig_atomic_t *renamed; /* 1 once the file is in place */
  size_t n;
} WriteState;

static WriteState *volatile fg_write_state;

static void say_raw(const char *s) {
  ssize_t r = write(STDERR_FILENO, s, strlen(s));
  (void)r;
}

static void say_list(const WriteState *w, int renamed) {
  bool first = true;
  for (size_t i = 0; i < w->n; i++) {
    if ((w->renamed[i] != 0) != (renamed != 0))
      continue;
    say_raw(first ? " " : ", ");
    say_raw(w->path[i]);
    first = false;
  }
  if (first)
    say_raw(" none");
}

static void on_signal(int sig) {
  const WriteState *w = fg_write_state;
  if (w) {
    size_t done = 0;
    for (size_t i = 0; i < w->n; i++) {
      if (w->renamed[i])
        done++;
      else if (w->tmp[i])
        unlink(w->tmp[i]);
    }
    if (done) {
      say_raw("forkguard: interrupted while writing fixes; written:");
      say_list(w, 1);
      say_raw("; not written:");
      say_list(w, 0);
      say_raw("\n");
    } else {
      say_raw("forkguard: interrupted; no file was written\n");
    }
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

static const int fg_write_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define FG_NSIGNALS (sizeof fg_write_signals / sizeof fg_write_signals[0])

static void signals_catch(struct sigaction *old) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < FG_NSIGNALS; i++)
    sigaction(fg_write_signals[i], &sa, &old[i]);
}

static void signals_restore(const struct sigaction *old) {
  for (size_t i = 0; i < FG_NSIGNALS; i++)
    sigaction(fg_write_signals[i], &old[i], NULL);
}

void (*fg_plan_write_hook)(size_t index, const char *path);

/* Right before the rename: the file is still what the fixes were made from
 * (size, mtime, bytes), or still absent for a file the fix creates. */
static bool target_still(const Target *t, const FgSource *src, char **why) {
  struct stat st;
  if (!t->exists) {
    if (lstat(t->real, &st) == 0) {
      *why = fg_xstrdup("was created on disk meanwhile; not written");
      return false;
    }
    return true;
  }
  if (stat(t->real, &st) != 0 || st.st_size != t->size ||
      st.st_mtim.tv_sec != t->mtime.tv_sec || st.st_mtim.tv_nsec != t->mtime.tv_nsec) {
    *why = fg_xstrdup("changed on disk while the fixes were written; not written");
    return false;
  }
  return target_unchanged(t, src, why);
}

/* Puts the temporary file in place: a rename over an existing file, a link
 * for a new one (which fails, rather than replaces, when a file of that
 * name appeared meanwhile). */
static bool put_in_place(const char *tmp, const Target *t, char **why) {
  if (t->exists) {
    if (rename(tmp, t->real) == 0)
      return true;
  } else if (link(tmp, t->real) == 0) {
    unlink(tmp);
    return true;
  }
  *why = fg_xasprintf("cannot put the new file in place: %s", strerror(errno));
  return false;
}

int fg_plan_write(const FgPlan *self, const char *root, FgStrVec *errors) {
  FG_VEC(Prepared) prep = {0};
  int failures = 0;
  WriteState w = {0};
  size_t nchanged = 0;
  for (size_t i = 0; i < fg_plan_nfiles(self); i++)
    nchanged += fg_plan_file_changed(fg_plan_file(self, i));
  w.tmp = fg_xcalloc(nchanged + 1, sizeof *w.tmp);
  w.path = fg_xcalloc(nchanged + 1, sizeof *w.path);
  w.renamed = fg_xcalloc(nchanged + 1, sizeof *w.renamed);
  struct sigaction old[FG_NSIGNALS];
  signals_catch(old);
  fg_write_state = &w;
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
    w.path[w.n] = f->src->path;
    w.tmp[w.n] = p.tmp;
    w.n++;
  }
  /* All or nothing while nothing is written: a fix may span several files.
   * Each file is checked again right before it is put in place; a file
   * changed in that window stops the rest, and the run says what was
   * written. */
  size_t written = 0;
  bool stopped = failures > 0;
  for (size_t i = 0; i < prep.len; i++) {
    Prepared *p = &prep.items[i];
    char *why = NULL;
    if (!stopped && fg_plan_write_hook)
      fg_plan_write_hook(i, p->file->src->path);
    if (!stopped && (!target_still(&p->target, p->file->src, &why) ||
                     !put_in_place(p->tmp, &p->target, &why))) {
      push_error(errors, p->file->src->path, why);
      failures++;
      stopped = true;
    } else if (!stopped) {
      w.renamed[i] = 1;
      written++;
      fsync_dir(p->target.dir);
    }
  }
  fg_write_state = NULL;
  signals_restore(old);
  for (size_t i = 0; i < prep.len; i++) {
    Prepared *p = &prep.items[i];
    if (!w.renamed[i])
      unlink(p->tmp);
    free(p->tmp);
    target_free(&p->target);
  }
  if (written && failures && errors) {
    FgBuf b = {0};
    fg_buf_puts(&b, "the fixes were written in part; written:");
    for (int pass = 1; pass >= 0; pass--) {
      if (pass == 0)
        fg_buf_puts(&b, "; not written:");
      bool first = true;
      for (size_t i = 0; i < prep.len; i++)
        if ((w.renamed[i] != 0) == (pass != 0)) {
          fg_buf_printf(&b, "%s%s", first ? " " : ", ", w.path[i]);
          first = false;
        }
    }
    fg_vec_push(errors, fg_buf_take(&b));
  }
  free(w.tmp);
  free(w.path);
  free((void *)w.renamed);
  fg_vec_free(&prep);
  return failures;
}

void fg_plan_diff(const FgPlan *self, FgBuf *out) {
  for (size_t i = 0; i < fg_plan_nfiles(self); i++) {
    const FgPlannedFile *f = fg_plan_file(self, i);
    if (!fg_plan_file_changed(f))
      continue;
    fg_diff_unified(out, fg_source_shown(f->src), f->src->raw, f->src->len, f->data,
                    f->len, f->src->is_new);
  }
}
