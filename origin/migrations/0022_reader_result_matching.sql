-- Twenty-second version: a national reader's check keeps the person's birth date, sex and the 照会番号 (the clinic's
-- own patient id registered nationally) when the face file carried them, so that the staff console can match the
-- row to the clinic's patient register, which stays in the browser. Sex by its wire name (male, female,
-- unspecified). Rows kept before this version have none of them. Same portability rules as 0001.
ALTER TABLE reader_results ADD COLUMN birth_date TEXT;
ALTER TABLE reader_results ADD COLUMN sex TEXT;
ALTER TABLE reader_results ADD COLUMN reference_number TEXT;
