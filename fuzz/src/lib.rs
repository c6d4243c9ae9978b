//! Fuzz target bodies for the parsers that read input users and plugins
//! control. Each body asserts properties beyond "no panic" (round trips,
//! agreement between the harness's and the reference kit's readers, invariants
//! of what a parser accepted). `fuzz_targets/*.rs` call these under libFuzzer;
//! the `replay` tests run the seed corpus and the regressions through them in
//! the ordinary test suite.

mod args;
mod config;
pub mod gen;
mod netconf;
#[cfg(test)]
mod replay;
mod reply;

pub use args::cni_args;
pub use config::{network_config, profile};
pub use netconf::plugin_netconf;
pub use reply::{cidr, plugin_reply};

/// A target body: any bytes in, a panic when a property fails.
pub type Body = fn(&[u8]);

/// Every target by name, for the replay test and tools.
pub const TARGETS: &[(&str, Body)] = &[
    ("network_config", network_config),
    ("profile", profile),
    ("plugin_reply", plugin_reply),
    ("cidr", cidr),
    ("cni_args", cni_args),
    ("plugin_netconf", plugin_netconf),
];
