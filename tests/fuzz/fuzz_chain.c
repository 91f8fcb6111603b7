/* libFuzzer: chain graphs (as the API's JSON) through validation and next-step computation. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "chain.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL), *steps, *edges, *v;
	struct chain_step *gs = NULL;
	struct chain_edge *ge = NULL;
	struct chain_report *report = NULL;
	const char **done = NULL;
	size_t ns, ne, nd = 0, i, *out = NULL;

	steps = json_object_get(doc, "steps");
	edges = json_object_get(doc, "edges");
	if (!json_is_array(steps) || !json_is_array(edges) || json_array_size(steps) > 64 ||
	    json_array_size(edges) > 256)
		goto out;
	ns = json_array_size(steps);
	ne = json_array_size(edges);
	gs = calloc(ns + 1, sizeof(*gs));
	ge = calloc(ne + 1, sizeof(*ge));
	done = calloc(ns + 1, sizeof(*done));
	out = calloc(ns + 1, sizeof(*out));
	json_array_foreach(steps, i, v) {
		gs[i].key = json_get_string(v, "key");
		gs[i].name = json_get_string(v, "name");
		gs[i].category = json_get_string(v, "category");
		gs[i].required = json_is_true(json_object_get(v, "required"));
		if (json_is_true(json_object_get(v, "done")) && gs[i].key)
			done[nd++] = gs[i].key;
	}
	json_array_foreach(edges, i, v) {
		ge[i].from = json_get_string(v, "from");
		ge[i].to = json_get_string(v, "to");
	}
	struct chain_graph g = {gs, ns, ge, ne};
	if (chain_validate(&g, &report) == 0 && report->n_errors == 0) {
		long n = chain_next_steps(&g, done, nd, NULL, 0, out);
		/* A valid graph always has an answer, and only steps of the graph in it. */
		if (n < 0)
			abort();
		for (long k = 0; k < n; k++)
			if (out[k] >= ns)
				abort();
	}
out:
	chain_report_free(report);
	free(gs);
	free(ge);
	free(done);
	free(out);
	json_decref(doc);
	return 0;
}
