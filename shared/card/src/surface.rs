//! Layer 4: the 券面事項確認AP (card-face confirmation application), as far as the 目視 assist needs it: the
//! 照合番号B counter and VERIFY (key EF 0012), the card face (EF 0002, [`crate::card_face`]), the AP's
//! card-verifiable certificate (EF 0004) and a signature by the AP's own key over a challenge.
//!
//! What the sources establish (card-protocol.md §2.3 and §3, visual-check-assist.md §0.3): the AID, the EF map,
//! 照合番号B's digits, the empty VERIFY that reads a counter without spending a try ([V]); that EF 0002 is signed
//! by the key certified in EF 0004 and that `80 2A 00 00` with a SHA-256 DigestInfo makes the AP sign with the
//! card's own key (the one in `DF24`) with no credential, proving the card is present ([MYNACARD], [1]). What is
//! assumed: that the real card answers `80 2A 00 00` after 照合番号B as the one measured card did, and that the
//! counter's status words are those of the JPKI AP (`63Cx`, `6984`).
//!
//! Must not: VERIFY without reading the counter first, VERIFY more than once per call, or VERIFY at all once
//! [`crate::collation::STOP_AT_TRIES_LEFT`] or fewer tries are left.

use zeroize::Zeroizing;

use crate::apdu::{Command, transceive};
use crate::card_face::CardFace;
use crate::collation::{CollationNumberB, CollationPermission, collation_permission};
use crate::error::{CardError, Result};
use crate::jpki::VerifyOutcome;
use crate::jpki::{
    EfId, PinStatus, SIGNATURE_LEN, digest_info_sha256, pin_retry_query, pin_status_from, read_binary, read_whole_ef,
    select_application, select_ef, verify_outcome_from,
};
use crate::tlv;
use crate::transport::Transport;

/// AID of the 券面事項確認AP.
pub const SURFACE_AP_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

/// EF 0002: the card face.
pub const CARD_FACE_EF: EfId = EfId(0x0002);
/// EF 0004: the AP's card-verifiable certificate (readable without a credential).
pub const CV_CERTIFICATE_EF: EfId = EfId(0x0004);
/// EF 0012: the key reference of 照合番号B.
pub const COLLATION_B_EF: EfId = EfId(0x0012);

/// Bytes per READ BINARY: the most a short APDU returns.
const READ_CHUNK: usize = 256;

/// VERIFY of the current key EF with 照合番号B: `00 20 00 80 0E <14 ASCII digits>`.
pub fn verify_collation_b(number: &CollationNumberB) -> Command {
    Command::new(0x00, 0x20, 0x00, 0x80).with_sensitive_data(Zeroizing::new(number.ascii().to_vec()))
}

/// COMPUTE DIGITAL SIGNATURE with the AP's own key: `80 2A 00 00 <DigestInfo> 00` (P2 `00`, the AP's default key).
pub fn sign_with_card_key(digest_info: &[u8]) -> Command {
    Command::new(0x80, 0x2A, 0x00, 0x00).with_data(digest_info.to_vec()).with_le(256)
}

/// What one attempt to open the card face with 照合番号B came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollationOutcome {
    /// The card accepted the number; the card face may be read.
    Opened,
    /// The number was wrong and cost one try; this many are left.
    Wrong {
        /// Tries left.
        tries_left: u8,
    },
    /// Nothing was sent: only this many tries are left, which the kiosk leaves to the municipality.
    Stopped {
        /// Tries left.
        tries_left: u8,
    },
    /// The counter is used up; nothing was sent.
    Blocked,
}

/// The 券面事項確認AP over a transport.
#[derive(Debug)]
pub struct SurfaceAp<T> {
    transport: T,
}

impl<T: Transport> SurfaceAp<T> {
    /// Wraps a transport.
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    /// SELECT the AP (which also ends any earlier 照合番号B verification).
    pub async fn select(&mut self) -> Result<()> {
        self.run(&select_application(&SURFACE_AP_AID)).await.map(drop)
    }

    /// 照合番号B's counter, read with an empty VERIFY, which spends no try.
    pub async fn collation_b_status(&mut self) -> Result<PinStatus> {
        self.run(&select_ef(COLLATION_B_EF)).await?;
        pin_status_from(transceive(&mut self.transport, &pin_retry_query()).await?.status)
    }

    /// Reads the counter, then sends at most one VERIFY with `number`, and only when more than
    /// [`crate::collation::STOP_AT_TRIES_LEFT`] tries are left. Never retries, whatever the card says.
    pub async fn open_with_collation_b(&mut self, number: CollationNumberB) -> Result<CollationOutcome> {
        match collation_permission(self.collation_b_status().await?) {
            CollationPermission::AlreadyOpen => Ok(CollationOutcome::Opened),
            CollationPermission::Stopped { tries_left } => Ok(CollationOutcome::Stopped { tries_left }),
            CollationPermission::Blocked => Ok(CollationOutcome::Blocked),
            CollationPermission::Allowed { .. } => {
                let command = verify_collation_b(&number);
                drop(number);
                let status = crate::apdu::send_once(&mut self.transport, &command).await?.status;
                Ok(match verify_outcome_from(status)? {
                    VerifyOutcome::Verified => CollationOutcome::Opened,
                    VerifyOutcome::Wrong { tries_left: 0 } | VerifyOutcome::Blocked => CollationOutcome::Blocked,
                    VerifyOutcome::Wrong { tries_left } => CollationOutcome::Wrong { tries_left },
                })
            }
        }
    }

    /// Reads and parses the card face (after 照合番号B opened it).
    pub async fn read_card_face(&mut self) -> Result<CardFace> {
        let file = self.read_tlv_ef(CARD_FACE_EF).await?;
        CardFace::parse(&file)
    }

