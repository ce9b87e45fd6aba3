/* probe/probe: `forkguard probe [PATH] [-- PYTEST ARGS]`. The project's own
 * pytest runs with the recorder loaded through `-p` and PYTHONPATH (nothing is
 * installed); everything forkguard writes goes to `.forkguard/` at the
 * project root:
 *   .forkguard/.gitignore     `*`: git never sees any of it
 *   .forkguard/recorder/      the recorder, written from the binary's copy
 *   .forkguard/records/       the recorder's raw files of the last run
 *   .forkguard/pytest-cache/  pytest's cache (-o cache_dir), not the project's
 *   .forkguard/observed.json  the merge (docs/observed-format.md)
 * No bytecode is written (PYTHONDONTWRITEBYTECODE: the caches already there
 * are read, so the standard library and the installed packages are not
 * compiled again in every process, as a cache prefix of our own would make
 * them). Then a short summary (report.c). pytest's exit status is passed through;
 * see forkguard.h for the probe's own. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include "core/discover.h"
#include "core/json_read.h"
#include "forkguard.h"
#include "parse/shlex.h"
#include "probe/observed.h"
#include "probe/probe.h"
#include "probe/recorder.h"
#include "probe/run.h"

extern char **environ;

#define FG_PROBE_DEFAULT_TIMEOUT 1800.0
#define FG_PROBE_GRACE 2.0
/* how long the recorders get to answer a dump request at the timeout */
#define FG_PROBE_DUMP_WAIT 3.0
#define FG_PROBE_TAIL ((size_t)1 << 20)

static int fg_probe_fail(FILE *err, const char *what, const char *path) {
  fprintf(err, "forkguard: error: %s: %s: %s\n", path, what, strerror(errno));
  return FG_EXIT_PROBE_FAILED;
}

static int fg_mkdir(const char *path) {
  if (mkdir(path, 0777) == 0)
    return 0;
  if (errno != EEXIST)
    return -1;
  struct stat st;
  if (lstat(path, &st) != 0)
    return -1;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

/* Writes data to path through a temporary file and a rename, unless the
 * file already holds exactly that. */
static int fg_write_atomic(const char *path, const char *data, size_t len) {
  size_t have_len = 0;
  char *why = NULL;
  char *have = fg_read_file(path, len + 1, &have_len, &why);
  bool same = have && have_len == len && memcmp(have, data, len) == 0;
  free(have);
  free(why);
  if (same)
    return 0;
  char *tmp = fg_xasprintf("%s.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    free(tmp);
    return -1;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp);
      free(tmp);
      errno = e;
      return -1;
    }
    off += (size_t)w;
  }
  fchmod(fd, 0644);
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    errno = e;
    return -1;
  }
  free(tmp);
  return 0;
}

/* The last run's raw files go; nothing else in the folder is touched. */
static void fg_clear_records(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *n = e->d_name;
    if (fg_str_endswith(n, ".jsonl") || fg_str_endswith(n, ".faulthandler.txt") ||
        strcmp(n, "merged.json") == 0 || strcmp(n, "dump.request") == 0) {
      char *p = fg_xasprintf("%s/%s", dir, n);
      unlink(p);
      free(p);
    }
  }
  closedir(d);
}

static bool fg_args_have(const FgProbeOptions *o, const char *word) {
  for (size_t i = 0; i < o->nargs; i++)
    if (strstr(o->args[i], word))
      return true;
  return false;
}

/* The environment of the run: the user's, with the recorder on PYTHONPATH
 * and its settings. */
static void fg_probe_env(FgStrVec *env, const FgProbeDirs *dirs, double watchdog) {
  const char *old_path = getenv("PYTHONPATH");
  /* the user's own bytecode settings stand */
  bool keep_bytecode =
      getenv("PYTHONPYCACHEPREFIX") != NULL || getenv("PYTHONDONTWRITEBYTECODE") != NULL;
  for (char **e = environ; *e; e++) {
    if (fg_str_startswith(*e, "PYTHONPATH=") || fg_str_startswith(*e, "FORKGUARD_PROBE_"))
      continue;
    fg_vec_push(env, fg_xstrdup(*e));
  }
  if (old_path && *old_path)
    fg_vec_push(env, fg_xasprintf("PYTHONPATH=%s:%s", dirs->recorder, old_path));
  else
    fg_vec_push(env, fg_xasprintf("PYTHONPATH=%s", dirs->recorder));
  fg_vec_push(env, fg_xasprintf("FORKGUARD_PROBE_DIR=%s", dirs->records));
  fg_vec_push(env, fg_xasprintf("FORKGUARD_PROBE_WATCHDOG=%g", watchdog));
  /* forkguard merges the files itself, also after a kill */
  fg_vec_push(env, fg_xstrdup("FORKGUARD_PROBE_MERGE=0"));
  if (!keep_bytecode)
    fg_vec_push(env, fg_xstrdup("PYTHONDONTWRITEBYTECODE=1"));
  fg_vec_push(env, NULL);
}

