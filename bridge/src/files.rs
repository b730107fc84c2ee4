//! The file-system adapter's primitives: durable writes, atomic publication, listing, ZIP answers.
//!
//! Thin I/O only, no decisions. Every write the spool relies on is flushed and synced, and a file becomes
//! visible under its final name only by a rename within one volume, so no reader ever sees it half-written.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecursiveMode, Watcher};

use crate::core::journal;
use crate::core::prune::Listed;
use crate::error::{BridgeError, Context};

/// Whether a watcher event may mean a folder's contents changed. Opening or reading a file, and listing the folder
/// itself, are reported too (inotify's open and close-without-writing): a loop that woke on those would wake itself
/// by looking, and spin. A file closed after writing, and an error (the watcher may have missed something), count.
pub fn is_change(event: &notify::Result<Event>) -> bool {
    match event {
        Ok(event) => match event.kind {
            EventKind::Access(kind) => kind == AccessKind::Close(AccessMode::Write),
            _ => true,
        },
        Err(_) => true,
    }
}

/// Writes `bytes` to `path`, flushed and synced to disk.
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), BridgeError> {
    write_synced_at(path, bytes, None)
}

/// [`write_synced`], the modification time set to `written` (if given) before the sync, so it is durable too.
fn write_synced_at(path: &Path, bytes: &[u8], written: Option<SystemTime>) -> Result<(), BridgeError> {
    let mut file = File::create(path).context(|| format!("create {}", path.display()))?;
    file.write_all(bytes).context(|| format!("write {}", path.display()))?;
    file.flush().context(|| format!("flush {}", path.display()))?;
    if let Some(written) = written {
        file.set_modified(written).context(|| format!("set the time of {}", path.display()))?;
    }
    file.sync_all().context(|| format!("sync {}", path.display()))
}

/// Writes `bytes` under `dir/name` atomically: a hidden temporary file in the same folder, synced, then renamed.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), BridgeError> {
    publish(dir, name, bytes, None)
}

/// [`write_atomic`], the file's modification time set to `written`: the time on the clock its age will be measured
/// on.
pub fn write_atomic_at(dir: &Path, name: &str, bytes: &[u8], written: SystemTime) -> Result<(), BridgeError> {
    publish(dir, name, bytes, Some(written))
}

fn publish(dir: &Path, name: &str, bytes: &[u8], written: Option<SystemTime>) -> Result<(), BridgeError> {
    let temporary = dir.join(format!(".{name}.part"));
    write_synced_at(&temporary, bytes, written)?;
    let target = dir.join(name);
    fs::rename(&temporary, &target).context(|| format!("rename into {}", target.display()))?;
    sync_dir(dir);
    Ok(())
}

/// Environment variable that makes the bridge abort in the middle of rewriting a journal (crash tests):
/// `before-rename` once the compacted journal is written and synced beside the old one, `after-rename` once it has
/// replaced it.
pub const CRASH_IN_COMPACTION: &str = "ONSHI_BRIDGE_CRASH_IN_COMPACTION";

/// Replaces the journal `dir/name` with `text` (its live records) atomically: written to a hidden side file, synced,
/// renamed over the journal, the folder synced. A crash leaves the old journal or the new one, never a mix; a side
/// file left by a crash is hidden from [`list`] and overwritten by the next rewrite.
fn replace_journal(dir: &Path, name: &str, text: &str) -> Result<(), BridgeError> {
    let side = dir.join(format!(".{name}.compact"));
    write_synced(&side, text.as_bytes())?;
    fault_injection_point("before-rename");
    let target = dir.join(name);
    fs::rename(&side, &target).context(|| format!("rename over {}", target.display()))?;
    sync_dir(dir);
    fault_injection_point("after-rename");
    Ok(())
}

/// Rewrites the journal `dir/name`, which holds `*lines` lines, to its live records when that drops a line: at
/// start-up (`at_start`) whenever it does, otherwise only when most of it is dead ([`journal::worth_compacting`],
/// `live_lines` being how many lines a rewrite would keep). `live` gives those records as lines; it is called only
/// when a rewrite is due, since it also prunes what the journal no longer needs. The spool's journal and the edge
/// outbox's both go through here, so they follow one rule.
pub fn compact_journal(
    dir: &Path,
    name: &str,
    lines: &mut usize,
    live_lines: usize,
    at_start: bool,
    live: impl FnOnce() -> Vec<String>,
) -> Result<(), BridgeError> {
    if !at_start && !journal::worth_compacting(*lines, live_lines) {
        return Ok(());
    }
    let records = live();
    if records.len() >= *lines {
        return Ok(());
    }
    replace_journal(dir, name, &records.concat())?;
    *lines = records.len();
    Ok(())
}

/// The fault-injection point the compaction crash tests use: the worst moments to die.
fn fault_injection_point(moment: &str) {
    if std::env::var(CRASH_IN_COMPACTION).is_ok_and(|wanted| wanted == moment) {
        std::process::abort();
    }
}

