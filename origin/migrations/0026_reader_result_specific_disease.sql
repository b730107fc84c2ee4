-- Twenty-sixth version: a national reader's check keeps the 特定疾病療養受療証 its result carried, as JSON the way
-- checkins.specific_diseases holds them, each with its period and monthly limit and its category only when the
-- reader's consent flag said 1, and that flag by its wire name. Null when the result carried none, and for rows kept
-- before this version. Same portability rules as 0001.
ALTER TABLE reader_results ADD COLUMN specific_diseases TEXT;
ALTER TABLE reader_results ADD COLUMN specific_disease_consent TEXT
    CHECK (specific_disease_consent IN ('not_given', 'given', 'lapsed'));
