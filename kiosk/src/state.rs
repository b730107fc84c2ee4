//! The kiosk's screens as a pure state machine: `(Screen, Action) → Screen`.
//!
//! It holds no secret: the PIN digits live in a zeroizing buffer owned by the UI, and this state only knows how many
//! have been typed. It does no I/O, so every transition is tested natively.

use onshi_proto::ErrorCode;
use onshi_proto::access_log::{AccessLogCursor, AccessLogPage};
use onshi_proto::origin::{
    CardScope, ConsentGrant, ConsentKind, ExpiryNotice, PrescriptionFormat, RegistrationOutcome,
};
use onshi_proto::qualification::{QualificationAnswer, Reason, Validity};
use onshi_proto::withdrawal::RegistrationCancelOutcome;

use crate::assist::{AssistStep, FormProblem};
use crate::petition::{PetitionEvent, PetitionFailure, PetitionStep};

/// Length of the 利用者証明用 PIN, as the card layer knows it.
pub const PIN_LEN: usize = onshi_card::jpki::PIN_DIGITS;

/// Why a check-in stopped, as the patient must be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The browser refused to claim a smart-card-class interface (Chrome's protected classes).
    ReaderRefusedCcid,
    /// The person closed the device chooser without picking a reader.
    NoReaderChosen,
    /// The reader stopped answering or answered garbage.
    Reader,
    /// The card left the reader mid-flow.
    CardRemoved,
    /// The reader was unplugged (or the browser revoked access to it) mid-flow.
    ReaderDisconnected,
    /// The card's certificate is outside its validity period, past its grace.
    CertificateExpired,
    /// The card's certificate is in its grace period, which confirms the qualification only: it cannot be linked
    /// to the insurance (健康保険証利用登録) until it is renewed.
    QualificationOnly,
    /// The card's certificate has been revoked.
    CertificateRevoked,
    /// The qualification service cannot be reached (outage procedure).
    ServiceUnavailable,
    /// Staff did not confirm the card holder at the visual check.
    VisualCheckRefused,
    /// Nobody decided on the visual check in time.
    VisualCheckExpired,
    /// This kiosk may not ask for a visual check: its admin did not enrol it as standing where staff see the
    /// patient, or it has asked too often this hour.
    VisualCheckUnavailable,
    /// The edge no longer knows this kiosk (never enrolled, enrolled under an id format it has retired, or
    /// revoked by the admin): the kiosk forgets its identity and asks staff for a new enrolment code.
    DeviceNotEnrolled,
    /// The card left the reader during the 目視 assist: the assist ended and what it showed was wiped.
    AssistCardRemoved,
    /// The card face opened with the 目視 assist is not the face of the person the certificate leads to: the
    /// certificate sent was not this card's, and no staff were asked.
    AssistFaceMismatch,
    /// Anything else.
    Other,
}

impl Failure {
    /// The failure a network error code stands for.
    pub fn from_code(code: ErrorCode) -> Self {
        match code {
            ErrorCode::CertificateExpired => Failure::CertificateExpired,
            ErrorCode::QualificationOnly => Failure::QualificationOnly,
            ErrorCode::CertificateRevoked => Failure::CertificateRevoked,
            ErrorCode::DeviceNotEnrolled => Failure::DeviceNotEnrolled,
            ErrorCode::OriginUnavailable | ErrorCode::OriginTimeout | ErrorCode::OriginError => {
                Failure::ServiceUnavailable
            }
            _ => Failure::Other,
        }
    }

    /// The failure an error code stands for when the kiosk asked for a visual check: a refusal of the kiosk itself
    /// (not enrolled as staffed, or over its hourly allowance) sends the patient to the counter instead.
    pub fn from_visual_check_request(code: ErrorCode) -> Self {
        match code {
            ErrorCode::Forbidden | ErrorCode::RateLimited => Failure::VisualCheckUnavailable,
            ErrorCode::CardFaceMismatch => Failure::AssistFaceMismatch,
            other => Failure::from_code(other),
        }
    }

    /// The resource key of a second sentence the patient must read: in an outage, that they will not be charged
    /// 10割 and that the counter takes their 被保険者資格申立書 (the kiosk itself keeps nothing personal for it).
    pub fn next_step_key(self) -> Option<&'static str> {
        match self {
            Failure::ServiceUnavailable => Some("error.origin_unavailable_share"),
            Failure::ReaderRefusedCcid => Some("reader.refused_next"),
            _ => None,
        }
    }

    /// The resource key of the sentence that says what happened and what to do next.
    pub fn message_key(self) -> &'static str {
        match self {
            Failure::ReaderRefusedCcid => "reader.refused_ccid",
            Failure::NoReaderChosen => "reader.none",
            Failure::Reader => "error.reader",
            Failure::CardRemoved => "error.card_removed",
            Failure::ReaderDisconnected => "error.reader_disconnected",
            Failure::CertificateExpired => "error.certificate_expired",
            Failure::QualificationOnly => "error.qualification_only",
            Failure::CertificateRevoked => "error.certificate_revoked",
            Failure::ServiceUnavailable => "error.origin_unavailable",
            Failure::VisualCheckRefused => "error.visual_refused",
            Failure::VisualCheckExpired => "error.visual_expired",
            Failure::VisualCheckUnavailable => "error.visual_unavailable",
            Failure::DeviceNotEnrolled => "enrol.lapsed",
            Failure::AssistCardRemoved => "assist.card_removed",
            Failure::AssistFaceMismatch => "assist.face_mismatch",
            Failure::Other => "error.generic",
        }
    }
}

/// Where the card is once the answer is on screen: cards left behind are a known pain point of the national
/// readers, so once nothing remains to answer the result screen keeps asking until the card leaves the reader.
/// While the patient is still answering the questions under the answer, the card may stay: nobody is asked to take
/// it, and no alert is raised, before the check-in is complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardReminder {
    /// The card is (or may be) still in the reader; the screen asks the person to take it.
    InReader,
    /// The card has stayed in the reader for [`CARD_LEFT_BEHIND_SECS`]: the kiosk raises an alert.
    LeftBehind,
    /// The card has been taken.
    Taken,
}

/// The consent question shown under the answer (2024-10 rules: 包括同意 or single kinds, live for 24 hours), then
/// the prescription format (電子処方箋 or 紙), asked as the national reader asks them: one question at a time, each
/// answered with one tap (or one numbered key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsentStep {
    /// No question: the answer holds no current qualification, so there is nothing a consent or a prescription
    /// format could be recorded under (the origin would refuse it). The check-in is complete with the answer.
    NotAsked,
    /// The patient is answering; `chosen` is sorted and holds each kind once. Nothing is sent before the
    /// prescription format is chosen, and choosing it sends the whole answer.
    Asking {
        /// Which question is on screen.
        stage: ConsentStage,
        /// The kinds agreed to so far (包括同意 alone, single kinds, or none).
        chosen: Vec<ConsentKind>,
    },
    /// The choice is on its way to the origin.
    Sending {
        /// What this answer agreed to (empty: the patient declined).
        agreed: Vec<ConsentKind>,
        /// The prescription format sent with it.
        prescription: PrescriptionFormat,
    },
    /// The origin recorded it.
    Recorded {
        /// What this answer agreed to (empty: the patient declined). Declining is reported as declining, whatever
        /// is still live from an earlier visit.
        agreed: Vec<ConsentKind>,
        /// Every consent the origin holds live now for this facility, the ones given earlier included.
        live: Vec<ConsentGrant>,
        /// The prescription format the patient chose.
        prescription: PrescriptionFormat,
    },
    /// The patient chose to tell the desk instead of answering here: nothing is sent, and the desk asks.
    Skipped,
    /// It could not be recorded; nothing is shared.
    Failed,
}

/// Which consent question is on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentStage {
    /// 「医療費助成の受給者証を利用しますか」, asked first and only when the answer says a 受給者証 is on record: yes asks
    /// for the qualification again with it, no goes on to the consent.
    Certificates,
    /// 「情報の提供に同意しますか」: all of it (包括同意), single kinds, or none; one tap each.
    Sharing,
    /// The patient ticks single kinds and goes on.
    Choosing,
    /// 「特定疾病療養受療証の情報の提供に同意しますか」: yes or no, asked after the sharing question and only when the
    /// answer says the question is due (the patient holds a 受療証; which disease is never said to the kiosk).
    /// 包括同意 does not cover it, so it is asked whatever the first answer was.
    SpecificDisease,
    /// 「処方箋の受け取り方法」: electronic or paper; the tap sends the answer.
    Prescription,
}

/// The first question's three answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharingChoice {
    /// 包括同意: every kind, with one tap.
    All,
    /// Single kinds, chosen on the next question.
    Choose,
    /// Nothing is shared.
    None,
}

impl SharingChoice {
    /// The answers in the order the question lists them; a numbered key picks by this order (1, 2, 3).
    pub const ORDER: [SharingChoice; 3] = [SharingChoice::All, SharingChoice::Choose, SharingChoice::None];
}

/// The single kinds in the order the question lists them; a numbered key ticks by this order (1–4).
pub const SINGLE_CONSENT_KINDS: [ConsentKind; 4] =
    [ConsentKind::Diagnosis, ConsentKind::Medication, ConsentKind::Operation, ConsentKind::HealthCheckup];

/// The prescription formats in the order the question lists them; a numbered key picks by this order (1, 2).
pub const PRESCRIPTION_ORDER: [PrescriptionFormat; 2] = [PrescriptionFormat::Electronic, PrescriptionFormat::Paper];

/// The 特定疾病 question's answers in the order it lists them; a numbered key picks by this order (1 yes, 2 no).
pub const SPECIFIC_DISEASE_ORDER: [bool; 2] = [true, false];

impl ConsentStep {
    /// What to send for a choice: a kind another chosen kind covers is left out (包括同意 is sent alone, with the
    /// 特定疾病 consent beside it when given), by the proto's one rule.
    pub fn to_send(chosen: &[ConsentKind]) -> Vec<ConsentKind> {
        ConsentKind::to_record(chosen)
    }

    /// The question after the sharing answer `chosen`: the 特定疾病 one when it is due, else the prescription.
    fn after_sharing(chosen: Vec<ConsentKind>, specific_disease_due: bool) -> Self {
        let stage = if specific_disease_due { ConsentStage::SpecificDisease } else { ConsentStage::Prescription };
        ConsentStep::Asking { stage, chosen }
    }

    /// A fresh question: the first one, nothing chosen.
    pub fn new() -> Self {
        ConsentStep::Asking { stage: ConsentStage::Sharing, chosen: Vec::new() }
    }

    /// The question on screen, while one is.
    pub fn stage(&self) -> Option<ConsentStage> {
        match self {
            ConsentStep::Asking { stage, .. } => Some(*stage),
            _ => None,
        }
    }

    /// The question an answer asks: only a current qualification (有効, or 無効 with the newer one shown) has a
    /// record to consent under.
    pub fn for_answer(answer: &QualificationAnswer) -> Self {
        match answer.validity {
            Validity::Valid | Validity::InvalidNewerExists if answer.certificates_on_offer => {
                ConsentStep::Asking { stage: ConsentStage::Certificates, chosen: Vec::new() }
            }
            Validity::Valid | Validity::InvalidNewerExists => Self::new(),
            Validity::Invalid | Validity::NoQualification | Validity::MultipleMatches => ConsentStep::NotAsked,
        }
    }

    /// True while the patient still has something to answer (or the answer is on its way): the check-in is not
    /// complete, so the kiosk neither asks for the card nor clears the screen.
    pub fn is_open(&self) -> bool {
        matches!(self, ConsentStep::Asking { .. } | ConsentStep::Sending { .. })
    }

    /// The consents live from an earlier visit that this answer did not give: they stay live until they lapse, and
    /// the patient is told so rather than led to think this answer gave them.
    pub fn live_from_before(&self) -> Vec<ConsentGrant> {
        let ConsentStep::Recorded { agreed, live, .. } = self else { return Vec::new() };
        live.iter().filter(|grant| !agreed.iter().any(|kind| kind.covers(grant.kind))).cloned().collect()
    }
}

