/* Unit tests of lib/hsds_map.c: the HSDS 3.0 document to pnet's rows, and every refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "hsds_map.h"

#define ORG    "11111111-1111-4111-8111-111111111111"
#define LOC    "22222222-2222-4222-8222-222222222222"
#define SVC    "33333333-3333-4333-8333-333333333333"
#define DBORG  "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define DBNODE "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"

/* An attribute of taxonomy tax with term code (and value, or NULL). */
static json_t *attribute(int n, const char *tax, const char *code, const char *value)
{
	char id[37], tid[37];

	snprintf(id, sizeof(id), "55555555-5555-4555-8555-%012d", n);
	snprintf(tid, sizeof(tid), "66666666-6666-4666-8666-%012d", n);
	return json_pack("{s:s, s:s?, s:{s:s, s:s, s:s, s:s, s:s}}", "id", id, "value", value,
	                 "taxonomy_term", "id", tid, "code", code, "name", code, "description",
	                 code, "taxonomy", tax);
}

/* One organization, one location (a node) of it and one service there: all valid. */
static json_t *valid_doc(void)
{
	json_t *doc = json_pack(
	        "{s:[{s:s, s:s, s:s, s:[o], s:[{s:s, s:s}]}],"
	        " s:[{s:s, s:s, s:s, s:s, s:f, s:f, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}],"
	        "     s:[{s:s, s:s}, {s:s, s:s}], s:[o, o, o]}],"
	        " s:[{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:{s:s, s:s}, s:i, s:i, s:s}],"
	        "     s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:[o]}], s:[o, o]}],"
	        " s:[{s:s, s:s, s:s}]}",
	        "organizations", "id", ORG, "name", "Caritas Neustadt", "email",
	        "info@caritas.example", "attributes",
	        attribute(1, "pnet-organization-kind", "welfare_association", NULL), "phones", "id",
	        "77777777-7777-4777-8777-000000000001", "number", "0555 4000", "locations", "id",
	        LOC, "location_type", "physical", "organization_id", ORG, "name",
	        "Schuldnerberatung", "latitude", 52.5, "longitude", 13.4, "addresses", "id",
	        "77777777-7777-4777-8777-000000000002", "address_1", "Domgasse 5", "city",
	        "Neustadt", "state_province", "", "postal_code", "55511", "country", "DE",
	        "address_type", "physical", "languages", "id",
	        "77777777-7777-4777-8777-000000000003", "code", "de", "id",
	        "77777777-7777-4777-8777-000000000004", "code", "en", "attributes",
	        attribute(2, "pnet-node-kind", "counselling_service", NULL),
	        attribute(3, "pnet-node-status", "active", NULL),
	        attribute(4, "pnet-district", "x", "Nordstadt"), "services", "id", SVC,
	        "organization_id", ORG, "name", "Schuldnerberatung", "status", "temporarily closed",
	        "wait_time", "14 days", "capacities", "id", "77777777-7777-4777-8777-000000000005",
	        "unit", "id", "77777777-7777-4777-8777-000000000006", "name", "places", "available",
	        3, "maximum", 10, "updated", "2026-01-02T03:04:05Z", "schedules", "id",
	        "77777777-7777-4777-8777-000000000007", "freq", "WEEKLY", "byday", "MO,WE",
	        "opens_at", "09:00", "closes_at", "12:30", "description", "Quartierszentrum",
	        "attributes", attribute(5, "pnet-schedule-kind", "mobile", NULL), "attributes",
	        attribute(6, "pnet-service-category", "debt_counselling", NULL),
	        attribute(7, "pnet-place", "x", "Rathaus, Raum 3"), "service_at_locations", "id",
	        "77777777-7777-4777-8777-000000000008", "service_id", SVC, "location_id", LOC);

	assert_non_null(doc);
	return doc;
}

static json_t *known(void)
{
	return json_pack("{s:[s, s], s:[s], s:[s]}", "categories", "debt_counselling",
	                 "addiction_counselling", "organizations", DBORG, "nodes", DBNODE);
}

