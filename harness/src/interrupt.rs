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

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::sandbox::registry;

/// How long the run gets to wind down after the first signal.
pub const GRACE: Duration = Duration::from_secs(15);

/// The signal that stopped the run; 0 while none came.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
static INSTALLED: OnceLock<Instant> = OnceLock::new();
static CAME: OnceLock<Instant> = OnceLock::new();

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
    let _ = CAME.set(Instant::now());
    SIGNAL.store(signal, Ordering::SeqCst);
    registry::kill_groups();
}

/// Whether the run has been told to stop.
pub fn requested() -> bool {
    SIGNAL.load(Ordering::SeqCst) != 0
}

/// The signal that stopped the run, if one did.
pub fn signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// How long ago the signal came, if one did.
pub fn since() -> Option<Duration> {
    CAME.get().map(Instant::elapsed)
}

/// When the signal came, in milliseconds after a run's start that was
/// `elapsed` ago.
pub fn came_after_ms(elapsed: Duration) -> u64 {
    elapsed
        .saturating_sub(since().unwrap_or_default())
        .as_millis() as u64
}

/// The error work refused or cut short by the interruption returns.
pub fn error() -> io::Error {
    let name = signal().map(signal_name).unwrap_or("signal");
    io::Error::new(io::ErrorKind::Interrupted, format!("interrupted by {name}"))
}

/// Whether an error (anywhere in its chain) is the interruption's.
pub fn is_interruption(e: &anyhow::Error) -> bool {
    requested()
        || e.chain().any(|c| {
            c.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::Interrupted)
        })
}

/// The exit status of a command stopped by `signal`: 128 + its number, as
/// a shell reports it (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(255)
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "signal",
    }
}

fn force_exit(signal: i32, why: &str) -> ! {
    registry::kill_groups();
    let removed = registry::remove_leftovers();
    eprintln!(
        "cni-harness: {}: exiting now ({why}); removed {} leftover namespaces and directories",
        signal_name(signal),
        removed.len()
    );
    std::process::exit(i32::from(exit_code(signal)))
}
