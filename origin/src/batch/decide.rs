//! The mis-registration checks of an insurer batch: the checks of the seed document and the 2023–2024
//! countermeasures decide, row by row, where a member record goes and whether it is held. [`decide`] is that
//! decision, given what the database and the 住基 stand-in hold.
//!
//! Pure: no I/O, no clock.

use onshi_proto::IsoDate;
use onshi_proto::qualification::Sex;
use serde::Serialize;

use crate::normalize::{NameComparison, address_key, compare_names, kana_key};

/// The 5 items identity matching compares (漢字氏名, カナ氏名, 生年月日, 性別, 住所).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonItems {
    /// 漢字氏名, possibly with ● for 外字.
    pub name: String,
    /// カナ氏名.
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所.
    pub address: String,
}

/// A record already carrying the same 個人番号: in the database (registered by any insurer) or earlier in this
/// batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownRecord {
    /// The person record.
    pub person_id: String,
    /// Its 5 items.
    pub items: PersonItems,
    /// True when it is itself held.
    pub held: bool,
}

/// What an insurer is told about one row. The serialised names are part of the insurer API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Check b: the 個人番号 is registered with another 生年月日 (個人番号誤登録疑い).
    SuspectedMisregistration,
    /// Check c (機能②): same 個人番号 and 生年月日, different カナ氏名: twins given one number by mistake.
    SuspectedTwin,
    /// Check d (機能①): a number with no history was queried against 住基; the 5 items match.
    ResidentRegistryMatch,
    /// Check d: the 住基 query found the number, but the 5 items do not match.
    ResidentRegistryMismatch,
    /// Check d: the 住基 query does not know the number.
    ResidentRegistryNotFound,
    /// Check e/f: the row does not match the 住基 5 items (表記ゆれ and 外字 tolerated); the record is held.
    FiveItemMismatch,
    /// Check f: the record is held and cannot be viewed until corrected or cleared.
    RecordHeld,
}

impl NoticeKind {
    /// The stored name.
    pub fn as_text(self) -> &'static str {
        match self {
            Self::SuspectedMisregistration => "suspected_misregistration",
            Self::SuspectedTwin => "suspected_twin",
            Self::ResidentRegistryMatch => "resident_registry_match",
            Self::ResidentRegistryMismatch => "resident_registry_mismatch",
            Self::ResidentRegistryNotFound => "resident_registry_not_found",
            Self::FiveItemMismatch => "five_item_mismatch",
            Self::RecordHeld => "record_held",
        }
    }
}

/// Where a new member record goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Onto an existing person record whose 5 items match.
    Existing(String),
    /// Onto a new person record.
    New,
}

/// The outcome of the checks for one 資格取得 row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Where the record goes.
    pub placement: Placement,
    /// Why it is held, when it is ([`NoticeKind`] of the first failed check).
    pub hold: Option<NoticeKind>,
    /// What the insurer is told.
    pub notices: Vec<NoticeKind>,
}

/// The 5-item match of the 2023-04 rule: 漢字氏名, カナ氏名, 生年月日, 性別 and 住所, each in its comparison form.
/// A 外字 placeholder in the kanji name never counts as equal, but it does not break the match when the other
/// four items (and so the number's owner) agree.
pub fn five_items_match(left: &PersonItems, right: &PersonItems) -> bool {
    let name_ok = compare_names(&left.name, &right.name) != NameComparison::Different;
    name_ok
        && kana_key(&left.name_kana) == kana_key(&right.name_kana)
        && left.birth_date == right.birth_date
        && left.sex == right.sex
        && address_key(&left.address) == address_key(&right.address)
}

