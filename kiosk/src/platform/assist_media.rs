//! The browser side of the 目視 assist: the chip-photo module (`/pkg-photo/`, fetched the first time a face is
//! shown) that decodes the JPEG 2000 photo onto a canvas and checks the card face's issuer signature against the
//! keys the page names (`<meta name="onshi-card-face-issuer-keys">`), the name and address images drawn onto canvases
//! (`createImageBitmap`, so no URL of them exists and the page's `img-src 'self'` stays as it is), and the live
//! camera (`getUserMedia`).
//!
//! Every buffer it fills is emptied when the screen ends: the canvases are cleared and the camera's tracks
//! stopped. The photo's bytes are read by the decoder straight from the kiosk's memory, and its
//! pixels are copied into the canvas only (the `ImageData` is zeroed after). Must not: send, store or log any of it.

use wasm_bindgen::prelude::*;

#[allow(unsafe_code)] // The #[wasm_bindgen] import block expands to FFI glue.
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
    let loading = null;
    function photoModule() {
      loading ??= import('/pkg-photo/onshi_photo.js').then(async (m) => { await m.default(); return m; });
      return loading;
    }
    function issuerKeys() {
      const meta = document.querySelector('meta[name="onshi-card-face-issuer-keys"]');
      return (meta?.content ?? '').split(',').map((k) => k.trim()).filter(Boolean)
        .map((k) => Uint8Array.from(atob(k), (c) => c.charCodeAt(0)));
    }
    export async function card_face_issued(digestInfo, signature) {
      try {
        const m = await photoModule();
        return issuerKeys().some((key) => m.card_face_issued_by(key, digestInfo, signature));
      } catch (e) { return false; }
    }
    export async function draw_chip_photo(canvas, jp2) {
      try {
        const m = await photoModule();
        const photo = new m.DecodedPhoto(jp2);
        try {
          canvas.width = photo.width;
          canvas.height = photo.height;
          const context = canvas.getContext('2d');
          const image = context.createImageData(photo.width, photo.height);
          photo.draw_into(image.data);
          context.putImageData(image, 0, 0);
          image.data.fill(0);
        } finally { photo.free(); }
        return true;
      } catch (e) { return false; }
    }
    export function clear_canvas(canvas) {
      canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
      canvas.width = 0;
      canvas.height = 0;
    }
    export async function draw_png(canvas, bytes) {
      try {
        // The Blob copies the bytes at once, before the kiosk's memory can change under them.
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
        canvas.getContext('2d').drawImage(bitmap, 0, 0);
        bitmap.close();
        return true;
      } catch (e) { return false; }
    }
    export async function start_camera(video) {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
        video.srcObject = stream;
        await video.play().catch(() => {});
        return stream;
      } catch (e) { return null; }
    }
    export function stop_camera(video, stream) {
      stream?.getTracks().forEach((track) => track.stop());
      if (video) video.srcObject = null;
    }
    "#)]
    extern "C" {
        pub async fn card_face_issued(digest_info: &[u8], signature: &[u8]) -> JsValue;
        pub async fn draw_chip_photo(canvas: &JsValue, jp2: &[u8]) -> JsValue;
        pub fn clear_canvas(canvas: &JsValue);
        pub async fn draw_png(canvas: &JsValue, bytes: &[u8]) -> JsValue;
        pub async fn start_camera(video: &JsValue) -> JsValue;
        pub fn stop_camera(video: &JsValue, stream: &JsValue);
    }
}

/// Whether one of the issuers the page names signed the card face whose three-digest DigestInfo is `digest_info`.
/// False when the photo module cannot be loaded or no key is named: nothing is shown then.
pub async fn card_face_issued(digest_info: &[u8], signature: &[u8]) -> bool {
    js::card_face_issued(digest_info, signature).await.as_bool().unwrap_or(false)
}

/// Decodes the chip photo (JPEG 2000) onto `canvas`; false when it is not a chip photo.
pub async fn draw_chip_photo(canvas: &JsValue, jp2: &[u8]) -> bool {
    js::draw_chip_photo(canvas, jp2).await.as_bool().unwrap_or(false)
}

/// Clears the photo off `canvas`.
pub fn clear_canvas(canvas: &JsValue) {
    js::clear_canvas(canvas);
}

/// Draws a PNG image (the card face's name or address) onto `canvas`; false when it is not one.
pub async fn draw_png(canvas: &JsValue, png: &[u8]) -> bool {
    js::draw_png(canvas, png).await.as_bool().unwrap_or(false)
}

/// Shows the live camera in `video`; the stream to stop with [`stop_camera`], or `None` when there is no camera or
/// the browser refused it.
pub async fn start_camera(video: &JsValue) -> Option<JsValue> {
    let stream = js::start_camera(video).await;
    (!stream.is_null() && !stream.is_undefined()).then_some(stream)
}

/// Stops the camera's tracks and detaches the stream from `video`.
pub fn stop_camera(video: &JsValue, stream: &JsValue) {
    js::stop_camera(video, stream);
}
