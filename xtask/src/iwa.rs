//! `cargo xtask iwa`: packages the built kiosk (`dist/www`, without the demo-only virtual reader) as an Isolated
//! Web App: a Web Bundle (version b2) wrapped in an integrity block (version 2) signed with Ed25519.
//!
//! The key is the 32-byte Ed25519 seed in `ONSHI_IWA_SIGNING_KEY` (64 hex digits). Without it a development key is
//! generated once into `target/iwa-dev-key.hex` and reused, so the app keeps its identity across builds; a
//! production kiosk fleet must be signed with the facility's own key, kept outside the repository.
//!
//! The two containers are laid out here (CBOR items written by `minicbor`, base32 by `data-encoding`); the signing
//! and container code is pure and tested natively, and only [`run`] touches the file system.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha512};

use crate::build::{site_dir, target_dir};
use crate::installable::{BUNDLE_MAGIC, INTEGRITY_MAGIC};
use crate::test_material::is_demo_only;
use crate::{TaskError, TaskResult};

/// The CBOR (RFC 8949) items the two containers use, written by `minicbor` in its deterministic form (shortest
/// heads, definite lengths). Writing into a `Vec` cannot fail, so these functions return nothing.
pub mod cbor {
    use minicbor::Encoder;

    /// An unsigned integer (major type 0).
    pub fn unsigned(out: &mut Vec<u8>, value: u64) {
        Encoder::new(out).u64(value).ok();
    }

    /// A byte string (major type 2).
    pub fn bytes(out: &mut Vec<u8>, value: &[u8]) {
        Encoder::new(out).bytes(value).ok();
    }

    /// A UTF-8 text string (major type 3).
    pub fn text(out: &mut Vec<u8>, value: &str) {
        Encoder::new(out).str(value).ok();
    }

    /// The head of an array of `len` items (major type 4); the items follow.
    pub fn array(out: &mut Vec<u8>, len: usize) {
        Encoder::new(out).array(len as u64).ok();
    }

    /// The head of a map of `len` pairs (major type 5); the pairs follow.
    pub fn map(out: &mut Vec<u8>, len: usize) {
        Encoder::new(out).map(len as u64).ok();
    }
}

/// Web Bundle version b2.
const BUNDLE_VERSION: [u8; 4] = *b"b2\0\0";
/// Integrity block version 2.
const INTEGRITY_VERSION: [u8; 4] = *b"2b\0\0";
/// Suffix that marks an Ed25519 public key in a Web Bundle ID.
const ED25519_ID_SUFFIX: [u8; 3] = [0x00, 0x01, 0x02];

/// One resource of the bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Path below the app's origin, starting with `/`.
    pub path: String,
    /// Its `content-type`.
    pub content_type: String,
    /// Its bytes.
    pub body: Vec<u8>,
}

/// RFC 4648 base32, lower case, without padding, as Web Bundle IDs are written.
pub fn base32_lower(data: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(data).to_ascii_lowercase()
}

/// The Web Bundle ID of an Ed25519 public key: base32 of the key followed by the Ed25519 type suffix.
pub fn web_bundle_id(public_key: &[u8; 32]) -> String {
    let mut raw = public_key.to_vec();
    raw.extend_from_slice(&ED25519_ID_SUFFIX);
    base32_lower(&raw)
}

/// The responses section: an array of [headers (a CBOR map in a byte string), payload], with each response's
/// offset and length within the section (offsets count from the section's first byte).
fn responses_section(resources: &[Resource]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut responses = Vec::new();
    cbor::array(&mut responses, resources.len());
    let mut locations = Vec::with_capacity(resources.len());
    for resource in resources {
        let start = responses.len();
        let mut headers = Vec::new();
        cbor::map(&mut headers, 2);
        cbor::bytes(&mut headers, b":status");
        cbor::bytes(&mut headers, b"200");
        cbor::bytes(&mut headers, b"content-type");
        cbor::bytes(&mut headers, resource.content_type.as_bytes());
        cbor::array(&mut responses, 2);
        cbor::bytes(&mut responses, &headers);
        cbor::bytes(&mut responses, &resource.body);
        locations.push((start, responses.len() - start));
    }
    (responses, locations)
}

