//! The sandbox's namespaces start from the kernel's IPv4 settings, not the
//! host's: changes the host's `default.*` settings for a moment, so it is
//! a test binary of its own (no other test makes links or sandboxes while
//! they are changed).

mod common;

use cni_harness::sandbox::Sandbox;

/// A host setting, restored when dropped (even when the test fails).
struct HostSysctl {
    path: &'static str,
    was: String,
}

impl HostSysctl {
    fn set(path: &'static str, value: &str) -> HostSysctl {
        let was = std::fs::read_to_string(path).expect("read host sysctl");
        std::fs::write(path, value).expect("write host sysctl");
        HostSysctl {
            path,
            was: was.trim().to_string(),
        }
    }
}

impl Drop for HostSysctl {
    fn drop(&mut self) {
        let _ = std::fs::write(self.path, &self.was);
    }
}

/// `/proc/sys/<key>` read from a thread inside `ns`.
fn sysctl_in(ns: &cni_harness::sandbox::Netns, key: &str) -> String {
    let path = format!("/proc/sys/{}", key.replace('.', "/"));
    ns.run(|| std::fs::read_to_string(&path))
        .expect("enter namespace")
        .expect("read sysctl")
        .trim()
        .to_string()
}

/// A new namespace copies the host's IPv4 settings; the sandbox's start
/// from the kernel's defaults instead (the stand-in node forwarding), so
/// verdicts do not depend on the host. Only `default.*` host settings are
/// changed (they reach links made later, and none is made on the host
/// here), and restored.
#[test]
fn sandbox_namespaces_do_not_inherit_the_hosts_ipv4_settings() {
    require_root!();
    let _rp = HostSysctl::set("/proc/sys/net/ipv4/conf/default/rp_filter", "1");
    let _arp = HostSysctl::set("/proc/sys/net/ipv4/conf/default/arp_ignore", "2");
    // Control: a bare new namespace inherits them on this kernel.
    let inherited = std::thread::spawn(|| {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare");
        std::fs::read_to_string("/proc/sys/net/ipv4/conf/default/rp_filter").expect("read")
    })
    .join()
    .expect("control thread");
    if inherited.trim() != "1" {
        eprintln!(
            "new namespaces do not copy the host's IPv4 settings here \
             (net.core.devconf_inherit_init_net): nothing to pin"
        );
        return;
    }
    let sandbox = Sandbox::new().expect("sandbox");
    let node = sandbox.node_netns().expect("scratch node");
    let container = sandbox.container().expect("container");
    for ns in [node, container] {
        assert_eq!(sysctl_in(ns, "net.ipv4.conf.default.rp_filter"), "0");
        assert_eq!(sysctl_in(ns, "net.ipv4.conf.default.arp_ignore"), "0");
    }
    assert_eq!(sysctl_in(node, "net.ipv4.ip_forward"), "1");
    assert_eq!(sysctl_in(container, "net.ipv4.ip_forward"), "0");
}
