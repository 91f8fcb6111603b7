/*
 * The network report as one CSV in long form (docs/user-guide/statistics.md, "The network
 * report"): one line per figure, naming its section, period, row and column, so that a
 * spreadsheet's pivot table rebuilds every table. Written from the suppressed report
 * (server/report_suppress.h): a hidden count is "x", a share or median of a hidden count empty.
 * No I/O: it writes into the csv's evbuffer (server/csv.h).
 */
#ifndef PNET_REPORT_CSV_H
#define PNET_REPORT_CSV_H

#include <jansson.h>

struct csv;

void report_csv(struct csv *c, const json_t *report);

#endif
