//! Debian's `dhcp` IPAM plugin (through `macvlan`, its profile
//! `plugins-under-test/profiles/debian/dhcp.json`) against a DHCP server that
//! is a daemon of the profile's surroundings: `dnsmasq` in the uplink
//! namespace, on the far end of macvlan's master, started and stopped with
//! the sandbox like the node's `dhcp daemon`.
//!
//! What the server sees is the evidence: its lease file
//! (`/run/cni/dnsmasq.leases`, in the sandbox's state directory) and its log
//! (`daemon-dnsmasq.log` in the sandbox's working directory).
//! - ADD: the lease for the container's MAC and the address ADD returned is
//!   in the file (the profile's documented expectation,
//!   plugins-under-test/profiles/README.md "Debian's dhcp and host-device");
//! - CHECK: dhcp 1.1.1's CHECK asks its daemon to `DHCP.Allocate` again, a
//!   whole new DISCOVER/REQUEST exchange: the server ACKs the container's
//!   MAC once more and the lease's expiry moves forward (the profile's
//!   documented expectation, same section); CHECK succeeds on the
//!   attachment ADD made (CHECK-1) and the lease is still held;
//! - DEL: the daemon sends DHCPRELEASE and the lease leaves the file (DEL-1:
//!   DEL releases what ADD acquired; DEL-RELEASE: no per-attachment state
//!   left);
//! - the sandbox dropped: no process of its boundary (dnsmasq, `dhcp
//!   daemon`) is left, nor its directory, and the host's `/run/cni` has no
//!   lease file of ours (the harness's own promise, README: every sandbox is
//!   cleaned up; not a requirement of the plugin).
//!
//! Waits are for the server to process a packet the plugin has already sent
//! (a release is fire-and-forget): bounded, and a failure only when the
//! event never comes, never a judgement of speed.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cni_harness::config::Profile;
use cni_harness::invoke::{setup, Attachment, Runtime};

/// How long the server may take to act on a packet already sent.
const SERVER_GRACE: Duration = Duration::from_secs(10);

fn profile() -> Profile {
    let path = common::repo_root().join("plugins-under-test/profiles/debian/dhcp.json");
    Profile::load(&path).expect("the dhcp profile loads")
}

/// `(expiry, ip)` of the lease held by `mac` in dnsmasq's lease file
/// (`<expiry> <mac> <ip> <hostname> <client-id>` per line).
fn lease(file: &Path, mac: &str) -> Option<(u64, String)> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            [expiry, m, ip, ..] if m.eq_ignore_ascii_case(mac) => {
                Some((expiry.parse().ok()?, ip.to_string()))
            }
            _ => None,
        }
    })
}

/// Log lines of the server about `mac` that start with `what` (`DHCPACK`).
fn logged(log: &Path, what: &str, mac: &str) -> usize {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mac = mac.to_ascii_lowercase();
    text.lines()
        .filter(|l| l.contains(&format!("{what}(")) && l.to_ascii_lowercase().contains(&mac))
        .count()
}

/// Wait (bounded) until `done` holds; whether it ever did.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + SERVER_GRACE;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `(pid, comm, net namespace inode)` of every process in PID namespace
/// `pidns` (inode), as the host's `/proc` shows them.
fn processes_in(pidns: u64) -> Vec<(u32, String, u64)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let dir = e.path();
        let Ok(ns) = std::fs::metadata(dir.join("ns/pid")) else {
            continue;
        };
        if ns.ino() != pidns {
            continue;
        }
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let net = std::fs::metadata(dir.join("ns/net"))
            .map(|m| m.ino())
            .unwrap_or(0);
        out.push((pid, comm.trim().to_string(), net));
    }
    out
}

