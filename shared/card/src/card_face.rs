//! EF 0002 of the 券面事項確認AP, the card face as the chip holds it, and the structure its issuer signed.
//!
//! Layout (card-protocol.md §2.3, [MYNACARD] `src/ap/surface.rs`, [MYNA-GO] `visual_ap.go`, [V] for the tags):
//!
//! ```text
//! FF20 { DF21 offsets (2 bytes per field, from the start of the file),
//!        DF22 生年月日 YYYYMMDD, DF23 性別, DF24 the card's own public key (90 e, 91 n),
//!        DF25 氏名 (PNG), DF26 住所 (PNG), DF27 顔写真 (JPEG 2000, greyscale),
//!        DF28 issuer signature, DF29 有効期限 YYYYMMDD, DF2A セキュリティコード (PNG) }
//! ```
//!
//! The signature `DF28` is RSA PKCS#1 v1.5 by the key certified in EF 0004 over one DigestInfo that carries three
//! SHA-256 digests, one per group of fields as written (tag, length, value): group 1 `DF22 DF23 DF24`, group 2
//! `DF25 DF26`, group 3 `DF27` ([MYNACARD] `CardFace::verify`, [1]: one source, measured on a JPKI test card).
//! `DF29` and `DF2A` follow the signature and are not covered. The shape lets a verifier check the signature from
//! group 1 and the digests of groups 2 and 3 alone, so the photo itself never has to leave the kiosk:
//! [`SignedFaceDigests`] is that hash-only structure.
//!
//! Personal data throughout: `Debug` prints lengths only, and every buffer is zeroized on drop. Pure: no I/O.

use std::fmt;

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{CardError, Result};
use crate::tlv;

/// Tag of the card face template.
pub const CARD_FACE_TAG: u32 = 0xFF20;

/// DER of the SHA-256 algorithm identifier inside a DigestInfo.
const SHA256_ALGORITHM: [u8; 15] =
    [0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00];

/// The fields of the file in the order the card writes them, with the group of the signature each belongs to.
const FIELDS: [(u32, Option<usize>); 9] = [
    (0xDF22, Some(0)),
    (0xDF23, Some(0)),
    (0xDF24, Some(0)),
    (0xDF25, Some(1)),
    (0xDF26, Some(1)),
    (0xDF27, Some(2)),
    (0xDF28, None),
    (0xDF29, None),
    (0xDF2A, None),
];

/// The card's own RSA public key (`DF24`: `90` exponent, `91` modulus), with which the 券面事項確認AP signs a
/// challenge. It is inside signature group 1, so a verified face vouches for it.
#[derive(Clone, PartialEq, Eq)]
pub struct CardPublicKey {
    /// The modulus, big-endian.
    pub modulus: Vec<u8>,
    /// The public exponent, big-endian.
    pub exponent: Vec<u8>,
}

impl fmt::Debug for CardPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardPublicKey(<{} bit>)", self.modulus.len() * 8)
    }
}

impl CardPublicKey {
    /// Parses `DF24`'s value: `90 <e> 91 <n>`, an RSA-2048 modulus and an exponent of at most 4 bytes.
    pub fn parse(value: &[u8]) -> Result<Self> {
        let (mut modulus, mut exponent) = (None, None);
        for object in tlv::parse_all(value)? {
            match object.tag {
                0x90 => exponent = Some(object.value.to_vec()),
                0x91 => modulus = Some(object.value.to_vec()),
                _ => return Err(CardError::MalformedResponse("card key has an unknown field")),
            }
        }
        match (modulus, exponent) {
            (Some(modulus), Some(exponent))
                if modulus.len() == 256 && (1..=4).contains(&exponent.len()) && modulus.first() != Some(&0) =>
            {
                Ok(Self { modulus, exponent })
            }
            _ => Err(CardError::MalformedResponse("card key is not an RSA-2048 key")),
        }
    }

