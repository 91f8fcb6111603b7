#include "report_csv.h"

#include <stdio.h>
#include <string.h>
#include <event2/buffer.h>

#include "csv.h"
#include "report_suppress.h"
#include "util.h"

/* How a figure is written: a count ("x" when hidden), a number as it is, or a decimal. */
enum figure { FIG_COUNT, FIG_NUMBER, FIG_SHARE, FIG_DAYS };

struct line {
	struct csv *c;
	const char *section;
	const char *period;
	const json_t *bounds; /* the period's object: since, until */
	const char *row_id;
	const char *row;
};

static const char *text_or_empty(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

static void sep(struct csv *c)
{
	evbuffer_add(c->out, &c->sep, 1);
}

static void figure(const struct line *l, const char *column, const json_t *v, enum figure kind)
{
	struct csv *c = l->c;

	csv_text(c, l->section);
	sep(c);
	csv_text(c, l->period);
	sep(c);
	csv_text(c, text_or_empty(json_object_get(l->bounds, "since")));
	sep(c);
	csv_text(c, text_or_empty(json_object_get(l->bounds, "until")));
	sep(c);
	csv_text(c, l->row_id);
	sep(c);
	csv_text(c, l->row);
	sep(c);
	csv_text(c, column);
	sep(c);
	switch (kind) {
	case FIG_COUNT:
		if (json_is_integer(v))
			evbuffer_add_printf(c->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else
			evbuffer_add(c->out, "x", 1);
		break;
	case FIG_NUMBER:
		if (json_is_number(v))
			evbuffer_add_printf(c->out, "%.0f", json_number_value(v));
		break;
	case FIG_SHARE:
	case FIG_DAYS:
		if (json_is_number(v))
			csv_decimal(c, json_number_value(v), kind == FIG_SHARE ? 4 : 2);
		break;
	}
	evbuffer_add(c->out, "\r\n", 2);
}

static void fates(const struct line *l, const json_t *row)
{
	figure(l, "referred", json_object_get(row, "referred"), FIG_COUNT);
	for (size_t j = 0; report_fates[j]; j++)
		figure(l, report_fates[j], json_object_get(row, report_fates[j]), FIG_COUNT);
}

/* One timing measure: reaction, acceptance or start. */
static void timing(const struct line *l, const char *measure, const json_t *m)
{
	static const struct {
		const char *key;
		enum figure kind;
	} parts[] = {{"n", FIG_COUNT},
	             {"median", FIG_DAYS},
	             {"p90", FIG_DAYS},
	             {"with_target", FIG_COUNT},
	             {"within_target", FIG_COUNT}};

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		char column[64];
		snprintf(column, sizeof(column), "%s_%s", measure, parts[i].key);
		figure(l, column, json_object_get(m, parts[i].key), parts[i].kind);
	}
}

static void period(struct csv *c, const char *name, const json_t *p)
{
	static const char *const reason_sections[] = {"decline_reasons", "dropout_reasons"};
	struct line l = {c, "totals", name, p, "", ""};
	const json_t *totals = json_object_get(p, "totals"), *row;
	size_t i;
	char label[512];

	fates(&l, totals);
	figure(&l, "accepted", json_object_get(totals, "accepted"), FIG_COUNT);
	figure(&l, "started", json_object_get(totals, "started"), FIG_COUNT);
	figure(&l, "warm_handovers", json_object_get(totals, "warm_handovers"), FIG_COUNT);
	figure(&l, "warm_handover_share", json_object_get(totals, "warm_handover_share"),
	       FIG_SHARE);

	l.section = "outcomes_by_step";
	json_array_foreach(json_object_get(p, "outcomes_by_step"), i, row) {
		snprintf(label, sizeof(label), "%s: %s",
		         text_or_empty(json_object_get(row, "chain_name")),
		         text_or_empty(json_object_get(row, "step_name")));
		l.row_id = text_or_empty(json_object_get(row, "step_key"));
		l.row = label;
		fates(&l, row);
	}
	l.section = "outcomes_by_provider";
	json_array_foreach(json_object_get(p, "outcomes_by_provider"), i, row) {
		l.row_id = text_or_empty(json_object_get(row, "node_id"));
		l.row = text_or_empty(json_object_get(row, "name"));
		fates(&l, row);
	}
	for (size_t k = 0; k < ARRAY_SIZE(reason_sections); k++) {
		l.section = reason_sections[k];
		json_array_foreach(json_object_get(p, l.section), i, row) {
			l.row_id = l.row = text_or_empty(json_object_get(row, "reason"));
			figure(&l, "referrals", json_object_get(row, "referrals"), FIG_COUNT);
		}
	}
	l.section = "timing";
	json_array_foreach(json_object_get(p, "timing"), i, row) {
		if (json_is_string(json_object_get(row, "step_key")))
			snprintf(label, sizeof(label), "%s: %s",
			         text_or_empty(json_object_get(row, "chain_name")),
			         text_or_empty(json_object_get(row, "step_name")));
		else
			snprintf(label, sizeof(label), "%s", c->de ? "Alle" : "All");
		l.row_id = text_or_empty(json_object_get(row, "step_key"));
		l.row = label;
		figure(&l, "target_days_to_accept", json_object_get(row, "target_days_to_accept"),
		       FIG_NUMBER);
		figure(&l, "target_days_to_start", json_object_get(row, "target_days_to_start"),
		       FIG_NUMBER);
		timing(&l, "reaction", json_object_get(row, "reaction"));
		timing(&l, "acceptance", json_object_get(row, "acceptance"));
		timing(&l, "start", json_object_get(row, "start"));
	}
	l.section = "districts";
	json_array_foreach(json_object_get(p, "districts"), i, row) {
		l.row_id = l.row = text_or_empty(json_object_get(row, "district"));
		figure(&l, "referred", json_object_get(row, "referred"), FIG_COUNT);
	}
	l.section = "district_flows";
	json_array_foreach(json_object_get(p, "district_flows"), i, row) {
		l.row_id = l.row = text_or_empty(json_object_get(row, "from_district"));
		figure(&l, text_or_empty(json_object_get(row, "to_district")),
		       json_object_get(row, "referred"), FIG_COUNT);
	}
}

void report_csv(struct csv *c, const json_t *report)
{
	static const char *const en[] = {"section", "period", "since",  "until",
	                                 "row_id",  "row",    "column", "value"};
	static const char *const de[] = {"Abschnitt",  "Zeitraum", "Von",    "Bis",
	                                 "Zeile (Id)", "Zeile",    "Spalte", "Wert"};

	for (size_t i = 0; i < ARRAY_SIZE(en); i++) {
		if (i)
			sep(c);
		csv_text(c, c->de ? de[i] : en[i]);
	}
	evbuffer_add(c->out, "\r\n", 2);
	period(c, "current", json_object_get(report, "current"));
	period(c, "previous", json_object_get(report, "previous"));
}
