-- replaces sha256 347b0cdf0371dd1c2f0350c2e236bb9ac71677153c73599c079796fa1164d1ea
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- It defined the functions of cases and consents: schema/functions/cases.sql.
