#include "conn.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <jansson.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "reqhead.h"
#include "tls.h"
#include "util.h"
#include "worker.h"

#define WARN_INTERVAL_MS      10000 /* each kind of warning at most this often */
#define RESUME_CHECK_MS       100   /* a worker paused at the limit looks again this often */
#define ACCEPT_BACKOFF_MS     50    /* the first pause after a failed accept(); doubles ... */
#define ACCEPT_BACKOFF_MAX_MS 1000  /* ... up to this */
#define ADDR_BUCKETS          1024
#define CONN_BUCKETS          4096
#define ANSWER_WRITE_MAX      (256 * 1024) /* bytes of an answer handed to one write */

/* One client connection, from the bufferevent evhttp asked for until evhttp closes it. */
struct conn {
	struct conn_hub *hub;
	struct bufferevent *bev;
	struct evbuffer_cb_entry *input_cb;
	struct evhttp_connection *evcon; /* NULL until adopted (on_adopt) */
	char addr[64];                   /* the peer's address */
	bool counted_addr;               /* counted in the per-address table */
	struct conn *next;               /* in the hub's pending list, then its hash bucket */

	struct reqhead head; /* the head of the request being received */
	bool too_large;      /* its Content-Length was overwritten (above --max-body-bytes) */
	uint64_t added;      /* bytes added to the input buffer, ever: the end's stream offset */
	uint64_t discard;    /* body bytes still to throw away */
	bool closing;        /* shut down or closing after the answer: input is thrown away */
	size_t charged;      /* bytes counted against --max-unauthenticated-bytes */
	void (*gone)(void *arg);
	void *gone_arg;
};

struct conn_hub {
	struct worker *w;
	struct evconnlistener *listener; /* NULL once draining */
	struct event *ev_adopt;          /* adopts the connections made since the last turn */
	struct event *ev_resume;         /* looks whether a paused listener may accept again */
	struct event *ev_share; /* looks whether it may accept again after being over its share;
	                           NULL (under share_lock) once the hub is freed */
	struct conn *pending;
	struct conn *buckets[CONN_BUCKETS];
	bool paused;            /* at the connection limit or backing off after failed accepts */
	bool listening;         /* the listener is enabled */
	unsigned backoff_ms;    /* after failed accepts; 0 once one succeeds */
	atomic_long held;       /* this worker's connections: the other workers read it */
	atomic_bool accepting;  /* until drained: the other workers compare themselves with it */
	atomic_bool over_share; /* leaving new connections to the others: it holds more */
};

/* Counts of open connections per address, shared by the workers. */
struct addr_count {
	char addr[64];
	long n;
	struct addr_count *next;
};

static long max_total;
static atomic_long open_total;
static atomic_long unauth_bytes;
static pthread_mutex_t addr_lock = PTHREAD_MUTEX_INITIALIZER;
static struct addr_count *addr_table[ADDR_BUCKETS];
/* Written by the main thread while earlier workers already run and read it. */
static _Atomic(struct conn_hub *) *hubs;
static int nhubs;
/* Held while waking another worker's ev_share, and while a hub gives its ev_share up. */
static pthread_mutex_t share_lock = PTHREAD_MUTEX_INITIALIZER;

/* A warning logged at most once per WARN_INTERVAL_MS, with how often it happened since. */
struct warning {
	const char *msg;
	atomic_uint_fast64_t last_ms;
	atomic_ulong times;
};

static struct warning warn_limit = {"connection limit reached: not accepting for now"};
static struct warning warn_addr = {"too many connections from one address: closed"};
static struct warning warn_accept = {"accept failed: not accepting for a moment"};
static struct warning warn_budget = {"unauthenticated requests over their memory bound: "
                                     "connection shut down"};

