/*
 * pnetd hsds-import FILE: load an Open Referral HSDS 3.0 document (the shape GET
 * /v1/hsds/export answers: {"organizations", "locations", "services",
 * "service_at_locations"}) into the registry. The whole file is checked first and every
 * problem is reported with its JSON path; then one transaction upserts by id (rows that would
 * not change are not touched, so a second import of the same file changes nothing) and writes
 * one "hsds.import" audit row with the counts. docs/hsds.md holds the mapping.
 */
#include "tools.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"
#include "directory.h"
#include "json.h"
#include "util.h"
#include "validate.h"

#define MAX_FILE (64L * 1024 * 1024)

static const char *const node_statuses[] = {"active", "inactive", NULL};
static const char *const weekdays[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU", NULL};

/* Everything the check collects: the problems, and what the database already knows. */
struct import {
	PGconn *pg;
	json_t *errors;
	json_t *categories;    /* service category code -> true */
	json_t *org_ids;       /* organization id (lower case) -> true */
	json_t *location_orgs; /* location id -> its organization id */
	json_t *service_orgs;  /* service id -> the organization_id it names (or null) */
	json_t *service_nodes; /* service id -> location id, from service_at_locations */
};

static void problem(struct import *im, const char *path, const char *fmt, ...) PRINTF_LIKE(3, 4);

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void problem(struct import *im, const char *path, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	json_add_error(im->errors, path, NULL, message);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= MAX_FILE &&
	    fseek(f, 0, SEEK_SET) == 0) {
		text = xmalloc((size_t)n + 1);
		if (fread(text, 1, (size_t)n, f) != (size_t)n) {
			free(text);
			text = NULL;
		} else {
			text[n] = '\0';
			*len = (size_t)n;
		}
	} else {
		errno = EFBIG;
	}
	fclose(f);
	return text;
}

/* A UUID as a map key: lower case, so that ids differing only in case are one id. */
static void uuid_key(const char *id, char out[37])
{
	size_t i;

	for (i = 0; i < 36 && id[i]; i++)
		out[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' : id[i]);
	out[i] = '\0';
}

/* Whether the database holds a row of table with this id (table is a constant). */
static bool db_has(struct import *im, const char *sql, const char *id)
{
	const char *values[1] = {id};
	PGresult *res = PQexecParams(im->pg, sql, 1, NULL, values, NULL, NULL, 0);
	bool found = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

	PQclear(res);
	return found;
}

/* Check each item of array obj[key] against fields, with path prefix "<path>.<key>[i].". */
static void check_items(struct import *im, const json_t *obj, const char *path, const char *key,
                        const struct json_field *fields, size_t n)
{
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(obj, key), i, item) {
		char *prefix = xasprintf("%s.%s[%zu].", path, key, i);
		json_check_object(item, fields, n, prefix, im->errors);
		free(prefix);
	}
}

/* Fields of an attribute and of its taxonomy term, as the export writes them. */
static const struct json_field attribute_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"link_id", JF_UUID, JF_NULLABLE},
        {"link_entity", JF_STRING, JF_NULLABLE, 1, 100},
        {"link_type", JF_STRING, JF_NULLABLE, 1, 100},
        {"taxonomy_term_id", JF_UUID, JF_NULLABLE},
        {"value", JF_STRING, JF_NULLABLE, 1, 300},
        {"label", JF_STRING, JF_NULLABLE, 1, 200},
        {"taxonomy_term", JF_OBJECT, JF_REQUIRED},
};
static const struct json_field term_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"code", JF_STRING, JF_REQUIRED, 1, 64},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"description", JF_STRING, JF_REQUIRED | JF_MULTILINE, 1, 2000},
        {"taxonomy", JF_STRING, JF_REQUIRED, 1, 100},
        {"language", JF_STRING, JF_NULLABLE, 2, 3},
        {"parent_id", JF_UUID, JF_NULLABLE},
        {"taxonomy_id", JF_UUID, JF_NULLABLE},
        {"term_uri", JF_URL, JF_NULLABLE},
};

/*
 * Read the attributes of one object: every vocabulary must be one of vocabs (NULL-terminated)
 * and appear at most once; out[k] receives the attribute of vocabs[k] (borrowed) or NULL.
 */
static void read_attributes(struct import *im, const json_t *obj, const char *path,
                            const char *const *vocabs, const json_t **out)
{
	json_t *item;
	size_t i, k;

	for (k = 0; vocabs[k]; k++)
		out[k] = NULL;
	check_items(im, obj, path, "attributes", attribute_fields, ARRAY_SIZE(attribute_fields));
	json_array_foreach(json_object_get(obj, "attributes"), i, item) {
		const json_t *term = json_object_get(item, "taxonomy_term");
		char *tpath = xasprintf("%s.attributes[%zu].taxonomy_term", path, i);
		char *tprefix = xasprintf("%s.", tpath);
		const char *vocab;

		if (json_is_object(term) &&
		    json_check_object(term, term_fields, ARRAY_SIZE(term_fields), tprefix,
		                      im->errors) == 0) {
			vocab = json_get_string(term, "taxonomy");
			for (k = 0; vocabs[k] && strcmp(vocabs[k], vocab); k++)
				;
			if (!vocabs[k])
				problem(im, tpath,
				        "taxonomy \"%s\" is not one pnet keeps here (see "
				        "docs/hsds.md)",
				        vocab);
			else if (out[k])
				problem(im, tpath, "a second term of taxonomy \"%s\"", vocab);
			else
				out[k] = item;
		}
		free(tprefix);
		free(tpath);
	}
}

