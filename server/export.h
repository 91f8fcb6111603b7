/*
 * What the statistics routes share about their exports (server/api/stats.c,
 * server/api/reports.c): which form a request asks for (?format= or Accept, ?lang=) and the
 * CSV reply. The cells themselves are server/csv.h's.
 */
#ifndef PNET_EXPORT_H
#define PNET_EXPORT_H

#include <stdbool.h>
#include <jansson.h>

#include "http.h"

struct csv;

enum export_format { EXPORT_NONE, EXPORT_JSON, EXPORT_CSV, EXPORT_EXCEL };

struct export
{
	enum export_format format;
	bool de; /* ?lang=de: German headers */
};

/* JSON or CSV from an Accept header: the higher q wins; on a tie the one named more precisely,
 * then JSON. No header means JSON; EXPORT_NONE when neither is acceptable. */
enum export_format export_negotiate(const char *accept);

/* Add to errors what is wrong with ?format= (json, csv or excel) and ?lang= (en or de). */
void export_check_query(const struct req *r, json_t *errors);

/* The form the request asks for: ?format= (a link in a browser cannot set headers), else
 * Accept; and ?lang=. Answers 406 (what: "The report is available") and returns false when
 * neither JSON nor CSV is acceptable. Call after export_check_query found nothing wrong. */
MUST_CHECK bool export_choose(struct req *r, struct export *e, const char *what);

/* Answer a report's JSON text in e's form (with Vary: Accept): when JSON and prepare is NULL as
 * it is; else parsed and changed by prepare (when given, e.g. report_suppress), then as JSON
 * or as CSV written by write, the attachment "<name>-<today>.csv" ("-excel" before ".csv" for
 * ?format=excel, which starts with a byte-order mark). */
void export_answer(struct req *r, const struct export *e, const char *text,
                   void (*prepare)(json_t *body), const char *name, const char *today,
                   void (*write)(struct csv *c, const json_t *body));

#endif
