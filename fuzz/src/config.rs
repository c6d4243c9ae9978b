//! Network configurations and profiles (`cni_harness::config`): what users
//! hand the harness on the command line.

use cni_harness::config::{NetworkConfig, Profile, Shape};
use cni_harness::spec::SpecVersion;
use serde_json::Value;

use crate::gen::{json_or_generated, Doc};

const ORIGIN: &str = "fuzz-input";

/// `NetworkConfig::parse`: errors name the origin; an accepted configuration
/// has valid plugin types, survives re-serialisation, and `at_version` yields
/// a configuration that parses back at that version.
pub fn network_config(data: &[u8]) {
    let bytes = json_or_generated(data, Doc::NetworkConfig);
    match NetworkConfig::parse(&bytes, ORIGIN) {
        Err(e) => assert!(e.to_string().contains(ORIGIN), "error without origin: {e}"),
        Ok(net) => check_accepted(&net),
    }
}

fn check_accepted(net: &NetworkConfig) {
    assert!(!net.plugins.is_empty());
    assert!(!net.name.is_empty());
    if net.shape == Shape::Single {
        assert_eq!(net.plugins.len(), 1);
    }
    for t in net.plugin_types() {
        assert!(
            !t.is_empty() && !t.contains('/') && t != "." && t != "..",
            "{t:?}"
        );
    }
    let again = reparse(&net.raw);
    assert_eq!(
        summary(&again),
        summary(net),
        "re-serialised config differs"
    );
    for v in SpecVersion::ALL {
        let at = net.at_version(v);
        assert_eq!(at.spec_version(), Some(v));
        let again = reparse(&at.raw);
        assert_eq!(again.spec_version(), Some(v));
        assert_eq!(summary(&again), summary(&at), "at_version({v}) differs");
    }
}

/// Re-serialise and parse: an accepted configuration must parse again.
fn reparse(raw: &Value) -> NetworkConfig {
    let text = serde_json::to_vec(raw).expect("a Value serialises");
    NetworkConfig::parse(&text, ORIGIN).expect("re-serialised config parses")
}

/// Everything but `raw` (whose floats may not survive text exactly).
fn summary(n: &NetworkConfig) -> impl PartialEq + std::fmt::Debug {
    (
        n.shape,
        n.name.clone(),
        n.cni_version.clone(),
        n.cni_versions.clone(),
        (n.disable_check, n.disable_gc),
        n.plugin_types(),
        n.plugins
            .iter()
            .map(|p| p.get("cniVersion").cloned())
            .collect::<Vec<_>>(),
    )
}

/// `Profile::parse`: an accepted profile tests a plugin its configuration
/// mentions, and its configuration is itself acceptable.
pub fn profile(data: &[u8]) {
    let bytes = json_or_generated(data, Doc::Profile);
    match Profile::parse(&bytes, ORIGIN) {
        Err(e) => assert!(e.to_string().contains(ORIGIN), "error without origin: {e}"),
        Ok(p) => {
            check_accepted(&p.config);
            let mentioned = p.config.plugins.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some(&p.plugin)
                    || c.get("ipam")
                        .and_then(|i| i.get("type"))
                        .and_then(Value::as_str)
                        == Some(&p.plugin)
            });
            assert!(mentioned, "plugin {:?} not in the configuration", p.plugin);
            assert!(!p.ifname().is_empty(), "profile accepted an empty ifname");
        }
    }
}
