/* python/names: the dotted names a module is imported under (as laid out,
 * without `src/`, and as pytest's prepend import mode sees it), lookup by
 * name and path, and per-module hash indexes of functions and classes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/words.h"
#include "python/internal.h"

static int fg_name_cmp(const void *a, const void *b) {
  const FgName *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c)
    return c;
  /* the same name twice: the shorter path wins (root before nested) */
  size_t lx = strlen(x->mod->src->path), ly = strlen(y->mod->src->path);
  if (lx != ly)
    return lx < ly ? -1 : 1;
  return strcmp(x->mod->src->path, y->mod->src->path);
}

static char *fg_path_to_modname(const char *relpath) {
  char *s = fg_xstrdup(relpath);
  size_t n = strlen(s);
  if (fg_str_endswith(s, ".py"))
    s[n -= 3] = '\0';
  if (fg_str_endswith(s, "/__init__"))
    s[n -= 9] = '\0';
  else if (strcmp(s, "__init__") == 0)
    s[n = 0] = '\0';
  for (char *c = s; *c; c++)
    if (*c == '/')
      *c = '.';
  return s;
}

static bool fg_file_exists_in(const FgPyModel *p, const char *reldir, const char *name);

/* The directory pytest's default "prepend" import mode puts on sys.path for
 * a file: the first directory upward that is not a package. */
static char *fg_pytest_basedir(const FgPyModel *p, const char *dir) {
  char *d = fg_xstrdup(dir);
  while (*d && fg_file_exists_in(p, d, "__init__.py")) {
    char *slash = strrchr(d, '/');
    if (slash)
      *slash = '\0';
    else
      d[0] = '\0';
  }
  return d;
}

static void fg_names_add(FgNameTable *t, char *name, FgModule *m) {
  if (!*name) {
    free(name);
    return;
  }
  FgName n = {name, m};
  fg_vec_push(&t->names, n);
  fg_vec_push(&t->owned, name);
}

static const FgName *fg_names_find(const FgNameTable *t, const char *name) {
  if (t->slots) {
    for (size_t s = fg_word_hash(name, strlen(name)) & (t->cap - 1); t->slots[s];
         s = (s + 1) & (t->cap - 1))
      if (strcmp(t->names.items[t->slots[s] - 1].name, name) == 0)
        return &t->names.items[t->slots[s] - 1];
    return NULL;
  }
  size_t lo = 0, hi = t->names.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(t->names.items[mid].name, name);
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < t->names.len && strcmp(t->names.items[lo].name, name) == 0)
    return &t->names.items[lo];
  return NULL;
}

static bool fg_file_exists_in(const FgPyModel *p, const char *reldir, const char *name) {
  if (!p->npaths)
    return false;
  char *path = *reldir ? fg_xasprintf("%s/%s", reldir, name) : fg_xstrdup(name);
  bool found =
      bsearch(&path, p->paths, p->npaths, sizeof(char *), fg_str_cmp_ptr) != NULL;
  free(path);
  return found;
}

FgModule *fg_pymodel_module(const FgPyModel *self, const char *modname) {
  const FgName *n = fg_names_find(&self->names, modname);
  return n ? n->mod : NULL;
}

size_t fg_pymodel_module_index(const FgPyModel *p, const char *path) {
  size_t lo = 0, hi = p->modules.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(p->modules.items[mid]->src->path, path);
    if (c == 0)
      return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return SIZE_MAX;
}

FgModule *fg_pymodel_module_by_path(const FgPyModel *p, const char *path) {
  size_t i = fg_pymodel_module_index(p, path);
  return i == SIZE_MAX ? NULL : p->modules.items[i];
}

void fg_py_module_names(const FgPyModel *p, const FgModule *m, FgStrVec *out) {
  const char *path = m->src->path;
  fg_vec_push(out, fg_path_to_modname(path));
  if (fg_str_startswith(path, "src/"))
    fg_vec_push(out, fg_path_to_modname(path + 4));
  /* the name pytest's prepend import mode gives it */
  char *base = fg_pytest_basedir(p, m->dir);
  if (*base)
    fg_vec_push(out, fg_path_to_modname(path + strlen(base) + 1));
  free(base);
}

void fg_py_name_module(FgPyModel *p, FgModule *m) {
  const char *path = m->src->path;
  bool is_pkg = fg_str_endswith(path, "__init__.py");
  FgStrVec names = {0};
  fg_py_module_names(p, m, &names);
  m->modname = fg_xstrdup(names.items[0]);
  m->package = fg_xstrdup(m->modname);
  if (!is_pkg) {
    char *dot = strrchr(m->package, '.');
    if (dot)
      *dot = '\0';
    else
      m->package[0] = '\0';
  }
  /* the table takes the strings */
  for (size_t i = 0; i < names.len; i++)
    fg_names_add(&p->names, names.items[i], m);
  fg_vec_free(&names);
}

