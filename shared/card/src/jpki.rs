//! Layer 4: the 公的個人認証AP (JPKI AP) of the My Number card, as far as a qualification check needs it: the
//! 利用者証明用 certificate (EF 000A), its CA certificate (EF 000B), the 4-digit auth PIN (EF 0018) and
//! signing with the auth key (EF 0017).
//!
//! The card does PKCS#1 v1.5 type-1 padding itself; the host sends a DigestInfo ([`digest_info_sha256`]).

use std::fmt;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::apdu::{Command, MAX_EXTENDED_LE, StatusWord, send_once, transceive};
use crate::error::{CardError, Result};
use crate::transport::Transport;

/// AID of the 公的個人認証AP.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1); the 32-byte hash follows.
pub const DIGEST_INFO_SHA256_PREFIX: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

/// Length of a signature by the card's RSA-2048 auth key.
pub const SIGNATURE_LEN: usize = 256;

/// Number of tries the auth PIN has when fresh.
pub const AUTH_PIN_MAX_TRIES: u8 = 3;

/// Number of tries the signing password has when fresh.
pub const SIGN_PASSWORD_MAX_TRIES: u8 = 5;

/// Largest offset READ BINARY can address with P1 P2 (15 bits; bit 15 would mean a short EF identifier).
pub const MAX_READ_OFFSET: usize = 0x7FFF;

/// Bytes per READ BINARY of a certificate body: the most a short APDU can return.
const READ_CHUNK: usize = 256;

/// An elementary file identifier (two bytes, `00 xx` on this card).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EfId(pub u16);

impl EfId {
    /// 利用者証明用電子証明書 (readable without a PIN).
    pub const AUTH_CERTIFICATE: Self = Self(0x000A);
    /// 利用者証明用 CA certificate.
    pub const AUTH_CA_CERTIFICATE: Self = Self(0x000B);
    /// 利用者証明用秘密鍵 (usable after VERIFY on EF 0018).
    pub const AUTH_PRIVATE_KEY: Self = Self(0x0017);
    /// 利用者証明用 PIN (4 digits, 3 tries).
    pub const AUTH_PIN: Self = Self(0x0018);
    /// 署名用電子証明書 (readable after VERIFY on EF 001B).
    pub const SIGN_CERTIFICATE: Self = Self(0x0001);
    /// 署名用 CA certificate.
    pub const SIGN_CA_CERTIFICATE: Self = Self(0x0002);
    /// Token information (label `JPKIAPICCTOKEN2`).
    pub const TOKEN_INFO: Self = Self(0x0006);
    /// 署名用秘密鍵.
    pub const SIGN_PRIVATE_KEY: Self = Self(0x001A);
    /// 署名用パスワード (6–16 characters, 5 tries).
    pub const SIGN_PIN: Self = Self(0x001B);

    /// The short EF identifier (the low five bits; every EF of these APs is `00 01`–`00 1F`).
    pub fn short_id(self) -> u8 {
        u8::try_from(self.0 & 0x1F).unwrap_or(0)
    }
}

/// How many digits a 4-digit card PIN has: the 利用者証明用 PIN's, and the 券面事項入力補助AP's, which [`Pin`] also
/// carries.
pub const PIN_DIGITS: usize = 4;

/// The 4-digit 利用者証明用 PIN. Validated on construction, zeroized on drop, never printed: `Debug` shows
/// `Pin(<redacted>)` and there is no `Display`.
pub struct Pin(Zeroizing<[u8; PIN_DIGITS]>);

impl Pin {
    /// Accepts exactly [`PIN_DIGITS`] ASCII digits.
    pub fn new(digits: &str) -> Result<Self> {
        let mut pin = Zeroizing::new([0u8; PIN_DIGITS]);
        let bytes = digits.as_bytes();
        if bytes.len() != pin.len() || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(CardError::InvalidPin);
        }
        pin.copy_from_slice(bytes);
        Ok(Self(pin))
    }

    /// The ASCII bytes VERIFY carries.
    pub(crate) fn ascii(&self) -> &[u8; PIN_DIGITS] {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl TryFrom<&str> for Pin {
    type Error = CardError;

    fn try_from(digits: &str) -> Result<Self> {
        Self::new(digits)
    }
}

/// What the card said to a VERIFY with a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// The PIN was right; the auth key may now sign. The counter is back to three.
    Verified,
    /// The PIN was wrong. `tries_left` 0 means this attempt used the last try and the PIN is now blocked.
    Wrong {
        /// Tries left.
        tries_left: u8,
    },
    /// The PIN was already blocked; nothing was checked. Only the municipality can reset it.
    Blocked,
}