    /// `DF24`'s value for this key.
    pub fn encode(&self) -> Vec<u8> {
        let mut value = Vec::with_capacity(self.modulus.len() + 16);
        value.push(0x90);
        push_length(&mut value, self.exponent.len());
        value.extend_from_slice(&self.exponent);
        value.push(0x91);
        push_length(&mut value, self.modulus.len());
        value.extend_from_slice(&self.modulus);
        value
    }
}

/// The hash-only structure the issuer signed: group 1 in full (birth date, sex, the card's key) and the digests
/// of group 2 (the name and address images) and group 3 (the photo). This is what leaves the kiosk; the images
/// and the photo do not.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedFaceDigests {
    /// `DF22 DF23 DF24` as written. Holds the birth date and sex: zeroized on drop, never printed.
    pub group_one: Zeroizing<Vec<u8>>,
    /// SHA-256 of `DF25 DF26` as written.
    pub name_address_digest: [u8; 32],
    /// SHA-256 of `DF27` as written.
    pub photo_digest: [u8; 32],
}

impl fmt::Debug for SignedFaceDigests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedFaceDigests(<group 1: {} bytes>)", self.group_one.len())
    }
}

impl SignedFaceDigests {
    /// The DigestInfo the issuer signed: SHA-256's algorithm identifier and one OCTET STRING holding the three
    /// digests (96 bytes), `30 71 30 0D … 05 00 04 60 <H1 H2 H3>`.
    pub fn digest_info(&self) -> Vec<u8> {
        face_digest_info(
            &Sha256::digest(self.group_one.as_slice()).into(),
            &self.name_address_digest,
            &self.photo_digest,
        )
    }

    /// The card's key from group 1.
    pub fn card_key(&self) -> Result<CardPublicKey> {
        self.with_group_one(|_, _, key| CardPublicKey::parse(key))
    }

    /// The birth date (西暦 `YYYYMMDD`) and the sex code (`1` male, `2` female, `3` other) the issuer signed in
    /// group 1, each wiped on drop: what lets the origin compare the face with the person a certificate leads to.
    pub fn birth_date_and_sex(&self) -> Result<(Zeroizing<String>, Zeroizing<String>)> {
        self.with_group_one(|birth, sex, _| {
            Ok((Zeroizing::new(digits(birth, Some(8))?), Zeroizing::new(digits(sex, Some(1))?)))
        })
    }

    /// Group 1's three values, `DF22 DF23 DF24` in that order, handed to `read`.
    fn with_group_one<T>(&self, read: impl FnOnce(&[u8], &[u8], &[u8]) -> Result<T>) -> Result<T> {
        let objects = tlv::parse_all(&self.group_one)?;
        match objects.as_slice() {
            [birth, sex, key] if (birth.tag, sex.tag, key.tag) == (0xDF22, 0xDF23, 0xDF24) => {
                read(birth.value, sex.value, key.value)
            }
            _ => Err(CardError::MalformedResponse("group 1 is not DF22 DF23 DF24")),
        }
    }
}

/// A date or a code of the card face: ASCII digits, of `len` when given.
fn digits(bytes: &[u8], len: Option<usize>) -> Result<String> {
    let valid = bytes.iter().all(u8::is_ascii_digit) && len.is_none_or(|len| bytes.len() == len);
    valid
        .then(|| String::from_utf8_lossy(bytes).into_owned())
        .ok_or(CardError::MalformedResponse("card face date or code"))
}

/// The DigestInfo over three SHA-256 digests that `DF28` signs.
pub fn face_digest_info(group_one: &[u8; 32], group_two: &[u8; 32], group_three: &[u8; 32]) -> Vec<u8> {
    let inner_len = SHA256_ALGORITHM.len() + 2 + 96;
    let mut digest_info = Vec::with_capacity(2 + inner_len);
    digest_info.push(0x30);
    digest_info.push(u8::try_from(inner_len).unwrap_or(0x7F));
    digest_info.extend_from_slice(&SHA256_ALGORITHM);
    digest_info.extend_from_slice(&[0x04, 0x60]);
    for digest in [group_one, group_two, group_three] {
        digest_info.extend_from_slice(digest);
    }
    digest_info
}