/// A Web Bundle (b2) holding `resources` under `origin` (e.g. `isolated-app://<id>`).
pub fn web_bundle(origin: &str, resources: &[Resource]) -> Vec<u8> {
    let (responses, locations) = responses_section(resources);
    // The index section: URL → [offset within the responses section, length].
    let mut index = Vec::new();
    cbor::map(&mut index, resources.len());
    for (resource, (offset, len)) in resources.iter().zip(&locations) {
        cbor::text(&mut index, &format!("{origin}{}", resource.path));
        cbor::array(&mut index, 2);
        cbor::unsigned(&mut index, *offset as u64);
        cbor::unsigned(&mut index, *len as u64);
    }
    let sections: [(&str, &[u8]); 2] = [("index", &index), ("responses", &responses)];
    let mut section_lengths = Vec::new();
    cbor::array(&mut section_lengths, sections.len() * 2);
    for (name, body) in sections {
        cbor::text(&mut section_lengths, name);
        cbor::unsigned(&mut section_lengths, body.len() as u64);
    }
    let mut bundle = Vec::new();
    cbor::array(&mut bundle, 5);
    cbor::bytes(&mut bundle, &BUNDLE_MAGIC);
    cbor::bytes(&mut bundle, &BUNDLE_VERSION);
    cbor::bytes(&mut bundle, &section_lengths);
    cbor::array(&mut bundle, sections.len());
    for (_, body) in sections {
        bundle.extend_from_slice(body);
    }
    // The last item is the bundle's total length as an 8-byte big-endian byte string (1 + 8 bytes of CBOR).
    let total = bundle.len() + 9;
    cbor::bytes(&mut bundle, &(total as u64).to_be_bytes());
    bundle
}

fn integrity_block(web_bundle_id: &str, signatures: &[([u8; 32], [u8; 64])]) -> Vec<u8> {
    let mut block = Vec::new();
    cbor::array(&mut block, 4);
    cbor::bytes(&mut block, &INTEGRITY_MAGIC);
    cbor::bytes(&mut block, &INTEGRITY_VERSION);
    cbor::map(&mut block, 1);
    cbor::text(&mut block, "webBundleId");
    cbor::text(&mut block, web_bundle_id);
    cbor::array(&mut block, signatures.len());
    for (public_key, signature) in signatures {
        cbor::array(&mut block, 2);
        block.extend_from_slice(&signature_attributes(public_key));
        cbor::bytes(&mut block, signature);
    }
    block
}

fn signature_attributes(public_key: &[u8; 32]) -> Vec<u8> {
    let mut attributes = Vec::new();
    cbor::map(&mut attributes, 1);
    cbor::text(&mut attributes, "ed25519PublicKey");
    cbor::bytes(&mut attributes, public_key);
    attributes
}

/// The bytes a signature in the stack covers: each part preceded by its length as 8 bytes big-endian — the
/// SHA-512 of the Web Bundle, the integrity block with an empty signature stack, and the signature's attributes.
pub fn signed_payload(bundle: &[u8], web_bundle_id: &str, public_key: &[u8; 32]) -> Vec<u8> {
    let hash = Sha512::digest(bundle);
    let unsigned_block = integrity_block(web_bundle_id, &[]);
    let attributes = signature_attributes(public_key);
    let mut payload = Vec::new();
    for part in [hash.as_slice(), &unsigned_block, &attributes] {
        payload.extend_from_slice(&(part.len() as u64).to_be_bytes());
        payload.extend_from_slice(part);
    }
    payload
}

