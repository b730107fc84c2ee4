-- The staff console: check-ins of the day and staff visual checks (目視). Portable SQL, as in 0001.

-- One row per qualification by certificate answered for a facility, written in the same transaction as its audit
-- row. It keeps a snapshot of what the staff console shows (the first record's 氏名, 保険者 and 負担割合), so the
-- list reads as the patient was answered even if the records change later in the day. checkin_date is the
-- Asia/Tokyo calendar day of checked_in_at.
CREATE TABLE checkins (
    id                   TEXT    NOT NULL PRIMARY KEY,
    facility_code        TEXT    NOT NULL,
    checkin_date         TEXT    NOT NULL,
    checked_in_at        BIGINT  NOT NULL,
    device_id            TEXT,
    person_id            TEXT,
    method               TEXT    NOT NULL CHECK (method IN ('pin', 'visual_check')),
    validity             TEXT    NOT NULL,
    reason               TEXT    NOT NULL,
    guidance             TEXT,
    name                 TEXT,
    name_kana            TEXT,
    insurer_number       TEXT,
    insurer_name         TEXT,
    contribution_percent INTEGER
);
CREATE INDEX checkins_by_facility_day ON checkins (facility_code, checkin_date, checked_in_at);

-- Visual checks asked for by kiosks. The certificate reference points at one person's card, so pending requests
-- live here and never at the edge. A pending row past expires_at reads as expired; an approved row can be collected
-- once (state becomes 'collected'), within the lifetime after its decision.
CREATE TABLE visual_checks (
    id                 TEXT   NOT NULL PRIMARY KEY,
    facility_code      TEXT   NOT NULL,
    device_id          TEXT   NOT NULL,
    certificate_issuer TEXT   NOT NULL,
    certificate_serial TEXT   NOT NULL,
    state              TEXT   NOT NULL CHECK (state IN ('pending', 'approved', 'refused', 'collected')),
    requested_at       BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    decided_at         BIGINT,
    decided_by         TEXT
);
CREATE INDEX visual_checks_by_facility ON visual_checks (facility_code, state, requested_at);
