//! Layer 5: the check-in as steps the UI drives, one call per screen: read the card, show the tries left,
//! verify the PIN the patient typed, sign the edge's challenge.
//!
//! The order is checked at run time: signing before a successful VERIFY, or asking for the PIN before the card
//! was read, is a [`CardError::StepOutOfOrder`] and sends nothing to the card. A transport failure (the card was
//! pulled out, the reader unplugged) sends the flow back to the start.

use std::fmt;

use crate::error::{CardError, Result};
use crate::jpki::{Jpki, Pin, PinStatus, VerifyOutcome, digest_info_sha256};
use crate::transport::Transport;

/// What the first step read from the card.
#[derive(Clone, PartialEq, Eq)]
pub struct CardInfo {
    /// The 利用者証明用電子証明書 (DER) from EF 000A.
    pub certificate_der: Vec<u8>,
}

impl fmt::Debug for CardInfo {
    /// Prints the length only: the certificate identifies a person.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardInfo")
            .field("certificate_der", &format_args!("<{} bytes>", self.certificate_der.len()))
            .finish()
    }
}

/// Where a check-in stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckInStage {
    /// Nothing read yet (or the card went away).
    NotStarted,
    /// The JPKI AP is selected and the certificate read; the PIN is not verified.
    CardRead,
    /// The PIN was verified; the card will sign.
    PinVerified,
}

/// The check-in flow over a transport.
#[derive(Debug)]
pub struct CheckIn<T> {
    jpki: Jpki<T>,
    stage: CheckInStage,
}

impl<T: Transport> CheckIn<T> {
    /// A check-in over `transport` (a powered-on card).
    pub fn new(transport: T) -> Self {
        Self { jpki: Jpki::new(transport), stage: CheckInStage::NotStarted }
    }

    /// Where the flow stands.
    pub fn stage(&self) -> CheckInStage {
        self.stage
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.jpki.into_inner()
    }

    /// Step 1: select the JPKI AP and read the 利用者証明用 certificate. May be called again to start over
    /// (a new SELECT also ends any earlier PIN verification on the card).
    pub async fn start(&mut self) -> Result<CardInfo> {
        self.stage = CheckInStage::NotStarted;
        let certificate_der = self
            .track(async |jpki| {
                jpki.select().await?;
                jpki.read_auth_certificate().await
            })
            .await?;
        self.stage = CheckInStage::CardRead;
        Ok(CardInfo { certificate_der })
    }

    /// Step 2 (optional, before asking for the PIN): how many tries are left, or that the card has no PIN at all.
    /// Spends no try.
    ///
    /// A card is taken to have no PIN ([`PinStatus::NotSet`]) only when it says so twice, the second time after
    /// the AP is selected afresh, so that a passing fault in the card's state cannot send a patient who has a PIN
    /// to 目視. Both reads are empty VERIFYs, which no card counts as a try.
    pub async fn pin_status(&mut self) -> Result<PinStatus> {
        self.require_started("pin_status")?;
        let first = self.track(async |jpki| jpki.pin_status().await).await?;
        if first != PinStatus::NotSet {
            return Ok(first);
        }
        self.track(async |jpki| {
            jpki.select().await?;
            jpki.pin_status().await
        })
        .await
    }

    /// Step 3: one VERIFY with the PIN the holder typed. Consumes (and so zeroizes) the PIN. Never retries: a
    /// wrong PIN is an outcome for the UI to show, not something to try again here.
    pub async fn verify(&mut self, pin: Pin) -> Result<VerifyOutcome> {
        self.require_started("verify")?;
        let outcome = self.track(async move |jpki| jpki.verify_auth_pin(pin).await).await?;
        self.stage = match outcome {
            VerifyOutcome::Verified => CheckInStage::PinVerified,
            VerifyOutcome::Wrong { .. } | VerifyOutcome::Blocked => CheckInStage::CardRead,
        };
        Ok(outcome)
    }

    /// Step 4: answer the edge's challenge: the card signs DigestInfo(SHA-256(message)) with the auth key and
    /// returns the 256-byte PKCS#1 v1.5 signature. Only after [`CheckIn::verify`] returned `Verified`.
    ///
    /// `message` is the whole domain-separated message the edge verifies (`onshi_proto::api::card_challenge_message`:
    /// a protocol tag, the purpose, the requesting device's id and the challenge), never the bare challenge: a
    /// signature over bare random bytes would answer any protocol that sends the same bytes, on any device.
    pub async fn sign_challenge(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        if self.stage != CheckInStage::PinVerified {
            return Err(CardError::StepOutOfOrder { step: "sign_challenge", reason: "the PIN has not been verified" });
        }
        let digest_info = digest_info_sha256(message);
        self.track(async |jpki| jpki.sign_digest_info(&digest_info).await).await
    }

