/*
 * The API's resources. Each file in server/api/ defines one module: its routes, and the
 * statements they run in the .sql file of the same name; api.c puts them together for the
 * router and the database pools.
 */
#ifndef PNET_API_H
#define PNET_API_H

#include <stddef.h>

#include "db.h"
#include "params.h"
#include "router.h"

struct api_module {
	const char *name;
	const struct route *routes;
	size_t nroutes;
	const struct db_stmts *stmts; /* the module's .sql file (server/sql_embed.py) */
};

#define API_MODULE(var, label, routes_, stmts_)                                                    \
	const struct api_module var = {label, routes_, sizeof(routes_) / sizeof(routes_[0]),       \
	                               &stmts_}

/*
 * Add the login throttle's settings, the parameters login_attempt() takes after login and
 * address (schema/functions/session.sql): window_minutes, free_failures, max_delay_s,
 * max_per_login, max_per_address, known_days. Logins and password changes share them.
 */
void login_throttle_params(struct params *p);

extern const struct api_module system_api;
extern const struct api_module auth_api;
extern const struct api_module accounts_api;
extern const struct api_module referrals_api;
extern const struct api_module links_api;
extern const struct api_module cases_api;
extern const struct api_module legal_basis_api;
extern const struct api_module contracts_api;
extern const struct api_module funding_api;
extern const struct api_module case_export_api;
extern const struct api_module conferences_api;
extern const struct api_module taxonomy_api;
extern const struct api_module organizations_api;
extern const struct api_module nodes_api;
extern const struct api_module services_api;
extern const struct api_module networks_api;
extern const struct api_module hsds_api;
extern const struct api_module chains_api;
extern const struct api_module chain_versions_api;
extern const struct api_module stats_api;
extern const struct api_module reports_api;
extern const struct api_module audit_api;
extern const struct api_module events_api;
extern const struct api_module webhooks_api;
extern const struct api_module case_team_api;
extern const struct api_module follow_ups_api;
extern const struct api_module messages_api;
extern const struct api_module contact_api;
extern const struct api_module notifications_api;
extern const struct api_module appointments_api;

/* Register every module's routes with the router and collect the statements. */
void api_init(void);

/* Every statement of every module, for db_pool_new. */
const struct db_stmt *const *api_statements(size_t *n);

void api_free(void);

/* Read the API description before the workers start (no file I/O on a loop). */
void system_preload(void);
void system_release(void);

#endif
