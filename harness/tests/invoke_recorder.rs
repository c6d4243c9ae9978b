//! Proves, version by version and verb by verb, that the harness sends a
//! plugin exactly the environment and stdin SPEC.md and libcni prescribe,
//! using the recording test plugin.

mod common;

use cni_harness::config::NetworkConfig;
use cni_harness::invoke::{Attachment, CniArgs, EnvStyle, Runtime};
use cni_harness::sandbox::Sandbox;
use cni_harness::{SpecVersion, Verb};
use serde_json::{json, Value};

struct Call {
    env: serde_json::Map<String, Value>,
    stdin: Value,
}

fn calls(sandbox: &Sandbox) -> Vec<Call> {
    let file = sandbox.host_view(std::path::Path::new("/var/lib/cni/recorder/calls.jsonl"));
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("recorder writes JSON lines");
            Call {
                env: v["env"].as_object().cloned().unwrap_or_default(),
                stdin: serde_json::from_str(v["stdin"].as_str().unwrap_or("null"))
                    .unwrap_or(Value::Null),
            }
        })
        .collect()
}

fn config(version: SpecVersion, chained: bool) -> NetworkConfig {
    let doc = if version.has_chaining() {
        let second = if chained {
            r#",{"type":"cni-recorder","role":"second"}"#
        } else {
            ""
        };
        format!(
            r#"{{"cniVersion":"{version}","name":"recnet","plugins":[
              {{"type":"cni-recorder","role":"first","capabilities":{{"mac":true}}}}{second}]}}"#
        )
    } else {
        format!(r#"{{"cniVersion":"{version}","name":"recnet","type":"cni-recorder"}}"#)
    };
    NetworkConfig::parse(doc.as_bytes(), "test").expect("test config parses")
}

fn env_of<'a>(c: &'a Call, k: &str) -> Option<&'a str> {
    c.env.get(k).and_then(Value::as_str)
}

