-- Ninth version: the card certificate's expiry on a check-in, so the staff console marks a patient whose
-- 利用者証明用 certificate expires within three months or has expired and is in its grace period (qualification
-- only). Same portability rules as 0001: ISO dates as TEXT, enumerations as TEXT with CHECK.
--
-- Only the kind and the certificate's last valid day are kept: the days left and the end of the grace follow from
-- them and the check-in's day by the one rule in onshi-proto (`certificate_expiry`), so they cannot disagree.
ALTER TABLE checkins ADD COLUMN certificate_notice TEXT CHECK (certificate_notice IN ('expiring_soon', 'in_grace'));
ALTER TABLE checkins ADD COLUMN certificate_expiry_date TEXT;
