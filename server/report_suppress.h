/*
 * Small numbers in the network report (docs/user-guide/statistics.md, "Small numbers"): the
 * report's tables as server/suppress.h tables, linked where they share a total, suppressed
 * together, and the hidden counts set to null in the report's JSON.
 *
 * Per period: the outcomes per provider and per chain step (every referral falls in exactly one
 * outcome column; the step table gets a row for the referrals without a step so that both add
 * up to the same totals), the decline and drop-out reasons (adding up to the declined and
 * dropped-out totals) and the flows between districts (adding up to all referrals) share the
 * totals: a total hidden in one is hidden in all, until none changes. Counts outside these
 * tables (accepted, started, warm handovers, the timing's counts) are hidden when small, and a
 * share, median or 90th percentile goes with the count it is computed from. The two periods
 * are suppressed each on its own: the report shows no figure computed over both.
 *
 * No I/O: it works on the report's JSON.
 */
#ifndef PNET_REPORT_SUPPRESS_H
#define PNET_REPORT_SUPPRESS_H

#include <jansson.h>

/* The outcome columns of the report, in order; every referral is in exactly one. */
extern const char *const report_fates[];
#define REPORT_NFATES 8

/* Suppress report (the JSON of report_network(), schema/functions/reports.sql) in place: both
 * periods; sets "suppressed": true. */
void report_suppress(json_t *report);

#endif
