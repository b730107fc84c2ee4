//! `card-bench`: APDUs, bytes and time per check-in over every virtual reader kind, and the share of a
//! check-in's time that is our own software under an explicit link model. Prints `bench:` lines for
//! `cargo xtask bench`. `--quick` runs one check-in per reader instead of twenty.
//!
//! Link model (all constants below; the figures are assumptions stated where they come from):
//! - USB: every bulk transfer costs `USB_TRANSFER_MS` (full-speed USB schedules bulk traffic in 1 ms frames;
//!   a reader answering within the next frame is the common case).
//! - Card link: APDU-level and TPDU-level contact readers run the My Number card's default contact rate,
//!   `dwDataRate` 10 752 bit/s (4 MHz, Fi 372, Di 1), 12 etu per byte; contactless (RC-S380 and the
//!   ACR1252U-style extended reader) runs ISO/IEC 14443 Type B at 106 kbit/s, 10 etu per byte plus
//!   `RF_FRAME_OVERHEAD_BYTES` (SOF, EOF, CRC_B) per frame.
//! - The card needs `CARD_SIGNING_MS` for one RSA-2048 signature (public measurements of JPKI cards range
//!   roughly 300–700 ms; the middle is used).
//!
//! Our software time is the wall-clock time of a check-in minus the time spent inside the virtual reader and
//! card (which stand in for hardware).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures::executor::block_on;
use onshi_card::flow::CheckIn;
use onshi_card::jpki::Pin;
use onshi_card::reader::{ReaderProtocol, open};
use onshi_card::{Transport, TransportError};
use onshi_vcard::reader::configuration_descriptor_for;
use onshi_vcard::{CcidLevel, VirtualBulk, VirtualCard, VirtualCcidReader, VirtualRcs380, VirtualUsbDevice};

const USB_TRANSFER_MS: f64 = 1.0;
const CONTACT_BITS_PER_SECOND: f64 = 10_752.0;
const CONTACT_ETU_PER_BYTE: f64 = 12.0;
const TYPE_B_BITS_PER_SECOND: f64 = 105_938.0;
const TYPE_B_ETU_PER_BYTE: f64 = 10.0;
const RF_FRAME_OVERHEAD_BYTES: f64 = 4.0;
const CARD_SIGNING_MS: f64 = 500.0;
const CHALLENGE: &[u8] = b"edge challenge, 32 bytes long..!";

/// A virtual device whose time is kept apart from ours.
#[derive(Debug)]
struct Timed<D> {
    device: D,
    spent: Duration,
}

impl<D: VirtualUsbDevice> VirtualUsbDevice for Timed<D> {
    fn bulk_out(&mut self, data: &[u8]) {
        let started = Instant::now();
        self.device.bulk_out(data);
        self.spent += started.elapsed();
    }

    fn bulk_in(&mut self) -> Option<Vec<u8>> {
        let started = Instant::now();
        let transfer = self.device.bulk_in();
        self.spent += started.elapsed();
        transfer
    }
}

/// Counts APDUs and their bytes on the way to the reader driver.
#[derive(Debug)]
struct Counting<T> {
    inner: T,
    apdus: u64,
    apdu_bytes: u64,
}

impl<T: Transport> Transport for Counting<T> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.apdus += 1;
        self.apdu_bytes += command.len() as u64;
        let response = self.inner.transmit(command).await?;
        self.apdu_bytes += response.len() as u64;
        Ok(response)
    }

    fn supports_extended_length(&self) -> bool {
        self.inner.supports_extended_length()
    }
}

#[derive(Debug, Default)]
struct Figures {
    apdus: u64,
    apdu_bytes: u64,
    usb_transfers: u64,
    usb_bytes: u64,
    ours: Duration,
}

fn run_once<D: VirtualUsbDevice>(device: D, protocol: ReaderProtocol, descriptor: &[u8]) -> Result<Figures, String> {
    let device = Rc::new(RefCell::new(Timed { device, spent: Duration::ZERO }));
    let started = Instant::now();
    let mut reader =
        open(VirtualBulk::shared(Rc::clone(&device)), protocol, descriptor).map_err(|error| error.to_string())?;
    block_on(reader.power_on()).map_err(|error| error.to_string())?;
    let mut flow = CheckIn::new(Counting { inner: reader, apdus: 0, apdu_bytes: 0 });
    block_on(flow.start()).map_err(|error| error.to_string())?;
    block_on(flow.pin_status()).map_err(|error| error.to_string())?;
    let pin = Pin::new("1234").map_err(|error| error.to_string())?;
    block_on(flow.verify(pin)).map_err(|error| error.to_string())?;
    block_on(flow.sign_challenge(CHALLENGE)).map_err(|error| error.to_string())?;
    let elapsed = started.elapsed();
    let counting = flow.into_transport();
    let bulk = counting.inner.into_inner();
    let device_time = device.borrow().spent;
    Ok(Figures {
        apdus: counting.apdus,
        apdu_bytes: counting.apdu_bytes,
        usb_transfers: bulk.transfers_out + bulk.transfers_in,
        usb_bytes: bulk.bytes_out + bulk.bytes_in,
        ours: elapsed.saturating_sub(device_time),
    })
}

