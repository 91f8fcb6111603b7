/* Strict JSON input: parsing a body and checking an object against a table of fields. */
#include "json.h"
#include "validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Code points a JF_STRING may hold when its table row gives no maximum. */
#define STRING_MAX_DEFAULT 10000
/* Code points a JF_STRING_ARRAY item may hold when item_max is 0. */
#define ITEM_MAX_DEFAULT 200

/*
 * Make a parser message safe to echo in a JSON answer: bytes that are not valid UTF-8, and
 * control characters, become '?' (jansson quotes the input "near" the error).
 */
static void sanitize_message(char *s)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (c < 0x20 || c == 0x7f) {
			s[i++] = '?';
		} else if (n == 1) {
			i++;
		} else if (i + n <= len &&
		           validate_text_check(s + i, n, 1, 1, false) == VALIDATE_TEXT_OK) {
			i += n;
		} else {
			s[i++] = '?';
		}
	}
}

json_t *json_parse_object(const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t error;
	json_t *root;

	if (!body || len == 0) {
		snprintf(err, errlen, "The body is empty; a JSON object is expected.");
		return NULL;
	}
	/* Without JSON_ALLOW_NUL jansson rejects \u0000; it always rejects invalid UTF-8. */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &error);
	if (!root) {
		snprintf(err, errlen, "Invalid JSON at line %d, column %d: %s.", error.line,
		         error.column, error.text);
		if (err && errlen)
			sanitize_message(err);
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "The body must be a JSON object.");
		json_decref(root);
		return NULL;
	}
	return root;
}

json_t *json_add_error(json_t *errors, const char *field, const char *code, const char *message)
{
	json_t *e = json_pack("{s:s, s:s, s:s}", "field", field ? field : "", "code",
	                      code ? code : JSON_CODE_INVALID, "message", message ? message : "");

	/* json_pack refuses invalid UTF-8; keep the problem, if not its name. */
	if (!e)
		e = json_pack("{s:s, s:s, s:s}", "field", "", "code", JSON_CODE_INVALID, "message",
		              message && validate_utf8(message, strlen(message)) ? message : "");
	json_array_append_new(errors, e);
	return e;
}

/* The same with the bounds a length, range or count problem names, for clients' wording. */
static void add_bounds_error(json_t *errors, const char *field, const char *code,
                             const char *message, long long min, long long max)
{
	json_t *e = json_add_error(errors, field, code, message);

	json_object_set_new(e, "min", json_integer(min));
	json_object_set_new(e, "max", json_integer(max));
}

const char *json_get_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Cut a string that snprintf may have truncated inside a UTF-8 sequence back to valid text. */
static void utf8_trim(char *buf)
{
	size_t len = strlen(buf);

	while (len && !validate_utf8(buf, len)) {
		/* Drop the last (incomplete) sequence: its continuation bytes, then its lead. */
		while (len && ((unsigned char)buf[len - 1] & 0xc0) == 0x80)
			len--;
		if (len)
			len--;
		buf[len] = '\0';
	}
}

/* The name of a field under prefix ("steps[2]." + "name"), in buf (cut to fit). */
static const char *field_name(char *buf, size_t len, const char *prefix, const char *name)
{
	snprintf(buf, len, "%s%s", prefix ? prefix : "", name);
	utf8_trim(buf);
	return buf;
}

/* The name of an array's item ("scopes" + 2 = "scopes[2]"), in buf (cut to fit). */
static const char *field_name_index(char *buf, size_t len, const char *name, size_t i)
{
	snprintf(buf, len, "%s[%zu]", name, i);
	utf8_trim(buf);
	return buf;
}

/* "Must be one of: a, b, c." into buf, shortened with "..." when the list is long. */
static void enum_message(char *buf, size_t len, const char *const *values)
{
	size_t used = (size_t)snprintf(buf, len, "Must be one of:");

	for (size_t i = 0; values && values[i]; i++) {
		size_t need = strlen(values[i]) + 3;

		if (used + need + 5 > len) {
			snprintf(buf + used, len - used, " ...");
			return;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "", values[i]);
	}
	snprintf(buf + used, len - used, ".");
}

