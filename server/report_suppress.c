#include "report_suppress.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"
#include "util.h"

const char *const report_fates[] = {"open",        "declined",     "withdrawn",
                                    "dropped_out", "goal_reached", "partially_reached",
                                    "not_reached", "referred_on",  NULL};

/* Where declined and dropped_out are among the fates. */
#define FATE_DECLINED    1
#define FATE_DROPPED_OUT 3

static long long count(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static void hide(json_t *row, const char *key, bool hidden)
{
	if (hidden && json_object_get(row, key))
		json_object_set_new(row, key, json_null());
}

/* Two JSON values (strings or null) the same: the districts. */
static bool same(const json_t *a, const json_t *b)
{
	if (json_is_null(a) || !a)
		return json_is_null(b) || !b;
	return json_is_string(b) && !strcmp(json_string_value(a), json_string_value(b));
}

/* The index of v in the list of distinct values, added when new. */
static size_t distinct(json_t *list, const json_t *v)
{
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x) {
		if (same(x, v))
			return i;
	}
	json_array_append_new(list, v ? json_deep_copy(v) : json_null());
	return json_array_size(list) - 1;
}

/* The shared totals: the hidden state of each fate's total and of all referrals. */
struct shared {
	bool fate[REPORT_NFATES];
	bool all;
};

/* One table of the period and how its totals are linked to the shared ones. */
enum link { LINK_FATES, LINK_DECLINED, LINK_DROPPED_OUT, LINK_ALL };

struct linked {
	struct sup_table t;
	enum link link;
};

/* Copy the shared hidden totals into the table (in) or the table's into the shared (out). */
static bool exchange(struct linked *l, struct shared *s, bool in)
{
	struct sup_table *t = &l->t;
	bool changed = false;
	bool *entry, *shared;

#define SWAP(e, sh)                                                                                \
	do {                                                                                       \
		entry = (e);                                                                       \
		shared = (sh);                                                                     \
		if (in)                                                                            \
			*entry |= *shared;                                                         \
		else if (*entry && !*shared)                                                       \
			*shared = changed = true;                                                  \
	} while (0)

	switch (l->link) {
	case LINK_FATES:
		for (size_t j = 0; j < REPORT_NFATES; j++)
			SWAP(sup_hidden(t, t->rows, j), &s->fate[j]);
		SWAP(sup_hidden(t, t->rows, t->cols), &s->all);
		break;
	case LINK_DECLINED:
	case LINK_DROPPED_OUT: {
		size_t f = l->link == LINK_DECLINED ? FATE_DECLINED : FATE_DROPPED_OUT;
		/* one column: its total and the grand total are the same number */
		SWAP(sup_hidden(t, t->rows, 0), &s->fate[f]);
		SWAP(sup_hidden(t, t->rows, 1), &s->fate[f]);
		break;
	}
	case LINK_ALL:
		SWAP(sup_hidden(t, t->rows, t->cols), &s->all);
		break;
	}
#undef SWAP
	return changed;
}

/* A table of the outcome columns from rows (providers or steps); extra adds a row holding what
 * the totals have beyond the rows (the referrals without a step). */
static void fates_table(struct sup_table *t, const json_t *rows, const json_t *totals, bool extra)
{
	size_t n = json_array_size(rows), i;
	const json_t *row;

	sup_init(t, n + extra, REPORT_NFATES, true, true);
	json_array_foreach(rows, i, row) {
		for (size_t j = 0; j < REPORT_NFATES; j++)
			*sup_value(t, i, j) = count(row, report_fates[j]);
	}
	if (extra)
		for (size_t j = 0; j < REPORT_NFATES; j++) {
			long long rest = count(totals, report_fates[j]);
			for (i = 0; i < n; i++)
				rest -= *sup_value(t, i, j);
			*sup_value(t, n, j) = rest;
		}
	sup_add_up(t);
}

static void reasons_table(struct sup_table *t, const json_t *rows)
{
	size_t i;
	const json_t *row;

	sup_init(t, json_array_size(rows), 1, false, true);
	json_array_foreach(rows, i, row) {
		*sup_value(t, i, 0) = count(row, "referrals");
	}
	sup_add_up(t);
}

/* Client districts by provider districts; the row and column keys are collected in from, to. */
static void flows_table(struct sup_table *t, const json_t *flows, json_t *from, json_t *to)
{
	size_t i;
	const json_t *row;

	json_array_foreach(flows, i, row) {
		distinct(from, json_object_get(row, "from_district"));
		distinct(to, json_object_get(row, "to_district"));
	}
	sup_init(t, json_array_size(from), json_array_size(to), true, true);
	json_array_foreach(flows, i, row) {
		size_t a = distinct(from, json_object_get(row, "from_district"));
		size_t b = distinct(to, json_object_get(row, "to_district"));
		*sup_value(t, a, b) += count(row, "referred");
	}
	sup_add_up(t);
}