/// The auth PIN's state, read without spending a try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinStatus {
    /// Not verified; this many tries left.
    Remaining {
        /// Tries left (1 ..= 3 on this card).
        tries_left: u8,
    },
    /// Blocked.
    Blocked,
    /// Already verified in this session (the card answered the empty VERIFY with 9000).
    AlreadyVerified,
    /// No PIN was ever set: a 顔認証マイナンバーカード (issued since 2023-12), usable only with certified face
    /// authentication or staff 目視. What such a card answers to an empty VERIFY is not public; this stack takes
    /// `6985` (conditions of use not satisfied) to mean it, and only that: a card with a PIN answers `63Cx`, `6983`,
    /// `6984` or `9000`, so it cannot be read as PIN-less, and any other answer stays a card fault.
    NotSet,
}

/// SELECT the JPKI AP by DF name, no FCI: `00 A4 04 0C 0A <AID>`.
pub fn select_jpki_ap() -> Command {
    select_application(&JPKI_AID)
}

/// SELECT an application by DF name, no FCI: `00 A4 04 0C <Lc> <AID>`.
pub fn select_application(aid: &[u8]) -> Command {
    Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid.to_vec())
}

/// SELECT an EF by identifier, no FCI: `00 A4 02 0C 02 <EF>`.
pub fn select_ef(ef: EfId) -> Command {
    Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(ef.0.to_be_bytes().to_vec())
}

/// READ BINARY of the current EF: `00 B0 <offset> <Le>`.
pub fn read_binary(offset: usize, expected_len: u32) -> Result<Command> {
    let offset = u16::try_from(offset).ok().filter(|&offset| usize::from(offset) <= MAX_READ_OFFSET);
    let [p1, p2] = offset.ok_or(CardError::OffsetTooLarge(MAX_READ_OFFSET + 1))?.to_be_bytes();
    Ok(Command::new(0x00, 0xB0, p1, p2).with_le(expected_len))
}

/// READ BINARY naming the EF by its short identifier, from offset 0: `00 B0 <80|SFI> 00 <Le>`. The EF becomes
/// the current one, so later reads at larger offsets need no SELECT.
pub fn read_binary_sfi(ef: EfId, expected_len: u32) -> Command {
    Command::new(0x00, 0xB0, 0x80 | ef.short_id(), 0x00).with_le(expected_len)
}

/// VERIFY with the PIN of the current EF: `00 20 00 80 04 <ASCII digits>`.
pub fn verify(pin: &Pin) -> Command {
    Command::new(0x00, 0x20, 0x00, 0x80).with_sensitive_data(Zeroizing::new(pin.ascii().to_vec()))
}

/// VERIFY naming the PIN EF by short identifier: `00 20 00 <80|SFI> <Lc> <secret>`.
pub fn verify_sfi(ef: EfId, secret: &[u8]) -> Command {
    Command::new(0x00, 0x20, 0x00, 0x80 | ef.short_id()).with_sensitive_data(Zeroizing::new(secret.to_vec()))
}

/// Empty VERIFY: asks for the retry counter without spending a try: `00 20 00 80`.
pub fn pin_retry_query() -> Command {
    Command::new(0x00, 0x20, 0x00, 0x80)
}

/// Empty VERIFY naming the PIN EF by short identifier: `00 20 00 <80|SFI>`.
pub fn pin_retry_query_sfi(ef: EfId) -> Command {
    Command::new(0x00, 0x20, 0x00, 0x80 | ef.short_id())
}

/// CHANGE REFERENCE DATA of the current (verified) PIN EF: `00 24 01 80 <Lc> <new secret>`.
pub fn change_reference_data(new_secret: &[u8]) -> Command {
    Command::new(0x00, 0x24, 0x01, 0x80).with_sensitive_data(Zeroizing::new(new_secret.to_vec()))
}

/// COMPUTE DIGITAL SIGNATURE with the current key EF: `80 2A 00 80 <Lc> <DigestInfo> 00`.
pub fn sign(digest_info: &[u8]) -> Command {
    Command::new(0x80, 0x2A, 0x00, 0x80).with_data(digest_info.to_vec()).with_le(256)
}

