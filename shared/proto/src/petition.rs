//! The 被保険者資格申立書 a kiosk captures from the card in an outage (issue 15 item 6), and the one rule for how it
//! travels to the facility's staff console without the edge being able to read it.
//!
//! The kiosk reads the card's 4 items (氏名, 生年月日, 性別, 住所: [`PetitionItems`]) only when the patient agrees,
//! and seals them to the facility's staff console: ECDH on P-256 between a fresh kiosk key for each capture and the
//! console's published key ([`PetitionKey`]), HKDF-SHA-256 over the shared secret (salt empty, info
//! [`KDF_INFO`]) to an AES-256-GCM key, and AES-GCM with a fresh 96-bit IV and the [`associated_data`] that binds
//! the facility and the capture id, so a sealed capture moved to another facility or renamed does not open. The
//! edge holds the [`SealedPetition`] only until a staff console takes it, at most [`MAX_QUEUED_PER_FACILITY`] a
//! facility for [`QUEUE_LIFETIME_SECS`].
//!
//! Pure: the browser's WebCrypto does the arithmetic (`onshi_web::petition_seal`), these types say what it works
//! on. Must not: hold a key or a random source, or print an item in `Debug`.

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::bytes::Base64Bytes;
use crate::date::IsoDate;
use crate::facility::FacilityCode;
use crate::qualification::Sex;
use crate::text::validated_text;

/// `POST` (device-proved kiosk): a [`SealedPetition`] for the kiosk's facility, answered with a [`PetitionReceipt`].
pub const PETITION_PATH: &str = "/api/v1/petitions";
/// `POST` (device-proved kiosk, no body): the kiosk's facility and its staff console key ([`PetitionRecipient`]).
pub const PETITION_KEY_PATH: &str = "/api/v1/petitions/key";
/// `POST` (staff session on an enrolled console): every capture queued for the facility ([`PetitionBatch`]); the
/// queue is emptied as it is answered.
pub const STAFF_PETITIONS_PATH: &str = "/api/v1/staff/petitions";
/// `POST` (staff session on an enrolled console): the console publishes its [`PetitionKey`] for the facility.
pub const STAFF_PETITION_KEY_PATH: &str = "/api/v1/staff/petitions/key";

/// The HKDF info of the capture key: names this protocol and its version, so the key is never one another use of
/// the same ECDH secret derives.
pub const KDF_INFO: &[u8] = b"onshi petition v1 aes-256-gcm";
/// Length of the AES-GCM IV, in bytes.
pub const IV_LEN: usize = 12;
/// Length of the AES-GCM tag the ciphertext ends with, in bytes.
pub const TAG_LEN: usize = 16;
/// Length of an uncompressed P-256 public key (`04 || X || Y`), in bytes.
pub const P256_PUBLIC_KEY_LEN: usize = 65;
/// Largest ciphertext the edge keeps, tag included: four items at their bounds, as JSON, fit with room to spare.
pub const MAX_CIPHERTEXT_BYTES: usize = 4096;
/// Most captures a facility's queue holds; the next is refused until a staff console takes them.
pub const MAX_QUEUED_PER_FACILITY: usize = 50;
/// How long a capture waits at the edge for a staff console, in seconds: a working day and a night.
pub const QUEUE_LIFETIME_SECS: i64 = 36 * 3600;
/// Length of a capture id: 32 lowercase hexadecimal digits (128 random bits).
pub const CAPTURE_ID_LEN: usize = 32;
/// How many of the capture id's characters the patient is shown to say at the counter.
pub const REFERENCE_LEN: usize = 6;
/// Longest 氏名 kept, in characters (as the counter's own form).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest 住所 kept, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// Why a petition value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PetitionError {
    /// A capture id is not [`CAPTURE_ID_LEN`] lowercase hexadecimal digits.
    #[error("a capture id is {CAPTURE_ID_LEN} lowercase hexadecimal digits")]
    CaptureId,
    /// A public key is not an uncompressed P-256 point's 65 bytes.
    #[error("a petition key is an uncompressed P-256 public key of {P256_PUBLIC_KEY_LEN} bytes")]
    PublicKey,
    /// The IV is not [`IV_LEN`] bytes.
    #[error("the IV is {IV_LEN} bytes")]
    Iv,
    /// The ciphertext is shorter than its tag or longer than [`MAX_CIPHERTEXT_BYTES`].
    #[error("the ciphertext is {TAG_LEN} to {MAX_CIPHERTEXT_BYTES} bytes")]
    Ciphertext,
    /// The card's 氏名 is empty, too long or holds a control character.
    #[error("the card's name cannot be kept")]
    Name,
    /// The card's 生年月日 is not a `YYYYMMDD` date.
    #[error("the card's birth date is not a date")]
    BirthDate,
    /// The card's 性別 code is not 1, 2, 3 or 9.
    #[error("the card's sex code is unknown")]
    Sex,
    /// The card's 住所 is empty, too long or holds a control character.
    #[error("the card's address cannot be kept")]
    Address,
}

