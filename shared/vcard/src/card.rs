//! A virtual My Number card: the JPKI AP's files, the auth PIN counter and RSA signing with the auth key,
//! answering command APDUs the way the reference notes say the real card does.

use std::fmt;

use der::{Decode, Encode};
use onshi_card::apdu::{Command, Response, StatusWord};
use onshi_card::jpki::{AUTH_PIN_MAX_TRIES, EfId, JPKI_AID};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey};
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::demo::{DEMO_CERTIFICATES_DER, DEMO_PERSONS, DEMO_PRIVATE_KEYS_PKCS8, TEST_CA_CERTIFICATE_DER};
use crate::error::VcardError;

/// The contact ATR of the My Number card (T=1, IFSC 254), which the virtual reader reports on power-up.
pub const MY_NUMBER_CARD_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// PKCS#1 v1.5 type-1 padding needs at least 11 bytes of the modulus.
const PKCS1_PADDING_OVERHEAD: usize = 11;

/// A short EF identifier (P1 of READ BINARY with bit 8 set, or P2 of VERIFY/SIGN with bit 8 set) names the
/// EF `00 <SFI>` of the current application.
const SHORT_EF_FLAG: u8 = 0x80;

/// A virtual JPKI card holding a certificate, its CA certificate, the matching private key and an auth PIN.
pub struct VirtualCard {
    certificate_der: Vec<u8>,
    ca_certificate_der: Vec<u8>,
    key: PrivateKey,
    pin: Zeroizing<[u8; 4]>,
    tries_left: u8,
    jpki_selected: bool,
    current_ef: Option<EfId>,
    pin_verified: bool,
    blinding_rng: ChaCha20Rng,
}

