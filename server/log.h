/*
 * Logs are one JSON object per line on stderr: time, level, msg, and, for anything said
 * about a request, its request id, so that every line of one request can be found.
 */
#ifndef PNET_LOG_H
#define PNET_LOG_H

#include <jansson.h>

#include "util.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set the lowest level written ("debug", "info", "warn", "error"). */
void log_set_level(const char *name);

/* Write one line: level, request id (may be NULL), message, and fields (stolen, may be NULL). */
void log_write(enum log_level level, const char *request_id, const char *msg, json_t *fields);

/* printf-style message without a request. */
void log_printf(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_printf(LOG_ERROR, __VA_ARGS__)

/* printf-style message about one request (r is a struct req *). */
#define req_log(r, level, ...) log_req_printf((r)->id, level, __VA_ARGS__)
void log_req_printf(const char *request_id, enum log_level level, const char *fmt, ...)
        PRINTF_LIKE(3, 4);

#endif
