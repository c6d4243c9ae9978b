//! Which container interface is ours. A runtime sends DEL even after an ADD
//! that failed because `CNI_IFNAME` already existed, so DEL must remove only
//! an interface this plugin made (SPEC.md DEL releases "resources ... for the
//! container"; someone else's interface is not one). The host end of each
//! pair is named after its attachment, so DEL deletes the container end only
//! when its veth peer, cross-checked by index, bears that name. A name costs
//! nothing extra at ADD (a label would need one more netlink request).

use cni_plugin_kit::CniError;
use rtnetlink::Handle;

use crate::link::{self, Link};

/// Hex digits after `veth`: IFNAMSIZ - 1 = 15 characters in all.
const DIGITS: usize = 11;

/// The host-side name of attachment (`container_id`, `ifname`): `veth` and
/// 44 bits of a 64-bit FNV-1a hash. (container id, ifname) is unique on a
/// node; two attachments sharing a name would need a 44-bit collision, and
/// the second ADD would then fail cleanly with "already exists".
pub fn host_veth_name(container_id: &str, ifname: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in container_id.bytes().chain([0]).chain(ifname.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let hex = format!("{h:016x}");
    format!("veth{}", &hex[..DIGITS])
}

/// The host end, in our namespace, of the pair whose container end is
/// `cont`, if it is named `host_name`; None when `cont` is not ours.
pub async fn host_end(
    host: &Handle,
    cont: &Link,
    host_name: &str,
) -> Result<Option<Link>, CniError> {
    let Some(peer) = cont.peer.filter(|_| cont.is_veth && cont.peer_elsewhere) else {
        return Ok(None);
    };
    Ok(link::by_index(host, peer)
        .await?
        .filter(|h| h.is_veth && h.peer == Some(cont.index) && h.name == host_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_distinct_and_stable() {
        let a = host_veth_name("abc", "eth0");
        assert_eq!(a.len(), 15);
        assert!(a.starts_with("veth"));
        assert_eq!(a, host_veth_name("abc", "eth0"));
        assert_ne!(a, host_veth_name("abc", "eth1"));
        assert_ne!(a, host_veth_name("abce", "th0"));
        cni_plugin_kit::env::validate_ifname(&a).unwrap();
    }
}
