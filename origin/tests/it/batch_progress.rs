//! An insurer watching its batch run: the rows read and refused while the file is still arriving, the rows applied,
//! nothing once the report is out, never another insurer's batch, and "running elsewhere" when another replica
//! holds the insurer's batch lock. Every test runs on both databases.

use std::time::{Duration, Instant};

use onshi_origin::batch::{BatchFormat, parse_batch};
use onshi_origin::store::Store;
use onshi_origin::store::batch_progress::ProgressCell;
use onshi_proto::insurer::{BatchProgress, ORIGIN_BATCH_PROGRESS_PATH};
use onshi_proto::insurer_number::InsurerNumber;
use tokio::io::AsyncWriteExt as _;

use crate::batch_bounds::{read_head, start_upload, unknown_person};
use crate::fixture::{Db, NOW, Origin, ndjson};

const INSURER: &str = "33120015";
const OTHER_INSURER: &str = "01130012";

/// Longest a test waits for the origin to have read what was sent: far more than it takes, short enough that a
/// batch that never reports fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

async fn progress(origin: &Origin, token: &str) -> BatchProgress {
    let response = origin.get_with(ORIGIN_BATCH_PROGRESS_PATH, token).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// Asks for the progress until `done` holds of it, for at most [`PATIENCE`]; the last answer.
async fn progress_until(origin: &Origin, token: &str, done: impl Fn(&BatchProgress) -> bool) -> BatchProgress {
    let start = Instant::now();
    loop {
        let now = progress(origin, token).await;
        if done(&now) {
            return now;
        }
        assert!(start.elapsed() < PATIENCE, "the progress stayed at {now:?}");
        tokio::task::yield_now().await;
    }
}

async fn a_half_sent_batch_shows_its_rows_read_to_its_insurer_only(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    let other = origin.insurer_token(OTHER_INSURER).await;
    assert_eq!(progress(&origin, &token).await, BatchProgress::None);
    let rows: Vec<_> = (0..200).map(|n| unknown_person(8_000 + n)).collect();
    let (first_half, second_half) = (ndjson(&rows[..100]), ndjson(&rows[100..]));
    let (mut upload, answer) = start_upload(&origin, &token, first_half.len() + second_half.len()).await;
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
    upload.write_all(first_half.as_bytes()).await.unwrap();
    upload.flush().await.unwrap();
    // The origin reads what it has been sent while the rest has not come: rows read, none refused, none applied.
    let read =
        progress_until(&origin, &token, |now| matches!(now, BatchProgress::Reading(rows) if rows.read() > 0)).await;
    let BatchProgress::Reading(rows_read) = read else { unreachable!() };
    assert!(rows_read.read() <= 100 && rows_read.refused() == 0, "{rows_read:?}");
    // Another insurer asks and sees nothing running.
    assert_eq!(progress(&origin, &other).await, BatchProgress::None);
    // Once the first half is read whole, the count says so, and it stays in the reading stage.
    let all_of_it = |now: &BatchProgress| matches!(now, BatchProgress::Reading(rows) if rows.read() == 100);
    progress_until(&origin, &token, all_of_it).await;
    upload.write_all(second_half.as_bytes()).await.unwrap();
    assert!(read_head(&mut upload).await.starts_with("HTTP/1.1 200"));
    // The report is out: nothing runs any more.
    assert_eq!(progress(&origin, &token).await, BatchProgress::None);
    origin.stop().await;
}
on_both_databases!(a_half_sent_batch_shows_its_rows_read_to_its_insurer_only);

async fn refused_rows_show_while_the_file_arrives_and_a_refused_batch_ends_its_progress(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    let mut bad = unknown_person(8_301);
    bad["birth_date"] = "1989-13-40".into();
    let first_half = ndjson(&[unknown_person(8_300), bad, unknown_person(8_302)]);
    let second_half = ndjson(&[unknown_person(8_303)]);
    let (mut upload, answer) = start_upload(&origin, &token, first_half.len() + second_half.len()).await;
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
    upload.write_all(first_half.as_bytes()).await.unwrap();
    let three_read = |now: &BatchProgress| matches!(now, BatchProgress::Reading(rows) if rows.read() == 3);
    let BatchProgress::Reading(rows_read) = progress_until(&origin, &token, three_read).await else { unreachable!() };
    assert_eq!(rows_read.refused(), 1);
    upload.write_all(second_half.as_bytes()).await.unwrap();
    assert!(read_head(&mut upload).await.starts_with("HTTP/1.1 400"));
    assert_eq!(progress(&origin, &token).await, BatchProgress::None);
    assert_eq!(origin.store.count_rows("insurer_batches").await.unwrap(), 0);
    origin.stop().await;
}
on_both_databases!(refused_rows_show_while_the_file_arrives_and_a_refused_batch_ends_its_progress);

async fn a_batch_on_another_replica_shows_as_running_elsewhere_without_counts(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    let other = origin.insurer_token(OTHER_INSURER).await;
    // Another replica, on the same database, takes the insurer's batch lock: this origin has no counts of it.
    let replica = Store::connect(&origin.database_url).await.unwrap();
    let held = replica.try_lock_insurer_batch(INSURER, NOW, NOW + 60).await.unwrap().unwrap();
    assert_eq!(progress(&origin, &token).await, BatchProgress::RunningElsewhere);
    assert_eq!(progress(&origin, &other).await, BatchProgress::None);
    // The replica itself answers with its counts.
    assert!(matches!(replica.insurer_batch_progress(INSURER, NOW).await.unwrap(), BatchProgress::Reading(_)));
    held.release().await.unwrap();
    assert_eq!(progress(&origin, &token).await, BatchProgress::None);
    assert_eq!(replica.insurer_batch_progress(INSURER, NOW).await.unwrap(), BatchProgress::None);
    // A lock whose holder died counts as running only until it expires.
    std::mem::forget(replica.try_lock_insurer_batch(INSURER, NOW, NOW + 60).await.unwrap().unwrap());
    assert_eq!(progress(&origin, &token).await, BatchProgress::RunningElsewhere);
    assert_eq!(origin.store.insurer_batch_progress(INSURER, NOW + 60).await.unwrap(), BatchProgress::None);
    replica.close().await;
    origin.stop().await;
}
on_both_databases!(a_batch_on_another_replica_shows_as_running_elsewhere_without_counts);

async fn a_batch_reports_its_finish_once_every_row_is_written(db: Db) {
    let origin = Origin::start(db).await;
    origin.insurer_token(INSURER).await;
    let insurer = InsurerNumber::parse(INSURER).unwrap();
    // More rows than one multi-row write takes, so the count moves more than once.
    let body = ndjson(&(0..450).map(|n| unknown_person(8_500 + n)).collect::<Vec<_>>());
    let rows = parse_batch(BatchFormat::Ndjson, body.as_bytes(), &insurer).unwrap();
    let progress = ProgressCell::default();
    let report =
        origin.store.apply_insurer_batch(&insurer, BatchFormat::Ndjson, "sha", &rows, NOW, &progress).await.unwrap();
    assert_eq!(report.unwrap().rows_total, 450);
    // Every row written, the last thing it reported is the stage after the rows: the commit.
    assert_eq!(progress.get(), BatchProgress::Finishing { rows_total: 450 });
    origin.stop().await;
}
on_both_databases!(a_batch_reports_its_finish_once_every_row_is_written);