/* A not_in_list problem with the allowed values (a JSON array), for clients' choice lists. */
static void add_enum_error(json_t *errors, const char *field, const char *const *values)
{
	char msg[512];
	json_t *allowed = json_array();

	enum_message(msg, sizeof(msg), values);
	for (size_t i = 0; values && values[i]; i++)
		json_array_append_new(allowed, json_string(values[i]));
	json_object_set_new(json_add_error(errors, field, JSON_CODE_NOT_IN_LIST, msg), "allowed",
	                    allowed);
}

void json_check_string_items(const json_t *list, const char *name, const char *const *allowed,
                             json_t *errors)
{
	size_t i;
	json_t *item;

	json_array_foreach(list, i, item) {
		bool known = false;
		char field[96];

		if (!json_is_string(item))
			continue; /* the field table's JF_STRING_ARRAY says so */
		for (size_t k = 0; allowed[k] && !known; k++)
			known = !strcmp(allowed[k], json_string_value(item));
		if (!known)
			add_enum_error(errors, field_name_index(field, sizeof(field), name, i),
			               allowed);
	}
}

/* Whether min/max give a range; both 0 means none. */
static bool has_bounds(const struct json_field *f)
{
	return f->min != 0 || f->max != 0;
}

/* "Must be between 1 and 5." for a number outside [min, max]. */
static void range_message(char *buf, size_t len, long long min, long long max)
{
	if (min == max)
		snprintf(buf, len, "Must be exactly %lld.", min);
	else
		snprintf(buf, len, "Must be between %lld and %lld.", min, max);
}

/* "Must have between 1 and 5 items." for an array whose size is outside [min, max]. */
static void count_message(char *buf, size_t len, long long min, long long max)
{
	if (min == max)
		snprintf(buf, len, "Must have exactly %lld item%s.", min, min == 1 ? "" : "s");
	else
		snprintf(buf, len, "Must have between %lld and %lld items.", min, max);
}

/* Check one string against the text rules; adds at most one error. */
static size_t check_text(const char *name, const json_t *v, size_t min, size_t max, bool multiline,
                         json_t *errors)
{
	char msg[160];

	switch (validate_text_check(json_string_value(v), json_string_length(v), min, max,
	                            multiline)) {
	case VALIDATE_TEXT_OK:
		return 0;
	case VALIDATE_TEXT_BAD_UTF8:
		json_add_error(errors, name, JSON_CODE_ENCODING, "Must be valid UTF-8 text.");
		return 1;
	case VALIDATE_TEXT_CONTROL:
		if (multiline)
			json_add_error(errors, name, JSON_CODE_CONTROL_CHARACTERS,
			               "Must not contain control characters other than newline and "
			               "tab.");
		else
			json_add_error(errors, name, JSON_CODE_SINGLE_LINE,
			               "Must be a single line without control characters.");
		return 1;
	case VALIDATE_TEXT_TOO_SHORT:
		if (min == 1)
			snprintf(msg, sizeof(msg), "Must not be empty.");
		else
			snprintf(msg, sizeof(msg), "Must be at least %zu characters long.", min);
		add_bounds_error(errors, name, JSON_CODE_TOO_SHORT, msg, (long long)min,
		                 (long long)max);
		return 1;
	case VALIDATE_TEXT_TOO_LONG:
		snprintf(msg, sizeof(msg), "Must be at most %zu characters long.", max);
		add_bounds_error(errors, name, JSON_CODE_TOO_LONG, msg, (long long)min,
		                 (long long)max);
		return 1;
	}
	return 0;
}

/* A string that passes a validate_* predicate, or one error with message. */
static size_t check_format(const char *name, const json_t *v, bool (*ok)(const char *),
                           const char *code, const char *message, json_t *errors)
{
	const char *s = json_string_value(v);

	/* A string with an embedded NUL (only when built in code) is never a valid format. */
	if (!s || strlen(s) != json_string_length(v) || !ok(s)) {
		json_add_error(errors, name, code, message);
		return 1;
	}
	return 0;
}

static bool item_equal(enum json_field_type type, const json_t *a, const json_t *b)
{
	if (type == JF_UUID_ARRAY)
		return strcasecmp(json_string_value(a), json_string_value(b)) == 0;
	return json_string_length(a) == json_string_length(b) &&
	       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
}

