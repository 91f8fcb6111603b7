/*
 * The Open Referral HSDS 3.0 mapping of pnetd hsds-import (server/tools/hsds_import.c loads
 * what it gives): a document of the shape GET /v1/hsds/export answers ({"organizations",
 * "locations", "services", "service_at_locations"}) to the rows of the tables organization,
 * node and service, with every problem named by its JSON path. Pure: what the database holds
 * comes in as `known`. docs/hsds.md holds the mapping.
 */
#include "hsds_map.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "directory.h"
#include "json.h"
#include "validate.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* A JSON path in the document: "services[12].attributes[3].taxonomy_term" and the like. */
#define PATH_LEN 160

/* A path into out (PATH_LEN bytes); a longer one is cut, as a message would be. */
static void path_printf(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void path_printf(char *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, PATH_LEN, fmt, ap);
	va_end(ap);
}

static const char *const node_statuses[] = {"active", "inactive", NULL};
static const char *const weekdays[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU", NULL};

/* Everything the check collects: the problems, and what the database already knows. */
struct import {
	json_t *errors;
	json_t *categories;    /* service category code -> true */
	json_t *known_orgs;    /* organization id (lower case) in the database -> true */
	json_t *known_nodes;   /* node id (lower case) in the database -> true */
	json_t *org_ids;       /* organization id (lower case) -> true */
	json_t *location_orgs; /* location id -> its organization id */
	json_t *service_orgs;  /* service id -> the organization_id it names (or null) */
	json_t *service_nodes; /* service id -> location id, from service_at_locations */
};

static void problem(struct import *im, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

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

/* A UUID as a map key: lower case, so that ids differing only in case are one id. */
static void uuid_key(const char *id, char out[37])
{
	size_t i;

	for (i = 0; i < 36 && id[i]; i++)
		out[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' : id[i]);
	out[i] = '\0';
}

/* Check each item of array obj[key] against fields, with path prefix "<path>.<key>[i].". */
static void check_items(struct import *im, const json_t *obj, const char *path, const char *key,
                        const struct json_field *fields, size_t n)
{
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(obj, key), i, item) {
		char prefix[PATH_LEN];
		path_printf(prefix, "%s.%s[%zu].", path, key, i);
		json_check_object(item, fields, n, prefix, im->errors);
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
	check_items(im, obj, path, "attributes", attribute_fields, COUNT(attribute_fields));
	json_array_foreach(json_object_get(obj, "attributes"), i, item) {
		const json_t *term = json_object_get(item, "taxonomy_term");
		char tpath[PATH_LEN];
		path_printf(tpath, "%s.attributes[%zu].taxonomy_term", path, i);
		char tprefix[PATH_LEN];
		path_printf(tprefix, "%s.", tpath);
		const char *vocab;

		if (json_is_object(term) && json_check_object(term, term_fields, COUNT(term_fields),
		                                              tprefix, im->errors) == 0) {
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

	check_items(im, obj, path, "addresses", address_fields, COUNT(address_fields));
	for (size_t k = 0; k < COUNT(map); k++) {
		const char *v = a ? json_get_string(a, map[k][0]) : NULL;
		json_object_set_new(row, map[k][1], v && *v ? json_string(v) : json_null());
	}
	const char *postal = json_string_value(json_object_get(row, "postal_code"));
	if (postal && (strlen(postal) != 5 || strspn(postal, "0123456789") != 5)) {
		char p[PATH_LEN];
		path_printf(p, "%s.addresses[0].postal_code", path);
		problem(im, p, "must be a German postal code of five digits (or empty)");
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
	char path[PATH_LEN];
	path_printf(path, "organizations[%zu]", i);
	char prefix[PATH_LEN];
	path_printf(prefix, "%s.", path);
	json_t *row = json_object();
	const char *kind;

	note_id(im, im->org_ids, o, path, json_true());
	if (json_check_object(o, org_fields, COUNT(org_fields), prefix, im->errors) > 0 ||
	    !json_is_object(o))
		goto out;
	read_attributes(im, o, path, vocabs, attrs);
	kind = term_code(im, attrs[0], path, "pnet organization kind",
	                 directory_organization_kinds);
	if (!attrs[0])
		problem(im, path, "needs an attribute of taxonomy pnet-organization-kind");
	check_items(im, o, path, "phones", phone_fields, COUNT(phone_fields));
	check_items(im, o, path, "locations", org_location_fields, COUNT(org_location_fields));
	loc = only(o, "locations");
	if (loc) {
		char lpath[PATH_LEN];
		path_printf(lpath, "%s.locations[0]", path);
		read_address(im, loc, lpath, row);
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
	char path[PATH_LEN];
	path_printf(path, "locations[%zu]", i);
	char prefix[PATH_LEN];
	path_printf(prefix, "%s.", path);
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
	if (json_check_object(l, location_fields, COUNT(location_fields), prefix, im->errors) > 0 ||
	    !json_is_object(l))
		goto out;
	read_attributes(im, l, path, vocabs, attrs);
	kind = term_code(im, attrs[0], path, "pnet node kind", directory_node_kinds);
	if (!attrs[0])
		problem(im, path, "needs an attribute of taxonomy pnet-node-kind");
	status = term_code(im, attrs[1], path, "node status (active, inactive)", node_statuses);
	read_address(im, l, path, row);
	check_items(im, l, path, "phones", phone_fields, COUNT(phone_fields));
	check_items(im, l, path, "contacts", contact_fields, COUNT(contact_fields));
	check_items(im, l, path, "accessibility", accessibility_fields,
	            COUNT(accessibility_fields));
	check_items(im, l, path, "languages", language_fields, COUNT(language_fields));
	json_array_foreach(json_object_get(l, "languages"), k, item) {
		const char *code = json_get_string(item, "code");
		if (code && (strlen(code) != 2 || code[0] < 'a' || code[0] > 'z' || code[1] < 'a' ||
		             code[1] > 'z')) {
			char p[PATH_LEN];
			path_printf(p, "%s.languages[%zu].code", path, k);
			problem(im, p, "must be a lower-case ISO 639-1 code such as \"de\"");
		}
		if (code)
			json_array_append_new(languages, json_string(code));
	}
	lat = json_object_get(l, "latitude");
	lon = json_object_get(l, "longitude");
	if ((lat && !json_is_null(lat)) != (lon && !json_is_null(lon)))
		problem(im, path, "latitude and longitude come together or not at all");

	if (!json_object_get(im->org_ids, orgkey) && !json_object_get(im->known_orgs, orgkey)) {
		char p[PATH_LEN];
		path_printf(p, "%s.organization_id", path);
		problem(im, p, "names no organization of the file or the database");
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

	check_items(im, s, path, "schedules", schedule_fields, COUNT(schedule_fields));
	json_array_foreach(json_object_get(s, "schedules"), i, item) {
		char ipath[PATH_LEN];
		path_printf(ipath, "%s.schedules[%zu]", path, i);
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
	char path[PATH_LEN];
	path_printf(path, "services[%zu]", i);
	char prefix[PATH_LEN];
	path_printf(prefix, "%s.", path);
	json_t *row = json_object();
	const char *category, *status, *wait, *org;

	org = json_get_string(s, "organization_id");
	note_id(im, im->service_orgs, s, path,
	        string_or_null(org && validate_uuid(org) ? org : NULL));
	if (json_check_object(s, service_fields, COUNT(service_fields), prefix, im->errors) > 0 ||
	    !json_is_object(s))
		goto out;
	read_attributes(im, s, path, vocabs, attrs);
	category = term_code(im, attrs[0], path, "service category", NULL);
	if (!attrs[0])
		problem(im, path, "needs an attribute of taxonomy pnet-service-category");
	else if (!json_object_get(im->categories, category))
		problem(im, path, "\"%s\" is not a service category of GET /v1/taxonomy", category);
	check_items(im, s, path, "capacities", capacity_fields, COUNT(capacity_fields));
	cap = only(s, "capacities");
	if (cap) {
		char cprefix[PATH_LEN];
		path_printf(cprefix, "%s.capacities[0].unit.", path);
		json_check_object(json_object_get(cap, "unit"), unit_fields, COUNT(unit_fields),
		                  cprefix, im->errors);
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
			char p[PATH_LEN];
			path_printf(p, "%s.wait_time", path);
			problem(im, p, "must read \"N days\" with N from 0 to 3650");
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
		char path[PATH_LEN];
		path_printf(path, "service_at_locations[%zu]", i);
		char prefix[PATH_LEN];
		char skey[37], lkey[37];
		const char *org, *lorg;

		path_printf(prefix, "%s.", path);
		if (json_check_object(link, sal_fields, COUNT(sal_fields), prefix, im->errors) ==
		    0) {
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
			         !json_object_get(im->known_nodes, lkey))
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
	}
	/* Named by position in the file: rows holds only the services that passed their check. */
	json_array_foreach(file_services, i, row) {
		char key[37];
		const char *id = json_get_string(row, "id");

		if (!id || !validate_uuid(id))
			continue;
		uuid_key(id, key);
		if (!json_object_get(im->service_nodes, key)) {
			char p[PATH_LEN];
			path_printf(p, "services[%zu]", i);
			problem(im, p, "no service_at_location places this service at a location");
		}
	}
	json_array_foreach(services, i, row) {
		char key[37];

		uuid_key(json_get_string(row, "id"), key);
		json_t *node = json_object_get(im->service_nodes, key);
		json_object_set(row, "node_id", node ? node : json_null());
	}
}

static const struct json_field top_fields[] = {
        {"organizations", JF_ARRAY, 0},
        {"locations", JF_ARRAY, 0},
        {"services", JF_ARRAY, 0},
        {"service_at_locations", JF_ARRAY, 0},
};

/* Append the lower-case key of id to ids when it is a UUID (NULL or anything else: not). */
static void add_id(json_t *ids, const char *id)
{
	char key[37];

	if (!id || !validate_uuid(id))
		return;
	uuid_key(id, key);
	json_array_append_new(ids, json_string(key));
}

json_t *hsds_map_references(const json_t *doc)
{
	json_t *orgs = json_array(), *nodes = json_array(), *item;
	size_t i;

	json_array_foreach(json_object_get(doc, "locations"), i, item)
		add_id(orgs, json_get_string(item, "organization_id"));
	json_array_foreach(json_object_get(doc, "service_at_locations"), i, item)
		add_id(nodes, json_get_string(item, "location_id"));
	return json_pack("{s:o, s:o}", "organizations", orgs, "nodes", nodes);
}

/* {each string of list (lower case when a UUID): true}. */
static json_t *set_of(const json_t *list, bool uuids)
{
	json_t *set = json_object(), *item;
	size_t i;

	json_array_foreach(list, i, item) {
		const char *s = json_string_value(item);
		char key[37];

		if (!s)
			continue;
		if (uuids) {
			if (!validate_uuid(s))
				continue;
			uuid_key(s, key);
			s = key;
		}
		json_object_set_new(set, s, json_true());
	}
	return set;
}

int hsds_map(const json_t *doc, const json_t *known, struct hsds_map *out)
{
	struct import im = {
	        .errors = json_array(),
	        .categories = set_of(json_object_get(known, "categories"), false),
	        .known_orgs = set_of(json_object_get(known, "organizations"), true),
	        .known_nodes = set_of(json_object_get(known, "nodes"), true),
	        .org_ids = json_object(),
	        .location_orgs = json_object(),
	        .service_orgs = json_object(),
	        .service_nodes = json_object(),
	};
	json_t *item;
	size_t i;

	out->organizations = json_array();
	out->nodes = json_array();
	out->services = json_array();
	if (!json_is_object(doc))
		json_add_error(im.errors, NULL, NULL, "the document must be a JSON object");
	else
		json_check_object(doc, top_fields, COUNT(top_fields), NULL, im.errors);
	json_array_foreach(json_object_get(doc, "organizations"), i, item)
		read_organization(&im, item, i, out->organizations);
	json_array_foreach(json_object_get(doc, "locations"), i, item)
		read_location(&im, item, i, out->nodes);
	json_array_foreach(json_object_get(doc, "services"), i, item)
		read_service(&im, item, i, out->services);
	read_links(&im, json_object_get(doc, "service_at_locations"),
	           json_object_get(doc, "services"), out->services);

	out->errors = im.errors;
	json_decref(im.categories);
	json_decref(im.known_orgs);
	json_decref(im.known_nodes);
	json_decref(im.org_ids);
	json_decref(im.location_orgs);
	json_decref(im.service_orgs);
	json_decref(im.service_nodes);
	return json_array_size(out->errors) ? -EINVAL : 0;
}

void hsds_map_clear(struct hsds_map *m)
{
	if (!m)
		return;
	json_decref(m->organizations);
	json_decref(m->nodes);
	json_decref(m->services);
	json_decref(m->errors);
	m->organizations = m->nodes = m->services = m->errors = NULL;
}
