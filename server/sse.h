/*
 * Server-Sent Events streams of one worker (GET /v1/events). A stream first replays what its
 * node missed (its own queries, from Last-Event-ID), then goes live: on each wake-up
 * (notify.c) the worker runs one query for all its live streams, from the lowest position
 * among them, and hands each row to the streams of the nodes it concerns. Positions are
 * (txid, seq) of the outbox (see schema/0020_webhooks.sql for why not seq alone).
 */
#ifndef PNET_SSE_H
#define PNET_SSE_H

struct worker;
struct req;
struct sse_hub;

struct sse_hub *sse_hub_new(struct worker *w);

/* The outbox may have news: fetch it for the live streams (coalesced). */
void sse_hub_wake(struct sse_hub *hub);

/* End every stream cleanly (SIGTERM): each answer ends, so the worker can drain. */
void sse_hub_drain(struct sse_hub *hub);

/* Free the hub after the worker's pool is gone (its callbacks may still run before). */
void sse_hub_free(struct sse_hub *hub);

/*
 * Turn r (authenticated, for r->auth.node_id) into a stream. txid and seq are the starting
 * position the handler looked up; the stream owns r from now on.
 */
void sse_open(struct req *r, const char *txid, const char *seq);

#endif
