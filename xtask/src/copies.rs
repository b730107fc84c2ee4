//! Test data that two crates need has one source. Where a copy must exist (the workerd tests read files from
//! their own folder, and the JPKI vectors belong to both the card stack and the edge's verifier), this module lists
//! each copy beside its source and `cargo xtask tidy` fails when they differ, so a regenerated source can never
//! leave a stale copy behind.

use std::path::Path;

use base64::Engine as _;

/// Each copy and the one file it must equal byte for byte, relative to the repository root.
pub const COPIES: &[(&str, &str)] = &[
    ("edge/test/fixtures/demo-cards.json", "shared/vcard/data/demo-cards.json"),
    ("edge/test/fixtures/test-pki/auth-ca.der", "shared/vcard/data/test-pki/auth-ca.der"),
    ("edge/test/fixtures/test-pki/auth-ca.pk8", "shared/vcard/data/test-pki/auth-ca.pk8"),
    ("edge/test/fixtures/test-pki/card-00.cert.der", "shared/vcard/data/test-pki/card-00.cert.der"),
    ("edge/test/fixtures/test-pki/card-00.key.pk8", "shared/vcard/data/test-pki/card-00.key.pk8"),
    ("edge/test/fixtures/test-pki/card-01.cert.der", "shared/vcard/data/test-pki/card-01.cert.der"),
    ("edge/test/fixtures/test-pki/card-01.key.pk8", "shared/vcard/data/test-pki/card-01.key.pk8"),
    ("edge/test/fixtures/test-pki/card-02.cert.der", "shared/vcard/data/test-pki/card-02.cert.der"),
    ("edge/test/fixtures/test-pki/card-02.key.pk8", "shared/vcard/data/test-pki/card-02.key.pk8"),
    ("edge/test/fixtures/test-pki/surface-issuer.pk8", "shared/vcard/data/test-pki/surface-issuer.pk8"),
    ("edge/test/fixtures/test-pki/surface-issuer.spki.der", "shared/vcard/data/test-pki/surface-issuer.spki.der"),
    ("edge/test/fixtures/test-pki/card-00.surface.key.pk8", "shared/vcard/data/test-pki/card-00.surface.key.pk8"),
    ("edge/test/fixtures/test-pki/card-01.surface.key.pk8", "shared/vcard/data/test-pki/card-01.surface.key.pk8"),
    ("edge/tests/data/my-number-myna-test-vector/auth-cert-myna.cer", "shared/card/tests/data/auth-cert-myna.cer"),
    (
        "edge/tests/data/my-number-myna-test-vector/auth-message1-sha256rsapkcs.sig",
        "shared/card/tests/data/auth-message1-sha256rsapkcs.sig",
    ),
    ("edge/tests/data/my-number-myna-test-vector/message1.txt", "shared/card/tests/data/message1.txt"),
    (
        "origin/tests/data/insurer-numbers-reference-notes-s2.1.json",
        "shared/proto/tests/data/insurer-numbers-reference-notes-s2.1.json",
    ),
];

/// PEM files that must hold exactly the certificate of a DER source.
pub const PEM_COPIES: &[(&str, &str)] =
    &[("edge/test/fixtures/test-pki/auth-ca.pem", "shared/vcard/data/test-pki/auth-ca.der")];

/// The DER bytes inside a single-block PEM text, or `None` when it is not one.
fn pem_body(text: &str) -> Option<Vec<u8>> {
    let inside: String = text
        .lines()
        .map(str::trim)
        .skip_while(|line| !line.starts_with("-----BEGIN "))
        .skip(1)
        .take_while(|line| !line.starts_with("-----END "))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(inside).ok()
}

/// Every copy under `root` that is missing or differs from its source, as sentences.
pub fn stale_copies(root: &Path) -> Vec<String> {
    let read = |path: &str| std::fs::read(root.join(path)).map_err(|e| format!("{path}: {e}"));
    let mut problems = Vec::new();
    for (copy, source) in COPIES {
        match (read(copy), read(source)) {
            (Ok(copy_bytes), Ok(source_bytes)) if copy_bytes == source_bytes => {}
            (Ok(_), Ok(_)) => problems.push(format!("{copy} differs from {source}")),
            (Err(error), _) | (_, Err(error)) => problems.push(error),
        }
    }
    for (copy, source) in PEM_COPIES {
        match (read(copy), read(source)) {
            (Ok(pem), Ok(der)) if pem_body(&String::from_utf8_lossy(&pem)).as_deref() == Some(der.as_slice()) => {}
            (Ok(_), Ok(_)) => problems.push(format!("{copy} does not hold the certificate in {source}")),
            (Err(error), _) | (_, Err(error)) => problems.push(error),
        }
    }
    problems
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::project_root;

    #[test]
    fn every_copy_in_this_repository_equals_its_source() {
        assert_eq!(stale_copies(&project_root()), Vec::<String>::new());
    }

    #[test]
    fn a_stale_or_missing_copy_is_reported() {
        let dir = std::env::temp_dir().join(format!("onshi-copies-{}", std::process::id()));
        let root = project_root();
        for (copy, source) in COPIES.iter().chain(PEM_COPIES) {
            for path in [copy, source] {
                let target = dir.join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::copy(root.join(path), target).unwrap();
            }
        }
        assert!(stale_copies(&dir).is_empty());
        std::fs::write(dir.join(COPIES[0].0), b"{}").unwrap();
        std::fs::remove_file(dir.join(COPIES[1].0)).unwrap();
        std::fs::write(dir.join(PEM_COPIES[0].0), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .unwrap();
        let problems = stale_copies(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("differs"));
        assert!(problems[2].contains("does not hold"));
    }
}
