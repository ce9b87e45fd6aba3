#include "msgs.h"

#include <stdarg.h>
#include <stdio.h>

int fg_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("forkguard: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 2;
}
