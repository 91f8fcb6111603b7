#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "util.h"
#include "validate.h"

struct compiled_route {
	const struct route *route;
	size_t nsegments;
	const char *segments[ROUTE_MAX_SEGMENTS]; /* literal, or NULL for a parameter */
	char *param_names[ROUTE_MAX_SEGMENTS];
	size_t lengths[ROUTE_MAX_SEGMENTS];
};

static struct compiled_route *table;
static size_t table_len;

static size_t split(const char *path, const char **starts, size_t *lens, size_t max)
{
	size_t n = 0;
	const char *p = path;

	if (*p != '/')
		return SIZE_MAX;
	while (*p == '/') {
		const char *s = ++p;
		while (*p && *p != '/')
			p++;
		if (p == s && !*p)
			break; /* a trailing slash */
		if (n == max)
			return SIZE_MAX;
		starts[n] = s;
		lens[n] = (size_t)(p - s);
		n++;
	}
	return n;
}

void router_add(const struct route *routes, size_t n)
{
	table = xrealloc(table, (table_len + n) * sizeof(*table));
	for (size_t i = 0; i < n; i++) {
		struct compiled_route *c = &table[table_len++];
		const char *starts[ROUTE_MAX_SEGMENTS];
		size_t nparams = 0;

		memset(c, 0, sizeof(*c));
		c->route = &routes[i];
		c->nsegments = split(routes[i].pattern, starts, c->lengths, ROUTE_MAX_SEGMENTS);
		if (c->nsegments == SIZE_MAX) {
			fprintf(stderr, "router: bad pattern %s\n", routes[i].pattern);
			abort();
		}
		for (size_t s = 0; s < c->nsegments; s++) {
			if (starts[s][0] == '{' && starts[s][c->lengths[s] - 1] == '}') {
				c->param_names[s] = xstrndup(starts[s] + 1, c->lengths[s] - 2);
				if (++nparams > ROUTE_MAX_PARAMS)
					abort();
			} else {
				c->segments[s] = starts[s];
			}
		}
	}
}

static bool wants_uuid(const char *name)
{
	size_t n = strlen(name);
	return !strcmp(name, "id") || (n > 3 && !strcmp(name + n - 3, "_id"));
}

static bool match_one(const struct compiled_route *c, const char **starts, const size_t *lens,
                      size_t n, struct route_match *m)
{
	if (n != c->nsegments)
		return false;
	for (size_t s = 0; s < n; s++)
		if (c->segments[s] &&
		    (lens[s] != c->lengths[s] || memcmp(starts[s], c->segments[s], lens[s])))
			return false;
	if (!m)
		return true;
	m->nparams = 0;
	for (size_t s = 0; s < n; s++) {
		char *value;

		if (c->segments[s])
			continue;
		/* Strict: "%00" (which would cut the value short) or "%zz" match nothing. */
		value = query_decode(starts[s], lens[s], false);
		if (!value || !*value || (wants_uuid(c->param_names[s]) && !validate_uuid(value))) {
			free(value);
			router_match_clear(m);
			return false;
		}
		m->names[m->nparams] = c->param_names[s];
		m->values[m->nparams++] = value;
	}
	return true;
}

enum router_result router_match(const char *method, const char *path, struct route_match *m,
                                char *allow, size_t allowlen)
{
	const char *starts[ROUTE_MAX_SEGMENTS + 1];
	size_t lens[ROUTE_MAX_SEGMENTS + 1], n;
	bool path_known = false;

	memset(m, 0, sizeof(*m));
	if (allowlen)
		allow[0] = '\0';
	n = split(path, starts, lens, ROUTE_MAX_SEGMENTS + 1);
	if (n == SIZE_MAX || n > ROUTE_MAX_SEGMENTS)
		return ROUTER_NOT_FOUND;
	for (size_t i = 0; i < table_len; i++) {
		const struct compiled_route *c = &table[i];

		if (strcmp(c->route->method, method) != 0)
			continue;
		if (match_one(c, starts, lens, n, m)) {
			m->route = c->route;
			m->index = i;
			return ROUTER_FOUND;
		}
	}
	/* Same path, other method: collect what is allowed (validating parameters too). */
	for (size_t i = 0; i < table_len; i++) {
		struct route_match probe;

		memset(&probe, 0, sizeof(probe));
		if (!match_one(&table[i], starts, lens, n, &probe))
			continue;
		router_match_clear(&probe);
		if (allowlen && !strstr(allow, table[i].route->method)) {
			size_t used = strlen(allow);
			snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "",
			         table[i].route->method);
		}
		path_known = true;
	}
	/* GET routes answer HEAD too (http.c): say so. */
	if (allowlen && strstr(allow, "GET") && !strstr(allow, "HEAD")) {
		size_t used = strlen(allow);
		snprintf(allow + used, allowlen - used, ", HEAD");
	}
	return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

void router_match_clear(struct route_match *m)
{
	for (size_t i = 0; i < m->nparams; i++)
		free(m->values[i]);
	m->nparams = 0;
}

size_t router_count(void)
{
	return table_len;
}

const struct route *router_get(size_t i)
{
	return i < table_len ? table[i].route : NULL;
}

void router_reset(void)
{
	for (size_t i = 0; i < table_len; i++)
		for (size_t s = 0; s < table[i].nsegments; s++)
			free(table[i].param_names[s]);
	free(table);
	table = NULL;
	table_len = 0;
}
