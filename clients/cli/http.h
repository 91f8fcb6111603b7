/*
 * A small blocking HTTP(S) client over libevent's evhttp: one request, one connection, its
 * own event loop run until the answer arrives or the timeout passes. TLS verifies the
 * server's certificate chain and its name (or IP address).
 */
#ifndef PNET_CLI_HTTP_H
#define PNET_CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* Where the server is, parsed from a URL such as https://pnet.example.org:8443/base. */
struct http_target {
	bool tls;
	char host[256]; /* without brackets for IPv6 */
	int port;
	char prefix[512]; /* path before /v1/..., without a trailing slash ("" for none) */
};

/* Parse url into t; false (with a message in err) when it is not an http(s) URL we can use. */
bool http_target_parse(const char *url, struct http_target *t, char *err, size_t errlen);

struct http_options {
	const char *cacert; /* PEM CA file to trust instead of the system store; NULL: system */
	long timeout;       /* seconds */
};

struct http_response {
	int status;
	char *body; /* NUL-terminated; len bytes */
	size_t len;
	char *content_type; /* NULL when absent */
	char *etag;         /* NULL when absent */
};

/*
 * Send method path (path already holds the prefix and query) with optional headers (NULL
 * values are skipped): token as Bearer authorization, body as application/json, if_match.
 * 0 and *resp filled when an answer arrived (any status); -1 and a message in err when
 * there was none (name not resolved, refused, TLS failure, timeout).
 */
int http_send(const struct http_target *t, const struct http_options *o, const char *method,
              const char *path, const char *token, const char *body, const char *if_match,
              struct http_response *resp, char *err, size_t errlen);

void http_response_clear(struct http_response *resp);

#endif
