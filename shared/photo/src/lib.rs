//! # onshi-photo — the chip photo of the 目視 assist, decoded in WebAssembly
//!
//! Layer: a pure core beside the card stack. The 券面事項確認AP holds the holder's photo (`DF27`) as JPEG 2000,
//! one 8-bit greyscale component (visual-check-assist.md §0.3: 378 × 472 on the JPKI test card). No browser
//! decodes JPEG 2000 (§0.2), so the kiosk decodes it here, with `hayro-jpeg2000` (pure Rust, `unsafe` forbidden,
//! no C), and draws the pixels on a canvas for the staff member who typed 照合番号B.
//!
//! The photo is personal data and never leaves the kiosk: [`ChipPhoto`] keeps the pixels in a buffer that is
//! wiped on drop and prints nothing of them. The decoder's own working buffers are freed when a decode ends but
//! not wiped (they live inside the crate); they never outlive [`decode_chip_photo`].
//!
//! Must not: do I/O, read a clock, or accept an image larger than [`MAX_SIDE`] on either side (a chip photo is
//! a few hundred pixels; anything larger is not one, and decoding it would only cost the kiosk memory).
#![forbid(unsafe_code)]

use std::fmt;

use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
use zeroize::Zeroizing;

/// The longest side accepted, in pixels.
pub const MAX_SIDE: u32 = 1_024;

/// Why a chip photo could not be shown.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhotoError {
    /// The bytes are neither a JP2 file nor a JPEG 2000 codestream, or their header is broken.
    #[error("the chip photo is not a JPEG 2000 image")]
    NotJpeg2000,
    /// The image is larger than a chip photo can be.
    #[error("the chip photo is {width}×{height}, larger than {MAX_SIDE} on a side")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The image has colour or alpha; the chip photo is one greyscale component.
    #[error("the chip photo is not greyscale")]
    NotGreyscale,
    /// The codestream is damaged.
    #[error("the chip photo could not be decoded")]
    Damaged,
}

/// A decoded chip photo: 8-bit greyscale, row by row. Wiped on drop; `Debug` shows the size only.
pub struct ChipPhoto {
    width: u32,
    height: u32,
    pixels: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for ChipPhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChipPhoto({}×{}, <pixels redacted>)", self.width, self.height)
    }
}

impl ChipPhoto {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// One byte per pixel, row by row.
    pub fn grey(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixels as RGBA (what a canvas `ImageData` takes), in a buffer that is wiped on drop.
    pub fn to_rgba(&self) -> Zeroizing<Vec<u8>> {
        let mut rgba = Zeroizing::new(Vec::with_capacity(self.pixels.len() * 4));
        for &grey in self.pixels.iter() {
            rgba.extend_from_slice(&[grey, grey, grey, 0xFF]);
        }
        rgba
    }
}

/// Decodes the chip photo (`DF27`): a JP2 file or a raw codestream with one greyscale component, at most
/// [`MAX_SIDE`] on a side.
pub fn decode_chip_photo(jpeg2000: &[u8]) -> Result<ChipPhoto, PhotoError> {
    // Strict: the lenient mode draws a truncated codestream with its missing detail blurred away, and staff must
    // see the photo the chip holds or none at all.
    let settings = DecodeSettings { resolve_palette_indices: false, strict: true, target_resolution: None };
    let image = Image::new(jpeg2000, &settings).map_err(|_| PhotoError::NotJpeg2000)?;
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(PhotoError::TooLarge { width, height });
    }
    if image.has_alpha() || !matches!(image.color_space(), ColorSpace::Gray) {
        return Err(PhotoError::NotGreyscale);
    }
    let mut context = DecoderContext::default();
    let decoded = image.decode(&mut context).map_err(|_| PhotoError::Damaged)?;
    let expected = usize::try_from(u64::from(width) * u64::from(height)).map_err(|_| PhotoError::Damaged)?;
    if decoded.components().len() != 1 {
        return Err(PhotoError::NotGreyscale);
    }
    let mut pixels = Zeroizing::new(vec![0u8; expected]);
    if decoded.components().first().map(|component| component.samples().len()) != Some(expected) {
        return Err(PhotoError::Damaged);
    }
    decoded.store_u8_into(&mut pixels);
    Ok(ChipPhoto { width, height, pixels })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use onshi_vcard::demo::DEMO_FACE_PHOTO_JP2;
    use proptest::prelude::*;

