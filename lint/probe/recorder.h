/* probe/recorder: lint/probe/forkguard_recorder.py, embedded at build time
 * (cmake/embed.cmake), so that even a single static binary can load it into
 * the project's pytest. */
#ifndef FG_PROBE_RECORDER_H
#define FG_PROBE_RECORDER_H

#include <stddef.h>

extern const unsigned char fg_recorder_py[];
extern const size_t fg_recorder_py_len;

#endif
