//! What one probe sent, from where to where, and what came back: the text a
//! failure shows and the numbers the benchmark reports.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// What was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// ICMP (v4) or ICMPv6 echo requests; `packet` is the IP packet's length.
    Echo { packet: usize, dont_fragment: bool },
    /// A UDP datagram to a listener the harness opened.
    Udp { to_port: u16 },
    /// A TCP connection and one request/response over it.
    Tcp { to_port: u16 },
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The expected answer, from `from`, `rtt` after the request that got it.
    Reply { from: IpAddr, rtt: Duration },
    /// An ICMP error about the probe, or the local stack refusing it.
    Error(String),
    /// Nothing within the time allowed.
    Silence(Duration),
}

/// One probe and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    pub sent: Sent,
    /// Where it was sent from: `container cnih-ctr-0`, `node`, `uplink`.
    pub from: String,
    /// The source address the sender's kernel chose (`None`: no route).
    pub source: Option<IpAddr>,
    pub to: IpAddr,
    /// Requests sent (echo and UDP are repeated until answered).
    pub attempts: u32,
    pub answer: Answer,
    /// For UDP and TCP: the client's address as the listener saw it.
    pub seen_as: Option<SocketAddr>,
}

impl ProbeReport {
    pub fn answered(&self) -> bool {
        matches!(self.answer, Answer::Reply { .. })
    }

    /// The round trip of the answer, if there was one.
    pub fn rtt(&self) -> Option<Duration> {
        match self.answer {
            Answer::Reply { rtt, .. } => Some(rtt),
            _ => None,
        }
    }

    /// `ICMP echo (84-byte packet) from container cnih-ctr-0 (10.88.0.2) to 10.88.0.1`.
    pub fn what(&self) -> String {
        let sent = match &self.sent {
            Sent::Echo {
                packet,
                dont_fragment,
            } => {
                let proto = if self.to.is_ipv4() { "ICMP" } else { "ICMPv6" };
                let df = if *dont_fragment {
                    ", don't fragment"
                } else {
                    ""
                };
                format!("{proto} echo ({packet}-byte packet{df})")
            }
            Sent::Udp { .. } => "UDP datagram".to_string(),
            Sent::Tcp { .. } => "TCP connection".to_string(),
        };
        let source = match self.source {
            Some(ip) => format!(" ({ip})"),
            None => " (no route)".to_string(),
        };
        let to = match &self.sent {
            Sent::Udp { to_port } | Sent::Tcp { to_port } => {
                SocketAddr::new(self.to, *to_port).to_string()
            }
            Sent::Echo { .. } => self.to.to_string(),
        };
        format!("{sent} from {}{source} to {to}", self.from)
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Reply { from, rtt } => write!(f, "answered by {from} in {}", ms(*rtt)),
            Answer::Error(e) => f.write_str(e),
            Answer::Silence(waited) => write!(f, "no answer within {}", ms(*waited)),
        }
    }
}

impl fmt::Display for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what(), self.answer)?;
        if self.attempts > 1 {
            write!(f, " ({} sent)", self.attempts)?;
        }
        if let Some(seen) = self.seen_as {
            write!(f, "; the listener saw the client as {}", seen.ip())?;
        }
        Ok(())
    }
}

/// `0.12 ms`, `2.0 s`.
pub fn ms(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_went_where_and_what_came_back() {
        let r = ProbeReport {
            sent: Sent::Echo {
                packet: 84,
                dont_fragment: false,
            },
            from: "container cnih-ctr-0".into(),
            source: Some("10.88.0.2".parse().expect("ip")),
            to: "10.88.0.1".parse().expect("ip"),
            attempts: 20,
            answer: Answer::Silence(Duration::from_secs(2)),
            seen_as: None,
        };
        assert_eq!(
            r.to_string(),
            "ICMP echo (84-byte packet) from container cnih-ctr-0 (10.88.0.2) to 10.88.0.1: \
             no answer within 2.0 s (20 sent)"
        );
        assert!(!r.answered());
    }
}
