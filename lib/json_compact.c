#include "json_compact.h"

#include <stdint.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "json_copy_compact reads eight bytes as a little-endian word"
#endif

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* The high bit of each byte of w that is c, exact up to and including the lowest such byte
 * (the zero-byte test of w ^ c; bytes above a match may be marked too). */
static inline uint64_t bytes_equal(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (ONES * c);

	return (x - ONES) & ~x & HIGHS;
}

/*
 * Copy the rest of a string, from after its opening quote up to and including its closing
 * one (or the end of the text), to *to; returns where the text goes on. A page's bytes are
 * mostly in strings (ids, times, notes), so they go eight at a time up to the first quote or
 * backslash. The copy is never ahead of the text, so *to has room for the eight bytes p has.
 */
static const char *copy_string(char **to, const char *p, const char *end)
{
	char *at = *to;

	for (;;) {
		uint64_t w, stops = 0;
		char c;

		if (end - p >= 8) {
			memcpy(&w, p, 8);
			memcpy(at, p, 8);
			stops = bytes_equal(w, '"') | bytes_equal(w, '\\');
			if (!stops) {
				at += 8;
				p += 8;
				continue;
			}
			size_t k = (size_t)__builtin_ctzll(stops) / 8;
			at += k;
			p += k;
		}
		if (p == end)
			break;
		c = *p++;
		*at++ = c;
		if (c == '"')
			break;
		if (c == '\\' && p < end) /* the byte the backslash escapes */
			*at++ = *p++;
	}
	*to = at;
	return p;
}

size_t json_copy_compact(char *dst, const char *src, size_t n)
{
	const char *p = src, *end = src + n;
	char *at = dst;

	while (p < end) {
		char c = *p++;

		if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
			continue;
		*at++ = c;
		if (c == '"')
			p = copy_string(&at, p, end);
	}
	return (size_t)(at - dst);
}
