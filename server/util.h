/* Allocation with one policy: a server that cannot allocate stops (as tmux and Redis do). */
#ifndef PNET_UTIL_H
#define PNET_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))
#define MUST_CHECK        __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
/* The x-allocators never return NULL (they abort): the compiler may rely on it. */
#define ALLOCATES __attribute__((returns_nonnull, warn_unused_result))

void *xmalloc(size_t n) ALLOCATES __attribute__((malloc));
void *xcalloc(size_t count, size_t n) ALLOCATES __attribute__((malloc));
void *xrealloc(void *p, size_t n) ALLOCATES;
char *xstrdup(const char *s) ALLOCATES __attribute__((malloc));
char *xstrndup(const char *s, size_t n) ALLOCATES __attribute__((malloc));
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2) ALLOCATES __attribute__((malloc));

/* Milliseconds on the monotonic clock. */
uint64_t util_now_ms(void);

/* Parse a whole decimal integer in [min, max]; 0 or -1. */
int util_parse_long(const char *s, long min, long max, long *out);

#endif
