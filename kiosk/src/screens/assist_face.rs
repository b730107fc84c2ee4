//! The card face for staff at the kiosk, once 照合番号B opened it and a known issuer's signature was found on it:
//! the chip's photo (decoded by the lazily loaded `/pkg-photo/` module onto a canvas), the four items (name and
//! address are images on this AP, so they are drawn, not read), and beside them the live camera, so that staff
//! compare the card with the person standing there.
//!
//! The card face is dropped, which wipes its buffers, as soon as it is drawn; when the screen ends (確認, 不一致,
//! the idle reset, the card taken away) the canvases are cleared and the camera stopped. Must not: keep, send or log any
//! of it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use onshi_card::card_face::CardFace;
use onshi_proto::IsoDate;
use onshi_proto::wareki::format_with_iso;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::{Lang, text};
use crate::platform::assist_media;
use crate::screens::ruby;

/// The face screen's inputs.
#[derive(Properties, PartialEq)]
pub struct AssistFaceProps {
    /// The language on screen.
    pub lang: Lang,
    /// The running check-in, which holds the card face until this screen takes it.
    pub check_in: CheckInHandle,
}

/// The birth date and sex as staff read them: 和暦 with 西暦 beside it, and the sex in words.
#[derive(Clone, PartialEq)]
struct Items {
    birth: String,
    sex_key: &'static str,
}

/// Whether the photo or the camera is on screen yet: not yet, shown, or it could not be.
#[derive(Clone, Copy, PartialEq)]
enum Shown {
    Pending,
    Yes,
    No,
}

impl Shown {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Yes => "shown",
            Self::No => "none",
        }
    }
}

fn birth_text(chip: &str) -> String {
    // The chip writes 西暦 YYYYMMDD.
    let iso = match (chip.get(0..4), chip.get(4..6), chip.get(6..8)) {
        (Some(year), Some(month), Some(day)) => format!("{year}-{month}-{day}"),
        _ => String::new(),
    };
    IsoDate::parse(&iso).map(format_with_iso).unwrap_or_default()
}

fn sex_key(code: &str) -> &'static str {
    match code {
        "1" => "assist.sex_male",
        "2" => "assist.sex_female",
        _ => "assist.sex_other",
    }
}

/// Draws the face's photo, name and address onto their canvases, then drops the face (wiped); answers whether all
/// three were drawn. Nothing is drawn once the screen has ended.
async fn draw_face(face: CardFace, canvases: [NodeRef; 3], ended: Rc<Cell<bool>>) -> bool {
    let target = |node: &NodeRef| node.get().map(JsValue::from).unwrap_or(JsValue::NULL);
    let [photo, name, address] = canvases;
    let mut drawn = !ended.get() && assist_media::draw_chip_photo(&target(&photo), &face.photo).await;
    drawn &= !ended.get() && assist_media::draw_png(&target(&name), &face.name_image).await;
    drawn &= !ended.get() && assist_media::draw_png(&target(&address), &face.address_image).await;
    drop(face);
    if ended.get() {
        for canvas in [&photo, &name, &address] {
            assist_media::clear_canvas(&target(canvas));
        }
    }
    drawn
}

/// The chip's photo and four items beside the live camera.
#[function_component(AssistFace)]
pub fn assist_face(props: &AssistFaceProps) -> Html {
    let (photo_canvas, name_canvas, address_canvas, video) =
        (use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref());
    let items = use_state(|| None::<Items>);
    let photo = use_state(|| Shown::Pending);
    let camera = use_state(|| Shown::Pending);
    {
        let canvases = [photo_canvas.clone(), name_canvas.clone(), address_canvas.clone()];
        let (video, check_in) = (video.clone(), props.check_in.clone());
        let (items, photo, camera) = (items.clone(), photo.clone(), camera.clone());
        use_effect_with((), move |()| {
            let ended = Rc::new(Cell::new(false));
            let stream: Rc<RefCell<Option<JsValue>>> = Rc::default();
            if let Some(face) = check_in.take_face() {
                items.set(Some(Items { birth: birth_text(&face.birth_date), sex_key: sex_key(&face.sex) }));
                let (canvases, ended) = (canvases.clone(), ended.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let drawn = draw_face(face, canvases, ended.clone()).await;
                    if !ended.get() {
                        photo.set(if drawn { Shown::Yes } else { Shown::No });
                    }
                });
            } else {
                photo.set(Shown::No);
            }
            {
                let (video, ended, stream) = (video.clone(), ended.clone(), stream.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let target: JsValue = video.get().map(JsValue::from).unwrap_or(JsValue::NULL);
                    match assist_media::start_camera(&target).await {
                        // The screen ended while the camera was starting: it stops at once.
                        Some(started) if ended.get() => assist_media::stop_camera(&target, &started),
                        Some(started) => {
                            *stream.borrow_mut() = Some(started);
                            camera.set(Shown::Yes);
                        }
                        None if ended.get() => {}
                        None => camera.set(Shown::No),
                    }
                });
            }
            move || {
                ended.set(true);
                for canvas in &canvases {
                    if let Some(target) = canvas.get() {
                        assist_media::clear_canvas(&JsValue::from(target));
                    }
                }
                let target: JsValue = video.get().map(JsValue::from).unwrap_or(JsValue::NULL);
                if let Some(started) = stream.borrow_mut().take() {
                    assist_media::stop_camera(&target, &started);
                }
            }
        });
    }
    let lang = props.lang;
    let h = |key: &str| ruby::shown(lang, key);
    let label = |key: &str| text(lang, key);
    html! {
        <div class="assist-face" id="assist-face" data-photo={photo.as_str()} data-camera={camera.as_str()}>
            <figure class="assist-photo">
                <canvas id="assist-photo" ref={photo_canvas} role="img" aria-label={label("assist.photo_label")}></canvas>
                <figcaption>{ h("assist.photo_label") }</figcaption>
            </figure>
            <figure class="assist-camera">
                <video id="assist-camera" ref={video} autoplay=true muted=true playsinline=true
                    aria-label={label("assist.camera_label")}></video>
                <figcaption>{ h("assist.camera_label") }</figcaption>
                if *camera == Shown::No {
                    <p id="assist-no-camera" role="status">{ h("assist.no_camera") }</p>
                }
            </figure>
            <dl class="assist-items" id="assist-items">
                <dt>{ h("assist.name_label") }</dt>
                <dd><canvas id="assist-name" ref={name_canvas} role="img" aria-label={label("assist.name_label")}></canvas></dd>
                <dt>{ h("assist.birth_shown") }</dt>
                <dd id="assist-birth-shown">{ (*items).as_ref().map(|items| items.birth.clone()).unwrap_or_default() }</dd>
                <dt>{ h("assist.sex_label") }</dt>
                <dd id="assist-sex">{ (*items).as_ref().map(|items| h(items.sex_key)).unwrap_or_default() }</dd>
                <dt>{ h("assist.address_label") }</dt>
                <dd><canvas id="assist-address" ref={address_canvas} role="img" aria-label={label("assist.address_label")}></canvas></dd>
            </dl>
        </div>
    }
}
