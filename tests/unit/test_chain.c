/* Unit tests of lib/chain.c: graph validation and the next-step rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const one_provider[] = {"123e4567-e89b-12d3-a456-426614174000"};

/* A well-formed required step with one provider; OPTIONAL() is the same, optional. */
/* clang-format off */
#define STEP(k)                                                                                    \
	{k, "Step " k, "debt_counselling", true, 5, 10, one_provider, 1}
#define OPTIONAL(k)                                                                                \
	{k, "Step " k, "debt_counselling", false, 5, 10, one_provider, 1}
#define GRAPH(s, e)                                                                                \
	{s, ARRAY_SIZE(s), e, ARRAY_SIZE(e)}
/* clang-format on */

static struct chain_report *validate(const struct chain_graph *g)
{
	struct chain_report *r = NULL;

	assert_int_equal(chain_validate(g, &r), 0);
	assert_non_null(r);
	return r;
}

/* The first error with code (and step, when not NULL), or NULL. */
static const struct chain_issue *find(const struct chain_report *r, const char *code,
                                      const char *step)
{
	for (size_t i = 0; i < r->n_errors; i++) {
		const struct chain_issue *it = &r->errors[i];

		if (strcmp(it->code, code) == 0 &&
		    (!step || (it->step && strcmp(it->step, step) == 0)))
			return it;
	}
	return NULL;
}

/* find, for when the test needs the issue: a missing one fails the test. */
static const struct chain_issue *must_find(const struct chain_report *r, const char *code,
                                           const char *step)
{
	const struct chain_issue *it = find(r, code, step);

	assert_non_null(it);
	if (!it)
		abort();
	return it;
}

static size_t count(const struct chain_report *r, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_errors; i++)
		n += strcmp(r->errors[i].code, code) == 0;
	return n;
}

/* Assert that r holds exactly one error, with code on step. */
static void only_error(struct chain_report *r, const char *code, const char *step)
{
	if (r->n_errors != 1 || !find(r, code, step))
		fail_msg("expected only %s on %s, got %zu errors, first %s: %s", code,
		         step ? step : "-", r->n_errors, r->n_errors ? r->errors[0].code : "-",
		         r->n_errors ? r->errors[0].message : "-");
}

