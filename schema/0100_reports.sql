-- The network report (docs/user-guide/statistics.md, "The network report"): the figures a
-- Produktionsnetzwerk gives its Kommune and its Träger for a period and the one before,
-- filterable by target group, chain and the client's district (Sozialraum).
--
-- Retention must never change a past period's figures, so the archive keeps what the report
-- filters by: the case's target group and district. Rows archived before this migration get
-- the target group of their chain where they had one; their district stays unknown.

ALTER TABLE referral_archive ADD COLUMN target_group_id uuid, ADD COLUMN district text;
UPDATE referral_archive a SET target_group_id = c.target_group_id
  FROM chain c WHERE c.id = a.chain_id AND a.target_group_id IS NULL;
