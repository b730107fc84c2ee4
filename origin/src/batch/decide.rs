//! The mis-registration checks of an insurer batch: the checks of the seed document and the 2023–2024
//! countermeasures decide, row by row, where a member record goes and whether it is held. [`decide`] is that
//! decision, given what the database and the 住基 stand-in hold.
//!
//! Pure: no I/O, no clock.

use compact_str::CompactString;
use onshi_proto::IsoDate;
use onshi_proto::insurer::{Comparison, Item};
use onshi_proto::qualification::Sex;

use onshi_proto::normalize::{NameComparison, address_key, compare_name_keys, kana_key, name_key};

/// The 5 items identity matching compares (漢字氏名, カナ氏名, 生年月日, 性別, 住所). The texts are held inline
/// when short, as most names are: an insurer batch keeps a million of these in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonItems {
    /// 漢字氏名, possibly with ● for 外字.
    pub name: CompactString,
    /// カナ氏名.
    pub name_kana: CompactString,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所.
    pub address: CompactString,
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

/// What an insurer is told about one row: the wire type, stored by its wire name.
pub use onshi_proto::insurer::NoticeKind;

/// Where a new member record goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Onto an existing person record whose 5 items match.
    Existing(String),
    /// Onto a new person record.
    New,
}

/// One thing the insurer is told about a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// What it says.
    pub kind: NoticeKind,
    /// The known record that raised it, for checks b and c (the first record that fails the check); the other kinds
    /// compare the row with 住基, not with a record, and have none.
    pub counterpart: Option<String>,
}

impl Notice {
    /// A notice that names no other record.
    fn about_the_row(kind: NoticeKind) -> Self {
        Self { kind, counterpart: None }
    }
}

/// The outcome of the checks for one 資格取得 row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Where the record goes.
    pub placement: Placement,
    /// Why it is held, when it is ([`NoticeKind`] of the first failed check).
    pub hold: Option<NoticeKind>,
    /// What the insurer is told, in the order of the checks.
    pub notices: Vec<Notice>,
}

/// The 5-item match of the 2023-04 rule: 漢字氏名, カナ氏名, 生年月日, 性別 and 住所, each in its comparison form.
/// A 外字 placeholder in the kanji name never counts as equal, but it does not break the match when the other
/// four items (and so the number's owner) agree.
pub fn five_items_match(left: &PersonItems, right: &PersonItems) -> bool {
    ComparedItems::of(left).five_items_match(&ComparedItems::of(right))
}

/// A record's 5 items with the texts in their comparison forms ([`onshi_proto::normalize`]), made once: [`decide`]
/// compares a row with its 住基 entry and with every record of its number, and an insurer batch decides a million
/// rows.
struct ComparedItems<'i> {
    items: &'i PersonItems,
    name: Vec<char>,
    kana: String,
    address: String,
}

impl<'i> ComparedItems<'i> {
    fn of(items: &'i PersonItems) -> Self {
        Self {
            items,
            name: name_key(&items.name),
            kana: kana_key(&items.name_kana),
            address: address_key(&items.address),
        }
    }

    /// [`five_items_match`], the cheapest comparisons first.
    fn five_items_match(&self, other: &Self) -> bool {
        self.items.birth_date == other.items.birth_date
            && self.items.sex == other.items.sex
            && self.kana == other.kana
            && self.address == other.address
            && compare_name_keys(&self.name, &other.name) != NameComparison::Different
    }

    /// Check b: the same number with another 生年月日.
    fn born_otherwise(&self, other: &Self) -> bool {
        self.items.birth_date != other.items.birth_date
    }

    /// Check c: the same number and 生年月日 with another カナ氏名.
    fn twin_of(&self, other: &Self) -> bool {
        self.items.birth_date == other.items.birth_date && self.kana != other.kana
    }
}

