-- Network statistics (server/api/stats.c; docs/user-guide/statistics.md defines every
-- figure): referral flows between nodes, the funnel of a chain, and how well each member
-- keeps its agreed response time. Only counts leave these functions: no case, no reference,
-- no note. They count live referrals and the anonymous rows retention leaves behind in
-- referral_archive, through one view.

-- One row per referral, live or archived, with only what statistics may use. A live
-- referral belongs to the chain its case is enrolled in (client_case.chain_version_id); its
-- first reaction is the earliest of received_at, accepted_at, the closing of a refusal (a
-- first answer that closes it, as a decline does) and the timeline's moves to a first answer
-- (referral_status.answer: received, waitlisted, accepted or declined). overdue is "now", so
-- it is false for archived rows (their cases are closed and gone). The case's target group
-- and district (Sozialraum) are what the network report filters by (schema/0100 keeps them
-- in the archive).
CREATE VIEW referral_fact AS
SELECT r.id, r.network_id, v.chain_id, r.chain_step_key, r.from_node_id, r.to_node_id, r.kind,
       r.status, r.status_reason, r.outcome,
       EXISTS (SELECT 1 FROM referral_event e
                WHERE e.referral_id = r.id AND e.kind = 'handover' AND e.warm) AS warm_handover,
       r.due_at, r.created_at, r.accepted_at, r.started_at, r.closed_at,
       least(r.received_at, r.accepted_at,
             CASE WHEN s.answer AND NOT s.open THEN r.closed_at END,
             (SELECT min(e.at) FROM referral_event e
               WHERE e.referral_id = r.id AND e.kind = 'transition'
                 AND e.to_status IN (SELECT a.status FROM referral_status a WHERE a.answer)))
           AS answered_at,
       referral_overdue(r, s) AS overdue,
       false AS archived,
       c.target_group_id, c.district
  FROM referral r
  JOIN referral_status s ON s.status = r.status
  JOIN client_case c ON c.id = r.case_id
  LEFT JOIN chain_version v ON v.id = c.chain_version_id
UNION ALL
SELECT a.id, a.network_id, a.chain_id, a.chain_step_key, a.from_node_id, a.to_node_id, a.kind,
       a.status, a.status_reason, a.outcome, a.warm_handover, a.due_at, a.created_at,
       a.accepted_at, a.started_at, a.closed_at,
       least(a.answered_at, a.accepted_at, CASE WHEN s.answer AND NOT s.open THEN a.closed_at END),
       false, true, a.target_group_id, a.district
  FROM referral_archive a
  LEFT JOIN referral_status s ON s.status = a.status;

-- A since/until query value as a point in time: an RFC 3339 date-time as it says, a date
-- (YYYY-MM-DD) as the midnight that starts it in Germany. The server validated the format.
CREATE FUNCTION stats_time(p text) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p IS NULL THEN NULL
                WHEN p ~ '^\d{4}-\d{2}-\d{2}$' THEN p::date::timestamp AT TIME ZONE 'Europe/Berlin'
                ELSE p::timestamptz END;
$$;

-- Fractional days between two times (NULL when either is missing).
CREATE FUNCTION stats_days(p_from timestamptz, p_to timestamptz) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT extract(epoch FROM p_to - p_from)::double precision / 86400;
$$;

