-- Twenty-eighth version: a national-reader result whose 負担割合 came from a 高齢受給者証 keeps that certificate (its
-- ratio and period) and the insurance's own 一部負担金割合 beside it, as one JSON object
-- (`onshi_proto::origin::ElderlyShare`), as a kiosk check-in's row does since 0027, so that staff beside the
-- national reader see how long the lower share runs and what the patient pays after it. Null for every other result
-- and for those kept before this version. Same portability rules as 0001.
ALTER TABLE reader_results ADD COLUMN elderly_recipient TEXT;
