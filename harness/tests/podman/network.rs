//! The CNI network the containers join: names and a subnet of the test's
//! own, so that nothing on the host (or another engineer's run) is touched.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use cni_harness::kernel::SandboxSnapshot;
use cni_harness::result::Cidr;
use serde_json::{json, Value};

/// Which plugins network the containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// The project's `cni-ref-bridge` with `cni-ref-ipam` (from target/debug).
    Reference,
    /// Debian's Go `bridge` with `host-local`: the control.
    Debian,
    /// A zoo plugin wrapping Debian's bridge whose DEL never reaches the
    /// IPAM: the negative control, which the run must catch.
    LeakyIpam,
    /// The reference plugin behind the capture shim (`podman/capture.rs`),
    /// whose directory comes first in podman's plugin directories.
    Captured,
}

impl Flavour {
    pub fn tag(self) -> &'static str {
        match self {
            Flavour::Reference => "ref",
            Flavour::Debian => "deb",
            Flavour::LeakyIpam => "zoo",
            Flavour::Captured => "cap",
        }
    }

    fn plugins(self) -> (&'static str, &'static str) {
        match self {
            Flavour::Reference | Flavour::Captured => ("cni-ref-bridge", "cni-ref-ipam"),
            Flavour::Debian => ("bridge", "host-local"),
            Flavour::LeakyIpam => ("cni-zoo-leaks-ipam", "host-local"),
        }
    }

    fn plugin_dirs(self) -> Vec<PathBuf> {
        let (main, ipam) = self.plugins();
        match self {
            Flavour::Reference => {
                crate::common::workspace_plugin(main);
                crate::common::workspace_plugin(ipam);
                vec![crate::common::bin_dir()]
            }
            Flavour::Debian => vec![crate::common::debian_cni_dir()],
            Flavour::LeakyIpam => {
                crate::common::workspace_plugin(main);
                crate::common::workspace_plugin("cni-zoo-noop-ipam");
                vec![crate::common::bin_dir(), crate::common::debian_cni_dir()]
            }
            Flavour::Captured => {
                crate::common::workspace_plugin(main);
                crate::common::workspace_plugin(ipam);
                vec![super::capture::shim_dir(), crate::common::bin_dir()]
            }
        }
    }

    /// Subnets to try, in order (the third octet differs per flavour).
    fn candidates(self) -> [Ipv4Addr; 3] {
        let n = match self {
            Flavour::Reference => 47,
            Flavour::Debian => 48,
            Flavour::LeakyIpam => 49,
            Flavour::Captured => 50,
        };
        [
            Ipv4Addr::new(10, 213, n, 0),
            Ipv4Addr::new(10, 214, n, 0),
            Ipv4Addr::new(172, 31, n, 0),
        ]
    }
}

/// Everything that names the network on the host.
#[derive(Debug, Clone)]
pub struct Network {
    pub flavour: Flavour,
    /// Network name: also the IPAM directory `/var/lib/cni/networks/NAME`
    /// and the prefix of libcni's cache files.
    pub name: String,
    pub bridge: String,
    pub subnet: Cidr,
    pub gateway: IpAddr,
    /// Podman's `cni_plugin_dirs` (and so the plugins' `CNI_PATH`).
    pub plugin_dirs: Vec<PathBuf>,
}

impl Network {
    /// Fixed names (a later run finds what a killed one left), per flavour.
    pub fn names(flavour: Flavour) -> (String, String) {
        let t = flavour.tag();
        (format!("cnihpm-{t}"), format!("cnihpm-{t}0"))
    }

    /// The network, on the first candidate subnet no host route overlaps.
    pub fn choose(flavour: Flavour, host: &SandboxSnapshot) -> Network {
        let (name, bridge) = Network::names(flavour);
        let subnet =
            crate::common::host::free_subnet(&flavour.candidates(), host).unwrap_or_else(|| {
                panic!(
                    "every candidate subnet of {:?} overlaps a host route",
                    flavour.candidates()
                )
            });
        let gateway = match subnet.network().addr() {
            IpAddr::V4(base) => IpAddr::V4(Ipv4Addr::from(u32::from(base) + 1)),
            v6 => v6,
        };
        Network {
            flavour,
            name,
            bridge,
            subnet,
            gateway,
            plugin_dirs: flavour.plugin_dirs(),
        }
    }

    /// The configuration list podman reads. No masquerading and no default
    /// route: the containers can reach each other and the gateway, nothing
    /// beyond the bridge.
    pub fn conflist(&self) -> Value {
        let (main, ipam) = self.flavour.plugins();
        json!({
            "cniVersion": "1.0.0",
            "name": self.name,
            "plugins": [{
                "type": main,
                "bridge": self.bridge,
                "isGateway": true,
                "ipMasq": false,
                "ipam": {
                    "type": ipam,
                    "ranges": [[{"subnet": self.subnet.to_string(),
                                 "gateway": self.gateway.to_string()}]]
                }
            }]
        })
    }
}
