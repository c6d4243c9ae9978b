//! What a plugin did to the host's files, read from the upper directories
//! of its sandbox's copy-on-write layer (see `sandbox::overlay`): a file
//! there was created or changed, a whiteout (a 0:0 character device) is a
//! deletion. Entries are named by the host path the plugin used
//! (`/etc/...`, `/run/...`), so leftovers read as what they would have
//! been on a real node.
//!
//! An upper directory also holds copies that change nothing: the parents
//! of every file written (copied up to hold it) and files whose content was
//! put back as it was. Those are compared with the real host and left out,
//! so a plugin that restores what it touched leaves no trace.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use super::files::{fnv1a, read_head, FileEntry, FileKind};
use crate::sandbox::overlay::Layers;

/// Every host file the layers show as created, changed or deleted, sorted.
pub fn changes(layers: &Layers, max_text: usize) -> Vec<FileEntry> {
    let mut out = Vec::new();
    for (host_dir, upper) in layers.uppers() {
        walk(&upper, &host_dir, max_text, &mut out);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn walk(upper: &Path, host: &Path, max_text: usize, out: &mut Vec<FileEntry>) {
    let Ok(list) = fs::read_dir(upper) else {
        return;
    };
    for item in list.flatten() {
        let here = item.path();
        let there = host.join(item.file_name());
        let Ok(meta) = fs::symlink_metadata(&here) else {
            continue;
        };
        let real = fs::symlink_metadata(&there).ok();
        let ft = meta.file_type();
        let mut entry = FileEntry {
            path: there.clone(),
            kind: FileKind::Other,
            size: meta.len(),
            hash: 0,
            text: None,
        };
        if ft.is_char_device() && meta.rdev() == 0 {
            entry.kind = FileKind::Deleted;
            entry.size = 0;
        } else if ft.is_dir() {
            walk(&here, &there, max_text, out);
            if real.as_ref().is_some_and(fs::Metadata::is_dir) {
                continue; // a parent copied up to hold what changed below
            }
            entry.kind = FileKind::Dir;
            entry.size = 0;
        } else if ft.is_symlink() {
            entry.kind = FileKind::Symlink;
            entry.text = fs::read_link(&here).ok().map(|t| t.display().to_string());
            let same = real.as_ref().is_some_and(|m| m.file_type().is_symlink())
                && fs::read_link(&there).ok().map(|t| t.display().to_string()) == entry.text;
            if same {
                continue;
            }
        } else if ft.is_file() {
            entry.kind = FileKind::File;
            if let Some(content) = read_head(&here) {
                entry.hash = fnv1a(&content);
                if content.len() <= max_text {
                    entry.text = String::from_utf8(content).ok();
                }
            }
            let same = real
                .as_ref()
                .is_some_and(|m| m.is_file() && m.len() == meta.len())
                && read_head(&there).map(|c| fnv1a(&c)) == Some(entry.hash);
            if same {
                continue;
            }
        }
        out.push(entry);
    }
}
