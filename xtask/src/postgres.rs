//! A throwaway PostgreSQL cluster for the origin's test suite: Debian's `postgresql` package (installed when
//! missing), `initdb` in a temporary directory, `pg_ctl` on a free loopback port, stopped and deleted on drop.
//! When `ONSHI_TEST_POSTGRES_URL` is already set, that server is used instead and nothing is started.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::{is_root, output_of, run};
use crate::{TaskError, TaskResult};

/// Environment variable the origin tests read.
pub const URL_VARIABLE: &str = "ONSHI_TEST_POSTGRES_URL";

/// A running test cluster.
#[derive(Debug)]
pub struct TestCluster {
    /// The connection URL.
    pub url: String,
    data_dir: Option<PathBuf>,
    bin_dir: PathBuf,
}

fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn free_port() -> TaskResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| TaskError(format!("no free port: {e}")))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| TaskError(format!("no free port: {e}")))
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root), else as ourselves.
fn as_cluster_owner(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

impl TestCluster {
    /// Uses `ONSHI_TEST_POSTGRES_URL` when set, otherwise installs (as root) and starts a throwaway cluster.
    pub fn start() -> TaskResult<Self> {
        // Set but empty (`ONSHI_TEST_POSTGRES_URL= cargo xtask test`) is read as not set, not as a server at "".
        if let Some(url) = std::env::var(URL_VARIABLE).ok().filter(|url| !url.trim().is_empty()) {
            return Ok(Self { url, data_dir: None, bin_dir: PathBuf::new() });
        }
        let bin_dir = match postgres_bin_dir() {
            Some(dir) => dir,
            None if is_root() => {
                run(Command::new("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
                run(Command::new("apt-get")
                    .args(["install", "-y", "--no-install-recommends", "postgresql"])
                    .env("DEBIAN_FRONTEND", "noninteractive"))?;
                postgres_bin_dir().ok_or_else(|| TaskError("postgresql installed but initdb not found".into()))?
            }
            None => {
                return Err(TaskError(format!(
                    "PostgreSQL is not installed: `sudo apt-get install postgresql`, or set {URL_VARIABLE}"
                )));
            }
        };
        let base = output_of(Command::new("mktemp").args(["-d", "/tmp/onshi-pg-XXXXXX"]))
            .map(|s| PathBuf::from(s.trim()))
            .ok_or_else(|| TaskError("mktemp failed".into()))?;
        if is_root() {
            run(Command::new("chown").arg("postgres:postgres").arg(&base))?;
        }
        let data_dir = base.join("data");
        let port = free_port()?;
        let cluster =
            Self { url: format!("postgres://postgres@127.0.0.1:{port}/postgres"), data_dir: Some(base), bin_dir };
        run(as_cluster_owner(&cluster.bin_dir.join("initdb")).args(["-D"]).arg(&data_dir).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C.UTF-8",
        ]))?;
        let options = format!("-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off", data_dir.display());
        run(as_cluster_owner(&cluster.bin_dir.join("pg_ctl"))
            .args(["-D"])
            .arg(&data_dir)
            .args(["-o", &options, "-w", "-l"])
            .arg(data_dir.join("server.log"))
            .arg("start"))?;
        Ok(cluster)
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if let Some(base) = self.data_dir.take() {
            let data_dir = base.join("data");
            let _ = as_cluster_owner(&self.bin_dir.join("pg_ctl"))
                .args(["-D"])
                .arg(&data_dir)
                .args(["-m", "immediate", "stop"])
                .status();
            let _ = std::fs::remove_dir_all(&base);
        }
    }
}
