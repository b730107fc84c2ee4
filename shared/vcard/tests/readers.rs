//! The same check-in and reads over every reader kind, chosen by `onshi_card::reader::open` from the
//! configuration descriptor, exactly as the kiosk does: the virtual APDU-level CCID reader (short and
//! extended), the virtual TPDU-level reader (host T=1) and the virtual RC-S380 (Port-100, Type B, ISO-DEP).
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::cell::RefCell;
use std::rc::Rc;

use futures::executor::block_on;
use onshi_card::flow::CheckIn;
use onshi_card::jpki::{Jpki, Pin, PinStatus, VerifyOutcome};
use onshi_card::reader::{AnyReader, ReaderLevel, ReaderProtocol, open};
use onshi_card::{CardError, Transport, TransportError};
use onshi_vcard::demo::demo_certificate_der;
use onshi_vcard::reader::configuration_descriptor_for;
use onshi_vcard::{CcidLevel, VirtualBulk, VirtualCard, VirtualCcidReader, VirtualRcs380, VirtualUsbDevice};

const CHALLENGE: &[u8] = b"edge challenge, 32 bytes long..!";

fn ccid(level: CcidLevel) -> (AnyReader<VirtualBulk<VirtualCcidReader>>, Rc<RefCell<VirtualCcidReader>>) {
    let device = Rc::new(RefCell::new(VirtualCcidReader::with_level(level, Some(VirtualCard::demo(0).unwrap()))));
    let reader =
        open(VirtualBulk::shared(Rc::clone(&device)), ReaderProtocol::Ccid, &configuration_descriptor_for(level))
            .unwrap();
    (reader, device)
}

fn rcs380() -> (AnyReader<VirtualBulk<VirtualRcs380>>, Rc<RefCell<VirtualRcs380>>) {
    let device = Rc::new(RefCell::new(VirtualRcs380::new(Some(VirtualCard::demo(0).unwrap()))));
    let descriptor = onshi_vcard::rcs380::configuration_descriptor();
    let reader = open(VirtualBulk::shared(Rc::clone(&device)), ReaderProtocol::Port100, &descriptor).unwrap();
    (reader, device)
}

fn check_in<B: onshi_card::UsbBulk>(mut reader: AnyReader<B>) -> AnyReader<B> {
    block_on(reader.power_on()).unwrap();
    let mut flow = CheckIn::new(reader);
    let info = block_on(flow.start()).unwrap();
    assert_eq!(info.certificate_der, demo_certificate_der(0).unwrap());
    assert_eq!(block_on(flow.pin_status()).unwrap(), PinStatus::Remaining { tries_left: 3 });
    assert_eq!(block_on(flow.verify(Pin::new("1234").unwrap())).unwrap(), VerifyOutcome::Verified);
    let signature = block_on(flow.sign_challenge(CHALLENGE)).unwrap();
    assert_eq!(signature.len(), 256);
    flow.into_transport()
}

#[test]
fn every_reader_kind_is_recognised_from_its_descriptor() {
    assert_eq!(ccid(CcidLevel::ShortApdu).0.level(), ReaderLevel::ShortApdu);
    assert_eq!(ccid(CcidLevel::ExtendedApdu).0.level(), ReaderLevel::ExtendedApdu);
    assert_eq!(ccid(CcidLevel::Tpdu).0.level(), ReaderLevel::Tpdu);
    assert_eq!(rcs380().0.level(), ReaderLevel::Rcs380);
}

#[test]
fn check_in_runs_unchanged_over_every_reader() {
    for level in [CcidLevel::ShortApdu, CcidLevel::ExtendedApdu, CcidLevel::Tpdu] {
        let (reader, device) = ccid(level);
        check_in(reader);
        assert_eq!(device.borrow().card().unwrap().tries_left(), 3, "{level:?}");
    }
    let (reader, device) = rcs380();
    check_in(reader);
    assert!(device.borrow().has_card());
}

