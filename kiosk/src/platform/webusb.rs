//! WebUSB adapter: finds the reader the person chose (now or on an earlier day), opens it, moves bytes over its bulk
//! endpoints and reads its interrupt endpoint.
//!
//! This is the only place that touches `navigator.usb`: the reader, its plug and unplug events
//! ([`on_plug_change`], [`on_unplug`]), and the demo's virtual reader that replaces it ([`install_virtual_reader`]).
//! It knows nothing of CCID or of the card; it implements [`onshi_card::transport::UsbBulk`] so that the sans-I/O
//! card stack can run over it, and hands the raw bytes of the interrupt endpoint (CCID RDR_to_PC_NotifySlotChange)
//! to the card stack's parser.
//!
//! Must not: interpret the bytes it moves, or hold the PIN beyond the transfer that carries it.

use std::rc::Rc;

use gloo_events::EventListener;
use js_sys::Uint8Array;
use onshi_card::transport::TransportError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, UsbAlternateInterface, UsbDevice, UsbDeviceFilter, UsbDeviceRequestOptions, UsbDirection,
    UsbEndpointType, UsbTransferStatus,
};

use crate::error::KioskError;

/// USB interface class of CCID smart-card readers.
pub const CCID_CLASS: u8 = 0x0B;
/// USB vendor-specific interface class (Sony RC-S380 and other NFC Port-100 readers).
pub const VENDOR_CLASS: u8 = 0xFF;

/// The kiosk's error for a failed WebUSB call, from the browser's `DOMException` (only its name is kept).
fn usb_error(error: JsValue) -> KioskError {
    let name = error.dyn_ref::<DomException>().map(|e| e.name()).unwrap_or_default();
    match name.as_str() {
        "NotFoundError" => KioskError::UsbNoDeviceChosen,
        "SecurityError" => KioskError::UsbProtectedClass,
        "NetworkError" => KioskError::UsbDisconnected,
        _ => KioskError::UsbTransfer(name),
    }
}

impl From<KioskError> for TransportError {
    /// The card stack's view of a WebUSB failure: an unplugged reader, or some other I/O failure.
    fn from(error: KioskError) -> Self {
        match error {
            KioskError::UsbDisconnected => TransportError::Disconnected,
            other => TransportError::Io(other.to_string()),
        }
    }
}

/// Which reader protocol the claimed interface speaks (CCID or Sony NFC Port-100); the card stack picks its
/// driver from it.
pub use onshi_card::reader::ReaderProtocol;

fn usb() -> Result<web_sys::Usb, KioskError> {
    let navigator = web_sys::window().ok_or(KioskError::UsbUnsupported)?.navigator();
    // `navigator.usb` is undefined outside Chromium or outside a secure context; test for it before using it.
    let has_usb = js_sys::Reflect::has(&navigator, &JsValue::from_str("usb")).unwrap_or(false);
    if !has_usb {
        return Err(KioskError::UsbUnsupported);
    }
    Ok(navigator.usb())
}

/// Shows the browser's device chooser (must run inside a click handler) for CCID and RC-S380 readers.
pub async fn choose_reader() -> Result<UsbDevice, KioskError> {
    let ccid = UsbDeviceFilter::new();
    ccid.set_class_code(CCID_CLASS);
    let rcs380 = UsbDeviceFilter::new();
    rcs380.set_vendor_id(0x054C);
    rcs380.set_product_id(0x06C1);
    let rcs380_p = UsbDeviceFilter::new();
    rcs380_p.set_vendor_id(0x054C);
    rcs380_p.set_product_id(0x06C3);
    let options = UsbDeviceRequestOptions::new(&[ccid, rcs380, rcs380_p]);
    JsFuture::from(usb()?.request_device(&options)).await.map_err(usb_error)
}

/// Sony RC-S380 (vendor 054C, products 06C1 and 06C3).
const SONY_VENDOR: u16 = 0x054C;
const RCS380_PRODUCTS: [u16; 2] = [0x06C1, 0x06C3];

