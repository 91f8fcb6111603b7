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
#include "appointments_sql.h"
#include "http.h"
#include "ics.h"
#include "json.h"

/* How long the calendar entry lasts: the agency's first meeting, typically an hour. */
#define APPOINTMENT_MINUTES 60

static const struct json_field set_fields[] = {
        {"at", JF_TIMESTAMP, JF_REQUIRED | JF_NULLABLE},
};

static void set_appointment(struct req *r)
{
	json_t *errors = answer_check_body(r, set_fields, ARRAY_SIZE(set_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!answer_if_match_param(r, &p))
		return;
	params_text(&p, "at", json_get_string(r->json, "at"));
	req_run(r, &sql_appointment_set, &p, answer_write);
}

static void on_ics(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct ics_appointment a;
	char *text;

	if (!answer_found(r, res))
		return;
	a = (struct ics_appointment){
	        .uid = answer_column(res, "uid"),
	        .stamp = answer_column(res, "stamp"),
	        .start = answer_column(res, "start"),
	        .duration_min = APPOINTMENT_MINUTES,
	        .sequence = strtol(answer_column(res, "sequence"), NULL, 10),
	        .summary = answer_column(res, "summary"),
	        .location = answer_column(res, "location"),
	};
	text = ics_appointment(&a);
	http_header(r, "Content-Disposition", "attachment; filename=\"termin.ics\"");
	http_reply_taken(r, 200, "text/calendar; charset=utf-8", text, strlen(text));
}

static void appointment_ics(struct req *r)
{
	struct params p = {0};

	if (!req_check_query(r, NULL))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_appointment_ics, &p, on_ics);
}

static const struct route routes[] = {
        {"PUT", "/v1/referrals/{id}/appointment", set_appointment, ROUTE_BODY, ROLE_CASEWORKER,
         "referrals:write"},
        {"GET", "/v1/referrals/{id}/appointment.ics", appointment_ics, 0, ROLE_CASEWORKER,
         "referrals:read"},
};

API_MODULE(appointments_api, "appointments", routes, appointments_sql);
