/* libFuzzer: request paths against the router, with a table shaped like pnetd's. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "validate.h"

static void handler(struct req *r)
{
	(void)r;
}

static const struct route routes[] = {
        {"GET", "/healthz", handler},
        {"GET", "/v1/accounts/{id}", handler},
        {"PATCH", "/v1/accounts/{id}", handler},
        {"GET", "/v1/accounts/{id}/tokens", handler},
        {"GET", "/v1/networks/{id}/members/{node_id}", handler},
        {"GET", "/v1/chains/{id}/versions/{v}", handler},
        {"POST", "/v1/chains/{id}/versions/{v}/publish", handler},
        {"GET", "/v1/hsds/organizations", handler},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static const char *const methods[] = {"GET", "POST", "PATCH", "PUT", "DELETE"};
	char *path = malloc(size + 1), allow[128];
	struct route_match m;

	if (!ready) {
		router_add(routes, sizeof(routes) / sizeof(routes[0]));
		ready = 1;
	}
	memcpy(path, data, size);
	path[size] = '\0';
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		enum router_result rc = router_match(methods[i], path, &m, allow, sizeof(allow));
		if (rc == ROUTER_FOUND) {
			/* What the router lets through is what handlers rely on. */
			for (size_t p = 0; p < m.nparams; p++) {
				size_t n = strlen(m.names[p]);
				bool uuid = !strcmp(m.names[p], "id") ||
				            (n > 3 && !strcmp(m.names[p] + n - 3, "_id"));
				if (!m.values[p][0] || (uuid && !validate_uuid(m.values[p])))
					abort();
			}
		} else if (rc == ROUTER_METHOD_NOT_ALLOWED && !allow[0]) {
			abort();
		}
		router_match_clear(&m);
	}
	free(path);
	return 0;
}
