/*
 * Webhook deliveries of one process, on worker 0's loop: claim due deliveries with
 * FOR UPDATE SKIP LOCKED and a lease (a crash lets the lease expire and another process, or
 * this one restarted, tries again), resolve the host asynchronously, refuse private targets
 * (SSRF) unless allowed, POST the signed event with libevent's HTTP client (TLS through
 * bufferevent_openssl, certificate and host name verified), and record the attempt.
 */
#ifndef PNET_WEBHOOK_H
#define PNET_WEBHOOK_H

#include <stdbool.h>

struct worker;
struct webhook_dispatcher;

struct webhook_dispatcher *webhooks_start(struct worker *w);

/* Events arrived: look for due deliveries now rather than at the next poll. */
void webhooks_wake(struct webhook_dispatcher *d);

/* SIGTERM: claim nothing more; deliveries under way finish (they hold the worker). */
void webhooks_drain(struct webhook_dispatcher *d);

/* After the worker's pool is freed: drop what is still under way (leases expire). NULL ok. */
void webhooks_free(struct webhook_dispatcher *d);

/*
 * Why url cannot be a webhook target (scheme, host, user info, a literal private address),
 * or NULL when it can. Host names are checked again, resolved, at each delivery.
 */
const char *webhook_url_problem(const char *url);

#endif