static void warn(struct warning *w, json_t *fields)
{
	uint64_t now = util_now_ms(), last;

	atomic_fetch_add(&w->times, 1);
	last = atomic_load(&w->last_ms);
	if ((last && now - last < WARN_INTERVAL_MS) ||
	    !atomic_compare_exchange_strong(&w->last_ms, &last, now ? now : 1)) {
		json_decref(fields);
		return;
	}
	json_object_set_new(fields, "times",
	                    json_integer((json_int_t)atomic_exchange(&w->times, 0)));
	json_object_set_new(fields, "interval_s", json_integer(WARN_INTERVAL_MS / 1000));
	log_write(LOG_WARN, NULL, w->msg, fields);
}

void conn_init(int nworkers)
{
	struct rlimit rl;
	/* Descriptors pnetd needs besides client connections: each worker's pool, loop and
	   listening socket, the webhook deliveries, the notify connection, logs and spares. */
	long reserve = (long)nworkers * (cfg.db_pool_size + 4) + cfg.webhook_concurrency + 32;

	max_total = cfg.max_connections;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		long room = (long)rl.rlim_cur - reserve;

		if (room < 1)
			room = (long)rl.rlim_cur / 2 > 0 ? (long)rl.rlim_cur / 2 : 1;
		if (room < max_total) {
			log_write(LOG_WARN, NULL,
			          "max-connections lowered to what the open-files limit leaves",
			          json_pack("{s:I, s:I, s:I}", "max_connections", (json_int_t)room,
			                    "open_files", (json_int_t)rl.rlim_cur, "configured",
			                    (json_int_t)cfg.max_connections));
			max_total = room;
		}
	}
	hubs = xcalloc((size_t)nworkers, sizeof(*hubs));
	nhubs = nworkers;
}

void conn_free(void)
{
	for (int i = 0; i < nhubs; i++)
		free(atomic_load(&hubs[i]));
	free((void *)(uintptr_t)hubs); /* the array itself is not atomic, only its elements */
	hubs = NULL;
	nhubs = 0;
}

/* 127.0.0.0/8 and ::1 (and IPv4 loopback mapped into IPv6), as evhttp writes addresses. */
static bool is_loopback(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1") ||
	       !strncmp(addr, "::ffff:127.", 11);
}

/* Per-address counting: false when addr has --max-connections-per-addr already. */
static unsigned addr_hash(const char *addr)
{
	unsigned h = 5381;

	for (const char *p = addr; *p; p++)
		h = h * 33 + (unsigned char)*p;
	return h % ADDR_BUCKETS;
}

static bool addr_take(const char *addr)
{
	struct addr_count **slot, *a;
	bool ok = true;

	pthread_mutex_lock(&addr_lock);
	slot = &addr_table[addr_hash(addr)];
	for (a = *slot; a && strcmp(a->addr, addr); a = a->next)
		;
	if (!a) {
		a = xcalloc(1, sizeof(*a));
		snprintf(a->addr, sizeof(a->addr), "%s", addr);
		a->next = *slot;
		*slot = a;
	}
	if (a->n >= cfg.max_connections_per_addr)
		ok = false;
	else
		a->n++;
	pthread_mutex_unlock(&addr_lock);
	return ok;
}

static void addr_give(const char *addr)
{
	struct addr_count **slot;

	pthread_mutex_lock(&addr_lock);
	for (slot = &addr_table[addr_hash(addr)]; *slot; slot = &(*slot)->next) {
		struct addr_count *a = *slot;

		if (strcmp(a->addr, addr) != 0)
			continue;
		if (--a->n <= 0) {
			*slot = a->next;
			free(a);
		}
		break;
	}
	pthread_mutex_unlock(&addr_lock);
}

/* The hub's table of adopted connections, by their evhttp_connection. */
static size_t conn_bucket(const struct evhttp_connection *evcon)
{
	return ((uintptr_t)evcon >> 4) % CONN_BUCKETS;
}

static struct conn *conn_find(struct conn_hub *hub, const struct evhttp_connection *evcon)
{
	struct conn *c = hub->buckets[conn_bucket(evcon)];

