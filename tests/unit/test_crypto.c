/* Unit tests of lib/crypto.c: known-answer vectors, round trips and malformed hashes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Made with Python: base64.b64encode(hashlib.scrypt(pw, salt=bytes(range(16)), n=2**17, r=8,
 * p=1, maxmem=2**28, dklen=32)).rstrip(b'='), the way the demo data is generated.
 */
static const char python_pw[] = "Korrekt Pferd Batterie Heftklammer \xc3\xbc";
static const char python_hash[] =
        "$scrypt$ln=17,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$tABiVyGg80SVRt9M9MOWH/qUlETBkio9FuChOFmqg6I";
/* The same with salt b'pnet-demo-salt!!', password b'demo', n=2**10 and with n=2**1. */
static const char python_hash_ln10[] =
        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw";
static const char python_hash_ln1_x[] =
        "$scrypt$ln=1,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$IFjErWkIFzI2HJaQ9pwJklNx8iYIn42S9JlqFpZENTs";

static void hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static void sha256_vectors(void **state)
{
	char out[CRYPTO_SHA256_HEX_LEN + 1];
	char *million = malloc(1000000);

	crypto_sha256_hex("", 0, out);
	assert_string_equal(out,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	crypto_sha256_hex(NULL, 0, out);
	assert_string_equal(out,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	crypto_sha256_hex("abc", 3, out);
	assert_string_equal(out,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	assert_string_equal(out,
	                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_non_null(million);
	memset(million, 'a', 1000000);
	crypto_sha256_hex(million, 1000000, out);
	assert_string_equal(out,
	                    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

/* RFC 4231 test cases 1-4, 6 and 7 (case 5 is a truncated MAC, checked by prefix). */
static void hmac_rfc4231(void **state)
{
	unsigned char k20[20], k25[25], k131[131], d50[50];
	char out[CRYPTO_SHA256_HEX_LEN + 1];
	static const char big_key[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char big_data[] =
	        "This is a test using a larger than block-size key and a larger than block-size "
	        "data. The key needs to be hashed before being used by the HMAC algorithm.";

	memset(k20, 0x0b, sizeof(k20));
	crypto_hmac_sha256_hex(k20, 20, "Hi There", 8, out);
	assert_string_equal(out,
	                    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	crypto_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_string_equal(out,
	                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	memset(k20, 0xaa, sizeof(k20));
	memset(d50, 0xdd, sizeof(d50));
	crypto_hmac_sha256_hex(k20, 20, d50, 50, out);
	assert_string_equal(out,
	                    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

	for (int i = 0; i < 25; i++)
		k25[i] = (unsigned char)(i + 1);
	memset(d50, 0xcd, sizeof(d50));
	crypto_hmac_sha256_hex(k25, 25, d50, 50, out);
	assert_string_equal(out,
	                    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

	memset(k20, 0x0c, sizeof(k20));
	crypto_hmac_sha256_hex(k20, 20, "Test With Truncation", 20, out);
	assert_memory_equal(out, "a3b6167473100ee06e0c796c2955552b", 32);

	memset(k131, 0xaa, sizeof(k131));
	crypto_hmac_sha256_hex(k131, 131, big_key, strlen(big_key), out);
	assert_string_equal(out,
	                    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	crypto_hmac_sha256_hex(k131, 131, big_data, strlen(big_data), out);
	assert_string_equal(out,
	                    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void hmac_empty(void **state)
{
	char out[CRYPTO_SHA256_HEX_LEN + 1];

	crypto_hmac_sha256_hex(NULL, 0, NULL, 0, out);
	assert_string_equal(out,
	                    "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

/* RFC 7914 section 12, the first two vectors, through the raw KDF. */
static void scrypt_rfc7914(void **state)
{
	unsigned char dk[64];
	char out[129];

	assert_int_equal(crypto_scrypt("", 0, "", 0, 16, 1, 1, dk, 64), 0);
	hex(dk, 64, out);
	assert_string_equal(out,
	                    "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede214"
	                    "42fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
	assert_int_equal(crypto_scrypt("password", 8, "NaCl", 4, 1024, 8, 16, dk, 64), 0);
	hex(dk, 64, out);
	assert_string_equal(out,
	                    "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731"
	                    "622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

static void scrypt_bad_parameters(void **state)
{
	unsigned char dk[32];

	assert_int_equal(crypto_scrypt("a", 1, "b", 1, 0, 8, 1, dk, 32), -EINVAL);
	assert_int_equal(crypto_scrypt("a", 1, "b", 1, 1, 8, 1, dk, 32), -EINVAL);
	assert_int_equal(crypto_scrypt("a", 1, "b", 1, 1000, 8, 1, dk, 32), -EINVAL);
	assert_int_equal(crypto_scrypt("a", 1, "b", 1, 1024, 0, 1, dk, 32), -EINVAL);
	assert_int_equal(crypto_scrypt("a", 1, "b", 1, 1024, 8, 0, dk, 32), -EINVAL);
	assert_int_equal(crypto_scrypt("a", 1, "b", 1, 1024, 8, 1, dk, 0), -EINVAL);
	assert_int_equal(crypto_scrypt(NULL, 1, "b", 1, 1024, 8, 1, dk, 32), -EINVAL);
}

static void python_vector_default_cost(void **state)
{
	assert_int_equal(crypto_password_verify(python_pw, python_hash), 0);
	assert_int_equal(
	        crypto_password_verify("Korrekt Pferd Batterie Heftklammer u", python_hash),
	        -EACCES);
}

static void python_vectors_low_cost(void **state)
{
	assert_int_equal(crypto_password_verify("demo", python_hash_ln10), 0);
	assert_int_equal(crypto_password_verify("Demo", python_hash_ln10), -EACCES);
	assert_int_equal(crypto_password_verify("demo ", python_hash_ln10), -EACCES);
	assert_int_equal(crypto_password_verify("", python_hash_ln10), -EACCES);
	/* verify accepts any ln 1..20 written in the string, not only the 10..20 it writes. */
	assert_int_equal(crypto_password_verify("x", python_hash_ln1_x), 0);
	assert_int_equal(crypto_password_verify("y", python_hash_ln1_x), -EACCES);
}

static void hash_round_trip(void **state)
{
	char a[CRYPTO_PASSWORD_HASH_MAX], b[CRYPTO_PASSWORD_HASH_MAX];

	assert_int_equal(crypto_password_hash("s3cret \xe2\x82\xac", 10, a, sizeof(a)), 0);
	assert_int_equal(strncmp(a, "$scrypt$ln=10,r=8,p=1$", 22), 0);
	assert_int_equal(strlen(a), 22 + 22 + 1 + 43);
	assert_null(strchr(a + 22, '='));
	assert_int_equal(crypto_password_verify("s3cret \xe2\x82\xac", a), 0);
	assert_int_equal(crypto_password_verify("s3cret", a), -EACCES);
	assert_int_equal(crypto_password_verify("S3cret \xe2\x82\xac", a), -EACCES);
	/* A fresh salt each time: the same password hashes differently. */
	assert_int_equal(crypto_password_hash("s3cret \xe2\x82\xac", 10, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(crypto_password_verify("s3cret \xe2\x82\xac", b), 0);
	/* The empty password is hashed like any other. */
	assert_int_equal(crypto_password_hash("", 10, a, sizeof(a)), 0);
	assert_int_equal(crypto_password_verify("", a), 0);
	assert_int_equal(crypto_password_verify(" ", a), -EACCES);
}

static void hash_round_trip_default_cost(void **state)
{
	char a[CRYPTO_PASSWORD_HASH_MAX];

	assert_int_equal(
	        crypto_password_hash("pnet-default", CRYPTO_SCRYPT_LOG_N_DEFAULT, a, sizeof(a)), 0);
	assert_int_equal(strncmp(a, "$scrypt$ln=17,r=8,p=1$", 22), 0);
	assert_int_equal(crypto_password_verify("pnet-default", a), 0);
}

static void hash_bad_arguments(void **state)
{
	char a[CRYPTO_PASSWORD_HASH_MAX];

	assert_int_equal(crypto_password_hash("pw", 9, a, sizeof(a)), -EINVAL);
	assert_int_equal(crypto_password_hash("pw", 21, a, sizeof(a)), -EINVAL);
	assert_int_equal(crypto_password_hash("pw", 0, a, sizeof(a)), -EINVAL);
	assert_int_equal(crypto_password_hash(NULL, 10, a, sizeof(a)), -EINVAL);
	assert_int_equal(crypto_password_hash("pw", 10, a, 60), -EINVAL);
	assert_int_equal(crypto_password_hash("pw", 10, NULL, 0), -EINVAL);
	assert_int_equal(crypto_password_verify(NULL, python_hash_ln10), -EINVAL);
	assert_int_equal(crypto_password_verify("demo", NULL), -EINVAL);
}

/* Every way an encoded hash can be malformed is -EINVAL, never a match or a mismatch. */
static void verify_tampered(void **state)
{
	static const char *const bad[] = {
	        "",
	        "$scrypt$",
	        "demo",
	        "$scrypt2$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$SCRYPT$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=0,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=21,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=010,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=99999999999,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=10,r=16,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=10,r=8,p=2$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$r=8,ln=10,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        /* salt: too short, too long, padded, foreign character, non-zero trailing bits */
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhI$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQA$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ==$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQh-Q$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIR$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        /* hash: too short, too long, padded, foreign character, non-zero trailing bits */
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVf",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfwA",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw=",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOV_w",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfx",
	        /* structure */
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw$",
	        "$scrypt$ln=10,r=8,p=1$$phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        " $scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw",
	        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw\n",
	        "$pbkdf2-sha256$i=600000$c2FsdA$aGFzaA",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = crypto_password_verify("demo", bad[i]);

		if (r != -EINVAL)
			fail_msg("case %zu: expected -EINVAL, got %d for %s", i, r, bad[i]);
	}
}

/* A well-formed string whose hash bytes were changed is a mismatch, not malformed. */
static void verify_tampered_hash_bytes(void **state)
{
	/* The last character 'w' (110000) becomes 'g' (100000): canonical, another hash. */
	assert_int_equal(crypto_password_verify("demo",
	                                        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	                                        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfg"),
	                 -EACCES);
	/* Another salt. */
	assert_int_equal(crypto_password_verify("demo",
	                                        "$scrypt$ln=10,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIA$"
	                                        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw"),
	                 -EACCES);
	/* Another cost. */
	assert_int_equal(crypto_password_verify("demo",
	                                        "$scrypt$ln=11,r=8,p=1$cG5ldC1kZW1vLXNhbHQhIQ$"
	                                        "phogEuDMGFr0sgKkEn1EO10P213u91zv3wk3NaWOVfw"),
	                 -EACCES);
}

static void token_shape(void **state)
{
	char a[CRYPTO_TOKEN_LEN + 1], b[CRYPTO_TOKEN_LEN + 1];

	assert_int_equal(crypto_token_new(a), 0);
	assert_int_equal(crypto_token_new(b), 0);
	assert_int_equal(strlen(a), CRYPTO_TOKEN_LEN);
	assert_int_equal(strncmp(a, "pnet_", 5), 0);
	for (size_t i = 5; i < CRYPTO_TOKEN_LEN; i++) {
		char c = a[i];

		assert_true((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		            (c >= '0' && c <= '9') || c == '-' || c == '_');
	}
	assert_string_not_equal(a, b);
}

static void random_bytes(void **state)
{
	unsigned char a[32] = {0}, b[32] = {0}, zero[32] = {0};

	assert_int_equal(crypto_random_bytes(a, sizeof(a)), 0);
	assert_int_equal(crypto_random_bytes(b, sizeof(b)), 0);
	assert_int_equal(crypto_random_bytes(NULL, 0), 0);
	assert_memory_not_equal(a, b, 32);
	assert_memory_not_equal(a, zero, 32);
}

static void base64url_vectors(void **state)
{
	char out[16];

	assert_int_equal(crypto_base64url("", 0, out), 0);
	assert_string_equal(out, "");
	assert_int_equal(crypto_base64url("f", 1, out), 2);
	assert_string_equal(out, "Zg");
	assert_int_equal(crypto_base64url("fo", 2, out), 3);
	assert_string_equal(out, "Zm8");
	assert_int_equal(crypto_base64url("foo", 3, out), 4);
	assert_string_equal(out, "Zm9v");
	assert_int_equal(crypto_base64url("foobar", 6, out), 8);
	assert_string_equal(out, "Zm9vYmFy");
	assert_int_equal(crypto_base64url("\xfb\xff", 2, out), 3);
	assert_string_equal(out, "-_8");
}

static void constant_time_equal(void **state)
{
	assert_true(crypto_equal("abc", "abc", 3));
	assert_false(crypto_equal("abc", "abd", 3));
	assert_true(crypto_equal("abc", "abd", 2));
	assert_true(crypto_equal("", "", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(sha256_vectors),
	        cmocka_unit_test(hmac_rfc4231),
	        cmocka_unit_test(hmac_empty),
	        cmocka_unit_test(scrypt_rfc7914),
	        cmocka_unit_test(scrypt_bad_parameters),
	        cmocka_unit_test(python_vector_default_cost),
	        cmocka_unit_test(python_vectors_low_cost),
	        cmocka_unit_test(hash_round_trip),
	        cmocka_unit_test(hash_round_trip_default_cost),
	        cmocka_unit_test(hash_bad_arguments),
	        cmocka_unit_test(verify_tampered),
	        cmocka_unit_test(verify_tampered_hash_bytes),
	        cmocka_unit_test(token_shape),
	        cmocka_unit_test(random_bytes),
	        cmocka_unit_test(base64url_vectors),
	        cmocka_unit_test(constant_time_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
