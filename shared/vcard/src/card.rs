//! A virtual My Number card: the JPKI AP's files, the auth PIN counter and RSA signing with the auth key,
//! answering command APDUs the way the reference notes say the real card does.

use std::fmt;

use der::{Decode, Encode};
use onshi_card::apdu::{Command, Response, StatusWord};
use onshi_card::jpki::{AUTH_PIN_MAX_TRIES, EfId, JPKI_AID, SIGN_PASSWORD_MAX_TRIES};
use onshi_card::surface::{COLLATION_B_EF, SURFACE_AP_AID};
use onshi_card::text::TEXT_AP_AID;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey};
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::demo::{
    DEMO_CERTIFICATES_DER, DEMO_PERSONS, DEMO_PRIVATE_KEYS_PKCS8, DEMO_SIGN_CERTIFICATES_DER,
    DEMO_SIGN_PRIVATE_KEYS_PKCS8, DEMO_SURFACE_KEYS_PKCS8, EXPIRED_CARD_CERTIFICATE_DER,
    EXPIRED_CARD_PRIVATE_KEY_PKCS8, SIGN_CA_CERTIFICATE_DER, TEST_CA_CERTIFICATE_DER, decode_key, demo_collation_b,
};
use crate::surface_ap::{COLLATION_B_MAX_TRIES, SurfaceAp};

/// EF 0011 of the 券面事項入力補助AP: its PIN.
const TEXT_PIN_EF: u16 = 0x0011;
use crate::error::VcardError;

/// The contact ATR of the My Number card (T=1, IFSC 254), which the virtual reader reports on power-up.
pub const MY_NUMBER_CARD_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// PKCS#1 v1.5 type-1 padding needs at least 11 bytes of the modulus.
const PKCS1_PADDING_OVERHEAD: usize = 11;

/// A short EF identifier (P1 of READ BINARY with bit 8 set, or P2 of VERIFY/SIGN with bit 8 set) names the
/// EF `00 <SFI>` of the current application.
const SHORT_EF_FLAG: u8 = 0x80;

/// Token label in EF 0006 of a contact/contactless card.
pub const TOKEN_LABEL: &[u8] = b"JPKIAPICCTOKEN2";

/// A PIN or password with its retry counter.
struct Secret {
    value: Zeroizing<Vec<u8>>,
    tries_left: u8,
    max_tries: u8,
    verified: bool,
}

impl Secret {
    fn new(value: &[u8], max_tries: u8) -> Self {
        Self { value: Zeroizing::new(value.to_vec()), tries_left: max_tries, max_tries, verified: false }
    }
}

/// The 署名用 side of the JPKI AP.
struct SigningSide {
    certificate_der: Vec<u8>,
    ca_certificate_der: Vec<u8>,
    key: PrivateKey,
}

/// Which application is selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Application {
    Jpki,
    Text,
    Surface,
}

/// The 券面事項入力補助AP's files.
struct TextAp {
    basic_four: Zeroizing<Vec<u8>>,
    my_number: Zeroizing<Vec<u8>>,
}

/// A virtual My Number card: the JPKI AP (both key pairs, both certificates and CA certificates, token info,
/// auth PIN and signing password) and, for demo cards, the 券面事項入力補助AP. States: blocked secrets
/// ([`VirtualCard::with_blocked_auth_pin`]), a PIN-less 顔認証 card ([`VirtualCard::face_authentication_only`]);
/// expired and revoked certificates are ordinary certificates that the verifier rejects.
pub struct VirtualCard {
    certificate_der: Vec<u8>,
    ca_certificate_der: Vec<u8>,
    key: PrivateKey,
    signing: Option<SigningSide>,
    text: Option<TextAp>,
    surface: Option<SurfaceAp>,
    secrets: Vec<(u16, Application, Secret)>,
    face_authentication_only: bool,
    application: Option<Application>,
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
            .field("tries_left", &self.tries_left())
            .field("jpki_selected", &self.jpki_selected)
            .field("current_ef", &self.current_ef)
            .field("pin_verified", &self.pin_verified)
            .finish_non_exhaustive()
    }
}

/// The demo signing password of a card whose auth PIN is `pin`: `ONSHI` followed by the PIN.
pub fn demo_sign_password(pin: &str) -> String {
    format!("ONSHI{pin}")
}

