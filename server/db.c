#include "db.h"

#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "params.h"

/* One connection that keeps itself up (db.h). */
struct db_link {
	struct event_base *base;
	char *label;
	char *conninfo;
	char *application_name;
	char *options;
	const struct db_link_handlers *h;
	void *arg;
	PGconn *pg;
	bool up;                  /* connected: the owner has it */
	bool ready;               /* the owner's work is established on it */
	bool lost;                /* down since the last ready: say "ready again" once back */
	bool quiet;               /* a failed attempt while down was logged: not every one */
	struct event *ev_connect; /* one-shot while connecting: the socket may change */
	struct event *ev_retry;
	long backoff_ms;
};

static void link_start(struct db_link *l);

static void link_close(struct db_link *l)
{
	if (l->ev_connect)
		event_free(l->ev_connect);
	l->ev_connect = NULL;
	if (l->pg)
		PQfinish(l->pg);
	l->pg = NULL;
	l->up = l->ready = false;
}

void db_link_lost(struct db_link *l, const char *why)
{
	bool was_ready = l->ready;
	long delay;

	if (was_ready || !l->quiet) {
		char msg[512] = "";
		if (l->pg)
			snprintf(msg, sizeof(msg), "%s", PQerrorMessage(l->pg));
		msg[strcspn(msg, "\n")] = '\0';
		log_warn("%s: %s%s%s", l->label, why, msg[0] ? ": " : "", msg);
	}
	l->quiet = !was_ready;
	l->lost = true;
	if (l->h->down)
		l->h->down(l->arg);
	link_close(l);
	if (was_ready)
		l->backoff_ms = 0;
	delay = l->backoff_ms;
	l->backoff_ms = l->backoff_ms ? l->backoff_ms * 2 : 100;
	if (l->backoff_ms > cfg.db_reconnect_max_ms)
		l->backoff_ms = cfg.db_reconnect_max_ms;
	/* Spread reconnects of a pool's connections (and of other workers) apart. */
	delay += rand() % (delay / 4 + 20);
	struct timeval tv = {.tv_sec = delay / 1000, .tv_usec = (delay % 1000) * 1000};
	event_add(l->ev_retry, &tv);
}

static void on_link_retry(evutil_socket_t fd, short what, void *arg)
{
	link_start(arg);
}

static void on_link_connect_io(evutil_socket_t fd, short what, void *arg);

static void link_poll(struct db_link *l, PostgresPollingStatusType st)
{
	short what;

	if (l->ev_connect) {
		event_free(l->ev_connect);
		l->ev_connect = NULL;
	}
	switch (st) {
	case PGRES_POLLING_OK:
		l->up = true;
		l->h->up(l->arg);
		return;
	case PGRES_POLLING_READING:
		what = EV_READ;
		break;
	case PGRES_POLLING_WRITING:
		what = EV_WRITE;
		break;
	default:
		db_link_lost(l, "cannot connect");
		return;
	}
	l->ev_connect = event_new(l->base, PQsocket(l->pg), what, on_link_connect_io, l);
	event_add(l->ev_connect, NULL);
}

static void on_link_connect_io(evutil_socket_t fd, short what, void *arg)
{
	struct db_link *l = arg;

	link_poll(l, PQconnectPoll(l->pg));
}

static void link_start(struct db_link *l)
{
	const char *keys[] = {"dbname", "application_name", "options", NULL};
	const char *values[] = {l->conninfo, l->application_name, l->options, NULL};

	l->pg = PQconnectStartParams(keys, values, 1);
	if (!l->pg || PQstatus(l->pg) == CONNECTION_BAD || PQsetnonblocking(l->pg, 1) != 0) {
		db_link_lost(l, "cannot start connecting");
		return;
	}
	/* libpq: before the first PQconnectPoll, behave as if it had asked to write. */
	link_poll(l, PGRES_POLLING_WRITING);
}

struct db_link *db_link_new(struct event_base *base, const char *label, const char *conninfo,
                            const char *application_name, const char *options,
                            const struct db_link_handlers *h, void *arg)
{
	struct db_link *l = xcalloc(1, sizeof(*l));

	l->base = base;
	l->label = xstrdup(label);
	l->conninfo = xstrdup(conninfo);
	l->application_name = xstrdup(application_name);
	l->options = options ? xstrdup(options) : NULL;
	l->h = h;
	l->arg = arg;
	l->ev_retry = event_new(base, -1, 0, on_link_retry, l);
	link_start(l);
	return l;
}