	while (c && c->evcon != evcon)
		c = c->next;
	return c;
}

static void conn_unlink(struct conn_hub *hub, struct conn *c)
{
	struct conn **p = &hub->buckets[conn_bucket(c->evcon)];

	while (*p && *p != c)
		p = &(*p)->next;
	if (*p)
		*p = c->next;
}

/* The listener on or off, as the limits and the worker's share of the connections say. */
static void listener_update(struct conn_hub *hub)
{
	bool on = !hub->paused && !atomic_load(&hub->over_share);

	if (!hub->listener || on == hub->listening)
		return;
	hub->listening = on;
	if (on)
		evconnlistener_enable(hub->listener);
	else
		evconnlistener_disable(hub->listener);
}

static void pause_accepting(struct conn_hub *hub, unsigned ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

	if (!hub->listener)
		return;
	hub->paused = true;
	listener_update(hub);
	event_add(hub->ev_resume, &tv);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct conn_hub *hub = arg;

	if (!hub->listener || !hub->paused)
		return;
	if (atomic_load(&open_total) >= max_total) {
		pause_accepting(hub, RESUME_CHECK_MS);
		return;
	}
	hub->paused = false;
	listener_update(hub);
}

/* The fewest connections another accepting worker holds; LONG_MAX when no other accepts. */
static long fewest_elsewhere(const struct conn_hub *hub)
{
	long fewest = LONG_MAX;

	for (int i = 0; i < nhubs; i++) {
		struct conn_hub *other = atomic_load(&hubs[i]);

		if (other && other != hub && atomic_load(&other->accepting) &&
		    atomic_load(&other->held) < fewest)
			fewest = atomic_load(&other->held);
	}
	return fewest;
}

/*
 * The workers share one listening socket, and whichever loop wakes first used to take every
 * connection waiting in the backlog: a burst of keep-alive connections could all land on one
 * worker and queue for its database pool while the other's stood idle (docs/performance.md,
 * "Connections shared out between the workers"). A worker that holds more connections than
 * another accepting worker leaves the next ones to the others, whose loops see the same
 * socket, until they have caught up. Runs on the hub's own loop.
 */
static void share_check(struct conn_hub *hub)
{
	struct timeval again = {.tv_sec = 0, .tv_usec = RESUME_CHECK_MS * 1000};
	bool over = hub->listener && atomic_load(&hub->held) > fewest_elsewhere(hub);

	if (over != atomic_load(&hub->over_share)) {
		atomic_store(&hub->over_share, over);
		listener_update(hub);
	}
	/* Two workers accepting at the same moment may each see the other ahead: look again
	   soon even when no wake-up comes. */
	if (over)
		event_add(hub->ev_share, &again);
}

static void on_share(evutil_socket_t fd, short what, void *arg)
{
	share_check(arg);
}

/* This worker took a connection: the workers that stood back for it may have caught up. */
static void wake_over_share(const struct conn_hub *hub)
{
	pthread_mutex_lock(&share_lock);
	for (int i = 0; i < nhubs; i++) {
		struct conn_hub *other = atomic_load(&hubs[i]);

		if (other && other != hub && other->ev_share && atomic_load(&other->over_share))
			event_active(other->ev_share, 0, 0);
	}
	pthread_mutex_unlock(&share_lock);
}