/// A Signed Web Bundle: the integrity block signed with `key`, followed by the bundle. Returns it with its ID.
pub fn sign_bundle(key: &SigningKey, resources: &[Resource]) -> (String, Vec<u8>) {
    let public_key = key.verifying_key().to_bytes();
    let id = web_bundle_id(&public_key);
    let bundle = web_bundle(&format!("isolated-app://{id}"), resources);
    let signature = key.sign(&signed_payload(&bundle, &id, &public_key)).to_bytes();
    let mut signed = integrity_block(&id, &[(public_key, signature)]);
    signed.extend_from_slice(&bundle);
    (id, signed)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// The files below `site` as bundle resources, sorted by path, leaving out what is demo-only (the virtual reader,
/// by the rule the production site shares: [`is_demo_only`]). The
/// start page is also served at `/`.
pub fn collect_resources(site: &Path) -> TaskResult<Vec<Resource>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<Resource>) -> TaskResult {
        let entries = std::fs::read_dir(dir).map_err(|e| TaskError(format!("read {}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| TaskError(format!("read {}: {e}", dir.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}/{name}");
            if is_demo_only(Path::new(&path)) {
                continue;
            }
            if entry.path().is_dir() {
                walk(&entry.path(), &path, out)?;
            } else {
                let body = std::fs::read(entry.path())
                    .map_err(|e| TaskError(format!("read {}: {e}", entry.path().display())))?;
                out.push(Resource { content_type: content_type(&path).to_owned(), path, body });
            }
        }
        Ok(())
    }
    let mut resources = Vec::new();
    walk(site, "", &mut resources)?;
    if let Some(index) = resources.iter().find(|r| r.path == "/index.html").cloned() {
        resources.push(Resource { path: "/".to_owned(), ..index });
    }
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(resources)
}

pub use onshi_proto::edge_url::EDGE_URL_META;

/// Checks an `--edge-url` with the kiosk's own rule ([`onshi_proto::edge_url::parse_edge_url`]: `https://host` or
/// `https://host:port`, at most a trailing slash, since a path would not be covered by the device proof). Answers
/// it without the slash.
pub fn check_edge_url(url: &str) -> TaskResult<String> {
    onshi_proto::edge_url::parse_edge_url(url)
        .ok_or_else(|| TaskError(format!("--edge-url must be https://host or https://host:port, not {url:?}")))
}

/// Bakes the edge's origin into the start page (served at `/index.html` and `/`) as a `<meta>` right after the
/// charset declaration. The origin has passed [`check_edge_url`], so it holds no character that needs escaping.
pub fn bake_edge_url(resources: &mut [Resource], edge_url: &str) -> TaskResult {
    let edge_url = check_edge_url(edge_url)?;
    let meta = format!("\n  <meta name=\"{EDGE_URL_META}\" content=\"{edge_url}\">");
    let mut baked = 0;
    for resource in resources.iter_mut().filter(|r| r.path == "/index.html" || r.path == "/") {
        let page =
            String::from_utf8(resource.body.clone()).map_err(|_| TaskError("index.html is not UTF-8".to_owned()))?;
        let anchor = "<meta charset=\"utf-8\">";
        let at = page.find(anchor).ok_or_else(|| TaskError("index.html has no <meta charset=\"utf-8\">".to_owned()))?;
        let at = at + anchor.len();
        resource.body = format!("{}{meta}{}", &page[..at], &page[at..]).into_bytes();
        baked += 1;
    }
    if baked == 0 {
        return Err(TaskError("the site has no index.html to carry the edge URL".to_owned()));
    }
    Ok(())
}

/// The value of `--edge-url <url>` (or `--edge-url=<url>`) among the arguments after `iwa`.
fn parse_seed(text: &str) -> TaskResult<[u8; 32]> {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut seed)
        .map_err(|_| TaskError("the IWA signing key must be 64 hex digits (an Ed25519 seed)".to_owned()))?;
    Ok(seed)
}

fn signing_key() -> TaskResult<SigningKey> {
    if let Ok(hex) = std::env::var("ONSHI_IWA_SIGNING_KEY") {
        return Ok(SigningKey::from_bytes(&parse_seed(&hex)?));
    }
    let path = target_dir().join("iwa-dev-key.hex");
    if let Ok(hex) = std::fs::read_to_string(&path) {
        return Ok(SigningKey::from_bytes(&parse_seed(&hex)?));
    }
    // A fresh development key from the operating system's randomness.
    let mut seed = [0u8; 32];
    {
        use std::io::Read as _;
        let mut source =
            std::fs::File::open("/dev/urandom").map_err(|e| TaskError(format!("open /dev/urandom: {e}")))?;
        source.read_exact(&mut seed).map_err(|e| TaskError(format!("read /dev/urandom: {e}")))?;
    }
    let hex = hex::encode(seed);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| TaskError(format!("create {}: {e}", parent.display())))?;
    }
    std::fs::write(&path, hex).map_err(|e| TaskError(format!("write {}: {e}", path.display())))?;
    eprintln!("xtask: generated a development IWA key in {}", path.display());
    Ok(SigningKey::from_bytes(&seed))
}

