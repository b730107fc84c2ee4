//! What only the demo and the tests may carry, written once: the site's demo-only folders (the virtual reader, whose
//! wasm carries the virtual cards' private keys) and the committed test private keys themselves. The Isolated Web App
//! packager ([`crate::iwa`]) and the production site ([`crate::production`]) both leave out exactly what
//! [`is_demo_only`] names, and [`find_test_keys`] looks for a trace of any committed test key in what they ship.
//!
//! Must not: decide anything about the demo site itself, which carries the virtual reader on purpose.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;

use crate::{TaskError, TaskResult, project_root};

/// Top-level folders of the site that only the demo and the tests serve. `virtual-reader/` holds the fake WebUSB
/// reader, its demo controls and the virtual card's wasm (`virtual-reader/pkg`, built from `onshi-vcard-wasm`). The
/// kiosk offers its demo button only when `/virtual-reader/fake-usb.js` answers, so a site without the folder shows
/// none.
const DEMO_ONLY_DIRS: [&str; 1] = ["virtual-reader"];

/// Whether `site_path` (a path below the site's root, with or without a leading `/`) is demo-only: it lies in one of
/// the demo-only folders, or is one.
pub fn is_demo_only(site_path: &Path) -> bool {
    let first = site_path.components().find(|component| !matches!(component, Component::RootDir | Component::CurDir));
    matches!(first, Some(Component::Normal(name)) if DEMO_ONLY_DIRS.iter().any(|dir| name == *dir))
}

/// Where the committed test PKI lives: the virtual cards', their CAs' and the card-face issuer's keys.
pub fn test_pki_dir() -> PathBuf {
    project_root().join("shared/vcard/data/test-pki")
}

/// One committed test private key (PKCS#8 DER).
#[derive(Clone, Debug)]
pub struct TestKey {
    /// Its file name in the test PKI.
    pub name: String,
    /// Its bytes.
    pub der: Vec<u8>,
}

/// Every committed test private key: each `*.pk8` of `dir`, sorted by name.
pub fn committed_test_keys(dir: &Path) -> TaskResult<Vec<TestKey>> {
    let read_error = |e: std::io::Error| TaskError(format!("read {}: {e}", dir.display()));
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|extension| extension == "pk8") {
            let der = std::fs::read(&path).map_err(|e| TaskError(format!("read {}: {e}", path.display())))?;
            let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
            keys.push(TestKey { name, der });
        }
    }
    keys.sort_by(|a, b| a.name.cmp(&b.name));
    if keys.is_empty() {
        return Err(TaskError(format!("no test private keys (*.pk8) in {}", dir.display())));
    }
    Ok(keys)
}

/// How many bytes of a key make one raw trace.
const RAW_TRACE_LEN: usize = 32;
/// How many characters of a base64 line make one encoded trace (a PEM line holds 64).
const BASE64_TRACE_LEN: usize = 40;
/// Bytes of the key looked up at once before a whole trace is compared.
const PREFIX_LEN: usize = 8;

/// Byte strings whose presence in a file means a test key is in it: 32-byte pieces of the key's secret half, as raw
/// bytes (an `include_bytes!` in a wasm module) and as base64 (a PEM or a base64 string in a script). Only the
/// second half of a PKCS#8 RSA key is used: the first holds the modulus, which the public certificates share.
fn traces(key: &TestKey) -> Vec<Vec<u8>> {
    let secret_half = key.der.len() / 2;
    let raw = key.der.get(secret_half..).unwrap_or_default().chunks_exact(RAW_TRACE_LEN).map(<[u8]>::to_vec);
    // Base64 of the whole file, cut where a PEM breaks its lines, so that both a PEM and one long base64 string
    // carry each piece.
    let encoded = base64::engine::general_purpose::STANDARD.encode(&key.der);
    let encoded_half = encoded.len() / 2;
    let lines = encoded.as_bytes().chunks(64).enumerate().filter(move |(index, _)| index * 64 >= encoded_half);
    let base64 = lines.filter_map(|(_, line)| line.get(..BASE64_TRACE_LEN)).map(<[u8]>::to_vec);
    raw.chain(base64).collect()
}

/// A test key found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The file, relative to the directory searched.
    pub file: PathBuf,
    /// The key's file name in the test PKI.
    pub key: String,
}

