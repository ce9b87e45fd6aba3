/* Test helper: a throw-away project directory under $TMPDIR. */
#ifndef FG_TESTDIR_H
#define FG_TESTDIR_H

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *testdir_new(void) {
  const char *tmp = getenv("TMPDIR");
  char *path = malloc(4096);
  snprintf(path, 4096, "%s/fgtest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(path))
    abort();
  return path;
}

/* Writes dir/name (creating one level of parent directory if needed). */
static void testdir_write(const char *dir, const char *name, const char *text) {
  char path[4096];
  const char *slash = strchr(name, '/');
  if (slash) {
    snprintf(path, sizeof path, "%s/%.*s", dir, (int)(slash - name), name);
    mkdir(path, 0755);
  }
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f)
    abort();
  fputs(text, f);
  fclose(f);
}

static int testdir_rm_one(const char *path, const struct stat *st, int flag,
                          struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void testdir_delete(char *dir) {
  nftw(dir, testdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

#endif
