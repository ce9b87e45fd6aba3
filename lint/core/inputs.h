/* core/inputs: every path a run looks at, and whether any of them changed
 * since.
 *
 * While recording is on, each stat, open, opendir, access and realpath of
 * the model's reading (discovery, the files it reads, the configuration
 * files it looks for, found or not) notes its path, and the first note of a
 * path takes its signature, before the path is read: what lstat, and stat
 * through a symlink, say — "absent"; for a folder its sorted entries
 * (forkguard's own .forkguard_cache left out); for anything else its type,
 * device, inode, size, modification and change time. A later run compares
 * them: a change after the signature was taken shows as another signature,
 * whatever the clocks say, since a file's change time moves whenever its
 * bytes or its metadata do. Only a change within the same clock tick as the
 * one before it could pass unseen ("racily clean", as git calls it): a file
 * whose times were that close to when its signature was taken makes the run
 * racy (fg_inputs_racy), and its record is not to be trusted. Safe to call
 * from several threads. */
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

/* The recorded paths, sorted, each once, with their signatures:
 * "<signature> <length>:<path>\n" lines, given to put in pieces. Returns
 * how many. */
size_t fg_inputs_write(void (*put)(void *ud, const char *data, size_t len), void *ud);
/* Was a file's time within 0.2 s of when its signature was taken (2 s on a
 * file system that keeps whole seconds)? */
bool fg_inputs_racy(void);

/* Does every "<signature> <length>:<path>\n" line of text (n lines) match
 * the file system now? False at the first that does not, or on a line that
 * does not parse; *changed (may be NULL) then names the path (owned). */
bool fg_inputs_unchanged(const char *text, size_t len, size_t n, char **changed);

/* The wall clock, nanoseconds since the epoch. */
int64_t fg_inputs_now_ns(void);

#endif
