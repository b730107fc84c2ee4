//! The virtual card's 券面事項確認AP: the card face (EF 0002) signed by the test issuer, and the AP's own key that
//! signs a challenge (`80 2A 00 00`). The 照合番号B counter lives with the card's other secrets in `card.rs`.
//!
//! A demo card face holds the demo person's birth date and sex, the synthetic photo and stand-in images of
//! `data/face/` (see its README), and expires on the holder's birthday in [`DEMO_CARD_FACE_EXPIRY_YEAR`].

use onshi_card::card_face::{CardFaceFields, CardPublicKey};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::demo::{
    DEMO_ADDRESS_IMAGE_PNG, DEMO_CARD_FACE_EXPIRY_YEAR, DEMO_FACE_PHOTO_JP2, DEMO_NAME_IMAGE_PNG,
    DEMO_SECURITY_CODE_IMAGE_PNG, DemoPerson, SURFACE_ISSUER_PRIVATE_KEY_PKCS8, decode_key,
};
use crate::error::VcardError;

/// Tries 照合番号B has when fresh: 10, as the vendor eKYC document says (visual-check-assist.md §1.2, [1]).
pub const COLLATION_B_MAX_TRIES: u8 = 10;

/// The 券面事項確認AP's files and key.
pub(crate) struct SurfaceAp {
    pub(crate) card_face: Zeroizing<Vec<u8>>,
    pub(crate) key: PrivateKey,
}

/// The `DF24` value of an RSA key.
pub(crate) fn card_public_key(key: &PrivateKey) -> CardPublicKey {
    // Big integers come in whole limbs; the card writes them without leading zero bytes.
    let minimal = |bytes: &[u8]| bytes.iter().skip_while(|byte| **byte == 0).copied().collect::<Vec<u8>>();
    CardPublicKey { modulus: minimal(&key.n().to_be_bytes()), exponent: minimal(&key.e().to_be_bytes()) }
}

impl SurfaceAp {
    /// The AP of a demo person's card, its face signed by the committed test issuer.
    pub(crate) fn demo(person: &DemoPerson, key: PrivateKey) -> Result<Self, VcardError> {
        let issuer = decode_key(SURFACE_ISSUER_PRIVATE_KEY_PKCS8)?;
        let birth_date: String = person.birth_date.chars().filter(char::is_ascii_digit).collect();
        let expiry = format!("{DEMO_CARD_FACE_EXPIRY_YEAR}{}", birth_date.get(4..).unwrap_or("0101"));
        let card_key = card_public_key(&key);
        let fields = CardFaceFields {
            birth_date: &birth_date,
            sex: if person.sex == "male" { "1" } else { "2" },
            card_key: &card_key,
            name_image: DEMO_NAME_IMAGE_PNG,
            address_image: DEMO_ADDRESS_IMAGE_PNG,
            photo: DEMO_FACE_PHOTO_JP2,
            expiry: &expiry,
            security_code_image: DEMO_SECURITY_CODE_IMAGE_PNG,
        };
        // PKCS#1 v1.5 signatures do not depend on the blinding randomness; seeding it from the data keeps the
        // card free of any OS random source.
        let mut blinding = ChaCha20Rng::from_seed(Sha256::digest(birth_date.as_bytes()).into());
        let mut failure = None;
        let card_face = fields.encode(|digest_info| {
            issuer.sign_with_rng(&mut blinding, Pkcs1v15Sign::new_unprefixed(), digest_info).unwrap_or_else(|error| {
                failure = Some(error);
                Vec::new()
            })
        });
        if let Some(error) = failure {
            return Err(VcardError::Rsa(error));
        }
        Ok(Self { card_face: Zeroizing::new(card_face), key })
    }
}