-- A share rounded to four places; NULL when there is nothing to divide by.
CREATE FUNCTION stats_share(p_part bigint, p_whole bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT round(p_part::numeric / nullif(p_whole, 0), 4);
$$;

-- The network's referrals created in [since, until) (either bound may be NULL: open).
CREATE FUNCTION stats_network_facts(p_network uuid, p_since timestamptz, p_until timestamptz)
RETURNS SETOF referral_fact LANGUAGE sql STABLE AS $$
    SELECT * FROM referral_fact f
     WHERE f.network_id = p_network
       AND (p_since IS NULL OR f.created_at >= p_since)
       AND (p_until IS NULL OR f.created_at < p_until);
$$;

-- Referral counts between nodes and between node kinds. accepted: reached accepted
-- (accepted_at set, whatever came after); declined: status declined; acceptance_rate:
-- accepted / (accepted + declined); median_days_to_accept: median of accepted_at -
-- created_at in days over the accepted ones. Rounded: rates to 4, days to 2 places.
CREATE FUNCTION stats_flows(p_network uuid, p_since timestamptz, p_until timestamptz)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    WITH f AS (
        SELECT f.*, fn.name AS from_name, fn.kind AS from_kind, tn.name AS to_name,
               tn.kind AS to_kind
          FROM stats_network_facts(p_network, p_since, p_until) f
          LEFT JOIN node fn ON fn.id = f.from_node_id
          LEFT JOIN node tn ON tn.id = f.to_node_id
    ), pairs AS (
        SELECT f.from_node_id, f.to_node_id, min(f.from_name) AS from_name,
               min(f.from_kind) AS from_kind, min(f.to_name) AS to_name,
               min(f.to_kind) AS to_kind, count(*) AS referred,
               count(*) FILTER (WHERE f.accepted_at IS NOT NULL) AS accepted,
               count(*) FILTER (WHERE f.status = 'declined') AS declined,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY stats_days(f.created_at, f.accepted_at))
                   AS median_days
          FROM f GROUP BY f.from_node_id, f.to_node_id
    ), kinds AS (
        SELECT f.from_kind, f.to_kind, count(*) AS referred,
               count(*) FILTER (WHERE f.accepted_at IS NOT NULL) AS accepted,
               count(*) FILTER (WHERE f.status = 'declined') AS declined,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY stats_days(f.created_at, f.accepted_at))
                   AS median_days
          FROM f GROUP BY f.from_kind, f.to_kind
    )
    SELECT json_build_object(
        'network_id', p_network, 'since', p_since, 'until', p_until,
        'nodes', coalesce((SELECT json_agg(json_build_object(
                     'from_node_id', p.from_node_id, 'from_name', p.from_name,
                     'from_kind', p.from_kind, 'to_node_id', p.to_node_id,
                     'to_name', p.to_name, 'to_kind', p.to_kind, 'referred', p.referred,
                     'accepted', p.accepted, 'declined', p.declined,
                     'acceptance_rate', stats_share(p.accepted, p.accepted + p.declined),
                     'median_days_to_accept', round(p.median_days::numeric, 2))
                     ORDER BY p.from_name, p.to_name, p.from_node_id, p.to_node_id)
                   FROM pairs p), '[]'),
        'kinds', coalesce((SELECT json_agg(json_build_object(
                     'from_kind', k.from_kind, 'to_kind', k.to_kind, 'referred', k.referred,
                     'accepted', k.accepted, 'declined', k.declined,
                     'acceptance_rate', stats_share(k.accepted, k.accepted + k.declined),
                     'median_days_to_accept', round(k.median_days::numeric, 2))
                     ORDER BY k.from_kind, k.to_kind)
                   FROM kinds k), '[]'))
    );
END $$;

