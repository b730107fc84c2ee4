//! The whole check-in, end to end over the host-side CCID stack and the virtual reader: CcidReader<VirtualBulk>
//! → VirtualCcidReader → VirtualCard.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::cell::RefCell;
use std::rc::Rc;

use der::{Decode, Encode};
use futures::executor::block_on;
use onshi_card::ccid::{CcidReader, IccStatus};
use onshi_card::flow::{CheckIn, CheckInStage};
use onshi_card::jpki::{Pin, PinStatus, VerifyOutcome};
use onshi_card::{CardError, TransportError};
use onshi_vcard::demo::{DEMO_PERSONS, TEST_CA_CERTIFICATE_DER, demo_certificate_der};
use onshi_vcard::reader::class_descriptor;
use onshi_vcard::{VirtualBulk, VirtualCard, VirtualCcidReader};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::Sha256;
use rsa::signature::Verifier;
use x509_cert::Certificate;

const CHALLENGE: &[u8; 32] = b"edge challenge, 32 bytes long..!";

type Stack = CheckIn<CcidReader<VirtualBulk>>;

/// A powered-on check-in over the virtual reader holding demo card `index`, and a handle to that reader.
fn check_in_with(reader: VirtualCcidReader) -> (Stack, Rc<RefCell<VirtualCcidReader>>) {
    let shared = Rc::new(RefCell::new(reader));
    let mut ccid = CcidReader::with_descriptor(VirtualBulk::shared(Rc::clone(&shared)), &class_descriptor()).unwrap();
    let atr = block_on(ccid.power_on()).unwrap();
    assert_eq!(atr.as_bytes(), &[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]);
    (CheckIn::new(ccid), shared)
}

fn demo_check_in(index: usize) -> (Stack, Rc<RefCell<VirtualCcidReader>>) {
    check_in_with(VirtualCcidReader::with_card(VirtualCard::demo(index).unwrap()).with_signing_time_extensions(2))
}

fn verifying_key_of(certificate_der: &[u8]) -> VerifyingKey<Sha256> {
    let certificate = Certificate::from_der(certificate_der).unwrap();
    let spki = certificate.tbs_certificate().subject_public_key_info().to_der().unwrap();
    VerifyingKey::new(rsa::PublicKey::from_public_key_der(&spki).unwrap())
}

fn issued_by_test_ca(certificate_der: &[u8]) -> bool {
    let certificate = Certificate::from_der(certificate_der).unwrap();
    let ca = Certificate::from_der(TEST_CA_CERTIFICATE_DER).unwrap();
    let tbs = certificate.tbs_certificate().to_der().unwrap();
    let signature = Signature::try_from(certificate.signature().raw_bytes()).unwrap();
    certificate.tbs_certificate().issuer() == ca.tbs_certificate().subject()
        && verifying_key_of(TEST_CA_CERTIFICATE_DER).verify(&tbs, &signature).is_ok()
}

#[test]
fn full_check_in_signs_a_challenge_that_verifies_up_to_the_test_ca() {
    let (mut check_in, _reader) = demo_check_in(0);
    let info = block_on(check_in.start()).unwrap();
    assert_eq!(info.certificate_der, demo_certificate_der(0).unwrap());
    assert!(issued_by_test_ca(&info.certificate_der));

    assert_eq!(block_on(check_in.pin_status()).unwrap(), PinStatus::Remaining { tries_left: 3 });
    let wrong = block_on(check_in.verify(Pin::new("9999").unwrap())).unwrap();
    assert_eq!(wrong, VerifyOutcome::Wrong { tries_left: 2 });
    assert_eq!(block_on(check_in.pin_status()).unwrap(), PinStatus::Remaining { tries_left: 2 });
    let right = block_on(check_in.verify(Pin::new(DEMO_PERSONS[0].pin).unwrap())).unwrap();
    assert_eq!(right, VerifyOutcome::Verified);
    assert_eq!(check_in.stage(), CheckInStage::PinVerified);

    let signature_bytes = block_on(check_in.sign_challenge(CHALLENGE)).unwrap();
    let signature = Signature::try_from(signature_bytes.as_slice()).unwrap();
    let verifying_key = verifying_key_of(&info.certificate_der);
    verifying_key.verify(CHALLENGE, &signature).unwrap();
    assert!(verifying_key.verify(b"another challenge", &signature).is_err());
}