void fg_py_names_sort(FgPyModel *p) {
  FgNameTable *t = &p->names;
  if (t->names.len > 1)
    qsort(t->names.items, t->names.len, sizeof(FgName), fg_name_cmp);
  free(t->slots);
  t->cap = 8;
  while (t->cap < 2 * t->names.len)
    t->cap *= 2;
  t->slots = fg_xcalloc(t->cap, sizeof *t->slots);
  for (size_t i = 0; i < t->names.len; i++) {
    const char *name = t->names.items[i].name;
    if (i && strcmp(t->names.items[i - 1].name, name) == 0)
      continue; /* the first of a name is the one found */
    size_t s = fg_word_hash(name, strlen(name)) & (t->cap - 1);
    while (t->slots[s])
      s = (s + 1) & (t->cap - 1);
    t->slots[s] = (uint32_t)i + 1;
  }
}

void fg_py_names_free(FgNameTable *t) {
  fg_strvec_free(&t->owned);
  fg_vec_free(&t->names);
  free(t->slots);
  t->slots = NULL;
}

/* ---- lookup indexes ------------------------------------------------------- */

/* A module's functions by (name, class) and its top-level classes by name:
 * open addressing, each slot an index + 1 (0: empty). The first of several
 * definitions with the same key is kept, as the linear search found it. */
struct FgModIndex {
  uint32_t *funcs, *classes;
  size_t cap; /* a power of two, both tables */
  /* the non-nested functions of each class, in source order: those of
   * class c are by_cls[cls_first[c] .. cls_first[c + 1]), those of the
   * module level by_cls[0 .. cls_first[0]) */
  uint32_t *cls_first, *by_cls;
  /* the local assignments of the functions with many, grouped by
   * (function, name): group g holds the indexes into the function's locals
   * loc_order[grp_start[g] .. grp_start[g + 1]), ascending, of function
   * grp_func[g], the first of them grp_first[g]; loc_slots maps (function,
   * name) to g + 1 (0: empty);
   * loc_sorted[func]: 1 when the function's locals are in source order
   * (their starts ascending), 0, or 2 when its locals are not indexed */
  uint32_t *loc_slots, *loc_order, *grp_start, *grp_func, *grp_first;
  uint8_t *loc_sorted;
  size_t loc_cap; /* a power of two */
};

/* Functions with fewer locals are searched by a scan. */
#define FG_LOCALS_INDEXED 8

static size_t fg_index_slot(uint64_t h, int cls, size_t cap) {
  h ^= (uint64_t)(uint32_t)(cls + 1) * 0x9e3779b97f4a7c15u;
  h ^= h >> 29;
  return (size_t)h & (cap - 1);
}

static bool fg_func_keyed(const FgPyFunc *f, const char *name, int cls) {
  return f->cls == cls && strcmp(f->name, name) == 0;
}

static bool fg_class_keyed(const FgPyClass *k, const char *name) {
  return strcmp(k->name, name) == 0;
}

static size_t fg_local_slot(const char *name, size_t func, size_t cap) {
  return fg_index_slot(fg_word_hash(name, strlen(name)), (int)func, cap);
}

/* The group of (func, name), -1; *slot: where it is or would be. */
static int fg_local_group(const FgPyModule *py, const uint32_t *slots, size_t cap,
                          const uint32_t *gfunc, const uint32_t *gfirst, size_t func,
                          const char *name, size_t *slot) {
  size_t s = fg_local_slot(name, func, cap);
  for (; slots[s]; s = (s + 1) & (cap - 1)) {
    uint32_t g = slots[s] - 1;
    if (gfunc[g] == func && strcmp(py->funcs[func].locals[gfirst[g]].name, name) == 0)
      break;
  }
  *slot = s;
  return slots[s] ? (int)slots[s] - 1 : -1;
}

