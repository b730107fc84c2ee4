-- Second version: the insurer side (member registrations with 個人番号, batches, mis-registration holds and
-- notifications), the J-LIS and 住基 stand-ins, consents in use, and medication and checkup history.
-- Same portability rules as 0001: TEXT keys, ISO dates as TEXT, instants as BIGINT Unix seconds, no
-- database-specific functions.

-- The 個人番号 an insurer registered for this person record, and whether the record may be shown. A record whose
-- registration failed the mis-registration checks is 'held': it answers `record_held` and never shows data until
-- the insurer corrects it ('corrected' is recorded as 'none' again) or records 理由付き疑いなし ('cleared').
-- registered_by is the insurer whose batch created the record (NULL for demo and hand-made rows).
ALTER TABLE persons ADD COLUMN individual_number TEXT;
ALTER TABLE persons ADD COLUMN registered_by TEXT;
ALTER TABLE persons ADD COLUMN hold_status TEXT NOT NULL DEFAULT 'none';
ALTER TABLE persons ADD COLUMN hold_reason TEXT;
ALTER TABLE persons ADD COLUMN hold_note TEXT;
CREATE INDEX persons_by_individual_number ON persons (individual_number);

-- 特定疾病療養受療証 (OQSCD013 category 1–3) attached to a qualification.
ALTER TABLE qualifications ADD COLUMN specific_disease_category TEXT;

-- The J-LIS stand-in: which 個人番号 a 利用者証明用 certificate belongs to, and its status. Replaces the
-- status-only table of 0001 (its rows are carried over without a number).
CREATE TABLE jlis_certificates (
    certificate_issuer TEXT   NOT NULL,
    certificate_serial TEXT   NOT NULL,
    individual_number  TEXT,
    status             TEXT   NOT NULL CHECK (status IN ('good', 'revoked', 'expired')),
    revoked_at         BIGINT,
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (certificate_issuer, certificate_serial)
);
INSERT INTO jlis_certificates (certificate_issuer, certificate_serial, individual_number, status, revoked_at, updated_at)
    SELECT certificate_issuer, certificate_serial, NULL, status, revoked_at, updated_at FROM certificate_status;
DROP TABLE certificate_status;

-- The 住民基本台帳 stand-in: the resident registry's 5 items per 個人番号, queried by the batch checks.
CREATE TABLE resident_registry (
    individual_number TEXT   NOT NULL PRIMARY KEY,
    name              TEXT   NOT NULL,
    name_kana         TEXT   NOT NULL,
    birth_date        TEXT   NOT NULL,
    sex               TEXT   NOT NULL CHECK (sex IN ('male', 'female', 'unspecified')),
    address           TEXT   NOT NULL,
    updated_at        BIGINT NOT NULL
);

-- Insurer credentials: the SHA-256 of the bearer token, never the token.
CREATE TABLE insurer_tokens (
    token_sha256   TEXT   NOT NULL PRIMARY KEY,
    insurer_number TEXT   NOT NULL REFERENCES insurers (insurer_number),
    created_at     BIGINT NOT NULL
);

-- One applied insurer batch. A batch is written in the same transaction as its records, so a row here means
-- the whole batch is in.
CREATE TABLE insurer_batches (
    id                      TEXT   NOT NULL PRIMARY KEY,
    insurer_number          TEXT   NOT NULL REFERENCES insurers (insurer_number),
    format                  TEXT   NOT NULL CHECK (format IN ('ndjson', 'csv')),
    received_at             BIGINT NOT NULL,
    body_sha256             TEXT   NOT NULL,
    rows_total              BIGINT NOT NULL,
    records_registered      BIGINT NOT NULL,
    records_held            BIGINT NOT NULL,
    qualifications_lost     BIGINT NOT NULL,
    notifications_raised    BIGINT NOT NULL
);
CREATE INDEX insurer_batches_by_insurer ON insurer_batches (insurer_number, received_at);

-- Notices to an insurer: suspected mis-registrations, twins, 住基 query results, 5-item mismatches.
CREATE TABLE insurer_notifications (
    id             TEXT   NOT NULL PRIMARY KEY,
    insurer_number TEXT   NOT NULL REFERENCES insurers (insurer_number),
    batch_id       TEXT   REFERENCES insurer_batches (id),
    line           BIGINT,
    person_id      TEXT,
    kind           TEXT   NOT NULL,
    detail         TEXT   NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX insurer_notifications_by_insurer ON insurer_notifications (insurer_number, created_at);

-- 薬剤情報 (from claims) and 特定健診情報, viewable only under a live consent.
CREATE TABLE medication_history (
    id            TEXT   NOT NULL PRIMARY KEY,
    person_id     TEXT   NOT NULL REFERENCES persons (id),
    dispensed_on  TEXT   NOT NULL,
    drug_name     TEXT   NOT NULL,
    quantity      TEXT   NOT NULL,
    days          BIGINT NOT NULL,
    facility_name TEXT   NOT NULL
);
CREATE INDEX medication_history_by_person ON medication_history (person_id, dispensed_on);

CREATE TABLE checkup_history (
    id         TEXT   NOT NULL PRIMARY KEY,
    person_id  TEXT   NOT NULL REFERENCES persons (id),
    checked_on TEXT   NOT NULL,
    item       TEXT   NOT NULL,
    value      TEXT   NOT NULL,
    unit       TEXT   NOT NULL
);
CREATE INDEX checkup_history_by_person ON checkup_history (person_id, checked_on);
