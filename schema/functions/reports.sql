-- The network report (server/api/reports.c; docs/user-guide/statistics.md, "The network
-- report"): the figures a Produktionsnetzwerk gives its Kommune and its Träger for a period
-- and the one before, filterable by target group, chain and the client's district
-- (Sozialraum). They count referral_fact (schema/functions/stats.sql), live and archived
-- referrals alike, so retention never changes a past period's figures.

-- The period before [p_since, p_until) (dates, until excluded): as many whole months before
-- when both are the first of a month (a quarter's previous quarter), else as many days.
CREATE FUNCTION report_previous(p_since date, p_until date, OUT since date, OUT until date)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    since := CASE WHEN extract(day FROM p_since) = 1 AND extract(day FROM p_until) = 1
                  THEN (p_since - make_interval(months => (
                            (extract(year FROM p_until) - extract(year FROM p_since)) * 12
                            + extract(month FROM p_until) - extract(month FROM p_since))::int
                       ))::date
                  ELSE p_since - (p_until - p_since) END;
    until := p_since;
END $$;

-- The referrals a report counts: the network's, sent in [p_since, p_until) (dates in
-- Germany), narrowed by target group, chain and the client's district when given.
CREATE FUNCTION report_facts(p_network uuid, p_since date, p_until date, p_target_group uuid,
                             p_chain uuid, p_district text)
RETURNS SETOF referral_fact LANGUAGE sql STABLE AS $$
    SELECT * FROM referral_fact f
     WHERE f.network_id = p_network
       AND f.created_at >= p_since::timestamp AT TIME ZONE 'Europe/Berlin'
       AND f.created_at < p_until::timestamp AT TIME ZONE 'Europe/Berlin'
       AND (p_target_group IS NULL OR f.target_group_id = p_target_group)
       AND (p_chain IS NULL OR f.chain_id = p_chain)
       AND (p_district IS NULL OR f.district = p_district);
$$;

-- Median and 90th percentile (percentile_cont) of a set of days, rounded to two places, how
-- many there were and how many met their target, as one JSON object.
CREATE FUNCTION report_timing(p_days double precision[], p_met boolean[]) RETURNS json
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (
    SELECT json_build_object(
        'n', count(d),
        'median', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY d))::numeric, 2),
        'p90', round((percentile_cont(0.9) WITHIN GROUP (ORDER BY d))::numeric, 2),
        'within_target', count(*) FILTER (WHERE d IS NOT NULL AND m),
        'with_target', count(*) FILTER (WHERE d IS NOT NULL AND m IS NOT NULL))
      FROM unnest(p_days, p_met) AS x(d, m)
    );
END $$;

