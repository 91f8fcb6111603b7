-- Demo cases for Neustadt: eight pseudonymous cases of the three target groups, owned by the
-- jobcenter teams, with consents and referrals in every status (some overdue), a redirect
-- after a decline, a completed case transfer, and the timeline of every referral.
-- Idempotent: fixed ids, ON CONFLICT DO NOTHING; timelines are written only for referrals that
-- have none yet. Times are relative to the first load (created over the last 60 days).
-- Inserted directly, but by the rules of the functions in 0010/0011: consents cover every
-- receiver, moves follow lib/referral.h's table, timestamps and versions follow the moves,
-- due_at = created_at + the step's (or the receiver's, or the network's) days to accept.
-- Id scheme: cases 8000…, consents 8100…, referrals 8200….

INSERT INTO client_case (id, network_id, owner_node_id, reference, target_group_id, district,
                         chain_version_id, enrolled_at, status, close_reason, opened_at,
                         closed_at, created_by, version, updated_at)
SELECT c.id::uuid, '40000000-0000-4000-8000-000000000001', c.owner::uuid, c.reference,
       c.target_group::uuid, c.district, c.chain_version::uuid,
       CASE WHEN c.chain_version IS NOT NULL THEN now() - (c.opened_d - 1) * interval '1 day' END,
       c.status, c.close_reason, now() - c.opened_d * interval '1 day',
       now() - c.closed_d * interval '1 day', c.created_by::uuid, c.version,
       now() - c.updated_d * interval '1 day'
FROM (VALUES
    -- Alleinerziehende, enrolled: childcare completed, debt counselling waitlisted (overdue),
    -- part-time qualification in progress.
    ('80000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002', 'AE-2026-014',
     '50000000-0000-4000-8000-000000000001', 'Nordstadt', '71000000-0000-4000-8000-000000000001',
     'open', NULL, 58, NULL::numeric, '60000000-0000-4000-8000-000000000003', 2, 57),
    -- Alleinerziehende: the Kita placement declined, redirected to the Jugendamt (overdue).
    ('80000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000002', 'AE-2026-021',
     '50000000-0000-4000-8000-000000000001', 'Altstadt', '71000000-0000-4000-8000-000000000001',
     'open', NULL, 40, NULL, '60000000-0000-4000-8000-000000000003', 2, 39),
    -- U25: career guidance completed, apprenticeship dropped out, housing urgent (overdue).
    ('80000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000001', 'U25-2026-031',
     '50000000-0000-4000-8000-000000000002', 'Weststadt', '71000000-0000-4000-8000-000000000002',
     'open', NULL, 45, NULL, '60000000-0000-4000-8000-000000000008', 2, 44),
    -- U25: consent for the Jugendamt revoked (its referral withdrawn), career guidance accepted.
    ('80000000-0000-4000-8000-000000000004', '20000000-0000-4000-8000-000000000001', 'U25-2026-038',
     '50000000-0000-4000-8000-000000000002', 'Nordstadt', '71000000-0000-4000-8000-000000000002',
     'open', NULL, 30, NULL, '60000000-0000-4000-8000-000000000008', 2, 29),
    -- Sucht: addiction counselling completed (warm handover), debt counselling withdrawn,
    -- psychosocial support in progress.
    ('80000000-0000-4000-8000-000000000005', '20000000-0000-4000-8000-000000000003', 'SU-2026-007',
     '50000000-0000-4000-8000-000000000003', 'Südviertel', '71000000-0000-4000-8000-000000000003',
     'open', NULL, 60, NULL, '60000000-0000-4000-8000-000000000009', 2, 59),
    -- Sucht: no-show at the addiction counselling, detox requested (overdue).
    ('80000000-0000-4000-8000-000000000006', '20000000-0000-4000-8000-000000000003', 'SU-2026-012',
     '50000000-0000-4000-8000-000000000003', 'Altstadt', '71000000-0000-4000-8000-000000000003',
     'open', NULL, 35, NULL, '60000000-0000-4000-8000-000000000009', 2, 34),
    -- Opened by Team Alleinerziehende, handed over to Team U25 by a completed transfer.
    ('80000000-0000-4000-8000-000000000007', '20000000-0000-4000-8000-000000000001', 'AE-2026-009',
     '50000000-0000-4000-8000-000000000001', 'Oststadt', NULL,
     'open', NULL, 55, NULL, '60000000-0000-4000-8000-000000000003', 2, 50),
    -- Sucht, closed two days ago with its goal reached (retention deletes it after the period).
    ('80000000-0000-4000-8000-000000000008', '20000000-0000-4000-8000-000000000003', 'SU-2026-003',
     '50000000-0000-4000-8000-000000000003', 'Oststadt', '71000000-0000-4000-8000-000000000003',
     'closed', 'goal_reached', 59, 2, '60000000-0000-4000-8000-000000000009', 3, 2)
) AS c(id, owner, reference, target_group, district, chain_version, status, close_reason,
       opened_d, closed_d, created_by, version, updated_d)