/// Builds `target/onshi-kiosk.swbn` from the built site and prints the app's `isolated-app://` origin. With
/// `--edge-url https://…` (read from the command line after `iwa`) the packaged kiosk calls that edge; without it,
/// it calls its own `isolated-app://` origin, which serves no API, so the bundle is for looking at only.
pub fn run(edge_url: Option<&str>) -> TaskResult<PathBuf> {
    let site = site_dir();
    if !site.join("pkg").exists() {
        return Err(TaskError(format!("{} has no built kiosk; run `cargo xtask build` first", site.display())));
    }
    let mut resources = collect_resources(&site)?;
    match &edge_url {
        Some(url) => {
            bake_edge_url(&mut resources, url)?;
            println!("xtask: the kiosk calls the edge at {}", check_edge_url(url)?);
        }
        None => eprintln!(
            "xtask: warning: no --edge-url; inside the Isolated Web App the kiosk cannot reach an edge \
             (use `cargo xtask iwa --edge-url https://edge.example.jp`)"
        ),
    }
    let (id, signed) = sign_bundle(&signing_key()?, &resources);
    // Chromium refuses an app it cannot install only when someone tries; the bundle is checked as it will be read.
    let bundle = crate::installable::read_signed_bundle(&signed).map_err(TaskError)?;
    let problems = crate::installable::installability_problems(&bundle);
    if !problems.is_empty() {
        return Err(TaskError(format!("Chromium would not install this bundle:\n  {}", problems.join("\n  "))));
    }
    let out = target_dir().join("onshi-kiosk.swbn");
    std::fs::write(&out, &signed).map_err(|e| TaskError(format!("write {}: {e}", out.display())))?;
    println!("xtask: signed web bundle {} ({} resources, {} bytes)", out.display(), resources.len(), signed.len());
    println!("xtask: Web Bundle ID {id}\nxtask: origin isolated-app://{id}/");
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    fn data_lines(source: &str) -> impl Iterator<Item = Vec<&str>> {
        source.lines().filter(|l| !l.starts_with('#')).map(|l| l.split('\t').collect())
    }

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn base32_matches_rfc4648() {
        for fields in data_lines(include_str!("../tests/data/rfc4648-base32.txt")) {
            assert_eq!(base32_lower(fields[0].as_bytes()), fields[1], "{fields:?}");
        }
    }

    #[test]
    fn cbor_writer_matches_rfc8949_appendix_a() {
        for fields in data_lines(include_str!("../tests/data/rfc8949-appendix-a.txt")) {
            let mut out = Vec::new();
            match fields[0] {
                "uint" => cbor::unsigned(&mut out, fields[1].parse().unwrap()),
                "bytes" => cbor::bytes(&mut out, &unhex(fields[1])),
                "text" => cbor::text(&mut out, fields[1]),
                other => panic!("unknown kind {other}"),
            }
            assert_eq!(out, unhex(fields[2]), "{fields:?}");
        }
    }

    fn rfc8032_key() -> (SigningKey, Vec<u8>, Vec<u8>) {
        let lines: Vec<Vec<&str>> = data_lines(include_str!("../tests/data/rfc8032-ed25519-test1.txt")).collect();
        let seed: [u8; 32] = unhex(lines[0][1]).try_into().unwrap();
        (SigningKey::from_bytes(&seed), unhex(lines[1][1]), unhex(lines[2][1]))
    }

    #[test]
    fn the_key_and_the_bundle_id_follow_rfc8032_and_the_id_format() {
        let (key, public, signature) = rfc8032_key();
        assert_eq!(key.verifying_key().to_bytes().to_vec(), public);
        assert_eq!(key.sign(b"").to_bytes().to_vec(), signature);
        let id = web_bundle_id(&key.verifying_key().to_bytes());
        // 35 bytes of key and type suffix make 56 base32 characters; the suffix 00 01 02 shows as a final "aic".
        assert_eq!(id.len(), 56);
        assert_eq!(id, base32_lower(&[public.as_slice(), &ED25519_ID_SUFFIX].concat()));
        assert!(id.ends_with("aic"), "{id}");
    }

    #[test]
    fn a_signed_bundle_verifies_and_its_index_points_at_its_responses() {
        let (key, _, _) = rfc8032_key();
        let resources = vec![
            Resource { path: "/".into(), content_type: "text/html".into(), body: b"<!doctype html>".to_vec() },
            Resource { path: "/a.js".into(), content_type: "text/javascript".into(), body: vec![b'x'; 300] },
        ];
        let (id, signed) = sign_bundle(&key, &resources);
        let block_len = integrity_block(&id, &[([0; 32], [0; 64])]).len();
        let (block, bundle) = signed.split_at(block_len);
        assert!(block.starts_with(&[0x84, 0x48]) && block[2..10] == INTEGRITY_MAGIC);
        // The last 64 bytes of the block are the signature over the payload.
        let signature = Signature::from_slice(&block[block.len() - 64..]).unwrap();
        let public = VerifyingKey::from_bytes(&key.verifying_key().to_bytes()).unwrap();
        public.verify(&signed_payload(bundle, &id, &public.to_bytes()), &signature).unwrap();
        // Changing one byte of the bundle breaks the signature.
        let mut tampered = bundle.to_vec();
        tampered[20] ^= 1;
        assert!(public.verify(&signed_payload(&tampered, &id, &public.to_bytes()), &signature).is_err());
        // The bundle ends with its own length, and the responses section comes just before it.
        let total = u64::from_be_bytes(bundle[bundle.len() - 8..].try_into().unwrap());
        assert_eq!(total as usize, bundle.len());
        let (responses, locations) = responses_section(&resources);
        let end = bundle.len() - 9;
        assert_eq!(&bundle[end - responses.len()..end], responses.as_slice());
        for (resource, (offset, len)) in resources.iter().zip(locations) {
            let response = &responses[offset..offset + len];
            assert_eq!(response[0], 0x82, "each response is a two-item array");
            assert!(response.ends_with(&resource.body));
        }
        assert!(String::from_utf8_lossy(bundle).contains(&format!("isolated-app://{id}/a.js")));
    }

    #[test]
    fn the_edge_url_is_baked_into_the_start_page_of_the_signed_bundle() {
        let page = b"<!doctype html>\n<html lang=\"ja\">\n<head>\n  <meta charset=\"utf-8\">\n</head>\n</html>\n";
        let mut resources = vec![
            Resource { path: "/".into(), content_type: "text/html".into(), body: page.to_vec() },
            Resource { path: "/boot.js".into(), content_type: "text/javascript".into(), body: b"x".to_vec() },
            Resource { path: "/index.html".into(), content_type: "text/html".into(), body: page.to_vec() },
        ];
        bake_edge_url(&mut resources, "https://edge.example.jp/").unwrap();
        let meta = "<meta name=\"onshi-edge-url\" content=\"https://edge.example.jp\">";
        for resource in [&resources[0], &resources[2]] {
            let text = String::from_utf8(resource.body.clone()).unwrap();
            assert_eq!(text.matches(meta).count(), 1, "{}: {text}", resource.path);
            assert!(text.find(meta).unwrap() > text.find("<meta charset").unwrap(), "after the charset");
        }
        assert_eq!(resources[1].body, b"x");
        // The signed bundle carries the baked page.
        let (_, signed) = sign_bundle(&rfc8032_key().0, &resources);
        assert!(signed.windows(meta.len()).any(|w| w == meta.as_bytes()));
    }

    #[test]
    fn only_a_bare_https_origin_is_accepted_as_the_edge_url() {
        assert_eq!(check_edge_url("https://edge.example.jp:8443").unwrap(), "https://edge.example.jp:8443");
        for bad in ["http://edge.example.jp", "https://edge.example.jp/api", "https://a@b", "https://x\"y", "https://"]
        {
            assert!(check_edge_url(bad).is_err(), "{bad}");
        }
        let mut no_page = vec![Resource { path: "/a.js".into(), content_type: "text/javascript".into(), body: vec![] }];
        assert!(bake_edge_url(&mut no_page, "https://edge.example.jp").is_err());
    }

    #[test]
    fn a_bad_key_is_refused_with_a_clear_error() {
        assert!(parse_seed("abc").is_err());
        assert!(parse_seed(&"g".repeat(64)).is_err());
        assert_eq!(parse_seed(&"01".repeat(32)).unwrap(), [1; 32]);
    }
}

