-- Tenth version: a visual check (目視) keeps what the edge found about the card certificate when the kiosk asked, so
-- that a certificate in its grace period gets a qualification-only session when staff approve, and its check-in row
-- carries the same mark as a PIN check-in's. Same portability rules as 0001 and the same columns as 0009's.
ALTER TABLE visual_checks ADD COLUMN scope TEXT NOT NULL DEFAULT 'full' CHECK (scope IN ('full', 'qualification_only'));
ALTER TABLE visual_checks ADD COLUMN certificate_notice TEXT CHECK (certificate_notice IN ('expiring_soon', 'in_grace'));
ALTER TABLE visual_checks ADD COLUMN certificate_expiry_date TEXT;