ON CONFLICT DO NOTHING;

INSERT INTO consent (id, case_id, scope, recipient_node_id, purpose, given_on, expires_on,
                     evidence, recorded_by, created_at, revoked_at, revoked_by)
SELECT k.id::uuid, k.case_id::uuid, k.scope, k.recipient::uuid, k.purpose,
       (now() - k.given_d * interval '1 day')::date,
       (now() - k.expires_d * interval '1 day')::date, k.evidence, k.recorded_by::uuid,
       now() - k.given_d * interval '1 day', now() - k.revoked_d * interval '1 day',
       CASE WHEN k.revoked_d IS NOT NULL THEN k.recorded_by::uuid END
FROM (VALUES
    ('81000000-0000-4000-8000-000000000001', '80000000-0000-4000-8000-000000000001', 'network', NULL,
     'Abstimmung der Unterstützungsangebote im Produktionsnetzwerk Neustadt',
     57, -308::numeric, 'Akte AE-2026-014, Bl. 3', '60000000-0000-4000-8000-000000000003', NULL::numeric),
    ('81000000-0000-4000-8000-000000000002', '80000000-0000-4000-8000-000000000002', 'node',
     '20000000-0000-4000-8000-000000000009', 'Vermittlung eines Kita-Platzes',
     39, NULL, 'Akte AE-2026-021, Bl. 2', '60000000-0000-4000-8000-000000000003', NULL),
    -- Expired: the client did not want to go to the debt counselling after all.
    ('81000000-0000-4000-8000-000000000003', '80000000-0000-4000-8000-000000000002', 'node',
     '20000000-0000-4000-8000-000000000007', 'Terminvereinbarung bei der Schuldnerberatung',
     39, 3, 'Akte AE-2026-021, Bl. 4', '60000000-0000-4000-8000-000000000003', NULL),
    ('81000000-0000-4000-8000-000000000004', '80000000-0000-4000-8000-000000000002', 'node',
     '20000000-0000-4000-8000-000000000005', 'Kindertagespflege über das Jugendamt',
     14, NULL, 'Akte AE-2026-021, Bl. 7', '60000000-0000-4000-8000-000000000003', NULL),
    ('81000000-0000-4000-8000-000000000005', '80000000-0000-4000-8000-000000000003', 'network', NULL,
     'Übergang Schule–Beruf in der Jugendberufsagentur',
     44, -321, 'Akte U25-2026-031, Bl. 1', '60000000-0000-4000-8000-000000000008', NULL),
    -- Revoked ten days ago: the open referral to the Jugendamt was withdrawn with it.
    ('81000000-0000-4000-8000-000000000006', '80000000-0000-4000-8000-000000000004', 'node',
     '20000000-0000-4000-8000-000000000005', 'Begleitung durch die Jugendsozialarbeit',
     29, NULL, 'Akte U25-2026-038, Bl. 2', '60000000-0000-4000-8000-000000000008', 10),
    ('81000000-0000-4000-8000-000000000007', '80000000-0000-4000-8000-000000000004', 'node',
     '20000000-0000-4000-8000-000000000013', 'Berufsberatung der Agentur für Arbeit',
     29, NULL, 'Akte U25-2026-038, Bl. 3', '60000000-0000-4000-8000-000000000008', NULL),
    ('81000000-0000-4000-8000-000000000008', '80000000-0000-4000-8000-000000000005', 'network', NULL,
     'Abstimmung im Netzwerk: Suchtberatung, Betreuung, Schulden, Arbeit',
     59, NULL, 'Akte SU-2026-007, Bl. 2 (Schweigepflichtentbindung)', '60000000-0000-4000-8000-000000000009', NULL),
    ('81000000-0000-4000-8000-000000000009', '80000000-0000-4000-8000-000000000006', 'node',
     '20000000-0000-4000-8000-000000000008', 'Suchtberatung und Motivationsgruppe',
     34, NULL, 'Akte SU-2026-012, Bl. 2', '60000000-0000-4000-8000-000000000009', NULL),
    ('81000000-0000-4000-8000-000000000010', '80000000-0000-4000-8000-000000000006', 'node',
     '20000000-0000-4000-8000-000000000017', 'Qualifizierter Entzug in der Suchtambulanz',
     34, NULL, 'Akte SU-2026-012, Bl. 3', '60000000-0000-4000-8000-000000000009', NULL),
    ('81000000-0000-4000-8000-000000000011', '80000000-0000-4000-8000-000000000007', 'node',
     '20000000-0000-4000-8000-000000000001', 'Übergabe des Falls an das Team U25',
     54, NULL, 'Akte AE-2026-009, Bl. 5', '60000000-0000-4000-8000-000000000003', NULL),
    ('81000000-0000-4000-8000-000000000012', '80000000-0000-4000-8000-000000000008', 'network', NULL,
     'Abstimmung im Netzwerk: Arbeitserprobung und Vermittlung',
     58, NULL, 'Akte SU-2026-003, Bl. 1', '60000000-0000-4000-8000-000000000009', NULL)
) AS k(id, case_id, scope, recipient, purpose, given_d, expires_d, evidence, recorded_by, revoked_d)
ON CONFLICT DO NOTHING;

