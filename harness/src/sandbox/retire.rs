//! Tearing sandboxes down off the thread that used them.
//!
//! Dropping a sandbox is mostly waiting on the kernel: its PID namespace's
//! init dies only after the kernel has reaped everything in it and released
//! the mount namespace (an RCU grace period, ≈ 18 ms), then the state
//! directories go. None of that decides a verdict, so while a
//! [`DeferScope`] is open (the suite's runners open one), [`retire`] hands
//! the sandbox to a short-lived thread of its own and the case thread goes
//! on to the next case. The scope's end waits for every teardown, so a run
//! still returns with nothing of its sandboxes left on the host. Outside a
//! scope (a library caller's single case, the fuzzer) `retire` is a plain
//! drop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use super::Sandbox;

/// Open scopes: teardowns are deferred while any is.
static SCOPES: AtomicUsize = AtomicUsize::new(0);
/// Teardowns under way.
static PENDING: Mutex<usize> = Mutex::new(0);
static SETTLED: Condvar = Condvar::new();

/// Sandboxes retired while this lives are torn down in the background;
/// dropping it waits until every one is gone.
pub struct DeferScope(());

impl DeferScope {
    pub fn begin() -> DeferScope {
        SCOPES.fetch_add(1, Ordering::SeqCst);
        DeferScope(())
    }
}

impl Drop for DeferScope {
    fn drop(&mut self) {
        drain();
        SCOPES.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Wait until every deferred teardown has finished.
pub fn drain() {
    let Ok(mut pending) = PENDING.lock() else {
        return;
    };
    while *pending > 0 {
        pending = match SETTLED.wait(pending) {
            Ok(p) => p,
            Err(_) => return,
        };
    }
}

/// Counts one teardown from its start until it is dropped, wherever that
/// happens (on its thread, or here when no thread could be started).
struct Pending;

impl Pending {
    fn start() -> Pending {
        if let Ok(mut p) = PENDING.lock() {
            *p += 1;
        }
        Pending
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut p) = PENDING.lock() {
            *p = p.saturating_sub(1);
            SETTLED.notify_all();
        }
    }
}

/// Tear `sandbox` down: in the background inside a [`DeferScope`], here
/// otherwise.
pub fn retire(sandbox: Sandbox) {
    if SCOPES.load(Ordering::SeqCst) == 0 {
        drop(sandbox);
        return;
    }
    let pending = Pending::start();
    // On a failed spawn the closure is dropped here: the sandbox goes
    // synchronously, and so does its count.
    let _ = std::thread::Builder::new()
        .name("cnih-retire".into())
        .spawn(move || {
            drop(sandbox);
            drop(pending);
        });
}
