/*
 * HTTPS for pnetd: one SSL_CTX shared by the workers' evhttp instances. TLS 1.2 and 1.3 only,
 * with the cipher suites of --tls-ciphers (TLS 1.2) and --tls-ciphersuites (TLS 1.3); the
 * defaults are ECDHE with AEAD only (BSI TR-02102-2), docs/operations.md "TLS".
 */
#ifndef PNET_TLS_H
#define PNET_TLS_H

#include <stdbool.h>

struct bufferevent;
struct event_base;

/* Load cert and key and set the suites; false after logging why. */
bool tls_init(const char *cert, const char *key, const char *ciphers, const char *ciphersuites);

/* A bufferevent that speaks TLS as the server, for a connection evhttp accepts (tls_init first). */
struct bufferevent *tls_bufferevent(struct event_base *base);

bool tls_enabled(void);

void tls_free(void);

/*
 * A TLS client context that checks the peer's certificate (TLS 1.2 and up) against ca_file,
 * or the system's CAs without one; who names the user in the log (a failure to load the CAs
 * is logged, and then every handshake fails). Only with TLS (PNET_HAVE_TLS); abort()s when
 * OpenSSL cannot make one.
 */
struct ssl_ctx_st *tls_client_ctx(const char *ca_file, const char *who);

#endif
