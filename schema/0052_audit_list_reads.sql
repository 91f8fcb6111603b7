-- Reads of lists that show social data are audited with one row per request naming the ids
-- shown in detail (docs/architecture.md, "Reads of social data"): detail->'ids' and, for
-- referral lists, detail->'case_ids'. GET /v1/audit?object_id= finds such rows by those ids
-- as well as by object_id; this index lets it do so without reading the whole log.
CREATE INDEX audit_log_detail_idx ON audit_log USING gin (detail jsonb_path_ops);
