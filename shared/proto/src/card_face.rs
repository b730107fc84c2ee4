//! The card-presence proof of the 目視 assist (kiosk → edge): what a kiosk sends instead of the chip photo.
//!
//! After staff type 照合番号B at the kiosk, the 券面事項確認AP opens its card face (EF 0002). Its issuer signed one
//! DigestInfo over three SHA-256 digests: group 1 (`DF22` birth date, `DF23` sex, `DF24` the card's own key), group 2
//! (the name and address images) and group 3 (the photo) (card-protocol.md §2.3, [MYNACARD], [1]). So the kiosk
//! sends group 1 in full and the digests of groups 2 and 3, never the images or the photo; the edge checks the
//! issuer's signature over them, then the card's signature, with the key of group 1, over an edge challenge
//! ([`crate::api::ChallengePurpose::CardFacePresence`]). A copied 利用者証明用 certificate produces neither: only the
//! card itself, opened with the number printed on it, does. Group 1 carries the birth date and sex: the edge reads
//! them for the signature, keeps nothing (it stores and logs no personal data) and passes only those two on to the
//! origin ([`CardFaceHolder`]), which compares them with the person the certificate leads to.
//!
//! [`CardFacePresence`] checks every length when it is read (`serde(try_from)`); the structure of group 1 is the
//! card stack's to parse (`onshi_card::card_face`).

use serde::{Deserialize, Serialize};

use crate::Base64Bytes;
use crate::IsoDate;
use crate::qualification::Sex;

/// Length of an RSA-2048 signature.
pub const SIGNATURE_LEN: usize = 256;
/// Length of a SHA-256 digest.
pub const DIGEST_LEN: usize = 32;
/// The most group 1 can hold: two short fields and an RSA-2048 key with their tags and lengths.
pub const MAX_GROUP_ONE_LEN: usize = 320;

/// The proof, as the kiosk sends it with a visual-check request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "CardFacePresenceWire", into = "CardFacePresenceWire")]
pub struct CardFacePresence {
    /// The challenge the card signed, from `POST /api/v1/challenge` with the card-face purpose.
    pub challenge_id: String,
    /// `DF22 DF23 DF24` as the card wrote them.
    pub signed_group_one: Base64Bytes,
    /// SHA-256 of `DF25 DF26` as written.
    pub name_address_digest: Base64Bytes,
    /// SHA-256 of `DF27` (the photo) as written.
    pub photo_digest: Base64Bytes,
    /// `DF28`, the issuer's signature.
    pub issuer_signature: Base64Bytes,
    /// The card's signature, with the key in `DF24`, over DigestInfo(SHA-256(card_challenge_message)).
    pub card_signature: Base64Bytes,
}

impl std::fmt::Debug for CardFacePresence {
    /// Prints the challenge id only: group 1 holds a birth date.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardFacePresence").field("challenge_id", &self.challenge_id).finish_non_exhaustive()
    }
}

/// The unchecked form on the wire.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardFacePresenceWire {
    challenge_id: String,
    signed_group_one: Base64Bytes,
    name_address_digest: Base64Bytes,
    photo_digest: Base64Bytes,
    issuer_signature: Base64Bytes,
    card_signature: Base64Bytes,
}

impl std::fmt::Debug for CardFacePresenceWire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardFacePresenceWire(<redacted>)")
    }
}

/// What the edge passes on of a card face it checked: the birth date and sex the issuer signed, so the origin can
/// tell whether the card whose face staff opened is the card of the person the certificate leads to. The face was
/// proved present, but nothing in it names the 利用者証明用 certificate, which a kiosk could have taken from
/// another card; a face of someone else's birth date is refused there. Nothing else of the face goes on.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardFaceHolder {
    /// 生年月日 as the face holds it.
    pub birth_date: IsoDate,
    /// 性別 as the face holds it; a code other than male or female reads as unspecified.
    pub sex: Sex,
}

impl std::fmt::Debug for CardFaceHolder {
    /// Prints nothing of the person.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardFaceHolder(<redacted>)")
    }
}

impl CardFaceHolder {
    /// Whether this face can be the card of a person born on `birth_date` with `sex`: the birth dates are the
    /// same, and the sexes too unless either is unspecified (a face may leave it out, and so may a record).
    pub fn is_of(&self, birth_date: IsoDate, sex: Sex) -> bool {
        let sexes_agree = self.sex == sex || self.sex == Sex::Unspecified || sex == Sex::Unspecified;
        self.birth_date == birth_date && sexes_agree
    }
}

