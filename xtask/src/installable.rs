//! Whether Chromium would install a signed Isolated Web App bundle: the bundle is read back byte by byte as a
//! browser reads it (integrity block, index, responses), and its manifest and icons are judged by the rules
//! Chromium applies before it installs an IWA. `cargo xtask iwa` refuses to write a bundle that breaks one of them,
//! and the tests run them on the bundle signed from `www/`.
//!
//! Where the rules come from (Chromium sources, `chrome/browser/web_applications/isolated_web_apps/` and
//! `components/webapps/browser/installable/`):
//! - the IWA install page links its manifest at `/.well-known/manifest.webmanifest` (the generated install page);
//! - `IsolatedWebAppInstallCommandHelper::ValidateManifestAndCreateInstallInfo`: `id` must be "/" ("Manifest `id`
//!   must be \"/\""), `scope` must resolve to the origin ("Scope should resolve to the origin"), `name` or
//!   `short_name` must be present, `version` must be present and parse as a `base::Version` (dot-separated
//!   unsigned integers, no leading `+`, no leading zero in the first part), and it must equal the version the
//!   update manifest announces (`kiosk/README.md` says so; not checkable from the bundle alone);
//! - `RetrieveIconsAndPopulateInstallInfo` downloads every manifest icon with `fail_all_if_any_fail`, so one icon
//!   that is missing from the bundle or does not decode fails the installation;
//! - `InstallableEvaluator::CheckInstallability` ("App is not installable" when it fails): a valid `start_url`, a
//!   name, a `display` (or first `display_override`) of standalone, fullscreen, minimal-ui or
//!   window-controls-overlay, and an icon of purpose `any`, of type PNG, SVG or WebP (by `type`, or by the file
//!   extension when `type` is absent), with a size of `any` or at least 144×144 (`kMinimumPrimaryIconSizeInPx`).
//!
//! One rule is the kiosk's own: inside an IWA a powerful feature is available only when the manifest's
//! `permissions_policy` grants it, and the kiosk needs WebUSB (`usb`) for the reader.

use std::collections::BTreeMap;

/// "🌐📦": the first item of every Web Bundle.
pub(crate) const BUNDLE_MAGIC: [u8; 8] = [0xF0, 0x9F, 0x8C, 0x90, 0xF0, 0x9F, 0x93, 0xA6];
/// "🖋📦": the first item of an integrity block.
pub(crate) const INTEGRITY_MAGIC: [u8; 8] = [0xF0, 0x9F, 0x96, 0x8B, 0xF0, 0x9F, 0x93, 0xA6];

/// A response of the bundle: its content type and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundledResponse {
    /// The `content-type` header.
    pub content_type: String,
    /// The payload.
    pub body: Vec<u8>,
}

/// What a signed bundle holds: its Web Bundle ID (from the integrity block) and its responses by URL.
#[derive(Clone, Debug)]
pub struct ReadBundle {
    /// The Web Bundle ID the integrity block names.
    pub web_bundle_id: String,
    /// Every response, by its full URL.
    pub responses: BTreeMap<String, BundledResponse>,
}

/// A minimal CBOR reader over the few major types the two containers use.
struct Cbor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cbor<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(len).filter(|end| *end <= self.data.len());
        let end = end.ok_or_else(|| format!("CBOR item runs past the end at byte {}", self.at))?;
        let bytes = &self.data[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    /// The next item's major type and argument.
    fn head(&mut self) -> Result<(u8, u64), String> {
        let first = self.take(1)?[0];
        let value = match first & 0x1f {
            small @ 0..=23 => u64::from(small),
            24 => u64::from(self.take(1)?[0]),
            25 => u64::from(u16::from_be_bytes([self.take(1)?[0], self.take(1)?[0]])),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().map_err(|_| "short u32")?)),
            27 => u64::from_be_bytes(self.take(8)?.try_into().map_err(|_| "short u64")?),
            other => return Err(format!("unsupported CBOR argument {other}")),
        };
        Ok((first >> 5, value))
    }

    fn expect(&mut self, major: u8) -> Result<u64, String> {
        match self.head()? {
            (found, value) if found == major => Ok(value),
            (found, _) => Err(format!("expected CBOR major type {major}, found {found}")),
        }
    }

    fn length(value: u64) -> Result<usize, String> {
        usize::try_from(value).map_err(|_| "CBOR length too large".to_owned())
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = Self::length(self.expect(2)?)?;
        self.take(len)
    }

    fn text(&mut self) -> Result<&'a str, String> {
        let len = Self::length(self.expect(3)?)?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "CBOR text is not UTF-8".to_owned())
    }

    fn unsigned(&mut self) -> Result<usize, String> {
        Self::length(self.expect(0)?)
    }

    /// Skips one item of any of the types the containers use.
    fn skip(&mut self) -> Result<(), String> {
        let (major, value) = self.head()?;
        match major {
            0 => Ok(()),
            2 | 3 => self.take(Self::length(value)?).map(|_| ()),
            4 => (0..value).try_for_each(|_| self.skip()),
            5 => (0..value).try_for_each(|_| self.skip().and_then(|()| self.skip())),
            other => Err(format!("unsupported CBOR major type {other}")),
        }
    }
}

