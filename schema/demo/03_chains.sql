-- Demo chains for Neustadt: one published chain per target group.
-- Idempotent: fixed ids, ON CONFLICT DO NOTHING. A version can only be filled while it is a
-- draft (0003_chains.sql), so each version is created as a draft, its steps, edges and
-- providers are inserted only while it still is one, and it is then published; on a second
-- run every statement finds its work done.
-- Id scheme: chains 7000…, versions 7100…, edges 72cc… (cc = chain).

INSERT INTO chain (id, network_id, target_group_id, name, description) VALUES
    ('70000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000001',
     'Wege in Arbeit für Alleinerziehende',
     'Dienstleistungskette für Alleinerziehende im Langzeitleistungsbezug: nach der Erstberatung werden Kinderbetreuung und – bei Bedarf – Schulden parallel geklärt, dann folgen Teilzeitqualifizierung und Vermittlung.'),
    ('70000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000002',
     'Übergang in Ausbildung für junge Erwachsene unter 25',
     'Dienstleistungskette der Jugendberufsagentur Neustadt: Erstberatung, Berufsorientierung, dann Ausbildung oder – wenn noch nicht ausbildungsreif – erst Qualifizierung; Wohnungshilfe und Jugendsozialarbeit bei Bedarf parallel.'),
    ('70000000-0000-4000-8000-000000000003', '40000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000003',
     'Stabilisierung und Arbeit für Langzeitarbeitslose mit Suchtproblematik',
     'Dienstleistungskette für Langzeitarbeitslose mit Suchtproblematik: Suchtberatung und psychosoziale Betreuung stabilisieren, Schulden werden bei Bedarf parallel geregelt, danach Arbeitserprobung und Vermittlung.')
ON CONFLICT DO NOTHING;

INSERT INTO chain_version (id, chain_id, number, status, note, created_by) VALUES
    ('71000000-0000-4000-8000-000000000001', '70000000-0000-4000-8000-000000000001', 1, 'draft',
     'Erste Fassung, beschlossen im Netzwerktreffen', '60000000-0000-4000-8000-000000000002'),
    ('71000000-0000-4000-8000-000000000002', '70000000-0000-4000-8000-000000000002', 1, 'draft',
     'Erste Fassung, beschlossen im Netzwerktreffen', '60000000-0000-4000-8000-000000000002'),
    ('71000000-0000-4000-8000-000000000003', '70000000-0000-4000-8000-000000000003', 1, 'draft',
     'Erste Fassung, beschlossen im Netzwerktreffen', '60000000-0000-4000-8000-000000000002')
ON CONFLICT DO NOTHING;

-- Wege in Arbeit für Alleinerziehende
INSERT INTO chain_step (version_id, key, name, category, required, target_days_to_accept,
                        target_days_to_start, guidance, position)
SELECT '71000000-0000-4000-8000-000000000001', s.* FROM (VALUES
    ('erstberatung', 'Erstberatung im Jobcenter', 'first_consultation', true, 2, 10,
     'Ganzheitliche Standortbestimmung (Kinder, Betreuung, Finanzen, Gesundheit, berufliche Ziele); Einwilligung für Kinderbetreuung und Schuldnerberatung einholen; Kooperationsplan vereinbaren.', 10),
    ('kinderbetreuung', 'Kinderbetreuung klären', 'childcare', true, 5, 30,
     'Betreuungsbedarf mit Zeiten der geplanten Qualifizierung abstimmen; Vorrangvermerk für Kita-Platz bei Arbeitsaufnahme oder Qualifizierung; bei Schicht- oder Randzeiten Randzeitenbetreuung anfragen.', 20),
    ('schuldnerberatung', 'Schuldnerberatung', 'debt_counselling', false, 10, 42,
     'Nur bei Schulden, Pfändungen oder Energiesperren. Bei akuter Kontopfändung zuerst die offene Kurzberatung (P-Konto) nutzen.', 30),
    ('teilzeitqualifizierung', 'Teilzeitqualifizierung', 'qualification', true, 10, 30,
     'Start erst mit gesicherter Kinderbetreuung. Kurszeiten innerhalb der Kita-Öffnungszeiten; Bildungsgutschein durch das Jobcenter.', 40),
    ('vermittlung', 'Vermittlung in Arbeit', 'job_placement', true, 5, 14,
     'Familienfreundliche Arbeitgeber ansprechen; Nachbetreuung in den ersten sechs Monaten anbieten.', 50)
) AS s(key, name, category, required, target_days_to_accept, target_days_to_start, guidance, position)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000001' AND status = 'draft')
ON CONFLICT DO NOTHING;