/* The code of attribute a's term, checked against allowed (NULL: any); NULL when absent. */
static const char *term_code(struct import *im, const json_t *a, const char *path, const char *what,
                             const char *const *allowed)
{
	const char *code;

	if (!a)
		return NULL;
	code = json_get_string(json_object_get(a, "taxonomy_term"), "code");
	if (allowed && !validate_enum(code, allowed))
		problem(im, path, "\"%s\" is not a %s", code, what);
	return code;
}

/* The value of a free-text attribute (district, place): required, checked by length. */
static const char *attribute_value(struct import *im, const json_t *a, const char *path, size_t max)
{
	const char *value;

	if (!a)
		return NULL;
	value = json_get_string(a, "value");
	if (!value || !validate_text(value, 1, max, false)) {
		problem(im, path, "needs a value of 1 to %zu characters on one line", max);
		return NULL;
	}
	return value;
}

static const struct json_field phone_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"organization_id", JF_UUID, JF_NULLABLE},
        {"location_id", JF_UUID, JF_NULLABLE},
        {"number", JF_PHONE, JF_REQUIRED},
};
static const struct json_field address_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"location_id", JF_UUID, JF_NULLABLE},
        {"address_1", JF_STRING, JF_REQUIRED, 0, 200},
        {"city", JF_STRING, JF_REQUIRED, 0, 100},
        {"state_province", JF_STRING, JF_REQUIRED, 0, 100},
        {"postal_code", JF_STRING, JF_REQUIRED, 0, 5},
        {"country", JF_ENUM, JF_REQUIRED, 0, 0, (const char *const[]){"DE", NULL}},
        {"address_type", JF_ENUM, JF_REQUIRED, 0, 0,
         (const char *const[]){"physical", "postal", NULL}},
};

/* Copy one address's street, postal code and city into row ("" is none). */
static void read_address(struct import *im, const json_t *obj, const char *path, json_t *row)
{
	const json_t *a = json_array_get(json_object_get(obj, "addresses"), 0);
	static const char *const map[][2] = {
	        {"address_1", "street"}, {"postal_code", "postal_code"}, {"city", "city"}};

	check_items(im, obj, path, "addresses", address_fields, ARRAY_SIZE(address_fields));
	for (size_t k = 0; k < ARRAY_SIZE(map); k++) {
		const char *v = a ? json_get_string(a, map[k][0]) : NULL;
		json_object_set_new(row, map[k][1], v && *v ? json_string(v) : json_null());
	}
	const char *postal = json_string_value(json_object_get(row, "postal_code"));
	if (postal && (strlen(postal) != 5 || strspn(postal, "0123456789") != 5)) {
		char *p = xasprintf("%s.addresses[0].postal_code", path);
		problem(im, p, "must be a German postal code of five digits (or empty)");
		free(p);
	}
}

/* The only item of obj[key] (arrays of at most one, checked by the field table), or NULL. */
static json_t *only(const json_t *obj, const char *key)
{
	return json_array_get(json_object_get(obj, key), 0);
}

static const struct json_field org_location_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"location_type", JF_ENUM, JF_REQUIRED, 0, 0, (const char *const[]){"postal", NULL}},
        {"organization_id", JF_UUID, JF_NULLABLE},
        {"name", JF_STRING, JF_NULLABLE, 1, 200},
        {"addresses", JF_ARRAY, JF_REQUIRED, 1, 1},
};
static const struct json_field org_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"description", JF_STRING, JF_MULTILINE | JF_NULLABLE},
        {"email", JF_EMAIL, JF_NULLABLE},
        {"website", JF_URL, JF_NULLABLE},
        {"phones", JF_ARRAY, JF_NULLABLE, 0, 1},
        {"locations", JF_ARRAY, JF_NULLABLE, 0, 1},
        {"attributes", JF_ARRAY, JF_NULLABLE, 0, 100},
};

/*
 * Note id (of an object at path) in map with value, so that later references find it even
 * when the object itself has problems; a second object with the same id is one more.
 */
static void note_id(struct import *im, json_t *map, const json_t *obj, const char *path,
                    json_t *value)
{
	const char *id = json_get_string(obj, "id");
	char key[37];

	if (!id || !validate_uuid(id)) {
		json_decref(value);
		return;
	}
	uuid_key(id, key);
	if (json_object_get(map, key))
		problem(im, path, "a second object with id %s", key);
	json_object_set_new(map, key, value);
}

