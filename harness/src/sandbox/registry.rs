//! The run-wide list of what must not outlive the harness: the scratch
//! sandboxes alive right now and the plugin process groups running right
//! now. Sandboxes register on creation and deregister on drop; executions
//! register the group they start and deregister it once reaped. On a signal
//! (see [`crate::interrupt`]) the groups are killed at once, and whatever
//! this process left under `/run/netns` and `/run/cni-harness` is removed
//! (`super::remove_leftovers`).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

static SANDBOXES: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
static GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
/// Set once the run is stopping: a group registered from then on is killed
/// at once. The registry's own flag (set by `crate::interrupt`, which sits
/// above this module), so that it reads nothing from the signal layer.
static CLOSING: AtomicBool = AtomicBool::new(false);

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
        if CLOSING.load(Ordering::SeqCst) {
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

/// From now on every group is killed as soon as it registers; SIGKILL the
/// ones registered already. Returns how many there were.
pub fn close() -> usize {
    // Set under the lock, so a group registering concurrently is either
    // swept here or sees the flag.
    let groups = lock(&GROUPS);
    CLOSING.store(true, Ordering::SeqCst);
    for pgid in groups.iter() {
        let _ = killpg(Pid::from_raw(*pgid), Signal::SIGKILL);
    }
    groups.len()
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

/// Forget every sandbox: the run is ending and their namespaces and
/// directories are being removed wholesale (`super::remove_leftovers`).
pub(super) fn forget_sandboxes() {
    lock(&SANDBOXES).clear();
}
