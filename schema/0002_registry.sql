-- replaces sha256 9d1260f96ac85d8095d3c716aee04a9cfbe595e44f06412138b82ee32fc0d8e9
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- The registry: service categories, organizations (Träger), nodes, their services, networks,
-- their members and target groups. Conventions as in 0001_core.sql; in short, every
-- constraint a request can break is named <table>_<column>_<what> so that the server can
-- name the field. Where a rule needs a trigger, the trigger raises with the same kind of
-- name in CONSTRAINT, so the server treats it exactly like a declared constraint.
--
-- Field formats mirror lib/validate.c (the API checks first; these are the backstop):
-- keys and codes ^[a-z][a-z0-9_-]{0,63}$, e-mail (one @, a dot in the domain, no spaces,
-- at most 254 bytes), http(s) URL (at most 2048 bytes), phone (digits, spaces, + ( ) / -,
-- 3..40 characters).

-- Trigram indexes let the directory find parts of German compounds ("schuld" finds
-- "Schuldnerberatung"), which the german text-search configuration does not split.
-- pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Service categories: a fixed vocabulary, codes spelled as in the API.
CREATE TABLE taxonomy (
    code       text PRIMARY KEY,
    label_de   text NOT NULL,
    label_en   text NOT NULL,
    sort_order integer NOT NULL DEFAULT 0,
    CONSTRAINT taxonomy_code_format CHECK (code ~ '^[a-z][a-z0-9_-]{0,63}$'),
    CONSTRAINT taxonomy_label_de_length CHECK (char_length(label_de) BETWEEN 1 AND 200),
    CONSTRAINT taxonomy_label_en_length CHECK (char_length(label_en) BETWEEN 1 AND 200)
);

INSERT INTO taxonomy (code, label_de, label_en, sort_order) VALUES
    -- Intake and case management: where every chain starts.
    ('first_consultation',         'Erstberatung und Fallmanagement',            'First consultation and case management', 10),
    -- The four flanking municipal services of § 16a SGB II.
    ('childcare',                  'Kinderbetreuung',                            'Childcare',                               20),
    ('debt_counselling',           'Schuldnerberatung',                          'Debt counselling',                        30),
    ('psychosocial_support',       'Psychosoziale Betreuung',                    'Psychosocial support',                    40),
    ('addiction_counselling',      'Suchtberatung',                              'Addiction counselling',                   50),
    -- Work and training.
    ('career_guidance',            'Berufsberatung und Berufsorientierung',      'Career guidance',                         60),
    ('job_placement',              'Arbeitsvermittlung',                         'Job placement',                           70),
    ('subsidised_employment',      'Geförderte Beschäftigung',                   'Subsidised employment',                   80),
    ('qualification',              'Qualifizierung und Weiterbildung',           'Qualification and training',              90),
    ('apprenticeship',             'Ausbildung',                                 'Apprenticeship',                         100),
    ('basic_education',            'Grundbildung und Alphabetisierung',          'Basic education and literacy',           110),
    ('language_course',            'Sprachkurs',                                 'Language course',                        120),
    ('migration_counselling',      'Migrationsberatung',                         'Migration counselling',                  130),
    -- Living situation and health.
    ('housing_support',            'Wohnen und Wohnungsnotfallhilfe',            'Housing and homelessness support',       140),
    ('health_care',                'Gesundheitsversorgung',                      'Health care',                            150),
    ('mental_health',              'Psychische Gesundheit',                      'Mental health',                          160),
    ('family_support',             'Hilfen für Familien',                        'Family support',                         170),
    ('youth_social_work',          'Jugendsozialarbeit',                         'Youth social work',                      180),
    ('violence_protection',        'Gewaltschutz und Frauenberatung',            'Protection from violence',               190),
    ('senior_counselling',         'Seniorenberatung',                           'Senior counselling',                     200),
    ('disability_support',         'Hilfen bei Behinderung und Rehabilitation',  'Disability and rehabilitation support',  210),
    -- Counselling, rights and everyday help.
    ('general_social_counselling', 'Allgemeine Sozialberatung',                  'General social counselling',             220),
    ('benefits_legal_advice',      'Leistungs- und Rechtsberatung',              'Benefits and legal advice',              230),
    ('energy_saving_check',        'Stromspar-Check',                            'Energy-saving check',                    240),
    ('volunteer_mentoring',        'Ehrenamtliche Patenschaften und Mentoring',  'Volunteer mentoring',                    250);

