-- Eleventh version: how the patient used the kiosk, kept on the check-in so staff can help the same way: the
-- language of the screens (its BCP 47 tag, one of the kiosk's) and the aids turned on (their wire names, sorted,
-- joined by commas). Neither names anybody. Same portability rules as 0001.
ALTER TABLE checkins ADD COLUMN patient_language TEXT;
ALTER TABLE checkins ADD COLUMN patient_aids TEXT;