    use super::*;

    fn pixel(photo: &ChipPhoto, x: u32, y: u32) -> u8 {
        photo.grey()[(y * photo.width() + x) as usize]
    }

    #[test]
    fn the_demo_photo_decodes_to_the_face_it_was_drawn_as() {
        let photo = decode_chip_photo(DEMO_FACE_PHOTO_JP2).unwrap();
        assert_eq!((photo.width(), photo.height()), (378, 472));
        // What `shared/vcard/data/face/make_images.py` drew, within what a 60:1 lossy code keeps.
        let near = |value: u8, drawn: u8| value.abs_diff(drawn) <= 12;
        assert!(near(pixel(&photo, 5, 5), 205), "background {}", pixel(&photo, 5, 5));
        assert!(near(pixel(&photo, 145, 195), 40), "left eye {}", pixel(&photo, 145, 195));
        assert!(near(pixel(&photo, 233, 195), 40), "right eye {}", pixel(&photo, 233, 195));
        assert!(near(pixel(&photo, 189, 100), 55), "hair {}", pixel(&photo, 189, 100));
        assert!(near(pixel(&photo, 189, 295), 100), "mouth {}", pixel(&photo, 189, 295));
        let rgba = photo.to_rgba();
        assert_eq!(rgba.len(), 378 * 472 * 4);
        assert_eq!(&rgba[..4], &[pixel(&photo, 0, 0), pixel(&photo, 0, 0), pixel(&photo, 0, 0), 0xFF]);
    }

    #[test]
    fn nothing_of_the_pixels_is_printed() {
        let photo = decode_chip_photo(DEMO_FACE_PHOTO_JP2).unwrap();
        assert_eq!(format!("{photo:?}"), "ChipPhoto(378×472, <pixels redacted>)");
    }

    #[test]
    fn what_is_not_a_chip_photo_is_a_typed_error() {
        assert_eq!(decode_chip_photo(b"\x89PNG\r\n\x1a\n").unwrap_err(), PhotoError::NotJpeg2000);
        assert_eq!(decode_chip_photo(&[]).unwrap_err(), PhotoError::NotJpeg2000);
        let truncated = &DEMO_FACE_PHOTO_JP2[..DEMO_FACE_PHOTO_JP2.len() / 2];
        assert_eq!(decode_chip_photo(truncated).unwrap_err(), PhotoError::NotJpeg2000, "a cut photo is not shown");
        let header_only = &DEMO_FACE_PHOTO_JP2[..40];
        assert!(decode_chip_photo(header_only).is_err());
    }

    #[test]
    fn an_oversized_image_is_refused_before_it_is_decoded() {
        // The JP2 `ihdr` box holds height then width (4 bytes each); raise the codestream's SIZ to 4096×4096.
        let mut huge = DEMO_FACE_PHOTO_JP2.to_vec();
        let siz = huge.windows(4).position(|window| window == [0xFF, 0x4F, 0xFF, 0x51]).unwrap() + 8;
        huge[siz..siz + 4].copy_from_slice(&4_096u32.to_be_bytes());
        huge[siz + 4..siz + 8].copy_from_slice(&4_096u32.to_be_bytes());
        assert!(matches!(decode_chip_photo(&huge), Err(PhotoError::TooLarge { .. } | PhotoError::NotJpeg2000)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn damaged_photos_never_panic(position in 0usize..2_990, byte in any::<u8>()) {
            let mut damaged = DEMO_FACE_PHOTO_JP2.to_vec();
            if let Some(target) = damaged.get_mut(position) {
                *target = byte;
            }
            let _ = decode_chip_photo(&damaged);
        }
    }
}