#[test]
fn the_same_signature_comes_back_over_every_reader() {
    // PKCS#1 v1.5 is deterministic: the same card and challenge must give the same bytes whatever carried them.
    let mut signatures = Vec::new();
    for level in [CcidLevel::ShortApdu, CcidLevel::ExtendedApdu, CcidLevel::Tpdu] {
        let mut reader = ccid(level).0;
        block_on(reader.power_on()).unwrap();
        let mut flow = CheckIn::new(reader);
        block_on(flow.start()).unwrap();
        block_on(flow.verify(Pin::new("1234").unwrap())).unwrap();
        signatures.push(block_on(flow.sign_challenge(CHALLENGE)).unwrap());
    }
    let mut reader = rcs380().0;
    block_on(reader.power_on()).unwrap();
    let mut flow = CheckIn::new(reader);
    block_on(flow.start()).unwrap();
    block_on(flow.verify(Pin::new("1234").unwrap())).unwrap();
    signatures.push(block_on(flow.sign_challenge(CHALLENGE)).unwrap());
    assert!(signatures.windows(2).all(|pair| pair[0] == pair[1]));
}

#[test]
fn extended_readers_read_the_certificate_in_one_apdu() {
    let (mut reader, _device) = ccid(CcidLevel::ExtendedApdu);
    block_on(reader.power_on()).unwrap();
    assert!(reader.supports_extended_length());
    let mut jpki = Jpki::new(Counting { inner: reader, apdus: 0 });
    block_on(jpki.select()).unwrap();
    block_on(jpki.read_auth_certificate()).unwrap();
    assert_eq!(jpki.into_inner().apdus, 2);
}

#[test]
fn tpdu_reader_recovers_from_corrupt_and_lost_blocks() {
    let (mut reader, device) = ccid(CcidLevel::Tpdu);
    block_on(reader.power_on()).unwrap();
    let mut jpki = Jpki::new(reader);
    block_on(jpki.select()).unwrap();
    device.borrow_mut().t1_mut().corrupt_answers = 2;
    assert_eq!(block_on(jpki.read_auth_certificate()).unwrap(), demo_certificate_der(0).unwrap());
    device.borrow_mut().t1_mut().silent_answers = 1;
    assert_eq!(block_on(jpki.read_auth_ca_certificate()).unwrap().first(), Some(&0x30));
    // More faults in a row than the retry budget: RESYNCH, then the APDU once more, which succeeds.
    device.borrow_mut().t1_mut().corrupt_answers = 4;
    assert_eq!(block_on(jpki.pin_status()).unwrap(), PinStatus::Remaining { tries_left: 3 });
}

#[test]
fn rcs380_recovers_from_lost_answers_and_reports_a_missing_card() {
    let (mut reader, device) = rcs380();
    block_on(reader.power_on()).unwrap();
    let mut jpki = Jpki::new(reader);
    block_on(jpki.select()).unwrap();
    device.borrow_mut().lost_answers = 1;
    assert_eq!(block_on(jpki.read_auth_certificate()).unwrap(), demo_certificate_der(0).unwrap());
    device.borrow_mut().remove();
    assert!(matches!(block_on(jpki.pin_status()), Err(CardError::Transport(TransportError::CardMute))));

    let (mut empty, _device) = {
        let device = Rc::new(RefCell::new(VirtualRcs380::new(None)));
        let descriptor = onshi_vcard::rcs380::configuration_descriptor();
        (open(VirtualBulk::shared(Rc::clone(&device)), ReaderProtocol::Port100, &descriptor).unwrap(), device)
    };
    assert_eq!(block_on(empty.power_on()), Err(TransportError::NoCard));
}

#[test]
fn rcs380_protocol_faults_are_typed_errors() {
    let (mut reader, device) = rcs380();
    device.borrow_mut().missing_acks = 1;
    assert!(matches!(block_on(reader.power_on()), Err(TransportError::MalformedFrame(_))));
    // The host's resynchronising ACK cleared the reader's queue, so the next attempt works.
    block_on(reader.power_on()).unwrap();
    // A garbled answer frame is an ISO-DEP transmission error: R(NAK), and the card repeats its answer.
    device.borrow_mut().bad_checksums = 1;
    let select = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
    assert_eq!(block_on(reader.transmit(&select)).unwrap(), vec![0x90, 0x00]);
}

