-- Twelfth version: the checks the facility's national reader (顔認証付きカードリーダー) did, as the facility's bridge
-- handed them on from the 資格確認端末's face folder. The staff console lists them beside the kiosk's check-ins. A
-- row keeps what the terminal answered (the national system decided, not onshi), so it is apart from checkins and
-- never linked to a person here. file_name is the face file's name: the same file handed on twice is kept once.
-- result_date is the Asia/Tokyo day of checked_at. Same portability rules as 0001.
CREATE TABLE reader_results (
    id                   TEXT    NOT NULL PRIMARY KEY,
    facility_code        TEXT    NOT NULL,
    file_name            TEXT    NOT NULL,
    device_id            TEXT    NOT NULL,
    checked_at           BIGINT  NOT NULL,
    result_date          TEXT    NOT NULL,
    received_at          BIGINT  NOT NULL,
    validity             TEXT    NOT NULL,
    name                 TEXT,
    name_kana            TEXT,
    insurer_number       TEXT,
    insurer_name         TEXT,
    contribution_percent INTEGER,
    disqualification_date TEXT,
    limit_category       TEXT
);
CREATE UNIQUE INDEX reader_results_by_file ON reader_results (facility_code, file_name);
CREATE INDEX reader_results_by_facility_day ON reader_results (facility_code, result_date, checked_at);