-- Legal entity running nodes (Träger).
CREATE TABLE organization (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    kind        text NOT NULL,
    email       text,
    phone       text,
    url         text,
    street      text,
    postal_code text,
    city        text,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organization_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT organization_kind_check CHECK (kind IN ('public_agency', 'municipality',
        'welfare_association', 'nonprofit', 'church', 'company', 'other')),
    CONSTRAINT organization_email_format CHECK (email IS NULL OR
        (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND octet_length(email) <= 254)),
    CONSTRAINT organization_phone_format CHECK (phone IS NULL OR phone ~ '^[0-9 +()/-]{3,40}$'),
    CONSTRAINT organization_url_format CHECK (url IS NULL OR
        (url ~* '^https?://[^\s/?#]+' AND url !~ '\s' AND octet_length(url) <= 2048)),
    CONSTRAINT organization_street_length CHECK (street IS NULL OR char_length(street) BETWEEN 1 AND 200),
    CONSTRAINT organization_postal_code_format CHECK (postal_code IS NULL OR postal_code ~ '^[0-9]{5}$'),
    CONSTRAINT organization_city_length CHECK (city IS NULL OR char_length(city) BETWEEN 1 AND 100)
);
CREATE INDEX organization_name_idx ON organization (name, id);

-- A unit that sends or receives referrals (Dienststelle, Fachdienst, Einrichtung).
CREATE TABLE node (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    name            text NOT NULL,
    kind            text NOT NULL,
    -- Sozialraum / Stadtteil, free text as people name it locally.
    district        text,
    street          text,
    postal_code     text,
    city            text,
    -- WGS 84, both or neither (the API field is "geo": {"lat", "lon"}).
    geo_lat         double precision,
    geo_lon         double precision,
    phone           text,
    email           text,
    url             text,
    -- ISO 639-1 codes of the languages consultations are held in.
    languages       text[] NOT NULL DEFAULT '{de}',
    accessibility   text,
    active          boolean NOT NULL DEFAULT true,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    search          tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('german'::regconfig, name), 'A') ||
                        setweight(to_tsvector('german'::regconfig, coalesce(district, '')), 'B') ||
                        setweight(to_tsvector('german'::regconfig, coalesce(city, '')), 'C')) STORED,
    CONSTRAINT node_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organization (id),
    CONSTRAINT node_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT node_kind_check CHECK (kind IN ('jobcenter', 'employment_agency',
        'social_welfare_office', 'youth_welfare_office', 'health_office', 'health_provider',
        'welfare_association', 'counselling_service', 'education_provider', 'housing_provider',
        'employer', 'community_centre', 'municipality', 'other')),
    CONSTRAINT node_district_length CHECK (district IS NULL OR char_length(district) BETWEEN 1 AND 100),
    CONSTRAINT node_street_length CHECK (street IS NULL OR char_length(street) BETWEEN 1 AND 200),
    CONSTRAINT node_postal_code_format CHECK (postal_code IS NULL OR postal_code ~ '^[0-9]{5}$'),
    CONSTRAINT node_city_length CHECK (city IS NULL OR char_length(city) BETWEEN 1 AND 100),
    CONSTRAINT node_geo_lat_range CHECK (geo_lat IS NULL OR geo_lat BETWEEN -90 AND 90),
    CONSTRAINT node_geo_lon_range CHECK (geo_lon IS NULL OR geo_lon BETWEEN -180 AND 180),
    CONSTRAINT node_geo_pair CHECK ((geo_lat IS NULL) = (geo_lon IS NULL)),
    CONSTRAINT node_phone_format CHECK (phone IS NULL OR phone ~ '^[0-9 +()/-]{3,40}$'),
    CONSTRAINT node_email_format CHECK (email IS NULL OR
        (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND octet_length(email) <= 254)),
    CONSTRAINT node_url_format CHECK (url IS NULL OR
        (url ~* '^https?://[^\s/?#]+' AND url !~ '\s' AND octet_length(url) <= 2048)),
    -- Lower-case two-letter codes, no NULL elements, a sane number of them.
    CONSTRAINT node_languages_format CHECK (
        array_position(languages, NULL) IS NULL AND cardinality(languages) <= 40 AND
        array_to_string(languages, ',') ~ '^([a-z]{2}(,[a-z]{2})*)?$'),
    CONSTRAINT node_accessibility_length CHECK (accessibility IS NULL OR
        char_length(accessibility) BETWEEN 1 AND 2000)
);
-- Stable pagination is ORDER BY name, id; the filtered lists keep the same order.
CREATE INDEX node_name_idx ON node (name, id);
CREATE INDEX node_kind_idx ON node (kind, name, id);
CREATE INDEX node_district_idx ON node (district, name, id);
CREATE INDEX node_organization_idx ON node (organization_id);
CREATE INDEX node_search_idx ON node USING gin (search);
-- For name ILIKE '%part%' (escape % and _ in the user's text).
CREATE INDEX node_name_trgm_idx ON node USING gin (name gin_trgm_ops);

-- Per network: a group of clients a network agrees to serve together (Zielgruppe).
CREATE TABLE target_group (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    network_id uuid NOT NULL,
    code       text NOT NULL,
    name       text NOT NULL,
    criteria   text,
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT target_group_code_format CHECK (code ~ '^[a-z][a-z0-9_-]{0,63}$'),
    CONSTRAINT target_group_code_key UNIQUE (network_id, code),
    CONSTRAINT target_group_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT target_group_criteria_length CHECK (criteria IS NULL OR
        char_length(criteria) BETWEEN 1 AND 4000)
);

-- What a node offers (Angebot, Leistung).
CREATE TABLE service (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    node_id          uuid NOT NULL,
    category         text NOT NULL,
    name             text NOT NULL,
    description      text,
    -- Target groups of the node's networks; existence is enforced by a trigger below, the
    -- same-network rule by the API.
    target_group_ids uuid[] NOT NULL DEFAULT '{}',
    eligibility      text,
    -- Places in total and free now (kept current by the node); NULL: not counted.
    capacity_total   integer,
    capacity_free    integer,
    -- Typical days from request to first appointment.
    wait_days        integer,
    district         text,
    -- Where the service takes place when that is not the node's address.
    place            text,
    -- [{"weekday": 1..7, "from": "HH:MM", "to": "HH:MM", "place": "...",
    --   "kind": "opening"|"mobile"}]; items are validated by the API.
    schedule         jsonb NOT NULL DEFAULT '[]',
    status           text NOT NULL DEFAULT 'active',
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('german'::regconfig, name), 'A') ||
                         setweight(to_tsvector('german'::regconfig, coalesce(description, '')), 'B') ||
                         setweight(to_tsvector('german'::regconfig, coalesce(eligibility, '')), 'C')) STORED,
    CONSTRAINT service_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id),
    CONSTRAINT service_category_fkey FOREIGN KEY (category) REFERENCES taxonomy (code),
    CONSTRAINT service_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT service_description_length CHECK (description IS NULL OR
        char_length(description) BETWEEN 1 AND 4000),
    CONSTRAINT service_target_group_ids_format CHECK (
        array_position(target_group_ids, NULL) IS NULL AND cardinality(target_group_ids) <= 100),
    CONSTRAINT service_eligibility_length CHECK (eligibility IS NULL OR
        char_length(eligibility) BETWEEN 1 AND 2000),
    CONSTRAINT service_capacity_total_range CHECK (capacity_total IS NULL OR capacity_total >= 0),
    CONSTRAINT service_capacity_free_range CHECK (capacity_free IS NULL OR (capacity_free >= 0
        AND (capacity_total IS NULL OR capacity_free <= capacity_total))),
    CONSTRAINT service_wait_days_range CHECK (wait_days IS NULL OR wait_days BETWEEN 0 AND 3650),
    CONSTRAINT service_district_length CHECK (district IS NULL OR char_length(district) BETWEEN 1 AND 100),
    CONSTRAINT service_place_length CHECK (place IS NULL OR char_length(place) BETWEEN 1 AND 300),
    CONSTRAINT service_schedule_array CHECK (jsonb_typeof(schedule) = 'array'),
    CONSTRAINT service_status_check CHECK (status IN ('active', 'inactive', 'temporarily_closed'))
);
CREATE INDEX service_name_idx ON service (name, id);
CREATE INDEX service_category_idx ON service (category, name, id);
CREATE INDEX service_node_idx ON service (node_id, name, id);
CREATE INDEX service_district_idx ON service (district, name, id);
-- "Has free places now": small, and what a caseworker looking for a place filters on.
CREATE INDEX service_free_idx ON service (category, name, id)
    WHERE status = 'active' AND capacity_free > 0;
