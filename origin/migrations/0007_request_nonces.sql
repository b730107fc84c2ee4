-- Seventh version: the nonces of signed edge requests, shared by every replica of the origin and kept across
-- restarts, so a request is accepted once wherever it is sent. A nonce is kept (as the hex of its SHA-256's first
-- 16 bytes) until `expires_at`, when its timestamp can no longer pass the signature check; expired rows are pruned
-- as requests arrive. Same portability rules as 0001.
CREATE TABLE request_nonces (
    nonce_digest TEXT   NOT NULL PRIMARY KEY,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);