/// The card face read from the chip. Personal data: nothing of it is printed, and it is wiped on drop.
pub struct CardFace {
    /// 生年月日 as the chip holds it, 西暦 `YYYYMMDD`.
    pub birth_date: String,
    /// 性別 code: `1` male, `2` female, `3` other.
    pub sex: String,
    /// 有効期限, 西暦 `YYYYMMDD` (not covered by the issuer's signature).
    pub expiry: String,
    /// 氏名 as printed, a PNG image.
    pub name_image: Zeroizing<Vec<u8>>,
    /// 住所 as printed, a PNG image.
    pub address_image: Zeroizing<Vec<u8>>,
    /// 顔写真, JPEG 2000 greyscale.
    pub photo: Zeroizing<Vec<u8>>,
    /// The card's own key (from `DF24`).
    pub card_key: CardPublicKey,
    /// `DF28`, the issuer's signature.
    pub issuer_signature: Vec<u8>,
    groups: [Zeroizing<Vec<u8>>; 3],
}

impl fmt::Debug for CardFace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardFace")
            .field("photo", &format_args!("<{} bytes>", self.photo.len()))
            .field("name_image", &format_args!("<{} bytes>", self.name_image.len()))
            .field("address_image", &format_args!("<{} bytes>", self.address_image.len()))
            .finish_non_exhaustive()
    }
}

impl Drop for CardFace {
    fn drop(&mut self) {
        self.birth_date.zeroize();
        self.sex.zeroize();
        self.expiry.zeroize();
    }
}

impl CardFace {
    /// Parses EF 0002 (filler after the template is ignored). Every field must be present once, in the card's
    /// order, and the offset table must point at each of them: a file laid out otherwise is refused.
    pub fn parse(file: &[u8]) -> Result<Self> {
        let malformed = CardError::MalformedResponse;
        let (template, filler) = tlv::parse_one(file)?;
        if template.tag != CARD_FACE_TAG {
            return Err(malformed("card face is not an FF20 template"));
        }
        let header_len = file.len() - filler.len() - template.value.len();
        let (offsets, mut rest) = tlv::parse_one(template.value)?;
        if offsets.tag != 0xDF21 || offsets.value.len() != FIELDS.len() * 2 {
            return Err(malformed("card face offset table is missing"));
        }
        let mut position = header_len + (template.value.len() - rest.len());
        let mut values: Vec<&[u8]> = Vec::with_capacity(FIELDS.len());
        let mut groups: [Zeroizing<Vec<u8>>; 3] = Default::default();
        for ((tag, group), offset) in FIELDS.iter().zip(offsets.value.chunks_exact(2)) {
            let (object, after) = tlv::parse_one(rest)?;
            let written = rest.get(..rest.len() - after.len()).unwrap_or_default();
            let table_offset = usize::from(u16::from_be_bytes([offset[0], offset[1]]));
            if object.tag != *tag || table_offset != position {
                return Err(malformed("card face field is out of place"));
            }
            if let Some(bytes) = group.and_then(|index| groups.get_mut(index)) {
                bytes.extend_from_slice(written);
            }
            values.push(object.value);
            position += written.len();
            rest = after;
        }
        let [birth, sex, key, name, address, photo, signature, expiry, _security_code] = values.as_slice() else {
            return Err(malformed("card face lacks a field"));
        };
        Ok(Self {
            birth_date: digits(birth, Some(8))?,
            sex: digits(sex, Some(1))?,
            expiry: digits(expiry, Some(8))?,
            name_image: Zeroizing::new(name.to_vec()),
            address_image: Zeroizing::new(address.to_vec()),
            photo: Zeroizing::new(photo.to_vec()),
            card_key: CardPublicKey::parse(key)?,
            issuer_signature: signature.to_vec(),
            groups,
        })
    }