fn check_key_matches(certificate_der: &[u8], key: &PrivateKey) -> Result<(), VcardError> {
    let certificate = Certificate::from_der(certificate_der)?;
    let certified_key = certificate.tbs_certificate().subject_public_key_info().to_der()?;
    let own_key = SubjectPublicKeyInfoOwned::from_key(&key.to_public_key())
        .map_err(|error| VcardError::KeyEncoding(error.to_string()))?
        .to_der()?;
    if certified_key != own_key {
        return Err(VcardError::KeyDoesNotMatchCertificate);
    }
    Ok(())
}

/// A synthetic 12-digit 個人番号 with a valid check digit (the published check-digit rule: weights 2–7 then
/// 2–6 from the right, 11 minus the remainder, 0 for remainders 0 and 1). Never a real person's number: the
/// first digit is 0.
pub fn synthetic_my_number(index: usize) -> String {
    let body = format!("0{:010}", 1_234_567_890u64.wrapping_add(index as u64 * 7_919) % 10_000_000_000);
    let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(n, digit)| {
            let position = u32::try_from(n).unwrap_or(0) + 1;
            let weight = if position <= 6 { position + 1 } else { position - 5 };
            digit * weight
        })
        .sum();
    let remainder = sum % 11;
    let check = if remainder <= 1 { 0 } else { 11 - remainder };
    format!("{body}{check}")
}

/// BER-TLV of a 基本4情報 file: `FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth, DF25 sex }`.
fn basic_four_file(name: &str, address: &str, birth_date: &str, sex_code: &str) -> Vec<u8> {
    let field = |tag: [u8; 2], value: &[u8]| {
        let mut bytes = tag.to_vec();
        push_length(&mut bytes, value.len());
        bytes.extend_from_slice(value);
        bytes
    };
    let name_field = field([0xDF, 0x22], name.as_bytes());
    let address_field = field([0xDF, 0x23], address.as_bytes());
    let birth_field = field([0xDF, 0x24], birth_date.as_bytes());
    let sex_field = field([0xDF, 0x25], sex_code.as_bytes());
    // DF21: offsets of the four fields inside the template value, two bytes each.
    let offsets_len = 2 + 1 + 8;
    let mut offset = offsets_len;
    let mut offsets = Vec::new();
    for part in [&name_field, &address_field, &birth_field, &sex_field] {
        offsets.extend_from_slice(&u16::try_from(offset).unwrap_or(u16::MAX).to_be_bytes());
        offset += part.len();
    }
    let value = [field([0xDF, 0x21], &offsets), name_field, address_field, birth_field, sex_field].concat();
    let mut file = vec![0xFF, 0x20];
    push_length(&mut file, value.len());
    file.extend_from_slice(&value);
    file
}

fn push_length(bytes: &mut Vec<u8>, len: usize) {
    match u8::try_from(len) {
        Ok(short) if short < 0x80 => bytes.push(short),
        Ok(one) => bytes.extend_from_slice(&[0x81, one]),
        Err(_) => {
            bytes.push(0x82);
            bytes.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
        }
    }
}

impl VirtualCard {
    /// Demo card `index` (see `demo-cards.json`), built from the committed test PKI: the auth side, the signing
    /// side (password `ONSHI` + PIN) and the 券面事項入力補助AP (PIN as the auth PIN, the person's 基本4情報 and a
    /// synthetic 個人番号).
    pub fn demo(index: usize) -> Result<Self, VcardError> {
        let (Some(certificate), Some(key), Some(person)) =
            (DEMO_CERTIFICATES_DER.get(index), DEMO_PRIVATE_KEYS_PKCS8.get(index), DEMO_PERSONS.get(index))
        else {
            return Err(VcardError::NoSuchDemoCard { index, count: DEMO_PERSONS.len() });
        };
        let (Some(sign_certificate), Some(sign_key)) =
            (DEMO_SIGN_CERTIFICATES_DER.get(index), DEMO_SIGN_PRIVATE_KEYS_PKCS8.get(index))
        else {
            return Err(VcardError::NoSuchDemoCard { index, count: DEMO_PERSONS.len() });
        };
        let sex_code = if person.sex == "male" { "1" } else { "2" };
        let birth_date: String = person.birth_date.chars().filter(char::is_ascii_digit).collect();
        let my_number = synthetic_my_number(index);
        let (Some(surface_key), Some(collation_b)) = (DEMO_SURFACE_KEYS_PKCS8.get(index), demo_collation_b(index))
        else {
            return Err(VcardError::NoSuchDemoCard { index, count: DEMO_PERSONS.len() });
        };
        let surface = SurfaceAp::demo(person, decode_key(surface_key)?)?;
        Self::from_parts(certificate, key, person.pin)?
            .with_signing_side(sign_certificate, SIGN_CA_CERTIFICATE_DER, sign_key, &demo_sign_password(person.pin))?
            .with_text_ap(person.pin, &basic_four_file(person.name, person.address, &birth_date, sex_code), &my_number)
            .map(|card| card.with_surface_ap(surface, &collation_b))
    }

