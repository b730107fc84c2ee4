//! (Re)writes the committed test PKI under `shared/vcard/data/` from `TEST_PKI_SEED`.
//!
//! Usage: `cargo run -p onshi-vcard --release --bin regenerate-test-pki [DATA_DIR]`; DATA_DIR defaults to this
//! crate's `data/` directory. The output is deterministic, so running it twice changes nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use onshi_vcard::test_pki::{TEST_PKI_SEED, generate_hierarchy, generate_surface_keys, generate_test_pki};

fn main() -> ExitCode {
    let data_dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"), PathBuf::from);
    let pki = match generate_test_pki(&TEST_PKI_SEED) {
        Ok(pki) => pki,
        Err(error) => {
            eprintln!("generating the test PKI failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let hierarchy = match generate_hierarchy(&TEST_PKI_SEED) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("generating the test hierarchy failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let surface_keys = match generate_surface_keys(&TEST_PKI_SEED) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("generating the card-face keys failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    for (relative_path, content) in pki.files().into_iter().chain(hierarchy).chain(surface_keys) {
        let path = data_dir.join(&relative_path);
        let written =
            path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&path, &content));
        if let Err(error) = written {
            eprintln!("writing {} failed: {error}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