/// Why a proof was refused when it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the card-face proof has a field of the wrong length: {0}")]
pub struct CardFacePresenceError(&'static str);

impl TryFrom<CardFacePresenceWire> for CardFacePresence {
    type Error = CardFacePresenceError;

    fn try_from(mut wire: CardFacePresenceWire) -> Result<Self, Self::Error> {
        let group_len = wire.signed_group_one.as_slice().len();
        let checks = [
            (!wire.challenge_id.is_empty() && wire.challenge_id.len() <= 64, "challenge_id"),
            ((1..=MAX_GROUP_ONE_LEN).contains(&group_len), "signed_group_one"),
            (wire.name_address_digest.as_slice().len() == DIGEST_LEN, "name_address_digest"),
            (wire.photo_digest.as_slice().len() == DIGEST_LEN, "photo_digest"),
            (wire.issuer_signature.as_slice().len() == SIGNATURE_LEN, "issuer_signature"),
            (wire.card_signature.as_slice().len() == SIGNATURE_LEN, "card_signature"),
        ];
        if let Some((_, field)) = checks.iter().find(|(valid, _)| !valid) {
            return Err(CardFacePresenceError(field));
        }
        let take = |bytes: &mut Base64Bytes| Base64Bytes(std::mem::take(&mut bytes.0));
        Ok(Self {
            challenge_id: std::mem::take(&mut wire.challenge_id),
            signed_group_one: take(&mut wire.signed_group_one),
            name_address_digest: take(&mut wire.name_address_digest),
            photo_digest: take(&mut wire.photo_digest),
            issuer_signature: take(&mut wire.issuer_signature),
            card_signature: take(&mut wire.card_signature),
        })
    }
}

impl Drop for CardFacePresence {
    /// Group 1 holds a birth date: it is wiped wherever a proof ends, in the kiosk or in the edge.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.signed_group_one.0);
    }
}

impl Drop for CardFacePresenceWire {
    /// The same for the unchecked form a proof passes through on its way in or out.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.signed_group_one.0);
    }
}

impl From<CardFacePresence> for CardFacePresenceWire {
    fn from(mut proof: CardFacePresence) -> Self {
        let take = |bytes: &mut Base64Bytes| Base64Bytes(std::mem::take(&mut bytes.0));
        Self {
            challenge_id: std::mem::take(&mut proof.challenge_id),
            signed_group_one: take(&mut proof.signed_group_one),
            name_address_digest: take(&mut proof.name_address_digest),
            photo_digest: take(&mut proof.photo_digest),
            issuer_signature: take(&mut proof.issuer_signature),
            card_signature: take(&mut proof.card_signature),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    fn wire(group_one: usize, photo_digest: usize, card_signature: usize) -> serde_json::Value {
        let bytes = |len: usize| Base64Bytes(vec![0x11; len]).encode();
        serde_json::json!({
            "challenge_id": "AAAAAAAAAAAAAAAAAAAAAA",
            "signed_group_one": bytes(group_one),
            "name_address_digest": bytes(32),
            "photo_digest": bytes(photo_digest),
            "issuer_signature": bytes(256),
            "card_signature": bytes(card_signature),
        })
    }

    #[test]
    fn a_proof_of_the_right_lengths_reads_and_round_trips() {
        let proof: CardFacePresence = serde_json::from_value(wire(280, 32, 256)).unwrap();
        assert_eq!(proof.signed_group_one.as_slice().len(), 280);
        let again: CardFacePresence = serde_json::from_value(serde_json::to_value(&proof).unwrap()).unwrap();
        assert_eq!(again, proof);
        assert!(!format!("{proof:?}").contains("signed_group_one"));
    }

    #[test]
    fn a_wrong_length_or_an_extra_field_is_refused_at_the_boundary() {
        for (value, field) in [
            (wire(0, 32, 256), "signed_group_one"),
            (wire(MAX_GROUP_ONE_LEN + 1, 32, 256), "signed_group_one"),
            (wire(280, 31, 256), "photo_digest"),
            (wire(280, 32, 255), "card_signature"),
        ] {
            let error = serde_json::from_value::<CardFacePresence>(value).unwrap_err().to_string();
            assert!(error.contains(field), "{error}");
        }
        let mut with_photo = wire(280, 32, 256);
        with_photo["photo"] = serde_json::Value::String(Base64Bytes(vec![0; 10]).encode());
        assert!(serde_json::from_value::<CardFacePresence>(with_photo).is_err(), "a photo has no place here");
    }

    #[test]
    fn a_face_is_of_a_person_with_its_birth_date_and_a_sex_that_does_not_disagree() {
        let date = |text: &str| IsoDate::parse(text).unwrap();
        let face = CardFaceHolder { birth_date: date("1980-02-17"), sex: Sex::Male };
        assert!(face.is_of(date("1980-02-17"), Sex::Male));
        assert!(face.is_of(date("1980-02-17"), Sex::Unspecified), "a record without a sex");
        assert!(!face.is_of(date("1980-02-18"), Sex::Male), "another birth date");
        assert!(!face.is_of(date("1980-02-17"), Sex::Female), "another sex");
        let unspecified = CardFaceHolder { sex: Sex::Unspecified, ..face };
        assert!(unspecified.is_of(date("1980-02-17"), Sex::Female), "a face without a sex");
        assert!(!format!("{face:?}").contains("1980"), "nothing of the person is printed");
        let wire = serde_json::json!({"birth_date": "1980-02-17", "sex": "male"});
        assert_eq!(serde_json::from_value::<CardFaceHolder>(wire).unwrap(), face);
    }
}
