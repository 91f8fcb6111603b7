/* server/suppress.c: small cells and the cells that would give them away through totals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "suppress.h"

/* A table from its inner cells (row by row), with the totals added up. */
static void table(struct sup_table *t, size_t rows, size_t cols, bool row_totals, bool col_totals,
                  const long long *cells)
{
	sup_init(t, rows, cols, row_totals, col_totals);
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			*sup_value(t, i, j) = cells[i * cols + j];
	sup_add_up(t);
}

/* The hidden entries as a picture: one line per row, 'x' hidden, '.' shown, ' ' unpublished. */
static char *picture(const struct sup_table *t)
{
	char *s = calloc((t->rows + 1) * (t->cols + 2) + 1, 1), *p = s;

	for (size_t i = 0; i <= t->rows; i++) {
		for (size_t j = 0; j <= t->cols; j++)
			*p++ = !sup_published(t, i, j) ? ' ' : *sup_hidden(t, i, j) ? 'x' : '.';
		*p++ = '/';
	}
	return s;
}

/*
 * Whether hidden entry (ti, tj) is determined by what is shown, by linear algebra and not by
 * the module's graph: the unknowns are the hidden entries, every published row or column with
 * a total is an equation (cells minus total = 0); the entry is determined exactly when its unit
 * vector lies in the span of the equations restricted to the unknowns.
 */
static size_t rank(double *m, size_t rows, size_t cols)
{
	size_t r = 0;

	for (size_t c = 0; c < cols && r < rows; c++) {
		size_t p = r;
		for (size_t i = r + 1; i < rows; i++)
			if (fabs(m[i * cols + c]) > fabs(m[p * cols + c]))
				p = i;
		if (fabs(m[p * cols + c]) < 1e-9)
			continue;
		for (size_t k = 0; k < cols; k++) {
			double x = m[r * cols + k];
			m[r * cols + k] = m[p * cols + k];
			m[p * cols + k] = x;
		}
		for (size_t i = 0; i < rows; i++) {
			double f;
			if (i == r)
				continue;
			f = m[i * cols + c] / m[r * cols + c];
			for (size_t k = 0; k < cols; k++)
				m[i * cols + k] -= f * m[r * cols + k];
		}
		r++;
	}
	return r;
}

static bool determined(const struct sup_table *t, size_t ti, size_t tj)
{
	size_t n = (t->rows + 1) * (t->cols + 1), lines = t->rows + 1 + t->cols + 1;
	double *a = calloc((lines + 1) * n, sizeof(double)),
	       *b = calloc((lines + 1) * n, sizeof(double));
	size_t eq = 0, ra, rb;

	for (size_t i = 0; i <= t->rows; i++) {
		if (!(i < t->rows ? t->row_totals : t->col_totals))
			continue;
		for (size_t j = 0; j <= t->cols; j++)
			if (*sup_hidden(t, i, j) && sup_published(t, i, j))
				a[eq * n + i * (t->cols + 1) + j] = j == t->cols ? -1 : 1;
		eq++;
	}
	for (size_t j = 0; j <= t->cols; j++) {
		if (!(j < t->cols ? t->col_totals : t->row_totals))
			continue;
		for (size_t i = 0; i <= t->rows; i++)
			if (*sup_hidden(t, i, j) && sup_published(t, i, j))
				a[eq * n + i * (t->cols + 1) + j] = i == t->rows ? -1 : 1;
		eq++;
	}
	memcpy(b, a, eq * n * sizeof(double));
	b[eq * n + ti * (t->cols + 1) + tj] = 1;
	ra = rank(a, eq, n);
	rb = rank(b, eq + 1, n);
	free(a);
	free(b);
	return ra == rb;
}

static void small_counts_are_hidden_and_others_not(void **state)
{
	static const long long cells[] = {0, 1, 4, 5, 123, 7};
	struct sup_table t;

	(void)state;
	table(&t, 1, 6, false, false, cells);
	sup_suppress(&t);
	for (size_t j = 0; j < 6; j++)
		assert_int_equal(*sup_hidden(&t, 0, j), cells[j] > 0 && cells[j] < 5);
	/* no totals published: nothing can be worked out, so nothing more is hidden */
	assert_false(sup_published(&t, 0, 6));
	sup_free(&t);
}

static void a_lone_small_cell_takes_the_smallest_count_of_its_row_along(void **state)
{
	/* row 0: 3 would be 30 - 20 - 7; the 7 goes with it, not the 20. Column totals: the two
	   rows' cells in a column add up too, so the same pair in row 1 is hidden. */
	static const long long cells[] = {3, 20, 7, 10, 10, 10};
	struct sup_table t;
	char *pic;

	(void)state;
	table(&t, 2, 3, true, true, cells);
	sup_suppress(&t);
	pic = picture(&t);
	assert_string_equal(pic, "x.x./"
	                         "x.x./"
	                         "..../");
	for (size_t i = 0; i <= t.rows; i++)
		for (size_t j = 0; j <= t.cols; j++)
			if (*sup_hidden(&t, i, j))
				assert_false(determined(&t, i, j));
	free(pic);
	sup_free(&t);
}

