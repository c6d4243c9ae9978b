//! Realistic results for the report tests: two plugins over several spec
//! versions with every verdict, a failure carrying invocations and a kernel
//! diff, a strict run, and a fuzz run with findings. Included by the
//! `report_*` tests with `#[path]`; compiled alone it is an empty test crate.
#![allow(dead_code)]

use cni_harness::invoke::Exit;
use cni_harness::record::{
    CaseResult, Detail, FindingRecord, InvocationRecord, Oracle, RequirementRef, RunKind,
    RunResults, Target, Verdict, FORMAT_NAME, FORMAT_VERSION,
};
use cni_harness::{SpecVersion, Verb};
use serde_json::json;

use SpecVersion::*;

fn req(id: &str, level: &str, section: &str, text: &str) -> RequirementRef {
    RequirementRef {
        id: id.into(),
        level: Some(level.parse().expect("fixture level")),
        section: section.into(),
        text: text.into(),
    }
}

fn r_version() -> RequirementRef {
    req(
        "version.supported-versions",
        "MUST",
        "VERSION",
        "VERSION reports the spec versions the plugin supports",
    )
}
fn r_result_version() -> RequirementRef {
    req(
        "add.result-cniversion",
        "MUST",
        "ADD: Add container to network",
        "The result's cniVersion equals the configuration's",
    )
}
fn r_no_leak() -> RequirementRef {
    req(
        "add.cleanup-on-failure",
        "SHOULD",
        "ADD: Add container to network",
        "A failed ADD leaves no interfaces or addresses behind",
    )
}
fn r_ipam_error() -> RequirementRef {
    req(
        "error.try-again-code",
        "MUST",
        "Error",
        "An exhausted IPAM range is reported with an error JSON on stdout and a non-zero exit",
    )
}
fn r_error_version() -> RequirementRef {
    req(
        "error.cniversion",
        "SHOULD",
        "Error",
        "Error results carry cniVersion",
    )
}
fn r_check() -> RequirementRef {
    req(
        "check.matches-prevresult",
        "MUST",
        "CHECK: Check container's networking is as expected",
        "CHECK succeeds when the container matches prevResult",
    )
}
fn r_del_twice() -> RequirementRef {
    req(
        "del.idempotent",
        "MUST",
        "DEL: Remove container from network",
        "DEL succeeds when repeated and when resources are already gone",
    )
}
fn r_gc() -> RequirementRef {
    req(
        "gc.removes-stale",
        "MUST",
        "GC: Clean up any stale resources",
        "GC releases attachments not in cni.dev/valid-attachments",
    )
}

fn r_keep_shared() -> RequirementRef {
    req(
        "del.keep-shared",
        "MAY",
        "DEL: Remove container from network",
        "DEL may keep network-scoped state such as a shared bridge",
    )
}

fn case(
    name: &str,
    title: &str,
    reqs: Vec<RequirementRef>,
    version: Option<SpecVersion>,
    verdict: Verdict,
    reason: &str,
) -> CaseResult {
    CaseResult {
        case: name.into(),
        title: title.into(),
        requirements: reqs,
        spec_version: version,
        verdict,
        reason: reason.into(),
        detail: None,
        duration_ms: 31,
        requirement_verdicts: Default::default(),
        plugin: String::new(),
        about_others: Vec::new(),
    }
}

fn env(verb: &str) -> Vec<(String, String)> {
    [
        ("CNI_COMMAND", verb),
        ("CNI_CONTAINERID", "cnih-7f3a9c"),
        ("CNI_NETNS", "/run/cni-harness/ns/ctr-7f3a9c"),
        ("CNI_IFNAME", "eth0"),
        ("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=web-0"),
        ("CNI_PATH", "/usr/lib/cni"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The IPAM-exhaustion leak (containernetworking/plugins#29): ADD fails, as
/// it must, but leaves the host-side veth behind.
fn leak_detail() -> Detail {
    let stdin = json!({
        "cniVersion": "1.1.0", "name": "cnih-net", "type": "bridge", "bridge": "cnih0",
        "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.99.0.0/30"}]]}
    });
    Detail {
        expected: "after the failed ADD: no new links or addresses in either namespace".into(),
        actual: "node namespace gained veth 'veth3b1d2e0f' (master cnih0)".into(),
        invocations: vec![InvocationRecord {
            plugin: "bridge".into(),
            verb: Verb::Add,
            env: env("ADD"),
            stdin: serde_json::to_string_pretty(&stdin).unwrap_or_default(),
            stdout: r#"{"code":11,"msg":"failed to allocate for range 0: no IP addresses available in range set: 10.99.0.1-10.99.0.2"}"#.into(),
            stderr: "".into(),
            status: Exit::Code(1),
            wall_ms: 27.94,
        }, InvocationRecord {
            plugin: "bridge".into(),
            verb: Verb::Del,
            env: env("DEL"),
            stdin: "{\"cniVersion\":\"1.1.0\",\"name\":\"cnih-net\",\"type\":\"bridge\"}".into(),
            stdout: "".into(),
            stderr: "warning: <nil> prevResult & \"no\" interfaces".into(),
            status: Exit::Code(0),
            wall_ms: 36.5,
        }],
        kernel_diff: Some(
            "node namespace:\n+ link veth3b1d2e0f type veth master cnih0 state UP\n- addr 10.99.0.1/30 dev cnih0\ncontainer namespace:\n  (no change)".into(),
        ),
    }
}

