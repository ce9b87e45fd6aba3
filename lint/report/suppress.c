#include "report/suppress.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "core/rule.h"

/* Does the code list starting at p (after '[' or ':') name `code`? */
static bool fg_list_has(const char *p, const char *end, const char *code) {
  size_t cl = strlen(code);
  while (p < end) {
    while (p < end && (isspace((unsigned char)*p) || *p == ','))
      p++;
    const char *s = p;
    while (p < end && isalnum((unsigned char)*p))
      p++;
    if (p == s)
      return false;
    if ((size_t)(p - s) == cl && strncasecmp(s, code, cl) == 0)
      return true;
  }
  return false;
}

bool fg_suppress_line(const char *line, size_t len, const char *code) {
  const char *end = line + len;
  const char *hash = memchr(line, '#', len);
  while (hash) {
    const char *p = hash + 1;
    while (p < end && *p == ' ')
      p++;
    static const char fg[] = "forkguard: ignore";
    static const char noqa[] = "noqa:";
    if ((size_t)(end - p) >= sizeof fg - 1 && strncmp(p, fg, sizeof fg - 1) == 0) {
      p += sizeof fg - 1;
      if (p >= end || *p != '[')
        return true; /* bare: every code */
      const char *close = memchr(p, ']', (size_t)(end - p));
      if (fg_list_has(p + 1, close ? close : end, code))
        return true;
    } else if ((size_t)(end - p) >= sizeof noqa - 1 &&
               strncasecmp(p, noqa, sizeof noqa - 1) == 0) {
      if (fg_list_has(p + sizeof noqa - 1, end, code))
        return true;
    }
    hash = memchr(hash + 1, '#', (size_t)(end - hash - 1));
  }
  return false;
}

static bool fg_line_suppresses(const FgSource *src, size_t offset, const char *code) {
  FgPos pos = fg_source_pos(src, offset);
  size_t len = 0;
  const char *text = fg_source_line_text(src, pos.line, &len);
  return fg_suppress_line(text, len, code);
}

bool fg_suppressed(const FgDiag *d) {
  if (!d->src)
    return false;
  if (fg_line_suppresses(d->src, d->start, d->rule->code))
    return true;
  return d->suppress_at != SIZE_MAX &&
         fg_line_suppresses(d->src, d->suppress_at, d->rule->code);
}
