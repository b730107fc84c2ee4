//! `POST /v1/qualification/by-number`: the qualification by 保険者番号 + 記号・番号・枝番 + 生年月日, for a patient
//! without a usable card, with their 医療扶助 (never a 受給者証, whose question only a card reader asks).
//!
//! Layer: HTTP adapter, edge-signed. Must not answer before the lookup's audit row is committed.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use onshi_proto::ErrorCode;
use onshi_proto::origin::NumberQualificationQuery;
use onshi_proto::qualification::{Guidance, Reason, Validity};

use crate::clock::tokyo_date;
use crate::http::audit::{Who, audit};
use crate::http::render::{Asked, render_answer};
use crate::http::signed::{Failure, SignedJson};
use crate::http::state::AppState;
use crate::interop::SearchEcho;
use crate::public_expense::without_the_question;
use crate::store::NumberKey;
use crate::validity::{CardHolder, assess};

/// Audit purpose of a lookup by 保険者番号 + 記号・番号.
pub const PURPOSE_QUALIFICATION_BY_NUMBER: &str = "qualification_by_number";

/// `POST /v1/qualification/by-number`.
pub(crate) async fn qualification_by_number(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedJson(query): SignedJson<NumberQualificationQuery>,
) -> Result<Response, Failure> {
    // Every field was checked by its proto type as the body was read: 保険者番号 with its 検証番号, 記号・番号・枝番
    // within their bounds, the 医療機関コード with its check digit, bounded identifiers.
    let now = state.now();
    let today = tokyo_date(now)?;
    let key = NumberKey {
        insurer_number: query.insurer_number.to_string(),
        symbol: query.symbol.as_deref().unwrap_or_default().to_owned(),
        number: query.number.to_string(),
        branch: query.branch.as_deref().unwrap_or_default().to_owned(),
    };
    let who = Who {
        device_id: query.device_id.as_deref(),
        facility_code: query.facility_code.as_deref(),
        arbitrary_identifier: query.arbitrary_identifier.as_deref(),
    };
    let mut holders = state.store().qualification_holders(&key, query.birth_date).await?;
    if let Some(held) = holders.iter().find(|h| h.held) {
        audit(&state, now, &who, Some(held.person_id.clone()), PURPOSE_QUALIFICATION_BY_NUMBER, "record_held").await?;
        return Err(Failure(ErrorCode::RecordHeld));
    }
    // The one person found, and whether a 公費 is registered for them (most have none, and are spared its read).
    let (subject, mut answer) = match holders.len() {
        0 => (None, assess(CardHolder::Linked(Vec::new()), today)),
        1 => {
            let holder = holders.remove(0);
            (Some((holder.person_id, holder.has_public_expense)), assess(CardHolder::Linked(holder.records), today))
        }
        _ => {
            // Two people share 記号・番号・枝番 and a birthday: staff decide; every candidate is in the answer.
            let records = holders.into_iter().flat_map(|h| h.records).collect();
            let mut answer = assess(CardHolder::Linked(records), today);
            if answer.validity == Validity::Valid {
                answer.validity = Validity::MultipleMatches;
                answer.reason = Reason::Ambiguous;
                answer.guidance = Some(Guidance::StaffReview);
            }
            (None, answer)
        }
    };
    if let Some((person_id, true)) = &subject {
        // 医療扶助 always; a 受給者証 only through the reader's own question (see `without_the_question`).
        let stored = state.store().public_expenses_of(person_id).await?;
        answer.public_expense = without_the_question(stored, answer.confirmation_date);
    }
    let subject = subject.map(|(person_id, _)| person_id);
    audit(&state, now, &who, subject, PURPOSE_QUALIFICATION_BY_NUMBER, answer.validity.as_str()).await?;
    let search = SearchEcho {
        insurer_number: query.insurer_number.to_string(),
        symbol: query.symbol.as_deref().map(str::to_owned),
        number: query.number.to_string(),
        branch: query.branch.as_deref().map(str::to_owned),
        birth_date: query.birth_date,
    };
    let asked = Asked {
        facility_code: query.facility_code.as_deref(),
        arbitrary_identifier: query.arbitrary_identifier.as_deref(),
        search: Some(search),
    };
    render_answer(&headers, &answer, asked, now)
}