-- Per step of a chain: the referrals made for it (chain_step_key) by cases enrolled in any
-- version of the chain. Steps are listed in the order of the current version (the published
-- one, else the newest retired one), then keys only older versions had, by key. started:
-- reached in_progress (started_at set); median_days_to_start: started_at - accepted_at;
-- overdue_now: referral_is_overdue() at this moment; conferences: case conferences on the
-- step that were not cancelled (created in the period).
CREATE FUNCTION stats_funnel(p_chain uuid, p_since timestamptz, p_until timestamptz)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    WITH cur AS (
        SELECT v.id FROM chain_version v
         WHERE v.chain_id = p_chain AND v.status <> 'draft'
         ORDER BY (v.status = 'published') DESC, v.number DESC LIMIT 1
    ), f AS (
        SELECT f.* FROM referral_fact f JOIN chain c ON c.id = p_chain
         WHERE f.network_id = c.network_id AND f.chain_id = p_chain
           AND f.chain_step_key IS NOT NULL
           AND (p_since IS NULL OR f.created_at >= p_since)
           AND (p_until IS NULL OR f.created_at < p_until)
    ), counts AS (
        SELECT f.chain_step_key AS key, count(*) AS referred,
               count(*) FILTER (WHERE f.accepted_at IS NOT NULL) AS accepted,
               count(*) FILTER (WHERE f.started_at IS NOT NULL) AS started,
               count(*) FILTER (WHERE f.status = 'completed') AS completed,
               count(*) FILTER (WHERE f.status = 'declined') AS declined,
               count(*) FILTER (WHERE f.status = 'dropped_out') AS dropped_out,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY stats_days(f.created_at, f.accepted_at))
                   AS median_accept,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY stats_days(f.accepted_at, f.started_at))
                   AS median_start,
               count(*) FILTER (WHERE f.overdue) AS overdue_now
          FROM f GROUP BY f.chain_step_key
    ), conf AS (
        -- Case conferences on each step (conference_fact: live and archived), but those
        -- called off.
        SELECT x.chain_step_key AS key, count(*) AS conferences
          FROM conference_fact x JOIN chain ch ON ch.id = p_chain
         WHERE x.network_id = ch.network_id AND x.chain_id = p_chain
           AND x.chain_step_key IS NOT NULL AND x.status <> 'cancelled'
           AND (p_since IS NULL OR x.created_at >= p_since)
           AND (p_until IS NULL OR x.created_at < p_until)
         GROUP BY x.chain_step_key
    ), steps AS (
        SELECT s.key, s.name, 0 AS part, s.position
          FROM chain_step s JOIN cur ON s.version_id = cur.id
        UNION ALL
        SELECT c.key,
               (SELECT s.name FROM chain_step s JOIN chain_version v ON v.id = s.version_id
                 WHERE v.chain_id = p_chain AND s.key = c.key AND v.status <> 'draft'
                 ORDER BY v.number DESC LIMIT 1),
               1, 0
          FROM (SELECT key FROM counts UNION SELECT key FROM conf) c
         WHERE NOT EXISTS (SELECT 1 FROM chain_step s JOIN cur ON s.version_id = cur.id
                            WHERE s.key = c.key)
    )
    SELECT json_build_object(
        'chain_id', p_chain, 'since', p_since, 'until', p_until,
        'steps', coalesce(json_agg(json_build_object(
                     'key', s.key, 'name', s.name,
                     'referred', coalesce(c.referred, 0), 'accepted', coalesce(c.accepted, 0),
                     'started', coalesce(c.started, 0), 'completed', coalesce(c.completed, 0),
                     'declined', coalesce(c.declined, 0),
                     'dropped_out', coalesce(c.dropped_out, 0),
                     'median_days_to_accept', round(c.median_accept::numeric, 2),
                     'median_days_to_start', round(c.median_start::numeric, 2),
                     'overdue_now', coalesce(c.overdue_now, 0),
                     'conferences', coalesce(k.conferences, 0))
                     ORDER BY s.part, s.position, s.key), '[]'))
      FROM steps s LEFT JOIN counts c ON c.key = s.key LEFT JOIN conf k ON k.key = s.key
    );
END $$;

-- Per member (and any other node that received referrals of the network): how many of its
-- referrals it answered within its agreed days (network_member.days_to_accept, else the
-- network's default_days_to_accept) after they were sent. A referral counts once its
-- deadline has passed or it was answered; one withdrawn unanswered before its deadline does
-- not count (the receiver had no chance to answer in time).
CREATE FUNCTION stats_agreements(p_network uuid, p_since timestamptz, p_until timestamptz)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    WITH f AS (
        SELECT f.to_node_id, f.created_at, f.answered_at, f.closed_at
          FROM stats_network_facts(p_network, p_since, p_until) f
    ), receivers AS (
        SELECT m.node_id, m.days_to_accept FROM network_member m WHERE m.network_id = p_network
        UNION
        SELECT f.to_node_id, NULL::integer FROM f
         WHERE NOT EXISTS (SELECT 1 FROM network_member m
                            WHERE m.network_id = p_network AND m.node_id = f.to_node_id)
    ), e AS (
        SELECT x.node_id, coalesce(x.days_to_accept, n.default_days_to_accept) AS days
          FROM receivers x, network n WHERE n.id = p_network
    ), per AS (
        SELECT e.node_id, e.days,
               count(*) FILTER (WHERE f.answered_at IS NOT NULL
                                   OR f.created_at + make_interval(days => e.days)
                                      <= coalesce(f.closed_at, now())) AS referrals,
               count(*) FILTER (WHERE f.answered_at <= f.created_at + make_interval(days => e.days))
                   AS in_time
          FROM e LEFT JOIN f ON f.to_node_id = e.node_id
         GROUP BY e.node_id, e.days
    )
    SELECT json_build_object(
        'network_id', p_network, 'since', p_since, 'until', p_until,
        'members', coalesce(json_agg(json_build_object(
                       'node_id', p.node_id, 'name', d.name, 'days_to_accept', p.days,
                       'referrals', p.referrals, 'answered_in_time', p.in_time,
                       'share_in_time', stats_share(p.in_time, p.referrals))
                       ORDER BY d.name, p.node_id), '[]'))
      FROM per p LEFT JOIN node d ON d.id = p.node_id
    );
END $$;
