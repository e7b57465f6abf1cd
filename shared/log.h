/*
 * log.h - daemon logging, after OpenBSD's log.c.
 *
 * The library reports (returns -errno and fills an error buffer); the
 * daemon logs, once.  Lines go to stderr as "LEVEL name: message"; with
 * log_init(..., 1) they also carry an ISO 8601 UTC timestamp.
 */
#ifndef SACM_LOG_H
#define SACM_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, int level, int timestamps);
void log_setlevel(int level);
int  log_getlevel(void);
/* "error", "warn", "info", "debug" -> level; -1 when unknown. */
int  log_level_from_name(const char *name);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
