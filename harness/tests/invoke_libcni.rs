//! The runtime does what libcni does (libcni 1.2+/1.3 `libcni`, `pkg/invoke`,
//! `pkg/types`), checked with the recording plugin: what each plugin
//! received, and what the runtime made of the answers.

mod common;

use cni_harness::config::NetworkConfig;
use cni_harness::invoke::{Attachment, PrevResultMode, Runtime, RuntimeFailure};
use cni_harness::sandbox::Sandbox;
use serde_json::{json, Value};

struct Call {
    env: serde_json::Map<String, Value>,
    stdin: Value,
}

impl Call {
    fn env(&self, k: &str) -> Option<&str> {
        self.env.get(k).and_then(Value::as_str)
    }
    fn verb(&self) -> &str {
        self.env("CNI_COMMAND").unwrap_or("?")
    }
    fn role(&self) -> &str {
        self.stdin["role"].as_str().unwrap_or("?")
    }
    /// `VERB role`, to compare call sequences.
    fn tag(&self) -> String {
        format!("{} {}", self.verb(), self.role())
    }
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

fn tags(sandbox: &Sandbox) -> Vec<String> {
    calls(sandbox).iter().map(Call::tag).collect()
}

/// A list of recorders named `first`, `second`... with these scripted answers.
fn list(top: Value, answers: &[Value]) -> NetworkConfig {
    let names = ["first", "second", "third"];
    let plugins: Vec<Value> = answers
        .iter()
        .zip(names)
        .map(|(a, role)| json!({"type": "cni-recorder", "role": role, "answers": a}))
        .collect();
    let mut doc = json!({"name": "recnet", "plugins": plugins});
    if let (Some(d), Some(t)) = (doc.as_object_mut(), top.as_object()) {
        d.extend(t.clone());
    }
    NetworkConfig::from_value(doc, "test").expect("test list parses")
}

fn setup() -> Sandbox {
    common::workspace_plugin("cni-recorder");
    Sandbox::new().expect("sandbox")
}

fn runtime(sandbox: &Sandbox) -> Runtime<'_> {
    Runtime::new(sandbox, vec![common::bin_dir()])
}

#[test]
fn cni_versions_pick_the_highest_version_for_every_verb() {
    require_root!();
    let sandbox = setup();
    let rt = runtime(&sandbox);
    let net = list(
        json!({"cniVersion": "1.0.0", "cniVersions": ["1.0.0", "1.1.0"]}),
        &[json!({})],
    );
    let att = Attachment::new("ctr-v", "eth0");
    assert!(rt.add(&net, &att).expect("add").succeeded());
    assert!(rt.status(&net).expect("status runs at 1.1.0").succeeded());
    for c in calls(&sandbox) {
        assert_eq!(c.stdin["cniVersion"], "1.1.0", "{}", c.tag());
        assert!(c.stdin.get("cniVersions").is_none(), "{}", c.tag());
    }
}

#[test]
fn disable_check_and_disable_gc_send_nothing() {
    require_root!();
    let sandbox = setup();
    let rt = runtime(&sandbox);
    // libcni takes the strings "true"/"false" as well as booleans.
    let net = list(
        json!({"cniVersion": "1.1.0", "disableCheck": "true", "disableGC": true}),
        &[json!({}), json!({})],
    );
    let att = Attachment::new("ctr-d", "eth0");
    assert!(rt.add(&net, &att).expect("add").succeeded());
    let check = rt.check(&net, &att).expect("check");
    let gc = rt.gc(&net, &[]).expect("gc");
    // libcni reports success without calling a plugin.
    for run in [&check, &gc] {
        assert!(run.succeeded() && run.steps.is_empty(), "{}", run.summary());
    }
    assert_eq!(
        check.disabled().map(|d| d.to_string()).as_deref(),
        Some("the configuration sets disableCheck")
    );
    assert_eq!(
        gc.disabled().map(|d| d.to_string()).as_deref(),
        Some("the configuration sets disableGC")
    );
    assert_eq!(tags(&sandbox), ["ADD first", "ADD second"]);
}

