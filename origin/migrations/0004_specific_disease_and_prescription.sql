-- Fourth version: the rest of the 特定疾病療養受療証 on a qualification, and the prescription format a patient
-- chose at the kiosk. Same portability rules as 0001: ISO dates as TEXT, enumerations as TEXT with CHECK.

-- 0002 stored only the disease category (OQSCD013 '1'–'3'). An insurer batch row carries at most one 受療証 per
-- qualification, so its validity period and 月額自己負担限度額 (10,000 or 20,000 yen) sit beside the category
-- rather than in a table of their own; the answer's `SpecificDiseasesCertificateList` has one entry when the
-- category is set. All three are optional: an insurer may not have recorded them.
ALTER TABLE qualifications ADD COLUMN specific_disease_valid_from TEXT;
ALTER TABLE qualifications ADD COLUMN specific_disease_valid_until TEXT;
ALTER TABLE qualifications ADD COLUMN specific_disease_self_pay_yen INTEGER
    CHECK (specific_disease_self_pay_yen IN (10000, 20000));

-- 処方箋の受け取り方法 (電子 or 紙). The kiosk asks on the consent screen, after the qualification check-in of the
-- same visit, so the consent request's choice is written onto that facility's latest check-in of the same person
-- that day (see `Store::record_prescription_choice`). NULL when the patient was not asked.
ALTER TABLE checkins ADD COLUMN prescription TEXT CHECK (prescription IN ('electronic', 'paper'));
