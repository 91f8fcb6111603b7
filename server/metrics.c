#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "token_cache.h"
#include "util.h"

#define STATUS_MIN   100
#define STATUS_SLOTS 500 /* 100..599 */

static const double bucket_bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                       0.25,  0.5,   1,    2.5,   5,    10};
#define NBUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

struct worker_gauges {
	_Atomic long connections, ready, busy, queued, inflight;
	/* the --database-read pool, all 0 without one */
	_Atomic long read_connections, read_ready, read_busy;
};

static size_t nroutes_;
static int nworkers_;
/* [route 0..nroutes) + unmatched][status - 100] */
static _Atomic uint64_t *requests;
static _Atomic uint64_t buckets[NBUCKETS + 1];
static _Atomic uint64_t duration_ms_sum;
static _Atomic uint64_t duration_count;
static struct worker_gauges *gauges;
static _Atomic long sse_clients;
static _Atomic uint64_t webhook_attempts[2]; /* [0] failed, [1] delivered */
static _Atomic long client_connections;
static _Atomic uint64_t refusals[METRICS_REFUSED_COUNT];
static _Atomic uint64_t accept_failures;
static _Atomic uint64_t auth_notifications;

void metrics_init(size_t nroutes, int nworkers)
{
	nroutes_ = nroutes;
	nworkers_ = nworkers;
	requests = xcalloc((nroutes + 1) * STATUS_SLOTS, sizeof(*requests));
	gauges = xcalloc((size_t)nworkers, sizeof(*gauges));
}

void metrics_free(void)
{
	free(requests);
	free(gauges);
	requests = NULL;
	gauges = NULL;
}

void metrics_request(long route, const char *method, int status, uint64_t ms)
{
	size_t row = route < 0 ? nroutes_ : (size_t)route;
	size_t b = 0;

	if (!requests)
		return;
	if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SLOTS)
		atomic_fetch_add_explicit(
		        &requests[row * STATUS_SLOTS + (size_t)(status - STATUS_MIN)], 1,
		        memory_order_relaxed);
	while (b < NBUCKETS && (double)ms / 1000.0 > bucket_bounds[b])
		b++;
	atomic_fetch_add_explicit(&buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&duration_ms_sum, ms, memory_order_relaxed);
	atomic_fetch_add_explicit(&duration_count, 1, memory_order_relaxed);
}

void metrics_worker(int worker, const struct db_pool_stats *pool,
                    const struct db_pool_stats *read_pool, size_t inflight)
{
	struct worker_gauges *g;

	if (!gauges || worker < 0 || worker >= nworkers_)
		return;
	g = &gauges[worker];
	atomic_store(&g->connections, pool->connections);
	atomic_store(&g->ready, pool->ready);
	atomic_store(&g->busy, pool->busy);
	atomic_store(&g->queued, (long)pool->queued);
	atomic_store(&g->inflight, (long)inflight);
	if (read_pool) {
		atomic_store(&g->read_connections, read_pool->connections);
		atomic_store(&g->read_ready, read_pool->ready);
		atomic_store(&g->read_busy, read_pool->busy);
	}
}

void metrics_sse_clients(long delta)
{
	atomic_fetch_add_explicit(&sse_clients, delta, memory_order_relaxed);
}

void metrics_webhook_attempt(bool delivered)
{
	atomic_fetch_add_explicit(&webhook_attempts[delivered], 1, memory_order_relaxed);
}

void metrics_client_connections(long delta)
{
	atomic_fetch_add_explicit(&client_connections, delta, memory_order_relaxed);
}

void metrics_connection_refused(enum metrics_refusal why)
{
	atomic_fetch_add_explicit(&refusals[why], 1, memory_order_relaxed);
}

void metrics_accept_failed(void)
{
	atomic_fetch_add_explicit(&accept_failures, 1, memory_order_relaxed);
}

void metrics_auth_notified(void)
{
	atomic_fetch_add_explicit(&auth_notifications, 1, memory_order_relaxed);
}

