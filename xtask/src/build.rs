//! Builds the artifacts the stack runs from: the origin binary, the kiosk and virtual-reader WebAssembly (plain
//! `cargo build` + `wasm-bindgen` + `wasm-opt`, nothing downloaded), the static site in `dist/www`, and the edge
//! worker bundle (`worker-build` with local tools).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::{WASM_BINDGEN_VERSION, cargo_tool, npm_tool, run};
use crate::{TaskError, TaskResult, project_root};

/// The cargo target directory in use.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| project_root().join("target"))
}

/// Where the static site (kiosk + virtual reader) is assembled.
pub fn site_dir() -> PathBuf {
    project_root().join("dist/www")
}

/// The origin binary.
pub fn origin_binary() -> PathBuf {
    target_dir().join("debug/onshi-origin")
}

const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn copy_tree(from: &Path, to: &Path) -> TaskResult {
    std::fs::create_dir_all(to).map_err(|e| TaskError(format!("create {}: {e}", to.display())))?;
    let entries = std::fs::read_dir(from).map_err(|e| TaskError(format!("read {}: {e}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| TaskError(format!("read {}: {e}", from.display())))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| TaskError(format!("copy {}: {e}", entry.path().display())))?;
        }
    }
    Ok(())
}

fn bindgen(wasm: &Path, out_dir: &Path, optimize: bool) -> TaskResult {
    run(Command::new(cargo_tool("wasm-bindgen"))
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(out_dir)
        .arg(wasm))?;
    if optimize {
        let stem = wasm.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let output = out_dir.join(format!("{stem}_bg.wasm"));
        run(Command::new(npm_tool(".bin/wasm-opt")).args(WASM_FEATURES).arg("-Oz").arg(&output).arg("-o").arg(&output))?;
    }
    Ok(())
}

/// Builds the kiosk, staff-console and virtual-reader wasm and assembles `dist/www`.
pub fn build_site() -> TaskResult {
    let root = project_root();
    let site = site_dir();
    if site.exists() {
        std::fs::remove_dir_all(&site).map_err(|e| TaskError(format!("clean {}: {e}", site.display())))?;
    }
    copy_tree(&root.join("www"), &site)?;
    let wasm_dir = target_dir().join("wasm32-unknown-unknown/release");
    // The staff console (`/staff.html`) is the kiosk crate built with its `staff-console` feature, bound under its
    // own name so that the patient kiosk's bundle carries none of it. It is built first because both builds write
    // `onshi_kiosk.wasm`.
    run(Command::new("cargo")
        .args(["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "onshi-kiosk"])
        .args(["--features", "onshi-kiosk/staff-console"])
        .current_dir(&root))?;
    let staff_pkg = site.join("pkg-staff");
    run(Command::new(cargo_tool("wasm-bindgen"))
        .args(["--target", "web", "--no-typescript", "--out-name", "onshi_staff", "--out-dir"])
        .arg(&staff_pkg)
        .arg(wasm_dir.join("onshi_kiosk.wasm")))?;
    let staff_wasm = staff_pkg.join("onshi_staff_bg.wasm");
    run(Command::new(npm_tool(".bin/wasm-opt")).args(WASM_FEATURES).arg("-Oz").arg(&staff_wasm).arg("-o").arg(&staff_wasm))?;
    run(Command::new("cargo")
        .args(["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "onshi-kiosk", "-p", "onshi-vcard-wasm"])
        .current_dir(&root))?;
    bindgen(&wasm_dir.join("onshi_kiosk.wasm"), &site.join("pkg"), true)?;
    bindgen(&wasm_dir.join("onshi_vcard_wasm.wasm"), &site.join("virtual-reader/pkg"), false)
}

/// Builds the edge worker bundle into `edge/build` with worker-build, pointing it at local tools so that it
/// downloads nothing.
pub fn build_edge() -> TaskResult {
    let root = project_root();
    run(Command::new(cargo_tool("worker-build"))
        .arg("--release")
        .current_dir(root.join("edge"))
        .env("WASM_BINDGEN_BIN", cargo_tool("wasm-bindgen"))
        .env("WASM_OPT_BIN", npm_tool(".bin/wasm-opt"))
        .env("ESBUILD_BIN", npm_tool("@esbuild/linux-x64/bin/esbuild")))
}

/// Builds the origin binary.
pub fn build_origin() -> TaskResult {
    run(Command::new("cargo").args(["build", "-p", "onshi-origin", "--bin", "onshi-origin"]).current_dir(project_root()))
}

/// Everything the demo and the end-to-end tests run.
pub fn build_all() -> TaskResult {
    eprintln!("xtask: building with wasm-bindgen {WASM_BINDGEN_VERSION}");
    build_origin()?;
    build_site()?;
    build_edge()
}
