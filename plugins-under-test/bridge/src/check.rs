//! CHECK (SPEC.md, from 0.4.0): the container interface, its addresses and
//! routes still match `prevResult`, the bridge exists, and IPAM agrees.

use cni_plugin_kit::{delegate, CniError, ErrorCode, Invocation, Verb};

use crate::config::{format_mac, BridgeConfig};
use crate::{link, netns, owner};

fn failed(msg: impl Into<String>) -> CniError {
    CniError::new(ErrorCode::CheckFailed, msg)
}

pub async fn check(inv: &Invocation, cfg: &BridgeConfig) -> Result<(), CniError> {
    let prev = inv
        .conf
        .prev_result
        .as_ref()
        .ok_or_else(|| CniError::config("prevResult", "is required for CHECK"))?;
    let ifname = inv.env.ifname();
    let path = inv.env.netns.clone().unwrap_or_default();
    let ns = netns::open(&path)?
        .ok_or_else(|| failed(format!("CNI_NETNS {} does not exist", path.display())))?;
    let idx = prev
        .interfaces
        .iter()
        .position(|i| i.name == ifname && i.sandbox.is_some())
        .ok_or_else(|| failed(format!("prevResult lists no container interface {ifname}")))?;
    let cont = netns::handle_in(&ns)?;
    let l = link::by_name(&cont, ifname)
        .await?
        .ok_or_else(|| failed(format!("interface {ifname} is missing from the container")))?;
    if let Some(mac) = &prev.interfaces[idx].mac {
        let actual = format_mac(&l.mac);
        if !mac.eq_ignore_ascii_case(&actual) {
            return Err(failed(format!(
                "{ifname} has MAC {actual}, prevResult says {mac}"
            )));
        }
    }
    let addrs = link::addrs(&cont, l.index).await?;
    for ipc in prev.ips.iter().filter(|i| i.interface == Some(idx)) {
        if !addrs.contains(&ipc.address) {
            return Err(failed(format!("{ifname} lacks address {}", ipc.address)));
        }
    }
    // Any interface: an identical route may predate ours (ADD tolerates EEXIST).
    let routes = link::routes(&cont, None).await?;
    for r in &prev.routes {
        let found = routes
            .iter()
            .any(|(dst, gw)| dst.network() == r.dst.network() && (r.gw.is_none() || *gw == r.gw));
        if !found {
            return Err(failed(format!("container lacks route to {}", r.dst)));
        }
    }
    let host = netns::handle_here()?;
    let bridge = match link::by_name(&host, &cfg.bridge).await? {
        Some(b) if b.is_bridge => b,
        _ => return Err(failed(format!("bridge {} is missing", cfg.bridge))),
    };
    // The interface must still be the one ADD made, plugged into the bridge.
    let host_name = owner::host_veth_name(inv.env.container_id(), ifname);
    match owner::host_end(&host, &l, &host_name).await? {
        None => {
            return Err(failed(format!(
                "{ifname} is not the veth this network made (host end {host_name})"
            )))
        }
        Some(h) if h.controller != Some(bridge.index) => {
            return Err(failed(format!(
                "{host_name} is not a port of bridge {}",
                cfg.bridge
            )))
        }
        Some(_) => {}
    }
    if let Some(t) = &inv.conf.ipam_type {
        delegate::quiet(t, Verb::Check, &inv.env, &inv.conf.to_bytes())?;
    }
    Ok(())
}
