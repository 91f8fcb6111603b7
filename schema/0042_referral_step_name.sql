-- A referral names its chain step by the step's name as well as its key, so that inboxes,
-- outboxes and notifications show "Schuldnerberatung", not "schuldnerberatung", to the
-- receiver too (which cannot read the case's chain state). The name is the step's in the
-- chain version the case is enrolled in; null for a referral outside the chain. Otherwise as
-- in 0010.
CREATE OR REPLACE FUNCTION referral_json(r referral, p_node uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id, 'case_id', r.case_id, 'network_id', r.network_id,
        'from_node_id', r.from_node_id, 'to_node_id', r.to_node_id, 'kind', r.kind,
        'chain_step_key', r.chain_step_key,
        'chain_step_name', (SELECT s.name FROM client_case k
                              JOIN chain_step s ON s.version_id = k.chain_version_id
                             WHERE k.id = r.case_id AND s.key = r.chain_step_key),
        'service_id', r.service_id, 'status', r.status,
        'reason', r.reason,
        'note', CASE WHEN p_node = r.from_node_id OR consent_covers(r.case_id, r.to_node_id)
                     THEN r.note END,
        'priority', r.priority, 'due_at', r.due_at, 'appointment_at', r.appointment_at,
        'expected_on', r.expected_on, 'status_reason', r.status_reason, 'outcome', r.outcome,
        'redirected_from', r.redirected_from, 'version', r.version,
        'overdue', referral_is_overdue(r),
        'case', (SELECT json_build_object('reference', k.reference,
                                          'target_group_id', k.target_group_id)
                 FROM client_case k WHERE k.id = r.case_id),
        'created_at', r.created_at, 'updated_at', r.updated_at);
$$;
