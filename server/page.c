#include "page.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "http.h"
#include "json.h"
#include "json_compact.h"

static void bad(struct req *r, const char *field, const char *message)
{
	json_t *errors = json_array();

	/* limit is out of range or not a number, after is not a cursor of ours */
	json_add_error(errors, field, JSON_CODE_FORMAT, message);
	http_problem_errors(r, 400, "bad-query", "Bad query parameter", message, errors);
}

/* base64url (no padding) to bytes with OpenSSL's decoder; NULL when it is not base64url. */
static char *decode_cursor(const char *text, size_t *outlen)
{
	size_t n = strlen(text), padded = (n + 3) / 4 * 4;
	char *std, *out;
	int len;

	if (n == 0 || n > 2048)
		return NULL;
	std = xmalloc(padded + 1);
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		           (c >= '0' && c <= '9'))) {
			free(std);
			return NULL;
		}
		std[i] = c;
	}
	memset(std + n, '=', padded - n);
	std[padded] = '\0';
	out = xmalloc(padded);
	len = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)std, (int)padded);
	free(std);
	if (len < 0) {
		free(out);
		return NULL;
	}
	len -= (int)(padded - n); /* EVP_DecodeBlock counts padding as zero bytes */
	*outlen = (size_t)len;
	return out;
}

bool page_parse(struct req *r, struct page *p, size_t nkeys)
{
	const char *limit = req_query(r, "limit"), *after = req_query(r, "after");
	long v = PAGE_DEFAULT;

	memset(p, 0, sizeof(*p));
	if (limit && util_parse_long(limit, 1, PAGE_MAX, &v) < 0) {
		bad(r, "limit", "limit must be a whole number from 1 to 500");
		return false;
	}
	p->limit = v;
	snprintf(p->limit_text, sizeof(p->limit_text), "%ld", v + 1);
	/* The first page has the same keys, all NULL: a statement takes them either way. */
	p->nkeys = nkeys;
	if (!after)
		return true;

	size_t len = 0;
	char *raw = decode_cursor(after, &len);
	json_t *keys = raw ? json_loadb(raw, len, 0, NULL) : NULL;
	free(raw);
	if (!json_is_array(keys) || json_array_size(keys) != nkeys) {
		json_decref(keys);
		bad(r, "after", "after must be a cursor from an earlier page's next");
		return false;
	}
	for (size_t i = 0; i < nkeys; i++) {
		json_t *k = json_array_get(keys, i);
		if (!json_is_string(k) && !json_is_null(k)) {
			json_decref(keys);
			page_clear(p);
			bad(r, "after", "after must be a cursor from an earlier page's next");
			return false;
		}
		p->keys[i] = json_is_string(k) ? xstrdup(json_string_value(k)) : NULL;
	}
	p->nkeys = nkeys;
	json_decref(keys);
	return true;
}

const char *page_key(const struct page *p, size_t i)
{
	return i < p->nkeys ? p->keys[i] : NULL;
}

void page_clear(struct page *p)
{
	for (size_t i = 0; i < PAGE_MAX_KEYS; i++) {
		free(p->keys[i]);
		p->keys[i] = NULL;
	}
	p->nkeys = 0;
}

char *page_result(const struct page *p, PGresult *pg, size_t *len)
{
	int rows = PQntuples(pg), shown = rows > p->limit ? (int)p->limit : rows;
	int json_col = PQfnumber(pg, "body"), key_col = json_col + 1;
	int nkeys = PQnfields(pg) - key_col;
	static const char head[] = "{\"items\":[";
	char *cursor = NULL, *out, *at;
	size_t size = sizeof("{\"items\":[],\"next\":null}");

	if (rows > p->limit && shown > 0) {
		json_t *keys = json_array();
		char *text;

		for (int k = 0; k < nkeys; k++)
			json_array_append_new(keys, PQgetisnull(pg, shown - 1, key_col + k)
			                                    ? json_null()
			                                    : json_string(PQgetvalue(pg, shown - 1,
			                                                             key_col + k)));
		text = json_dumps(keys, JSON_COMPACT);
		cursor = xmalloc(strlen(text) * 4 / 3 + 8);
		crypto_base64url(text, strlen(text), cursor);
		free(text);
		json_decref(keys);
		size += strlen(cursor) + 2;
	}
	/* The items are JSON already (built by the statement): they are copied, not re-encoded,
	 * and compact (the one encoder of pages: whatever spacing a statement's JSON has, the
	 * page has none; docs/performance.md, "Compact JSON"). */
	for (int i = 0; i < shown; i++)
		size += (size_t)PQgetlength(pg, i, json_col) + sizeof("null");
	at = out = xmalloc(size);
	memcpy(at, head, sizeof(head) - 1);
	at += sizeof(head) - 1;
	for (int i = 0; i < shown; i++) {
		size_t n = (size_t)PQgetlength(pg, i, json_col);
		if (i)
			*at++ = ',';
		if (PQgetisnull(pg, i, json_col)) {
			memcpy(at, "null", 4);
			at += 4;
			continue;
		}
		at += json_copy_compact(at, PQgetvalue(pg, i, json_col), n);
	}
	at += cursor ? snprintf(at, size - (size_t)(at - out), "],\"next\":\"%s\"}", cursor)
	             : snprintf(at, size - (size_t)(at - out), "],\"next\":null}");
	free(cursor);
	*len = (size_t)(at - out);
	return out;
}