/// Every file below `dir` that holds a trace of one of `keys`, each named once per key, sorted.
pub fn find_test_keys(dir: &Path, keys: &[TestKey]) -> TaskResult<Vec<Finding>> {
    // Traces are looked up by their first bytes, so each file is read once whatever the number of keys.
    let mut by_prefix: HashMap<[u8; PREFIX_LEN], Vec<(&str, Vec<u8>)>> = HashMap::new();
    for key in keys {
        for trace in traces(key) {
            if let Some(prefix) = trace.first_chunk::<PREFIX_LEN>() {
                by_prefix.entry(*prefix).or_default().push((&key.name, trace));
            }
        }
    }
    let mut findings = Vec::new();
    for file in crate::build::files_below(dir)? {
        let path = dir.join(&file);
        let bytes = std::fs::read(&path).map_err(|e| TaskError(format!("read {}: {e}", path.display())))?;
        let mut found: Vec<&str> = Vec::new();
        for (at, window) in bytes.windows(PREFIX_LEN).enumerate() {
            let Some(candidates) = window.first_chunk::<PREFIX_LEN>().and_then(|prefix| by_prefix.get(prefix)) else {
                continue;
            };
            for (key, trace) in candidates {
                if bytes.get(at..at + trace.len()) == Some(trace.as_slice()) && !found.contains(key) {
                    found.push(key);
                }
            }
        }
        found.sort_unstable();
        findings.extend(found.into_iter().map(|key| Finding { file: file.clone(), key: key.to_owned() }));
    }
    Ok(findings)
}

/// Fails, naming each file and key, when anything below `dir` carries a trace of a committed test key.
pub fn refuse_test_keys(dir: &Path) -> TaskResult {
    let findings = find_test_keys(dir, &committed_test_keys(&test_pki_dir())?)?;
    if findings.is_empty() {
        return Ok(());
    }
    let named: Vec<String> =
        findings.iter().map(|finding| format!("{} (test key {})", finding.file.display(), finding.key)).collect();
    Err(TaskError(format!("{} carries committed test key material: {}", dir.display(), named.join(", "))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_reader_and_all_below_it_is_demo_only_and_nothing_else_is() {
        for demo_only in
            ["virtual-reader", "/virtual-reader", "virtual-reader/fake-usb.js", "/virtual-reader/pkg/x.wasm"]
        {
            assert!(is_demo_only(Path::new(demo_only)), "{demo_only}");
        }
        for shipped in [
            "index.html",
            "/pkg/onshi_kiosk_bg.wasm",
            "virtual-reader.html",
            "virtual-readers/x.js",
            "pkg/virtual-reader/x.js",
            "locales/kiosk/ja.json",
        ] {
            assert!(!is_demo_only(Path::new(shipped)), "{shipped}");
        }
    }

    #[test]
    fn every_private_key_the_virtual_card_compiles_in_is_a_committed_test_key() {
        // The keys the vcard crate embeds with include_bytes! are the ones the production site must never carry; a
        // key added anywhere else in the crate would escape the search, so this reads the sources.
        let keys: Vec<String> = committed_test_keys(&test_pki_dir()).unwrap().into_iter().map(|key| key.name).collect();
        let sources = project_root().join("shared/vcard/src");
        let mut included = 0;
        for file in crate::build::files_below(&sources).unwrap() {
            let text = std::fs::read_to_string(sources.join(&file)).unwrap();
            for piece in text.split("include_bytes!(\"").skip(1) {
                let path = piece.split('"').next().unwrap();
                if path.ends_with(".pk8") {
                    let name = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
                    assert!(
                        path.contains("data/test-pki/") && keys.contains(&name),
                        "{} includes {path}",
                        file.display()
                    );
                    included += 1;
                }
            }
        }
        assert!(included >= 5, "the five demo cards' keys at least are included, found {included}");
    }

    #[test]
    fn a_test_key_is_found_raw_or_as_pem_and_a_look_alike_is_not() {
        let keys = committed_test_keys(&test_pki_dir()).unwrap();
        let card = keys.iter().find(|key| key.name == "card-00.key.pk8").unwrap();
        let dir = std::env::temp_dir().join(format!("onshi-test-material-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        // Raw, inside other bytes, as include_bytes! leaves it in a wasm module.
        let mut module = b"\0asm-some-code".to_vec();
        module.extend_from_slice(&card.der);
        module.extend_from_slice(b"more-code");
        std::fs::write(dir.join("pkg/module.wasm"), &module).unwrap();
        // As a PEM in a script.
        let encoded = base64::engine::general_purpose::STANDARD.encode(&card.der);
        let lines: Vec<&str> = encoded.as_bytes().chunks(64).map(|line| std::str::from_utf8(line).unwrap()).collect();
        let pem =
            format!("const key = `-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----`;", lines.join("\n"));
        std::fs::write(dir.join("key.js"), pem).unwrap();
        // Its public half only (the modulus, which certificates share) and a key with one byte changed everywhere are
        // not the key.
        std::fs::write(dir.join("public-half.bin"), card.der.get(..card.der.len() / 2).unwrap()).unwrap();
        let changed: Vec<u8> = card.der.iter().map(|byte| byte ^ 0x5a).collect();
        std::fs::write(dir.join("changed.bin"), changed).unwrap();
        let findings = find_test_keys(&dir, &keys).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let expected = ["key.js", "pkg/module.wasm"]
            .map(|file| Finding { file: PathBuf::from(file), key: "card-00.key.pk8".to_owned() });
        assert_eq!(findings, expected);
    }
}
