/* Chain graphs: structural validation and next-step computation. */
#include "chain.h"
#include "validate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest target, in days, a step may set (ten years). */
#define TARGET_DAYS_MAX 3650
/* Longest step name, in code points. */
#define NAME_MAX_CHARS 200
/* The index that stands for "start" in edge lists. */
#define START (-1L)

/* An edge whose ends are known steps (or start), as indices. */
struct link {
	long from; /* START or a step index */
	long to;
};

/* The usable edges of a graph, and the adjacency built from them. */
struct net {
	size_t n;           /* steps */
	struct link *links; /* valid, distinct edges without self-loops */
	size_t n_links;
	size_t *out_start; /* successors of step i: out_to[out_start[i] .. out_start[i + 1]) */
	long *out_to;
};

static void net_free(struct net *t)
{
	free(t->links);
	free(t->out_start);
	free(t->out_to);
}

__attribute__((format(printf, 6, 0))) static int add_issue(struct chain_issue **list, size_t *n,
                                                           const char *step, long edge,
                                                           const char *code, const char *fmt,
                                                           va_list ap)
{
	struct chain_issue *grown = realloc(*list, (*n + 1) * sizeof(**list));
	struct chain_issue *it;
	va_list copy;
	int len;

	if (!grown)
		return -ENOMEM;
	*list = grown;
	it = &grown[*n];
	memset(it, 0, sizeof(*it));
	it->edge = edge;
	it->code = code;
	va_copy(copy, ap);
	len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0)
		return -EINVAL;
	it->message = malloc((size_t)len + 1);
	if (!it->message)
		return -ENOMEM;
	vsnprintf(it->message, (size_t)len + 1, fmt, ap);
	if (step) {
		it->step = strdup(step);
		if (!it->step) {
			free(it->message);
			return -ENOMEM;
		}
	}
	(*n)++;
	return 0;
}

int chain_report_add(struct chain_report *r, bool warning, const char *step, long edge,
                     const char *code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (!r || !code || !fmt)
		return -EINVAL;
	va_start(ap, fmt);
	if (warning)
		ret = add_issue(&r->warnings, &r->n_warnings, step, edge, code, fmt, ap);
	else
		ret = add_issue(&r->errors, &r->n_errors, step, edge, code, fmt, ap);
	va_end(ap);
	return ret;
}

static void free_issues(struct chain_issue *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].step);
		free(list[i].message);
	}
	free(list);
}

struct chain_report *chain_report_free(struct chain_report *r)
{
	if (r) {
		free_issues(r->errors, r->n_errors);
		free_issues(r->warnings, r->n_warnings);
		free(r);
	}
	return NULL;
}

/* The index of the first step called key, or -1. */
static long find_step(const struct chain_graph *g, const char *key)
{
	if (!key)
		return -1;
	for (size_t i = 0; i < g->n_steps; i++) {
		if (g->steps[i].key && strcmp(g->steps[i].key, key) == 0)
			return (long)i;
	}
	return -1;
}

static bool is_start(const char *key)
{
	return key && strcmp(key, CHAIN_START) == 0;
}

/* A printable form of a key that may be NULL, for messages. */
static const char *shown(const char *key)
{
	return key ? key : "(none)";
}

/*
 * Resolve the edges of g into t: keep those whose ends are known, that are no self-loop and
 * no repeat; with r, report each edge dropped. Builds the successor lists. 0 or -ENOMEM;
 * *clean tells whether every edge was usable (repeats aside).
 */
