//! The production flavour of the site (`cargo xtask build --production` → `dist/www-production`): the assembled site
//! less everything [`crate::test_material::is_demo_only`] names, so no virtual reader, nothing built from
//! `onshi-vcard-wasm`, no demo button on the kiosk; and refused, and removed, when any file still carries a trace of
//! a committed test private key. The edge's production deployment serves it (`edge/wrangler.toml`).
//!
//! Must not: change the demo site (`dist/www`), which the demo and the tests serve with its virtual reader.

use std::path::{Path, PathBuf};

use crate::tally::Tally;
use crate::test_material::{self, is_demo_only};
use crate::{TaskError, TaskResult, project_root};

/// Where the production site is assembled.
pub fn production_site_dir() -> PathBuf {
    project_root().join("dist/www-production")
}

/// Makes `production` a fresh copy of the assembled `site` without its demo-only files, then checks that no file
/// carries a committed test key; a site that does is removed and the build fails, so it cannot be deployed by
/// mistake. The copy starts empty each time, so nothing of an earlier run survives into it.
pub fn assemble(site: &Path, production: &Path) -> TaskResult {
    if !site.join("index.html").is_file() {
        return Err(TaskError(format!("{} holds no assembled site: build it first", site.display())));
    }
    if production.exists() {
        std::fs::remove_dir_all(production).map_err(|e| TaskError(format!("clean {}: {e}", production.display())))?;
    }
    for relative in crate::build::files_below(site)?.into_iter().filter(|relative| !is_demo_only(relative)) {
        let (source, target) = (site.join(&relative), production.join(&relative));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| TaskError(format!("create {}: {e}", parent.display())))?;
        }
        std::fs::copy(&source, &target).map_err(|e| TaskError(format!("copy {}: {e}", source.display())))?;
    }
    let checked = test_material::refuse_test_keys(production);
    if checked.is_err() {
        let _ = std::fs::remove_dir_all(production);
    }
    checked
}

/// Assembles `dist/www-production` from the built `dist/www`.
pub fn build_production_site() -> TaskResult {
    let production = production_site_dir();
    assemble(&crate::build::site_dir(), &production)?;
    eprintln!("xtask: production site assembled in {}", production.display());
    Ok(())
}

/// The check `cargo xtask test` runs on the sites it has just built, as two tests in the tally: the demo site's
/// virtual reader is found to carry test keys (so the search sees them in real build output), and the production
/// site assembled from it carries none, nor any demo-only path.
pub fn check_built_sites() -> Tally {
    let mut tally = Tally::default();
    let mut report = |name: &str, outcome: TaskResult| match outcome {
        Ok(()) => {
            println!("ok - production site: {name}");
            tally.passed += 1;
        }
        Err(error) => {
            println!("not ok - production site: {name}: {error}");
            tally.failed += 1;
        }
    };
    let site = crate::build::site_dir();
    report("the demo site's virtual reader carries the test keys the search looks for", demo_site_carries_keys(&site));
    report("the production site carries no virtual reader and no test key", build_production_site());
    tally
}

fn demo_site_carries_keys(site: &Path) -> TaskResult {
    let keys = test_material::committed_test_keys(&test_material::test_pki_dir())?;
    let findings = test_material::find_test_keys(site, &keys)?;
    if findings.iter().any(|finding| is_demo_only(&finding.file)) {
        Ok(())
    } else {
        Err(TaskError(format!("no test key found below {}: the search is blind to the build output", site.display())))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    /// A fresh folder for one test, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            // Tests run in parallel threads of one process: each folder gets a number of its own, or two tests'
            // fixtures of the same name would be one folder, each removing the other's files.
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("onshi-production-{name}-{}-{number}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn write(&self, relative: &str, bytes: &[u8]) {
            let path = self.0.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The bytes of a committed demo card's private key, as `shared/vcard/src/demo.rs` includes it.
    fn card_key() -> Vec<u8> {
        std::fs::read(test_material::test_pki_dir().join("card-00.key.pk8")).unwrap()
    }

    /// A small site laid out as `build_site` lays it out, with the virtual card's wasm carrying a test key.
    fn demo_site() -> Scratch {
        let site = Scratch::new("site");
        site.write("index.html", b"<!doctype html><meta charset=\"utf-8\"><script src=\"app.js\"></script>");
        site.write("pkg/onshi_kiosk_bg.wasm", b"\0asm kiosk code");
        site.write("locales/kiosk/en.json", b"{}");
        site.write("virtual-reader/fake-usb.js", b"export class FakeUsb {}");
        let mut vcard = b"\0asm vcard code".to_vec();
        vcard.extend_from_slice(&card_key());
        site.write("virtual-reader/pkg/onshi_vcard_wasm_bg.wasm", &vcard);
        site
    }

    #[test]
    fn the_production_site_keeps_the_kiosk_and_leaves_out_the_virtual_reader_and_its_keys() {
        let site = demo_site();
        let production = Scratch::new("out");
        // Left by an earlier build: it must not survive.
        production.write("virtual-reader/fake-usb.js", b"stale");
        assemble(&site.0, &production.0).unwrap();
        let shipped = crate::build::files_below(&production.0).unwrap();
        let names: Vec<String> = shipped.iter().map(|path| path.to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["index.html", "locales/kiosk/en.json", "pkg/onshi_kiosk_bg.wasm"]);
        assert!(names.iter().all(|name| !name.contains("virtual-reader") && !name.contains("vcard")), "{names:?}");
        let keys = test_material::committed_test_keys(&test_material::test_pki_dir()).unwrap();
        assert_eq!(test_material::find_test_keys(&production.0, &keys).unwrap(), []);
        // The fixture did carry a key, where the demo site carries it.
        let in_demo = test_material::find_test_keys(&site.0, &keys).unwrap();
        assert_eq!(in_demo.len(), 1);
        assert_eq!(in_demo[0].file, Path::new("virtual-reader/pkg/onshi_vcard_wasm_bg.wasm"));
    }

    #[test]
    fn a_test_key_outside_the_virtual_reader_stops_the_production_build_and_leaves_no_site() {
        let site = demo_site();
        let mut kiosk = b"\0asm kiosk code".to_vec();
        kiosk.extend_from_slice(&card_key());
        site.write("pkg/onshi_kiosk_bg.wasm", &kiosk);
        let production = Scratch::new("refused");
        let error = assemble(&site.0, &production.0).unwrap_err();
        assert!(error.0.contains("pkg/onshi_kiosk_bg.wasm (test key card-00.key.pk8)"), "{error}");
        assert!(!production.0.exists(), "a refused production site is removed");
    }

    #[test]
    fn a_production_build_without_an_assembled_site_says_so() {
        let empty = Scratch::new("empty");
        let production = Scratch::new("none");
        let error = assemble(&empty.0, &production.0).unwrap_err();
        assert!(error.0.contains("build it first"), "{error}");
    }
}