/* One HSDS organization to an organization row (appended to rows). */
static void read_organization(struct import *im, const json_t *o, size_t i, json_t *rows)
{
	static const char *const vocabs[] = {"pnet-organization-kind", NULL};
	const json_t *attrs[1], *loc;
	char *path = xasprintf("organizations[%zu]", i), *prefix = xasprintf("%s.", path);
	json_t *row = json_object();
	const char *kind;

	note_id(im, im->org_ids, o, path, json_true());
	if (json_check_object(o, org_fields, ARRAY_SIZE(org_fields), prefix, im->errors) > 0 ||
	    !json_is_object(o))
		goto out;
	read_attributes(im, o, path, vocabs, attrs);
	kind = term_code(im, attrs[0], path, "pnet organization kind",
	                 directory_organization_kinds);
	if (!attrs[0])
		problem(im, path, "needs an attribute of taxonomy pnet-organization-kind");
	check_items(im, o, path, "phones", phone_fields, ARRAY_SIZE(phone_fields));
	check_items(im, o, path, "locations", org_location_fields, ARRAY_SIZE(org_location_fields));
	loc = only(o, "locations");
	if (loc) {
		char *lpath = xasprintf("%s.locations[0]", path);
		read_address(im, loc, lpath, row);
		free(lpath);
	} else {
		json_object_set_new(row, "street", json_null());
		json_object_set_new(row, "postal_code", json_null());
		json_object_set_new(row, "city", json_null());
	}
	json_object_set(row, "id", json_object_get(o, "id"));
	json_object_set(row, "name", json_object_get(o, "name"));
	json_object_set_new(row, "kind", kind ? json_string(kind) : json_null());
	json_object_set_new(row, "email", json_incref(json_object_get(o, "email")));
	json_object_set_new(row, "url", json_incref(json_object_get(o, "website")));
	json_object_set_new(row, "phone",
	                    json_incref(json_object_get(only(o, "phones"), "number")));
	json_array_append(rows, row);
out:
	json_decref(row);
	free(prefix);
	free(path);
}

static const struct json_field contact_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"location_id", JF_UUID, JF_NULLABLE},
        {"name", JF_STRING, JF_NULLABLE, 1, 200},
        {"email", JF_EMAIL, JF_REQUIRED},
};
static const struct json_field language_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"location_id", JF_UUID, JF_NULLABLE},
        {"code", JF_STRING, JF_REQUIRED, 2, 2},
};
static const struct json_field accessibility_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"location_id", JF_UUID, JF_NULLABLE},
        {"description", JF_STRING, JF_REQUIRED | JF_MULTILINE, 1, 2000},
};
static const struct json_field location_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"location_type", JF_ENUM, JF_REQUIRED, 0, 0, (const char *const[]){"physical", NULL}},
        {"organization_id", JF_UUID, JF_REQUIRED},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"url", JF_URL, JF_NULLABLE},
        {"latitude", JF_NUMBER, JF_NULLABLE, -90, 90},
        {"longitude", JF_NUMBER, JF_NULLABLE, -180, 180},
        {"addresses", JF_ARRAY, JF_NULLABLE, 0, 1},
        {"phones", JF_ARRAY, JF_NULLABLE, 0, 1},
        {"contacts", JF_ARRAY, JF_NULLABLE, 0, 1},
        {"languages", JF_ARRAY, JF_NULLABLE, 0, 40},
        {"accessibility", JF_ARRAY, JF_NULLABLE, 0, 1},
        {"attributes", JF_ARRAY, JF_NULLABLE, 0, 100},
};