/// COMPUTE DIGITAL SIGNATURE naming the key EF by short identifier: `80 2A 00 <80|SFI> <Lc> <DigestInfo> 00`.
pub fn sign_sfi(key: EfId, digest_info: &[u8]) -> Command {
    Command::new(0x80, 0x2A, 0x00, 0x80 | key.short_id()).with_data(digest_info.to_vec()).with_le(256)
}

/// DigestInfo(SHA-256(message)): the 51 bytes the card signs.
pub fn digest_info_sha256(message: &[u8]) -> Vec<u8> {
    let mut digest_info = DIGEST_INFO_SHA256_PREFIX.to_vec();
    digest_info.extend_from_slice(&Sha256::digest(message));
    digest_info
}

/// Total length of a DER value from its first bytes (tag, then short or one/two-byte long-form length).
pub(crate) fn der_total_len(header: &[u8]) -> Result<usize> {
    match *header {
        [0x30, len, ..] if len < 0x80 => Ok(2 + usize::from(len)),
        [0x30, 0x81, len, ..] => Ok(3 + usize::from(len)),
        [0x30, 0x82, high, low, ..] => Ok(4 + usize::from(u16::from_be_bytes([high, low]))),
        [0x30, ..] => Err(CardError::MalformedResponse("DER length form not supported")),
        _ => Err(CardError::MalformedResponse("file does not start with a DER SEQUENCE")),
    }
}

/// Which of the two JPKI key pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// 利用者証明用 (authentication): 4-digit PIN, EF 0017/0018, certificate EF 000A.
    Authentication,
    /// 署名用 (signing): 6–16 character password, EF 001A/001B, certificate EF 0001.
    Signing,
}

impl KeyUse {
    /// The private key EF.
    pub fn key_ef(self) -> EfId {
        match self {
            Self::Authentication => EfId::AUTH_PRIVATE_KEY,
            Self::Signing => EfId::SIGN_PRIVATE_KEY,
        }
    }

    /// The PIN or password EF.
    pub fn pin_ef(self) -> EfId {
        match self {
            Self::Authentication => EfId::AUTH_PIN,
            Self::Signing => EfId::SIGN_PIN,
        }
    }
}

/// Reads a whole DER-encoded EF named by short identifier over any transport, using as few READ BINARYs as
/// the transport allows: one extended READ BINARY (Ne 65 536) when extended length gets through, else
/// 256-byte short reads (the first names the EF by SFI, the rest read the current EF at growing offsets).
pub async fn read_der_file_sfi<T: Transport + ?Sized>(transport: &mut T, ef: EfId) -> Result<Vec<u8>> {
    let first = read_binary_sfi(ef, first_read_len(transport));
    let mut content = read_whole_ef(transport, &first, der_total_len).await?;
    // A certificate is public: it leaves the wiped buffer, which is left empty.
    Ok(std::mem::take(&mut *content))
}

/// How much the first READ BINARY of a file asks for: all of it when extended length gets through.
pub(crate) fn first_read_len<T: Transport + ?Sized>(transport: &T) -> u32 {
    if transport.supports_extended_length() { MAX_EXTENDED_LE } else { READ_CHUNK as u32 }
}

/// Reads a whole EF: `first` (a READ BINARY at offset 0 of the EF, named by SFI or already selected) answers with
/// the file's start, `total_len` reads from it how long the file is (its DER or BER-TLV header), and short READ
/// BINARYs at growing offsets fetch the rest. Every piece read lands in a buffer that is wiped when dropped, as
/// the card's text files hold personal data.
pub(crate) async fn read_whole_ef<T: Transport + ?Sized>(
    transport: &mut T,
    first: &Command,
    total_len: fn(&[u8]) -> Result<usize>,
) -> Result<Zeroizing<Vec<u8>>> {
    let mut content = Zeroizing::new(transceive(transport, first).await?.into_success_data()?);
    let total = total_len(&content)?;
    content.truncate(total);
    while content.len() < total {
        let offset = content.len();
        if offset > MAX_READ_OFFSET {
            return Err(CardError::OffsetTooLarge(offset));
        }
        let chunk = (total - offset).min(READ_CHUNK);
        let expected = u32::try_from(chunk).unwrap_or(256);
        let data = Zeroizing::new(transceive(transport, &read_binary(offset, expected)?).await?.into_success_data()?);
        if data.is_empty() {
            return Err(CardError::MalformedResponse("READ BINARY returned no data before the end"));
        }
        content.extend_from_slice(data.get(..chunk.min(data.len())).unwrap_or_default());
    }
    Ok(content)
}

