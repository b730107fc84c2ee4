-- Twenty-first version: a visual check (目視) keeps whether the asking kiosk proved the card present with the 目視 assist
-- (staff opened the card face at the kiosk with 照合番号B, and the card signed the edge's challenge), so that staff see
-- it beside the request. Only the fact is kept: nothing of the proof reaches the origin. Requests recorded before
-- this version were not proven. Same portability rules as 0001; a flag is a BIGINT, 0 or 1.
ALTER TABLE visual_checks ADD COLUMN card_proven BIGINT NOT NULL DEFAULT 0 CHECK (card_proven IN (0, 1));