/// Reads a signed Web Bundle back: the integrity block (magic, version, the `webBundleId` attribute, a signature
/// stack), then the bundle (magic, version, section lengths, the index and responses sections, its length).
pub fn read_signed_bundle(signed: &[u8]) -> Result<ReadBundle, String> {
    let mut cbor = Cbor::new(signed);
    if cbor.expect(4)? != 4 || cbor.bytes()? != INTEGRITY_MAGIC {
        return Err("no integrity block".into());
    }
    cbor.bytes()?;
    let mut web_bundle_id = None;
    for _ in 0..cbor.expect(5)? {
        let key = cbor.text()?;
        if key == "webBundleId" {
            web_bundle_id = Some(cbor.text()?.to_owned());
        } else {
            cbor.skip()?;
        }
    }
    let web_bundle_id = web_bundle_id.ok_or("the integrity block names no webBundleId")?;
    cbor.skip()?;

    let bundle_start = cbor.at;
    if cbor.expect(4)? != 5 || cbor.bytes()? != BUNDLE_MAGIC {
        return Err("no Web Bundle after the integrity block".into());
    }
    cbor.bytes()?;
    let mut lengths = Cbor::new(cbor.bytes()?);
    let mut names = Vec::new();
    for _ in 0..lengths.expect(4)? / 2 {
        names.push(lengths.text()?.to_owned());
        lengths.unsigned()?;
    }
    if Cbor::length(cbor.expect(4)?)? != names.len() {
        return Err("the section count differs from the section lengths".into());
    }
    let mut index = BTreeMap::new();
    let mut responses_at = None;
    for name in &names {
        match name.as_str() {
            "index" => {
                for _ in 0..cbor.expect(5)? {
                    let url = cbor.text()?.to_owned();
                    if cbor.expect(4)? != 2 {
                        return Err(format!("index entry of {url} is not [offset, length]"));
                    }
                    index.insert(url, (cbor.unsigned()?, cbor.unsigned()?));
                }
            }
            "responses" => {
                responses_at = Some(cbor.at);
                cbor.skip()?;
            }
            _ => cbor.skip()?,
        }
    }
    let total = <[u8; 8]>::try_from(cbor.bytes()?).map_err(|_| "the bundle's length item is not 8 bytes")?;
    if Cbor::length(u64::from_be_bytes(total))? != cbor.at - bundle_start {
        return Err("the bundle's length item does not match its size".into());
    }
    let responses_at = responses_at.ok_or("the bundle has no responses section")?;
    let mut responses = BTreeMap::new();
    for (url, (offset, len)) in index {
        let start = responses_at + offset;
        let mut response = Cbor::new(signed.get(start..start + len).ok_or_else(|| format!("{url} lies outside"))?);
        if response.expect(4)? != 2 {
            return Err(format!("the response of {url} is not [headers, payload]"));
        }
        let mut headers = Cbor::new(response.bytes()?);
        let mut content_type = None;
        let mut status = None;
        for _ in 0..headers.expect(5)? {
            let (name, value) = (headers.bytes()?, headers.bytes()?);
            match name {
                b":status" => status = Some(value.to_vec()),
                b"content-type" => content_type = Some(String::from_utf8_lossy(value).into_owned()),
                _ => {}
            }
        }
        if status.as_deref() != Some(&b"200"[..]) {
            return Err(format!("{url} is not answered with status 200"));
        }
        let body = response.bytes()?.to_vec();
        responses.insert(url, BundledResponse { content_type: content_type.unwrap_or_default(), body });
    }
    Ok(ReadBundle { web_bundle_id, responses })
}

