//! The 公費 of a synthetic population: who is on 生活保護 (医療扶助, with no health insurance of their own: 単独) and who
//! holds the common 受給者証 (子ども医療費 for children, 特定医療費 for a 指定難病, 小児慢性特定疾病医療費), with their
//! payers (a welfare office and three programmes per prefecture) and numbers that pass the checks of
//! `onshi_proto::public_expense`.
//!
//! The rates are assumptions for a plausible load, not statistics the reference notes give: 医療扶助 about 1.6 % of
//! residents (被保護実人員 about two million), a 特定医療費 受給者証 about 0.85 % of residents (about a million
//! holders), a 小児慢性 受給者証 about 0.8 % of those under 18, and a 子ども医療費 受給者証 for every child until the
//! March after their fifteenth birthday (中学校卒業まで, the commonest limit; many municipalities go further). A
//! 医療扶助 gets no 医療券: a welfare office issues those for a month and a facility, on application.
//!
//! Pure: no I/O, no clock (the reference date is passed in), no randomness but the person's own generator.

use onshi_proto::IsoDate;
use onshi_proto::insurer_number::with_check_digit;
use onshi_proto::public_expense::{PayerNumber, PublicExpenseKind, RecipientNumber};
use time::{Date, Duration, Month};

use super::{Prefecture, SplitMix};
use crate::error::{OriginError, Result};

/// 医療扶助 per ten thousand residents.
pub const MEDICAL_ASSISTANCE_PER_TEN_THOUSAND: u64 = 160;
/// A 特定医療費 (指定難病) 受給者証 per ten thousand residents.
pub const INTRACTABLE_DISEASE_PER_TEN_THOUSAND: u64 = 85;
/// A 小児慢性特定疾病 受給者証 per ten thousand residents under 18.
pub const PEDIATRIC_CHRONIC_PER_TEN_THOUSAND: u64 = 80;
/// The age whose following March ends a 子ども医療費 受給者証.
pub const CHILD_MEDICAL_UNTIL_AGE: i32 = 15;
/// Persons whose 受給者番号 one payer numbers: the six digits before the 検証番号. A larger population gets another
/// 実施機関 of each payer for every further million.
pub const RECIPIENTS_PER_PAYER: u64 = 1_000_000;
/// The 法別番号 this population gives the municipalities' 子ども医療費 (a local number; national law numbers none).
const CHILD_MEDICAL_LAW_CODE: &str = "88";

/// The payers, in the order of [`Payers`]' fields.
pub const PAYER_KINDS: [PublicExpenseKind; 4] = [
    PublicExpenseKind::MedicalAssistance,
    PublicExpenseKind::ChildMedical,
    PublicExpenseKind::IntractableDisease,
    PublicExpenseKind::PediatricChronic,
];

/// One synthetic 公費負担者, kept beside the insurers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticPayer {
    /// 公費負担者番号.
    pub number: PayerNumber,
    /// Its name (the welfare office, the programme).
    pub name: String,
}

/// The payers of one prefecture and one million persons, one per kind of [`PAYER_KINDS`].
pub type Payers = [SyntheticPayer; 4];

/// The payers of `prefecture` for the persons of `block` (index / [`RECIPIENTS_PER_PAYER`]).
pub fn payers(prefecture: &Prefecture, block: u64) -> Result<Payers> {
    let payer = |kind: PublicExpenseKind| -> Result<SyntheticPayer> {
        let law = kind.law_code().unwrap_or(CHILD_MEDICAL_LAW_CODE);
        let base = format!("{law}{:02}{:03}", prefecture.code, 101 + block);
        let number = with_check_digit(&base)
            .ok()
            .and_then(|text| PayerNumber::parse(&text).ok())
            .ok_or_else(|| OriginError::CorruptRecord(format!("payer number from {base}")))?;
        let place = &prefecture.name;
        let name = match kind {
            PublicExpenseKind::MedicalAssistance => format!("{place}架空市福祉事務所（合成）"),
            PublicExpenseKind::ChildMedical => format!("{place}架空市子ども医療費助成（合成）"),
            PublicExpenseKind::IntractableDisease => format!("{place}特定医療費（指定難病）（合成）"),
            _ => format!("{place}小児慢性特定疾病医療費（合成）"),
        };
        Ok(SyntheticPayer { number, name })
    };
    let [assistance, child, intractable, pediatric] = PAYER_KINDS;
    Ok([payer(assistance)?, payer(child)?, payer(intractable)?, payer(pediatric)?])
}

