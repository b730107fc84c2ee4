//! Builds the artifacts the stack runs from: the origin binary, the kiosk and virtual-reader WebAssembly (plain
//! `cargo build` + `wasm-bindgen` + `wasm-opt`, nothing downloaded), the static site in `dist/www`, and the edge
//! worker bundle (`worker-build` with local tools).
//!
//! The steps after cargo (wasm-bindgen, wasm-opt, worker-build) run only when what they are built from changed:
//! each leaves a stamp of its inputs' and outputs' contents in `<target>/onshi-stamps/`, so a build with nothing to
//! do takes seconds and `cargo xtask demo` starts at once, while any changed source still goes all the way through.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest as _, Sha256};

use crate::tools::{WASM_BINDGEN_VERSION, WORKER_BUILD_VERSION, cargo_tool, npm_tool, run};
use crate::{TaskError, TaskResult, project_root};

/// The cargo target directory in use.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| project_root().join("target"))
}

/// Where the demo site (kiosk + virtual reader) is assembled; the production flavour is made from it
/// ([`crate::production`]).
pub fn site_dir() -> PathBuf {
    project_root().join("dist/www")
}

/// Which build the stack's native programs (the origin, the bridge, the simulated terminal) are run from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramBuild {
    /// The unoptimised build the demo and the tests run ([`Native::Programs`], [`Native::WithTests`]).
    Debug,
    /// The release profile, as the programs are deployed: the full benchmarks measure the stack with it, since the
    /// unoptimised origin's own time and its spread would show in every figure taken through it.
    Release,
}

impl ProgramBuild {
    fn directory(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Release => "release",
        }
    }
}