    /// Reads the AP's card-verifiable certificate (EF 0004) as the card holds it.
    pub async fn read_cv_certificate(&mut self) -> Result<Vec<u8>> {
        Ok(self.read_tlv_ef(CV_CERTIFICATE_EF).await?.to_vec())
    }

    /// Has the card sign `message` (its SHA-256 DigestInfo) with the AP's own key: the proof that the card whose
    /// face was read is the one in the reader, not a copy of its files.
    pub async fn sign_challenge(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        let signature = self.run(&sign_with_card_key(&digest_info_sha256(message))).await?;
        if signature.len() != SIGNATURE_LEN {
            return Err(CardError::MalformedResponse("signature is not 256 bytes"));
        }
        Ok(signature)
    }

    /// SELECTs a BER-TLV EF and reads all of it in short READ BINARYs, the first giving its length.
    async fn read_tlv_ef(&mut self, ef: EfId) -> Result<Zeroizing<Vec<u8>>> {
        self.run(&select_ef(ef)).await?;
        read_whole_ef(&mut self.transport, &read_binary(0, READ_CHUNK as u32)?, tlv::total_len).await
    }

    async fn run(&mut self, command: &Command) -> Result<Vec<u8>> {
        transceive(&mut self.transport, command).await?.into_success_data()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use futures::executor::block_on;

    use super::*;
    use crate::apdu::tests::{ScriptedCard, hex};

    const SELECT_KEY: &str = "00 A4 02 0C 02 00 12";
    const NUMBER: &str = "00 20 00 80 0E 35 35 30 32 31 37 32 30 33 30 31 32 33 34";

    fn number() -> CollationNumberB {
        CollationNumberB::new("55021720301234").unwrap()
    }

    #[test]
    fn command_bytes_are_the_documented_ones() {
        assert_eq!(
            select_application(&SURFACE_AP_AID).encode().unwrap().as_slice(),
            hex("00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02")
        );
        assert_eq!(select_ef(COLLATION_B_EF).encode().unwrap().as_slice(), hex(SELECT_KEY));
        assert_eq!(verify_collation_b(&number()).encode().unwrap().as_slice(), hex(NUMBER));
        assert!(format!("{:?}", verify_collation_b(&number())).contains("14 bytes redacted"));
        assert_eq!(sign_with_card_key(&[1, 2]).encode().unwrap().as_slice(), hex("80 2A 00 00 02 01 02 00"));
    }

    #[test]
    fn the_counter_is_read_before_the_one_verify() {
        let mut card = ScriptedCard::new(&[(SELECT_KEY, "90 00"), ("00 20 00 80", "63 CA"), (NUMBER, "90 00")]);
        let outcome = block_on(SurfaceAp::new(&mut card).open_with_collation_b(number())).unwrap();
        assert_eq!(outcome, CollationOutcome::Opened);
        assert!(card.script.is_done());
    }

    #[test]
    fn a_wrong_number_is_reported_not_retried() {
        let mut card = ScriptedCard::new(&[(SELECT_KEY, "90 00"), ("00 20 00 80", "63 C9"), (NUMBER, "63 C8")]);
        let outcome = block_on(SurfaceAp::new(&mut card).open_with_collation_b(number())).unwrap();
        assert_eq!(outcome, CollationOutcome::Wrong { tries_left: 8 });
        assert!(card.script.is_done(), "exactly one VERIFY");
    }

    #[test]
    fn no_verify_is_sent_with_three_tries_or_fewer_left() {
        for (answer, expected) in [
            ("63 C3", CollationOutcome::Stopped { tries_left: 3 }),
            ("63 C1", CollationOutcome::Stopped { tries_left: 1 }),
            ("69 84", CollationOutcome::Blocked),
        ] {
            let mut card = ScriptedCard::new(&[(SELECT_KEY, "90 00"), ("00 20 00 80", answer)]);
            let outcome = block_on(SurfaceAp::new(&mut card).open_with_collation_b(number())).unwrap();
            assert_eq!(outcome, expected, "{answer}");
            assert!(card.script.is_done(), "nothing after the counter ({answer})");
        }
    }

    #[test]
    fn a_card_face_is_read_in_short_chunks() {
        let mut file = vec![0xFF, 0x20, 0x82, 0x01, 0x2C];
        file.extend((0..300).map(|n| (n % 251) as u8));
        let first = format!("{} 90 00", hex::encode(&file[..256]));
        let rest = format!("{} 90 00", hex::encode(&file[256..]));
        let mut card = ScriptedCard::new(&[
            ("00 A4 02 0C 02 00 04", "90 00"),
            ("00 B0 00 00 00", &first),
            ("00 B0 01 00 31", &rest),
        ]);
        let read = block_on(SurfaceAp::new(&mut card).read_cv_certificate()).unwrap();
        assert_eq!(read, file);
    }

    #[test]
    fn the_challenge_is_signed_as_a_sha256_digest_info() {
        let signature = "AB ".repeat(256);
        let command = format!("80 2A 00 00 33 {} 00", hex::encode(digest_info_sha256(b"challenge")));
        let mut card = ScriptedCard::new(&[(&command, &format!("{signature} 90 00"))]);
        assert_eq!(block_on(SurfaceAp::new(&mut card).sign_challenge(b"challenge")).unwrap(), vec![0xAB; 256]);
        let mut refusing = ScriptedCard::new(&[(&command, "69 82")]);
        assert!(matches!(
            block_on(SurfaceAp::new(&mut refusing).sign_challenge(b"challenge")),
            Err(CardError::Status(crate::status::StatusWord::SecurityNotSatisfied))
        ));
    }
}