/// Maps the answer of an empty VERIFY to the PIN state.
pub(crate) fn pin_status_from(status: StatusWord) -> Result<PinStatus> {
    match status {
        StatusWord::WrongPin { tries_left: 0 } | StatusWord::Blocked => Ok(PinStatus::Blocked),
        StatusWord::WrongPin { tries_left } => Ok(PinStatus::Remaining { tries_left }),
        StatusWord::Ok => Ok(PinStatus::AlreadyVerified),
        StatusWord::ConditionsNotSatisfied => Ok(PinStatus::NotSet),
        other => Err(CardError::Status(other)),
    }
}

/// Maps the answer of a VERIFY with a secret.
pub(crate) fn verify_outcome_from(status: StatusWord) -> Result<VerifyOutcome> {
    match status {
        StatusWord::Ok => Ok(VerifyOutcome::Verified),
        StatusWord::WrongPin { tries_left } => Ok(VerifyOutcome::Wrong { tries_left }),
        StatusWord::Blocked => Ok(VerifyOutcome::Blocked),
        other => Err(CardError::Status(other)),
    }
}

/// The 署名用パスワード: 6 to 16 characters, upper-case A–Z and 0–9. Zeroized on drop, never printed.
pub struct SignPassword(Zeroizing<Vec<u8>>);

impl SignPassword {
    /// Accepts 6–16 upper-case ASCII letters and digits. (Lower case is refused rather than converted, so the
    /// holder sees what the card will compare.)
    pub fn new(text: &str) -> Result<Self> {
        let bytes = text.as_bytes();
        let allowed = |byte: &u8| byte.is_ascii_uppercase() || byte.is_ascii_digit();
        if !(6..=16).contains(&bytes.len()) || !bytes.iter().all(allowed) {
            return Err(CardError::InvalidPassword);
        }
        Ok(Self(Zeroizing::new(bytes.to_vec())))
    }

    fn ascii(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SignPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignPassword(<redacted>)")
    }
}

/// The token label from EF 0006 (the first 32 bytes, space or NUL padded), e.g. `JPKIAPICCTOKEN2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// The label without its padding.
    pub label: String,
}

/// The JPKI AP over a transport.
#[derive(Debug)]
pub struct Jpki<T> {
    transport: T,
}

impl<T: Transport> Jpki<T> {
    /// Wraps a transport.
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    /// The transport.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// SELECT the JPKI AP.
    pub async fn select(&mut self) -> Result<()> {
        self.run(&select_jpki_ap()).await.map(drop)
    }

    /// SELECT an EF of the JPKI AP.
    pub async fn select_ef(&mut self, ef: EfId) -> Result<()> {
        self.run(&select_ef(ef)).await.map(drop)
    }

    /// Reads a whole DER-encoded EF (see [`read_der_file_sfi`]).
    pub async fn read_der_file(&mut self, ef: EfId) -> Result<Vec<u8>> {
        read_der_file_sfi(&mut self.transport, ef).await
    }

    /// Reads the 利用者証明用電子証明書 (EF 000A; no PIN needed).
    pub async fn read_auth_certificate(&mut self) -> Result<Vec<u8>> {
        self.read_der_file(EfId::AUTH_CERTIFICATE).await
    }

    /// Reads the 利用者証明用 CA certificate (EF 000B).
    pub async fn read_auth_ca_certificate(&mut self) -> Result<Vec<u8>> {
        self.read_der_file(EfId::AUTH_CA_CERTIFICATE).await
    }

    /// Reads the 署名用電子証明書 (EF 0001). The card refuses (6982) until the signing password was verified.
    pub async fn read_sign_certificate(&mut self) -> Result<Vec<u8>> {
        self.read_der_file(EfId::SIGN_CERTIFICATE).await
    }

    /// Reads the 署名用 CA certificate (EF 0002).
    pub async fn read_sign_ca_certificate(&mut self) -> Result<Vec<u8>> {
        self.read_der_file(EfId::SIGN_CA_CERTIFICATE).await
    }

