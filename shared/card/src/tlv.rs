//! BER-TLV (ISO/IEC 8825-1 as used by ISO/IEC 7816-4): multi-byte tags and the short and long length forms,
//! parsed without trusting any length. Used for the 券面事項入力補助AP's files.

use crate::error::{CardError, Result};

/// One data object: its tag (all tag bytes, big-endian) and its value bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag, e.g. `0xFF20` or `0xDF21`.
    pub tag: u32,
    /// The value.
    pub value: &'a [u8],
}

impl std::fmt::Debug for Tlv<'_> {
    /// Prints the tag and the length only: values are personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tlv({:X}, <{} bytes>)", self.tag, self.value.len())
    }
}

const MALFORMED: CardError = CardError::MalformedResponse("malformed BER-TLV");

/// Reads the tag and length at the start of `bytes`: `(tag, header length, value length)`.
pub fn read_header(bytes: &[u8]) -> Result<(u32, usize, usize)> {
    let first = *bytes.first().ok_or(MALFORMED)?;
    let mut tag = u32::from(first);
    let mut position = 1usize;
    if first & 0x1F == 0x1F {
        loop {
            let byte = *bytes.get(position).ok_or(MALFORMED)?;
            position += 1;
            if position > 4 {
                return Err(MALFORMED);
            }
            tag = (tag << 8) | u32::from(byte);
            if byte & 0x80 == 0 {
                break;
            }
        }
    }
    let length_byte = *bytes.get(position).ok_or(MALFORMED)?;
    position += 1;
    let value_len = match length_byte {
        0x00..=0x7F => usize::from(length_byte),
        0x81..=0x83 => {
            let count = usize::from(length_byte & 0x7F);
            let length_bytes = bytes.get(position..position + count).ok_or(MALFORMED)?;
            position += count;
            length_bytes.iter().fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte))
        }
        _ => return Err(MALFORMED),
    };
    Ok((tag, position, value_len))
}

/// The length of the whole TLV at the start of `bytes`, header included, read from its header alone.
pub fn total_len(bytes: &[u8]) -> Result<usize> {
    let (_, header_len, value_len) = read_header(bytes)?;
    header_len.checked_add(value_len).ok_or(MALFORMED)
}

/// Parses one TLV at the start of `bytes` and returns it with the rest.
pub fn parse_one(bytes: &[u8]) -> Result<(Tlv<'_>, &[u8])> {
    let (tag, header_len, value_len) = read_header(bytes)?;
    let end = header_len.checked_add(value_len).ok_or(MALFORMED)?;
    let value = bytes.get(header_len..end).ok_or(MALFORMED)?;
    Ok((Tlv { tag, value }, bytes.get(end..).unwrap_or_default()))
}

/// Parses a sequence of TLVs filling `bytes` exactly.
pub fn parse_all(mut bytes: &[u8]) -> Result<Vec<Tlv<'_>>> {
    let mut objects = Vec::new();
    while !bytes.is_empty() {
        let (object, rest) = parse_one(bytes)?;
        objects.push(object);
        bytes = rest;
    }
    Ok(objects)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn multi_byte_tags_and_long_lengths() {
        let (object, rest) = parse_one(&[0xDF, 0x21, 0x02, 0xAA, 0xBB, 0x01]).unwrap();
        assert_eq!((object.tag, object.value), (0xDF21, &[0xAA, 0xBB][..]));
        assert_eq!(rest, &[0x01]);
        let mut long = vec![0xFF, 0x20, 0x81, 0x80];
        long.extend([0u8; 0x80]);
        assert_eq!(parse_one(&long).unwrap().0.value.len(), 0x80);
        assert_eq!(read_header(&[0x30, 0x82, 0x06, 0x1F]).unwrap(), (0x30, 4, 0x061F));
        assert!(parse_one(&[0xDF, 0x21, 0x05, 0x00]).is_err());
        assert!(parse_one(&[0xDF]).is_err());
        assert!(parse_one(&[0x04, 0x84, 0, 0, 0, 1]).is_err());
        assert!(parse_all(&[0x01, 0x00, 0x02, 0x01]).is_err());
    }

    proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_all(&bytes);
            let _ = read_header(&bytes);
        }
    }
}
