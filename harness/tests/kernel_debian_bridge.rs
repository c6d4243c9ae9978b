//! The oracles against a real plugin: Debian's Go `bridge` with `host-local`
//! through the harness's runtime. Its results must agree with the kernel,
//! its DEL must leave only network-scoped state, and nothing may grow over
//! repeated ADD/DEL cycles.

use std::path::Path;

use cni_harness::config::NetworkConfig;
use cni_harness::invoke::{Attachment, Runtime};
use cni_harness::judge::{any_error, consistency, leak};
use cni_harness::kernel::scratch::is_root;
use cni_harness::kernel::{diff_sandbox, render, SandboxSnapshot, SnapshotOptions};
use cni_harness::result;
use cni_harness::sandbox::Sandbox;
use cni_harness::SpecVersion;

const CNI_DIR: &str = "/usr/lib/cni";

fn config() -> NetworkConfig {
    config_masq(false)
}

fn config_masq(ip_masq: bool) -> NetworkConfig {
    let raw = serde_json::json!({
        "cniVersion": "1.0.0",
        "name": "k-bridge",
        "plugins": [{
            "type": "bridge", "bridge": "cni-k0", "isGateway": true, "ipMasq": ip_masq,
            "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.77.0.0/24"}]],
                     "routes": [{"dst": "0.0.0.0/0"}]}
        }]
    });
    NetworkConfig::from_value(raw, "kernel_debian_bridge").expect("config")
}

fn available() -> bool {
    if !is_root() {
        return false;
    }
    if !Path::new(CNI_DIR).join("bridge").exists() {
        eprintln!("skipped: Debian's containernetworking-plugins are not installed (ci/setup.sh)");
        return false;
    }
    true
}

#[test]
fn bridge_results_agree_with_the_kernel_and_del_leaks_nothing() {
    if !available() {
        return;
    }
    for version in [
        SpecVersion::V0_2_0,
        SpecVersion::V0_3_1,
        SpecVersion::V1_0_0,
    ] {
        let sandbox = Sandbox::new().expect("sandbox");
        let rt = Runtime::new(&sandbox, vec![CNI_DIR.into()]);
        let net = config().at_version(version);
        let att = Attachment::new("kernel-e2e-1", "eth0");
        let opts = SnapshotOptions::default();

        let baseline = SandboxSnapshot::take(&sandbox, &opts).unwrap();
        let add = rt.add(&net, &att).expect("ADD runs");
        let json = add.result().unwrap_or_else(|| {
            panic!(
                "ADD {version} failed: {:?}",
                add.last().map(|s| s.reply.summary())
            )
        });
        let parsed = result::parse_value(json).unwrap();
        assert_eq!(parsed.cni_version, version);
        let after_add = SandboxSnapshot::take(&sandbox, &opts).unwrap();
        eprintln!(
            "ADD {version}:\n{}",
            render(&diff_sandbox(&baseline, &after_add))
        );

        let findings = consistency::check(
            &parsed,
            "eth0",
            after_add.container.as_ref().unwrap(),
            &after_add.node,
        );
        assert!(findings.is_empty(), "{version}: {findings:#?}");

        assert!(
            rt.del(&net, &att).expect("DEL runs").succeeded(),
            "DEL {version}"
        );
        let after_del = SandboxSnapshot::take(&sandbox, &opts).unwrap();
        let report = leak::leaks(
            &baseline,
            &after_add,
            &after_del,
            &leak::LeakIdentity::from_result("kernel-e2e-1", "eth0", &parsed),
        );
        assert!(
            report.leaks.is_empty(),
            "{version} leaks:\n{}",
            render(&report.leaks)
        );
        assert!(!any_error(&report.findings()));
        let kept = render(&report.kept);
        eprintln!("kept after DEL {version}:\n{kept}");
        assert!(
            kept.contains("+ node link cni-k0 (bridge)"),
            "{version} kept:\n{kept}"
        );
    }
}

#[test]
fn bridge_state_does_not_grow_over_cycles() {
    if !available() {
        return;
    }
    let sandbox = Sandbox::new().expect("sandbox");
    let rt = Runtime::new(&sandbox, vec![CNI_DIR.into()]);
    let net = config();
    let opts = SnapshotOptions::cheap();
    let mut snaps = vec![SandboxSnapshot::take(&sandbox, &opts).unwrap()];
    for i in 0..3 {
        let att = Attachment::new(&format!("kernel-cycle-{i}"), "eth0");
        assert!(rt.add(&net, &att).expect("ADD runs").succeeded());
        assert!(rt.del(&net, &att).expect("DEL runs").succeeded());
        snaps.push(SandboxSnapshot::take(&sandbox, &opts).unwrap());
    }
    // The first cycle creates the bridge; growth is judged after it.
    let findings = leak::growth(&snaps[1..]);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn bridge_masquerade_rules_name_the_container_and_go_with_del() {
    if !available() {
        return;
    }
    let sandbox = Sandbox::new().expect("sandbox");
    let rt = Runtime::new(&sandbox, vec![CNI_DIR.into()]);
    let net = config_masq(true);
    let att = Attachment::new("kernel-masq-1", "eth0");
    let opts = SnapshotOptions::default();
    let baseline = SandboxSnapshot::take(&sandbox, &opts).unwrap();
    let add = rt.add(&net, &att).expect("ADD runs");
    let Some(json) = add.result() else {
        eprintln!(
            "skipped: bridge with ipMasq failed here: {:?}",
            add.last().map(|s| s.reply.summary())
        );
        return;
    };
    let parsed = result::parse_value(json).unwrap();
    let after_add = SandboxSnapshot::take(&sandbox, &opts).unwrap();
    let added = render(&diff_sandbox(&baseline, &after_add));
    assert!(
        added
            .lines()
            .any(|l| l.contains("node firewall") && l.contains("kernel-masq-1")),
        "masquerade rules should name the container:\n{added}"
    );
    assert!(rt.del(&net, &att).expect("DEL runs").succeeded());
    let after_del = SandboxSnapshot::take(&sandbox, &opts).unwrap();
    let report = leak::leaks(
        &baseline,
        &after_add,
        &after_del,
        &leak::LeakIdentity::from_result("kernel-masq-1", "eth0", &parsed),
    );
    assert!(report.leaks.is_empty(), "leaks:\n{}", render(&report.leaks));
}