impl Default for ConsentStep {
    fn default() -> Self {
        Self::new()
    }
}

/// What the card session may do, and what the patient is told about the certificate's expiry: from the edge's
/// session answer, for a PIN session and for an approved visual check alike. A certificate far from its expiry has
/// the default (full scope, no notice).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CertificateTerms {
    /// `qualification_only` while the certificate is in its grace period: no consent question, no registration.
    pub scope: CardScope,
    /// The expiry notice shown under the answer.
    pub notice: Option<ExpiryNotice>,
}

/// Seconds the card may stay in the reader once the check-in is complete (the answer on screen and nothing left to
/// answer) before the left-behind alert.
pub const CARD_LEFT_BEHIND_SECS: u32 = 10;

/// Seconds the answer stays on screen once the check-in is complete and the card has been taken; every touch starts
/// them again. Then the kiosk clears it for the next person.
pub const CLEAR_AFTER_CARD_TAKEN_SECS: u32 = 8;

/// What a visit to the kiosk is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// 受付: the qualification check.
    CheckIn,
    /// 健康保険証利用登録: linking the card to the insured record, once per life.
    Registration,
    /// 健康保険証利用登録の解除, at a registration point: the card stops working as a 保険証 until it is
    /// registered again.
    CancelRegistration,
}

/// What the kiosk shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Start screen.
    Welcome,
    /// Asking the browser for the reader.
    Connecting,
    /// The reader is open but empty: the kiosk asks for the card and reads it as soon as the reader reports it.
    InsertCard,
    /// Reading the certificate from the card.
    ReadingCard,
    /// The PIN pad.
    PinEntry {
        /// Tries left before the card locks, as the card reported.
        tries_left: u8,
        /// How many digits have been typed (never the digits).
        entered: usize,
        /// The last PIN was wrong.
        last_was_wrong: bool,
        /// One try is left and the person pressed OK: the kiosk asks them to confirm, and offers the visual
        /// check instead, before it sends the PIN that could lock the card.
        confirming_last_try: bool,
    },
    /// The person chose the staff's visual identity check (目視) instead of the PIN; the kiosk waits for staff.
    VisualCheck,
    /// 健康保険証利用登録: the terms of use, to accept before the card is linked.
    RegistrationTerms,
    /// The link request is in flight.
    Registering,
    /// 健康保険証利用登録 finished with this outcome.
    Registered(RegistrationOutcome),
    /// 健康保険証利用登録の解除: what cancelling means, to confirm (or to decline by starting over).
    RegistrationCancelTerms,
    /// The cancellation is in flight.
    CancellingRegistration,
    /// The cancellation finished with this outcome.
    RegistrationCancelled(RegistrationCancelOutcome),
    /// The patient asked, from the answer, to withdraw their consents to this facility: what withdrawing means, to
    /// confirm or decline. The answer screen is kept, to return to when they decline.
    WithdrawalConfirm {
        /// The answer screen the patient came from.
        result: Box<Screen>,
    },
    /// The withdrawal is in flight.
    WithdrawingConsent,
    /// The consents are withdrawn: these kinds were live and have stopped (none: nothing was shared).
    ConsentWithdrawn(Vec<ConsentKind>),
    /// The patient asked, from the answer, which facilities read their information (閲覧履歴). The answer screen
    /// is kept, to return to.
    AccessLog {
        /// The answer screen the patient came from.
        result: Box<Screen>,
        /// The page asked for or shown.
        view: AccessLogView,
    },
    /// VERIFY in flight.
    Verifying,
    /// Challenge, signature and session in flight.
    Authenticating,
    /// Qualification query in flight.
    Querying,
    /// The answer, and whether the card is still in the reader.
    Result {
        /// The qualification answer.
        answer: QualificationAnswer,
        /// Where the card is.
        card: CardReminder,
        /// The consent question under the answer.
        consent: ConsentStep,
        /// The card holder proved the card with the PIN (not a visual check), so the same session may link the
        /// card to the insurance (健康保険証利用登録) on the spot.
        pin_verified: bool,
        /// What the session may do and what to say about the certificate's expiry.
        certificate: CertificateTerms,
    },
    /// The PIN is blocked on the card. The visual check (目視) is offered, which also calls the desk.
    Blocked {
        /// The card has left the reader: the screen clears soon, as the answer does.
        card_taken: bool,
    },
    /// The card has no PIN at all (a 顔認証マイナンバーカード): this kiosk has no certified face authentication, so
    /// the visual check (目視) is the way in, one tap away.
    NoPin {
        /// The card has left the reader: the screen clears soon, as the answer does.
        card_taken: bool,
    },
    /// The 目視 assist, for staff standing at the kiosk (`crate::assist`), opened from the screen kept in `back`.
    Assist {
        /// Where the assist stands.
        step: AssistStep,
        /// The screen staff opened it from, to return to when they go back.
        back: Box<Screen>,
    },
    /// The check-in stopped; the failure says why and what next. In an outage
    /// ([`Failure::ServiceUnavailable`]) the screen also offers to fill the 申立書 from the card.
    Failed(Failure),
    /// The 申立書 capture of an outage (`crate::petition`), after the patient answered its offer.
    Petition {
        /// Where the capture stands.
        step: PetitionStep,
        /// The card has left the reader: once the capture is finished, the screen clears soon, as the answer does.
        card_taken: bool,
    },
}

/// Where the patient is in their access log: the start of each page they went through, newest first, and the page
/// on screen once it has arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessLogView {
    /// Where each page so far starts (`None`: the newest); the last is the page asked for or shown, the ones
    /// before it are what "newer" goes back to.
    pub starts: Vec<Option<AccessLogCursor>>,
    /// The page, once it arrived; `None` while it is asked for.
    pub page: Option<AccessLogPage>,
}

impl AccessLogView {
    /// The newest page, asked for.
    pub fn newest() -> Self {
        Self { starts: vec![None], page: None }
    }

    /// Where the page asked for starts (`None`: the newest).
    pub fn asked_from(&self) -> Option<AccessLogCursor> {
        self.starts.last().cloned().flatten()
    }

    /// True when a newer page is behind this one.
    pub fn has_newer(&self) -> bool {
        self.starts.len() > 1
    }
}

/// Everything that can happen to the kiosk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The person pressed start.
    Connect,
    /// The reader is open but holds no card.
    CardAbsent,
    /// The reader is open and the card powered.
    ReaderReady,
    /// A card was placed on the reader while the start screen showed, and is powered: the check-in starts
    /// without a touch (the reader announced the card; nothing was sent to the card to learn it).
    CardPlaced,
    /// The card reported its PIN tries.
    PinRequired {
        /// Tries left.
        tries_left: u8,
    },
    /// The PIN pad's digit count changed.
    PinTyped {
        /// Digits now in the buffer.
        entered: usize,
    },
    /// The person pressed OK on the PIN pad (at one try left this first asks for confirmation).
    PinSubmitted,
    /// The person confirmed sending the PIN at one try left.
    LastTryConfirmed,
    /// The person chose the visual check (目視) instead of the PIN.
    ChooseVisualCheck,
    /// The card refused the PIN.
    PinWrong {
        /// Tries left after this attempt.
        tries_left: u8,
    },
    /// The card reports the PIN blocked.
    PinBlocked,
    /// The card has no PIN set (read without spending a try).
    PinNotSet,
    /// The card accepted the PIN; authentication to the edge starts.
    PinAccepted,
    /// The session exists; the qualification query starts.
    SessionReady,
    /// The session exists and this is a registration: show the terms.
    ShowRegistrationTerms,
    /// The card holder accepted the terms.
    TermsAccepted,
    /// The registration finished.
    RegistrationDone(RegistrationOutcome),
    /// The session exists and this is a cancellation: show what cancelling means.
    ShowCancelTerms,
    /// The card holder confirmed the cancellation.
    CancelConfirmed,
    /// The cancellation finished.
    RegistrationCancelled(RegistrationCancelOutcome),
    /// The patient chose, from the answer, to withdraw their consents to this facility.
    AskWithdrawal,
    /// The patient decided not to withdraw after reading what it means.
    WithdrawalDeclined,
    /// The patient confirmed the withdrawal.
    WithdrawalConfirmed,
    /// The origin recorded the withdrawal; these kinds stopped.
    ConsentWithdrawn(Vec<ConsentKind>),
    /// The patient chose, from the answer, to see which facilities read their information.
    AskAccessLog,
    /// A page of the access log arrived.
    AccessLogArrived(AccessLogPage),
    /// The patient asked for the older page.
    AccessLogOlder,
    /// The patient asked for the newer page.
    AccessLogNewer,
    /// The patient closed the access log, back to the answer.
    AccessLogClosed,
    /// The answer arrived.
    Answer(QualificationAnswer),
    /// The answer to a card session arrived, with the session's scope and the certificate's expiry notice.
    CardAnswer(QualificationAnswer, CertificateTerms),
    /// The patient answered 「医療費助成の受給者証を利用しますか」: yes asks for the qualification again with them.
    CertificatesAnswered(bool),
    /// The patient answered the first consent question: all, single kinds, or none.
    SharingAnswered(SharingChoice),
    /// The patient answered the 特定疾病 question: yes adds its consent to what is sent.
    SpecificDiseaseAnswered(bool),
    /// The patient ticked or unticked a single kind of consent.
    ToggleConsent(ConsentKind),
    /// The patient went on with the single kinds ticked (at least one).
    KindsChosen,
    /// The patient went back to the first consent question to answer it again; nothing was sent.
    ConsentBack,
    /// The patient chose how to receive the prescription, which sends the whole answer.
    ConsentSubmitted(PrescriptionFormat),
    /// The patient chose to answer at the desk instead.
    ConsentSkipped,
    /// The origin recorded the choice; these consents are live now (earlier ones included).
    ConsentRecorded(Vec<ConsentGrant>),
    /// The patient without a linked qualification chose to link the card to their insurance on the spot.
    StartRegistration,
    /// The consent could not be recorded.
    ConsentFailed,
    /// The card stayed in the reader too long after the answer.
    CardLeftBehind,
    /// The card left the reader after the answer.
    CardTaken,
    /// Something stopped the check-in.
    Fail(Failure),
    /// Staff opened the 目視 assist (from the 目視 waiting screen, or a card whose PIN cannot be used).
    OpenAssist,
    /// What staff typed cannot be 照合番号B; nothing goes to the card.
    AssistInvalid(FormProblem),
    /// Staff submitted 照合番号B: the counter is read, and one VERIFY sent when allowed.
    AssistSubmitted,
    /// The card's answer to that one attempt.
    AssistChecked(onshi_card::surface::CollationOutcome),
    /// The card face, its issuer's signature checked, is ready to show to staff.
    AssistFaceShown,
    /// The card face carries no signature of a known issuer.
    AssistFaceUnverified,
    /// Staff confirmed that the card face and the person match: the 目視 request goes out with the card's proof.
    AssistConfirmed,
    /// Staff found the card face and the person do not match.
    AssistMismatch,
    /// Staff left the assist, back to the screen they opened it from.
    AssistClosed,
    /// Something happened to the 申立書 capture of an outage (`crate::petition`).
    Petition(PetitionEvent),
    /// Back to the start screen, clearing everything.
    Reset,
}

/// What OK on a PIN pad does ([`Screen::pin_submit`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinSubmit {
    /// One try is left: show the confirmation, keeping the digits; nothing goes to the card.
    AskFirst(Action),
    /// Send the PIN to the card, showing the action's step.
    Send(Action),
}

impl Screen {
    /// The answer screen of a card session, PIN or 目視 alike: a certificate in its grace period confirms the
    /// qualification only, so there is nothing to consent to.
    fn answered(answer: QualificationAnswer, certificate: CertificateTerms, pin_verified: bool) -> Screen {
        let consent = match ConsentStep::for_answer(&answer) {
            _ if !certificate.scope.is_full() => ConsentStep::NotAsked,
            // The 受給者証 question asks the qualification again with the PIN session; a 目視 session goes on
            // without it, and staff ask at the counter.
            ConsentStep::Asking { stage: ConsentStage::Certificates, .. } if !pin_verified => ConsentStep::new(),
            consent => consent,
        };
        Screen::Result { consent, answer, card: CardReminder::InReader, pin_verified, certificate }
    }