-- The figures of one period (docs/user-guide/statistics.md defines each). Every referral falls
-- in exactly one of the outcome columns (its fate): open while its status is an open one
-- (referral_status.open), else its closed status (declined, withdrawn, dropped_out), or for
-- the status whose move records an outcome (completed) that outcome (goal_reached,
-- partially_reached, not_reached, referred_on).
CREATE FUNCTION report_period(p_network uuid, p_since date, p_until date, p_target_group uuid,
                              p_chain uuid, p_district text)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    WITH f AS (
        SELECT f.*,
               CASE WHEN s.open THEN 'open'
                    WHEN s.outcome IS NOT NULL THEN coalesce(f.outcome, 'not_reached')
                    ELSE f.status END AS fate
          FROM report_facts(p_network, p_since, p_until, p_target_group, p_chain, p_district) f
          LEFT JOIN referral_status s ON s.status = f.status
    ), cur AS (
        -- Per chain: its current version (published, else the newest retired one).
        SELECT DISTINCT ON (v.chain_id) v.chain_id, v.id
          FROM chain_version v
         WHERE v.chain_id IN (SELECT f.chain_id FROM f) AND v.status <> 'draft'
         ORDER BY v.chain_id, (v.status = 'published') DESC, v.number DESC
    ), step AS (
        -- Per chain step key met in f: its name and targets in the current version, else in
        -- the newest version that had the key.
        SELECT DISTINCT ON (k.chain_id, k.key) k.chain_id, k.key, s.name, s.position,
               s.target_days_to_accept, s.target_days_to_start, (v.id = cur.id) AS current
          FROM (SELECT DISTINCT f.chain_id, f.chain_step_key AS key FROM f
                 WHERE f.chain_id IS NOT NULL AND f.chain_step_key IS NOT NULL) k
          JOIN chain_version v ON v.chain_id = k.chain_id AND v.status <> 'draft'
          JOIN chain_step s ON s.version_id = v.id AND s.key = k.key
          LEFT JOIN cur ON cur.chain_id = k.chain_id
         ORDER BY k.chain_id, k.key, (v.id = cur.id) DESC, v.number DESC
    ), fates AS (
        SELECT f.*,
               (f.fate = 'open')::int AS open, (f.fate = 'declined')::int AS declined,
               (f.fate = 'withdrawn')::int AS withdrawn,
               (f.fate = 'dropped_out')::int AS dropped_out,
               (f.fate = 'goal_reached')::int AS goal_reached,
               (f.fate = 'partially_reached')::int AS partially_reached,
               (f.fate = 'not_reached')::int AS not_reached,
               (f.fate = 'referred_on')::int AS referred_on
          FROM f
    ), by_step AS (
        SELECT x.chain_id, x.chain_step_key AS key, count(*) AS referred, sum(x.open) AS open,
               sum(x.declined) AS declined, sum(x.withdrawn) AS withdrawn,
               sum(x.dropped_out) AS dropped_out, sum(x.goal_reached) AS goal_reached,
               sum(x.partially_reached) AS partially_reached, sum(x.not_reached) AS not_reached,
               sum(x.referred_on) AS referred_on
          FROM fates x GROUP BY x.chain_id, x.chain_step_key
    ), by_provider AS (
        SELECT x.to_node_id, count(*) AS referred, sum(x.open) AS open,
               sum(x.declined) AS declined, sum(x.withdrawn) AS withdrawn,
               sum(x.dropped_out) AS dropped_out, sum(x.goal_reached) AS goal_reached,
               sum(x.partially_reached) AS partially_reached, sum(x.not_reached) AS not_reached,
               sum(x.referred_on) AS referred_on
          FROM fates x GROUP BY x.to_node_id
    ), times AS (
        -- Days from sending to the first reaction, the acceptance and the start; the first two
        -- meet their target when they came by the referral's due time, the start when it came
        -- within the step's target days to start.
        SELECT f.chain_id, f.chain_step_key AS key,
               stats_days(f.created_at, f.answered_at) AS reaction,
               f.answered_at <= f.due_at AS reaction_met,
               stats_days(f.created_at, f.accepted_at) AS acceptance,
               f.accepted_at <= f.due_at AS acceptance_met,
               stats_days(f.created_at, f.started_at) AS start,
               f.started_at <= f.created_at + make_interval(days => s.target_days_to_start)
                   AS start_met
          FROM f LEFT JOIN step s ON s.chain_id = f.chain_id AND s.key = f.chain_step_key
    ), timing AS (
        SELECT t.chain_id, t.key, (t.chain_id IS NULL AND t.key IS NULL) AS everything,
               report_timing(array_agg(t.reaction), array_agg(t.reaction_met)) AS reaction,
               report_timing(array_agg(t.acceptance), array_agg(t.acceptance_met)) AS acceptance,
               report_timing(array_agg(t.start), array_agg(t.start_met)) AS start
          FROM (SELECT NULL::uuid AS chain_id, NULL::text AS key, t.reaction, t.reaction_met,
                       t.acceptance, t.acceptance_met, t.start, t.start_met
                  FROM times t
                UNION ALL
                SELECT t.* FROM times t WHERE t.chain_id IS NOT NULL AND t.key IS NOT NULL) t
         GROUP BY t.chain_id, t.key
    ), districts AS (
        SELECT f.district AS from_district, n.district AS to_district, count(*) AS referred
          FROM f LEFT JOIN node n ON n.id = f.to_node_id
         GROUP BY f.district, n.district
    )
    SELECT json_build_object(
        'since', p_since, 'until', p_until,
        'totals', (SELECT json_build_object(
                       'referred', count(*),
                       'accepted', count(*) FILTER (WHERE x.accepted_at IS NOT NULL),
                       'started', count(*) FILTER (WHERE x.started_at IS NOT NULL),
                       'open', coalesce(sum(x.open), 0),
                       'declined', coalesce(sum(x.declined), 0),
                       'withdrawn', coalesce(sum(x.withdrawn), 0),
                       'dropped_out', coalesce(sum(x.dropped_out), 0),
                       'goal_reached', coalesce(sum(x.goal_reached), 0),
                       'partially_reached', coalesce(sum(x.partially_reached), 0),
                       'not_reached', coalesce(sum(x.not_reached), 0),
                       'referred_on', coalesce(sum(x.referred_on), 0),
                       'warm_handovers', count(*) FILTER (WHERE x.warm_handover),
                       'warm_handover_share',
                           stats_share(count(*) FILTER (WHERE x.warm_handover), count(*)))
                     FROM fates x),
        'outcomes_by_step', coalesce((SELECT json_agg(json_build_object(
                       'chain_id', b.chain_id, 'chain_name', c.name, 'step_key', b.key,
                       'step_name', s.name, 'referred', b.referred, 'open', b.open,
                       'declined', b.declined, 'withdrawn', b.withdrawn,
                       'dropped_out', b.dropped_out, 'goal_reached', b.goal_reached,
                       'partially_reached', b.partially_reached, 'not_reached', b.not_reached,
                       'referred_on', b.referred_on)
                       ORDER BY c.name, b.chain_id, s.current DESC, s.position, b.key)
                     FROM by_step b
                     JOIN chain c ON c.id = b.chain_id
                     LEFT JOIN step s ON s.chain_id = b.chain_id AND s.key = b.key
                    WHERE b.key IS NOT NULL), '[]'),
        'outcomes_by_provider', coalesce((SELECT json_agg(json_build_object(
                       'node_id', b.to_node_id, 'name', n.name, 'district', n.district,
                       'referred', b.referred, 'open', b.open,
                       'declined', b.declined, 'withdrawn', b.withdrawn,
                       'dropped_out', b.dropped_out, 'goal_reached', b.goal_reached,
                       'partially_reached', b.partially_reached, 'not_reached', b.not_reached,
                       'referred_on', b.referred_on)
                       ORDER BY n.name, b.to_node_id)
                     FROM by_provider b LEFT JOIN node n ON n.id = b.to_node_id), '[]'),
        'decline_reasons', coalesce((SELECT json_agg(json_build_object(
                       'reason', r.reason, 'referrals', r.n) ORDER BY r.reason NULLS LAST)
                     FROM (SELECT f.status_reason AS reason, count(*) AS n FROM f
                            WHERE f.status = 'declined' GROUP BY f.status_reason) r), '[]'),
        'dropout_reasons', coalesce((SELECT json_agg(json_build_object(
                       'reason', r.reason, 'referrals', r.n) ORDER BY r.reason NULLS LAST)
                     FROM (SELECT f.status_reason AS reason, count(*) AS n FROM f
                            WHERE f.status = 'dropped_out' GROUP BY f.status_reason) r), '[]'),
        'timing', coalesce((SELECT json_agg(json_build_object(
                       'chain_id', m.chain_id, 'chain_name', c.name, 'step_key', m.key,
                       'step_name', s.name,
                       'target_days_to_accept', s.target_days_to_accept,
                       'target_days_to_start', s.target_days_to_start,
                       'reaction', m.reaction, 'acceptance', m.acceptance, 'start', m.start)
                       ORDER BY m.everything DESC, c.name, m.chain_id, s.current DESC,
                                s.position, m.key)
                     FROM timing m
                     LEFT JOIN chain c ON c.id = m.chain_id
                     LEFT JOIN step s ON s.chain_id = m.chain_id AND s.key = m.key
                    WHERE m.everything OR m.key IS NOT NULL), '[]'),
        'districts', coalesce((SELECT json_agg(json_build_object(
                       'district', x.district, 'referred', x.referred)
                       ORDER BY x.district NULLS LAST)
                     FROM (SELECT d.from_district AS district, sum(d.referred) AS referred
                             FROM districts d GROUP BY d.from_district) x), '[]'),
        'district_flows', coalesce((SELECT json_agg(json_build_object(
                       'from_district', d.from_district, 'to_district', d.to_district,
                       'referred', d.referred)
                       ORDER BY d.from_district NULLS LAST, d.to_district NULLS LAST)
                     FROM districts d), '[]'))
    );
END $$;

-- The report: the network's figures for [p_since, p_until) and for the period before, with
-- the filters it was asked with. The generic plan: planned with the filters at hand, an
-- absent one folds its name's lookup away, so PostgreSQL would plan again at every report.
CREATE FUNCTION report_network(p_network uuid, p_since date, p_until date,
                               p_target_group uuid, p_chain uuid, p_district text)
RETURNS json LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN (
    SELECT json_build_object(
        'network_id', n.id, 'network_name', n.name,
        'filters', json_build_object('target_group_id', p_target_group,
                                     'target_group_name', (SELECT g.name FROM target_group g
                                                            WHERE g.id = p_target_group),
                                     'chain_id', p_chain,
                                     'chain_name', (SELECT c.name FROM chain c
                                                     WHERE c.id = p_chain),
                                     'district', p_district),
        'current', report_period(p_network, p_since, p_until, p_target_group, p_chain,
                                 p_district),
        'previous', report_period(p_network, p.since, p.until, p_target_group, p_chain,
                                  p_district))
      FROM network n, report_previous(p_since, p_until) p
     WHERE n.id = p_network
    );
END $$;
