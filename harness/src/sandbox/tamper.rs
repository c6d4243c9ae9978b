//! Breaking an attachment behind the plugin's back, so the suite can check
//! that CHECK notices (CHECK-* requirements) and that DEL copes with state
//! that is already gone (DEL-*). Each runs over netlink inside `ns`.

use std::io;

use super::ops;
use crate::result::Cidr;
use crate::sandbox::Netns;

/// Remove one address from an interface.
pub fn remove_address(ns: &Netns, ifname: &str, addr: Cidr) -> io::Result<()> {
    ops::del_address(ns, ifname, addr)
}

/// Delete an interface (for a veth, its peer goes too).
pub fn delete_interface(ns: &Netns, ifname: &str) -> io::Result<()> {
    ops::del_link(ns, ifname)
}

/// Rename an interface, keeping it up.
pub fn rename_interface(ns: &Netns, ifname: &str, new_name: &str) -> io::Result<()> {
    ops::rename_link(ns, ifname, new_name)
}

/// Delete every route to exactly `dst` (any table); returns how many.
pub fn flush_route(ns: &Netns, dst: Cidr) -> io::Result<usize> {
    ops::del_routes_to(ns, dst)
}

/// Add a route to `dst` out of `ifname`, as a later plugin of the chain
/// might on ADD (CHECK must allow for it).
pub fn add_route_via(ns: &Netns, ifname: &str, dst: Cidr) -> io::Result<()> {
    ops::add_route(ns, dst, None, Some(ifname))
}