/* JF_UUID_ARRAY and JF_STRING_ARRAY: count, then each item, then duplicates. */
static size_t check_list(const char *name, const struct json_field *f, const json_t *v,
                         json_t *errors)
{
	size_t n = json_array_size(v), added = 0;
	char item[300], msg[160];

	if (has_bounds(f) && ((long long)n < f->min || (long long)n > f->max)) {
		count_message(msg, sizeof(msg), f->min, f->max);
		add_bounds_error(errors, name, JSON_CODE_COUNT, msg, f->min, f->max);
		added++;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *it = json_array_get(v, i);
		bool good;

		snprintf(item, sizeof(item), "%s[%zu]", name, i);
		utf8_trim(item);
		if (f->type == JF_UUID_ARRAY) {
			good = !check_format(item, it, validate_uuid, JSON_CODE_UUID,
			                     "Must be a UUID.", errors);
		} else if (!json_is_string(it)) {
			json_add_error(errors, item, JSON_CODE_WRONG_TYPE, "Must be a string.");
			good = false;
		} else {
			size_t max = f->item_max > 0 ? (size_t)f->item_max : ITEM_MAX_DEFAULT;

			good = !check_text(item, it, 1, max, false, errors);
		}
		if (!good) {
			added++;
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const json_t *prev = json_array_get(v, j);

			if (json_is_string(prev) && item_equal(f->type, prev, it)) {
				snprintf(msg, sizeof(msg),
				         "Repeats item %zu; items must be distinct.", j);
				json_add_error(errors, item, JSON_CODE_DUPLICATE, msg);
				added++;
				break;
			}
		}
	}
	return added;
}

