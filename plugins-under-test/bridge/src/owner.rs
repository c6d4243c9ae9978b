//! Which container interface is ours. A runtime sends DEL even after an ADD
//! that failed because `CNI_IFNAME` already existed, so DEL must remove only
//! an interface this plugin made (SPEC.md DEL releases "resources ... for the
//! container"; someone else's interface is not one). ADD labels the host end
//! of each pair with the attachment; DEL deletes the container end only when
//! its veth peer, cross-checked by index, carries that label.

use cni_plugin_kit::CniError;
use rtnetlink::Handle;

use crate::link::{self, Link};
use crate::nft;

/// IFALIASZ - 1.
const MAX_ALIAS: usize = 255;

/// The label of attachment (`container_id`, `ifname`): the firewall tag,
/// which is ASCII, cut to what the kernel stores.
pub fn label(container_id: &str, ifname: &str) -> String {
    let mut tag = nft::tag(container_id, ifname);
    tag.truncate(MAX_ALIAS);
    tag
}

/// The host end, in our namespace, of the pair whose container end is
/// `cont`, if it carries `label`; None when `cont` is not ours.
pub async fn host_end(host: &Handle, cont: &Link, label: &str) -> Result<Option<Link>, CniError> {
    let Some(peer) = cont.peer.filter(|_| cont.is_veth && cont.peer_elsewhere) else {
        return Ok(None);
    };
    Ok(link::by_index(host, peer)
        .await?
        .filter(|h| h.is_veth && h.peer == Some(cont.index) && h.alias.as_deref() == Some(label)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fit_the_kernel() {
        assert_eq!(label("abc", "eth0"), "cni-ref abc eth0");
        assert_eq!(label(&"a".repeat(400), "eth0").len(), MAX_ALIAS);
    }
}
