//! An in-memory [`UsbBulk`] over a [`VirtualCcidReader`], so native tests run the real host-side
//! `CcidReader` against the virtual reader end to end.

use std::cell::RefCell;
use std::rc::Rc;

use onshi_card::transport::{TransportError, UsbBulk};

use crate::reader::VirtualCcidReader;

/// Bulk endpoints wired straight to a virtual reader. The reader is shared (`Rc<RefCell<…>>`) so a test can
/// pull the card out while the host side owns the endpoints.
#[derive(Debug)]
pub struct VirtualBulk {
    reader: Rc<RefCell<VirtualCcidReader>>,
    unread: Vec<u8>,
}

impl VirtualBulk {
    /// Endpoints of `reader`.
    pub fn new(reader: VirtualCcidReader) -> Self {
        Self::shared(Rc::new(RefCell::new(reader)))
    }

    /// Endpoints of a reader the caller keeps a handle to.
    pub fn shared(reader: Rc<RefCell<VirtualCcidReader>>) -> Self {
        Self { reader, unread: Vec::new() }
    }

    /// The reader behind the endpoints.
    pub fn reader(&self) -> Rc<RefCell<VirtualCcidReader>> {
        Rc::clone(&self.reader)
    }
}

impl UsbBulk for VirtualBulk {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), TransportError> {
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
        Ok(std::mem::replace(&mut self.unread, rest))
    }
}
