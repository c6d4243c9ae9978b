//! Things some plugins need in the node namespace before they can run
//! (a parent interface for macvlan/ipvlan/vlan), and probing which link
//! kinds this kernel can create at all.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use rtnetlink::LinkVeth;

use super::{Netns, PREFIX, ROOT_DIR};
use crate::netlink;

/// Create an up veth pair `name` / `<name>p` in `ns`, standing in for a node's
/// physical interface (the one link type that always works here).
pub fn add_parent_link(ns: &Netns, name: &str) -> io::Result<()> {
    let peer = peer_name(name);
    let name = name.to_string();
    ns.run(move || {
        netlink::here(|h| async move {
            h.link()
                .add(LinkVeth::new(&name, &peer).build())
                .execute()
                .await
                .map_err(netlink::nl_err(format!("creating veth {name}")))?;
            for link in [&name, &peer] {
                netlink::set_up(&h, link).await?;
            }
            // Looking the links up again makes the kernel apply the pending
            // carrier change now, before anyone snapshots the namespace.
            for link in [&name, &peer] {
                netlink::link_index(&h, link).await?;
            }
            Ok(())
        })
    })?
}

/// `<name>p`, shortened by whole characters so that it fits the kernel's
/// 15 bytes (names are UTF-8: cutting at a byte count could split one): the
/// far end of a parent link (the data-plane uplink may take it).
pub fn peer_name(name: &str) -> String {
    let mut stem = String::new();
    for c in name.chars() {
        if stem.len() + c.len_utf8() + 1 > crate::config::validate::IFNAME_MAX_BYTES {
            break;
        }
        stem.push(c);
    }
    format!("{stem}p")
}

/// Whether this kernel can create links of `kind` (e.g. `ipvlan`, `vlan`,
/// `vrf`), probed once per process in a throwaway namespace.
pub fn link_kind_supported(kind: &str) -> io::Result<bool> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, bool>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(BTreeMap::new()));
    // Held for the whole probe: concurrent cases asking for the same kind
    // wait for one answer instead of racing for the probe's namespace.
    let mut cache = cache
        .lock()
        .map_err(|_| io::Error::other("link kind probe cache poisoned"))?;
    if let Some(known) = cache.get(kind) {
        return Ok(*known);
    }
    let path = Path::new(ROOT_DIR).join(format!("{PREFIX}{}-probe-{kind}", std::process::id()));
    let ns = Netns::create(&path)?;
    add_parent_link(&ns, "parent0")?;
    let k = kind.to_string();
    let ok = ns.run(move || {
        // Kinds that stack on a parent get one; the rest stand alone.
        let mut args = vec!["link", "add", "name", "probe0"];
        if matches!(k.as_str(), "macvlan" | "ipvlan" | "vlan" | "macvtap") {
            args.extend(["link", "parent0"]);
        }
        args.extend(["type", k.as_str()]);
        match k.as_str() {
            "vlan" => args.extend(["id", "10"]),
            "vrf" => args.extend(["table", "10"]),
            _ => {}
        }
        std::process::Command::new("ip")
            .args(&args)
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
    })??;
    drop(ns);
    cache.insert(kind.to_string(), ok);
    Ok(ok)
}

#[cfg(test)]
mod tests {
    #[test]
    fn peer_names_fit_and_keep_whole_characters() {
        assert_eq!(super::peer_name("eth0"), "eth0p");
        assert_eq!(super::peer_name("abcdefghijklmno"), "abcdefghijklmnp");
        // A two-byte character across byte 14 is dropped whole.
        assert_eq!(super::peer_name("abcdefghijklmé"), "abcdefghijklmp");
    }
}
