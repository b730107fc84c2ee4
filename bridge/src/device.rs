//! The bridge as an enrolled device of the edge: its ECDSA P-256 key, its enrolment record, and the device proof
//! that goes with every call (the same proof the kiosk makes, [`onshi_proto::api::device_proof_message`]).
//!
//! `<state>/device-key.der` holds the key as PKCS#8 DER (mode 0600 on Unix); `<state>/device.json` says which
//! device it is, of which facility, at which edge. The key is wiped from memory on drop and never printed. The
//! proof itself is pure (time and nonce passed in); making a key or a nonce reads the system's random source, and
//! loading and saving touch the state folder.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onshi_proto::api::{
    DEVICE_ID_HEADER, DEVICE_NONCE_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIME_HEADER, device_proof_message,
};
use onshi_proto::facility::FacilityCode;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{BridgeError, Context};
use crate::files;

/// The key file's name in the state folder.
pub const KEY_FILE: &str = "device-key.der";
/// The enrolment record's name in the state folder.
pub const DEVICE_FILE: &str = "device.json";

/// The device's private key: the P-256 scalar, wiped on drop, shown by `Debug` as `<redacted>`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DeviceKey {
    scalar: [u8; 32],
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey(<redacted>)")
    }
}

fn key_error(what: &str) -> impl FnOnce(p256::ecdsa::Error) -> BridgeError + '_ {
    move |_| BridgeError::Key(what.to_owned())
}

impl DeviceKey {
    /// A new key from the system's random source.
    pub fn generate() -> Result<Self, BridgeError> {
        loop {
            let mut scalar = Zeroizing::new([0u8; 32]);
            getrandom::fill(scalar.as_mut()).map_err(|e| BridgeError::Key(format!("no random source: {e}")))?;
            // A random 256-bit string is a valid scalar except with probability about 2^-32.
            if SigningKey::from_slice(scalar.as_ref()).is_ok() {
                return Ok(Self { scalar: *scalar });
            }
        }
    }

    fn signing_key(&self) -> Result<SigningKey, BridgeError> {
        SigningKey::from_slice(&self.scalar).map_err(key_error("the device key is not usable"))
    }

    /// Reads a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, BridgeError> {
        let key = SigningKey::from_pkcs8_der(der).map_err(|_| BridgeError::Key("not a P-256 PKCS#8 key".into()))?;
        let bytes = Zeroizing::new(key.to_bytes());
        let mut scalar = [0u8; 32];
        scalar.copy_from_slice(bytes.as_slice());
        Ok(Self { scalar })
    }

    /// The key as PKCS#8 DER (wiped when dropped).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, BridgeError> {
        let document = self
            .signing_key()?
            .to_pkcs8_der()
            .map_err(|_| BridgeError::Key("the device key cannot be encoded".into()))?;
        Ok(Zeroizing::new(document.as_bytes().to_vec()))
    }

    /// The public key as SubjectPublicKeyInfo DER, as enrolment sends it.
    pub fn public_key_spki(&self) -> Result<Vec<u8>, BridgeError> {
        let public = *self.signing_key()?.verifying_key();
        let document =
            public.to_public_key_der().map_err(|_| BridgeError::Key("the public key cannot be encoded".into()))?;
        Ok(document.as_bytes().to_vec())
    }

    /// ECDSA P-256 / SHA-256 over `message`, IEEE P1363 `r || s` (64 bytes), as WebCrypto signs.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; 64], BridgeError> {
        let signature: Signature = self.signing_key()?.try_sign(message).map_err(key_error("signing failed"))?;
        let mut bytes = [0u8; 64];
        bytes.copy_from_slice(&signature.to_bytes());
        Ok(bytes)
    }
}

/// What the edge said at enrolment, kept in `<state>/device.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// The device id, sent with every proof.
    pub device_id: String,
    /// The facility the device belongs to.
    pub facility_code: FacilityCode,
    /// The edge's origin (`https://host[:port]`, or `http://` on a loopback host).
    pub edge: String,
}

/// An enrolled device: its record and its key.
#[derive(Debug)]
pub struct Enrolled {
    /// The record.
    pub device: Device,
    /// The key.
    pub key: DeviceKey,
}

/// The device proof headers for one request (`method` and `path` exactly as sent, `body` the exact bytes), at
/// `unix_secs` with `nonce` ([`new_nonce`]). Pure.
pub fn proof_headers(
    enrolled: &Enrolled,
    method: &str,
    path: &str,
    body: &[u8],
    unix_secs: i64,
    nonce: &str,
) -> Result<Vec<(&'static str, String)>, BridgeError> {
    let timestamp = unix_secs.to_string();
    let signature = enrolled.key.sign(&device_proof_message(method, path, &timestamp, nonce, body))?;
    Ok(vec![
        (DEVICE_ID_HEADER, enrolled.device.device_id.clone()),
        (DEVICE_TIME_HEADER, timestamp),
        (DEVICE_NONCE_HEADER, nonce.to_owned()),
        (DEVICE_SIGNATURE_HEADER, URL_SAFE_NO_PAD.encode(signature)),
    ])
}