/// Runs checks b–f for one row. `known` holds the records that already carry the row's 個人番号; `resident` is
/// the 住基 stand-in's entry for it.
pub fn decide(row: &PersonItems, known: &[KnownRecord], resident: Option<&PersonItems>) -> Decision {
    let mut notices = Vec::new();
    let mut hold = None;
    // b: the same number with another birth date.
    if known.iter().any(|k| k.items.birth_date != row.birth_date) {
        notices.push(NoticeKind::SuspectedMisregistration);
        hold.get_or_insert(NoticeKind::SuspectedMisregistration);
    }
    // c: the same number and birth date with another kana name: twins.
    if known
        .iter()
        .any(|k| k.items.birth_date == row.birth_date && kana_key(&k.items.name_kana) != kana_key(&row.name_kana))
    {
        notices.push(NoticeKind::SuspectedTwin);
        hold.get_or_insert(NoticeKind::SuspectedTwin);
    }
    // d: no history → the 住基 query, whose result the insurer is told.
    let resident_matches = resident.is_some_and(|r| five_items_match(row, r));
    if known.is_empty() {
        notices.push(match (resident, resident_matches) {
            (None, _) => NoticeKind::ResidentRegistryNotFound,
            (Some(_), true) => NoticeKind::ResidentRegistryMatch,
            (Some(_), false) => NoticeKind::ResidentRegistryMismatch,
        });
    }
    // e/f: every record is checked against 住基 on 5 items; a mismatch (or an unknown number) holds it.
    if !resident_matches {
        if known.is_empty() {
            hold.get_or_insert(match resident {
                None => NoticeKind::ResidentRegistryNotFound,
                Some(_) => NoticeKind::ResidentRegistryMismatch,
            });
        } else {
            notices.push(NoticeKind::FiveItemMismatch);
            hold.get_or_insert(NoticeKind::FiveItemMismatch);
        }
    }
    if hold.is_some() {
        notices.push(NoticeKind::RecordHeld);
        return Decision { placement: Placement::New, hold, notices };
    }
    // Linked only on a full 5-item match with a record that is not held.
    let placement = known
        .iter()
        .find(|k| !k.held && five_items_match(row, &k.items))
        .map_or(Placement::New, |k| Placement::Existing(k.person_id.clone()));
    Decision { placement, hold: None, notices }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use time::macros::date;

    fn items(name: &str, kana: &str, birth: time::Date, address: &str) -> PersonItems {
        PersonItems {
            name: name.into(),
            name_kana: kana.into(),
            birth_date: IsoDate(birth),
            sex: Sex::Female,
            address: address.into(),
        }
    }

    fn known(id: &str, items: PersonItems) -> KnownRecord {
        KnownRecord { person_id: id.into(), items, held: false }
    }

    const HANAKO_ADDRESS: &str = "東京都千代田区霞が関一丁目2番3号";

    #[test]
    fn check_b_another_birth_date_is_a_suspected_misregistration() {
        let registered = known("p1", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS));
        let row = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1987 - 09 - 13), HANAKO_ADDRESS);
        let decision = decide(&row, std::slice::from_ref(&registered), Some(&registered.items));
        assert_eq!(decision.hold, Some(NoticeKind::SuspectedMisregistration));
        assert_eq!(decision.placement, Placement::New);
        assert!(decision.notices.contains(&NoticeKind::RecordHeld));
    }

    #[test]
    fn check_c_another_kana_on_the_same_birth_date_is_a_suspected_twin() {
        let taro = known("p1", items("資格　太郎", "ｼｶｸ ﾀﾛｳ", date!(2004 - 08 - 04), "大阪市1-1"));
        let jiro = items("資格　次郎", "ｼｶｸ ｼﾞﾛｳ", date!(2004 - 08 - 04), "大阪市1-1");
        let decision = decide(&jiro, std::slice::from_ref(&taro), Some(&taro.items));
        assert_eq!(decision.hold, Some(NoticeKind::SuspectedTwin));
    }

    #[test]
    fn check_d_a_number_without_history_reports_the_registry_answer() {
        let newborn = items("資格　芽衣", "ｼｶｸ ﾒｲ", date!(2021 - 03 - 01), "福岡市天神2-3-4");
        let matched = decide(&newborn, &[], Some(&newborn));
        assert_eq!((matched.hold, matched.notices), (None, vec![NoticeKind::ResidentRegistryMatch]));
        let missing = decide(&newborn, &[], None);
        assert_eq!(missing.hold, Some(NoticeKind::ResidentRegistryNotFound));
        let other = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(2021 - 03 - 01), "福岡市天神2-3-4");
        assert_eq!(decide(&newborn, &[], Some(&other)).hold, Some(NoticeKind::ResidentRegistryMismatch));
    }

    #[test]
    fn check_e_links_only_on_a_five_item_match_tolerating_notation() {
        let registered = known("p1", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS));
        let variant = items("●格 花子", "シカク　ハナコ", date!(1989 - 09 - 13), "東京都千代田区霞ヶ関１－２－３");
        let decision = decide(&variant, std::slice::from_ref(&registered), Some(&registered.items));
        assert_eq!(decision, Decision { placement: Placement::Existing("p1".into()), hold: None, notices: vec![] });
        // A held record is never linked to, even on a full match.
        let held = KnownRecord { held: true, ..registered };
        assert_eq!(decide(&variant, std::slice::from_ref(&held), Some(&held.items)).placement, Placement::New);
        // One differing item (性別) breaks the match.
        let other_sex = PersonItems { sex: Sex::Male, ..variant };
        assert!(!five_items_match(&other_sex, &held.items));
    }

    #[test]
    fn check_f_a_registry_mismatch_on_a_known_number_holds_the_record() {
        let registered = known("p1", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS));
        let moved = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), "北海道札幌市1-1");
        let decision = decide(&moved, std::slice::from_ref(&registered), Some(&registered.items));
        assert_eq!(decision.hold, Some(NoticeKind::FiveItemMismatch));
        assert_eq!(decision.notices, vec![NoticeKind::FiveItemMismatch, NoticeKind::RecordHeld]);
    }
}
