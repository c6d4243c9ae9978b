//! DEL: idempotent teardown. A vanished namespace, a missing interface or an
//! attachment that was never added are all success (SPEC.md DEL: "Plugins
//! should generally complete a DEL action without error even if some
//! resources are missing").

use cni_plugin_kit::{delegate, CniError, ErrorCode, Invocation, Verb};

use crate::config::BridgeConfig;
use crate::{detach, link, netns, nft, owner};

pub async fn del(inv: &Invocation, cfg: &BridgeConfig) -> Result<(), CniError> {
    // IPAM DEL runs in its own process while we remove the interface.
    let ipam = inv.conf.ipam_type.clone().map(|t| {
        let env = inv.env.clone();
        let stdin = inv.conf.to_bytes();
        std::thread::spawn(move || delegate::quiet(&t, Verb::Del, &env, &stdin))
    });
    let links = remove_container_link(inv).await;
    let firewall = if cfg.uses_nft() {
        let tag = nft::tag(inv.env.container_id(), inv.env.ifname());
        nft::remove_where(|c| c == tag)
    } else {
        Ok(())
    };
    let ipam = match ipam {
        Some(job) => job
            .join()
            .unwrap_or_else(|_| Err(CniError::new(ErrorCode::Internal, "IPAM thread panicked"))),
        None => Ok(()),
    };
    ipam.and(links).and(firewall)
}

/// Deleting the container end destroys the whole veth pair. An interface we
/// did not make (see `owner`) is left alone.
async fn remove_container_link(inv: &Invocation) -> Result<(), CniError> {
    let Some(path) = &inv.env.netns else {
        return Ok(());
    };
    let Some(ns) = netns::open(path)? else {
        return Ok(());
    };
    // A path that is no longer a namespace (e.g. an unmounted pin) cannot
    // be entered: its interfaces are gone with it.
    let Ok(cont) = netns::handle_in(&ns) else {
        return Ok(());
    };
    let Some(l) = link::by_name(&cont, inv.env.ifname()).await? else {
        return Ok(());
    };
    let label = owner::label(inv.env.container_id(), inv.env.ifname());
    let host = netns::handle_here()?;
    let Some(host_end) = owner::host_end(&host, &l, &label).await? else {
        return Ok(());
    };
    detach::delete_link(&ns, l.index)?;
    // The bridge's carrier/operstate change from losing a port is applied by
    // the kernel's linkwatch up to a second later; a single-link GET syncs it
    // (rtnl_getlink -> linkwatch_sync_dev), so DEL's effect is settled when
    // we return.
    if let Some(bridge) = host_end.controller {
        link::by_index(&host, bridge).await?;
    }
    Ok(())
}
