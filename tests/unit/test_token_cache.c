/* server/token_cache.c: which token checks are kept, and when they are gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "http.h"
#include "token_cache.h"

#define HASH_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static char no_networks[] = "{}", scopes[] = "{referrals:read}";

static struct auth caseworker(void)
{
	struct auth a = {.role = 4, .integration = true};

	strcpy(a.account_id, "00000000-0000-4000-8000-000000000001");
	strcpy(a.token_id, "00000000-0000-4000-8000-000000000002");
	strcpy(a.login, "fachkraft");
	a.network_ids = no_networks;
	a.scopes = scopes;
	return a;
}

/* Whether hash is kept (and, when it is, that it is the check put). */
static bool kept(struct token_cache *tc, const char *hash)
{
	struct auth got = {0};

	if (!token_cache_get(tc, hash, &got))
		return false;
	assert_string_equal(got.login, "fachkraft");
	assert_string_equal(got.scopes, "{referrals:read}");
	assert_true(got.integration);
	free(got.network_ids);
	free(got.scopes);
	return true;
}

static void kept_while_listening_until_notified(void **state)
{
	struct token_cache *tc = token_cache_new();
	struct auth a = caseworker();
	uint64_t gen;

	token_cache_set_listening(true);
	gen = token_cache_generation();
	token_cache_put(tc, HASH_A, gen, &a, time(NULL) + 3600);
	assert_true(kept(tc, HASH_A));
	assert_true(kept(tc, HASH_A)); /* a hit does not use it up */
	assert_false(kept(tc, HASH_B));
	token_cache_invalidate(); /* NOTIFY pnet_auth */
	assert_false(kept(tc, HASH_A));
	token_cache_free(tc);
}

static void a_check_answered_after_a_notification_is_not_kept(void **state)
{
	struct token_cache *tc = token_cache_new();
	struct auth a = caseworker();
	uint64_t gen;

	token_cache_set_listening(true);
	gen = token_cache_generation(); /* the check is sent ... */
	token_cache_invalidate();       /* ... a revocation is notified meanwhile ... */
	token_cache_put(tc, HASH_A, gen, &a, time(NULL) + 3600); /* ... then it answers */
	assert_false(kept(tc, HASH_A));
	token_cache_free(tc);
}

static void nothing_kept_or_used_without_the_listener(void **state)
{
	struct token_cache *tc = token_cache_new();
	struct auth a = caseworker();

	token_cache_set_listening(true);
	token_cache_put(tc, HASH_A, token_cache_generation(), &a, time(NULL) + 3600);
	token_cache_set_listening(false);
	assert_false(token_cache_active());
	assert_false(kept(tc, HASH_A));
	token_cache_put(tc, HASH_B, token_cache_generation(), &a, time(NULL) + 3600);
	token_cache_set_listening(true); /* back: what was kept before may have missed news */
	assert_false(kept(tc, HASH_B));
	token_cache_free(tc);
}

static void never_past_the_tokens_expiry(void **state)
{
	struct token_cache *tc = token_cache_new();
	struct auth a = caseworker();

	token_cache_set_listening(true);
	token_cache_put(tc, HASH_A, token_cache_generation(), &a, time(NULL) - 1);
	assert_false(kept(tc, HASH_A));
	assert_false(token_cache_due_note(tc, HASH_A));
	token_cache_free(tc);
}

static void a_malformed_hash_is_never_kept(void **state)
{
	struct token_cache *tc = token_cache_new();
	struct auth a = caseworker();

	token_cache_set_listening(true);
	token_cache_put(tc, "abc", token_cache_generation(), &a, time(NULL) + 3600);
	assert_false(kept(tc, "abc"));
	token_cache_free(tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(kept_while_listening_until_notified),
	        cmocka_unit_test(a_check_answered_after_a_notification_is_not_kept),
	        cmocka_unit_test(nothing_kept_or_used_without_the_listener),
	        cmocka_unit_test(never_past_the_tokens_expiry),
	        cmocka_unit_test(a_malformed_hash_is_never_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
