//! The run-wide list of what must not outlive the harness: the scratch
//! sandboxes alive right now and the plugin process groups running right
//! now. Sandboxes register on creation and deregister on drop; executions
//! register the group they start and deregister it once reaped. On a signal
//! (see [`crate::interrupt`]) the groups are killed at once, and whatever
//! this process left under `/run/netns` and `/run/cni-harness` is removed.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use super::{netns, NETNS_DIR, PREFIX, ROOT_DIR};

static SANDBOXES: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
static GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// A poisoned lock only means a thread panicked while holding it; the set
/// itself is still the truth about what is alive.
fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn register_sandbox(id: &str) {
    lock(&SANDBOXES).insert(id.to_string());
}

pub(super) fn deregister_sandbox(id: &str) {
    lock(&SANDBOXES).remove(id);
}

/// Ids of the sandboxes alive in this process.
pub fn live_sandboxes() -> Vec<String> {
    lock(&SANDBOXES).iter().cloned().collect()
}

/// A running plugin's process group, registered for as long as this lives.
#[derive(Debug)]
pub struct ProcessGroup(i32);

impl ProcessGroup {
    /// Register the group led by `pid`. When the run is being interrupted it
    /// is killed here and then, so a plugin started just as the signal came
    /// cannot escape the signal thread's sweep (which takes the same lock).
    pub fn register(pid: i32) -> ProcessGroup {
        lock(&GROUPS).insert(pid);
        if crate::interrupt::requested() {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        ProcessGroup(pid)
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        lock(&GROUPS).remove(&self.0);
    }
}

/// SIGKILL every registered process group; returns how many there were.
/// Groups are deregistered only once their leader is reaped, so the ids
/// cannot have been reused by then.
pub fn kill_groups() -> usize {
    let groups = lock(&GROUPS);
    for pgid in groups.iter() {
        let _ = killpg(Pid::from_raw(*pgid), Signal::SIGKILL);
    }
    groups.len()
}

/// Remove every namespace pin and sandbox directory named after this
/// process (`cnih-<pid>-...`): registered sandboxes, link-kind probes, a
/// sandbox half made when the signal came. Only for a run that is ending:
/// sandboxes still in use lose their namespaces. Returns what was removed.
pub fn remove_leftovers() -> Vec<String> {
    let mine = format!("{PREFIX}{}-", std::process::id());
    let mut removed = Vec::new();
    for dir in [NETNS_DIR, ROOT_DIR] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !name.starts_with(&mine) {
                continue;
            }
            let path = entry.path();
            if Path::new(dir) == Path::new(NETNS_DIR) {
                netns::unpin(&path);
            } else {
                let _ = std::fs::remove_dir_all(&path);
            }
            removed.push(path.display().to_string());
        }
    }
    lock(&SANDBOXES).clear();
    removed
}
