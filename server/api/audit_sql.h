/*
 * The audit row of a write, as SQL (docs/architecture.md: every write is audited, in the same
 * statement). Write statements take the actor as $1..$4 (req_actor: account, node, request id,
 * client address); AUDIT_INSERT(...) " FROM <cte>" adds the row in a data-modifying CTE.
 */
#ifndef PNET_AUDIT_SQL_H
#define PNET_AUDIT_SQL_H

/* The INSERT of the row: action, object type, object id expression, detail expression. */
#define AUDIT_INSERT(action, type, id_expr, detail_expr)                                           \
	"INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,"  \
	" client_addr, detail) SELECT $1::uuid, $2::uuid, '" action "', '" type "', " id_expr      \
	", $3, $4, " detail_expr

#endif
