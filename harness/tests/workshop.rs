//! The workshop-style plugins (plugins-under-test/workshop) through the
//! whole suite, with the node their profiles prepare: each report must name
//! exactly the defects the plugin has (plugins-under-test/workshop/README.md
//! says which script line causes each), so a harness change that invents a
//! defect, or hides one, fails here. Afterwards nothing of the node fixtures
//! (bridge, files, daemon) may be left on the host.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::record::{CaseResult, Verdict};
use cni_harness::suite::{self, SuiteOptions};

/// Cases that fail only with high probability: the random allocator's
/// collisions among 48 live attachments (one host of 200 each: a run
/// without a collision has probability 0.2%, see add/addressing.rs). A
/// pass is retried, up to twice, before it counts as a hidden defect.
const RANDOM: [&str; 2] = ["add/distinct-addresses", "add/parallel"];

/// Expected non-pass, non-skip verdicts of one profile, by case id.
struct Expected {
    profile: &'static str,
    /// Failing cases, each with exactly the requirements it finds broken.
    fail: &'static [(&'static str, &'static [&'static str])],
    /// Cases a root cause already reported elsewhere keeps from running.
    blocked: &'static [&'static str],
    warn: &'static [&'static str],
}

const WORKSHOP: [Expected; 3] = [
    Expected {
        profile: "ws-prebridge",
        fail: &[
            ("version/shape", &["VER-1", "VER-2", "VER-5"]), // no VERSION
            ("version/unsupported-version", &["VER-4"]),     // cniVersion never checked
            ("env/missing-variables", &["ERR-1"]),           // set -u aborts, no error JSON
            ("env/malformed-stdin", &["ERR-1"]),             // jq's failure swallowed
            ("add/distinct-addresses", &["IPAM-2"]),         // $RANDOM addresses collide
            ("add/parallel", &["EXEC-4", "IPAM-2"]),         // ... also under concurrency
            ("check/after-add", &["CHECK-1", "CHECK-4", "CHECK-7"]), // no CHECK
            ("output/single-document", &["ERR-3"]),          // "unknown command" on stderr only
            ("del/no-residue", &["DEL-1", "DEL-RELEASE"]),   // DEL leaves the veth pair
            ("dp/connectivity", &["DP-DEL"]), // ... so the container still answers after DEL
        ],
        blocked: &[
            "check/detects-missing-interface",
            "check/detects-missing-address",
            "check/detects-missing-route",
            "check/tolerates-later-changes",
            "check/detects-missing-reservation",
            "check/detects-untracked-removal",
        ],
        // No cniVersion: answered in its own 0.3.1 format, not 0.2.0's.
        warn: &["version/missing-cniversion"],
    },
    Expected {
        profile: "ws-nocommand",
        fail: &[
            ("version/shape", &["VER-1", "VER-2", "VER-5"]), // VERSION runs an ADD
            ("version/unsupported-version", &["VER-4"]),     // cniVersion never checked
            ("env/missing-variables", &["ENV-8"]),           // ${VAR:-} defaults: it acts
            ("env/malformed-stdin", &["ERR-1"]),             // jq's failure swallowed
            ("check/after-add", &["CHECK-1", "CHECK-4", "CHECK-7"]), // CHECK runs an ADD
            ("del/repeat", &["DEL-2"]),                      // DEL runs an ADD, which fails
            ("del/netns-gone", &["DEL-3"]),
            ("del/no-residue", &["DEL-1"]),
            ("del/bridge-gone", &["DEL-3"]), // ... also once the bridge is gone
            ("del/state-dir-gone", &["DEL-3"]), // ... or its state directory
        ],
        blocked: &[
            "check/detects-missing-interface",
            "check/detects-missing-address",
            "check/detects-missing-route",
            "check/tolerates-later-changes",
            "check/detects-missing-reservation",
            "check/detects-untracked-removal",
            "del/without-prev-result",
        ],
        warn: &["version/missing-cniversion"],
    },
    Expected {
        profile: "ws-daemon",
        fail: &[],
        blocked: &[],
        // VERSION answers its own newest version, not the one asked (as Go's skel does).
        warn: &["version/shape"],
    },
];

fn options(profile: &str) -> SuiteOptions {
    let path = common::repo_root().join(format!(
        "plugins-under-test/profiles/workshop/{profile}.json"
    ));
    let profile = Profile::load(&path).expect("profile loads");
    // As the CLI builds it: the workspace's binaries (the pass-through
    // plugin of the chain case) first, then the profile's own directories.
    let mut cni_path = vec![common::bin_dir()];
    cni_path.extend(profile.cni_path.iter().cloned());
    SuiteOptions {
        cni_path,
        profile,
        only_versions: None,
        strict: false,
        limits: Limits::default(),
    }
}

/// Case id -> the verdicts it got (one per spec version).
fn by_case(results: &[CaseResult]) -> BTreeMap<String, Vec<Verdict>> {
    let mut out: BTreeMap<String, Vec<Verdict>> = BTreeMap::new();
    for r in results {
        out.entry(r.case.clone()).or_default().push(r.verdict);
    }
    out
}