static void valid_chain(void **state)
{
	static const struct chain_step steps[] = {STEP("intake"), STEP("debt"), OPTIONAL("mentor"),
	                                          STEP("job")};
	static const struct chain_edge edges[] = {{"start", "intake"},
	                                          {"intake", "debt"},
	                                          {"intake", "mentor"},
	                                          {"debt", "job"},
	                                          {"mentor", "job"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	assert_int_equal(r->n_errors, 0);
	assert_int_equal(r->n_warnings, 0);
	assert_null(chain_report_free(r));
}

static void empty_chain(void **state)
{
	struct chain_graph g = {NULL, 0, NULL, 0};
	struct chain_report *r = validate(&g);

	only_error(r, "no_steps", NULL);
	assert_null(r->errors[0].step);
	assert_int_equal(r->errors[0].edge, -1);
	chain_report_free(r);
	assert_int_equal(chain_validate(NULL, &r), -EINVAL);
	assert_int_equal(chain_validate(&g, NULL), -EINVAL);
}

static void self_loop(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b")};
	static const struct chain_edge edges[] = {{"start", "a"}, {"a", "b"}, {"b", "b"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	only_error(r, "self_loop", "b");
	assert_int_equal(r->errors[0].edge, 2);
	chain_report_free(r);
}

static void cycle_of_two(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b")};
	static const struct chain_edge edges[] = {{"start", "a"}, {"a", "b"}, {"b", "a"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	only_error(r, "cycle", "a");
	assert_string_equal(r->errors[0].message, "These steps form a cycle: a -> b -> a.");
	chain_report_free(r);
}

static void cycle_of_n(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b"), STEP("c"), STEP("d"),
	                                          STEP("e")};
	static const struct chain_edge edges[] = {{"start", "a"}, {"a", "b"}, {"b", "c"},
	                                          {"c", "d"},     {"d", "b"}, {"d", "e"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	only_error(r, "cycle", "b");
	assert_string_equal(r->errors[0].message, "These steps form a cycle: b -> c -> d -> b.");
	chain_report_free(r);
}

/* Two separate cycles are two errors; a cycle nobody reaches is also unreachable. */
static void several_cycles(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b"), STEP("c"), STEP("x"),
	                                          STEP("y")};
	static const struct chain_edge edges[] = {{"start", "a"}, {"a", "b"}, {"b", "c"},
	                                          {"c", "a"},     {"x", "y"}, {"y", "x"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	assert_int_equal(count(r, "cycle"), 2);
	assert_non_null(find(r, "cycle", "a"));
	assert_non_null(find(r, "cycle", "x"));
	assert_non_null(find(r, "unreachable", "x"));
	assert_non_null(find(r, "unreachable", "y"));
	assert_int_equal(r->n_errors, 4);
	chain_report_free(r);
}

static void unreachable_step(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b"), STEP("c")};
	static const struct chain_edge edges[] = {{"start", "a"}, {"b", "c"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	assert_int_equal(r->n_errors, 2);
	assert_non_null(find(r, "unreachable", "b"));
	assert_non_null(find(r, "unreachable", "c"));
	chain_report_free(r);
}

static void no_start(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b")};
	static const struct chain_edge edges[] = {{"a", "b"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	/* Without any first step, "unreachable" for every step would only be noise. */
	only_error(r, "no_start", NULL);
	assert_null(r->errors[0].step);
	chain_report_free(r);
	g.n_edges = 0;
	r = validate(&g);
	only_error(r, "no_start", NULL);
	chain_report_free(r);
}

static void duplicate_key(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b"), STEP("a")};
	static const struct chain_edge edges[] = {{"start", "a"}, {"a", "b"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	only_error(r, "duplicate_key", "a");
	assert_non_null(strstr(r->errors[0].message, "Step 2"));
	chain_report_free(r);
}

static void bad_keys(void **state)
{
	static const struct chain_step steps[] = {
	        STEP("a"),
	        STEP("Bad Key"),
	        STEP("start"),
	        {NULL, "No key", "debt_counselling", true, 0, 0, one_provider, 1},
	};
	static const struct chain_edge edges[] = {{"start", "a"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	assert_non_null(find(r, "invalid_key", "Bad Key"));
	assert_non_null(find(r, "reserved_key", "start"));
	assert_int_equal(count(r, "invalid_key"), 2);
	/* None of them is reachable either. */
	assert_int_equal(count(r, "unreachable"), 3);
	assert_int_equal(r->n_errors, 6);
	chain_report_free(r);
}

static void bad_edges(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b")};
	static const struct chain_edge edges[] = {
	        {"start", "a"}, {"a", "b"},  {"x", "b"},  {"a", "y"},
	        {"b", "start"}, {NULL, "b"}, {"a", NULL}, {"a", "b"},
	};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	assert_int_equal(count(r, "unknown_from"), 2);
	assert_int_equal(count(r, "unknown_to"), 2);
	assert_int_equal(count(r, "edge_to_start"), 1);
	assert_int_equal(count(r, "duplicate_edge"), 1);
	assert_int_equal(r->n_errors, 6);
	assert_int_equal(must_find(r, "edge_to_start", NULL)->edge, 4);
	assert_int_equal(must_find(r, "duplicate_edge", NULL)->edge, 7);
	assert_non_null(strstr(must_find(r, "unknown_from", NULL)->message, "\"x\""));
	chain_report_free(r);
}

static void bad_step_fields(void **state)
{
	static const char *const bad_providers[] = {"123e4567-e89b-12d3-a456-426614174000", "nope",
	                                            "123E4567-E89B-12D3-A456-426614174000"};
	static const struct chain_step steps[] = {
	        {"a", "", "debt", true, 0, 0, one_provider, 1},
	        {"b", "Two\nlines", "debt", true, 0, 0, one_provider, 1},
	        {"c", "C", "Debt Counselling", true, 0, 0, one_provider, 1},
	        {"d", "D", "debt", true, -1, 0, one_provider, 1},
	        {"e", "E", "debt", true, 0, 3651, one_provider, 1},
	        {"f", "F", "debt", true, 0, 0, bad_providers, 3},
	        {"g", "G", NULL, true, 0, 0, one_provider, 1},
	};
	static const struct chain_edge edges[] = {{"start", "a"}, {"start", "b"}, {"start", "c"},
	                                          {"start", "d"}, {"start", "e"}, {"start", "f"},
	                                          {"start", "g"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	assert_non_null(find(r, "invalid_name", "a"));
	assert_non_null(find(r, "invalid_name", "b"));
	assert_non_null(find(r, "invalid_category", "c"));
	assert_non_null(find(r, "invalid_category", "g"));
	assert_non_null(find(r, "invalid_target", "d"));
	assert_non_null(find(r, "invalid_target", "e"));
	assert_non_null(find(r, "invalid_provider", "f"));
	assert_non_null(find(r, "duplicate_provider", "f"));
	assert_int_equal(r->n_errors, 8);
	chain_report_free(r);
}

static void warnings_apart_from_errors(void **state)
{
	static const struct chain_step steps[] = {
	        {"a", "A", "debt", true, 0, 0, NULL, 0},
	        {"b", "B", "debt", false, 10, 5, one_provider, 1},
	};
	static const struct chain_edge edges[] = {{"start", "a"}, {"a", "b"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	assert_int_equal(r->n_errors, 0);
	assert_int_equal(r->n_warnings, 2);
	assert_string_equal(r->warnings[0].code, "no_providers");
	assert_string_equal(r->warnings[0].step, "a");
	assert_string_equal(r->warnings[1].code, "start_before_accept");
	assert_string_equal(r->warnings[1].step, "b");
	/* The caller adds what only it can know, to either list. */
	assert_int_equal(chain_report_add(r, true, "b", -1, "provider_inactive",
	                                  "Provider %s is not an active member.", "x"),
	                 0);
	assert_int_equal(chain_report_add(r, false, NULL, 3, "custom", "Edge %d.", 3), 0);
	assert_int_equal(r->n_warnings, 3);
	assert_string_equal(r->warnings[2].message, "Provider x is not an active member.");
	assert_int_equal(r->n_errors, 1);
	assert_null(r->errors[0].step);
	assert_int_equal(r->errors[0].edge, 3);
	assert_int_equal(chain_report_add(NULL, true, NULL, -1, "x", "y"), -EINVAL);
	chain_report_free(r);
	assert_null(chain_report_free(NULL));
}

static void every_problem_at_once(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b"), STEP("b"), STEP("c"),
	                                          STEP("lost")};
	static const struct chain_edge edges[] = {{"start", "a"}, {"a", "a"},    {"a", "b"},
	                                          {"b", "c"},     {"c", "b"},    {"c", "nowhere"},
	                                          {"a", "b"},     {"c", "start"}};
	struct chain_graph g = GRAPH(steps, edges);
	struct chain_report *r = validate(&g);

	assert_non_null(find(r, "duplicate_key", "b"));
	assert_non_null(find(r, "self_loop", "a"));
	assert_non_null(find(r, "cycle", "b"));
	assert_non_null(find(r, "unknown_to", NULL));
	assert_non_null(find(r, "duplicate_edge", NULL));
	assert_non_null(find(r, "edge_to_start", NULL));
	assert_non_null(find(r, "unreachable", "lost"));
	assert_int_equal(r->n_errors, 7);
	chain_report_free(r);
}

/* Run chain_next_steps and compare the keys it returns with want (NULL-terminated). */
static void expect_next(const struct chain_graph *g, const char *const *done, size_t n_done,
                        const char *const *busy, size_t n_busy, const char *const *want)
{
	size_t out[16];
	long n = chain_next_steps(g, done, n_done, busy, n_busy, out);
	size_t w = 0;

	assert_true(n >= 0);
	while (want[w])
		w++;
	if ((size_t)n != w)
		fail_msg("expected %zu open steps, got %ld (first %s)", w, n,
		         n > 0 ? g->steps[out[0]].key : "-");
	for (size_t i = 0; i < w; i++) {
		if (strcmp(g->steps[out[i]].key, want[i]) != 0)
			fail_msg("open step %zu: expected %s, got %s", i, want[i],
			         g->steps[out[i]].key);
	}
}

/* clang-format off */
#define KEYS(...) ((const char *const[]){__VA_ARGS__})
/* clang-format on */
#define NONE KEYS(NULL)

static void next_linear(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b"), STEP("c")};
	static const struct chain_edge edges[] = {{"start", "a"}, {"a", "b"}, {"b", "c"}};
	struct chain_graph g = GRAPH(steps, edges);

	expect_next(&g, NULL, 0, NULL, 0, KEYS("a", NULL));
	expect_next(&g, NULL, 0, KEYS("a"), 1, NONE);
	expect_next(&g, KEYS("a"), 1, NULL, 0, KEYS("b", NULL));
	expect_next(&g, KEYS("a"), 1, KEYS("b"), 1, NONE);
	expect_next(&g, KEYS("a", "b"), 2, NULL, 0, KEYS("c", NULL));
	expect_next(&g, KEYS("a", "b", "c"), 3, NULL, 0, NONE);
	/* Keys that are no step are ignored. */
	expect_next(&g, KEYS("a", "zzz"), 2, KEYS("yyy"), 1, KEYS("b", NULL));
}

/* start -> a -> (b, c) -> d: a parallel branch and a join. */
static void next_branch_and_join(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("c"), STEP("b"), STEP("d")};
	static const struct chain_edge edges[] = {
	        {"start", "a"}, {"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}};
	struct chain_graph g = GRAPH(steps, edges);

	expect_next(&g, NULL, 0, NULL, 0, KEYS("a", NULL));
	expect_next(&g, KEYS("a"), 1, NULL, 0, KEYS("b", "c", NULL));
	expect_next(&g, KEYS("a", "b"), 2, NULL, 0, KEYS("c", NULL));
	expect_next(&g, KEYS("a", "b"), 2, KEYS("c"), 1, NONE);
	expect_next(&g, KEYS("a", "b", "c"), 3, NULL, 0, KEYS("d", NULL));
}

/* An optional step that is not done does not block what follows it. */
static void next_optional_does_not_block(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), OPTIONAL("mentor"), STEP("c")};
	static const struct chain_edge edges[] = {
	        {"start", "a"}, {"a", "mentor"}, {"mentor", "c"}, {"a", "c"}};
	struct chain_graph g = GRAPH(steps, edges);

	/* c (required, deeper) before mentor (optional). */
	expect_next(&g, KEYS("a"), 1, NULL, 0, KEYS("c", "mentor", NULL));
	/* Neither does an optional step in progress. */
	expect_next(&g, KEYS("a"), 1, KEYS("mentor"), 1, KEYS("c", NULL));
	expect_next(&g, KEYS("a", "c"), 2, NULL, 0, KEYS("mentor", NULL));
}

/* start -> (x | y) -> z: alternatives; z opens after either. */
static void next_alternatives(void **state)
{
	static const struct chain_step steps[] = {OPTIONAL("y"), OPTIONAL("x"), STEP("z")};
	static const struct chain_edge edges[] = {
	        {"start", "x"}, {"start", "y"}, {"x", "z"}, {"y", "z"}};
	struct chain_graph g = GRAPH(steps, edges);

	expect_next(&g, NULL, 0, NULL, 0, KEYS("x", "y", NULL));
	expect_next(&g, NULL, 0, KEYS("x"), 1, KEYS("y", NULL));
	expect_next(&g, KEYS("y"), 1, NULL, 0, KEYS("z", "x", NULL));
	expect_next(&g, KEYS("y", "z"), 2, NULL, 0, KEYS("x", NULL));
}

/* Required before optional, then depth, then key: not the order of the steps array. */
static void next_order(void **state)
{
	static const struct chain_step steps[] = {STEP("a"),    OPTIONAL("b_opt"), STEP("alpha"),
	                                          STEP("zeta"), OPTIONAL("a_opt"), STEP("m")};
	static const struct chain_edge edges[] = {
	        {"start", "a"},     {"start", "zeta"}, {"start", "b_opt"}, {"a", "alpha"},
	        {"start", "a_opt"}, {"start", "m"},    {"m", "alpha"}};
	struct chain_graph g = GRAPH(steps, edges);

	expect_next(&g, NULL, 0, NULL, 0, KEYS("a", "m", "zeta", "a_opt", "b_opt", NULL));
	expect_next(&g, KEYS("a", "m"), 2, NULL, 0, KEYS("zeta", "alpha", "a_opt", "b_opt", NULL));
}

static void next_rejects_invalid_graphs(void **state)
{
	static const struct chain_step steps[] = {STEP("a"), STEP("b")};
	static const struct chain_edge cycle[] = {{"start", "a"}, {"a", "b"}, {"b", "a"}};
	static const struct chain_edge loop[] = {{"start", "a"}, {"a", "a"}};
	static const struct chain_edge unknown[] = {{"start", "a"}, {"a", "x"}};
	static const struct chain_step dup[] = {STEP("a"), STEP("a")};
	static const struct chain_edge edges[] = {{"start", "a"}};
	struct chain_graph g1 = GRAPH(steps, cycle), g2 = GRAPH(steps, loop),
	                   g3 = GRAPH(steps, unknown), g4 = GRAPH(dup, edges);
	struct chain_graph empty = {NULL, 0, NULL, 0};
	size_t out[4];

	assert_int_equal(chain_next_steps(&g1, NULL, 0, NULL, 0, out), -EINVAL);
	assert_int_equal(chain_next_steps(&g2, NULL, 0, NULL, 0, out), -EINVAL);
	assert_int_equal(chain_next_steps(&g3, NULL, 0, NULL, 0, out), -EINVAL);
	assert_int_equal(chain_next_steps(&g4, NULL, 0, NULL, 0, out), -EINVAL);
	assert_int_equal(chain_next_steps(NULL, NULL, 0, NULL, 0, out), -EINVAL);
	assert_int_equal(chain_next_steps(&g1, NULL, 1, NULL, 0, out), -EINVAL);
	assert_int_equal(chain_next_steps(&empty, NULL, 0, NULL, 0, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(valid_chain),
	        cmocka_unit_test(empty_chain),
	        cmocka_unit_test(self_loop),
	        cmocka_unit_test(cycle_of_two),
	        cmocka_unit_test(cycle_of_n),
	        cmocka_unit_test(several_cycles),
	        cmocka_unit_test(unreachable_step),
	        cmocka_unit_test(no_start),
	        cmocka_unit_test(duplicate_key),
	        cmocka_unit_test(bad_keys),
	        cmocka_unit_test(bad_edges),
	        cmocka_unit_test(bad_step_fields),
	        cmocka_unit_test(warnings_apart_from_errors),
	        cmocka_unit_test(every_problem_at_once),
	        cmocka_unit_test(next_linear),
	        cmocka_unit_test(next_branch_and_join),
	        cmocka_unit_test(next_optional_does_not_block),
	        cmocka_unit_test(next_alternatives),
	        cmocka_unit_test(next_order),
	        cmocka_unit_test(next_rejects_invalid_graphs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
