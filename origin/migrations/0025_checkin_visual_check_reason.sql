-- Twenty-fifth version: a check-in that a visual check (目視) led to keeps why the kiosk asked (0014), so that the
-- staff console still marks the row of a 顔認証マイナンバーカード with no PIN, or of a locked PIN, once the request
-- has left the queue. Null for a PIN check-in and for a 目視 recorded before this version. Numbered 0025 because
-- another change was writing 0024 at the same time. Same portability rules as 0001.
ALTER TABLE checkins ADD COLUMN visual_check_reason TEXT
    CHECK (visual_check_reason IN ('patient_chose', 'pin_locked', 'pin_not_set'));