/// Chromium's `base::Version` rule: one or more dot-separated unsigned 32-bit integers, none starting with `+`,
/// the first without a leading zero.
pub fn is_chromium_version(version: &str) -> bool {
    version.split('.').enumerate().all(|(i, part)| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && part.parse::<u32>().is_ok()
            && (i > 0 || part == "0" || !part.starts_with('0'))
    })
}

/// The smallest square icon Chromium accepts as an app's primary icon (`kMinimumPrimaryIconSizeInPx`).
pub const MINIMUM_ICON_PX: u32 = 144;

/// The declared sizes of an icon: `None` for `any`, else each `WxH`.
fn declared_sizes(sizes: &str) -> Result<Vec<Option<(u32, u32)>>, String> {
    sizes
        .split_ascii_whitespace()
        .map(|size| {
            if size.eq_ignore_ascii_case("any") {
                return Ok(None);
            }
            let lower = size.to_ascii_lowercase();
            let parsed = lower.split_once('x').and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
            parsed.map(Some).ok_or_else(|| format!("icon size {size:?} is not WxH or any"))
        })
        .collect()
}

/// The image type of an icon as Chromium judges it: the `type` member, or the extension without one.
fn icon_type(icon: &serde_json::Value, src: &str) -> Option<&'static str> {
    const SUPPORTED: [(&str, &str); 3] = [(".png", "image/png"), (".svg", "image/svg+xml"), (".webp", "image/webp")];
    match icon.get("type").and_then(|t| t.as_str()) {
        Some(declared) => SUPPORTED.iter().find(|(_, mime)| *mime == declared).map(|(_, mime)| *mime),
        None => SUPPORTED.iter().find(|(ext, _)| src.to_ascii_lowercase().ends_with(ext)).map(|(_, mime)| *mime),
    }
}

/// Decodes an icon as its type says and answers its pixel size; an SVG answers the size of its square view box.
pub(crate) fn decoded_size(mime: &str, body: &[u8]) -> Result<(u32, u32), String> {
    match mime {
        "image/png" => {
            let mut reader = png::Decoder::new(std::io::Cursor::new(body)).read_info().map_err(|e| e.to_string())?;
            let mut pixels = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
            let frame = reader.next_frame(&mut pixels).map_err(|e| e.to_string())?;
            Ok((frame.width, frame.height))
        }
        "image/svg+xml" => {
            let text = std::str::from_utf8(body).map_err(|_| "SVG is not UTF-8".to_owned())?;
            let root = text.find("<svg").ok_or("no <svg> element")?;
            let tag = &text[root..root + text[root..].find('>').ok_or("unterminated <svg>")?];
            if !tag.contains("xmlns=\"http://www.w3.org/2000/svg\"") {
                return Err("the <svg> element lacks the SVG namespace".into());
            }
            let view_box =
                tag.split("viewBox=\"").nth(1).and_then(|rest| rest.split('"').next()).ok_or("no viewBox")?;
            let numbers: Vec<f64> = view_box.split_ascii_whitespace().filter_map(|n| n.parse().ok()).collect();
            match numbers.as_slice() {
                [_, _, w, h] if *w > 0.0 && *h > 0.0 => Ok((w.round() as u32, h.round() as u32)),
                _ => Err(format!("viewBox {view_box:?} is not four numbers")),
            }
        }
        other => Err(format!("no decoder for {other} here")),
    }
}

/// Every installability rule the bundle breaks (see the module documentation for where each comes from); empty
/// when Chromium would install it as an Isolated Web App.
pub fn installability_problems(bundle: &ReadBundle) -> Vec<String> {
    let origin = format!("isolated-app://{}", bundle.web_bundle_id);
    let resource =
        |path: &str| bundle.responses.get(&format!("{origin}{}", path.strip_prefix(&origin).unwrap_or(path)));
    let Some(manifest) = resource("/.well-known/manifest.webmanifest") else {
        return vec!["the bundle has no /.well-known/manifest.webmanifest".into()];
    };
    let mut problems = Vec::new();
    if !manifest.content_type.starts_with("application/manifest+json") {
        problems.push(format!("the manifest is served as {:?}", manifest.content_type));
    }
    let manifest: serde_json::Value = match serde_json::from_slice(&manifest.body) {
        Ok(serde_json::Value::Object(members)) => serde_json::Value::Object(members),
        _ => return vec!["the manifest is not a JSON object".into()],
    };
    let text = |name: &str| manifest.get(name).and_then(|v| v.as_str());
    if text("id") != Some("/") {
        problems.push(format!("Manifest `id` must be \"/\", not {:?}", manifest.get("id")));
    }
    if let Some(scope) = manifest.get("scope")
        && scope.as_str() != Some("/")
    {
        problems.push(format!("Scope should resolve to the origin, not {scope}"));
    }
    match text("version") {
        None => problems.push("`version` is not present".into()),
        Some(version) if !is_chromium_version(version) => {
            problems.push(format!("Failed to parse `version` {version:?}"));
        }
        Some(_) => {}
    }
    let usb = manifest.pointer("/permissions_policy/usb").and_then(|v| v.as_array());
    if !usb.is_some_and(|origins| origins.iter().any(|o| o == "self")) {
        problems.push("permissions_policy does not grant usb to self: the kiosk could not reach the reader".into());
    }
    problems.extend(web_app_problems(&manifest, &resource));
    problems
}