/* Map doc (taken) with known(); the result's code in *rc. */
static struct hsds_map map_doc(json_t *doc, int *rc)
{
	struct hsds_map m = {0};
	json_t *k = known();

	*rc = hsds_map(doc, k, &m);
	json_decref(k);
	json_decref(doc);
	return m;
}

/* Whether errors holds one at path whose message contains words. */
static bool has_error(const json_t *errors, const char *path, const char *words)
{
	json_t *e;
	size_t i;

	json_array_foreach(errors, i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "field")), path) &&
		    strstr(json_string_value(json_object_get(e, "message")), words))
			return true;
	}
	return false;
}

/* Map doc and expect exactly one problem, at path, saying words. */
static void refused(json_t *doc, const char *path, const char *words)
{
	int rc;
	struct hsds_map m = map_doc(doc, &rc);

	assert_int_equal(rc, -EINVAL);
	if (json_array_size(m.errors) != 1 || !has_error(m.errors, path, words)) {
		char *text = json_dumps(m.errors, JSON_INDENT(1));
		print_error("expected one problem at %s (%s), got %s\n", path, words, text);
		free(text);
		fail();
	}
	hsds_map_clear(&m);
}

static json_t *at(json_t *doc, const char *list, size_t i)
{
	return json_array_get(json_object_get(doc, list), i);
}

/* The attribute of taxonomy tax of obj's attributes. */
static json_t *term_of(json_t *obj, const char *tax)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(obj, "attributes"), i, a) {
		json_t *term = json_object_get(a, "taxonomy_term");
		if (!strcmp(json_string_value(json_object_get(term, "taxonomy")), tax))
			return term;
	}
	fail_msg("no attribute of %s", tax);
	return NULL;
}

static void assert_str(const json_t *obj, const char *key, const char *want)
{
	const json_t *v = json_object_get(obj, key);

	if (!want) {
		assert_true(json_is_null(v));
		return;
	}
	assert_non_null(json_string_value(v));
	assert_string_equal(json_string_value(v), want);
}

static void valid_document_maps_to_rows(void **state)
{
	(void)state;
	int rc;
	struct hsds_map m = map_doc(valid_doc(), &rc);
	json_t *org, *node, *svc, *sched;

	assert_int_equal(rc, 0);
	assert_int_equal(json_array_size(m.errors), 0);
	assert_int_equal(json_array_size(m.organizations), 1);
	assert_int_equal(json_array_size(m.nodes), 1);
	assert_int_equal(json_array_size(m.services), 1);

	org = json_array_get(m.organizations, 0);
	assert_str(org, "id", ORG);
	assert_str(org, "name", "Caritas Neustadt");
	assert_str(org, "kind", "welfare_association");
	assert_str(org, "email", "info@caritas.example");
	assert_str(org, "phone", "0555 4000");
	assert_str(org, "street", NULL); /* no postal location */

	node = json_array_get(m.nodes, 0);
	assert_str(node, "organization_id", ORG);
	assert_str(node, "kind", "counselling_service");
	assert_str(node, "district", "Nordstadt");
	assert_str(node, "street", "Domgasse 5");
	assert_str(node, "postal_code", "55511");
	assert_str(node, "city", "Neustadt");
	assert_true(json_is_true(json_object_get(node, "active")));
	assert_int_equal(json_array_size(json_object_get(node, "languages")), 2);
	assert_string_equal(
	        json_string_value(json_array_get(json_object_get(node, "languages"), 1)), "en");
	assert_true(json_real_value(json_object_get(node, "geo_lat")) == 52.5);

	svc = json_array_get(m.services, 0);
	assert_str(svc, "node_id", LOC);
	assert_str(svc, "category", "debt_counselling");
	assert_str(svc, "status", "temporarily_closed");
	assert_str(svc, "place", "Rathaus, Raum 3");
	assert_int_equal(json_integer_value(json_object_get(svc, "wait_days")), 14);
	assert_int_equal(json_integer_value(json_object_get(svc, "capacity_free")), 3);
	assert_int_equal(json_integer_value(json_object_get(svc, "capacity_total")), 10);
	/* MO,WE: one pnet item a day, each with the hours, the place and the kind. */
	sched = json_object_get(svc, "schedule");
	assert_int_equal(json_array_size(sched), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sched, 0), "weekday")),
	                 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sched, 1), "weekday")),
	                 3);
	assert_str(json_array_get(sched, 1), "from", "09:00");
	assert_str(json_array_get(sched, 1), "to", "12:30");
	assert_str(json_array_get(sched, 1), "place", "Quartierszentrum");
	assert_str(json_array_get(sched, 1), "kind", "mobile");
	hsds_map_clear(&m);
}