static int net_build(const struct chain_graph *g, struct chain_report *r, struct net *t,
                     bool *clean)
{
	int ret = 0;

	memset(t, 0, sizeof(*t));
	*clean = true;
	t->n = g->n_steps;
	t->links = calloc(g->n_edges ? g->n_edges : 1, sizeof(*t->links));
	t->out_start = calloc(g->n_steps + 1, sizeof(*t->out_start));
	t->out_to = calloc(g->n_edges ? g->n_edges : 1, sizeof(*t->out_to));
	if (!t->links || !t->out_start || !t->out_to)
		return -ENOMEM;
	for (size_t e = 0; e < g->n_edges && !ret; e++) {
		const struct chain_edge *ed = &g->edges[e];
		long from = is_start(ed->from) ? START : find_step(g, ed->from);
		long to = find_step(g, ed->to);
		bool bad = false, repeat = false;

		if (!is_start(ed->from) && from < 0) {
			bad = true;
			if (r)
				ret = chain_report_add(
				        r, false, NULL, (long)e, "unknown_from",
				        "Edge %zu starts at \"%s\", which is no step.", e,
				        shown(ed->from));
		}
		if (!ret && is_start(ed->to)) {
			bad = true;
			if (r)
				ret = chain_report_add(r, false, NULL, (long)e, "edge_to_start",
				                       "Edge %zu leads back to \"start\".", e);
		} else if (!ret && to < 0) {
			bad = true;
			if (r)
				ret = chain_report_add(
				        r, false, NULL, (long)e, "unknown_to",
				        "Edge %zu leads to \"%s\", which is no step.", e,
				        shown(ed->to));
		}
		if (bad || ret) {
			*clean = false;
			continue;
		}
		if (from == to) {
			*clean = false;
			if (r)
				ret = chain_report_add(r, false, ed->to, (long)e, "self_loop",
				                       "Step \"%s\" leads to itself.", ed->to);
			continue;
		}
		for (size_t k = 0; k < t->n_links && !repeat; k++)
			repeat = t->links[k].from == from && t->links[k].to == to;
		if (repeat) {
			if (r)
				ret = chain_report_add(
				        r, false, NULL, (long)e, "duplicate_edge",
				        "Edge %zu repeats the edge from \"%s\" to \"%s\".", e,
				        ed->from, ed->to);
			continue;
		}
		t->links[t->n_links++] = (struct link){from, to};
	}
	if (ret)
		return ret;
	/* Successor lists of the steps (edges from start are kept in links only). */
	for (size_t k = 0; k < t->n_links; k++) {
		if (t->links[k].from != START)
			t->out_start[t->links[k].from + 1]++;
	}
	for (size_t i = 0; i < t->n; i++)
		t->out_start[i + 1] += t->out_start[i];
	{
		size_t *fill = calloc(t->n + 1, sizeof(*fill));

		if (!fill)
			return -ENOMEM;
		for (size_t k = 0; k < t->n_links; k++) {
			long u = t->links[k].from;

			if (u != START)
				t->out_to[t->out_start[u] + fill[u]++] = t->links[k].to;
		}
		free(fill);
	}
	return 0;
}

/*
 * Depth-first search over the steps in index order, successors in edge order; every back
 * edge closes a cycle, reported with r (when not NULL) as the keys on the stack from its
 * target. Returns the number of cycles found, or -ENOMEM.
 */
