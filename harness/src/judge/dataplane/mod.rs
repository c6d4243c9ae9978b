//! Judging the data plane: pure functions from what a probe sent and what
//! came back (`crate::dataplane`) to [`Finding`]s citing the `DP-*`
//! requirement they enforce, and [`gateways`], the gateway check the
//! suite's `dp/connectivity` and the fuzzer's data-plane oracle share.

pub mod gateways;

use std::net::IpAddr;

use crate::dataplane::report::{Answer, ProbeReport};
use crate::judge::Finding;

/// A probe that must be answered: an error saying `why` it mattered and
/// what happened, or information with the round trip.
pub fn answers(requirement: &'static str, r: &ProbeReport, why: &str) -> Finding {
    if r.answered() {
        Finding::info(requirement, r.to_string())
    } else {
        Finding::error(requirement, format!("{why}: {r}"))
    }
}

/// A probe that must go unanswered.
pub fn silent(requirement: &'static str, r: &ProbeReport, why: &str) -> Finding {
    if r.answered() {
        Finding::error(requirement, format!("{why}: {r}"))
    } else {
        Finding::info(requirement, r.to_string())
    }
}

/// Don't-fragment echoes of exactly the MTU (`at`) and one byte more
/// (`above`): the first must pass, the second must not (refused by the
/// sender's kernel, or dropped or refused on the way).
pub fn mtu(
    requirement: &'static str,
    mtu: u32,
    from_where: &str,
    at: &ProbeReport,
    above: &ProbeReport,
) -> Vec<Finding> {
    let mut out = vec![if at.answered() {
        Finding::info(requirement, at.to_string())
    } else {
        Finding::error(
            requirement,
            format!("a packet of the MTU ({mtu}, {from_where}) does not pass: {at}"),
        )
    }];
    out.push(if above.answered() {
        Finding::error(
            requirement,
            format!(
                "a packet one byte over the MTU ({mtu}, {from_where}) passes unfragmented, \
                 so the path is wider than claimed: {above}"
            ),
        )
    } else {
        Finding::info(requirement, above.to_string())
    });
    out
}

/// Which source address the far end must see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Masquerading on: one of the node's addresses, not the container's.
    Node {
        container: IpAddr,
        node: Vec<IpAddr>,
    },
    /// Masquerading off: the container's own address.
    Container(IpAddr),
}

/// The address a listener saw the container's traffic come from.
pub fn source(requirement: &'static str, r: &ProbeReport, want: &Source) -> Finding {
    let Some(seen) = r.seen_as.map(|s| s.ip()) else {
        return Finding::error(
            requirement,
            format!("the container's traffic never reached the listener, so its source cannot be seen: {r}"),
        );
    };
    if !r.answered() {
        return Finding::error(
            requirement,
            format!("the listener saw the container's traffic come from {seen}, but its answer never came back: {r}"),
        );
    }
    match want {
        Source::Container(c) if seen == *c => Finding::info(requirement, r.to_string()),
        Source::Container(c) => Finding::error(
            requirement,
            format!("with ipMasq off the far end must see the container's own address {c}, it saw {seen}: {r}"),
        ),
        Source::Node { node, .. } if node.contains(&seen) => {
            Finding::info(requirement, r.to_string())
        }
        Source::Node { container, .. } => Finding::error(
            requirement,
            format!(
                "with ipMasq on the far end must see one of the node's addresses, it saw {seen}{}: {r}",
                if seen == *container {
                    " (the container's own, not masqueraded)"
                } else {
                    ""
                }
            ),
        ),
    }
}

/// The round trip of every answered probe, for the pass message.
pub fn summary(reports: &[ProbeReport]) -> String {
    reports
        .iter()
        .map(|r| match &r.answer {
            Answer::Reply { rtt, .. } => {
                format!(
                    "{} → {} {}",
                    r.from,
                    r.to,
                    crate::dataplane::report::ms(*rtt)
                )
            }
            Answer::Error(_) => format!("{} → {} refused", r.from, r.to),
            Answer::Silence(_) => format!("{} → {} silent", r.from, r.to),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::report::Sent;
    use crate::judge::Severity;
    use std::time::Duration;

    fn report(answer: Answer, seen: Option<&str>) -> ProbeReport {
        ProbeReport {
            sent: Sent::Udp { to_port: 47000 },
            from: "container cnih-ctr-0".into(),
            source: Some("10.88.0.2".parse().expect("ip")),
            to: "203.0.113.1".parse().expect("ip"),
            attempts: 1,
            answer,
            seen_as: seen.map(|s| s.parse().expect("socket address")),
        }
    }

    fn reply() -> Answer {
        Answer::Reply {
            from: "203.0.113.1".parse().expect("ip"),
            rtt: Duration::from_micros(80),
        }
    }

    #[test]
    fn answers_and_silence_are_judged_both_ways() {
        let ok = report(reply(), None);
        let lost = report(Answer::Silence(Duration::from_secs(2)), None);
        assert_eq!(answers("DP-GATEWAY", &ok, "x").severity, Severity::Info);
        let f = answers("DP-GATEWAY", &lost, "the gateway does not answer");
        assert_eq!(f.severity, Severity::Error);
        assert!(
            f.message.contains("no answer within 2.0 s"),
            "{}",
            f.message
        );
        assert_eq!(silent("DP-DEL", &ok, "x").severity, Severity::Error);
        assert_eq!(silent("DP-DEL", &lost, "x").severity, Severity::Info);
    }

    #[test]
    fn mtu_needs_the_size_to_pass_and_one_more_not() {
        let ok = report(reply(), None);
        let refused = report(Answer::Error("Message too long".into()), None);
        let sev = |f: Vec<Finding>| f.iter().map(|f| f.severity).max();
        assert_eq!(
            sev(mtu("DP-MTU", 1400, "m", &ok, &refused)),
            Some(Severity::Info)
        );
        assert_eq!(
            sev(mtu("DP-MTU", 1400, "m", &ok, &ok)),
            Some(Severity::Error)
        );
        assert_eq!(
            sev(mtu("DP-MTU", 1400, "m", &refused, &refused)),
            Some(Severity::Error)
        );
    }

    #[test]
    fn masquerading_is_judged_by_the_source_seen() {
        let container: IpAddr = "10.88.0.2".parse().expect("ip");
        let node = vec!["198.51.100.1".parse().expect("ip")];
        let masq = Source::Node {
            container,
            node: node.clone(),
        };
        let plain = Source::Container(container);
        let from_node = report(reply(), Some("198.51.100.1:5000"));
        let from_ctr = report(reply(), Some("10.88.0.2:5000"));
        assert_eq!(
            source("DP-MASQ", &from_node, &masq).severity,
            Severity::Info
        );
        assert_eq!(
            source("DP-MASQ", &from_ctr, &masq).severity,
            Severity::Error
        );
        assert_eq!(
            source("DP-MASQ", &from_ctr, &plain).severity,
            Severity::Info
        );
        assert_eq!(
            source("DP-MASQ", &from_node, &plain).severity,
            Severity::Error
        );
        let never = report(Answer::Silence(Duration::from_secs(2)), None);
        assert_eq!(source("DP-MASQ", &never, &plain).severity, Severity::Error);
        // Seen from the node's address, but the answer was lost on the way back.
        let one_way = report(
            Answer::Silence(Duration::from_secs(2)),
            Some("198.51.100.1:5000"),
        );
        assert_eq!(source("DP-MASQ", &one_way, &masq).severity, Severity::Error);
    }
}