    fn require_started(&self, step: &'static str) -> Result<()> {
        if self.stage == CheckInStage::NotStarted {
            return Err(CardError::StepOutOfOrder { step, reason: "the card has not been read" });
        }
        Ok(())
    }

    /// Runs one card operation; a transport failure means the card session is gone, so the flow restarts.
    async fn track<R>(&mut self, operation: impl AsyncFnOnce(&mut Jpki<T>) -> Result<R>) -> Result<R> {
        let result = operation(&mut self.jpki).await;
        if let Err(CardError::Transport(_)) = &result {
            self.stage = CheckInStage::NotStarted;
        }
        result
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use futures::executor::block_on;

    use super::*;
    use crate::apdu::StatusWord;
    use crate::apdu::tests::ScriptedCard;
    use crate::transport::TransportError;

    const SELECT_AP: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";

    fn started(extra: &[(&str, &str)]) -> CheckIn<ScriptedCard> {
        let mut script = vec![(SELECT_AP, "90 00"), ("00 B0 8A 00 00", "30 02 05 00 62 82")];
        script.extend_from_slice(extra);
        let mut check_in = CheckIn::new(ScriptedCard::new(&script));
        let info = block_on(check_in.start()).unwrap();
        assert_eq!(info.certificate_der, vec![0x30, 0x02, 0x05, 0x00]);
        check_in
    }

    /// Whether any command sent was a VERIFY carrying data (a PIN), which would spend a try.
    fn sent_a_pin(card: &ScriptedCard) -> bool {
        card.sent.iter().any(|command| command.get(1) == Some(&0x20) && command.len() > 4)
    }

    #[test]
    fn a_card_without_a_pin_is_known_by_two_empty_verifies_and_spends_nothing() {
        let mut check_in = started(&[("00 20 00 98", "69 85"), (SELECT_AP, "90 00"), ("00 20 00 98", "69 85")]);
        assert_eq!(block_on(check_in.pin_status()).unwrap(), PinStatus::NotSet);
        assert!(!sent_a_pin(&check_in.into_transport()));
    }

    #[test]
    fn a_card_that_says_no_pin_once_then_counts_its_tries_has_a_pin() {
        let mut check_in = started(&[("00 20 00 98", "69 85"), (SELECT_AP, "90 00"), ("00 20 00 98", "63 C3")]);
        assert_eq!(block_on(check_in.pin_status()).unwrap(), PinStatus::Remaining { tries_left: 3 });
        assert!(!sent_a_pin(&check_in.into_transport()));
    }

    #[test]
    fn steps_before_start_are_refused_without_talking_to_the_card() {
        let mut check_in = CheckIn::new(ScriptedCard::default());
        assert!(matches!(block_on(check_in.pin_status()), Err(CardError::StepOutOfOrder { step: "pin_status", .. })));
        assert!(matches!(
            block_on(check_in.verify(Pin::new("1234").unwrap())),
            Err(CardError::StepOutOfOrder { step: "verify", .. })
        ));
        assert!(block_on(check_in.sign_challenge(b"x")).is_err());
        assert!(check_in.into_transport().sent.is_empty());
    }

    #[test]
    fn signing_requires_a_verified_pin() {
        let mut check_in = started(&[("00 20 00 98 04 31 31 31 31", "63 C2")]);
        assert_eq!(
            block_on(check_in.verify(Pin::new("1111").unwrap())).unwrap(),
            VerifyOutcome::Wrong { tries_left: 2 }
        );
        assert_eq!(check_in.stage(), CheckInStage::CardRead);
        let result = block_on(check_in.sign_challenge(b"challenge"));
        assert!(matches!(result, Err(CardError::StepOutOfOrder { step: "sign_challenge", .. })));
        assert!(check_in.into_transport().script.is_done());
    }

    #[test]
    fn a_transport_failure_sends_the_flow_back_to_the_start() {
        let mut check_in = started(&[]);
        let result = block_on(check_in.pin_status());
        assert!(matches!(result, Err(CardError::Transport(TransportError::Io(_)))));
        assert_eq!(check_in.stage(), CheckInStage::NotStarted);
    }

    #[test]
    fn a_card_refusal_keeps_the_stage() {
        let mut check_in = started(&[("00 20 00 98", "6A 82")]);
        let result = block_on(check_in.pin_status());
        assert!(matches!(result, Err(CardError::Status(StatusWord::FileNotFound))));
        assert_eq!(check_in.stage(), CheckInStage::CardRead);
    }

    #[test]
    fn card_info_debug_hides_the_certificate() {
        let info = CardInfo { certificate_der: vec![0x30, 0x03, 0x02, 0x01, 0x07] };
        assert_eq!(format!("{info:?}"), "CardInfo { certificate_der: <5 bytes> }");
    }
}
