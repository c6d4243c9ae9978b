//! A namespace packets are sent from or answered in, named for messages.

use crate::sandbox::Netns;

/// A namespace packets are sent from or answered in, with the name failures
/// call it by (`container cnih-ctr-0`, `node`, `uplink`).
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    pub name: &'a str,
    pub ns: &'a Netns,
}
