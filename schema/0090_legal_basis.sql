-- Under which law social data moves (docs/data-model.md, "Legal basis"): the lists of legal
-- bases and purposes, the basis and purpose each consent names, and the basis each referral
-- records for the data it sent to its receiver.

-- The legal bases of a transmission of social data. kind 'consent': the client's consent is
-- the basis (a referral on it names the consent); kind 'statutory': a law allows the
-- transmission without consent. The wording is the law's (label_de); label_en translates it.
CREATE TABLE legal_basis (
    code       text PRIMARY KEY,
    kind       text NOT NULL,
    paragraph  text NOT NULL,
    label_de   text NOT NULL,
    label_en   text NOT NULL,
    sort_order integer NOT NULL,
    CONSTRAINT legal_basis_kind_check CHECK (kind IN ('consent', 'statutory'))
);

INSERT INTO legal_basis (code, kind, paragraph, label_de, label_en, sort_order) VALUES
    ('sgbx_67b', 'consent', '§ 67b Abs. 2 SGB X',
     'Einwilligung der betroffenen Person (§ 67b Abs. 2 SGB X)',
     'Consent of the data subject (section 67b (2) SGB X)', 10),
    ('sgbviii_65_1_1', 'consent', '§ 65 Abs. 1 Satz 1 Nr. 1 SGB VIII',
     'Einwilligung der Person, die die Daten anvertraut hat (§ 65 Abs. 1 Satz 1 Nr. 1 SGB VIII)',
     'Consent of the person who entrusted the data (section 65 (1) sentence 1 no. 1 SGB VIII)',
     20),
    ('sgbx_69_1_1', 'statutory', '§ 69 Abs. 1 Nr. 1 SGB X',
     'Übermittlung für die Erfüllung einer gesetzlichen Aufgabe der übermittelnden oder der '
     'empfangenden Stelle nach dem Sozialgesetzbuch (§ 69 Abs. 1 Nr. 1 SGB X)',
     'Transmission to fulfil a statutory task under the Social Code of the transmitting or '
     'the receiving body (section 69 (1) no. 1 SGB X)', 30),
    ('sgbx_69_1_2', 'statutory', '§ 69 Abs. 1 Nr. 2 SGB X',
     'Übermittlung für die Durchführung eines mit der Erfüllung einer Aufgabe nach Nr. 1 '
     'zusammenhängenden gerichtlichen Verfahrens (§ 69 Abs. 1 Nr. 2 SGB X)',
     'Transmission for court proceedings connected with such a task (section 69 (1) no. 2 '
     'SGB X)', 40),
    ('sgbii_50', 'statutory', '§ 50 Abs. 1 SGB II',
     'Datenübermittlung zwischen Jobcentern, Agenturen für Arbeit und kommunalen Trägern '
     '(§ 50 Abs. 1 SGB II)',
     'Transmission between jobcentres, employment agencies and municipal providers '
     '(section 50 (1) SGB II)', 50);

-- The purposes a consent is given for and a transmission serves.
CREATE TABLE legal_purpose (
    code       text PRIMARY KEY,
    label_de   text NOT NULL,
    label_en   text NOT NULL,
    sort_order integer NOT NULL
);

INSERT INTO legal_purpose (code, label_de, label_en, sort_order) VALUES
    ('integration_work', 'Eingliederung in Arbeit (§ 16 ff. SGB II)',
     'Integration into work (sections 16 ff. SGB II)', 10),
    ('municipal_services', 'Kommunale Eingliederungsleistungen (§ 16a SGB II)',
     'Municipal integration services (section 16a SGB II)', 20),
    ('childcare', 'Betreuung minderjähriger oder behinderter Kinder',
     'Care of minor or disabled children', 30),
    ('debt_counselling', 'Schuldnerberatung', 'Debt counselling', 40),
    ('psychosocial_care', 'Psychosoziale Betreuung', 'Psychosocial care', 50),
    ('addiction_counselling', 'Suchtberatung', 'Addiction counselling', 60),
    ('housing', 'Sicherung und Vermittlung von Wohnraum', 'Securing and finding housing', 70),
    ('youth_help', 'Leistungen der Kinder- und Jugendhilfe (SGB VIII)',
     'Child and youth welfare services (SGB VIII)', 80),
    ('training', 'Ausbildung und Qualifizierung', 'Training and qualification', 90);

-- A consent names its basis (one of kind consent) and its purpose. Consents recorded before
-- these lists existed name the general consent basis and no purpose code (their purpose is
-- the text in purpose).
ALTER TABLE consent
    ADD COLUMN legal_basis text NOT NULL DEFAULT 'sgbx_67b',
    ADD COLUMN purpose_code text,
    ADD CONSTRAINT consent_legal_basis_fkey FOREIGN KEY (legal_basis) REFERENCES legal_basis (code),
    ADD CONSTRAINT consent_purpose_code_fkey FOREIGN KEY (purpose_code)
        REFERENCES legal_purpose (code);

-- The basis on which a referral's data went to its receiver: a consent (consent_id names it)
-- or a statutory basis. Referrals sent before these lists existed went on a consent.
ALTER TABLE referral
    ADD COLUMN legal_basis text NOT NULL DEFAULT 'sgbx_67b',
    ADD COLUMN consent_id uuid,
    ADD CONSTRAINT referral_legal_basis_fkey FOREIGN KEY (legal_basis) REFERENCES legal_basis (code),
    ADD CONSTRAINT referral_consent_id_fkey FOREIGN KEY (consent_id) REFERENCES consent (id)
        ON DELETE SET NULL;

-- The timeline shows the basis of each transmission: the creation and each note sent on.
ALTER TABLE referral_event ADD COLUMN legal_basis text,
    ADD CONSTRAINT referral_event_legal_basis_fkey FOREIGN KEY (legal_basis)
        REFERENCES legal_basis (code);
