/*
 * Statistics exports as CSV: RFC 4180 by default, or the form German spreadsheets open
 * (semicolons, decimal commas; the caller adds the byte-order mark), with small cells
 * suppressed: a count from 1 to 4 is written "<5" and a rate or median computed from such a
 * count is left empty, so that no export points at a person (docs/user-guide/statistics.md).
 * No I/O: it writes into an evbuffer; unit-tested in tests/unit/test_csv.c.
 */
#ifndef PNET_CSV_H
#define PNET_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct evbuffer;

/* How a report field becomes a CSV cell. */
enum col_kind {
	COL_TEXT,    /* a string (or null: empty) */
	COL_KIND,    /* a node kind code: in German exports its German name */
	COL_NUMBER,  /* a setting such as agreed days: written as it is */
	COL_COUNT,   /* a count of referrals: 1..4 becomes "<5" */
	COL_DECIMAL, /* a rate or median: empty when one of the counts in from is suppressed */
};

struct csv_col {
	const char *key; /* the JSON field, also the English header */
	const char *de;  /* the German header */
	enum col_kind kind;
	int places;          /* COL_DECIMAL: digits after the point */
	const char *from[2]; /* COL_DECIMAL: the counts it is computed from */
};

/*
 * The form of an export: RFC 4180 (commas, decimal points) by default; for spreadsheets set to
 * German, such as Excel in Germany, semicolons, decimal commas and a byte-order mark so that
 * UTF-8 is read as such (?format=excel). Headers in German with ?lang=de.
 */
struct csv {
	struct evbuffer *out;
	char sep;   /* ',' or ';' */
	char point; /* '.' or ',' */
	bool de;    /* German headers and kind names */
};

/* A lead column the caller fills per row (the flows' level), or none. */
struct csv_lead {
	const char *header, *header_de;
	const char *value, *value_de;
};

/* A count the export must not show: 1..4 referrals could point at a person. */
bool csv_count_suppressed(const json_t *v);

/* One text field, quoted when it must be; text a spreadsheet would run as a formula is
   defused with a leading apostrophe. */
void csv_text(struct csv *c, const char *s);

/* A number with places digits after the export's decimal separator. */
void csv_decimal(struct csv *c, double v, int places);

/* The cell of column col in row (a JSON object), suppressed as the column's kind says. */
void csv_cell(struct csv *c, const json_t *row, const struct csv_col *col);

/* The header row: lead (or NULL), then the columns; CRLF. */
void csv_header(struct csv *c, const struct csv_lead *lead, const struct csv_col *cols, size_t n);

/* One line per item of the array body[key], each starting with lead's value when given. */
void csv_rows(struct csv *c, const json_t *body, const char *key, const struct csv_lead *lead,
              const struct csv_col *cols, size_t n);

#endif