static void hide_fates(json_t *rows, const struct sup_table *t)
{
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		for (size_t j = 0; j < REPORT_NFATES; j++)
			hide(row, report_fates[j], *sup_hidden(t, i, j));
		hide(row, "referred", *sup_hidden(t, i, t->cols));
	}
}

/* A timing figure: its counts when small; median and 90th percentile with n. */
static void hide_timing(json_t *m)
{
	bool n = sup_small(count(m, "n"));

	hide(m, "median", n);
	hide(m, "p90", n);
	hide(m, "n", n);
	hide(m, "within_target", sup_small(count(m, "within_target")));
	hide(m, "with_target", sup_small(count(m, "with_target")));
}

static void suppress_period(json_t *p)
{
	json_t *totals = json_object_get(p, "totals");
	json_t *from = json_array(), *to = json_array();
	struct linked tables[5] = {
	        {.link = LINK_FATES},       {.link = LINK_FATES}, {.link = LINK_DECLINED},
	        {.link = LINK_DROPPED_OUT}, {.link = LINK_ALL},
	};
	struct shared s = {0};
	bool changed = true, warm, all;
	size_t i;
	json_t *row;

	if (!json_is_object(totals)) {
		json_decref(from);
		json_decref(to);
		return;
	}
	fates_table(&tables[0].t, json_object_get(p, "outcomes_by_provider"), totals, false);
	fates_table(&tables[1].t, json_object_get(p, "outcomes_by_step"), totals, true);
	reasons_table(&tables[2].t, json_object_get(p, "decline_reasons"));
	reasons_table(&tables[3].t, json_object_get(p, "dropout_reasons"));
	flows_table(&tables[4].t, json_object_get(p, "district_flows"), from, to);

	/* Suppress each table with what the others hid of the shared totals, until none adds. */
	while (changed) {
		changed = false;
		for (i = 0; i < ARRAY_SIZE(tables); i++) {
			exchange(&tables[i], &s, true);
			sup_suppress(&tables[i].t);
			changed |= exchange(&tables[i], &s, false);
		}
	}

	hide_fates(json_object_get(p, "outcomes_by_provider"), &tables[0].t);
	hide_fates(json_object_get(p, "outcomes_by_step"), &tables[1].t);
	json_array_foreach(json_object_get(p, "decline_reasons"), i, row) {
		hide(row, "referrals", *sup_hidden(&tables[2].t, i, 0));
	}
	json_array_foreach(json_object_get(p, "dropout_reasons"), i, row) {
		hide(row, "referrals", *sup_hidden(&tables[3].t, i, 0));
	}
	json_array_foreach(json_object_get(p, "district_flows"), i, row) {
		size_t a = distinct(from, json_object_get(row, "from_district"));
		size_t b = distinct(to, json_object_get(row, "to_district"));
		hide(row, "referred", *sup_hidden(&tables[4].t, a, b));
	}
	json_array_foreach(json_object_get(p, "districts"), i, row) {
		size_t a = distinct(from, json_object_get(row, "district"));
		if (a < tables[4].t.rows)
			hide(row, "referred", *sup_hidden(&tables[4].t, a, tables[4].t.cols));
	}

	all = s.all || sup_small(count(totals, "referred"));
	warm = sup_small(count(totals, "warm_handovers"));
	hide(totals, "warm_handover_share", warm || all);
	hide(totals, "warm_handovers", warm);
	hide(totals, "accepted", sup_small(count(totals, "accepted")));
	hide(totals, "started", sup_small(count(totals, "started")));
	for (size_t j = 0; j < REPORT_NFATES; j++)
		hide(totals, report_fates[j], s.fate[j]);
	hide(totals, "referred", all);

	json_array_foreach(json_object_get(p, "timing"), i, row) {
		hide_timing(json_object_get(row, "reaction"));
		hide_timing(json_object_get(row, "acceptance"));
		hide_timing(json_object_get(row, "start"));
	}

	for (i = 0; i < ARRAY_SIZE(tables); i++)
		sup_free(&tables[i].t);
	json_decref(from);
	json_decref(to);
}

void report_suppress(json_t *report)
{
	suppress_period(json_object_get(report, "current"));
	suppress_period(json_object_get(report, "previous"));
	json_object_set_new(report, "suppressed", json_true());
}