/* One HSDS location to a node row. */
static void read_location(struct import *im, const json_t *l, size_t i, json_t *rows)
{
	static const char *const vocabs[] = {"pnet-node-kind", "pnet-node-status", "pnet-district",
	                                     NULL};
	const json_t *attrs[3], *item;
	json_t *lat, *lon;
	char *path = xasprintf("locations[%zu]", i), *prefix = xasprintf("%s.", path);
	json_t *row = json_object(), *languages = json_array();
	const char *kind, *status, *org;
	char orgkey[37];
	size_t k;

	org = json_get_string(l, "organization_id");
	if (org && validate_uuid(org))
		uuid_key(org, orgkey);
	else
		orgkey[0] = '\0';
	note_id(im, im->location_orgs, l, path, json_string(orgkey));
	if (json_check_object(l, location_fields, ARRAY_SIZE(location_fields), prefix, im->errors) >
	            0 ||
	    !json_is_object(l))
		goto out;
	read_attributes(im, l, path, vocabs, attrs);
	kind = term_code(im, attrs[0], path, "pnet node kind", directory_node_kinds);
	if (!attrs[0])
		problem(im, path, "needs an attribute of taxonomy pnet-node-kind");
	status = term_code(im, attrs[1], path, "node status (active, inactive)", node_statuses);
	read_address(im, l, path, row);
	check_items(im, l, path, "phones", phone_fields, ARRAY_SIZE(phone_fields));
	check_items(im, l, path, "contacts", contact_fields, ARRAY_SIZE(contact_fields));
	check_items(im, l, path, "accessibility", accessibility_fields,
	            ARRAY_SIZE(accessibility_fields));
	check_items(im, l, path, "languages", language_fields, ARRAY_SIZE(language_fields));
	json_array_foreach(json_object_get(l, "languages"), k, item) {
		const char *code = json_get_string(item, "code");
		if (code && (strlen(code) != 2 || code[0] < 'a' || code[0] > 'z' || code[1] < 'a' ||
		             code[1] > 'z')) {
			char *p = xasprintf("%s.languages[%zu].code", path, k);
			problem(im, p, "must be a lower-case ISO 639-1 code such as \"de\"");
			free(p);
		}
		if (code)
			json_array_append_new(languages, json_string(code));
	}
	lat = json_object_get(l, "latitude");
	lon = json_object_get(l, "longitude");
	if ((lat && !json_is_null(lat)) != (lon && !json_is_null(lon)))
		problem(im, path, "latitude and longitude come together or not at all");

	if (!json_object_get(im->org_ids, orgkey) &&
	    !db_has(im, "SELECT 1 FROM organization WHERE id = $1::uuid", org)) {
		char *p = xasprintf("%s.organization_id", path);
		problem(im, p, "names no organization of the file or the database");
		free(p);
	}
	json_object_set(row, "id", json_object_get(l, "id"));
	json_object_set(row, "organization_id", json_object_get(l, "organization_id"));
	json_object_set(row, "name", json_object_get(l, "name"));
	json_object_set_new(row, "kind", kind ? json_string(kind) : json_null());
	json_object_set_new(row, "district",
	                    string_or_null(attribute_value(im, attrs[2], path, 100)));
	json_object_set_new(row, "geo_lat", json_incref(lat));
	json_object_set_new(row, "geo_lon", json_incref(lon));
	json_object_set_new(row, "phone",
	                    json_incref(json_object_get(only(l, "phones"), "number")));
	json_object_set_new(row, "email",
	                    json_incref(json_object_get(only(l, "contacts"), "email")));
	json_object_set_new(row, "url", json_incref(json_object_get(l, "url")));
	json_object_set_new(row, "languages", json_incref(languages));
	json_object_set_new(row, "accessibility",
	                    json_incref(json_object_get(only(l, "accessibility"), "description")));
	json_object_set_new(row, "active", json_boolean(!status || !strcmp(status, "active")));
	json_array_append(rows, row);
out:
	json_decref(languages);
	json_decref(row);
	free(prefix);
	free(path);
}

static const struct json_field unit_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"name", JF_STRING, JF_REQUIRED, 1, 100},
        {"scheme", JF_STRING, JF_NULLABLE, 1, 100},
        {"identifier", JF_STRING, JF_NULLABLE, 1, 100},
};
static const struct json_field capacity_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"service_id", JF_UUID, JF_NULLABLE},
        {"unit", JF_OBJECT, JF_REQUIRED},
        {"available", JF_INTEGER, JF_REQUIRED, 0, 1000000000},
        {"maximum", JF_INTEGER, JF_NULLABLE, 0, 1000000000},
        {"description", JF_STRING, JF_NULLABLE, 1, 200},
        {"updated", JF_TIMESTAMP, JF_REQUIRED},
};
static const struct json_field schedule_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"service_id", JF_UUID, JF_NULLABLE},
        {"freq", JF_ENUM, JF_REQUIRED, 0, 0, (const char *const[]){"WEEKLY", NULL}},
        {"wkst", JF_ENUM, JF_NULLABLE, 0, 0, weekdays},
        {"byday", JF_STRING, JF_REQUIRED, 2, 20},
        {"opens_at", JF_STRING, JF_REQUIRED, 5, 5},
        {"closes_at", JF_STRING, JF_REQUIRED, 5, 5},
        {"description", JF_STRING, JF_NULLABLE, 1, 300},
        {"attributes", JF_ARRAY, JF_NULLABLE, 0, 10},
};

