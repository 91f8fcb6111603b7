#include "json_compact.h"

size_t json_copy_compact(char *dst, const char *src, size_t n)
{
	char *at = dst;
	int in_string = 0, escaped = 0;

	for (size_t i = 0; i < n; i++) {
		char c = src[i];

		if (in_string) {
			/* inside a string every byte is kept; a '"' ends it unless escaped */
			*at++ = c;
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
			continue;
		if (c == '"')
			in_string = 1;
		*at++ = c;
	}
	return (size_t)(at - dst);
}
