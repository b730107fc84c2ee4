//! # onshi-vcard-wasm — the virtual readers, exported to JavaScript
//!
//! Layer: a thin wasm-bindgen adapter over `onshi-vcard`, for the WebUSB fake that lets the kiosk run its real
//! WebUSB + CCID code path without hardware (demo and browser tests). [`VirtualReader::of_kind`] picks the
//! reader: `ccid-apdu`, `ccid-extended`, `ccid-tpdu` or `rcs380`. JavaScript calls
//! [`VirtualReader::bulk_out`] from its fake `transferOut` and [`VirtualReader::bulk_in`] from its fake
//! `transferIn`, and answers descriptor requests from the static getters.
//!
//! Must not: hold protocol logic of its own (it forwards to `onshi-vcard`), do I/O, or be shipped as a real
//! card: the keys and PINs it exposes are committed test data.

// `#[wasm_bindgen]` expands to FFI glue containing `unsafe` blocks, so this crate cannot forbid `unsafe_code`.
// It allows it here, at the root, and nowhere else; no hand-written code in this crate uses `unsafe`.
#![allow(unsafe_code)]

use onshi_vcard::dated::{ALL_DEMO_CARD_COUNT, dated_card, dated_person};
use onshi_vcard::demo::{DEMO_CARD_COUNT, DEMO_CARDS_JSON, demo_person};
use onshi_vcard::reader::{class_descriptor, configuration_descriptor, configuration_descriptor_for, usb_identity};
use onshi_vcard::{CcidLevel, VcardError, VirtualCard, VirtualCcidReader, VirtualRcs380, VirtualUsbDevice};
use wasm_bindgen::prelude::*;

/// Time extensions the reader asks for before each signature, so the kiosk's time-extension path runs.
const SIGNING_TIME_EXTENSIONS: u8 = 1;

/// A virtual reader with a demo My Number card in it: a CCID reader (short APDU, extended APDU or TPDU level)
/// or a Sony RC-S380.
#[wasm_bindgen]
#[derive(Debug)]
pub struct VirtualReader {
    reader: AnyVirtualReader,
}

#[derive(Debug)]
enum AnyVirtualReader {
    Ccid(VirtualCcidReader),
    Rcs380(VirtualRcs380),
}

fn level_of(kind: &str) -> Result<Option<CcidLevel>, JsError> {
    match kind {
        "ccid-apdu" => Ok(Some(CcidLevel::ShortApdu)),
        "ccid-extended" => Ok(Some(CcidLevel::ExtendedApdu)),
        "ccid-tpdu" => Ok(Some(CcidLevel::Tpdu)),
        "rcs380" => Ok(None),
        other => Err(JsError::new(&format!("unknown reader kind {other:?}"))),
    }
}

fn build(kind: &str, card: Option<VirtualCard>) -> Result<AnyVirtualReader, JsError> {
    Ok(match level_of(kind)? {
        Some(level) => AnyVirtualReader::Ccid(
            VirtualCcidReader::with_level(level, card).with_signing_time_extensions(SIGNING_TIME_EXTENSIONS),
        ),
        None => AnyVirtualReader::Rcs380(VirtualRcs380::new(card)),
    })
}

#[wasm_bindgen]
extern "C" {
    /// The browser's clock, in milliseconds since the Unix epoch: the dated demo cards are issued for "now".
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
}

/// The browser's clock in Unix seconds. Read here, in the adapter, so that `onshi-vcard` stays clock-free.
fn now_unix() -> i64 {
    // Milliseconds since 1970 fit an i64 for any date a browser can show; `as` truncates toward zero.
    #[allow(clippy::cast_possible_truncation, reason = "a browser's Date.now() is far below 2^63 ms")]
    let seconds = (date_now() / 1000.0) as i64;
    seconds
}

/// Demo card `index`: a fixed demo card, or after them a dated one issued for the browser's "now".
fn demo_card(index: u32) -> Result<VirtualCard, JsError> {
    let index = usize::try_from(index).map_err(|_| JsError::new("card index out of range"))?;
    let card =
        if index < DEMO_CARD_COUNT { VirtualCard::demo(index) } else { VirtualCard::dated_demo(index, now_unix()) };
    card.map_err(|error: VcardError| JsError::new(&error.to_string()))
}

/// The picker label, PIN and scenario of demo card `index`, fixed or dated.
fn card_facts(index: u32) -> Result<(String, &'static str, &'static str), JsError> {
    let missing = || JsError::new(&format!("there is no demo card {index} (there are {ALL_DEMO_CARD_COUNT})"));
    let index = usize::try_from(index).map_err(|_| missing())?;
    if let Some(person) = demo_person(index) {
        return Ok((person.label.to_owned(), person.pin, person.scenario));
    }
    let card = dated_card(index).ok_or_else(missing)?;
    let person = dated_person(card).ok_or_else(missing)?;
    Ok((card.label.to_owned(), person.pin, card.scenario))
}

