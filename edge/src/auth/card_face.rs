//! The 目視 assist's card-presence proof, judged: the issuer signed the card face the kiosk opened, and the card
//! that holds it signed this edge's challenge.
//!
//! Why this proves presence, and what it does not (the design in `shared/proto/src/card_face.rs`): the
//! 利用者証明用 certificate is public, so a device holding a copy could queue anyone for 目視; it cannot produce a
//! card face signed by the issuer (that takes the card and the number printed on it) nor, for a fresh challenge, a
//! signature by the key inside that face (that takes the chip). Assumed, from one source ([MYNACARD], [1]): the
//! issuer's three-digest DigestInfo and the AP's `80 2A 00 00`. Not checked here: the card-verifiable certificate
//! chain of EF 0004 up to J-LIS (its format is not established); the edge trusts the issuer keys it is configured
//! with instead. Not proved either: that the face and the 利用者証明用 certificate are the same card's; staff see
//! the name behind the certificate on the console beside the face at the kiosk, and the origin compares the
//! face's birth date and sex, which this check answers, with the person the certificate leads to.
//!
//! Pure: no I/O, no clock. Group 1 (a birth date and a sex) is read for the signature and the comparison, then
//! dropped, wiped.

use onshi_card::card_face::SignedFaceDigests;
use onshi_card::jpki::digest_info_sha256;
use onshi_proto::IsoDate;
use onshi_proto::card_face::{CardFaceHolder, CardFacePresence};
use onshi_proto::qualification::Sex;
use rsa::{BoxedUint, Pkcs1v15Sign, PublicKey};
use spki::der::Decode;
use zeroize::Zeroizing;

use crate::error::EdgeError;

/// The keys whose signature over a card face the edge accepts (the test issuer in development; in production the
/// keys J-LIS certifies for the 券面事項確認AP, which the operator configures).
#[derive(Clone, Default)]
pub struct CardFaceIssuers {
    keys: Vec<PublicKey>,
    includes_committed_test_key: bool,
}

impl std::fmt::Debug for CardFaceIssuers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardFaceIssuers({} keys)", self.keys.len())
    }
}

/// The committed test issuer (the virtual card's), whose private key is in the repository: anyone can sign a card
/// face under it, so production must never trust it.
const COMMITTED_TEST_ISSUER: &[u8] = include_bytes!("../../../shared/vcard/data/test-pki/surface-issuer.spki.der");

impl CardFaceIssuers {
    /// Reads the `CARD_FACE_ISSUER_KEYS` binding: base64 (standard alphabet) of each key's `SubjectPublicKeyInfo`
    /// DER, separated by commas. Unset or empty means no issuer, and every proof is refused.
    pub fn from_binding(text: Option<&str>) -> Result<Self, EdgeError> {
        use base64::Engine as _;
        let ders = text
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                base64::engine::general_purpose::STANDARD.decode(part).map_err(|_| {
                    EdgeError::Config("CARD_FACE_ISSUER_KEYS is not a comma-separated list of base64 keys")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let views: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
        let mut issuers = Self::from_spki_der(&views)?;
        issuers.includes_committed_test_key = ders.iter().any(|der| der == COMMITTED_TEST_ISSUER);
        Ok(issuers)
    }

    /// Whether the committed test issuer is among the keys (production refuses that).
    pub fn include_committed_test_key(&self) -> bool {
        self.includes_committed_test_key
    }

    /// Loads RSA public keys, each a `SubjectPublicKeyInfo` in DER.
    pub fn from_spki_der(ders: &[&[u8]]) -> Result<Self, EdgeError> {
        let keys = ders
            .iter()
            .map(|der| {
                spki::SubjectPublicKeyInfoRef::from_der(der)
                    .ok()
                    .and_then(|spki| PublicKey::try_from(spki).ok())
                    .ok_or(EdgeError::Config("a card-face issuer key is not an RSA SubjectPublicKeyInfo"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { keys, includes_committed_test_key: false })
    }

    /// Whether any key is configured; with none, every proof is refused.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Checks a proof against the challenge message the card had to sign: the issuer's signature over group 1 and the
/// two digests, then the card's signature over `challenge_message` with the key of group 1, and answers the birth
/// date and sex the issuer signed. Either signature failing is [`EdgeError::SignatureInvalid`]; a group 1 that is
/// not `DF22 DF23 DF24`, or whose birth date is not a date, is [`EdgeError::BadRequest`].
pub fn verify_card_face_presence(
    proof: &CardFacePresence,
    challenge_message: &[u8],
    issuers: &CardFaceIssuers,
) -> Result<CardFaceHolder, EdgeError> {
    let digest = |bytes: &[u8]| <[u8; 32]>::try_from(bytes).map_err(|_| EdgeError::BadRequest);
    let digests = SignedFaceDigests {
        group_one: Zeroizing::new(proof.signed_group_one.as_slice().to_vec()),
        name_address_digest: digest(proof.name_address_digest.as_slice())?,
        photo_digest: digest(proof.photo_digest.as_slice())?,
    };
    let card_key = digests.card_key().map_err(|_| EdgeError::BadRequest)?;
    let face_digest_info = digests.digest_info();
    let issued = issuers.keys.iter().any(|issuer| {
        issuer.verify(Pkcs1v15Sign::new_unprefixed(), &face_digest_info, proof.issuer_signature.as_slice()).is_ok()
    });
    if !issued {
        return Err(EdgeError::SignatureInvalid);
    }
    let card_key = PublicKey::new(
        BoxedUint::from_be_slice_vartime(&card_key.modulus),
        BoxedUint::from_be_slice_vartime(&card_key.exponent),
    )
    .map_err(|_| EdgeError::BadRequest)?;
    card_key
        .verify(Pkcs1v15Sign::new_unprefixed(), &digest_info_sha256(challenge_message), proof.card_signature.as_slice())
        .map_err(|_| EdgeError::SignatureInvalid)?;
    face_holder(&digests)
}

/// The birth date and sex of a face whose signatures were checked. The card writes its sex as `1` male, `2`
/// female and `3` other; anything but the first two reads as unspecified, which compares with any record.
fn face_holder(digests: &SignedFaceDigests) -> Result<CardFaceHolder, EdgeError> {
    let (birth_date, sex) = digests.birth_date_and_sex().map_err(|_| EdgeError::BadRequest)?;
    let birth_date = IsoDate::parse_compact(&birth_date).map_err(|_| EdgeError::BadRequest)?;
    let sex = match sex.as_str() {
        "1" => Sex::Male,
        "2" => Sex::Female,
        _ => Sex::Unspecified,
    };
    Ok(CardFaceHolder { birth_date, sex })
}
