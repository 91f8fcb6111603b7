/*
 * JSON text without the white space between tokens. PostgreSQL writes its json values with a
 * space after ':' and ',' (json_build_object, jsonb); pnet's pages are compact
 * (docs/performance.md, "Compact JSON"), and the page encoder copies items through this.
 */
#ifndef PNET_JSON_COMPACT_H
#define PNET_JSON_COMPACT_H

#include <stddef.h>

/* Copy the n bytes of JSON text src to dst, leaving out white space outside strings; returns
 * the bytes written (at most n). src must be valid JSON text (as PostgreSQL gives it); dst
 * has room for n bytes and may not overlap src. */
size_t json_copy_compact(char *dst, const char *src, size_t n);

#endif
