-- Twenty-third version: the staff listing reads one page of a facility's day at a time, newest first and then by
-- id, after a cursor (the last listed row's time and id). These indexes hold the rows in exactly that order, so a
-- page is one range scan of at most a page's rows from either table, however many the day holds, and the day's
-- COUNT is answered from the index alone. They replace the day indexes of 0003 and 0012, which lacked the id.
-- Same portability rules as 0001.
DROP INDEX checkins_by_facility_day;
CREATE INDEX checkins_by_facility_day_page ON checkins (facility_code, checkin_date, checked_in_at DESC, id);
DROP INDEX reader_results_by_facility_day;
CREATE INDEX reader_results_by_facility_day_page
    ON reader_results (facility_code, result_date, checked_at DESC, id);
