/*
 * The lists of legal bases (the paragraphs under which social data may move to another
 * agency) and of purposes, which consents and referrals name (docs/data-model.md, "Legal
 * basis"). Fixed vocabularies seeded by the migrations; short, so each comes as one list.
 */
#include "answer.h"
#include "api.h"
#include "http.h"
#include "legal_basis_sql.h"

static void run_list(struct req *r, const struct db_stmt *stmt)
{
	static const char *const allowed[] = {NULL};
	struct params none = {0};

	if (!req_check_query(r, allowed))
		return;
	req_run(r, stmt, &none, answer_row);
}

static void list_bases(struct req *r)
{
	run_list(r, &sql_legal_basis_list);
}

static void list_purposes(struct req *r)
{
	run_list(r, &sql_legal_purpose_list);
}

static const struct route routes[] = {
        {"GET", "/v1/legal-bases", list_bases, ROUTE_READ_REPLICA, ROLE_ANY, "directory:read"},
        {"GET", "/v1/legal-purposes", list_purposes, ROUTE_READ_REPLICA, ROLE_ANY,
         "directory:read"},
};

API_MODULE(legal_basis_api, "legal_basis", routes, legal_basis_sql);