/// The bundles this module builds pass the installability checks Chromium makes.
#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod installability_tests {
    use super::{Resource, collect_resources, sign_bundle};
    use std::collections::BTreeMap;

    use crate::installable::*;
    use ed25519_dalek::SigningKey;
    use serde_json::{Value, json};

    fn www() -> std::path::PathBuf {
        crate::project_root().join("www")
    }

    /// The kiosk's files as `cargo xtask iwa` packs them (from `www/`, which holds the manifest and the icons; the
    /// built wasm adds nothing these rules look at), changed by `edit`, signed and read back.
    fn signed_www(edit: impl FnOnce(&mut Vec<Resource>)) -> ReadBundle {
        let mut resources = collect_resources(&www()).unwrap();
        edit(&mut resources);
        let (_, signed) = sign_bundle(&SigningKey::from_bytes(&[7; 32]), &resources);
        read_signed_bundle(&signed).unwrap()
    }

    fn problems_with_manifest(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        installability_problems(&signed_www(|resources| {
            let manifest = resources.iter_mut().find(|r| r.path == "/.well-known/manifest.webmanifest").unwrap();
            let mut json: Value = serde_json::from_slice(&manifest.body).unwrap();
            edit(&mut json);
            manifest.body = serde_json::to_vec(&json).unwrap();
        }))
    }

    #[test]
    fn the_bundle_leaves_out_the_virtual_reader_that_www_holds() {
        assert!(www().join("virtual-reader/fake-usb.js").is_file(), "www/ holds the virtual reader this test expects");
        let paths: Vec<String> = collect_resources(&www()).unwrap().into_iter().map(|r| r.path).collect();
        assert!(paths.contains(&"/index.html".to_owned()), "{paths:?}");
        assert!(paths.iter().all(|path| !path.contains("virtual-reader")), "{paths:?}");
    }

    #[test]
    fn the_kiosk_bundle_signed_from_www_reads_back_and_is_installable() {
        let resources = collect_resources(&www()).unwrap();
        let (id, signed) = sign_bundle(&SigningKey::from_bytes(&[7; 32]), &resources);
        let bundle = read_signed_bundle(&signed).unwrap();
        assert_eq!(bundle.web_bundle_id, id);
        assert_eq!(bundle.responses.len(), resources.len());
        for resource in &resources {
            let read = &bundle.responses[&format!("isolated-app://{id}{}", resource.path)];
            assert_eq!((&read.content_type, &read.body), (&resource.content_type, &resource.body), "{}", resource.path);
        }
        assert_eq!(installability_problems(&bundle), Vec::<String>::new());
        let icon = &bundle.responses[&format!("isolated-app://{id}/icons/kiosk-512.png")];
        assert_eq!(decoded_size("image/png", &icon.body).unwrap(), (512, 512));
    }

    #[test]
    fn each_rule_refuses_a_bundle_that_breaks_it() {
        let icon = |only: Value| move |m: &mut Value| m["icons"] = json!([only]);
        let without = |name: &'static str| move |m: &mut Value| drop(m.as_object_mut().unwrap().remove(name));
        type Edit = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("no icon of purpose any", Box::new(without("icons"))),
            ("Manifest `id` must be \"/\"", Box::new(|m: &mut Value| m["id"] = json!("/kiosk"))),
            ("Scope should resolve to the origin", Box::new(|m: &mut Value| m["scope"] = json!("/app/"))),
            ("Failed to parse `version`", Box::new(|m: &mut Value| m["version"] = json!("10abc"))),
            ("`version` is not present", Box::new(without("version"))),
            (
                "either 'name' or 'short_name'",
                Box::new(|m: &mut Value| {
                    m["name"] = json!(" ");
                    m.as_object_mut().unwrap().remove("short_name");
                }),
            ),
            ("display Some(\"browser\")", Box::new(|m: &mut Value| m["display"] = json!("browser"))),
            ("display Some(\"browser\")", Box::new(|m: &mut Value| m["display_override"] = json!(["browser"]))),
            (
                "start_url /nowhere.html is not served",
                Box::new(|m: &mut Value| m["start_url"] = json!("/nowhere.html")),
            ),
            ("grant usb", Box::new(|m: &mut Value| m["permissions_policy"] = json!({"usb": []}))),
            ("no icon of purpose any", Box::new(icon(json!({"src": "/icons/kiosk-192.png", "sizes": "96x96"})))),
            ("not its declared", Box::new(icon(json!({"src": "/icons/kiosk-192.png", "sizes": "512x512"})))),
            (
                "icon /icons/gone.png is not served",
                Box::new(icon(json!({"src": "/icons/gone.png", "sizes": "512x512"}))),
            ),
            (
                "type is not PNG, SVG or WebP",
                Box::new(icon(json!({"src": "/icons/kiosk.svg", "sizes": "any", "type": "image/gif"}))),
            ),
            (
                "no icon of purpose any",
                Box::new(icon(json!({"src": "/icons/kiosk.svg", "sizes": "any", "purpose": "maskable"}))),
            ),
            (
                "served as \"image/png\", declared image/svg+xml",
                Box::new(icon(json!({"src": "/icons/kiosk-512.png", "sizes": "512x512", "type": "image/svg+xml"}))),
            ),
        ];
        for (expected, edit) in cases {
            let problems = problems_with_manifest(edit);
            assert!(problems.iter().any(|p| p.contains(expected)), "expected {expected:?} among {problems:?}");
        }
        // An icon the manifest names but that does not decode fails the installation, as does a missing manifest.
        let broken = installability_problems(&signed_www(|resources| {
            let icon = resources.iter_mut().find(|r| r.path == "/icons/kiosk-512.png").unwrap();
            icon.body.truncate(100);
        }));
        assert!(broken.iter().any(|p| p.contains("/icons/kiosk-512.png does not decode")), "{broken:?}");
        let no_manifest = signed_www(|resources| resources.retain(|r| !r.path.starts_with("/.well-known/")));
        assert_eq!(installability_problems(&no_manifest), ["the bundle has no /.well-known/manifest.webmanifest"]);
    }

    #[test]
    fn versions_parse_as_chromium_parses_them() {
        for good in ["0.1.0", "1", "10.0.2", "1.02", "4294967295"] {
            assert!(is_chromium_version(good), "{good}");
        }
        for bad in ["", "10abc", "1..2", "01.2", "+1", "1.+2", "1.0.0-beta", "4294967296", " 1"] {
            assert!(!is_chromium_version(bad), "{bad}");
        }
    }

    #[test]
    fn the_kiosk_and_the_staff_console_are_installable_web_apps_on_the_plain_site() {
        let served: BTreeMap<String, BundledResponse> = collect_resources(&www())
            .unwrap()
            .into_iter()
            .map(|r| (r.path, BundledResponse { content_type: r.content_type, body: r.body }))
            .collect();
        // The edge serves `/staff` from staff.html, as `/` from index.html.
        let resource = |path: &str| served.get(path).or_else(|| served.get(&format!("{path}.html")));
        for (page, manifest) in [("/index.html", "/manifest.webmanifest"), ("/staff.html", "/staff.webmanifest")] {
            let link = format!("<link rel=\"manifest\" href=\"{manifest}\">");
            assert!(String::from_utf8_lossy(&served[page].body).contains(&link), "{page} links {manifest}");
            let json: Value = serde_json::from_slice(&served[manifest].body).unwrap();
            assert_eq!(web_app_problems(&json, &resource), Vec::<String>::new(), "{manifest}");
        }
    }
}
