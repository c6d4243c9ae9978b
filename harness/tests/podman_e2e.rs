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
