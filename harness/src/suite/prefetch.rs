//! Sandboxes made ahead of the cases that will use them.
//!
//! Making a sandbox (two network namespaces, the mount namespace with its
//! layers, the PID namespace's init, the profile's fixtures) takes
//! 10–20 ms, mostly in the kernel; cases spend most of their time waiting
//! on plugins and on the kernel, so one thread of the runner makes the
//! next sandboxes while the case threads run, and a case takes a ready one
//! when there is one (else it makes its own, as without prefetching). A
//! ready sandbox is as fresh as one made on the spot: nothing has run in
//! it. The runner closes the pool when its cases are done, and sandboxes
//! made for nothing are torn down like any other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

use crate::config::Profile;
use crate::invoke::setup;
use crate::sandbox::{retire, Sandbox};

pub struct Ready {
    /// Taken by the producing thread when it starts.
    tx: Mutex<Option<SyncSender<Sandbox>>>,
    rx: Mutex<Receiver<Sandbox>>,
    closed: AtomicBool,
}

impl Ready {
    /// A pool holding at most `depth` ready sandboxes.
    pub fn new(depth: usize) -> Ready {
        let (tx, rx) = sync_channel(depth.max(1));
        Ready {
            tx: Mutex::new(Some(tx)),
            rx: Mutex::new(rx),
            closed: AtomicBool::new(false),
        }
    }

    /// Make sandboxes for `profile` until the pool is closed (run on a
    /// thread of its own). A sandbox that cannot be made stops it: the
    /// cases then make their own and meet the problem themselves.
    pub fn produce(&self, profile: &Profile) {
        let Some(tx) = self.tx.lock().ok().and_then(|mut t| t.take()) else {
            return;
        };
        while !self.closed.load(Ordering::SeqCst) && !crate::interrupt::requested() {
            match setup::sandbox_for(profile) {
                // Blocks while the pool is full; fails once it is gone.
                Ok(sandbox) => {
                    if let Err(unsent) = tx.send(sandbox) {
                        retire::retire(unsent.0);
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    }

    /// A ready sandbox, if one is (never waits for one).
    pub fn take(&self) -> Option<Sandbox> {
        self.rx.lock().ok()?.try_recv().ok()
    }

    /// Stop producing, and tear down what was made for nothing (also what
    /// a producer blocked on a full pool sends once room is made: call
    /// again after joining it).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        while let Some(sandbox) = self.take() {
            retire::retire(sandbox);
        }
    }
}
