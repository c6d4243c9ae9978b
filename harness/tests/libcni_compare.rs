//! libcni side by side: the same configuration run through libcni 1.1.2 (the
//! project's Go driver, `ci/libcni-driver`) and through the harness's
//! runtime, with the recording plugin; the environment and stdin each plugin
//! call got must agree field by field, but for the deliberate differences of
//! `libcni/allowed.rs` (listed in the README).
//!
//! Covers spec 0.3.1, 0.4.0 and 1.0.0 lists and a single `.conf`, with
//! capabilities (`runtimeConfig`), `CNI_ARGS` and a two-plugin chain.

mod common;
mod libcni;

use std::collections::BTreeMap;
use std::path::Path;

use cni_harness::config::NetworkConfig;
use cni_harness::invoke::{Attachment, CniArgs, Runtime};
use cni_harness::sandbox::Sandbox;
use cni_harness::SpecVersion;
use serde_json::{json, Value};

use libcni::allowed::{Allowed, Context};
use libcni::compare::{self, Difference};
use libcni::record::{self, Call};

const CONTAINER_ID: &str = "cnih-cmp-0123456789abcdef";
const IFNAME: &str = "eth0";
const ARGS: &str = "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=pod-1";

/// Capability arguments: the first plugin declares `mac`, the second `ips`,
/// nobody `portMappings` (which must therefore reach no one).
fn caps() -> Value {
    json!({
        "mac": "c2:11:22:33:44:55",
        "ips": ["10.1.2.3/24"],
        "portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]
    })
}

#[derive(Clone, Copy)]
enum Shape {
    /// A `.conflist` with two recorders: the first scripted with a full
    /// result, the second echoing its `prevResult`.
    Chain,
    /// A `.conflist` with one recorder, no capabilities, no `CNI_ARGS`.
    Plain,
    /// A single-plugin `.conf`.
    SingleConf,
}

struct Scenario {
    version: SpecVersion,
    shape: Shape,
}

impl Scenario {
    fn with_args(&self) -> bool {
        !matches!(self.shape, Shape::Plain)
    }

    /// The first plugin's ADD result: every field the version has, plus
    /// members no result type has (libcni drops those from `prevResult`).
    fn result(&self) -> Value {
        let mut ip = json!({"address": "10.1.2.3/24", "gateway": "10.1.2.1", "interface": 0});
        if self.version < SpecVersion::V1_0_0 {
            ip["version"] = json!("4");
        }
        json!({
            "cniVersion": self.version.as_str(),
            "interfaces": [{"name": IFNAME, "mac": "c2:11:22:33:44:55",
                            "sandbox": "/var/run/netns/cmp", "x-vendor": "kept?"}],
            "ips": [ip],
            "routes": [{"dst": "0.0.0.0/0", "gw": "10.1.2.1"}],
            "dns": {"nameservers": ["10.1.2.1"], "search": ["example.test"]},
            "x-plugin-note": "not a result field"
        })
    }

    fn document(&self, record_dir: &Path) -> Value {
        let dir = record_dir.display().to_string();
        let v = self.version.as_str();
        let first = |role: &str, caps: bool| {
            let mut p = json!({"type": "cni-recorder", "role": role, "recordDir": dir,
                               "answers": {"ADD": {"stdout": self.result()}}});
            if caps {
                p["capabilities"] = json!({"mac": true, "ips": false});
            }
            p
        };
        match self.shape {
            Shape::Chain => json!({"cniVersion": v, "name": "cmpnet", "plugins": [
                first("first", true),
                {"type": "cni-recorder", "role": "second", "recordDir": dir,
                 "capabilities": {"ips": true}}
            ]}),
            Shape::Plain => {
                json!({"cniVersion": v, "name": "cmpnet", "plugins": [first("first", false)]})
            }
            Shape::SingleConf => {
                let mut p = first("only", true);
                p["cniVersion"] = json!(v);
                p["name"] = json!("cmpnet");
                p
            }
        }
    }
}

