#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (!strcmp(name, level_names[i]))
			min_level = (enum log_level)i;
}

void log_write(enum log_level level, const char *request_id, const char *msg, json_t *fields)
{
	struct timespec ts;
	struct tm tm;
	char when[96];
	json_t *line;
	char *text;

	if (level < min_level) {
		json_decref(fields);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);

	line = json_pack("{s:s, s:s}", "time", when, "level", level_names[level]);
	if (request_id)
		json_object_set_new(line, "request_id", json_string(request_id));
	json_object_set_new(line, "msg", json_string(msg));
	if (fields)
		json_object_update(line, fields);
	json_decref(fields);
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	if (text) {
		/* One write per line keeps lines whole when threads log at once. */
		size_t n = strlen(text);
		text[n] = '\n';
		fwrite(text, 1, n + 1, stderr);
		free(text);
	}
}

static void log_vprintf(enum log_level level, const char *request_id, const char *fmt, va_list ap)
        PRINTF_LIKE(3, 0);

static void log_vprintf(enum log_level level, const char *request_id, const char *fmt, va_list ap)
{
	char msg[2048];

	if (level < min_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_write(level, request_id, msg, NULL);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, NULL, fmt, ap);
	va_end(ap);
}

void log_req_printf(const char *request_id, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, request_id, fmt, ap);
	va_end(ap);
}
