//! What a delegating plugin makes of its delegate's answers and failures:
//! - its ADD result carries what the IPAM delegate returned: every address
//!   (IPAM-CARRY), and its routes and `dns` (IPAM-CARRY-EXTRA, a SHOULD:
//!   a plugin may document taking `dns` from its own configuration);
//! - an ADD that fails after a delegate's ADD succeeded runs that
//!   delegate's DEL before returning (IPAM-ROLLBACK, a SHOULD like
//!   IPAM-8) and never runs the delegate's ADD again (IPAM-NO-READD: a
//!   second reservation nobody will release by name).

use super::Finding;
use crate::result::CniResult;

pub mod ids {
    pub const CARRY: &str = "IPAM-CARRY";
    pub const CARRY_EXTRA: &str = "IPAM-CARRY-EXTRA";
    pub const ROLLBACK: &str = "IPAM-ROLLBACK";
    pub const NO_READD: &str = "IPAM-NO-READD";
}

/// The plugin's result against the delegate's.
pub fn carried(delegate: &CniResult, plugin: &CniResult) -> Vec<Finding> {
    let mut out = Vec::new();
    let have = plugin.addresses();
    for ip in &delegate.ips {
        if !have.contains(&ip.address.addr()) {
            out.push(
                Finding::error(
                    ids::CARRY,
                    format!(
                        "the result lacks the address {} the IPAM delegate returned",
                        ip.address
                    ),
                )
                .expected(ip.address.to_string())
                .actual(format!("{have:?}")),
            );
        }
    }
    for r in &delegate.routes {
        if !plugin.routes.iter().any(|p| p.dst == r.dst && p.gw == r.gw) {
            out.push(
                Finding::warning(
                    ids::CARRY_EXTRA,
                    format!(
                        "the result lacks the route to {} the IPAM delegate returned",
                        r.dst
                    ),
                )
                .expected(format!("{} via {:?}", r.dst, r.gw))
                .actual(format!("{} routes", plugin.routes.len())),
            );
        }
    }
    let d = &delegate.dns;
    let p = &plugin.dns;
    let lost: Vec<&String> = d
        .nameservers
        .iter()
        .chain(&d.search)
        .chain(d.domain.iter())
        .filter(|x| {
            !p.nameservers.contains(x) && !p.search.contains(x) && p.domain.as_ref() != Some(x)
        })
        .collect();
    if !lost.is_empty() {
        out.push(
            Finding::warning(
                ids::CARRY_EXTRA,
                "the result drops the dns the IPAM delegate returned",
            )
            .expected(format!("{d:?}"))
            .actual(format!("{p:?}")),
        );
    }
    out
}

/// The delegate's verbs, in order, while the plugin's failed ADD ran
/// (before the runtime's DEL). Judged only when a delegate ADD succeeded.
pub fn rolled_back(calls: &[(String, bool)]) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(first_ok) = calls.iter().position(|(v, ok)| v == "ADD" && *ok) else {
        return out;
    };
    let later = &calls[first_ok + 1..];
    let verbs: Vec<&str> = calls.iter().map(|(v, _)| v.as_str()).collect();
    if later.iter().any(|(v, _)| v == "ADD") {
        out.push(
            Finding::error(
                ids::NO_READD,
                "the failed ADD ran the delegate's ADD again after it had succeeded",
            )
            .expected("one delegate ADD, then its DEL")
            .actual(format!("delegate calls: {}", verbs.join(", "))),
        );
    }
    if !later.iter().any(|(v, _)| v == "DEL") {
        out.push(
            Finding::warning(
                ids::ROLLBACK,
                "the failed ADD returned without the DEL of the delegate whose ADD succeeded",
            )
            .expected("the delegate's DEL before the plugin fails")
            .actual(format!("delegate calls: {}", verbs.join(", "))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(v: &[(&str, bool)]) -> Vec<(String, bool)> {
        v.iter().map(|(s, ok)| (s.to_string(), *ok)).collect()
    }

    #[test]
    fn rollback_is_one_del_and_no_second_add() {
        assert!(rolled_back(&calls(&[("ADD", true), ("DEL", true)])).is_empty());
        assert!(rolled_back(&calls(&[("ADD", false)])).is_empty());
        let ids: Vec<&str> = rolled_back(&calls(&[("ADD", true), ("DEL", true), ("ADD", true)]))
            .iter()
            .map(|f| f.requirement)
            .collect();
        assert_eq!(ids, [ids::NO_READD]);
        let ids: Vec<&str> = rolled_back(&calls(&[("ADD", true)]))
            .iter()
            .map(|f| f.requirement)
            .collect();
        assert_eq!(ids, [ids::ROLLBACK]);
    }

    #[test]
    fn what_the_ipam_returned_is_carried() {
        let parse = |v: serde_json::Value| crate::result::parse_value(&v).expect("result");
        let ipam = parse(serde_json::json!({"cniVersion": "1.0.0",
            "ips": [{"address": "10.199.0.5/24", "gateway": "10.199.0.1"}],
            "routes": [{"dst": "192.0.2.0/24", "gw": "10.199.0.1"}],
            "dns": {"nameservers": ["192.0.2.53"]}}));
        let whole = parse(serde_json::json!({"cniVersion": "1.0.0",
            "interfaces": [{"name": "eth0", "sandbox": "/x"}],
            "ips": [{"address": "10.199.0.5/24", "interface": 0}],
            "routes": [{"dst": "192.0.2.0/24", "gw": "10.199.0.1"}],
            "dns": {"nameservers": ["192.0.2.53"]}}));
        assert!(carried(&ipam, &whole).is_empty());
        let bare = parse(serde_json::json!({"cniVersion": "1.0.0",
            "interfaces": [{"name": "eth0", "sandbox": "/x"}], "ips": [], "dns": {}}));
        let ids: Vec<&str> = carried(&ipam, &bare)
            .iter()
            .map(|f| f.requirement)
            .collect();
        assert_eq!(ids, [ids::CARRY, ids::CARRY_EXTRA, ids::CARRY_EXTRA]);
    }
}