static void empty_document_maps_to_nothing(void **state)
{
	(void)state;
	int rc;
	struct hsds_map m = map_doc(json_object(), &rc);

	assert_int_equal(rc, 0);
	assert_int_equal(json_array_size(m.organizations) + json_array_size(m.nodes) +
	                         json_array_size(m.services) + json_array_size(m.errors),
	                 0);
	hsds_map_clear(&m);
	hsds_map_clear(&m); /* cleared twice, and NULL, are fine */
	hsds_map_clear(NULL);
}

static void references_are_the_ids_the_file_names(void **state)
{
	(void)state;
	json_t *doc = valid_doc(), *refs;

	json_object_set_new(at(doc, "locations", 0), "organization_id",
	                    json_string("AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA"));
	json_array_append_new(json_object_get(doc, "service_at_locations"),
	                      json_pack("{s:s}", "location_id", "not-a-uuid"));
	refs = hsds_map_references(doc);
	assert_int_equal(json_array_size(json_object_get(refs, "organizations")), 1);
	assert_string_equal(
	        json_string_value(json_array_get(json_object_get(refs, "organizations"), 0)),
	        DBORG);
	assert_int_equal(json_array_size(json_object_get(refs, "nodes")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(refs, "nodes"), 0)),
	                    LOC);
	json_decref(refs);
	json_decref(doc);
}

static void references_to_the_database_are_taken(void **state)
{
	(void)state;
	json_t *doc = valid_doc();
	int rc;
	struct hsds_map m;

	/* The location's organization and the service's location exist in the database only
	 * (named in capitals: ids are compared without case). */
	json_array_clear(json_object_get(doc, "organizations"));
	json_object_set_new(at(doc, "locations", 0), "organization_id",
	                    json_string("AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA"));
	json_object_del(at(doc, "services", 0), "organization_id");
	json_array_append_new(
	        json_object_get(doc, "services"),
	        json_pack(
	                "{s:s, s:s, s:s, s:[O]}", "id", "33333333-3333-4333-8333-000000000002",
	                "name", "Zweites", "status", "defunct", "attributes",
	                json_array_get(json_object_get(at(doc, "services", 0), "attributes"), 0)));
	json_array_append_new(json_object_get(doc, "service_at_locations"),
	                      json_pack("{s:s, s:s, s:s}", "id",
	                                "77777777-7777-4777-8777-000000000009", "service_id",
	                                "33333333-3333-4333-8333-000000000002", "location_id",
	                                "BBBBBBBB-BBBB-4BBB-8BBB-BBBBBBBBBBBB"));
	m = map_doc(doc, &rc);
	assert_int_equal(rc, 0);
	assert_str(json_array_get(m.services, 1), "node_id", DBNODE);
	assert_str(json_array_get(m.services, 1), "status", "inactive"); /* defunct */
	hsds_map_clear(&m);
}