INSERT INTO chain_edge (id, version_id, from_key, to_key, label)
SELECT e.id::uuid, '71000000-0000-4000-8000-000000000001', e.from_key, e.to_key, e.label FROM (VALUES
    ('72000001-0000-4000-8000-000000000001', NULL::text, 'erstberatung', NULL::text),
    ('72000001-0000-4000-8000-000000000002', 'erstberatung', 'kinderbetreuung', NULL::text),
    ('72000001-0000-4000-8000-000000000003', 'erstberatung', 'schuldnerberatung', 'bei Schulden'),
    ('72000001-0000-4000-8000-000000000004', 'kinderbetreuung', 'teilzeitqualifizierung', NULL::text),
    ('72000001-0000-4000-8000-000000000005', 'schuldnerberatung', 'teilzeitqualifizierung', NULL::text),
    ('72000001-0000-4000-8000-000000000006', 'teilzeitqualifizierung', 'vermittlung', NULL::text)
) AS e(id, from_key, to_key, label)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000001' AND status = 'draft')
ON CONFLICT DO NOTHING;

INSERT INTO chain_step_provider (version_id, step_key, node_id)
SELECT '71000000-0000-4000-8000-000000000001', p.step_key, p.node_id::uuid FROM (VALUES
    ('erstberatung', '20000000-0000-4000-8000-000000000002'),
    ('kinderbetreuung', '20000000-0000-4000-8000-000000000005'),
    ('kinderbetreuung', '20000000-0000-4000-8000-000000000009'),
    ('schuldnerberatung', '20000000-0000-4000-8000-000000000007'),
    ('teilzeitqualifizierung', '20000000-0000-4000-8000-000000000011'),
    ('vermittlung', '20000000-0000-4000-8000-000000000002')
) AS p(step_key, node_id)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000001' AND status = 'draft')
ON CONFLICT DO NOTHING;

-- Übergang in Ausbildung für junge Erwachsene unter 25
INSERT INTO chain_step (version_id, key, name, category, required, target_days_to_accept,
                        target_days_to_start, guidance, position)
SELECT '71000000-0000-4000-8000-000000000002', s.* FROM (VALUES
    ('erstberatung', 'Erstberatung im Jobcenter U25', 'first_consultation', true, 2, 7,
     'Schul- und Ausbildungsstand, Wohnsituation, Schulden und Unterstützungsbedarf klären; bei fehlender Erreichbarkeit aufsuchende Jugendsozialarbeit einbeziehen.', 10),
    ('berufsorientierung', 'Berufsorientierung', 'career_guidance', true, 5, 14,
     'Berufsberatung der Agentur für Arbeit, ggf. mit Eignungsfeststellung; Ergebnis: ausbildungsreif oder Qualifizierungsbedarf.', 20),
    ('qualifizierung', 'Berufsvorbereitende Qualifizierung', 'qualification', false, 10, 30,
     'Nur wenn die Berufsorientierung ergibt, dass die Ausbildungsreife noch fehlt; Nachholen des Schulabschlusses prüfen.', 30),
    ('ausbildung', 'Ausbildung', 'apprenticeship', true, 10, 60,
     'Betriebliche Ausbildung vorrangig, mit Assistierter Ausbildung bei Bedarf; sonst begleitete Ausbildung in der Jugendwerkstatt.', 40),
    ('wohnen', 'Wohnungssicherung und Wohnungssuche', 'housing_support', false, 2, 7,
     'Bei drohender Wohnungslosigkeit sofort; Fachstelle Wohnungssicherung bei Mietschulden, Wohnungsnotfallhilfe bei Wohnungslosigkeit.', 50),
    ('jugendsozialarbeit', 'Begleitung durch Jugendsozialarbeit', 'youth_social_work', false, 5, 14,
     'Bei Rückzug, Schulabbruch oder Problemen mit Ämtern; Begleitung zu den Terminen der Kette.', 60)
) AS s(key, name, category, required, target_days_to_accept, target_days_to_start, guidance, position)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000002' AND status = 'draft')
ON CONFLICT DO NOTHING;