/// Each of the 5 items of `member` beside `other`'s, compared in the forms [`five_items_match`] uses.
pub fn compare_items(member: &PersonItems, other: &PersonItems) -> Vec<(Item, Comparison)> {
    let (member, other) = (ComparedItems::of(member), ComparedItems::of(other));
    let same = |equal: bool| if equal { Comparison::Same } else { Comparison::Differs };
    let name = match compare_name_keys(&member.name, &other.name) {
        NameComparison::Equal => Comparison::Same,
        NameComparison::CompatibleExceptGaiji => Comparison::SameExceptGaiji,
        NameComparison::Different => Comparison::Differs,
    };
    vec![
        (Item::Name, name),
        (Item::NameKana, same(member.kana == other.kana)),
        (Item::BirthDate, same(member.items.birth_date == other.items.birth_date)),
        (Item::Sex, same(member.items.sex == other.items.sex)),
        (Item::Address, same(member.address == other.address)),
    ]
}

/// Runs checks b–f for one row. `known` holds the records that already carry the row's 個人番号; `resident` is
/// the 住基 stand-in's entry for it.
pub fn decide(row: &PersonItems, known: &[KnownRecord], resident: Option<&PersonItems>) -> Decision {
    let compared = ComparedItems::of(row);
    let known_compared: Vec<ComparedItems<'_>> = known.iter().map(|k| ComparedItems::of(&k.items)).collect();
    let mut notices = Vec::new();
    let mut hold = None;
    // Checks b and c compare the row with each known record; their notices name the first record that raised them,
    // which the insurer's console shows beside the row.
    let first_failing = |fails: &dyn Fn(&ComparedItems<'_>) -> bool| {
        known.iter().zip(&known_compared).find(|(_, k)| fails(k)).map(|(record, _)| record.person_id.clone())
    };
    // b: the same number with another birth date.
    if let Some(counterpart) = first_failing(&|k| compared.born_otherwise(k)) {
        notices.push(Notice { kind: NoticeKind::SuspectedMisregistration, counterpart: Some(counterpart) });
        hold.get_or_insert(NoticeKind::SuspectedMisregistration);
    }
    // c: the same number and birth date with another kana name: twins.
    if let Some(counterpart) = first_failing(&|k| compared.twin_of(k)) {
        notices.push(Notice { kind: NoticeKind::SuspectedTwin, counterpart: Some(counterpart) });
        hold.get_or_insert(NoticeKind::SuspectedTwin);
    }
    // d: no history → the 住基 query, whose result the insurer is told.
    let resident_matches = resident.is_some_and(|r| compared.five_items_match(&ComparedItems::of(r)));
    if known.is_empty() {
        notices.push(Notice::about_the_row(match (resident, resident_matches) {
            (None, _) => NoticeKind::ResidentRegistryNotFound,
            (Some(_), true) => NoticeKind::ResidentRegistryMatch,
            (Some(_), false) => NoticeKind::ResidentRegistryMismatch,
        }));
    }
    // e/f: every record is checked against 住基 on 5 items; a mismatch (or an unknown number) holds it.
    if !resident_matches {
        if known.is_empty() {
            hold.get_or_insert(match resident {
                None => NoticeKind::ResidentRegistryNotFound,
                Some(_) => NoticeKind::ResidentRegistryMismatch,
            });
        } else {
            notices.push(Notice::about_the_row(NoticeKind::FiveItemMismatch));
            hold.get_or_insert(NoticeKind::FiveItemMismatch);
        }
    }
    if hold.is_some() {
        notices.push(Notice::about_the_row(NoticeKind::RecordHeld));
        return Decision { placement: Placement::New, hold, notices };
    }
    // Linked only on a full 5-item match with a record that is not held.
    let placement = known
        .iter()
        .zip(&known_compared)
        .find(|(k, k_compared)| !k.held && compared.five_items_match(k_compared))
        .map_or(Placement::New, |(k, _)| Placement::Existing(k.person_id.clone()));
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

    fn kinds(decision: &Decision) -> Vec<NoticeKind> {
        decision.notices.iter().map(|notice| notice.kind).collect()
    }

    const HANAKO_ADDRESS: &str = "東京都千代田区霞が関一丁目2番3号";

    #[test]
    fn check_b_another_birth_date_is_a_suspected_misregistration() {
        let registered = known("p1", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS));
        let row = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1987 - 09 - 13), HANAKO_ADDRESS);
        let decision = decide(&row, std::slice::from_ref(&registered), Some(&registered.items));
        assert_eq!(decision.hold, Some(NoticeKind::SuspectedMisregistration));
        assert_eq!(decision.placement, Placement::New);
        assert_eq!(
            kinds(&decision),
            [NoticeKind::SuspectedMisregistration, NoticeKind::FiveItemMismatch, NoticeKind::RecordHeld]
        );
        assert_eq!(decision.notices[0].counterpart.as_deref(), Some("p1"));
    }

    #[test]
    fn check_c_another_kana_on_the_same_birth_date_is_a_suspected_twin() {
        let taro = known("p1", items("資格　太郎", "ｼｶｸ ﾀﾛｳ", date!(2004 - 08 - 04), "大阪市1-1"));
        let jiro = items("資格　次郎", "ｼｶｸ ｼﾞﾛｳ", date!(2004 - 08 - 04), "大阪市1-1");
        let decision = decide(&jiro, std::slice::from_ref(&taro), Some(&taro.items));
        assert_eq!(decision.hold, Some(NoticeKind::SuspectedTwin));
        // The twin notice names the record it was raised by; the others name none.
        let counterparts: Vec<_> = decision.notices.iter().map(|n| (n.kind, n.counterpart.as_deref())).collect();
        assert_eq!(
            counterparts,
            [
                (NoticeKind::SuspectedTwin, Some("p1")),
                (NoticeKind::FiveItemMismatch, None),
                (NoticeKind::RecordHeld, None)
            ]
        );
    }

    #[test]
    fn a_notice_names_the_first_record_that_fails_its_check() {
        let hanako = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS);
        let same_birth = known("p1", hanako.clone());
        let other_birth = known("p2", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1990 - 01 - 01), HANAKO_ADDRESS));
        let third_birth = known("p3", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1991 - 01 - 01), HANAKO_ADDRESS));
        let decision = decide(&hanako, &[same_birth, other_birth, third_birth], Some(&hanako));
        assert_eq!(
            decision.notices[0],
            Notice { kind: NoticeKind::SuspectedMisregistration, counterpart: Some("p2".into()) }
        );
    }

    #[test]
    fn items_compare_in_the_checks_forms_and_a_gaiji_is_said_as_such() {
        let registered = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS);
        let variant = items("●格 花子", "シカク　ハナコ", date!(1987 - 09 - 13), "東京都千代田区霞ヶ関１－２－３");
        assert_eq!(
            compare_items(&variant, &registered),
            vec![
                (Item::Name, Comparison::SameExceptGaiji),
                (Item::NameKana, Comparison::Same),
                (Item::BirthDate, Comparison::Differs),
                (Item::Sex, Comparison::Same),
                (Item::Address, Comparison::Same),
            ]
        );
    }

    #[test]
    fn check_d_a_number_without_history_reports_the_registry_answer() {
        let newborn = items("資格　芽衣", "ｼｶｸ ﾒｲ", date!(2021 - 03 - 01), "福岡市天神2-3-4");
        let matched = decide(&newborn, &[], Some(&newborn));
        assert_eq!((matched.hold, kinds(&matched)), (None, vec![NoticeKind::ResidentRegistryMatch]));
        assert_eq!(matched.notices[0].counterpart, None);
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
        assert_eq!(kinds(&decision), [NoticeKind::FiveItemMismatch, NoticeKind::RecordHeld]);
    }
}
