#include "token_cache.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "http.h"
#include "util.h"

/* Direct-mapped: a token whose slot is taken by another replaces it (then costs a check). */
#define SLOTS 1024
/* A kept check is asked again after this long anyway, a bound on anything unforeseen. */
#define MAX_AGE_S 300
/* The last use of a token is noted at most this often (token_use.c). */
#define NOTE_EVERY_S 60

struct entry {
	char hash[CRYPTO_SHA256_HEX_LEN + 1]; /* "" when the slot is free */
	uint64_t gen;
	time_t expires;  /* the token's own expiry, or MAX_AGE_S after it was kept */
	time_t noted_at; /* when its use was last noted */
	struct auth auth;
};

struct token_cache {
	struct entry slots[SLOTS];
};

static _Atomic uint64_t generation = 1;
static atomic_bool listening;

uint64_t token_cache_generation(void)
{
	return atomic_load(&generation);
}

void token_cache_invalidate(void)
{
	atomic_fetch_add(&generation, 1);
}

void token_cache_set_listening(bool on)
{
	/* Whatever was kept before a (re)connection may have missed a notification. */
	atomic_fetch_add(&generation, 1);
	atomic_store(&listening, on);
}

bool token_cache_active(void)
{
	return atomic_load(&listening);
}

struct token_cache *token_cache_new(void)
{
	return xcalloc(1, sizeof(struct token_cache));
}

static void entry_clear(struct entry *e)
{
	free(e->auth.network_ids);
	free(e->auth.scopes);
	memset(e, 0, sizeof(*e));
}

void token_cache_free(struct token_cache *tc)
{
	if (!tc)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		entry_clear(&tc->slots[i]);
	free(tc);
}

static struct entry *slot_of(struct token_cache *tc, const char *hash)
{
	/* The hash is SHA-256 hex: its first characters are as good as any hash of it. */
	unsigned n = 0;

	for (int i = 0; i < 8; i++)
		n = n * 16 +
		    (unsigned)(hash[i] <= '9' ? hash[i] - '0' : (hash[i] | 0x20) - 'a' + 10);
	return &tc->slots[n % SLOTS];
}

/* The live entry of hash, or NULL (a stale one is cleared on the way). */
static struct entry *find(struct token_cache *tc, const char *hash)
{
	struct entry *e;

	if (!tc || strlen(hash) != CRYPTO_SHA256_HEX_LEN)
		return NULL;
	e = slot_of(tc, hash);
	if (strcmp(e->hash, hash) != 0)
		return NULL;
	if (!atomic_load(&listening) || e->gen != atomic_load(&generation) ||
	    time(NULL) >= e->expires) {
		entry_clear(e);
		return NULL;
	}
	return e;
}

bool token_cache_get(struct token_cache *tc, const char *hash, struct auth *a)
{
	struct entry *e = find(tc, hash);

	if (!e)
		return false;
	*a = e->auth;
	a->network_ids = xstrdup(e->auth.network_ids);
	a->scopes = xstrdup(e->auth.scopes);
	return true;
}

void token_cache_put(struct token_cache *tc, const char *hash, uint64_t gen, const struct auth *a,
                     time_t expires)
{
	struct entry *e;
	time_t now = time(NULL);

	if (!tc || strlen(hash) != CRYPTO_SHA256_HEX_LEN || !atomic_load(&listening) ||
	    gen != atomic_load(&generation))
		return;
	e = slot_of(tc, hash);
	entry_clear(e);
	memcpy(e->hash, hash, sizeof(e->hash));
	e->gen = gen;
	e->expires = expires < now + MAX_AGE_S ? expires : now + MAX_AGE_S;
	e->noted_at = now;
	e->auth = *a;
	e->auth.network_ids = xstrdup(a->network_ids ? a->network_ids : "{}");
	e->auth.scopes = xstrdup(a->scopes ? a->scopes : "{}");
}

bool token_cache_due_note(struct token_cache *tc, const char *hash)
{
	struct entry *e = find(tc, hash);
	time_t now = time(NULL);

	if (!e || now - e->noted_at < NOTE_EVERY_S)
		return false;
	e->noted_at = now;
	return true;
}