void db_link_free(struct db_link *l)
{
	if (!l)
		return;
	link_close(l);
	event_free(l->ev_retry);
	free(l->label);
	free(l->conninfo);
	free(l->application_name);
	free(l->options);
	free(l);
}

PGconn *db_link_pg(const struct db_link *l)
{
	return l->up ? l->pg : NULL;
}

void db_link_ready(struct db_link *l)
{
	l->ready = true;
	l->quiet = false;
	l->backoff_ms = 0;
	if (l->lost)
		log_info("%s: ready again", l->label);
	l->lost = false;
}

struct query {
	struct query *next;
	const struct db_stmt *stmt;
	int nparams;
	char **values;
	db_callback cb;
	void *arg;
	uint64_t enqueued_ms;
	uint64_t sent_ms;
	enum db_send send; /* whether it may be sent ahead, and be followed (db.h) */
	bool misused;      /* its parameters were not the statement's: never sent */
};

enum conn_state {
	CONN_DOWN,      /* not connected: its link is connecting or waiting to */
	CONN_PREPARING, /* connected, preparing statements one by one */
	CONN_IDLE,      /* in pipeline mode, nothing sent */
	CONN_BUSY,      /* in pipeline mode, running c->sent_head, maybe more sent behind it */
};

struct conn {
	struct db_pool *pool;
	int index;
	struct db_link *link;
	PGconn *pg; /* the link's connection while connected, else NULL */
	enum conn_state state;
	struct event *ev_read;  /* persistent while connected */
	struct event *ev_write; /* added while PQflush has more to send */
	size_t prepare_next;
	/*
	 * The queries sent and not yet answered, in the order PostgreSQL answers them: each one
	 * is its own implicit transaction, closed by a Sync of its own, so that one failing
	 * aborts nothing sent behind it.
	 */
	struct query *sent_head, *sent_tail;
	int sent;
	bool sync_due;    /* the head's answer is complete: its Sync's result comes next */
	PGresult *result; /* the head's (or the statement being prepared's) result so far */
};

struct db_pool {
	struct event_base *base;
	char *conninfo;
	char *options;
	const struct db_stmt *const *stmts;
	size_t nstmts;
	struct conn *conns;
	int size;
	/* The database was found unreachable and no connection is ready: fail fast. */
	bool down;
	/* The last attempt reached the database but could not prepare a statement. */
	bool prepare_failed;
	struct query *head, *tail;
	size_t queued;
	struct event *ev_queue_timer;
	/* Queries answered without running, delivered on the next loop turn. */
	struct query *failed_head, *failed_tail;
	struct event *ev_deliver;
};

static void conn_take_work(struct conn *c);

static void query_free(struct query *q)
{
	for (int i = 0; i < q->nparams; i++)
		free(q->values[i]);
	free(q->values);
	free(q);
}

static void query_answer(struct query *q, enum db_status status, PGresult *pg)
{
	struct db_result res = {.status = status, .pg = pg};

	q->cb(q->arg, &res);
	query_free(q);
}

/* Append q to the list *head .. *tail (the pool's queue, a connection's queries sent, the
   failed ones). */
static void query_append(struct query **head, struct query **tail, struct query *q)
{
	q->next = NULL;
	if (*tail)
		(*tail)->next = q;
	else
		*head = q;
	*tail = q;
}

/* Fail q on the next loop turn, so that no callback runs inside db_query. */
static void query_fail_later(struct db_pool *pool, struct query *q)
{
	query_append(&pool->failed_head, &pool->failed_tail, q);
	event_active(pool->ev_deliver, 0, 0);
}

static void on_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool *pool = arg;
	struct query *q = pool->failed_head;

	pool->failed_head = pool->failed_tail = NULL;
	while (q) {
		struct query *next = q->next;
		query_answer(q, q->misused ? DB_MISUSED : DB_UNAVAILABLE, NULL);
		q = next;
	}
}

static struct query *queue_pop(struct db_pool *pool)
{
	struct query *q = pool->head;

	if (q) {
		pool->head = q->next;
		if (!pool->head)
			pool->tail = NULL;
		pool->queued--;
	}
	return q;
}

static void queue_fail_all(struct db_pool *pool)
{
	struct query *q;

	while ((q = queue_pop(pool)))
		query_fail_later(pool, q);
}

static bool pool_has_ready(const struct db_pool *pool)
{
	for (int i = 0; i < pool->size; i++)
		if (pool->conns[i].state == CONN_IDLE || pool->conns[i].state == CONN_BUSY)
			return true;
	return false;
}