#[test]
fn a_card_pulled_out_mid_apdu_is_no_card_and_a_stalled_reader_is_an_error_not_a_hang() {
    let (mut reader, device) = ccid(CcidLevel::ShortApdu);
    block_on(reader.power_on()).unwrap();
    device.borrow_mut().remove_card_during_next_apdu();
    let result = block_on(reader.transmit(&[0x00, 0xA4, 0x04, 0x0C]));
    assert_eq!(result, Err(TransportError::NoCard));
    assert_eq!(device.borrow_mut().interrupt_in(), Some(vec![0x50, 0x03]));
    assert_eq!(device.borrow_mut().interrupt_in(), Some(vec![0x50, 0x02]));
    assert_eq!(
        onshi_card::ccid::parse_notify_slot_change(&[0x50, 0x02]).unwrap()[0],
        onshi_card::ccid::SlotChange { slot: 0, present: false, changed: true }
    );

    let (mut reader, device) = ccid(CcidLevel::ShortApdu);
    block_on(reader.power_on()).unwrap();
    device.borrow_mut().set_stalled(true);
    assert!(matches!(block_on(reader.transmit(&[0x00, 0xA4, 0x04, 0x0C])), Err(TransportError::Io(_))));
}

/// Counts APDUs on their way to the reader.
#[derive(Debug)]
struct Counting<T> {
    inner: T,
    apdus: usize,
}

impl<T: Transport> Transport for Counting<T> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.apdus += 1;
        self.inner.transmit(command).await
    }

    fn supports_extended_length(&self) -> bool {
        self.inner.supports_extended_length()
    }
}

#[allow(dead_code)]
fn assert_device<D: VirtualUsbDevice>(_: &D) {}

#[test]
fn registration_reads_run_over_every_reader() {
    use onshi_card::jpki::{KeyUse, SignPassword, digest_info_sha256};
    use onshi_card::text::TextAp;
    use onshi_vcard::demo::DEMO_PERSONS;

    fn registration<B: onshi_card::UsbBulk>(mut reader: AnyReader<B>) {
        block_on(reader.power_on()).unwrap();
        let mut jpki = Jpki::new(reader);
        block_on(jpki.select()).unwrap();
        assert_eq!(block_on(jpki.read_token_info()).unwrap().label, "JPKIAPICCTOKEN2");
        assert_eq!(block_on(jpki.read_sign_ca_certificate()).unwrap(), onshi_vcard::demo::SIGN_CA_CERTIFICATE_DER);
        assert!(matches!(
            block_on(jpki.read_sign_certificate()),
            Err(CardError::Status(onshi_card::apdu::StatusWord::SecurityNotSatisfied))
        ));
        assert_eq!(block_on(jpki.secret_status(KeyUse::Signing)).unwrap(), PinStatus::Remaining { tries_left: 5 });
        let password = SignPassword::new("ONSHI1234").unwrap();
        assert_eq!(block_on(jpki.verify_sign_password(password)).unwrap(), VerifyOutcome::Verified);
        let sign_certificate = block_on(jpki.read_sign_certificate()).unwrap();
        assert_eq!(sign_certificate.first(), Some(&0x30));
        let signature = block_on(jpki.sign_with(KeyUse::Signing, &digest_info_sha256(b"application"))).unwrap();
        assert_eq!(signature.len(), 256);

        let mut text = TextAp::new(jpki.into_inner());
        block_on(text.select()).unwrap();
        assert_eq!(block_on(text.pin_status()).unwrap(), PinStatus::Remaining { tries_left: 3 });
        assert_eq!(block_on(text.verify_pin(Pin::new("1234").unwrap())).unwrap(), VerifyOutcome::Verified);
        let info = block_on(text.read_basic_four()).unwrap();
        assert_eq!(info.name, DEMO_PERSONS[0].name);
        assert_eq!(info.address, DEMO_PERSONS[0].address);
        assert_eq!(info.birth_date, "19800217");
        assert_eq!(info.sex, "1");
        let number = block_on(text.read_my_number()).unwrap();
        assert_eq!(number.digits(), onshi_vcard::card::synthetic_my_number(0));
    }

    for level in [CcidLevel::ShortApdu, CcidLevel::ExtendedApdu, CcidLevel::Tpdu] {
        registration(ccid(level).0);
    }
    registration(rcs380().0);
}