INSERT INTO chain_edge (id, version_id, from_key, to_key, label)
SELECT e.id::uuid, '71000000-0000-4000-8000-000000000002', e.from_key, e.to_key, e.label FROM (VALUES
    ('72000002-0000-4000-8000-000000000001', NULL::text, 'erstberatung', NULL::text),
    ('72000002-0000-4000-8000-000000000002', 'erstberatung', 'berufsorientierung', NULL::text),
    ('72000002-0000-4000-8000-000000000003', 'erstberatung', 'wohnen', 'bei Wohnungsproblemen'),
    ('72000002-0000-4000-8000-000000000004', 'erstberatung', 'jugendsozialarbeit', 'bei Bedarf an Begleitung'),
    ('72000002-0000-4000-8000-000000000005', 'berufsorientierung', 'ausbildung', 'ausbildungsreif'),
    ('72000002-0000-4000-8000-000000000006', 'berufsorientierung', 'qualifizierung', 'noch nicht ausbildungsreif'),
    ('72000002-0000-4000-8000-000000000007', 'qualifizierung', 'ausbildung', NULL::text)
) AS e(id, from_key, to_key, label)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000002' AND status = 'draft')
ON CONFLICT DO NOTHING;

INSERT INTO chain_step_provider (version_id, step_key, node_id)
SELECT '71000000-0000-4000-8000-000000000002', p.step_key, p.node_id::uuid FROM (VALUES
    ('erstberatung', '20000000-0000-4000-8000-000000000001'),
    ('berufsorientierung', '20000000-0000-4000-8000-000000000013'),
    ('qualifizierung', '20000000-0000-4000-8000-000000000011'),
    ('ausbildung', '20000000-0000-4000-8000-000000000013'),
    ('ausbildung', '20000000-0000-4000-8000-000000000018'),
    ('wohnen', '20000000-0000-4000-8000-000000000004'),
    ('wohnen', '20000000-0000-4000-8000-000000000014'),
    ('jugendsozialarbeit', '20000000-0000-4000-8000-000000000005'),
    ('jugendsozialarbeit', '20000000-0000-4000-8000-000000000018')
) AS p(step_key, node_id)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000002' AND status = 'draft')
ON CONFLICT DO NOTHING;

-- Stabilisierung und Arbeit für Langzeitarbeitslose mit Suchtproblematik
INSERT INTO chain_step (version_id, key, name, category, required, target_days_to_accept,
                        target_days_to_start, guidance, position)
