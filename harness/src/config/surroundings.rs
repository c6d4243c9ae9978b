//! What lies around the node, for the data-plane cases: where the network
//! beyond the host is, and who owns the gateway when the node does not.
//!
//! In a profile, under `node` (beside the fixtures that prepare the node):
//! ```json
//! "surroundings": "behindNode"
//! "surroundings": {"parentLinkPeer": {"addresses": ["10.88.0.1/24"]}}
//! ```

use serde::Deserialize;

use crate::result::Cidr;

/// Where the uplink namespace (the stand-in for the network beyond the host)
/// is joined to the sandbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Surroundings {
    /// Behind the node, on a veth of its own, reached through the node's
    /// routing: for plugins that make the node the gateway (bridge, ptp).
    #[default]
    BehindNode,
    /// On the far end of the profile's parent link, owning `addresses` (the
    /// network's gateway): for plugins whose gateway lives on the physical
    /// network by design (macvlan, ipvlan, host-device).
    ParentLinkPeer { addresses: Vec<Cidr> },
}

impl Surroundings {
    /// What is wrong with this description given the profile's parent link.
    pub fn problem(&self, parent_link: Option<&str>) -> Option<String> {
        match self {
            Surroundings::BehindNode => None,
            Surroundings::ParentLinkPeer { .. } if parent_link.is_none() => Some(
                "`parentLinkPeer` places the uplink on the parent link's far end: \
                 it needs `needs.parentLink`"
                    .into(),
            ),
            Surroundings::ParentLinkPeer { addresses } if addresses.is_empty() => {
                Some("`parentLinkPeer.addresses` is empty: name the gateway's address".into())
            }
            Surroundings::ParentLinkPeer { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse() {
        let behind: Surroundings = serde_json::from_str(r#""behindNode""#).expect("parses");
        assert_eq!(behind, Surroundings::BehindNode);
        let peer: Surroundings =
            serde_json::from_str(r#"{"parentLinkPeer":{"addresses":["10.88.0.1/24"]}}"#)
                .expect("parses");
        assert!(peer.problem(Some("eth0")).is_none());
        assert!(peer.problem(None).is_some_and(|p| p.contains("parentLink")));
        assert!(serde_json::from_str::<Surroundings>(r#"{"parentLinkPeer":{"addr":[]}}"#).is_err());
    }

    #[test]
    fn a_profile_putting_the_uplink_on_the_parent_link_needs_one() {
        let doc = br#"{"profile":"p","plugin":"macvlan",
            "node":{"surroundings":{"parentLinkPeer":{"addresses":["10.0.0.1/24"]}}},
            "config":{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"macvlan"}]}}"#;
        let e = crate::config::Profile::parse(doc, "t").expect_err("refused");
        assert!(e.to_string().contains("needs.parentLink"), "{e}");
        let bad_cidr = br#"{"profile":"p","plugin":"macvlan",
            "needs":{"parentLink":"eth0"},"node":{"surroundings":{"parentLinkPeer":{"addresses":["10.0.0.1"]}}},
            "config":{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"macvlan"}]}}"#;
        let e = crate::config::Profile::parse(bad_cidr, "t").expect_err("refused");
        assert!(e.to_string().contains("prefix"), "{e}");
    }
}
