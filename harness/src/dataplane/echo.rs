//! ICMP echo from the harness process: a raw socket opened inside the
//! sender's namespace, requests resent until one is answered or the
//! deadline passes.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use super::icmp::{self, Heard, Tag};
use super::report::{Answer, ProbeReport, Sent};
use super::socket::{self, Kind};
use super::wait::Patience;
use super::Endpoint;

/// `ping`'s default: a 56-byte payload.
pub const DEFAULT_PAYLOAD: usize = 56;

/// One echo probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Echo {
    /// The IP packet's length, headers included; `None`: `ping`'s default.
    pub packet: Option<usize>,
    pub dont_fragment: bool,
    /// Send from this address of the sender (`None`: as routing picks).
    pub from: Option<IpAddr>,
    pub patience: Patience,
}

impl Echo {
    /// An ordinary ping that must be answered.
    pub const ANSWER: Echo = Echo {
        packet: None,
        dont_fragment: false,
        from: None,
        patience: Patience::ANSWER,
    };

    /// An ordinary ping that must go unanswered.
    pub const SILENCE: Echo = Echo {
        packet: None,
        dont_fragment: false,
        from: None,
        patience: Patience::SILENCE,
    };

    /// The same probe sent from `addr`.
    pub fn from(self, addr: IpAddr) -> Echo {
        Echo {
            from: Some(addr),
            ..self
        }
    }
}

/// Identifiers differ per probe, so concurrent probes in one namespace
/// (raw sockets see every ICMP packet) never take each other's replies.
static NEXT_ID: AtomicU16 = AtomicU16::new(1);

fn tag() -> Tag {
    let id = NEXT_ID
        .fetch_add(1, Ordering::Relaxed)
        .wrapping_add(std::process::id() as u16);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    Tag {
        id,
        seq: 0,
        nonce: nanos ^ (u64::from(id) << 48),
    }
}

/// Send echo requests from `from` to `to` as `e` says. `Err` only when the
/// harness itself cannot probe (no socket); everything the network does is
/// in the report.
pub fn echo(from: &Endpoint<'_>, to: IpAddr, e: &Echo) -> io::Result<ProbeReport> {
    let v4 = to.is_ipv4();
    let packet = e
        .packet
        .unwrap_or(icmp::ip_header(to) + icmp::ECHO_HEADER + DEFAULT_PAYLOAD);
    let mut report = ProbeReport {
        sent: Sent::Echo {
            packet,
            dont_fragment: e.dont_fragment,
        },
        from: from.name.to_string(),
        source: e.from,
        to,
        attempts: 0,
        answer: Answer::Silence(Duration::ZERO),
        seen_as: None,
    };
    let sock = match socket::open_in(from.ns, Kind::Icmp, to, e.from) {
        Ok((sock, source)) => {
            report.source = source;
            sock
        }
        Err(err) => {
            // Sending from an address the sender lacks is the network's
            // answer, not the harness's failure.
            report.answer = Answer::Error(socket::unsendable(err, e.from)?);
            return Ok(report);
        }
    };
    if e.dont_fragment {
        socket::dont_fragment(&sock, v4)?;
    }
    let mut tag = tag();
    let dest = SocketAddr::new(to, 0).into();
    let start = Instant::now();
    let deadline = start + e.patience.deadline;
    let mut sent_at: Vec<Instant> = Vec::new();
    let mut next_send = start;
    let mut buf = vec![0u8; 65_536];
    loop {
        let now = Instant::now();
        // Past the deadline the socket is still read until empty: a reply
        // that arrived while this thread was not running still counts.
        let late = now >= deadline;
        if !late && now >= next_send {
            tag.seq = sent_at.len() as u16;
            let Some(msg) = icmp::request(v4, tag, packet) else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("a {packet}-byte packet is too short for an echo probe"),
                ));
            };
            match sock.send_to(&msg, &dest) {
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    report.attempts = sent_at.len() as u32 + 1;
                    report.answer = Answer::Error(format!("the sender's kernel refused it: {err}"));
                    return Ok(report);
                }
            }
            sent_at.push(now);
            report.attempts = sent_at.len() as u32;
            next_send = now + e.patience.resend;
        }
        let wait = next_send
            .min(deadline)
            .saturating_duration_since(Instant::now());
        let Some((n, from_addr)) = socket::recv_from(&sock, &mut buf, wait)? else {
            if late {
                report.answer = Answer::Silence(now - start);
                return Ok(report);
            }
            continue;
        };
        let bytes = &buf[..n];
        let who = socket::ip_of(&from_addr).unwrap_or(to);
        match icmp::hear(v4, bytes, tag) {
            Heard::Reply { seq } => {
                let asked = sent_at.get(usize::from(seq)).copied().unwrap_or(start);
                report.answer = Answer::Reply {
                    from: who,
                    rtt: asked.elapsed(),
                };
                return Ok(report);
            }
            Heard::Error { what, .. } => {
                report.answer = Answer::Error(format!("ICMP {what} from {who}"));
                return Ok(report);
            }
            Heard::Other => {}
        }
    }
}
