-- replaces sha256 5c724042fcdbf5e3a05207677800d05d091583f55e420dc8865be6fd800d3637
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- It gave the problems the case functions raise a code per field: schema/functions/cases.sql.
