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
//!
//! The module also checks a card face's issuer signature ([`card_face_issued_by`]) before staff are shown it: the
//! RSA arithmetic is as heavy as the decoder and needed at the same moment, so it lives here, out of the kiosk's
//! bundle, too.

// `#[wasm_bindgen]` expands to FFI glue containing `unsafe` blocks, so this crate cannot forbid `unsafe_code`.
// It allows it here, at the root, and nowhere else; no hand-written code in this crate uses `unsafe`.
#![allow(unsafe_code)]

use onshi_photo::{ChipPhoto, decode_chip_photo};
use rsa::{Pkcs1v15Sign, PublicKey};
use spki::der::Decode;
use wasm_bindgen::prelude::*;

/// Whether `issuer_signature` is the signature, by the issuer whose RSA `SubjectPublicKeyInfo` DER is
/// `issuer_spki_der`, over a card face's `face_digest_info` (the three-digest DigestInfo of
/// `onshi_card::card_face::SignedFaceDigests`, which the kiosk computes, so no personal byte comes here). False for
/// a key that is not an RSA key.
#[wasm_bindgen]
pub fn card_face_issued_by(issuer_spki_der: &[u8], face_digest_info: &[u8], issuer_signature: &[u8]) -> bool {
    spki::SubjectPublicKeyInfoRef::from_der(issuer_spki_der)
        .ok()
        .and_then(|spki| PublicKey::try_from(spki).ok())
        .is_some_and(|issuer| issuer.verify(Pkcs1v15Sign::new_unprefixed(), face_digest_info, issuer_signature).is_ok())
}

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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use rsa::pkcs8::DecodePrivateKey;

    use super::*;

    const ISSUER_KEY: &[u8] = include_bytes!("../../vcard/data/test-pki/surface-issuer.pk8");
    const ISSUER_SPKI: &[u8] = include_bytes!("../../vcard/data/test-pki/surface-issuer.spki.der");

    #[test]
    fn a_face_is_issued_only_by_the_key_that_signed_its_digests() {
        let issuer = rsa::PrivateKey::from_pkcs8_der(ISSUER_KEY).unwrap();
        let digest_info = onshi_card::card_face::face_digest_info(&[1; 32], &[2; 32], &[3; 32]);
        let signature = issuer.sign(Pkcs1v15Sign::new_unprefixed(), &digest_info).unwrap();
        assert!(card_face_issued_by(ISSUER_SPKI, &digest_info, &signature));
        // Another photo (its digest changed) is not what the issuer signed.
        let other_photo = onshi_card::card_face::face_digest_info(&[1; 32], &[2; 32], &[4; 32]);
        assert!(!card_face_issued_by(ISSUER_SPKI, &other_photo, &signature));
        // A key that is not a key, or a signature cut short, is a plain no.
        assert!(!card_face_issued_by(b"not a key", &digest_info, &signature));
        assert!(!card_face_issued_by(ISSUER_SPKI, &digest_info, &signature[..100]));
    }
}
