//! Waiting for what the kernel legitimately needs before packets flow, and
//! no longer: IPv6 duplicate address detection (an address is unusable while
//! `tentative`, ≈ 1.8 s on a fresh veth unless the plugin set `nodad`) is
//! polled over netlink; neighbour resolution is covered by resending.

use std::io;
use std::time::{Duration, Instant};

use crate::kernel::{Coverage, Probe};
use crate::sandbox::Netns;

/// How long a probe waits and how often it resends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    /// Give up after this long.
    pub deadline: Duration,
    /// Send again after this long without an answer.
    pub resend: Duration,
}

impl Patience {
    /// For what must answer: long enough for neighbour resolution on a
    /// loaded machine (answers come in well under a millisecond here).
    pub const ANSWER: Patience = Patience {
        deadline: Duration::from_secs(2),
        resend: Duration::from_millis(100),
    };

    /// For what must not answer, once the same path has answered a moment
    /// before: neighbours are resolved, answers here take some 0.03 ms, and
    /// the socket is read once more at the deadline, so a prober thread the
    /// scheduler kept waiting still sees a reply that did arrive.
    pub const SILENCE: Patience = Patience {
        deadline: Duration::from_millis(50),
        resend: Duration::from_millis(20),
    };
}

/// Longest wait for duplicate address detection: the kernel's default is one
/// probe a second (`dad_transmits` 1, `retrans_time` 1 s), plus the random
/// start delay of up to a second.
pub const DAD_DEADLINE: Duration = Duration::from_secs(4);

/// Addresses of a namespace still tentative (`link address` each).
fn tentative(probe: &mut Probe) -> io::Result<Vec<String>> {
    let snap = probe.read(Coverage::Addressing)?;
    Ok(snap
        .addresses
        .iter()
        .filter(|a| a.flags.iter().any(|f| f == "tentative"))
        .map(|a| {
            let failed = a.flags.iter().any(|f| f == "dadfailed");
            format!(
                "{} {}{}",
                a.link,
                a.address,
                if failed { " (DAD failed)" } else { "" }
            )
        })
        .collect())
}

/// Wait until no IPv6 address of `namespaces` is tentative, polling every
/// 20 ms up to [`DAD_DEADLINE`]. Returns the addresses still tentative
/// then (empty when settled) and how long it took.
pub fn addresses_settled(namespaces: &[&Netns]) -> io::Result<(Vec<String>, Duration)> {
    let start = Instant::now();
    let mut probes = namespaces
        .iter()
        .map(|ns| Probe::open(ns))
        .collect::<io::Result<Vec<_>>>()?;
    loop {
        let mut left = Vec::new();
        for p in &mut probes {
            left.extend(tentative(p)?);
        }
        // A failed DAD never settles: no point waiting for it.
        let only_failed = left.iter().all(|a| a.ends_with("(DAD failed)"));
        if left.is_empty() || only_failed || start.elapsed() >= DAD_DEADLINE {
            return Ok((left, start.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