static long find_cycles(const struct chain_graph *g, const struct net *t, struct chain_report *r)
{
	unsigned char *colour = calloc(t->n ? t->n : 1, 1); /* 0 new, 1 on stack, 2 finished */
	size_t *stack = calloc(t->n ? t->n : 1, sizeof(*stack));
	size_t *next = calloc(t->n ? t->n : 1, sizeof(*next)); /* next successor to try */
	long found = 0;

	if (!colour || !stack || !next) {
		found = -ENOMEM;
		goto out;
	}
	for (size_t root = 0; root < t->n && found >= 0; root++) {
		size_t depth = 0;

		if (colour[root])
			continue;
		stack[depth++] = root;
		colour[root] = 1;
		next[root] = t->out_start[root];
		while (depth && found >= 0) {
			size_t u = stack[depth - 1];
			size_t v;

			if (next[u] == t->out_start[u + 1]) {
				colour[u] = 2;
				depth--;
				continue;
			}
			v = (size_t)t->out_to[next[u]++];
			if (colour[v] == 0) {
				colour[v] = 1;
				next[v] = t->out_start[v];
				stack[depth++] = v;
			} else if (colour[v] == 1) {
				found++;
				if (r) {
					size_t from = depth - 1, len = 0, at = 0;
					char *msg;

					while (stack[from] != v)
						from--;
					for (size_t i = from; i < depth; i++)
						len += strlen(g->steps[stack[i]].key) + 4;
					len += strlen(g->steps[v].key) + 1;
					msg = malloc(len);
					if (!msg) {
						found = -ENOMEM;
						break;
					}
					for (size_t i = from; i < depth; i++)
						at += (size_t)sprintf(msg + at, "%s -> ",
						                      g->steps[stack[i]].key);
					sprintf(msg + at, "%s", g->steps[v].key);
					if (chain_report_add(r, false, g->steps[v].key, -1, "cycle",
					                     "These steps form a cycle: %s.", msg))
						found = -ENOMEM;
					free(msg);
				}
			}
		}
	}
out:
	free(colour);
	free(stack);
	free(next);
	return found;
}

/* Per-step checks: key, name, category, targets, providers. */
static int check_steps(const struct chain_graph *g, struct chain_report *r, bool *dup)
{
	int ret = 0;

	for (size_t i = 0; i < g->n_steps && !ret; i++) {
		const struct chain_step *s = &g->steps[i];
		const char *key = s->key;

		if (!validate_key(key))
			ret = chain_report_add(r, false, key, -1, "invalid_key",
			                       "Step %zu has the key \"%s\"; keys are 1 to 64 of "
			                       "a-z, 0-9, '_' and '-', starting with a letter.",
			                       i, shown(key));
		else if (is_start(key))
			ret = chain_report_add(r, false, key, -1, "reserved_key",
			                       "\"start\" is reserved and cannot name a step.");
		else if (find_step(g, key) != (long)i) {
			dup[i] = true;
			ret = chain_report_add(r, false, key, -1, "duplicate_key",
			                       "Step %zu repeats the key \"%s\".", i, key);
		}
		if (!ret && !validate_text(s->name, 1, NAME_MAX_CHARS, false))
			ret = chain_report_add(r, false, key, -1, "invalid_name",
			                       "The name of step \"%s\" must be 1 to %d characters "
			                       "on one line.",
			                       shown(key), NAME_MAX_CHARS);
		if (!ret && !validate_key(s->category))
			ret = chain_report_add(
			        r, false, key, -1, "invalid_category",
			        "The category of step \"%s\" is not a category code.", shown(key));
		if (!ret &&
		    (s->target_days_to_accept < 0 || s->target_days_to_accept > TARGET_DAYS_MAX ||
		     s->target_days_to_start < 0 || s->target_days_to_start > TARGET_DAYS_MAX))
			ret = chain_report_add(r, false, key, -1, "invalid_target",
			                       "The target days of step \"%s\" must be between 0 "
			                       "(none) and %d.",
			                       shown(key), TARGET_DAYS_MAX);
		for (size_t p = 0; p < s->n_providers && !ret; p++) {
			const char *id = s->providers[p];
			bool again = false;

			if (!validate_uuid(id)) {
				ret = chain_report_add(
				        r, false, key, -1, "invalid_provider",
				        "Provider %zu of step \"%s\" is not a node id.", p,
				        shown(key));
				continue;
			}
			for (size_t q = 0; q < p && !again; q++)
				again = s->providers[q] && strcasecmp(s->providers[q], id) == 0;
			if (again)
				ret = chain_report_add(r, false, key, -1, "duplicate_provider",
				                       "Step \"%s\" lists provider %s twice.",
				                       shown(key), id);
		}
		if (!ret && s->n_providers == 0)
			ret = chain_report_add(r, true, key, -1, "no_providers",
			                       "Step \"%s\" has no provider yet.", shown(key));
		if (!ret && s->target_days_to_accept > 0 && s->target_days_to_start > 0 &&
		    s->target_days_to_start < s->target_days_to_accept)
			ret = chain_report_add(r, true, key, -1, "start_before_accept",
			                       "Step \"%s\" should start (%d days) before it is "
			                       "accepted (%d days).",
			                       shown(key), s->target_days_to_start,
			                       s->target_days_to_accept);
	}
	return ret;
}

