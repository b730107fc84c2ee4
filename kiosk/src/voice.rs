//! What the voice guidance says: for each screen its main sentence and the next step, as resource keys; for the PIN
//! pad how many digits are entered (never which: the screen machine does not know them); the idle warning; and the
//! sentences those lines make in the patient's language, a reference to say at the counter spelled out one
//! character at a time ([`spelled`]).
//!
//! Pure and tested natively. Must not: speak (the `use_voice` hook does, through `platform::speech`), or hold
//! anything that could name a digit of the PIN.

use crate::i18n::{Lang, cancelled_key, registered_key, text, text_n, text_with, validity_key, withdrawn_key};
use onshi_proto::origin::ExpiryNotice;

use crate::assist::AssistStep;
use crate::petition::{PetitionFailure, PetitionStep};
use crate::state::{AccessLogView, CardReminder, ConsentStage, Failure, Screen};

/// One sentence to speak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// The text of a resource key.
    Text(&'static str),
    /// The text of a resource key with `{n}` filled: a count (digits entered, tries left, seconds left).
    Count(&'static str, u32),
    /// The text of a resource key with `{characters}` filled by a code the patient repeats to someone (the
    /// 申立書's reference), said one character at a time.
    Spelled(&'static str, String),
}

/// `code` as the voice says it: one character at a time, each followed by a pause. A speech synthesiser reads
/// `3A9` as a number and a word; split by commas it names `3`, `A` and `9` in the voice's own language, which is
/// what a patient who cannot see the screen repeats at the counter. The references are upper-case hexadecimal
/// (`onshi_proto::petition::CaptureId::reference`), so no two of their characters sound alike in one language.
pub fn spelled(code: &str) -> String {
    code.chars().map(String::from).collect::<Vec<_>>().join(", ")
}

/// The sentences `lines` make in `lang`, as the voice says them.
pub fn sentences(lang: Lang, lines: &[Line]) -> Vec<String> {
    lines
        .iter()
        .map(|line| match line {
            Line::Text(key) => text(lang, key),
            Line::Count(key, n) => text_n(lang, key, n),
            Line::Spelled(key, code) => text_with(lang, key, &[("characters", &spelled(code))]),
        })
        .collect()
}

/// The main sentence and next step of `screen`. `reader_ready` tells whether the start screen listens for a card.
pub fn screen_lines(screen: &Screen, reader_ready: bool) -> Vec<Line> {
    use Line::{Count, Text};
    match screen {
        Screen::Welcome if reader_ready => vec![Text("welcome.heading"), Text("welcome.place_card")],
        Screen::Welcome => vec![Text("welcome.heading"), Text("welcome.body")],
        Screen::Connecting => vec![Text("reader.connecting")],
        Screen::InsertCard => vec![Text("card.insert_heading"), Text("card.insert_body")],
        Screen::ReadingCard => vec![Text("card.reading")],
        Screen::PinEntry { confirming_last_try: true, .. } => {
            vec![Text("pin.confirm_heading"), Text("pin.confirm_body"), Text("voice.confirm_next")]
        }
        Screen::PinEntry { tries_left, last_was_wrong, .. } => {
            let mut lines = Vec::new();
            if *last_was_wrong {
                lines.push(Text("pin.wrong"));
            }
            lines.extend([
                Text("pin.heading"),
                Count("pin.tries_left", u32::from(*tries_left)),
                Text("voice.pin_next"),
            ]);
            lines
        }
        Screen::VisualCheck => vec![Text("visual.heading"), Text("visual.body")],
        Screen::RegistrationTerms => vec![Text("register.terms_heading"), Text("voice.terms_next")],
        Screen::Registering => vec![Text("progress.registering")],
        Screen::Registered(outcome) => vec![Text("register.done_heading"), Text(registered_key(*outcome))],
        Screen::RegistrationCancelTerms => vec![Text("cancel.terms_heading"), Text("cancel.terms_body")],
        Screen::CancellingRegistration => vec![Text("progress.cancelling")],
        Screen::RegistrationCancelled(outcome) => vec![Text("cancel.done_heading"), Text(cancelled_key(*outcome))],
        Screen::WithdrawalConfirm { .. } => vec![Text("withdraw.confirm_heading"), Text("withdraw.confirm_body")],
        Screen::WithdrawingConsent => vec![Text("progress.withdrawing")],
        Screen::ConsentWithdrawn(kinds) => vec![Text("withdraw.done_heading"), Text(withdrawn_key(kinds))],
        Screen::AccessLog { view: AccessLogView { page: None, .. }, .. } => vec![Text("progress.access_log")],
        // The table is read by the screen reader row by row; the voice says what the screen is and, when it is
        // empty, that nobody has looked.
        Screen::AccessLog { view: AccessLogView { page: Some(page), .. }, .. } if page.entries.is_empty() => {
            vec![Text("access_log.heading"), Text("access_log.empty")]
        }
        Screen::AccessLog { .. } => vec![Text("access_log.heading"), Text("access_log.intro")],
        Screen::Verifying => vec![Text("progress.verifying")],
        Screen::Authenticating => vec![Text("progress.authenticating")],
        Screen::Querying => vec![Text("progress.querying")],
        Screen::Result { answer, card, consent, certificate, .. } => {
            let mut lines = vec![Text("result.heading"), Text(validity_key(answer.validity))];
            // The expiry is said in words a listener can act on: the days left, or that today is covered and
            // how to renew (dates stay on screen).
            match certificate.notice {
                Some(ExpiryNotice::ExpiringSoon { days_left, .. }) => {
                    lines.extend([Count("expiry.soon_days", u32::from(days_left)), Text("expiry.renew_ahead")]);
                }
                Some(ExpiryNotice::InGrace { .. }) => {
                    lines.extend([
                        Text("expiry.grace_heading"),
                        Text("expiry.today_covered"),
                        Text("expiry.renew_now"),
                    ]);
                }
                None => {}
            }
            // Each consent question is said with its answers and their key numbers, as the buttons show them.
            match consent.stage() {
                Some(ConsentStage::Certificates) => lines.extend([
                    Text("consent.certificates_question"),
                    Count("voice.key", 1),
                    Text("consent.certificates_yes"),
                    Count("voice.key", 2),
                    Text("consent.certificates_no"),
                ]),
                Some(ConsentStage::Sharing) => lines.extend([
                    Text("consent.heading"),
                    Text("consent.body"),
                    Count("voice.key", 1),
                    Text("consent.comprehensive"),
                    Count("voice.key", 2),
                    Text("consent.choose"),
                    Count("voice.key", 3),
                    Text("consent.decline"),
                    Text("voice.consent_next"),
                ]),
                Some(ConsentStage::Choosing) => lines.extend([Text("consent.legend"), Text("voice.consent_kinds")]),
                Some(ConsentStage::SpecificDisease) => lines.extend([
                    Text("consent.specific_disease_question"),
                    Count("voice.key", 1),
                    Text("consent.specific_disease_yes"),
                    Count("voice.key", 2),
                    Text("consent.specific_disease_no"),
                ]),
                Some(ConsentStage::Prescription) => lines.extend([
                    Text("consent.prescription_legend"),
                    Count("voice.key", 1),
                    Text("consent.prescription_electronic"),
                    Count("voice.key", 2),
                    Text("consent.prescription_paper"),
                ]),
                None => {}
            }
            lines.push(Text(match (card, consent.is_open()) {
                (CardReminder::LeftBehind, _) => "result.card_left_behind",
                (CardReminder::Taken, false) => "result.card_taken",
                (CardReminder::Taken, true) => "result.card_taken_answer_first",
                (CardReminder::InReader, true) => "result.answer_first",
                (CardReminder::InReader, false) => "result.remove_card",
            }));
            lines
        }
        Screen::Blocked { card_taken: false } => {
            vec![
                Text("blocked.heading"),
                Text("blocked.body"),
                Text("blocked.reset_store"),
                Text("blocked.reset_office"),
                Text("blocked.visual_check_offer"),
                Text("blocked.today"),
            ]
        }
        Screen::Blocked { card_taken: true } => vec![Text("blocked.heading"), Text("blocked.card_taken")],
        Screen::NoPin { card_taken: false } => {
            vec![Text("no_pin.heading"), Text("no_pin.body"), Text("blocked.remove_card"), Text("blocked.today")]
        }
        Screen::NoPin { card_taken: true } => vec![Text("no_pin.heading"), Text("blocked.card_taken")],
        Screen::Assist { step, .. } => assist_lines(*step),
        Screen::Failed(failure) => {
            let mut lines = vec![Text("error.heading"), Text(failure.message_key())];
            lines.extend(failure.next_step_key().map(Text));
            if *failure == Failure::ServiceUnavailable {
                lines.push(Text("petition.offer"));
            }
            lines
        }
        Screen::Petition { step, .. } => petition_lines(step),
    }
}

/// What the 申立書 capture says at each step. The review says only what to do: the items themselves are never
/// spoken, as the kiosk stands where others hear it. The reference is: the patient needs it at the counter, and it
/// names nobody. Each end asks for the card (unless it ended because the card was taken), whose leaving clears the
/// screen; the lines do not change when it leaves, so the end is not said twice.
fn petition_lines(step: &PetitionStep) -> Vec<Line> {
    let mut lines = petition_step_lines(step);
    if step.is_finished() && *step != PetitionStep::Failed(PetitionFailure::CardTaken) {
        lines.push(Line::Text("result.remove_card"));
    }
    lines
}

/// The sentences of the capture's step itself.
fn petition_step_lines(step: &PetitionStep) -> Vec<Line> {
    use Line::{Count, Text};
    match step {
        PetitionStep::Offered => vec![Text("petition.offer")],
        PetitionStep::Opening | PetitionStep::Reading => vec![Text("petition.reading")],
        PetitionStep::PinEntry { confirming_last_try: true, .. } => {
            vec![Text("pin.confirm_heading"), Text("petition.confirm_body"), Text("voice.confirm_next")]
        }
        PetitionStep::PinEntry { tries_left, last_was_wrong, .. } => {
            let mut lines = Vec::new();
            if *last_was_wrong {
                lines.push(Text("pin.wrong"));
            }
            lines.extend([
                Text("petition.pin_heading"),
                Count("pin.tries_left", u32::from(*tries_left)),
                Text("voice.pin_next"),
            ]);
            lines
        }
        PetitionStep::Review => vec![Text("petition.review_heading"), Text("petition.review_hint")],
        PetitionStep::Sending => vec![Text("petition.sending")],
        PetitionStep::Sent { reference } => vec![
            Text("petition.sent_heading"),
            Text("petition.sent"),
            Line::Spelled("petition.reference_spoken", reference.clone()),
        ],
        PetitionStep::Declined => vec![Text("petition.declined")],
        PetitionStep::Failed(failure) => vec![Text(failure.message_key())],
    }
}

/// What the 目視 assist says at each step: the step's own sentence, and what to do next.
fn assist_lines(step: AssistStep) -> Vec<Line> {
    use Line::{Count, Text};
    match step {
        AssistStep::Form => vec![Text("assist.heading"), Text("assist.intro")],
        AssistStep::Invalid(problem) => vec![Text(problem.message_key())],
        AssistStep::Wrong { tries_left } => {
            vec![Count("assist.wrong", u32::from(tries_left)), Text("assist.wrong_next")]
        }
        AssistStep::Checking => vec![Text("assist.checking")],
        AssistStep::Stopped { tries_left: 0, .. } => vec![Text("assist.blocked"), Text("assist.stopped_next")],
        AssistStep::Stopped { tries_left, after_wrong: true } => {
            vec![Count("assist.stopped_wrong", u32::from(tries_left)), Text("assist.stopped_next")]
        }
        AssistStep::Stopped { tries_left, after_wrong: false } => {
            vec![Count("assist.stopped", u32::from(tries_left)), Text("assist.stopped_next")]
        }
        AssistStep::Opened => vec![Text("assist.opened")],
        AssistStep::Face => vec![Text("assist.face_heading"), Text("assist.face_intro")],
        AssistStep::Unverified => vec![Text("assist.unverified")],
        AssistStep::Mismatch => vec![Text("assist.mismatch_heading"), Text("assist.mismatch")],
    }
}

/// What the PIN pad says after each key: how many digits there are now.
pub fn digits_entered(entered: usize) -> Line {
    Line::Count("pin.entered", u32::try_from(entered).unwrap_or(u32::MAX))
}

/// What the idle warning says.
pub fn idle_warning(seconds_left: u32) -> Vec<Line> {
    vec![Line::Text("idle.heading"), Line::Count("idle.body", seconds_left), Line::Text("voice.idle_next")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, every_set_loaded, text};
    use crate::state::{Action, Failure, PIN_LEN};
    use onshi_proto::origin::RegistrationOutcome;

    fn keys(lines: &[Line]) -> Vec<&'static str> {
        lines
            .iter()
            .map(|line| match line {
                Line::Text(key) | Line::Count(key, _) | Line::Spelled(key, _) => *key,
            })
            .collect()
    }

    /// The assist at each of its steps.
    fn assist_screens() -> Vec<Screen> {
        use crate::assist::FormProblem;
        [
            AssistStep::Form,
            AssistStep::Invalid(FormProblem::BirthDate),
            AssistStep::Invalid(FormProblem::ExpiryYear),
            AssistStep::Invalid(FormProblem::SecurityCode),
            AssistStep::Wrong { tries_left: 9 },
            AssistStep::Checking,
            AssistStep::Stopped { tries_left: 3, after_wrong: true },
            AssistStep::Stopped { tries_left: 2, after_wrong: false },
            AssistStep::Stopped { tries_left: 0, after_wrong: false },
            AssistStep::Opened,
            AssistStep::Face,
            AssistStep::Unverified,
            AssistStep::Mismatch,
        ]
        .into_iter()
        .map(|step| Screen::Assist { step, back: Box::new(Screen::VisualCheck) })
        .collect()
    }

    fn petition_screens() -> Vec<Screen> {
        use crate::petition::{PetitionFailure, PetitionStep};
        [
            PetitionStep::Offered,
            PetitionStep::Opening,
            PetitionStep::PinEntry { tries_left: 3, entered: 0, last_was_wrong: true, confirming_last_try: false },
            PetitionStep::PinEntry { tries_left: 1, entered: 4, last_was_wrong: true, confirming_last_try: true },
            PetitionStep::Reading,
            PetitionStep::Review,
            PetitionStep::Sending,
            PetitionStep::Sent { reference: "ABC123".into() },
            PetitionStep::Declined,
            PetitionStep::Failed(PetitionFailure::PinBlocked),
            PetitionStep::Failed(PetitionFailure::QueueFull),
        ]
        .into_iter()
        .map(Screen::petition)
        .collect()
    }

    #[test]
    fn every_screen_says_its_main_sentence_with_keys_every_language_has() {
        let kiosk = every_set_loaded();
        let pad = Screen::Welcome.apply(Action::CardPlaced).apply(Action::PinRequired { tries_left: 3 });
        let screens = [
            Screen::Welcome,
            Screen::Connecting,
            Screen::InsertCard,
            Screen::ReadingCard,
            pad.clone(),
            pad.clone().apply(Action::PinTyped { entered: PIN_LEN }).apply(Action::PinSubmitted),
            Screen::VisualCheck,
            Screen::RegistrationTerms,
            Screen::Registered(RegistrationOutcome::NoInsuredRecord),
            Screen::Querying,
            Screen::Blocked { card_taken: false },
            Screen::NoPin { card_taken: false },
            Screen::NoPin { card_taken: true },
            Screen::Failed(Failure::CardRemoved),
            Screen::Failed(Failure::ServiceUnavailable),
            Screen::Failed(Failure::AssistCardRemoved),
            Screen::Failed(Failure::AssistFaceMismatch),
        ]
        .into_iter()
        .chain(assist_screens())
        .chain(petition_screens())
        .collect::<Vec<_>>();
        for screen in &screens {
            for ready in [false, true] {
                let lines = screen_lines(screen, ready);
                assert!(!lines.is_empty(), "{screen:?}");
                for key in keys(&lines) {
                    for lang in Lang::PATIENT {
                        assert_ne!(text(lang, key), key, "{lang:?} has no text for {key}");
                    }
                }
            }
        }
        assert_eq!(keys(&screen_lines(&Screen::Welcome, true)), ["welcome.heading", "welcome.place_card"]);
        assert!(keys(&idle_warning(30)).iter().all(|key| kiosk.text(Lang::Ne, key) != *key));
    }

    #[test]
    fn the_access_log_says_it_is_loading_what_it_lists_or_that_nobody_has_looked() {
        every_set_loaded();
        use crate::state::{AccessLogView, CardReminder, CertificateTerms, ConsentStep};
        use onshi_proto::access_log::AccessLogPage;

        let answer = crate::state::tests::answer();
        let result = Box::new(Screen::Result {
            answer,
            card: CardReminder::InReader,
            consent: ConsentStep::Skipped,
            pin_verified: true,
            certificate: CertificateTerms::default(),
        });
        let with_page = |page: Option<AccessLogPage>| Screen::AccessLog {
            result: result.clone(),
            view: AccessLogView { starts: vec![None], page },
        };
        assert_eq!(keys(&screen_lines(&with_page(None), true)), ["progress.access_log"]);
        assert_eq!(
            keys(&screen_lines(&with_page(Some(AccessLogPage::default())), true)),
            ["access_log.heading", "access_log.empty"]
        );
        for lang in Lang::PATIENT {
            for key in ["progress.access_log", "access_log.heading", "access_log.empty", "access_log.intro"] {
                assert_ne!(text(lang, key), key, "{lang:?} has no text for {key}");
            }
        }
    }

    #[test]
    fn the_specific_disease_question_is_said_with_its_two_answers_and_their_keys_in_every_language() {
        every_set_loaded();
        use crate::state::{CardReminder, CertificateTerms, ConsentStage, ConsentStep};
        use onshi_proto::qualification::QualificationAnswer;

        let answer = QualificationAnswer { specific_disease_question_due: true, ..crate::state::tests::answer() };
        let asked = Screen::Result {
            answer,
            card: CardReminder::InReader,
            consent: ConsentStep::Asking { stage: ConsentStage::SpecificDisease, chosen: Vec::new() },
            pin_verified: true,
            certificate: CertificateTerms::default(),
        };
        let said = keys(&screen_lines(&asked, true));
        let question =
            ["consent.specific_disease_question", "consent.specific_disease_yes", "consent.specific_disease_no"];
        for key in question {
            assert!(said.contains(&key), "{key} is not said: {said:?}");
            for lang in Lang::PATIENT {
                assert_ne!(text(lang, key), key, "{lang:?} has no text for {key}");
            }
        }
        assert!(said.iter().position(|k| *k == question[1]) < said.iter().position(|k| *k == question[2]));
    }

    #[test]
    fn every_text_of_the_assist_screens_is_in_every_language() {
        // The labels, buttons and helper texts the assist's screens show besides what the voice says.
        for key in [
            "assist.open",
            "assist.birth_label",
            "assist.seireki_label",
            "assist.seireki_convert",
            "assist.seireki_result",
            "assist.seireki_invalid",
            "assist.expiry_label",
            "assist.code_label",
            "assist.submit",
            "assist.back",
            "assist.stopped_heading",
            "assist.mismatch_button",
            "assist.confirm_button",
            "assist.photo_label",
            "assist.camera_label",
            "assist.no_camera",
            "assist.name_label",
            "assist.birth_shown",
            "assist.sex_label",
            "assist.sex_male",
            "assist.sex_female",
            "assist.sex_other",
            "assist.address_label",
            "assist.card_removed",
        ] {
            for lang in Lang::PATIENT {
                assert_ne!(text(lang, key), key, "{lang:?} has no text for {key}");
            }
        }
        assert_eq!(
            crate::i18n::text_with(
                Lang::Ja,
                "assist.seireki_result",
                &[("wareki", "平成2年4月1日"), ("digits", "020401")]
            ),
            "平成2年4月1日：020401 を入力しました"
        );
    }

    #[test]
    fn the_sent_capture_spells_its_reference_one_character_at_a_time_in_every_language() {
        every_set_loaded();
        assert_eq!(spelled("3A09FE"), "3, A, 0, 9, F, E");
        let sent = Screen::petition(PetitionStep::Sent { reference: "3A09FE".into() });
        for lang in Lang::PATIENT {
            let said = sentences(lang, &screen_lines(&sent, true));
            let spelled_out = said.iter().filter(|sentence| sentence.contains("3, A, 0, 9, F, E")).count();
            assert_eq!(spelled_out, 1, "{lang:?} does not spell it once: {said:?}");
            assert!(said.iter().all(|sentence| !sentence.contains("{characters}")), "{lang:?}: {said:?}");
            // Said as one word, a synthesiser reads digits as a number: the code is never said whole.
            assert!(said.iter().all(|sentence| !sentence.contains("3A09FE")), "{lang:?}: {said:?}");
        }
        let said = sentences(Lang::Ja, &screen_lines(&sent, true));
        assert!(
            said.iter().any(|sentence| sentence == "受付でお伝えいただく番号は、3, A, 0, 9, F, E、です。"),
            "{said:?}"
        );
    }

    #[test]
    fn each_end_of_the_capture_asks_for_the_card_unless_the_card_ended_it() {
        use crate::petition::PetitionFailure;
        for end in [
            PetitionStep::Sent { reference: "3A09FE".into() },
            PetitionStep::Declined,
            PetitionStep::Failed(PetitionFailure::PinBlocked),
        ] {
            let said = keys(&screen_lines(&Screen::petition(end), true));
            assert_eq!(said.last(), Some(&"result.remove_card"), "{said:?}");
        }
        let taken = Screen::petition(PetitionStep::Failed(PetitionFailure::CardTaken));
        assert!(!keys(&screen_lines(&taken, true)).contains(&"result.remove_card"));
        // Before the end nobody is asked for the card.
        assert!(!keys(&screen_lines(&Screen::petition(PetitionStep::Review), true)).contains(&"result.remove_card"));
        // The card leaving changes nothing said, so the end is not said again.
        let sent = Screen::petition(PetitionStep::Sent { reference: "3A09FE".into() });
        assert_eq!(screen_lines(&sent, true), screen_lines(&sent.clone().apply(Action::CardTaken), true));
    }

    #[test]
    fn the_pin_pad_says_how_many_digits_never_which() {
        // Typing never changes what the pad screen says; only the count is spoken, and it is the count.
        let pad =
            |entered| Screen::PinEntry { tries_left: 3, entered, last_was_wrong: false, confirming_last_try: false };
        assert_eq!(screen_lines(&pad(0), true), screen_lines(&pad(3), true));
        assert_eq!(digits_entered(2), Line::Count("pin.entered", 2));
        assert_eq!(text(Lang::Ja, "pin.entered").replace("{n}", "2"), "2 けた入力済み");
    }
}