/// The rules every installable web app meets (`InstallableEvaluator`), with the IWA installer's demand that every
/// icon is there and decodes: a start page that `resource` serves, a name, a display mode Chromium installs, and a
/// primary icon. `resource` answers a path of the app's origin.
pub fn web_app_problems<'a>(
    manifest: &serde_json::Value,
    resource: &dyn Fn(&str) -> Option<&'a BundledResponse>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let text = |name: &str| manifest.get(name).and_then(|v| v.as_str());
    match text("start_url") {
        Some(start) if start.starts_with('/') && !start.starts_with("//") => {
            let path = start.split(['?', '#']).next().unwrap_or(start);
            if resource(path).is_none() {
                problems.push(format!("start_url {start} is not served"));
            }
        }
        other => problems.push(format!("start_url must be a path of the app's origin, not {other:?}")),
    }
    if !["name", "short_name"].iter().any(|name| text(name).is_some_and(|n| !n.trim().is_empty())) {
        problems.push("App manifest must have either 'name' or 'short_name'".into());
    }
    let display = manifest
        .get("display_override")
        .and_then(|o| o.as_array())
        .and_then(|o| o.first())
        .and_then(|d| d.as_str())
        .or(text("display"));
    if !matches!(display, Some("standalone" | "fullscreen" | "minimal-ui" | "window-controls-overlay")) {
        problems.push(format!("display {display:?} is not one Chromium installs"));
    }

    let icons = manifest.get("icons").and_then(|i| i.as_array()).cloned().unwrap_or_default();
    let mut primary = false;
    for icon in &icons {
        let Some(src) = icon.get("src").and_then(|s| s.as_str()) else {
            problems.push(format!("icon without src: {icon}"));
            continue;
        };
        let Some(mime) = icon_type(icon, src) else {
            problems.push(format!("icon {src}: type is not PNG, SVG or WebP"));
            continue;
        };
        let sizes = match declared_sizes(icon.get("sizes").and_then(|s| s.as_str()).unwrap_or("")) {
            Ok(sizes) => sizes,
            Err(problem) => {
                problems.push(format!("icon {src}: {problem}"));
                continue;
            }
        };
        let purposes = icon.get("purpose").and_then(|p| p.as_str()).unwrap_or("any");
        let for_any = purposes.split_ascii_whitespace().any(|p| p == "any");
        let big_enough = sizes.iter().any(|size| match size {
            None => true,
            Some((w, h)) => *w >= MINIMUM_ICON_PX && *h >= MINIMUM_ICON_PX,
        });
        primary |= for_any && big_enough;
        // Every icon is fetched and decoded, and one failure fails the whole installation.
        let Some(response) = resource(src) else {
            problems.push(format!("icon {src} is not served"));
            continue;
        };
        if response.content_type.split(';').next() != Some(mime) {
            problems.push(format!("icon {src} is served as {:?}, declared {mime}", response.content_type));
        }
        match decoded_size(mime, &response.body) {
            Err(problem) => problems.push(format!("icon {src} does not decode: {problem}")),
            Ok((w, h)) if w != h => problems.push(format!("icon {src} is {w}×{h}, not square")),
            // An SVG scales to any size; a bitmap must be the size it declares.
            Ok(decoded) => {
                if mime != "image/svg+xml" && sizes.iter().flatten().any(|declared| *declared != decoded) {
                    problems.push(format!("icon {src} decodes at {decoded:?}, not its declared {sizes:?}"));
                }
            }
        }
    }
    if !primary {
        problems.push(format!(
            "no icon of purpose any, PNG, SVG or WebP, sized any or at least {MINIMUM_ICON_PX}×{MINIMUM_ICON_PX}"
        ));
    }
    problems
}