    /// The hash-only structure the issuer signed, to send on instead of the images and the photo.
    pub fn signed_digests(&self) -> SignedFaceDigests {
        let [group_one, group_two, group_three] = &self.groups;
        SignedFaceDigests {
            group_one: group_one.clone(),
            name_address_digest: Sha256::digest(group_two.as_slice()).into(),
            photo_digest: Sha256::digest(group_three.as_slice()).into(),
        }
    }
}

/// Writes a card face file: the layout of [`CardFace::parse`], with the issuer signature over
/// [`face_digest_info`] made by `sign`. The virtual card's issuer uses it; the offsets count from the start of the
/// file.
#[derive(Debug)]
pub struct CardFaceFields<'a> {
    /// 西暦 `YYYYMMDD`.
    pub birth_date: &'a str,
    /// `1`, `2` or `3`.
    pub sex: &'a str,
    /// The card's own key.
    pub card_key: &'a CardPublicKey,
    /// PNG.
    pub name_image: &'a [u8],
    /// PNG.
    pub address_image: &'a [u8],
    /// JPEG 2000.
    pub photo: &'a [u8],
    /// 西暦 `YYYYMMDD`.
    pub expiry: &'a str,
    /// PNG.
    pub security_code_image: &'a [u8],
}

impl CardFaceFields<'_> {
    /// The file, signed by `sign` (which receives the DigestInfo and returns the signature).
    pub fn encode(&self, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
        let field = |tag: u32, value: &[u8]| {
            let mut bytes = u16::try_from(tag).unwrap_or(0).to_be_bytes().to_vec();
            push_length(&mut bytes, value.len());
            bytes.extend_from_slice(value);
            bytes
        };
        let key = self.card_key.encode();
        let signed = [
            field(0xDF22, self.birth_date.as_bytes()),
            field(0xDF23, self.sex.as_bytes()),
            field(0xDF24, &key),
            field(0xDF25, self.name_image),
            field(0xDF26, self.address_image),
            field(0xDF27, self.photo),
        ];
        let digest = |parts: &[Vec<u8>]| -> [u8; 32] { Sha256::digest(parts.concat()).into() };
        let signature = sign(&face_digest_info(
            &digest(signed.get(..3).unwrap_or_default()),
            &digest(signed.get(3..5).unwrap_or_default()),
            &digest(signed.get(5..).unwrap_or_default()),
        ));
        let mut fields = signed.to_vec();
        fields.push(field(0xDF28, &signature));
        fields.push(field(0xDF29, self.expiry.as_bytes()));
        fields.push(field(0xDF2A, self.security_code_image));
        let table_len = 3 + fields.len() * 2;
        let body_len = table_len + fields.iter().map(Vec::len).sum::<usize>();
        let mut header = vec![0xFF, 0x20];
        push_length(&mut header, body_len);
        let mut position = header.len() + table_len;
        let mut offsets = Vec::with_capacity(fields.len() * 2);
        for part in &fields {
            offsets.extend_from_slice(&u16::try_from(position).unwrap_or(u16::MAX).to_be_bytes());
            position += part.len();
        }
        [header, field(0xDF21, &offsets), fields.concat()].concat()
    }
}

