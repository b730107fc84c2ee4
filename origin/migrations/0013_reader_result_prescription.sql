-- Thirteenth version: the prescription format a patient chose on the national reader (PrescriptionIssueSelect, by
-- its wire name: electronic or paper), kept with the reader's result so the staff row shows it as it does for a
-- kiosk check-in. Same portability rules as 0001.
ALTER TABLE reader_results ADD COLUMN prescription TEXT;