/* The link lost c's connection (or could not make one): answer its query, drop its events. */
static void conn_down(void *arg)
{
	struct conn *c = arg;
	struct db_pool *pool = c->pool;
	struct query *q = c->sent_head;

	if (c->ev_read)
		event_free(c->ev_read);
	if (c->ev_write)
		event_free(c->ev_write);
	c->ev_read = c->ev_write = NULL;
	if (c->result)
		PQclear(c->result);
	c->result = NULL;
	c->pg = NULL;
	c->sent_head = c->sent_tail = NULL;
	c->sent = 0;
	c->sync_due = false;
	c->state = CONN_DOWN;
	while (q) {
		struct query *next = q->next;
		query_fail_later(pool, q);
		q = next;
	}
	if (!pool_has_ready(pool)) {
		pool->down = true;
		queue_fail_all(pool);
	}
}

/* The connection failed or was lost: the link closes it and connects again with backoff. */
static void conn_lost(struct conn *c, const char *why)
{
	db_link_lost(c->link, why);
}

static void conn_flush(struct conn *c)
{
	int rc = PQflush(c->pg);

	if (rc < 0)
		conn_lost(c, "sending failed");
	else if (rc == 1)
		event_add(c->ev_write, NULL);
}

static void conn_prepare_next(struct conn *c)
{
	struct db_pool *pool = c->pool;

	if (c->prepare_next == pool->nstmts) {
		/* Queries are sent ahead while one runs (--db-pipeline, docs/architecture.md). */
		if (!PQenterPipelineMode(c->pg)) {
			conn_lost(c, "pipeline mode could not be entered");
			return;
		}
		c->state = CONN_IDLE;
		db_link_ready(c->link);
		pool->prepare_failed = false;
		pool->down = false;
		conn_take_work(c);
		return;
	}
	const struct db_stmt *s = pool->stmts[c->prepare_next];
	if (!PQsendPrepare(c->pg, s->name, s->sql, 0, NULL)) {
		conn_lost(c, "prepare could not be sent");
		return;
	}
	conn_flush(c);
}

