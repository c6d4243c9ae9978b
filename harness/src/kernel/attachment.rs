//! The links of one attachment, read on their own: the container interface
//! `CNI_IFNAME`, its veth peer in the calling thread's namespace, and the
//! bridge that peer is a port of. The delegate tap's shim reads them when a
//! delegate's ADD returns, so that a finding on the final links can be told
//! apart: made by the delegate (the link was already so when it returned)
//! or by the plugin that ran it (the link changed afterwards).

use std::io;
use std::path::Path;

use super::model::Link;
use super::{Coverage, Probe};
use crate::sandbox::Netns;

/// The attachment's links as they are now: the container's `ifname` first,
/// then its node end and that end's bridge, when they exist. Read from the
/// caller's namespace (the node a plugin runs in).
pub fn links(netns: &Path, ifname: &str) -> io::Result<Vec<Link>> {
    let ns = Netns::open(netns)?;
    let container = Probe::open(&ns)?.read(Coverage::Links)?;
    drop(ns);
    let Some(inner) = container.links.into_iter().find(|l| l.name == ifname) else {
        return Ok(Vec::new());
    };
    let node = Probe::here()?.read(Coverage::Links)?;
    let outer = node.veth_end_of(&inner).cloned();
    let bridge = outer.as_ref().and_then(|o| node.bridge_of(o)).cloned();
    Ok(std::iter::once(inner).chain(outer).chain(bridge).collect())
}