static void fg_index_locals(const FgPyModule *py, struct FgModIndex *x) {
  size_t total = 0;
  for (size_t i = 0; i < py->nfuncs; i++)
    if (py->funcs[i].nlocals >= FG_LOCALS_INDEXED)
      total += py->funcs[i].nlocals;
  if (!total)
    return;
  x->loc_cap = 8;
  while (x->loc_cap < 2 * total)
    x->loc_cap *= 2;
  x->loc_slots = fg_xcalloc(x->loc_cap, sizeof *x->loc_slots);
  x->loc_sorted = fg_xmalloc(py->nfuncs);
  uint32_t *of = fg_xmalloc(total * sizeof *of); /* each indexed local's group */
  FG_VEC(uint32_t) count = {0}, gfunc = {0}, gfirst = {0};
  size_t at = 0;
  for (size_t i = 0; i < py->nfuncs; i++) {
    const FgPyFunc *f = &py->funcs[i];
    x->loc_sorted[i] = 2;
    if (f->nlocals < FG_LOCALS_INDEXED)
      continue;
    x->loc_sorted[i] = 1;
    for (size_t k = 0; k < f->nlocals; k++, at++) {
      if (k && f->locals[k].span.start < f->locals[k - 1].span.start)
        x->loc_sorted[i] = 0;
      size_t s = 0;
      int g = fg_local_group(py, x->loc_slots, x->loc_cap, gfunc.items, gfirst.items, i,
                             f->locals[k].name, &s);
      if (g < 0) {
        g = (int)count.len;
        fg_vec_push(&count, 0);
        fg_vec_push(&gfunc, (uint32_t)i);
        fg_vec_push(&gfirst, (uint32_t)k);
        x->loc_slots[s] = (uint32_t)g + 1;
      }
      of[at] = (uint32_t)g;
      count.items[g]++;
    }
  }
  /* the groups laid out one after the other, each in ascending order */
  size_t ng = count.len;
  x->grp_start = fg_xmalloc((ng + 1) * sizeof *x->grp_start);
  x->grp_start[0] = 0;
  for (size_t g = 0; g < ng; g++)
    x->grp_start[g + 1] = x->grp_start[g] + count.items[g];
  for (size_t g = 0; g < ng; g++)
    count.items[g] = x->grp_start[g]; /* the next place in group g */
  x->loc_order = fg_xmalloc(total * sizeof *x->loc_order);
  at = 0;
  for (size_t i = 0; i < py->nfuncs; i++)
    if (x->loc_sorted[i] != 2)
      for (size_t k = 0; k < py->funcs[i].nlocals; k++, at++)
        x->loc_order[count.items[of[at]]++] = (uint32_t)k;
  fg_vec_shrink(&gfunc);
  fg_vec_shrink(&gfirst);
  x->grp_func = gfunc.items;
  x->grp_first = gfirst.items;
  fg_vec_free(&count);
  free(of);
}

struct FgModIndex *fg_py_index_new(const FgPyModule *py) {
  struct FgModIndex *x = fg_xcalloc(1, sizeof *x);
  size_t n = py->nfuncs > py->nclasses ? py->nfuncs : py->nclasses;
  x->cap = 8;
  while (x->cap < 2 * n)
    x->cap *= 2;
  x->funcs = fg_xcalloc(x->cap, sizeof *x->funcs);
  x->classes = fg_xcalloc(x->cap, sizeof *x->classes);
  for (size_t i = 0; i < py->nfuncs; i++) {
    const FgPyFunc *f = &py->funcs[i];
    if (f->nested)
      continue;
    size_t s = fg_index_slot(fg_word_hash(f->name, strlen(f->name)), f->cls, x->cap);
    while (x->funcs[s] && !fg_func_keyed(&py->funcs[x->funcs[s] - 1], f->name, f->cls))
      s = (s + 1) & (x->cap - 1);
    if (!x->funcs[s])
      x->funcs[s] = (uint32_t)i + 1;
  }
  for (size_t i = 0; i < py->nclasses; i++) {
    const FgPyClass *k = &py->classes[i];
    if (k->parent >= 0 || k->in_function)
      continue;
    size_t s = fg_index_slot(fg_word_hash(k->name, strlen(k->name)), -1, x->cap);
    while (x->classes[s] && !fg_class_keyed(&py->classes[x->classes[s] - 1], k->name))
      s = (s + 1) & (x->cap - 1);
    if (!x->classes[s])
      x->classes[s] = (uint32_t)i + 1;
  }
  x->cls_first = fg_xcalloc(py->nclasses + 2, sizeof *x->cls_first);
  x->by_cls = fg_xcalloc(py->nfuncs ? py->nfuncs : 1, sizeof *x->by_cls);
  for (size_t i = 0; i < py->nfuncs; i++)
    if (!py->funcs[i].nested && py->funcs[i].cls >= -1 &&
        py->funcs[i].cls < (int)py->nclasses)
      x->cls_first[py->funcs[i].cls + 2]++;
  for (size_t c = 2; c < py->nclasses + 2; c++)
    x->cls_first[c] += x->cls_first[c - 1];
  /* cls_first[c + 1] counts up as each function of class c is placed */
  for (size_t i = 0; i < py->nfuncs; i++)
    if (!py->funcs[i].nested && py->funcs[i].cls >= -1 &&
        py->funcs[i].cls < (int)py->nclasses)
      x->by_cls[x->cls_first[py->funcs[i].cls + 1]++] = (uint32_t)i;
  fg_index_locals(py, x);
  return x;
}