char *metrics_render(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	uint64_t cumulative = 0;
	long conns = 0, ready = 0, busy = 0, queued = 0, inflight = 0;
	long read_conns = 0, read_ready = 0, read_busy = 0;

	fputs("# HELP pnet_http_requests_total Requests answered, by route, method and status.\n"
	      "# TYPE pnet_http_requests_total counter\n",
	      f);
	for (size_t row = 0; row <= nroutes_; row++) {
		const struct route *rt = row < nroutes_ ? router_get(row) : NULL;
		for (size_t s = 0; s < STATUS_SLOTS; s++) {
			uint64_t n = atomic_load_explicit(&requests[row * STATUS_SLOTS + s],
			                                  memory_order_relaxed);
			if (!n)
				continue;
			fprintf(f,
			        "pnet_http_requests_total{route=\"%s\",method=\"%s\",status=\"%"
			        "zu\"} "
			        "%llu\n",
			        rt ? rt->pattern : "unmatched", rt ? rt->method : "any",
			        s + STATUS_MIN, (unsigned long long)n);
		}
	}
	fputs("# HELP pnet_http_request_duration_seconds Time from request to answer.\n"
	      "# TYPE pnet_http_request_duration_seconds histogram\n",
	      f);
	for (size_t b = 0; b <= NBUCKETS; b++) {
		cumulative += atomic_load(&buckets[b]);
		if (b < NBUCKETS)
			fprintf(f, "pnet_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			        bucket_bounds[b], (unsigned long long)cumulative);
		else
			fprintf(f, "pnet_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			        (unsigned long long)cumulative);
	}
	fprintf(f, "pnet_http_request_duration_seconds_sum %.3f\n",
	        (double)atomic_load(&duration_ms_sum) / 1000.0);
	fprintf(f, "pnet_http_request_duration_seconds_count %llu\n",
	        (unsigned long long)atomic_load(&duration_count));

	for (int w = 0; w < nworkers_; w++) {
		conns += atomic_load(&gauges[w].connections);
		ready += atomic_load(&gauges[w].ready);
		busy += atomic_load(&gauges[w].busy);
		queued += atomic_load(&gauges[w].queued);
		inflight += atomic_load(&gauges[w].inflight);
		read_conns += atomic_load(&gauges[w].read_connections);
		read_ready += atomic_load(&gauges[w].read_ready);
		read_busy += atomic_load(&gauges[w].read_busy);
	}
	fprintf(f,
	        "# HELP pnet_db_connections Database connections of all workers, by state.\n"
	        "# TYPE pnet_db_connections gauge\n"
	        "pnet_db_connections{state=\"configured\"} %ld\n"
	        "pnet_db_connections{state=\"ready\"} %ld\n"
	        "pnet_db_connections{state=\"busy\"} %ld\n"
	        "# HELP pnet_db_read_connections Connections to the --database-read standby, by "
	        "state.\n"
	        "# TYPE pnet_db_read_connections gauge\n"
	        "pnet_db_read_connections{state=\"configured\"} %ld\n"
	        "pnet_db_read_connections{state=\"ready\"} %ld\n"
	        "pnet_db_read_connections{state=\"busy\"} %ld\n"
	        "# HELP pnet_db_queue_length Queries waiting for a database connection.\n"
	        "# TYPE pnet_db_queue_length gauge\n"
	        "pnet_db_queue_length %ld\n"
	        "# HELP pnet_http_requests_in_flight Requests taken and not yet answered.\n"
	        "# TYPE pnet_http_requests_in_flight gauge\n"
	        "pnet_http_requests_in_flight %ld\n"
	        "# HELP pnet_workers Worker threads.\n"
	        "# TYPE pnet_workers gauge\n"
	        "pnet_workers %d\n"
	        "# HELP pnet_sse_clients Open event streams (GET /v1/events).\n"
	        "# TYPE pnet_sse_clients gauge\n"
	        "pnet_sse_clients %ld\n"
	        "# HELP pnet_webhook_attempts_total Webhook delivery attempts, by outcome.\n"
	        "# TYPE pnet_webhook_attempts_total counter\n"
	        "pnet_webhook_attempts_total{outcome=\"delivered\"} %llu\n"
	        "pnet_webhook_attempts_total{outcome=\"failed\"} %llu\n",
	        conns, ready, busy, read_conns, read_ready, read_busy, queued, inflight, nworkers_,
	        atomic_load(&sse_clients), (unsigned long long)atomic_load(&webhook_attempts[1]),
	        (unsigned long long)atomic_load(&webhook_attempts[0]));
	fprintf(f,
	        "# HELP pnet_http_connections Open client connections.\n"
	        "# TYPE pnet_http_connections gauge\n"
	        "pnet_http_connections %ld\n"
	        "# HELP pnet_http_connections_refused_total Client connections closed early for a "
	        "limit, by which.\n"
	        "# TYPE pnet_http_connections_refused_total counter\n"
	        "pnet_http_connections_refused_total{reason=\"limit\"} %llu\n"
	        "pnet_http_connections_refused_total{reason=\"address\"} %llu\n"
	        "pnet_http_connections_refused_total{reason=\"memory\"} %llu\n"
	        "# HELP pnet_http_accept_failures_total Failed accept() calls (no descriptor "
	        "left).\n"
	        "# TYPE pnet_http_accept_failures_total counter\n"
	        "pnet_http_accept_failures_total %llu\n"
	        "# HELP pnet_auth_notifications_total Notifications on pnet_auth (kept token "
	        "checks "
	        "dropped).\n"
	        "# TYPE pnet_auth_notifications_total counter\n"
	        "pnet_auth_notifications_total %llu\n"
	        "# HELP pnet_token_cache_active Whether token checks are kept (the listener "
	        "listens).\n"
	        "# TYPE pnet_token_cache_active gauge\n"
	        "pnet_token_cache_active %d\n",
	        atomic_load(&client_connections),
	        (unsigned long long)atomic_load(&refusals[METRICS_REFUSED_LIMIT]),
	        (unsigned long long)atomic_load(&refusals[METRICS_REFUSED_ADDRESS]),
	        (unsigned long long)atomic_load(&refusals[METRICS_REFUSED_MEMORY]),
	        (unsigned long long)atomic_load(&accept_failures),
	        (unsigned long long)atomic_load(&auth_notifications), token_cache_active() ? 1 : 0);
	fclose(f);
	return text;
}
