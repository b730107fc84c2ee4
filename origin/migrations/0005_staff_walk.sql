-- Fifth version: what the staff console's check-in list shows at a glance, the kiosk's name, and visual checks
-- the kiosk withdrew. Same portability rules as 0001: ISO dates as TEXT, enumerations as TEXT with CHECK.

-- The check-in snapshot grows by what the counter needs without a second lookup: the first record's 資格喪失日
-- (the day a 無効 qualification ended), its 限度額適用区分 and its 特定疾病療養受療証 (the answer's
-- `SpecificDiseasesCertificateList`, as its JSON array; NULL when there is none), and the kiosk's name as the
-- edge knew it at the time.
ALTER TABLE checkins ADD COLUMN device_label TEXT;
ALTER TABLE checkins ADD COLUMN disqualification_date TEXT;
ALTER TABLE checkins ADD COLUMN limit_category TEXT;
ALTER TABLE checkins ADD COLUMN specific_diseases TEXT;

-- A visual check the patient left (最初にもどる, the idle reset, the reader unplugged) is withdrawn by its kiosk,
-- so 'withdrawn' joins the states. Neither SQLite nor portable SQL can change a CHECK constraint in place, so the
-- table is made again under its new rule, its rows copied, and the old one replaced; its index comes back with it.
CREATE TABLE visual_checks_v5 (
    id                 TEXT   NOT NULL PRIMARY KEY,
    facility_code      TEXT   NOT NULL,
    device_id          TEXT   NOT NULL,
    device_label       TEXT,
    certificate_issuer TEXT   NOT NULL,
    certificate_serial TEXT   NOT NULL,
    state              TEXT   NOT NULL
        CHECK (state IN ('pending', 'approved', 'refused', 'collected', 'withdrawn')),
    requested_at       BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    decided_at         BIGINT,
    decided_by         TEXT
);
INSERT INTO visual_checks_v5 (id, facility_code, device_id, certificate_issuer, certificate_serial, state,
                              requested_at, expires_at, decided_at, decided_by)
    SELECT id, facility_code, device_id, certificate_issuer, certificate_serial, state, requested_at, expires_at,
           decided_at, decided_by
    FROM visual_checks;
DROP TABLE visual_checks;
ALTER TABLE visual_checks_v5 RENAME TO visual_checks;
CREATE INDEX visual_checks_by_facility ON visual_checks (facility_code, state, requested_at);
