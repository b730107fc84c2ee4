//! The demo's 公費: a welfare office's 医療扶助 (with this month's 医療券 and 調剤券 for the stack's own facility) for
//! the first `valid` card's holder, and a 特定医療費（指定難病）受給者証 for the first `dependent` card's holder, who is
//! then asked 「医療費助成の受給者証を利用しますか」. The payers and their rows are built here, pure, and applied through
//! the same store calls a payer's batch uses; only `onshi-origin serve --seed-demo` adds them, so the integration
//! fixture's population stays without 公費 unless a test registers some.
//!
//! Pure apart from [`seed_demo_public_expense`], which applies what [`demo_public_expenses`] builds.

use onshi_proto::IsoDate;
use onshi_proto::public_expense::{
    IssueNumber, MedicalTicket, PayerNumber, PublicExpenseKind, RecipientNumber, SelfPayYen, TicketKind,
    TreatmentMonth, ValidityPeriod,
};
use onshi_proto::record_text::RecordText;
use time::Date;

use crate::error::{OriginError, Result};
use crate::individual_number::IndividualNumber;
use crate::public_expense::PayerRow;
use crate::seed::{DEMO_FACILITY_NAMES, DemoCard, Scenario, card_certificate, derived_individual_number};
use crate::store::Store;
use crate::store::public_expense::Payer;

fn invalid(what: &str) -> OriginError {
    OriginError::DemoCards(format!("demo public expense: {what}"))
}

fn payer(number: &str, name: &str) -> Result<Payer> {
    Ok(Payer {
        number: PayerNumber::parse(number).map_err(|_| invalid("payer number"))?,
        name: RecordText::parse(name).map_err(|_| invalid("payer name"))?,
    })
}

fn holder_of(cards: &[DemoCard], scenario: Scenario) -> Result<Option<IndividualNumber>> {
    let Some(card) = cards.iter().find(|card| card.scenario == scenario) else { return Ok(None) };
    let number = derived_individual_number(&card_certificate(card)?)?;
    Ok(Some(IndividualNumber::parse(&number).map_err(|_| invalid("individual number"))?))
}

/// The demo's payers with their rows, dated for `today`: the tickets are this month's.
pub fn demo_public_expenses(cards: &[DemoCard], today: Date) -> Result<Vec<(Payer, Vec<PayerRow>)>> {
    let first = today.replace_day(1).map_err(|_| invalid("month"))?;
    let last = first.replace_day(today.month().length(today.year())).map_err(|_| invalid("month"))?;
    let month = TreatmentMonth::parse(&format!("{:04}-{:02}", today.year(), u8::from(today.month())))
        .map_err(|_| invalid("month"))?;
    let (facility_code, facility_name) = DEMO_FACILITY_NAMES[0];
    let this_month = ValidityPeriod::new(IsoDate(first), Some(IsoDate(last))).map_err(|_| invalid("period"))?;
    let ticket = |kind, self_pay: u32, issue: &str| -> Result<MedicalTicket> {
        Ok(MedicalTicket {
            kind,
            validity: this_month,
            issue_number: IssueNumber::parse(issue).map_err(|_| invalid("issue number"))?,
            treatment_month: month.clone(),
            designated_facility_code: facility_code.try_into().map_err(|_| invalid("facility"))?,
            designated_facility_name: RecordText::parse(facility_name).map_err(|_| invalid("facility name"))?,
            self_pay_yen: SelfPayYen::try_from(self_pay).map_err(|_| invalid("self pay"))?,
        })
    };
    let since = |years_back: i32| -> Result<ValidityPeriod> {
        let from =
            Date::from_calendar_date(today.year() - years_back, time::Month::April, 1).map_err(|_| invalid("start"))?;
        ValidityPeriod::new(IsoDate(from), None).map_err(|_| invalid("period"))
    };
    let mut payers = Vec::new();
    if let Some(holder) = holder_of(cards, Scenario::Valid)? {
        let row = PayerRow {
            line: 1,
            individual_number: holder,
            kind: PublicExpenseKind::MedicalAssistance,
            recipient_number: RecipientNumber::parse("1234566").map_err(|_| invalid("recipient"))?,
            validity: since(1)?,
            monthly_self_pay_yen: None,
            tickets: vec![
                ticket(TicketKind::Medical, 0, "100000000001")?,
                ticket(TicketKind::Dispensing, 0, "100000000002")?,
            ],
        };
        payers.push((payer("12131017", "おんし区福祉事務所（デモ）")?, vec![row]));
    }
    if let Some(holder) = holder_of(cards, Scenario::Dependent)? {
        let row = PayerRow {
            line: 1,
            individual_number: holder,
            kind: PublicExpenseKind::IntractableDisease,
            recipient_number: RecipientNumber::parse("2345676").map_err(|_| invalid("recipient"))?,
            validity: since(0)?,
            monthly_self_pay_yen: Some(SelfPayYen::try_from(10_000).map_err(|_| invalid("limit"))?),
            tickets: Vec::new(),
        };
        payers.push((payer("54131016", "東京都 特定医療費（デモ）")?, vec![row]));
    }
    Ok(payers)
}

/// Registers the demo's payers (without a token: nobody uploads as them) and applies their rows; a second run
/// replaces the same 受給者番号 with the same 公費.
pub async fn seed_demo_public_expense(store: &Store, cards: &[DemoCard], today: Date, now: i64) -> Result<usize> {
    let mut applied = 0;
    for (payer, rows) in demo_public_expenses(cards, today)? {
        if !store.register_payer(&payer, now).await? {
            return Err(invalid("a payer number is an insurer's"));
        }
        match store.apply_public_expense_batch(&payer.number, "demo", &rows, now).await? {
            Ok(report) => applied += usize::try_from(report.rows_total).unwrap_or(0),
            Err(_) => return Err(invalid("a demo row names nobody")),
        }
    }
    Ok(applied)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::seed::parse_demo_cards;
    use time::macros::date;

    const FIXTURE: &str = include_str!("../tests/data/demo-cards-fixture.json");

    #[test]
    fn the_demo_has_medical_assistance_with_this_months_tickets_and_an_intractable_disease_certificate() {
        let cards = parse_demo_cards(FIXTURE.as_bytes()).unwrap();
        let payers = demo_public_expenses(&cards, date!(2027 - 02 - 14)).unwrap();
        assert_eq!(payers.len(), 2);
        let (welfare, rows) = &payers[0];
        assert_eq!(welfare.number.law_code(), "12");
        let tickets = &rows[0].tickets;
        assert_eq!(tickets.len(), 2);
        assert_eq!(tickets[0].treatment_month.as_str(), "2027-02");
        assert_eq!(tickets[0].validity.valid_until.unwrap().to_string(), "2027-02-28");
        let (prefecture, rows) = &payers[1];
        assert_eq!(prefecture.number.law_code(), "54");
        assert_eq!(rows[0].kind, PublicExpenseKind::IntractableDisease);
        // Every row passes the rules a payer's batch is held to.
        for (payer, rows) in &payers {
            for row in rows {
                onshi_proto::public_expense::PublicExpense::check_fit(row.kind, &payer.number, &row.tickets).unwrap();
            }
        }
    }
}
