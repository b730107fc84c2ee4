//! The 目視 assist's card side, end to end over the host-side CCID stack and the virtual reader: the 照合番号B
//! counter and its one VERIFY, the card face with its issuer signature under the test issuer, and the AP's own key
//! signing a challenge. A staff member who types the number from the card face held in their hand is the person
//! these tests act as: right, wrong, wrong again near the end of the counter.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::cell::RefCell;
use std::rc::Rc;

use futures::executor::block_on;
use onshi_card::card_face::SignedFaceDigests;
use onshi_card::ccid::CcidReader;
use onshi_card::collation::CollationNumberB;
use onshi_card::jpki::{PinStatus, digest_info_sha256};
use onshi_card::surface::{CollationOutcome, SurfaceAp};
use onshi_vcard::demo::{DEMO_FACE_PHOTO_JP2, SURFACE_ISSUER_PUBLIC_KEY_DER, demo_collation_b};
use onshi_vcard::reader::class_descriptor;
use onshi_vcard::{VirtualBulk, VirtualCard, VirtualCcidReader};
use rsa::pkcs8::DecodePublicKey;
use rsa::{BoxedUint, Pkcs1v15Sign, PublicKey};

type Ap = SurfaceAp<CcidReader<VirtualBulk>>;

fn surface_ap(card: VirtualCard) -> (Ap, Rc<RefCell<VirtualCcidReader>>) {
    let shared = Rc::new(RefCell::new(VirtualCcidReader::with_card(card)));
    let mut ccid = CcidReader::with_descriptor(VirtualBulk::shared(Rc::clone(&shared)), &class_descriptor()).unwrap();
    block_on(ccid.power_on()).unwrap();
    let mut ap = SurfaceAp::new(ccid);
    block_on(ap.select()).unwrap();
    (ap, shared)
}

fn tries_left(reader: &Rc<RefCell<VirtualCcidReader>>) -> u8 {
    reader.borrow().card().unwrap().collation_b_tries_left().unwrap()
}

/// A number that differs from the card's in the security code only (staff misread one digit).
fn misread(index: usize) -> CollationNumberB {
    let mut digits = demo_collation_b(index).unwrap().into_bytes();
    let last = digits.last_mut().unwrap();
    *last = if *last == b'9' { b'0' } else { *last + 1 };
    CollationNumberB::new(std::str::from_utf8(&digits).unwrap()).unwrap()
}

fn right(index: usize) -> CollationNumberB {
    CollationNumberB::new(&demo_collation_b(index).unwrap()).unwrap()
}

/// PKCS#1 v1.5 over a DigestInfo the caller built (the issuer's three-digest structure is not a plain hash).
fn verifies(public_key: &PublicKey, digest_info: &[u8], signature: &[u8]) -> bool {
    public_key.verify(Pkcs1v15Sign::new_unprefixed(), digest_info, signature).is_ok()
}

fn issuer() -> PublicKey {
    PublicKey::from_public_key_der(SURFACE_ISSUER_PUBLIC_KEY_DER).unwrap()
}

#[test]
fn the_right_number_opens_a_face_signed_by_the_issuer_and_the_card_signs_the_challenge() {
    let (mut ap, reader) = surface_ap(VirtualCard::demo(0).unwrap());
    assert_eq!(block_on(ap.collation_b_status()).unwrap(), PinStatus::Remaining { tries_left: 10 });
    assert_eq!(block_on(ap.open_with_collation_b(right(0))).unwrap(), CollationOutcome::Opened);
    assert_eq!(tries_left(&reader), 10);
    let face = block_on(ap.read_card_face()).unwrap();
    assert_eq!((face.birth_date.as_str(), face.sex.as_str(), face.expiry.as_str()), ("19800217", "1", "20300217"));
    assert_eq!(face.photo.as_slice(), DEMO_FACE_PHOTO_JP2);
    assert!(face.name_image.starts_with(b"\x89PNG") && face.address_image.starts_with(b"\x89PNG"));

    let digests = face.signed_digests();
    assert!(verifies(&issuer(), &digests.digest_info(), &face.issuer_signature), "the issuer signed the face");

    let challenge = b"onshi card-face presence v1: edge challenge";
    let signature = block_on(ap.sign_challenge(challenge)).unwrap();
    let card_key = digests.card_key().unwrap();
    let card_key = PublicKey::new(
        BoxedUint::from_be_slice_vartime(&card_key.modulus),
        BoxedUint::from_be_slice_vartime(&card_key.exponent),
    )
    .unwrap();
    assert!(verifies(&card_key, &digest_info_sha256(challenge), &signature), "the card in the reader signed");
    assert!(!verifies(&card_key, &digest_info_sha256(b"another challenge"), &signature));
}

