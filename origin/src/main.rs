//! `onshi-origin`: the origin service binary. All logic lives in the library; see `onshi_origin::server`.
#![forbid(unsafe_code)]

/// The allocator of the service process: see the dependency's note in `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    onshi_origin::server::main_with_args(std::env::args().skip(1)).await
}
