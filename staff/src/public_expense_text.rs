//! What staff read of one 公費 on a check-in row or a by-number answer, line by line: the 制度 with its 法別番号,
//! the 公費負担者番号 and 受給者番号, the validity, a 受給者証's monthly limit, and each 医療券/調剤券 with its month,
//! designated institution and 本人支払額. Staff copy the numbers onto the レセプト, so they are printed whole and
//! never translated; dates are 和暦 with 西暦 beside, as everywhere on the console.
//!
//! Pure, so it is tested natively; `public_expense_list.rs` lays the lines out.

use onshi_proto::public_expense::{MedicalTicket, PublicExpense, PublicExpenseKind, TicketKind};
use onshi_web::i18n::{Lang, yen};

use crate::text::{STAFF, date_text, t};

/// The lines of one 公費, in the order staff read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicExpenseLines {
    /// The 制度 and its 法別番号: `生活保護（医療扶助） 法別12`.
    pub heading: String,
    /// `公費負担者番号 12131017 受給者番号 1234566`.
    pub numbers: String,
    /// The validity, from its first day and, when it has one, to its last.
    pub validity: String,
    /// A 受給者証's 自己負担上限月額, when it has one.
    pub monthly_limit: Option<String>,
    /// One line per 医療券/調剤券 of the day.
    pub tickets: Vec<String>,
}

/// The resource key of a 公費's 制度 name.
pub fn kind_key(kind: PublicExpenseKind) -> &'static str {
    match kind {
        PublicExpenseKind::MedicalAssistance => "staff.kohi.kind.medical_assistance",
        PublicExpenseKind::ChildMedical => "staff.kohi.kind.child_medical",
        PublicExpenseKind::SingleParent => "staff.kohi.kind.single_parent",
        PublicExpenseKind::IntractableDisease => "staff.kohi.kind.intractable_disease",
        PublicExpenseKind::PediatricChronic => "staff.kohi.kind.pediatric_chronic",
        PublicExpenseKind::SevereDisability => "staff.kohi.kind.severe_disability",
    }
}

fn ticket_kind_key(kind: TicketKind) -> &'static str {
    match kind {
        TicketKind::Medical => "staff.kohi.ticket.medical",
        TicketKind::Dispensing => "staff.kohi.ticket.dispensing",
    }
}

/// One 医療券/調剤券: `医療券 2026-11 しんじゅく内科（1312345679） 本人支払額 1,500円`.
pub fn ticket_line(lang: Lang, ticket: &MedicalTicket) -> String {
    STAFF.fill(
        lang,
        "staff.kohi.ticket",
        &[
            ("kind", &t(lang, ticket_kind_key(ticket.kind))),
            ("month", ticket.treatment_month.as_str()),
            ("facility", ticket.designated_facility_name.as_str()),
            ("code", ticket.designated_facility_code.as_str()),
            ("yen", &yen(ticket.self_pay_yen.yen())),
        ],
    )
}

/// The lines of `expense` in `lang`.
pub fn public_expense_lines(lang: Lang, expense: &PublicExpense) -> PublicExpenseLines {
    let heading = STAFF.fill(
        lang,
        "staff.kohi.heading",
        &[("name", &t(lang, kind_key(expense.kind))), ("law", expense.payer_number.law_code())],
    );
    let numbers = STAFF.fill(
        lang,
        "staff.kohi.numbers",
        &[("payer", expense.payer_number.as_str()), ("recipient", expense.recipient_number.as_str())],
    );
    let from = date_text(expense.validity.valid_from);
    let validity = match expense.validity.valid_until {
        Some(until) => STAFF.fill(lang, "staff.kohi.valid", &[("from", &from), ("until", &date_text(until))]),
        None => STAFF.fill(lang, "staff.kohi.valid_from", &[("from", &from)]),
    };
    let monthly_limit = expense
        .monthly_self_pay_yen
        .map(|limit| STAFF.fill(lang, "staff.kohi.monthly_limit", &[("yen", &yen(limit.yen()))]));
    let tickets = expense.tickets.iter().map(|ticket| ticket_line(lang, ticket)).collect();
    PublicExpenseLines { heading, numbers, validity, monthly_limit, tickets }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::example::{day, medical_assistance as assistance};
    use onshi_proto::public_expense::{PayerNumber, SelfPayYen, ValidityPeriod};

    #[test]
    fn medical_assistance_reads_with_its_law_code_numbers_and_the_days_ticket() {
        let lines = public_expense_lines(Lang::Ja, &assistance());
        assert_eq!(lines.heading, "生活保護（医療扶助） 法別12");
        assert_eq!(lines.numbers, "公費負担者番号 12131017　受給者番号 1234566");
        assert_eq!(lines.validity, "有効 令和8年4月1日 (2026-04-01)〜");
        assert_eq!(lines.monthly_limit, None);
        assert_eq!(lines.tickets, ["医療券 2026-11 しんじゅく内科（1312345679） 本人支払額 1,500円"]);
    }

    #[test]
    fn a_recipient_certificate_reads_with_its_period_and_monthly_limit_in_every_language() {
        let certificate = PublicExpense {
            kind: PublicExpenseKind::IntractableDisease,
            payer_number: PayerNumber::parse("54016027").unwrap(),
            validity: ValidityPeriod::new(day("2026-04-01"), Some(day("2027-03-31"))).unwrap(),
            monthly_self_pay_yen: Some(SelfPayYen::try_from(10_000).unwrap()),
            tickets: Vec::new(),
            ..assistance()
        };
        let lines = public_expense_lines(Lang::En, &certificate);
        assert!(lines.heading.contains("54"), "{}", lines.heading);
        assert!(lines.numbers.contains("54016027") && lines.numbers.contains("1234566"), "{}", lines.numbers);
        assert!(lines.validity.contains("2027-03-31"), "{}", lines.validity);
        assert!(lines.monthly_limit.unwrap().contains("10,000"));
        assert!(lines.tickets.is_empty());
        // Every language has every text: none falls back to the key.
        for lang in Lang::ALL {
            let lines = public_expense_lines(lang, &assistance());
            for kind in PublicExpenseKind::ALL {
                assert_ne!(t(lang, kind_key(*kind)), kind_key(*kind), "{lang:?}");
            }
            for line in [&lines.heading, &lines.numbers, &lines.validity, &lines.tickets[0]] {
                assert!(!line.contains("staff.") && !line.contains('{'), "{lang:?}: {line}");
            }
        }
    }
}
