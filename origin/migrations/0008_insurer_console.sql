-- The insurer's console: a notice names the other record that raised it (checks b and c), decisions on holds are
-- kept with who took them and why, and the inbox and hold counts read by indexes. Same portability rules as 0001.

-- The record of check b or c that the notice's member record collided with (any insurer's). Kept so the notice can
-- be opened beside it; never sent to an insurer as an identifier, only as the items that differ.
ALTER TABLE insurer_notifications ADD COLUMN counterpart_person_id TEXT;
CREATE INDEX insurer_notifications_by_person ON insurer_notifications (person_id);
-- The listings' whole order, so a page of a large inbox (a 100,000-row batch raises as many notices) is read in
-- index order, newest or oldest first, instead of sorting every notice of the insurer for each page.
CREATE INDEX insurer_notifications_in_order
    ON insurer_notifications (insurer_number, created_at, COALESCE(batch_id, ''), COALESCE(line, 0), id);

-- One decision on a held record: 理由付き疑いなし with its reason, or a corrected 個人番号, with the clerk who took
-- it (as the insurer's console names them) and what it did. Rows are only ever added.
CREATE TABLE hold_decisions (
    id             TEXT   NOT NULL PRIMARY KEY,
    insurer_number TEXT   NOT NULL REFERENCES insurers (insurer_number),
    person_id      TEXT   NOT NULL,
    decided_at     BIGINT NOT NULL,
    decided_by     TEXT   NOT NULL,
    resolution     TEXT   NOT NULL CHECK (resolution IN ('no_suspicion', 'corrected')),
    reason         TEXT,
    outcome        TEXT   NOT NULL CHECK (outcome IN ('released', 'still_held')),
    CHECK (resolution <> 'no_suspicion' OR reason IS NOT NULL)
);
CREATE INDEX hold_decisions_by_person ON hold_decisions (person_id, decided_at);

-- The open holds of one insurer, counted and aged on every visit to the console.
CREATE INDEX persons_by_registrar_hold ON persons (registered_by, hold_status, created_at);