/// Makes a rename in `dir` durable where the platform allows it (on Windows a rename is journalled by NTFS and a
/// folder cannot be opened for syncing).
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = File::open(dir) {
        // A failed folder sync leaves the rename in the page cache only; the journal still records the intent.
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Appends one line to a file and syncs it.
pub fn append_synced(path: &Path, line: &str) -> Result<(), BridgeError> {
    let mut file =
        OpenOptions::new().create(true).append(true).open(path).context(|| format!("open {}", path.display()))?;
    file.write_all(line.as_bytes()).context(|| format!("append to {}", path.display()))?;
    file.sync_all().context(|| format!("sync {}", path.display()))
}

/// The names of the regular files in `dir`, sorted; hidden and temporary files are left out.
pub fn list(dir: &Path) -> Result<Vec<String>, BridgeError> {
    let mut names: Vec<String> = regular_files(dir)?.into_iter().map(|(name, _)| name).collect();
    names.sort();
    Ok(names)
}

/// The regular files in `dir` with the time each was last written, sorted by name; hidden and temporary files are
/// left out, and so is anything that is not a regular file (a symbolic link is not followed, so what it points to
/// is never listed as if it were in `dir`).
pub fn list_written(dir: &Path) -> Result<Vec<Listed>, BridgeError> {
    let mut listed: Vec<Listed> = regular_files(dir)?
        .into_iter()
        .map(|(name, entry)| {
            let written_ms = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(crate::clock::ms_of);
            Listed { name, written_ms }
        })
        .collect();
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(listed)
}

/// The regular files of `dir` that are not hidden, by name, with their entries; a symbolic link is not a regular
/// file here (its entry's own type is read, not its target's).
fn regular_files(dir: &Path) -> Result<Vec<(String, fs::DirEntry)>, BridgeError> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).context(|| format!("list {}", dir.display()))? {
        let entry = entry.context(|| format!("list {}", dir.display()))?;
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if let Ok(name) = entry.file_name().into_string()
            && !name.starts_with('.')
        {
            files.push((name, entry));
        }
    }
    Ok(files)
}

/// Reads a file, or `None` if it vanished or is locked (another program may be writing or moving it).
pub fn read_if_there(path: &Path) -> Option<Vec<u8>> {
    fs::read(path).ok()
}

/// Creates the folders, if missing.
pub fn ensure_dirs(dirs: &[&PathBuf]) -> Result<(), BridgeError> {
    for dir in dirs {
        fs::create_dir_all(dir).context(|| format!("create {}", dir.display()))?;
    }
    Ok(())
}

/// The first `.xml` entry of a ZIP archive, or `None` when the archive is not complete or holds none.
pub fn xml_from_zip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).ok()?;
        if entry.name().to_ascii_lowercase().ends_with(".xml") {
            let mut xml = Vec::new();
            entry.read_to_end(&mut xml).ok()?;
            return Some(xml);
        }
    }
    None
}

/// A ZIP archive holding one file (the simulator's bulk answers).
pub fn zip_one(name: &str, bytes: &[u8]) -> Result<Vec<u8>, BridgeError> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let failed = |e: zip::result::ZipError| BridgeError::Io { what: format!("zip {name}"), source: e.into() };
    writer.start_file(name, options).map_err(failed)?;
    writer.write_all(bytes).context(|| format!("zip {name}"))?;
    writer.finish().map_err(failed)?;
    Ok(out.into_inner())
}

/// Watches folders for changes to what they hold, so a loop that rescans them can sleep until there is something to
/// see; only what [`is_change`] calls a change wakes it.
#[derive(Debug)]
pub struct FolderWatch {
    // Kept alive for as long as the watch lasts; dropping it ends the events.
    _watcher: notify::RecommendedWatcher,
    changes: mpsc::Receiver<()>,
}

impl FolderWatch {
    /// Watches each of `dirs` (not their subfolders).
    pub fn new(dirs: &[&Path]) -> Result<Self, BridgeError> {
        let (sender, changes) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            if is_change(&event) {
                let _ = sender.send(());
            }
        })?;
        for dir in dirs {
            watcher.watch(dir, RecursiveMode::NonRecursive)?;
        }
        Ok(Self { _watcher: watcher, changes })
    }

    /// Returns at the first change or after `timeout`, having taken every change already waiting, so that one scan
    /// answers a burst of them.
    pub fn wait(&self, timeout: Duration) {
        let _ = self.changes.recv_timeout(timeout);
        while self.changes.try_recv().is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use notify::event::{CreateKind, ModifyKind, RenameMode};

    use super::*;

    #[test]
    fn looking_at_a_folder_is_not_a_change_and_writing_to_it_is() {
        let event = |kind| Ok(Event::new(kind));
        assert!(!is_change(&event(EventKind::Access(AccessKind::Open(AccessMode::Any)))));
        assert!(!is_change(&event(EventKind::Access(AccessKind::Close(AccessMode::Read)))));
        assert!(!is_change(&event(EventKind::Access(AccessKind::Read))));
        assert!(is_change(&event(EventKind::Access(AccessKind::Close(AccessMode::Write)))));
        assert!(is_change(&event(EventKind::Create(CreateKind::File))));
        assert!(is_change(&event(EventKind::Modify(ModifyKind::Name(RenameMode::To)))));
        assert!(is_change(&Err(notify::Error::generic("lost"))));
    }
}