    /// Adds the 券面事項確認AP with its card face, its own key and 照合番号B (fresh counter of
    /// [`COLLATION_B_MAX_TRIES`]).
    fn with_surface_ap(mut self, surface: SurfaceAp, collation_b: &str) -> Self {
        self.surface = Some(surface);
        self.secrets.push((
            COLLATION_B_EF.0,
            Application::Surface,
            Secret::new(collation_b.as_bytes(), COLLATION_B_MAX_TRIES),
        ));
        self
    }

    /// 照合番号B's counter starts at `tries_left` (as after earlier wrong tries elsewhere).
    #[must_use]
    pub fn with_collation_b_tries_left(mut self, tries_left: u8) -> Self {
        if let Some(secret) = self.secret_mut(Application::Surface, COLLATION_B_EF.0) {
            secret.tries_left = tries_left.min(secret.max_tries);
        }
        self
    }

    /// Tries left on 照合番号B, if the card has the 券面事項確認AP.
    pub fn collation_b_tries_left(&self) -> Option<u8> {
        self.secrets
            .iter()
            .find(|(id, application, _)| *id == COLLATION_B_EF.0 && *application == Application::Surface)
            .map(|(_, _, secret)| secret.tries_left)
    }

    /// The same card with another 利用者証明用 certificate for the same key (a dated demo card's, issued again with
    /// other dates). Refuses a certificate for another key.
    pub fn with_certificate(mut self, certificate_der: Vec<u8>) -> Result<Self, VcardError> {
        check_key_matches(&certificate_der, &self.key)?;
        self.certificate_der = certificate_der;
        Ok(self)
    }

    /// A card whose 利用者証明用 certificate expired at the end of 2020 (PIN 1234).
    pub fn expired() -> Result<Self, VcardError> {
        Self::from_parts(EXPIRED_CARD_CERTIFICATE_DER, EXPIRED_CARD_PRIVATE_KEY_PKCS8, "1234")
    }

    /// A card with any certificate, PKCS#8 private key and 4-digit PIN. The CA certificate in EF 000B is the
    /// committed test CA; change it with [`VirtualCard::with_ca_certificate`]. Refuses a key that does not
    /// belong to the certificate.
    pub fn from_parts(certificate_der: &[u8], private_key_pkcs8: &[u8], pin: &str) -> Result<Self, VcardError> {
        let pin_bytes = pin.as_bytes();
        if pin_bytes.len() != 4 || !pin_bytes.iter().all(u8::is_ascii_digit) {
            return Err(VcardError::InvalidPin);
        }
        let key = decode_key(private_key_pkcs8)?;
        check_key_matches(certificate_der, &key)?;

        // The card's blinding randomness does not change a PKCS#1 v1.5 signature; seeding it from the
        // certificate keeps the card free of any OS random source.
        let blinding_rng = ChaCha20Rng::from_seed(Sha256::digest(certificate_der).into());
        Ok(Self {
            certificate_der: certificate_der.to_vec(),
            ca_certificate_der: TEST_CA_CERTIFICATE_DER.to_vec(),
            key,
            signing: None,
            text: None,
            surface: None,
            secrets: vec![(EfId::AUTH_PIN.0, Application::Jpki, Secret::new(pin_bytes, AUTH_PIN_MAX_TRIES))],
            face_authentication_only: false,
            application: None,
            jpki_selected: false,
            current_ef: None,
            pin_verified: false,
            blinding_rng,
        })
    }