    /// Reads the token label from EF 0006.
    pub async fn read_token_info(&mut self) -> Result<TokenInfo> {
        let data = self.run(&read_binary_sfi(EfId::TOKEN_INFO, 32)).await?;
        let label_bytes = data.get(..32.min(data.len())).unwrap_or_default();
        let label = String::from_utf8_lossy(label_bytes).trim_end_matches([' ', '\0']).to_owned();
        Ok(TokenInfo { label })
    }

    /// Reads the auth PIN's retry counter with an empty VERIFY, which spends no try.
    pub async fn pin_status(&mut self) -> Result<PinStatus> {
        self.secret_status(KeyUse::Authentication).await
    }

    /// Reads the retry counter of either secret with an empty VERIFY (by SFI), which spends no try.
    pub async fn secret_status(&mut self, key: KeyUse) -> Result<PinStatus> {
        let response = transceive(&mut self.transport, &pin_retry_query_sfi(key.pin_ef())).await?;
        pin_status_from(response.status)
    }

    /// Sends exactly one VERIFY with `pin` to the auth PIN (EF 0018, named by SFI). Never retries, whatever the
    /// card says: a retry would spend one of the holder's three tries.
    pub async fn verify_auth_pin(&mut self, pin: Pin) -> Result<VerifyOutcome> {
        let command = verify_sfi(EfId::AUTH_PIN, pin.ascii());
        drop(pin);
        let response = send_once(&mut self.transport, &command).await?;
        verify_outcome_from(response.status)
    }

    /// Sends exactly one VERIFY with the signing password (EF 001B; 5 tries).
    pub async fn verify_sign_password(&mut self, password: SignPassword) -> Result<VerifyOutcome> {
        let command = verify_sfi(EfId::SIGN_PIN, password.ascii());
        drop(password);
        let response = send_once(&mut self.transport, &command).await?;
        verify_outcome_from(response.status)
    }

    /// Changes the auth PIN: SELECT EF 0018, VERIFY the current PIN, CHANGE REFERENCE DATA to the new one.
    /// A wrong current PIN is returned as the outcome and nothing is changed.
    pub async fn change_auth_pin(&mut self, current: Pin, new: Pin) -> Result<VerifyOutcome> {
        self.change_secret(EfId::AUTH_PIN, &verify(&current), new.ascii()).await
    }

    /// Changes the signing password the same way.
    pub async fn change_sign_password(&mut self, current: SignPassword, new: SignPassword) -> Result<VerifyOutcome> {
        let verify_current =
            Command::new(0x00, 0x20, 0x00, 0x80).with_sensitive_data(Zeroizing::new(current.ascii().to_vec()));
        self.change_secret(EfId::SIGN_PIN, &verify_current, new.ascii()).await
    }

    async fn change_secret(&mut self, ef: EfId, verify_current: &Command, new: &[u8]) -> Result<VerifyOutcome> {
        self.select_ef(ef).await?;
        let outcome = verify_outcome_from(send_once(&mut self.transport, verify_current).await?.status)?;
        if outcome != VerifyOutcome::Verified {
            return Ok(outcome);
        }
        self.run(&change_reference_data(new)).await?;
        Ok(VerifyOutcome::Verified)
    }

    /// Signs a DigestInfo with the auth key (EF 0017, named by SFI). The PIN must have been verified.
    pub async fn sign_digest_info(&mut self, digest_info: &[u8]) -> Result<Vec<u8>> {
        self.sign_with(KeyUse::Authentication, digest_info).await
    }

