-- replaces sha256 3fd17bff5c8a1fa20db3701e68be77e12fd576174233c5f07bf3a3a86273433e
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- Network statistics (docs/user-guide/statistics.md): referral flows between nodes, the funnel of a chain, and how
-- well each member keeps its agreed response time. Only counts leave these functions: no
-- case, no reference, no note. docs/user-guide/statistics.md defines every figure.
--
-- Statistics count live referrals and the anonymous rows retention leaves behind in
-- referral_archive (statistics keep only anonymous counts: docs/architecture.md, "Access rules"), through one view.

-- Statistics read a network's referrals by creation time.
CREATE INDEX referral_network_created_idx ON referral (network_id, created_at);
CREATE INDEX referral_archive_network_created_idx ON referral_archive (network_id, created_at);
CREATE INDEX referral_archive_chain_idx ON referral_archive (chain_id, created_at)
    WHERE chain_id IS NOT NULL;
