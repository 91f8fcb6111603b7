/* HTTPS for pnetd: one SSL_CTX (TLS 1.2+) shared by the workers' evhttp instances. */
#ifndef PNET_TLS_H
#define PNET_TLS_H

#include <stdbool.h>

struct evhttp;

/* Load cert and key; false after logging why. */
bool tls_init(const char *cert, const char *key);

/* Make http speak TLS on every connection it accepts (tls_init first). */
void tls_attach(struct evhttp *http);

bool tls_enabled(void);

void tls_free(void);

#endif