validated_text! {
    /// The id of one capture, chosen at random by the kiosk: [`CAPTURE_ID_LEN`] lowercase hexadecimal digits, safe
    /// in a path, a storage key and a log line alike. Its first [`REFERENCE_LEN`] characters are what the patient
    /// says at the counter.
    pub struct CaptureId, error = PetitionError;
}

impl CaptureId {
    /// Checks the length and the alphabet.
    pub fn parse(text: &str) -> Result<Self, PetitionError> {
        let well_formed =
            text.len() == CAPTURE_ID_LEN && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if well_formed { Ok(Self(text.to_owned())) } else { Err(PetitionError::CaptureId) }
    }

    /// The id of 16 random bytes, as the kiosk draws them.
    pub fn from_random(bytes: [u8; CAPTURE_ID_LEN / 2]) -> Self {
        Self(hex::encode(bytes))
    }

    /// What the patient says at the counter, and staff find on their list: the first [`REFERENCE_LEN`]
    /// characters, upper case, so a `b` cannot be heard as a `d` written small.
    pub fn reference(&self) -> String {
        self.0[..REFERENCE_LEN].to_ascii_uppercase()
    }
}

/// The associated data every capture is sealed under: the protocol's name, the facility code and the capture id,
/// separated by NUL (which neither may hold). A ciphertext moved to another facility's queue, or given another id,
/// fails its tag.
pub fn associated_data(facility: &FacilityCode, capture_id: &CaptureId) -> Vec<u8> {
    let mut data = b"onshi-petition-v1\0".to_vec();
    data.extend_from_slice(facility.as_str().as_bytes());
    data.push(0);
    data.extend_from_slice(capture_id.as_str().as_bytes());
    data
}

/// An uncompressed P-256 public key (`04 || X || Y`), as WebCrypto exports it in `raw` form. Only the shape is
/// checked here; WebCrypto refuses a point off the curve when it imports it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Base64Bytes", into = "Base64Bytes")]
pub struct P256PublicKey(Vec<u8>);

impl P256PublicKey {
    /// Checks the length and the uncompressed-point marker.
    pub fn parse(bytes: &[u8]) -> Result<Self, PetitionError> {
        if bytes.len() == P256_PUBLIC_KEY_LEN && bytes.first() == Some(&0x04) {
            Ok(Self(bytes.to_vec()))
        } else {
            Err(PetitionError::PublicKey)
        }
    }

    /// The 65 bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
}

impl TryFrom<Base64Bytes> for P256PublicKey {
    type Error = PetitionError;

    fn try_from(bytes: Base64Bytes) -> Result<Self, PetitionError> {
        Self::parse(bytes.as_slice())
    }
}

impl From<P256PublicKey> for Base64Bytes {
    fn from(key: P256PublicKey) -> Self {
        Base64Bytes(key.0)
    }
}

impl std::fmt::Debug for P256PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P256PublicKey({})", hex::encode(&self.0[1..9]))
    }
}

/// The facility's staff console key the kiosk seals to, as the console publishes it and the kiosk reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionKey {
    /// The console's ECDH public key.
    pub public_key: P256PublicKey,
}

