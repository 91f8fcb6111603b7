#include "sse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "db.h"
#include "events_sql.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "params.h"
#include "util.h"
#include "worker.h"

/* Rows per query: a replay or a catch-up longer than this takes several. */
#define FETCH_LIMIT_N 200
/* While rows wait behind an older running transaction, look again this often. */
#define HELD_RETRY_MS 200
/* After a failed query (database away), try again this soon. */
#define FAILED_RETRY_MS 1000

/* A place in the outbox: rows are read in (txid, seq) order. */
struct pos {
	uint64_t txid;
	int64_t seq;
};

struct sse_stream {
	TAILQ_ENTRY(sse_stream) link;
	struct sse_hub *hub;
	struct req *r; /* NULL once the answer has ended */
	char node_id[37];
	char token_id[37]; /* checked at each heartbeat: a revoked token ends the stream */
	struct pos cursor; /* the last row this stream has been given (or skipped) */
	bool live;         /* replay done: the hub's fetches feed it */
	bool querying;     /* its replay query runs: the struct waits for the callback */
	bool gone;         /* the client left: end it at the next reap */
};

TAILQ_HEAD(stream_list, sse_stream);

struct sse_hub {
	struct worker *w;
	struct stream_list streams;
	size_t nstreams;
	struct event *ev_wake;      /* a fetch is due (coalesces wake-ups) */
	struct event *ev_retry;     /* a fetch later: rows held back, or the database away */
	struct event *ev_heartbeat; /* keepalive comments, and a fetch in case a NOTIFY was lost */
	struct event *ev_reap;      /* end the streams whose clients left */
	bool fetching;              /* the hub's query runs */
	bool checking;              /* the tokens of the streams are being checked */
	bool again;                 /* another wake-up came while it ran */
	struct pos fetch_from;      /* where the running query started */
	bool freeing;
};

static int pos_cmp(struct pos a, struct pos b)
{
	if (a.txid != b.txid)
		return a.txid < b.txid ? -1 : 1;
	return a.seq < b.seq ? -1 : a.seq > b.seq;
}

static struct pos pos_parse(const char *txid, const char *seq)
{
	struct pos p = {strtoull(txid, NULL, 10), strtoll(seq, NULL, 10)};
	return p;
}

static void hub_fetch(struct sse_hub *hub);

/*
 * The body of fetched row i for stream s: the owner node of the event's case gets the copy
 * that names the recipients (column 7), every other node the plain one (column 5).
 */
static const char *row_body(const struct sse_stream *s, PGresult *pg, int i)
{
	if (!PQgetisnull(pg, i, 6) && !strcmp(PQgetvalue(pg, i, 6), s->node_id))
		return PQgetvalue(pg, i, 7);
	return PQgetvalue(pg, i, 5);
}

/* End s's answer (abort: close the connection) and free it unless its query still runs. */
static void stream_end(struct sse_stream *s, bool abort)
{
	struct sse_hub *hub = s->hub;

	if (s->r) {
		http_stream_end(s->r, abort);
		s->r = NULL;
		metrics_sse_clients(-1);
		TAILQ_REMOVE(&hub->streams, s, link);
		hub->nstreams--;
	}
	if (!s->querying)
		free(s);
}

/* Write to s; a client that lets output pile up is dropped (it resumes by Last-Event-ID). */
static void stream_write(struct sse_stream *s, const char *text, size_t len)
{
	if (!s->r || s->gone)
		return;
	http_stream_write(s->r, text, len);
	if (http_stream_pending(s->r) > (size_t)cfg.sse_max_buffer_bytes) {
		log_warn("event stream of node %s: the client does not read; closing it",
		         s->node_id);
		s->gone = true;
		event_active(s->hub->ev_reap, 0, 0);
	}
}

static void stream_send_event(struct sse_stream *s, const char *seq, const char *type,
                              const char *data)
{
	char *text = xasprintf("id: %s\nevent: %s\ndata: %s\n\n", seq, type, data);

	stream_write(s, text, strlen(text));
	free(text);
}

static void on_gone(void *arg)
{
	struct sse_stream *s = arg;

	s->gone = true;
	event_active(s->hub->ev_reap, 0, 0);
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct sse_hub *hub = arg;
	struct sse_stream *s, *next;

	for (s = TAILQ_FIRST(&hub->streams); s; s = next) {
		next = TAILQ_NEXT(s, link);
		if (s->gone)
			stream_end(s, true);
	}
}

static void stream_replay(struct sse_stream *s);