-- What each referral is; its status, times and version follow from its timeline below.
CREATE TEMP TABLE demo_referral (
    id uuid, case_id uuid, to_node uuid, kind text, step text, reason text, note text,
    priority text, redirected_from uuid, appointment_d numeric, expected_d numeric
) ON COMMIT PRESERVE ROWS;
INSERT INTO demo_referral VALUES
    ('82000000-0000-4000-8000-000000000001', '80000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000005',
     'service', 'kinderbetreuung', 'Betreuungsplatz für zwei Kinder (2 und 5 Jahre) nötig, damit die Teilzeitqualifizierung beginnen kann',
     'Mutter arbeitet ab Herbst voraussichtlich vormittags; Randzeiten bis 14 Uhr reichen.', 'normal', NULL, 50, NULL),
    ('82000000-0000-4000-8000-000000000002', '80000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000007',
     'service', 'schuldnerberatung', 'Mietrückstände und Kontopfändung, Energieversorger droht mit Sperre',
     'Unterlagen (Mahnungen, Kontoauszüge) liegen vor und werden zum Termin mitgebracht.', 'normal', NULL, NULL, 10),
    ('82000000-0000-4000-8000-000000000003', '80000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000011',
     'service', 'teilzeitqualifizierung', 'Teilzeitumschulung Kauffrau für Büromanagement, Bildungsgutschein liegt vor',
     NULL, 'normal', NULL, 10, NULL),
    ('82000000-0000-4000-8000-000000000004', '80000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000009',
     'service', 'kinderbetreuung', 'Kita-Platz für ein Kind (1 Jahr) ab sofort',
     'Die Mutter kann Termine nur vormittags wahrnehmen.', 'normal', NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000005', '80000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000005',
     'service', 'kinderbetreuung', 'Kindertagespflege statt Kita: die AWO hat keinen Platz für unter Dreijährige',
     NULL, 'normal', '82000000-0000-4000-8000-000000000004', NULL, NULL),
    ('82000000-0000-4000-8000-000000000006', '80000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000013',
     'service', 'berufsorientierung', 'Berufsorientierung mit Eignungsfeststellung, Interesse an Handwerk und Lager',
     NULL, 'normal', NULL, 40, NULL),
    ('82000000-0000-4000-8000-000000000007', '80000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000018',
     'service', 'ausbildung', 'Begleitete Ausbildung Fachkraft für Lagerlogistik in der Jugendwerkstatt',
     'Ausbildungsreif laut Berufsberatung; braucht feste Ansprechperson.', 'normal', NULL, 19, NULL),
    ('82000000-0000-4000-8000-000000000008', '80000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000014',
     'service', 'wohnen', 'Räumungsklage angekündigt, junger Mann droht wohnungslos zu werden',
     'Bitte dringend melden; erreichbar nur über das Jugendmigrationsdienst-Handy.', 'urgent', NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000009', '80000000-0000-4000-8000-000000000004', '20000000-0000-4000-8000-000000000005',
     'service', 'jugendsozialarbeit', 'Begleitung zu Terminen, Rückzug nach Schulabbruch',
     NULL, 'normal', NULL, 20, NULL),
    ('82000000-0000-4000-8000-000000000010', '80000000-0000-4000-8000-000000000004', '20000000-0000-4000-8000-000000000013',
     'service', 'berufsorientierung', 'Berufsorientierung, Schulabschluss fehlt (Hauptschulabschluss nachholen?)',
     NULL, 'normal', NULL, -4, NULL),
    ('82000000-0000-4000-8000-000000000011', '80000000-0000-4000-8000-000000000005', '20000000-0000-4000-8000-000000000008',
     'service', 'suchtberatung', 'Alkoholabhängigkeit, Klient ist veränderungsbereit',
     'Gemeinsamer Ersttermin im Jobcenter vereinbart (warme Übergabe).', 'normal', NULL, 56, NULL),
    ('82000000-0000-4000-8000-000000000012', '80000000-0000-4000-8000-000000000005', '20000000-0000-4000-8000-000000000007',
     'service', 'schuldnerberatung', 'Mietschulden gefährden die Wohnung',
     NULL, 'normal', NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000013', '80000000-0000-4000-8000-000000000005', '20000000-0000-4000-8000-000000000006',
     'service', 'psychosoziale_betreuung', 'Psychosoziale Begleitung nach abgeschlossener Suchtberatung',
     NULL, 'normal', NULL, 15, NULL),
    ('82000000-0000-4000-8000-000000000014', '80000000-0000-4000-8000-000000000006', '20000000-0000-4000-8000-000000000008',
     'service', 'suchtberatung', 'Medikamentenabhängigkeit, Erstgespräch gewünscht',
     NULL, 'normal', NULL, 27, NULL),
    ('82000000-0000-4000-8000-000000000015', '80000000-0000-4000-8000-000000000006', '20000000-0000-4000-8000-000000000017',
     'service', 'entzug', 'Qualifizierter Entzug nach Indikation durch die Hausärztin',
     NULL, 'urgent', NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000016', '80000000-0000-4000-8000-000000000007', '20000000-0000-4000-8000-000000000001',
     'transfer', NULL, 'Klientin ist 23 Jahre alt: Zuständigkeit wechselt zum Team U25',
     'Übergabegespräch mit Akte am 1. des Monats.', 'normal', NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000017', '80000000-0000-4000-8000-000000000008', '20000000-0000-4000-8000-000000000011',
     'service', 'qualifizierung', 'Arbeitserprobung mit 15 Wochenstunden im Lager',
     NULL, 'normal', NULL, 45, NULL);

