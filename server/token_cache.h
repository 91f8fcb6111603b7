/*
 * Token checks remembered per worker, so that a request with a known token costs no round
 * trip (docs/architecture.md, "Accounts and tokens"). Only tokens found valid are kept, with
 * the account as the check found it. Every change that could make a kept check wrong
 * (a token revoked or deleted, an account disabled, its role, node, networks or password
 * rule changed) makes PostgreSQL NOTIFY pnet_auth (triggers in schema/functions/accounts.sql);
 * the event listener (notify.c) then moves the process's generation on, and every check kept
 * under an older generation is forgotten. While the listener is not listening nothing is
 * kept or used: a notification missed then would leave a revoked token in use.
 */
#ifndef PNET_TOKEN_CACHE_H
#define PNET_TOKEN_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct auth;
struct token_cache;

/* One worker's cache (used by that worker's thread only). */
struct token_cache *token_cache_new(void);
void token_cache_free(struct token_cache *tc);

/*
 * The generation now: taken before the token check is sent, so that a check answered after
 * a change was notified is never kept as current.
 */
uint64_t token_cache_generation(void);

/* Fill a with the kept check of the token whose SHA-256 (hex) is hash; false when none. */
bool token_cache_get(struct token_cache *tc, const char *hash, struct auth *a);

/*
 * Keep a's check of hash, made at generation gen; the token expires at expires (Unix time).
 * Whether its last use was noted a minute ago or less is kept too (token_cache_due_note).
 */
void token_cache_put(struct token_cache *tc, const char *hash, uint64_t gen, const struct auth *a,
                     time_t expires);

/* Whether the kept token of hash is due to have its use noted again (once a minute). */
bool token_cache_due_note(struct token_cache *tc, const char *hash);

/* Forget every kept check in every worker: a change was notified, or may have been missed. */
void token_cache_invalidate(void);

/* The listener's state: while false, nothing is kept or used. */
void token_cache_set_listening(bool listening);

/* Whether checks are kept now (the listener listens). */
bool token_cache_active(void);

#endif
