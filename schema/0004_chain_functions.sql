-- replaces sha256 8a5edfbcfb76a8866a95b7b43ec7186b0313a8d71f76aa6c238ebdd3e2bb1b7f
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- It defined the functions of service chains and their versions: schema/functions/chains.sql
-- and chain_versions.sql.