    /// The 申立書 capture at `step`, with the card in the reader.
    pub fn petition(step: PetitionStep) -> Screen {
        Screen::Petition { step, card_taken: false }
    }

    /// The capture at `step`, the card taken if it was before or the capture just ended because it was.
    fn petition_after(step: PetitionStep, card_taken: bool) -> Screen {
        let card_taken = card_taken || step == PetitionStep::Failed(PetitionFailure::CardTaken);
        Screen::Petition { step, card_taken }
    }

    /// The next screen. Actions that make no sense on the current screen leave it unchanged, so a late message
    /// from a cancelled check-in cannot resurrect it.
    pub fn apply(self, action: Action) -> Screen {
        match (self, action) {
            (_, Action::Reset) => Screen::Welcome,
            // A reader or card problem after the answer (the card was taken, or the reader unplugged) does not
            // hide the answer. A kiosk that is no longer enrolled cannot go on at all, so that failure does.
            (screen @ Screen::Result { .. }, Action::Fail(failure)) if failure != Failure::DeviceNotEnrolled => screen,
            (_, Action::Fail(failure)) => Screen::Failed(failure),
            // The outage screen's offer: the answer starts the capture (or ends it, having read nothing).
            (Screen::Failed(Failure::ServiceUnavailable), Action::Petition(event @ PetitionEvent::Answered(_))) => {
                Screen::petition(PetitionStep::Offered.apply(event))
            }
            (Screen::Petition { step, card_taken }, Action::Petition(event)) => {
                Screen::petition_after(step.apply(event), card_taken)
            }
            // The capture's PIN pad shares the check-in's buffer, which reports its digit count as for the
            // check-in's own pad.
            (Screen::Petition { step, card_taken }, Action::PinTyped { entered }) => {
                Screen::petition_after(step.apply(PetitionEvent::PinTyped { entered }), card_taken)
            }
            (Screen::Petition { step, .. }, Action::CardTaken) => Screen::Petition { step, card_taken: true },
            (Screen::Blocked { card_taken }, Action::PinBlocked) => Screen::Blocked { card_taken },
            (_, Action::PinBlocked) => Screen::Blocked { card_taken: false },
            (Screen::Blocked { .. }, Action::CardTaken) => Screen::Blocked { card_taken: true },
            (Screen::NoPin { card_taken }, Action::PinNotSet) => Screen::NoPin { card_taken },
            (_, Action::PinNotSet) => Screen::NoPin { card_taken: false },
            (Screen::NoPin { .. }, Action::CardTaken) => Screen::NoPin { card_taken: true },
            (Screen::Blocked { .. } | Screen::NoPin { .. }, Action::ChooseVisualCheck) => Screen::VisualCheck,
            // The assist needs the card: it opens only while the card is in the reader.
            (
                back @ (Screen::VisualCheck
                | Screen::Blocked { card_taken: false }
                | Screen::NoPin { card_taken: false }),
                Action::OpenAssist,
            ) => Screen::Assist { step: AssistStep::Form, back: Box::new(back) },
            (Screen::Assist { step, back }, action) => Screen::assisting(step, back, action),
            (Screen::Welcome | Screen::Failed(_), Action::Connect) => Screen::Connecting,
            (Screen::Connecting, Action::CardAbsent) => Screen::InsertCard,
            (Screen::Welcome, Action::CardPlaced) => Screen::ReadingCard,
            // A card put back after it was taken out mid-flow starts the check-in again, with no button to find.
            (Screen::Connecting | Screen::InsertCard | Screen::Failed(Failure::CardRemoved), Action::ReaderReady) => {
                Screen::ReadingCard
            }
            (Screen::ReadingCard, Action::PinRequired { tries_left }) => {
                Screen::PinEntry { tries_left, entered: 0, last_was_wrong: false, confirming_last_try: false }
            }
            (
                Screen::PinEntry { tries_left, last_was_wrong, confirming_last_try, .. },
                Action::PinTyped { entered },
            ) => {
                // Changing the digits withdraws a pending last-try confirmation: the person must confirm the PIN
                // they will actually send.
                let confirming_last_try = confirming_last_try && entered == PIN_LEN;
                Screen::PinEntry { tries_left, entered: entered.min(PIN_LEN), last_was_wrong, confirming_last_try }
            }
            (screen @ Screen::PinEntry { .. }, Action::PinSubmitted) if screen.submit_needs_confirmation() => {
                match screen {
                    Screen::PinEntry { tries_left, entered, last_was_wrong, .. } => {
                        Screen::PinEntry { tries_left, entered, last_was_wrong, confirming_last_try: true }
                    }
                    other => other,
                }
            }
            (Screen::PinEntry { entered, .. }, Action::PinSubmitted) if entered == PIN_LEN => Screen::Verifying,
            (Screen::PinEntry { entered, confirming_last_try: true, .. }, Action::LastTryConfirmed)
                if entered == PIN_LEN =>
            {
                Screen::Verifying
            }
            (Screen::PinEntry { .. }, Action::ChooseVisualCheck) => Screen::VisualCheck,
            (Screen::Verifying, Action::PinWrong { tries_left }) => {
                Screen::PinEntry { tries_left, entered: 0, last_was_wrong: true, confirming_last_try: false }
            }
            (Screen::Verifying, Action::PinAccepted) => Screen::Authenticating,
            (Screen::Authenticating, Action::SessionReady) => Screen::Querying,
            (Screen::Authenticating, Action::ShowRegistrationTerms) => Screen::RegistrationTerms,
            (screen @ Screen::Result { .. }, Action::StartRegistration) if screen.offers_registration() => {
                Screen::RegistrationTerms
            }
            // Yes to the 受給者証: the same session asks again, and the new answer, which carries them, replaces this.
            (
                Screen::Result {
                    consent: ConsentStep::Asking { stage: ConsentStage::Certificates, .. },
                    pin_verified: true,
                    ..
                },
                Action::CertificatesAnswered(true),
            ) => Screen::Querying,
            (Screen::RegistrationTerms, Action::TermsAccepted) => Screen::Registering,
            (Screen::Registering, Action::RegistrationDone(outcome)) => Screen::Registered(outcome),
            (Screen::Authenticating, Action::ShowCancelTerms) => Screen::RegistrationCancelTerms,
            (Screen::RegistrationCancelTerms, Action::CancelConfirmed) => Screen::CancellingRegistration,
            (Screen::CancellingRegistration, Action::RegistrationCancelled(outcome)) => {
                Screen::RegistrationCancelled(outcome)
            }
            (screen @ Screen::Result { .. }, Action::AskWithdrawal) if screen.offers_consent_withdrawal() => {
                Screen::WithdrawalConfirm { result: Box::new(screen) }
            }
            (Screen::WithdrawalConfirm { result }, Action::WithdrawalDeclined) => *result,
            (Screen::WithdrawalConfirm { .. }, Action::WithdrawalConfirmed) => Screen::WithdrawingConsent,
            // The card may leave the reader while the patient reads: the answer they return to knows it.
            (Screen::WithdrawalConfirm { result }, action @ (Action::CardTaken | Action::CardLeftBehind)) => {
                Screen::WithdrawalConfirm { result: Box::new(result.apply(action)) }
            }
            (Screen::WithdrawingConsent, Action::ConsentWithdrawn(kinds)) => Screen::ConsentWithdrawn(kinds),
            (screen @ Screen::Result { .. }, Action::AskAccessLog) if screen.offers_access_log() => {
                Screen::AccessLog { result: Box::new(screen), view: AccessLogView::newest() }
            }
            (Screen::AccessLog { result, view }, action) => match (view, action) {
                (AccessLogView { starts, page: None }, Action::AccessLogArrived(page)) => {
                    Screen::AccessLog { result, view: AccessLogView { starts, page: Some(page) } }
                }
                // A page is asked for only from a page on screen, so a second press while it loads asks nothing.
                (AccessLogView { mut starts, page: Some(page) }, Action::AccessLogOlder) if page.next.is_some() => {
                    starts.push(page.next);
                    Screen::AccessLog { result, view: AccessLogView { starts, page: None } }
                }
                (AccessLogView { mut starts, page: Some(_) }, Action::AccessLogNewer) if starts.len() > 1 => {
                    starts.pop();
                    Screen::AccessLog { result, view: AccessLogView { starts, page: None } }
                }
                (_, Action::AccessLogClosed) => *result,
                // The card may leave the reader while the patient reads: the answer they return to knows it.
                (view, action @ (Action::CardTaken | Action::CardLeftBehind)) => {
                    Screen::AccessLog { result: Box::new(result.apply(action)), view }
                }
                (view, _) => Screen::AccessLog { result, view },
            },
            // Linked from the answer screen: the same session asks again, and the new answer replaces the old.
            (Screen::Registering, Action::SessionReady) => Screen::Querying,
            (Screen::Querying, Action::Answer(answer)) => Screen::Result {
                consent: ConsentStep::for_answer(&answer),
                answer,
                card: CardReminder::InReader,
                pin_verified: true,
                certificate: CertificateTerms::default(),
            },
            (Screen::Querying, Action::CardAnswer(answer, certificate)) => Screen::answered(answer, certificate, true),
            (Screen::VisualCheck, Action::Answer(answer)) => Screen::Result {
                consent: ConsentStep::for_answer(&answer),
                answer,
                card: CardReminder::InReader,
                pin_verified: false,
                certificate: CertificateTerms::default(),
            },
            // Staff approved a card in its grace period, or one expiring soon: the same terms as after a PIN.
            (Screen::VisualCheck, Action::CardAnswer(answer, certificate)) => {
                Screen::answered(answer, certificate, false)
            }
            (Screen::Result { answer, card, consent, pin_verified, certificate }, action) => {
                let (card, consent) = match (card, consent, action) {
                    // The alert waits while the patient is still answering: the card may stay until then.
                    (CardReminder::InReader, consent, Action::CardLeftBehind) if !consent.is_open() => {
                        (CardReminder::LeftBehind, consent)
                    }
                    (_, consent, Action::CardTaken) => (CardReminder::Taken, consent),
                    (
                        card,
                        ConsentStep::Asking { stage: ConsentStage::Certificates, .. },
                        Action::CertificatesAnswered(false),
                    ) => (card, ConsentStep::new()),
                    (
                        card,
                        ConsentStep::Asking { stage: ConsentStage::Sharing, .. },
                        Action::SharingAnswered(choice),
                    ) => {
                        let due = answer.specific_disease_question_due;
                        let consent = match choice {
                            SharingChoice::All => ConsentStep::after_sharing(vec![ConsentKind::Comprehensive], due),
                            SharingChoice::Choose => {
                                ConsentStep::Asking { stage: ConsentStage::Choosing, chosen: Vec::new() }
                            }
                            SharingChoice::None => ConsentStep::after_sharing(Vec::new(), due),
                        };
                        (card, consent)
                    }
                    (
                        card,
                        ConsentStep::Asking { stage: ConsentStage::Choosing, mut chosen },
                        Action::ToggleConsent(kind),
                    ) if SINGLE_CONSENT_KINDS.contains(&kind) => {
                        match chosen.binary_search(&kind) {
                            Ok(at) => {
                                chosen.remove(at);
                            }
                            Err(at) => chosen.insert(at, kind),
                        }
                        (card, ConsentStep::Asking { stage: ConsentStage::Choosing, chosen })
                    }
                    // Going on with nothing ticked would be declining by another name; the question says to go
                    // back and decline instead, so the button waits for a kind.
                    (card, ConsentStep::Asking { stage: ConsentStage::Choosing, chosen }, Action::KindsChosen)
                        if !chosen.is_empty() =>
                    {
                        (card, ConsentStep::after_sharing(chosen, answer.specific_disease_question_due))
                    }
                    (
                        card,
                        ConsentStep::Asking { stage: ConsentStage::SpecificDisease, mut chosen },
                        Action::SpecificDiseaseAnswered(agreed),
                    ) => {
                        if agreed {
                            chosen.push(ConsentKind::SpecificDisease);
                        }
                        (card, ConsentStep::Asking { stage: ConsentStage::Prescription, chosen })
                    }
                    (
                        card,
                        ConsentStep::Asking {
                            stage: ConsentStage::Choosing | ConsentStage::SpecificDisease | ConsentStage::Prescription,
                            ..
                        },
                        Action::ConsentBack,
                    ) => (card, ConsentStep::new()),
                    (
                        card,
                        ConsentStep::Asking { stage: ConsentStage::Prescription, chosen },
                        Action::ConsentSubmitted(prescription),
                    ) => (card, ConsentStep::Sending { agreed: ConsentStep::to_send(&chosen), prescription }),
                    (card, ConsentStep::Asking { .. }, Action::ConsentSkipped) => (card, ConsentStep::Skipped),
                    (card, ConsentStep::Sending { agreed, prescription }, Action::ConsentRecorded(live)) => {
                        (card, ConsentStep::Recorded { agreed, live, prescription })
                    }
                    (card, ConsentStep::Sending { .. }, Action::ConsentFailed) => (card, ConsentStep::Failed),
                    (card, consent, _) => (card, consent),
                };
                Screen::Result { answer, card, consent, pin_verified, certificate }
            }
            (screen, _) => screen,
        }
    }