#[test]
fn changing_the_pin_and_the_card_states() {
    let (mut reader, _device) = ccid(CcidLevel::Tpdu);
    block_on(reader.power_on()).unwrap();
    let mut jpki = Jpki::new(reader);
    block_on(jpki.select()).unwrap();
    let outcome = block_on(jpki.change_auth_pin(Pin::new("9999").unwrap(), Pin::new("5678").unwrap())).unwrap();
    assert_eq!(outcome, VerifyOutcome::Wrong { tries_left: 2 });
    let outcome = block_on(jpki.change_auth_pin(Pin::new("1234").unwrap(), Pin::new("5678").unwrap())).unwrap();
    assert_eq!(outcome, VerifyOutcome::Verified);
    block_on(jpki.select()).unwrap();
    assert_eq!(
        block_on(jpki.verify_auth_pin(Pin::new("1234").unwrap())).unwrap(),
        VerifyOutcome::Wrong { tries_left: 2 }
    );
    assert_eq!(block_on(jpki.verify_auth_pin(Pin::new("5678").unwrap())).unwrap(), VerifyOutcome::Verified);

    let card_reader = |card: VirtualCard| {
        let device = VirtualCcidReader::with_level(CcidLevel::ShortApdu, Some(card));
        let mut reader =
            open(VirtualBulk::new(device), ReaderProtocol::Ccid, &configuration_descriptor_for(CcidLevel::ShortApdu))
                .unwrap();
        block_on(reader.power_on()).unwrap();
        CheckIn::new(reader)
    };
    let mut blocked = card_reader(VirtualCard::demo(1).unwrap().with_blocked_auth_pin());
    block_on(blocked.start()).unwrap();
    assert_eq!(block_on(blocked.pin_status()).unwrap(), PinStatus::Blocked);
    assert_eq!(block_on(blocked.verify(Pin::new("2580").unwrap())).unwrap(), VerifyOutcome::Blocked);

    let mut face_only = card_reader(VirtualCard::demo(0).unwrap().face_authentication_only());
    block_on(face_only.start()).unwrap();
    assert_eq!(block_on(face_only.pin_status()).unwrap(), PinStatus::NotSet);
    assert!(matches!(
        block_on(face_only.verify(Pin::new("1234").unwrap())),
        Err(CardError::Status(onshi_card::apdu::StatusWord::ConditionsNotSatisfied))
    ));

    let mut expired = card_reader(VirtualCard::expired().unwrap());
    let certificate = block_on(expired.start()).unwrap().certificate_der;
    let parsed = <x509_cert::Certificate as der::Decode>::from_der(&certificate).unwrap();
    assert_eq!(parsed.tbs_certificate().validity().not_after.to_unix_duration().as_secs(), 1_609_459_199);
}

#[test]
fn card_presence_is_known_for_every_reader() {
    for level in [CcidLevel::ShortApdu, CcidLevel::ExtendedApdu, CcidLevel::Tpdu] {
        let (reader, device) = ccid(level);
        let mut reader = check_in(reader);
        assert!(block_on(reader.card_present()).unwrap(), "{level:?}");
        device.borrow_mut().remove();
        assert!(!block_on(reader.card_present()).unwrap(), "{level:?}");
    }
    let (reader, device) = rcs380();
    let mut reader = check_in(reader);
    assert!(block_on(reader.card_present()).unwrap());
    // The presence check left the ISO-DEP session intact: another APDU still works.
    let select = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
    assert_eq!(block_on(reader.transmit(&select)).unwrap(), vec![0x90, 0x00]);
    device.borrow_mut().remove();
    assert!(!block_on(reader.card_present()).unwrap());
}
