//! A repeated ADD of the same (container, network, interface): a runtime
//! retrying an ADD it lost the answer of sends exactly that. The plugin
//! either refuses it (a main plugin must: its interface exists, ADD-5) or,
//! for an IPAM plugin, answers with the reservation it already holds; it
//! never ends up holding two for one attachment, and a refusal never
//! releases the one the first ADD holds (IPAM-REPEAT).

use std::net::IpAddr;

use super::Finding;
use crate::kernel::{Change, ChangeKind, Class};

pub mod ids {
    pub const REPEAT: &str = "IPAM-REPEAT";
}

/// State files a change is about that name the container (its ID in the
/// path, as libcni's cache files, or in the content, as host-local's
/// reservation files `<ip>` holding `<id>\r\n<ifname>`).
fn names_container(c: &Change, container_id: &str) -> bool {
    c.class == Class::File
        && !container_id.is_empty()
        && (c.key.contains(container_id) || c.detail.contains(container_id))
}

/// Judge the state files between the first ADD and the repeated one
/// (`changes`), and, when the repeated ADD of an IPAM plugin succeeded,
/// its addresses against the first's.
pub fn judge(
    changes: &[Change],
    container_id: &str,
    first: &[IpAddr],
    second: Option<&[IpAddr]>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in changes.iter().filter(|c| names_container(c, container_id)) {
        match c.kind {
            ChangeKind::Added => out.push(
                Finding::error(
                    ids::REPEAT,
                    format!("the repeated ADD made a second reservation: {c}"),
                )
                .expected("the reservation of the first ADD, and no other")
                .actual(c.to_string()),
            ),
            ChangeKind::Removed => out.push(
                Finding::error(
                    ids::REPEAT,
                    format!("the repeated ADD released what the first ADD holds: {c}"),
                )
                .expected("the first ADD's reservation kept")
                .actual(c.to_string()),
            ),
            ChangeKind::Changed => {}
        }
    }
    if let Some(second) = second {
        let (mut a, mut b) = (first.to_vec(), second.to_vec());
        a.sort();
        b.sort();
        if a != b {
            out.push(
                Finding::error(
                    ids::REPEAT,
                    "the repeated ADD returned other addresses than the first",
                )
                .expected(format!("{a:?}"))
                .actual(format!("{b:?}")),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{Object, Side};

    fn file(kind: ChangeKind, path: &str, content: &str) -> Change {
        Change {
            side: Side::Node,
            class: Class::File,
            key: path.into(),
            kind,
            detail: content.into(),
            object: Object::File { path: path.into() },
        }
    }

    #[test]
    fn a_second_reservation_or_a_released_first_one_is_found() {
        let ip: IpAddr = "10.88.0.2".parse().expect("ip");
        let other: IpAddr = "10.88.0.3".parse().expect("ip");
        let added = file(
            ChangeKind::Added,
            "/var/lib/cni/networks/n/10.88.0.3",
            "\"cnih-ctr-0\\r\\neth0\"",
        );
        let removed = file(
            ChangeKind::Removed,
            "/var/lib/cni/networks/n/10.88.0.2",
            "\"cnih-ctr-0\\r\\neth0\"",
        );
        let bookkeeping = file(
            ChangeKind::Changed,
            "/var/lib/cni/networks/n/last_reserved_ip.0",
            "\"10.88.0.2\" -> \"10.88.0.3\"",
        );
        assert!(judge(
            std::slice::from_ref(&bookkeeping),
            "cnih-ctr-0",
            &[ip],
            None
        )
        .is_empty());
        assert_eq!(judge(&[added, removed], "cnih-ctr-0", &[ip], None).len(), 2);
        assert!(judge(&[], "cnih-ctr-0", &[ip], Some(&[ip])).is_empty());
        assert_eq!(judge(&[], "cnih-ctr-0", &[ip], Some(&[other])).len(), 1);
    }
}