#[test]
fn every_demo_card_signs_with_its_own_pin() {
    for (index, person) in DEMO_PERSONS.iter().enumerate() {
        let (mut check_in, _reader) = demo_check_in(index);
        let info = block_on(check_in.start()).unwrap();
        assert!(issued_by_test_ca(&info.certificate_der), "card {index}");
        assert_eq!(block_on(check_in.verify(Pin::new(person.pin).unwrap())).unwrap(), VerifyOutcome::Verified);
        let signature = block_on(check_in.sign_challenge(CHALLENGE)).unwrap();
        let signature = Signature::try_from(signature.as_slice()).unwrap();
        verifying_key_of(&info.certificate_der).verify(CHALLENGE, &signature).unwrap();
    }
}

#[test]
fn three_wrong_pins_block_the_card_for_good() {
    let (mut check_in, reader) = demo_check_in(4);
    block_on(check_in.start()).unwrap();
    for tries_left in [2, 1, 0] {
        let outcome = block_on(check_in.verify(Pin::new("0000").unwrap())).unwrap();
        assert_eq!(outcome, VerifyOutcome::Wrong { tries_left });
    }
    assert_eq!(block_on(check_in.pin_status()).unwrap(), PinStatus::Blocked);
    let right_pin = Pin::new(DEMO_PERSONS[4].pin).unwrap();
    assert_eq!(block_on(check_in.verify(right_pin)).unwrap(), VerifyOutcome::Blocked);
    assert!(matches!(block_on(check_in.sign_challenge(CHALLENGE)), Err(CardError::StepOutOfOrder { .. })));
    assert_eq!(reader.borrow().card().map(VirtualCard::tries_left), Some(0));

    // Starting over (a new SELECT, even a power cycle) does not unblock the card.
    block_on(check_in.start()).unwrap();
    assert_eq!(block_on(check_in.pin_status()).unwrap(), PinStatus::Blocked);
}

#[test]
fn removing_the_card_mid_flow_is_a_typed_no_card_error() {
    let (mut check_in, reader) = demo_check_in(0);
    block_on(check_in.start()).unwrap();
    assert_eq!(block_on(check_in.verify(Pin::new("1234").unwrap())).unwrap(), VerifyOutcome::Verified);
    let removed = reader.borrow_mut().remove();
    assert!(removed.is_some());

    let result = block_on(check_in.sign_challenge(CHALLENGE));
    assert!(matches!(result, Err(CardError::Transport(TransportError::NoCard))), "{result:?}");
    assert_eq!(check_in.stage(), CheckInStage::NotStarted);
    assert!(matches!(block_on(check_in.pin_status()), Err(CardError::StepOutOfOrder { .. })));

    let mut ccid = check_in.into_transport();
    assert_eq!(block_on(ccid.slot_status()).unwrap(), IccStatus::Absent);
    assert_eq!(block_on(ccid.power_on()), Err(TransportError::NoCard));
}

#[test]
fn a_reinserted_card_starts_over_unverified() {
    let (mut check_in, reader) = demo_check_in(1);
    block_on(check_in.start()).unwrap();
    assert_eq!(block_on(check_in.verify(Pin::new(DEMO_PERSONS[1].pin).unwrap())).unwrap(), VerifyOutcome::Verified);
    let card = reader.borrow_mut().remove().unwrap();
    reader.borrow_mut().insert(card);

    let mut ccid = check_in.into_transport();
    assert_eq!(block_on(ccid.slot_status()).unwrap(), IccStatus::PresentInactive);
    block_on(ccid.power_on()).unwrap();
    let mut check_in = CheckIn::new(ccid);
    block_on(check_in.start()).unwrap();
    assert_eq!(block_on(check_in.pin_status()).unwrap(), PinStatus::Remaining { tries_left: 3 });
    assert!(matches!(block_on(check_in.sign_challenge(CHALLENGE)), Err(CardError::StepOutOfOrder { .. })));
}