/* The command: the launcher words, the recorder, pytest's arguments.
 * Returns -1 after a message when --pytest does not split. */
static int fg_probe_argv(const FgProbeOptions *o, const FgProbeDirs *dirs, FgStrVec *argv,
                         FILE *err) {
  if (o->pytest) {
    FgShlex *sh = fg_shlex_split(o->pytest, strlen(o->pytest));
    if (sh->has_error || !sh->nwords) {
      fprintf(err, "forkguard: error: --pytest \"%s\": %s\n", o->pytest,
              sh->has_error ? sh->message : "names no command");
      fg_shlex_delete(sh);
      return -1;
    }
    for (size_t i = 0; i < sh->nwords; i++)
      fg_vec_push(argv, fg_xstrdup(sh->words[i].text));
    fg_shlex_delete(sh);
  } else {
    fg_vec_push(argv, fg_xstrdup(o->python ? o->python : "python3"));
    fg_vec_push(argv, fg_xstrdup("-m"));
    fg_vec_push(argv, fg_xstrdup("pytest"));
  }
  fg_vec_push(argv, fg_xstrdup("-p"));
  fg_vec_push(argv, fg_xstrdup("forkguard_recorder"));
  if (!fg_args_have(o, "no:cacheprovider") && !fg_args_have(o, "cache_dir")) {
    fg_vec_push(argv, fg_xstrdup("-o"));
    fg_vec_push(argv, fg_xasprintf("cache_dir=%s", dirs->cache));
  }
  for (size_t i = 0; i < o->nargs; i++)
    fg_vec_push(argv, fg_xstrdup(o->args[i]));
  fg_vec_push(argv, NULL);
  return 0;
}

static void fg_probe_dirs_free(FgProbeDirs *d) {
  free(d->root);
  free(d->dot);
  free(d->recorder);
  free(d->records);
  free(d->cache);
  free(d->observed);
  free(d->shown);
}

/* Makes .forkguard/ and what the run needs in it. */
static int fg_probe_setup(FgProbeDirs *d, FILE *err) {
  d->dot = fg_xasprintf("%s/.forkguard", d->root);
  d->recorder = fg_xasprintf("%s/recorder", d->dot);
  d->records = fg_xasprintf("%s/records", d->dot);
  d->cache = fg_xasprintf("%s/pytest-cache", d->dot);
  d->observed = fg_xasprintf("%s/observed.json", d->dot);
  if (fg_mkdir(d->dot) != 0)
    return fg_probe_fail(err, "cannot create the folder", d->dot);
  char *ignore = fg_xasprintf("%s/.gitignore", d->dot);
  static const char star[] =
      "# written by forkguard probe: nothing here is the project's\n*\n";
  int rc = fg_write_atomic(ignore, star, sizeof star - 1);
  if (rc != 0) {
    rc = fg_probe_fail(err, "cannot write", ignore);
    free(ignore);
    return rc;
  }
  free(ignore);
  if (fg_mkdir(d->recorder) != 0)
    return fg_probe_fail(err, "cannot create the folder", d->recorder);
  if (fg_mkdir(d->records) != 0)
    return fg_probe_fail(err, "cannot create the folder", d->records);
  char *plugin = fg_xasprintf("%s/forkguard_recorder.py", d->recorder);
  if (fg_write_atomic(plugin, (const char *)fg_recorder_py, fg_recorder_py_len) != 0) {
    rc = fg_probe_fail(err, "cannot write", plugin);
    free(plugin);
    return rc;
  }
  free(plugin);
  fg_clear_records(d->records);
  /* observed.json is always the last run's, or absent */
  if (unlink(d->observed) != 0 && errno != ENOENT)
    return fg_probe_fail(err, "cannot remove the last observation", d->observed);
  return 0;
}

