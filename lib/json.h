/*
 * Strict JSON input for the API: parse a body, then check an object against a declarative
 * table of fields, collecting every problem (not just the first) as {"field","code","message"}.
 * The code is stable and machine-readable (clients word it in their user's language); the
 * message is English for developers. docs/problems.md lists the codes.
 */
#ifndef PNET_JSON_H
#define PNET_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* The codes json_check_object gives; the server adds domain codes of its own. */
#define JSON_CODE_UNKNOWN_FIELD "unknown_field" /* a field the endpoint does not take */
#define JSON_CODE_REQUIRED      "required"      /* missing */
#define JSON_CODE_NOT_NULL      "not_null"      /* null where a value is needed */
#define JSON_CODE_WRONG_TYPE    "wrong_type"    /* a number for a string, ... */
#define JSON_CODE_TOO_SHORT     "too_short"     /* text shorter than min (empty) */
#define JSON_CODE_TOO_LONG      "too_long"      /* text longer than max */
#define JSON_CODE_SINGLE_LINE   "single_line"   /* a line break or control character */
#define JSON_CODE_CONTROL_CHARACTERS                                                               \
	"control_characters"                  /* control characters in multi-line text */
#define JSON_CODE_ENCODING     "encoding"     /* not valid UTF-8 */
#define JSON_CODE_OUT_OF_RANGE "out_of_range" /* a number outside [min, max] */
#define JSON_CODE_COUNT        "count"        /* an array with too few or many items */
#define JSON_CODE_DUPLICATE    "duplicate"    /* an array item that repeats another */
#define JSON_CODE_NOT_IN_LIST  "not_in_list"  /* not one of "allowed" */
#define JSON_CODE_UUID         "uuid"
#define JSON_CODE_DATE         "date"      /* not YYYY-MM-DD, or a day that does not exist */
#define JSON_CODE_TIMESTAMP    "timestamp" /* not RFC 3339 */
#define JSON_CODE_LOGIN        "login"
#define JSON_CODE_KEY          "key"
#define JSON_CODE_EMAIL        "email"
#define JSON_CODE_URL          "url"
#define JSON_CODE_PHONE        "phone"
#define JSON_CODE_FORMAT       "format"  /* another format rule (the message says which) */
#define JSON_CODE_INVALID      "invalid" /* a rule without a code of its own */

enum json_field_type {
	JF_STRING,  /* text: min/max code points (max 0: 10000); one line unless JF_MULTILINE */
	JF_INTEGER, /* integer (not a real like 1.0, not a boolean): min/max the inclusive range */
	JF_NUMBER,  /* integer or real: min/max are the inclusive range */
	JF_BOOLEAN,
	JF_UUID,
	JF_DATE,      /* YYYY-MM-DD */
	JF_TIMESTAMP, /* RFC 3339 */
	JF_ENUM,      /* one of enum_values */
	JF_LOGIN,
	JF_KEY,
	JF_EMAIL,
	JF_URL,
	JF_PHONE,
	JF_ARRAY,        /* min/max are the item count; items checked by the caller */
	JF_OBJECT,       /* nested object; checked by the caller */
	JF_UUID_ARRAY,   /* array of distinct UUIDs (case-insensitive); min/max the item count */
	JF_STRING_ARRAY, /* array of distinct single-line strings of 1..item_max code points;
	                    min/max the item count */
};

enum json_field_flag {
	JF_REQUIRED = 1u << 0,  /* must be present */
	JF_NULLABLE = 1u << 1,  /* null is accepted (means "none"/"clear") */
	JF_MULTILINE = 1u << 2, /* JF_STRING may contain newlines and tabs */
};

struct json_field {
	const char *name;
	enum json_field_type type;
	unsigned flags;
	long long min; /* see the type; both 0 mean "no bound", otherwise both apply */
	long long max; /* (so "at least 1" is min 1, max LLONG_MAX) */
	const char *const *enum_values; /* JF_ENUM: NULL-terminated */
	long long item_max;             /* JF_STRING_ARRAY: code points per item (0: 200) */
};

/*
 * Parse body as one JSON object: rejects duplicate keys, invalid UTF-8, NUL bytes (raw or
 * \u0000), trailing garbage, an empty body and anything but an object. On failure returns
 * NULL and writes a human message (with line and column for syntax errors) into err.
 * The caller owns the result (json_decref).
 */
json_t *json_parse_object(const char *body, size_t len, char *err, size_t errlen);

/*
 * Check obj against fields[0..n): unknown keys, missing required ones, wrong types, bounds,
 * formats, enums. Each problem is appended to errors (a JSON array) as
 * {"field": name, "code": JSON_CODE_..., "message": text}, with "min" and "max" for
 * too_short, too_long, out_of_range and count, and "allowed" (the values) for not_in_list;
 * prefix, when not NULL, is put before field names
 * ("steps[2]." say). Unknown keys get the message "unknown field"; items of JF_UUID_ARRAY
 * and JF_STRING_ARRAY are named "languages[2]". At most one problem is reported per field
 * (plus one per bad array item). When obj is not an object, one problem is added, named
 * after the prefix without its final dot. Returns the number of problems added.
 */
size_t json_check_object(const json_t *obj, const struct json_field *fields, size_t n,
                         const char *prefix, json_t *errors);

/*
 * Append {"field": field, "code": code, "message": message} to errors and return it
 * (borrowed: errors holds it), so that a caller can add members such as "max". A NULL field
 * is "" (the body as a whole), a NULL code JSON_CODE_INVALID.
 */
json_t *json_add_error(json_t *errors, const char *field, const char *code, const char *message);

/* The string value of key, or NULL when absent, null or not a string. */
const char *json_get_string(const json_t *obj, const char *key);

/*
 * Each string of the array list that is not one of allowed (NULL-terminated) adds a
 * not_in_list problem for "name[i]" with the allowed values, as a JF_ENUM field does for one
 * string. Other items and a list that is no array are left to the field table (JF_STRING_ARRAY).
 */
void json_check_string_items(const json_t *list, const char *name, const char *const *allowed,
                             json_t *errors);

/* A NULL-terminated list of strings (such as a JF_ENUM list) as a new JSON array. */
json_t *json_string_list(const char *const *list);

#endif
