/* Service chains: what the chain and chain version modules share. */
#ifndef PNET_API_CHAINS_H
#define PNET_API_CHAINS_H

#include <stdbool.h>

struct req;
struct params;

/*
 * Add the caller as the SQL function chain_access() takes it
 * (schema/functions/chains.sql): whether they are an admin (admin), the networks they
 * coordinate (networks, PostgreSQL array text or NULL) and, unless writing, the node they work
 * for (node, or NULL). A read takes them first, a write last.
 */
void chains_caller(const struct req *r, struct params *p, bool writing);

#endif
