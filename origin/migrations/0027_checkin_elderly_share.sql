-- Twenty-seventh version: a check-in whose 負担割合 came from a 高齢受給者証 keeps that certificate (its ratio and
-- period) and the insurance's own 一部負担金割合 beside it, as one JSON object
-- (`onshi_proto::origin::ElderlyShare`), so that staff see on the row how long the lower share runs and what the
-- patient pays after it. Null for every other check-in and for those recorded before this version. Same
-- portability rules as 0001.
ALTER TABLE checkins ADD COLUMN elderly_recipient TEXT;