#[test]
fn gc_goes_on_after_a_failing_plugin_and_keeps_every_error() {
    require_root!();
    let sandbox = setup();
    let rt = runtime(&sandbox);
    let error = |msg: &str| json!({"GC": {"exit": 1, "stdout": {"cniVersion": "1.1.0", "code": 11, "msg": msg}}});
    let net = list(
        json!({"cniVersion": "1.1.0"}),
        &[error("first broke"), json!({}), error("third broke")],
    );
    let gc = rt.gc(&net, &[]).expect("gc");
    assert_eq!(tags(&sandbox), ["GC first", "GC second", "GC third"]);
    assert!(!gc.succeeded());
    let failures = gc.failures();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures[0].contains("first broke") && failures[1].contains("third broke"));
    // STATUS, unlike GC, stops at the first error (libcni returns it as is).
    let status = rt.status(&list(
        json!({"cniVersion": "1.1.0"}),
        &[
            json!({"STATUS": {"exit": 1, "stdout": {"code": 50, "msg": "busy"}}}),
            json!({}),
        ],
    ));
    assert_eq!(status.expect("status").steps.len(), 1);
}

#[test]
fn add_without_a_decodable_result_fails_the_operation() {
    require_root!();
    let cases = [
        (json!({"ADD": {"exit": 0}}), "printed no result"),
        (
            json!({"ADD": {"exit": 0, "stdout": {"cniVersion": "1.0.0", "ips": "10.0.0.2/24"}}}),
            "cannot decode",
        ),
    ];
    for (answer, why) in cases {
        let sandbox = setup();
        let rt = runtime(&sandbox);
        let net = list(json!({"cniVersion": "1.0.0"}), &[answer, json!({})]);
        let att = Attachment::new("ctr-e", "eth0");
        let add = rt.add(&net, &att).expect("add runs");
        assert!(!add.succeeded(), "{why}");
        assert!(add.result().is_none());
        let failure = add.runtime_failure().expect("the runtime fails the ADD");
        assert!(failure.to_string().contains(why), "{failure}");
        assert!(matches!(
            failure,
            RuntimeFailure::NoAddResult { .. } | RuntimeFailure::UndecodableResult { .. }
        ));
        // The chain ends there; the plugin itself exited 0.
        assert_eq!(tags(&sandbox), ["ADD first"]);
        assert!(add.steps[0].reply.is_success());
        // Empty output stays normal for the other verbs.
        assert!(rt.del(&net, &att).expect("del").succeeded());
    }
}

#[test]
fn version_probe_environment_and_stdin_are_libcni_s() {
    require_root!();
    let sandbox = setup();
    let rt = runtime(&sandbox);
    let net = list(json!({"cniVersion": "1.0.0"}), &[json!({})]);
    assert!(rt.version(&net, 0).expect("probe").reply.is_success());
    let probe = &calls(&sandbox)[0];
    for (k, v) in [
        ("CNI_COMMAND", "VERSION"),
        ("CNI_CONTAINERID", ""),
        ("CNI_NETNS", "dummy"),
        ("CNI_IFNAME", "dummy"),
        ("CNI_PATH", "dummy"),
        ("CNI_ARGS", ""),
    ] {
        assert_eq!(probe.env(k), Some(v), "{k}");
    }
    assert_eq!(probe.stdin, json!({"cniVersion": "1.1.0"}));
}