/// Cases with at least one verdict `v`.
fn with_verdict(cases: &BTreeMap<String, Vec<Verdict>>, v: Verdict) -> Vec<String> {
    cases
        .iter()
        .filter(|(_, vs)| vs.contains(&v))
        .map(|(c, _)| c.clone())
        .collect()
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn describe(results: &[CaseResult], cases: &[String]) -> String {
    results
        .iter()
        .filter(|r| cases.contains(&r.case))
        .map(|r| format!("--- {}\n{}", r.case, suite::failure_text(r)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_profile(want: &Expected) {
    let opts = options(want.profile);
    let plan = suite::plan(&opts).expect("plan");
    // The baseline ADD needs the fixtures (the bridge, the daemon): had
    // they not been there, every verdict below would mean nothing.
    let baseline = plan.own_baseline().expect("a baseline ran");
    if let Some(f) = &baseline.failure {
        assert_ne!(
            f.verb,
            cni_harness::spec::Verb::Add,
            "{}: the baseline ADD failed: {}",
            want.profile,
            f.error
        );
    }
    let mut results = suite::run_selected(&opts, &plan, |_| true, 2);
    for _ in 0..2 {
        let lucky: Vec<&str> = RANDOM
            .iter()
            .copied()
            .filter(|c| want.fail.iter().any(|(f, _)| f == c))
            .filter(|c| {
                results
                    .iter()
                    .any(|r| r.case == *c && r.verdict == Verdict::Pass)
            })
            .collect();
        if lucky.is_empty() {
            break;
        }
        results.retain(|r| !lucky.contains(&r.case.as_str()));
        results.extend(suite::run_selected(
            &opts,
            &plan,
            |c| lucky.contains(&c.id),
            2,
        ));
    }
    let cases = by_case(&results);
    let errors = with_verdict(&cases, Verdict::Error);
    assert!(
        errors.is_empty(),
        "{}: harness errors:\n{}",
        want.profile,
        describe(&results, &errors)
    );
    let failing: Vec<&str> = want.fail.iter().map(|(c, _)| *c).collect();
    for (verdict, expected) in [
        (Verdict::Fail, failing.as_slice()),
        (Verdict::Blocked, want.blocked),
        (Verdict::Warn, want.warn),
    ] {
        let got = with_verdict(&cases, verdict);
        let want_ids = sorted(expected);
        let unexpected: Vec<String> = got
            .iter()
            .filter(|c| !want_ids.contains(c))
            .cloned()
            .collect();
        let missing: Vec<&String> = want_ids.iter().filter(|c| !got.contains(c)).collect();
        assert!(
            unexpected.is_empty() && missing.is_empty(),
            "{}: {verdict:?} verdicts differ: unexpected {unexpected:?}, missing {missing:?}\n{}",
            want.profile,
            describe(&results, &unexpected)
        );
    }
    // Each failure blames exactly the requirements the defect breaks.
    for (case, ids) in want.fail {
        let broken: std::collections::BTreeSet<&str> = results
            .iter()
            .filter(|r| r.case == *case)
            .flat_map(|r| r.requirement_verdicts.iter())
            .filter(|(_, v)| **v == Verdict::Fail)
            .map(|(id, _)| id.as_str())
            .collect();
        let expected: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(
            broken,
            expected,
            "{}: {case} blames other requirements\n{}",
            want.profile,
            describe(&results, &[case.to_string()])
        );
    }
}

/// What of the fixtures could reach the host if the sandbox leaked it.
#[derive(Debug, PartialEq)]
struct HostTraces {
    links: Vec<String>,
    files: Vec<String>,
    /// This run's sandboxes still pinned or with a directory.
    sandboxes: Vec<String>,
    /// Node daemons of this checkout still running.
    daemons: Vec<String>,
}

fn host_traces() -> HostTraces {
    let links = ["cni0", "wsd0"]
        .into_iter()
        .filter(|l| Path::new("/sys/class/net").join(l).exists())
        .map(String::from)
        .collect();
    let files = [
        "/run/ws-daemon",
        "/var/lib/cni/ws-prebridge",
        "/var/lib/cni/ws-nocommand",
        "/var/lib/cni/ws-daemon",
    ]
    .into_iter()
    .filter(|f| Path::new(f).exists())
    .map(String::from)
    .collect();
    let prefix = format!("cnih-{}-", std::process::id());
    let mut sandboxes = Vec::new();
    for dir in ["/run/netns", "/run/cni-harness"] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with(&prefix) {
                    sandboxes.push(format!("{dir}/{name}"));
                }
            }
        }
    }
    let root = common::repo_root().display().to_string();
    let mut daemons = Vec::new();
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for p in procs.flatten() {
            let Ok(cmdline) = std::fs::read(p.path().join("cmdline")) else {
                continue;
            };
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains("ws-daemond") && cmdline.contains(&root) {
                daemons.push(format!("{}: {cmdline}", p.file_name().to_string_lossy()));
            }
        }
    }
    HostTraces {
        links,
        files,
        sandboxes,
        daemons,
    }
}

/// One test for the three profiles, run one after the other: the check that
/// nothing is left needs no other sandbox of this process alive.
#[test]
fn workshop_reports_name_exactly_their_defects_and_fixtures_are_gone() {
    require_root!();
    let before = host_traces();
    for want in &WORKSHOP {
        check_profile(want);
    }
    let after = host_traces();
    assert!(
        after.sandboxes.is_empty() && after.daemons.is_empty(),
        "left after the suite: {after:?}"
    );
    // Links and files on the real host: none may appear (one present
    // before is someone else's and not judged).
    assert_eq!(after.links, before.links, "node links reached the host");
    assert_eq!(
        after.files, before.files,
        "fixture or plugin files reached the host"
    );
}
