/*
 * The Open Referral HSDS 3.0 mapping of pnetd hsds-import: a document of the shape GET
 * /v1/hsds/export answers to the rows pnet keeps (docs/hsds.md). Pure: no I/O; what the
 * database holds comes in as `known`, and the loader (server/tools/hsds_import.c) writes the
 * rows.
 */
#ifndef PNET_HSDS_MAP_H
#define PNET_HSDS_MAP_H

#include <jansson.h>

/* What hsds_map makes of a document (new references; hsds_map_clear frees them). */
struct hsds_map {
	json_t *organizations; /* rows of table organization: {id, name, kind, email, ...} */
	json_t *nodes;         /* rows of table node (from the locations) */
	json_t *services;      /* rows of table service, node_id from service_at_locations */
	/* The problems, [{"field": its JSON path ("services[2].wait_time"), "code", "message"}]. */
	json_t *errors;
};

/*
 * The ids the document refers to that it may not hold itself, for the loader to look up:
 * {"organizations": [the locations' organization_id], "nodes": [the service_at_locations'
 * location_id]}, each a UUID in lower case (new reference).
 */
json_t *hsds_map_references(const json_t *doc);

/*
 * Map doc into out. known says what the database holds: {"categories": [the service category
 * codes], "organizations": [ids], "nodes": [ids]} (at least those hsds_map_references names).
 * 0 when the document has no problem; -EINVAL when out->errors lists some (the rows are then
 * incomplete and must not be written). out is filled either way.
 */
int hsds_map(const json_t *doc, const json_t *known, struct hsds_map *out);

/* Free what hsds_map filled in; NULL is fine. */
void hsds_map_clear(struct hsds_map *m);

#endif
