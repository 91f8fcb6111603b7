#include "suppress.h"

#include <stdint.h>
#include <stdlib.h>

#include "util.h"

void sup_init(struct sup_table *t, size_t rows, size_t cols, bool row_totals, bool col_totals)
{
	size_t n = (rows + 1) * (cols + 1);

	t->rows = rows;
	t->cols = cols;
	t->row_totals = row_totals;
	t->col_totals = col_totals;
	t->value = xcalloc(n, sizeof(*t->value));
	t->hidden = xcalloc(n, sizeof(*t->hidden));
}

void sup_free(struct sup_table *t)
{
	if (!t)
		return;
	free(t->value);
	free(t->hidden);
	t->value = NULL;
	t->hidden = NULL;
}

long long *sup_value(const struct sup_table *t, size_t i, size_t j)
{
	return &t->value[i * (t->cols + 1) + j];
}

bool *sup_hidden(const struct sup_table *t, size_t i, size_t j)
{
	return &t->hidden[i * (t->cols + 1) + j];
}

bool sup_published(const struct sup_table *t, size_t i, size_t j)
{
	if (i < t->rows && j < t->cols)
		return true;
	if (i == t->rows && j == t->cols)
		return t->row_totals || t->col_totals;
	return j == t->cols ? t->row_totals : t->col_totals;
}

void sup_add_up(struct sup_table *t)
{
	for (size_t i = 0; i <= t->rows; i++)
		*sup_value(t, i, t->cols) = 0;
	for (size_t j = 0; j < t->cols; j++)
		*sup_value(t, t->rows, j) = 0;
	for (size_t i = 0; i < t->rows; i++)
		for (size_t j = 0; j < t->cols; j++) {
			long long v = *sup_value(t, i, j);
			*sup_value(t, i, t->cols) += v;
			*sup_value(t, t->rows, j) += v;
			*sup_value(t, t->rows, t->cols) += v;
		}
}

bool sup_small(long long v)
{
	return v > 0 && v < 5;
}

/*
 * The equations: row i (of rows + 1) is one when its total is published: the inner rows when
 * the table has row totals, the totals row when it has column totals (the column totals add
 * up to the grand total). Likewise for columns.
 */
static bool row_is_equation(const struct sup_table *t, size_t i)
{
	return i < t->rows ? t->row_totals : t->col_totals;
}

static bool col_is_equation(const struct sup_table *t, size_t j)
{
	return j < t->cols ? t->col_totals : t->row_totals;
}

/*
 * The graph: node k < rows + 1 is row k, node rows + 1 + j is column j; every row or column
 * that is no equation is the one free node (index nodes - 1). Edges are the hidden published
 * entries. Which nodes are joined is kept as a union-find forest, made for the hidden set
 * without one entry and reused until that entry or the hidden set changes.
 */
struct graph {
	const struct sup_table *t;
	size_t nodes;
	size_t *parent;
	bool valid; /* parent is the forest of the hidden set without (skip_i, skip_j) */
	size_t skip_i, skip_j;
};

static size_t row_node(const struct graph *g, size_t i)
{
	return row_is_equation(g->t, i) ? i : g->nodes - 1;
}

static size_t col_node(const struct graph *g, size_t j)
{
	return col_is_equation(g->t, j) ? g->t->rows + 1 + j : g->nodes - 1;
}

static bool is_edge(const struct sup_table *t, size_t i, size_t j)
{
	return sup_published(t, i, j) && *sup_hidden(t, i, j);
}