static void with_row_totals_only_a_row_needs_two(void **state)
{
	static const long long cells[] = {2, 9, 8, 40, 50, 60};
	struct sup_table t;
	char *pic;

	(void)state;
	table(&t, 2, 3, true, false, cells);
	sup_suppress(&t);
	pic = picture(&t);
	/* the grand total is published with the row totals; row 1 and the totals are untouched */
	assert_string_equal(pic, "x.x./"
	                         "..../"
	                         "   ./");
	free(pic);
	sup_free(&t);
}

static void a_total_hidden_elsewhere_is_protected_here(void **state)
{
	/* A total that another table of the report hides (the declined referrals) stays hidden,
	   and a cell of this table goes with it so that the cells do not add up to it. */
	static const long long cells[] = {6, 9, 12};
	struct sup_table t;

	(void)state;
	table(&t, 3, 1, false, true, cells);
	*sup_hidden(&t, 3, 0) = true;
	/* one column: its total is the grand total too, which goes with it */
	assert_int_equal(sup_suppress(&t), 2);
	assert_true(*sup_hidden(&t, 3, 1));
	assert_true(*sup_hidden(&t, 0, 0)); /* the smallest */
	assert_false(*sup_hidden(&t, 1, 0));
	assert_false(determined(&t, 3, 0));
	assert_false(determined(&t, 0, 0));
	sup_free(&t);
}

static void two_blocks_joined_by_one_cell_get_a_cycle_through_it(void **state)
{
	/*
	 * Rows 0-1 x columns 0-1 and rows 2-3 x columns 2-3 each hide a rectangle of small
	 * cells; (1, 2) is small too and, the two blocks being shut in by shown cells, it would be
	 * the difference of sums that are known. The module must leave no hidden entry that the
	 * equations determine.
	 */
	static const long long cells[] = {
	        2, 3, 50, 60, 3, 2, 4, 70, 80, 90, 2, 3, 60, 70, 3, 2,
	};
	struct sup_table t;

	(void)state;
	table(&t, 4, 4, true, true, cells);
	sup_suppress(&t);
	for (size_t i = 0; i <= t.rows; i++)
		for (size_t j = 0; j <= t.cols; j++) {
			if (sup_small(*sup_value(&t, i, j)))
				assert_true(*sup_hidden(&t, i, j));
			if (*sup_hidden(&t, i, j)) {
				assert_false(determined(&t, i, j));
				assert_false(sup_recoverable(&t, i, j));
			}
		}
	sup_free(&t);
}

/* Many random tables: every small entry hidden, no hidden entry determined by the others. */
static void random_tables_leave_nothing_recoverable(void **state)
{
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 400; round++) {
		size_t rows = 1 + round % 5, cols = 1 + (round / 5) % 5;
		bool rt = round % 3 != 0, ct = round % 4 != 1;
		long long *cells = calloc(rows * cols, sizeof(long long));
		struct sup_table t;

		for (size_t k = 0; k < rows * cols; k++) {
			seed = seed * 1103515245u + 12345u;
			/* about half the cells small, some zero, the rest large */
			cells[k] = (seed >> 16) % 4 == 0   ? 0
			           : (seed >> 16) % 4 == 1 ? 20 + (seed >> 20) % 30
			                                   : 1 + (seed >> 20) % 4;
		}
		table(&t, rows, cols, rt, ct, cells);
		sup_suppress(&t);
		for (size_t i = 0; i <= rows; i++)
			for (size_t j = 0; j <= cols; j++) {
				if (!sup_published(&t, i, j))
					continue;
				if (sup_small(*sup_value(&t, i, j)))
					assert_true(*sup_hidden(&t, i, j));
				if (*sup_hidden(&t, i, j))
					assert_false(determined(&t, i, j));
			}
		sup_free(&t);
		free(cells);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(small_counts_are_hidden_and_others_not),
	        cmocka_unit_test(a_lone_small_cell_takes_the_smallest_count_of_its_row_along),
	        cmocka_unit_test(with_row_totals_only_a_row_needs_two),
	        cmocka_unit_test(a_total_hidden_elsewhere_is_protected_here),
	        cmocka_unit_test(two_blocks_joined_by_one_cell_get_a_cycle_through_it),
	        cmocka_unit_test(random_tables_leave_nothing_recoverable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
