//! The 券面事項入力補助AP (card-face text input support application): its 4-digit PIN (EF 0011), the 基本4情報
//! (EF 0002: name, address, birth date, sex, BER-TLV, UTF-8) and the 個人番号 (EF 0001).
//!
//! For registration and insurer-side tools, and for one step of the kiosk: in an outage, and only once the patient
//! agreed, the kiosk reads the 基本4情報 for the 被保険者資格申立書 (`kiosk/src/checkin/petition.rs`). Nothing in
//! the check-in reads the 個人番号: the qualification check needs none, and the law restricts who may collect it.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

use crate::apdu::transceive;
use crate::error::{CardError, Result};
use crate::jpki::{
    EfId, Pin, PinStatus, VerifyOutcome, first_read_len, pin_retry_query_sfi, pin_status_from, read_binary_sfi,
    read_whole_ef, select_application, verify_outcome_from, verify_sfi,
};
use crate::tlv;
use crate::transport::Transport;

/// AID of the 券面事項入力補助AP.
pub const TEXT_AP_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

/// EF 0001: 個人番号.
pub const MY_NUMBER_EF: EfId = EfId(0x0001);
/// EF 0002: 基本4情報.
pub const BASIC_FOUR_EF: EfId = EfId(0x0002);
/// EF 0011: the AP's 4-digit PIN.
pub const TEXT_PIN_EF: EfId = EfId(0x0011);

/// The 基本4情報 as printed on the card. Personal data: `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicFourInfo {
    /// 氏名 (DF22).
    pub name: String,
    /// 住所 (DF23).
    pub address: String,
    /// 生年月日, `YYYYMMDD` (DF24).
    pub birth_date: String,
    /// 性別 code (DF25): `1` male, `2` female, `3` other, `9` not applicable.
    pub sex: String,
}

impl fmt::Debug for BasicFourInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BasicFourInfo(<redacted>)")
    }
}

impl Drop for BasicFourInfo {
    fn drop(&mut self) {
        self.name.zeroize();
        self.address.zeroize();
        self.birth_date.zeroize();
        self.sex.zeroize();
    }
}

/// A 12-digit 個人番号. Zeroized on drop, never printed.
pub struct MyNumber(Zeroizing<String>);

impl MyNumber {
    /// The digits.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MyNumber(<redacted>)")
    }
}

/// Parses EF 0002: `FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth date, DF25 sex }`. Every length
/// is checked against the bytes present; trailing filler after the template is ignored.
pub fn parse_basic_four(file: &[u8]) -> Result<BasicFourInfo> {
    let (template, _filler) = tlv::parse_one(file)?;
    if template.tag != 0xFF20 {
        return Err(CardError::MalformedResponse("基本4情報 is not an FF20 template"));
    }
    let mut fields: [Option<String>; 4] = Default::default();
    for object in tlv::parse_all(template.value)? {
        let slot = match object.tag {
            0xDF22 => 0,
            0xDF23 => 1,
            0xDF24 => 2,
            0xDF25 => 3,
            _ => continue,
        };
        let text = std::str::from_utf8(object.value)
            .map_err(|_| CardError::MalformedResponse("基本4情報 field is not UTF-8"))?;
        if let Some(field) = fields.get_mut(slot) {
            *field = Some(text.to_owned());
        }
    }
    let [Some(name), Some(address), Some(birth_date), Some(sex)] = fields else {
        return Err(CardError::MalformedResponse("基本4情報 lacks a field"));
    };
    Ok(BasicFourInfo { name, address, birth_date, sex })
}

/// Parses EF 0001: `FF10 0C` + 12 ASCII digits (filler after it ignored).
pub fn parse_my_number(file: &[u8]) -> Result<MyNumber> {
    let (object, _filler) = tlv::parse_one(file)?;
    if object.tag != 0xFF10 || object.value.len() != 12 || !object.value.iter().all(u8::is_ascii_digit) {
        return Err(CardError::MalformedResponse("個人番号 is not 12 digits in FF10"));
    }
    Ok(MyNumber(Zeroizing::new(String::from_utf8_lossy(object.value).into_owned())))
}

