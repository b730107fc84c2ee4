//! Demo seeding against a real database file.

use onshi_origin::seed::seed_demo_file;
use onshi_origin::store::Store;

use crate::fixture::{Db, NOW, TODAY, demo_cards_path};

async fn row_counts(url: &str) -> Vec<(String, i64)> {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let mut counts = Vec::new();
    for table in
        ["persons", "insurers", "qualifications", "certificate_links", "jlis_certificates", "resident_registry"]
    {
        // The table names come from the fixed list above, never from input.
        let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        let count: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        counts.push((table.to_owned(), count));
    }
    pool.close().await;
    counts
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("seed.db").display());
    let store = Store::connect(&url).await.unwrap();
    let first = seed_demo_file(&store, &demo_cards_path(), TODAY, NOW).await.unwrap();
    let after_first = row_counts(&url).await;
    assert_eq!(
        after_first,
        [
            ("persons".to_owned(), 7),
            ("insurers".to_owned(), 3),
            ("qualifications".to_owned(), 7),
            ("certificate_links".to_owned(), 5),
            ("jlis_certificates".to_owned(), 6),
            ("resident_registry".to_owned(), 6),
        ]
    );
    // 28 records of the first version (the senior's 協会けんぽ is an insurer already seeded), plus 6 住基 entries,
    // 6 個人番号 and the valid card holder's synthetic medical
    // history (its size does not depend on whose it is).
    let history = onshi_origin::medical::synthetic::history("anyone", TODAY).unwrap();
    let medical_rows = history.medications.len() + history.checkups.len() + history.procedures.len();
    assert_eq!(first.rows_inserted, 40 + u64::try_from(medical_rows).unwrap());
    // Again, even on a later day: nothing new.
    let second = seed_demo_file(&store, &demo_cards_path(), TODAY.next_day().unwrap(), NOW + 86_400).await.unwrap();
    assert_eq!(second.rows_inserted, 0);
    assert_eq!(row_counts(&url).await, after_first);
    store.close().await;

    // Reopening the file (migrations already applied) keeps the data; `?mode=rwc` is how the demo stack says it.
    let reopened = Store::connect(&format!("{url}?mode=rwc")).await.unwrap();
    assert_eq!(seed_demo_file(&reopened, &demo_cards_path(), TODAY, NOW).await.unwrap().rows_inserted, 0);
    reopened.close().await;
}

#[tokio::test]
async fn a_lookup_on_a_file_sees_links_committed_after_its_read_connections_were_used() {
    // Lookups on a SQLite file read through connections kept outside the pool; a card read as unlinked must be
    // found as soon as its link is committed, on every one of those connections.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("fresh.db").display())).await.unwrap();
    let linked = crate::fixture::certificate(crate::fixture::serial::VALID);
    let before = concurrent_lookups(&store, &linked).await;
    assert!(before.iter().all(Option::is_none), "{before:?}");
    seed_demo_file(&store, &demo_cards_path(), TODAY, NOW).await.unwrap();
    let after = concurrent_lookups(&store, &linked).await;
    assert!(after.iter().all(|found| found.as_ref().is_some_and(|holder| holder.records.len() == 1)), "{after:?}");
    store.close().await;
}

/// Eight concurrent lookups of one certificate, so that every read connection serves at least one of them.
async fn concurrent_lookups(
    store: &Store,
    certificate: &onshi_proto::origin::CertificateRef,
) -> Vec<Option<onshi_origin::store::CardHolderRecord>> {
    let mut lookups = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (store, certificate) = (store.clone(), certificate.clone());
        lookups.spawn(async move { store.card_holder(&certificate).await.unwrap() });
    }
    let mut found = Vec::new();
    while let Some(answer) = lookups.join_next().await {
        found.push(answer.unwrap());
    }
    found
}

#[tokio::test]
async fn an_in_memory_database_works_too() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let summary = seed_demo_file(&store, &demo_cards_path(), TODAY, NOW).await.unwrap();
    let history = onshi_origin::medical::synthetic::history("anyone", TODAY).unwrap();
    let medical_rows = history.medications.len() + history.checkups.len() + history.procedures.len();
    assert_eq!(summary.rows_inserted, 40 + u64::try_from(medical_rows).unwrap());
    let linked = onshi_proto::origin::CertificateRef {
        issuer: crate::fixture::ISSUER.try_into().unwrap(),
        serial: crate::fixture::serial::VALID.try_into().unwrap(),
    };
    let records = store.card_holder(&linked).await.unwrap().unwrap().records;
    assert_eq!(records.len(), 1);
    store.close().await;
}

