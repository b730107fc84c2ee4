//! # onshi-photo-wasm — the chip-photo decoder as its own wasm module
//!
//! Layer: a thin wasm-bindgen adapter over `onshi-photo`. The decoder is about 78 KB gzipped and the patient
//! kiosk's bundle is near its 350 KB budget, so the decoder is a separate module (`/pkg-photo/`), fetched only when
//! staff open a card face in the 目視 assist; the bench measures its decode time in Chromium.
//!
//! [`DecodedPhoto`] holds the RGBA pixels in wasm memory, where they are wiped when JavaScript calls `free()`
//! (or the object is collected); [`DecodedPhoto::draw_into`] copies them straight into a canvas `ImageData`'s
//! buffer, so no other JavaScript array holds them. Must not: hold logic of its own, or keep a photo after
//! `free()`.

// `#[wasm_bindgen]` expands to FFI glue containing `unsafe` blocks, so this crate cannot forbid `unsafe_code`.
// It allows it here, at the root, and nowhere else; no hand-written code in this crate uses `unsafe`.
#![allow(unsafe_code)]

use onshi_photo::{ChipPhoto, decode_chip_photo};
use wasm_bindgen::prelude::*;

/// A decoded chip photo, RGBA, kept in wasm memory and wiped on `free()`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct DecodedPhoto {
    photo: ChipPhoto,
}

#[wasm_bindgen]
impl DecodedPhoto {
    /// Decodes a chip photo (JPEG 2000 greyscale). Throws a fixed sentence for anything that is not one.
    #[wasm_bindgen(constructor)]
    pub fn new(jpeg2000: &[u8]) -> Result<DecodedPhoto, JsError> {
        decode_chip_photo(jpeg2000).map(|photo| Self { photo }).map_err(|error| JsError::new(&error.to_string()))
    }

    /// Width in pixels.
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.photo.width()
    }

    /// Height in pixels.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.photo.height()
    }

    /// Writes the RGBA pixels into `target` (a canvas `ImageData`'s `data`, width × height × 4 bytes); the
    /// intermediate RGBA buffer is wiped when this returns.
    pub fn draw_into(&self, target: &mut [u8]) -> Result<(), JsError> {
        let rgba = self.photo.to_rgba();
        if target.len() != rgba.len() {
            return Err(JsError::new("the canvas is not the photo's size"));
        }
        target.copy_from_slice(&rgba);
        Ok(())
    }
}
