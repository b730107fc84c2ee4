-- Eighteenth version: the names of facilities (医療機関・薬局), so that a patient's own access log names each
-- facility that read their information as the patient knows it. Same portability rules as 0001.
--
-- Keyed by 医療機関コード, as every row that names a facility is. A facility without a row here is shown by its code
-- alone; the rows come from the operator's list of facilities (the demo seeds its own facilities).
CREATE TABLE facility_names (
    facility_code TEXT NOT NULL PRIMARY KEY,
    name          TEXT NOT NULL
);
