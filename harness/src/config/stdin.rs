//! The stdin libcni hands each plugin of a list (libcni `buildOneConfig` and
//! `injectRuntimeConfig`): the plugin's own object plus `name`, `cniVersion`,
//! `runtimeConfig` for the capabilities it declares, `prevResult` where the
//! verb and version call for it, and GC's attachment list. The `prevResult`
//! given here is sent as it is: the runtime re-encodes it first
//! (`invoke::prev_result`).

use serde_json::{json, Map, Value};

use super::NetworkConfig;
use crate::spec::{SpecVersion, Verb};

/// What a plugin's stdin must carry beyond its configuration.
#[derive(Debug, Clone, Copy)]
pub enum StdinFor<'a> {
    Add {
        prev_result: Option<&'a Value>,
    },
    Check {
        prev_result: Option<&'a Value>,
    },
    Del {
        prev_result: Option<&'a Value>,
    },
    Status,
    /// Attachments (container ID, ifname) the runtime still considers valid.
    Gc {
        valid: &'a [(String, String)],
    },
}

impl StdinFor<'_> {
    pub fn verb(&self) -> Verb {
        match self {
            StdinFor::Add { .. } => Verb::Add,
            StdinFor::Check { .. } => Verb::Check,
            StdinFor::Del { .. } => Verb::Del,
            StdinFor::Status => Verb::Status,
            StdinFor::Gc { .. } => Verb::Gc,
        }
    }
}

/// Build the JSON document plugin `index` of `net` receives on stdin.
///
/// `capability_args` are the runtime's capability arguments (e.g. `portMappings`);
/// only those the plugin declares in `capabilities` are passed, in `runtimeConfig`.
pub fn plugin_stdin(
    net: &NetworkConfig,
    index: usize,
    what: StdinFor<'_>,
    capability_args: &Map<String, Value>,
) -> Value {
    let mut conf = net.plugins.get(index).cloned().unwrap_or_default();
    conf.insert("name".into(), Value::String(net.name.clone()));
    conf.insert("cniVersion".into(), Value::String(net.cni_version.clone()));

    // Capability arguments belong to an attachment: libcni sends none with
    // STATUS and GC.
    let per_attachment = matches!(
        what,
        StdinFor::Add { .. } | StdinFor::Check { .. } | StdinFor::Del { .. }
    );
    let runtime: Map<String, Value> = conf
        .get("capabilities")
        .and_then(Value::as_object)
        .map(|caps| {
            caps.iter()
                .filter(|(_, on)| on.as_bool() == Some(true))
                .filter_map(|(cap, _)| capability_args.get(cap).map(|v| (cap.clone(), v.clone())))
                .collect()
        })
        .unwrap_or_default();
    if per_attachment && !runtime.is_empty() {
        conf.insert("runtimeConfig".into(), Value::Object(runtime));
    }

    // prevResult: on CHECK and DEL from 0.4.0; on chained ADD whatever the
    // version, as libcni does (the spec has lists only from 0.3.0, but a
    // list declaring an older version still chains under libcni).
    let version = net.spec_version().unwrap_or(SpecVersion::LATEST);
    let prev = match what {
        StdinFor::Add { prev_result } => prev_result,
        StdinFor::Check { prev_result } | StdinFor::Del { prev_result } if version.has_check() => {
            prev_result
        }
        _ => None,
    };
    if let Some(prev) = prev {
        conf.insert("prevResult".into(), prev.clone());
    }

    if let StdinFor::Gc { valid } = what {
        let list = valid_attachments(valid);
        // The key was `cni.dev/attachments` at the 1.1.0 tag and
        // `cni.dev/valid-attachments` afterwards; libcni sends both.
        conf.insert("cni.dev/valid-attachments".into(), list.clone());
        conf.insert("cni.dev/attachments".into(), list);
    }
    Value::Object(conf)
}