SELECT '71000000-0000-4000-8000-000000000003', s.* FROM (VALUES
    ('erstberatung', 'Fallmanagement Reha/Sucht', 'first_consultation', true, 2, 10,
     'Suchtproblematik offen und wertschätzend ansprechen; Schweigepflichtentbindung für Suchtberatung, Sozialpsychiatrischen Dienst und Schuldnerberatung einholen; möglichst warme Übergabe (gemeinsamer Termin).', 10),
    ('suchtberatung', 'Suchtberatung', 'addiction_counselling', true, 5, 14,
     'Erstgespräch innerhalb von zwei Wochen; Motivationsgruppe; Klärung, ob Entzug oder Entwöhnung nötig ist.', 20),
    ('entzug', 'Qualifizierter Entzug', 'health_care', false, 5, 21,
     'Nur nach Indikation durch Suchtberatung oder Hausärztin.', 30),
    ('psychosoziale_betreuung', 'Psychosoziale Betreuung', 'psychosocial_support', true, 7, 21,
     'Begleitung während und nach der Behandlung; bei Substitution durch die Diakonie, sonst durch den Sozialpsychiatrischen Dienst.', 40),
    ('schuldnerberatung', 'Schuldnerberatung', 'debt_counselling', false, 10, 42,
     'Bei Schulden, die die Stabilisierung gefährden (Mietschulden zuerst).', 50),
    ('qualifizierung', 'Arbeitserprobung und Qualifizierung', 'qualification', true, 10, 28,
     'Start mit 15 Wochenstunden; Absprachen mit Suchtberatung und Sozialpsychiatrischem Dienst zu Rückfällen.', 60),
    ('vermittlung', 'Vermittlung in Arbeit', 'job_placement', true, 5, 21,
     'Auch geförderte Beschäftigung (§ 16i SGB II) prüfen; Nachbetreuung vereinbaren.', 70)
) AS s(key, name, category, required, target_days_to_accept, target_days_to_start, guidance, position)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000003' AND status = 'draft')
ON CONFLICT DO NOTHING;

INSERT INTO chain_edge (id, version_id, from_key, to_key, label)
SELECT e.id::uuid, '71000000-0000-4000-8000-000000000003', e.from_key, e.to_key, e.label FROM (VALUES
    ('72000003-0000-4000-8000-000000000001', NULL::text, 'erstberatung', NULL::text),
    ('72000003-0000-4000-8000-000000000002', 'erstberatung', 'suchtberatung', NULL::text),
    ('72000003-0000-4000-8000-000000000003', 'erstberatung', 'schuldnerberatung', 'bei Schulden'),
    ('72000003-0000-4000-8000-000000000004', 'suchtberatung', 'entzug', 'bei Indikation'),
    ('72000003-0000-4000-8000-000000000005', 'suchtberatung', 'psychosoziale_betreuung', NULL::text),
    ('72000003-0000-4000-8000-000000000006', 'entzug', 'psychosoziale_betreuung', NULL::text),
    ('72000003-0000-4000-8000-000000000007', 'psychosoziale_betreuung', 'qualifizierung', NULL::text),
    ('72000003-0000-4000-8000-000000000008', 'schuldnerberatung', 'qualifizierung', NULL::text),
    ('72000003-0000-4000-8000-000000000009', 'qualifizierung', 'vermittlung', NULL::text)
) AS e(id, from_key, to_key, label)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000003' AND status = 'draft')
ON CONFLICT DO NOTHING;

INSERT INTO chain_step_provider (version_id, step_key, node_id)
SELECT '71000000-0000-4000-8000-000000000003', p.step_key, p.node_id::uuid FROM (VALUES
    ('erstberatung', '20000000-0000-4000-8000-000000000003'),
    ('suchtberatung', '20000000-0000-4000-8000-000000000008'),
    ('entzug', '20000000-0000-4000-8000-000000000017'),
    ('psychosoziale_betreuung', '20000000-0000-4000-8000-000000000006'),
    ('psychosoziale_betreuung', '20000000-0000-4000-8000-000000000008'),
    ('schuldnerberatung', '20000000-0000-4000-8000-000000000007'),
    ('qualifizierung', '20000000-0000-4000-8000-000000000011'),
    ('vermittlung', '20000000-0000-4000-8000-000000000003')
) AS p(step_key, node_id)
WHERE EXISTS (SELECT 1 FROM chain_version WHERE id = '71000000-0000-4000-8000-000000000003' AND status = 'draft')
ON CONFLICT DO NOTHING;

UPDATE chain_version SET status = 'published', published_at = now(), updated_at = now(),
       version = version + 1
 WHERE id IN ('71000000-0000-4000-8000-000000000001', '71000000-0000-4000-8000-000000000002', '71000000-0000-4000-8000-000000000003')
   AND status = 'draft';