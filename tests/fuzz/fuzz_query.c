/* libFuzzer: query strings through the strict parser (server/query.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

/* Whether text holds a '%' without two hex digits after it, or "%00": what must fail. */
static int undecodable(const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p != '%')
			continue;
		if (!p[1] || !p[2] || !strchr("0123456789abcdefABCDEF", p[1]) ||
		    !strchr("0123456789abcdefABCDEF", p[2]))
			return 1;
		if (p[1] == '0' && p[2] == '0')
			return 1;
		p += 2;
	}
	return 0;
}

/* Every byte as %XX: parsing it again must give back the same key or value. */
static char *encode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1);

	for (size_t i = 0; i < n; i++)
		snprintf(out + 3 * i, 4, "%%%02X", (unsigned char)s[i]);
	out[3 * n] = '\0';
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *bad = NULL;
	struct query q, again;

	memcpy(text, data, size);
	text[size] = '\0'; /* a query string never holds a NUL byte itself */
	if (query_parse(text, &q, &bad) < 0) {
		if (!bad || strlen(bad) > 64 || !undecodable(text))
			abort();
		free(bad);
		free(text);
		return 0;
	}
	if (bad || undecodable(text))
		abort();
	/* Round trip: the parameters, fully encoded, parse to the same ones. */
	size_t len = 1;
	for (size_t i = 0; i < q.n; i++)
		len += 3 * (strlen(q.items[i].key) + strlen(q.items[i].value)) + 2;
	char *joined = malloc(len);
	joined[0] = '\0';
	for (size_t i = 0; i < q.n; i++) {
		char *k = encode(q.items[i].key), *v = encode(q.items[i].value);
		strcat(joined, i ? "&" : "");
		strcat(joined, k);
		strcat(joined, "=");
		strcat(joined, v);
		free(k);
		free(v);
	}
	if (query_parse(joined, &again, NULL) < 0 || again.n != q.n)
		abort();
	for (size_t i = 0; i < q.n; i++)
		if (strcmp(q.items[i].key, again.items[i].key) ||
		    strcmp(q.items[i].value, again.items[i].value))
			abort();
	query_clear(&again);
	query_clear(&q);
	free(joined);
	free(text);
	return 0;
}
