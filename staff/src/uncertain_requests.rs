//! The terminal requests whose outcome the bridge cannot know, as the bridge panel lists them, and staff closing
//! one after finding its outcome in the terminal's own history: press 「端末で確認済み」, answer the question in
//! words, and the console asks the edge to close it ([`onshi_proto::bridge_health::STAFF_BRIDGE_SETTLE_PATH`]).
//!
//! Layer: user interface logic, pure (tested natively); the component is [`crate::bridge_status`]'s. A request
//! staff closed, or that the bridge says is no longer uncertain, leaves the list at once, before the bridge's next
//! report says so. Must not: show anything the report does not carry (it holds nothing personal).

use std::collections::BTreeSet;

use onshi_proto::ErrorCode;
use onshi_proto::bridge_health::{BridgeHealth, UncertainRequest};
use onshi_proto::bridge_link::LinkRequestId;
use onshi_web::i18n::Lang;

use crate::text::{STAFF, error_key, moment_text, t};

/// One listed request as the panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncertainRow {
    /// What staff close it by.
    pub id: LinkRequestId,
    /// Its kind, in the console's language.
    pub kind: String,
    /// The request file the bridge wrote into `req`, as the terminal's history names it.
    pub file: String,
    /// When it was written, in Japan's time.
    pub written: String,
    /// Why it is uncertain, in the console's language.
    pub reason: String,
}

/// The rows for the requests the report lists, leaving out those closed on this page since.
pub fn rows(lang: Lang, health: &BridgeHealth, closed: &BTreeSet<LinkRequestId>) -> Vec<UncertainRow> {
    health
        .uncertain_requests
        .requests()
        .iter()
        .filter(|request| !closed.contains(&request.id))
        .map(|request| row(lang, request))
        .collect()
}

fn row(lang: Lang, request: &UncertainRequest) -> UncertainRow {
    UncertainRow {
        id: request.id.clone(),
        kind: t(lang, &format!("staff.bridge.kind.{}", request.kind.as_str())),
        file: request.file.as_str().to_owned(),
        written: moment_text(request.written_at),
        reason: t(lang, &format!("staff.bridge.reason.{}", request.reason.as_str())),
    }
}

/// How many uncertain requests the alert counts: the report's count, less those closed on this page that it still
/// lists.
pub fn remaining(health: &BridgeHealth, closed: &BTreeSet<LinkRequestId>) -> u32 {
    let closed_listed =
        health.uncertain_requests.requests().iter().filter(|request| closed.contains(&request.id)).count();
    health.uncertain.saturating_sub(u32::try_from(closed_listed).unwrap_or(u32::MAX))
}

/// Where closing a request stands on the panel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Closing {
    /// Nothing asked.
    #[default]
    Idle,
    /// Staff pressed 「端末で確認済み」 for this request; the question waits for their answer.
    Confirming(LinkRequestId),
    /// Staff confirmed; the edge is asked.
    Sending(LinkRequestId),
    /// The last closing did not happen; the text says why (the request stays listed unless the bridge said it is
    /// no longer uncertain).
    Told(&'static str),
}

/// What happened on the panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClosingEvent {
    /// 「端末で確認済み」 pressed for a request.
    Pressed(LinkRequestId),
    /// The question answered yes.
    Confirmed,
    /// The question answered no.
    Cancelled,
    /// The edge answered the closing.
    Answered(Result<(), ErrorCode>),
}

/// The panel's closing state after `event`, and the request that leaves the list (closed, or no longer uncertain).
/// A confirmation is the only way to [`Closing::Sending`], and only one closing is asked at a time.
pub fn after(state: &Closing, event: ClosingEvent) -> (Closing, Option<LinkRequestId>) {
    match (state, event) {
        (Closing::Sending(_), ClosingEvent::Pressed(_)) => (state.clone(), None),
        (_, ClosingEvent::Pressed(id)) => (Closing::Confirming(id), None),
        (Closing::Confirming(id), ClosingEvent::Confirmed) => (Closing::Sending(id.clone()), None),
        (Closing::Confirming(_), ClosingEvent::Cancelled) => (Closing::Idle, None),
        (Closing::Sending(id), ClosingEvent::Answered(Ok(()))) => (Closing::Idle, Some(id.clone())),
        (Closing::Sending(id), ClosingEvent::Answered(Err(ErrorCode::NotUncertain))) => {
            (Closing::Told("staff.bridge.settle_not_uncertain"), Some(id.clone()))
        }
        (Closing::Sending(_), ClosingEvent::Answered(Err(code))) => (Closing::Told(error_key(code)), None),
        (_, ClosingEvent::Confirmed | ClosingEvent::Cancelled | ClosingEvent::Answered(_)) => (state.clone(), None),
    }
}