    /// The assist's next screen: one attempt per submission, the card's answer only to an attempt in flight, and
    /// the card taken away ending it (what it showed is wiped with the screen).
    fn assisting(step: AssistStep, back: Box<Screen>, action: Action) -> Screen {
        let step = match (step, action) {
            (_, Action::CardTaken) => return Screen::Failed(Failure::AssistCardRemoved),
            (step, Action::AssistClosed) if step.may_go_back() => return *back,
            (step, Action::AssistInvalid(problem)) if step.accepts_a_number() => AssistStep::Invalid(problem),
            (step, Action::AssistSubmitted) if step.accepts_a_number() => AssistStep::Checking,
            (AssistStep::Checking, Action::AssistChecked(outcome)) => AssistStep::after(outcome),
            (AssistStep::Opened, Action::AssistFaceShown) => AssistStep::Face,
            (AssistStep::Opened, Action::AssistFaceUnverified) => AssistStep::Unverified,
            // The request with the card's proof goes out; the patient waits for staff's approval as for any 目視.
            (AssistStep::Face, Action::AssistConfirmed) => return Screen::VisualCheck,
            (step, Action::AssistMismatch) if step.may_refuse() => AssistStep::Mismatch,
            (step, _) => step,
        };
        Screen::Assist { step, back }
    }

    /// The consent question on screen, if one is.
    pub fn consent_stage(&self) -> Option<ConsentStage> {
        match self {
            Screen::Result { consent, .. } => consent.stage(),
            _ => None,
        }
    }

    /// True on an answer that finds no insurance linked to the card, proved with the PIN: the patient may do the
    /// 健康保険証利用登録 on the spot instead of being sent away with a form. Not with a certificate in its grace
    /// period: an expired certificate is never linked.
    pub fn offers_registration(&self) -> bool {
        matches!(self, Screen::Result { answer, pin_verified: true, certificate, .. }
            if answer.validity == Validity::NoQualification && answer.reason == Reason::NotRegistered
                && certificate.scope.is_full())
    }

    /// True on an answer proved with the PIN whose question is answered, for a card that has a record to have
    /// consented under: the patient may withdraw the consents they gave this facility, now or on an earlier visit.
    /// A 目視 session does not offer it: the withdrawal needs the holder's PIN, as the consent's own screen is
    /// the patient's and not staff's.
    pub fn offers_consent_withdrawal(&self) -> bool {
        matches!(self, Screen::Result { answer, pin_verified: true, consent, .. }
            if !consent.is_open() && answer.validity != Validity::NoQualification)
    }

    /// True on an answer proved with the PIN, with a full session, for a card that has a record: the patient may
    /// see which facilities read their information. A 目視 session does not offer it (the log is the holder's,
    /// proved by the PIN), nor a certificate in its grace period (it confirms the qualification only).
    pub fn offers_access_log(&self) -> bool {
        matches!(self, Screen::Result { answer, pin_verified: true, consent, certificate, .. }
            if !consent.is_open() && answer.validity != Validity::NoQualification && certificate.scope.is_full())
    }

    /// True while the patient still has a question to answer under the answer: the check-in is not complete.
    pub fn questions_open(&self) -> bool {
        matches!(self, Screen::Result { consent, .. } if consent.is_open())
    }

    /// True when the check-in is complete and the card is still in the reader: the kiosk asks for it, and raises
    /// the left-behind alert after [`CARD_LEFT_BEHIND_SECS`].
    pub fn asks_for_the_card(&self) -> bool {
        matches!(self, Screen::Result { card: CardReminder::InReader, consent, .. } if !consent.is_open())
    }

    /// True when nothing is left to do here and the card is gone: the screen clears after
    /// [`CLEAR_AFTER_CARD_TAKEN_SECS`] without a touch, so no personal data waits for the next person.
    pub fn clears_soon(&self) -> bool {
        match self {
            Screen::Result { card: CardReminder::Taken, consent, .. } => !consent.is_open(),
            Screen::Blocked { card_taken } | Screen::NoPin { card_taken } => *card_taken,
            Screen::Petition { step, card_taken } => *card_taken && step.is_finished(),
            _ => false,
        }
    }

    /// True when pressing OK on the PIN pad must first ask the person to confirm: one try is left, so a wrong PIN
    /// would lock the card.
    pub fn submit_needs_confirmation(&self) -> bool {
        matches!(self, Screen::PinEntry { tries_left, entered, confirming_last_try: false, .. }
            if *tries_left <= 1 && *entered == PIN_LEN)
    }

    /// What OK (or Enter) on this screen's PIN pad does, the check-in's or the 申立書 capture's: at one try left it
    /// only asks first (the action is dispatched, the digits stay in the buffer); otherwise the PIN goes to the card
    /// with the action. `None` on a screen without a pad.
    pub fn pin_submit(&self) -> Option<PinSubmit> {
        match self {
            Screen::PinEntry { .. } if self.submit_needs_confirmation() => {
                Some(PinSubmit::AskFirst(Action::PinSubmitted))
            }
            Screen::PinEntry { .. } => Some(PinSubmit::Send(Action::PinSubmitted)),
            Screen::Petition { step, .. } if step.submit_needs_confirmation() => {
                Some(PinSubmit::AskFirst(Action::Petition(PetitionEvent::PinSubmitted)))
            }
            Screen::Petition { step: PetitionStep::PinEntry { .. }, .. } => {
                Some(PinSubmit::Send(Action::Petition(PetitionEvent::PinSubmitted)))
            }
            _ => None,
        }
    }

    /// The action that sends the PIN once the person confirmed it at one try left, on the pad that asked.
    pub fn last_try_confirmation(&self) -> Option<Action> {
        match self {
            Screen::PinEntry { confirming_last_try: true, .. } => Some(Action::LastTryConfirmed),
            Screen::Petition { step: PetitionStep::PinEntry { confirming_last_try: true, .. }, .. } => {
                Some(Action::Petition(PetitionEvent::LastTryConfirmed))
            }
            _ => None,
        }
    }

    /// True while a request or a card command is in flight: the idle timer does not run, because the person is
    /// waiting for the kiosk, not the other way round.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            Screen::Connecting
                | Screen::ReadingCard
                | Screen::Verifying
                | Screen::Authenticating
                | Screen::Querying
                | Screen::VisualCheck
                | Screen::Registering
                | Screen::CancellingRegistration
                | Screen::WithdrawingConsent
                | Screen::AccessLog { view: AccessLogView { page: None, .. }, .. }
                | Screen::Assist { step: AssistStep::Checking, .. }
        ) || matches!(self, Screen::Petition { step, .. } if step.is_busy())
    }

    /// True while the card is being used; the UI warns against removing it.
    pub fn card_in_use(&self) -> bool {
        matches!(
            self,
            Screen::ReadingCard
                | Screen::Verifying
                | Screen::Authenticating
                | Screen::Assist { step: AssistStep::Checking | AssistStep::Opened, .. }
                | Screen::Petition { step: PetitionStep::Opening | PetitionStep::Reading, .. }
        )
    }
}

/// Seconds without a touch before the kiosk warns that it will start over.
pub const IDLE_WARN_AFTER_SECS: u32 = 60;
/// Seconds the idle warning gives the person to extend (WCAG 2.2.1 asks for at least 20).
pub const IDLE_GRACE_SECS: u32 = 30;
// WCAG 2.2.1 is checked when the crate compiles, so no edit can shorten the grace below 20 s.
const _: () = assert!(IDLE_GRACE_SECS >= 20);

/// Where the idle timer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdlePhase {
    /// Someone is using the kiosk.
    Active,
    /// The warning is on screen with this many seconds left to extend.
    Warning {
        /// Whole seconds left before the reset.
        seconds_left: u32,
    },
    /// Time is up: reset and clear everything.
    Expired,
}

