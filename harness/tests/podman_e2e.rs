//! End to end under podman 4.3 (Debian) with its CNI backend: two containers
//! on the reference plugin (`cni-ref-bridge` + `cni-ref-ipam`) reach each
//! other and the gateway, and `podman rm` leaves no host veth, IPAM
//! reservation, libcni cache entry or namespace pin; the same with Debian's
//! `bridge` + `host-local` as the control. The host is judged with the
//! harness's snapshots and leak oracle.
//!
//! Podman runs plugins in the host namespace, so this test changes the host
//! while it runs (a bridge of its own, `cnihpm-*0`, on a subnet no host
//! route overlaps) and removes everything afterwards, also on failure
//! (`podman/testbed.rs`). Its own test binary: nothing else in it runs
//! concurrently, and the two runs take turns.

mod common;
mod podman;

use std::sync::Mutex;

use podman::network::Flavour;

/// The leak oracle counts any new host veth as residue: one run at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn run(flavour: Flavour) {
    let _turn = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let t = podman::scenario::run(flavour);
    eprintln!(
        "podman {:?}: run -d {:?}, rm of both {:?}, whole test {:?}",
        flavour, t.start, t.remove, t.total
    );
}

#[test]
fn reference_plugin_under_podman() {
    require_root!();
    run(Flavour::Reference);
}

#[test]
fn debian_bridge_under_podman_is_the_control() {
    require_root!();
    run(Flavour::Debian);
}

/// The negative control: a plugin whose DEL skips the IPAM leaves the
/// containers' reservations behind, and the run must say so, and still
/// leave the host clean.
#[test]
fn a_plugin_leaking_reservations_is_caught() {
    require_root!();
    let _turn = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let caught = std::panic::catch_unwind(|| podman::scenario::run(Flavour::LeakyIpam));
    let message = match caught {
        Ok(_) => panic!("a plugin that never releases its addresses passed the podman run"),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    };
    let (network, bridge) = podman::network::Network::names(Flavour::LeakyIpam);
    assert!(
        message.contains("[DEL-RELEASE]")
            && message.contains(&format!("/var/lib/cni/networks/{network}/")),
        "caught, but not as a leaked reservation: {message}"
    );
    // The guard cleaned up while the failure unwound.
    assert!(!std::path::Path::new("/var/lib/cni/networks")
        .join(&network)
        .exists());
    assert!(!std::path::Path::new("/sys/class/net")
        .join(&bridge)
        .exists());
}

/// Capture and replay (issue 16): the shim in front of the reference
/// plugin records podman's invocations while two containers go up and
/// down (the run itself must pass as without the shim); replayed in a
/// sandbox they get the same verdicts (every step passes, nothing left
/// after DEL), each with the recorded stdin byte for byte and the recorded
/// environment except the documented differences: `CNI_NETNS` (the
/// sandbox's namespace), `PATH` (the harness's fixed one) and the rest of
/// the runtime's own environment (not passed).
#[test]
fn podman_invocations_replay_in_a_sandbox() {
    require_root!();
    let _turn = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let shim = podman::capture::Shim::install(&common::workspace_plugin("cni-ref-bridge"));
    podman::scenario::run(Flavour::Captured);

    let (captures, passed) =
        cni_harness::replay::record::load_dir(&shim.out).expect("podman's invocations captured");
    assert!(passed.is_empty(), "unfinished captures: {passed:?}");
    let verbs: Vec<String> = captures
        .iter()
        .map(|c| c.env_var("CNI_COMMAND").unwrap_or("?").to_string())
        .collect();
    eprintln!("podman's invocations: {verbs:?}");
    assert_eq!(verbs.iter().filter(|v| *v == "ADD").count(), 2, "{verbs:?}");
    assert_eq!(verbs.iter().filter(|v| *v == "DEL").count(), 2, "{verbs:?}");

    // Issue 21: podman's real invocations are what the podman persona
    // sends, field by field (verbs, VERSION probes, CNI_ARGS keys, order
    // and value shapes, container ID shape, capabilities).
    let differences = common::persona_differences(
        cni_harness::invoke::RuntimeKind::Podman,
        &captures,
        &Default::default(),
    );
    assert!(
        differences.is_empty(),
        "podman's invocations differ from the podman persona: {differences:#?}"
    );

    let report = cni_harness::replay::replay(&captures, &Default::default()).expect("replay");
    let bad: Vec<String> = report
        .findings()
        .filter(|f| f.severity != cni_harness::judge::Severity::Info)
        .map(ToString::to_string)
        .collect();
    assert!(
        bad.is_empty(),
        "the replay judges otherwise than the podman run: {bad:?}"
    );
    assert!(!report.reproduces(true));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_eq!(report.steps.len(), captures.len());
    for r in &report.steps {
        let c = &r.captured;
        let what = format!("capture {} ({})", c.seq, r.step.invocation.verb);
        assert_eq!(
            c.exit, r.step.outcome.exit,
            "{what}: exit differs from podman's run"
        );
        assert_eq!(
            c.stdin.to_vec().expect("stdin"),
            r.step.invocation.stdin,
            "{what}: stdin not byte-identical"
        );
        // The documented differences, and nothing else.
        let expected: Vec<(String, String)> = c
            .env
            .iter()
            .filter(|(k, _)| k.starts_with("CNI_") || k == "PATH")
            .map(|(k, v)| {
                let v = match k.as_str() {
                    "PATH" => cni_harness::invoke::env::PLUGIN_PATH_ENV.to_string(),
                    "CNI_NETNS" if !v.is_empty() && v != "dummy" => report
                        .netns_map
                        .iter()
                        .find(|(rec, _)| rec == v)
                        .map(|(_, ours)| ours.display().to_string())
                        .unwrap_or_else(|| panic!("{what}: {v} not mapped")),
                    _ => v.clone(),
                };
                (k.clone(), v)
            })
            .collect();
        assert_eq!(r.step.invocation.env, expected, "{what}: environment");
        assert!(
            c.env
                .iter()
                .any(|(k, _)| !k.starts_with("CNI_") && k != "PATH"),
            "{what}: podman passed its own environment, the replay does not"
        );
    }
    assert_eq!(report.netns_map.len(), 2, "one namespace per container");
}
