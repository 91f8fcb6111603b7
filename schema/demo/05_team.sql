-- Who works on the demo cases of Team Alleinerziehende, and when to look at them again
-- (docs/data-model.md, "Responsibility, absence and follow-ups"): the colleague
-- (jobcenter-kollegin) is deputy on AE-2026-021, and two follow-up dates stand on AE-2026-014
-- (one due on the day of the first load, one a week later). The responsible person of each
-- case is its opener (set when the case was inserted).
-- Idempotent: fixed ids (follow-ups 8300…), ON CONFLICT DO NOTHING. Days are relative to the
-- first load.

INSERT INTO case_deputy (case_id, account_id, added_by) VALUES
    ('80000000-0000-4000-8000-000000000002', '60000000-0000-4000-8000-000000000010',
     '60000000-0000-4000-8000-000000000003')
ON CONFLICT DO NOTHING;

INSERT INTO case_follow_up (id, case_id, node_id, due_on, reason, created_by) VALUES
    ('83000000-0000-4000-8000-000000000001', '80000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000002', current_date,
     'Kita-Bescheid nachfragen', '60000000-0000-4000-8000-000000000003'),
    ('83000000-0000-4000-8000-000000000002', '80000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000002', current_date + 7,
     'Stand der Teilzeitqualifizierung besprechen', '60000000-0000-4000-8000-000000000003')
ON CONFLICT DO NOTHING;