/// Reads a whole BER-TLV EF named by SFI: a first read (extended when possible), then the rest by offset.
async fn read_tlv_file<T: Transport + ?Sized>(transport: &mut T, ef: EfId) -> Result<Zeroizing<Vec<u8>>> {
    let first = read_binary_sfi(ef, first_read_len(transport));
    read_whole_ef(transport, &first, tlv::total_len).await
}

/// The 券面事項入力補助AP over a transport.
#[derive(Debug)]
pub struct TextAp<T> {
    transport: T,
}

impl<T: Transport> TextAp<T> {
    /// Wraps a transport.
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    /// SELECT the AP.
    pub async fn select(&mut self) -> Result<()> {
        transceive(&mut self.transport, &select_application(&TEXT_AP_AID)).await?.into_success_data().map(drop)
    }

    /// The PIN's retry counter (spends no try).
    pub async fn pin_status(&mut self) -> Result<PinStatus> {
        pin_status_from(transceive(&mut self.transport, &pin_retry_query_sfi(TEXT_PIN_EF)).await?.status)
    }

    /// Exactly one VERIFY of the AP's PIN.
    pub async fn verify_pin(&mut self, pin: Pin) -> Result<VerifyOutcome> {
        let command = verify_sfi(TEXT_PIN_EF, pin.ascii());
        drop(pin);
        verify_outcome_from(crate::apdu::send_once(&mut self.transport, &command).await?.status)
    }

    /// Reads and parses the 基本4情報 (after VERIFY).
    pub async fn read_basic_four(&mut self) -> Result<BasicFourInfo> {
        parse_basic_four(&read_tlv_file(&mut self.transport, BASIC_FOUR_EF).await?)
    }

    /// Reads the 個人番号 (after VERIFY). Insurer-side and registration tools only.
    pub async fn read_my_number(&mut self) -> Result<MyNumber> {
        parse_my_number(&read_tlv_file(&mut self.transport, MY_NUMBER_EF).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_text_ap_is_selected_by_its_aid() {
        assert_eq!(
            select_application(&TEXT_AP_AID).encode().unwrap().as_slice(),
            crate::test_script::hex("00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08")
        );
    }

    fn data_file(name: &str) -> Vec<u8> {
        let text = match name {
            "basic4" => include_str!("../tests/data/basic4-jpki-test-card-myna-card.hex"),
            _ => include_str!("../tests/data/my-number-jpki-test-card-myna-card.hex"),
        };
        hex::decode(text.split_whitespace().collect::<String>()).unwrap()
    }

    #[test]
    fn basic_four_of_the_jpki_test_card() {
        let info = parse_basic_four(&data_file("basic4")).unwrap();
        assert_eq!(info.name, "黒桐　幹也");
        assert_eq!(info.address, "東京都清瀬市観布子南１２－７－２０２");
        assert_eq!(info.birth_date, "19800217");
        assert_eq!(info.sex, "1");
        assert_eq!(format!("{info:?}"), "BasicFourInfo(<redacted>)");
    }

    #[test]
    fn my_number_of_the_jpki_test_card() {
        let number = parse_my_number(&data_file("my_number")).unwrap();
        assert_eq!(number.digits(), "537686677188");
        assert!(!format!("{number:?}").contains("5376"));
        let mut physical = data_file("my_number");
        physical.extend([0xFF, 0xFF]);
        assert_eq!(parse_my_number(&physical).unwrap().digits(), "537686677188");
    }

    #[test]
    fn truncated_files_are_typed_errors() {
        let file = data_file("basic4");
        for cut in [0, 1, 2, 3, 10, file.len() - 1] {
            assert!(matches!(parse_basic_four(&file[..cut]), Err(CardError::MalformedResponse(_))), "{cut}");
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_basic_four(&bytes);
            let _ = parse_my_number(&bytes);
        }
    }
}
