/* parse/pyfile_starts: whether a Process or a manager made by a call is
 * started, and where (see FgStarted): the walk's calls, names and
 * containers (RawStore) after resolution. */
#include <stdlib.h>
#include <string.h>

#include "parse/pyfile_walk.h"

/* Does function f (or, for `self.x`, any method of class cls) call
 * `<name>.start()`? */
static bool name_started(const Walk *w, const RawCall *c, const char *name) {
  bool self_attr = fg_str_startswith(name, "self.");
  int cls = c->func >= 0 ? w->funcs.items[c->func].cls : -1;
  size_t n = strlen(name);
  for (size_t i = 0; i < w->calls.len; i++) {
    const RawCall *o = &w->calls.items[i];
    bool same = o->func == c->func || (self_attr && cls >= 0 && o->func >= 0 &&
                                       w->funcs.items[o->func].cls == cls);
    if (same && strncmp(o->callee, name, n) == 0 && strcmp(o->callee + n, ".start") == 0)
      return true;
  }
  return false;
}

/* Do calls o and the def func run on the same values of container: the same
 * def, or for `self.x` any method of the def's class? */
static bool same_holder(const Walk *w, int func, int o, const char *container) {
  if (o == func)
    return true;
  int cls = func >= 0 ? w->funcs.items[func].cls : -1;
  return cls >= 0 && o >= 0 && w->funcs.items[o].cls == cls &&
         fg_str_startswith(container, "self.");
}

/* Is what is kept in container started: `container[k].start()`, or `v.start()`
 * in a loop `for v in container` (see RawStore)? */
static bool container_started(const Walk *w, int func, const char *container) {
  size_t n = strlen(container);
  for (size_t i = 0; i < w->calls.len; i++) {
    const RawCall *o = &w->calls.items[i];
    if (o->callee[0] == container[0] && strncmp(o->callee, container, n) == 0 &&
        o->callee[n] == '[' && fg_str_endswith(o->callee, "].start") &&
        same_holder(w, func, o->func, container))
      return true;
  }
  for (size_t s = 0; s < w->stores.len; s++) {
    const RawStore *l = &w->stores.items[s];
    if (!l->loop || strcmp(l->container, container) != 0 ||
        !same_holder(w, func, l->func, container))
      continue;
    size_t k = strlen(l->name);
    for (size_t i = 0; i < w->calls.len; i++) {
      const RawCall *o = &w->calls.items[i];
      if (o->func == l->func && o->span.start >= l->span.start &&
          o->span.end <= l->span.end && strncmp(o->callee, l->name, k) == 0 &&
          strcmp(o->callee + k, ".start") == 0)
        return true;
    }
  }
  return false;
}

/* Is call i (a Process made in a def) kept in a container whose items are
 * started: by its name (`p = P(); self.ps[k] = p`) or directly
 * (`self.ps.append(P())`)? */
static bool kept_and_started(const Walk *w, size_t i) {
  const RawCall *c = &w->calls.items[i];
  if (c->func < 0)
    return false;
  if (c->assigned_to) {
    for (size_t s = 0; s < w->stores.len; s++) {
      const RawStore *st = &w->stores.items[s];
      if (!st->loop && st->func == c->func && strcmp(st->name, c->assigned_to) == 0 &&
          container_started(w, c->func, st->container))
        return true;
    }
    return false;
  }
  for (size_t k = 0; k < w->calls.len; k++) {
    const RawCall *o = &w->calls.items[k];
    if (o->arg0_call != (int)i || !o->callee_dotted || !fg_pf_container_add(o->callee))
      continue;
    char *container =
        fg_xstrndup(o->callee, (size_t)(strrchr(o->callee, '.') - o->callee));
    bool started = container_started(w, c->func, container);
    free(container);
    if (started)
      return true;
  }
  return false;
}

/* A Process / SyncManager starts nothing until started: here (`P().start()`,
 * `with M() as m`, a `.start()` in the def when the value is not kept in a
 * name, or a start of the items of a container it is kept in), through its
 * name (`p = P(); p.start()`, `self.p.start()` in any method of the class),
 * or by whoever receives it (returned, handed off). */
void fg_pf_find_starts(Walk *w) {
  for (size_t i = 0; i < w->calls.len; i++) {
    RawCall *c = &w->calls.items[i];
    if (!c->needs_start)
      continue;
    uint8_t started = FG_STARTED_NO;
    if (c->in_with && c->site == FG_SITE_MANAGER) {
      started = FG_STARTED_HERE;
    } else if (c->assigned_to && !c->in_with) {
      if (name_started(w, c, c->assigned_to))
        started = FG_STARTED_BY_NAME;
    } else {
      bool any = false;
      for (size_t k = 0; k < w->calls.len && !any; k++) {
        const RawCall *o = &w->calls.items[k];
        if (o->func != c->func || !fg_str_endswith(o->callee, ".start"))
          continue;
        /* `P(...).start()` or a start on a value kept elsewhere (a list) */
        any = o->span.start == c->span.start || !c->escapes;
      }
      if (any)
        started = FG_STARTED_HERE;
    }
    if (!started && kept_and_started(w, i))
      started = FG_STARTED_HERE;
    if (!started && c->escapes)
      started = FG_STARTED_ESCAPES;
    c->started = started;
    if (started)
      c->pool = FG_POOL_SITE;
  }
}
