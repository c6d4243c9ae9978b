//! The harness's own reader of Go's coverage files against Go's: the
//! project's Go plugin built with `go build -cover` runs a few times with
//! the collector's directory, and the per-package share of statements the
//! harness computes equals what `go tool covdata percent` prints for the
//! same files.

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use cni_harness::coverage::{summary, Collector, CounterId};

fn run(plugin: &std::path::Path, env: &[(String, String)], verb: &str, stdin: &str) {
    use std::io::Write;
    let mut child = Command::new(plugin)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("CNI_COMMAND", verb)
        .env("CNI_CONTAINERID", "c1")
        .env("CNI_IFNAME", "eth0")
        .env("CNI_NETNS", "/proc/self/ns/net")
        .env("CNI_PATH", "/nowhere")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("plugin starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait().expect("plugin exits");
}

#[test]
fn go_counters_read_as_go_reads_them() {
    let Some(plugin) = common::go_combo_plugin() else {
        return;
    };
    let go = common::go_tool().expect("find-go.sh found Go for the build");
    let collector = Collector::new().unwrap();
    let env = collector.env();
    let conf = r#"{"cniVersion":"1.0.0","name":"n","type":"cni-go-combo","mode":"vepa","vlan":3,"hairpinMode":true}"#;
    run(&plugin, &env, "ADD", conf);
    run(&plugin, &env, "DEL", conf);
    run(&plugin, &env, "ADD", "{not json");
    run(&plugin, &env, "VERSION", "");

    // Go's own tool reads a copy (taking deletes the counter files).
    let copy = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(collector.dir()).unwrap().flatten() {
        std::fs::copy(e.path(), copy.path().join(e.file_name())).unwrap();
    }
    let sample = collector.take();
    assert!(sample.errors.is_empty(), "{:?}", sample.errors);
    assert_eq!(sample.files, 4, "one counter file per process");
    let hit: BTreeSet<CounterId> = sample.counts.keys().copied().collect();
    let binaries = summary::summarize(&hit);
    let ours = binaries
        .iter()
        .flat_map(|b| &b.packages)
        .find(|p| p.path.ends_with("go-combo"))
        .expect("the plugin's main package is in the meta-data");
    assert!(ours.functions.iter().any(|f| f.name == "port"));
    assert!(ours.statements_hit > 0 && ours.statements_hit < ours.statements);

    let out = Command::new(&go)
        .args(["tool", "covdata", "percent"])
        .arg(format!("-i={}", copy.path().display()))
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("go tool covdata runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains(&ours.path))
        .unwrap_or_else(|| panic!("covdata percent names the package: {text}"));
    let theirs: f64 = line
        .split("coverage: ")
        .nth(1)
        .and_then(|s| s.split('%').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("a percentage in {line:?}"));
    assert!(
        (ours.percent() - theirs).abs() < 0.051,
        "harness {:.1}% vs covdata {theirs}%",
        ours.percent()
    );
    // Hit counts are counts (-covermode=count): four processes ran main.
    assert!(sample.counts.values().any(|c| *c >= 4));
    // The uncovered: the defect's branch was not reached.
    let uncovered_port = ours
        .functions
        .iter()
        .find(|f| f.name == "port")
        .map(|f| f.counters - f.counters_hit)
        .unwrap();
    assert!(uncovered_port > 0);
}
