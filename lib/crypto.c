/* Tokens, digests, MACs and password hashes on top of OpenSSL 3 libcrypto. */
#include "crypto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define SCRYPT_R         8
#define SCRYPT_P         1
#define SCRYPT_SALT_LEN  16
#define SCRYPT_HASH_LEN  32
#define SCRYPT_LOG_N_MIN 10
#define SCRYPT_LOG_N_MAX 20
/* Unpadded base64 lengths of the salt and the hash. */
#define SCRYPT_SALT_B64 22
#define SCRYPT_HASH_B64 43

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Unpadded base64 of n bytes into out with the given alphabet; returns the length. */
static size_t b64_encode(const char *alphabet, const unsigned char *in, size_t n, char *out)
{
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		unsigned long v =
		        (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		unsigned long v = (unsigned long)in[i] << 16;

		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
	} else if (n - i == 2) {
		unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;

		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return o;
}

static int b64_std_value(char c)
{
	const char *p = c ? strchr(b64_std, c) : NULL;

	return p ? (int)(p - b64_std) : -1;
}

/*
 * Decode exactly inlen characters of unpadded standard base64 into exactly outlen bytes;
 * rejects other lengths, foreign characters and non-zero trailing bits (non-canonical forms).
 */
static bool b64_std_decode_exact(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
	unsigned long acc = 0;
	int bits = 0;
	size_t o = 0;

	if (inlen != (outlen * 4 + 2) / 3)
		return false;
	for (size_t i = 0; i < inlen; i++) {
		int v = b64_std_value(in[i]);

		if (v < 0)
			return false;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1ul << bits) - 1;
		}
	}
	return o == outlen && acc == 0;
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int crypto_random_bytes(void *buf, size_t n)
{
	if (n > (size_t)INT32_MAX)
		return -EINVAL;
	if (n == 0)
		return 0;
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -EIO;
}

int crypto_token_new(char out[CRYPTO_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	int r = crypto_random_bytes(raw, sizeof(raw));

	if (r < 0)
		return r;
	memcpy(out, "pnet_", 5);
	b64_encode(b64_url, raw, sizeof(raw), out + 5);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

void crypto_sha256_hex(const void *data, size_t n, char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(n ? data : "", n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		out[0] = '\0';
		return;
	}
	hex_encode(md, mdlen, out);
}

void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
                            char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (keylen > (size_t)INT32_MAX ||
	    !HMAC(EVP_sha256(), keylen ? key : "", (int)keylen, n ? data : (const void *)"", n, md,
	          &mdlen) ||
	    mdlen != 32) {
		out[0] = '\0';
		return;
	}
	hex_encode(md, mdlen, out);
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int crypto_scrypt(const void *pass, size_t passlen, const void *salt, size_t saltlen, uint64_t n,
                  uint32_t r, uint32_t p, void *out, size_t outlen)
{
	uint64_t maxmem;

	if (n < 2 || (n & (n - 1)) || r == 0 || p == 0 || !out || outlen == 0)
		return -EINVAL;
	if ((!pass && passlen) || (!salt && saltlen))
		return -EINVAL;
	/* What OpenSSL allocates (128 r (N + 2) for V, 128 r p for B), plus slack. */
	if (n > UINT64_MAX / 256 / r)
		return -EINVAL;
	maxmem = 128 * (uint64_t)r * (n + 2) + 128 * (uint64_t)r * p + (1u << 20);
	if (EVP_PBE_scrypt(passlen ? pass : "", passlen, saltlen ? salt : (const void *)"", saltlen,
	                   n, r, p, maxmem, out, outlen) != 1)
		return -EIO;
	return 0;
}

/* Write the encoded form of one scrypt hash; -EINVAL when out is too small. */
static int encode_hash(unsigned log_n, const unsigned char *salt, const unsigned char *hash,
                       char *out, size_t outlen)
{
	char salt64[SCRYPT_SALT_B64 + 1], hash64[SCRYPT_HASH_B64 + 1];
	int len;

	b64_encode(b64_std, salt, SCRYPT_SALT_LEN, salt64);
	b64_encode(b64_std, hash, SCRYPT_HASH_LEN, hash64);
	len = snprintf(out, outlen, "$scrypt$ln=%u,r=%d,p=%d$%s$%s", log_n, SCRYPT_R, SCRYPT_P,
	               salt64, hash64);
	if (len < 0 || (size_t)len >= outlen)
		return -EINVAL;
	return 0;
}

int crypto_password_hash(const char *password, unsigned log_n, char *out, size_t outlen)
{
	unsigned char salt[SCRYPT_SALT_LEN], hash[SCRYPT_HASH_LEN];
	int r;

	if (!password || !out || log_n < SCRYPT_LOG_N_MIN || log_n > SCRYPT_LOG_N_MAX)
		return -EINVAL;
	/* The longest form: "$scrypt$ln=20,r=8,p=1$" + 22 + "$" + 43 + NUL. */
	if (outlen < 22 + SCRYPT_SALT_B64 + 1 + SCRYPT_HASH_B64 + 1)
		return -EINVAL;
	r = crypto_random_bytes(salt, sizeof(salt));
	if (r < 0)
		return r;
	r = crypto_scrypt(password, strlen(password), salt, sizeof(salt), (uint64_t)1 << log_n,
	                  SCRYPT_R, SCRYPT_P, hash, sizeof(hash));
	if (r == 0)
		r = encode_hash(log_n, salt, hash, out, outlen);
	OPENSSL_cleanse(hash, sizeof(hash));
	return r;
}

/*
 * Parse "$scrypt$ln=<1..20>,r=8,p=1$<salt>$<hash>" strictly (no leading zeros, nothing
 * after the hash); false for anything else.
 */
static bool parse_encoded(const char *s, unsigned *log_n, unsigned char *salt, unsigned char *hash)
{
	static const char head[] = "$scrypt$ln=";
	static const char params[] = ",r=8,p=1$";
	unsigned v = 0;
	const char *p, *dollar;

	if (strncmp(s, head, sizeof(head) - 1) != 0)
		return false;
	p = s + sizeof(head) - 1;
	if (*p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9' && v <= SCRYPT_LOG_N_MAX)
		v = v * 10 + (unsigned)(*p++ - '0');
	if (v < 1 || v > SCRYPT_LOG_N_MAX)
		return false;
	if (strncmp(p, params, sizeof(params) - 1) != 0)
		return false;
	p += sizeof(params) - 1;
	dollar = strchr(p, '$');
	if (!dollar || !b64_std_decode_exact(p, (size_t)(dollar - p), salt, SCRYPT_SALT_LEN))
		return false;
	p = dollar + 1;
	if (!b64_std_decode_exact(p, strlen(p), hash, SCRYPT_HASH_LEN))
		return false;
	*log_n = v;
	return true;
}

int crypto_password_verify(const char *password, const char *encoded)
{
	unsigned char salt[SCRYPT_SALT_LEN], want[SCRYPT_HASH_LEN], got[SCRYPT_HASH_LEN];
	unsigned log_n;
	int r;

	if (!password || !encoded || !parse_encoded(encoded, &log_n, salt, want))
		return -EINVAL;
	r = crypto_scrypt(password, strlen(password), salt, sizeof(salt), (uint64_t)1 << log_n,
	                  SCRYPT_R, SCRYPT_P, got, sizeof(got));
	if (r == 0)
		r = crypto_equal(got, want, sizeof(got)) ? 0 : -EACCES;
	OPENSSL_cleanse(got, sizeof(got));
	return r;
}

size_t crypto_base64url(const void *data, size_t n, char *out)
{
	return b64_encode(b64_url, data, n, out);
}
