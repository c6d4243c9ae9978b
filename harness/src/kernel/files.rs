//! Files under the state directories a plugin writes (`/var/lib/cni`,
//! `/run/cni`, IPAM data, the result cache), with their contents, so that a
//! reservation or cache entry left after DEL shows up like a leftover link.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Longest file content kept as text; longer files keep only size and hash.
pub const DEFAULT_MAX_TEXT: usize = 4096;
/// Bytes hashed per file: state files are small, anything bigger is hashed
/// on its head only.
const MAX_HASHED: u64 = 1 << 20;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesSnapshot {
    /// Every entry below the roots (not the roots themselves), sorted by path.
    pub entries: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: PathBuf,
    pub kind: FileKind,
    pub size: u64,
    /// FNV-1a of the content (files), so changes show without keeping it all.
    pub hash: u64,
    /// Content when it is UTF-8 and short; symlink target for symlinks.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Other,
    /// A host file the plugin deleted (a whiteout in its copy-on-write layer).
    Deleted,
}

impl FilesSnapshot {
    /// Walk `roots` (missing ones are skipped: a plugin may never create them).
    /// Unreadable entries are recorded without content rather than failing
    /// the snapshot.
    pub fn take(roots: &[PathBuf], max_text: usize) -> FilesSnapshot {
        let mut entries = Vec::new();
        for root in roots {
            walk(root, max_text, &mut entries);
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        entries.dedup_by(|a, b| a.path == b.path);
        FilesSnapshot { entries }
    }
}

impl FilesSnapshot {
    /// Add what a plugin did to the host's files (`kernel::hostfiles`).
    pub fn add_host_files(&mut self, entries: Vec<FileEntry>) {
        if entries.is_empty() {
            return;
        }
        self.entries.extend(entries);
        self.entries.sort_by(|a, b| a.path.cmp(&b.path));
        self.entries.dedup_by(|a, b| a.path == b.path);
    }
}

fn walk(dir: &Path, max_text: usize, out: &mut Vec<FileEntry>) {
    let Ok(list) = fs::read_dir(dir) else {
        return;
    };
    for item in list.flatten() {
        let path = item.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let ft = meta.file_type();
        let mut entry = FileEntry {
            path: path.clone(),
            kind: FileKind::Other,
            size: meta.len(),
            hash: 0,
            text: None,
        };
        if ft.is_dir() {
            entry.kind = FileKind::Dir;
            entry.size = 0; // directory sizes are filesystem noise
            out.push(entry);
            walk(&path, max_text, out);
            continue;
        }
        if ft.is_symlink() {
            entry.kind = FileKind::Symlink;
            entry.text = fs::read_link(&path).ok().map(|t| t.display().to_string());
        } else if ft.is_file() {
            entry.kind = FileKind::File;
            if let Some(content) = read_head(&path) {
                entry.hash = fnv1a(&content);
                if content.len() <= max_text {
                    entry.text = String::from_utf8(content).ok();
                }
            }
        }
        out.push(entry);
    }
}

pub(crate) fn read_head(path: &Path) -> Option<Vec<u8>> {
    let mut content = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(MAX_HASHED)
        .read_to_end(&mut content)
        .ok()?;
    Some(content)
}

pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