fn card(seed_index: usize) -> Result<VirtualCard, String> {
    VirtualCard::demo(seed_index).map_err(|error| error.to_string())
}

/// Link time in milliseconds for one check-in under the model above.
fn link_ms(figures: &Figures, contactless: bool) -> f64 {
    let usb = figures.usb_transfers as f64 * USB_TRANSFER_MS;
    let card_link = if contactless {
        // Two frames per APDU at least (command and answer); chaining adds more, which the byte count covers.
        let bytes = figures.apdu_bytes as f64 + figures.apdus as f64 * 2.0 * RF_FRAME_OVERHEAD_BYTES;
        bytes * TYPE_B_ETU_PER_BYTE / TYPE_B_BITS_PER_SECOND * 1000.0
    } else {
        figures.apdu_bytes as f64 * CONTACT_ETU_PER_BYTE / CONTACT_BITS_PER_SECOND * 1000.0
    };
    usb + card_link + CARD_SIGNING_MS
}

fn main() -> Result<(), String> {
    let quick = std::env::args().any(|argument| argument == "--quick");
    let iterations = if quick { 1 } else { 20 };
    let kinds = ["ccid-apdu", "ccid-extended", "ccid-tpdu", "rcs380"];
    let mut worst_share: f64 = 0.0;
    let mut short_apdus = 0;
    let mut extended_apdus = 0;
    for kind in kinds {
        let mut total = Figures::default();
        let mut last = Figures::default();
        for _ in 0..iterations {
            last = match kind {
                "ccid-apdu" => {
                    let device = VirtualCcidReader::with_level(CcidLevel::ShortApdu, Some(card(0)?));
                    run_once(device, ReaderProtocol::Ccid, &configuration_descriptor_for(CcidLevel::ShortApdu))?
                }
                "ccid-extended" => {
                    let device = VirtualCcidReader::with_level(CcidLevel::ExtendedApdu, Some(card(0)?));
                    run_once(device, ReaderProtocol::Ccid, &configuration_descriptor_for(CcidLevel::ExtendedApdu))?
                }
                "ccid-tpdu" => {
                    let device = VirtualCcidReader::with_level(CcidLevel::Tpdu, Some(card(0)?));
                    run_once(device, ReaderProtocol::Ccid, &configuration_descriptor_for(CcidLevel::Tpdu))?
                }
                _ => {
                    let device = VirtualRcs380::new(Some(card(0)?));
                    run_once(device, ReaderProtocol::Port100, &onshi_vcard::rcs380::configuration_descriptor())?
                }
            };
            total.ours += last.ours;
        }
        let ours_ms = total.ours.as_secs_f64() * 1000.0 / f64::from(iterations);
        let contactless = matches!(kind, "ccid-extended" | "rcs380");
        let link = link_ms(&last, contactless);
        let share = ours_ms / link * 100.0;
        worst_share = worst_share.max(share);
        match kind {
            "ccid-apdu" => short_apdus = last.apdus,
            "ccid-extended" => extended_apdus = last.apdus,
            _ => {}
        }
        // Counts are the same in every check-in, so one is their sample; the software time is a mean over all.
        println!("bench: card.apdu_bytes_per_checkin.{kind} = {} bytes (n 1) (target report)", last.apdu_bytes);
        println!("bench: card.usb_bytes_per_checkin.{kind} = {} bytes (n 1) (target report)", last.usb_bytes);
        println!("bench: card.usb_transfers_per_checkin.{kind} = {} count (n 1) (target report)", last.usb_transfers);
        println!("bench: card.link_ms_per_checkin.{kind} = {link:.1} ms (n 1) (target report)");
        println!("bench: card.software_ms_per_checkin.{kind} = {ours_ms:.3} ms (n {iterations}) (target report)");
    }
    println!("bench: card.apdus_per_checkin.short = {short_apdus} count (n 1) (target <= 12)");
    println!("bench: card.apdus_per_checkin.extended = {extended_apdus} count (n 1) (target <= 5)");
    println!("bench: card.software_share_pct = {worst_share:.4} pct (n {iterations}) (target <= 5)");
    Ok(())
}