/* An accept() failed in a way libevent does not retry by itself (EMFILE, ENFILE, ENOBUFS). */
static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct event_base *base = evconnlistener_get_base(lev);

	/* The hub of this loop: another worker's hub is not this thread's to touch, but its
	   worker's base never changes while workers run. */
	for (int i = 0; i < nhubs; i++) {
		struct conn_hub *hub = atomic_load(&hubs[i]);

		if (!hub || hub->w->base != base || hub->listener != lev)
			continue;
		hub->backoff_ms = hub->backoff_ms ? hub->backoff_ms * 2 : ACCEPT_BACKOFF_MS;
		if (hub->backoff_ms > ACCEPT_BACKOFF_MAX_MS)
			hub->backoff_ms = ACCEPT_BACKOFF_MAX_MS;
		metrics_accept_failed();
		warn(&warn_accept,
		     json_pack("{s:s, s:I, s:i}", "error", evutil_socket_error_to_string(err),
		               "connections", (json_int_t)atomic_load(&open_total), "pause_ms",
		               (int)hub->backoff_ms));
		pause_accepting(hub, hub->backoff_ms);
		return;
	}
}

/* Count n more bytes of an unauthenticated request; false when that passes the bound. */
static bool charge(struct conn *c, size_t n)
{
	long total = atomic_fetch_add(&unauth_bytes, (long)n) + (long)n;

	c->charged += n;
	return total <= cfg.max_unauthenticated_bytes;
}

void conn_release(size_t charged)
{
	if (charged)
		atomic_fetch_sub(&unauth_bytes, (long)charged);
}

/* Stop reading c for good: evhttp sees the end of the stream and closes the connection. */
static void shut_down(struct conn *c, struct evbuffer *in)
{
	metrics_connection_refused(METRICS_REFUSED_MEMORY);
	c->closing = true;
	conn_release(c->charged);
	c->charged = 0;
	shutdown(bufferevent_getfd(c->bev), SHUT_RDWR);
	evbuffer_drain(in, evbuffer_get_length(in));
}

/*
 * Overwrite n bytes of the input at stream offset at (still in the buffer): with data, or
 * with byte when data is NULL. The buffer's memory is written in place (its pieces are
 * plain memory filled by reads); nothing moves.
 */
static void overwrite(struct conn *c, struct evbuffer *in, uint64_t at, size_t n,
                      const uint8_t *data, char byte)
{
	uint64_t front = c->added - evbuffer_get_length(in);
	struct evbuffer_ptr ptr;
	struct evbuffer_iovec v[16];
	int nv;

	if (at < front || evbuffer_ptr_set(in, &ptr, (size_t)(at - front), EVBUFFER_PTR_SET) < 0)
		return;
	nv = evbuffer_peek(in, (ev_ssize_t)n, &ptr, v, 16);
	for (int i = 0; i < nv && i < 16 && n; i++) {
		size_t k = v[i].iov_len < n ? v[i].iov_len : n;

		if (data) {
			memcpy(v[i].iov_base, data, k);
			data += k;
		} else {
			memset(v[i].iov_base, byte, k);
		}
		n -= k;
	}
}

/* Mend a bad line in the input (reqhead_mend) so that evhttp hands the request over. */
static void mend_line(struct conn *c, struct evbuffer *in)
{
	uint64_t front = c->added - evbuffer_get_length(in);
	struct evbuffer_ptr ptr;
	size_t n = c->head.line_len;
	uint8_t *line;

	if (!n || c->head.line_at < front ||
	    evbuffer_ptr_set(in, &ptr, (size_t)(c->head.line_at - front), EVBUFFER_PTR_SET) < 0)
		return;
	line = xmalloc(n);
	if (evbuffer_copyout_from(in, &ptr, line, n) == (ev_ssize_t)n) {
		reqhead_mend(line, n, c->head.line_request);
		overwrite(c, in, c->head.line_at, n, line, 0);
	}
	free(line);
}

/*
 * A line the reader stopped after. evhttp has not read it yet: it reads whole lines, and
 * after us. A Content-Length above the limit becomes zeros, so that evhttp reads no body; a
 * Transfer-Encoding becomes "Xransfer-Encoding", which evhttp ignores rather than read a
 * chunked body (pnet takes bodies with a Content-Length only: 411); a bad line is mended so
 * that evhttp hands the request over instead of answering it with its own HTML page (pnet
 * answers 400 problem+json for it).
 */