/// What both runtimes gave the plugins, and the context to judge it.
struct Both {
    libcni: Vec<Call>,
    harness: Vec<Call>,
    ctx: Context,
}

fn run_both(sc: &Scenario) -> Both {
    // The recorder writes to a host directory the comparison reads back.
    cni_harness::sandbox::overlay::set_enabled(false);
    let dir = tempfile::Builder::new()
        .prefix("cnih-libcni-")
        .tempdir()
        .expect("temp dir");
    let records = dir.path().join("records");
    let doc = sc.document(&records);
    let conf = dir.path().join(match sc.shape {
        Shape::SingleConf => "cmpnet.conf",
        _ => "cmpnet.conflist",
    });
    std::fs::write(&conf, serde_json::to_vec(&doc).expect("json")).expect("write conf");
    let args = if sc.with_args() { ARGS } else { "" };
    let caps = if sc.with_args() {
        caps().to_string()
    } else {
        String::new()
    };
    let verbs: &[&str] = if sc.version.has_check() {
        &["add", "check", "del"]
    } else {
        &["add", "del"]
    };
    let bin = common::bin_dir();
    common::workspace_plugin("cni-recorder");

    // libcni, in this process's namespace; a sandbox of its own gives it a
    // container namespace (pinned where the harness pins them, so that it
    // is removed whatever happens).
    let libcni_sandbox = Sandbox::new().expect("sandbox for libcni's container");
    let netns = libcni_sandbox.container_path();
    let driver_env: BTreeMap<String, String> =
        [("PATH", "/usr/bin:/bin"), ("CNIH_RUNTIME", "libcni-driver")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    libcni::driver::Run {
        conf: &conf,
        cni_path: &bin,
        cache_dir: &dir.path().join("cache"),
        netns,
        container_id: CONTAINER_ID,
        ifname: IFNAME,
        args,
        caps: &caps,
        verbs,
        env: &driver_env,
    }
    .run();
    let libcni_calls = record::take(&records);

    // The harness's runtime, in a sandbox, same file, same attachment.
    let sandbox = Sandbox::new().expect("sandbox");
    let net = NetworkConfig::load(&conf).expect("the harness parses the configuration");
    let mut rt = Runtime::new(&sandbox, vec![bin.clone()]);
    if let Value::Object(m) = serde_json::from_str(&caps).unwrap_or(Value::Null) {
        rt.capability_args = m;
    }
    let mut att = Attachment::new(CONTAINER_ID, IFNAME);
    att.args = CniArgs::parse(args).expect("CNI_ARGS");
    for verb in verbs {
        let run = match *verb {
            "add" => rt.add(&net, &att),
            "check" => rt.check(&net, &att),
            _ => rt.del(&net, &att),
        }
        .unwrap_or_else(|e| panic!("harness {verb}: {e}"));
        assert!(run.succeeded(), "harness {verb} failed: {:?}", run.last());
    }
    let harness_calls = record::take(&records);

    Both {
        libcni: libcni_calls,
        harness: harness_calls,
        ctx: Context {
            driver_env,
            libcni_netns: netns.display().to_string(),
            harness_netns: sandbox.container_path().display().to_string(),
            version: sc.version,
        },
    }
}

/// Compare, print what was allowed, and fail on anything else.
fn judge(name: &str, both: &Both) {
    assert!(
        !both.libcni.is_empty(),
        "{name}: libcni made no plugin call"
    );
    let diffs = compare::calls(&both.libcni, &both.harness);
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexplained: Vec<&Difference> = Vec::new();
    for d in &diffs {
        match Allowed::find(d, &both.ctx) {
            Some(a) => *used.entry(a.name()).or_default() += 1,
            None => unexplained.push(d),
        }
    }
    let seq: Vec<String> = both.libcni.iter().map(Call::label).collect();
    eprintln!(
        "{name}: {} calls ({}); allowed differences: {used:?}",
        seq.len(),
        seq.join(", ")
    );
    assert!(
        unexplained.is_empty(),
        "{name}: the harness gave the plugin something libcni does not, \
         beyond the documented differences:\n{}",
        unexplained
            .iter()
            .map(|d| format!("  {d}\n"))
            .collect::<String>()
    );
}

fn scenario(name: &str, version: SpecVersion, shape: Shape) {
    let started = std::time::Instant::now();
    let both = run_both(&Scenario { version, shape });
    judge(name, &both);
    eprintln!("{name}: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
}

#[test]
fn chain_at_0_3_1() {
    require_root!();
    scenario("0.3.1 chain", SpecVersion::V0_3_1, Shape::Chain);
}

#[test]
fn chain_at_0_4_0() {
    require_root!();
    scenario("0.4.0 chain", SpecVersion::V0_4_0, Shape::Chain);
}

#[test]
fn chain_at_1_0_0() {
    require_root!();
    scenario("1.0.0 chain", SpecVersion::V1_0_0, Shape::Chain);
}

#[test]
fn plain_list_at_1_0_0() {
    require_root!();
    scenario("1.0.0 plain", SpecVersion::V1_0_0, Shape::Plain);
}

#[test]
fn single_conf_at_0_4_0() {
    require_root!();
    scenario("0.4.0 .conf", SpecVersion::V0_4_0, Shape::SingleConf);
}

/// The comparison itself, on libcni's real calls: a dropped key, a changed
/// value, added whitespace and an extra variable are caught; a reordering
/// of keys is what `KeyOrder` allows.
#[test]
fn comparison_catches_what_it_must() {
    require_root!();
    let both = run_both(&Scenario {
        version: SpecVersion::V1_0_0,
        shape: Shape::Chain,
    });
    let ctx = &both.ctx;
    let unexplained = |harness: &[Call]| -> Vec<String> {
        compare::calls(&both.libcni, harness)
            .iter()
            .filter(|d| Allowed::find(d, ctx).is_none())
            .map(Difference::to_string)
            .collect()
    };
    assert!(unexplained(&both.libcni).is_empty(), "libcni vs itself");

    let edit = |f: &dyn Fn(&mut Map)| -> Vec<Call> {
        let mut calls = both.libcni.clone();
        let mut doc: Map = serde_json::from_str(&calls[1].stdin).expect("stdin is an object");
        f(&mut doc);
        calls[1].stdin = serde_json::to_string(&doc).expect("json");
        calls
    };
    let dropped = edit(&|m| {
        m.shift_remove("name");
    });
    let found = unexplained(&dropped);
    assert!(
        found.len() == 1 && found[0].contains("stdin /name") && found[0].contains("CONF-1"),
        "{found:?}"
    );
    let changed = edit(&|m| {
        m.insert("cniVersion".into(), json!("0.4.0"));
    });
    assert_eq!(unexplained(&changed).len(), 1);
    let reordered = edit(&|m| {
        let members: Vec<(String, Value)> = std::mem::take(m).into_iter().rev().collect();
        m.extend(members);
    });
    assert!(
        unexplained(&reordered).is_empty(),
        "key order alone is allowed"
    );

    let mut spaced = both.libcni.clone();
    spaced[0].stdin = spaced[0].stdin.replacen(':', ": ", 1);
    let found = unexplained(&spaced);
    assert!(
        found.len() == 1 && found[0].contains("stdin layout"),
        "{found:?}"
    );
    let mut extra_env = both.libcni.clone();
    extra_env[2]
        .env
        .insert("CNI_VERSION".into(), "1.0.0".into());
    let found = unexplained(&extra_env);
    assert!(
        found.len() == 1 && found[0].contains("env CNI_VERSION"),
        "{found:?}"
    );
    let mut fewer = both.libcni.clone();
    fewer.pop();
    let found = unexplained(&fewer);
    assert!(
        found.len() == 1 && found[0].contains("call sequence"),
        "{found:?}"
    );
}

type Map = serde_json::Map<String, Value>;