/* Minutes since midnight of "HH:MM", or -1. */
static int hhmm(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':' || strspn(s, "0123456789:") != 5)
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* HSDS schedules (weekly, one or more days each) to pnet schedule items. */
static json_t *read_schedules(struct import *im, const json_t *s, const char *path)
{
	static const char *const vocabs[] = {"pnet-schedule-kind", NULL};
	json_t *out = json_array(), *item;
	size_t i;

	check_items(im, s, path, "schedules", schedule_fields, ARRAY_SIZE(schedule_fields));
	json_array_foreach(json_object_get(s, "schedules"), i, item) {
		char *ipath = xasprintf("%s.schedules[%zu]", path, i);
		const char *byday = json_get_string(item, "byday");
		const char *from = json_get_string(item, "opens_at"),
		           *to = json_get_string(item, "closes_at");
		const json_t *attrs[1];
		const char *kind;

		read_attributes(im, item, ipath, vocabs, attrs);
		kind = term_code(im, attrs[0], ipath, "schedule kind (opening, mobile)",
		                 directory_schedule_kinds);
		if (from && to && (hhmm(from) < 0 || hhmm(to) < 0 || hhmm(from) >= hhmm(to)))
			problem(im, ipath, "opens_at and closes_at must be HH:MM, opening first");
		for (const char *d = byday; d && *d;) {
			size_t len = strcspn(d, ",");
			char day[3] = {0};
			int w = 0;

			if (len == 2) {
				memcpy(day, d, 2);
				for (w = 0; weekdays[w] && strcmp(weekdays[w], day); w++)
					;
			}
			if (len != 2 || !weekdays[w]) {
				problem(im, ipath,
				        "byday must list days as MO,TU,...,SU (no month "
				        "positions)");
				break;
			}
			json_t *e = json_pack("{s:i, s:s?, s:s?}", "weekday", w + 1, "from", from,
			                      "to", to);
			if (json_get_string(item, "description"))
				json_object_set_new(
				        e, "place",
				        json_string(json_get_string(item, "description")));
			if (kind)
				json_object_set_new(e, "kind", json_string(kind));
			json_array_append_new(out, e);
			d += len;
			if (*d == ',')
				d++;
		}
		free(ipath);
	}
	return out;
}

static const struct json_field service_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"organization_id", JF_UUID, JF_NULLABLE},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
        {"status", JF_ENUM, JF_REQUIRED, 0, 0,
         (const char *const[]){"active", "inactive", "defunct", "temporarily closed", NULL}},
        {"eligibility_description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
        {"wait_time", JF_STRING, JF_NULLABLE, 1, 20},
        {"capacities", JF_ARRAY, JF_NULLABLE, 0, 1},
        {"schedules", JF_ARRAY, JF_NULLABLE, 0, 100},
        {"attributes", JF_ARRAY, JF_NULLABLE, 0, 100},
};

/* One HSDS service to a service row (node_id is filled from service_at_locations later). */
static void read_service(struct import *im, const json_t *s, size_t i, json_t *rows)
{
	static const char *const vocabs[] = {"pnet-service-category", "pnet-district", "pnet-place",
	                                     NULL};
	const json_t *attrs[3];
	json_t *cap;
	char *path = xasprintf("services[%zu]", i), *prefix = xasprintf("%s.", path);
	json_t *row = json_object();
	const char *category, *status, *wait, *org;

	org = json_get_string(s, "organization_id");
	note_id(im, im->service_orgs, s, path,
	        string_or_null(org && validate_uuid(org) ? org : NULL));
	if (json_check_object(s, service_fields, ARRAY_SIZE(service_fields), prefix, im->errors) >
	            0 ||
	    !json_is_object(s))
		goto out;
	read_attributes(im, s, path, vocabs, attrs);
	category = term_code(im, attrs[0], path, "service category", NULL);
	if (!attrs[0])
		problem(im, path, "needs an attribute of taxonomy pnet-service-category");
	else if (!json_object_get(im->categories, category))
		problem(im, path, "\"%s\" is not a service category of GET /v1/taxonomy", category);
	check_items(im, s, path, "capacities", capacity_fields, ARRAY_SIZE(capacity_fields));
	cap = only(s, "capacities");
	if (cap) {
		char *cprefix = xasprintf("%s.capacities[0].unit.", path);
		json_check_object(json_object_get(cap, "unit"), unit_fields,
		                  ARRAY_SIZE(unit_fields), cprefix, im->errors);
		free(cprefix);
		json_t *avail = json_object_get(cap, "available"),
		       *max = json_object_get(cap, "maximum");
		if (json_is_integer(avail) && json_is_integer(max) &&
		    json_integer_value(avail) > json_integer_value(max))
			problem(im, path, "capacities[0]: available exceeds maximum");
	}
	wait = json_get_string(s, "wait_time");
	if (wait) {
		long days = -1;
		char unit[8] = "";
		int used = 0;
		if (sscanf(wait, "%ld %7s%n", &days, unit, &used) != 2 ||
		    (size_t)used != strlen(wait) || days < 0 || days > 3650 ||
		    (strcmp(unit, "days") && strcmp(unit, "day"))) {
			char *p = xasprintf("%s.wait_time", path);
			problem(im, p, "must read \"N days\" with N from 0 to 3650");
			free(p);
		} else {
			json_object_set_new(row, "wait_days", json_integer(days));
		}
	}
	status = json_get_string(s, "status");
	json_object_set_new(row, "schedule", read_schedules(im, s, path));
	json_object_set(row, "id", json_object_get(s, "id"));
	json_object_set(row, "name", json_object_get(s, "name"));
	json_object_set_new(row, "category", string_or_null(category));
	json_object_set_new(row, "description", json_incref(json_object_get(s, "description")));
	json_object_set_new(row, "eligibility",
	                    json_incref(json_object_get(s, "eligibility_description")));
	json_object_set_new(row, "capacity_free", json_incref(json_object_get(cap, "available")));
	json_object_set_new(row, "capacity_total", json_incref(json_object_get(cap, "maximum")));
	json_object_set_new(row, "district",
	                    string_or_null(attribute_value(im, attrs[1], path, 100)));
	json_object_set_new(row, "place", string_or_null(attribute_value(im, attrs[2], path, 300)));
	json_object_set_new(row, "status",
	                    json_string(!strcmp(status, "temporarily closed") ? "temporarily_closed"
	                                : !strcmp(status, "defunct")          ? "inactive"
	                                                                      : status));
	json_array_append(rows, row);
out:
	json_decref(row);
	free(prefix);
	free(path);
}

