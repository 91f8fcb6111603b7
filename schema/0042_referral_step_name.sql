-- replaces sha256 6e597fc168d4ecebb0add63f6b66c65e3f937715de656759153997df6d025a59
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- It named a referral's chain step in referral_json(): schema/functions/referrals.sql.
