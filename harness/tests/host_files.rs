//! Plugins see the host's files through a copy-on-write layer (issue 14):
//! what they write outside the state directories never reaches the real
//! host, and what they leave after DEL is judged like any other
//! per-attachment state by `del/no-residue`.

mod common;

use std::path::Path;

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::record::Verdict;
use cni_harness::suite::{self, SuiteOptions};

fn run_case(profile: Profile, case: &str) -> Vec<cni_harness::record::CaseResult> {
    let opts = SuiteOptions {
        cni_path: vec![common::bin_dir(), common::debian_cni_dir()],
        profile,
        only_versions: None,
        strict: false,
        limits: Limits::default(),
    };
    let plan = suite::plan(&opts).expect("plan");
    suite::run_selected(&opts, &plan, |c| c.id == case, 2)
}

/// Files the zoo plugin drops on every ADD (container id `cnih-ctr-0`).
const DROPPED: [&str; 3] = [
    "/etc/cni-zoo/attachments",
    "/var/run/cni-zoo/cnih-ctr-0",
    "/tmp/cni-zoo-cnih-ctr-0.lock",
];

#[test]
fn files_left_on_the_host_fail_no_residue_and_never_reach_it() {
    require_root!();
    common::workspace_plugin("cni-zoo-leaks-host-files");
    let path = common::repo_root().join("plugins-under-test/profiles/zoo/leaks-host-files.json");
    let results = run_case(Profile::load(&path).expect("profile"), "del/no-residue");
    assert!(!results.is_empty());
    for r in &results {
        let text = suite::failure_text(r);
        assert_eq!(r.verdict, Verdict::Fail, "{text}");
        // Named as the plugin wrote them (/var/run is /run on Debian).
        for name in [
            "/etc/cni-zoo/attachments",
            "/run/cni-zoo/cnih-ctr-0",
            "/tmp/cni-zoo-cnih-ctr-0.lock",
        ] {
            assert!(
                text.contains(&format!("left after DEL: + files file {name}")),
                "{name} not named:\n{text}"
            );
        }
        assert!(
            text.contains("[DEL-NO-GROWTH] size of file /etc/cni-zoo/attachments grows"),
            "the appended file is growth:\n{text}"
        );
    }
    for f in DROPPED.iter().chain(&["/etc/cni-zoo", "/run/cni-zoo"]) {
        assert!(!Path::new(f).exists(), "{f} reached the real host");
    }
}

#[test]
fn state_kept_in_var_lib_cni_and_removed_on_del_passes() {
    require_root!();
    common::workspace_plugin("cni-tidy-state");
    let conf = br#"{"cniVersion":"1.0.0","name":"tidy","plugins":[{"type":"cni-tidy-state"}]}"#;
    let profile = Profile::parse(conf, "tidy").expect("profile");
    let results = run_case(profile, "del/no-residue");
    assert_eq!(results.len(), 7, "one per version");
    for r in &results {
        assert_eq!(r.verdict, Verdict::Pass, "{}", suite::failure_text(r));
    }
    assert!(!Path::new("/run/cni-tidy-state").exists());
}

/// What the plugin changed is read back; the real files are untouched.
#[test]
fn writes_changes_and_deletions_are_seen_in_the_sandbox_only() {
    require_root!();
    let sandbox = cni_harness::sandbox::Sandbox::new().expect("sandbox");
    if sandbox.mounts().and_then(|m| m.layers()).is_none() {
        eprintln!(
            "skipped: no overlayfs here ({})",
            cni_harness::sandbox::overlay::unavailable().unwrap_or("?")
        );
        return;
    }
    let victim = tempfile::NamedTempFile::new_in("/etc").expect("a host file");
    std::fs::write(victim.path(), b"real").expect("write");
    let victim_path = victim.path().display().to_string();
    let script = format!(
        "echo new > /etc/cnih-test-new && echo changed > {v} && rm {v}.gone 2>/dev/null; \
         mkdir -p /opt/cnih-test-dir && : > /opt/cnih-test-dir/f && rm -f {v}",
        v = victim_path
    );
    let mut cmd =
        cni_harness::sandbox::plugin_command(&sandbox, Path::new("/bin/sh")).expect("cmd");
    cmd.args(["-c", &script]);
    let status = cmd.status().expect("sh runs");
    assert!(status.success());
    let snap = cni_harness::kernel::SandboxSnapshot::take(&sandbox, &Default::default())
        .expect("snapshot");
    let seen: Vec<String> = snap
        .files
        .entries
        .iter()
        .filter(|e| !e.path.starts_with("/run/cni-harness"))
        .map(|e| format!("{} {:?}", e.path.display(), e.kind))
        .collect();
    assert!(
        seen.contains(&"/etc/cnih-test-new File".to_string()),
        "{seen:?}"
    );
    assert!(seen.contains(&format!("{victim_path} Deleted")), "{seen:?}");
    assert!(
        seen.contains(&"/opt/cnih-test-dir Dir".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"/opt/cnih-test-dir/f File".to_string()),
        "{seen:?}"
    );
    assert!(!Path::new("/etc/cnih-test-new").exists());
    assert!(!Path::new("/opt/cnih-test-dir").exists());
    assert_eq!(std::fs::read(victim.path()).expect("still there"), b"real");
}