/// What a kiosk reads before it seals: its own facility (from its device proof, as the edge knows it) and the key
/// the facility's staff console published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionRecipient {
    /// The kiosk's facility, bound into the associated data.
    pub facility_code: FacilityCode,
    /// The staff console's key.
    pub public_key: P256PublicKey,
}

/// The IV of one capture: [`IV_LEN`] bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Base64Bytes", into = "Base64Bytes")]
pub struct PetitionIv(Vec<u8>);

impl PetitionIv {
    /// Checks the length.
    pub fn parse(bytes: &[u8]) -> Result<Self, PetitionError> {
        if bytes.len() == IV_LEN { Ok(Self(bytes.to_vec())) } else { Err(PetitionError::Iv) }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
}

impl TryFrom<Base64Bytes> for PetitionIv {
    type Error = PetitionError;

    fn try_from(bytes: Base64Bytes) -> Result<Self, PetitionError> {
        Self::parse(bytes.as_slice())
    }
}

impl From<PetitionIv> for Base64Bytes {
    fn from(iv: PetitionIv) -> Self {
        Base64Bytes(iv.0)
    }
}

/// AES-GCM output, tag included: [`TAG_LEN`] to [`MAX_CIPHERTEXT_BYTES`] bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Base64Bytes", into = "Base64Bytes")]
pub struct PetitionCiphertext(Base64Bytes);

impl PetitionCiphertext {
    /// Checks the bounds.
    pub fn parse(bytes: &[u8]) -> Result<Self, PetitionError> {
        if (TAG_LEN..=MAX_CIPHERTEXT_BYTES).contains(&bytes.len()) {
            Ok(Self(Base64Bytes(bytes.to_vec())))
        } else {
            Err(PetitionError::Ciphertext)
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl TryFrom<Base64Bytes> for PetitionCiphertext {
    type Error = PetitionError;

    fn try_from(bytes: Base64Bytes) -> Result<Self, PetitionError> {
        Self::parse(bytes.as_slice())
    }
}

impl From<PetitionCiphertext> for Base64Bytes {
    fn from(ciphertext: PetitionCiphertext) -> Self {
        ciphertext.0
    }
}

/// One capture as the kiosk posts it and the edge keeps it: nothing in it is readable without the console's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedPetition {
    /// The capture's id, bound into the associated data.
    pub capture_id: CaptureId,
    /// The staff console key it was sealed to: a console holding another key (it made a new one since) knows the
    /// capture is not its own before it tries, and says so rather than call it tampered.
    pub recipient_key: P256PublicKey,
    /// The kiosk's key for this capture alone, whose private half the kiosk dropped once it sealed.
    pub ephemeral_key: P256PublicKey,
    /// The AES-GCM IV.
    pub iv: PetitionIv,
    /// The sealed [`PetitionItems`], as JSON.
    pub ciphertext: PetitionCiphertext,
}

/// A queued capture as a staff console takes it: the facility it was sealed for (for the associated data) and
/// when the edge received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedPetition {
    /// The sealed capture.
    pub sealed: SealedPetition,
    /// When the edge received it (Unix seconds).
    pub received_at: i64,
}

/// Every capture waiting for the facility's staff console, oldest first; taking them empties the queue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionBatch {
    /// The captures.
    pub petitions: Vec<QueuedPetition>,
}

/// What the edge answers a kiosk that posted a capture: the capture's reference, for the patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionReceipt {
    /// The capture's id as the edge queued it.
    pub capture_id: CaptureId,
}

/// Whether a facility's queue holding `queued` live captures takes one more.
pub fn queue_admits(queued: usize) -> bool {
    queued < MAX_QUEUED_PER_FACILITY
}

/// Captures received before this moment (Unix seconds) have waited their [`QUEUE_LIFETIME_SECS`] at `now` and
/// are forgotten unread.
pub fn expired_before(now: i64) -> i64 {
    now.saturating_sub(QUEUE_LIFETIME_SECS)
}

/// The card's 4 items as the 申立書 asks them, read from the 券面事項入力補助AP under the patient's agreement: the
/// plaintext of a [`SealedPetition`]. Wiped on drop; `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionItems {
    /// 氏名 as printed on the card.
    pub name: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所 as printed on the card.
    pub address: String,
    /// When the kiosk read them (Unix seconds).
    pub read_at: i64,
}