#[wasm_bindgen]
impl VirtualReader {
    /// A reader with demo card `card_index` inserted (not yet powered).
    #[wasm_bindgen(constructor)]
    pub fn new(card_index: u32) -> Result<VirtualReader, JsError> {
        Self::of_kind("ccid-apdu", Some(card_index))
    }

    /// A reader of `kind` (`ccid-apdu`, `ccid-extended`, `ccid-tpdu` or `rcs380`) holding demo card
    /// `card_index`, or empty when it is `undefined`.
    pub fn of_kind(kind: &str, card_index: Option<u32>) -> Result<VirtualReader, JsError> {
        let card = card_index.map(demo_card).transpose()?;
        Ok(Self { reader: build(kind, card)? })
    }

    /// An empty reader (no card in the slot).
    pub fn empty() -> VirtualReader {
        Self {
            reader: AnyVirtualReader::Ccid(
                VirtualCcidReader::new().with_signing_time_extensions(SIGNING_TIME_EXTENSIONS),
            ),
        }
    }

    /// Feeds one bulk OUT transfer (a PC_to_RDR message or a Port-100 frame) to the reader.
    pub fn bulk_out(&mut self, data: &[u8]) {
        match &mut self.reader {
            AnyVirtualReader::Ccid(reader) => reader.bulk_out(data),
            AnyVirtualReader::Rcs380(reader) => VirtualUsbDevice::bulk_out(reader, data),
        }
    }

    /// The next reply transfer, or `undefined` when nothing is pending.
    pub fn bulk_in(&mut self) -> Option<Vec<u8>> {
        match &mut self.reader {
            AnyVirtualReader::Ccid(reader) => reader.bulk_in(),
            AnyVirtualReader::Rcs380(reader) => VirtualUsbDevice::bulk_in(reader),
        }
    }

    /// Puts demo card `index` in the slot (replacing any card there).
    pub fn insert_card(&mut self, index: u32) -> Result<(), JsError> {
        let card = demo_card(index)?;
        match &mut self.reader {
            AnyVirtualReader::Ccid(reader) => reader.insert(card),
            AnyVirtualReader::Rcs380(reader) => reader.insert(card),
        }
        Ok(())
    }

    /// Puts demo card `index` in the slot with 照合番号B's counter at `tries_left`, as after wrong tries elsewhere
    /// (the 目視 assist's tests: the kiosk must send no VERIFY at three or fewer).
    pub fn insert_card_with_collation_b_tries_left(&mut self, index: u32, tries_left: u8) -> Result<(), JsError> {
        let card = demo_card(index)?.with_collation_b_tries_left(tries_left);
        match &mut self.reader {
            AnyVirtualReader::Ccid(reader) => reader.insert(card),
            AnyVirtualReader::Rcs380(reader) => reader.insert(card),
        }
        Ok(())
    }

    /// Puts demo card `index` in the slot with its 券面事項入力補助AP PIN blocked, as after three wrong tries at
    /// another counter (the demo's control for the 申立書 capture's paper-form path, and its tests).
    pub fn insert_card_with_text_pin_blocked(&mut self, index: u32) -> Result<(), JsError> {
        let card = demo_card(index)?.with_blocked_text_pin();
        match &mut self.reader {
            AnyVirtualReader::Ccid(reader) => reader.insert(card),
            AnyVirtualReader::Rcs380(reader) => reader.insert(card),
        }
        Ok(())
    }

    /// Tries left on 照合番号B of the card in the slot (`undefined`: no card, or a card without the AP).
    pub fn collation_b_tries_left(&self) -> Option<u8> {
        match &self.reader {
            AnyVirtualReader::Ccid(reader) => reader.card(),
            AnyVirtualReader::Rcs380(reader) => reader.card(),
        }
        .and_then(VirtualCard::collation_b_tries_left)
    }

    /// 照合番号B of fixed demo card `index` as printed on its face (和暦 birth date, expiry year, security code).
    /// Demo data only: these cards protect nothing.
    pub fn card_collation_b(index: u32) -> Option<String> {
        onshi_vcard::demo::demo_collation_b(usize::try_from(index).ok()?)
    }

    /// Takes the card out.
    pub fn remove_card(&mut self) {
        match &mut self.reader {
            AnyVirtualReader::Ccid(reader) => drop(reader.remove()),
            AnyVirtualReader::Rcs380(reader) => drop(reader.remove()),
        }
    }

    /// Whether a card is in the slot.
    pub fn has_card(&self) -> bool {
        match &self.reader {
            AnyVirtualReader::Ccid(reader) => reader.has_card(),
            AnyVirtualReader::Rcs380(reader) => reader.has_card(),
        }
    }

