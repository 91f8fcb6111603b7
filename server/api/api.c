#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "auth_sql.h"
#include "follow_up_timer_sql.h"
#include "mail_sql.h"
#include "overdue_sql.h"
#include "retention_sql.h"
#include "util.h"

/* Order does not matter for matching; it is the order /metrics lists routes in. */
static const struct api_module *const modules[] = {
        &system_api,   &auth_api,          &accounts_api,       &referrals_api,    &cases_api,
        &taxonomy_api, &organizations_api, &nodes_api,          &services_api,     &networks_api,
        &hsds_api,     &chains_api,        &chain_versions_api, &stats_api,        &audit_api,
        &events_api,   &webhooks_api,      &case_team_api,      &follow_ups_api,   &reports_api,
        &messages_api, &contact_api,       &notifications_api,  &appointments_api, &conferences_api,
        &links_api,    &legal_basis_api,   &contracts_api,      &funding_api,      &case_export_api,
};

static const struct db_stmt **statements;
static size_t nstatements;

static void add_statements(const struct db_stmts *s)
{
	statements = xrealloc(statements, (nstatements + s->n) * sizeof(*statements));
	memcpy(statements + nstatements, s->items, s->n * sizeof(*statements));
	nstatements += s->n;
}

void api_init(void)
{
	add_statements(&auth_sql);
	add_statements(&retention_sql);
	add_statements(&follow_up_timer_sql);
	add_statements(&mail_sql);
	add_statements(&overdue_sql);
	for (size_t i = 0; i < ARRAY_SIZE(modules); i++) {
		router_add(modules[i]->routes, modules[i]->nroutes);
		add_statements(modules[i]->stmts);
	}
}

const struct db_stmt *const *api_statements(size_t *n)
{
	*n = nstatements;
	return statements;
}

void api_free(void)
{
	free(statements);
	statements = NULL;
	nstatements = 0;
	router_reset();
	system_release();
}
