//! ADD: bridge, veth pair, IPAM, addresses, routes, gateway, firewall.
//! Whatever fails after the veth exists is undone: the veth is deleted and
//! IPAM DEL is called (the leak of containernetworking/plugins#29).

use std::net::IpAddr;

use cni_plugin_kit::cidr::{from_bits, to_bits};
use cni_plugin_kit::{
    delegate, CniError, CniResult, Interface, Invocation, IpConfig, IpNet, Route, Verb,
};
use rtnetlink::Handle;

use crate::config::{format_mac, BridgeConfig};
use crate::{link, netns, nft, owner, trace};

pub async fn add(inv: &Invocation, cfg: &BridgeConfig) -> Result<CniResult, CniError> {
    let path = inv.env.netns.clone().unwrap_or_default();
    let ns = netns::open(&path)?
        .ok_or_else(|| CniError::env(format!("CNI_NETNS {} does not exist", path.display())))?;
    let ifname = inv.env.ifname();
    let host = netns::handle_here()?;
    let cont = netns::handle_in(&ns)?;
    trace::mark("handles open");
    // SPEC.md ADD: "must produce an error if the interface already exists".
    if link::by_name(&cont, ifname).await?.is_some() {
        return Err(CniError::new(
            cni_plugin_kit::ErrorCode::AlreadyExists,
            format!(
                "interface {ifname} already exists in CNI_NETNS {}",
                path.display()
            ),
        ));
    }
    // IPAM runs in its own process; start it now and build links meanwhile.
    let ipam = inv.conf.ipam_type.clone().map(|t| {
        let env = inv.env.clone();
        let stdin = inv.conf.to_bytes();
        std::thread::spawn(move || delegate::add(&t, &env, &stdin))
    });
    trace::mark("ipam started");
    let built = build_links(&host, cfg, inv.env.container_id(), ifname, &ns).await;
    trace::mark("links built");
    let ipam_result = match ipam {
        Some(job) => job
            .join()
            .unwrap_or_else(|_| {
                Err(CniError::new(
                    cni_plugin_kit::ErrorCode::Internal,
                    "IPAM thread panicked",
                ))
            })
            .map(Some),
        None => Ok(None),
    };
    trace::mark("ipam joined");
    let outcome = match (built, ipam_result) {
        (Ok(veth), Ok(ipam)) => configure(inv, cfg, &host, &cont, &veth, ipam.unwrap_or_default())
            .await
            .map_err(|e| (e, Some(veth))),
        (Ok(veth), Err(e)) => Err((e, Some(veth))),
        (Err(failed), _) => Err(failed),
    };
    match outcome {
        Ok(result) => Ok(result),
        Err((e, veth)) => {
            undo(inv, cfg, &host, veth.as_ref()).await;
            Err(e)
        }
    }
}

/// The host end of the pair.
struct HostVeth {
    name: String,
    bridge: String,
}

/// The bridge and a labelled veth pair. On error, the pair if it was made
/// (for `undo`).
async fn build_links(
    h: &Handle,
    cfg: &BridgeConfig,
    container_id: &str,
    ifname: &str,
    ns: &std::fs::File,
) -> Result<HostVeth, (CniError, Option<HostVeth>)> {
    use std::os::fd::AsRawFd;
    let bridge = link::ensure_bridge(h, &cfg.bridge, cfg.mtu, cfg.promisc, cfg.vlan.is_some())
        .await
        .map_err(|e| (e, None))?;
    let name = format!("veth{:08x}", random_u32());
    link::create_veth(
        h,
        &name,
        bridge.index,
        ifname,
        ns.as_raw_fd(),
        cfg.mtu,
        cfg.mac,
    )
    .await
    .map_err(|e| (e, None))?;
    let veth = HostVeth {
        name,
        bridge: cfg.bridge.clone(),
    };
    match link::set_alias(h, &veth.name, &owner::label(container_id, ifname)).await {
        Ok(()) => Ok(veth),
        Err(e) => Err((e, Some(veth))),
    }
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    // SAFETY: getrandom fills at most the 4 bytes of `b`.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != 4 {
        // Entropy unavailable: time and pid still make a collision unlikely.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        return t ^ std::process::id().rotate_left(16);
    }
    u32::from_ne_bytes(b)
}