    /// Signs a DigestInfo with either key; its secret must have been verified.
    pub async fn sign_with(&mut self, key: KeyUse, digest_info: &[u8]) -> Result<Vec<u8>> {
        let signature = self.run(&sign_sfi(key.key_ef(), digest_info)).await?;
        if signature.len() != SIGNATURE_LEN {
            return Err(CardError::MalformedResponse("signature is not 256 bytes"));
        }
        Ok(signature)
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

    const SELECT_AP: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
    const SELECT_CERT: &str = "00 A4 02 0C 02 00 0A";
    const SELECT_PIN: &str = "00 A4 02 0C 02 00 18";
    const SELECT_KEY: &str = "00 A4 02 0C 02 00 17";

    #[test]
    fn command_bytes_are_the_documented_ones() {
        assert_eq!(select_jpki_ap().encode().unwrap().as_slice(), hex(SELECT_AP));
        assert_eq!(select_ef(EfId::AUTH_CERTIFICATE).encode().unwrap().as_slice(), hex(SELECT_CERT));
        assert_eq!(select_ef(EfId::AUTH_CA_CERTIFICATE).encode().unwrap().as_slice(), hex("00 A4 02 0C 02 00 0B"));
        assert_eq!(select_ef(EfId::AUTH_PIN).encode().unwrap().as_slice(), hex(SELECT_PIN));
        assert_eq!(select_ef(EfId::AUTH_PRIVATE_KEY).encode().unwrap().as_slice(), hex(SELECT_KEY));
        assert_eq!(read_binary(0, 4).unwrap().encode().unwrap().as_slice(), hex("00 B0 00 00 04"));
        assert_eq!(read_binary(0x104, 256).unwrap().encode().unwrap().as_slice(), hex("00 B0 01 04 00"));
        assert!(matches!(read_binary(0x8000, 1), Err(CardError::OffsetTooLarge(_))));
        assert_eq!(pin_retry_query().encode().unwrap().as_slice(), hex("00 20 00 80"));
        let pin = Pin::new("1234").unwrap();
        assert_eq!(verify(&pin).encode().unwrap().as_slice(), hex("00 20 00 80 04 31 32 33 34"));
        assert_eq!(read_binary_sfi(EfId::AUTH_CERTIFICATE, 4).encode().unwrap().as_slice(), hex("00 B0 8A 00 04"));
        assert_eq!(
            read_binary_sfi(EfId::AUTH_CERTIFICATE, MAX_EXTENDED_LE).encode().unwrap().as_slice(),
            hex("00 B0 8A 00 00 00 00")
        );
        assert_eq!(read_binary_sfi(EfId::SIGN_CERTIFICATE, 256).encode().unwrap().as_slice(), hex("00 B0 81 00 00"));
        assert_eq!(pin_retry_query_sfi(EfId::AUTH_PIN).encode().unwrap().as_slice(), hex("00 20 00 98"));
        assert_eq!(pin_retry_query_sfi(EfId::SIGN_PIN).encode().unwrap().as_slice(), hex("00 20 00 9B"));
        assert_eq!(
            verify_sfi(EfId::AUTH_PIN, pin.ascii()).encode().unwrap().as_slice(),
            hex("00 20 00 98 04 31 32 33 34")
        );
        assert_eq!(change_reference_data(b"5678").encode().unwrap().as_slice(), hex("00 24 01 80 04 35 36 37 38"));
        assert_eq!(
            sign_sfi(EfId::AUTH_PRIVATE_KEY, &[1, 2]).encode().unwrap().as_slice(),
            hex("80 2A 00 97 02 01 02 00")
        );
        assert_eq!(
            sign_sfi(EfId::SIGN_PRIVATE_KEY, &[1, 2]).encode().unwrap().as_slice(),
            hex("80 2A 00 9A 02 01 02 00")
        );
    }

    #[test]
    fn sign_password_rules_and_redaction() {
        for good in ["ABC123", "A1B2C3D4E5F6G7H8", "PASSWORD"] {
            assert!(SignPassword::new(good).is_ok(), "{good}");
        }
        for bad in ["ABC12", "A1B2C3D4E5F6G7H8I", "abc123", "ABC 123", "ＡＢＣ１２３"] {
            assert!(matches!(SignPassword::new(bad), Err(CardError::InvalidPassword)), "{bad}");
        }
        let password = SignPassword::new("SECRET99").unwrap();
        assert_eq!(format!("{password:?}"), "SignPassword(<redacted>)");
    }

    #[test]
    fn extended_transports_read_a_certificate_in_one_apdu() {
        #[derive(Debug)]
        struct Extended(ScriptedCard);
        impl Transport for Extended {
            async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, crate::transport::TransportError> {
                self.0.transmit(command).await
            }
            fn supports_extended_length(&self) -> bool {
                true
            }
        }
        let mut file = hex("30 82 02 54");
        file.extend((0..596u32).map(|i| u8::try_from(i % 251).unwrap()));
        let reply = format!("{} 62 82", hex::encode(&file));
        let mut jpki = Jpki::new(Extended(ScriptedCard::new(&[("00 B0 8A 00 00 00 00", &reply)])));
        assert_eq!(block_on(jpki.read_auth_certificate()).unwrap(), file);
        assert_eq!(jpki.into_inner().0.sent.len(), 1);
    }

    #[test]
    fn sign_command_carries_the_digest_info_and_le_00() {
        let digest_info = digest_info_sha256(b"message1");
        let encoded = sign(&digest_info).encode().unwrap();
        assert_eq!(&encoded[..5], hex("80 2A 00 80 33").as_slice());
        assert_eq!(&encoded[5..5 + 51], digest_info.as_slice());
        assert_eq!(encoded.last(), Some(&0x00));
        assert_eq!(encoded.len(), 5 + 51 + 1);
    }

    #[test]
    fn digest_info_of_message1_is_the_published_value() {
        // The value the real card vector's signature RSA-recovers to, as stated in the reference notes (§11).
        let expected = hex(
            "3031300d060960864801650304020105000420 97d035e32036a670058f2be4e008a7c56355489750a5da6f2af342db4a968e99",
        );
        assert_eq!(digest_info_sha256(b"message1"), expected);
    }

    #[test]
    fn pin_accepts_four_digits_only() {
        assert!(Pin::new("0000").is_ok());
        for bad in ["", "123", "12345", "12a4", "１２３４", " 123", "12.4"] {
            assert!(matches!(Pin::new(bad), Err(CardError::InvalidPin)), "{bad:?}");
        }
        assert!(Pin::try_from("9876").is_ok());
    }

    #[test]
    fn pin_debug_is_redacted_and_errors_do_not_carry_it() {
        let pin = Pin::new("4862").unwrap();
        assert_eq!(format!("{pin:?}"), "Pin(<redacted>)");
        assert_eq!(format!("{:#?}", Some(&pin)), "Some(\n    Pin(<redacted>),\n)");
        let error = Pin::new("48620").err().unwrap();
        assert!(!error.to_string().contains("4862") && !format!("{error:?}").contains("4862"));
        let verify_command = verify(&pin);
        assert!(!format!("{verify_command:?}").contains("34 38 36 32"));
    }

    #[test]
    fn certificate_is_read_header_first_then_in_256_byte_chunks() {
        // A 600-byte DER SEQUENCE: header 30 82 02 54, content 596 bytes.
        let mut file = hex("30 82 02 54");
        file.extend((0..596u32).map(|i| u8::try_from(i % 251).unwrap()));
        let chunk = |from: usize, to: usize| format!("{} 90 00", hex::encode(&file[from..to]));
        let script = [
            ("00 B0 8A 00 00", chunk(0, 256)),
            ("00 B0 01 00 00", chunk(256, 512)),
            ("00 B0 02 00 58", chunk(512, 600)),
        ];
        let script: Vec<(&str, &str)> = script.iter().map(|(command, reply)| (*command, reply.as_str())).collect();
        let mut jpki = Jpki::new(ScriptedCard::new(&script));
        assert_eq!(block_on(jpki.read_auth_certificate()).unwrap(), file);
        assert!(jpki.into_inner().script.is_done());
    }

    #[test]
    fn a_file_that_is_not_der_is_a_typed_error() {
        let mut jpki = Jpki::new(ScriptedCard::new(&[("00 B0 8A 00 00", "FF FF FF FF 90 00")]));
        assert!(matches!(block_on(jpki.read_auth_certificate()), Err(CardError::MalformedResponse(_))));
    }

    #[test]
    fn a_missing_file_is_the_card_saying_no() {
        let mut jpki = Jpki::new(ScriptedCard::new(&[("00 B0 8A 00 00", "6A 82")]));
        assert!(matches!(block_on(jpki.read_auth_certificate()), Err(CardError::Status(StatusWord::FileNotFound))));
    }

    #[test]
    fn pin_status_reads_the_counter() {
        let cases = [
            ("63 C3", PinStatus::Remaining { tries_left: 3 }),
            ("63 C1", PinStatus::Remaining { tries_left: 1 }),
            ("63 C0", PinStatus::Blocked),
            ("69 84", PinStatus::Blocked),
            ("69 83", PinStatus::Blocked),
            ("90 00", PinStatus::AlreadyVerified),
            ("69 85", PinStatus::NotSet),
        ];
        for (reply, expected) in cases {
            let mut jpki = Jpki::new(ScriptedCard::new(&[("00 20 00 98", reply)]));
            assert_eq!(block_on(jpki.pin_status()).unwrap(), expected, "{reply}");
        }
    }

    #[test]
    fn only_the_assumed_answer_reads_as_a_card_without_a_pin() {
        // Every answer a card with a PIN gives to an empty VERIFY, and the faults that are not about the PIN, keep
        // their meaning: none of them may send a patient who has a PIN to 目視 as PIN-less.
        for reply in ["63 C3", "63 C0", "69 83", "69 84", "90 00", "69 82", "6A 88", "6A 82", "6D 00", "6F 00"] {
            let mut jpki = Jpki::new(ScriptedCard::new(&[("00 20 00 98", reply)]));
            assert_ne!(block_on(jpki.pin_status()).ok(), Some(PinStatus::NotSet), "{reply}");
        }
    }

    #[test]
    fn verify_maps_status_words_and_sends_exactly_one_verify() {
        let cases = [
            ("90 00", VerifyOutcome::Verified),
            ("63 C2", VerifyOutcome::Wrong { tries_left: 2 }),
            ("63 C0", VerifyOutcome::Wrong { tries_left: 0 }),
            ("69 84", VerifyOutcome::Blocked),
        ];
        for (reply, expected) in cases {
            let card = ScriptedCard::new(&[("00 20 00 98 04 31 32 33 34", reply)]);
            let mut jpki = Jpki::new(card);
            assert_eq!(block_on(jpki.verify_auth_pin(Pin::new("1234").unwrap())).unwrap(), expected);
            let card = jpki.into_inner();
            assert_eq!(card.sent.iter().filter(|command| command.get(1) == Some(&0x20)).count(), 1);
        }
    }

    #[test]
    fn verify_does_not_resend_on_wrong_le() {
        let card = ScriptedCard::new(&[("00 20 00 98 04 31 32 33 34", "6C 00")]);
        let mut jpki = Jpki::new(card);
        let result = block_on(jpki.verify_auth_pin(Pin::new("1234").unwrap()));
        assert!(matches!(result, Err(CardError::Status(StatusWord::WrongLe(0)))));
        assert_eq!(jpki.into_inner().sent.len(), 1);
    }

    #[test]
    fn signing_without_verification_is_the_card_saying_no() {
        let digest_info = digest_info_sha256(b"challenge");
        let sign_apdu = format!("80 2A 00 97 33 {} 00", hex::encode(&digest_info));
        let mut jpki = Jpki::new(ScriptedCard::new(&[(&sign_apdu, "69 82")]));
        let result = block_on(jpki.sign_digest_info(&digest_info));
        assert!(matches!(result, Err(CardError::Status(StatusWord::SecurityNotSatisfied))));
    }

    /// A "card" that answers every command with the next of a fixed set of arbitrary responses, cycling.
    #[derive(Debug)]
    struct ArbitraryCard {
        replies: Vec<Vec<u8>>,
        next: usize,
    }

    impl Transport for ArbitraryCard {
        async fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, crate::transport::TransportError> {
            let reply = self.replies.get(self.next % self.replies.len().max(1)).cloned().unwrap_or_default();
            self.next += 1;
            Ok(reply)
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_card_answers_never_panic_or_hang(
            replies in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), 1..6),
        ) {
            let mut jpki = Jpki::new(ArbitraryCard { replies, next: 0 });
            let _ = block_on(jpki.read_auth_certificate());
            let _ = block_on(jpki.pin_status());
            let _ = block_on(jpki.verify_auth_pin(Pin::new("1234").unwrap()));
            let _ = block_on(jpki.sign_digest_info(&digest_info_sha256(b"x")));
        }
    }

    #[test]
    fn a_short_signature_is_rejected() {
        let digest_info = digest_info_sha256(b"challenge");
        let sign_apdu = format!("80 2A 00 97 33 {} 00", hex::encode(&digest_info));
        let mut jpki = Jpki::new(ScriptedCard::new(&[(&sign_apdu, "01 02 90 00")]));
        assert!(matches!(block_on(jpki.sign_digest_info(&digest_info)), Err(CardError::MalformedResponse(_))));
    }
}
