-- Fifteenth version: a patient takes a consent back (同意の撤回). Same portability rules as 0001.
--
-- A withdrawn consent keeps its row, marked with when it stopped, so that every read of live consents (which asks
-- for rows not withdrawn) stops at once while the history stays; a consent given after the withdrawal is a new row
-- and counts again. The withdrawal itself is one row of consent_withdrawals, written in the same transaction, even
-- when nothing was live: it is what the staff row shows ("withdrawn at"), and who asked is on the audit trail.
ALTER TABLE consents ADD COLUMN withdrawn_at BIGINT;

CREATE TABLE consent_withdrawals (
    id            TEXT   NOT NULL PRIMARY KEY,
    person_id     TEXT   NOT NULL REFERENCES persons (id),
    facility_code TEXT   NOT NULL,
    withdrawn_at  BIGINT NOT NULL
);
CREATE INDEX consent_withdrawals_by_person ON consent_withdrawals (person_id, facility_code, withdrawn_at);
