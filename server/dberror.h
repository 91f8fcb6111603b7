/*
 * Turns a failed statement into the right problem+json. Constraints are named
 * <table>_<column>_<rule> (schema/0001_core.sql), so the field can be named; functions raise
 * application errors with SQLSTATE "PN" + HTTP status (PN404, PN409, PN422, ...), the problem
 * slug in DETAIL, the field (if any) in COLUMN and the sentence in MESSAGE.
 */
#ifndef PNET_DBERROR_H
#define PNET_DBERROR_H

#include "db.h"

struct req;

/* Answer r for a result that is not DB_OK. */
void dberror_answer(struct req *r, const struct db_result *res);

#endif
