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
/*
 * The length of a password in characters: a new one takes at least CRYPTO_PASSWORD_MIN, and
 * none is ever taken beyond CRYPTO_PASSWORD_MAX (what is hashed stays affordable).
 */
#define CRYPTO_PASSWORD_MIN 12
#define CRYPTO_PASSWORD_MAX 1024

/* Cost used when none is given: N = 2^17, r = 8, p = 1 (128 MiB, a few hundred ms). */
#define CRYPTO_SCRYPT_LOG_N_DEFAULT 17

/* Fill buf with n bytes from the CSPRNG; 0 or -EIO. */
int crypto_random_bytes(void *buf, size_t n);

/* Write a new token (CRYPTO_TOKEN_LEN characters and a NUL) into out; 0 or -EIO. */
int crypto_token_new(char out[CRYPTO_TOKEN_LEN + 1]);

/*
 * SHA-256 of data as lower-case hex into out (65 bytes with the NUL). Should libcrypto fail
 * (out of memory), out is the empty string, which never equals a real digest.
 */
void crypto_sha256_hex(const void *data, size_t n, char out[CRYPTO_SHA256_HEX_LEN + 1]);

/*
 * HMAC-SHA256 of data under key as lower-case hex into out (65 bytes with the NUL); an empty
 * key (keylen 0, key may be NULL) is allowed. On internal failure out is the empty string.
 */
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
                            char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* Constant-time comparison of two buffers of the same length. */
bool crypto_equal(const void *a, const void *b, size_t n);

/*
 * Hash a password with scrypt (N = 2^log_n, r = 8, p = 1, 16-byte random salt) into the
 * self-describing form "$scrypt$ln=<log_n>,r=8,p=1$<salt>$<hash>" (salt 16 bytes, hash
 * 32 bytes, both standard base64 without padding, as in the PHC string format), so that the
 * cost can be raised later without breaking stored hashes. Python's
 * hashlib.scrypt(pw, salt=salt, n=2**ln, r=8, p=1, dklen=32) computes the same hash.
 * 0, -EINVAL (password NULL, log_n outside 10..20, out too small: it needs at most
 * CRYPTO_PASSWORD_HASH_MAX bytes) or -EIO. Slow by design: never call it on an event loop.
 */
int crypto_password_hash(const char *password, unsigned log_n, char *out, size_t outlen);

/*
 * Check a password against an encoded hash: 0 when it matches, -EACCES when it does not,
 * -EINVAL when the encoded form is not one this code could have written (any ln 1..20 is
 * accepted, r must be 8 and p 1, salt and hash canonical unpadded base64 of 16 and 32
 * bytes), -EIO when scrypt itself fails (out of memory). Constant time in the password.
 */
int crypto_password_verify(const char *password, const char *encoded);

/*
 * Raw scrypt (RFC 7914) of pass under salt with cost N (a power of two > 1), r and p into
 * out[0..outlen); for known-answer tests and callers that need the KDF itself.
 * 0, -EINVAL (bad parameters) or -EIO.
 */
int crypto_scrypt(const void *pass, size_t passlen, const void *salt, size_t saltlen, uint64_t n,
                  uint32_t r, uint32_t p, void *out, size_t outlen);

/*
 * Base64url without padding of n bytes into out (needs 4*ceil(n/3)+1 bytes); returns the
 * length written, not counting the NUL.
 */
size_t crypto_base64url(const void *data, size_t n, char *out);

#endif