/// The stdin of an IPAM plugin called directly, as a main plugin hands it
/// on (SPEC.md "IPAM plugins": the main plugin calls its `ipam.type` with
/// the network configuration it was given): `main_stdin`'s network-level
/// keys (`cniVersion`, `name`, `args`, `runtimeConfig`, `dns`) and its
/// `ipam` object, with `type` the IPAM type. The main plugin's own keys
/// (`bridge`, `mtu`...) mean nothing to the IPAM plugin and are left out;
/// `prevResult` too (the main plugin's chain is not the IPAM plugin's).
pub fn ipam_stdin(main_stdin: &Value, ipam_type: &str) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), Value::String(ipam_type.to_string()));
    if let Some(main) = main_stdin.as_object() {
        for key in ["cniVersion", "name", "args", "runtimeConfig", "dns", "ipam"] {
            if let Some(v) = main.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The GC attachment list: `[{"containerID": .., "ifname": ..}]`.
pub fn valid_attachments(valid: &[(String, String)]) -> Value {
    Value::Array(
        valid
            .iter()
            .map(|(id, ifname)| json!({"containerID": id, "ifname": ifname}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(version: &str) -> NetworkConfig {
        NetworkConfig::parse(
            format!(
                r#"{{"cniVersion":"{version}","name":"net","plugins":[
                {{"type":"bridge","capabilities":{{"ips":true,"mac":false}}}},
                {{"type":"tuning"}}]}}"#
            )
            .as_bytes(),
            "test",
        )
        .expect("valid")
    }

    #[test]
    fn an_ipam_plugin_called_directly_gets_the_network_keys_and_its_ipam_object() {
        let main = json!({"cniVersion": "1.0.0", "name": "net", "type": "bridge",
            "bridge": "cni0", "runtimeConfig": {"ips": ["10.1.0.5/24"]},
            "ipam": {"type": "static", "addresses": []}, "prevResult": {}});
        assert_eq!(
            ipam_stdin(&main, "static"),
            json!({"cniVersion": "1.0.0", "name": "net", "type": "static",
                "runtimeConfig": {"ips": ["10.1.0.5/24"]},
                "ipam": {"type": "static", "addresses": []}})
        );
    }

    #[test]
    fn injects_name_version_and_declared_capabilities_only() {
        let caps: Map<String, Value> = serde_json::from_str(
            r#"{"ips":["10.1.0.5/24"],"mac":"aa:bb:cc:dd:ee:ff","portMappings":[]}"#,
        )
        .expect("json");
        let s = plugin_stdin(&net("1.0.0"), 0, StdinFor::Add { prev_result: None }, &caps);
        assert_eq!(s["name"], "net");
        assert_eq!(s["cniVersion"], "1.0.0");
        assert_eq!(s["runtimeConfig"], json!({"ips":["10.1.0.5/24"]}));
        let s = plugin_stdin(&net("1.0.0"), 1, StdinFor::Add { prev_result: None }, &caps);
        assert!(s.get("runtimeConfig").is_none());
    }

    #[test]
    fn prev_result_follows_the_version_rules() {
        let prev = json!({"cniVersion":"0.3.1"});
        let none = Map::new();
        let del = StdinFor::Del {
            prev_result: Some(&prev),
        };
        assert!(plugin_stdin(&net("0.3.1"), 0, del, &none)
            .get("prevResult")
            .is_none());
        assert_eq!(
            plugin_stdin(&net("0.4.0"), 0, del, &none)["prevResult"],
            prev
        );
        let add = StdinFor::Add {
            prev_result: Some(&prev),
        };
        assert_eq!(
            plugin_stdin(&net("0.3.0"), 1, add, &none)["prevResult"],
            prev
        );
        // libcni chains a list whatever version it declares.
        assert_eq!(
            plugin_stdin(&net("0.2.0"), 1, add, &none)["prevResult"],
            prev
        );
    }

    #[test]
    fn gc_sends_both_attachment_keys() {
        let valid = [("c1".to_string(), "eth0".to_string())];
        let s = plugin_stdin(
            &net("1.1.0"),
            0,
            StdinFor::Gc { valid: &valid },
            &Map::new(),
        );
        let want = json!([{"containerID":"c1","ifname":"eth0"}]);
        assert_eq!(s["cni.dev/valid-attachments"], want);
        assert_eq!(s["cni.dev/attachments"], want);
    }
}
