/* libFuzzer: request bodies through the strict parser and the declarative field checks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "json.h"

static const char *const colours[] = {"red", "green", NULL};

static const struct json_field fields[] = {
        {"s", JF_STRING, 0, 1, 40},
        {"m", JF_STRING, JF_MULTILINE | JF_NULLABLE, 0, 0},
        {"i", JF_INTEGER, 0, -5, 500},
        {"n", JF_NUMBER, 0, 0, 0},
        {"b", JF_BOOLEAN, 0},
        {"u", JF_UUID, JF_NULLABLE},
        {"d", JF_DATE, 0},
        {"t", JF_TIMESTAMP, 0},
        {"e", JF_ENUM, 0, 0, 0, colours},
        {"l", JF_LOGIN, 0},
        {"k", JF_KEY, 0},
        {"mail", JF_EMAIL, 0},
        {"url", JF_URL, 0},
        {"tel", JF_PHONE, 0},
        {"a", JF_ARRAY, 0, 0, 3},
        {"o", JF_OBJECT, 0},
        {"ua", JF_UUID_ARRAY, 0, 0, 4},
        {"sa", JF_STRING_ARRAY, 0, 0, 4, NULL, 10},
        {"req", JF_STRING, JF_REQUIRED, 1, 5},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_t *obj = json_parse_object((const char *)data, size, err, sizeof(err)), *errors;

	if (!obj)
		return 0;
	errors = json_array();
	json_check_object(obj, fields, sizeof(fields) / sizeof(fields[0]), "x.", errors);
	/* Every problem names a field and says something. */
	for (size_t i = 0; i < json_array_size(errors); i++) {
		json_t *e = json_array_get(errors, i);
		if (!json_get_string(e, "field") || !json_get_string(e, "message"))
			abort();
	}
	json_decref(errors);
	json_decref(obj);
	return 0;
}
