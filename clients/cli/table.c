#include "table.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct table {
	size_t ncols, nrows, cap;
	char **cells; /* row-major, row 0 the header */
};

static void *xalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	return p;
}

/* Decode one UTF-8 sequence at s; returns its length (1 for an invalid byte, cp U+FFFD). */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
		n = 2;
		c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3;
		c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	*cp = c;
	return n;
}

/* Terminal columns of one code point: the ranges wcwidth() would give in a UTF-8 locale. */
static int cp_width(uint32_t c)
{
	static const uint32_t zero[][2] = {
	        {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
	        {0x064B, 0x065F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
	        {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
	};
	static const uint32_t wide[][2] = {
	        {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
	        {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
	        {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
	        {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
	};
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (c >= zero[i][0] && c <= zero[i][1])
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (c >= wide[i][0] && c <= wide[i][1])
			return 2;
	return 1;
}

size_t table_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	uint32_t cp;

	while (*p) {
		p += decode(p, &cp);
		w += (size_t)cp_width(cp);
	}
	return w;
}

/*
 * A copy of s fit for one cell: control characters (newlines and tabs included) become
 * spaces, invalid UTF-8 becomes U+FFFD, and text wider than TABLE_CELL_MAX is cut to
 * TABLE_CELL_MAX - 1 columns and "…".
 */
static char *clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "-");
	char *out = xalloc(strlen((const char *)p) * 3 + 4), *o = out;
	size_t w = 0, total = table_width((const char *)p);
	uint32_t cp;

	while (*p) {
		size_t n = decode(p, &cp);
		int cw = cp_width(cp);
		if (total > TABLE_CELL_MAX && w + (size_t)cw > TABLE_CELL_MAX - 1) {
			memcpy(o, "\xE2\x80\xA6", 3);
			o += 3;
			break;
		}
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
			*o++ = ' ';
		} else if (cp == 0xFFFD && n == 1) {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			memcpy(o, p, n);
			o += n;
		}
		w += (size_t)cw;
		p += n;
	}
	*o = '\0';
	return out;
}

struct table *table_new(size_t ncols, const char *const *headers)
{
	struct table *t = xalloc(sizeof(*t));

	t->ncols = ncols;
	table_add(t, headers);
	return t;
}

void table_add(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = realloc(t->cells, t->cap * t->ncols * sizeof(*t->cells));
		if (!t->cells)
			abort();
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = clean(cells[c]);
	t->nrows++;
}

void table_print(const struct table *t, FILE *out)
{
	size_t *widths = xalloc(t->ncols * sizeof(*widths));

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = table_width(t->cells[r * t->ncols + c]);
			if (w > widths[c])
				widths[c] = w;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		/* Pad up to a column only when some later cell on the row has text. */
		size_t last = 0;
		for (size_t c = 0; c < t->ncols; c++)
			if (t->cells[r * t->ncols + c][0])
				last = c;
		for (size_t c = 0; c <= last; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			fputs(cell, out);
			if (c < last)
				for (size_t pad = table_width(cell); pad < widths[c] + 2; pad++)
					fputc(' ', out);
		}
		fputc('\n', out);
	}
	free(widths);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