impl std::fmt::Debug for PetitionItems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PetitionItems").field("read_at", &self.read_at).finish_non_exhaustive()
    }
}

impl Drop for PetitionItems {
    fn drop(&mut self) {
        self.name.zeroize();
        self.address.zeroize();
    }
}

fn kept_text(text: &str, max_chars: usize) -> Option<String> {
    let trimmed = text.trim();
    let fits = !trimmed.is_empty() && trimmed.chars().count() <= max_chars && !trimmed.chars().any(char::is_control);
    fits.then(|| trimmed.to_owned())
}

impl PetitionItems {
    /// The items as the card's 基本4情報 holds them: `YYYYMMDD` for the birth date and the card's 性別 code (`1`
    /// male, `2` female; `3` other and `9` not applicable are both kept as not set, as the 申立書 has no other box).
    pub fn from_card(
        name: &str,
        address: &str,
        birth_date: &str,
        sex_code: &str,
        read_at: i64,
    ) -> Result<Self, PetitionError> {
        let name = kept_text(name, MAX_NAME_CHARS).ok_or(PetitionError::Name)?;
        let birth_date = IsoDate::parse_compact(birth_date).map_err(|_| PetitionError::BirthDate)?;
        let sex = match sex_code {
            "1" => Sex::Male,
            "2" => Sex::Female,
            "3" | "9" => Sex::Unspecified,
            _ => return Err(PetitionError::Sex),
        };
        let address = kept_text(address, MAX_ADDRESS_CHARS).ok_or(PetitionError::Address)?;
        Ok(Self { name, birth_date, sex, address, read_at })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn facility() -> FacilityCode {
        FacilityCode::parse("0110113719").unwrap()
    }

    fn capture_id() -> CaptureId {
        CaptureId::from_random([0xAB; 16])
    }

    #[test]
    fn a_capture_id_is_32_lowercase_hex_digits_and_its_reference_is_its_start() {
        let id = capture_id();
        assert_eq!(id.as_str(), "abababababababababababababababab");
        assert_eq!(CaptureId::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.reference(), "ABABAB");
        for bad in ["", "ABABABABABABABABABABABABABABABAB", "abab", "g0000000000000000000000000000000", &"a".repeat(33)]
        {
            assert_eq!(CaptureId::parse(bad), Err(PetitionError::CaptureId), "{bad}");
        }
    }

    #[test]
    fn the_associated_data_binds_the_facility_and_the_capture() {
        let data = associated_data(&facility(), &capture_id());
        assert_eq!(data, b"onshi-petition-v1\x000110113719\x00abababababababababababababababab".to_vec());
        let other_facility = FacilityCode::parse("1312345679").unwrap();
        let other_capture = CaptureId::from_random([0xCD; 16]);
        assert_ne!(associated_data(&facility(), &other_capture), data);
        assert_ne!(associated_data(&other_facility, &capture_id()), data);
    }

    #[test]
    fn a_sealed_capture_reads_back_and_each_part_keeps_its_bounds() {
        let sealed = SealedPetition {
            capture_id: capture_id(),
            recipient_key: P256PublicKey::parse(&[[4u8].as_slice(), &[3; 64]].concat()).unwrap(),
            ephemeral_key: P256PublicKey::parse(&[[4u8].as_slice(), &[7; 64]].concat()).unwrap(),
            iv: PetitionIv::parse(&[1; IV_LEN]).unwrap(),
            ciphertext: PetitionCiphertext::parse(&[9; 40]).unwrap(),
        };
        let json = serde_json::to_string(&sealed).unwrap();
        assert_eq!(serde_json::from_str::<SealedPetition>(&json).unwrap(), sealed);

        let with = |field: &str, value: serde_json::Value| {
            let mut tree: serde_json::Value = serde_json::from_str(&json).unwrap();
            tree[field] = value;
            serde_json::from_value::<SealedPetition>(tree)
        };
        let b64 = |bytes: Vec<u8>| serde_json::Value::String(Base64Bytes(bytes).encode());
        assert!(with("ephemeral_key", b64(vec![4; 64])).is_err(), "a short key");
        assert!(with("ephemeral_key", b64([[2u8].as_slice(), &[7; 64]].concat())).is_err(), "a compressed key");
        assert!(with("iv", b64(vec![1; 16])).is_err());
        assert!(with("ciphertext", b64(vec![9; TAG_LEN - 1])).is_err(), "shorter than the tag");
        assert!(with("ciphertext", b64(vec![9; MAX_CIPHERTEXT_BYTES + 1])).is_err(), "over the bound");
        assert!(with("ciphertext", b64(vec![9; MAX_CIPHERTEXT_BYTES])).is_ok(), "at the bound");
        assert!(with("capture_id", serde_json::Value::String("../../etc".into())).is_err());
    }

    #[test]
    fn the_card_items_are_read_as_the_form_asks_them() {
        let items =
            PetitionItems::from_card("黒桐　幹也", "東京都清瀬市観布子南１２－７－２０２", "19800217", "1", 5).unwrap();
        assert_eq!(items.name, "黒桐　幹也");
        assert_eq!(items.birth_date.to_string(), "1980-02-17");
        assert_eq!(items.sex, Sex::Male);
        assert_eq!(PetitionItems::from_card("a", "b", "19800217", "2", 5).unwrap().sex, Sex::Female);
        for code in ["3", "9"] {
            assert_eq!(PetitionItems::from_card("a", "b", "19800217", code, 5).unwrap().sex, Sex::Unspecified);
        }
        let cases = [
            (("", "b", "19800217", "1"), PetitionError::Name),
            (("a", "", "19800217", "1"), PetitionError::Address),
            (("a", "b", "1980-02-17", "1"), PetitionError::BirthDate),
            (("a", "b", "19800230", "1"), PetitionError::BirthDate),
            (("a", "b", "19800217", "4"), PetitionError::Sex),
            (("a\u{7}", "b", "19800217", "1"), PetitionError::Name),
        ];
        for ((name, address, birth, sex), error) in cases {
            assert_eq!(PetitionItems::from_card(name, address, birth, sex, 5).unwrap_err(), error);
        }
        let long = "あ".repeat(MAX_ADDRESS_CHARS + 1);
        assert_eq!(PetitionItems::from_card("a", &long, "19800217", "1", 5).unwrap_err(), PetitionError::Address);
    }

    #[test]
    fn four_items_at_their_bounds_fit_one_ciphertext() {
        let name = "鑑".repeat(MAX_NAME_CHARS);
        let address = "鑑".repeat(MAX_ADDRESS_CHARS);
        let items = PetitionItems::from_card(&name, &address, "19800217", "1", i64::MAX).unwrap();
        let plaintext = serde_json::to_vec(&items).unwrap();
        assert!(plaintext.len() + TAG_LEN <= MAX_CIPHERTEXT_BYTES, "{}", plaintext.len());
    }

    #[test]
    fn the_queue_takes_captures_up_to_its_bound_and_forgets_them_after_their_lifetime() {
        assert!(queue_admits(0) && queue_admits(MAX_QUEUED_PER_FACILITY - 1));
        assert!(!queue_admits(MAX_QUEUED_PER_FACILITY) && !queue_admits(MAX_QUEUED_PER_FACILITY + 1));
        let now = 1_800_000_000;
        assert_eq!(expired_before(now), now - QUEUE_LIFETIME_SECS);
        let received = now - QUEUE_LIFETIME_SECS;
        assert!(received >= expired_before(now), "a capture is kept for its whole lifetime");
        assert!(received < expired_before(now + 1), "and not a second longer");
        assert_eq!(expired_before(i64::MIN), i64::MIN);
    }

    #[test]
    fn debug_shows_nothing_personal() {
        let items = PetitionItems::from_card("黒桐　幹也", "東京都清瀬市", "19800217", "1", 5).unwrap();
        let shown = format!("{items:?}");
        assert!(!shown.contains("黒桐") && !shown.contains("清瀬") && !shown.contains("1980"), "{shown}");
    }
}
