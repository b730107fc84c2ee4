-- Sixteenth version. Medical information staff read under a live consent: the codes of 薬剤 and 特定健診 rows, and
-- 診療行為 and 手術 history. Codes: origin/src/medical/codes.rs.

-- YJコード, the prescriber's 医療機関コード (facility_name is its name) and where the entry comes from (claim,
-- electronic_prescription, dispensing_result). Rows written before these columns read as claims without codes.
ALTER TABLE medication_history ADD COLUMN yj_code TEXT NOT NULL DEFAULT '';
ALTER TABLE medication_history ADD COLUMN prescriber_code TEXT NOT NULL DEFAULT '';
ALTER TABLE medication_history ADD COLUMN source TEXT NOT NULL DEFAULT 'claim';

-- 項目コード (JLAC10), by which the item's reference range is found.
ALTER TABLE checkup_history ADD COLUMN code TEXT NOT NULL DEFAULT '';

-- 診療行為 (kind 'diagnosis') and 手術 (kind 'operation'), coded by 区分番号 of the 医科診療報酬点数表.
CREATE TABLE procedure_history (
    id            TEXT NOT NULL PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES persons (id),
    kind          TEXT NOT NULL CHECK (kind IN ('diagnosis', 'operation')),
    performed_on  TEXT NOT NULL,
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    facility_name TEXT NOT NULL
);
CREATE INDEX procedure_history_by_person ON procedure_history (person_id, kind, performed_on);