/* Report steps that no path from start reaches (when some edge leaves start). */
static int check_reachable(const struct chain_graph *g, const struct net *t, struct chain_report *r,
                           const bool *dup)
{
	bool *seen = calloc(t->n ? t->n : 1, sizeof(*seen));
	size_t *queue = calloc(t->n ? t->n : 1, sizeof(*queue));
	size_t head = 0, tail = 0;
	bool any = false;
	int ret = 0;

	if (!seen || !queue) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < t->n_links; k++) {
		if (t->links[k].from == START) {
			any = true;
			if (!seen[t->links[k].to]) {
				seen[t->links[k].to] = true;
				queue[tail++] = (size_t)t->links[k].to;
			}
		}
	}
	if (!any) {
		if (t->n)
			ret = chain_report_add(r, false, NULL, -1, "no_start",
			                       "No edge leaves \"start\": the chain has no first "
			                       "step.");
		goto out;
	}
	while (head < tail) {
		size_t u = queue[head++];

		for (size_t k = t->out_start[u]; k < t->out_start[u + 1]; k++) {
			size_t v = (size_t)t->out_to[k];

			if (!seen[v]) {
				seen[v] = true;
				queue[tail++] = v;
			}
		}
	}
	for (size_t i = 0; i < t->n && !ret; i++) {
		if (!seen[i] && !dup[i])
			ret = chain_report_add(r, false, g->steps[i].key, -1, "unreachable",
			                       "Step \"%s\" cannot be reached from \"start\".",
			                       shown(g->steps[i].key));
	}
out:
	free(seen);
	free(queue);
	return ret;
}

int chain_validate(const struct chain_graph *g, struct chain_report **out)
{
	struct chain_report *r;
	struct net t = {0};
	bool *dup = NULL, clean;
	int ret;

	if (!g || !out || (g->n_steps && !g->steps) || (g->n_edges && !g->edges))
		return -EINVAL;
	*out = NULL;
	r = calloc(1, sizeof(*r));
	dup = calloc(g->n_steps ? g->n_steps : 1, sizeof(*dup));
	if (!r || !dup) {
		ret = -ENOMEM;
		goto fail;
	}
	if (g->n_steps == 0) {
		ret = chain_report_add(r, false, NULL, -1, "no_steps",
		                       "A chain needs at least one step.");
		if (ret)
			goto fail;
	}
	ret = check_steps(g, r, dup);
	if (!ret)
		ret = net_build(g, r, &t, &clean);
	if (!ret) {
		long cycles = find_cycles(g, &t, r);

		ret = cycles < 0 ? (int)cycles : 0;
	}
	if (!ret)
		ret = check_reachable(g, &t, r, dup);
	if (ret)
		goto fail;
	net_free(&t);
	free(dup);
	*out = r;
	return 0;
fail:
	net_free(&t);
	free(dup);
	chain_report_free(r);
	return ret;
}

/* The set of step indices named by keys, as flags in set[0..n_steps). */
static void mark(const struct chain_graph *g, const char *const *keys, size_t n, bool *set)
{
	for (size_t i = 0; i < n; i++) {
		long k = find_step(g, keys[i]);

		if (k >= 0)
			set[k] = true;
	}
}

/*
 * Longest path from start to every step (steps from start: 1; unreachable: 0), by relaxing
 * edges in topological order (Kahn). Returns false when the steps hold a cycle.
 */