static void on_replayed(void *arg, const struct db_result *res)
{
	struct sse_stream *s = arg;
	PGresult *pg = res->pg;
	int n, rows = 0;

	s->querying = false;
	if (!s->r || s->hub->freeing) {
		if (!s->r)
			free(s);
		return;
	}
	if (res->status != DB_OK) {
		/* The database is away: the stream stays open and tries again on the next wake. */
		struct timeval tv = {.tv_sec = FAILED_RETRY_MS / 1000};
		s->live = false;
		event_add(s->hub->ev_retry, &tv);
		return;
	}
	n = PQntuples(pg);
	for (int i = 0; i < n; i++) {
		if (PQgetisnull(pg, i, 1))
			continue; /* the trailer row */
		rows++;
		stream_send_event(s, PQgetvalue(pg, i, 2), PQgetvalue(pg, i, 3),
		                  row_body(s, pg, i));
		s->cursor = pos_parse(PQgetvalue(pg, i, 1), PQgetvalue(pg, i, 2));
	}
	if (rows == FETCH_LIMIT_N) {
		stream_replay(s);
		return;
	}
	s->live = true;
	sse_hub_wake(s->hub);
}

/* One page of what s's node missed since s->cursor. */
static void stream_replay(struct sse_stream *s)
{
	char txid[24], seq[24];
	struct params p = {0};

	snprintf(txid, sizeof(txid), "%" PRIu64, s->cursor.txid);
	snprintf(seq, sizeof(seq), "%" PRId64, s->cursor.seq);
	params_text(&p, "after_txid", txid);
	params_text(&p, "after_seq", seq);
	params_text(&p, "node", s->node_id);
	params_long(&p, "limit", FETCH_LIMIT_N);
	s->querying = true;
	db_query_sent(s->hub->w->db, &sql_events_fetch, &p, DB_SEND_WHEN_FREE, on_replayed, s);
}

static void on_fetched(void *arg, const struct db_result *res)
{
	struct sse_hub *hub = arg;
	PGresult *pg = res->pg;
	struct pos last = hub->fetch_from;
	bool held = false, skipped = false;
	int n, rows = 0;

	hub->fetching = false;
	if (hub->freeing)
		return;
	if (res->status != DB_OK) {
		struct timeval tv = {.tv_sec = FAILED_RETRY_MS / 1000};
		event_add(hub->ev_retry, &tv);
		return;
	}
	n = PQntuples(pg);
	for (int i = 0; i < n; i++) {
		struct sse_stream *s;
		struct pos p;
		const char *nodes;

		if (PQgetisnull(pg, i, 1)) {
			held = !strcmp(PQgetvalue(pg, i, 5), "true");
			continue;
		}
		rows++;
		p = pos_parse(PQgetvalue(pg, i, 1), PQgetvalue(pg, i, 2));
		nodes = PQgetvalue(pg, i, 4);
		TAILQ_FOREACH(s, &hub->streams, link) {
			/* Only streams this query covers: one behind its start would get a gap. */
			if (!s->live || pos_cmp(s->cursor, hub->fetch_from) < 0 ||
			    pos_cmp(p, s->cursor) <= 0 || !strstr(nodes, s->node_id))
				continue;
			stream_send_event(s, PQgetvalue(pg, i, 2), PQgetvalue(pg, i, 3),
			                  row_body(s, pg, i));
		}
		last = p;
	}
	/* Every covered stream has now seen everything up to last. */
	struct sse_stream *s;
	TAILQ_FOREACH(s, &hub->streams, link) {
		if (!s->live)
			continue;
		if (pos_cmp(s->cursor, hub->fetch_from) < 0)
			skipped = true;
		else if (pos_cmp(s->cursor, last) < 0)
			s->cursor = last;
	}
	if (rows == FETCH_LIMIT_N || skipped || hub->again) {
		hub->again = false;
		hub_fetch(hub);
	} else if (held) {
		struct timeval tv = {.tv_sec = 0, .tv_usec = HELD_RETRY_MS * 1000};
		event_add(hub->ev_retry, &tv);
	}
}

/* One query for every live stream, from the lowest position among them. */
static void hub_fetch(struct sse_hub *hub)
{
	struct sse_stream *s;
	bool any = false;
	char txid[24], seq[24];
	struct params p = {0};

	if (hub->fetching) {
		hub->again = true;
		return;
	}
	TAILQ_FOREACH(s, &hub->streams, link) {
		if (!s->live || s->gone)
			continue;
		if (!any || pos_cmp(s->cursor, hub->fetch_from) < 0)
			hub->fetch_from = s->cursor;
		any = true;
	}
	if (!any)
		return;
	snprintf(txid, sizeof(txid), "%" PRIu64, hub->fetch_from.txid);
	snprintf(seq, sizeof(seq), "%" PRId64, hub->fetch_from.seq);
	params_text(&p, "after_txid", txid);
	params_text(&p, "after_seq", seq);
	params_text(&p, "node", NULL);
	params_long(&p, "limit", FETCH_LIMIT_N);
	hub->fetching = true;
	db_query_sent(hub->w->db, &sql_events_fetch, &p, DB_SEND_WHEN_FREE, on_fetched, hub);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct sse_hub *hub = arg;
	struct sse_stream *s;

	/* Streams whose replay failed (database away) start over from where they were. */
	TAILQ_FOREACH(s, &hub->streams, link) {
		if (!s->live && !s->querying && !s->gone)
			stream_replay(s);
	}
	hub_fetch(hub);
}

