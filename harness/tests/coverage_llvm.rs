//! The reference plugin built with `-C instrument-coverage` (stable rustc):
//! its raw LLVM profiles are read (counters and function names) and guide a
//! fuzz session, and `test --coverage` reports its functions.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use cni_harness::coverage::{llvm, Collector};
use cni_harness::fuzz::{self, FuzzOptions};

/// `cni-ref-bridge` and `cni-ref-ipam` built instrumented, in a target
/// directory of their own so the ordinary build stays as it is.
fn instrumented_reference() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = root.join("target/instrumented");
    let status = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "-q", "-p", "cni-ref-bridge", "-p", "cni-ref-ipam"])
        .env("RUSTFLAGS", "-C instrument-coverage")
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "instrumented build of the reference plugin"
    );
    target.join("debug")
}

#[test]
fn reference_plugin_profiles_are_read_and_guide_fuzzing() {
    require_root!();
    let bin = instrumented_reference();
    let collector = Collector::new().unwrap();
    let out = Command::new(bin.join("cni-ref-bridge"))
        .env_clear()
        .envs(collector.env())
        .env("CNI_COMMAND", "VERSION")
        .output()
        .unwrap();
    assert!(out.status.success());
    let sample = collector.take();
    assert!(sample.errors.is_empty(), "{:?}", sample.errors);
    assert_eq!(sample.files, 1, "one raw profile per process");
    assert!(!sample.counts.is_empty());
    assert!(cni_harness::coverage::known_counters() > sample.counts.len());

    let tmp = tempfile::tempdir().unwrap();
    let profile = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins-under-test/profiles/reference/bridge.json");
    let mut o = FuzzOptions::new(profile, tmp.path().to_path_buf());
    o.cni_path = vec![bin];
    o.seed = 5;
    o.duration = Some(Duration::from_secs(60));
    o.max_execs = Some(40);
    o.minimize_attempts = 10;
    let report = fuzz::run_session(&o).expect("session runs");
    let (hit, total) = report.code_coverage.expect("instrumentation detected");
    eprintln!(
        "reference plugin: {hit} of {total} counters hit in {} inputs",
        report.execs
    );
    assert!(hit > 100 && hit < total, "{hit}/{total}");
}

/// The major version of `llvm-profdata` (`llvm-profdata show --version`:
/// "Debian LLVM version 14.0.6"), if it runs.
fn llvm_tool_major(tool: &str) -> Option<u32> {
    let out = Command::new(tool)
        .args(["show", "--version"])
        .output()
        .ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v = text.split("LLVM version ").nth(1)?;
    v.split('.').next()?.trim().parse().ok()
}

/// rustc's LLVM major version (`rustc -vV`).
fn rustc_llvm_major() -> Option<u32> {
    let out = Command::new("rustc").arg("-vV").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.split("LLVM version: ").nth(1)?;
    v.split('.').next()?.trim().parse().ok()
}

