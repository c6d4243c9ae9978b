//! Whether, by which signal and since when the run has been told to stop:
//! what every driver and the plugin executor poll. The process-group
//! registry below keeps a flag of its own (`sandbox::registry::close`), so
//! that nothing under `sandbox` imports this layer.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The signal that stopped the run; 0 while none came.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
static CAME: OnceLock<Instant> = OnceLock::new();

/// Record that `signal` came (the first time only counts for the time).
pub(super) fn record(signal: i32) {
    let _ = CAME.set(Instant::now());
    SIGNAL.store(signal, Ordering::SeqCst);
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