/// A fresh proof nonce: 16 random bytes, base64url (22 characters), as the kiosk makes it.
pub fn new_nonce() -> Result<String, BridgeError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| BridgeError::Key(format!("no random source: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The edge's origin from `--edge`: `https://host[:port]` as the kiosk accepts it
/// ([`onshi_proto::edge_url::parse_edge_url`]), or `http://` for a loopback host (`localhost`, `127.x.x.x`), the
/// same exception the edge makes for its origin. Answered without a trailing slash.
pub fn edge_origin(url: &str) -> Option<String> {
    if let Some(origin) = onshi_proto::edge_url::parse_edge_url(url) {
        return Some(origin);
    }
    let rest = url.trim().strip_prefix("http://")?;
    let origin = onshi_proto::edge_url::parse_edge_url(&format!("https://{rest}"))?;
    let authority = origin.strip_prefix("https://")?;
    let host = authority.rsplit_once(':').map_or(authority, |(host, _)| host);
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback());
    loopback.then(|| format!("http://{authority}"))
}

/// Writes the key file: a temporary file created with mode 0600 on Unix (plain on Windows, where the state folder's
/// ACL protects it), synced, then renamed into place.
pub fn save_key(state: &Path, key: &DeviceKey) -> Result<(), BridgeError> {
    use std::io::Write as _;
    let der = key.to_pkcs8_der()?;
    let temporary = state.join(format!(".{KEY_FILE}.part"));
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).context(|| format!("create {}", temporary.display()))?;
    file.write_all(&der).context(|| format!("write {}", temporary.display()))?;
    file.sync_all().context(|| format!("sync {}", temporary.display()))?;
    drop(file);
    let target = state.join(KEY_FILE);
    std::fs::rename(&temporary, &target).context(|| format!("rename into {}", target.display()))?;
    files::sync_dir(state);
    Ok(())
}

/// Writes `<state>/device.json`, atomically.
pub fn save_device(state: &Path, device: &Device) -> Result<(), BridgeError> {
    let json = serde_json::to_vec_pretty(device).map_err(|e| BridgeError::Key(format!("device record: {e}")))?;
    files::write_atomic(state, DEVICE_FILE, &json)
}

/// The enrolled device under `state`, or `None` when it has not enrolled (no `device.json`).
pub fn load(state: &Path) -> Result<Option<Enrolled>, BridgeError> {
    let record_path = state.join(DEVICE_FILE);
    let record = match std::fs::read(&record_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(BridgeError::Io { what: format!("read {}", record_path.display()), source: e }),
    };
    let device: Device = serde_json::from_slice(&record)
        .map_err(|e| BridgeError::Key(format!("{} is not a device record: {e}", record_path.display())))?;
    if edge_origin(&device.edge).as_deref() != Some(device.edge.as_str()) {
        return Err(BridgeError::Key(format!("{} names an edge that is not allowed", record_path.display())));
    }
    let key_path = state.join(KEY_FILE);
    let der = Zeroizing::new(std::fs::read(&key_path).context(|| format!("read {}", key_path.display()))?);
    let key = DeviceKey::from_pkcs8_der(&der)?;
    Ok(Some(Enrolled { device, key }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier as _;
    use p256::pkcs8::DecodePublicKey as _;

    use super::*;

    #[test]
    fn the_key_is_redacted_in_debug_and_wiped_by_zeroize() {
        let mut key = DeviceKey::generate().unwrap();
        let der = key.to_pkcs8_der().unwrap();
        assert_eq!(format!("{key:?}"), "DeviceKey(<redacted>)");
        let enrolled = Enrolled {
            device: Device {
                device_id: "d".into(),
                facility_code: FacilityCode::parse("0110113719").unwrap(),
                edge: "https://edge.example.jp".into(),
            },
            key: DeviceKey::from_pkcs8_der(&der).unwrap(),
        };
        assert!(format!("{enrolled:?}").contains("DeviceKey(<redacted>)"));
        assert_ne!(key.scalar, [0; 32]);
        key.zeroize();
        assert_eq!(key.scalar, [0; 32]);
        assert!(key.sign(b"m").is_err(), "a wiped key signs nothing");
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<DeviceKey>();
    }

    #[test]
    fn a_proof_verifies_with_the_enrolled_public_key_as_the_edge_checks_it() {
        let key = DeviceKey::generate().unwrap();
        let public = VerifyingKey::from_public_key_der(&key.public_key_spki().unwrap()).unwrap();
        let enrolled = Enrolled {
            device: Device {
                device_id: "0110113719.abc".into(),
                facility_code: FacilityCode::parse("0110113719").unwrap(),
                edge: "https://edge.example.jp".into(),
            },
            key,
        };
        let nonce = new_nonce().unwrap();
        assert!(onshi_proto::api::is_device_proof_nonce(&nonce));
        let headers = proof_headers(&enrolled, "POST", "/api/v1/x", b"{}", 1_800_000_000, &nonce).unwrap();
        let header = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(header(DEVICE_ID_HEADER), "0110113719.abc");
        assert_eq!(header(DEVICE_TIME_HEADER), "1800000000");
        let signature = URL_SAFE_NO_PAD.decode(header(DEVICE_SIGNATURE_HEADER)).unwrap();
        assert_eq!(signature.len(), 64);
        let signature = Signature::from_slice(&signature).unwrap();
        let message = device_proof_message("POST", "/api/v1/x", "1800000000", &nonce, b"{}");
        assert!(public.verify(&message, &signature).is_ok());
        let other = device_proof_message("POST", "/api/v1/y", "1800000000", &nonce, b"{}");
        assert!(public.verify(&other, &signature).is_err());
    }

    #[test]
    fn the_edge_is_https_unless_it_is_on_this_machine() {
        assert_eq!(edge_origin("https://edge.example.jp/").as_deref(), Some("https://edge.example.jp"));
        assert_eq!(edge_origin("http://127.0.0.1:8787").as_deref(), Some("http://127.0.0.1:8787"));
        assert_eq!(edge_origin("http://localhost:8787/").as_deref(), Some("http://localhost:8787"));
        for bad in ["http://edge.example.jp", "http://10.0.0.1:80", "https://edge.example.jp/api", "ftp://x", ""] {
            assert_eq!(edge_origin(bad), None, "{bad}");
        }
    }
}
