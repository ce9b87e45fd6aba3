/* Messages from the command line front end. */
#ifndef FG_MSGS_H
#define FG_MSGS_H

#if defined(__GNUC__)
#define FG_MSG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FG_MSG_PRINTF(a, b)
#endif

/* Prints "forkguard: error: ..." to stderr and returns 2. */
int fg_usage_error(const char *fmt, ...) FG_MSG_PRINTF(1, 2);

#endif