const uint32_t *fg_py_class_funcs(const FgModule *m, int cls, size_t *n) {
  const struct FgModIndex *x = m->py ? m->index : NULL;
  if (!x || cls < -1 || cls >= (int)m->py->nclasses) {
    *n = 0;
    return NULL;
  }
  size_t from = cls >= 0 ? x->cls_first[cls] : 0;
  *n = x->cls_first[cls + 1] - from;
  return x->by_cls + from;
}

void fg_py_index_delete(struct FgModIndex *self) {
  if (!self)
    return;
  free(self->funcs);
  free(self->classes);
  free(self->cls_first);
  free(self->by_cls);
  free(self->loc_slots);
  free(self->loc_order);
  free(self->grp_start);
  free(self->grp_func);
  free(self->grp_first);
  free(self->loc_sorted);
  free(self);
}

int fg_py_def_of(const FgPyModel *p, const FgModule *m, int func) {
  if (!m->py || func < 0)
    return -1;
  return (int)(m->first_def + (size_t)func);
}

/* A module-level function (cls == -1) or a method of class `cls`. */
int fg_py_find_func(const FgModule *m, const char *name, int cls) {
  if (!m->py)
    return -1;
  const struct FgModIndex *x = m->index;
  size_t s = fg_index_slot(fg_word_hash(name, strlen(name)), cls, x->cap);
  for (; x->funcs[s]; s = (s + 1) & (x->cap - 1))
    if (fg_func_keyed(&m->py->funcs[x->funcs[s] - 1], name, cls))
      return (int)x->funcs[s] - 1;
  return -1;
}

/* The index of f in m, or SIZE_MAX when f is none of m's functions or its
 * locals are not indexed. */
static size_t fg_indexed_func(const FgModule *m, const FgPyFunc *f) {
  const struct FgModIndex *x = m->py ? m->index : NULL;
  if (!x || !x->loc_sorted || f < m->py->funcs || f >= m->py->funcs + m->py->nfuncs)
    return SIZE_MAX;
  size_t i = (size_t)(f - m->py->funcs);
  return x->loc_sorted[i] == 2 ? SIZE_MAX : i;
}

int fg_py_local_before(const FgModule *m, const FgPyFunc *f, const char *name,
                       int before) {
  if (before > (int)f->nlocals)
    before = (int)f->nlocals;
  size_t fi = fg_indexed_func(m, f);
  if (fi == SIZE_MAX) {
    for (int i = before; i-- > 0;)
      if (f->locals[i].name[0] == name[0] && strcmp(f->locals[i].name, name) == 0)
        return i;
    return -1;
  }
  const struct FgModIndex *x = m->index;
  size_t s = 0;
  int g = fg_local_group(m->py, x->loc_slots, x->loc_cap, x->grp_func, x->grp_first, fi,
                         name, &s);
  if (g < 0)
    return -1;
  /* the last member below `before` */
  size_t lo = x->grp_start[g], hi = x->grp_start[g + 1];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->loc_order[mid] < (uint32_t)before)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo > x->grp_start[g] ? (int)x->loc_order[lo - 1] : -1;
}

int fg_py_locals_from(const FgModule *m, const FgPyFunc *f, uint32_t at) {
  size_t fi = fg_indexed_func(m, f);
  if (fi == SIZE_MAX || !m->index->loc_sorted[fi])
    return (int)f->nlocals;
  size_t lo = 0, hi = f->nlocals;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f->locals[mid].span.start < at)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (int)lo;
}

int fg_py_find_class(const FgModule *m, const char *name) {
  if (!m->py)
    return -1;
  const struct FgModIndex *x = m->index;
  size_t s = fg_index_slot(fg_word_hash(name, strlen(name)), -1, x->cap);
  for (; x->classes[s]; s = (s + 1) & (x->cap - 1))
    if (fg_class_keyed(&m->py->classes[x->classes[s] - 1], name))
      return (int)x->classes[s] - 1;
  return -1;
}
