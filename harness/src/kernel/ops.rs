//! Netlink operations on a namespace, under the path callers have always
//! used: they act on sandboxes, so they live in `sandbox::ops`, below this
//! observing layer. Only the wait, which watches through snapshots, is here.

use std::io;

use crate::sandbox::Netns;

pub use crate::sandbox::ops::*;

/// Wait until `name` is operationally up. The kernel moves carrier state
/// asynchronously (linkwatch may defer it up to a second), so a snapshot
/// taken right after `set_up` can still see `lowerlayerdown`.
pub fn wait_until_up(ns: &Netns, name: &str, timeout: std::time::Duration) -> io::Result<()> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let snap = super::snapshot(ns, &super::SnapshotOptions::cheap())?;
        let state = snap
            .links
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.oper_state.clone());
        if state.as_deref() == Some("up") {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "{name} not up after {timeout:?} (state {})",
                    state.unwrap_or_else(|| "absent".into())
                ),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