/// The idle phase after `idle_secs` seconds without a touch.
pub fn idle_phase(idle_secs: u32) -> IdlePhase {
    if idle_secs < IDLE_WARN_AFTER_SECS {
        IdlePhase::Active
    } else if idle_secs < IDLE_WARN_AFTER_SECS + IDLE_GRACE_SECS {
        IdlePhase::Warning { seconds_left: IDLE_WARN_AFTER_SECS + IDLE_GRACE_SECS - idle_secs }
    } else {
        IdlePhase::Expired
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use onshi_proto::IsoDate;
    use onshi_proto::qualification::{Reason, Validity};

    /// An answer of `validity` for `reason` with no records; the other tests' answers start from it.
    pub(crate) fn answer_of(validity: Validity, reason: Reason) -> QualificationAnswer {
        QualificationAnswer {
            validity,
            reason,
            guidance: None,
            confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
            records: vec![],
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: Default::default(),
            specific_disease_question_due: false,
        }
    }

    /// A current qualification: the consent question is asked under it.
    pub(crate) fn answer() -> QualificationAnswer {
        answer_of(Validity::Valid, Reason::Current)
    }

    fn result_screen(card: CardReminder) -> Screen {
        Screen::Result {
            answer: answer(),
            card,
            consent: ConsentStep::new(),
            pin_verified: true,
            certificate: CertificateTerms::default(),
        }
    }

    fn grant(kind: ConsentKind, granted_at: i64) -> ConsentGrant {
        ConsentGrant { kind, granted_at, expires_at: granted_at + 86_400 }
    }

    fn at_pin_pad(tries_left: u8) -> Screen {
        Screen::Welcome.apply(Action::Connect).apply(Action::ReaderReady).apply(Action::PinRequired { tries_left })
    }

    #[test]
    fn an_empty_reader_asks_for_the_card_and_reads_it_once_it_arrives() {
        let waiting = Screen::Welcome.apply(Action::Connect).apply(Action::CardAbsent);
        assert_eq!(waiting, Screen::InsertCard);
        // The person may walk away while asked for the card: the idle timer runs, and nothing is in use.
        assert!(!waiting.is_busy() && !waiting.card_in_use());
        // A late "absent" after the card arrived does not send the person back.
        let reading = waiting.apply(Action::ReaderReady);
        assert_eq!(reading, Screen::ReadingCard);
        assert_eq!(reading.clone().apply(Action::CardAbsent), reading);
        assert_eq!(
            Screen::InsertCard.apply(Action::Fail(Failure::ReaderDisconnected)),
            Screen::Failed(Failure::ReaderDisconnected)
        );
    }

    #[test]
    fn a_card_placed_on_the_start_screen_is_read_without_a_touch_and_only_there() {
        let reading = Screen::Welcome.apply(Action::CardPlaced);
        assert_eq!(reading, Screen::ReadingCard);
        assert_eq!(reading.apply(Action::ReaderReady), Screen::ReadingCard);
        // A late notice from a start screen left behind moves nothing else.
        for screen in [Screen::InsertCard, at_pin_pad(3), result_screen(CardReminder::Taken)] {
            assert_eq!(screen.clone().apply(Action::CardPlaced), screen);
        }
    }

    #[test]
    fn happy_path_reaches_the_result() {
        let screen = at_pin_pad(3)
            .apply(Action::PinTyped { entered: 4 })
            .apply(Action::PinSubmitted)
            .apply(Action::PinAccepted)
            .apply(Action::SessionReady)
            .apply(Action::Answer(answer()));
        assert_eq!(screen, result_screen(CardReminder::InReader));
    }

    #[test]
    fn a_short_pin_is_not_submitted_and_a_wrong_one_returns_to_the_pad_empty() {
        let short = at_pin_pad(3).apply(Action::PinTyped { entered: 3 }).apply(Action::PinSubmitted);
        assert_eq!(
            short,
            Screen::PinEntry { tries_left: 3, entered: 3, last_was_wrong: false, confirming_last_try: false }
        );
        let wrong = short
            .apply(Action::PinTyped { entered: 4 })
            .apply(Action::PinSubmitted)
            .apply(Action::PinWrong { tries_left: 2 });
        assert_eq!(
            wrong,
            Screen::PinEntry { tries_left: 2, entered: 0, last_was_wrong: true, confirming_last_try: false }
        );
    }

    #[test]
    fn blocked_and_failures_win_from_any_screen_and_reset_clears() {
        assert_eq!(at_pin_pad(1).apply(Action::PinBlocked), Screen::Blocked { card_taken: false });
        assert_eq!(
            Screen::Querying.apply(Action::Fail(Failure::ServiceUnavailable)),
            Screen::Failed(Failure::ServiceUnavailable)
        );
        assert_eq!(result_screen(CardReminder::InReader).apply(Action::Reset), Screen::Welcome);
    }

    #[test]
    fn late_messages_do_not_resurrect_a_finished_check_in() {
        assert_eq!(Screen::Welcome.apply(Action::Answer(answer())), Screen::Welcome);
        let blocked = Screen::Blocked { card_taken: false };
        assert_eq!(blocked.clone().apply(Action::PinAccepted), blocked);
    }

    #[test]
    fn the_last_try_asks_for_confirmation_and_offers_the_visual_check() {
        let typed = at_pin_pad(1).apply(Action::PinTyped { entered: 4 });
        assert!(typed.submit_needs_confirmation());
        let confirming = typed.apply(Action::PinSubmitted);
        assert_eq!(
            confirming,
            Screen::PinEntry { tries_left: 1, entered: 4, last_was_wrong: false, confirming_last_try: true }
        );
        assert!(!confirming.submit_needs_confirmation());
        assert_eq!(confirming.clone().apply(Action::LastTryConfirmed), Screen::Verifying);
        let visual = confirming.clone().apply(Action::ChooseVisualCheck);
        assert_eq!(visual, Screen::VisualCheck);
        // Staff approval brings the answer to the visual-check screen; waiting for staff is not idling.
        assert!(visual.is_busy());
        // A visual check is no PIN: the answer it brings cannot be used to link the card.
        assert_eq!(
            visual.apply(Action::Answer(answer())),
            Screen::Result {
                answer: answer(),
                card: CardReminder::InReader,
                consent: ConsentStep::new(),
                pin_verified: false,
                certificate: CertificateTerms::default(),
            }
        );
        // Deleting a digit withdraws the confirmation, so the confirmed PIN is the one sent.
        let edited = confirming.apply(Action::PinTyped { entered: 3 });
        assert_eq!(
            edited,
            Screen::PinEntry { tries_left: 1, entered: 3, last_was_wrong: false, confirming_last_try: false }
        );
        // With more tries left, OK sends at once and a stray confirmation does nothing.
        let two_left = at_pin_pad(2).apply(Action::PinTyped { entered: 4 });
        assert!(!two_left.submit_needs_confirmation());
        assert_eq!(two_left.clone().apply(Action::LastTryConfirmed), two_left.clone());
        assert_eq!(two_left.apply(Action::PinSubmitted), Screen::Verifying);
    }

    #[test]
    fn the_result_tracks_the_card_until_it_is_taken_and_survives_reader_errors() {
        // A lost qualification asks no question, so the check-in is complete with the answer.
        let lost = answer_of(Validity::Invalid, Reason::Lost);
        let result = at_pin_pad(3)
            .apply(Action::PinTyped { entered: 4 })
            .apply(Action::PinSubmitted)
            .apply(Action::PinAccepted)
            .apply(Action::SessionReady)
            .apply(Action::Answer(lost.clone()));
        let screen_with = |card| Screen::Result {
            answer: lost.clone(),
            card,
            consent: ConsentStep::NotAsked,
            pin_verified: true,
            certificate: CertificateTerms::default(),
        };
        assert!(result.asks_for_the_card());
        let left = result.apply(Action::CardLeftBehind);
        assert_eq!(left, screen_with(CardReminder::LeftBehind));
        let unplugged = left.clone().apply(Action::Fail(Failure::ReaderDisconnected));
        assert_eq!(unplugged, left);
        let taken = left.apply(Action::CardTaken);
        assert_eq!(taken, screen_with(CardReminder::Taken));
        assert!(taken.clears_soon());
        // A taken card is not "left behind" by a late poll.
        assert_eq!(taken.clone().apply(Action::CardLeftBehind), taken);
    }

    /// The result with its consent question at `stage`, `chosen` so far.
    fn consent_at(stage: ConsentStage, chosen: Vec<ConsentKind>) -> Screen {
        Screen::Result {
            answer: answer(),
            card: CardReminder::InReader,
            consent: ConsentStep::Asking { stage, chosen },
            pin_verified: true,
            certificate: CertificateTerms::default(),
        }
    }

    /// The answer screen of a patient who holds a 特定疾病療養受療証: the answer says only that its question is due.
    fn holder_screen() -> Screen {
        let answer = QualificationAnswer { specific_disease_question_due: true, ..answer() };
        Screen::answered(answer, CertificateTerms::default(), true)
    }

    #[test]
    fn the_specific_disease_question_comes_after_the_sharing_question_for_a_holder_only() {
        // 包括同意, then the 特定疾病 question (包括同意 does not cover it), then the prescription.
        let asked = holder_screen().apply(Action::SharingAnswered(SharingChoice::All));
        assert_eq!(asked.consent_stage(), Some(ConsentStage::SpecificDisease));
        // Nothing is sent from it: the prescription tap still sends the whole answer.
        assert_eq!(asked.clone().apply(Action::ConsentSubmitted(PrescriptionFormat::Paper)), asked);
        let yes = asked.clone().apply(Action::SpecificDiseaseAnswered(true));
        assert_eq!(yes.consent_stage(), Some(ConsentStage::Prescription));
        let Screen::Result { consent: sent, .. } = yes.apply(Action::ConsentSubmitted(PrescriptionFormat::Paper))
        else {
            panic!("the answer screen stays")
        };
        let agreed = vec![ConsentKind::Comprehensive, ConsentKind::SpecificDisease];
        assert_eq!(sent, ConsentStep::Sending { agreed, prescription: PrescriptionFormat::Paper });
        // No: the other answer goes alone.
        let Screen::Result { consent: sent, .. } = asked
            .clone()
            .apply(Action::SpecificDiseaseAnswered(false))
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Electronic))
        else {
            panic!("the answer screen stays")
        };
        let agreed = vec![ConsentKind::Comprehensive];
        assert_eq!(sent, ConsentStep::Sending { agreed, prescription: PrescriptionFormat::Electronic });
        // Declining everything, or single kinds, still asks it; back returns to the first question.
        let declined = holder_screen().apply(Action::SharingAnswered(SharingChoice::None));
        assert_eq!(declined.consent_stage(), Some(ConsentStage::SpecificDisease));
        let single = holder_screen()
            .apply(Action::SharingAnswered(SharingChoice::Choose))
            .apply(Action::ToggleConsent(ConsentKind::Medication))
            .apply(Action::KindsChosen);
        assert_eq!(single.consent_stage(), Some(ConsentStage::SpecificDisease));
        assert_eq!(asked.apply(Action::ConsentBack).consent_stage(), Some(ConsentStage::Sharing));
        // A patient without a 受療証 never sees it, and its answer does nothing elsewhere.
        let plain = result_screen(CardReminder::InReader).apply(Action::SharingAnswered(SharingChoice::All));
        assert_eq!(plain.consent_stage(), Some(ConsentStage::Prescription));
        assert_eq!(plain.clone().apply(Action::SpecificDiseaseAnswered(true)), plain);
        // Not in a grace period, where nothing is consented to.
        let grace = CertificateTerms { scope: CardScope::QualificationOnly, notice: None };
        let answer = QualificationAnswer { specific_disease_question_due: true, ..answer() };
        assert_eq!(Screen::answered(answer, grace, true).consent_stage(), None);
    }

    #[test]
    fn a_live_specific_disease_consent_from_before_is_named_as_such_beside_a_comprehensive_answer() {
        let recorded = ConsentStep::Recorded {
            agreed: vec![ConsentKind::Comprehensive],
            live: vec![grant(ConsentKind::Comprehensive, 200), grant(ConsentKind::SpecificDisease, 100)],
            prescription: PrescriptionFormat::Paper,
        };
        assert_eq!(recorded.live_from_before(), vec![grant(ConsentKind::SpecificDisease, 100)]);
    }

    #[test]
    fn consent_is_one_tap_per_question_and_sent_once_beside_the_card_reminder() {
        // 包括同意 is one tap; the prescription format is the next, and it sends.
        let all = result_screen(CardReminder::InReader).apply(Action::SharingAnswered(SharingChoice::All));
        assert_eq!(all, consent_at(ConsentStage::Prescription, vec![ConsentKind::Comprehensive]));
        // Nothing is sent from the first question, whatever is pressed there.
        let first = result_screen(CardReminder::InReader);
        assert_eq!(first.clone().apply(Action::ConsentSubmitted(PrescriptionFormat::Paper)), first);
        assert_eq!(first.clone().apply(Action::KindsChosen), first);
        assert_eq!(first.clone().apply(Action::ToggleConsent(ConsentKind::Medication)), first);
        // No card alert while the answer is on its way: the check-in is not complete yet.
        let sending = all.apply(Action::ConsentSubmitted(PrescriptionFormat::Electronic)).apply(Action::CardLeftBehind);
        assert_eq!(
            sending,
            Screen::Result {
                answer: answer(),
                card: CardReminder::InReader,
                consent: ConsentStep::Sending {
                    agreed: vec![ConsentKind::Comprehensive],
                    prescription: PrescriptionFormat::Electronic
                },
                pin_verified: true,
                certificate: CertificateTerms::default(),
            }
        );
        // A second press, a late answer or a late back changes nothing while the first is on its way.
        let again = sending
            .clone()
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper))
            .apply(Action::SharingAnswered(SharingChoice::None))
            .apply(Action::ConsentBack);
        assert_eq!(again, sending);
        let live = vec![grant(ConsentKind::Comprehensive, 100)];
        let recorded = sending.apply(Action::ConsentRecorded(live.clone())).apply(Action::CardTaken);
        assert_eq!(
            recorded,
            Screen::Result {
                answer: answer(),
                card: CardReminder::Taken,
                consent: ConsentStep::Recorded {
                    agreed: vec![ConsentKind::Comprehensive],
                    live,
                    prescription: PrescriptionFormat::Electronic
                },
                pin_verified: true,
                certificate: CertificateTerms::default(),
            }
        );
        let failed = result_screen(CardReminder::InReader)
            .apply(Action::SharingAnswered(SharingChoice::None))
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper))
            .apply(Action::ConsentFailed);
        assert!(matches!(failed, Screen::Result { consent: ConsentStep::Failed, .. }));
    }

    #[test]
    fn a_recipient_certificate_on_record_is_asked_about_first_and_yes_asks_again() {
        let offered = QualificationAnswer { certificates_on_offer: true, ..answer() };
        let result = Screen::Querying.apply(Action::CardAnswer(offered.clone(), CertificateTerms::default()));
        assert_eq!(result.consent_stage(), Some(ConsentStage::Certificates));
        assert!(result.questions_open());
        // Nothing of the consent is taken before this question is answered.
        assert_eq!(result.clone().apply(Action::SharingAnswered(SharingChoice::All)), result);
        // No: on to the consent, under the same answer.
        let declined = result.clone().apply(Action::CertificatesAnswered(false));
        assert_eq!(declined.consent_stage(), Some(ConsentStage::Sharing));
        assert!(matches!(&declined, Screen::Result { answer, .. } if *answer == offered));
        // Yes: the same session asks again; the new answer carries the 公費 and no offer, so the consent follows.
        let asked_again = result.apply(Action::CertificatesAnswered(true));
        assert_eq!(asked_again, Screen::Querying);
        let again = asked_again.apply(Action::CardAnswer(answer(), CertificateTerms::default()));
        assert_eq!(again.consent_stage(), Some(ConsentStage::Sharing));
        // A 目視 session goes straight to the consent: staff ask about the 受給者証 at the counter.
        let visual = Screen::VisualCheck.apply(Action::CardAnswer(offered, CertificateTerms::default()));
        assert_eq!(visual.consent_stage(), Some(ConsentStage::Sharing));
        assert_eq!(visual.clone().apply(Action::CertificatesAnswered(true)), visual);
    }

    #[test]
    fn single_kinds_are_ticked_then_confirmed_and_a_patient_may_go_back_and_decline() {
        let choosing = result_screen(CardReminder::InReader).apply(Action::SharingAnswered(SharingChoice::Choose));
        assert_eq!(choosing, consent_at(ConsentStage::Choosing, vec![]));
        // Going on with nothing ticked is not a way to decline: the button waits for a kind.
        assert_eq!(choosing.clone().apply(Action::KindsChosen), choosing);
        let ticked = choosing
            .apply(Action::ToggleConsent(ConsentKind::Medication))
            .apply(Action::ToggleConsent(ConsentKind::Diagnosis))
            .apply(Action::ToggleConsent(ConsentKind::HealthCheckup))
            .apply(Action::ToggleConsent(ConsentKind::HealthCheckup))
            // 包括同意 is the first question's answer, not a box among the single kinds.
            .apply(Action::ToggleConsent(ConsentKind::Comprehensive));
        let chosen = vec![ConsentKind::Diagnosis, ConsentKind::Medication];
        assert_eq!(ticked, consent_at(ConsentStage::Choosing, chosen.clone()));
        let asked_format = ticked.apply(Action::KindsChosen);
        assert_eq!(asked_format, consent_at(ConsentStage::Prescription, chosen.clone()));
        assert_eq!(ConsentStep::to_send(&chosen), chosen);
        assert_eq!(
            ConsentStep::to_send(&[ConsentKind::Medication, ConsentKind::Comprehensive]),
            vec![ConsentKind::Comprehensive]
        );
        // Having agreed, the patient changes their mind before the format: back to the first question, nothing
        // kept, and declining sends no kind.
        let back = asked_format.apply(Action::ConsentBack);
        assert_eq!(back, result_screen(CardReminder::InReader));
        let declined = back
            .apply(Action::SharingAnswered(SharingChoice::None))
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper));
        assert!(matches!(
            declined,
            Screen::Result { consent: ConsentStep::Sending { ref agreed, prescription: PrescriptionFormat::Paper }, .. }
                if agreed.is_empty()
        ));
    }

    #[test]
    fn registration_shows_the_terms_after_the_pin_and_links_only_after_acceptance() {
        let terms = at_pin_pad(3)
            .apply(Action::PinTyped { entered: 4 })
            .apply(Action::PinSubmitted)
            .apply(Action::PinAccepted)
            .apply(Action::ShowRegistrationTerms);
        assert_eq!(terms, Screen::RegistrationTerms);
        // No outcome before the terms are accepted.
        assert_eq!(terms.clone().apply(Action::RegistrationDone(RegistrationOutcome::Registered)), terms);
        let registering = terms.apply(Action::TermsAccepted);
        assert!(registering.is_busy());
        assert_eq!(
            registering.apply(Action::RegistrationDone(RegistrationOutcome::NoInsuredRecord)),
            Screen::Registered(RegistrationOutcome::NoInsuredRecord)
        );
    }

    #[test]
    fn idle_warns_with_at_least_twenty_seconds_then_expires() {
        assert_eq!(idle_phase(0), IdlePhase::Active);
        assert_eq!(idle_phase(IDLE_WARN_AFTER_SECS - 1), IdlePhase::Active);
        assert_eq!(idle_phase(IDLE_WARN_AFTER_SECS), IdlePhase::Warning { seconds_left: IDLE_GRACE_SECS });
        assert_eq!(idle_phase(IDLE_WARN_AFTER_SECS + IDLE_GRACE_SECS - 1), IdlePhase::Warning { seconds_left: 1 });
        assert_eq!(idle_phase(IDLE_WARN_AFTER_SECS + IDLE_GRACE_SECS), IdlePhase::Expired);
        assert!(Screen::Querying.is_busy() && !at_pin_pad(3).is_busy());
    }

    #[test]
    fn network_codes_map_to_the_next_step() {
        assert_eq!(Failure::from_code(ErrorCode::OriginTimeout), Failure::ServiceUnavailable);
        // An outage tells the patient they will not pay 10割 and sends them to the counter's 申立書.
        assert_eq!(
            Failure::from_code(ErrorCode::OriginUnavailable).next_step_key(),
            Some("error.origin_unavailable_share")
        );
        assert_eq!(Failure::CardRemoved.next_step_key(), None);
        assert_eq!(Failure::from_code(ErrorCode::CertificateExpired).message_key(), "error.certificate_expired");
    }

    #[test]
    fn a_kiosk_that_is_no_longer_enrolled_stops_even_on_the_result_and_says_to_enrol_again() {
        let failure = Failure::from_code(ErrorCode::DeviceNotEnrolled);
        assert_eq!(failure, Failure::DeviceNotEnrolled);
        assert_eq!(failure.message_key(), "enrol.lapsed");
        // A forged or missing proof is not something a fresh enrolment mends; it stays a generic failure.
        assert_eq!(Failure::from_code(ErrorCode::Unauthorized), Failure::Other);
        // A kiosk that may not ask for 目視 (or has asked too often) sends the patient to the counter.
        for code in [ErrorCode::Forbidden, ErrorCode::RateLimited] {
            assert_eq!(Failure::from_visual_check_request(code).message_key(), "error.visual_unavailable");
        }
        assert_eq!(Failure::from_visual_check_request(ErrorCode::CertificateRevoked), Failure::CertificateRevoked);
        // A 目視 assist whose card face is not the certificate holder's says so, and asks for staff in person.
        let mismatch = Failure::from_visual_check_request(ErrorCode::CardFaceMismatch);
        assert_eq!(mismatch.message_key(), "assist.face_mismatch");
        for screen in [Screen::Authenticating, Screen::Querying, Screen::VisualCheck, Screen::Registering] {
            assert_eq!(screen.apply(Action::Fail(failure)), Screen::Failed(Failure::DeviceNotEnrolled));
        }
        assert_eq!(
            result_screen(CardReminder::InReader).apply(Action::Fail(failure)),
            Screen::Failed(Failure::DeviceNotEnrolled)
        );
        let kept = result_screen(CardReminder::InReader).apply(Action::Fail(Failure::ReaderDisconnected));
        assert!(matches!(kept, Screen::Result { .. }));
    }

    #[test]
    fn the_check_in_is_complete_only_once_its_question_is_answered_and_the_card_may_stay_meanwhile() {
        let asking = result_screen(CardReminder::InReader);
        assert!(asking.questions_open() && !asking.asks_for_the_card() && !asking.clears_soon());
        // No alert while the patient is answering, however long it takes.
        assert_eq!(asking.clone().apply(Action::CardLeftBehind), asking);
        // The patient takes the card at once: the question stays open and answerable, and nothing clears.
        let taken_early = asking.apply(Action::CardTaken);
        assert!(taken_early.questions_open() && !taken_early.clears_soon());
        let answered = taken_early
            .apply(Action::SharingAnswered(SharingChoice::None))
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper));
        assert!(answered.questions_open(), "on its way is not yet recorded");
        let recorded = answered.apply(Action::ConsentRecorded(Vec::new()));
        assert!(!recorded.questions_open() && recorded.clears_soon());
        // Kept in the reader until the question is answered, then asked for, then alerted.
        let kept = result_screen(CardReminder::InReader).apply(Action::ConsentSkipped);
        assert!(matches!(kept, Screen::Result { consent: ConsentStep::Skipped, .. }));
        assert!(kept.asks_for_the_card());
        assert!(matches!(kept.apply(Action::CardLeftBehind), Screen::Result { card: CardReminder::LeftBehind, .. }));
    }

    #[test]
    fn no_consent_is_asked_where_no_qualification_could_record_it() {
        for (validity, reason) in [
            (Validity::NoQualification, Reason::NotRegistered),
            (Validity::NoQualification, Reason::NotFound),
            (Validity::Invalid, Reason::Lost),
            (Validity::MultipleMatches, Reason::Ambiguous),
        ] {
            assert_eq!(ConsentStep::for_answer(&answer_of(validity, reason)), ConsentStep::NotAsked, "{validity:?}");
        }
        assert_eq!(
            ConsentStep::for_answer(&answer_of(Validity::InvalidNewerExists, Reason::Superseded)),
            ConsentStep::new()
        );
        // Nothing toggles, submits or skips a question that is not asked.
        let unregistered =
            Screen::Querying.apply(Action::Answer(answer_of(Validity::NoQualification, Reason::NotRegistered)));
        let poked = unregistered
            .clone()
            .apply(Action::ToggleConsent(ConsentKind::Medication))
            .apply(Action::SharingAnswered(SharingChoice::None))
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper));
        assert_eq!(poked, unregistered);
    }

    #[test]
    fn an_unregistered_card_proved_by_pin_is_linked_on_the_spot_and_asked_again() {
        let unregistered = answer_of(Validity::NoQualification, Reason::NotRegistered);
        let result = Screen::Querying.apply(Action::Answer(unregistered.clone()));
        assert!(result.offers_registration());
        let terms = result.apply(Action::StartRegistration);
        assert_eq!(terms, Screen::RegistrationTerms);
        let registering = terms.apply(Action::TermsAccepted);
        // Linked: the same session asks again, and the fresh answer asks the consent question.
        let requery = registering.clone().apply(Action::SessionReady);
        assert_eq!(requery, Screen::Querying);
        assert_eq!(requery.apply(Action::Answer(answer())), result_screen(CardReminder::InReader));
        // Not linked (no record from the insurer yet): the outcome is shown with its guidance.
        assert_eq!(
            registering.apply(Action::RegistrationDone(RegistrationOutcome::NoInsuredRecord)),
            Screen::Registered(RegistrationOutcome::NoInsuredRecord)
        );
        // Neither a visual check, nor a card that is merely not found, nor a valid answer offers it.
        let visual = Screen::VisualCheck.apply(Action::Answer(unregistered));
        assert!(!visual.offers_registration());
        assert_eq!(visual.clone().apply(Action::StartRegistration), visual);
        let not_found = Screen::Querying.apply(Action::Answer(answer_of(Validity::NoQualification, Reason::NotFound)));
        assert!(!not_found.offers_registration());
        assert!(!result_screen(CardReminder::InReader).offers_registration());
    }

    #[test]
    fn declining_after_agreeing_earlier_says_it_declined_and_names_what_is_still_live() {
        let earlier = vec![grant(ConsentKind::Diagnosis, 100), grant(ConsentKind::Medication, 100)];
        let declined = result_screen(CardReminder::InReader)
            .apply(Action::SharingAnswered(SharingChoice::None))
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper))
            .apply(Action::ConsentRecorded(earlier.clone()));
        let Screen::Result { consent, .. } = &declined else { panic!("not a result: {declined:?}") };
        assert!(matches!(consent, ConsentStep::Recorded { agreed, .. } if agreed.is_empty()));
        assert_eq!(consent.live_from_before(), earlier);
        // Agreeing to one kind now: the other is still live from before, and is named as such.
        let agreed_one = result_screen(CardReminder::InReader)
            .apply(Action::SharingAnswered(SharingChoice::Choose))
            .apply(Action::ToggleConsent(ConsentKind::Medication))
            .apply(Action::KindsChosen)
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper))
            .apply(Action::ConsentRecorded(earlier.clone()));
        let Screen::Result { consent, .. } = &agreed_one else { panic!("not a result") };
        assert_eq!(consent.live_from_before(), vec![earlier[0].clone()]);
        // 包括同意 now covers everything; nothing is "from before".
        let comprehensive = ConsentStep::Recorded {
            agreed: vec![ConsentKind::Comprehensive],
            live: earlier,
            prescription: PrescriptionFormat::Paper,
        };
        assert!(comprehensive.live_from_before().is_empty());
    }

    #[test]
    fn a_card_without_a_pin_goes_to_the_visual_check_in_one_tap_and_clears_when_taken() {
        let no_pin = Screen::Welcome.apply(Action::CardPlaced).apply(Action::PinNotSet);
        assert_eq!(no_pin, Screen::NoPin { card_taken: false });
        // No PIN pad is ever shown, and the one choice on the screen is the visual check.
        assert_eq!(no_pin.clone().apply(Action::ChooseVisualCheck), Screen::VisualCheck);
        assert!(!no_pin.clears_soon());
        let taken = no_pin.apply(Action::CardTaken);
        assert_eq!(taken, Screen::NoPin { card_taken: true });
        assert!(taken.clears_soon());
        // The card's answer repeated (a reader that reports twice) keeps what the screen knows.
        assert_eq!(taken.clone().apply(Action::PinNotSet), taken);
        assert_eq!(taken.clone().apply(Action::ChooseVisualCheck), Screen::VisualCheck);
        assert_eq!(taken.apply(Action::Reset), Screen::Welcome);
    }

    #[test]
    fn a_blocked_card_offers_the_visual_check_and_clears_once_taken() {
        let blocked = at_pin_pad(1).apply(Action::PinBlocked);
        assert_eq!(blocked, Screen::Blocked { card_taken: false });
        assert!(!blocked.clears_soon());
        assert_eq!(blocked.clone().apply(Action::ChooseVisualCheck), Screen::VisualCheck);
        let taken = blocked.apply(Action::CardTaken);
        assert_eq!(taken, Screen::Blocked { card_taken: true });
        assert!(taken.clears_soon());
        // A repeated "blocked" from the card does not bring the card back.
        assert_eq!(taken.clone().apply(Action::PinBlocked), taken);
    }

    #[test]
    fn a_card_put_back_after_it_was_taken_out_starts_again() {
        // (A cancelled check-in's late failure never reaches this machine: the UI drops the messages of a task it
        // cancelled. A failure on the start screen is real news, such as an edge that cannot be reached at start.)
        assert_eq!(
            Screen::Welcome.apply(Action::Fail(Failure::ServiceUnavailable)),
            Screen::Failed(Failure::ServiceUnavailable)
        );
        let removed = at_pin_pad(3).apply(Action::Fail(Failure::CardRemoved));
        assert_eq!(removed, Screen::Failed(Failure::CardRemoved));
        // An empty reader after the removal changes nothing; the card put back is read again.
        let still = removed.apply(Action::CardAbsent);
        assert_eq!(still, Screen::Failed(Failure::CardRemoved));
        assert_eq!(still.apply(Action::ReaderReady), Screen::ReadingCard);
        // Other failures are not resumed by a reader that happens to report a card.
        assert_eq!(Screen::Failed(Failure::Reader).apply(Action::ReaderReady), Screen::Failed(Failure::Reader));
    }

    #[test]
    fn a_certificate_in_its_grace_shows_the_answer_without_a_consent_question_or_registration() {
        let grace = CertificateTerms {
            scope: CardScope::QualificationOnly,
            notice: Some(ExpiryNotice::in_grace(IsoDate::parse("2026-10-31").unwrap()).unwrap()),
        };
        let querying = at_pin_pad(3)
            .apply(Action::PinTyped { entered: 4 })
            .apply(Action::PinSubmitted)
            .apply(Action::PinAccepted)
            .apply(Action::SessionReady);
        let valid = querying.clone().apply(Action::CardAnswer(answer(), grace));
        assert!(
            matches!(&valid, Screen::Result { consent: ConsentStep::NotAsked, certificate, .. } if *certificate == grace)
        );
        // Nothing to answer: the check-in is complete, and the kiosk asks for the card at once.
        assert!(valid.asks_for_the_card());
        assert_eq!(valid.clone().apply(Action::ToggleConsent(ConsentKind::Medication)), valid);
        let unlinked = querying
            .clone()
            .apply(Action::CardAnswer(answer_of(Validity::NoQualification, Reason::NotRegistered), grace));
        assert!(!unlinked.offers_registration());
        assert_eq!(unlinked.clone().apply(Action::StartRegistration), unlinked);
        // An expiring certificate still has its full scope: the question is asked, and the notice shown beside it.
        let soon = CertificateTerms {
            scope: CardScope::Full,
            notice: Some(
                ExpiryNotice::expiring(IsoDate::parse("2026-12-10").unwrap(), IsoDate::parse("2026-12-01").unwrap())
                    .unwrap(),
            ),
        };
        let asked = querying.clone().apply(Action::CardAnswer(answer(), soon));
        assert!(asked.questions_open());
        let unlinked =
            querying.apply(Action::CardAnswer(answer_of(Validity::NoQualification, Reason::NotRegistered), soon));
        assert!(unlinked.offers_registration());
        assert_eq!(Failure::from_code(ErrorCode::QualificationOnly).message_key(), "error.qualification_only");
    }

    #[test]
    fn a_visual_check_of_a_card_in_its_grace_answers_on_the_same_terms_as_a_pin_would() {
        let grace = CertificateTerms {
            scope: CardScope::QualificationOnly,
            notice: Some(ExpiryNotice::in_grace(IsoDate::parse("2026-10-31").unwrap()).unwrap()),
        };
        let approved = Screen::VisualCheck.apply(Action::CardAnswer(answer(), grace));
        assert!(matches!(
            &approved,
            Screen::Result { consent: ConsentStep::NotAsked, pin_verified: false, certificate, .. } if *certificate == grace
        ));
        assert!(!approved.questions_open());
        // A card far from its expiry is asked the question after a visual check, as before.
        let full = Screen::VisualCheck.apply(Action::CardAnswer(answer(), CertificateTerms::default()));
        assert_eq!(full, Screen::VisualCheck.apply(Action::Answer(answer())));
    }

    /// The answer screen after the patient agreed to everything and chose paper, with the card still in.
    fn agreed_result() -> Screen {
        result_screen(CardReminder::InReader)
            .apply(Action::SharingAnswered(SharingChoice::All))
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper))
            .apply(Action::ConsentRecorded(vec![grant(ConsentKind::Comprehensive, 1_000)]))
    }

    #[test]
    fn a_patient_who_agreed_withdraws_after_reading_what_it_means_or_changes_their_mind() {
        // While the question is still open there is nothing to withdraw yet: the entry waits for the answer.
        let asking = result_screen(CardReminder::InReader);
        assert!(!asking.offers_consent_withdrawal());
        assert_eq!(asking.clone().apply(Action::AskWithdrawal), asking);

        let agreed = agreed_result();
        assert!(agreed.offers_consent_withdrawal());
        let confirm = agreed.clone().apply(Action::AskWithdrawal);
        assert_eq!(confirm, Screen::WithdrawalConfirm { result: Box::new(agreed.clone()) });
        // The patient changes their mind: back to the very answer, nothing sent.
        assert_eq!(confirm.clone().apply(Action::WithdrawalDeclined), agreed);
        // The patient takes the card while reading, then declines: the answer knows the card has gone.
        let declined_later = confirm.clone().apply(Action::CardTaken).apply(Action::WithdrawalDeclined);
        assert!(matches!(declined_later, Screen::Result { card: CardReminder::Taken, .. }));
        assert!(declined_later.clears_soon());

        // The patient confirms: the kiosk waits for the origin (the idle clock does not run), then says what stopped.
        let sending = confirm.apply(Action::WithdrawalConfirmed);
        assert_eq!(sending, Screen::WithdrawingConsent);
        assert!(sending.is_busy());
        // A second press or a late decline changes nothing while it is on its way.
        assert_eq!(sending.clone().apply(Action::WithdrawalConfirmed), sending);
        assert_eq!(sending.clone().apply(Action::WithdrawalDeclined), sending);
        let done = sending.apply(Action::ConsentWithdrawn(vec![ConsentKind::Comprehensive]));
        assert_eq!(done, Screen::ConsentWithdrawn(vec![ConsentKind::Comprehensive]));
        assert!(!done.is_busy());
        // A refused or unreachable origin says so rather than pretend the consent has stopped.
        let failed = Screen::WithdrawingConsent.apply(Action::Fail(Failure::ServiceUnavailable));
        assert_eq!(failed, Screen::Failed(Failure::ServiceUnavailable));
    }

    fn log_page(next: Option<i64>) -> AccessLogPage {
        use onshi_proto::access_log::{AccessKind, AccessLogEntry};
        AccessLogPage {
            entries: vec![AccessLogEntry {
                occurred_at: 1_795_489_200,
                facility_code: "0110113719".try_into().unwrap(),
                facility_name: Some("おんし内科クリニック".into()),
                kind: AccessKind::Medication,
            }],
            next: next.map(|at| AccessLogCursor { occurred_at: at, id: "a1".try_into().unwrap() }),
        }
    }

    #[test]
    fn a_patient_pages_through_their_access_log_and_returns_to_the_answer() {
        // While the question is open the entry waits, as the withdrawal's does.
        let asking = result_screen(CardReminder::InReader);
        assert!(!asking.offers_access_log());
        assert_eq!(asking.clone().apply(Action::AskAccessLog), asking);

        let agreed = agreed_result();
        assert!(agreed.offers_access_log());
        let loading = agreed.clone().apply(Action::AskAccessLog);
        let Screen::AccessLog { view, .. } = &loading else { panic!("the access log: {loading:?}") };
        assert_eq!(view.asked_from(), None);
        // The kiosk waits for the origin: the idle clock does not run, and paging asks nothing more yet.
        assert!(loading.is_busy());
        assert_eq!(loading.clone().apply(Action::AccessLogOlder), loading);

        let first = loading.apply(Action::AccessLogArrived(log_page(Some(100))));
        assert!(!first.is_busy());
        let Screen::AccessLog { view, .. } = &first else { panic!("the first page") };
        assert!(!view.has_newer());
        // Older, then back to the newer page: each asks for the page from where it starts.
        let older = first.clone().apply(Action::AccessLogOlder);
        let Screen::AccessLog { view, .. } = &older else { panic!("the older page") };
        assert_eq!(view.asked_from().map(|cursor| cursor.occurred_at), Some(100));
        // A second press while the older page loads does not skip a page.
        assert_eq!(older.clone().apply(Action::AccessLogOlder), older);
        let last = older.apply(Action::AccessLogArrived(log_page(None)));
        // The last page has no older one.
        assert_eq!(last.clone().apply(Action::AccessLogOlder), last);
        let back = last.clone().apply(Action::AccessLogNewer);
        let Screen::AccessLog { view, .. } = &back else { panic!("back to the newer page") };
        assert_eq!((view.asked_from(), view.page.is_none()), (None, true));
        // The patient takes the card while reading, then closes the log: the answer knows the card has gone.
        let closed = last.apply(Action::CardTaken).apply(Action::AccessLogClosed);
        assert!(matches!(closed, Screen::Result { card: CardReminder::Taken, .. }));
        assert!(closed.clears_soon());
        // The newest page is the first one: there is nothing newer.
        assert_eq!(first.clone().apply(Action::AccessLogNewer), first);
        assert_eq!(first.apply(Action::AccessLogClosed), agreed);
    }

    #[test]
    fn the_access_log_is_offered_only_after_a_pin_with_a_full_session_and_a_record() {
        let visual = Screen::VisualCheck.apply(Action::Answer(answer())).apply(Action::ConsentSkipped);
        assert!(!visual.offers_access_log());
        assert_eq!(visual.clone().apply(Action::AskAccessLog), visual);
        let unregistered =
            Screen::Querying.apply(Action::Answer(answer_of(Validity::NoQualification, Reason::NotRegistered)));
        assert!(!unregistered.offers_access_log());
        let grace = CertificateTerms { scope: CardScope::QualificationOnly, notice: None };
        let in_grace = Screen::Querying.apply(Action::CardAnswer(answer(), grace));
        assert!(!in_grace.offers_access_log());
        let lost = Screen::Querying.apply(Action::Answer(answer_of(Validity::Invalid, Reason::Lost)));
        assert!(lost.offers_access_log());
    }

    #[test]
    fn withdrawal_is_offered_only_after_a_pin_and_for_a_card_with_a_record() {
        // A patient who declined today may still withdraw what they gave on an earlier visit.
        let declined = result_screen(CardReminder::Taken)
            .apply(Action::SharingAnswered(SharingChoice::None))
            .apply(Action::ConsentSubmitted(PrescriptionFormat::Paper))
            .apply(Action::ConsentRecorded(vec![grant(ConsentKind::Medication, 10)]));
        assert!(declined.offers_consent_withdrawal());
        // After 目視 the kiosk does not offer it: staff can record it at the counter instead.
        let visual = Screen::VisualCheck.apply(Action::Answer(answer())).apply(Action::ConsentSkipped);
        assert!(!visual.offers_consent_withdrawal());
        assert_eq!(visual.clone().apply(Action::AskWithdrawal), visual);
        // A card linked to nobody has no consent to withdraw: the registration offer stands there instead.
        let unregistered =
            Screen::Querying.apply(Action::Answer(answer_of(Validity::NoQualification, Reason::NotRegistered)));
        assert!(!unregistered.offers_consent_withdrawal());
        // A lost qualification asks no question, but a record is there, so withdrawal is offered.
        let lost = Screen::Querying.apply(Action::Answer(answer_of(Validity::Invalid, Reason::Lost)));
        assert!(lost.offers_consent_withdrawal());
    }

    #[test]
    fn a_registration_is_cancelled_only_after_the_pin_and_the_confirmation() {
        let authenticating = at_pin_pad(3)
            .apply(Action::PinTyped { entered: PIN_LEN })
            .apply(Action::PinSubmitted)
            .apply(Action::PinAccepted);
        assert_eq!(authenticating, Screen::Authenticating);
        let terms = authenticating.apply(Action::ShowCancelTerms);
        assert_eq!(terms, Screen::RegistrationCancelTerms);
        // Reading the terms is not waiting for the kiosk: the idle clock runs, and an answer out of turn is ignored.
        assert!(!terms.is_busy());
        assert_eq!(terms.clone().apply(Action::RegistrationCancelled(RegistrationCancelOutcome::Cancelled)), terms);
        // Declining is starting over: the kiosk goes back to the start with nothing sent.
        assert_eq!(terms.clone().apply(Action::Reset), Screen::Welcome);
        let cancelling = terms.apply(Action::CancelConfirmed);
        assert_eq!(cancelling, Screen::CancellingRegistration);
        assert!(cancelling.is_busy());
        assert_eq!(
            cancelling.apply(Action::RegistrationCancelled(RegistrationCancelOutcome::Cancelled)),
            Screen::RegistrationCancelled(RegistrationCancelOutcome::Cancelled)
        );
        // The terms are shown only after the session: not from the PIN pad, nor from an answer.
        assert_eq!(at_pin_pad(3).apply(Action::ShowCancelTerms), at_pin_pad(3));
        assert_eq!(agreed_result().apply(Action::CancelConfirmed), agreed_result());
    }

    #[test]
    fn staff_open_the_assist_only_with_the_card_in_and_get_one_attempt_per_submission() {
        use crate::assist::{AssistStep, FormProblem};
        use onshi_card::surface::CollationOutcome;
        // From the 目視 waiting screen and from a card whose PIN cannot be used, while the card is in.
        for back in [Screen::VisualCheck, Screen::NoPin { card_taken: false }, Screen::Blocked { card_taken: false }] {
            let form = back.clone().apply(Action::OpenAssist);
            assert_eq!(form, Screen::Assist { step: AssistStep::Form, back: Box::new(back.clone()) });
            // Staff change their mind before typing anything: back where they were.
            assert_eq!(form.apply(Action::AssistClosed), back);
        }
        for without_card in [Screen::NoPin { card_taken: true }, Screen::Blocked { card_taken: true }, Screen::Welcome]
        {
            assert_eq!(without_card.clone().apply(Action::OpenAssist), without_card);
        }
        let form = Screen::VisualCheck.apply(Action::OpenAssist);
        let step = |screen: &Screen| match screen {
            Screen::Assist { step, .. } => *step,
            other => panic!("not the assist: {other:?}"),
        };
        // A part that cannot be right is named; nothing went to the card, so staff correct it and submit.
        let invalid = form.clone().apply(Action::AssistInvalid(FormProblem::SecurityCode));
        assert_eq!(step(&invalid), AssistStep::Invalid(FormProblem::SecurityCode));
        let checking = invalid.apply(Action::AssistSubmitted);
        assert_eq!(step(&checking), AssistStep::Checking);
        assert!(checking.is_busy() && checking.card_in_use());
        // A second press while the card answers sends nothing more, and going back waits for the answer.
        assert_eq!(checking.clone().apply(Action::AssistSubmitted), checking);
        assert_eq!(checking.clone().apply(Action::AssistClosed), checking);
        // Wrong, nine left: staff may type it again, by hand.
        let wrong = checking.apply(Action::AssistChecked(CollationOutcome::Wrong { tries_left: 9 }));
        assert_eq!(step(&wrong), AssistStep::Wrong { tries_left: 9 });
        assert!(!wrong.is_busy());
        // A late answer for no attempt in flight changes nothing.
        assert_eq!(wrong.clone().apply(Action::AssistChecked(CollationOutcome::Opened)), wrong);
        // Wrong again down to three: the kiosk stops, and no further submission is accepted.
        let stopped = wrong
            .apply(Action::AssistSubmitted)
            .apply(Action::AssistChecked(CollationOutcome::Wrong { tries_left: 3 }));
        assert_eq!(step(&stopped), AssistStep::Stopped { tries_left: 3, after_wrong: true });
        assert_eq!(stopped.clone().apply(Action::AssistSubmitted), stopped);
        assert_eq!(stopped.apply(Action::AssistClosed), Screen::VisualCheck);
        // A correct number opens the face; the card taken away then ends the assist, whatever the step.
        let opened = form.apply(Action::AssistSubmitted).apply(Action::AssistChecked(CollationOutcome::Opened));
        assert_eq!(step(&opened), AssistStep::Opened);
        assert_eq!(opened.clone().apply(Action::AssistClosed), opened, "the face is not left by going back");
        assert_eq!(opened.clone().apply(Action::CardTaken), Screen::Failed(Failure::AssistCardRemoved));
        // 確認 is there only once the face is on screen.
        assert_eq!(opened.clone().apply(Action::AssistConfirmed), opened);
        let face = opened.clone().apply(Action::AssistFaceShown);
        assert_eq!(step(&face), AssistStep::Face);
        assert_eq!(face.clone().apply(Action::AssistConfirmed), Screen::VisualCheck);
        assert_eq!(face.clone().apply(Action::CardTaken), Screen::Failed(Failure::AssistCardRemoved));
        let mismatch = face.apply(Action::AssistMismatch);
        assert_eq!(step(&mismatch), AssistStep::Mismatch);
        assert_eq!(mismatch.clone().apply(Action::AssistConfirmed), mismatch, "a refusal is not taken back");
        assert_eq!(mismatch.apply(Action::Reset), Screen::Welcome);
        // A face no known issuer signed shows nothing and confirms nothing; staff can only go back.
        let unverified = opened.apply(Action::AssistFaceUnverified);
        assert_eq!(step(&unverified), AssistStep::Unverified);
        assert_eq!(unverified.clone().apply(Action::AssistConfirmed), unverified);
        assert_eq!(unverified.apply(Action::AssistClosed), Screen::VisualCheck);
    }

    #[test]
    fn only_the_outage_screen_offers_the_petition_and_its_answer_starts_it() {
        use crate::petition::{PetitionEvent, PetitionStep};
        let outage = Screen::Failed(Failure::ServiceUnavailable);
        assert_eq!(
            outage.clone().apply(Action::Petition(PetitionEvent::Answered(true))),
            Screen::petition(PetitionStep::Opening)
        );
        assert_eq!(
            outage.clone().apply(Action::Petition(PetitionEvent::Answered(false))),
            Screen::petition(PetitionStep::Declined)
        );
        // Another failure offers nothing, and no other event starts a capture.
        let reader = Screen::Failed(Failure::Reader);
        assert_eq!(reader.clone().apply(Action::Petition(PetitionEvent::Answered(true))), reader);
        assert_eq!(outage.clone().apply(Action::Petition(PetitionEvent::Read)), outage);
        // The capture's own steps follow, and the PIN pad's busy and card rules see them.
        let reading = Screen::petition(PetitionStep::Reading);
        assert!(reading.is_busy());
        assert_eq!(
            reading.clone().apply(Action::Petition(PetitionEvent::Read)),
            Screen::petition(PetitionStep::Review)
        );
        assert_eq!(reading.apply(Action::Reset), Screen::Welcome);
    }

    #[test]
    fn a_finished_petition_clears_soon_once_the_card_is_taken_as_the_answer_does() {
        use crate::petition::{PetitionEvent, PetitionFailure, PetitionStep};
        let sent =
            Screen::petition(PetitionStep::Sending).apply(Action::Petition(PetitionEvent::Sent("3A09FE".into())));
        assert!(!sent.clears_soon(), "the card is still in the reader: the reference stays until it is taken");
        let taken = sent.apply(Action::CardTaken);
        assert_eq!(
            taken,
            Screen::Petition { step: PetitionStep::Sent { reference: "3A09FE".into() }, card_taken: true }
        );
        assert!(taken.clears_soon());
        assert_eq!(taken.apply(Action::Reset), Screen::Welcome);
        for end in [
            PetitionStep::Declined,
            PetitionStep::Failed(PetitionFailure::PinBlocked),
            PetitionStep::Failed(PetitionFailure::NotSent),
        ] {
            let screen = Screen::petition(end);
            assert!(!screen.clears_soon(), "{screen:?}");
            assert!(screen.apply(Action::CardTaken).clears_soon());
        }
        // The card taken mid-capture ends it, and that end clears soon with no further news of the card.
        let review = Screen::petition(PetitionStep::Review);
        assert!(
            review.clone().apply(Action::Petition(PetitionEvent::Failed(PetitionFailure::CardTaken))).clears_soon()
        );
        // Before the end nothing clears soon, card or no card; an end reached after the card left does.
        let left_early = review.apply(Action::CardTaken);
        assert!(!left_early.clears_soon());
        assert!(left_early.apply(Action::Petition(PetitionEvent::Answered(false))).clears_soon());
    }

    #[test]
    fn the_petition_pin_pad_counts_the_digits_the_shared_buffer_reports() {
        use crate::petition::{PetitionEvent, PetitionStep};
        let pad = Screen::petition(PetitionStep::PinEntry {
            tries_left: 3,
            entered: 0,
            last_was_wrong: false,
            confirming_last_try: false,
        });
        let typed = pad.apply(Action::PinTyped { entered: 4 });
        assert_eq!(
            typed,
            Screen::petition(PetitionStep::PinEntry {
                tries_left: 3,
                entered: 4,
                last_was_wrong: false,
                confirming_last_try: false
            })
        );
        // With 4 digits the submit goes through to the read; the buffer emptied by it is counted too.
        let reading = typed.apply(Action::Petition(PetitionEvent::PinSubmitted));
        assert_eq!(reading, Screen::petition(PetitionStep::Reading));
        assert_eq!(reading.clone().apply(Action::PinTyped { entered: 0 }), reading);
    }
}
