//! Which 公費 an answer carries, on a given day: 医療扶助 always (with the 医療券/調剤券 that apply that day), a
//! 受給者証 only when the patient said yes to 「医療費助成の受給者証を利用しますか」. When the patient was not asked, the
//! answer says only that a 受給者証 is on offer, so the kiosk knows to ask, and nothing of which.
//!
//! Pure: no I/O, no clock (the day is passed in).

use onshi_proto::IsoDate;
use onshi_proto::public_expense::PublicExpense;

/// What an answer carries of a person's 公費.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// The 公費 to show.
    pub shown: Vec<PublicExpense>,
    /// True when a 受給者証 in force was left out because the patient was not asked.
    pub certificates_on_offer: bool,
}

/// Selects from `stored` what an answer on `today` carries; `agreed` is the patient's yes.
pub fn select(stored: Vec<PublicExpense>, today: IsoDate, agreed: bool) -> Selection {
    let mut selection = Selection::default();
    for mut expense in stored.into_iter().filter(|expense| expense.validity.covers(today)) {
        if expense.kind.is_medical_assistance() {
            expense.tickets.retain(|ticket| ticket.validity.covers(today));
            selection.shown.push(expense);
        } else if agreed {
            selection.shown.push(expense);
        } else {
            selection.certificates_on_offer = true;
        }
    }
    selection
}

/// What an answer carries when nobody asked the patient 「医療費助成の受給者証を利用しますか」 at a card reader: staff's
/// by-number check (a 資格確認書 holder) and a 目視 check approved by staff. 医療扶助 only, and no word of a
/// 受給者証 on offer. The question is the reader's, put to the card holder there (reference notes `system-2026.md`
/// §1.1, PMH); nothing in the notes has a by-number or 目視 answer carry a 受給者証, so such a patient shows the
/// paper 受給者証 at the counter as before, and a 難病 受給者証 is never revealed to staff who did not get a yes.
pub fn without_the_question(stored: Vec<PublicExpense>, today: IsoDate) -> Vec<PublicExpense> {
    select(stored, today, false).shown
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::example::{day, medical_assistance, medical_ticket as ticket};
    use onshi_proto::public_expense::{PayerNumber, PublicExpenseKind, SelfPayYen, ValidityPeriod};
    use onshi_proto::record_text::RecordText;

    fn period(from: &str, until: Option<&str>) -> ValidityPeriod {
        ValidityPeriod::new(day(from), until.map(day)).unwrap()
    }

    /// The example 医療扶助 with the 医療券 of October and of November.
    fn assistance() -> PublicExpense {
        PublicExpense {
            tickets: vec![ticket("2026-10", "2026-10-01", "2026-10-31"), ticket("2026-11", "2026-11-01", "2026-11-30")],
            ..medical_assistance()
        }
    }

    fn child_medical(until: &str) -> PublicExpense {
        PublicExpense {
            kind: PublicExpenseKind::ChildMedical,
            payer_number: PayerNumber::parse("88131016").unwrap(),
            payer_name: RecordText::parse("新宿区").unwrap(),
            validity: period("2026-04-01", Some(until)),
            monthly_self_pay_yen: Some(SelfPayYen::try_from(200).unwrap()),
            tickets: Vec::new(),
            ..assistance()
        }
    }

    #[test]
    fn medical_assistance_is_always_shown_with_the_tickets_of_the_day() {
        let selection = select(vec![assistance(), child_medical("2027-03-31")], day("2026-11-24"), false);
        assert_eq!(selection.shown.len(), 1);
        let months: Vec<String> = selection.shown[0].tickets.iter().map(|t| t.treatment_month.compact()).collect();
        assert_eq!(months, ["202611"]);
        assert!(selection.certificates_on_offer);
    }

    #[test]
    fn a_certificate_is_shown_only_after_a_yes() {
        let selection = select(vec![child_medical("2027-03-31")], day("2026-11-24"), true);
        assert_eq!(selection.shown, [child_medical("2027-03-31")]);
        assert!(!selection.certificates_on_offer);
    }

    #[test]
    fn an_answer_without_the_question_carries_medical_assistance_only() {
        let today = day("2026-11-24");
        let shown = without_the_question(vec![child_medical("2027-03-31"), assistance()], today);
        let kinds: Vec<_> = shown.iter().map(|expense| expense.kind).collect();
        assert_eq!(kinds, [PublicExpenseKind::MedicalAssistance]);
        assert!(without_the_question(vec![child_medical("2027-03-31")], today).is_empty());
    }

    #[test]
    fn an_expired_certificate_is_neither_shown_nor_offered() {
        let selection = select(vec![child_medical("2026-11-23")], day("2026-11-24"), false);
        assert_eq!(selection, Selection::default());
        assert_eq!(select(vec![child_medical("2026-11-23")], day("2026-11-24"), true), Selection::default());
    }
}
