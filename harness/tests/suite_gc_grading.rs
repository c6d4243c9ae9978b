//! How `gc/releases-stale` grades (root, real namespaces, a real plugin
//! process): SPEC.md "GC" says a plugin SHOULD remove stale resources
//! (GC-1, a warning when it does not) and the runtime's list names the
//! attachments that are still valid (GC-2: releasing one of them fails).
//! Regression: GC-1 was catalogued as a MUST, so every upstream v1.9.1
//! plugin, none of which implements GC, failed a SHOULD.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::record::Verdict;
use cni_harness::suite::{self, SuiteOptions};

/// A plugin that keeps one state file per container, the way host-local
/// keeps reservations. On GC it runs `gc`: nothing, or delete every file
/// (the valid attachments' too).
fn script_plugin(dir: &Path, name: &str, gc: &str) {
    script_plugin_checking(dir, name, gc, r#"[ -f "$d/$CNI_CONTAINERID" ]"#);
}

/// The same, with CHECK succeeding when `check` does.
fn script_plugin_checking(dir: &Path, name: &str, gc: &str, check: &str) {
    let script = format!(
        r#"#!/bin/sh
cat >/dev/null
d=/var/lib/cni/{name}
case "$CNI_COMMAND" in
VERSION) echo '{{"cniVersion":"1.1.0","supportedVersions":["1.1.0"]}}' ;;
ADD) mkdir -p "$d" && echo "$CNI_CONTAINERID" >"$d/$CNI_CONTAINERID" && echo '{{"cniVersion":"1.1.0"}}' ;;
DEL) rm -f "$d/$CNI_CONTAINERID" ;;
CHECK) {check} || {{ echo '{{"code":3,"msg":"unknown container"}}'; exit 1; }} ;;
GC) {gc} ;;
esac
"#
    );
    let path = dir.join(name);
    std::fs::write(&path, script).expect("write plugin");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn gc_verdicts(dir: &Path, plugin: &str) -> Vec<(Verdict, String)> {
    let profile = serde_json::json!({
        "profile": plugin, "plugin": plugin, "role": "main",
        "config": {"cniVersion": "1.1.0", "name": "gcnet", "plugins": [{"type": plugin}]}
    });
    let profile = Profile::parse(profile.to_string().as_bytes(), "test profile").expect("profile");
    let opts = SuiteOptions {
        cni_path: vec![dir.to_path_buf()],
        profile,
        only_versions: None,
        strict: false,
        limits: Limits::default(),
    };
    let plan = suite::plan(&opts).expect("plan");
    suite::run_selected(&opts, &plan, |c| c.id == "gc/releases-stale", 1)
        .into_iter()
        .map(|r| (r.verdict, suite::failure_text(&r)))
        .collect()
}

#[test]
fn stale_state_kept_is_a_warning_valid_state_released_a_failure() {
    require_root!();
    let tmp = tempfile::tempdir().expect("tempdir");
    script_plugin(tmp.path(), "gc-ignores", "true");
    script_plugin(tmp.path(), "gc-wipes", r#"rm -rf "$d""#);

    let ignores = gc_verdicts(tmp.path(), "gc-ignores");
    assert_eq!(ignores.len(), 1, "{ignores:?}");
    assert_eq!(ignores[0].0, Verdict::Warn, "{}", ignores[0].1);
    assert!(ignores[0].1.contains("kept the state"), "{}", ignores[0].1);

    let wipes = gc_verdicts(tmp.path(), "gc-wipes");
    assert_eq!(wipes.len(), 1, "{wipes:?}");
    assert_eq!(wipes[0].0, Verdict::Fail, "{}", wipes[0].1);
}

/// Regression: a CHECK that fails whatever GC did (upstream sbr v1.9.1 in
/// its chain) was counted again as GC breaking a valid attachment (GC-2).
#[test]
fn a_check_failing_before_gc_is_not_blamed_on_gc() {
    require_root!();
    let tmp = tempfile::tempdir().expect("tempdir");
    script_plugin_checking(tmp.path(), "gc-ignores-check-fails", "true", "false");
    let v = gc_verdicts(tmp.path(), "gc-ignores-check-fails");
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, Verdict::Warn, "{}", v[0].1);
    assert!(v[0].1.contains("kept the state"), "{}", v[0].1);
}