static size_t root(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* The forest of the hidden entries other than (skip_i, skip_j). */
static void join(struct graph *g, size_t skip_i, size_t skip_j)
{
	const struct sup_table *t = g->t;

	if (g->valid && g->skip_i == skip_i && g->skip_j == skip_j)
		return;
	for (size_t k = 0; k < g->nodes; k++)
		g->parent[k] = k;
	for (size_t i = 0; i <= t->rows; i++)
		for (size_t j = 0; j <= t->cols; j++)
			if (is_edge(t, i, j) && !(i == skip_i && j == skip_j))
				g->parent[root(g->parent, row_node(g, i))] =
				        root(g->parent, col_node(g, j));
	g->valid = true;
	g->skip_i = skip_i;
	g->skip_j = skip_j;
}

/* Whether node to can be reached from node from over hidden entries other than (skip_i,
 * skip_j). */
static bool reachable(struct graph *g, size_t from, size_t to, size_t skip_i, size_t skip_j)
{
	join(g, skip_i, skip_j);
	return root(g->parent, from) == root(g->parent, to);
}

static void graph_init(struct graph *g, const struct sup_table *t)
{
	g->t = t;
	g->nodes = t->rows + 1 + t->cols + 1 + 1;
	g->parent = xcalloc(g->nodes, sizeof(*g->parent));
	g->valid = false;
}

static void graph_free(struct graph *g)
{
	free(g->parent);
}

static bool bridge(struct graph *g, size_t i, size_t j)
{
	size_t a = row_node(g, i), b = col_node(g, j);

	/* A loop at the free node: the entry is in no equation at all. */
	if (a == b)
		return false;
	return !reachable(g, a, b, i, j);
}

bool sup_recoverable(const struct sup_table *t, size_t i, size_t j)
{
	struct graph g;
	bool r;

	if (!is_edge(t, i, j))
		return false;
	graph_init(&g, t);
	r = bridge(&g, i, j);
	graph_free(&g);
	return r;
}

/* Which of two shown candidates to hide: a positive count before a zero, then the smaller. */
static bool better(const struct sup_table *t, size_t i, size_t j, long long best, bool have)
{
	long long v = *sup_value(t, i, j);

	if (!have)
		return true;
	if ((v > 0) != (best > 0))
		return v > 0;
	return v < best;
}

/* How many hidden entries row i has. */
static size_t row_degree(const struct sup_table *t, size_t i)
{
	size_t n = 0;

	for (size_t b = 0; b <= t->cols; b++)
		n += is_edge(t, i, b);
	return n;
}

/* The best shown entry of row i (col == SIZE_MAX) or column j (row == SIZE_MAX) to hide. */
static bool pick_in_line(const struct sup_table *t, size_t row, size_t col, size_t *bi, size_t *bj)
{
	long long best = 0;
	bool have = false;
	size_t n = row != SIZE_MAX ? t->cols : t->rows;

	for (size_t k = 0; k <= n; k++) {
		size_t a = row != SIZE_MAX ? row : k, b = row != SIZE_MAX ? k : col;

		if (!sup_published(t, a, b) || *sup_hidden(t, a, b) || !better(t, a, b, best, have))
			continue;
		*bi = a, *bj = b, best = *sup_value(t, a, b), have = true;
	}
	return have;
}

/* What hiding the missing corners of a rectangle costs: zeros hidden (they protect least and
 * read oddly), then entries hidden, then the sum of what is lost. Lower is better. */
struct cost {
	size_t zeros, entries;
	long long sum;
};

static bool cheaper(struct cost a, struct cost b)
{
	if (a.zeros != b.zeros)
		return a.zeros < b.zeros;
	if (a.entries != b.entries)
		return a.entries < b.entries;
	return a.sum < b.sum;
}

static void add_cost(const struct sup_table *t, size_t i, size_t j, struct cost *c)
{
	if (*sup_hidden(t, i, j))
		return;
	c->zeros += *sup_value(t, i, j) == 0;
	c->entries++;
	c->sum += *sup_value(t, i, j);
}

/* Keep candidate (a, b) with its cost if it is the cheapest so far. */
struct choice {
	size_t a, b;
	struct cost cost;
	bool rectangle; /* (a, b) is a rectangle's far corner: hide (a, j) and (i, b) too */
	bool have;
};

static void consider(struct choice *c, size_t a, size_t b, struct cost cost, bool rectangle)
{
	if (cost.entries && (!c->have || cheaper(cost, c->cost))) {
		c->a = a, c->b = b, c->cost = cost, c->rectangle = rectangle;
		c->have = true;
	}
}

/*
 * Hide what makes hidden entry (i, j) lie on a cycle, as cheaply as possible: one more entry of
 * its row (or column) whose column (or row) is already joined to the other end by hidden
 * entries, or the missing corners of a rectangle (i, j), (i, b), (a, b), (a, j). Without
 * either (a table of one row or column), another entry of the row's or the column's equation,
 * and the next round goes on from there. Returns false when nothing is left to hide.
 */
static bool mend(struct graph *g, size_t i, size_t j)
{
	const struct sup_table *t = g->t;
	struct choice c = {0};
	size_t bi = 0, bj = 0;
	bool have = false;

	for (size_t b = 0; b <= t->cols; b++) {
		struct cost cost = {0, 0, 0};
		if (b == j || !sup_published(t, i, b) || *sup_hidden(t, i, b) ||
		    !reachable(g, col_node(g, b), col_node(g, j), i, j))
			continue;
		add_cost(t, i, b, &cost);
		consider(&c, i, b, cost, false);
	}
	for (size_t a = 0; a <= t->rows; a++) {
		struct cost cost = {0, 0, 0};
		if (a == i || !sup_published(t, a, j) || *sup_hidden(t, a, j) ||
		    !reachable(g, row_node(g, a), row_node(g, i), i, j))
			continue;
		add_cost(t, a, j, &cost);
		consider(&c, a, j, cost, false);
	}
	for (size_t a = 0; a <= t->rows; a++) {
		if (a == i || !sup_published(t, a, j))
			continue;
		for (size_t b = 0; b <= t->cols; b++) {
			struct cost cost = {0, 0, 0};

			if (b == j || !sup_published(t, i, b) || !sup_published(t, a, b))
				continue;
			add_cost(t, a, j, &cost);
			add_cost(t, i, b, &cost);
			add_cost(t, a, b, &cost);
			consider(&c, a, b, cost, true);
		}
	}
	g->valid = false;
	if (c.have) {
		if (c.rectangle) {
			*sup_hidden(t, c.a, j) = true;
			*sup_hidden(t, i, c.b) = true;
		}
		*sup_hidden(t, c.a, c.b) = true;
		return true;
	}
	if (row_is_equation(t, i) && row_degree(t, i) == 1)
		have = pick_in_line(t, i, SIZE_MAX, &bi, &bj);
	if (!have && col_is_equation(t, j))
		have = pick_in_line(t, SIZE_MAX, j, &bi, &bj);
	if (!have && row_is_equation(t, i))
		have = pick_in_line(t, i, SIZE_MAX, &bi, &bj);
	if (!have)
		return false;
	*sup_hidden(t, bi, bj) = true;
	return true;
}

size_t sup_suppress(struct sup_table *t)
{
	struct graph g;
	size_t added = 0, before = 0;
	bool changed = true;

	for (size_t i = 0; i <= t->rows; i++)
		for (size_t j = 0; j <= t->cols; j++)
			before += is_edge(t, i, j);

	for (size_t i = 0; i <= t->rows; i++)
		for (size_t j = 0; j <= t->cols; j++)
			if (sup_published(t, i, j) && !*sup_hidden(t, i, j) &&
			    sup_small(*sup_value(t, i, j)))
				*sup_hidden(t, i, j) = true;
	graph_init(&g, t);
	/* Each round hides one entry or ends: the hidden set only grows, so this stops. */
	while (changed) {
		changed = false;
		for (size_t i = 0; i <= t->rows && !changed; i++)
			for (size_t j = 0; j <= t->cols && !changed; j++)
				if (is_edge(t, i, j) && bridge(&g, i, j) && mend(&g, i, j))
					changed = true;
	}
	graph_free(&g);
	for (size_t i = 0; i <= t->rows; i++)
		for (size_t j = 0; j <= t->cols; j++)
			added += is_edge(t, i, j);
	return added - before;
}