static void header_line(struct conn *c, struct evbuffer *in, enum reqhead_event ev)
{
	if (ev == REQHEAD_LENGTH_LINE && c->head.length > (uint64_t)cfg.max_body_bytes) {
		overwrite(c, in, c->head.length_at, c->head.length_digits, NULL, '0');
		c->too_large = true;
	} else if (ev == REQHEAD_TRANSFER_ENCODING_LINE) {
		overwrite(c, in, c->head.line_at, 1, NULL, 'X');
	} else if (ev == REQHEAD_BAD_LINE) {
		mend_line(c, in);
	}
}

/* Read what is in the input beyond what the head reader has seen, until the head ends. */
static void read_head(struct conn *c, struct evbuffer *in)
{
	enum reqhead_event ev = REQHEAD_MORE;

	while (!reqhead_done(&c->head) && !c->closing) {
		size_t len = evbuffer_get_length(in), pos, used;
		uint64_t front = c->added - len;
		struct evbuffer_ptr ptr;
		struct evbuffer_iovec v[8];
		int nv;

		if (c->head.offset < front)
			reqhead_init(&c->head, front); /* evhttp took bytes unseen: cannot happen */
		pos = (size_t)(c->head.offset - front);
		if (pos >= len || evbuffer_ptr_set(in, &ptr, pos, EVBUFFER_PTR_SET) < 0)
			return;
		nv = evbuffer_peek(in, (ev_ssize_t)(len - pos), &ptr, v, 8);
		/* Each piece until the reader stops for a line; then look again from there. */
		for (int i = 0; i < nv && i < 8; i++) {
			ev = reqhead_feed(&c->head, v[i].iov_base, v[i].iov_len, &used);
			if (ev != REQHEAD_MORE)
				break;
		}
		header_line(c, in, ev);
	}
}

/* Throw away the body of a refused request as far as it is there. */
static void discard(struct conn *c, struct evbuffer *in)
{
	size_t len = evbuffer_get_length(in), n = c->discard < len ? (size_t)c->discard : len;

	if (!n)
		return;
	c->discard -= n;
	evbuffer_drain(in, n);
	if (!c->discard)
		reqhead_init(&c->head, c->added - evbuffer_get_length(in));
}

/* Bytes arrived (or left) on c's input, before evhttp looks at them. */
static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	size_t added = info->n_added;

	if (!added)
		return;
	c->added += added;
	if (c->closing) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (c->discard) {
		size_t before = evbuffer_get_length(in), dropped;

		discard(c, in);
		dropped = before - evbuffer_get_length(in);
		added = dropped < added ? added - dropped : 0;
		if (c->discard || !added)
			return;
	}
	if (!charge(c, added)) {
		warn(&warn_budget,
		     json_pack("{s:s, s:I, s:I}", "client", c->addr, "unauthenticated_bytes",
		               (json_int_t)atomic_load(&unauth_bytes), "limit",
		               (json_int_t)cfg.max_unauthenticated_bytes));
		shut_down(c, in);
		return;
	}
	read_head(c, in);
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;
	struct conn_hub *hub = c->hub;
	long left;

	if (c->gone) {
		void (*gone)(void *) = c->gone;

		c->gone = NULL;
		gone(c->gone_arg);
	}
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->input_cb);
	conn_unlink(hub, c);
	if (c->counted_addr)
		addr_give(c->addr);
	conn_release(c->charged);
	left = atomic_fetch_sub(&open_total, 1) - 1;
	atomic_fetch_sub(&hub->held, 1);
	metrics_client_connections(-1);
	free(c);
	if (hub->paused && !hub->backoff_ms && left < max_total && hub->listener) {
		hub->paused = false;
		event_del(hub->ev_resume);
		listener_update(hub);
	}
	share_check(hub);
}

