/* Service chains: what the chain and chain version modules share. */
#ifndef PNET_API_CHAINS_H
#define PNET_API_CHAINS_H

struct req;

/* Number of parameters chains_caller fills. */
#define CHAIN_CALLER_PARAMS 3

/*
 * Fill values[0..CHAIN_CALLER_PARAMS) with the caller as the SQL function chain_access()
 * takes it (schema/0004_chain_functions.sql): whether they are an admin, the networks they
 * coordinate (PostgreSQL array text or NULL) and the node they work for (or NULL). The
 * strings point into r.
 */
void chains_caller(const struct req *r, const char **values);

/*
 * values[ACTOR_PARAMS] and the one after: the caller of a write as chain_access() takes it
 * (whether they are an admin, the networks they coordinate), after req_actor's values.
 */
void chains_write_caller(const struct req *r, const char **values);

#endif
