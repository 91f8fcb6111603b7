#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "http.h"
#include "json.h"
#include "util.h"
#include "validate.h"

static const struct json_field address_fields[] = {
        {"street", JF_STRING, JF_NULLABLE, 1, 200},
        {"postal_code", JF_STRING, JF_NULLABLE, 5, 5},
        {"city", JF_STRING, JF_NULLABLE, 1, 100},
};

static const struct json_field contact_fields[] = {
        {"phone", JF_PHONE, JF_NULLABLE},
        {"email", JF_EMAIL, JF_NULLABLE},
        {"url", JF_URL, JF_NULLABLE},
};

static const struct json_field geo_fields[] = {
        {"lat", JF_NUMBER, JF_REQUIRED, -90, 90},
        {"lon", JF_NUMBER, JF_REQUIRED, -180, 180},
};

static bool all_in(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

void registry_check_nested(const json_t *body, bool with_geo, json_t *errors)
{
	const json_t *address = json_object_get(body, "address");
	const json_t *contact = json_object_get(body, "contact");
	const json_t *geo = json_object_get(body, "geo");

	if (json_is_object(address)) {
		const char *postal = json_get_string(address, "postal_code");

		json_check_object(address, address_fields, ARRAY_SIZE(address_fields), "address.",
		                  errors);
		/* German postal codes; the length and characters were checked above. */
		if (postal && validate_text(postal, 5, 5, false) && !all_in(postal, "0123456789"))
			json_add_error(errors, "address.postal_code", "postal_code",
			               "Must be five digits.");
	}
	if (json_is_object(contact))
		json_check_object(contact, contact_fields, ARRAY_SIZE(contact_fields), "contact.",
		                  errors);
	if (with_geo && json_is_object(geo))
		json_check_object(geo, geo_fields, ARRAY_SIZE(geo_fields), "geo.", errors);
}

void registry_check_languages(const json_t *body, json_t *errors)
{
	const json_t *languages = json_object_get(body, "languages"), *item;
	size_t i;

	if (!json_is_array(languages) || json_array_size(languages) > 20)
		return;
	json_array_foreach(languages, i, item) {
		const char *code = json_string_value(item);
		char field[32];

		if (!code || !validate_text(code, 1, 2, false))
			continue; /* reported by json_check_object */
		if (strlen(code) != 2 || !all_in(code, "abcdefghijklmnopqrstuvwxyz")) {
			snprintf(field, sizeof(field), "languages[%zu]", i);
			json_add_error(errors, field, "language",
			               "Must be an ISO 639-1 language code in lower case, such as "
			               "\"de\".");
		}
	}
}

/* Set the columns of one nested object: each member of obj, or null. */
static void flatten(json_t *cols, const json_t *obj, const char *const *members,
                    const char *const *columns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_is_object(obj) ? json_object_get(obj, members[i]) : NULL;
		json_object_set_new(cols, columns[i], v ? json_incref(v) : json_null());
	}
}

char *registry_columns(json_t *body)
{
	static const char *const address[] = {"street", "postal_code", "city"};
	static const char *const contact[] = {"phone", "email", "url"};
	static const char *const geo[] = {"lat", "lon"};
	static const char *const geo_columns[] = {"geo_lat", "geo_lon"};
	json_t *cols = json_object(), *v;
	const char *key;
	char *text;

	json_object_foreach(body, key, v) {
		if (!strcmp(key, "address"))
			flatten(cols, v, address, address, ARRAY_SIZE(address));
		else if (!strcmp(key, "contact"))
			flatten(cols, v, contact, contact, ARRAY_SIZE(contact));
		else if (!strcmp(key, "geo"))
			flatten(cols, v, geo, geo_columns, ARRAY_SIZE(geo));
		else
			json_object_set(cols, key, v);
	}
	text = json_dumps(cols, JSON_COMPACT);
	json_decref(cols);
	if (!text)
		abort();
	return text;
}

char *registry_like_escape(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (*s == '\\' || *s == '%' || *s == '_')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

const char *registry_role(const struct req *r)
{
	switch (r->auth.role) {
	case ROLE_ADMIN:
		return "admin";
	case ROLE_COORDINATOR:
		return "coordinator";
	case ROLE_CASEWORKER:
		return "caseworker";
	default:
		return "auditor";
	}
}

void registry_create(struct req *r, const struct db_stmt *stmt)
{
	struct params p = {0};
	char *columns = registry_columns(r->json);

	req_actor(r, &p);
	params_text(&p, "columns", columns);
	req_run(r, stmt, &p, answer_write);
	free(columns);
}

void registry_update(struct req *r, const struct db_stmt *stmt)
{
	struct params p = {0};
	char *columns;

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!answer_patch_params(r, &p))
		return;
	columns = registry_columns(r->json);
	params_text(&p, "columns", columns);
	params_text(&p, "role", registry_role(r));
	params_text(&p, "networks", r->auth.role == ROLE_COORDINATOR ? r->auth.network_ids : NULL);
	req_run(r, stmt, &p, answer_write);
	free(columns);
}