#[test]
fn lease_acquired_on_add_renewed_on_check_released_on_del_nothing_left() {
    require_root!();
    let profile = profile();
    let host_leases = PathBuf::from("/run/cni/dnsmasq.leases");
    let host_had_leases = host_leases.exists();

    let sandbox = setup::sandbox_for(&profile).expect("sandbox with the dhcp profile's fixtures");
    let root = sandbox.host_view(Path::new("/run/cni"));
    let leases = root.join("dnsmasq.leases");
    let log = sandbox.work_dir().join("daemon-dnsmasq.log");
    let pidns = sandbox.boundary().map(|b| b.inode());

    // The server is where the profile's surroundings put it: in the uplink
    // namespace, inside the sandbox's process boundary; the dhcp daemon in
    // the node namespace, inside it too.
    let uplink_net = sandbox
        .uplink()
        .expect("surroundings with daemons make the uplink with the fixtures")
        .ns()
        .file()
        .metadata()
        .expect("uplink namespace")
        .ino();
    let node_net = sandbox
        .node_netns()
        .expect("scratch node")
        .file()
        .metadata()
        .expect("node namespace")
        .ino();
    if let Some(pidns) = pidns {
        let procs = processes_in(pidns);
        assert!(
            procs
                .iter()
                .any(|(_, comm, net)| comm == "dnsmasq" && *net == uplink_net),
            "dnsmasq runs in the uplink namespace: {procs:?}"
        );
        assert!(
            procs
                .iter()
                .any(|(_, comm, net)| comm == "dhcp" && *net == node_net),
            "the dhcp daemon runs in the node namespace: {procs:?}"
        );
    }

    let rt = Runtime::new(&sandbox, vec![common::debian_cni_dir()]);
    let att = Attachment::new("dhcp-lease-1", "eth0");

    // ADD: a lease for the container's interface (profile README).
    let add = rt.add(&profile.config, &att).expect("ADD runs");
    assert!(add.succeeded(), "ADD: {}", add.summary());
    let result = add.result().expect("ADD's result").clone();
    let mac = result["interfaces"][0]["mac"]
        .as_str()
        .expect("macvlan reports the interface's MAC")
        .to_string();
    let address = result["ips"][0]["address"]
        .as_str()
        .expect("an address")
        .to_string();
    let ip = address.split('/').next().unwrap_or_default().to_string();
    assert!(
        eventually(|| lease(&leases, &mac).is_some()),
        "no lease for {mac} in {} after ADD",
        leases.display()
    );
    let (expiry_add, leased_ip) = lease(&leases, &mac).unwrap_or_default();
    assert_eq!(leased_ip, ip, "the server leased what ADD returned");
    let acks_add = logged(&log, "DHCPACK", &mac);
    assert!(acks_add >= 1, "the server ACKed {mac} on ADD");

    // CHECK: dhcp 1.1.1 acquires again (a new exchange, DHCPACK once more);
    // the lease stays, same address, its expiry later (CHECK-1, profile
    // README). dnsmasq stamps a lease `now + lease time` in whole seconds
    // when it ACKs: a CHECK begun over a second after ADD's ACK can only
    // leave a later expiry if it was ACKed anew (the pause makes the
    // renewal visible; nothing is judged by how long anything took).
    std::thread::sleep(Duration::from_millis(1100));
    let check = rt.check(&profile.config, &att).expect("CHECK runs");
    assert!(check.succeeded(), "CHECK: {}", check.summary());
    assert!(
        eventually(|| logged(&log, "DHCPACK", &mac) > acks_add),
        "CHECK did not renew the lease: no new DHCPACK for {mac} in {}",
        log.display()
    );
    assert!(
        eventually(|| lease(&leases, &mac).is_some_and(|(e, _)| e > expiry_add)),
        "lease lost, or its expiry not moved forward, across CHECK: {:?} (after ADD: {expiry_add})",
        lease(&leases, &mac)
    );
    let (expiry_check, check_ip) = lease(&leases, &mac).unwrap_or_default();
    assert_eq!(check_ip, ip, "the renewed lease keeps the address");
    println!(
        "lease of {ip}: DHCPACKs {acks_add} after ADD, {} after CHECK; expiry moved {} s forward",
        logged(&log, "DHCPACK", &mac),
        expiry_check.saturating_sub(expiry_add)
    );

    // DEL: released (DEL-1, DEL-RELEASE): DHCPRELEASE logged, lease gone.
    let del = rt.del(&profile.config, &att).expect("DEL runs");
    assert!(del.succeeded(), "DEL: {}", del.summary());
    assert!(
        eventually(|| logged(&log, "DHCPRELEASE", &mac) >= 1),
        "no DHCPRELEASE for {mac} after DEL"
    );
    assert!(
        eventually(|| lease(&leases, &mac).is_none()),
        "the lease of {mac} outlived DEL: {:?}",
        lease(&leases, &mac)
    );

    // Nothing left once the sandbox goes (the harness's promise).
    let sandbox_root = root
        .ancestors()
        .find(|p| p.parent() == Some(Path::new(cni_harness::sandbox::ROOT_DIR)))
        .map(Path::to_path_buf);
    drop(rt);
    drop(sandbox);
    if let Some(pidns) = pidns {
        let left = processes_in(pidns);
        assert!(left.is_empty(), "processes outlived the sandbox: {left:?}");
    }
    if let Some(dir) = sandbox_root {
        assert!(!dir.exists(), "{} outlived the sandbox", dir.display());
    }
    if !host_had_leases {
        assert!(
            !host_leases.exists(),
            "a lease file appeared on the host: {}",
            host_leases.display()
        );
    }
}