#[tokio::test]
async fn a_missing_or_broken_demo_file_is_an_error() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.json");
    assert!(matches!(seed_demo_file(&store, &missing, TODAY, NOW).await, Err(onshi_origin::OriginError::Io(_))));
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, b"[{\"index\": 0, \"scenario\": \"valid\"}]").unwrap();
    assert!(matches!(seed_demo_file(&store, &broken, TODAY, NOW).await, Err(onshi_origin::OriginError::DemoCards(_))));
    store.close().await;
}

#[tokio::test]
async fn an_unsupported_database_url_is_refused() {
    assert!(matches!(Store::connect("mysql://localhost/onshi").await, Err(onshi_origin::OriginError::Usage(_))));
}

#[tokio::test]
async fn a_postgres_url_may_require_tls() {
    let Some(server) = crate::fixture::postgres_server() else {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "SKIPPED a_postgres_url_may_require_tls: no PostgreSQL server");
        return;
    };
    // The store is built with TLS: a URL that requires it connects when the server speaks TLS, and is refused by
    // the server (never by a missing TLS build) when it does not.
    let separator = if server.contains('?') { '&' } else { '?' };
    match Store::connect(&format!("{server}{separator}sslmode=require")).await {
        Ok(store) => store.close().await,
        Err(error) => {
            let text = error.to_string();
            assert!(!text.contains("without TLS support"), "{text}");
            assert!(text.to_lowercase().contains("tls") || text.to_lowercase().contains("ssl"), "{text}");
        }
    }
}

/// The fixture's 70–74-year-old `senior` is seeded with the 高齢受給者証 of the 適用年度 that holds [`TODAY`].
async fn a_senior_demo_card_holder_is_answered_with_their_elderly_recipient_certificate(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::fixture::fresh_database_url(db, dir.path()).await;
    let store = Store::connect(&url).await.unwrap();
    let file = demo_cards_path();
    seed_demo_file(&store, &file, TODAY, NOW).await.unwrap();

    // Read back through the same lookup a kiosk's check-in makes: the database keeps the certificate's ratio and
    // both its dates beside the insured's own 3割.
    let holder =
        store.card_holder(&crate::fixture::certificate(crate::fixture::serial::SENIOR)).await.unwrap().unwrap();
    assert_eq!(holder.records.len(), 1);
    let record = &holder.records[0];
    assert_eq!(record.partial_contribution_percent.get(), 30);
    assert_eq!(
        record.elderly_recipient,
        Some(onshi_proto::qualification::ElderlyRecipient {
            contribution_ratio_percent: onshi_proto::qualification::Percent::literal(20),
            valid_from: onshi_proto::IsoDate::parse("2026-08-01").unwrap(),
            valid_until: Some(onshi_proto::IsoDate::parse("2027-07-31").unwrap()),
        })
    );
    assert_eq!(record.contribution_percent_on(onshi_proto::IsoDate(TODAY)).get(), 20);
    // Seeding again changes nothing, the certificate included, up to the certificate's last day.
    assert_eq!(seed_demo_file(&store, &file, TODAY, NOW).await.unwrap().rows_inserted, 0);
    let last_day = time::macros::date!(2027 - 07 - 31);
    assert_eq!(seed_demo_file(&store, &file, last_day, NOW).await.unwrap().rows_inserted, 0);
    // From 1 August the demo restarted on a database seeded last year answers the next 適用年度's certificate, as
    // the insurer's renewal would have it, and the patient still pays 2割.
    let next_year = time::macros::date!(2027 - 08 - 02);
    assert_eq!(seed_demo_file(&store, &file, next_year, NOW).await.unwrap().rows_inserted, 1);
    let renewed =
        store.card_holder(&crate::fixture::certificate(crate::fixture::serial::SENIOR)).await.unwrap().unwrap();
    let certificate = renewed.records[0].elderly_recipient.clone().unwrap();
    assert_eq!(certificate.valid_from.to_string(), "2027-08-01");
    assert_eq!(certificate.valid_until.map(|d| d.to_string()).as_deref(), Some("2028-07-31"));
    assert_eq!(renewed.records[0].contribution_percent_on(onshi_proto::IsoDate(next_year)).get(), 20);
    assert_eq!(seed_demo_file(&store, &file, next_year, NOW).await.unwrap().rows_inserted, 0, "renewed once");
    store.close().await;
    crate::fixture::drop_if_postgres(&url).await;
}

on_both_databases!(a_senior_demo_card_holder_is_answered_with_their_elderly_recipient_certificate);
