//! 照合番号B, the 14 digits printed on the card face that open the 券面事項確認AP's card face (EF 0002), and the
//! rule for when a kiosk may spend one of its tries.
//!
//! 照合番号B = birth date in 和暦 `YYMMDD` + the expiry year in 西暦 `YYYY` + the 4-digit セキュリティコード
//! (card-protocol.md §2.3, [MYNACARD] [JPKIRS], [V]). The card counts wrong tries; the sources disagree on how
//! many it has (10 per a vendor eKYC document, 3 per an unnamed EF table: visual-check-assist.md §1.2,
//! card-protocol.md §4, [1]/[?]), and a blocked counter needs the municipality. So the kiosk asks for the tries
//! left first (an empty VERIFY spends none), never VERIFYs twice on its own, and stops, with a message for staff,
//! once [`STOP_AT_TRIES_LEFT`] or fewer are left (visual-check-assist.md §4 item 4). Pure: no I/O.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{CardError, Result};
use crate::jpki::PinStatus;

/// Digits in 照合番号B.
pub const COLLATION_B_LEN: usize = 14;

/// The kiosk spends no try once this many or fewer are left: what remains is kept for a municipality office or
/// the national reader, whichever counter the card really has (10 or 3 tries; the sources disagree).
pub const STOP_AT_TRIES_LEFT: u8 = 3;

/// 照合番号B: exactly 14 ASCII digits whose parts are plausible (month 01–12, day 01–31, expiry year 2015–2099).
/// Zeroized on drop, never printed: `Debug` shows `CollationNumberB(<redacted>)` and there is no `Display`.
pub struct CollationNumberB(Zeroizing<[u8; COLLATION_B_LEN]>);

impl CollationNumberB {
    /// From the three parts as staff read them off the card face: birth date in 和暦 `YYMMDD`, the expiry year
    /// in 西暦 `YYYY` and the 4-digit セキュリティコード.
    pub fn from_parts(birth_wareki_yymmdd: &str, expiry_year: &str, security_code: &str) -> Result<Self> {
        let parts = [birth_wareki_yymmdd, expiry_year, security_code];
        let lengths = [6, 4, 4];
        if parts.iter().zip(lengths).any(|(part, len)| part.len() != len) {
            return Err(CardError::InvalidCollationNumber);
        }
        let mut digits = Zeroizing::new(String::with_capacity(COLLATION_B_LEN));
        for part in parts {
            digits.push_str(part);
        }
        Self::new(&digits)
    }

    /// From all 14 digits at once.
    pub fn new(digits: &str) -> Result<Self> {
        let bytes = digits.as_bytes();
        let mut number = Zeroizing::new([0u8; COLLATION_B_LEN]);
        if bytes.len() != COLLATION_B_LEN || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(CardError::InvalidCollationNumber);
        }
        number.copy_from_slice(bytes);
        let value = |range: std::ops::Range<usize>| {
            number.get(range).unwrap_or_default().iter().fold(0u32, |acc, digit| acc * 10 + u32::from(digit - b'0'))
        };
        let (month, day, expiry_year) = (value(2..4), value(4..6), value(6..10));
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(2015..=2099).contains(&expiry_year) {
            return Err(CardError::InvalidCollationNumber);
        }
        Ok(Self(number))
    }

    /// The ASCII bytes VERIFY carries.
    pub(crate) fn ascii(&self) -> &[u8; COLLATION_B_LEN] {
        &self.0
    }
}

impl fmt::Debug for CollationNumberB {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CollationNumberB(<redacted>)")
    }
}

/// Whether the kiosk may send one VERIFY of 照合番号B, decided from the counter it just read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollationPermission {
    /// One VERIFY may be sent; this many tries are left before it.
    Allowed {
        /// Tries left.
        tries_left: u8,
    },
    /// The card already accepted 照合番号B in this session; nothing needs to be sent.
    AlreadyOpen,
    /// The kiosk stops here to spare the card: only this many tries are left. Staff use the national reader
    /// or send the holder to the municipality.
    Stopped {
        /// Tries left.
        tries_left: u8,
    },
    /// The counter is used up.
    Blocked,
}

/// Decides from the counter (read with an empty VERIFY, which spends no try) whether one VERIFY may be sent.
pub fn collation_permission(status: PinStatus) -> CollationPermission {
    match status {
        PinStatus::Remaining { tries_left } if tries_left > STOP_AT_TRIES_LEFT => {
            CollationPermission::Allowed { tries_left }
        }
        PinStatus::Remaining { tries_left } => CollationPermission::Stopped { tries_left },
        PinStatus::AlreadyVerified => CollationPermission::AlreadyOpen,
        PinStatus::Blocked | PinStatus::NotSet => CollationPermission::Blocked,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_three_printed_parts_make_the_fourteen_digits() {
        // 昭和55年2月17日, a card valid until 2030, security code 1234.
        let number = CollationNumberB::from_parts("550217", "2030", "1234").unwrap();
        assert_eq!(number.ascii(), b"55021720301234");
        assert_eq!(CollationNumberB::new("55021720301234").unwrap().ascii(), number.ascii());
    }

    #[test]
    fn implausible_numbers_are_refused_before_the_card_sees_them() {
        for bad in [
            "5502172030123",   // 13 digits
            "550217203012345", // 15 digits
            "55021720301a34",  // a letter
            "55131720301234",  // month 13
            "55023220301234",  // day 32
            "55021720141234",  // expiry before the card existed
            "５５０２１７２０３０１２３４",
        ] {
            assert!(matches!(CollationNumberB::new(bad), Err(CardError::InvalidCollationNumber)), "{bad}");
        }
        assert!(CollationNumberB::from_parts("19800217", "2030", "12").is_err(), "a 西暦 birth date is refused");
        assert!(CollationNumberB::from_parts("550217", "30", "123456").is_err());
    }

    #[test]
    fn the_number_is_never_printed() {
        let number = CollationNumberB::new("55021720301234").unwrap();
        assert_eq!(format!("{number:?}"), "CollationNumberB(<redacted>)");
        let error = CollationNumberB::new("55131720301234").err().unwrap();
        assert!(!error.to_string().contains("5513"), "{error}");
    }

    #[test]
    fn the_kiosk_stops_before_the_last_tries() {
        assert_eq!(
            collation_permission(PinStatus::Remaining { tries_left: 10 }),
            CollationPermission::Allowed { tries_left: 10 }
        );
        assert_eq!(
            collation_permission(PinStatus::Remaining { tries_left: 4 }),
            CollationPermission::Allowed { tries_left: 4 }
        );
        for tries_left in 1..=STOP_AT_TRIES_LEFT {
            assert_eq!(
                collation_permission(PinStatus::Remaining { tries_left }),
                CollationPermission::Stopped { tries_left }
            );
        }
        assert_eq!(collation_permission(PinStatus::Blocked), CollationPermission::Blocked);
        assert_eq!(collation_permission(PinStatus::AlreadyVerified), CollationPermission::AlreadyOpen);
    }

    proptest! {
        #[test]
        fn any_text_is_a_number_or_a_typed_error(text in "\\PC{0,20}") {
            let _ = CollationNumberB::new(&text);
        }
    }
}