impl fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualCard")
            .field("certificate_der", &format_args!("<{} bytes>", self.certificate_der.len()))
            .field("key", &format_args!("<redacted>"))
            .field("pin", &format_args!("<redacted>"))
            .field("tries_left", &self.tries_left)
            .field("jpki_selected", &self.jpki_selected)
            .field("current_ef", &self.current_ef)
            .field("pin_verified", &self.pin_verified)
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    /// Demo card `index` (see `demo-cards.json`), built from the committed test PKI.
    pub fn demo(index: usize) -> Result<Self, VcardError> {
        let (Some(certificate), Some(key), Some(person)) =
            (DEMO_CERTIFICATES_DER.get(index), DEMO_PRIVATE_KEYS_PKCS8.get(index), DEMO_PERSONS.get(index))
        else {
            return Err(VcardError::NoSuchDemoCard { index, count: DEMO_PERSONS.len() });
        };
        Self::from_parts(certificate, key, person.pin)
    }

    /// A card with any certificate, PKCS#8 private key and 4-digit PIN. The CA certificate in EF 000B is the
    /// committed test CA; change it with [`VirtualCard::with_ca_certificate`]. Refuses a key that does not
    /// belong to the certificate.
    pub fn from_parts(certificate_der: &[u8], private_key_pkcs8: &[u8], pin: &str) -> Result<Self, VcardError> {
        let pin_bytes = pin.as_bytes();
        if pin_bytes.len() != 4 || !pin_bytes.iter().all(u8::is_ascii_digit) {
            return Err(VcardError::InvalidPin);
        }
        let mut pin_digits = Zeroizing::new([0u8; 4]);
        pin_digits.copy_from_slice(pin_bytes);

        let key = PrivateKey::from_pkcs8_der(private_key_pkcs8)
            .map_err(|error| VcardError::KeyEncoding(error.to_string()))?;
        let certificate = Certificate::from_der(certificate_der)?;
        let certified_key = certificate.tbs_certificate().subject_public_key_info().to_der()?;
        let own_key = SubjectPublicKeyInfoOwned::from_key(&key.to_public_key())
            .map_err(|error| VcardError::KeyEncoding(error.to_string()))?
            .to_der()?;
        if certified_key != own_key {
            return Err(VcardError::KeyDoesNotMatchCertificate);
        }

        // The card's blinding randomness does not change a PKCS#1 v1.5 signature; seeding it from the
        // certificate keeps the card free of any OS random source.
        let blinding_rng = ChaCha20Rng::from_seed(Sha256::digest(certificate_der).into());
        Ok(Self {
            certificate_der: certificate_der.to_vec(),
            ca_certificate_der: TEST_CA_CERTIFICATE_DER.to_vec(),
            key,
            pin: pin_digits,
            tries_left: AUTH_PIN_MAX_TRIES,
            jpki_selected: false,
            current_ef: None,
            pin_verified: false,
            blinding_rng,
        })
    }

    /// Replaces the CA certificate served from EF 000B.
    #[must_use]
    pub fn with_ca_certificate(mut self, ca_certificate_der: &[u8]) -> Self {
        self.ca_certificate_der = ca_certificate_der.to_vec();
        self
    }

    /// The certificate in EF 000A.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// Tries left on the auth PIN (0 = blocked).
    pub fn tries_left(&self) -> u8 {
        self.tries_left
    }

    /// What a cold reset does: the current application, file and PIN verification are gone; the retry counter
    /// stays (it lives in the card's memory).
    pub fn reset(&mut self) {
        self.jpki_selected = false;
        self.current_ef = None;
        self.pin_verified = false;
    }

    /// Processes one command APDU and returns the response APDU (data, then SW1 SW2).
    pub fn process_apdu(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.respond(apdu).encode()
    }

    fn respond(&mut self, apdu: &[u8]) -> Response {
        let Ok(command) = Command::parse(apdu) else {
            return status(StatusWord::WrongLength);
        };
        match (command.cla, command.ins) {
            (0x00, 0xA4) => self.select(&command),
            (0x00, 0xB0) => self.read_binary(&command),
            (0x00, 0x20) => self.verify(&command),
            (0x80, 0x2A) => self.sign(&command),
            (_, 0xA4 | 0xB0 | 0x20 | 0x2A) => status(StatusWord::ClassNotSupported),
            (0x00 | 0x80, _) => status(StatusWord::InstructionNotSupported),
            _ => status(StatusWord::ClassNotSupported),
        }
    }

    /// SELECT: the JPKI AP by name (P1 04), or one of its EFs by identifier (P1 02); P2 0C only (no FCI).
    fn select(&mut self, command: &Command) -> Response {
        match (command.p1, command.p2) {
            (0x04, 0x0C) => {
                if command.data() != JPKI_AID {
                    return status(StatusWord::FileNotFound);
                }
                // Selecting the application again ends any earlier PIN verification.
                self.reset();
                self.jpki_selected = true;
                status(StatusWord::Ok)
            }
            (0x02, 0x0C) => {
                let Ok(&[high, low]) = <&[u8; 2]>::try_from(command.data()) else {
                    return status(StatusWord::WrongLength);
                };
                match self.jpki_ef(u16::from_be_bytes([high, low])) {
                    Some(ef) => {
                        self.current_ef = Some(ef);
                        status(StatusWord::Ok)
                    }
                    None => status(StatusWord::FileNotFound),
                }
            }
            _ => status(StatusWord::IncorrectParameters),
        }
    }

    /// An EF of the JPKI AP, if the AP is selected and the EF exists.
    fn jpki_ef(&self, id: u16) -> Option<EfId> {
        let known = [EfId::AUTH_CERTIFICATE, EfId::AUTH_CA_CERTIFICATE, EfId::AUTH_PRIVATE_KEY, EfId::AUTH_PIN];
        known.into_iter().find(|ef| ef.0 == id).filter(|_| self.jpki_selected)
    }

    /// READ BINARY of the current EF at a 15-bit offset, or of an EF named by SFI at an 8-bit offset.
    fn read_binary(&mut self, command: &Command) -> Response {
        let offset = if command.p1 & SHORT_EF_FLAG != 0 {
            match self.jpki_ef(u16::from(command.p1 & 0x1F)) {
                Some(ef) => self.current_ef = Some(ef),
                None => return status(StatusWord::FileNotFound),
            }
            usize::from(command.p2)
        } else {
            usize::from(u16::from_be_bytes([command.p1, command.p2]))
        };
        let content = match self.current_ef.filter(|_| self.jpki_selected) {
            None => return status(StatusWord::NoCurrentEf),
            Some(EfId::AUTH_CERTIFICATE) => &self.certificate_der,
            Some(EfId::AUTH_CA_CERTIFICATE) => &self.ca_certificate_der,
            Some(_) => return status(StatusWord::IncompatibleFile),
        };
        let Some(expected) = command.le().and_then(|le| usize::try_from(le).ok()) else {
            return status(StatusWord::WrongLength);
        };
        let Some(rest) = content.get(offset..).filter(|rest| !rest.is_empty()) else {
            return status(StatusWord::OffsetOutOfRange);
        };
        let data = rest.get(..expected).unwrap_or(rest).to_vec();
        // ISO/IEC 7816-4: fewer bytes than Ne because the file ended is the warning 6282, data included.
        let end_status = if data.len() < expected { StatusWord::EndOfFile } else { StatusWord::Ok };
        Response { data, status: end_status }
    }

    /// Whether P2 of VERIFY or SIGN names `ef`: `80` with `ef` current, or `80 | SFI` naming it directly.
    fn names_ef(&self, p2: u8, ef: EfId) -> Option<bool> {
        if p2 == SHORT_EF_FLAG {
            Some(self.jpki_selected && self.current_ef == Some(ef))
        } else if p2 & SHORT_EF_FLAG != 0 {
            Some(self.jpki_selected && u16::from(p2 & 0x1F) == ef.0)
        } else {
            None
        }
    }

    /// VERIFY against the auth PIN: empty data reads the counter without spending a try.
    fn verify(&mut self, command: &Command) -> Response {
        match (command.p1, self.names_ef(command.p2, EfId::AUTH_PIN)) {
            (0x00, Some(true)) => {}
            (0x00, Some(false)) => return status(StatusWord::ReferencedDataNotFound),
            _ => return status(StatusWord::IncorrectParameters),
        }
        if self.tries_left == 0 {
            return status(StatusWord::Blocked);
        }
        let offered = command.data();
        if offered.is_empty() {
            return if self.pin_verified {
                status(StatusWord::Ok)
            } else {
                status(StatusWord::WrongPin { tries_left: self.tries_left })
            };
        }
        if offered.len() != self.pin.len() {
            return status(StatusWord::WrongLength);
        }
        // Compare every byte whatever the first mismatch, so the answer time does not depend on the PIN.
        let difference = offered.iter().zip(self.pin.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if difference == 0 {
            self.tries_left = AUTH_PIN_MAX_TRIES;
            self.pin_verified = true;
            status(StatusWord::Ok)
        } else {
            self.tries_left = self.tries_left.saturating_sub(1);
            self.pin_verified = false;
            status(StatusWord::WrongPin { tries_left: self.tries_left })
        }
    }

    /// COMPUTE DIGITAL SIGNATURE with the auth key over a host-built DigestInfo: PKCS#1 v1.5 type-1 padding
    /// is added here, as the real card does.
    fn sign(&mut self, command: &Command) -> Response {
        match (command.p1, self.names_ef(command.p2, EfId::AUTH_PRIVATE_KEY)) {
            (0x00, Some(true)) => {}
            (0x00, Some(false)) => return status(StatusWord::ReferencedDataNotFound),
            _ => return status(StatusWord::IncorrectParameters),
        }
        if !self.pin_verified {
            return status(StatusWord::SecurityNotSatisfied);
        }
        let digest_info = command.data();
        if digest_info.is_empty() || digest_info.len() > self.key.size().saturating_sub(PKCS1_PADDING_OVERHEAD) {
            return status(StatusWord::WrongLength);
        }
        match self.key.sign_with_rng(&mut self.blinding_rng, Pkcs1v15Sign::new_unprefixed(), digest_info) {
            Ok(signature) => Response { data: signature, status: StatusWord::Ok },
            // 6F00: "no precise diagnosis", what a card says when its crypto engine fails.
            Err(_) => status(StatusWord::Other(0x6F00)),
        }
    }
}