    /// The whole configuration descriptor of a reader of `kind`.
    pub fn configuration_descriptor_of(kind: &str) -> Result<Vec<u8>, JsError> {
        Ok(match level_of(kind)? {
            Some(level) => configuration_descriptor_for(level),
            None => onshi_vcard::rcs380::configuration_descriptor(),
        })
    }

    /// USB vendor ID of a reader of `kind`.
    pub fn vendor_id_of(kind: &str) -> Result<u16, JsError> {
        Ok(if level_of(kind)?.is_some() {
            usb_identity::VENDOR_ID
        } else {
            onshi_vcard::rcs380::usb_identity::VENDOR_ID
        })
    }

    /// USB product ID of a reader of `kind`.
    pub fn product_id_of(kind: &str) -> Result<u16, JsError> {
        Ok(if level_of(kind)?.is_some() {
            usb_identity::PRODUCT_ID
        } else {
            onshi_vcard::rcs380::usb_identity::PRODUCT_ID
        })
    }

    /// USB product string of a reader of `kind`.
    pub fn product_name_of(kind: &str) -> Result<String, JsError> {
        Ok(if level_of(kind)?.is_some() {
            usb_identity::PRODUCT_NAME.to_owned()
        } else {
            onshi_vcard::rcs380::usb_identity::PRODUCT_NAME.to_owned()
        })
    }

    /// Number of demo cards: the fixed ones, then the dated ones.
    pub fn card_count() -> u32 {
        u32::try_from(ALL_DEMO_CARD_COUNT).unwrap_or(u32::MAX)
    }

    /// The picker label of demo card `index`.
    pub fn card_label(index: u32) -> Result<String, JsError> {
        Ok(card_facts(index)?.0)
    }

    /// The PIN of demo card `index`. Demo data only: these cards protect nothing.
    pub fn card_pin(index: u32) -> Result<String, JsError> {
        Ok(card_facts(index)?.1.to_owned())
    }

    /// The demo scenario of card `index` (`valid`, `dependent`, `lost`, `unregistered`, `elderly`, `senior`, then the
    /// dated `expiring_soon`, `expired_in_grace`, `expired_beyond_grace`, `pin_locked`, `pin_not_set`).
    pub fn card_scenario(index: u32) -> Result<String, JsError> {
        Ok(card_facts(index)?.2.to_owned())
    }

    /// The whole `demo-cards.json`.
    pub fn demo_cards_json() -> String {
        DEMO_CARDS_JSON.to_owned()
    }

    /// USB vendor ID (0x072F).
    pub fn vendor_id() -> u16 {
        usb_identity::VENDOR_ID
    }

    /// USB product ID (0x223E).
    pub fn product_id() -> u16 {
        usb_identity::PRODUCT_ID
    }

    /// USB product string.
    pub fn product_name() -> String {
        usb_identity::PRODUCT_NAME.to_owned()
    }

    /// Number of the CCID interface.
    pub fn interface_number() -> u8 {
        usb_identity::INTERFACE_NUMBER
    }

    /// Class of the CCID interface (0x0B).
    pub fn interface_class() -> u8 {
        usb_identity::INTERFACE_CLASS
    }

    /// Subclass of the CCID interface.
    pub fn interface_subclass() -> u8 {
        usb_identity::INTERFACE_SUBCLASS
    }

    /// Protocol of the CCID interface.
    pub fn interface_protocol() -> u8 {
        usb_identity::INTERFACE_PROTOCOL
    }

    /// Endpoint number of both bulk endpoints (2), as WebUSB's `transferIn`/`transferOut` take it.
    pub fn bulk_endpoint_number() -> u8 {
        usb_identity::BULK_ENDPOINT_NUMBER
    }

    /// Address of the bulk OUT endpoint (0x02).
    pub fn bulk_out_endpoint_address() -> u8 {
        usb_identity::BULK_OUT_ENDPOINT_ADDRESS
    }

    /// Address of the bulk IN endpoint (0x82).
    pub fn bulk_in_endpoint_address() -> u8 {
        usb_identity::BULK_IN_ENDPOINT_ADDRESS
    }

    /// Maximum packet size of the bulk endpoints.
    pub fn bulk_max_packet_size() -> u16 {
        usb_identity::BULK_MAX_PACKET_SIZE
    }

    /// The 54-byte CCID class descriptor (short APDU level).
    pub fn ccid_class_descriptor() -> Vec<u8> {
        class_descriptor().encode().to_vec()
    }

    /// The whole configuration descriptor, for a fake GET_DESCRIPTOR(CONFIGURATION) control transfer.
    pub fn configuration_descriptor() -> Vec<u8> {
        configuration_descriptor()
    }
}
