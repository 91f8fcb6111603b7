/*
 * Idempotency-Key on a POST (docs/architecture.md: the same key and body replay the first
 * answer, another body with the same key is 422): the header read and checked, and the hash
 * of what the request asks. The stored answers live in the database (idempotency_replay and
 * idempotency_store in schema/functions/shared.sql).
 */
#ifndef PNET_IDEMPOTENCY_H
#define PNET_IDEMPOTENCY_H

#include <stdbool.h>

#include "util.h"

struct req;
struct params;

/*
 * The request's Idempotency-Key in *key (NULL without the header; it lives as long as the
 * request). False after answering 400 for a malformed key.
 */
MUST_CHECK bool idempotency_key(struct req *r, const char **key);

/*
 * The Idempotency-Key header as idempotency_key and the hash of what the request asks as
 * request_hash (both NULL without the header): scope (what the path names, or NULL) and the
 * body, however it is spaced or ordered (idempotency_replay in schema/functions/shared.sql).
 * False after answering 400 for a malformed key (p is cleared then).
 */
MUST_CHECK bool idempotency_params(struct req *r, const char *scope, struct params *p);

#endif
