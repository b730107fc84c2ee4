//! The 申立書 relay of an outage, run natively against in-memory ports: a staff console publishes its key, a kiosk
//! of the same facility reads it with its facility and queues a sealed capture, and the console takes every capture
//! once. Another facility's console sees nothing, a capture sealed to a key the facility no longer publishes is
//! refused, and the queue keeps its bound.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::EdgeApi;
use onshi_proto::petition::{
    CaptureId, MAX_QUEUED_PER_FACILITY, P256PublicKey, PETITION_KEY_PATH, PETITION_PATH, PetitionCiphertext,
    PetitionIv, PetitionKey, QUEUE_LIFETIME_SECS, STAFF_PETITION_KEY_PATH, STAFF_PETITIONS_PATH, SealedPetition,
};

mod support;

use support::*;

fn console_key(seed: u8) -> P256PublicKey {
    P256PublicKey::parse(&[[4u8].as_slice(), &[seed; 64]].concat()).unwrap()
}

fn sealed(id: u8, recipient: &P256PublicKey) -> SealedPetition {
    SealedPetition {
        capture_id: CaptureId::from_random([id; 16]),
        recipient_key: recipient.clone(),
        ephemeral_key: console_key(200),
        iv: PetitionIv::parse(&[id; 12]).unwrap(),
        ciphertext: PetitionCiphertext::parse(&[id; 48]).unwrap(),
    }
}

#[test]
fn a_kiosk_hands_a_sealed_capture_to_its_own_facilitys_console_once() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let desk = staff_desk(&api, FACILITY, 40);
    let other_desk = staff_desk(&api, OTHER_FACILITY, 41);

    // Before any console published a key, the kiosk learns there is nobody to seal to.
    assert_eq!(
        block_on(api.petition_recipient(&kiosk.request(PETITION_KEY_PATH, b"null", NOW))),
        Err(EdgeError::PetitionKeyMissing)
    );

    let key = console_key(9);
    let published = serde_json::to_vec(&PetitionKey { public_key: key.clone() }).unwrap();
    block_on(api.publish_petition_key(&desk.request("POST", STAFF_PETITION_KEY_PATH, &published, NOW))).unwrap();
    let recipient = block_on(api.petition_recipient(&kiosk.request(PETITION_KEY_PATH, b"null", NOW))).unwrap();
    assert_eq!(recipient.facility_code.as_str(), FACILITY, "the facility comes from the kiosk's proof");
    assert_eq!(recipient.public_key, key);

    let capture = sealed(1, &key);
    let body = serde_json::to_vec(&capture).unwrap();
    let receipt = block_on(api.queue_petition(&kiosk.request(PETITION_PATH, &body, NOW))).unwrap();
    assert_eq!(receipt.capture_id, capture.capture_id);
    // A retried post is kept once.
    block_on(api.queue_petition(&kiosk.request(PETITION_PATH, &body, NOW + 1))).unwrap();

    let taken = |desk: &StaffDesk, now| {
        block_on(api.take_petitions(&desk.request("POST", STAFF_PETITIONS_PATH, b"null", now))).unwrap().petitions
    };
    assert!(taken(&other_desk, NOW + 2).is_empty(), "another facility's console sees nothing");
    let batch = taken(&desk, NOW + 2);
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].sealed, capture);
    assert_eq!(batch[0].received_at, NOW);
    assert!(taken(&desk, NOW + 3).is_empty(), "a capture is handed over once and forgotten");

    // The audit names the capture, never anything of what it holds.
    let audit = format!("{:?}", ports.audit.borrow());
    assert!(audit.contains(capture.capture_id.as_str()), "{audit}");
}

#[test]
fn a_capture_for_a_key_no_longer_published_or_over_the_bound_is_refused() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 8);
    let desk = staff_desk(&api, FACILITY, 42);
    let publish = |seed| {
        let body = serde_json::to_vec(&PetitionKey { public_key: console_key(seed) }).unwrap();
        block_on(api.publish_petition_key(&desk.request("POST", STAFF_PETITION_KEY_PATH, &body, NOW))).unwrap();
    };
    publish(9);
    publish(10);
    let stale = serde_json::to_vec(&sealed(1, &console_key(9))).unwrap();
    assert_eq!(
        block_on(api.queue_petition(&kiosk.request(PETITION_PATH, &stale, NOW))),
        Err(EdgeError::PetitionKeyMissing),
        "sealed to the console's old key: it would never open"
    );

    for id in 0..MAX_QUEUED_PER_FACILITY {
        let body = serde_json::to_vec(&sealed(u8::try_from(id).unwrap(), &console_key(10))).unwrap();
        block_on(api.queue_petition(&kiosk.request(PETITION_PATH, &body, NOW))).unwrap();
    }
    let one_more = serde_json::to_vec(&sealed(250, &console_key(10))).unwrap();
    assert_eq!(
        block_on(api.queue_petition(&kiosk.request(PETITION_PATH, &one_more, NOW))),
        Err(EdgeError::PetitionQueueFull)
    );
    assert_eq!(EdgeError::PetitionQueueFull.code().as_str(), "petition_queue_full");
    // Once their lifetime has passed the waiting captures are forgotten unread, and the queue takes new ones.
    let later = NOW + QUEUE_LIFETIME_SECS + 1;
    block_on(api.queue_petition(&kiosk.request(PETITION_PATH, &one_more, later))).unwrap();
    let waiting: Vec<_> = ports.petitions.borrow()[FACILITY].iter().map(|queued| queued.received_at).collect();
    assert_eq!(waiting, [later]);

    // A malformed capture is a bad request, not a queued one.
    let mut tree = serde_json::to_value(sealed(3, &console_key(10))).unwrap();
    tree["iv"] = serde_json::Value::String("AAAA".into());
    let body = serde_json::to_vec(&tree).unwrap();
    assert_eq!(block_on(api.queue_petition(&kiosk.request(PETITION_PATH, &body, later))), Err(EdgeError::BadRequest));
    assert_eq!(ports.petitions.borrow()[FACILITY].len(), 1);
}
