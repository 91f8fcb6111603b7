/*
 * Counters for /metrics (Prometheus text format). Workers count with atomics; nothing
 * here takes a lock on the request path.
 */
#ifndef PNET_METRICS_H
#define PNET_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* Size the tables for nroutes routes and nworkers workers. */
void metrics_init(size_t nroutes, int nworkers);
void metrics_free(void);

/* One answered request: route index (-1 when no route matched), status, duration. */
void metrics_request(long route, const char *method, int status, uint64_t ms);

/* A worker's current pool figures and in-flight requests (called on its own thread). */
/* A worker's gauges, each second: its pools (read_pool NULL without --database-read). */
void metrics_worker(int worker, const struct db_pool_stats *pool,
                    const struct db_pool_stats *read_pool, size_t inflight);

/* An event stream opened (+1) or ended (-1). */
void metrics_sse_clients(long delta);

/* One webhook delivery attempt ended: delivered (2xx) or not. */
void metrics_webhook_attempt(bool delivered);

/* Why conn.c ended a client connection early (conn.h). */
enum metrics_refusal {
	METRICS_REFUSED_LIMIT,   /* over --max-connections (another worker took the last place) */
	METRICS_REFUSED_ADDRESS, /* over --max-connections-per-addr */
	METRICS_REFUSED_MEMORY,  /* its bytes would pass --max-unauthenticated-bytes */
	METRICS_REFUSED_COUNT,
};

/* A client connection opened (+1) or closed (-1). */
void metrics_client_connections(long delta);

/* A client connection refused or shut down for a limit. */
void metrics_connection_refused(enum metrics_refusal why);

/* An accept() failed (no descriptor left, say): accepting pauses for a moment. */
void metrics_accept_failed(void);

/* A notification on pnet_auth arrived: kept token checks were dropped (token_cache.h). */
void metrics_auth_notified(void);

/* The whole exposition text (caller frees). */
char *metrics_render(void);

#endif