CREATE INDEX service_target_group_ids_idx ON service USING gin (target_group_ids);
-- Directory search: search @@ websearch_to_tsquery('german', $q) OR name ILIKE '%' || $q || '%'.
CREATE INDEX service_search_idx ON service USING gin (search);
CREATE INDEX service_name_trgm_idx ON service USING gin (name gin_trgm_ops);

-- A local cooperation of providers (Produktionsnetzwerk).
CREATE TABLE network (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                   text NOT NULL,
    -- Standort: the city or district the network serves.
    locality               text NOT NULL,
    description            text,
    -- Days a receiver has to accept a referral when neither the member nor the chain step
    -- says otherwise.
    default_days_to_accept integer NOT NULL DEFAULT 5,
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT network_name_key UNIQUE (name),
    CONSTRAINT network_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT network_locality_length CHECK (char_length(locality) BETWEEN 1 AND 200),
    CONSTRAINT network_description_length CHECK (description IS NULL OR
        char_length(description) BETWEEN 1 AND 4000),
    CONSTRAINT network_default_days_to_accept_range CHECK (default_days_to_accept BETWEEN 1 AND 90)
);

ALTER TABLE target_group ADD CONSTRAINT target_group_network_id_fkey
    FOREIGN KEY (network_id) REFERENCES network (id);