/* Is the process writing this records file inside a test phase that has
 * not answered the dump request yet? Its last complete line says. */
static bool fg_records_waiting(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  long start = 0;
  if (fseek(f, 0, SEEK_END) == 0) {
    long size = ftell(f);
    start = size > (long)FG_PROBE_TAIL ? size - (long)FG_PROBE_TAIL : 0;
  }
  fseek(f, start, SEEK_SET);
  char *buf = fg_xmalloc(FG_PROBE_TAIL + 1);
  size_t n = fread(buf, 1, FG_PROBE_TAIL, f);
  fclose(f);
  /* the last line that ends with a line break */
  size_t end = n;
  while (end > 0 && buf[end - 1] != '\n')
    end--;
  if (end == 0) {
    free(buf);
    return false;
  }
  size_t begin = end - 1;
  while (begin > 0 && buf[begin - 1] != '\n')
    begin--;
  char *err = NULL;
  FgJsonDoc *doc = fg_json_doc_parse(buf + begin, end - begin, NULL, &err);
  const FgJsonValue *rec = fg_json_doc_root(doc);
  const char *kind = fg_json_get_str(rec, "kind");
  bool requested = false;
  fg_json_get_bool(rec, "requested", &requested);
  bool waiting = kind && (strcmp(kind, "phase_start") == 0 ||
                          strcmp(kind, "start") == 0 || strcmp(kind, "exec") == 0 ||
                          (strcmp(kind, "still_running") == 0 && !requested));
  fg_json_doc_delete(doc);
  free(err);
  free(buf);
  return waiting;
}

static double fg_probe_clock(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* At the timeout: asks every recorder for its threads' stacks now (the
 * request file its watchdog looks for each second) and waits for the
 * answers, a few seconds at most. */
static void fg_probe_request_dump(void *ctx) {
  const FgProbeDirs *d = ctx;
  char *req = fg_xasprintf("%s/dump.request", d->records);
  FILE *f = fopen(req, "wb");
  if (f) {
    fputs("forkguard probe: dump the running phase's threads\n", f);
    fclose(f);
  }
  free(req);
  double until = fg_probe_clock() + FG_PROBE_DUMP_WAIT;
  while (fg_probe_clock() < until) {
    struct timespec nap = {0, 100000000L};
    nanosleep(&nap, NULL);
    DIR *dir = opendir(d->records);
    if (!dir)
      return;
    bool waiting = false;
    struct dirent *e;
    while (!waiting && (e = readdir(dir)) != NULL) {
      if (!fg_str_endswith(e->d_name, ".jsonl"))
        continue;
      char *p = fg_xasprintf("%s/%s", d->records, e->d_name);
      waiting = fg_records_waiting(p);
      free(p);
    }
    closedir(dir);
    if (!waiting)
      return;
  }
}

/* How a path under the root is shown: relative to the current directory
 * when it is below it, else absolute. */
static char *fg_probe_shown(const char *abs) {
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    return fg_xstrdup(abs);
  size_t n = strlen(cwd);
  if (strncmp(abs, cwd, n) == 0 && abs[n] == '/')
    return fg_xstrdup(abs + n + 1);
  return fg_xstrdup(abs);
}

static double fg_epoch_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Merges the records and writes observed.json. */
static FgObserved *fg_probe_collect(const FgProbeDirs *d, const FgStrVec *argv,
                                    double started, const FgRunResult *res, FILE *err) {
  FgObserved *obs = fg_observed_new();
  char *why = NULL;
  if (!fg_observed_merge_dir(obs, d->records, d->root, &why)) {
    fprintf(err, "forkguard: error: %s\n", why);
    free(why);
  }
  fg_observed_finish(obs);
  obs->root = fg_xstrdup(d->root);
  if (!obs->rootdir)
    obs->rootdir = fg_xstrdup(d->root);
  obs->started = started;
  obs->duration = res->duration;
  for (size_t i = 0; i + 1 < argv->len; i++)
    fg_vec_push(&obs->command, fg_xstrdup(argv->items[i]));
  obs->exit_status = res->exited && !res->timed_out ? res->exit_status : -1;
  obs->timed_out = res->timed_out;
  for (size_t i = 0; i < obs->hung.len; i++) {
    FgObsHang *h = &obs->hung.items[i];
    if (!h->dump)
      continue;
    char *rel = fg_xasprintf(".forkguard/records/%s", h->dump);
    free(h->dump);
    h->dump = rel;
  }
  return obs;
}

