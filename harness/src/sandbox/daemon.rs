//! A node daemon a profile's fixtures started for a sandbox (see
//! `node_fixture`), owned by the sandbox so that it stops first.

use std::process::Child;
use std::time::{Duration, Instant};

/// A daemon started for a sandbox; stopped (its whole process group) when
/// dropped, which the sandbox does before removing its namespaces.
#[derive(Debug)]
pub struct Daemon {
    pub(super) name: String,
    pub(super) child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pgid = nix::unistd::Pid::from_raw(-(self.child.id() as i32));
        let _ = nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                // The leader is gone; the rest of its group goes too.
                let _ = nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGKILL);
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Daemon {
    pub fn name(&self) -> &str {
        &self.name
    }
}