/* Give up a connection made but never seen by evhttp (it failed half-way). */
static void conn_drop(struct conn *c)
{
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->input_cb);
	atomic_fetch_sub(&open_total, 1);
	atomic_fetch_sub(&c->hub->held, 1);
	metrics_client_connections(-1);
	free(c);
}

/*
 * Answers leave as soon as they are written: an answer larger than one write (an inbox page
 * goes out as 16 KB + 16 KB + the rest) would otherwise wait for the client's delayed ACK of
 * the first segments under Nagle's algorithm, about 40 ms (docs/performance.md).
 */
static void no_delay(evutil_socket_t fd)
{
	int on = 1;

	if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
		log_warn("TCP_NODELAY not set on an accepted socket: %s", strerror(errno));
}

/*
 * The connections accepted on this loop turn now have their evhttp_connection: find it
 * (evhttp hands its connection to the bufferevent's callbacks), hear of its end, and apply
 * the limits. Run as an event, so that it is never inside libevent's accept callback.
 */
static void on_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct conn_hub *hub = arg;
	struct conn *c;

	while ((c = hub->pending)) {
		void *cbarg = NULL;
		char *host = NULL;
		ev_uint16_t port = 0;

		hub->pending = c->next;
		c->next = NULL;
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
		if (!cbarg || evhttp_connection_get_bufferevent(cbarg) != c->bev) {
			conn_drop(c);
			continue;
		}
		c->evcon = cbarg;
		no_delay(bufferevent_getfd(c->bev));
		evhttp_connection_get_peer(c->evcon, &host, &port);
		snprintf(c->addr, sizeof(c->addr), "%s", host ? host : "");
		c->next = hub->buckets[conn_bucket(c->evcon)];
		hub->buckets[conn_bucket(c->evcon)] = c;
		evhttp_connection_set_closecb(c->evcon, on_close, c);
		if (atomic_load(&open_total) > max_total) {
			/* another worker took the last place meanwhile */
			metrics_connection_refused(METRICS_REFUSED_LIMIT);
			warn(&warn_limit, json_pack("{s:I, s:I}", "connections",
			                            (json_int_t)atomic_load(&open_total), "limit",
			                            (json_int_t)max_total));
			evhttp_connection_free(c->evcon); /* on_close frees c */
			continue;
		}
		if (cfg.max_connections_per_addr > 0 &&
		    (cfg.limit_loopback || !is_loopback(c->addr))) {
			if (!addr_take(c->addr)) {
				metrics_connection_refused(METRICS_REFUSED_ADDRESS);
				warn(&warn_addr,
				     json_pack("{s:s, s:I}", "client", c->addr, "limit",
				               (json_int_t)cfg.max_connections_per_addr));
				evhttp_connection_free(c->evcon);
				continue;
			}
			c->counted_addr = true;
		}
	}
}

/* evhttp's bufferevent for each connection it accepts: ours, to read what arrives first. */
static struct bufferevent *make_bufferevent(struct event_base *base, void *arg)
{
	struct conn_hub *hub = arg;
	struct bufferevent *bev = tls_enabled()
	                                  ? tls_bufferevent(base)
	                                  : bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct conn *c;

	if (!bev)
		return NULL;
	/* An answer in one write where the socket takes it: libevent's default of 16 KB a write
	 * sent an inbox page of 58 KB in four, each its own wake-up of the loop. */
	bufferevent_set_max_single_write(bev, ANSWER_WRITE_MAX);
	c = xcalloc(1, sizeof(*c));
	c->hub = hub;
	c->bev = bev;
	reqhead_init(&c->head, 0);
	c->input_cb = evbuffer_add_cb(bufferevent_get_input(bev), on_input, c);
	c->next = hub->pending;
	hub->pending = c;
	event_active(hub->ev_adopt, 0, 0);
	hub->backoff_ms = 0;
	metrics_client_connections(1);
	atomic_fetch_add(&hub->held, 1);
	if (atomic_fetch_add(&open_total, 1) + 1 >= max_total) {
		warn(&warn_limit,
		     json_pack("{s:I, s:I}", "connections", (json_int_t)atomic_load(&open_total),
		               "limit", (json_int_t)max_total));
		pause_accepting(hub, RESUME_CHECK_MS);
	}
	share_check(hub);
	wake_over_share(hub);
	return bev;
}

