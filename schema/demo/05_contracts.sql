-- Demo contracts for Neustadt: the network's funding sources (Kostenträger), the Kommune's
-- §16a SGB II services paid from its §16a budget, contracts (Kontingente) of places for this
-- year and quarter, and the legal basis and purpose of the demo consents.
-- Idempotent: fixed ids, ON CONFLICT DO NOTHING; services and consents are only given what
-- they lack. Periods are those of the day the file is first loaded.
-- Id scheme: funding sources 8300…, contracts 8400….

INSERT INTO funding_source (id, network_id, code, name) VALUES
    ('83000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', 'sgb2-16a',
     'Kommunale Eingliederungsleistungen (§ 16a SGB II)'),
    ('83000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000001', 'sgb2-bund',
     'Eingliederungstitel des Jobcenters (SGB II, Bund)'),
    ('83000000-0000-4000-8000-000000000003', '40000000-0000-4000-8000-000000000001', 'sgb8',
     'Kinder- und Jugendhilfe (SGB VIII)'),
    ('83000000-0000-4000-8000-000000000004', '40000000-0000-4000-8000-000000000001', 'sgb12',
     'Sozialhilfe (SGB XII)'),
    ('83000000-0000-4000-8000-000000000005', '40000000-0000-4000-8000-000000000001', 'esf',
     'Europäischer Sozialfonds Plus (ESF Plus)'),
    ('83000000-0000-4000-8000-000000000006', '40000000-0000-4000-8000-000000000001', 'eigenmittel',
     'Freiwillige Leistungen der Stadt Neustadt')
ON CONFLICT DO NOTHING;

-- The §16a services: childcare (AWO Kita-Vermittlung), debt counselling (Caritas), psychosocial
-- care (SpDi, Diakonie), addiction counselling (Diakonie).
UPDATE service SET funding_source_id = '83000000-0000-4000-8000-000000000001'
 WHERE funding_source_id IS NULL AND id IN (
    '30000000-0000-4000-8000-000000000014', '30000000-0000-4000-8000-000000000016',
    '30000000-0000-4000-8000-000000000017', '30000000-0000-4000-8000-000000000018',
    '30000000-0000-4000-8000-000000000019', '30000000-0000-4000-8000-000000000020',
    '30000000-0000-4000-8000-000000000021');

INSERT INTO service_contract (id, network_id, service_id, funding_source_id, period,
                              period_start, places, price_per_place, limit_kind, created_by)
SELECT k.id::uuid, '40000000-0000-4000-8000-000000000001', k.service::uuid,
       '83000000-0000-4000-8000-000000000001',
       k.period, date_trunc(k.period, current_date)::date, k.places, k.price, k.limit_kind,
       '60000000-0000-4000-8000-000000000002'
FROM (VALUES
    ('84000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000016', 'year',
     120, 480.00, 'soft'),
    ('84000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000017', 'year',
     200, 95.00, 'soft'),
    ('84000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000018', 'year',
     150, 620.00, 'soft'),
    ('84000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000019', 'quarter',
     40, 1350.00, 'soft'),
    ('84000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000014', 'year',
     100, 540.00, 'soft'),
    ('84000000-0000-4000-8000-000000000006', '30000000-0000-4000-8000-000000000020', 'quarter',
     150, NULL, 'hard'),
    ('84000000-0000-4000-8000-000000000007', '30000000-0000-4000-8000-000000000021', 'quarter',
     100, 310.00, 'hard')
) AS k(id, service, period, places, price, limit_kind)
ON CONFLICT DO NOTHING;

-- The demo consents name their basis (the client's consent, § 67b SGB X) and purpose.
UPDATE consent SET legal_basis = 'sgbx_67b', purpose_code = k.purpose
  FROM (VALUES
    ('81000000-0000-4000-8000-000000000001', 'municipal_services'),
    ('81000000-0000-4000-8000-000000000002', 'childcare')) AS k(id, purpose)
 WHERE consent.id = k.id::uuid AND consent.purpose_code IS NULL;
