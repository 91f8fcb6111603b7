-- Accounts and their integration tokens (server/api/accounts.c, session.c).

-- An account as the API shows it (never its password hash).
CREATE FUNCTION account_json(a account) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', a.id, 'login', a.login, 'display_name', a.display_name, 'phone', a.phone,
        'email', a.email, 'role', a.role,
        'node_id', a.node_id, 'network_ids', a.network_ids, 'disabled', a.disabled,
        'must_change_password', a.must_change_password,
        'password_changed_at', a.password_changed_at, 'version', a.version,
        'created_at', a.created_at, 'updated_at', a.updated_at);
$$;

-- A token as the API shows it (never its hash).
CREATE FUNCTION token_json(t api_token) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', t.id, 'account_id', t.account_id, 'kind', t.kind, 'label', t.label,
        'scopes', t.scopes, 'created_at', t.created_at, 'expires_at', t.expires_at,
        'last_used_at', t.last_used_at, 'revoked_at', t.revoked_at);
$$;

-- The networks a coordinator coordinates must exist, and a network an account still names
-- cannot go (array_fkey_check, schema/functions/shared.sql).
CREATE TRIGGER account_network_ids_fkey BEFORE INSERT OR UPDATE OF network_ids ON account
    FOR EACH ROW WHEN (cardinality(NEW.network_ids) > 0)
    EXECUTE FUNCTION array_fkey_check('network_ids', 'network', 'account_network_ids_fkey',
                                      'network');
CREATE TRIGGER network_in_use BEFORE DELETE ON network
    FOR EACH ROW
    EXECUTE FUNCTION array_fkey_refuse_delete('account', 'network_ids',
                                              'account_network_ids_fkey', 'network',
                                              'an account');
