-- The statements of server/api/system.c.

-- name: system_schema_version
-- params: none
-- The newest migration applied, which /readyz compares with the binary's.
SELECT coalesce(max(version), 0) AS version FROM schema_migration;