async fn configure(
    inv: &Invocation,
    cfg: &BridgeConfig,
    host: &Handle,
    cont: &Handle,
    veth: &HostVeth,
    mut ipam: CniResult,
) -> Result<CniResult, CniError> {
    let ifname = inv.env.ifname();
    if inv.conf.ipam_type.is_some() && ipam.ips.is_empty() {
        return Err(CniError::new(
            cni_plugin_kit::ErrorCode::Delegate,
            "IPAM plugin returned no IP addresses",
        ));
    }
    let missing = |what: &str| CniError::netlink(what.to_string(), "vanished during ADD");
    let host_link = link::by_name(host, &veth.name)
        .await?
        .ok_or_else(|| missing(&veth.name))?;
    let cont_link = link::by_name(cont, ifname)
        .await?
        .ok_or_else(|| missing(ifname))?;
    if cfg.hairpin {
        link::set_hairpin(host, host_link.index).await?;
    }
    if let Some(vid) = cfg.vlan {
        link::set_port_vlan(host, host_link.index, vid).await?;
    }
    // Gateways: from IPAM, or network+1 when we are the gateway.
    for ipc in &mut ipam.ips {
        if ipc.gateway.is_none() && cfg.is_gateway {
            let net = ipc.address.network();
            ipc.gateway = Some(from_bits(net.addr(), to_bits(net.addr()) + 1));
        }
    }
    if cfg.is_default_gateway {
        add_default_routes(&mut ipam)?;
    }
    for ipc in &ipam.ips {
        link::add_addr(cont, cont_link.index, ipc.address, !cfg.enable_dad).await?;
    }
    trace::mark("addresses set");
    link::set_up(cont, cont_link.index).await?;
    trace::mark("link up");
    for r in &ipam.routes {
        let gw = r.gw.or_else(|| {
            ipam.ips
                .iter()
                .find(|i| i.address.is_ipv4() == r.dst.is_ipv4())
                .and_then(|i| i.gateway)
        });
        link::add_route(cont, cont_link.index, r, gw).await?;
    }
    if cfg.is_gateway {
        let bridge = link::by_name(host, &veth.bridge)
            .await?
            .ok_or_else(|| missing(&veth.bridge))?;
        for ipc in &ipam.ips {
            if let Some(gw) = ipc.gateway {
                ensure_bridge_addr(
                    host,
                    bridge.index,
                    ipc.address.with_addr(gw),
                    cfg.force_address,
                )
                .await?;
                let sysctl = if gw.is_ipv4() {
                    "/proc/sys/net/ipv4/ip_forward"
                } else {
                    "/proc/sys/net/ipv6/conf/all/forwarding"
                };
                netns::ensure_sysctl(sysctl, "1")?;
            }
        }
    }
    let tag = nft::tag(inv.env.container_id(), ifname);
    if cfg.ip_masq {
        let addrs: Vec<IpNet> = ipam.ips.iter().map(|i| i.address).collect();
        nft::add_masquerade(&tag, &addrs)?;
    }
    let cont_mac = format_mac(&cont_link.mac);
    if cfg.mac_spoof_check {
        nft::add_mac_spoof_check(&tag, &veth.name, &cont_mac)?;
    }
    trace::mark("configured");
    // The bridge's MAC can change when a port joins: read it last.
    let bridge = link::by_name(host, &veth.bridge)
        .await?
        .ok_or_else(|| missing(&veth.bridge))?;
    let ours = [
        (veth.bridge.clone(), bridge.mac, bridge.mtu, None),
        (veth.name.clone(), host_link.mac, host_link.mtu, None),
        (
            ifname.to_string(),
            cont_link.mac,
            cont_link.mtu,
            inv.env.netns.as_ref().map(|p| p.display().to_string()),
        ),
    ];
    // SPEC.md chaining: pass prevResult through, adding our interfaces.
    let mut result = inv.conf.prev_result.clone().unwrap_or_default();
    let base = result.interfaces.len();
    result
        .interfaces
        .extend(ours.into_iter().map(|(name, mac, mtu, sandbox)| Interface {
            name,
            mac: Some(format_mac(&mac)),
            mtu,
            sandbox,
            ..Default::default()
        }));
    result.ips.extend(ipam.ips.into_iter().map(|i| IpConfig {
        interface: Some(base + 2),
        ..i
    }));
    result.routes.extend(ipam.routes);
    if !ipam.dns.is_empty() {
        result.dns = ipam.dns;
    } else if let Some(dns) = inv.conf.raw.get("dns") {
        result.dns = serde_json::from_value(dns.clone()).map_err(|e| CniError::config("dns", e))?;
    }
    Ok(result)
}