int fg_probe(const FgProbeOptions *o, FILE *out, FILE *err) {
  const char *path = o->path ? o->path : ".";
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(err, "forkguard: %s: probe takes the project's directory (%s)\n", path,
            stat(path, &st) != 0 ? strerror(errno) : "not a directory");
    return FG_EXIT_ERROR;
  }
  char cwd[PATH_MAX];
  if (!realpath(path, cwd)) {
    fprintf(err, "forkguard: %s: %s\n", path, strerror(errno));
    return FG_EXIT_ERROR;
  }
  FgProbeDirs dirs = {0};
  dirs.root = fg_discover_root(cwd);
  if (!dirs.root)
    dirs.root = fg_xstrdup(cwd);
  int rc = fg_probe_setup(&dirs, err);
  if (rc) {
    fg_probe_dirs_free(&dirs);
    return rc;
  }
  dirs.shown = fg_probe_shown(dirs.dot);
  double timeout = o->timeout > 0 ? o->timeout : FG_PROBE_DEFAULT_TIMEOUT;
  /* a still_running record (every thread's stack) well before the kill */
  double watchdog = timeout / 4 < 30 ? timeout / 4 : 30;
  if (watchdog < 1)
    watchdog = 1;
  FgStrVec argv = {0}, env = {0};
  if (fg_probe_argv(o, &dirs, &argv, err) != 0) {
    fg_probe_dirs_free(&dirs);
    return FG_EXIT_ERROR;
  }
  fg_probe_env(&env, &dirs, watchdog);
  if (!o->quiet) {
    FgBuf cmd = {0};
    for (size_t i = 0; i + 1 < argv.len; i++)
      fg_buf_printf(&cmd, "%s%s", i ? " " : "", argv.items[i]);
    fprintf(out, "forkguard probe: %s  (in %s, timeout %g s)\n", cmd.data, cwd, timeout);
    fg_buf_free(&cmd);
  }
  fflush(out);
  fflush(err);
  FgRunSpec spec = {
      argv.items, env.items, cwd, timeout, FG_PROBE_GRACE, fg_probe_request_dump, &dirs};
  FgRunResult res;
  double started = fg_epoch_now();
  if (fg_probe_run(&spec, &res) != 0 || !res.started) {
    int e = res.start_errno;
    fprintf(err, "forkguard: error: cannot run `%s`: %s\n", argv.items[0], strerror(e));
    rc = e == ENOENT                   ? FG_EXIT_PROBE_NOTFOUND
         : e == EACCES || e == ENOEXEC ? FG_EXIT_PROBE_NOEXEC
                                       : FG_EXIT_PROBE_FAILED;
    fg_strvec_free(&argv);
    fg_strvec_free(&env);
    fg_probe_dirs_free(&dirs);
    return rc;
  }
  FgObserved *obs = fg_probe_collect(&dirs, &argv, started, &res, err);
  if (res.timed_out)
    rc = FG_EXIT_PROBE_TIMEOUT;
  else if (res.exited)
    rc = res.exit_status;
  else
    rc = FG_EXIT_PROBE_SIGNAL + res.signal;
  if (!obs->sessions) {
    fprintf(
        err,
        "forkguard: error: the recorder wrote nothing: the command did not run pytest "
        "with `-p forkguard_recorder` (see %s/recorder); no observation written\n",
        dirs.shown);
    if (rc == 0)
      rc = FG_EXIT_PROBE_FAILED;
  } else {
    FgBuf b = {0};
    fg_observed_write(obs, &b);
    if (fg_write_atomic(dirs.observed, b.data, b.len) != 0) {
      fg_probe_fail(err, "cannot write", dirs.observed);
      if (rc == 0)
        rc = FG_EXIT_PROBE_FAILED;
    }
    fg_buf_free(&b);
    if (res.timed_out)
      fg_probe_report_hang(obs, &dirs, timeout, err);
    if (!o->quiet)
      fg_probe_report(obs, &dirs, &res, out);
  }
  if (res.timed_out && !obs->sessions)
    fprintf(err,
            "forkguard: error: the run did not finish in %g s (--timeout); stopped it\n",
            timeout);
  fflush(out);
  fg_observed_delete(obs);
  fg_strvec_free(&argv);
  fg_strvec_free(&env);
  fg_probe_dirs_free(&dirs);
  return rc;
}