    /// Adds the 署名用 side: certificate (EF 0001), CA certificate (EF 0002), key (EF 001A) and password
    /// (EF 001B, 6–16 upper-case letters and digits, 5 tries).
    pub fn with_signing_side(
        mut self,
        certificate_der: &[u8],
        ca_certificate_der: &[u8],
        private_key_pkcs8: &[u8],
        password: &str,
    ) -> Result<Self, VcardError> {
        let bytes = password.as_bytes();
        if !(6..=16).contains(&bytes.len()) || !bytes.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(VcardError::InvalidPin);
        }
        let key = decode_key(private_key_pkcs8)?;
        check_key_matches(certificate_der, &key)?;
        self.signing = Some(SigningSide {
            certificate_der: certificate_der.to_vec(),
            ca_certificate_der: ca_certificate_der.to_vec(),
            key,
        });
        self.secrets.push((EfId::SIGN_PIN.0, Application::Jpki, Secret::new(bytes, SIGN_PASSWORD_MAX_TRIES)));
        Ok(self)
    }

    /// Adds the 券面事項入力補助AP with its 4-digit PIN (EF 0011), 基本4情報 file (EF 0002) and 個人番号 (EF 0001).
    pub fn with_text_ap(mut self, pin: &str, basic_four_file: &[u8], my_number: &str) -> Result<Self, VcardError> {
        if pin.len() != 4 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VcardError::InvalidPin);
        }
        let mut number_file = vec![0xFF, 0x10, 0x0C];
        number_file.extend_from_slice(my_number.as_bytes());
        // The physical file is 17 bytes: the TLV then FF filler.
        number_file.extend_from_slice(&[0xFF, 0xFF]);
        self.text = Some(TextAp {
            basic_four: Zeroizing::new(basic_four_file.to_vec()),
            my_number: Zeroizing::new(number_file),
        });
        self.secrets.push((TEXT_PIN_EF, Application::Text, Secret::new(pin.as_bytes(), AUTH_PIN_MAX_TRIES)));
        Ok(self)
    }

    /// The auth PIN starts blocked (counter 0), as after three wrong tries.
    #[must_use]
    pub fn with_blocked_auth_pin(mut self) -> Self {
        if let Some(secret) = self.secret_mut(Application::Jpki, EfId::AUTH_PIN.0) {
            secret.tries_left = 0;
        }
        self
    }

    /// The 券面事項入力補助AP's PIN starts blocked (counter 0), as after three wrong tries at another counter: the
    /// kiosk's 申立書 capture must then end in the paper form without a VERIFY. The JPKI auth PIN is unaffected.
    #[must_use]
    pub fn with_blocked_text_pin(mut self) -> Self {
        if let Some(secret) = self.secret_mut(Application::Text, TEXT_PIN_EF) {
            secret.tries_left = 0;
        }
        self
    }

    /// A 顔認証 (face-authentication-only) card: no auth PIN was set, so every VERIFY of it is refused with
    /// `6985` (conditions of use not satisfied; the exact status of real cards is not public) and the auth key
    /// never signs. The certificate still reads.
    #[must_use]
    pub fn face_authentication_only(mut self) -> Self {
        self.face_authentication_only = true;
        self
    }

    /// Whether this is a 顔認証 card, with no auth PIN set.
    pub fn has_no_auth_pin(&self) -> bool {
        self.face_authentication_only
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
        self.secrets
            .iter()
            .find(|(id, application, _)| *id == EfId::AUTH_PIN.0 && *application == Application::Jpki)
            .map_or(0, |(_, _, secret)| secret.tries_left)
    }

    /// Tries left on the signing password, if the card has a signing side.
    pub fn sign_tries_left(&self) -> Option<u8> {
        self.secrets
            .iter()
            .find(|(id, application, _)| *id == EfId::SIGN_PIN.0 && *application == Application::Jpki)
            .map(|(_, _, secret)| secret.tries_left)
    }

    /// What a cold reset does: the current application, file and PIN verification are gone; the retry counter
    /// stays (it lives in the card's memory).
    pub fn reset(&mut self) {
        self.application = None;
        self.jpki_selected = false;
        self.current_ef = None;
        self.pin_verified = false;
        for (_, _, secret) in &mut self.secrets {
            secret.verified = false;
        }
    }

    /// Processes one command APDU and returns the response APDU (data, then SW1 SW2).
    pub fn process_apdu(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.respond(apdu).encode()
    }

    fn secret_mut(&mut self, application: Application, id: u16) -> Option<&mut Secret> {
        self.secrets.iter_mut().find(|(ef, app, _)| *ef == id && *app == application).map(|(_, _, secret)| secret)
    }

    fn is_verified(&self, application: Application, id: u16) -> bool {
        self.secrets.iter().any(|(ef, app, secret)| *ef == id && *app == application && secret.verified)
    }

    fn respond(&mut self, apdu: &[u8]) -> Response {
        let Ok(command) = Command::parse(apdu) else {
            return status(StatusWord::WrongLength);
        };
        match (command.cla, command.ins) {
            (0x00, 0xA4) => self.select(&command),
            (0x00, 0xB0) => self.read_binary(&command),
            (0x00, 0x20) => self.verify(&command),
            (0x00, 0x24) => self.change_reference_data(&command),
            (0x80, 0x2A) => self.sign(&command),
            (_, 0xA4 | 0xB0 | 0x20 | 0x24 | 0x2A) => status(StatusWord::ClassNotSupported),
            (0x00 | 0x80, _) => status(StatusWord::InstructionNotSupported),
            _ => status(StatusWord::ClassNotSupported),
        }
    }

    /// SELECT: an application by name (P1 04), or one of its EFs by identifier (P1 02); P2 0C only (no FCI).
    fn select(&mut self, command: &Command) -> Response {
        match (command.p1, command.p2) {
            (0x04, 0x0C) => {
                let application = if command.data() == JPKI_AID {
                    Application::Jpki
                } else if command.data() == TEXT_AP_AID && self.text.is_some() {
                    Application::Text
                } else if command.data() == SURFACE_AP_AID && self.surface.is_some() {
                    Application::Surface
                } else {
                    return status(StatusWord::FileNotFound);
                };
                // Selecting an application again ends any earlier PIN verification.
                self.reset();
                self.application = Some(application);
                self.jpki_selected = application == Application::Jpki;
                status(StatusWord::Ok)
            }
            (0x02, 0x0C) => {
                let Ok(&[high, low]) = <&[u8; 2]>::try_from(command.data()) else {
                    return status(StatusWord::WrongLength);
                };
                match self.known_ef(u16::from_be_bytes([high, low])) {
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

    /// An EF of the selected application, if it exists.
    fn known_ef(&self, id: u16) -> Option<EfId> {
        let known: &[u16] = match self.application? {
            Application::Jpki if self.signing.is_some() => {
                &[0x0001, 0x0002, 0x0006, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B]
            }
            Application::Jpki => &[0x0006, 0x000A, 0x000B, 0x0017, 0x0018],
            Application::Text => &[0x0001, 0x0002, 0x0011],
            // EF 0004 (the CV certificate) is not modelled: verifiers trust the test issuer's key directly.
            Application::Surface => &[0x0002, 0x0012],
        };
        known.contains(&id).then_some(EfId(id))
    }

    /// READ BINARY of the current EF at a 15-bit offset, or of an EF named by SFI at an 8-bit offset.
    fn read_binary(&mut self, command: &Command) -> Response {
        let offset = if command.p1 & SHORT_EF_FLAG != 0 {
            match self.known_ef(u16::from(command.p1 & 0x1F)) {
                Some(ef) => self.current_ef = Some(ef),
                None => return status(StatusWord::FileNotFound),
            }
            usize::from(command.p2)
        } else {
            usize::from(u16::from_be_bytes([command.p1, command.p2]))
        };
        let (Some(application), Some(ef)) = (self.application, self.current_ef) else {
            return status(StatusWord::NoCurrentEf);
        };
        let token;
        let content: &[u8] = match (application, ef.0) {
            (Application::Jpki, 0x000A) => &self.certificate_der,
            (Application::Jpki, 0x000B) => &self.ca_certificate_der,
            (Application::Jpki, 0x0006) => {
                let mut label = TOKEN_LABEL.to_vec();
                label.resize(32, b' ');
                token = label;
                &token
            }
            (Application::Jpki, 0x0001) => {
                if !self.is_verified(Application::Jpki, EfId::SIGN_PIN.0) {
                    return status(StatusWord::SecurityNotSatisfied);
                }
                self.signing.as_ref().map_or(&[][..], |side| &side.certificate_der)
            }
            (Application::Jpki, 0x0002) => self.signing.as_ref().map_or(&[][..], |side| &side.ca_certificate_der),
            (Application::Text, 0x0001 | 0x0002) => {
                if !self.is_verified(Application::Text, TEXT_PIN_EF) {
                    return status(StatusWord::SecurityNotSatisfied);
                }
                match (&self.text, ef.0) {
                    (Some(text), 0x0001) => &text.my_number,
                    (Some(text), _) => &text.basic_four,
                    (None, _) => return status(StatusWord::FileNotFound),
                }
            }
            (Application::Surface, 0x0002) => {
                if !self.is_verified(Application::Surface, COLLATION_B_EF.0) {
                    return status(StatusWord::SecurityNotSatisfied);
                }
                match &self.surface {
                    Some(surface) => &surface.card_face,
                    None => return status(StatusWord::FileNotFound),
                }
            }
            _ => return status(StatusWord::IncompatibleFile),
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

    /// The EF P2 of VERIFY, CHANGE or SIGN names: `80` the current EF, `80 | SFI` an EF of the current AP.
    fn named_ef(&self, p2: u8) -> Option<u16> {
        if p2 == SHORT_EF_FLAG {
            self.current_ef.map(|ef| ef.0)
        } else if p2 & SHORT_EF_FLAG != 0 {
            self.known_ef(u16::from(p2 & 0x1F)).map(|ef| ef.0)
        } else {
            None
        }
    }

    /// VERIFY: empty data reads the counter without spending a try.
    fn verify(&mut self, command: &Command) -> Response {
        if command.p1 != 0x00 || command.p2 & SHORT_EF_FLAG == 0 {
            return status(StatusWord::IncorrectParameters);
        }
        let (Some(application), Some(id)) = (self.application, self.named_ef(command.p2)) else {
            return status(StatusWord::ReferencedDataNotFound);
        };
        if self.face_authentication_only && application == Application::Jpki && id == EfId::AUTH_PIN.0 {
            return status(StatusWord::ConditionsNotSatisfied);
        }
        let offered = command.data().to_vec();
        let Some(secret) = self.secret_mut(application, id) else {
            return status(StatusWord::ReferencedDataNotFound);
        };
        if secret.tries_left == 0 {
            return status(StatusWord::Blocked);
        }
        if offered.is_empty() {
            return if secret.verified {
                status(StatusWord::Ok)
            } else {
                status(StatusWord::WrongPin { tries_left: secret.tries_left })
            };
        }
        if offered.len() != secret.value.len() {
            // A wrong-length secret is refused without spending a try (the 4-digit PIN case), but a password
            // of another length is just wrong.
            if secret.max_tries == AUTH_PIN_MAX_TRIES {
                return status(StatusWord::WrongLength);
            }
        }
        // Compare every byte whatever the first mismatch, so the answer time does not depend on the PIN.
        let same_length = offered.len() == secret.value.len();
        let difference = offered.iter().zip(secret.value.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if same_length && difference == 0 {
            secret.tries_left = secret.max_tries;
            secret.verified = true;
            if id == EfId::AUTH_PIN.0 && application == Application::Jpki {
                self.pin_verified = true;
            }
            status(StatusWord::Ok)
        } else {
            secret.tries_left = secret.tries_left.saturating_sub(1);
            secret.verified = false;
            let tries_left = secret.tries_left;
            if id == EfId::AUTH_PIN.0 && application == Application::Jpki {
                self.pin_verified = false;
            }
            status(StatusWord::WrongPin { tries_left })
        }
    }

    /// CHANGE REFERENCE DATA `00 24 01 80`: replaces the current, verified secret.
    fn change_reference_data(&mut self, command: &Command) -> Response {
        if command.p1 != 0x01 || command.p2 & SHORT_EF_FLAG == 0 {
            return status(StatusWord::IncorrectParameters);
        }
        let (Some(application), Some(id)) = (self.application, self.named_ef(command.p2)) else {
            return status(StatusWord::ReferencedDataNotFound);
        };
        let new = command.data().to_vec();
        let Some(secret) = self.secret_mut(application, id) else {
            return status(StatusWord::ReferencedDataNotFound);
        };
        if !secret.verified {
            return status(StatusWord::SecurityNotSatisfied);
        }
        let valid = if secret.max_tries == AUTH_PIN_MAX_TRIES {
            new.len() == 4 && new.iter().all(u8::is_ascii_digit)
        } else {
            (6..=16).contains(&new.len()) && new.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        };
        if !valid {
            return status(StatusWord::WrongLength);
        }
        secret.value = Zeroizing::new(new);
        status(StatusWord::Ok)
    }

    /// COMPUTE DIGITAL SIGNATURE with either JPKI key over a host-built DigestInfo: PKCS#1 v1.5 type-1
    /// padding is added here, as the real card does.
    fn sign(&mut self, command: &Command) -> Response {
        if self.application == Some(Application::Surface) {
            return self.sign_with_card_face_key(command);
        }
        if command.p1 != 0x00 || command.p2 & SHORT_EF_FLAG == 0 {
            return status(StatusWord::IncorrectParameters);
        }
        if self.application != Some(Application::Jpki) {
            return status(StatusWord::ReferencedDataNotFound);
        }
        let key = match self.named_ef(command.p2) {
            Some(0x0017) => {
                if !self.pin_verified || self.face_authentication_only {
                    return status(StatusWord::SecurityNotSatisfied);
                }
                &self.key
            }
            Some(0x001A) => {
                if !self.is_verified(Application::Jpki, EfId::SIGN_PIN.0) {
                    return status(StatusWord::SecurityNotSatisfied);
                }
                match &self.signing {
                    Some(side) => &side.key,
                    None => return status(StatusWord::ReferencedDataNotFound),
                }
            }
            _ => return status(StatusWord::ReferencedDataNotFound),
        };
        let digest_info = command.data();
        if digest_info.is_empty() || digest_info.len() > key.size().saturating_sub(PKCS1_PADDING_OVERHEAD) {
            return status(StatusWord::WrongLength);
        }
        match key.sign_with_rng(&mut self.blinding_rng, Pkcs1v15Sign::new_unprefixed(), digest_info) {
            Ok(signature) => Response { data: signature, status: StatusWord::Ok },
            // 6F00: "no precise diagnosis", what a card says when its crypto engine fails.
            Err(_) => status(StatusWord::Other(0x6F00)),
        }
    }
}

impl VirtualCard {
    /// The 券面事項確認AP's `80 2A 00 00`: its own key signs a DigestInfo with no credential, as the one measured
    /// card did ([MYNACARD], card-protocol.md §3).
    fn sign_with_card_face_key(&mut self, command: &Command) -> Response {
        if command.p1 != 0x00 || command.p2 != 0x00 {
            return status(StatusWord::IncorrectParameters);
        }
        let Some(surface) = &self.surface else {
            return status(StatusWord::ReferencedDataNotFound);
        };
        let digest_info = command.data();
        if digest_info.is_empty() || digest_info.len() > surface.key.size().saturating_sub(PKCS1_PADDING_OVERHEAD) {
            return status(StatusWord::WrongLength);
        }
        match surface.key.sign_with_rng(&mut self.blinding_rng, Pkcs1v15Sign::new_unprefixed(), digest_info) {
            Ok(signature) => Response { data: signature, status: StatusWord::Ok },
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

    use crate::test_hex::hex;

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
    fn a_blocked_text_pin_is_blocked_from_the_start_and_leaves_the_auth_pin_alone() {
        let mut card = VirtualCard::demo(0).unwrap().with_blocked_text_pin();
        assert_eq!(sw(&mut card, "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08"), "9000");
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 11"), "9000");
        assert_eq!(sw(&mut card, "00 20 00 80"), "6984", "the status says it is blocked");
        assert_eq!(sw(&mut card, "00 20 00 80 04 31 32 33 34"), "6984", "the right PIN does not open it");
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 02"), "9000");
        assert_eq!(sw(&mut card, "00 B0 00 00 00"), "6982", "nothing of the 4 items is read");
        assert_eq!(sw(&mut card, "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"), "9000");
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 18"), "9000");
        assert_eq!(sw(&mut card, "00 20 00 80 04 31 32 33 34"), "9000", "the insurance PIN still works");
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
        assert_eq!(sw(&mut card, "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 05"), "6A82", "an unknown AP");
        let mut card = selected(0);
        assert_eq!(sw(&mut card, "00 A4 02 0C 02 00 05"), "6A82");
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
        let past_the_last = DEMO_PERSONS.len();
        assert!(matches!(
            VirtualCard::demo(past_the_last),
            Err(VcardError::NoSuchDemoCard { index, count }) if index == past_the_last && count == past_the_last
        ));
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
