-- replaces sha256 e6a6de3b0da051451d833fecce32cac1bacc9d5fa98a56290a9a9103f13d1c17
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- It defined retention_purge(): schema/functions/retention.sql.
