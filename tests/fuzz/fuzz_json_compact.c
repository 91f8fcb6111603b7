/* libFuzzer: the page encoder's compact copy. Any bytes: it writes at most what it reads and
 * copying its own output again changes nothing. Valid JSON: jansson reads the same value from
 * the copy as from the original. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_compact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *once = malloc(size + 1), *twice = malloc(size + 1);
	size_t n1 = json_copy_compact(once, (const char *)data, size);
	size_t n2 = json_copy_compact(twice, once, n1);
	json_t *before, *after;

	if (n1 > size || n2 != n1 || memcmp(once, twice, n1))
		abort();
	before = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (before) {
		after = json_loadb(once, n1, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (!after || !json_equal(before, after))
			abort();
		json_decref(after);
		json_decref(before);
	}
	free(once);
	free(twice);
	return 0;
}
