-- replaces sha256 dfbef97269327fc68f06401fd87f44d0aeb16264676c3c30a86055b23c01e6fd
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- It made chain_graph_problems() name every problem at once: schema/functions/chain_versions.sql.