CREATE TABLE network_member (
    network_id          uuid NOT NULL,
    node_id             uuid NOT NULL,
    role                text NOT NULL DEFAULT 'member',
    joined_on           date NOT NULL DEFAULT current_date,
    -- Kooperationsvereinbarung signed on; NULL: not (yet) signed.
    agreement_signed_on date,
    -- Agreed days to accept a referral; NULL: the network's default.
    days_to_accept      integer,
    active              boolean NOT NULL DEFAULT true,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT network_member_node_id_key PRIMARY KEY (network_id, node_id),
    CONSTRAINT network_member_network_id_fkey FOREIGN KEY (network_id)
        REFERENCES network (id) ON DELETE CASCADE,
    CONSTRAINT network_member_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id),
    CONSTRAINT network_member_role_check CHECK (role IN ('member', 'coordinator')),
    CONSTRAINT network_member_days_to_accept_range CHECK (days_to_accept IS NULL OR
        days_to_accept BETWEEN 1 AND 90)
);
CREATE INDEX network_member_node_idx ON network_member (node_id);

-- Accounts: the node a caseworker works for, the networks a coordinator coordinates.
ALTER TABLE account ADD CONSTRAINT account_node_id_fkey
    FOREIGN KEY (node_id) REFERENCES node (id);
CREATE INDEX account_node_idx ON account (node_id);
CREATE INDEX account_network_ids_idx ON account USING gin (network_ids);
ALTER TABLE account ADD CONSTRAINT account_network_ids_format CHECK (
    array_position(network_ids, NULL) IS NULL AND cardinality(network_ids) <= 100);
