//! `cni-ref-bridge`: the project's reference bridge plugin. It talks
//! route-netlink directly and delegates addressing to any IPAM plugin on
//! `CNI_PATH`.

mod add;
mod check;
mod del;
mod detach;
mod link;
mod netns;
mod nft;
mod owner;
mod trace;

use std::future::Future;

use cni_plugin_kit::{
    delegate, dispatch, CniError, CniResult, ErrorCode, Invocation, Plugin, Verb,
};
use serde_json::Value;

use cni_ref_bridge::config::{self, BridgeConfig};

struct Bridge;

/// One current-thread runtime per invocation: a plugin does one thing.
fn block_on<T>(f: impl Future<Output = Result<T, CniError>>) -> Result<T, CniError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| CniError::new(ErrorCode::Internal, format!("starting async runtime: {e}")))?
        .block_on(f)
}

impl Plugin for Bridge {
    fn add(&self, inv: &Invocation) -> Result<CniResult, CniError> {
        let cfg = BridgeConfig::from_conf(&inv.conf)?;
        let r = block_on(add::add(inv, &cfg));
        trace::mark("ADD done");
        r
    }

    fn del(&self, inv: &Invocation) -> Result<(), CniError> {
        let cfg = BridgeConfig::from_conf(&inv.conf)?;
        let r = block_on(del::del(inv, &cfg));
        trace::mark("DEL done");
        r
    }

    fn check(&self, inv: &Invocation) -> Result<(), CniError> {
        let cfg = BridgeConfig::from_conf(&inv.conf)?;
        block_on(check::check(inv, &cfg))
    }

    /// Ready when IPAM is (SPEC.md STATUS); without IPAM nothing can run out.
    fn status(&self, inv: &Invocation) -> Result<(), CniError> {
        BridgeConfig::from_conf(&inv.conf)?;
        match &inv.conf.ipam_type {
            Some(t) => delegate::quiet(t, Verb::Status, &inv.env, &inv.conf.to_bytes()),
            None => Ok(()),
        }
    }

    /// SPEC.md GC: IPAM collects addresses; we drop firewall rules of
    /// attachments not in the valid list.
    fn gc(&self, inv: &Invocation) -> Result<(), CniError> {
        let cfg = BridgeConfig::from_conf(&inv.conf)?;
        let ipam = match &inv.conf.ipam_type {
            Some(t) => delegate::quiet(t, Verb::Gc, &inv.env, &inv.conf.to_bytes()),
            None => Ok(()),
        };
        if cfg.uses_nft() {
            let keep = valid_tags(&inv.conf.raw);
            nft::remove_where(|c| !keep.iter().any(|k| k == c))?;
        }
        ipam
    }
}

/// Rule tags of the attachments GC must keep (`cni.dev/valid-attachments`,
/// or `cni.dev/attachments` as at the 1.1.0 tag).
fn valid_tags(raw: &serde_json::Map<String, Value>) -> Vec<String> {
    ["cni.dev/valid-attachments", "cni.dev/attachments"]
        .iter()
        .filter_map(|k| raw.get(*k)?.as_array())
        .flatten()
        .filter_map(|a| {
            let id = a.get("containerID")?.as_str()?;
            let ifname = a.get("ifname")?.as_str()?;
            Some(nft::tag(id, ifname))
        })
        .collect()
}

fn main() {
    trace::init();
    dispatch(&Bridge)
}
