/*
 * The data subject's rights for one case (docs/record-of-processing.md): GET
 * /v1/cases/{id}/export gives everything pnet holds about it (Art. 15 GDPR), POST
 * /v1/cases/{id}/erase deletes it at once (Art. 17), keeping only the anonymous statistics
 * rows. Both are for the case's owner only (another node gets 404) and both are audited.
 */
#include "answer.h"
#include "api.h"
#include "case_export_sql.h"
#include "http.h"

static void run_on_case(struct req *r, const struct db_stmt *stmt, db_callback cb)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, stmt, &p, cb);
}

static void export_case(struct req *r)
{
	static const char *const allowed[] = {NULL};

	if (req_check_query(r, allowed))
		run_on_case(r, &sql_case_export, answer_row);
}

static void erase_case(struct req *r)
{
	run_on_case(r, &sql_case_erase, answer_write);
}

static const struct route routes[] = {
        {"GET", "/v1/cases/{id}/export", export_case, 0, ROLE_CASEWORKER, "cases:read"},
        {"POST", "/v1/cases/{id}/erase", erase_case, 0, ROLE_CASEWORKER, "cases:write"},
};

API_MODULE(case_export_api, "case_export", routes, case_export_sql);
