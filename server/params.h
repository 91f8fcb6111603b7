/*
 * The parameters of one statement, built in the order of its $n, each under the name the
 * statement's "-- params:" line gives it (server/sql_embed.py). db_query compares the names
 * with the statement's before anything is sent, so that a parameter added, dropped or moved
 * on one side only is a logged error, not a wrong value in a column.
 *
 *     struct params p = {0};
 *     params_actor(&p, r);
 *     params_text(&p, "login", json_get_string(r->json, "login"));
 *     req_run(r, &sql_account_create, &p, answer_created);
 *
 * Values are text as PostgreSQL reads them (NULL is SQL NULL); what a builder formats itself
 * (numbers, booleans, JSON) it keeps until params_clear, which req_run and db_query call.
 */
#ifndef PNET_PARAMS_H
#define PNET_PARAMS_H

#include <stdbool.h>
#include <jansson.h>

#define PARAMS_MAX 32

struct db_stmt;
struct page;

struct params {
	int n;
	bool overflow; /* more than PARAMS_MAX were added: the statement is not run */
	const char *names[PARAMS_MAX];
	const char *values[PARAMS_MAX];
	char *owned[PARAMS_MAX]; /* values formatted here, freed by params_clear */
};

/* Add a text value (NULL: SQL NULL); value must live until the statement is queued. */
void params_text(struct params *p, const char *name, const char *value);

/* Add a copy of a text value (NULL: SQL NULL), for a value that does not outlive the caller. */
void params_text_copy(struct params *p, const char *name, const char *value);

/* Add an integer. */
void params_long(struct params *p, const char *name, long long value);

/* Add a boolean ("true" or "false"). */
void params_bool(struct params *p, const char *name, bool value);

/* Add a JSON boolean as a boolean; absent (NULL) or null is SQL NULL. */
void params_json_bool(struct params *p, const char *name, const json_t *value);

/* Add an integer of a JSON value; absent or not an integer is SQL NULL. */
void params_json_int(struct params *p, const char *name, const json_t *value);

/* Add a JSON value as its compact text (for jsonb); NULL is SQL NULL. */
void params_json(struct params *p, const char *name, const json_t *value);

/* Add a JSON array of strings as a PostgreSQL array text ("{a,b}"); NULL is SQL NULL. */
void params_array(struct params *p, const char *name, const json_t *strings);

/* Add a page's cursor keys (after_1, after_2, ...) and the limit it fetches (limit). */
void params_page(struct params *p, const struct page *page);

/* Whether p gives exactly the parameters stmt names, in its order; logs what differs. */
bool params_match(const struct params *p, const struct db_stmt *stmt);

/* Free what the builder formatted; p may be used again. */
void params_clear(struct params *p);

#endif
