-- Twentieth version: the 公費 a check-in's answer carried, kept on its row so the staff list shows them beside
-- 負担割合, 限度額 and 特定疾病 with no join: 医療扶助 with the day's 医療券/調剤券, and a 受給者証 only when the
-- patient agreed to use it. A JSON array of the wire's `PublicExpense`, as `specific_diseases` keeps its list;
-- NULL when the answer carried none. Same portability rules as 0001.
ALTER TABLE checkins ADD COLUMN public_expense TEXT;
