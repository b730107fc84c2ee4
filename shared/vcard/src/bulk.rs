//! An in-memory [`UsbBulk`] over a [`VirtualCcidReader`], so native tests run the real host-side
//! `CcidReader` against the virtual reader end to end.

use std::cell::RefCell;
use std::rc::Rc;

use onshi_card::transport::{TransportError, UsbBulk};

use crate::reader::VirtualCcidReader;

/// A virtual USB device seen through its bulk endpoints: one OUT transfer in, queued IN transfers out.
pub trait VirtualUsbDevice {
    /// Receives one bulk OUT transfer.
    fn bulk_out(&mut self, data: &[u8]);
    /// The next queued bulk IN transfer, if any.
    fn bulk_in(&mut self) -> Option<Vec<u8>>;
}

impl VirtualUsbDevice for VirtualCcidReader {
    fn bulk_out(&mut self, data: &[u8]) {
        VirtualCcidReader::bulk_out(self, data);
    }

    fn bulk_in(&mut self) -> Option<Vec<u8>> {
        VirtualCcidReader::bulk_in(self)
    }
}

/// Bulk endpoints wired straight to a virtual reader. The reader is shared (`Rc<RefCell<…>>`) so a test can
/// pull the card out while the host side owns the endpoints. Every transfer is counted for benchmarks.
#[derive(Debug)]
pub struct VirtualBulk<R = VirtualCcidReader> {
    reader: Rc<RefCell<R>>,
    unread: Vec<u8>,
    /// Bulk OUT transfers so far.
    pub transfers_out: u64,
    /// Bulk IN transfers so far.
    pub transfers_in: u64,
    /// Bytes written so far.
    pub bytes_out: u64,
    /// Bytes read so far.
    pub bytes_in: u64,
}

impl<R: VirtualUsbDevice> VirtualBulk<R> {
    /// Endpoints of `reader`.
    pub fn new(reader: R) -> Self {
        Self::shared(Rc::new(RefCell::new(reader)))
    }

    /// Endpoints of a reader the caller keeps a handle to.
    pub fn shared(reader: Rc<RefCell<R>>) -> Self {
        Self { reader, unread: Vec::new(), transfers_out: 0, transfers_in: 0, bytes_out: 0, bytes_in: 0 }
    }

    /// The reader behind the endpoints.
    pub fn reader(&self) -> Rc<RefCell<R>> {
        Rc::clone(&self.reader)
    }
}

impl<R: VirtualUsbDevice> UsbBulk for VirtualBulk<R> {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), TransportError> {
        self.transfers_out += 1;
        self.bytes_out += data.len() as u64;
        self.reader.borrow_mut().bulk_out(data);
        Ok(())
    }

    /// Returns at most `max_len` bytes; a longer reply is handed out over several calls, as USB would.
    async fn bulk_in(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        if self.unread.is_empty() {
            // A real bulk IN would wait for the reader; the virtual reader answers synchronously, so an empty
            // queue means the host is waiting for a reply that will never come.
            self.unread = self
                .reader
                .borrow_mut()
                .bulk_in()
                .ok_or_else(|| TransportError::Io("no reply pending on the virtual reader".to_owned()))?;
        }
        let rest = self.unread.split_off(max_len.min(self.unread.len()));
        let transfer = std::mem::replace(&mut self.unread, rest);
        self.transfers_in += 1;
        self.bytes_in += transfer.len() as u64;
        Ok(transfer)
    }
}
