//! Stopping a run on SIGINT, SIGTERM or SIGHUP without leaving anything
//! behind.
//!
//! A dedicated thread waits for the signals (signal-hook turns them into
//! reads of a pipe, so nothing async-signal-unsafe runs in a handler). On
//! the first one it records which signal came, which every driver polls
//! through [`requested`], and SIGKILLs the registered plugin process groups
//! (`sandbox::registry`), so whatever a plugin was doing ends now. The
//! drivers then stop starting work, drop their sandboxes, write what they
//! gathered marked as interrupted, and the command exits with 128 + the
//! signal number. A second signal, or a run that has not finished
//! [`GRACE`] after the first, exits at once after a best-effort removal of
//! this process's namespaces and directories.

mod state;

use std::io;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

pub use state::{
    came_after_ms, error, exit_code, is_interruption, requested, signal, signal_name, since,
};

use crate::sandbox::{self, registry};

/// How long the run gets to wind down after the first signal.
pub const GRACE: Duration = Duration::from_secs(15);

static INSTALLED: OnceLock<Instant> = OnceLock::new();

/// Start the signal thread (once per process; later calls do nothing).
pub fn install() -> io::Result<()> {
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    let _ = INSTALLED.set(Instant::now());
    std::thread::Builder::new()
        .name("cnih-signals".into())
        .spawn(move || {
            let Some(first) = signals.forever().next() else {
                return;
            };
            request(first);
            eprintln!(
                "\ncni-harness: {}: stopping; plugins killed, sandboxes being removed \
                 (a second signal exits at once)",
                signal_name(first)
            );
            let deadline = Instant::now() + GRACE;
            loop {
                if let Some(second) = signals.pending().next() {
                    force_exit(second, "second signal");
                }
                if Instant::now() >= deadline {
                    force_exit(first, "the run did not stop in time");
                }
                // Also catches a group registered while the first sweep ran.
                registry::kill_groups();
                std::thread::sleep(Duration::from_millis(20));
            }
        })?;
    Ok(())
}

/// Act as if `signal` had arrived: what the signal thread does first, and
/// what a library user stopping a run from its own handler calls.
pub fn request(signal: i32) {
    state::record(signal);
    registry::close();
}

fn force_exit(signal: i32, why: &str) -> ! {
    registry::kill_groups();
    let removed = sandbox::remove_leftovers();
    eprintln!(
        "cni-harness: {}: exiting now ({why}); removed {} leftover namespaces and directories",
        signal_name(signal),
        removed.len()
    );
    std::process::exit(i32::from(exit_code(signal)))
}
