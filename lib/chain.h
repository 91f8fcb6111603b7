/*
 * Service chains (Dienstleistungsketten) as graphs: validating a chain version's steps and
 * edges, and computing which steps are open next for a case enrolled in it.
 *
 * A chain is a set of steps and directed edges between them; an edge's `from` is a step key
 * or the literal "start" (CHAIN_START), which stands before the first steps. Parallel
 * branches are steps with a common predecessor; alternative or optional branches are
 * optional steps (required = false).
 *
 * Memory: the graph is the caller's and is only read. chain_validate() returns a report the
 * caller frees with chain_report_free(); chain_next_steps() writes into a caller's array.
 */
#ifndef PNET_CHAIN_H
#define PNET_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

/* The pseudo-step every chain begins at; only ever the `from` of an edge, never a step key. */
#define CHAIN_START "start"

struct chain_step {
	const char *key;              /* unique within the chain, validate_key() */
	const char *name;             /* for people: 1..200 characters, single line */
	const char *category;         /* service category code, validate_key() */
	bool required;                /* false: optional, does not block what follows */
	int target_days_to_accept;    /* 0: no target; else 1..3650 */
	int target_days_to_start;     /* 0: no target; else 1..3650 */
	const char *const *providers; /* node ids (UUIDs), n_providers of them, distinct */
	size_t n_providers;
};

struct chain_edge {
	const char *from; /* a step key or CHAIN_START */
	const char *to;   /* a step key */
};

struct chain_graph {
	const struct chain_step *steps;
	size_t n_steps;
	const struct chain_edge *edges;
	size_t n_edges;
};

/* One problem with a chain. */
struct chain_issue {
	char *step;       /* the key of the step it concerns (a copy), NULL for the whole graph */
	long edge;        /* the index of the edge it concerns, or -1 */
	const char *code; /* stable, machine-readable: see chain_validate() */
	char *message;    /* a sentence for people */
};

/* Everything chain_validate() found: errors block publishing, warnings do not. */
struct chain_report {
	struct chain_issue *errors;
	size_t n_errors;
	struct chain_issue *warnings;
	size_t n_warnings;
};

/*
 * Check the structure of g and return every problem in *out (also when there are none;
 * free it with chain_report_free). 0, -EINVAL (g or out NULL) or -ENOMEM.
 *
 * Error codes:
 *   no_steps         the chain has no step
 *   invalid_key      a step key is not validate_key()
 *   reserved_key     a step is called "start"
 *   duplicate_key    a step key repeats an earlier one (reported on the repeat)
 *   invalid_name     a name is missing or not 1..200 characters of one line
 *   invalid_category a category is missing or not validate_key()
 *   invalid_target   a target day count is outside 0..3650
 *   invalid_provider a provider is not a UUID
 *   duplicate_provider a provider is listed twice for one step
 *   unknown_from     an edge starts at a key that is neither a step nor "start"
 *   unknown_to       an edge ends at a key that is not a step
 *   edge_to_start    an edge ends at "start"
 *   self_loop        an edge leads from a step to itself
 *   duplicate_edge   an edge repeats an earlier one (reported on the repeat)
 *   cycle            steps form a cycle; the message names them in order, once per cycle
 *                    found (one per back edge of a depth-first search from the steps in order)
 *   no_start         no edge leaves "start"
 *   unreachable      a step cannot be reached from "start" (only checked when some edge
 *                    leaves "start")
 * Warning codes:
 *   no_providers     a step has no provider yet
 *   start_before_accept  a step's target to start is shorter than its target to accept
 * The caller adds its own findings (providers that are not active network members, say) with
 * chain_report_add().
 */
int chain_validate(const struct chain_graph *g, struct chain_report **out);

/*
 * Append an issue to r (copying step and the formatted message); warning selects the list.
 * 0 or -ENOMEM.
 */
int chain_report_add(struct chain_report *r, bool warning, const char *step, long edge,
                     const char *code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Free a report and everything in it; NULL is fine. Returns NULL. */
struct chain_report *chain_report_free(struct chain_report *r);

/*
 * The steps open now for a case, given the keys of the steps done and of those in progress
 * (keys that are no step of g are ignored). A step is open when
 *   - it is neither done nor in progress, and
 *   - every predecessor that is a required step is done, and
 *   - at least one predecessor is done or is "start".
 * Optional predecessors that are not done do not block: that is how alternative and optional
 * branches work (after "start -> a | b -> c" with a and b optional, c opens once either is
 * done). Open steps are written to out (room for g->n_steps indices into g->steps) in this
 * order: required before optional, then by depth (the longest path from "start"), then by key.
 * Returns the number written, -EINVAL when g is not a valid DAG (check it with chain_validate
 * first) or -ENOMEM.
 */
long chain_next_steps(const struct chain_graph *g, const char *const *done, size_t n_done,
                      const char *const *in_progress, size_t n_in_progress, size_t *out);

#endif
