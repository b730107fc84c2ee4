-- Twenty-fourth version: insurer (and 公費負担者) credentials expire and can be revoked, and a hold the 住基
-- comparison raised is released only by a second clerk. Same portability rules as 0001.

-- When a credential stops opening the insurer routes (Unix seconds), and when and by whom the operator revoked it.
-- Credentials issued before this version get their expiry when the origin first starts on it (`serve` dates them
-- now + the configured lifetime, `Store::date_undated_credentials`): portable SQL has no clock to do it here. A
-- credential without an expiry opens nothing, so one the start has not dated yet fails closed.
ALTER TABLE insurer_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE insurer_tokens ADD COLUMN revoked_at BIGINT;
ALTER TABLE insurer_tokens ADD COLUMN revoked_by TEXT;
-- The operator's listing of one insurer's credentials.
CREATE INDEX insurer_tokens_by_insurer ON insurer_tokens (insurer_number, created_at);

-- A first clerk's 理由付き疑いなし on a hold that needs a second clerk (`NoticeKind::release_needs_second_clerk`):
-- the proposal the hold waits on. It is settled (when and by whom) once the hold lifts, by a second clerk's
-- confirmation or by a corrected 個人番号. Rows are only ever added and settled, never removed.
CREATE TABLE hold_proposals (
    id             TEXT   NOT NULL PRIMARY KEY,
    insurer_number TEXT   NOT NULL REFERENCES insurers (insurer_number),
    person_id      TEXT   NOT NULL,
    proposed_at    BIGINT NOT NULL,
    proposed_by    TEXT   NOT NULL,
    reason         TEXT   NOT NULL,
    settled_at     BIGINT,
    settled_by     TEXT
);
CREATE INDEX hold_proposals_by_person ON hold_proposals (person_id, settled_at);