fn go_bridge() -> RunResults {
    let versions = vec![V0_3_1, V0_4_0, V1_0_0, V1_1_0];
    let mut cases = vec![case(
        "version/supported-versions",
        "VERSION lists supported versions",
        vec![r_version()],
        None,
        Verdict::Pass,
        "claims 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0",
    )];
    for &v in &versions {
        cases.push(case(
            "add/result-cniversion",
            "ADD result cniVersion matches",
            vec![r_result_version()],
            Some(v),
            Verdict::Pass,
            "result cniVersion matches",
        ));
        cases.push(case(
            "del/idempotent",
            "DEL twice succeeds",
            vec![r_del_twice()],
            Some(v),
            Verdict::Pass,
            "both DELs exited 0",
        ));
        let (verdict, reason) = if v.has_check() {
            (Verdict::Pass, "CHECK exited 0")
        } else {
            (Verdict::Skip, "CHECK does not exist before 0.4.0")
        };
        cases.push(case(
            "check/matches-prevresult",
            "CHECK accepts its own result",
            vec![r_check()],
            Some(v),
            verdict,
            reason,
        ));
    }
    let mut leak = case(
        "add/ipam-exhausted-cleanup",
        "ADD with an exhausted range fails cleanly",
        vec![r_ipam_error(), r_no_leak()],
        Some(V1_1_0),
        Verdict::Fail,
        "ADD failed with code 11 but leaked veth veth3b1d2e0f in the node namespace",
    );
    leak.detail = Some(leak_detail());
    cases.push(leak);
    for v in [V1_0_0, V1_1_0] {
        let mut warn = case(
            "error/cniversion",
            "Error JSON carries cniVersion",
            vec![r_error_version()],
            Some(v),
            Verdict::Warn,
            "error JSON has no cniVersion (Go plugins omit it)",
        );
        warn.detail = Some(Detail {
            expected: "{\"cniVersion\": \"...\", \"code\": ..., \"msg\": ...}".into(),
            actual: r#"{"code":7,"msg":"bridge: unknown field \"bogus\""}"#.into(),
            invocations: vec![],
            kernel_diff: None,
        });
        cases.push(warn);
    }
    // Breaks a MUST and a MAY at once: the MAY's row must not show a failure.
    cases.push(case(
        "del/no-residue",
        "DEL leaves nothing of the attachment",
        vec![r_del_twice(), r_keep_shared()],
        Some(V1_1_0),
        Verdict::Fail,
        "DEL left the bridge cnih0 and the host veth veth3b1d2e0f",
    ));
    let mut gc = case(
        "gc/removes-stale",
        "GC releases stale attachments",
        vec![r_gc()],
        Some(V1_1_0),
        Verdict::Error,
        "could not create the node namespace: Operation not permitted (os error 1)",
    );
    gc.detail = Some(Detail {
        expected: "GC runs".into(),
        actual: "sandbox setup failed before the plugin ran".into(),
        invocations: vec![],
        kernel_diff: None,
    });
    cases.push(gc);
    RunResults {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        harness_version: "0.1.0".into(),
        kind: RunKind::Test,
        target: Target {
            name: "bridge".into(),
            network: "cnih-net".into(),
            plugins: vec!["bridge".into()],
            claimed_versions: SpecVersion::ALL.iter().map(|v| v.to_string()).collect(),
            config: json!({"cniVersion": "1.1.0", "name": "cnih-net", "plugins": [{"type": "bridge", "bridge": "cnih0", "ipam": {"type": "host-local", "subnet": "10.99.0.0/30"}}]}),
            runtime: Default::default(),
        },
        started_at: "2025-03-01T10:00:00Z".into(),
        duration_ms: 4210,
        strict: false,
        versions,
        cases,
        findings: vec![],
        baseline: None,
        plan: None,
        coverage: None,
        code_coverage: None,
        interrupted: None,
        not_run: vec![],
    }
}

