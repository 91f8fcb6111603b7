-- Accounts and their integration tokens (server/api/accounts.c, session.c).

-- An account as the API shows it (never its password hash).
CREATE FUNCTION account_json(a account) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', a.id, 'login', a.login, 'display_name', a.display_name, 'role', a.role,
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

-- The networks a coordinator coordinates must exist (an array cannot hold a foreign key);
-- the trigger raises as a declared constraint of that name would.
CREATE FUNCTION account_check_network_ids() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    SELECT t.id INTO missing
      FROM unnest(NEW.network_ids) AS t(id)
     WHERE NOT EXISTS (SELECT 1 FROM network w WHERE w.id = t.id FOR KEY SHARE OF w)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'network % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'account_network_ids_fkey',
                  TABLE = 'account', COLUMN = 'network_ids';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER account_network_ids_fkey BEFORE INSERT OR UPDATE OF network_ids ON account
    FOR EACH ROW WHEN (cardinality(NEW.network_ids) > 0)
    EXECUTE FUNCTION account_check_network_ids();

-- ... and a network an account still names cannot go.
CREATE FUNCTION network_refuse_delete_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM account WHERE network_ids @> ARRAY[OLD.id]) THEN
        RAISE EXCEPTION 'network % is still named by an account', OLD.id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'account_network_ids_fkey',
                  TABLE = 'account', COLUMN = 'network_ids';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER network_in_use BEFORE DELETE ON network
    FOR EACH ROW EXECUTE FUNCTION network_refuse_delete_in_use();
