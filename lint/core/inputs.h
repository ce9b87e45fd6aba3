/* core/inputs: every path a run looks at, and whether any of them changed
 * since.
 *
 * While recording is on, each stat, open, opendir, access and realpath of
 * the model's reading (discovery, the files it reads, the configuration
 * files it looks for, found or not) notes its path. At the end of a run the
 * paths get a signature each (what lstat, and stat through a symlink, say:
 * type, device, inode, size, modification and change time, or "absent");
 * a later run compares them. A folder's signature is its sorted entries
 * (forkguard's own .forkguard_cache left out), anything else's its size
 * and times; a file's change time moves whenever its bytes or its metadata
 * do, so equal signatures mean the run would read the same bytes — unless a
 * file changed within the clock tick of the run ("racily clean", as git
 * calls it): a file time that close to the start of the
 * run is not trusted (fg_inputs_racy). Safe to call from several threads. */
#ifndef FG_INPUTS_H
#define FG_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* Starts recording (clearing what was recorded); stop ends it. */
void fg_inputs_start(void);
void fg_inputs_stop(void);
bool fg_inputs_recording(void);
/* Notes a path (absolute, or relative to the working directory). */
void fg_inputs_note(const char *path);
/* Notes dir/name. */
void fg_inputs_note2(const char *dir, const char *name);

/* The recorded paths, sorted, each once, with their signatures now:
 * "<signature> <length>:<path>\n" lines, given to put in pieces. Returns
 * how many. */
size_t fg_inputs_write(void (*put)(void *ud, const char *data, size_t len), void *ud);
/* Did a file of the last fg_inputs_write change so close to (or after) the
 * start of the run, nanoseconds since the epoch, that a change in the same
 * clock tick would not show? (Two seconds on a file system that keeps whole
 * seconds.) */
bool fg_inputs_racy(int64_t run_start_ns);

/* Does every "<signature> <length>:<path>\n" line of text (n lines) match
 * the file system now? False at the first that does not, or on a line that
 * does not parse; *changed (may be NULL) then names the path (owned). */
bool fg_inputs_unchanged(const char *text, size_t len, size_t n, char **changed);

/* The wall clock, nanoseconds since the epoch. */
int64_t fg_inputs_now_ns(void);

#endif