/// The question staff answer before a request is closed: whether they found its outcome in the terminal's history.
pub fn question(lang: Lang, file: &str) -> String {
    STAFF.fill(lang, "staff.bridge.settle_confirm", &[("file", file)])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::bridge_health::{RequestFileName, TerminalRequestKind, UncertainList, UncertainReason};

    use super::*;

    fn id(text: &str) -> LinkRequestId {
        LinkRequestId::parse(text).unwrap()
    }

    fn health() -> BridgeHealth {
        let request = |text: &str, kind, file: &str, written_at| UncertainRequest {
            id: id(text),
            kind,
            file: RequestFileName::parse(file).unwrap(),
            written_at,
            reason: UncertainReason::NoAnswerInTime,
        };
        BridgeHealth {
            uncertain: 3,
            uncertain_requests: UncertainList::first_of([
                // 2026-12-04 09:30 and 13:05 in Japan.
                request("a1", TerminalRequestKind::Qualification, "OQSsiquc01req_202612040001.xml", 1_796_344_200),
                request("b2", TerminalRequestKind::Bulk, "OQSmuquc02req_202612040002.xml", 1_796_357_100),
            ]),
            ..BridgeHealth::default()
        }
    }

    #[test]
    fn each_listed_request_shows_its_kind_file_time_in_japan_and_reason_in_the_consoles_language() {
        let shown = rows(Lang::Ja, &health(), &BTreeSet::new());
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0].kind, "資格確認");
        assert_eq!(shown[0].file, "OQSsiquc01req_202612040001.xml");
        assert!(shown[0].written.ends_with(" 09:30"), "{}", shown[0].written);
        assert!(shown[0].written.contains("2026-12-04"), "{}", shown[0].written);
        assert_eq!(shown[0].reason, "時間内に応答がありませんでした");
        assert_eq!(shown[1].kind, "一括照会");
        assert!(shown[1].written.ends_with(" 13:05"), "{}", shown[1].written);
        let english = rows(Lang::En, &health(), &BTreeSet::new());
        assert_eq!(
            (english[0].kind.as_str(), english[0].reason.as_str()),
            ("Qualification check", "No answer in time")
        );
        assert_eq!(
            question(Lang::Ja, &shown[0].file),
            "資格確認端末の照会履歴で、この要求（OQSsiquc01req_202612040001.xml）の結果を確認しましたか。確認済みにすると一覧から消えます。要求は再送しません。"
        );
    }

    #[test]
    fn a_request_is_closed_only_after_the_question_is_answered_yes_and_then_leaves_the_list_and_the_count() {
        let (state, gone) = after(&Closing::Idle, ClosingEvent::Pressed(id("a1")));
        assert_eq!((state.clone(), gone), (Closing::Confirming(id("a1")), None));
        assert_eq!(after(&state, ClosingEvent::Cancelled), (Closing::Idle, None), "no closes nothing");
        assert_eq!(after(&Closing::Idle, ClosingEvent::Confirmed), (Closing::Idle, None), "no question, no closing");
        let (sending, _) = after(&state, ClosingEvent::Confirmed);
        assert_eq!(sending, Closing::Sending(id("a1")));
        assert_eq!(after(&sending, ClosingEvent::Pressed(id("b2"))).0, sending, "one closing at a time");
        let (state, gone) = after(&sending, ClosingEvent::Answered(Ok(())));
        assert_eq!((state, gone.clone()), (Closing::Idle, Some(id("a1"))));
        let closed = BTreeSet::from([gone.unwrap()]);
        let shown = rows(Lang::Ja, &health(), &closed);
        assert_eq!(shown.iter().map(|row| row.id.as_str()).collect::<Vec<_>>(), ["b2"]);
        assert_eq!(remaining(&health(), &closed), 2, "one of three closed");
        assert_eq!(remaining(&health(), &BTreeSet::from([id("gone-already")])), 3, "what the report no longer lists");
    }

    #[test]
    fn a_closing_the_edge_refuses_says_why_and_one_no_longer_uncertain_leaves_the_list() {
        let sending = Closing::Sending(id("a1"));
        let (state, gone) = after(&sending, ClosingEvent::Answered(Err(ErrorCode::NotUncertain)));
        assert_eq!((state, gone), (Closing::Told("staff.bridge.settle_not_uncertain"), Some(id("a1"))));
        let (state, gone) = after(&sending, ClosingEvent::Answered(Err(ErrorCode::BridgeNotConnected)));
        assert_eq!((state, gone), (Closing::Told(error_key(ErrorCode::BridgeNotConnected)), None), "it stays listed");
        let (state, _) = after(&sending, ClosingEvent::Answered(Err(ErrorCode::TerminalTimeout)));
        assert_eq!(state, Closing::Told("staff.error.terminal_timeout"));
    }
}
