/* Tokens, password hashes, MACs: everything secret goes through here (OpenSSL libcrypto). */
#ifndef PNET_CRYPTO_H
#define PNET_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A token as handed to a client: "pnet_" + 43 base64url characters (32 random bytes). */
#define CRYPTO_TOKEN_LEN 48
/* A SHA-256 as lower-case hex. */
#define CRYPTO_SHA256_HEX_LEN 64
/* Longest encoded password hash crypto_password_hash writes, with its NUL. */
#define CRYPTO_PASSWORD_HASH_MAX 160

/* Cost used when none is given: N = 2^17, r = 8, p = 1 (128 MiB, a few hundred ms). */
#define CRYPTO_SCRYPT_LOG_N_DEFAULT 17

/* Fill buf with n bytes from the CSPRNG; 0 or -EIO. */
int crypto_random_bytes(void *buf, size_t n);

/* Write a new token (CRYPTO_TOKEN_LEN characters and a NUL) into out; 0 or -EIO. */
int crypto_token_new(char out[CRYPTO_TOKEN_LEN + 1]);

/* SHA-256 of data as hex into out (65 bytes with the NUL). */
void crypto_sha256_hex(const void *data, size_t n, char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* HMAC-SHA256 of data under key as hex into out (65 bytes with the NUL). */
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
			    char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* Constant-time comparison of two buffers of the same length. */
bool crypto_equal(const void *a, const void *b, size_t n);

/*
 * Hash a password with scrypt (N = 2^log_n, r = 8, p = 1, 16-byte random salt) into the
 * self-describing form "$scrypt$ln=17,r=8,p=1$<salt>$<hash>" (salt 16 bytes,
 * hash 32 bytes, both standard base64 without padding, as in the PHC string format), so that the cost can
 * be raised later without breaking stored hashes. 0, -EINVAL (log_n outside 10..20, out too
 * small) or -EIO. Slow by design: never call it on an event loop.
 */
int crypto_password_hash(const char *password, unsigned log_n, char *out, size_t outlen);

/*
 * Check a password against an encoded hash: 0 when it matches, -EACCES when it does not,
 * -EINVAL when the encoded form is not one this code wrote. Constant time in the password.
 */
int crypto_password_verify(const char *password, const char *encoded);

/* Base64url without padding of n bytes into out (needs 4*ceil(n/3)+1 bytes); returns length. */
size_t crypto_base64url(const void *data, size_t n, char *out);

#endif
