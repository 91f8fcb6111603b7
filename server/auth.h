/* Bearer tokens: who is calling, and whether the route lets them in. */
#ifndef PNET_AUTH_H
#define PNET_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "router.h"

struct req;

/* Scopes an integration token may be given (NULL-terminated). */
extern const char *const auth_scopes[];

/* Statements auth.c prepares on every connection. */

/*
 * Look the bearer token up, fill r->auth, check the route's roles and scope, then run the
 * handler; or answer 401, 403 or 503.
 */
void auth_begin(struct req *r);

/* The scopes an integration token of an account with role (a ROLE_* bit) may hold. */
const char *const *auth_role_scopes(unsigned role);

/* The role bit for an API role name, or 0. */
unsigned auth_role_bit(const char *name);

/* Whether the caller coordinates network_id (admins count as coordinating every network). */
bool auth_coordinates(const struct req *r, const char *network_id);

#endif
