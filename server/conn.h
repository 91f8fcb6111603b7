/*
 * pnetd's client connections: how many there are, in total and per client address, and what
 * arrives on each before evhttp parses it (docs/operations.md, "Connections and memory").
 *
 * - Limits. --max-connections is process-wide (lowered at start to what the open-files
 *   limit leaves); at it, each worker stops accepting (evconnlistener_disable) until
 *   connections close, so that new ones wait in the kernel's backlog instead of costing
 *   descriptors. Beyond --max-connections-per-addr a new connection is closed at once. An
 *   accept() that fails (EMFILE: no descriptor left) pauses accepting too, backing off up to
 *   a second, instead of spinning on a socket that stays readable.
 * - Request heads are read as they arrive (reqhead.h), before evhttp reads them: what they
 *   hold is handed to http.c with each request (conn_request). A Content-Length above
 *   --max-body-bytes is overwritten with zeros so that evhttp reads no body; the request is
 *   answered 413 and the body, when the client sends it anyway, is thrown away as it comes.
 * - The bytes of requests not yet authenticated count against --max-unauthenticated-bytes,
 *   process-wide: a connection whose bytes would pass it is shut down.
 * - Each kind of warning is logged at most once per 10 seconds, with how often it happened.
 * - The workers share the listening socket; a worker that holds more connections than
 *   another accepting worker stops accepting until the others have caught up, so that a
 *   burst of keep-alive connections is shared out instead of landing on whichever loop woke
 *   first (docs/performance.md).
 *
 * Everything here runs on the worker's own loop except the counters shared between workers
 * (atomics, and a mutex for the per-address table).
 */
#ifndef PNET_CONN_H
#define PNET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct worker;
struct conn_hub;
struct evhttp_connection;

/* Once, before any worker starts: the limits in force for nworkers workers. */
void conn_init(int nworkers);

/* Once, after the workers have stopped: frees the hubs. */
void conn_free(void);

/* The connections of worker w: call once its evhttp and listening socket exist. */
struct conn_hub *conn_hub_new(struct worker *w);

/* Shutting down: the worker's listening socket is about to go; never accept again. */
void conn_hub_drain(struct conn_hub *hub);

/* Release the hub's events, after the worker's evhttp is freed (which closes its
   connections); the hub itself stays until conn_free. */
void conn_hub_free(struct conn_hub *hub);

/* What arrived with the request evhttp has just handed over (see conn_request). */
struct conn_request {
	unsigned flags;  /* enum reqhead_flag of its head */
	uint64_t length; /* its Content-Length (flags has REQHEAD_LENGTH) */
	bool too_large;  /* Content-Length above --max-body-bytes: its body was not read */
	bool keep_alive; /* too_large: the body is thrown away as it arrives, the connection may
	                    serve the next request; else it must close after the answer */
	size_t charged;  /* bytes counted against --max-unauthenticated-bytes: conn_release */
};

/*
 * At the start of a request: what its head held, and from now on read the next request's
 * head. Connections pnetd does not track (none, normally) give an empty result.
 */
void conn_request(struct conn_hub *hub, struct evhttp_connection *evcon, struct conn_request *out);

/* The request that held charged bytes is authenticated or answered. */
void conn_release(size_t charged);

/*
 * Be told once when the client of evcon goes away (cb runs from the connection's teardown;
 * see http_stream_start); cb NULL stops that.
 */
void conn_on_gone(struct conn_hub *hub, struct evhttp_connection *evcon, void (*cb)(void *arg),
                  void *arg);

#endif
