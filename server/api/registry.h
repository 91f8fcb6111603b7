/*
 * What organizations.c and nodes.c share: the nested objects of their bodies (address,
 * contact, geo) checked and flattened into the columns the statements write, and the
 * caller's standing for the "may edit" checks made in SQL.
 */
#ifndef PNET_REGISTRY_H
#define PNET_REGISTRY_H

#include <stdbool.h>
#include <jansson.h>

#include "db.h"

struct req;

/*
 * Check the nested objects of body that json_check_object only saw to be objects: address
 * and contact, and geo when with_geo. Problems are added to errors as "address.city" etc.
 */
void registry_check_nested(const json_t *body, bool with_geo, json_t *errors);

/*
 * Check a languages array (already checked as distinct strings of 1..2 characters):
 * every item an ISO 639-1 code in lower case.
 */
void registry_check_languages(const json_t *body, json_t *errors);

/*
 * The body as JSON text of column values for the statements (caller frees): address becomes
 * street, postal_code, city; contact phone, email, url; geo geo_lat, geo_lon. A nested
 * object replaces the stored one as a whole, so its columns are all present, null where the
 * object leaves them out (and all null when it is null). Other fields are copied.
 */
char *registry_columns(json_t *body);

/* s with \, % and _ escaped for LIKE, whose escape character is \ by default (caller frees). */
char *registry_like_escape(const char *s);

/* The caller's role as the API spells it, for statements that decide who may edit. */
const char *registry_role(const struct req *r);

/*
 * Run a create statement taking the actor and the body's columns (registry_columns); it
 * answers as every write does (answer_write).
 */
void registry_create(struct req *r, const struct db_stmt *stmt);

/*
 * Run an update statement taking the actor, the path's id, the If-Match version, the body
 * (the patch, whose field names the audit row lists), its columns, the caller's role and the
 * networks a coordinator coordinates (answering 400 for a malformed If-Match).
 */
void registry_update(struct req *r, const struct db_stmt *stmt);

#endif