static void unknown_kinds_and_categories_are_refused(void **state)
{
	(void)state;
	json_t *doc;

	doc = valid_doc();
	json_object_set_new(term_of(at(doc, "organizations", 0), "pnet-organization-kind"), "code",
	                    json_string("guild"));
	refused(doc, "organizations[0]", "\"guild\" is not a pnet organization kind");

	doc = valid_doc();
	json_object_del(at(doc, "organizations", 0), "attributes");
	refused(doc, "organizations[0]", "needs an attribute of taxonomy pnet-organization-kind");

	doc = valid_doc();
	json_object_set_new(term_of(at(doc, "locations", 0), "pnet-node-kind"), "code",
	                    json_string("castle"));
	refused(doc, "locations[0]", "\"castle\" is not a pnet node kind");

	doc = valid_doc();
	json_object_set_new(term_of(at(doc, "locations", 0), "pnet-node-status"), "code",
	                    json_string("closed"));
	refused(doc, "locations[0]", "is not a node status");

	doc = valid_doc();
	json_object_set_new(term_of(at(doc, "services", 0), "pnet-service-category"), "code",
	                    json_string("astrology"));
	refused(doc, "services[0]", "\"astrology\" is not a service category");

	doc = valid_doc();
	json_object_set_new(
	        term_of(json_array_get(json_object_get(at(doc, "services", 0), "schedules"), 0),
	                "pnet-schedule-kind"),
	        "code", json_string("sometimes"));
	refused(doc, "services[0].schedules[0]", "is not a schedule kind");

	doc = valid_doc();
	json_object_set_new(term_of(at(doc, "locations", 0), "pnet-district"), "taxonomy",
	                    json_string("astrology"));
	refused(doc, "locations[0].attributes[2].taxonomy_term",
	        "taxonomy \"astrology\" is not one pnet keeps here");

	doc = valid_doc();
	json_object_set_new(term_of(at(doc, "locations", 0), "pnet-district"), "taxonomy",
	                    json_string("pnet-node-kind"));
	refused(doc, "locations[0].attributes[2].taxonomy_term",
	        "a second term of taxonomy \"pnet-node-kind\"");

	doc = valid_doc();
	json_object_del(json_array_get(json_object_get(at(doc, "locations", 0), "attributes"), 2),
	                "value");
	refused(doc, "locations[0]", "needs a value of 1 to 100 characters");
}

static void bad_values_are_refused_with_their_path(void **state)
{
	(void)state;
	json_t *doc, *loc, *svc, *sched;

	doc = valid_doc();
	loc = at(doc, "locations", 0);
	json_object_set_new(json_array_get(json_object_get(loc, "addresses"), 0), "postal_code",
	                    json_string("5551A"));
	refused(doc, "locations[0].addresses[0].postal_code", "German postal code");

	doc = valid_doc();
	json_object_del(at(doc, "locations", 0), "longitude");
	refused(doc, "locations[0]", "latitude and longitude come together");

	doc = valid_doc();
	json_object_set_new(
	        json_array_get(json_object_get(at(doc, "locations", 0), "languages"), 1), "code",
	        json_string("EN"));
	refused(doc, "locations[0].languages[1].code", "lower-case ISO 639-1");

	doc = valid_doc();
	json_object_set_new(at(doc, "services", 0), "wait_time", json_string("2 weeks"));
	refused(doc, "services[0].wait_time", "\"N days\"");

	doc = valid_doc();
	json_object_set_new(at(doc, "services", 0), "wait_time", json_string("3651 days"));
	refused(doc, "services[0].wait_time", "\"N days\"");

	doc = valid_doc();
	json_object_set_new(
	        json_array_get(json_object_get(at(doc, "services", 0), "capacities"), 0),
	        "available", json_integer(11));
	refused(doc, "services[0]", "available exceeds maximum");

	doc = valid_doc();
	sched = json_array_get(json_object_get(at(doc, "services", 0), "schedules"), 0);
	json_object_set_new(sched, "opens_at", json_string("13:00"));
	refused(doc, "services[0].schedules[0]", "opening first");

	doc = valid_doc();
	sched = json_array_get(json_object_get(at(doc, "services", 0), "schedules"), 0);
	json_object_set_new(sched, "byday", json_string("1MO"));
	refused(doc, "services[0].schedules[0]", "byday must list days");

	doc = valid_doc();
	svc = at(doc, "services", 0);
	json_object_set_new(svc, "status", json_string("paused"));
	refused(doc, "services[0].status", "");

	doc = valid_doc();
	json_object_set_new(at(doc, "organizations", 0), "name", json_string(""));
	refused(doc, "organizations[0].name", "");

	doc = valid_doc();
	json_object_set_new(doc, "services", json_string("none"));
	json_object_del(doc, "service_at_locations");
	refused(doc, "services", "Must be an array");
}

