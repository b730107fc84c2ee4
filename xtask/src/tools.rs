//! Installs what the build and the tests need when it is missing, from the package registries only.
//! Every step checks first, so a machine that has everything pays nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{TaskError, TaskResult, project_root};

/// The wasm-bindgen version pinned in the workspace; the CLI must match it exactly.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// The worker-build version matching `worker` 0.8.7.
pub const WORKER_BUILD_VERSION: &str = "0.8.7";

/// Runs a command, echoing it, and fails when it fails.
pub fn run(command: &mut Command) -> TaskResult {
    eprintln!("xtask: $ {}", describe(command));
    let status = command.status().map_err(|e| TaskError(format!("cannot start {}: {e}", describe(command))))?;
    if status.success() { Ok(()) } else { Err(TaskError(format!("{} failed with {status}", describe(command)))) }
}

/// Runs a command and returns its standard output, or None when it cannot run or fails.
pub fn output_of(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// The directory `cargo install` puts binaries in.
pub fn cargo_bin_dir() -> PathBuf {
    if let Some(root) = std::env::var_os("CARGO_INSTALL_ROOT") {
        return PathBuf::from(root).join("bin");
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".cargo/bin")
}

/// Path of a cargo-installed tool.
pub fn cargo_tool(name: &str) -> PathBuf {
    cargo_bin_dir().join(name)
}

/// Path of a tool from the project's npm packages.
pub fn npm_tool(relative: &str) -> PathBuf {
    project_root().join("node_modules").join(relative)
}

fn version_matches(tool: &Path, expected: &str) -> bool {
    output_of(Command::new(tool).arg("--version")).is_some_and(|v| v.split_whitespace().any(|w| w == expected))
}

/// The formatter and the linter `cargo xtask tidy` runs, as rustup components (present on most toolchains).
pub fn ensure_lint_tools() -> TaskResult {
    ensure_wasm_target()?;
    let installed = output_of(Command::new("rustup").args(["component", "list", "--installed"])).unwrap_or_default();
    let has = |component: &str| installed.lines().any(|line| line.trim().starts_with(component));
    if has("rustfmt") && has("clippy") {
        return Ok(());
    }
    run(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))
}

fn ensure_wasm_target() -> TaskResult {
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_cargo_tool(binary: &str, krate: &str, version: &str, locked: bool) -> TaskResult {
    if version_matches(&cargo_tool(binary), version) {
        return Ok(());
    }
    let mut command = Command::new("cargo");
    command.args(["install", krate, "--version", version, "--force"]);
    if locked {
        command.arg("--locked");
    }
    run(&mut command)
}

fn ensure_npm_packages() -> TaskResult {
    let root = project_root();
    let installed_lock = root.join("node_modules/.package-lock.json");
    let wanted_lock = root.join("package-lock.json");
    let fresh = match (std::fs::metadata(&installed_lock), std::fs::metadata(&wanted_lock)) {
        (Ok(installed), Ok(wanted)) => match (installed.modified(), wanted.modified()) {
            (Ok(a), Ok(b)) => a >= b,
            _ => false,
        },
        _ => false,
    };
    if fresh && npm_tool(".bin/workerd").exists() {
        return Ok(());
    }
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&root))
}

/// True when running as root (then Debian packages can be installed and PostgreSQL must run as `postgres`).
pub fn is_root() -> bool {
    output_of(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

/// Where Chromium and ChromeDriver live (Debian's packages).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// ChromeDriver, for wasm-bindgen-test.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// A Japanese font, so that screenshots of the kiosk show text rather than empty boxes.
const CJK_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// The kiosk speaks Nepali: without a Devanagari font its screens (and their screenshots) show empty boxes.
const DEVANAGARI_FONT: &str = "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf";

fn ensure_debian_packages(packages: &[(&str, &str)]) -> TaskResult {
    let missing: Vec<&str> =
        packages.iter().filter(|(path, _)| !Path::new(path).exists()).map(|(_, package)| *package).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(TaskError(format!(
            "missing Debian packages {missing:?}: install them with `sudo apt-get install -y {}`",
            missing.join(" ")
        )));
    }
    run(Command::new("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The bridge's Windows target: the Rust standard library for it (rustup) and Debian's MinGW-w64 linker.
pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

/// Installs what the bridge's Windows build needs, when missing.
pub fn ensure_windows_target() -> TaskResult {
    ensure_debian_packages(&[("/usr/bin/x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64")])?;
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WINDOWS_TARGET) {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WINDOWS_TARGET]))
}

/// Everything the build needs.
pub fn ensure_build_tools() -> TaskResult {
    ensure_wasm_target()?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", WASM_BINDGEN_VERSION, false)?;
    ensure_cargo_tool("worker-build", "worker-build", WORKER_BUILD_VERSION, true)?;
    ensure_npm_packages()
}

/// Everything the build and the tests need.
pub fn ensure_all() -> TaskResult {
    ensure_build_tools()?;
    ensure_debian_packages(&[
        (CHROMIUM, "chromium"),
        (CHROMEDRIVER, "chromium-driver"),
        (CJK_FONT, "fonts-noto-cjk"),
        (DEVANAGARI_FONT, "fonts-noto-core"),
    ])
}