fn ref_bridge() -> RunResults {
    let versions = SpecVersion::ALL.to_vec();
    let mut cases = vec![case(
        "version/supported-versions",
        "VERSION lists supported versions",
        vec![r_version()],
        None,
        Verdict::Pass,
        "claims every version",
    )];
    for &v in &versions {
        cases.push(case(
            "add/result-cniversion",
            "ADD result cniVersion matches",
            vec![r_result_version()],
            Some(v),
            Verdict::Pass,
            "result cniVersion matches",
        ));
        let (verdict, reason) = if v.has_check() {
            (Verdict::Pass, "CHECK exited 0")
        } else {
            (Verdict::Skip, "CHECK does not exist before 0.4.0")
        };
        cases.push(case(
            "check/matches-prevresult",
            "CHECK accepts its own result",
            vec![r_check()],
            Some(v),
            verdict,
            reason,
        ));
    }
    cases.push(case(
        "del/idempotent",
        "DEL twice succeeds",
        vec![r_del_twice()],
        Some(V1_1_0),
        Verdict::Warn,
        "second DEL took 1.2 s (slow, not wrong)",
    ));
    cases.push(case(
        "gc/removes-stale",
        "GC releases stale attachments",
        vec![r_gc()],
        Some(V1_1_0),
        Verdict::Pass,
        "stale attachment released",
    ));
    RunResults {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        harness_version: "0.1.0".into(),
        kind: RunKind::Test,
        target: Target {
            name: "cni-ref-bridge".into(),
            network: "cnih-net".into(),
            plugins: vec!["cni-ref-bridge".into(), "cni-ref-ipam".into()],
            claimed_versions: SpecVersion::ALL.iter().map(|v| v.to_string()).collect(),
            config: json!({"cniVersion": "1.1.0", "name": "cnih-net", "plugins": [{"type": "cni-ref-bridge"}]}),
            runtime: Default::default(),
        },
        started_at: "2025-03-01T10:01:00Z".into(),
        duration_ms: 2950,
        strict: true,
        versions,
        cases,
        findings: vec![],
        baseline: None,
        plan: None,
        coverage: None,
        code_coverage: None,
        interrupted: None,
        not_run: vec![],
    }
}

fn bridge_fuzz() -> RunResults {
    RunResults {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        harness_version: "0.1.0".into(),
        kind: RunKind::Fuzz,
        target: Target {
            name: "bridge".into(),
            network: "cnih-net".into(),
            plugins: vec!["bridge".into()],
            claimed_versions: vec![],
            config: json!({"cniVersion": "1.1.0", "name": "cnih-net", "type": "bridge"}),
            runtime: Default::default(),
        },
        started_at: "2025-03-01T11:00:00Z".into(),
        duration_ms: 60000,
        strict: false,
        versions: vec![V1_1_0],
        cases: vec![],
        findings: vec![
            FindingRecord {
                id: "f-0002".into(),
                oracle: Oracle::Garbage,
                signature: "stdout-not-json:ADD".into(),
                summary: "ADD printed a result and an error JSON both on stdout".into(),
                reproduce: "cni-harness fuzz --replay findings/f-0002.json".into(),
                file: "findings/f-0002.json".into(),
                plugin: None,
            },
            FindingRecord {
                id: "f-0001".into(),
                oracle: Oracle::Crash,
                signature: "signal 11 in ADD with ipam.ranges=[[]]".into(),
                summary: "bridge crashed (SIGSEGV) on an empty range set <ranges: [[]]>".into(),
                reproduce: "cni-harness fuzz --replay findings/f-0001.json".into(),
                file: "findings/f-0001.json".into(),
                plugin: None,
            },
        ],
        baseline: None,
        plan: None,
        coverage: None,
        code_coverage: None,
        interrupted: None,
        not_run: vec![],
    }
}

/// The three runs, in the order a user might pass them.
pub fn runs() -> Vec<RunResults> {
    vec![ref_bridge(), bridge_fuzz(), go_bridge()]
}

/// How many runs the wide-page tests put side by side.
pub const MANY: usize = 30;

/// [`MANY`] runs made from the committed reports (`reports/runs/*/results.json`,
/// real results of real plugins), cycling through them with the copies renamed
/// (`debian-bridge-2`...) so every run has its own name and columns.
pub fn many_runs() -> Vec<RunResults> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/runs");
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("results.json").is_file())
        .map(|p| p.join("results.json"))
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no results.json under {}", root.display());
    let committed = cni_harness::report::load(&dirs).expect("committed results load");
    (0..MANY)
        .map(|i| {
            let mut run = committed[i % committed.len()].clone();
            let copy = i / committed.len();
            if copy > 0 {
                run.target.name = format!("{}-{}", run.target.name, copy + 1);
            }
            run
        })
        .collect()
}
