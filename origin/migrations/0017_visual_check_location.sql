-- Seventeenth version: a visual check (目視) keeps where the asking kiosk stands, as the admin named the place at its
-- enrolment, so that staff who did not set the kiosks up find the patient. Requests recorded before this version, and
-- kiosks enrolled without a location, have none. Same portability rules as 0001.
ALTER TABLE visual_checks ADD COLUMN device_location TEXT;