#[test]
fn prev_result_is_re_encoded_per_version() {
    require_root!();
    let sandbox = setup();
    let rt = runtime(&sandbox);
    // The first plugin answers a 0.4.0 result, without `version` on its
    // address, with unknown fields, to a 1.0.0 list.
    let printed = json!({
        "cniVersion": "0.4.0",
        "interfaces": [{"name": "eth0", "sandbox": "/x", "mtu": 1400, "vendor": "x"}],
        "ips": [{"address": "10.1.0.5/24", "interface": 0, "gateway": "10.1.0.1"}],
        "routes": [{"dst": "0.0.0.0/0", "mtu": 0, "table": 0}],
        "vendorExtension": {"a": 1}
    });
    let net = list(
        json!({"cniVersion": "1.0.0"}),
        &[
            json!({"ADD": {"stdout": printed}}),
            json!({"ADD": {"stdout": printed}}),
        ],
    );
    let att = Attachment::new("ctr-p", "eth0");
    assert!(rt.add(&net, &att).expect("add").succeeded());
    assert!(rt.check(&net, &att).expect("check").succeeded());
    assert!(rt.del(&net, &att).expect("del").succeeded());
    let prev = |tag: &str| -> Value {
        let all = calls(&sandbox);
        let c = all.iter().find(|c| c.tag() == tag).expect("call made");
        c.stdin["prevResult"].clone()
    };
    // ADD: decoded into the 0.4.0 types and re-encoded at 0.4.0.
    assert_eq!(
        prev("ADD second"),
        json!({
            "cniVersion": "0.4.0",
            "interfaces": [{"name": "eth0", "sandbox": "/x"}],
            "ips": [{"version": "4", "interface": 0, "address": "10.1.0.5/24", "gateway": "10.1.0.1"}],
            "routes": [{"dst": "0.0.0.0/0", "table": 0}],
            "dns": {}
        })
    );
    // CHECK and DEL: the cached (0.4.0) result converted to the list's version.
    let at_1_0 = json!({
        "cniVersion": "1.0.0",
        "interfaces": [{"name": "eth0", "sandbox": "/x"}],
        "ips": [{"interface": 0, "address": "10.1.0.5/24", "gateway": "10.1.0.1"}],
        "routes": [{"dst": "0.0.0.0/0", "table": 0}]
    });
    for tag in ["CHECK first", "CHECK second", "DEL second", "DEL first"] {
        assert_eq!(prev(tag), at_1_0, "{tag}");
    }
}

#[test]
fn a_missing_result_version_comes_from_the_list_and_verbatim_keeps_the_bytes() {
    require_root!();
    let printed = json!({"ips": [{"address": "10.1.0.5/24"}], "x": 1});
    for mode in [PrevResultMode::Libcni, PrevResultMode::Verbatim] {
        let sandbox = setup();
        let mut rt = runtime(&sandbox);
        rt.prev_result_mode = mode;
        let net = list(
            json!({"cniVersion": "1.1.0"}),
            &[json!({"ADD": {"stdout": printed}}), json!({})],
        );
        assert!(rt
            .add(&net, &Attachment::new("ctr-m", "eth0"))
            .expect("add")
            .succeeded());
        let second = &calls(&sandbox)[1];
        let want = match mode {
            PrevResultMode::Libcni => {
                json!({"cniVersion": "1.1.0", "ips": [{"address": "10.1.0.5/24"}]})
            }
            PrevResultMode::Verbatim => printed.clone(),
        };
        assert_eq!(second.stdin["prevResult"], want, "{mode:?}");
    }
}

#[test]
fn del_can_send_an_empty_cni_netns() {
    require_root!();
    let sandbox = setup();
    let rt = runtime(&sandbox);
    let net = list(json!({"cniVersion": "1.0.0"}), &[json!({})]);
    let att = Attachment::new("ctr-n", "eth0");
    assert!(rt.add(&net, &att).expect("add").succeeded());
    assert!(rt
        .del(&net, &att.with_netns_gone())
        .expect("del")
        .succeeded());
    let del = &calls(&sandbox)[1];
    assert_eq!(del.verb(), "DEL");
    // Set, and empty: what containerd and CRI-O send once the namespace is gone.
    assert_eq!(del.env("CNI_NETNS"), Some(""));
}

#[test]
fn a_failed_add_is_followed_by_its_del() {
    require_root!();
    let sandbox = setup();
    let rt = runtime(&sandbox);
    let net = list(
        json!({"cniVersion": "1.0.0"}),
        &[
            json!({}),
            json!({"ADD": {"exit": 1, "stdout": {"code": 7, "msg": "no"}}}),
        ],
    );
    let att = Attachment::new("ctr-f", "eth0");
    let run = rt.add_or_undo(&net, &att).expect("add runs");
    assert!(!run.add.succeeded());
    let undo = run.undo.expect("a DEL follows the failed ADD");
    assert!(undo.succeeded());
    assert_eq!(
        tags(&sandbox),
        ["ADD first", "ADD second", "DEL second", "DEL first"]
    );
    // Nothing was cached, so the DEL carries no prevResult.
    assert!(calls(&sandbox)[2].stdin.get("prevResult").is_none());
    // A successful ADD owes nothing.
    let ok = list(json!({"cniVersion": "1.0.0"}), &[json!({})]);
    let run = rt.add_or_undo(&ok, &att).expect("add runs");
    assert!(run.add.succeeded() && run.undo.is_none());
}
