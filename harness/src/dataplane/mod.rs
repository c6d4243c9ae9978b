//! The data plane: real packets between the sandbox's namespaces, sent and
//! received by the harness process itself (no `ping` binary), to prove that
//! the network a plugin set up carries traffic and not only that the kernel
//! tables agree with its result.
//!
//! - [`echo`]: ICMP and ICMPv6 echo, any size, optionally don't-fragment;
//! - [`udp_tcp`]: a UDP and a TCP exchange, the listener recording the
//!   client's address as it arrived (what masquerading rewrites);
//! - [`wait`]: waiting for IPv6 duplicate address detection, bounded;
//! - [`claims`]: what a result claims about the data plane (gateways,
//!   routes, MTU), the input of the cases;
//!
//! What the reports mean for the requirements is judged in
//! `crate::judge::dataplane`, shared by the suite's `dp/` cases and the fuzzer.
//!
//! Every socket is opened on a thread that entered the namespace and used
//! from the caller's thread (a socket stays in the namespace it was made
//! in); every probe has a deadline and leaves nothing behind but closed
//! sockets.

pub mod claims;
pub mod echo;
mod endpoint;
pub mod hints;
pub mod icmp;
pub mod report;
pub mod socket;
pub mod udp_tcp;
pub mod wait;
pub mod world;

pub use echo::{echo, Echo};
pub use endpoint::Endpoint;
pub use report::{Answer, ProbeReport, Sent};
pub use udp_tcp::{tcp, udp, Exchange, PROBE_PORT};
pub use wait::Patience;
pub use world::World;
