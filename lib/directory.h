/*
 * The registry's vocabulary (docs/data-model.md): the kinds of organizations and nodes and
 * the states of services and their hours, as the API and the schema's CHECKs spell them.
 * The server's endpoints and the HSDS importer check input against these same lists.
 */
#ifndef PNET_DIRECTORY_H
#define PNET_DIRECTORY_H

#include <jansson.h>

/* Each list is NULL-terminated, for validate_enum and JF_ENUM. */
extern const char *const directory_organization_kinds[];
extern const char *const directory_node_kinds[];
extern const char *const directory_service_statuses[];
extern const char *const directory_schedule_kinds[];

/*
 * The lists as GET /v1/vocabulary answers them, for the clients to read instead of a copy:
 * {"organization_kinds": [...], "node_kinds": [...], "service_statuses": [...],
 * "schedule_kinds": [...]} (new reference).
 */
json_t *directory_vocabulary(void);

/* The German name of a node kind, as the web app shows it ("Beratungsstelle"), or NULL. */
const char *directory_node_kind_de(const char *kind);

#endif