#[test]
fn environment_and_stdin_per_version_and_verb() {
    require_root!();
    common::workspace_plugin("cni-recorder");
    for version in SpecVersion::ALL {
        let sandbox = Sandbox::new().expect("sandbox");
        let mut rt = Runtime::new(&sandbox, vec![common::bin_dir()]);
        rt.capability_args =
            serde_json::from_str(r#"{"mac":"c2:11:22:33:44:55","ips":["10.0.0.9/24"]}"#)
                .expect("json");
        let net = config(version, version.has_chaining());
        let mut att = Attachment::new("ctr-1", "net1");
        att.args = CniArgs::parse("IgnoreUnknown=1;K8S_POD_NAME=p").expect("args");

        assert!(
            rt.add(&net, &att).expect("add runs").succeeded(),
            "{version}: ADD"
        );
        if version.has_check() {
            assert!(
                rt.check(&net, &att).expect("check runs").succeeded(),
                "{version}: CHECK"
            );
        }
        assert!(
            rt.del(&net, &att).expect("del runs").succeeded(),
            "{version}: DEL"
        );
        if version.has_status_and_gc() {
            assert!(rt.status(&net).expect("status").succeeded());
            assert!(rt
                .gc(&net, std::slice::from_ref(&att))
                .expect("gc")
                .succeeded());
        }

        for c in calls(&sandbox) {
            let verb: Verb = env_of(&c, "CNI_COMMAND")
                .expect("CNI_COMMAND set")
                .parse()
                .expect("verb");
            // Spec §"Parameters": CNI_VERSION existed only in 0.1.0.
            assert_eq!(
                env_of(&c, "CNI_VERSION").is_some(),
                version == SpecVersion::V0_1_0,
                "{version} {verb}"
            );
            // libcni always sets all six variables.
            for k in [
                "CNI_CONTAINERID",
                "CNI_NETNS",
                "CNI_IFNAME",
                "CNI_ARGS",
                "CNI_PATH",
            ] {
                assert!(c.env.contains_key(k), "{version} {verb}: {k} missing");
            }
            let per_attachment = matches!(verb, Verb::Add | Verb::Check | Verb::Del);
            let expect = |k: &str, v: &str| {
                let want = if per_attachment { v } else { "" };
                assert_eq!(env_of(&c, k), Some(want), "{version} {verb}: {k}");
            };
            expect("CNI_CONTAINERID", "ctr-1");
            expect("CNI_IFNAME", "net1");
            expect("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=p");
            expect("CNI_NETNS", &sandbox.container_path().display().to_string());
            assert_eq!(
                env_of(&c, "CNI_PATH"),
                Some(common::bin_dir().to_str().expect("utf8"))
            );

            // libcni injects name and cniVersion into every plugin's config.
            assert_eq!(c.stdin["name"], "recnet");
            assert_eq!(c.stdin["cniVersion"], version.as_str());
            let first = c.stdin["role"] != "second";
            // runtimeConfig carries only the capabilities the plugin declares.
            if first && version.has_chaining() && per_attachment {
                assert_eq!(
                    c.stdin["runtimeConfig"],
                    json!({"mac": "c2:11:22:33:44:55"}),
                    "{version} {verb}"
                );
            } else {
                assert!(c.stdin.get("runtimeConfig").is_none(), "{version} {verb}");
            }
            // prevResult: chained ADD from 0.3.0; CHECK and DEL from 0.4.0.
            let has_prev = c.stdin.get("prevResult").is_some();
            let want_prev = match verb {
                Verb::Add => !first,
                Verb::Check | Verb::Del => version.has_check(),
                _ => false,
            };
            assert_eq!(
                has_prev, want_prev,
                "{version} {verb} first={first}: prevResult"
            );
            if verb == Verb::Gc {
                let want = json!([{"containerID": "ctr-1", "ifname": "net1"}]);
                assert_eq!(c.stdin["cni.dev/valid-attachments"], want);
                assert_eq!(c.stdin["cni.dev/attachments"], want);
            }
        }
        let seen: Vec<String> = calls(&sandbox)
            .iter()
            .map(|c| env_of(c, "CNI_COMMAND").unwrap_or("?").to_string())
            .collect();
        let n = if version.has_chaining() { 2 } else { 1 };
        let mut want = vec!["ADD"; n];
        if version.has_check() {
            want.extend(vec!["CHECK"; n]);
        }
        want.extend(vec!["DEL"; n]);
        if version.has_status_and_gc() {
            want.extend(vec!["STATUS"; n]);
            want.extend(vec!["GC"; n]);
        }
        assert_eq!(seen, want, "{version}: verbs in order");
    }
}

#[test]
fn del_runs_plugins_in_reverse_order() {
    require_root!();
    let sandbox = Sandbox::new().expect("sandbox");
    let rt = Runtime::new(&sandbox, vec![common::bin_dir()]);
    let net = config(SpecVersion::V1_0_0, true);
    let att = Attachment::new("ctr-2", "eth0");
    rt.add(&net, &att).expect("add");
    rt.del(&net, &att).expect("del");
    let roles: Vec<String> = calls(&sandbox)
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                env_of(c, "CNI_COMMAND").unwrap_or("?"),
                c.stdin["role"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert_eq!(
        roles,
        ["ADD first", "ADD second", "DEL second", "DEL first"]
    );
}

#[test]
fn spec_minimal_environment_per_verb() {
    require_root!();
    let sandbox = Sandbox::new().expect("sandbox");
    let mut rt = Runtime::new(&sandbox, vec![common::bin_dir()]);
    rt.env_style = EnvStyle::SpecMinimal;
    let net = config(SpecVersion::V1_1_0, false);
    let att = Attachment::new("ctr-3", "eth0");
    rt.add(&net, &att).expect("add");
    rt.gc(&net, &[]).expect("gc");
    let keys: Vec<Vec<String>> = calls(&sandbox)
        .iter()
        .map(|c| {
            let mut k: Vec<String> = c
                .env
                .keys()
                .filter(|k| k.starts_with("CNI_"))
                .cloned()
                .collect();
            k.sort();
            k
        })
        .collect();
    assert_eq!(
        keys[0],
        [
            "CNI_COMMAND",
            "CNI_CONTAINERID",
            "CNI_IFNAME",
            "CNI_NETNS",
            "CNI_PATH"
        ]
    );
    assert_eq!(keys[1], ["CNI_COMMAND", "CNI_PATH"]);
}

#[test]
fn plugin_never_sees_its_own_namespace_as_cni_netns() {
    require_root!();
    let sandbox = Sandbox::new().expect("sandbox");
    let node = sandbox.node_netns().expect("scratch node");
    let ctr = sandbox.container().expect("container ns");
    use std::os::unix::fs::MetadataExt;
    let ino = |f: &std::fs::File| f.metadata().map(|m| m.ino()).expect("stat netns");
    assert_ne!(ino(node.file()), ino(ctr.file()));
    // and neither is the harness's own namespace
    let own = std::fs::File::open("/proc/self/ns/net").expect("own netns");
    assert_ne!(ino(node.file()), ino(&own));
    assert_ne!(ino(ctr.file()), ino(&own));
}
