/* What the statistics routes share (server/api/stats.c, server/api/reports.c). */
#ifndef PNET_API_STATS_H
#define PNET_API_STATS_H

enum stats_format { FORMAT_NONE, FORMAT_JSON, FORMAT_CSV, FORMAT_EXCEL };

/* JSON or CSV from an Accept header: the higher q wins; on a tie the one named more precisely,
 * then JSON. No header means JSON; FORMAT_NONE when neither is acceptable. */
enum stats_format stats_negotiate(const char *accept);

#endif
