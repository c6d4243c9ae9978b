//! The real host is left as it was: runs real plugins through the harness
//! (including a run that fails and one that panics mid-way) and compares the
//! host's namespaces, links, addresses, routes and CNI state files before and
//! after. Kept in its own test binary so no other test runs concurrently.

mod common;

use std::process::Command;

use cni_harness::config::Profile;
use cni_harness::invoke::{Attachment, Runtime};
use cni_harness::sandbox::Sandbox;

fn sh(cmd: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .output()
        .expect("sh runs");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// What the host looks like, minus counters and timers.
fn host_state() -> String {
    [
        "ls /run/netns 2>/dev/null",
        "ls /run/cni-harness 2>/dev/null",
        "ip -o link show | sed -E 's/^[0-9]+: //; s/ state .*//'",
        "ip -o addr show | awk '{print $2, $3, $4}'",
        "ip route show table all",
        "ip -6 route show table all | grep -v '^ff00::/8\\|fe80::' ",
        "ip rule show",
        "find /var/lib/cni /run/cni -mindepth 1 2>/dev/null | sort",
    ]
    .iter()
    .map(|c| format!("$ {c}\n{}", sh(c)))
    .collect()
}

#[test]
fn host_is_left_as_it_was() {
    require_root!();
    let before = host_state();
    let debian = common::debian_cni_dir();
    let profiles = common::repo_root().join("plugins-under-test/profiles/debian");

    for name in ["bridge", "ptp", "macvlan"] {
        for verb in ["add", "check", "del"] {
            let status = Command::new(env!("CARGO_BIN_EXE_cni-harness"))
                .args(["exec", verb, "--config"])
                .arg(profiles.join(format!("{name}.json")))
                .arg("--cni-path")
                .arg(&debian)
                .output()
                .expect("exec runs")
                .status;
            assert!(status.success(), "{name} {verb}");
        }
    }

    // A sandbox abandoned mid-ADD by a panic is still removed.
    let panicked = std::panic::catch_unwind(|| {
        let profile = Profile::load(&profiles.join("bridge.json")).expect("profile");
        let sandbox = Sandbox::new().expect("sandbox");
        let rt = Runtime::new(&sandbox, vec![debian.clone()]);
        rt.add(&profile.config, &Attachment::new("doomed", "eth0"))
            .expect("add");
        panic!("test panics with an attachment in place");
    });
    assert!(panicked.is_err());

    let after = host_state();
    assert_eq!(before, after, "the host changed");
}