/// True when the device is one the chooser would offer: an RC-S380, or a device with a smart-card-class interface.
fn is_reader(device: &UsbDevice) -> bool {
    if device.vendor_id() == SONY_VENDOR && RCS380_PRODUCTS.contains(&device.product_id()) {
        return true;
    }
    device.configurations().iter().any(|configuration| {
        let configuration: web_sys::UsbConfiguration = configuration.unchecked_into();
        configuration.interfaces().iter().any(|interface| {
            let interface: web_sys::UsbInterface = interface.unchecked_into();
            interface
                .alternates()
                .iter()
                .any(|alternate| alternate.unchecked_into::<UsbAlternateInterface>().interface_class() == CCID_CLASS)
        })
    })
}

/// A reader this browser profile may already use (chosen earlier, or granted by policy on a managed kiosk) and
/// that is plugged in now; `None` when there is none. Asking needs no click and shows no chooser.
pub async fn remembered_reader() -> Result<Option<UsbDevice>, KioskError> {
    let devices = JsFuture::from(usb()?.get_devices()).await.map_err(usb_error)?;
    Ok(js_sys::Array::from(&devices).iter().map(JsValue::unchecked_into::<UsbDevice>).find(is_reader))
}

/// The reader to use: a remembered one when it is plugged in, otherwise the browser's chooser (so this, too, must
/// run inside a click handler).
pub async fn find_reader() -> Result<UsbDevice, KioskError> {
    match remembered_reader().await {
        Ok(Some(device)) => Ok(device),
        // Without a remembered reader, or when the browser will not list them, the person chooses.
        Ok(None) | Err(_) => choose_reader().await,
    }
}

/// An opened reader with its claimed interface and bulk endpoints.
#[derive(Debug)]
pub struct WebUsbBulk {
    device: UsbDevice,
    interface_number: u8,
    endpoint_out: u8,
    endpoint_in: u8,
    endpoint_interrupt: Option<u8>,
    protocol: ReaderProtocol,
}

/// The reader's interrupt IN endpoint, read one transfer at a time. The transfer in flight is kept here, so that a
/// caller may race [`SlotInterrupt::next`] against something else and drop it without losing a notification.
pub struct SlotInterrupt {
    device: UsbDevice,
    endpoint: u8,
    pending: Option<JsFuture<web_sys::UsbInTransferResult>>,
}

impl std::fmt::Debug for SlotInterrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotInterrupt").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

/// CCID readers send RDR_to_PC_NotifySlotChange in one short packet (2 bytes for up to 4 slots).
const INTERRUPT_PACKET_LEN: u32 = 64;

impl SlotInterrupt {
    /// The bytes of the next interrupt transfer.
    pub async fn next(&mut self) -> Result<Vec<u8>, KioskError> {
        let transfer = match self.pending.as_mut() {
            Some(transfer) => transfer,
            None => self.pending.insert(JsFuture::from(self.device.transfer_in(self.endpoint, INTERRUPT_PACKET_LEN))),
        };
        let result = transfer.await;
        self.pending = None;
        in_transfer_bytes(&result.map_err(usb_error)?)
    }
}

fn in_transfer_bytes(result: &web_sys::UsbInTransferResult) -> Result<Vec<u8>, KioskError> {
    if result.status() != UsbTransferStatus::Ok {
        return Err(KioskError::UsbTransfer(format!("{:?}", result.status())));
    }
    let Some(view) = result.data() else { return Ok(Vec::new()) };
    let bytes = Uint8Array::new_with_byte_offset_and_length(
        &view.buffer(),
        view.byte_offset() as u32,
        view.byte_length() as u32,
    );
    Ok(bytes.to_vec())
}

fn interrupt_in_endpoint(alternate: &UsbAlternateInterface) -> Option<u8> {
    alternate.endpoints().iter().find_map(|endpoint| {
        (endpoint.type_() == UsbEndpointType::Interrupt && endpoint.direction() == UsbDirection::In)
            .then(|| endpoint.endpoint_number())
    })
}

