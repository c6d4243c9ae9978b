//! DEL: idempotent teardown. A vanished namespace, a missing interface or an
//! attachment that was never added are all success (SPEC.md DEL: "Plugins
//! should generally complete a DEL action without error even if some
//! resources are missing").

use cni_plugin_kit::{delegate, CniError, ErrorCode, Invocation, Verb};

use crate::config::BridgeConfig;
use crate::{link, netns, nft};

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

/// Deleting the container end destroys the whole veth pair.
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
    match link::by_name(&cont, inv.env.ifname()).await? {
        Some(l) => link::delete(&cont, l.index).await,
        None => Ok(()),
    }
}
