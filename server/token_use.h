/*
 * When a token was last used, written in batches: the token check is a pure read (so that it
 * could run on a standby, and be cached), and each worker collects the tokens whose
 * last_used_at is more than a minute old and writes them in one UPDATE on the primary about
 * once a second. last_used_at is therefore accurate to a minute and a second or so; a stop
 * may lose the last second's notes, never more.
 */
#ifndef PNET_TOKEN_USE_H
#define PNET_TOKEN_USE_H

struct worker;
struct token_use;

/* The worker's collector; its pool (w->db) must outlive it. */
struct token_use *token_use_new(struct worker *w);

/* Note that token_id (a UUID) was used now; written with the next batch. */
void token_use_note(struct token_use *tu, const char *token_id);

/* Send what is noted now (at shutdown). */
void token_use_flush(struct token_use *tu);

/* After the worker's pool is freed (which answers a batch still running). NULL is fine. */
void token_use_free(struct token_use *tu);

#endif
