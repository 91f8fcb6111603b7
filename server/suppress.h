/*
 * Small-cell suppression of a table of counts with its totals (docs/user-guide/statistics.md,
 * "Small numbers"). Primary: every count from 1 to 4 is hidden. Secondary: more cells are
 * hidden until no hidden cell can be worked out from the cells and totals still shown.
 *
 * A table of rows x cols counts has a totals column (row totals) and a totals row (column
 * totals) when it publishes them; the grand total is published with either. Each published
 * row or column that has a total is an equation: its cells add up to its total. A hidden entry
 * can be worked out exactly when it lies on no cycle of hidden entries in the graph whose
 * nodes are those equations (rows and columns without a total merged into one free node) and
 * whose edges are the hidden entries; so secondary suppression hides entries until no hidden
 * one is a bridge of that graph. It prefers the smallest positive count, so that as little as
 * possible is lost and every hidden entry can move both ways.
 *
 * Pure: no I/O, no JSON; unit-tested in tests/unit/test_suppress.c.
 */
#ifndef PNET_SUPPRESS_H
#define PNET_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

struct sup_table {
	size_t rows, cols; /* the inner cells */
	bool row_totals;   /* a totals column: entry (i, cols) is row i's total */
	bool col_totals;   /* a totals row: entry (rows, j) is column j's total */
	long long *value;  /* (rows + 1) x (cols + 1), row by row */
	bool *hidden;      /* the same shape */
};

/* A table of zeros, nothing hidden. */
void sup_init(struct sup_table *t, size_t rows, size_t cols, bool row_totals, bool col_totals);
void sup_free(struct sup_table *t);

/* Entry (i, j): i == rows is the totals row, j == cols the totals column. */
long long *sup_value(const struct sup_table *t, size_t i, size_t j);
bool *sup_hidden(const struct sup_table *t, size_t i, size_t j);

/* Whether entry (i, j) is published: every inner cell, and the totals the table has. */
bool sup_published(const struct sup_table *t, size_t i, size_t j);

/* Fill the totals row and column from the inner cells. */
void sup_add_up(struct sup_table *t);

/* Whether a count must be hidden on its own: 1 to 4 referrals could point at a person. */
bool sup_small(long long v);

/* Hide every small published entry, then whatever else makes a hidden one recoverable.
 * Entries hidden before the call stay hidden (a total another table shares). Returns how many
 * entries it hid. */
size_t sup_suppress(struct sup_table *t);

/* Whether hidden entry (i, j) could be worked out from what is shown (a bridge, see above). */
bool sup_recoverable(const struct sup_table *t, size_t i, size_t j);

#endif
