//! The vicc side of vsmartcard's vpcd protocol, sans-I/O: vpcd (a pcscd reader driver) sends length-prefixed
//! messages (two bytes, big-endian, then the payload); a one-byte payload is a control code (power off, power
//! on, reset, get ATR), anything longer is a command APDU. The card answers the ATR request and every APDU with
//! a length-prefixed reply and stays silent after the power controls. The TCP loop lives in the
//! `vpcd-bridge` binary.

use crate::card::{MY_NUMBER_CARD_ATR, VirtualCard};

/// vpcd's default port for the virtual card to connect to.
pub const DEFAULT_PORT: u16 = 35_963;

/// Control codes (one-byte payloads).
pub mod control {
    /// Power the card off.
    pub const POWER_OFF: u8 = 0x00;
    /// Power the card on.
    pub const POWER_ON: u8 = 0x01;
    /// Reset the card.
    pub const RESET: u8 = 0x02;
    /// Ask for the ATR.
    pub const GET_ATR: u8 = 0x04;
}

/// Frames a payload: two-byte big-endian length, then the bytes. `None` if it is longer than 65 535 bytes.
pub fn frame(payload: &[u8]) -> Option<Vec<u8>> {
    let length = u16::try_from(payload.len()).ok()?;
    Some([&length.to_be_bytes()[..], payload].concat())
}

/// The card behind a vpcd connection.
#[derive(Debug)]
pub struct VpcdCard {
    card: VirtualCard,
}

impl VpcdCard {
    /// Serves `card`.
    pub fn new(card: VirtualCard) -> Self {
        Self { card }
    }

    /// Handles one message payload; returns the reply payload, if the protocol has one.
    pub fn handle(&mut self, payload: &[u8]) -> Option<Vec<u8>> {
        match payload {
            [control::POWER_OFF] | [control::POWER_ON] | [control::RESET] => {
                self.card.reset();
                None
            }
            [control::GET_ATR] => Some(MY_NUMBER_CARD_ATR.to_vec()),
            [_] | [] => None,
            apdu => Some(self.card.process_apdu(apdu)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    #[test]
    fn controls_atr_and_apdus() {
        let mut card = VpcdCard::new(VirtualCard::demo(0).unwrap());
        assert_eq!(card.handle(&[control::POWER_ON]), None);
        assert_eq!(card.handle(&[control::GET_ATR]).unwrap(), MY_NUMBER_CARD_ATR);
        let select = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
        assert_eq!(card.handle(&select).unwrap(), vec![0x90, 0x00]);
        assert_eq!(frame(&[0x90, 0x00]).unwrap(), vec![0x00, 0x02, 0x90, 0x00]);
        assert_eq!(frame(&vec![0; 70_000]), None);
    }
}