/// One 公費 of a synthetic person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticPublicExpense {
    /// Row id, unique within the population.
    pub id: String,
    /// Which 公費.
    pub kind: PublicExpenseKind,
    /// Its payer.
    pub payer_number: PayerNumber,
    /// 受給者番号, unique within its payer.
    pub recipient_number: RecipientNumber,
    /// First day.
    pub valid_from: IsoDate,
    /// Last day, when there is one.
    pub valid_until: Option<IsoDate>,
    /// 自己負担上限月額 of a 受給者証.
    pub monthly_self_pay_yen: Option<u32>,
}

/// Who a person is, as far as their 公費 depend on it.
pub(super) struct Recipient<'a> {
    pub(super) person_id: &'a str,
    pub(super) index: u64,
    pub(super) birth_date: Date,
    pub(super) age: u32,
    pub(super) reference_date: Date,
    pub(super) payers: &'a Payers,
}

/// True when a person is on 医療扶助, drawn first, since such a person has no health insurance of their own.
pub(super) fn on_medical_assistance(rng: &mut SplitMix) -> bool {
    rng.below(10_000) < MEDICAL_ASSISTANCE_PER_TEN_THOUSAND
}

/// The 公費 of `who`, in force on the reference date; `assisted` from [`on_medical_assistance`].
pub(super) fn draw(rng: &mut SplitMix, who: &Recipient<'_>, assisted: bool) -> Result<Vec<SyntheticPublicExpense>> {
    let recipient_number = with_check_digit(&format!("{:06}", who.index % RECIPIENTS_PER_PAYER))
        .ok()
        .and_then(|text| RecipientNumber::parse(&text).ok())
        .ok_or_else(|| OriginError::CorruptRecord("a generated 受給者番号".into()))?;
    let days_ago = |rng: &mut SplitMix, most: u64| -> Date {
        let back = Duration::days(i64::try_from(rng.below(most)).unwrap_or(0));
        who.reference_date.checked_sub(back).map_or(who.birth_date, |date| date.max(who.birth_date))
    };
    // A yearly 受給者証: renewed within the last year, so it covers the reference date.
    let yearly = |from: Date| from.checked_add(Duration::days(364)).map(IsoDate);
    let [assistance, child, intractable, pediatric] = who.payers;
    let mut expenses = Vec::new();
    let mut push = |kind: PublicExpenseKind,
                    payer: &SyntheticPayer,
                    valid_from: Date,
                    valid_until: Option<IsoDate>,
                    monthly_self_pay_yen: Option<u32>| {
        expenses.push(SyntheticPublicExpense {
            id: format!("{}-{}", who.person_id, kind.as_str()),
            kind,
            payer_number: payer.number.clone(),
            recipient_number: recipient_number.clone(),
            valid_from: IsoDate(valid_from),
            valid_until,
            monthly_self_pay_yen,
        });
    };
    if assisted {
        let from = days_ago(rng, 5 * 365);
        push(PublicExpenseKind::MedicalAssistance, assistance, from, None, None);
    }
    if i32::try_from(who.age).unwrap_or(i32::MAX) <= CHILD_MEDICAL_UNTIL_AGE {
        // Until the 31 March after the fifteenth birthday; a child born on 1 April finishes school a year early.
        let birthday_year = who.birth_date.year() + CHILD_MEDICAL_UNTIL_AGE;
        let after_april = (who.birth_date.month(), who.birth_date.day()) > (Month::April, 1);
        let until = Date::from_calendar_date(birthday_year + i32::from(after_april), Month::March, 31).ok();
        // A fifteen-year-old who has left school has none any more.
        if let Some(until) = until.filter(|until| *until >= who.reference_date) {
            let from = days_ago(rng, 365);
            let self_pay = if rng.below(2) == 0 { 0 } else { 200 };
            push(PublicExpenseKind::ChildMedical, child, from, Some(IsoDate(until)), Some(self_pay));
        }
    }
    if rng.below(10_000) < INTRACTABLE_DISEASE_PER_TEN_THOUSAND {
        let from = days_ago(rng, 364);
        let limits = [2_500, 5_000, 10_000, 20_000, 30_000];
        let limit = limits.get(usize::try_from(rng.below(5)).unwrap_or(0)).copied();
        push(PublicExpenseKind::IntractableDisease, intractable, from, yearly(from), limit);
    }
    if who.age < 18 && rng.below(10_000) < PEDIATRIC_CHRONIC_PER_TEN_THOUSAND {
        let from = days_ago(rng, 364);
        let limits = [1_250, 2_500, 5_000, 10_000, 15_000];
        let limit = limits.get(usize::try_from(rng.below(5)).unwrap_or(0)).copied();
        push(PublicExpenseKind::PediatricChronic, pediatric, from, yearly(from), limit);
    }
    Ok(expenses)
}
