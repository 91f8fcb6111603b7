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

-- pnetd keeps the token checks it made (server/token_cache.h) until a change that could make
-- one wrong is notified on pnet_auth: a token revoked, changed or deleted, or an account's
-- login, role, node, networks, password rule or disabled flag changed, or either table
-- emptied. The last use of a token (written once a minute) is no such change. Notifications
-- are sent at commit, so a request after the commit no longer finds the old check.
CREATE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pnet_auth', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER api_token_auth_changed AFTER UPDATE ON api_token
    FOR EACH ROW WHEN ((OLD.revoked_at, OLD.expires_at, OLD.scopes, OLD.kind, OLD.account_id,
                        OLD.token_hash)
                       IS DISTINCT FROM (NEW.revoked_at, NEW.expires_at, NEW.scopes, NEW.kind,
                                         NEW.account_id, NEW.token_hash))
    EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER api_token_auth_deleted AFTER DELETE ON api_token
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER api_token_auth_truncated AFTER TRUNCATE ON api_token
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER account_auth_changed AFTER UPDATE ON account
    FOR EACH ROW WHEN ((OLD.login, OLD.role, OLD.node_id, OLD.network_ids, OLD.disabled,
                        OLD.must_change_password)
                       IS DISTINCT FROM (NEW.login, NEW.role, NEW.node_id, NEW.network_ids,
                                         NEW.disabled, NEW.must_change_password))
    EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER account_auth_deleted AFTER DELETE ON account
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER account_auth_truncated AFTER TRUNCATE ON account
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
