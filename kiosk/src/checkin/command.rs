//! What the UI tells a running check-in ([`UiCommand`]), in a room of its own so that the task and the parts it
//! runs (the 申立書 capture) read the same commands without importing one another.
//!
//! Must not: hold a PIN beyond the command that moves it into the card flow.

use onshi_card::collation::CollationNumberB;
use onshi_card::jpki::Pin;
use onshi_proto::access_log::AccessLogCursor;
use onshi_proto::origin::{ConsentKind, PrescriptionFormat};

use crate::state::Purpose;

/// What the UI can tell the running check-in.
pub enum UiCommand {
    /// The PIN the person typed and confirmed. It is moved into the card flow and zeroized there after VERIFY.
    SubmitPin(Pin),
    /// The person chose the staff's visual check (目視) instead of the PIN.
    VisualCheck,
    /// The consents the person chose under the answer (empty: declined), with the prescription format.
    Consent {
        /// The kinds agreed to.
        kinds: Vec<ConsentKind>,
        /// 電子処方箋 or 紙.
        prescription: PrescriptionFormat,
    },
    /// The card holder accepted the registration terms (at a registration point, or from an answer that found no
    /// insurance linked to the card).
    AcceptTerms,
    /// The person pressed start while the kiosk was waiting, on the start screen, for a card to be placed: the
    /// check-in begins now, for this purpose, and asks for the card.
    Begin(Purpose),
    /// The patient confirmed, from the answer, that they withdraw their consents to this facility.
    WithdrawConsent,
    /// The card holder confirmed the cancellation of their 健康保険証利用登録.
    ConfirmCancel,
    /// The patient said yes to 「医療費助成の受給者証を利用しますか」: ask for the qualification again with them.
    UseRecipientCertificates,
    /// The patient asked, from the answer, for a page of their access log, starting there (`None`: the newest).
    ReadAccessLog(Option<AccessLogCursor>),
    /// Staff opened the 目視 assist at the kiosk: a request already waiting for staff is withdrawn (the assist
    /// sends its own once staff confirm), and the card stays ready for 照合番号B.
    OpenAssist,
    /// 照合番号B as staff typed it: the card's counter is read, and one VERIFY sent when the counter allows.
    AssistCollation(CollationNumberB),
    /// Staff went back from the assist to the 目視 waiting screen: the request is asked for again.
    AssistBackToWaiting,
    /// Staff found that the card face and the person do not match: nothing is sent.
    AssistMismatch,
    /// Staff confirmed that the card face and the person match: the card signs an edge challenge, and the 目視
    /// request goes out with that proof.
    AssistConfirm,
    /// The patient answered the 申立書 capture's question on screen (in an outage): whether to fill it from the
    /// card, then whether to send what was read.
    PetitionAnswer(bool),
    /// Stop and release the reader.
    Cancel,
}