/* The tokens still valid: streams of the others end, and their clients get 401 on reconnecting. */
static void on_tokens_checked(void *arg, const struct db_result *res)
{
	struct sse_hub *hub = arg;
	struct sse_stream *s, *next;

	hub->checking = false;
	/* Without an answer nothing is known: the streams go on until the next heartbeat. */
	if (res->status != DB_OK || hub->freeing)
		return;
	for (s = TAILQ_FIRST(&hub->streams); s; s = next) {
		bool valid = false;

		next = TAILQ_NEXT(s, link);
		for (int i = 0; i < PQntuples(res->pg) && !valid; i++)
			valid = !strcmp(PQgetvalue(res->pg, i, 0), s->token_id);
		if (!valid && s->r && !s->gone)
			stream_end(s, false);
	}
}

/* A stream lives longer than a request: its token is checked again at every heartbeat. */
static void check_tokens(struct sse_hub *hub)
{
	struct sse_stream *s;
	char *ids, *at;
	struct params p = {0};

	if (hub->checking || hub->nstreams == 0)
		return;
	at = ids = xmalloc(hub->nstreams * 38 + 3);
	*at++ = '{';
	TAILQ_FOREACH(s, &hub->streams, link)
		at += sprintf(at, "%s%s", at[-1] == '{' ? "" : ",", s->token_id);
	*at++ = '}';
	*at = '\0';
	params_text(&p, "token_ids", ids);
	hub->checking = true;
	db_query_sent(hub->w->db, &sql_events_tokens, &p, DB_SEND_WHEN_FREE, on_tokens_checked,
	              hub);
	free(ids);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct sse_hub *hub = arg;
	struct sse_stream *s;
	static const char keepalive[] = ": keepalive\n\n";

	TAILQ_FOREACH(s, &hub->streams, link)
		stream_write(s, keepalive, sizeof(keepalive) - 1);
	/* A lost notification costs at most one heartbeat. */
	on_wake(-1, 0, hub);
	check_tokens(hub);
}

struct sse_hub *sse_hub_new(struct worker *w)
{
	struct sse_hub *hub = xcalloc(1, sizeof(*hub));
	struct timeval tv = {.tv_sec = cfg.sse_heartbeat_s};

	hub->w = w;
	TAILQ_INIT(&hub->streams);
	hub->ev_wake = event_new(w->base, -1, 0, on_wake, hub);
	hub->ev_retry = event_new(w->base, -1, 0, on_wake, hub);
	hub->ev_heartbeat = event_new(w->base, -1, EV_PERSIST, on_heartbeat, hub);
	hub->ev_reap = event_new(w->base, -1, 0, on_reap, hub);
	event_add(hub->ev_heartbeat, &tv);
	return hub;
}

void sse_hub_wake(struct sse_hub *hub)
{
	if (hub->nstreams)
		event_active(hub->ev_wake, 0, 0);
}

void sse_hub_drain(struct sse_hub *hub)
{
	struct sse_stream *s;

	while ((s = TAILQ_FIRST(&hub->streams)))
		stream_end(s, s->gone);
	event_del(hub->ev_heartbeat);
}

void sse_hub_free(struct sse_hub *hub)
{
	if (!hub)
		return;
	hub->freeing = true;
	sse_hub_drain(hub);
	event_free(hub->ev_wake);
	event_free(hub->ev_retry);
	event_free(hub->ev_heartbeat);
	event_free(hub->ev_reap);
	free(hub);
}

void sse_open(struct req *r, const char *txid, const char *seq)
{
	struct sse_hub *hub = r->worker->sse;
	struct sse_stream *s;
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);
	long timeout = cfg.sse_heartbeat_s * 2 + 5;
	static const char hello[] = "retry: 2000\n: connected\n\n";

	if (r->worker->draining) {
		http_shutting_down(r);
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->hub = hub;
	s->r = r;
	snprintf(s->node_id, sizeof(s->node_id), "%s", r->auth.node_id);
	snprintf(s->token_id, sizeof(s->token_id), "%s", r->auth.token_id);
	s->cursor = pos_parse(txid, seq);
	TAILQ_INSERT_TAIL(&hub->streams, s, link);
	hub->nstreams++;
	metrics_sse_clients(1);
	/* A stream is quiet between heartbeats: the connection must outlast two of them. */
	if (evcon && timeout > cfg.request_timeout_s)
		evhttp_connection_set_timeout(evcon, (int)timeout);
	http_header(r, "X-Accel-Buffering", "no");
	http_stream_start(r, "text/event-stream; charset=utf-8", on_gone, s);
	if (!strcmp(r->method, "HEAD")) {
		stream_end(s, false);
		return;
	}
	stream_write(s, hello, sizeof(hello) - 1);
	stream_replay(s);
}
