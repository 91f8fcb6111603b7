#include "csv.h"

#include <stdio.h>
#include <string.h>
#include <event2/buffer.h>

#include "directory.h"
#include "suppress.h"
#include "util.h"

/* A count that the export must not show: 1..4 referrals could point at a person (the rule of
 * every export: server/suppress.h). */
bool csv_count_suppressed(const json_t *v)
{
	return json_is_integer(v) && sup_small(json_integer_value(v));
}

/*
 * One field: quoted when it holds the separator, a quote or a line break. Text that a
 * spreadsheet would run as a formula (starting with = + - @ tab or CR) gets a leading
 * apostrophe, so that a node name can never become a formula in the coordinator's Excel.
 */
void csv_text(struct csv *c, const char *s)
{
	char special[] = {c->sep, '"', '\r', '\n', '\0'};
	bool formula = s[0] && strchr("=+-@\t\r", s[0]);
	bool quote = formula || strpbrk(s, special);

	if (!quote) {
		evbuffer_add(c->out, s, strlen(s));
		return;
	}
	evbuffer_add(c->out, "\"", 1);
	if (formula)
		evbuffer_add(c->out, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			evbuffer_add(c->out, "\"", 1);
		evbuffer_add(c->out, p, 1);
	}
	evbuffer_add(c->out, "\"", 1);
}

/* A number with places digits after the decimal separator of the export. */
void csv_decimal(struct csv *c, double v, int places)
{
	char text[64], *point;

	snprintf(text, sizeof(text), "%.*f", places, v);
	point = strchr(text, '.');
	if (point)
		*point = c->point;
	evbuffer_add(c->out, text, strlen(text));
}

void csv_cell(struct csv *c, const json_t *row, const struct csv_col *col)
{
	const json_t *v = json_object_get(row, col->key);
	const char *kind;

	switch (col->kind) {
	case COL_TEXT:
		if (json_is_string(v))
			csv_text(c, json_string_value(v));
		break;
	case COL_KIND:
		if (!json_is_string(v))
			break;
		kind = c->de ? directory_node_kind_de(json_string_value(v)) : NULL;
		csv_text(c, kind ? kind : json_string_value(v));
		break;
	case COL_NUMBER:
		if (json_is_number(v))
			evbuffer_add_printf(c->out, "%.0f", json_number_value(v));
		break;
	case COL_COUNT:
		if (csv_count_suppressed(v))
			evbuffer_add(c->out, "<5", 2);
		else if (json_is_integer(v))
			evbuffer_add_printf(c->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case COL_DECIMAL:
		for (size_t i = 0; i < ARRAY_SIZE(col->from) && col->from[i]; i++)
			if (csv_count_suppressed(json_object_get(row, col->from[i])))
				return;
		if (json_is_number(v))
			csv_decimal(c, json_number_value(v), col->places);
		break;
	}
}

/* The header row: lead (or NULL), then the columns. */
void csv_header(struct csv *c, const struct csv_lead *lead, const struct csv_col *cols, size_t n)
{
	if (lead)
		evbuffer_add_printf(c->out, "%s%c", c->de ? lead->header_de : lead->header, c->sep);
	for (size_t i = 0; i < n; i++) {
		if (i)
			evbuffer_add(c->out, &c->sep, 1);
		csv_text(c, c->de ? cols[i].de : cols[i].key);
	}
	evbuffer_add(c->out, "\r\n", 2);
}

/* One line per item of the array body[key], each starting with lead's value when given. */
void csv_rows(struct csv *c, const json_t *body, const char *key, const struct csv_lead *lead,
              const struct csv_col *cols, size_t n)
{
	const json_t *row;
	size_t i;

	json_array_foreach(json_object_get(body, key), i, row) {
		if (lead)
			evbuffer_add_printf(c->out, "%s%c", c->de ? lead->value_de : lead->value,
			                    c->sep);
		for (size_t k = 0; k < n; k++) {
			if (k)
				evbuffer_add(c->out, &c->sep, 1);
			csv_cell(c, row, &cols[k]);
		}
		evbuffer_add(c->out, "\r\n", 2);
	}
}