static void references_that_do_not_fit_are_refused(void **state)
{
	(void)state;
	json_t *doc, *sal;

	doc = valid_doc();
	json_object_set_new(at(doc, "locations", 0), "organization_id",
	                    json_string("cccccccc-cccc-4ccc-8ccc-cccccccccccc"));
	json_object_del(at(doc, "services", 0), "organization_id");
	refused(doc, "locations[0].organization_id",
	        "names no organization of the file or the database");

	doc = valid_doc();
	sal = at(doc, "service_at_locations", 0);
	json_object_set_new(sal, "location_id",
	                    json_string("cccccccc-cccc-4ccc-8ccc-cccccccccccc"));
	/* The service is then placed nowhere as well. */
	{
		int rc;
		struct hsds_map m = map_doc(doc, &rc);
		assert_int_equal(rc, -EINVAL);
		assert_true(has_error(m.errors, "service_at_locations[0]",
		                      "names no location of the file or the database"));
		assert_true(has_error(m.errors, "services[0]", "no service_at_location places"));
		assert_int_equal(json_array_size(m.errors), 2);
		hsds_map_clear(&m);
	}

	doc = valid_doc();
	json_object_set_new(at(doc, "service_at_locations", 0), "service_id",
	                    json_string("cccccccc-cccc-4ccc-8ccc-cccccccccccc"));
	{
		int rc;
		struct hsds_map m = map_doc(doc, &rc);
		assert_int_equal(rc, -EINVAL);
		assert_true(has_error(m.errors, "service_at_locations[0]",
		                      "service_id names no service of the file"));
		assert_true(has_error(m.errors, "services[0]", "no service_at_location places"));
		hsds_map_clear(&m);
	}

	doc = valid_doc();
	json_array_append_new(json_object_get(doc, "service_at_locations"),
	                      json_pack("{s:s, s:s, s:s}", "id",
	                                "77777777-7777-4777-8777-000000000010", "service_id", SVC,
	                                "location_id", DBNODE));
	refused(doc, "service_at_locations[1]", "a second location for service");

	doc = valid_doc();
	json_object_set_new(at(doc, "services", 0), "organization_id", json_string(DBORG));
	refused(doc, "service_at_locations[0]", "the service names organization " DBORG);

	doc = valid_doc();
	json_array_append(json_object_get(doc, "organizations"), at(doc, "organizations", 0));
	{
		int rc;
		struct hsds_map m = map_doc(doc, &rc);
		assert_int_equal(rc, -EINVAL);
		assert_true(
		        has_error(m.errors, "organizations[1]", "a second object with id " ORG));
		hsds_map_clear(&m);
	}
}

static void every_problem_is_reported_at_once(void **state)
{
	(void)state;
	json_t *doc = valid_doc();
	int rc;
	struct hsds_map m;

	json_object_set_new(at(doc, "services", 0), "wait_time", json_string("soon"));
	json_object_del(at(doc, "locations", 0), "latitude");
	json_object_set_new(term_of(at(doc, "organizations", 0), "pnet-organization-kind"), "code",
	                    json_string("guild"));
	m = map_doc(doc, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(json_array_size(m.errors), 3);
	hsds_map_clear(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(valid_document_maps_to_rows),
	        cmocka_unit_test(empty_document_maps_to_nothing),
	        cmocka_unit_test(references_are_the_ids_the_file_names),
	        cmocka_unit_test(references_to_the_database_are_taken),
	        cmocka_unit_test(unknown_kinds_and_categories_are_refused),
	        cmocka_unit_test(bad_values_are_refused_with_their_path),
	        cmocka_unit_test(references_that_do_not_fit_are_refused),
	        cmocka_unit_test(every_problem_is_reported_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
