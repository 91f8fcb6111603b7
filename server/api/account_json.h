/* How an account row looks in the API, as SQL: shared by the account and session statements. */
#ifndef PNET_ACCOUNT_JSON_H
#define PNET_ACCOUNT_JSON_H

/* JSON text of account row a (an alias in the statement). */
#define ACCOUNT_JSON(a)                                                                            \
	"json_build_object('id', " a ".id, 'login', " a ".login, 'display_name', " a               \
	".display_name, 'phone', " a ".phone, 'email', " a ".email, 'role', " a                    \
	".role, 'node_id', " a ".node_id, 'network_ids', " a ".network_ids, 'disabled', " a        \
	".disabled, 'must_change_password', " a ".must_change_password, 'password_changed_at', " a \
	".password_changed_at, 'version', " a ".version, 'created_at', " a                         \
	".created_at, 'updated_at', " a ".updated_at)::text"

#endif