struct conn_hub *conn_hub_new(struct worker *w)
{
	struct conn_hub *hub = xcalloc(1, sizeof(*hub));

	hub->w = w;
	hub->listener = evhttp_bound_socket_get_listener(w->bound);
	hub->ev_adopt = event_new(w->base, -1, 0, on_adopt, hub);
	hub->ev_resume = event_new(w->base, -1, 0, on_resume, hub);
	hub->ev_share = event_new(w->base, -1, 0, on_share, hub);
	hub->listening = true; /* evhttp enabled it */
	atomic_store(&hub->accepting, true);
	evconnlistener_set_error_cb(hub->listener, on_accept_error);
	evhttp_set_bevcb(w->http, make_bufferevent, hub);
	if (w->index >= 0 && w->index < nhubs)
		atomic_store(&hubs[w->index], hub);
	return hub;
}

void conn_hub_drain(struct conn_hub *hub)
{
	if (!hub)
		return;
	hub->listener = NULL;
	atomic_store(&hub->accepting, false);
	atomic_store(&hub->over_share, false);
	event_del(hub->ev_resume);
	event_del(hub->ev_share);
}

void conn_hub_free(struct conn_hub *hub)
{
	struct conn *c;
	struct event *ev_share;

	if (!hub)
		return;
	/* Made on the last turn and never adopted: evhttp_free has freed their bufferevents. */
	while ((c = hub->pending)) {
		hub->pending = c->next;
		atomic_fetch_sub(&open_total, 1);
		atomic_fetch_sub(&hub->held, 1);
		metrics_client_connections(-1);
		free(c);
	}
	pthread_mutex_lock(&share_lock);
	ev_share = hub->ev_share;
	hub->ev_share = NULL;
	pthread_mutex_unlock(&share_lock);
	event_free(ev_share);
	event_free(hub->ev_adopt);
	event_free(hub->ev_resume);
	hub->ev_adopt = hub->ev_resume = NULL;
}

void conn_request(struct conn_hub *hub, struct evhttp_connection *evcon, struct conn_request *out)
{
	struct conn *c = hub && evcon ? conn_find(hub, evcon) : NULL;
	struct evbuffer *in;

	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	in = bufferevent_get_input(c->bev);
	out->flags = c->head.flags;
	out->length = c->head.length;
	out->too_large = c->too_large;
	out->charged = c->charged;
	c->charged = 0;
	c->too_large = false;
	/* evhttp has read this request to its end: the next one starts at the buffer's front */
	reqhead_init(&c->head, c->added - evbuffer_get_length(in));
	if (out->too_large) {
		/* A client that waits for 100-continue will not send the body, and one that sends
		   more than 16 times the limit is not worth listening to: close after the answer.
		   Transfer-Encoding with Content-Length is answered 400 and closed. */
		if (out->length <= 16 * (uint64_t)cfg.max_body_bytes &&
		    !(out->flags & (REQHEAD_CONTINUE | REQHEAD_TRANSFER_ENCODING))) {
			out->keep_alive = true;
			c->discard = out->length;
			discard(c, in);
			if (c->discard)
				return;
		} else {
			c->closing = true;
			evbuffer_drain(in, evbuffer_get_length(in));
			return;
		}
	}
	read_head(c, in);
}

void conn_on_gone(struct conn_hub *hub, struct evhttp_connection *evcon, void (*cb)(void *arg),
                  void *arg)
{
	struct conn *c = hub && evcon ? conn_find(hub, evcon) : NULL;

	if (!c)
		return;
	c->gone = cb;
	c->gone_arg = arg;
}
