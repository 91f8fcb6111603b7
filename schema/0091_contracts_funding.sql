-- What the Kommune contracts and who pays (docs/data-model.md, "Contracts and funding"): the
-- funding sources a network keeps, the contracts (Kontingente) of places per service, funder
-- and period, and on services and referrals the source that pays and, on a referral, the
-- contract whose place it took and the reason a double funding was confirmed with.

CREATE TABLE funding_source (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    network_id uuid NOT NULL,
    code       text NOT NULL,
    name       text NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT funding_source_network_id_fkey FOREIGN KEY (network_id) REFERENCES network (id),
    CONSTRAINT funding_source_code_format CHECK (code ~ '^[a-z][a-z0-9_-]{0,63}$'),
    CONSTRAINT funding_source_name_length CHECK (char_length(name) BETWEEN 1 AND 200)
);
CREATE UNIQUE INDEX funding_source_code_key ON funding_source (network_id, code);

-- A contract of places of one service for one period (a quarter or a year, starting on its
-- first day), paid by a funder (or by none named). A hard limit refuses what would exceed it;
-- a soft one warns.
CREATE TABLE service_contract (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    network_id        uuid NOT NULL,
    service_id        uuid NOT NULL,
    funding_source_id uuid,
    period            text NOT NULL,
    period_start      date NOT NULL,
    places            integer NOT NULL,
    price_per_place   numeric(12, 2),
    limit_kind        text NOT NULL DEFAULT 'hard',
    created_by        uuid,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_contract_network_id_fkey FOREIGN KEY (network_id) REFERENCES network (id),
    CONSTRAINT service_contract_service_id_fkey FOREIGN KEY (service_id) REFERENCES service (id),
    CONSTRAINT service_contract_funding_source_id_fkey FOREIGN KEY (funding_source_id)
        REFERENCES funding_source (id),
    CONSTRAINT service_contract_period_check CHECK (period IN ('quarter', 'year')),
    CONSTRAINT service_contract_period_start_format CHECK (
        extract(day FROM period_start) = 1
        AND (CASE period WHEN 'year' THEN extract(month FROM period_start) = 1
                         ELSE extract(month FROM period_start) IN (1, 4, 7, 10) END)),
    CONSTRAINT service_contract_places_range CHECK (places BETWEEN 1 AND 100000),
    CONSTRAINT service_contract_price_per_place_range CHECK (
        price_per_place IS NULL OR price_per_place >= 0),
    CONSTRAINT service_contract_limit_kind_check CHECK (limit_kind IN ('hard', 'soft'))
);
-- One contract per service, funder and period.
CREATE UNIQUE INDEX service_contract_period_start_key
    ON service_contract (service_id, funding_source_id, period, period_start) NULLS NOT DISTINCT;
CREATE INDEX service_contract_network_idx ON service_contract (network_id, period_start);

ALTER TABLE service ADD COLUMN funding_source_id uuid,
    ADD CONSTRAINT service_funding_source_id_fkey FOREIGN KEY (funding_source_id)
        REFERENCES funding_source (id);

ALTER TABLE referral
    ADD COLUMN funding_source_id uuid,
    ADD COLUMN double_funding_reason text,
    ADD COLUMN contract_id uuid,
    ADD CONSTRAINT referral_funding_source_id_fkey FOREIGN KEY (funding_source_id)
        REFERENCES funding_source (id),
    ADD CONSTRAINT referral_double_funding_reason_length CHECK (
        double_funding_reason IS NULL OR char_length(double_funding_reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT referral_contract_id_fkey FOREIGN KEY (contract_id)
        REFERENCES service_contract (id);
CREATE INDEX referral_contract_idx ON referral (contract_id) WHERE contract_id IS NOT NULL;
CREATE INDEX referral_service_idx ON referral (service_id) WHERE closed_at IS NULL;