static const struct json_field sal_fields[] = {
        {"id", JF_UUID, JF_REQUIRED},
        {"service_id", JF_UUID, JF_REQUIRED},
        {"location_id", JF_UUID, JF_REQUIRED},
};

/* Each service is at exactly one location: read the links and set the rows' node_id. */
static void read_links(struct import *im, const json_t *links, const json_t *file_services,
                       json_t *services)
{
	json_t *link, *row;
	size_t i;

	json_array_foreach(links, i, link) {
		char *path = xasprintf("service_at_locations[%zu]", i), *prefix;
		char skey[37], lkey[37];
		const char *org, *lorg;

		prefix = xasprintf("%s.", path);
		if (json_check_object(link, sal_fields, ARRAY_SIZE(sal_fields), prefix,
		                      im->errors) == 0) {
			uuid_key(json_get_string(link, "service_id"), skey);
			uuid_key(json_get_string(link, "location_id"), lkey);
			lorg = json_string_value(json_object_get(im->location_orgs, lkey));
			if (!json_object_get(im->service_orgs, skey))
				problem(im, path, "service_id names no service of the file");
			else if (json_object_get(im->service_nodes, skey))
				problem(im, path,
				        "a second location for service %s (a pnet service is at "
				        "one "
				        "node)",
				        skey);
			else if (!lorg && validate_uuid(lkey) &&
			         !db_has(im, "SELECT 1 FROM node WHERE id = $1::uuid", lkey))
				problem(im, path,
				        "location_id names no location of the file or the "
				        "database");
			else
				json_object_set_new(im->service_nodes, skey, json_string(lkey));
			org = json_string_value(json_object_get(im->service_orgs, skey));
			if (org && lorg && *lorg) {
				char okey[37];
				uuid_key(org, okey);
				if (strcmp(okey, lorg))
					problem(im, path,
					        "the service names organization %s, its location "
					        "%s",
					        okey, lorg);
			}
		}
		free(prefix);
		free(path);
	}
	/* Named by position in the file: rows holds only the services that passed their check. */
	json_array_foreach(file_services, i, row) {
		char key[37];
		const char *id = json_get_string(row, "id");

		if (!id || !validate_uuid(id))
			continue;
		uuid_key(id, key);
		if (!json_object_get(im->service_nodes, key)) {
			char *p = xasprintf("services[%zu]", i);
			problem(im, p, "no service_at_location places this service at a location");
			free(p);
		}
	}
	json_array_foreach(services, i, row) {
		char key[37];

		uuid_key(json_get_string(row, "id"), key);
		json_t *node = json_object_get(im->service_nodes, key);
		json_object_set(row, "node_id", node ? node : json_null());
	}
}

