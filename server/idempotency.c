#include "idempotency.h"

#include <stdlib.h>
#include <string.h>
#include <event2/http.h>

#include "crypto.h"
#include "http.h"
#include "params.h"

bool idempotency_key(struct req *r, const char **key)
{
	const char *k =
	        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "Idempotency-Key");
	size_t n = k ? strlen(k) : 0;

	*key = k;
	if (!k)
		return true;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			n = 0;
	if (n == 0 || n > 200) {
		http_problem(r, 400, "bad-idempotency-key", "Malformed Idempotency-Key",
		             "Idempotency-Key must be 1 to 200 visible ASCII characters.");
		return false;
	}
	return true;
}

bool idempotency_params(struct req *r, const char *scope, struct params *p)
{
	char hash[CRYPTO_SHA256_HEX_LEN + 1];
	char *canonical, *text;
	const char *key;

	if (!idempotency_key(r, &key)) {
		params_clear(p);
		return false;
	}
	if (!key) {
		params_text(p, "idempotency_key", NULL);
		params_text(p, "request_hash", NULL);
		return true;
	}
	/* The same body, however it is spaced or ordered, is the same request. */
	canonical = json_dumps(r->json, JSON_COMPACT | JSON_SORT_KEYS);
	text = scope ? xasprintf("%s\n%s", scope, canonical) : canonical;
	crypto_sha256_hex(text, strlen(text), hash);
	if (text != canonical)
		free(text);
	free(canonical);
	params_text(p, "idempotency_key", key);
	params_text_copy(p, "request_hash", hash);
	return true;
}
