//! The kinds of kernel object a snapshot holds, shared by the diff and the
//! per-kind identities of `items` (its own file so neither imports the other).

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of object changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Netns,
    Link,
    Addr,
    Route,
    Rule,
    Neigh,
    Sysctl,
    Qdisc,
    Firewall,
    File,
    Process,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Netns => "netns",
            Class::Link => "link",
            Class::Addr => "addr",
            Class::Route => "route",
            Class::Rule => "rule",
            Class::Neigh => "neigh",
            Class::Sysctl => "sysctl",
            Class::Qdisc => "qdisc",
            Class::Firewall => "firewall",
            Class::File => "file",
            Class::Process => "process",
        })
    }
}