/// BER length: short form below 128, else `81 xx` or `82 xx xx`.
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn key() -> CardPublicKey {
        let mut modulus = vec![0xC9];
        modulus.extend(std::iter::repeat_n(0xAA, 255));
        CardPublicKey { modulus, exponent: vec![0x01, 0x00, 0x01] }
    }

    fn file(signature: &mut Vec<u8>) -> Vec<u8> {
        let key = key();
        let fields = CardFaceFields {
            birth_date: "19800217",
            sex: "1",
            card_key: &key,
            name_image: b"\x89PNG name",
            address_image: b"\x89PNG address",
            photo: &[0x5A; 300],
            expiry: "20300217",
            security_code_image: b"\x89PNG code",
        };
        fields.encode(|digest_info| {
            *signature = digest_info.to_vec();
            vec![0xBC; 256]
        })
    }

    #[test]
    fn a_card_face_reads_back_with_its_signed_structure() {
        let mut signed = Vec::new();
        let bytes = file(&mut signed);
        let face = CardFace::parse(&bytes).unwrap();
        assert_eq!((face.birth_date.as_str(), face.sex.as_str(), face.expiry.as_str()), ("19800217", "1", "20300217"));
        assert_eq!(face.photo.as_slice(), &[0x5A; 300]);
        assert_eq!(face.name_image.as_slice(), b"\x89PNG name");
        assert_eq!(face.card_key, key());
        assert_eq!(face.issuer_signature, vec![0xBC; 256]);
        let digests = face.signed_digests();
        assert_eq!(digests.digest_info(), signed, "the hash-only structure is what the issuer signed");
        assert_eq!(&signed[..4], &[0x30, 0x71, 0x30, 0x0D]);
        assert_eq!(signed.len(), 2 + 0x71);
        assert_eq!(digests.card_key().unwrap(), key());
        let (birth_date, sex) = digests.birth_date_and_sex().unwrap();
        assert_eq!((birth_date.as_str(), sex.as_str()), ("19800217", "1"), "what the issuer signed of the holder");
        assert_eq!(
            digests.photo_digest,
            <[u8; 32]>::from(Sha256::digest([&[0xDF, 0x27, 0x82, 0x01, 0x2C][..], &[0x5A; 300]].concat()))
        );
    }

    #[test]
    fn nothing_personal_is_printed() {
        let face = CardFace::parse(&file(&mut Vec::new())).unwrap();
        let printed = format!("{face:?} {:?}", face.signed_digests());
        assert!(!printed.contains("1980") && !printed.contains("0217"), "{printed}");
    }

    #[test]
    fn a_moved_field_or_a_wrong_table_is_refused() {
        let bytes = file(&mut Vec::new());
        let table_at = bytes.windows(2).position(|pair| pair == [0xDF, 0x21]).unwrap() + 3;
        let mut wrong_table = bytes.clone();
        wrong_table[table_at + 1] ^= 0x01;
        assert!(matches!(CardFace::parse(&wrong_table), Err(CardError::MalformedResponse(_))));
        let mut wrong_tag = bytes.clone();
        let sex_at = bytes.windows(2).position(|pair| pair == [0xDF, 0x23]).unwrap();
        wrong_tag[sex_at + 1] = 0x2B;
        assert!(CardFace::parse(&wrong_tag).is_err());
        for cut in [0, 3, 40, bytes.len() - 1] {
            assert!(CardFace::parse(&bytes[..cut]).is_err(), "{cut}");
        }
        let mut padded = bytes.clone();
        padded.extend([0xFF; 8]);
        assert!(CardFace::parse(&padded).is_ok(), "filler after the template is ignored");
    }

    #[test]
    fn a_group_one_whose_birth_date_or_sex_is_not_digits_is_refused() {
        let digests = CardFace::parse(&file(&mut Vec::new())).unwrap().signed_digests();
        let at = |tag: [u8; 2]| digests.group_one.windows(2).position(|pair| pair == tag).unwrap() + 3;
        for (tag, byte) in [([0xDF, 0x22], b'X'), ([0xDF, 0x23], b'M')] {
            let mut changed = digests.clone();
            changed.group_one[at(tag)] = byte;
            assert!(changed.birth_date_and_sex().is_err(), "{tag:02X?}");
        }
    }

    #[test]
    fn a_short_card_key_is_refused() {
        let mut short = key();
        short.modulus.truncate(128);
        assert!(CardPublicKey::parse(&short.encode()).is_err());
        assert_eq!(CardPublicKey::parse(&key().encode()).unwrap(), key());
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = CardFace::parse(&bytes);
            let _ = CardPublicKey::parse(&bytes);
        }
    }
}