fn status(status: StatusWord) -> Response {
    Response { data: Vec::new(), status }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use onshi_card::jpki::digest_info_sha256;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;

    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap()).collect()
    }

    fn sw(card: &mut VirtualCard, apdu: &str) -> String {
        let response = card.process_apdu(&hex(apdu));
        let [sw1, sw2] = response[response.len() - 2..] else { unreachable!() };
        format!("{sw1:02X}{sw2:02X}")
    }

    fn selected(index: usize) -> VirtualCard {
        let mut card = VirtualCard::demo(index).unwrap();
        assert_eq!(sw(&mut card, "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"), "9000");
        card
    }

    #[test]
    fn pin_counter_counts_down_then_blocks_for_good() {
        let mut card = selected(0);
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 18"), "9000");
        assert_eq!(sw(&mut card, "00 20 00 80"), "63C3");
        assert_eq!(sw(&mut card, "00 20 00 80 04 30 30 30 30"), "63C2");
        assert_eq!(sw(&mut card, "00 20 00 80"), "63C2", "an empty VERIFY spends no try");
        assert_eq!(sw(&mut card, "00 20 00 80 04 30 30 30 30"), "63C1");
        assert_eq!(sw(&mut card, "00 20 00 80 04 30 30 30 30"), "63C0");
        assert_eq!(sw(&mut card, "00 20 00 80 04 31 32 33 34"), "6984", "the right PIN no longer works");
        assert_eq!(sw(&mut card, "00 20 00 80"), "6984");
        card.reset();
        assert_eq!(card.tries_left(), 0, "a reset does not unblock");
    }

    #[test]
    fn a_right_pin_resets_the_counter() {
        let mut card = selected(0);
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 18"), "9000");
        assert_eq!(sw(&mut card, "00 20 00 80 04 39 39 39 39"), "63C2");
        assert_eq!(sw(&mut card, "00 20 00 80 04 39 39 39 39"), "63C1");
        assert_eq!(sw(&mut card, "00 20 00 80 04 31 32 33 34"), "9000");
        assert_eq!(card.tries_left(), 3);
        assert_eq!(sw(&mut card, "00 20 00 80"), "9000", "already verified");
        assert_eq!(sw(&mut card, "00 20 00 80 04 31 32 33"), "6700", "a short PIN spends no try");
        assert_eq!(card.tries_left(), 3);
    }

    #[test]
    fn signing_needs_a_verified_pin_and_the_signature_verifies() {
        let mut card = selected(1);
        let digest_info = digest_info_sha256(b"challenge bytes");
        let sign = format!("80 2A 00 80 33 {} 00", hex_string(&digest_info));
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 17"), "9000");
        assert_eq!(sw(&mut card, &sign), "6982");
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 18"), "9000");
        assert_eq!(sw(&mut card, "00 20 00 80 04 32 35 38 30"), "9000");
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 17"), "9000");
        let response = card.process_apdu(&hex(&sign));
        assert_eq!(response.len(), 258);
        assert_eq!(&response[256..], &[0x90, 0x00]);

        let certificate = Certificate::from_der(card.certificate_der()).unwrap();
        let spki = certificate.tbs_certificate().subject_public_key_info().to_der().unwrap();
        let public_key = <rsa::PublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&spki).unwrap();
        let verifying_key = VerifyingKey::<Sha256>::new(public_key);
        let signature = Signature::try_from(&response[..256]).unwrap();
        verifying_key.verify(b"challenge bytes", &signature).unwrap();
        assert!(verifying_key.verify(b"other bytes", &signature).is_err());
    }

    #[test]
    fn reselecting_the_application_ends_the_verification() {
        let mut card = selected(0);
        assert_eq!(sw(&mut card, "00 20 00 98 04 31 32 33 34"), "9000", "VERIFY naming EF 0018 by SFI");
        assert_eq!(sw(&mut card, "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"), "9000");
        let sign = format!("80 2A 00 97 33 {} 00", hex_string(&digest_info_sha256(b"x")));
        assert_eq!(sw(&mut card, &sign), "6982");
    }

    #[test]
    fn read_binary_honours_offsets_and_the_end_of_file() {
        let mut card = selected(2);
        let certificate = card.certificate_der().to_vec();
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 0A"), "9000");
        assert_eq!(card.process_apdu(&hex("00 B0 00 00 04"))[..4], certificate[..4]);
        let middle = card.process_apdu(&hex("00 B0 01 00 10"));
        assert_eq!(&middle[..16], &certificate[0x100..0x110]);
        let tail_offset = certificate.len() - 3;
        let tail = card.process_apdu(&[0x00, 0xB0, (tail_offset >> 8) as u8, tail_offset as u8, 0x00]);
        assert_eq!(tail, [&certificate[tail_offset..], &[0x62, 0x82][..]].concat());
        let end = certificate.len();
        assert_eq!(card.process_apdu(&[0x00, 0xB0, (end >> 8) as u8, end as u8, 0x01]), vec![0x6B, 0x00]);
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 0B"), "9000");
        assert_eq!(card.process_apdu(&hex("00 B0 00 00 04"))[..4], TEST_CA_CERTIFICATE_DER[..4]);
        assert_eq!(card.process_apdu(&hex("00 B0 8A 00 04"))[..4], certificate[..4], "READ BINARY by SFI");
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 17"), "9000");
        assert_eq!(sw(&mut card, "00 B0 00 00 04"), "6981", "a key cannot be read");
    }

    #[test]
    fn refusals_use_the_documented_status_words() {
        let mut card = VirtualCard::demo(0).unwrap();
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 0A"), "6A82", "EFs need the AP selected");
        assert_eq!(sw(&mut card, "00 B0 00 00 04"), "6986");
        assert_eq!(sw(&mut card, "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08"), "6A82", "券面事項入力補助AP absent");
        let mut card = selected(0);
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 01"), "6A82");
        assert_eq!(sw(&mut card, "00 CA 5F 51 00"), "6D00");
        assert_eq!(sw(&mut card, "A0 A4 02 0C 02 00 0A"), "6E00");
        assert_eq!(sw(&mut card, "80 B0 00 00 04"), "6E00");
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00"), "6700");
        assert_eq!(sw(&mut card, "00 A4 01 0C 02 00 0A"), "6A86");
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 0A"), "9000");
        assert_eq!(sw(&mut card, "00 20 00 80 04 31 32 33 34"), "6A88", "VERIFY needs the PIN EF");
    }

    #[test]
    fn from_parts_checks_the_pin_and_the_key() {
        let certificate = DEMO_CERTIFICATES_DER[0];
        assert!(matches!(
            VirtualCard::from_parts(certificate, DEMO_PRIVATE_KEYS_PKCS8[0], "12345"),
            Err(VcardError::InvalidPin)
        ));
        assert!(matches!(
            VirtualCard::from_parts(certificate, DEMO_PRIVATE_KEYS_PKCS8[1], "1234"),
            Err(VcardError::KeyDoesNotMatchCertificate)
        ));
        assert!(matches!(VirtualCard::demo(5), Err(VcardError::NoSuchDemoCard { index: 5, count: 5 })));
    }

    #[test]
    fn debug_redacts_the_pin_and_key() {
        let card = VirtualCard::demo(3).unwrap();
        let printed = format!("{card:?}");
        assert!(printed.contains("pin: <redacted>") && printed.contains("key: <redacted>"), "{printed}");
        assert!(!printed.contains("4862") && !printed.contains("52, 56, 54, 50"), "{printed}");
    }

    fn hex_string(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02X}")).collect()
    }
}
