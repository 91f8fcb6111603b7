#include "tls.h"

#include <stdlib.h>

#include "log.h"
#include "pnet_config.h"

#if PNET_HAVE_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>

static SSL_CTX *ctx;

static void log_ssl_error(const char *what)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	log_error("%s: %s", what, buf);
}

bool tls_init(const char *cert, const char *key, const char *ciphers, const char *ciphersuites)
{
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		log_ssl_error("TLS context");
		return false;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* OpenSSL's own default list keeps static RSA and CBC suites for TLS 1.2. */
	if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		log_ssl_error("tls-ciphers");
		tls_free();
		return false;
	}
	if (SSL_CTX_set_ciphersuites(ctx, ciphersuites) != 1) {
		log_ssl_error("tls-ciphersuites");
		tls_free();
		return false;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		log_ssl_error("tls-cert");
		tls_free();
		return false;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		log_ssl_error("tls-key");
		tls_free();
		return false;
	}
	return true;
}

struct bufferevent *tls_bufferevent(struct event_base *base)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                      BEV_OPT_CLOSE_ON_FREE);
}

struct ssl_ctx_st *tls_client_ctx(const char *ca_file, const char *who)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	if (!c) {
		log_error("%s: cannot create a TLS context", who);
		abort();
	}
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	if (ca_file ? SSL_CTX_load_verify_locations(c, ca_file, NULL) != 1
	            : SSL_CTX_set_default_verify_paths(c) != 1)
		log_warn("%s: cannot load CA certificates%s%s; its TLS connections will fail", who,
		         ca_file ? " from " : "", ca_file ? ca_file : "");
	return c;
}

bool tls_enabled(void)
{
	return ctx != NULL;
}

void tls_free(void)
{
	SSL_CTX_free(ctx);
	ctx = NULL;
}
#else
bool tls_init(const char *cert, const char *key, const char *ciphers, const char *ciphersuites)
{
	log_error("this pnetd was built without TLS (meson -Dtls=enabled)");
	return false;
}

struct bufferevent *tls_bufferevent(struct event_base *base)
{
	return NULL;
}

bool tls_enabled(void)
{
	return false;
}

void tls_free(void)
{
}
#endif