fn bulk_endpoints(alternate: &UsbAlternateInterface) -> Option<(u8, u8)> {
    let mut endpoint_out = None;
    let mut endpoint_in = None;
    for endpoint in alternate.endpoints().iter() {
        if endpoint.type_() != UsbEndpointType::Bulk {
            continue;
        }
        match endpoint.direction() {
            UsbDirection::Out => endpoint_out = endpoint_out.or(Some(endpoint.endpoint_number())),
            UsbDirection::In => endpoint_in = endpoint_in.or(Some(endpoint.endpoint_number())),
            _ => {}
        }
    }
    Some((endpoint_out?, endpoint_in?))
}

impl WebUsbBulk {
    /// Opens the device, selects its first configuration and claims the reader interface.
    pub async fn open(device: UsbDevice) -> Result<Self, KioskError> {
        JsFuture::from(device.open()).await.map_err(usb_error)?;
        if device.configuration().is_none() {
            JsFuture::from(device.select_configuration(1)).await.map_err(usb_error)?;
        }
        let configuration = device.configuration().ok_or(KioskError::UsbNotAReader)?;
        for interface in configuration.interfaces().iter() {
            let alternate = interface.alternate();
            let protocol = match alternate.interface_class() {
                CCID_CLASS => ReaderProtocol::Ccid,
                VENDOR_CLASS => ReaderProtocol::Port100,
                _ => continue,
            };
            let Some((endpoint_out, endpoint_in)) = bulk_endpoints(&alternate) else { continue };
            // Only CCID defines the interrupt endpoint's messages (NotifySlotChange).
            let endpoint_interrupt =
                if protocol == ReaderProtocol::Ccid { interrupt_in_endpoint(&alternate) } else { None };
            let interface_number = interface.interface_number();
            JsFuture::from(device.claim_interface(interface_number)).await.map_err(usb_error)?;
            return Ok(Self { device, interface_number, endpoint_out, endpoint_in, endpoint_interrupt, protocol });
        }
        Err(KioskError::UsbNotAReader)
    }

    /// The device's whole configuration descriptor, read with a standard GET_DESCRIPTOR(CONFIGURATION) control
    /// transfer: the card stack finds the CCID class descriptor (exchange level, message size) in it. The
    /// call goes through `Reflect` so the kiosk needs no extra `web-sys` features.
    pub async fn configuration_descriptor(&self) -> Result<Vec<u8>, KioskError> {
        const GET_DESCRIPTOR: u8 = 0x06;
        const CONFIGURATION_DESCRIPTOR: u16 = 0x0200;
        const MAX_LENGTH: u16 = 1024;
        let setup = js_sys::Object::new();
        let set = |key: &str, value: JsValue| js_sys::Reflect::set(&setup, &JsValue::from_str(key), &value);
        set("requestType", JsValue::from_str("standard")).map_err(usb_error)?;
        set("recipient", JsValue::from_str("device")).map_err(usb_error)?;
        set("request", JsValue::from(GET_DESCRIPTOR)).map_err(usb_error)?;
        set("value", JsValue::from(CONFIGURATION_DESCRIPTOR)).map_err(usb_error)?;
        set("index", JsValue::from(0u16)).map_err(usb_error)?;
        let method = js_sys::Reflect::get(&self.device, &JsValue::from_str("controlTransferIn"))
            .map_err(usb_error)?
            .dyn_into::<js_sys::Function>()
            .map_err(|_| KioskError::UsbTransfer("controlTransferIn is missing".into()))?;
        let promise = method
            .call2(&self.device, &setup, &JsValue::from(MAX_LENGTH))
            .map_err(usb_error)?
            .dyn_into::<js_sys::Promise>()
            .map_err(|_| KioskError::UsbTransfer("controlTransferIn returned no promise".into()))?;
        let result: web_sys::UsbInTransferResult = JsFuture::from(promise).await.map_err(usb_error)?.unchecked_into();
        in_transfer_bytes(&result)
    }

    /// The protocol of the claimed interface.
    pub fn protocol(&self) -> ReaderProtocol {
        self.protocol
    }

    /// The CCID interrupt endpoint that announces card insertion and removal, when the reader has one.
    pub fn slot_interrupt(&self) -> Option<SlotInterrupt> {
        self.endpoint_interrupt.map(|endpoint| SlotInterrupt { device: self.device.clone(), endpoint, pending: None })
    }

