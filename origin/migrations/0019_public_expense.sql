-- Nineteenth version: 公費. 医療扶助 (生活保護, with its 医療券/調剤券) registered by a welfare office, and a
-- municipality's 公費受給者証 (子ども医療費, ひとり親, 難病, 小児慢性 …), each by its payer's own batch. Same
-- portability rules as 0001.
--
-- A payer (公費負担者番号) is a registrant beside the insurers: it is kept in `insurers`, whose credential machinery
-- (the hashed bearer token of `insurer_tokens`) it shares, with `principal_kind` saying which of the two it is. An
-- insurer's token opens none of a payer's routes and a payer's token none of an insurer's.
ALTER TABLE insurers ADD COLUMN principal_kind TEXT NOT NULL DEFAULT 'insurer'
    CHECK (principal_kind IN ('insurer', 'public_expense_payer'));

-- One applied payer batch, written in the same transaction as its rows: a row here means the whole batch is in.
CREATE TABLE public_expense_batches (
    id           TEXT   NOT NULL PRIMARY KEY,
    payer_number TEXT   NOT NULL REFERENCES insurers (insurer_number),
    received_at  BIGINT NOT NULL,
    body_sha256  TEXT   NOT NULL,
    rows_total   BIGINT NOT NULL
);

-- One 公費 of one person (by 個人番号, which the payer holds and which every record of the person carries), keyed by
-- its payer and 受給者番号: a later batch naming the same pair replaces it with
-- its tickets. Dates are ISO text as everywhere.
CREATE TABLE public_expenses (
    id                   TEXT   NOT NULL PRIMARY KEY,
    individual_number    TEXT   NOT NULL,
    payer_number         TEXT   NOT NULL REFERENCES insurers (insurer_number),
    kind                 TEXT   NOT NULL CHECK (kind IN ('medical_assistance', 'child_medical', 'single_parent',
                                                         'intractable_disease', 'pediatric_chronic',
                                                         'severe_disability')),
    recipient_number     TEXT   NOT NULL,
    valid_from           TEXT   NOT NULL,
    valid_until          TEXT,
    monthly_self_pay_yen BIGINT,
    batch_id             TEXT   NOT NULL REFERENCES public_expense_batches (id),
    UNIQUE (payer_number, recipient_number)
);
CREATE INDEX public_expenses_by_individual_number ON public_expenses (individual_number);

-- The 医療券/調剤券 of a 医療扶助, in the order the batch gave them.
CREATE TABLE medical_tickets (
    public_expense_id        TEXT   NOT NULL REFERENCES public_expenses (id),
    position                 BIGINT NOT NULL,
    kind                     TEXT   NOT NULL CHECK (kind IN ('medical', 'dispensing')),
    valid_from               TEXT   NOT NULL,
    valid_until              TEXT,
    issue_number             TEXT   NOT NULL,
    treatment_month          TEXT   NOT NULL,
    designated_facility_code TEXT   NOT NULL,
    designated_facility_name TEXT   NOT NULL,
    self_pay_yen             BIGINT NOT NULL,
    PRIMARY KEY (public_expense_id, position)
);