/* Upserts: a row changes only when a kept field differs, and then gets version + 1. */
static const char *const upserts[] = {
        "WITH up AS (INSERT INTO organization (id, name, kind, email, phone, url, street,"
        "                                      postal_code, city)"
        " SELECT id, name, kind, email, phone, url, street, postal_code, city"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, kind text, email text,"
        "      phone text, url text, street text, postal_code text, city text)"
        " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,"
        "   email = EXCLUDED.email, phone = EXCLUDED.phone, url = EXCLUDED.url,"
        "   street = EXCLUDED.street, postal_code = EXCLUDED.postal_code, city = EXCLUDED.city,"
        "   version = organization.version + 1, updated_at = now()"
        " WHERE (organization.name, organization.kind, organization.email, organization.phone,"
        "        organization.url, organization.street, organization.postal_code,"
        "        organization.city) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind,"
        "        EXCLUDED.email, EXCLUDED.phone, EXCLUDED.url, EXCLUDED.street,"
        "        EXCLUDED.postal_code, EXCLUDED.city)"
        " RETURNING (xmax = 0) AS inserted)"
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",

        "WITH up AS (INSERT INTO node (id, organization_id, name, kind, district, street,"
        "                              postal_code, city, geo_lat, geo_lon, phone, email, url,"
        "                              languages, accessibility, active)"
        " SELECT id, organization_id, name, kind, district, street, postal_code, city, geo_lat,"
        "        geo_lon, phone, email, url, languages, accessibility, active"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, organization_id uuid, name text,"
        "      kind text, district text, street text, postal_code text, city text,"
        "      geo_lat double precision, geo_lon double precision, phone text, email text,"
        "      url text, languages text[], accessibility text, active boolean)"
        " ON CONFLICT (id) DO UPDATE SET organization_id = EXCLUDED.organization_id,"
        "   name = EXCLUDED.name, kind = EXCLUDED.kind, district = EXCLUDED.district,"
        "   street = EXCLUDED.street, postal_code = EXCLUDED.postal_code, city = EXCLUDED.city,"
        "   geo_lat = EXCLUDED.geo_lat, geo_lon = EXCLUDED.geo_lon, phone = EXCLUDED.phone,"
        "   email = EXCLUDED.email, url = EXCLUDED.url, languages = EXCLUDED.languages,"
        "   accessibility = EXCLUDED.accessibility, active = EXCLUDED.active,"
        "   version = node.version + 1, updated_at = now()"
        " WHERE (node.organization_id, node.name, node.kind, node.district, node.street,"
        "        node.postal_code, node.city, node.geo_lat, node.geo_lon, node.phone, node.email,"
        "        node.url, node.languages, node.accessibility, node.active)"
        "   IS DISTINCT FROM (EXCLUDED.organization_id, EXCLUDED.name, EXCLUDED.kind,"
        "        EXCLUDED.district, EXCLUDED.street, EXCLUDED.postal_code, EXCLUDED.city,"
        "        EXCLUDED.geo_lat, EXCLUDED.geo_lon, EXCLUDED.phone, EXCLUDED.email,"
        "        EXCLUDED.url, EXCLUDED.languages, EXCLUDED.accessibility, EXCLUDED.active)"
        " RETURNING (xmax = 0) AS inserted)"
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",

        /* Target groups are not part of HSDS: an update keeps a service's target_group_ids. */
        "WITH up AS (INSERT INTO service (id, node_id, category, name, description, eligibility,"
        "                                 capacity_total, capacity_free, wait_days, district,"
        "                                 place, schedule, status)"
        " SELECT id, node_id, category, name, description, eligibility, capacity_total,"
        "        capacity_free, wait_days, district, place, schedule, status"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, node_id uuid, category text,"
        "      name text, description text, eligibility text, capacity_total integer,"
        "      capacity_free integer, wait_days integer, district text, place text,"
        "      schedule jsonb, status text)"
        " ON CONFLICT (id) DO UPDATE SET node_id = EXCLUDED.node_id,"
        "   category = EXCLUDED.category, name = EXCLUDED.name,"
        "   description = EXCLUDED.description, eligibility = EXCLUDED.eligibility,"
        "   capacity_total = EXCLUDED.capacity_total, capacity_free = EXCLUDED.capacity_free,"
        "   wait_days = EXCLUDED.wait_days, district = EXCLUDED.district,"
        "   place = EXCLUDED.place, schedule = EXCLUDED.schedule, status = EXCLUDED.status,"
        "   version = service.version + 1, updated_at = now()"
        " WHERE (service.node_id, service.category, service.name, service.description,"
        "        service.eligibility, service.capacity_total, service.capacity_free,"
        "        service.wait_days, service.district, service.place, service.schedule,"
        "        service.status)"
        "   IS DISTINCT FROM (EXCLUDED.node_id, EXCLUDED.category, EXCLUDED.name,"
        "        EXCLUDED.description, EXCLUDED.eligibility, EXCLUDED.capacity_total,"
        "        EXCLUDED.capacity_free, EXCLUDED.wait_days, EXCLUDED.district, EXCLUDED.place,"
        "        EXCLUDED.schedule, EXCLUDED.status)"
        " RETURNING (xmax = 0) AS inserted)"
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",
};
static const char *const table_names[] = {"organizations", "locations", "services"};

static bool exec_ok(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "pnetd hsds-import: %s: %s", sql, PQerrorMessage(pg));
	PQclear(res);
	return ok;
}