/// A program the stack runs (`onshi-origin`, and the bridge crate's `onshi-bridge` and `onshi-terminal-sim`), as
/// `build` made it for this machine.
pub fn program_binary(build: ProgramBuild, name: &str) -> PathBuf {
    target_dir().join(build.directory()).join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Generated directories of the site, which the copy of `www/` leaves alone.
const GENERATED_SITE_DIRS: [&str; 5] = ["pkg", "pkg-staff", "pkg-insurer", "virtual-reader/pkg", "locales"];

/// The cargo profile of the browser consoles' wasm (kiosk, staff, insurer), defined in the root Cargo.toml: the
/// release profile built for size.
const UI_WASM_PROFILE: &str = "wasm-ui";

/// Where the site serves the kiosk's resource files, which its bundle carries only the Japanese of (the kiosk's
/// `i18n::locale_path` names the same place).
const KIOSK_LOCALES_DIR: &str = "locales/kiosk";

fn io_error(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> TaskError {
    let context = format!("{what} {}", path.display());
    move |e| TaskError(format!("{context}: {e}"))
}

/// Every file below `dir`, sorted, as paths relative to `dir`; an absent directory has none.
pub fn files_below(dir: &Path) -> TaskResult<Vec<PathBuf>> {
    fn walk(dir: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> TaskResult {
        for entry in std::fs::read_dir(dir).map_err(io_error("read", dir))? {
            let entry = entry.map_err(io_error("read", dir))?;
            let path = relative.join(entry.file_name());
            if entry.file_type().map_err(io_error("read", &entry.path()))?.is_dir() {
                walk(&entry.path(), &path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    if dir.is_dir() {
        walk(dir, Path::new(""), &mut files)?;
    }
    files.sort();
    Ok(files)
}

/// Makes `to` hold what `from` holds, apart from the generated directories: a file is written only when its bytes
/// differ, and a file that left `www/` leaves the site. The site is not wiped on every build, so the generated
/// bundles survive a build that did not change them.
fn sync_site(from: &Path, to: &Path) -> TaskResult {
    let wanted = files_below(from)?;
    for relative in &wanted {
        let (source, target) = (from.join(relative), to.join(relative));
        let bytes = std::fs::read(&source).map_err(io_error("read", &source))?;
        if std::fs::read(&target).ok().as_deref() != Some(bytes.as_slice()) {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io_error("create", parent))?;
            }
            std::fs::write(&target, bytes).map_err(io_error("write", &target))?;
        }
    }
    let generated = |relative: &Path| GENERATED_SITE_DIRS.iter().any(|dir| relative.starts_with(dir));
    for relative in files_below(to)? {
        if !generated(&relative) && !wanted.contains(&relative) {
            let stale = to.join(relative);
            std::fs::remove_file(&stale).map_err(io_error("remove", &stale))?;
        }
    }
    Ok(())
}

/// SHA-256 over the named files (path and bytes of each, below `root`) and a recipe text that names the tools and
/// flags of the step; `None` when a file cannot be read (an output that is missing).
fn fingerprint(root: &Path, files: &[PathBuf], recipe: &str) -> Option<String> {
    let mut hasher = Sha256::new();
    hasher.update(recipe.as_bytes());
    for relative in files {
        let bytes = std::fs::read(root.join(relative)).ok()?;
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(&bytes);
    }
    Some(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Files that make up one step's inputs or outputs: whole directories and single files, below `root`.
struct FileSet<'a> {
    root: &'a Path,
    entries: Vec<PathBuf>,
}

impl FileSet<'_> {
    fn files(&self) -> TaskResult<Vec<PathBuf>> {
        let mut files = Vec::new();
        for entry in &self.entries {
            let path = self.root.join(entry);
            if path.is_dir() {
                files.extend(files_below(&path)?.into_iter().map(|file| entry.join(file)));
            } else {
                files.push(entry.clone());
            }
        }
        Ok(files)
    }

    fn fingerprint(&self, recipe: &str) -> TaskResult<Option<String>> {
        Ok(fingerprint(self.root, &self.files()?, recipe))
    }
}

/// Runs a post-processing step (wasm-bindgen, wasm-opt, worker-build) unless its inputs are the ones of its last
/// run and its outputs are still exactly what that run left. The stamp, in the cargo target directory, holds both
/// fingerprints; it is written only after the step succeeded, so a failed or interrupted step runs again.
fn unless_unchanged(
    name: &str,
    inputs: &FileSet,
    recipe: &str,
    outputs: &FileSet,
    step: impl FnOnce() -> TaskResult,
) -> TaskResult {
    let stamp = target_dir().join("onshi-stamps").join(format!("{name}.stamp"));
    let input = inputs.fingerprint(recipe)?.ok_or_else(|| TaskError(format!("{name}: an input is missing")))?;
    let recorded = std::fs::read_to_string(&stamp).ok();
    if let Some(output) = outputs.fingerprint("")?
        && recorded.as_deref() == Some(format!("{input}\n{output}\n").as_str())
    {
        eprintln!("xtask: {name} is up to date");
        return Ok(());
    }
    step()?;
    let output = outputs.fingerprint("")?.ok_or_else(|| TaskError(format!("{name}: an output is missing")))?;
    if let Some(parent) = stamp.parent() {
        std::fs::create_dir_all(parent).map_err(io_error("create", parent))?;
    }
    std::fs::write(&stamp, format!("{input}\n{output}\n")).map_err(io_error("write", &stamp))
}

/// Binds one wasm module for the web into `out_dir` as `<out_name>.js` + `<out_name>_bg.wasm` and, when asked,
/// shrinks it with wasm-opt; skipped when the module and the recipe are those of the last run.
fn bindgen(wasm: &Path, out_dir: &Path, out_name: &str, optimize: bool) -> TaskResult {
    let (Some(wasm_dir), Some(wasm_name)) = (wasm.parent(), wasm.file_name()) else {
        return Err(TaskError(format!("{} is not a file path", wasm.display())));
    };
    let inputs = FileSet { root: wasm_dir, entries: vec![PathBuf::from(wasm_name)] };
    let outputs = FileSet { root: out_dir, entries: vec![PathBuf::new()] };
    let recipe = format!(
        "wasm-bindgen {WASM_BINDGEN_VERSION} --target web --out-name {out_name}; wasm-opt {optimize} {WASM_FEATURES:?} -Oz"
    );
    unless_unchanged(&format!("pkg-{out_name}"), &inputs, &recipe, &outputs, || {
        // Left-overs of an older run (e.g. a snippet that is gone) must not survive into the site.
        if out_dir.exists() {
            std::fs::remove_dir_all(out_dir).map_err(io_error("clean", out_dir))?;
        }
        run(Command::new(cargo_tool("wasm-bindgen"))
            .args(["--target", "web", "--no-typescript", "--out-name", out_name, "--out-dir"])
            .arg(out_dir)
            .arg(wasm))?;
        if optimize {
            let output = out_dir.join(format!("{out_name}_bg.wasm"));
            let mut wasm_opt = Command::new(npm_tool(".bin/wasm-opt"));
            run(wasm_opt.args(WASM_FEATURES).arg("-Oz").arg(&output).arg("-o").arg(&output))?;
        }
        Ok(())
    })
}

/// Builds the kiosk, staff-console, insurer-console and virtual-reader wasm and assembles `dist/www`.
///
/// The staff console (`/staff.html`) and the insurer console (`/insurer.html`) are their own crates (`staff/`,
/// `insurer/`), each bound under its own name so that the patient kiosk's bundle carries none of them; the steps
/// after cargo run only when their input changed.
pub fn build_site() -> TaskResult {
    let root = project_root();
    let site = site_dir();
    sync_site(&root.join("www"), &site)?;
    // The kiosk fetches the texts of a language when a patient first chooses it; they are files of the site.
    sync_site(&root.join("kiosk/locales"), &site.join(KIOSK_LOCALES_DIR))?;
    // The consoles are built for size (the root Cargo.toml's `wasm-ui` profile): every client downloads them
    // before its first screen. The decoder and the virtual card compute, so they keep the release profile.
    run(Command::new("cargo")
        .args(["build", "--profile", UI_WASM_PROFILE, "--target", "wasm32-unknown-unknown"])
        .args(["-p", "onshi-kiosk", "-p", "onshi-staff-console", "-p", "onshi-insurer-console"])
        .current_dir(&root))?;
    run(Command::new("cargo")
        .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
        .args(["-p", "onshi-vcard-wasm", "-p", "onshi-photo-wasm"])
        .current_dir(&root))?;
    let ui_dir = target_dir().join("wasm32-unknown-unknown").join(UI_WASM_PROFILE);
    let wasm_dir = target_dir().join("wasm32-unknown-unknown/release");
    bindgen(&ui_dir.join("onshi_staff_console.wasm"), &site.join("pkg-staff"), "onshi_staff", true)?;
    bindgen(&ui_dir.join("onshi_insurer_console.wasm"), &site.join("pkg-insurer"), "onshi_insurer", true)?;
    bindgen(&ui_dir.join("onshi_kiosk.wasm"), &site.join("pkg"), "onshi_kiosk", true)?;
    // The 目視 assist's photo decoder, its own module so that the patient bundle carries none of it.
    bindgen(&wasm_dir.join("onshi_photo_wasm.wasm"), &site.join("pkg-photo"), "onshi_photo", true)?;
    bindgen(&wasm_dir.join("onshi_vcard_wasm.wasm"), &site.join("virtual-reader/pkg"), "onshi_vcard_wasm", false)
}

/// Builds the edge worker bundle into `edge/build` with worker-build, pointing it at local tools so that it
/// downloads nothing. Skipped when nothing it is built from changed: the edge crate, the shared crates, the
/// lock file and the cargo configuration (worker-build's cargo, wasm-bindgen and wasm-opt take about 20 s even
/// when there is nothing to do).
pub fn build_edge() -> TaskResult {
    let root = project_root();
    let inputs = FileSet {
        root: &root,
        entries: ["edge/Cargo.toml", "edge/wrangler.toml", "edge/src", "shared", "Cargo.toml", "Cargo.lock", ".cargo"]
            .iter()
            .map(PathBuf::from)
            .collect(),
    };
    let outputs = FileSet { root: &root, entries: vec![PathBuf::from("edge/build")] };
    let recipe = format!("worker-build {WORKER_BUILD_VERSION} --release; wasm-bindgen {WASM_BINDGEN_VERSION}");
    unless_unchanged("edge-worker", &inputs, &recipe, &outputs, || {
        run(Command::new(cargo_tool("worker-build"))
            .arg("--release")
            .current_dir(root.join("edge"))
            .env("WASM_BINDGEN_BIN", cargo_tool("wasm-bindgen"))
            .env("WASM_OPT_BIN", npm_tool(".bin/wasm-opt"))
            .env("ESBUILD_BIN", npm_tool("@esbuild/linux-x64/bin/esbuild")))
    })
}

/// What the native build makes besides the programs the stack runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Native {
    /// The origin, the bridge and the simulated terminal only (the demo, `cargo xtask build`).
    Programs,
    /// Every test of the workspace too, built as the native suite builds them (`cargo xtask test`). The programs
    /// come out of the same build: cargo builds a package's binaries for its integration tests. Features unify
    /// with dev-dependencies in a test build and without them in a plain one, so building the programs apart
    /// would compile tokio, hyper, sqlx and most of the tree twice.
    WithTests,
    /// The programs only, in the release profile (the full benchmarks, [`ProgramBuild::Release`]).
    ReleasePrograms,
}

impl Native {
    /// Where the programs this build makes are found.
    pub fn program_build(self) -> ProgramBuild {
        match self {
            Self::Programs | Self::WithTests => ProgramBuild::Debug,
            Self::ReleasePrograms => ProgramBuild::Release,
        }
    }
}

/// The test build of the whole workspace: every test, the programs, and the benchmarks in the test profile, which
/// `cargo xtask test` runs at small sizes. Benchmarks built here share the tests' feature selection; building one
/// apart (`cargo bench -p …`) selects features for that package alone and compiles most of the tree again, and the
/// release profile (fat LTO, one codegen unit) compiles all of it a third time, which a cold machine pays in full.
pub const TEST_BUILD: [&str; 4] = ["test", "--workspace", "--no-run", "--all-targets"];

/// The stack's native programs: the origin, and the bridge and the simulated terminal, which run beside the stack
/// in the demo and the end-to-end tests.
const PROGRAMS: [&str; 7] = ["-p", "onshi-origin", "--bin", "onshi-origin", "-p", "onshi-bridge", "--bins"];

/// Builds the origin, the bridge and the simulated terminal (and with [`Native::WithTests`] every test), in the
/// profile `native` names.
pub fn build_native(native: Native) -> TaskResult {
    let mut command = Command::new("cargo");
    match native {
        Native::Programs => command.arg("build").args(PROGRAMS),
        Native::WithTests => command.args(TEST_BUILD),
        Native::ReleasePrograms => command.args(["build", "--release"]).args(PROGRAMS),
    };
    run(command.current_dir(project_root()))
}

/// Everything the demo and the end-to-end tests run.
pub fn build_all(native: Native) -> TaskResult {
    eprintln!("xtask: building with wasm-bindgen {WASM_BINDGEN_VERSION}");
    build_native(native)?;
    build_site()?;
    build_edge()
}