/* Check one present value against its table row; returns the number of errors added. */
static size_t check_value(const char *name, const struct json_field *f, const json_t *v,
                          json_t *errors)
{
	char msg[512];

	if (json_is_null(v)) {
		if (f->flags & JF_NULLABLE)
			return 0;
		json_add_error(errors, name, JSON_CODE_NOT_NULL, "Must not be null.");
		return 1;
	}
	switch (f->type) {
	case JF_STRING:
		if (!json_is_string(v))
			break;
		return check_text(name, v, f->min > 0 ? (size_t)f->min : 0,
		                  f->max > 0 ? (size_t)f->max : STRING_MAX_DEFAULT,
		                  f->flags & JF_MULTILINE, errors);
	case JF_INTEGER:
		if (!json_is_integer(v)) {
			json_add_error(errors, name, JSON_CODE_WRONG_TYPE, "Must be an integer.");
			return 1;
		}
		if (has_bounds(f) &&
		    (json_integer_value(v) < f->min || json_integer_value(v) > f->max)) {
			range_message(msg, sizeof(msg), f->min, f->max);
			add_bounds_error(errors, name, JSON_CODE_OUT_OF_RANGE, msg, f->min, f->max);
			return 1;
		}
		return 0;
	case JF_NUMBER:
		if (!json_is_number(v)) {
			json_add_error(errors, name, JSON_CODE_WRONG_TYPE, "Must be a number.");
			return 1;
		}
		if (has_bounds(f) && (json_number_value(v) < (double)f->min ||
		                      json_number_value(v) > (double)f->max)) {
			range_message(msg, sizeof(msg), f->min, f->max);
			add_bounds_error(errors, name, JSON_CODE_OUT_OF_RANGE, msg, f->min, f->max);
			return 1;
		}
		return 0;
	case JF_BOOLEAN:
		if (json_is_boolean(v))
			return 0;
		json_add_error(errors, name, JSON_CODE_WRONG_TYPE, "Must be true or false.");
		return 1;
	case JF_UUID:
		return check_format(name, v, validate_uuid, JSON_CODE_UUID, "Must be a UUID.",
		                    errors);
	case JF_DATE:
		return check_format(name, v, validate_date, JSON_CODE_DATE,
		                    "Must be a date as YYYY-MM-DD that exists.", errors);
	case JF_TIMESTAMP:
		return check_format(name, v, validate_timestamp, JSON_CODE_TIMESTAMP,
		                    "Must be a date and time as in 2026-03-01T09:30:00+01:00.",
		                    errors);
	case JF_ENUM:
		if (json_is_string(v) && validate_enum(json_string_value(v), f->enum_values) &&
		    strlen(json_string_value(v)) == json_string_length(v))
			return 0;
		add_enum_error(errors, name, f->enum_values);
		return 1;
	case JF_LOGIN:
		return check_format(name, v, validate_login, JSON_CODE_LOGIN,
		                    "Must be 3 to 64 of a-z, 0-9, '.', '_' and '-', starting with "
		                    "a letter or digit.",
		                    errors);
	case JF_KEY:
		return check_format(name, v, validate_key, JSON_CODE_KEY,
		                    "Must be 1 to 64 of a-z, 0-9, '_' and '-', starting with a "
		                    "letter.",
		                    errors);
	case JF_EMAIL:
		return check_format(name, v, validate_email, JSON_CODE_EMAIL,
		                    "Must be an e-mail address.", errors);
	case JF_URL:
		return check_format(name, v, validate_url, JSON_CODE_URL,
		                    "Must be an http or https URL.", errors);
	case JF_PHONE:
		return check_format(name, v, validate_phone, JSON_CODE_PHONE,
		                    "Must be a phone number: digits, spaces, + ( ) / and -.",
		                    errors);
	case JF_ARRAY:
		if (!json_is_array(v)) {
			json_add_error(errors, name, JSON_CODE_WRONG_TYPE, "Must be an array.");
			return 1;
		}
		if (has_bounds(f) && ((long long)json_array_size(v) < f->min ||
		                      (long long)json_array_size(v) > f->max)) {
			count_message(msg, sizeof(msg), f->min, f->max);
			add_bounds_error(errors, name, JSON_CODE_COUNT, msg, f->min, f->max);
			return 1;
		}
		return 0;
	case JF_OBJECT:
		if (json_is_object(v))
			return 0;
		json_add_error(errors, name, JSON_CODE_WRONG_TYPE, "Must be an object.");
		return 1;
	case JF_UUID_ARRAY:
	case JF_STRING_ARRAY:
		if (!json_is_array(v)) {
			json_add_error(errors, name, JSON_CODE_WRONG_TYPE,
			               f->type == JF_UUID_ARRAY ? "Must be an array of UUIDs."
			                                        : "Must be an array of strings.");
			return 1;
		}
		return check_list(name, f, v, errors);
	}
	json_add_error(errors, name, JSON_CODE_WRONG_TYPE, "Must be a string.");
	return 1;
}

size_t json_check_object(const json_t *obj, const struct json_field *fields, size_t n,
                         const char *prefix, json_t *errors)
{
	char name[256];
	const char *key;
	json_t *v;
	size_t added = 0;

	if (!json_is_object(obj)) {
		/* The prefix names the object itself: "steps[2]." -> "steps[2]". */
		size_t len = prefix ? strlen(prefix) : 0;

		snprintf(name, sizeof(name), "%.*s",
		         (int)(len && prefix[len - 1] == '.' ? len - 1 : len),
		         prefix ? prefix : "");
		json_add_error(errors, name, JSON_CODE_WRONG_TYPE, "Must be an object.");
		return 1;
	}
	/* jansson keeps insertion order, so unknown fields are reported as they came. */
	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		bool known = false;

		for (size_t i = 0; i < n && !known; i++)
			known = strcmp(fields[i].name, key) == 0;
		if (!known) {
			json_add_error(errors, field_name(name, sizeof(name), prefix, key),
			               JSON_CODE_UNKNOWN_FIELD, "unknown field");
			added++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct json_field *f = &fields[i];

		field_name(name, sizeof(name), prefix, f->name);
		v = json_object_get(obj, f->name);
		if (!v) {
			if (f->flags & JF_REQUIRED) {
				json_add_error(errors, name, JSON_CODE_REQUIRED,
				               "This field is required.");
				added++;
			}
			continue;
		}
		added += check_value(name, f, v, errors);
	}
	return added;
}

json_t *json_string_list(const char *const *list)
{
	json_t *a = json_array();

	for (; list && *list; list++)
		json_array_append_new(a, json_string(*list));
	return a;
}
