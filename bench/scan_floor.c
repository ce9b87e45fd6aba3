/* fg-scan-floor: the read + word-scan floor of `forkguard check` (bench/).
 *
 *     fg-scan-floor [--jobs N] PATH
 *
 * Discovers the project's .py files as forkguard does (.gitignore, the
 * skipped folders), reads each, and scans its words on N threads (the
 * online processors by default): the first pass of the test model without
 * any parse. Prints the files, bytes and distinct words it saw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/discover.h"
#include "core/overlay.h"
#include "core/parallel.h"
#include "core/words.h"

typedef struct Job {
  FgReader rd;
  const FgStrVec *paths;
  size_t *bytes, *words;
} Job;

static void scan_one(void *ctx, size_t i) {
  Job *job = ctx;
  size_t len = 0;
  char *err = NULL;
  char *data = fg_reader_read(&job->rd, job->paths->items[i], 8u << 20, &len, &err);
  free(err);
  if (!data)
    return;
  FgWordScanner *scan = fg_word_scanner_new();
  FgWords w = {0};
  fg_words_scan(scan, data, len, &w);
  fg_word_scanner_delete(scan);
  job->bytes[i] = len;
  job->words[i] = w.len;
  fg_words_free(&w);
  free(data);
}

int main(int argc, char **argv) {
  int jobs = fg_parallel_default_jobs();
  const char *path = ".";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc)
      jobs = atoi(argv[++i]);
    else
      path = argv[i];
  }
  char *err = NULL;
  FgDiscovery *d = fg_discover(path, NULL, 0, &err);
  if (!d) {
    fprintf(stderr, "fg-scan-floor: %s\n", err);
    free(err);
    return 2;
  }
  size_t n = d->python.len;
  Job job = {{d->root, NULL, NULL},
             &d->python,
             fg_xcalloc(n + 1, sizeof(size_t)),
             fg_xcalloc(n + 1, sizeof(size_t))};
  fg_parallel_for(n, jobs, scan_one, &job);
  size_t bytes = 0, words = 0;
  for (size_t i = 0; i < n; i++) {
    bytes += job.bytes[i];
    words += job.words[i];
  }
  printf("%zu files, %zu bytes, %zu distinct words (per file, summed)\n", n, bytes,
         words);
  free(job.bytes);
  free(job.words);
  fg_discovery_delete(d);
  return 0;
}
