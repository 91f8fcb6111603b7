/* libFuzzer: every field validator on arbitrary bytes, with the invariants between them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = {"a", "bb", "", NULL};
	char *s = malloc(size + 1);
	bool utf8;

	memcpy(s, data, size);
	s[size] = '\0';
	utf8 = validate_utf8(s, size);
	if (validate_utf8_length(s, size) >= 0 != utf8)
		abort();
	/* Text checks imply well-formed UTF-8 (of the string up to its first NUL). */
	if (validate_text(s, 0, 1000, true) && !validate_utf8(s, strlen(s)))
		abort();
	if (validate_text(s, 0, 1000, false) && !validate_text(s, 0, 1000, true))
		abort();
	if (validate_uuid(s) && strlen(s) != 36)
		abort();
	if (validate_date(s) && strlen(s) != 10)
		abort();
	(void)validate_timestamp(s);
	(void)validate_enum(s, allowed);
	(void)validate_login(s);
	(void)validate_key(s);
	(void)validate_email(s);
	(void)validate_url(s);
	(void)validate_phone(s);
	free(s);
	return 0;
}