static bool result_ok(const PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Keep the first result of a command, unless a later one is an error. */
static void conn_keep_result(struct conn *c, PGresult *r)
{
	if (!c->result) {
		c->result = r;
	} else if (PQresultStatus(r) == PGRES_FATAL_ERROR) {
		PQclear(c->result);
		c->result = r;
	} else {
		PQclear(r);
	}
}

/* The statement being prepared on c has its answer. */
static void conn_prepared(struct conn *c)
{
	PGresult *res = c->result;

	c->result = NULL;
	if (!result_ok(res)) {
		/* A statement that does not prepare is a bug or a schema behind the code. */
		log_error("database connection %d: preparing %s failed: %s", c->index,
		          c->pool->stmts[c->prepare_next]->name,
		          res ? PQresultErrorMessage(res) : "no result");
		PQclear(res);
		c->pool->prepare_failed = true;
		conn_lost(c, "statements could not be prepared (are migrations applied?)");
		return;
	}
	PQclear(res);
	c->prepare_next++;
	conn_prepare_next(c);
}

/*
 * The head query's answer is complete: the connection takes the next queued query before the
 * answer is handed on, so that PostgreSQL has work while pnetd writes the response.
 */
static void conn_answer_head(struct conn *c)
{
	struct query *q = c->sent_head;
	PGresult *res = c->result;

	c->result = NULL;
	c->sent_head = q->next;
	if (!c->sent_head)
		c->sent_tail = NULL;
	c->sent--;
	c->sync_due = true;
	c->state = c->sent ? CONN_BUSY : CONN_IDLE;
	conn_take_work(c);
	/* The pool may be in use again from inside the callback. */
	query_answer(q, result_ok(res) ? DB_OK : DB_ERROR, res);
	PQclear(res);
}

/* Results of the statements being prepared, one after another. */
static void conn_read_prepared(struct conn *c)
{
	while (c->pg && c->state == CONN_PREPARING && !PQisBusy(c->pg)) {
		PGresult *r = PQgetResult(c->pg);
		if (!r)
			conn_prepared(c);
		else
			conn_keep_result(c, r);
	}
}

/*
 * Results of the queries sent, in pipeline mode: each query's results, then NULL (its answer
 * is complete), then its Sync's PGRES_PIPELINE_SYNC.
 */
static void conn_read_answers(struct conn *c)
{
	while (c->pg && (c->sent || c->sync_due) && !PQisBusy(c->pg)) {
		PGresult *r = PQgetResult(c->pg);
		if (r && PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			c->sync_due = false;
		} else if (r) {
			conn_keep_result(c, r);
		} else if (c->sent && !c->sync_due) {
			conn_answer_head(c);
		} else {
			conn_lost(c, "answers out of order");
			return;
		}
	}
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (!PQconsumeInput(c->pg)) {
		conn_lost(c, "connection lost");
		return;
	}
	if (c->state == CONN_IDLE && !c->sync_due) {
		/* Nothing is expected: a notice, or the server telling us it goes away. */
		PGnotify *n;
		while ((n = PQnotifies(c->pg)))
			PQfreemem(n);
		if (PQstatus(c->pg) == CONNECTION_BAD)
			conn_lost(c, "connection closed by the server");
		return;
	}
	if (event_pending(c->ev_write, EV_WRITE, NULL))
		conn_flush(c);
	if (c->state == CONN_PREPARING)
		conn_read_prepared(c);
	else
		conn_read_answers(c);
	if (c->pg && PQstatus(c->pg) == CONNECTION_BAD)
		conn_lost(c, "connection lost");
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	conn_flush(arg);
}

/* The link is connected: read its socket and prepare the statements. */
static void conn_up(void *arg)
{
	struct conn *c = arg;
	struct event_base *base = c->pool->base;

	c->pg = db_link_pg(c->link);
	c->ev_read = event_new(base, PQsocket(c->pg), EV_READ | EV_PERSIST, on_read, c);
	c->ev_write = event_new(base, PQsocket(c->pg), EV_WRITE, on_write, c);
	event_add(c->ev_read, NULL);
	c->state = CONN_PREPARING;
	c->prepare_next = 0;
	conn_prepare_next(c);
}

static const struct db_link_handlers conn_handlers = {.up = conn_up, .down = conn_down};

/* Send q on c, behind whatever c runs already; its answer comes in on_read. */
static void conn_run(struct conn *c, struct query *q)
{
	q->sent_ms = util_now_ms();
	query_append(&c->sent_head, &c->sent_tail, q);
	c->sent++;
	c->state = CONN_BUSY;
	if (!PQsendQueryPrepared(c->pg, q->stmt->name, q->nparams, (const char *const *)q->values,
	                         NULL, NULL, 0) ||
	    !PQpipelineSync(c->pg)) {
		conn_lost(c, "query could not be sent");
		return;
	}
	conn_flush(c);
}

/* Whether c can take q now: it is idle, or it has room, q may be sent ahead and c does not
   run a query that runs alone. */
static bool conn_takes(const struct conn *c, const struct query *q)
{
	if (c->state == CONN_IDLE)
		return true;
	return c->state == CONN_BUSY && c->sent < cfg.db_pipeline && q->send == DB_SEND_AHEAD &&
	       c->sent_head->send != DB_SEND_ALONE;
}

/* c has room: send it queued queries, in their order, as far as it takes them. */
static void conn_take_work(struct conn *c)
{
	while (c->pg && c->pool->head && conn_takes(c, c->pool->head))
		conn_run(c, queue_pop(c->pool));
	if (!c->pool->head)
		event_del(c->pool->ev_queue_timer);
}

/*
 * Where q goes: an idle connection; else, while one takes it (conn_takes), the one with
 * fewest queries sent and among those the one whose running query was sent last, since the
 * connection that has run its query longest is the likeliest to be stuck on a slow one (an
 * export, a report); else NULL, and q waits in the pool's queue.
 */
static struct conn *pool_pick(struct db_pool *pool, const struct query *q)
{
	struct conn *best = NULL;

	for (int i = 0; i < pool->size; i++) {
		struct conn *c = &pool->conns[i];
		if (c->state == CONN_IDLE)
			return c;
		if (!conn_takes(c, q))
			continue;
		if (!best || c->sent < best->sent ||
		    (c->sent == best->sent && c->sent_head->sent_ms > best->sent_head->sent_ms))
			best = c;
	}
	return best;
}

/* Queries that waited too long for a connection give up with DB_UNAVAILABLE. */
static void on_queue_timer(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool *pool = arg;
	uint64_t now = util_now_ms();

	while (pool->head && now - pool->head->enqueued_ms >= (uint64_t)cfg.db_queue_timeout_ms)
		query_fail_later(pool, queue_pop(pool));
	if (!pool->head)
		event_del(pool->ev_queue_timer);
}

/*
 * The "options" every connection sends: the conninfo's own (an operator's "-c search_path=..."
 * or "-c default_transaction_read_only=on") followed by pnetd's time zone and statement
 * timeout, which win over the conninfo's. Given as a keyword after the conninfo, it replaces
 * the conninfo's, so both are put together here.
 */
static char *connection_options(const char *conninfo)
{
	PQconninfoOption *parsed = PQconninfoParse(conninfo, NULL);
	const char *own = NULL;
	char *options;

	for (PQconninfoOption *o = parsed; o && o->keyword; o++)
		if (!strcmp(o->keyword, "options") && o->val && *o->val)
			own = o->val;
	options = xasprintf("%s%s-c TimeZone=" DB_TIME_ZONE " -c statement_timeout=%ld",
	                    own ? own : "", own ? " " : "", cfg.db_statement_timeout_ms);
	PQconninfoFree(parsed);
	return options;
}

struct db_pool *db_pool_new(struct event_base *base, const char *conninfo, int size,
                            const struct db_stmt *const *stmts, size_t nstmts)
{
	struct db_pool *pool = xcalloc(1, sizeof(*pool));

	pool->base = base;
	pool->conninfo = xstrdup(conninfo);
	pool->options = connection_options(conninfo);
	pool->stmts = stmts;
	pool->nstmts = nstmts;
	pool->size = size;
	pool->conns = xcalloc((size_t)size, sizeof(*pool->conns));
	pool->ev_deliver = event_new(base, -1, 0, on_deliver, pool);
	pool->ev_queue_timer = event_new(base, -1, EV_PERSIST, on_queue_timer, pool);
	for (int i = 0; i < size; i++) {
		struct conn *c = &pool->conns[i];
		char label[48];

		c->pool = pool;
		c->index = i;
		snprintf(label, sizeof(label), "database connection %d", i);
		c->link = db_link_new(base, label, conninfo, "pnetd", pool->options, &conn_handlers,
		                      c);
	}
	return pool;
}

void db_pool_free(struct db_pool *pool)
{
	if (!pool)
		return;
	for (int i = 0; i < pool->size; i++) {
		struct conn *c = &pool->conns[i];
		conn_down(c); /* its queries sent are answered by on_deliver below */
		db_link_free(c->link);
	}
	queue_fail_all(pool);
	on_deliver(-1, 0, pool);
	event_free(pool->ev_deliver);
	event_free(pool->ev_queue_timer);
	free(pool->conns);
	free(pool->conninfo);
	free(pool->options);
	free(pool);
}

void db_query_sent(struct db_pool *pool, const struct db_stmt *stmt, struct params *p,
                   enum db_send send, db_callback cb, void *arg)
{
	struct query *q = xcalloc(1, sizeof(*q));
	bool matches = params_match(p, stmt);

	q->stmt = stmt;
	q->nparams = matches ? p->n : 0;
	q->values = xcalloc((size_t)(q->nparams > 0 ? q->nparams : 1), sizeof(char *));
	for (int i = 0; i < q->nparams; i++)
		q->values[i] = p->values[i] ? xstrdup(p->values[i]) : NULL;
	params_clear(p);
	q->cb = cb;
	q->arg = arg;
	q->send = send;
	q->enqueued_ms = util_now_ms();
	if (!matches) {
		q->misused = true;
		query_fail_later(pool, q);
		return;
	}

	/* Nothing overtakes the queue: a read waiting there for a free connection would
	   otherwise wait as long as writes keep coming to be sent ahead. */
	struct conn *c = pool->head ? NULL : pool_pick(pool, q);
	if (c) {
		conn_run(c, q);
		return;
	}
	if ((pool->down && !pool_has_ready(pool)) || pool->queued >= (size_t)cfg.db_queue_max) {
		query_fail_later(pool, q);
		return;
	}
	query_append(&pool->head, &pool->tail, q);
	pool->queued++;
	if (!event_pending(pool->ev_queue_timer, EV_TIMEOUT, NULL)) {
		struct timeval tv = {.tv_sec = 0, .tv_usec = 50000};
		event_add(pool->ev_queue_timer, &tv);
	}
}

void db_query(struct db_pool *pool, const struct db_stmt *stmt, struct params *p, db_callback cb,
              void *arg)
{
	db_query_sent(pool, stmt, p, DB_SEND_AHEAD, cb, arg);
}

bool db_pool_available(const struct db_pool *pool)
{
	return pool_has_ready(pool);
}

void db_pool_get_stats(const struct db_pool *pool, struct db_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->connections = pool->size;
	for (int i = 0; i < pool->size; i++) {
		if (pool->conns[i].state == CONN_IDLE)
			out->ready++;
		else if (pool->conns[i].state == CONN_BUSY)
			out->ready++, out->busy++;
	}
	out->queued = pool->queued;
	out->prepare_failed = pool->prepare_failed;
}
