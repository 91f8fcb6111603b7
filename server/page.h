/*
 * Cursor pagination (docs/architecture.md, "API conventions"): ?limit= (default 50, at most 500)
 * and ?after=<cursor>. A cursor is the sort key of the last item seen, as an opaque base64url
 * string; the statement fetches limit + 1 rows so that "is there more" needs no count.
 */
#ifndef PNET_PAGE_H
#define PNET_PAGE_H

#include <stdbool.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "util.h"

struct req;

#define PAGE_DEFAULT  50
#define PAGE_MAX      500
#define PAGE_MAX_KEYS 4

struct page {
	long limit;
	char limit_text[24]; /* limit + 1, as the statement parameter */
	size_t nkeys;
	char *keys[PAGE_MAX_KEYS]; /* the decoded cursor: sort key of the last item seen */
};

/* Read limit and after for a cursor of nkeys keys; answers 400 naming the parameter on error. */
MUST_CHECK bool page_parse(struct req *r, struct page *p, size_t nkeys);

/* Key i of the cursor, or NULL on the first page. */
const char *page_key(const struct page *p, size_t i);

void page_clear(struct page *p);

/*
 * The text of {"items": [...], "next": cursor|null} from rows whose column body holds one
 * item's JSON and the columns after it its sort key; *len is its length. The caller frees it.
 */
char *page_result(const struct page *p, PGresult *pg, size_t *len);

#endif
