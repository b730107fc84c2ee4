-- Fourteenth version: a visual check (目視) keeps why the kiosk asked (the patient's choice, a locked PIN, or a
-- 顔認証マイナンバーカード with no PIN), so that staff see it beside the request. Requests recorded before this
-- version read as the patient's choice. Same portability rules as 0001.
ALTER TABLE visual_checks ADD COLUMN reason TEXT NOT NULL DEFAULT 'patient_chose'
    CHECK (reason IN ('patient_chose', 'pin_locked', 'pin_not_set'));