/* Write the rows in one transaction with the audit row; true when committed. */
static bool write_all(PGconn *pg, json_t *const rows[3], const char *file)
{
	json_t *counts = json_object();
	bool ok = false;
	PGresult *res;

	if (!exec_ok(pg, "BEGIN"))
		goto out;
	for (size_t t = 0; t < 3; t++) {
		char *text = json_dumps(rows[t], JSON_COMPACT);
		const char *values[1] = {text};
		long inserted, updated;

		res = PQexecParams(pg, upserts[t], 1, NULL, values, NULL, NULL, 0);
		free(text);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "pnetd hsds-import: writing %s: %s", table_names[t],
			        PQerrorMessage(pg));
			PQclear(res);
			exec_ok(pg, "ROLLBACK");
			goto out;
		}
		inserted = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		updated = strtol(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
		json_object_set_new(
		        counts, table_names[t],
		        json_pack("{s:I, s:I, s:I}", "created", (json_int_t)inserted, "updated",
		                  (json_int_t)updated, "unchanged",
		                  (json_int_t)json_array_size(rows[t]) - inserted - updated));
	}
	json_object_set_new(counts, "file", json_string(file));
	json_object_set_new(counts, "via", json_string("pnetd hsds-import"));
	{
		char *text = json_dumps(counts, JSON_COMPACT);
		const char *values[1] = {text};
		res = PQexecParams(
		        pg,
		        "SELECT audit(NULL, NULL, 'hsds.import', NULL, NULL, 'cli', 'local',"
		        " $1::jsonb)",
		        1, NULL, values, NULL, NULL, 0);
		free(text);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "pnetd hsds-import: audit: %s", PQerrorMessage(pg));
		PQclear(res);
		exec_ok(pg, "ROLLBACK");
		goto out;
	}
	PQclear(res);
	if (!exec_ok(pg, "COMMIT"))
		goto out;
	for (size_t t = 0; t < 3; t++) {
		json_t *c = json_object_get(counts, table_names[t]);
		printf("%s: %lld created, %lld updated, %lld unchanged\n", table_names[t],
		       (long long)json_integer_value(json_object_get(c, "created")),
		       (long long)json_integer_value(json_object_get(c, "updated")),
		       (long long)json_integer_value(json_object_get(c, "unchanged")));
	}
	ok = true;
out:
	json_decref(counts);
	return ok;
}

/* The service categories the database knows. */
static bool load_categories(struct import *im)
{
	PGresult *res = PQexec(im->pg, "SELECT code FROM taxonomy");

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "pnetd hsds-import: reading the taxonomy: %s",
		        PQerrorMessage(im->pg));
		PQclear(res);
		return false;
	}
	for (int i = 0; i < PQntuples(res); i++)
		json_object_set_new(im->categories, PQgetvalue(res, i, 0), json_true());
	PQclear(res);
	return true;
}

static const struct json_field top_fields[] = {
        {"organizations", JF_ARRAY, 0},
        {"locations", JF_ARRAY, 0},
        {"services", JF_ARRAY, 0},
        {"service_at_locations", JF_ARRAY, 0},
};

int hsds_import_main(int argc, char **argv)
{
	struct import im = {0};
	json_t *doc = NULL, *rows[3] = {NULL, NULL, NULL}, *item;
	char *text = NULL, err[256];
	size_t len = 0, i;
	int rc = 1;

	if (argc != 1 || argv[0][0] == '-') {
		fprintf(stderr, "usage: pnetd hsds-import FILE [options]\n");
		return 2;
	}
	text = read_all(argv[0], &len);
	if (!text) {
		fprintf(stderr, "pnetd hsds-import: cannot read %s: %s\n", argv[0],
		        strerror(errno));
		return 1;
	}
	doc = json_parse_object(text, len, err, sizeof(err));
	free(text);
	if (!doc) {
		fprintf(stderr, "pnetd hsds-import: %s: %s\n", argv[0], err);
		return 1;
	}

	im.pg = PQconnectdb(cfg.database);
	if (PQstatus(im.pg) != CONNECTION_OK) {
		fprintf(stderr, "pnetd hsds-import: cannot connect: %s", PQerrorMessage(im.pg));
		goto out;
	}
	im.errors = json_array();
	im.categories = json_object();
	im.org_ids = json_object();
	im.location_orgs = json_object();
	im.service_orgs = json_object();
	im.service_nodes = json_object();
	for (i = 0; i < 3; i++)
		rows[i] = json_array();
	if (!load_categories(&im))
		goto out;

	json_check_object(doc, top_fields, ARRAY_SIZE(top_fields), NULL, im.errors);
	json_array_foreach(json_object_get(doc, "organizations"), i, item)
		read_organization(&im, item, i, rows[0]);
	json_array_foreach(json_object_get(doc, "locations"), i, item)
		read_location(&im, item, i, rows[1]);
	json_array_foreach(json_object_get(doc, "services"), i, item)
		read_service(&im, item, i, rows[2]);
	read_links(&im, json_object_get(doc, "service_at_locations"),
	           json_object_get(doc, "services"), rows[2]);

	if (json_array_size(im.errors)) {
		fprintf(stderr, "pnetd hsds-import: %s: %zu problem%s, nothing imported:\n",
		        argv[0], json_array_size(im.errors),
		        json_array_size(im.errors) == 1 ? "" : "s");
		json_array_foreach(im.errors, i, item)
			fprintf(stderr, "  %s: %s\n", json_get_string(item, "field"),
			        json_get_string(item, "message"));
		goto out;
	}
	if (write_all(im.pg, rows, argv[0]))
		rc = 0;
out:
	for (i = 0; i < 3; i++)
		json_decref(rows[i]);
	json_decref(im.errors);
	json_decref(im.categories);
	json_decref(im.org_ids);
	json_decref(im.location_orgs);
	json_decref(im.service_orgs);
	json_decref(im.service_nodes);
	json_decref(doc);
	PQfinish(im.pg);
	return rc;
}
