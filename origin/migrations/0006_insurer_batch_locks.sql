-- Sixth version: one insurer batch per insurer at a time, across every replica of the origin. A batch takes its
-- insurer's row before it reads the upload and deletes it when done; a row whose holder died (a replica killed
-- mid-batch) is taken over once `expires_at` (Unix seconds) has passed. Same portability rules as 0001.
CREATE TABLE insurer_batch_locks (
    insurer_number TEXT   NOT NULL PRIMARY KEY,
    holder         TEXT   NOT NULL,
    expires_at     BIGINT NOT NULL
);
