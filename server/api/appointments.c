/*
 * Appointments (docs/architecture.md, "Appointments"): the receiver sets and changes the
 * client's appointment after accepting a referral (PUT), and both sides take it into their
 * calendars as an iCalendar file that holds the time and the receiving agency's name and
 * address, nothing of the client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "audit_sql.h"
#include "http.h"
#include "ics.h"
#include "json.h"

/* How long the calendar entry lasts: the agency's first meeting, typically an hour. */
#define APPOINTMENT_MINUTES 60

/* clang-format off */
static const struct db_stmt stmts[] = {
	/* actor, $5 referral, $6 expected version or NULL, $7 time or NULL (clears) */
	{"appointment_set",
	 "SELECT outcome, body, version FROM referral_appointment_set($1, $2, $3, $4, $5, $6, $7)"},
	/*
	 * actor, $5 referral: what the calendar file holds, for the sender and the receiver,
	 * when there is an appointment. The read is audited (it tells that a client of the
	 * sender has an appointment at the agency).
	 */
	{"appointment_ics",
	 "WITH x AS (SELECT * FROM referral r"
	 "           WHERE r.id = $5 AND $2::uuid IN (r.from_node_id, r.to_node_id)"
	 "             AND r.appointment_at IS NOT NULL),"
	 " au AS (" AUDIT_INSERT("referral.appointment_read", "referral", "x.id",
	                         "jsonb_build_object('appointment_at', x.appointment_at)")
	 " FROM x)"
	 "SELECT x.id::text || '-appointment@pnet',"
	 "       to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"'),"
	 "       to_char(x.appointment_at AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"'),"
	 "       (SELECT count(*) FROM referral_event e"
	 "         WHERE e.referral_id = x.id AND e.kind = 'appointment')::text,"
	 "       'Termin: ' || n.name,"
	 "       concat_ws(', ', n.name, n.street, nullif(concat_ws(' ', n.postal_code, n.city), ''))"
	 "  FROM x JOIN node n ON n.id = x.to_node_id"},
};
/* clang-format on */

static const struct json_field set_fields[] = {
        {"at", JF_TIMESTAMP, JF_REQUIRED | JF_NULLABLE},
};

static void on_set(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (answer_outcome_is(res, "not_found")) {
		http_not_found(r);
		return;
	}
	answer_write(r, res, "referral", NULL);
}

static void set_appointment(struct req *r)
{
	json_t *errors = answer_check_body(r, set_fields, ARRAY_SIZE(set_fields));
	const char *values[ACTOR_PARAMS + 3];
	char version[24];
	int if_match;

	if (answer_invalid(r, errors))
		return;
	if_match = req_if_match_text(r, version);
	if (if_match < 0)
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = if_match ? version : NULL;
	values[6] = json_get_string(r->json, "at");
	req_db(r, "appointment_set", (int)ARRAY_SIZE(values), values, on_set);
}

static void on_ics(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct ics_appointment a;
	char *text;

	if (!answer_found(r, res))
		return;
	a = (struct ics_appointment){
	        .uid = PQgetvalue(res->pg, 0, 0),
	        .stamp = PQgetvalue(res->pg, 0, 1),
	        .start = PQgetvalue(res->pg, 0, 2),
	        .duration_min = APPOINTMENT_MINUTES,
	        .sequence = strtol(PQgetvalue(res->pg, 0, 3), NULL, 10),
	        .summary = PQgetvalue(res->pg, 0, 4),
	        .location = PQgetvalue(res->pg, 0, 5),
	};
	text = ics_appointment(&a);
	http_header(r, "Content-Disposition", "attachment; filename=\"termin.ics\"");
	http_reply_raw(r, 200, "text/calendar; charset=utf-8", text, strlen(text));
	free(text);
}

static void appointment_ics(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	if (!req_check_query(r, NULL))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "appointment_ics", (int)ARRAY_SIZE(values), values, on_ics);
}

static const struct route routes[] = {
        {"PUT", "/v1/referrals/{id}/appointment", set_appointment, ROUTE_BODY, ROLE_CASEWORKER,
         "referrals:write"},
        {"GET", "/v1/referrals/{id}/appointment.ics", appointment_ics, 0, ROLE_CASEWORKER,
         "referrals:read"},
};

API_MODULE(appointments_api, "appointments", routes, stmts);
