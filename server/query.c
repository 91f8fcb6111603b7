#include "query.h"

#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *query_decode(const char *s, size_t n, bool plus)
{
	char *out = xmalloc(n + 1);
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			if (n - i < 3 || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) {
				free(out);
				return NULL;
			}
			c = (char)(hex_value(s[i + 1]) << 4 | hex_value(s[i + 2]));
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == '\0') {
			free(out);
			return NULL;
		}
		out[used++] = c;
	}
	out[used] = '\0';
	return out;
}

int query_parse(const char *text, struct query *q, char **bad)
{
	const char *p = text;

	q->items = NULL;
	q->n = 0;
	if (bad)
		*bad = NULL;
	while (*p) {
		size_t len = strcspn(p, "&"), klen = strcspn(p, "=&");
		char *key, *value = NULL;

		if (len == 0) {
			p++;
			continue;
		}
		key = query_decode(p, klen, true);
		if (key && klen < len)
			value = query_decode(p + klen + 1, len - klen - 1, true);
		else if (key)
			value = xstrdup("");
		if (!key || !value) {
			free(key);
			free(value);
			if (bad)
				*bad = xstrndup(p, klen < 64 ? klen : 64);
			query_clear(q);
			return -1;
		}
		q->items = xrealloc(q->items, (q->n + 1) * sizeof(*q->items));
		q->items[q->n].key = key;
		q->items[q->n].value = value;
		q->n++;
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

const char *query_get(const struct query *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->items[i].key, key))
			return q->items[i].value;
	return NULL;
}

void query_clear(struct query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->items[i].key);
		free(q->items[i].value);
	}
	free(q->items);
	q->items = NULL;
	q->n = 0;
}