/// Every data record of the reference plugin's profile is named by its
/// names section (zlib-compressed as rustc writes it), names demangle, and
/// the binary's functions group by crate; with an `llvm-profdata` of
/// rustc's LLVM version, its function count is compared too.
#[test]
fn reference_profile_names_every_function() {
    require_root!();
    let bin = instrumented_reference();
    let collector = Collector::new().unwrap();
    let out = Command::new(bin.join("cni-ref-bridge"))
        .env_clear()
        .envs(collector.env())
        .env("CNI_COMMAND", "VERSION")
        .output()
        .unwrap();
    assert!(out.status.success());
    let raw = std::fs::read_dir(collector.dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "profraw"))
        .expect("a raw profile");
    let data = std::fs::read(&raw).unwrap();
    let profile = llvm::parse_profile(&data).expect("profile parses");
    let names = llvm::decode_names(profile.names).expect("names section decodes");
    let refs: std::collections::HashSet<u64> = names.iter().map(|n| llvm::name_ref(n)).collect();
    let unnamed = profile
        .funcs
        .iter()
        .filter(|f| !refs.contains(&f.name_hash))
        .count();
    eprintln!(
        "reference plugin: profile version {}, {} functions, {} names ({} bytes of names section)",
        profile.version,
        profile.funcs.len(),
        names.len(),
        profile.names.len()
    );
    assert_eq!(unnamed, 0, "records without a name in the names section");
    // The section also names the functions rustc compiled no code for
    // (unused ones, reported by llvm-cov as never run), which have no
    // record and no counters; a function may have more than one record
    // (copies of an inlined function kept in several codegen units).
    let records: std::collections::HashSet<u64> =
        profile.funcs.iter().map(|f| f.name_hash).collect();
    eprintln!("{} distinct functions among the records", records.len());
    assert!(refs.len() >= records.len());

    match (llvm_tool_major("llvm-profdata"), rustc_llvm_major()) {
        (Some(tool), Some(rustc)) if tool == rustc => {
            let out = Command::new("llvm-profdata")
                .arg("show")
                .arg(&raw)
                .output()
                .expect("llvm-profdata runs");
            let text = String::from_utf8_lossy(&out.stdout);
            let total: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("Total functions: "))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("llvm-profdata show: {text}"));
            assert_eq!(total, profile.funcs.len(), "llvm-profdata's function count");
        }
        (tool, rustc) => eprintln!(
            "llvm-profdata of rustc's LLVM {} not available (found: {}): function count \
             checked against the profile's names section only",
            rustc.map_or("?".into(), |v| v.to_string()),
            tool.map_or("none".into(), |v| format!("LLVM {v}")),
        ),
    }

    let sample = collector.take();
    assert!(sample.errors.is_empty(), "{:?}", sample.errors);
    let hit: std::collections::BTreeSet<_> = sample.counts.keys().copied().collect();
    let bins = cni_harness::coverage::summary::summarize(&hit);
    let ours = bins
        .iter()
        .find(|b| b.binary.as_deref() == Some("cni_ref_bridge"))
        .expect("the binary is named after its main's crate");
    let krate = ours
        .packages
        .iter()
        .find(|p| p.path == "cni_ref_bridge")
        .expect("the plugin's crate is a package");
    let main = krate
        .functions
        .iter()
        .find(|f| f.name == "cni_ref_bridge::main")
        .expect("main, demangled");
    assert!(main.counters_hit > 0, "VERSION ran main");
    assert!(
        krate.functions.iter().any(|f| f.counters_hit == 0),
        "VERSION leaves functions unreached"
    );
    assert!(ours
        .packages
        .iter()
        .flat_map(|p| &p.functions)
        .all(|f| !f.name.starts_with("_ZN") && !f.name.starts_with("_R")));
}

/// `test --coverage` on the instrumented reference plugin: per-function
/// coverage of both binaries (the plugin and its IPAM delegate) in
/// results.json, the Markdown summary and the HTML report.
#[test]
fn suite_reports_the_reference_plugins_functions() {
    require_root!();
    let bin = instrumented_reference();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        .arg("test")
        .arg("--config")
        .arg(root.join("plugins-under-test/profiles/reference/bridge.json"))
        .arg("--cni-path")
        .arg(&bin)
        .arg("--coverage")
        .arg("--report-dir")
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "the reference plugin passes the suite"
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("results.json")).unwrap()).unwrap();
    let bins = results["code_coverage"]["binaries"].as_array().unwrap();
    let named = |n: &str| {
        bins.iter()
            .find(|b| b["binary"] == n)
            .unwrap_or_else(|| panic!("{n} in {bins:?}"))
    };
    for (binary, krate) in [
        ("cni_ref_bridge", "cni_ref_bridge"),
        ("cni_ref_ipam", "cni_ref_ipam"),
    ] {
        let b = named(binary);
        assert_eq!(b["instrumentation"], "llvm");
        let p = b["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"] == krate)
            .unwrap();
        let (hit, all) = (
            p["counters_hit"].as_u64().unwrap(),
            p["counters"].as_u64().unwrap(),
        );
        eprintln!("suite coverage of {krate}: {hit} of {all} counters");
        assert!(hit > all / 4 && hit < all, "{krate}: {hit}/{all}");
    }
    let md = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert!(md.contains("## Code coverage: "), "{md}");
    assert!(md.contains("Functions of cni_ref_bridge, least covered first"));
    // Least covered first within the plugin's crate.
    let shares: Vec<f64> = md
        .split("Functions of cni_ref_bridge, least covered first")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.starts_with("</details>"))
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split(" | ").nth(2)?.trim_end_matches('%').parse().ok())
        .collect();
    assert!(shares.len() > 5 && shares.windows(2).all(|w| w[0] <= w[1]));
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<table class=\"code-coverage\">"));
    assert!(html.contains("cni_ref_bridge::main"));
}