-- The timeline: d days ago, by the sender (s) or the receiver (r).
CREATE TEMP TABLE demo_event (
    referral_id uuid, d numeric, kind text, from_status text, to_status text, side text,
    status_reason text, outcome text, note text, channel text, warm boolean
) ON COMMIT PRESERVE ROWS;
INSERT INTO demo_event VALUES
    -- 1: completed, with a (cold) phone handover
    ('82000000-0000-4000-8000-000000000001', 55,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000001', 54.9,  'handover',   NULL, NULL,                 's', NULL, NULL, 'Kurze telefonische Vorstellung des Bedarfs.', 'phone', false),
    ('82000000-0000-4000-8000-000000000001', 54,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000001', 52,    'transition', 'received', 'accepted',     'r', NULL, NULL, 'Termin zur Platzvergabe in der Kita Lindenhof.', NULL, NULL),
    ('82000000-0000-4000-8000-000000000001', 45,    'transition', 'accepted', 'in_progress',  'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000001', 20,    'transition', 'in_progress', 'completed', 'r', NULL, 'goal_reached', 'Beide Kinder betreut, Eingewöhnung abgeschlossen.', NULL, NULL),
    -- 2: waitlisted past the expected date (overdue)
    ('82000000-0000-4000-8000-000000000002', 50,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000002', 49,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000002', 48,    'transition', 'received', 'waitlisted',   'r', NULL, NULL, 'Wartezeit ca. sechs Wochen; bei Kontopfändung offene Sprechstunde dienstags.', NULL, NULL),
    -- 3: in progress
    ('82000000-0000-4000-8000-000000000003', 18,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000003', 15,    'transition', 'sent', 'accepted',         'r', NULL, NULL, 'Kursbeginn Montag, 8:30 Uhr.', NULL, NULL),
    ('82000000-0000-4000-8000-000000000003', 8,     'transition', 'accepted', 'in_progress',  'r', NULL, NULL, NULL, NULL, NULL),
    -- 4: declined for lack of places ...
    ('82000000-0000-4000-8000-000000000004', 38,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000004', 36,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000004', 15,    'transition', 'received', 'declined',     'r', 'no_capacity', NULL, 'Derzeit keine freien Plätze für unter Dreijährige in der Nordstadt.', NULL, NULL),
    -- 5: ... redirected to the Jugendamt, received but not accepted in time (overdue)
    ('82000000-0000-4000-8000-000000000005', 13,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000005', 12,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    -- 6: completed, referred on
    ('82000000-0000-4000-8000-000000000006', 43,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000006', 42.8,  'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000006', 41,    'transition', 'received', 'accepted',     'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000006', 40,    'transition', 'accepted', 'in_progress',  'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000006', 25,    'transition', 'in_progress', 'completed', 'r', NULL, 'referred_on', 'Ausbildungsreif; Empfehlung: begleitete Ausbildung Lagerlogistik.', NULL, NULL),
    -- 7: dropped out, after a warm handover
    ('82000000-0000-4000-8000-000000000007', 24,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000007', 23,    'handover',   NULL, NULL,                 's', NULL, NULL, 'Gemeinsamer Termin in der Jugendwerkstatt.', 'in_person', true),
    ('82000000-0000-4000-8000-000000000007', 22,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000007', 20,    'transition', 'received', 'accepted',     'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000007', 19,    'transition', 'accepted', 'in_progress',  'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000007', 6,     'transition', 'in_progress', 'dropped_out', 'r', 'broke_off', NULL, 'Seit zwei Wochen nicht erschienen, telefonisch nicht erreichbar.', NULL, NULL),
    -- 8: sent, urgent, not received in time (overdue)
    ('82000000-0000-4000-8000-000000000008', 3,     'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    -- 9: withdrawn when the consent was revoked
    ('82000000-0000-4000-8000-000000000009', 28,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000009', 27,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000009', 25,    'transition', 'received', 'accepted',     'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000009', 10,    'transition', 'accepted', 'withdrawn',    's', 'consent_revoked', NULL, NULL, NULL, NULL),
    -- 10: accepted, appointment in four days
    ('82000000-0000-4000-8000-000000000010', 28,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000010', 27,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000010', 6,     'transition', 'received', 'accepted',     'r', NULL, NULL, 'Termin mit Eignungsfeststellung, bitte Zeugnisse mitbringen.', NULL, NULL),
    -- 11: completed, warm handover in a joint meeting
    ('82000000-0000-4000-8000-000000000011', 58,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000011', 57.9,  'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000011', 57,    'transition', 'received', 'accepted',     'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000011', 56,    'handover',   NULL, NULL,                 's', NULL, NULL, 'Gemeinsamer Ersttermin im Jobcenter mit der Suchtberaterin.', 'in_person', true),
    ('82000000-0000-4000-8000-000000000011', 55.9,  'transition', 'accepted', 'in_progress',  'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000011', 22,    'transition', 'in_progress', 'completed', 'r', NULL, 'partially_reached', 'Abstinent seit sechs Wochen; Weiterbetreuung psychosozial empfohlen.', NULL, NULL),
    -- 12: withdrawn by the sender before anyone reacted
    ('82000000-0000-4000-8000-000000000012', 40,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000012', 33,    'transition', 'sent', 'withdrawn',        's', 'no_longer_needed', NULL, 'Mietschulden über ein Darlehen des Jobcenters geregelt.', NULL, NULL),
    -- 13: in progress, with a video handover
    ('82000000-0000-4000-8000-000000000013', 21,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000013', 20.5,  'handover',   NULL, NULL,                 's', NULL, NULL, 'Fallbesprechung per Video mit dem Sozialpsychiatrischen Dienst.', 'video', true),
    ('82000000-0000-4000-8000-000000000013', 20,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000013', 18,    'transition', 'received', 'accepted',     'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000013', 14,    'transition', 'accepted', 'in_progress',  'r', NULL, NULL, NULL, NULL, NULL),
    -- 14: dropped out: did not come
    ('82000000-0000-4000-8000-000000000014', 33,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000014', 32,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000014', 30,    'transition', 'received', 'accepted',     'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000014', 26,    'transition', 'accepted', 'dropped_out',  'r', 'no_show', NULL, 'Zum Ersttermin nicht erschienen, auf Nachricht keine Reaktion.', NULL, NULL),
    -- 15: sent, urgent, not received in time (overdue)
    ('82000000-0000-4000-8000-000000000015', 9,     'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    -- 16: a completed transfer: the case now belongs to Team U25
    ('82000000-0000-4000-8000-000000000016', 53,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000016', 52.9,  'handover',   NULL, NULL,                 's', NULL, NULL, 'Übergabegespräch mit Akte.', 'in_person', true),
    ('82000000-0000-4000-8000-000000000016', 52.8,  'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000016', 52,    'transition', 'received', 'accepted',     'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000016', 51,    'transition', 'accepted', 'in_progress',  'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000016', 50,    'transition', 'in_progress', 'completed', 'r', NULL, 'goal_reached', 'Fall übernommen.', NULL, NULL),
    -- 17: completed before the case was closed
    ('82000000-0000-4000-8000-000000000017', 50,    'created',    NULL, 'sent',               's', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000017', 48,    'transition', 'sent', 'received',         'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000017', 47,    'transition', 'received', 'accepted',     'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000017', 44,    'transition', 'accepted', 'in_progress',  'r', NULL, NULL, NULL, NULL, NULL),
    ('82000000-0000-4000-8000-000000000017', 5,     'transition', 'in_progress', 'completed', 'r', NULL, 'goal_reached', 'Übernahme in ein sozialversicherungspflichtiges Teilzeitverhältnis.', NULL, NULL);

-- Who acts for a node in the timeline: the demo account of the node, where there is one.
CREATE TEMP TABLE demo_actor (node_id uuid, account_id uuid) ON COMMIT PRESERVE ROWS;
INSERT INTO demo_actor SELECT node_id, id FROM account WHERE id IN (
    '60000000-0000-4000-8000-000000000003', '60000000-0000-4000-8000-000000000004',
    '60000000-0000-4000-8000-000000000005', '60000000-0000-4000-8000-000000000006',
    '60000000-0000-4000-8000-000000000008', '60000000-0000-4000-8000-000000000009');

-- The sender of a demo referral is the case's first owner: its creator's node.
INSERT INTO referral (id, case_id, network_id, from_node_id, to_node_id, kind, chain_step_key,
                      status, reason, note, priority, due_at, appointment_at, expected_on,
                      status_reason, outcome, redirected_from, received_at, accepted_at,
                      started_at, closed_at, created_by, version, created_at, updated_at)
SELECT r.id, r.case_id, c.network_id, sender.node_id, r.to_node, r.kind, r.step,
       last.to_status, r.reason, r.note, r.priority,
       t.created_at + make_interval(days => coalesce(s.target_days_to_accept, m.days_to_accept,
                                                     n.default_days_to_accept)),
       now() - r.appointment_d * interval '1 day',
       (now() - r.expected_d * interval '1 day')::date,
       last.status_reason, last.outcome, r.redirected_from,
       t.received_at, t.accepted_at, t.started_at, t.closed_at, c.created_by,
       1 + t.moves, t.created_at, t.updated_at
FROM demo_referral r
JOIN client_case c ON c.id = r.case_id
JOIN account sender ON sender.id = c.created_by
JOIN network n ON n.id = c.network_id
JOIN network_member m ON m.network_id = c.network_id AND m.node_id = r.to_node
LEFT JOIN chain_step s ON s.version_id = c.chain_version_id AND s.key = r.step
CROSS JOIN LATERAL (
    SELECT min(now() - e.d * interval '1 day') FILTER (WHERE e.kind = 'created') AS created_at,
           min(now() - e.d * interval '1 day') FILTER (WHERE e.to_status = 'received') AS received_at,
           min(now() - e.d * interval '1 day') FILTER (WHERE e.to_status = 'accepted') AS accepted_at,
           min(now() - e.d * interval '1 day') FILTER (WHERE e.to_status = 'in_progress') AS started_at,
           min(now() - e.d * interval '1 day') FILTER (WHERE e.to_status IN
               ('declined', 'completed', 'dropped_out', 'withdrawn')) AS closed_at,
           max(now() - e.d * interval '1 day') FILTER (WHERE e.to_status IS NOT NULL) AS updated_at,
           count(*) FILTER (WHERE e.kind = 'transition') AS moves
    FROM demo_event e WHERE e.referral_id = r.id) t
CROSS JOIN LATERAL (
    SELECT e.to_status, e.status_reason, e.outcome FROM demo_event e
    WHERE e.referral_id = r.id AND e.to_status IS NOT NULL ORDER BY e.d LIMIT 1) last
ORDER BY r.id
ON CONFLICT DO NOTHING;

-- Timelines, in time order, for demo referrals that have none yet.
INSERT INTO referral_event (referral_id, at, kind, from_status, to_status, actor_account,
                            actor_node, status_reason, outcome, note, channel, warm, handover_at)
SELECT e.referral_id, now() - e.d * interval '1 day', e.kind, e.from_status, e.to_status,
       a.account_id, node.id, e.status_reason, e.outcome, e.note, e.channel, e.warm,
       CASE WHEN e.kind = 'handover' THEN now() - e.d * interval '1 day' END
FROM demo_event e
JOIN referral x ON x.id = e.referral_id
CROSS JOIN LATERAL (SELECT CASE WHEN e.side = 's' THEN x.from_node_id ELSE x.to_node_id END AS id) node
LEFT JOIN demo_actor a ON a.node_id = node.id
WHERE NOT EXISTS (SELECT 1 FROM referral_event o WHERE o.referral_id = e.referral_id)
ORDER BY e.referral_id, e.d DESC;

DROP TABLE demo_referral, demo_event, demo_actor;