#[test]
fn a_face_with_another_photo_no_longer_verifies() {
    let (mut ap, _reader) = surface_ap(VirtualCard::demo(1).unwrap());
    block_on(ap.open_with_collation_b(right(1))).unwrap();
    let face = block_on(ap.read_card_face()).unwrap();
    let genuine = face.signed_digests();
    let mut swapped = genuine.clone();
    swapped.photo_digest[0] ^= 0x01;
    assert!(!verifies(&issuer(), &swapped.digest_info(), &face.issuer_signature));
    let mut other_birth: SignedFaceDigests = genuine.clone();
    other_birth.group_one[4] ^= 0x01;
    assert!(!verifies(&issuer(), &other_birth.digest_info(), &face.issuer_signature));
}

#[test]
fn a_copied_face_is_not_the_card_that_signs() {
    let (mut card_zero, _) = surface_ap(VirtualCard::demo(0).unwrap());
    block_on(card_zero.open_with_collation_b(right(0))).unwrap();
    let copied = block_on(card_zero.read_card_face()).unwrap().signed_digests();
    let (mut card_two, _) = surface_ap(VirtualCard::demo(2).unwrap());
    let challenge = b"challenge";
    let signature = block_on(card_two.sign_challenge(challenge)).unwrap();
    let key = copied.card_key().unwrap();
    let key =
        PublicKey::new(BoxedUint::from_be_slice_vartime(&key.modulus), BoxedUint::from_be_slice_vartime(&key.exponent))
            .unwrap();
    assert!(!verifies(&key, &digest_info_sha256(challenge), &signature), "card 2 cannot answer for card 0's face");
}

#[test]
fn a_wrong_number_costs_exactly_one_try_and_reads_nothing() {
    let (mut ap, reader) = surface_ap(VirtualCard::demo(0).unwrap());
    assert_eq!(block_on(ap.open_with_collation_b(misread(0))).unwrap(), CollationOutcome::Wrong { tries_left: 9 });
    assert_eq!(tries_left(&reader), 9);
    assert!(block_on(ap.read_card_face()).is_err(), "the face stays closed");
    assert_eq!(block_on(ap.collation_b_status()).unwrap(), PinStatus::Remaining { tries_left: 9 });
    assert_eq!(tries_left(&reader), 9, "reading the counter spends nothing");
    assert_eq!(block_on(ap.open_with_collation_b(right(0))).unwrap(), CollationOutcome::Opened);
    assert_eq!(tries_left(&reader), 10, "the right number resets the counter");
}

#[test]
fn the_kiosk_stops_before_the_last_three_tries() {
    let (mut ap, reader) = surface_ap(VirtualCard::demo(3).unwrap().with_collation_b_tries_left(4));
    assert_eq!(block_on(ap.open_with_collation_b(misread(3))).unwrap(), CollationOutcome::Wrong { tries_left: 3 });
    assert_eq!(block_on(ap.open_with_collation_b(right(3))).unwrap(), CollationOutcome::Stopped { tries_left: 3 });
    assert_eq!(tries_left(&reader), 3, "not even the right number is tried now");
    assert!(block_on(ap.read_card_face()).is_err());
}

#[test]
fn every_demo_card_opens_with_its_own_number_only() {
    for index in 0..5 {
        let (mut ap, reader) = surface_ap(VirtualCard::demo(index).unwrap());
        let other = CollationNumberB::new(&demo_collation_b((index + 1) % 5).unwrap()).unwrap();
        assert!(matches!(block_on(ap.open_with_collation_b(other)).unwrap(), CollationOutcome::Wrong { .. }));
        assert_eq!(block_on(ap.open_with_collation_b(right(index))).unwrap(), CollationOutcome::Opened, "{index}");
        assert_eq!(tries_left(&reader), 10);
    }
}