/// `isDefaultGateway`: a default route per family via that family's gateway.
/// An IPAM default route through another gateway contradicts the option.
fn add_default_routes(ipam: &mut CniResult) -> Result<(), CniError> {
    for v4 in [true, false] {
        let Some(gw) = ipam
            .ips
            .iter()
            .find(|i| i.address.is_ipv4() == v4)
            .and_then(|i| i.gateway)
        else {
            continue;
        };
        let any: IpAddr = if v4 {
            [0, 0, 0, 0].into()
        } else {
            [0u16; 8].into()
        };
        let dst = IpNet::new(any, 0).map_err(|e| CniError::config("isDefaultGateway", e))?;
        match ipam.routes.iter_mut().find(|r| r.dst == dst) {
            Some(r) if r.gw.is_some_and(|g| g != gw) => {
                return Err(CniError::config(
                    "isDefaultGateway",
                    format!(
                        "IPAM already routes {dst} via {}, not via {gw}",
                        r.gw.unwrap_or(gw)
                    ),
                ))
            }
            Some(r) => r.gw = Some(gw),
            None => ipam.routes.push(Route::new(dst, Some(gw))),
        }
    }
    Ok(())
}

/// Put `addr` on the bridge. A different address of the same subnet is an
/// error unless `forceAddress`, which replaces it.
async fn ensure_bridge_addr(
    h: &Handle,
    index: u32,
    addr: IpNet,
    force: bool,
) -> Result<(), CniError> {
    for existing in link::addrs(h, index).await? {
        if existing == addr {
            return Ok(());
        }
        if existing.is_ipv4() == addr.is_ipv4()
            && (existing.contains(addr.addr()) || addr.contains(existing.addr()))
        {
            if !force {
                return Err(CniError::config(
                    "forceAddress",
                    format!(
                        "bridge already has {existing}, not {addr}; set forceAddress to replace it"
                    ),
                ));
            }
            link::del_addr(h, index, existing).await?;
        }
    }
    link::add_addr(h, index, addr, true).await
}

/// Best-effort rollback of a failed ADD; the original error is what counts.
async fn undo(inv: &Invocation, cfg: &BridgeConfig, host: &Handle, veth: Option<&HostVeth>) {
    if let Some(v) = veth {
        if let Ok(Some(l)) = link::by_name(host, &v.name).await {
            let _ = link::delete(host, l.index).await;
        }
    }
    if let Some(t) = &inv.conf.ipam_type {
        let _ = delegate::quiet(t, Verb::Del, &inv.env, &inv.conf.to_bytes());
    }
    if cfg.uses_nft() {
        let tag = nft::tag(inv.env.container_id(), inv.env.ifname());
        let _ = nft::remove_where(|c| c == tag);
    }
}
