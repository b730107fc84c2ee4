//! # onshi-vcard-wasm — the virtual CCID reader, exported to JavaScript
//!
//! Layer: a thin wasm-bindgen adapter over `onshi-vcard`, for the WebUSB fake that lets the kiosk run its real
//! WebUSB + CCID code path without hardware (demo and browser tests). JavaScript calls
//! [`VirtualReader::bulk_out`] from its fake `transferOut` and [`VirtualReader::bulk_in`] from its fake
//! `transferIn`, and answers descriptor requests from the static getters.
//!
//! Must not: hold protocol logic of its own (it forwards to `onshi-vcard`), do I/O, or be shipped as a real
//! card: the keys and PINs it exposes are committed test data.

// `#[wasm_bindgen]` expands to FFI glue containing `unsafe` blocks, so this crate cannot forbid `unsafe_code`.
// It allows it here, at the root, and nowhere else; no hand-written code in this crate uses `unsafe`.
#![allow(unsafe_code)]

use onshi_vcard::demo::{DEMO_CARD_COUNT, DEMO_CARDS_JSON, demo_person};
use onshi_vcard::reader::{class_descriptor, configuration_descriptor, usb_identity};
use onshi_vcard::{VcardError, VirtualCard, VirtualCcidReader};
use wasm_bindgen::prelude::*;

/// Time extensions the reader asks for before each signature, so the kiosk's time-extension path runs.
const SIGNING_TIME_EXTENSIONS: u8 = 1;

/// A virtual ACR1252U-style CCID reader with a demo My Number card in it.
#[wasm_bindgen]
#[derive(Debug)]
pub struct VirtualReader {
    reader: VirtualCcidReader,
}

fn demo_card(index: u32) -> Result<VirtualCard, JsError> {
    let index = usize::try_from(index).map_err(|_| JsError::new("card index out of range"))?;
    VirtualCard::demo(index).map_err(|error: VcardError| JsError::new(&error.to_string()))
}

fn person(index: u32) -> Result<&'static onshi_vcard::demo::DemoPerson, JsError> {
    usize::try_from(index)
        .ok()
        .and_then(demo_person)
        .ok_or_else(|| JsError::new(&format!("there is no demo card {index} (there are {DEMO_CARD_COUNT})")))
}

#[wasm_bindgen]
impl VirtualReader {
    /// A reader with demo card `card_index` inserted (not yet powered).
    #[wasm_bindgen(constructor)]
    pub fn new(card_index: u32) -> Result<VirtualReader, JsError> {
        let reader =
            VirtualCcidReader::with_card(demo_card(card_index)?).with_signing_time_extensions(SIGNING_TIME_EXTENSIONS);
        Ok(Self { reader })
    }

    /// An empty reader (no card in the slot).
    pub fn empty() -> VirtualReader {
        Self { reader: VirtualCcidReader::new().with_signing_time_extensions(SIGNING_TIME_EXTENSIONS) }
    }

    /// Feeds one bulk OUT transfer (a PC_to_RDR message) to the reader.
    pub fn bulk_out(&mut self, data: &[u8]) {
        self.reader.bulk_out(data);
    }

    /// The next RDR_to_PC message, or `undefined` when nothing is pending.
    pub fn bulk_in(&mut self) -> Option<Vec<u8>> {
        self.reader.bulk_in()
    }

    /// Puts demo card `index` in the slot (replacing any card there).
    pub fn insert_card(&mut self, index: u32) -> Result<(), JsError> {
        self.reader.insert(demo_card(index)?);
        Ok(())
    }

    /// Takes the card out.
    pub fn remove_card(&mut self) {
        self.reader.remove();
    }

    /// Whether a card is in the slot.
    pub fn has_card(&self) -> bool {
        self.reader.has_card()
    }

    /// Number of demo cards.
    pub fn card_count() -> u32 {
        u32::try_from(DEMO_CARD_COUNT).unwrap_or(u32::MAX)
    }

    /// The picker label of demo card `index`.
    pub fn card_label(index: u32) -> Result<String, JsError> {
        Ok(person(index)?.label.to_owned())
    }

    /// The PIN of demo card `index`. Demo data only: these cards protect nothing.
    pub fn card_pin(index: u32) -> Result<String, JsError> {
        Ok(person(index)?.pin.to_owned())
    }

    /// The demo scenario of card `index` (`valid`, `dependent`, `lost`, `unregistered`, `elderly`).
    pub fn card_scenario(index: u32) -> Result<String, JsError> {
        Ok(person(index)?.scenario.to_owned())
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