    /// Releases the interface and closes the device; errors are ignored because the device may already be gone.
    pub async fn close(self) {
        let _ = JsFuture::from(self.device.release_interface(self.interface_number)).await;
        let _ = JsFuture::from(self.device.close()).await;
    }

    async fn write(&self, data: &[u8]) -> Result<(), KioskError> {
        let promise = self.device.transfer_out_with_u8_slice(self.endpoint_out, data).map_err(usb_error)?;
        let result = JsFuture::from(promise).await.map_err(usb_error)?;
        match result.status() {
            UsbTransferStatus::Ok => Ok(()),
            other => Err(KioskError::UsbTransfer(format!("{other:?}"))),
        }
    }

    async fn read(&self, max_len: usize) -> Result<Vec<u8>, KioskError> {
        let length = u32::try_from(max_len).map_err(|_| KioskError::UsbTransfer("length".into()))?;
        let result = JsFuture::from(self.device.transfer_in(self.endpoint_in, length)).await.map_err(usb_error)?;
        in_transfer_bytes(&result)
    }
}

impl onshi_card::transport::UsbBulk for WebUsbBulk {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), TransportError> {
        Ok(self.write(data).await?)
    }

    async fn bulk_in(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        Ok(self.read(max_len).await?)
    }
}

/// Listeners on the current `navigator.usb`; dropping the value stops them.
#[derive(Debug)]
pub struct UsbListener {
    _listeners: Vec<EventListener>,
}

/// Calls `callback` whenever a USB device is plugged in or goes away, until the listener is dropped. Listens on
/// the current `navigator.usb` (the demo's virtual reader replaces it, so a caller listens anew after installing
/// it); `None` when this browser has no WebUSB.
pub fn on_plug_change(callback: impl Fn() + 'static) -> Option<UsbListener> {
    let usb = usb().ok()?;
    let callback = Rc::new(callback);
    let listen = |event: &'static str| {
        let callback = callback.clone();
        EventListener::new(&usb, event, move |_| callback())
    };
    Some(UsbListener { _listeners: vec![listen("connect"), listen("disconnect")] })
}

/// Calls `callback` whenever a USB device goes away (the reader was unplugged), until the listener is dropped;
/// `None` when this browser has no WebUSB.
pub fn on_unplug(callback: impl Fn() + 'static) -> Option<UsbListener> {
    let usb = usb().ok()?;
    Some(UsbListener { _listeners: vec![EventListener::new(&usb, "disconnect", move |_| callback())] })
}

/// Bridge to the virtual reader module that demo and test builds ship at `/virtual-reader/`.
#[allow(unsafe_code)] // The #[wasm_bindgen] import block expands to FFI glue.
mod virtual_reader_js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
    const MODULE = '/virtual-reader/fake-usb.js';
    export async function virtual_reader_cards() {
      try {
        const head = await fetch(MODULE, { method: 'HEAD' });
        if (!head.ok) return [];
        const m = await import(MODULE);
        return await m.listCards();
      } catch (e) { return []; }
    }
    export async function install_virtual_reader(index) {
      const m = await import(MODULE);
      await m.installVirtualUsb({ cardIndex: index });
    }
    "#)]
    extern "C" {
        /// Labels of the demo cards when this deployment ships the virtual reader (demo and test builds), else empty.
        pub async fn virtual_reader_cards() -> JsValue;
        /// Replaces `navigator.usb` with the virtual reader holding demo card `index`.
        pub async fn install_virtual_reader(index: u32);
    }
}

/// Labels of the demo cards when this deployment ships the virtual reader (demo and test builds), else none.
pub async fn virtual_reader_cards() -> Vec<String> {
    let labels = virtual_reader_js::virtual_reader_cards().await;
    js_sys::Array::from(&labels).iter().filter_map(|label| label.as_string()).collect()
}

/// Replaces `navigator.usb` with the virtual reader holding demo card `index`.
pub async fn install_virtual_reader(index: u32) {
    virtual_reader_js::install_virtual_reader(index).await;
}