static bool depths(const struct net *t, long *depth, size_t *indeg, size_t *queue)
{
	size_t head = 0, tail = 0;

	memset(indeg, 0, t->n * sizeof(*indeg));
	memset(depth, 0, t->n * sizeof(*depth));
	for (size_t k = 0; k < t->n_links; k++) {
		if (t->links[k].from == START)
			depth[t->links[k].to] = 1;
		else
			indeg[t->links[k].to]++;
	}
	for (size_t i = 0; i < t->n; i++) {
		if (indeg[i] == 0)
			queue[tail++] = i;
	}
	while (head < tail) {
		size_t u = queue[head++];

		for (size_t k = t->out_start[u]; k < t->out_start[u + 1]; k++) {
			size_t v = (size_t)t->out_to[k];

			if (depth[u] > 0 && depth[u] + 1 > depth[v])
				depth[v] = depth[u] + 1;
			if (--indeg[v] == 0)
				queue[tail++] = v;
		}
	}
	return tail == t->n;
}

/* Whether open step a comes before open step b in the documented order. */
static bool before(const struct chain_graph *g, const long *depth, size_t a, size_t b)
{
	if (g->steps[a].required != g->steps[b].required)
		return g->steps[a].required;
	if (depth[a] != depth[b])
		return depth[a] < depth[b];
	return strcmp(g->steps[a].key, g->steps[b].key) < 0;
}

long chain_next_steps(const struct chain_graph *g, const char *const *done, size_t n_done,
                      const char *const *in_progress, size_t n_in_progress, size_t *out)
{
	struct net t = {0};
	bool clean, *is_done = NULL, *is_busy = NULL, *any = NULL, *blocked = NULL;
	long *depth = NULL, n = 0;
	size_t *indeg = NULL, *queue = NULL, m;
	int ret;

	if (!g || !out || (g->n_steps && !g->steps) || (g->n_edges && !g->edges) ||
	    (n_done && !done) || (n_in_progress && !in_progress))
		return -EINVAL;
	for (size_t i = 0; i < g->n_steps; i++) {
		if (!validate_key(g->steps[i].key) || find_step(g, g->steps[i].key) != (long)i)
			return -EINVAL;
	}
	ret = net_build(g, NULL, &t, &clean);
	if (ret)
		goto out;
	m = g->n_steps ? g->n_steps : 1;
	is_done = calloc(m, sizeof(bool));
	is_busy = calloc(m, sizeof(bool));
	any = calloc(m, sizeof(bool));
	blocked = calloc(m, sizeof(bool));
	depth = calloc(m, sizeof(long));
	indeg = calloc(m, sizeof(size_t));
	queue = calloc(m, sizeof(size_t));
	if (!is_done || !is_busy || !any || !blocked || !depth || !indeg || !queue) {
		ret = -ENOMEM;
		goto out;
	}
	if (!clean || !depths(&t, depth, indeg, queue)) {
		ret = -EINVAL;
		goto out;
	}
	mark(g, done, n_done, is_done);
	mark(g, in_progress, n_in_progress, is_busy);
	for (size_t k = 0; k < t.n_links; k++) {
		long u = t.links[k].from, v = t.links[k].to;

		if (u == START || is_done[u])
			any[v] = true;
		else if (g->steps[u].required)
			blocked[v] = true;
	}
	for (size_t i = 0; i < g->n_steps; i++) {
		size_t j;

		if (is_done[i] || is_busy[i] || blocked[i] || !any[i])
			continue;
		/* Insertion into the sorted output. */
		for (j = (size_t)n; j > 0 && before(g, depth, i, out[j - 1]); j--)
			out[j] = out[j - 1];
		out[j] = i;
		n++;
	}
out:
	net_free(&t);
	free(is_done);
	free(is_busy);
	free(any);
	free(blocked);
	free(depth);
	free(indeg);
	free(queue);
	return ret ? ret : n;
}
